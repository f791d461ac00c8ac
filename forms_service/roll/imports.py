"""The school's pupils from its MIS export (issue 18): the same pupils file bulk letters read
(letters/bulk.py parse_details: a UPN, the child's details and each parent's, one row per pupil,
every fault named by row and column). An import is the whole list as the MIS has it today: it
replaces the school's earlier import, and a file with any fault imports nothing."""
from __future__ import annotations

from ..audit import record
from ..letters.bulk import parse_details
from ..models import RollPupil, User, db, utcnow


def import_pupils(user: User, data: bytes) -> int:
    """Replace the school's imported pupils with the file's; the number imported. letters.bulk.BulkError
    if the file has a fault (its `errors` name the row and column; nothing changes)."""
    details = parse_details(data)
    now = utcnow()
    rows = []
    for upn, row in details.items():
        child = dict(row.data.get("pupil") or {})
        child["upn"] = upn
        rows.append(RollPupil(school_id=user.school_id, data={"pupil": child, "parents": row.data.get("parents") or []},
                              imported_at=now, imported_by_id=user.id))
    replaced = db.session.execute(db.delete(RollPupil).where(RollPupil.school_id == user.school_id)).rowcount
    db.session.add_all(rows)
    # The trail keeps counts, never the pupils (nor the file's name, which may name a class).
    record("pupils_imported", user=user, detail={"school_id": user.school_id, "pupils": len(rows), "replaced": replaced})
    db.session.commit()
    return len(rows)


def purge_expired(add_period, now, report, dry_run: bool) -> None:
    """Remove imports past RETENTION_ROLL (records/retention.py purge calls this in its transaction;
    `add_period(start, "roll")` is its period), counted in the report's rows."""
    times = db.session.execute(db.select(RollPupil.school_id, db.func.max(RollPupil.imported_at))
                               .group_by(RollPupil.school_id)).all()
    schools = [school_id for school_id, imported_at in times if add_period(imported_at, "roll") < now]
    if not schools:
        return
    where = RollPupil.school_id.in_(schools)
    report.rows["roll_pupils"] += db.session.scalar(db.select(db.func.count()).select_from(RollPupil).where(where))
    if not dry_run:
        db.session.execute(db.delete(RollPupil).where(where), execution_options={"synchronize_session": False})
