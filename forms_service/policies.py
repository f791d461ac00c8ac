"""Policy profiles: each LA's thresholds as data (schemas/policies/<name>.json), with the citation for
every number, so that an LA's own numbers never need a code change (DESIGN.md section 3)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from .config import PROJECT_ROOT

POLICIES_DIR = PROJECT_ROOT / "schemas" / "policies"
DEFAULT_PROFILE = "national-2024"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # profile names are file names: nothing path-like
# Whose law applies to an LA (issue 19): the rules take amounts, limits and notices from
# forms_service/rules/law.py by this name, never from the LA's own name.
JURISDICTIONS = ("england", "wales")
PLACES = {"england": "England", "wales": "Wales"}  # what a reader calls each


# How a stage's due interval is counted (issue 22): calendar days or weeks, or school days or weeks. A school
# week is five school days, as the Fast Track's four weeks are 20 (referrals/timeline.py) and Knowsley's
# 3-week review is 15 (rules/improvement_meeting.py), so holidays and closures are never counted.
DUE_UNITS = ("days", "weeks", "school_days", "school_weeks")
DUE_KEYS = {"form", "what", "after", "within", "source"}


@dataclass(frozen=True)
class StageDue:
    """Something that falls due at a stage of the pathway (issue 22), counted from a date of one of the stage's
    forms: `within` `length` `unit` after the form's `after` answer. `length` comes from the profile, either
    written in the stage or named there as one of its rules' parameters (`param`: "aim_review.weeks"), so a
    number the rules already use is never written twice."""
    form: str
    what: str
    after: str
    unit: str
    length: int
    source: str
    param: str | None = None


@dataclass(frozen=True)
class Stage:
    """One step of an LA's or trust's pathway (issue 20): when it applies, in the seed's words, and the
    forms a school uses at it (form ids; a form not offered under the profile is simply not shown); and
    what falls due at it (issue 22: `due`), where the profile sets an interval of its own."""
    id: str
    title: str
    when: str
    forms: tuple[str, ...]
    source: str
    due: tuple[StageDue, ...] = ()


@dataclass(frozen=True)
class Pathway:
    """The process a profile's schools follow, stage by stage, as its seed sets it out (Knowsley's
    Levels 1-4, the Peterborough trust's Appendix B1 and B2): data, so that pages and the child's case
    show where each form fits without code naming an LA."""
    title: str
    source: str
    stages: tuple[Stage, ...]

    def stage_of(self, form_id: str) -> Stage | None:
        return next((s for s in self.stages if form_id in s.forms), None)

    def position(self, stage: Stage) -> int:
        """The stage's place in the pathway, from 0: a later stage is further along."""
        return self.stages.index(stage)

    def due_for(self, form_id: str) -> tuple[StageDue, ...]:
        """What falls due after a record of `form_id`, at every stage it is used at."""
        return tuple(d for s in self.stages for d in s.due if d.form == form_id)


def at_level(attended: int, possible: int, pct: float, inclusive: bool) -> bool:
    """Whether attendance of `attended` in `possible` sessions is below `pct`% (or, `inclusive`, at or below it),
    judged exactly in sessions: 959 of 1,000 is below 96%, 960 is not, whatever a rounded figure shows. The
    one comparison a profile's levels use, in its bands (the screen) and its rules (rules/year_attendance)."""
    if not possible:
        return False
    return attended * 100 <= pct * possible if inclusive else attended * 100 < pct * possible


@dataclass(frozen=True)
class Band:
    """An attendance band the LA or trust names (issue 20), e.g. "Below 96% (trust Appendix B1)": attendance
    this school year below `pct` or, `inclusive`, at or below it, judged exactly in sessions."""
    id: str
    label: str
    pct: float
    inclusive: bool
    source: str

    def contains(self, attended: int, possible: int) -> bool:
        """Whether attended of possible sessions is in the band: 96% means 96%, whatever the rounding of
        the figure shown (as rules/year_attendance.py compares)."""
        return at_level(attended, possible, self.pct, self.inclusive)


BAND_KEYS = {"id", "label", "below_pct", "at_or_below_pct", "source"}


@dataclass(frozen=True)
class Policy:
    """A loaded profile. `rules` maps rule id -> {"source", "params", "forms"} as in the JSON."""
    id: str
    name: str
    description: str
    rules: Mapping[str, Mapping[str, Any]]
    jurisdiction: str = "england"
    # The letters the LA's officers send parents from the service (issue 19), by document id (DESIGN.md
    # §2), with where the LA's process says so: e.g. Cardiff's EWO letters (002, Step 3 and Step 4).
    la_letters: tuple[str, ...] = ()
    la_letters_source: str = ""
    pathway: Pathway | None = None
    # The profile's own attendance bands, most serious (lowest) first: the screen lists every pupil in one.
    bands: tuple[Band, ...] = ()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Policy":
        if raw.get("jurisdiction") not in JURISDICTIONS:
            raise ValueError(f"Profile {raw.get('id')!r} must say its jurisdiction: one of {', '.join(JURISDICTIONS)}")
        for rule_id, entry in raw.get("rules", {}).items():
            for key, param in {**entry.get("params", {}),
                               **{k: v for f in entry.get("forms", {}).values() for k, v in f.items()}}.items():
                if not isinstance(param, Mapping) or "value" not in param or not param.get("source"):
                    raise ValueError(f"Profile {raw.get('id')!r}: {rule_id}.{key} needs a value and a source")
        letters, letters_source = _la_letters(raw)
        return cls(id=raw["id"], name=raw["name"], description=raw.get("description", ""),
                   rules=_freeze(raw.get("rules", {})), jurisdiction=raw["jurisdiction"],
                   la_letters=letters, la_letters_source=letters_source, pathway=_pathway(raw),
                   bands=_bands(raw))

    def band(self, band_id: str) -> Band | None:
        return next((b for b in self.bands if b.id == band_id), None)

    def issues_letter(self, document_id: str) -> bool:
        """Whether the LA's officers send the letter `document_id` from the service (`la_letters`)."""
        return document_id in self.la_letters

    def _entry(self, rule_id: str, key: str, form_id: str | None) -> Mapping[str, Any]:
        rule = self.rules.get(rule_id)
        if rule is None:
            raise KeyError(f"Profile {self.id!r} has no parameters for rule {rule_id!r}")
        override = rule.get("forms", {}).get(form_id, {}) if form_id else {}
        if key in override:
            return override[key]
        try:
            return rule["params"][key]
        except KeyError:
            raise KeyError(f"Profile {self.id!r} has no parameter {key!r} for rule {rule_id!r}") from None

    def param(self, rule_id: str, key: str, form_id: str | None = None) -> Any:
        """A threshold, taking the form's own value where the profile gives one."""
        return self._entry(rule_id, key, form_id)["value"]

    def param_source(self, rule_id: str, key: str, form_id: str | None = None) -> str:
        return self._entry(rule_id, key, form_id)["source"]

    def source(self, rule_id: str) -> str:
        """The citation for a rule's parameters, e.g. "003, Appendix 8; Southend-on-Sea": the profile by its
        name, as a reader knows it (issue 18), never its id."""
        rule = self.rules.get(rule_id, {})
        return f"{rule['source']}; {self.name}" if rule.get("source") else self.name


def _la_letters(raw: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """The profile's `la_letters` ({"letters": [document ids], "source": "..."}), checked; none if absent."""
    entry = raw.get("la_letters")
    if entry is None:
        return (), ""
    letters = entry.get("letters") if isinstance(entry, Mapping) else None
    if (not isinstance(letters, list) or not all(isinstance(x, str) and _NAME.match(x) for x in letters)
            or not entry.get("source")):
        raise ValueError(f"Profile {raw.get('id')!r}: la_letters needs letters (document ids) and a source")
    return tuple(letters), entry["source"]


def _pathway(raw: Mapping[str, Any]) -> Pathway | None:
    """The profile's `pathway` ({"title", "source", "stages": [{"id", "title", "when", "forms", "source"}]}),
    checked; None where the profile has none."""
    entry = raw.get("pathway")
    if entry is None:
        return None
    where = f"Profile {raw.get('id')!r}: pathway"
    if not isinstance(entry, Mapping) or not entry.get("title") or not entry.get("source") \
            or not isinstance(entry.get("stages"), list) or not entry["stages"]:
        raise ValueError(f"{where} needs a title, a source and at least one stage")
    stages, seen = [], set()
    for n, stage in enumerate(entry["stages"], start=1):
        if not isinstance(stage, Mapping) or set(stage) - {"due"} != {"id", "title", "when", "forms", "source"}:
            raise ValueError(f"{where} stage {n} needs exactly: id, title, when, forms, source (and may have due)")
        forms = stage["forms"]
        if (not isinstance(stage["id"], str) or not _NAME.match(stage["id"]) or stage["id"] in seen
                or not all(isinstance(stage[k], str) and stage[k].strip() for k in ("title", "when", "source"))
                or not isinstance(forms, list) or not all(isinstance(f, str) and _NAME.match(f) for f in forms)):
            raise ValueError(f"{where} stage {n} ({stage.get('id')!r}): a unique id, words for title, when and "
                             "source, and a list of form ids")
        seen.add(stage["id"])
        due = _stage_due(raw, f"{where} stage {stage['id']!r}", stage)
        stages.append(Stage(stage["id"], stage["title"], stage["when"], tuple(forms), stage["source"], due))
    return Pathway(entry["title"], entry["source"], tuple(stages))


def _stage_due(raw: Mapping[str, Any], where: str, stage: Mapping[str, Any]) -> tuple[StageDue, ...]:
    """A stage's `due` ([{"form", "what", "after", "within": {unit: n or "rule.param"}, "source"}]), checked:
    the form one of the stage's, `after` the form's date answer, one unit of DUE_UNITS with a whole number
    above 0, written or named as a parameter of the profile's rules."""
    entries = stage.get("due", [])
    if not isinstance(entries, list):
        raise ValueError(f"{where}: due must be a list")
    out = []
    for n, item in enumerate(entries, 1):
        at = f"{where}, due {n}"
        if not isinstance(item, Mapping) or set(item) != DUE_KEYS:
            raise ValueError(f"{at} needs exactly: {', '.join(sorted(DUE_KEYS))}")
        if item["form"] not in stage["forms"]:
            raise ValueError(f"{at}: form {item['form']!r} is not one of the stage's forms")
        if not all(isinstance(item[k], str) and item[k].strip() for k in ("what", "after", "source")):
            raise ValueError(f"{at}: what, after (the form's date answer) and source must be words")
        within = item["within"]
        if not isinstance(within, Mapping) or len(within) != 1 or next(iter(within)) not in DUE_UNITS:
            raise ValueError(f"{at}: within must be one of {', '.join(DUE_UNITS)} with its number")
        unit, value = next(iter(within.items()))
        param = None
        if isinstance(value, str):
            param = value
            rule_id, _, key = value.partition(".")
            entry = raw.get("rules", {}).get(rule_id, {}).get("params", {}).get(key)
            if not isinstance(entry, Mapping):
                raise ValueError(f"{at}: {value!r} is not a parameter of the profile's rules")
            value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{at}: within {unit} must be a whole number above 0")
        out.append(StageDue(item["form"], item["what"].strip(), item["after"], unit, value, item["source"], param))
    return tuple(out)


def _bands(raw: Mapping[str, Any]) -> tuple[Band, ...]:
    """The profile's `bands` ([{"id", "label", "below_pct" or "at_or_below_pct", "source"}]), checked, most
    serious first (the lowest level; at the same level "below", which takes fewer pupils, before "at or
    below"); none if absent."""
    entries = raw.get("bands", [])
    if not isinstance(entries, list):
        raise ValueError(f"Profile {raw.get('id')!r}: bands must be a list")
    bands, seen = [], set()
    for n, entry in enumerate(entries, 1):
        name = entry.get("id") if isinstance(entry, Mapping) else None
        where = f"Profile {raw.get('id')!r}, band {name or n!r}"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{where}: needs an id (lower-case letters, digits and hyphens)")
        if name in seen:
            raise ValueError(f"{where}: the id is used twice")
        unknown = sorted(set(entry) - BAND_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown keys {', '.join(unknown)}")
        if not isinstance(entry.get("label"), str) or not entry["label"].strip():
            raise ValueError(f"{where}: needs a label (what a reader calls it)")
        if not isinstance(entry.get("source"), str) or not entry["source"].strip():
            raise ValueError(f"{where}: needs a source quoting the policy")
        bounds = [k for k in ("below_pct", "at_or_below_pct") if k in entry]
        if len(bounds) != 1:
            raise ValueError(f"{where}: needs exactly one of below_pct or at_or_below_pct")
        pct = entry[bounds[0]]
        if isinstance(pct, bool) or not isinstance(pct, (int, float)) or not 0 < pct <= 100:
            raise ValueError(f"{where}: {bounds[0]} must be a percentage above 0 and up to 100")
        seen.add(name)
        bands.append(Band(name, entry["label"].strip(), pct, bounds[0] == "at_or_below_pct", entry["source"]))
    return tuple(sorted(bands, key=lambda b: (b.pct, b.inclusive)))


def _freeze(value: Any) -> Any:
    """Read-only copies all the way down: loaded profiles are cached and shared."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def list_profiles() -> list[str]:
    return sorted(p.stem for p in POLICIES_DIR.glob("*.json"))


@lru_cache(maxsize=None)
def profile_name(profile_id: str | None) -> str:
    """What pages call a profile (its name, never its id: issue 18); an unknown one, in words."""
    try:
        return load_profile(profile_id).name
    except ValueError:
        return "An unknown policy profile"


def load_profile(name: str = DEFAULT_PROFILE) -> Policy:
    known = list_profiles()
    if not isinstance(name, str) or not _NAME.match(name) or name not in known:
        raise ValueError(f"Unknown policy profile {name!r}: known profiles are {', '.join(known)}")
    raw = json.loads((POLICIES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    if raw.get("id") != name:
        raise ValueError(f"Profile file {name}.json says its id is {raw.get('id')!r}")
    return Policy.from_dict(raw)
