"""The school's letterhead (issue 18): its postal address, telephone, email for parents, headteacher's
name and an optional logo, printed at the head of every letter and form it sends

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('telephone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('headteacher_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_type', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        for name in ('logo_type', 'logo', 'headteacher_name', 'email', 'telephone', 'address'):
            batch_op.drop_column(name)
