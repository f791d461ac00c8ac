"""The schema: Alembic migrations match the models, on SQLite and PostgreSQL, and the service
answers /healthz on a migrated database."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from forms_service.models import Base


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
