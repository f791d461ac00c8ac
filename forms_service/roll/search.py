"""Find the school's pupils by name or UPN: the list its MIS exported (roll_pupils), then the
children of its own records that list does not have, the newest record's details for each. A record's
child is "the same child" as a listed pupil as everywhere else (forms_service/pupils.py same_pupil).

Each pupil has an id that says where it came from: "P<n>" a row of the imported list, "R<n>" the
record the details were read from. Only the school's own pupils are ever read: every query is scoped
by school.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import Referral, RollPupil, db
from ..pupils import same_pupil

MAX_QUERY = 100
MAX_RESULTS = 50
# The newest records a search reads for children not on the imported list: several years of a
# large school's letters and requests (retention removes older ones before this is reached).
MAX_RECORDS = 5_000
_ID = re.compile(r"^([PR])([1-9][0-9]{0,11})$")


@dataclass(frozen=True)
class Pupil:
    id: str
    data: dict  # {"pupil": {...}, "parents": [...]}
    source: str  # "import" or "records"
    updated_at: dt.datetime

    @property
    def child(self) -> dict:
        return self.data.get("pupil") if isinstance(self.data.get("pupil"), dict) else {}

    @property
    def parents(self) -> list[dict]:
        parents = self.data.get("parents")
        return [p for p in parents if isinstance(p, dict)] if isinstance(parents, list) else []

    @property
    def name(self) -> str:
        return " ".join(str(self.child.get(k) or "").strip() for k in ("first_name", "last_name")).strip()

    @property
    def upn(self) -> str:
        return str(self.child.get("upn") or "").strip().upper()

    def as_json(self) -> dict:
        """As GET /api/v1/pupils gives it."""
        child = self.child
        return {"id": self.id, "first_name": child.get("first_name") or "", "last_name": child.get("last_name") or "",
                "date_of_birth": child.get("date_of_birth") or None, "upn": self.upn or None,
                "year_group": child.get("year_group") or None, "address": child.get("address") or None,
                "parents": [{key: parent.get(key) for key in ("name", "relationship", "address", "date_of_birth")
                             if parent.get(key)} for parent in self.parents],
                "source": self.source}


class QueryError(ValueError):
    """A search that cannot be run; the message names the field."""


def _words(text: str) -> list[str]:
    """Words as compared: case and accents aside ("zoe" finds Zoë, "ZOË" finds zoe)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return [w for w in " ".join(plain.split()).casefold().split(" ") if w]


def matches(pupil: Pupil, query: str) -> bool:
    """Every word of `query` is the start of the pupil's first name, last name or UPN, or of a part
    of a double-barrelled name ("smith" finds "Jones-Smith")."""
    words = _words(query)
    if not words:
        return True
    parts = set()
    for value in (pupil.child.get("first_name"), pupil.child.get("last_name"), pupil.upn):
        for piece in _words(str(value or "")):
            parts.add(piece)
            parts.update(p for p in re.split(r"[-'’]", piece) if p)
    return all(any(part.startswith(word) for part in parts) for word in words)


def check_query(query: str | None) -> str:
    query = " ".join((query or "").split())
    if len(query) > MAX_QUERY:
        raise QueryError(f"Search for a name or UPN of {MAX_QUERY} characters or fewer")
    if any(ord(c) < 32 or ord(c) == 127 for c in query):
        raise QueryError("Search for a name or UPN without control characters")
    return query


def _imported(school_id: int) -> list[Pupil]:
    rows = db.session.scalars(db.select(RollPupil).where(RollPupil.school_id == school_id)).all()
    return [Pupil(f"P{row.id}", row.data or {}, "import", row.imported_at) for row in rows]


def _of_record(record_id: int, data, updated_at) -> Pupil | None:
    """The child a record is about, if it names them (first and last name)."""
    data = data if isinstance(data, dict) else {}
    child = data.get("pupil") if isinstance(data.get("pupil"), dict) else {}
    if not (child.get("first_name") and child.get("last_name")):
        return None
    return Pupil(f"R{record_id}", {"pupil": child, "parents": data.get("parents") or []}, "records", updated_at)


def _from_records(school_id: int) -> Iterable[Pupil]:
    rows = db.session.execute(
        db.select(Referral.id, Referral.data, Referral.updated_at).where(Referral.school_id == school_id)
        .order_by(Referral.updated_at.desc(), Referral.id.desc()).limit(MAX_RECORDS)).all()
    return [p for p in (_of_record(*row) for row in rows) if p is not None]


def everyone(school_id: int) -> list[Pupil]:
    """The school's pupils, each once: the imported list, then each other child of its records."""
    found = _imported(school_id)
    for pupil in _from_records(school_id):
        if not any(same_pupil(pupil.data, other.data) for other in found):
            found.append(pupil)
    return found


def find(school_id: int, query: str, *, limit: int = MAX_RESULTS) -> list[Pupil]:
    """The school's pupils `query` matches (all of them for an empty query), by last then first name."""
    query = check_query(query)
    hits = [p for p in everyone(school_id) if matches(p, query)]
    hits.sort(key=lambda p: (str(p.child.get("last_name") or "").casefold(),
                             str(p.child.get("first_name") or "").casefold(), p.id))
    return hits[:limit]


def get(school_id: int, pupil_id: str | None) -> Pupil | None:
    """The school's pupil with this id; None for anything else (another school's, a bad id)."""
    match = _ID.match(pupil_id or "")
    if not match:
        return None
    kind, number = match.group(1), int(match.group(2))
    if kind == "P":
        row = db.session.scalar(db.select(RollPupil).where(RollPupil.id == number, RollPupil.school_id == school_id))
        return Pupil(f"P{row.id}", row.data or {}, "import", row.imported_at) if row else None
    row = db.session.execute(db.select(Referral.id, Referral.data, Referral.updated_at)
                             .where(Referral.id == number, Referral.school_id == school_id)).first()
    return _of_record(*row) if row else None


def by_upn(school_id: int) -> dict[str, Pupil]:
    """The school's pupils that have a UPN, by UPN (upper case): for naming a screen's rows."""
    return {p.upn: p for p in reversed(everyone(school_id)) if p.upn}
