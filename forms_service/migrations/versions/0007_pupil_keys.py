"""Pupil keys: digests of who each referral and signed pack is about, indexed, so a child's other
records are found without reading every record (forms_service.pupils)

Revision ID: 0007
Revises: 0006
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('referrals', 'packs')


def _norm(value) -> str:
    return " ".join(value.split()).casefold() if isinstance(value, str) else ""


def keys(data) -> tuple:
    """forms_service.pupils.keys as of this revision, written out so the migration never changes
    with the application's code."""
    pupil = data.get("pupil") if isinstance(data, dict) else None
    pupil = pupil if isinstance(pupil, dict) else {}
    upn = _norm(pupil.get("upn")).replace(" ", "")
    person = tuple(_norm(pupil.get(k)) for k in ("first_name", "last_name", "date_of_birth"))

    def digest(*parts):
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return (digest("upn", upn) if upn else None), (digest("person", *person) if all(person) else None)


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('pupil_upn_key', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('pupil_person_key', sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{name}_pupil_person_key'), ['pupil_person_key'], unique=False)
            batch_op.create_index(batch_op.f(f'ix_{name}_pupil_upn_key'), ['pupil_upn_key'], unique=False)
    # The keys of the records already held, from their answers (as the models keep them from now on).
    conn = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column('id', sa.Integer), sa.column('data', sa.JSON),
                         sa.column('pupil_upn_key', sa.String), sa.column('pupil_person_key', sa.String))
        rows = conn.execute(sa.select(table.c.id, table.c.data)).all()
        for row_id, data in rows:
            upn_key, person_key = keys(data)
            if upn_key or person_key:
                conn.execute(table.update().where(table.c.id == row_id)
                             .values(pupil_upn_key=upn_key, pupil_person_key=person_key))


def downgrade() -> None:
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_pupil_upn_key'))
            batch_op.drop_index(batch_op.f(f'ix_{name}_pupil_person_key'))
            batch_op.drop_column('pupil_person_key')
            batch_op.drop_column('pupil_upn_key')
