"""The law of each jurisdiction, as data (issue 19): the penalty notice amounts in force on a date,
the limit on repeat notices, whether the LA may serve a Notice to Improve and whether a national
threshold governs leave of absence. A profile names its jurisdiction (policies.JURISDICTIONS); the
rules choose from here by that name and the document's date, never by the LA.

Compulsory school age, the bank holidays of England and Wales and s.444 Education Act 1996 are the
same in both jurisdictions and are not repeated here."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..policies import JURISDICTIONS


@dataclass(frozen=True)
class Payment:
    within_days: int
    pence: int


@dataclass(frozen=True)
class Regime:
    name: str
    in_force_from: dt.date | None
    source: str
    first: tuple[Payment, ...]  # a parent's first notice for this child in the period
    repeat: tuple[Payment, ...]  # any later one
    limit: int | None  # most notices to one parent for one child in a rolling `years`; None: no limit
    years: int = 3
    # What the documents call the regulations the notice is issued under.
    regulations: str = ""
    # Said where there is no limit: why not.
    no_limit: str = ""
    # The national threshold for considering a penalty notice, (sessions, school weeks), unauthorised absence
    # (U included) in a rolling period; None where the law sets none (the LA's code did).
    threshold: tuple[int, int] | None = None


# The Education (Penalty Notices) (England) (Amendment) Regulations 2024 (SI 2024/210), in force
# 19 August 2024; 000, Stage 3A: first notice £80 within 21 days or £160 within 28; a second within
# 3 years £160 within 28 days; no more than two within a rolling three years. With them the national
# framework (Working together to improve school attendance, August 2024; 000, para 5): a notice is
# considered at 10 unauthorised sessions (U included) in a rolling 10 school weeks.
REGIME_2024 = Regime(
    name="2024", in_force_from=dt.date(2024, 8, 19),
    source="The Education (Penalty Notices) (England) (Amendment) Regulations 2024; 000, Stage 3A",
    first=(Payment(21, 8000), Payment(28, 16000)), repeat=(Payment(28, 16000),), limit=2, threshold=(10, 10),
    regulations="The Education (Penalty Notices) (England) Regulations 2007, as amended by the Education "
                "(Penalty Notices) (England) (Amendment) Regulations 2024")

# Before 19 August 2024 (003, Following Penalty Notice issue: "£60 if paid up to the 21st day and
# £120 if paid after the 21st day and up to the 28th day"); every notice the same, no national limit.
REGIME_BEFORE_2024 = Regime(
    name="before-2024", in_force_from=None,
    source="003, Following Penalty Notice issue (The Education (Penalty Notices) (England) Regulations 2007, "
           "as amended in 2013)",
    first=(Payment(21, 6000), Payment(28, 12000)), repeat=(Payment(21, 6000), Payment(28, 12000)), limit=None,
    regulations="The Education (Penalty Notices) (England) Regulations 2007, as amended in 2013",
    no_limit="no national limit before 19 August 2024")

# The Education (Penalty Notices) (Wales) Regulations 2013 (legislation.gov.uk/wsi/2013/1983), in
# force 2 September 2013 and not amended since as far as we could find: £60 if paid within 28 days
# of receipt, £120 if paid after 28 and within 42 days (Cardiff Council, "Fixed penalty notices for
# non-attendance at school": "An FPN is £60 if paid within 28 days of receipt of the notice, rising
# to £120 if paid after 28 days (but within 42 days of receipt)"; Pembrokeshire's page says the
# same). Every notice costs the same. No national limit: reg. 14(d) leaves "a maximum number of
# penalty notices that may be issued to one parent in any twelve month period" to the LA's code of
# conduct, so the limit and its twelve months come from the profile (`penalty_notice_limit`).
REGIME_WALES_2013 = Regime(
    name="wales-2013", in_force_from=dt.date(2013, 9, 2),
    source="The Education (Penalty Notices) (Wales) Regulations 2013",
    first=(Payment(28, 6000), Payment(42, 12000)), repeat=(Payment(28, 6000), Payment(42, 12000)), limit=None,
    years=1, regulations="The Education (Penalty Notices) (Wales) Regulations 2013",
    no_limit="the Welsh regulations set no national limit: the local authority's code of conduct sets the most "
             "that may be issued to one parent in any twelve months (reg. 14(d))")


@dataclass(frozen=True)
class Law:
    """What the rules need to know of one jurisdiction's law."""
    jurisdiction: str
    name: str
    regimes: tuple[Regime, ...]  # oldest first; the one in force on a date is the last begun by then
    # The Notice to Improve: None where the law has none (the reason, naming the law, is `no_nti`).
    notice_to_improve: str | None
    no_nti: str = ""
    # From when a national threshold governs leave of absence; None: never (the LA's code does).
    national_leave_threshold_from: dt.date | None = None
    # Whether the profile may set the limit on repeat notices (the law leaves it to the LA's code).
    limit_from_profile: bool = False

    def regime_on(self, day: dt.date) -> Regime:
        found = self.regimes[0]
        for regime in self.regimes:
            if regime.in_force_from is None or day >= regime.in_force_from:
                found = regime
        return found


LAWS: dict[str, Law] = {
    "england": Law(
        jurisdiction="england", name="the law of England",
        regimes=(REGIME_BEFORE_2024, REGIME_2024),
        notice_to_improve="Working together to improve school attendance (DfE, August 2024), national framework",
        national_leave_threshold_from=REGIME_2024.in_force_from),
    "wales": Law(
        jurisdiction="wales", name="the law of Wales",
        regimes=(REGIME_WALES_2013,),
        notice_to_improve=None,
        no_nti="A Notice to Improve is part of England's national framework for penalty notices (Working together "
               "to improve school attendance, 2024): the Education (Penalty Notices) (Wales) Regulations 2013 have "
               "none, so a local authority in Wales does not issue one.",
        limit_from_profile=True),
}
assert set(LAWS) == set(JURISDICTIONS), "every jurisdiction a profile may name has its law here"


def law_of(jurisdiction: str) -> Law:
    return LAWS[jurisdiction]


def regime_for(profile: Any, on: dt.date) -> Regime:
    """The regime in force on `on` for the profile's jurisdiction, with the LA code's limit where the
    law leaves the limit to it and the profile gives one (`penalty_notice_limit`.`max_notices`)."""
    law = law_of(profile.jurisdiction)
    regime = law.regime_on(on)
    if not law.limit_from_profile or "penalty_notice_limit" not in profile.rules:
        return regime
    limit = profile.param("penalty_notice_limit", "max_notices")
    if not isinstance(limit, int) or isinstance(limit, bool):
        return dataclasses.replace(regime, no_limit=f"{regime.no_limit}, and {profile.name}'s is not set in this "
                                                    "service: check its code before a further notice to the same parent")
    return dataclasses.replace(regime, limit=limit, source=f"{regime.source}; {profile.source('penalty_notice_limit')}")
