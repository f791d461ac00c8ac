"""The rules engine: a registry of named checks, the facts they read, and the verdict they add up to.

Each rule gets a `Facts` (the form's data, the register, the policy profile and the dates to measure
from) and returns an `Outcome`; the engine names it with the rule's id. Statuses (DESIGN.md
section 3): pass, fail, missing (data or evidence not given), advisory (worth a look, never blocks).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from ..policies import DEFAULT_PROFILE, Policy, load_profile
from ..register.marks import SESSIONS, Register
from .earlier import SessionKey, UsedSessions, session_key

PASS, FAIL, MISSING, ADVISORY = "pass", "fail", "missing", "advisory"
STATUSES = (PASS, FAIL, MISSING, ADVISORY)
BLOCKING = (FAIL, MISSING)


class Outcome(NamedTuple):
    status: str
    reason: str
    source: str
    details: dict | None = None


@dataclass(frozen=True)
class RuleResult:
    id: str
    status: str
    reason: str
    source: str
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "reason": self.reason, "source": self.source,
                "details": self.details}


@dataclass
class Verdict:
    eligible: bool
    rules: list[RuleResult]
    figures: dict
    disagreements: list

    def rule(self, rule_id: str) -> RuleResult:
        return next(r for r in self.rules if r.id == rule_id)

    def to_dict(self) -> dict:
        return {"eligible": self.eligible, "rules": [r.to_dict() for r in self.rules],
                "figures": dict(self.figures), "disagreements": list(self.disagreements)}


RuleFunc = Callable[["Facts"], Outcome]
REGISTRY: dict[str, RuleFunc] = {}


def rule(rule_id: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule under its stable id (DESIGN.md section 3)."""
    def register(func: RuleFunc) -> RuleFunc:
        if rule_id in REGISTRY:
            raise ValueError(f"Rule {rule_id!r} is registered twice")
        REGISTRY[rule_id] = func
        return func
    return register


@dataclass
class Figure:
    """A number a rule uses: from the register when marks were given, otherwise as typed."""
    value: Any
    origin: str | None  # "register", "typed", or None when neither is there
    typed: Any = None
    disagrees: bool = False

    def phrase(self, show: Callable[[Any], str] = str) -> str:
        if self.origin == "typed":
            return "as entered on the form"
        if self.disagrees:
            return f"counted from the register (the form says {show(self.typed)}, which does not match)"
        return "counted from the register"


def sessions_relied_on(verdict: Mapping | None) -> list[dict]:
    """The sessions a stored verdict's passing rules relied on ({date, session, code}, each once, in
    date order): what a signed penalty notice request used, so that no later request counts them."""
    found: dict[SessionKey, dict] = {}
    for result in (verdict or {}).get("rules") or ():
        if not isinstance(result, Mapping) or result.get("status") != PASS:
            continue
        for row in (result.get("details") or {}).get("relied_on") or ():
            found.setdefault(session_key(row), {"date": row["date"], "session": row["session"], "code": row["code"]})
    return [found[k] for k in sorted(found, key=lambda k: (k[0], SESSIONS.index(k[1])))]


class Facts:
    """What a rule may read: the data (nested as the data dictionary), register, profile and dates,
    and the sessions already counted for a penalty notice (`used`)."""

    def __init__(self, form: Any, data: dict, register: Register | None, profile: Policy, today: dt.date,
                 used_sessions: Mapping[str, Iterable[Any]] | None = None):
        self.form = form
        self.form_id: str = form.id
        self.data = data or {}
        self.register = register
        self.profile = profile
        self.today = today
        self.figures: dict[str, Any] = {}
        self.disagreements: list[dict] = []
        self.used = UsedSessions.from_sources(used_sessions or {}, self.get("previous_penalty_notices"))

    # -- reading data; absent and None are the same: not given
    def get(self, path: str) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or node.get(part) is None:
                return None
            node = node[part]
        return node

    def date(self, path: str) -> dt.date | None:
        value = self.get(path)
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        if isinstance(value, dt.datetime):
            return value.date()
        raise TypeError(f"{path} must be a date, not {type(value).__name__}")

    def flag(self, path: str) -> bool | None:
        value = self.get(path)
        if value is None or isinstance(value, bool):
            return value
        raise TypeError(f"{path} must be true or false, not {type(value).__name__}")

    def items(self, path: str) -> list | None:
        value = self.get(path)
        if value is None or isinstance(value, list):
            return value
        raise TypeError(f"{path} must be a list, not {type(value).__name__}")

    def text(self, path: str) -> str | None:
        value = self.get(path)
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{path} must be text, not {type(value).__name__}")
        return value.strip() or None

    # -- dates to measure from
    @property
    def referral_date(self) -> dt.date:
        """The date of the request; a draft without one is measured as of today."""
        return self.date("referral_date") or self.today

    @property
    def measure_from(self) -> str:
        return getattr(self.form, "measure_from", None) or "referral_date"

    @property
    def measure_date(self) -> dt.date | None:
        """The date the form measures register windows from (the referral date unless the form
        names another, such as the Final Warning or the panel)."""
        if self.measure_from == "referral_date":
            return self.referral_date
        return self.date(self.measure_from)

    @property
    def measure_label(self) -> str:
        return {"referral_date": "the date of the request", "final_warning_date": "the Final Warning date",
                "panel_date": "the attendance panel date"}.get(self.measure_from, self.measure_from.replace("_", " "))

    # -- profile
    def param(self, rule_id: str, key: str) -> Any:
        return self.profile.param(rule_id, key, self.form_id)

    # -- figures: computed from marks wins over typed; a disagreement is recorded once
    def figure(self, name: str, computed: Any, *, same: Callable[[Any, Any], bool] | None = None) -> Figure:
        typed = self.get(f"figures.{name}")
        if computed is None:
            if typed is not None:
                self.figures[name] = typed
            return Figure(typed, "typed" if typed is not None else None, typed)
        self.figures[name] = computed
        disagrees = False
        if typed is not None:
            self.figures[f"{name}_typed"] = typed
            disagrees = not (same(typed, computed) if same else typed == computed)
            entry = {"figure": name, "typed": typed, "computed": computed}
            if disagrees and entry not in self.disagreements:
                self.disagreements.append(entry)
        return Figure(computed, "register", typed, disagrees)


def evaluate(form: Any, data: dict, *, register: Register | None = None, profile: Policy | None = None,
             today: dt.date | None = None, used_sessions: Mapping[str, Iterable[Any]] | None = None) -> Verdict:
    """Run the form's rules, in its order, over the data (and register marks, when given).

    `form` needs `id`, `rules` (rule ids), `evidence` ([{kind, label}]) and `measure_from`.
    `used_sessions` maps the reference of each earlier penalty notice request for this pupil to the
    sessions it relied on ({date, session} items): the rules that count sessions for a penalty
    notice leave them out, as they leave out those that `previous_penalty_notices[].sessions` name."""
    if register is not None and len({s.upn for s in register.sessions}) > 1:
        raise ValueError("The register holds more than one pupil: split it with split_by_upn and pass one pupil's")
    facts = Facts(form, data, register, profile or load_profile(DEFAULT_PROFILE), today or dt.date.today(),
                  used_sessions)
    results = []
    for rule_id in form.rules:
        func = REGISTRY.get(rule_id)
        if func is None:
            raise KeyError(f"Form {form.id!r} names rule {rule_id!r}, which does not exist; "
                           f"known rules: {', '.join(sorted(REGISTRY))}")
        outcome = func(facts)
        if outcome.status not in STATUSES:
            raise ValueError(f"Rule {rule_id!r} returned unknown status {outcome.status!r}")
        results.append(RuleResult(rule_id, outcome.status, outcome.reason, outcome.source, outcome.details or {}))
    eligible = not any(r.status in BLOCKING for r in results)
    return Verdict(eligible, results, facts.figures, facts.disagreements)
