"""LA-wide screening (issue 25): one file, or several, holding every school's marks, screened with the LA's profile
(register/screening.py, through the columnar engine), each school named by the file's school column (its URN or
DfE number, as the LA's admin set them; a file without one by its file name, "100001.csv") and mapped to the LA's
schools. A school number the LA does not have is reported, never guessed, and its pupils are not listed.

Each pupil listed is joined to what the service already holds for them in the LA, as the user may see it
(access/auth.visible_referrals; the same child by UPN, pupils.same_pupil): where they stand in the pathway
(cases/stage), an open referral, the last letter; "no action recorded" where there is none. The files are read and
reported, never stored.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..access.auth import LA_VISIBLE_STATUSES, visible_referrals
from ..audit import record
from ..csvfiles import write_csv
from ..formatting import format_date
from ..formdefs import get_form
from ..models import LocalAuthority, Referral, School, data_as_signed, db
from ..policies import Policy
from ..pupils import keys, same_pupil
from ..register import screening
from ..register.marks import DEFAULT_CODE_SET, MAX_ERRORS, RegisterError
from .records import as_record
from .stage import standing

NO_ACTION = "No action recorded"
# A referral still in the school's or the LA's hands: not yet decided, or returned to the school to change.
OPEN_STATUSES = ("draft", "awaiting_signoff", "sent_back", "signed", "returned")
FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
Progress = Callable[[int, str], None]


def school_number(text: str | None) -> str:
    """A school number as written in a file (880/2001, 880-2001, " 100001 ") as kept: digits only."""
    return re.sub(r"[\s/-]", "", text or "")


@dataclass
class Held:
    """What the service holds for one child in the LA."""
    stage: str | None = None  # "Level 2: Early intervention — Record of ..., 3 March 2026"
    open_referral: str | None = None  # "Fast Track referral FT-2026-0001: signed and sent"
    last_letter: str | None = None  # "Stage 2 letter, 3 March 2026"

    @property
    def nothing(self) -> bool:
        return not (self.stage or self.open_referral or self.last_letter)

    def words(self) -> str:
        if self.nothing:
            return NO_ACTION
        return "; ".join(w for w in (self.stage, self.open_referral, self.last_letter) if w)


@dataclass
class Listed:
    school: School
    row: screening.PupilScreen
    held: Held

    def to_dict(self, labels: dict) -> dict:
        return {"school": {"id": self.school.id, "name": self.school.name, "urn": self.school.urn,
                           "dfe_number": self.school.dfe_number},
                **self.row.to_dict(), "band_labels": [labels[b] for b in self.row.bands],
                "held": {"stage": self.held.stage, "open_referral": self.held.open_referral,
                         "last_letter": self.held.last_letter, "no_action_recorded": self.held.nothing}}


@dataclass
class LAScreen:
    on: dt.date
    thresholds: dict
    pupils: int
    schools: list[tuple[School, int, int]]  # each school screened: pupils, listed
    rows: list[Listed]
    unknown: list[dict] = field(default_factory=list)  # [{number, file, pupils}] not one of the LA's schools
    # Each school's school weeks (Mondays) with how many pupils first met the penalty-notice threshold in each
    # (screening.Screen.crossings), by week then school name; unknown schools left out.
    crossings: list[tuple[dt.date, School, int]] = field(default_factory=list)

    def band_labels(self) -> dict[str, str]:
        return {b.id: b.label for b in self.thresholds.get("bands", ())}

    def to_dict(self) -> dict:
        labels = self.band_labels()
        return {"on": self.on.isoformat(), "profile": self.thresholds["profile"], "pupils": self.pupils,
                "schools": [{"id": s.id, "name": s.name, "pupils": n, "listed": k} for s, n, k in self.schools],
                "unknown_schools": self.unknown, "rows": [r.to_dict(labels) for r in self.rows]}


def sources_in(path: Path) -> list[tuple[str, Path]]:
    """A file, or every register file in a folder (by name), as (name, path)."""
    if path.is_dir():
        return [(p.name, p) for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in FILE_SUFFIXES]
    return [(path.name, path)]


def _screens(sources: list[tuple[str, bytes | Path]], profile: Policy, code_set: str,
             on: dt.date | None, progress: Progress) -> dict[str, tuple[str, screening.Screen]]:
    """{school number: (the file it came from, its screen)}; RegisterError naming each file's problems."""
    out: dict[str, tuple[str, screening.Screen]] = {}
    errors = []
    for at, (name, source) in enumerate(sources):
        progress(at, f"Screening {name} (file {at + 1} of {len(sources)})")
        try:
            found = screening.screen_schools(source, profile, code_set=code_set, on=on)
            if found is None:  # another layout or encoding: the reader, one school a file, named by the file
                data = source if isinstance(source, bytes) else Path(source).read_bytes()
                found = {None: screening.screen_file(data, profile, code_set=code_set, on=on, engine="python")}
        except RegisterError as exc:
            errors += [{**e, "message": f"{name}: {e['message']}", "file": name} for e in exc.errors]
            continue
        for number, screen in found.items():
            number = school_number(number if number is not None else os.path.splitext(name)[0])
            if number in out:  # the same school in two files: one list
                screen = screening.merged([out[number][1], screen])
            out[number] = (name, screen)
    if errors:
        raise RegisterError(errors[:MAX_ERRORS])
    if not out:
        raise RegisterError([{"row": 1, "field": "file", "message": "There are no register files to screen"}])
    return out


def schools_by_number(la: LocalAuthority) -> dict[str, School]:
    schools = db.session.scalars(db.select(School).where(School.la_id == la.id)).all()
    found = {}
    for school in schools:
        for number in (school.urn, school.dfe_number):
            if number:
                found[number] = school
    return found


def _quiet(done: int, stage: str) -> None:
    pass


def steps(sources: list) -> int:
    """How many steps `screen_la` reports to its `progress`: each file, then joining the pupils to the records."""
    return len(sources) + 1


def screen_la(sources: list[tuple[str, bytes | Path]], la: LocalAuthority, profile: Policy, *, user=None,
              code_set: str = DEFAULT_CODE_SET, on: dt.date | None = None, progress: Progress = _quiet) -> LAScreen:
    """Screen the LA's files (name, bytes or path) with `profile`, each school mapped to `la`'s, and each pupil
    listed joined to what `user` may see of them in the LA (every referral sent to the LA without a user: the
    command line). `progress(steps done, what now)` is told as each step begins (a progress bar's)."""
    screens = _screens(sources, profile, code_set, on, progress)
    progress(len(sources), "Finding what the service holds for each pupil listed")
    known = schools_by_number(la)
    unknown = [{"number": number, "file": name, "pupils": screen.pupils}
               for number, (name, screen) in sorted(screens.items()) if number not in known]
    mine = [(known[number], screen) for number, (_, screen) in screens.items() if number in known]
    thresholds = next(iter(screens.values()))[1].thresholds
    day = max(screen.on for _, screen in screens.values())
    held = held_for({r.upn for _, screen in mine for r in screen.rows}, la, profile, user)
    rows = [Listed(school, row, held.get(row.upn) or Held()) for school, screen in mine for row in screen.rows]
    bands = [b.id for b in thresholds["bands"]]
    rows.sort(key=lambda r: (screening._seriousness(r.row, bands), r.school.name))
    crossings = sorted(((week, school, n) for school, screen in mine for week, n in screen.crossings),
                       key=lambda t: (t[0], t[1].name, t[1].id))
    return LAScreen(day, thresholds, sum(s.pupils for _, s in mine),
                    sorted(((s, screen.pupils, len(screen.rows)) for s, screen in mine), key=lambda t: t[0].name),
                    rows, unknown, crossings)


def held_for(upns: set[str], la: LocalAuthority, profile: Policy, user=None) -> dict[str, Held]:
    """What the service holds for each of these children in the LA: {upn: Held}. The records are found by the UPN's
    digest (pupils.keys), a few hundred at a time, and decided by pupils.same_pupil."""
    if user is not None:
        base = visible_referrals(user).where(Referral.la_id == la.id)
    else:
        base = db.select(Referral).where(Referral.la_id == la.id, Referral.status.in_(LA_VISIBLE_STATUSES))
    by_key = {keys({"pupil": {"upn": upn}})[0]: upn for upn in upns}
    found: dict[str, list[Referral]] = {}
    digests = list(by_key)
    for at in range(0, len(digests), 500):
        for referral in db.session.scalars(base.where(Referral.pupil_upn_key.in_(digests[at:at + 500]))):
            upn = by_key[referral.pupil_upn_key]
            if any(same_pupil({"pupil": {"upn": upn}}, d) for d in (referral.data, data_as_signed(referral)) if d):
                found.setdefault(upn, []).append(referral)
    return {upn: _held(referrals, profile) for upn, referrals in found.items()}


def _held(referrals: list[Referral], profile: Policy) -> Held:
    records = [as_record(r) for r in referrals]
    where = standing(records, profile)
    held = Held(stage=where.why if where else None)
    opened = [r for r in referrals if (form := get_form(r.form_id)) is not None and form.sends_to_la
              and r.status in OPEN_STATUSES]
    if opened:
        latest = max(opened, key=lambda r: r.id)
        held.open_referral = f"{get_form(latest.form_id).short_title} {latest.reference or ''}".strip() + \
            f": {latest.status.replace('_', ' ')}"
    letters = [(record.on or referral.created_at.date(), referral) for record, referral in zip(records, referrals)
               if (form := get_form(referral.form_id)) is not None and form.kind == "letter"]
    if letters:
        on, letter = max(letters, key=lambda pair: (pair[0], pair[1].id))
        held.last_letter = f"{get_form(letter.form_id).short_title}, {format_date(on)}"
    return held


CSV_COLUMNS = ["school", "urn", "dfe_number", "upn", "flags", "bands", "attendance_pct", "absence_pct", "possible",
               "unauthorised_10wk", "weeks_counted", "late_marks_10wk", "sickness_days", "stage", "open_referral",
               "last_letter", "action"]


def to_csv(result: LAScreen) -> str:
    """The list as CSV (through csvfiles: a value from the file that would start a formula is kept as text)."""
    labels = result.band_labels()
    rows = []
    for listed in result.rows:
        r, h = listed.row, listed.held
        rows.append([listed.school.name, listed.school.urn or "", listed.school.dfe_number or "", r.upn,
                     "; ".join(screening.FLAGS[f] for f in r.flags), "; ".join(labels[b] for b in r.bands),
                     r.attendance_pct, r.absence_pct, r.possible, r.unauthorised_10wk, r.weeks_counted,
                     r.late_marks_10wk, r.sickness_days, h.stage or "", h.open_referral or "", h.last_letter or "",
                     NO_ACTION if h.nothing else ""])
    return write_csv(CSV_COLUMNS, rows)


def audit(user, result: LAScreen, files: int, output: str) -> None:
    """Who screened how much: counts only, never a pupil (in the caller's transaction)."""
    record("la_screened", user=user, detail={"la_id": user.la_id, "files": files, "pupils": result.pupils,
                                             "schools": len(result.schools), "listed": len(result.rows),
                                             "unknown_schools": len(result.unknown), "on": result.on.isoformat(),
                                             "profile": result.thresholds["profile"], "output": output})


def summary(result: LAScreen) -> str:
    lines = [f"{result.pupils} pupils at {len(result.schools)} schools screened as of {format_date(result.on)} "
             f"({result.thresholds['profile']} profile); {len(result.rows)} need attention, "
             f"{sum(r.held.nothing for r in result.rows)} with no action recorded."]
    lines += [f"  {school.name}: {n} pupils, {k} listed" for school, n, k in result.schools]
    lines += [f"  School number {u['number']} (in {u['file']}, {u['pupils']} pupils) is not one of the LA's schools: "
              "not screened" for u in result.unknown]
    return "\n".join(lines)
