"""Outbox: count the sends each message has begun, so that one whose sending kills the worker every
time is marked failed after a few tries instead of being retried for ever (delivery.MAX_UNFINISHED_SENDS)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sends_started', sa.Integer(), nullable=False, server_default='0'))
    # Every recorded attempt was a send begun; sends that never came back before now were not counted,
    # so each row starts with none unfinished (rather than with credit for its recorded attempts).
    outbox = sa.table('outbox', sa.column('attempts', sa.Integer), sa.column('sends_started', sa.Integer))
    op.execute(outbox.update().values(sends_started=outbox.c.attempts))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('sends_started')
