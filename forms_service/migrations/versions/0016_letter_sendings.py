"""Letters recorded as sent (issue 18): how, on which day and to whom a letter, agreement, plan or
record the school issued itself was sent (letter_sendings)

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_sendings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('letter_sendings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_sendings_referral_id'), ['referral_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('letter_sendings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_sendings_referral_id'))
    op.drop_table('letter_sendings')
