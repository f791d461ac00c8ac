"""A slow setup made once per module and backend, and given to every test as the setup left it.

Some setups take a second or more (a signed pack renders its form, the registration certificate and the sealed
PDF/A), and a module's tests each need the same one. `made_once` makes it for the first test of a backend and
keeps a snapshot of what it left: every row of every table (with the sequences' positions) and every file in
storage. Each later test's own fresh app (the `app` fixture: its own database, its own storage) is then put back
to exactly that state before the test runs, so a test that writes changes only its own copy, and the tests stay
independent of order and of which xdist worker runs them.

SQLite: the database file itself is copied. PostgreSQL (one database a worker, emptied after each test by the
`database_url` fixture): the rows are deleted and the snapshot's inserted, parents first, and each sequence set
back to where it was."""
from __future__ import annotations

import copy
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import text

from forms_service.models import Base, db


@dataclass
class Snapshot:
    sqlite_file: bytes | None = None
    rows: dict[str, list[dict]] = field(default_factory=dict)  # table name -> its rows (PostgreSQL)
    sequences: dict[str, tuple[int, bool]] = field(default_factory=dict)  # name -> (last_value, is_called)
    files: dict[str, bytes] = field(default_factory=dict)  # storage: path under STORAGE_DIR -> content

    @classmethod
    def take(cls, app) -> Snapshot:
        snap = cls()
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "sqlite":
                db.engine.dispose()  # every connection closed: the file holds everything committed
                snap.sqlite_file = Path(db.engine.url.database).read_bytes()
            else:
                with db.engine.connect() as conn:
                    for table in Base.metadata.sorted_tables:
                        snap.rows[table.name] = [dict(r) for r in conn.execute(table.select()).mappings()]
                    names = conn.execute(text("SELECT sequence_name FROM information_schema.sequences")).scalars()
                    for name in list(names):
                        last, called = conn.execute(text(f'SELECT last_value, is_called FROM "{name}"')).one()
                        snap.sequences[name] = (last, called)
        root = Path(app.config["STORAGE_DIR"])
        if root.exists():
            snap.files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
        return snap

    def restore(self, app, *, storage: bool = True) -> None:
        """Put `app`'s database and storage back to the snapshot (whatever they held before is gone); with
        `storage=False`, the database only."""
        with app.app_context():
            db.session.remove()
            if self.sqlite_file is not None:
                db.engine.dispose()
                Path(db.engine.url.database).write_bytes(self.sqlite_file)
            else:
                with db.engine.begin() as conn:
                    for table in reversed(Base.metadata.sorted_tables):
                        conn.execute(table.delete())
                    for table in Base.metadata.sorted_tables:
                        if self.rows[table.name]:
                            conn.execute(table.insert(), self.rows[table.name])
                    for name, (last, called) in self.sequences.items():
                        conn.execute(text("SELECT setval(:name, :last, :called)"),
                                     {"name": f'"{name}"', "last": last, "called": called})
        if not storage:
            return
        root = Path(app.config["STORAGE_DIR"])
        shutil.rmtree(root, ignore_errors=True)
        for name, content in self.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def made_once(cache: dict, key: Any, app, make: Callable[[], Any]) -> Any:
    """What `make()` returns, with `app`'s database and storage as `make` left them. The first call for `key`
    (a backend, say) runs `make` on `app` and keeps a snapshot in `cache` (a module-scoped dict); later calls
    restore the snapshot into their own `app` instead, and return a copy of what `make` returned."""
    if key not in cache:
        value = make()
        cache[key] = (copy.deepcopy(value), Snapshot.take(app))
        return value
    value, snapshot = cache[key]
    snapshot.restore(app)
    return copy.deepcopy(value)
