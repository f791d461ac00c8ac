"""Bringing a database to the current schema with Alembic, from code (no alembic.ini to find)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def create_private_sqlite(url: str) -> None:
    """A SQLite database file the service is about to create is made first, empty and 0600 (its new
    folders 0700), whatever the umask: sqlite3 would make it 0644, readable by every account on the
    machine. SQLite gives its -journal and -wal files the database file's mode, so they are 0600 too.
    A file that exists already is left as it is; PostgreSQL and in-memory databases are not files."""
    from sqlalchemy.engine import make_url

    from .storage import private_file, private_folders

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or parsed.query.get("mode") == "memory":
        return
    path = Path(parsed.database)
    if path.exists():
        return
    private_folders(path.parent)
    try:
        private_file(path).close()  # an empty file is an empty SQLite database
    except FileExistsError:  # another process made it a moment ago
        pass


def upgrade(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    create_private_sqlite(url)
    command.upgrade(alembic_config(url), "head")
