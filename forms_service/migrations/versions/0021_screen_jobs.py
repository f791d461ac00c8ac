"""Long work in worker processes (issue 25): LA-wide screens as background jobs (screen_jobs); for them and letters
in bulk, the number of times a job has been claimed (attempts), so that a job whose runners keep dying fails
clearly, and which runner holds it (claimed_by: host and process id)

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'screen_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('la_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('code_set', sa.String(length=20), nullable=False),
        sa.Column('stage', sa.String(length=200), nullable=True),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('inputs', sa.JSON(), nullable=True),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('crossings', sa.JSON(), nullable=True),
        sa.Column('result_key', sa.String(length=255), nullable=True),
        sa.Column('claim', sa.String(length=32), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(length=100), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('screen_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screen_jobs_la_id'), ['la_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_screen_jobs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_screen_jobs_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('bulk_letter_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bulk_letter_jobs', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('attempts')
    with op.batch_alter_table('screen_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screen_jobs_expires_at'))
        batch_op.drop_index(batch_op.f('ix_screen_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_screen_jobs_la_id'))
    op.drop_table('screen_jobs')
