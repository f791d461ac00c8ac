"""The one context an LA document to a parent is rendered from, PDF and DOCX alike, built from the
referral as the LA accepted it, the document being issued and the LA's own details:

- a Notice to Improve and a penalty notice (templates/html/print/notice-to-improve.html,
  penalty-notice.html and their .docx twins), whose templates hold the fixed words of the law (reg. 3 of
  the Education (Penalty Notices) (England) Regulations 2007 for a penalty notice; the national
  framework's contents of a Notice to Improve, 000 Stage 3A);
- the Education Welfare Officer's letters (issue 19): the Initial Warning (002, Step 3), the Final
  Warning and the invitation to a Pre-Court Meeting (002, Step 4), in the recipient parent's language
  (`language`: their letters' language on the referral). The seed describes these letters but does not
  reproduce them: their text is the service's own (initial-warning.html, ews-final-warning.html,
  pre-court-invitation.html), every fixed sentence translatable.

Every value is ready to print; the templates only place these values. User text is data: the renderers
autoescape it and never compile it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..dates import as_date
from ..documents.language import language_of, tag
from ..documents.rendering import render_docx, render_pdf
from ..documents.values import clean_text, date_text, shown
from ..formatting import format_date, format_money, format_time
from ..models import Outcome, Referral, User, data_as_signed
from ..policies import load_profile
from ..referrals.actions import profile_name, register_of
from ..register.marks import DEFAULT_CODE_SET, attendance_pct, attended_sessions, load_code_set, possible_sessions
from ..rules.attendance import MIX_LABELS
from ..rules.engine import sessions_relied_on
from ..rules.leave import LEAVE_FORMS
from ..rules.penalties import regime_for
from ..text import same_name

# The catalogue's document ids (DESIGN.md §2), which name their print and Word templates too.
DOCUMENTS = {"notice_to_improve": "notice-to-improve", "penalty_notice": "penalty-notice",
             "initial_warning": "initial-warning", "ews_final_warning": "ews-final-warning",
             "pre_court_invitation": "pre-court-invitation"}
TITLES = {"notice_to_improve": "Notice to Improve", "penalty_notice": "Penalty Notice",
          "initial_warning": "Initial Warning", "ews_final_warning": "Final Warning",
          "pre_court_invitation": "Invitation to a Pre-Court Meeting"}
# The Education Welfare Officer's letters to a parent (002, Step 3 and Step 4): the API's kind is the
# outcome's kind (models.LETTER_KINDS).
LETTERS = ("initial_warning", "ews_final_warning", "pre_court_invitation")


def kind_of(row: Outcome) -> str:
    """The API's kind of a notice's or letter's outcome row."""
    if row.kind in LETTERS:
        return row.kind
    return "penalty_notice" if row.kind == "penalty_notice_issued" else "notice_to_improve"
ORDINAL = {0: "first", 1: "second"}
WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _parent(data: Mapping, name: str) -> Mapping:
    for parent in data.get("parents") or ():
        if isinstance(parent, Mapping) and same_name(str(parent.get("name") or ""), name):
            return parent
    return {}


def recipient_address(data: Mapping, name: str) -> str:
    """The parent's own address, else the child's (the forms' hint: blank means the child's)."""
    pupil = data.get("pupil") if isinstance(data.get("pupil"), Mapping) else {}
    return clean_text(_parent(data, name).get("address")) or clean_text(pupil.get("address"))


def _day(value: str | dt.date) -> str:
    day = as_date(value)
    return f"{WEEKDAY[day.weekday()]} {format_date(day)}" if day else shown(value)


def _sessions(referral: Referral, row: Outcome) -> list[dict]:
    """The unauthorised sessions the notice relies on: those the accepted referral counted, and for a
    penalty notice any unauthorised session in the register during a Notice to Improve's period to the
    same parent (what Stockport's EPN follows, 000 Stage 3A)."""
    pack = referral.latest_pack
    found = {(s["date"], s["session"]): s for s in sessions_relied_on(pack.verdict if pack else referral.eligibility)}
    if row.kind == "penalty_notice_issued":
        for nti in referral.outcomes:
            if nti.kind == "notice_to_improve" and nti.period_start and same_name(nti.parent_name or "",
                                                                                   row.parent_name or ""):
                for s in unauthorised_in_period(referral, nti.period_start, nti.period_end) or ():
                    found.setdefault((s["date"], s["session"]), s)
    return [found[k] for k in sorted(found, key=lambda k: (k[0], k[1] != "AM"))]


def unauthorised_in_period(referral: Referral, start: dt.date, end: dt.date) -> list[dict] | None:
    """The unauthorised sessions in the referral's register from `start` to `end` ({date, session,
    code}); None when the register does not reach `start` (nothing can be said yet)."""
    register = register_of(referral)
    if register is None or not register.sessions or register.sessions[-1].date < start:
        return None
    code_set = load_code_set(register.code_set)
    return [{"date": s.date.isoformat(), "session": s.session, "code": s.code} for s in register.sessions
            if start <= s.date <= end and code_set.classify(s.code) == "unauthorised"]


def _attendance(referral: Referral, row: Outcome) -> dict:
    register = register_of(referral)
    sessions = _sessions(referral, row)
    code_set = load_code_set(register.code_set if register is not None else DEFAULT_CODE_SET)
    counts: dict[str, int] = {}
    for s in sessions:
        counts[s["code"]] = counts.get(s["code"], 0) + 1
    by_code = ", ".join(f"{n} {c}" + (f" ({MIX_LABELS[c]})" if c in MIX_LABELS else "") for c, n in counts.items())
    out = {"unauthorised": str(len(sessions)), "by_code": by_code or "None recorded",
           "sessions": [{"date": _day(s["date"]), "session": s["session"], "code": s["code"],
                         "meaning": code_set.describe(s["code"]) if s["code"] in code_set.codes else s["code"]}
                        for s in sessions],
           "source": f"the school's attendance register sent with referral {referral.reference}"}
    if register is not None and register.sessions:
        pct = attendance_pct(register.sessions, register.code_set)
        out.update(period=f"{format_date(register.sessions[0].date)} to {format_date(register.sessions[-1].date)}",
                   possible=str(possible_sessions(register.sessions, register.code_set)),
                   attended=str(attended_sessions(register.sessions, register.code_set)),
                   pct=f"{pct:.1f}%" if pct is not None else "Not given")
    else:
        figures = data_as_signed(referral).get("figures") or {}
        pct = figures.get("attendance_pct_10wk") if isinstance(figures, Mapping) else None
        out.update(period="the 10 school weeks before the referral", possible="Not given", attended="Not given",
                   pct=f"{pct}% (as the school entered it)" if isinstance(pct, (int, float)) else "Not given")
    return out


def _offence_period(referral: Referral, row: Outcome, data: Mapping) -> str:
    """Reg. 3(d): the period of the offence. Leave: the stated leave. Otherwise: the first to the last
    of the unauthorised sessions the notice relies on."""
    if referral.form_id in LEAVE_FORMS:
        leave = data.get("leave") if isinstance(data.get("leave"), Mapping) else {}
        start, end = as_date(leave.get("start_date")), as_date(leave.get("end_date"))
        if start and end:
            return f"{format_date(start)} to {format_date(end)}"
    days = [d for d in (as_date(s["date"]) for s in _sessions(referral, row)) if d]
    if days:
        return f"{format_date(min(days))} to {format_date(max(days))}"
    return "the period set out in the referral"


def _support_given(data: Mapping, referral: Referral) -> list[str]:
    """What the referral, as accepted, says the school did (each form names it its own way)."""
    items = []
    if (day := as_date(data.get("support_meeting_date"))):
        attended = data.get("parents_attended_meeting")
        items.append(f"An attendance support meeting on {format_date(day)}"
                     + (" (you attended)" if attended is True else " (not attended)" if attended is False else ""))
    if data.get("parent_contract_agreed") is True:
        items.append("A School Attendance Parent Contract agreed with you")
    for key in ("support_actions", "support_meeting_actions"):
        if isinstance(data.get(key), str) and data[key].strip():
            items.append(clean_text(data[key]))
    for key in ("stage1_actions", "stage2_actions"):
        for action in data.get(key) or ():
            text = action.get("action") if isinstance(action, Mapping) else action
            if isinstance(text, str) and text.strip():
                items.append(clean_text(text))
    week4 = data.get("week4") if isinstance(data.get("week4"), Mapping) else {}
    if (day := as_date(week4.get("meeting_date"))):
        items.append(f"A Fast Track review meeting on {format_date(day)}")
    if (day := as_date(data.get("final_warning_date"))):
        items.append(f"A Final Warning letter sent on {format_date(day)}")
    return items or [f"The support the school set out in its referral {referral.reference}"]


def _la(referral: Referral) -> dict:
    la = referral.school.la
    return {"name": la.name, "address": clean_text(la.address) or "Not given",
            "telephone": clean_text(la.telephone) or "Not given",
            "email": clean_text(la.contact_email) or clean_text(la.inbox_email),
            "payment_methods": [clean_text(line) for line in (la.payment_methods or "").splitlines() if line.strip()]}


def context(referral: Referral, row: Outcome, officer: User, *, earlier: int, period_text: str | None) -> dict:
    """The context for `row` (a notice being issued, not yet saved)."""
    kind = kind_of(row)
    data = data_as_signed(referral)
    pupil = data.get("pupil") if isinstance(data.get("pupil"), Mapping) else {}
    la = _la(referral)
    parent = row.parent_name or ""
    child = " ".join(x for x in (clean_text(pupil.get("first_name")), clean_text(pupil.get("last_name"))) if x)
    attendance = _attendance(referral, row)
    ctx = {
        "document_title": TITLES[kind], "document_lang": "en-GB", "is_draft": False, "status": "", "draft_notice": "",
        "reference": row.notice_reference,
        "issued_on": format_date(row.occurred_on), "received_on": format_date(row.received_on),
        "service": f"Sent by first class post on {format_date(row.occurred_on)}. It is taken to be received on "
                   f"{format_date(row.received_on)}, the second working day after posting.",
        "la": la,
        "officer": {"name": clean_text(officer.name), "particulars": f"Authorised officer, {la['name']}"},
        "recipient": {"name": parent, "address": recipient_address(data, parent) or "Not given",
                      "salutation": f"Dear {parent}"},
        "pupil": {"name": child or "Not given", "date_of_birth": date_text(pupil.get("date_of_birth")),
                  "address": clean_text(pupil.get("address")) or "Not given"},
        "school_name": referral.school.name,
        "attendance": attendance,
    }
    if kind == "notice_to_improve":
        profile = load_profile(profile_name(referral))
        ctx["nti"] = {
            "period": period_text or "", "period_start": format_date(row.period_start),
            "period_end": format_date(row.period_end),
            "sufficient": profile.param("notice_to_improve_served", "sufficient"),
            "early_grounds": profile.param("notice_to_improve_served", "early_grounds"),
            "support_given": _support_given(data, referral),
            "support_offered": [
                f"Talk to {referral.school.name} about your child's attendance and anything that makes it hard to get "
                "them to school: the school can review the support already offered, including any you have not yet "
                "taken up.",
                f"{la['name']}'s attendance team can help: telephone {la['telephone']} or email {la['email']}.",
                "Early help for your family (an Early Help Assessment) can be arranged through the school or the "
                "local authority.",
            ],
            "source": profile.source("notice_to_improve_served"),
        }
    else:
        amounts = row.amounts or []
        texts = []
        for i, a in enumerate(amounts):
            pay_by = format_date(dt.date.fromisoformat(a["pay_by"]))
            if i == 0:
                texts.append(f"{format_money(a['pence'])} if paid in full by {pay_by} (within {a['within_days']} days "
                             "of receiving this notice)")
            else:
                after = format_date(dt.date.fromisoformat(amounts[i - 1]["pay_by"]))
                texts.append(f"{format_money(a['pence'])} if paid in full after {after} and by {pay_by} (within "
                             f"{a['within_days']} days of receiving this notice)")
        # The law of the LA's jurisdiction on the date of issue (England's or Wales's regulations).
        regime = regime_for(load_profile(profile_name(referral)), row.occurred_on)
        span = "twelve months" if regime.years == 1 else f"{regime.years} years"
        ctx["pn"] = {
            "offence_period": _offence_period(referral, row, data),
            "sequence": f"This is the {ORDINAL.get(earlier, 'further')} penalty notice issued to you for "
                        f"{child or 'your child'} in the last {span}.",
            "amounts": [{"amount": format_money(a["pence"]), "pay_by": format_date(dt.date.fromisoformat(a["pay_by"])),
                         "text": t} for a, t in zip(amounts, texts)],
            "last_day": format_date(max(dt.date.fromisoformat(a["pay_by"]) for a in amounts)) if amounts else "",
            "regulations": regime.regulations,
        }
    return ctx


def _day_in_full(day: dt.date) -> str:
    return f"{day:%A} {format_date(day)}"


def letter_context(referral: Referral, row: Outcome, officer: User, details: Mapping) -> dict:
    """The context of an Education Welfare Officer's letter (`row`, being issued, not yet saved) to one
    parent, in that parent's language. `details`: what the officer entered for this letter (a Final
    Warning's review date and any attendance figure they state; a Pre-Court Meeting's date, time and
    place), already checked (la/notices.py)."""
    kind = kind_of(row)
    data = data_as_signed(referral)
    pupil = data.get("pupil") if isinstance(data.get("pupil"), Mapping) else {}
    parent = row.parent_name or ""
    language = language_of(_parent(data, parent).get("language"))
    child = " ".join(x for x in (clean_text(pupil.get("first_name")), clean_text(pupil.get("last_name"))) if x)
    la = {k: v for k, v in _la(referral).items() if k != "payment_methods"}  # a letter asks for no payment
    attendance = _attendance(referral, row)
    ctx = {
        "document_title": TITLES[kind], "document_lang": tag(language), "language": language,
        "is_draft": False, "status": "", "draft_notice": "",
        "reference": row.notice_reference, "issued_on": format_date(row.occurred_on),
        "la": la, "officer": {"name": clean_text(officer.name)},
        "recipient": {"name": parent, "address": recipient_address(data, parent) or "Not given"},
        "pupil": {"name": child or "Not given", "date_of_birth": date_text(pupil.get("date_of_birth"))},
        "school_name": referral.school.name,
    }
    if kind == "initial_warning":
        # The penalty notice of the LA's law on the letter's date (rules/law.py), never a fixed amount:
        # in Wales £60 within 28 days of receipt and £120 within 42.
        regime = regime_for(load_profile(profile_name(referral)), row.occurred_on)
        lower, higher = regime.first[0], regime.first[-1]
        ctx["letter"] = {"attendance_pct": attendance["pct"], "attendance_period": attendance["period"],
                         "lower": format_money(lower.pence), "lower_days": str(lower.within_days),
                         "higher": format_money(higher.pence), "higher_days": str(higher.within_days),
                         "regulations": regime.regulations}
    elif kind == "ews_final_warning":
        stated = details.get("attendance_pct") is not None
        ctx["letter"] = {
            "attendance_pct": f"{details['attendance_pct']:.1f}%" if stated else attendance["pct"],
            "attendance_period": details["attendance_period"] if stated else attendance["period"],
            "review_on": format_date(row.period_end)}
    else:
        ctx["letter"] = {"meeting_on": _day_in_full(details["meeting_on"]),
                         "meeting_time": format_time(details["meeting_time"]),
                         "meeting_place": details["meeting_place"]}
    return ctx


def render(kind: str, ctx: dict) -> dict[str, bytes]:
    """{"pdf": ..., "docx": ...} from the one context."""
    name = DOCUMENTS[kind]
    return {"pdf": render_pdf(f"print/{name}.html", ctx, title=ctx["document_title"]),
            "docx": render_docx(f"{name}.docx", ctx)}
