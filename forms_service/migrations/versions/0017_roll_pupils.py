"""The school's pupils as its MIS exported them (issue 18: pupils entered once), chosen when starting
a letter or request; kept RETENTION_ROLL after the import

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'roll_pupils',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('pupil_upn_key', sa.String(length=64), nullable=True),
        sa.Column('pupil_person_key', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id']),
        sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('roll_pupils', schema=None) as batch_op:
        batch_op.create_index('ix_roll_pupils_school_id', ['school_id'], unique=False)
        batch_op.create_index('ix_roll_pupils_pupil_upn_key', ['pupil_upn_key'], unique=False)
        batch_op.create_index('ix_roll_pupils_pupil_person_key', ['pupil_person_key'], unique=False)


def downgrade() -> None:
    op.drop_table('roll_pupils')
