"""Where the child stands in the profile's pathway (issue 22): the furthest stage their records have reached
(a form used at several stages counts at its first, policies.Pathway.stage_of), and why, in words naming the
latest record at it: "Level 2: Early intervention — Record of the Attendance Improvement Meeting, 3 March 2026"."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..formatting import format_date
from ..formdefs import get_form
from ..policies import Policy, Stage
from .due import Record


@dataclass(frozen=True)
class Standing:
    stage: Stage
    record_id: int
    why: str

    def to_dict(self) -> dict:
        return {"id": self.stage.id, "title": self.stage.title, "why": self.why, "record_id": self.record_id,
                "source": self.stage.source}


def standing(records: Iterable[Record], profile: Policy) -> Standing | None:
    """The furthest stage any of the records belongs to, with the latest record there (by its own date, then
    id); None where the profile has no pathway or no record belongs to a stage."""
    pathway = profile.pathway
    if pathway is None:
        return None
    best = None
    for record in records:
        stage = pathway.stage_of(record.form_id)
        if stage is None:
            continue
        key = (pathway.position(stage), record.on is not None, record.on, record.id)
        if best is None or key > best[0]:
            best = (key, stage, record)
    if best is None:
        return None
    _, stage, record = best
    form = get_form(record.form_id)
    title = form.short_title if form is not None else record.form_id
    when = f", {format_date(record.on)}" if record.on else ""
    return Standing(stage, record.id, f"{stage.title} — {title}{when}")
