"""Bulk letter jobs: letters to many families made in the background, with their progress

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulk_letter_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('plan', sa.JSON(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('storage_key', sa.String(length=255), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bulk_letter_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_letter_jobs_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bulk_letter_jobs_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bulk_letter_jobs_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bulk_letter_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_letter_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_bulk_letter_jobs_school_id'))
        batch_op.drop_index(batch_op.f('ix_bulk_letter_jobs_expires_at'))

    op.drop_table('bulk_letter_jobs')
