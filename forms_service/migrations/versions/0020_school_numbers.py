"""The school's numbers (issue 25): its URN and its DfE number (LA code and establishment number), which an LA's
file of every school's marks names its schools by; each unique within the LA

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urn', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('dfe_number', sa.String(length=7), nullable=True))
        batch_op.create_unique_constraint('uq_schools_la_id_urn', ['la_id', 'urn'])
        batch_op.create_unique_constraint('uq_schools_la_id_dfe_number', ['la_id', 'dfe_number'])


def downgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_constraint('uq_schools_la_id_dfe_number', type_='unique')
        batch_op.drop_constraint('uq_schools_la_id_urn', type_='unique')
        batch_op.drop_column('dfe_number')
        batch_op.drop_column('urn')
