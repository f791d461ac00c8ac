"""Reminders (issue 22): the daily digest of what falls due, switched per school, once per school and day;
and each user's private calendar feed (the SHA-256 of its secret address)

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_daily_digest', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'reminder_digests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('due', sa.Integer(), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.Column('emails', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('school_id', 'day'),
    )
    with op.batch_alter_table('reminder_digests', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_digests_day', ['day'], unique=False)
    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id'),
        sa.UniqueConstraint('token_sha256'),
    )


def downgrade() -> None:
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('reminder_digests', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_digests_day')
    op.drop_table('reminder_digests')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('email_daily_digest')
