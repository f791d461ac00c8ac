"""Emails when it is someone's turn, switched per school (issue 17, point 4), and the register marks
as signed on each pack, so the next version can say what changed (issue 17, point 5)

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SWITCHES = ('email_head_awaiting_signoff', 'email_office_sent_back', 'email_office_la_decision')


def upgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        for name in SWITCHES:
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('packs', schema=None) as batch_op:
        batch_op.drop_column('register')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        for name in SWITCHES:
            batch_op.drop_column(name)
