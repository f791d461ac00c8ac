"""What changed between two versions of a request (issue 17, point 5): the answers, the evidence files
added, replaced or removed, and the register marks.

When the school corrects a returned request, the headteacher who signs version 2 and the LA officer
who reads it should not have to compare it with version 1 line by line. A version is a Snapshot: the
signed pack's data, evidence and marks, or the referral as it stands before the next signing. Only
the records themselves are read (a pack's files, a referral's uploads), never storage.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..formatting import format_date
from ..formdefs import FormDef, get_form, get_path
from ..models import Pack, Referral
from .pack import evidence_kind

# The marks listed one by one on the page; beyond that, counted.
MARKS_LISTED = 20
SESSION_NAMES = {"AM": "morning", "PM": "afternoon"}


@dataclass(frozen=True)
class Snapshot:
    version: int | None  # None: the request as it stands, not yet signed again
    data: dict
    evidence: dict[str, str]  # kind -> SHA-256 of the file
    register: dict | None  # {"code_set", "filename", "sessions": [{"date", "session", "code"}]}


def of_pack(pack: Pack, form: FormDef) -> Snapshot:
    kinds = [e["kind"] for e in form.evidence]
    evidence = {}
    for item in pack.files:
        kind = evidence_kind(item.name, kinds) if item.role == "evidence" else None
        if kind is not None:
            evidence[kind] = item.sha256
    return Snapshot(pack.version, pack.data or {}, evidence, pack.register)


def of_referral(referral: Referral) -> Snapshot:
    return Snapshot(None, referral.data or {}, {e.kind: e.sha256 for e in referral.evidence}, referral.register)


@dataclass(frozen=True)
class Changes:
    since: int  # the version compared with
    answers: list[dict] = field(default_factory=list)  # {page, field, label, before, after}
    evidence: list[dict] = field(default_factory=list)  # {kind, label, change: added | replaced | removed}
    register: dict | None = None  # see _register_changes

    def __bool__(self) -> bool:
        return bool(self.answers or self.evidence or self.register)

    def headlines(self) -> list[str]:
        """One line per change, naming what changed and never its value: for emails, which carry no
        more of a family's details than the reference and the pupil's initials."""
        lines = [f"Answer changed: {a['label']}" for a in self.answers]
        lines += [f"Evidence {e['change']}: {e['label']}" for e in self.evidence]
        if self.register:
            lines.append(f"Register marks: {self.register['summary']}")
        return lines

    def to_dict(self) -> dict:
        return {"since_version": self.since, "answers": list(self.answers), "evidence": list(self.evidence),
                "register": self.register}


def between(form: FormDef, before: Snapshot, after: Snapshot) -> Changes:
    """What `after` changes in `before`, in the form's page order."""
    return Changes(since=before.version, answers=_answer_changes(form, before.data, after.data),
                   evidence=_evidence_changes(form, before.evidence, after.evidence),
                   register=_register_changes(before.register, after.register))


def since_last_signed(referral: Referral) -> Changes | None:
    """The request as it stands against its latest signed version; None if it was never signed."""
    pack = referral.latest_pack
    if pack is None:
        return None
    form = get_form(referral.form_id)
    return between(form, of_pack(pack, form), of_referral(referral))


def by_version(referral: Referral) -> dict[int, Changes | None]:
    """{version: what it changed from the one before} for every signed version (None for version 1),
    each version read once."""
    form = get_form(referral.form_id)
    out, before = {}, None
    for pack in referral.packs:
        after = of_pack(pack, form)
        out[pack.version] = between(form, before, after) if before is not None else None
        before = after
    return out


def from_previous_version(referral: Referral, pack: Pack) -> Changes | None:
    """A signed version against the one before it; None for version 1."""
    earlier = [p for p in referral.packs if p.version < pack.version]
    if not earlier:
        return None
    form = get_form(referral.form_id)
    return between(form, of_pack(earlier[-1], form), of_pack(pack, form))


def _answer_changes(form: FormDef, before: dict, after: dict) -> list[dict]:
    out = []
    for page in form.pages:
        for f in page.fields:
            old, new = get_path(before, f.name), get_path(after, f.name)
            if (_blank(old) and _blank(new)) or old == new:
                continue
            old_text, new_text = _shown(f, old), _shown(f, new)
            if old_text == new_text:
                continue  # stored differently, reads the same (a blank answer saved as "" or left out)
            out.append({"page": page.title, "field": f.name, "label": f.label, "before": old_text, "after": new_text})
    return out


def _shown(f, value) -> str:
    if f.type != "list":
        return f.display(value)
    # Each item on one line, with the lines check your answers gives it.
    return "; ".join(", ".join(f.item_lines(item)) for item in value or []) or "None"


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _evidence_changes(form: FormDef, before: dict[str, str], after: dict[str, str]) -> list[dict]:
    out = []
    for kind in [e["kind"] for e in form.evidence]:
        old, new = before.get(kind), after.get(kind)
        change = ("added" if old is None and new else "removed" if new is None and old
                  else "replaced" if old != new else None)
        if change:
            out.append({"kind": kind, "label": form.evidence_label(kind), "change": change})
    return out


def _register_changes(before: dict | None, after: dict | None) -> dict | None:
    """{summary, added, removed, changed, marks: [{date, session, before, after}], more}, or None when the
    marks and their code set are the same. A mark is one session's code; a session is its date and AM/PM."""
    if (before or None) == (after or None):
        return None  # the same stored marks (a signed request against its pack): nothing to read
    old, new = _marks(before), _marks(after)
    old_set, new_set = (before or {}).get("code_set"), (after or {}).get("code_set")
    if old == new and old_set == new_set:
        return None
    added = sorted(k for k in new if k not in old)
    removed = sorted(k for k in old if k not in new)
    changed = sorted(k for k in new if k in old and new[k] != old[k])
    parts = []
    if not old:
        parts.append(f"added ({len(new)} sessions, {_span(new)})")
    elif not new:
        parts.append(f"removed (there were {len(old)} sessions)")
    else:
        if added:
            parts.append(f"{_count(len(added), 'session')} added")
        if removed:
            parts.append(f"{_count(len(removed), 'session')} removed")
        if changed:
            parts.append(f"{_count(len(changed), 'mark')} changed")
        if old_set != new_set:
            parts.append(f"code set {old_set} to {new_set}")
        parts.append(f"now {len(new)} sessions, {_span(new)}")
    # Mark by mark only when both versions have marks: a register added or removed whole is its summary.
    listed = [{"date": format_date(day), "session": SESSION_NAMES.get(session, session),
               "before": old.get((day, session)) or "none", "after": new.get((day, session)) or "none"}
              for day, session in (sorted(changed + removed + added) if old and new else [])]
    return {"summary": "; ".join(parts), "added": len(added), "removed": len(removed), "changed": len(changed),
            "marks": listed[:MARKS_LISTED], "more": max(len(listed) - MARKS_LISTED, 0)}


def _marks(register: dict | None) -> dict[tuple[dt.date, str], str]:
    out = {}
    for row in (register or {}).get("sessions") or ():
        try:
            out[(dt.date.fromisoformat(row["date"]), row["session"])] = row["code"]
        except (KeyError, TypeError, ValueError):
            continue  # stored by the service itself; a malformed row is not a change worth reporting
    return out


def _span(marks: dict) -> str:
    days = sorted(day for day, _ in marks)
    return f"{format_date(days[0])} to {format_date(days[-1])}" if days else "no dates"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
