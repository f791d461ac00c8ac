"""Who a record is about, and how the database finds a child's other records.

The same child is the same UPN where both records give one, otherwise the same first name, last name
and date of birth, case and spacing ignored (same_pupil). The rules that must not fine twice for the
same absence, the LA's recorded penalty notices and subject access all ask "which other records are
about this child?"; read record by record that costs a whole school's or LA's history on every check
page. So each referral and signed pack keeps a digest of each of its two identities (keys, kept in
step with its `data` by forms_service.models.PupilKeyed; migration 0007), and same_pupil_clause asks
the database for the records that share one. That is a superset of same_pupil's matches (two
records with the same UPN share the UPN digest; with the same name and date of birth, the person
digest), and callers still decide with same_pupil, so the answer is the one reading every record
gave. Digests, not the names themselves: the index holds no readable personal data.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import false, or_


def _norm(value) -> str:
    return " ".join(value.split()).casefold() if isinstance(value, str) else ""


def identity(data: dict | None) -> tuple[str, tuple[str, str, str] | None]:
    """(UPN, (first name, last name, date of birth)) as compared: case and spacing ignored; the
    second is None unless all three are given."""
    pupil = (data or {}).get("pupil") if isinstance(data, dict) else None
    pupil = pupil if isinstance(pupil, dict) else {}
    upn = _norm(pupil.get("upn")).replace(" ", "")
    person = tuple(_norm(pupil.get(k)) for k in ("first_name", "last_name", "date_of_birth"))
    return upn, (person if all(person) else None)


def same_pupil(a: dict | None, b: dict | None) -> bool:
    """The same child: the same UPN when both give one, otherwise the same first name, last name
    and date of birth."""
    (upn_a, person_a), (upn_b, person_b) = identity(a), identity(b)
    if upn_a and upn_b:
        return upn_a == upn_b
    return person_a is not None and person_a == person_b


def _digest(kind: str, parts) -> str:
    # The unit separator cannot be typed into a name, so "Ann Lee" + "X" never meets "Ann" + "Lee X".
    return hashlib.sha256("\x1f".join((kind, *parts)).encode("utf-8")).hexdigest()


def keys(data: dict | None) -> tuple[str | None, str | None]:
    """(UPN digest, person digest) of the child `data` is about; None where that identity is not given."""
    upn, person = identity(data)
    return (_digest("upn", (upn,)) if upn else None), (_digest("person", person) if person else None)


def same_pupil_clause(model, data: dict | None):
    """A WHERE clause for rows of `model` (a PupilKeyed model) that may be about the same child as
    `data`: every row same_pupil would match, and possibly a few it would not (check with it)."""
    upn_key, person_key = keys(data)
    terms = []
    if upn_key:
        terms.append(model.pupil_upn_key == upn_key)
    if person_key:
        terms.append(model.pupil_person_key == person_key)
    return or_(*terms) if terms else false()
