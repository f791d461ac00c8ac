"""Rules of the Children Missing Education (CME) checklist (002, Step 3, Mandatory Practice; Appendix 6):
whether the school's enquiries are complete enough for the Education Welfare Service to track the child,
and whether a safeguarding concern has gone where it must go at once.

The seed names the checklist but does not reproduce it, so the enquiries come from the law and guidance
in force in Wales: a pupil missing for 20 school days may leave the register only once the school and the
local authority, "after jointly making reasonable enquiries", have failed to find where the pupil is (The
Education (Pupil Registration) (Wales) Regulations 2010, reg. 8(1)(h)); the Welsh Government's statutory
guidance on children missing education (2010) describes those enquiries and treats a missing child as a
possible safeguarding case (as Keeping learners safe, 2022, does)."""
from __future__ import annotations

from ..formatting import format_date
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule

REGULATIONS = "The Education (Pupil Registration) (Wales) Regulations 2010, reg. 8(1)(h)"
GUIDANCE = "Welsh Government, Children missing education: statutory guidance (2010)"
SAFEGUARDING = "Welsh Government, Keeping learners safe (2022); Wales Safeguarding Procedures (2019)"

# The enquiries every checklist records (yes/no answers), in the order the form asks them, with what a
# reader is told is not yet done. The police are asked only where there are safeguarding concerns
# (cme_safeguarding), so they are not here.
ENQUIRIES = (
    ("enquiries.phone", "phone every known contact number"),
    ("enquiries.written", "write or email to the family at every known address"),
    ("enquiries.relatives", "ask relatives, neighbours or friends of the family"),
    ("agencies.health", "ask health services (the school nurse, health visitor or GP practice)"),
    ("agencies.social_services", "ask children's services whether they know the family"),
    ("agencies.housing", "ask the council's housing service or the family's landlord"),
)
SIBLINGS = "enquiries.siblings"
SIBLINGS_TODO = "contact the schools of the child's brothers or sisters"
# The siblings answer that leaves an enquiry undone; "contacted" and "none" (no brothers or sisters at
# school) complete it.
SIBLINGS_NOT_DONE = "not_contacted"

# What makes a missing child a safeguarding case at once, each with how the reason names it.
CONCERNS = (
    ("safeguarding.social_worker", "has a social worker"),
    ("safeguarding.child_protection", "is on the child protection register"),
    ("pupil.looked_after", "is looked after by the local authority"),
    ("safeguarding.other_concerns", "is the subject of other safeguarding concerns"),
)
TOLD = (
    ("safeguarding.dsp_told", "the school's designated safeguarding person"),
    ("safeguarding.childrens_services_told", "children's services"),
)


def listed(items: list[str]) -> str:
    """"a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@rule("cme_last_attendance")
def cme_last_attendance(f: Facts) -> Outcome:
    """The last day the child attended is given, and is not after the checklist's date: the EWS tracks
    from it (reg. 8(1)(h) counts the 20 school days of continuous absence from it)."""
    source = f"002, Step 3 (Mandatory Practice); {REGULATIONS}"
    last, on = f.date("last_attendance_date"), f.referral_date
    if last is None:
        return Outcome(MISSING, "The last day the child attended school is not given.", source)
    details = {"last_attendance": last.isoformat(), "checklist_date": on.isoformat(), "days": (on - last).days}
    if last > on:
        return Outcome(FAIL, f"The last day the child attended ({format_date(last)}) is after the date of this "
                             f"checklist ({format_date(on)}): check the date against the register.", source, details)
    return Outcome(PASS, f"The child last attended on {format_date(last)}, {details['days']} days before the date of "
                         f"this checklist ({format_date(on)}).", source, details)


@rule("cme_home_visit")
def cme_home_visit(f: Facts) -> Outcome:
    """A home visit to the last known address, after the child stopped attending and before the checklist
    (002, Step 3: the SAO's home visits come before a referral to the EWS)."""
    source = f"002, Step 3; {GUIDANCE}"
    made = f.flag("home_visit.made")
    if made is None:
        return Outcome(MISSING, "The checklist does not say whether a home visit has been made.", source)
    if not made:
        return Outcome(FAIL, "No home visit has been made: visit the child's last known address before sending the "
                             "checklist to the Education Welfare Service.", source)
    visit, on, last = f.date("home_visit.date"), f.referral_date, f.date("last_attendance_date")
    if visit is None:
        return Outcome(MISSING, "The date of the home visit is not given.", source)
    details = {"visit": visit.isoformat(), "checklist_date": on.isoformat()}
    if visit > on:
        return Outcome(FAIL, f"The home visit ({format_date(visit)}) is after the date of this checklist "
                             f"({format_date(on)}): make the visit before sending the checklist.", source, details)
    if last is not None and visit < last:
        return Outcome(FAIL, f"The home visit ({format_date(visit)}) was before the child last attended "
                             f"({format_date(last)}): visit again now that the child is missing.", source, details)
    if f.text("home_visit.findings") is None:
        return Outcome(MISSING, f"A home visit was made on {format_date(visit)}, but what was found is not given.",
                       source, details)
    return Outcome(PASS, f"A home visit was made on {format_date(visit)}, on or before the date of this checklist "
                         f"({format_date(on)}).", source, details)


@rule("cme_enquiries_made")
def cme_enquiries_made(f: Facts) -> Outcome:
    """The reasonable enquiries (reg. 8(1)(h)(iii); the statutory guidance): every known contact by phone
    and in writing, relatives, neighbours and friends, the siblings' schools, health, children's services
    and housing."""
    source = f"{GUIDANCE}; {REGULATIONS}(iii)"
    unanswered = [todo for path, todo in ENQUIRIES if f.flag(path) is None]
    not_done = [todo for path, todo in ENQUIRIES if f.flag(path) is False]
    siblings = f.get(SIBLINGS)
    if siblings is None:
        unanswered.append(SIBLINGS_TODO)
    elif siblings == SIBLINGS_NOT_DONE:
        not_done.append(SIBLINGS_TODO)
    details = {"not_done": not_done, "unanswered": unanswered}
    if not_done:
        return Outcome(FAIL, f"Enquiries not yet made: {listed(not_done)}. Make them before sending the checklist.",
                       source, details)
    if unanswered:
        return Outcome(MISSING, f"The checklist does not yet say whether the school has tried to {listed(unanswered)}.",
                       source, details)
    return Outcome(PASS, "Every enquiry has been made: every known contact phoned and written to; relatives, "
                         "neighbours or friends asked; brothers' or sisters' schools contacted (or none); health, "
                         "children's services and housing asked.", source, details)


@rule("cme_safeguarding")
def cme_safeguarding(f: Facts) -> Outcome:
    """A child missing education who has a social worker, is on the child protection register, is looked
    after, or is otherwise a concern, is a safeguarding case now: the designated safeguarding person and
    children's services are told at once, not after the EWS's tracking. Told: advisory (keep them informed);
    not told: fail (tell them first)."""
    source = f"{SAFEGUARDING}; {GUIDANCE}"
    unanswered = [path for path, _ in CONCERNS if f.flag(path) is None]
    if unanswered:
        return Outcome(MISSING, "The checklist does not yet say whether the child has a social worker, is on the child "
                                "protection register, is looked after, or is otherwise a safeguarding concern.", source,
                       {"unanswered": unanswered})
    concerns = [words for path, words in CONCERNS if f.flag(path)]
    if not concerns:
        return Outcome(PASS, "No safeguarding concern is recorded: the child has no social worker, is not on the child "
                             "protection register, is not looked after, and there is no other concern.", source)
    not_told = [who for path, who in TOLD if f.flag(path) is not True]
    details = {"concerns": concerns, "not_told": not_told}
    child = f"The child {listed(concerns)}"
    if not_told:
        return Outcome(FAIL, f"{child}: tell {listed(not_told)} today, now. Do not wait for this checklist to be "
                             "tracked.", source, details)
    police = "" if f.flag("agencies.police") else " Consider telling the police if the child may be at risk."
    return Outcome(ADVISORY, f"{child}: the designated safeguarding person and children's services have been told. "
                             f"Keep them told of what the Education Welfare Service finds.{police}", source, details)
