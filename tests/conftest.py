"""Shared fixtures: a real database (SQLite, and PostgreSQL where reachable), real storage."""
from __future__ import annotations

import os
import shutil
import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from forms_service import create_app
from forms_service.access import accounts, mfa
from forms_service.access.accounts import create_demo_data
from forms_service.database import upgrade
from forms_service.models import Base, db

from support.snapshot import Snapshot

PASSWORD = "correct horse battery staple"
LA_INBOX = "legal-interventions@la.test"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Argon2id with its cheapest parameters while the tests run: the `app` fixture creates six
    demo users per test, and the default work factors (about 0.25 s a hash) would cost seconds a
    test. The algorithm and the verification are the real ones; only the work factors are smaller."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", cheap)
        mp.setattr(accounts, "_DUMMY_HASH", cheap.hash("not a real password"))
        yield


@pytest.fixture(scope="session", autouse=True)
def totp_clock():
    """Second-factor codes are checked on the tests' own clock (tests/support/totp.py), which steps forward past
    a step already used rather than have a test wait 30 s to sign the same user in again. For the whole session:
    a module's fixtures sign in too, and the clock only ever moves forward."""
    from support import totp

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mfa, "now", totp.clock)
        yield totp.clock


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """Migrate one SQLite file once; each test gets a copy (fast, and it runs the real migrations)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "STORAGE_DIR": str(path.parent)})
    upgrade(app)
    return path


@pytest.fixture(scope="session")
def migrated_postgres():
    if not _postgres_reachable():
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but {POSTGRES_ADMIN_URL} is unreachable")
        pytest.skip("PostgreSQL not reachable; set TEST_POSTGRES_URL")
    name = f"forms_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    upgrade(app)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def database_url(request, backend, tmp_path):
    if backend == "sqlite":
        template = request.getfixturevalue("migrated_sqlite")
        path = tmp_path / "forms.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("migrated_postgres")
        yield url
        engine = create_engine(url)
        with engine.begin() as conn:
            # DELETE, children first, and each sequence restarted: what TRUNCATE ... RESTART IDENTITY does, in a
            # third of its time on a test's few rows (TRUNCATE makes every table's files anew).
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            for sequence in conn.execute(text("SELECT sequence_name FROM information_schema.sequences")).scalars():
                conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        engine.dispose()


# The demonstration data as create_demo_data leaves it, for each backend and what it reads of the configuration (the
# MFA key or the tests' demo key, and the demo second-factor secret): made by a worker's first test and restored into
# each later test's own fresh database (support/snapshot.py), about 25 ms a test less than making it again.
_DEMO_DATA: dict = {}


@pytest.fixture
def app(database_url, tmp_path, backend):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "SECRET_KEY": "test-secret",
        "LA_INBOX": LA_INBOX,
        "SMTP_URL": "smtp://127.0.0.1:1",  # nothing listens: tests that send start their own server
    })
    key = (backend, tuple(app.config["MFA_KEY"] or ()), app.config["DEMO_TOTP_SECRET"])
    if key in _DEMO_DATA:
        _DEMO_DATA[key].restore(app, storage=False)  # the demonstration data stores no file
    else:
        with app.app_context():
            create_demo_data(PASSWORD, LA_INBOX)
        _DEMO_DATA[key] = Snapshot.take(app)
        assert not _DEMO_DATA[key].files, "the demonstration data stored a file: restore storage too"
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def setups_made_once():
    """A module's slow setups, made for its first test of each backend and restored into each later test's own
    fresh app (tests/support/snapshot.py `made_once`): kept for the module only."""
    return {}
