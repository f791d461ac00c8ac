"""LA notices issued from the service (issue 15): the LA's address and payment methods, the notice's
receipt date, improvement period, amounts, withdrawal grounds and amount paid on la_outcomes, and the
issued documents (notice_files)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('local_authorities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('telephone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('payment_methods', sa.Text(), nullable=True))
    with op.batch_alter_table('la_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('amounts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('grounds', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('amount_paid', sa.Integer(), nullable=True))
    op.create_table('notice_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outcome_id'], ['la_outcomes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outcome_id', 'format')
    )
    with op.batch_alter_table('notice_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_files_outcome_id'), ['outcome_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notice_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_files_outcome_id'))
    op.drop_table('notice_files')
    with op.batch_alter_table('la_outcomes', schema=None) as batch_op:
        for name in ('amount_paid', 'grounds', 'amounts', 'period_end', 'period_start', 'received_on'):
            batch_op.drop_column(name)
    with op.batch_alter_table('local_authorities', schema=None) as batch_op:
        for name in ('payment_methods', 'contact_email', 'telephone', 'address'):
            batch_op.drop_column(name)
