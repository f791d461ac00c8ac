"""Audit events cannot be changed, even by raw SQL: a trigger refuses any UPDATE.

The ORM already refuses updates and deletes (forms_service/audit.py). Deletes stay allowed at the
database level because the retention purge removes a record's events with it (SQLite has no session
setting a trigger could read to tell a purge from anything else); updates are never legitimate.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

MESSAGE = "audit events are append-only: they cannot be changed"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$;
        """)
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_update()")
    else:
        op.execute(f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update" +
               (" ON audit_events" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_refuse_update()")
