"""Realistic sample contexts for the two notices an LA officer issues to a parent: a Notice to Improve
and a Penalty Notice (templates/html/print/notice-to-improve.html and penalty-notice.html, and their
.docx twins). Each is the contract the domain code builds to: every value a ready-to-print string,
list or dict.

The family: Jane Smith, mother of Sam Smith (born 4 March 2013, Year 7 at Demo School). Sam missed
twelve sessions without authority in November 2025; the LA issued a Notice to Improve on Friday
5 December 2025 (taken to be received on Tuesday 9 December, the second working day after posting).
Sam's attendance did not improve, and a Penalty Notice followed on Tuesday 20 January 2026 (taken
to be received on Thursday 22 January): £80 within 21 days of receipt, £160 within 28 days. A second
notice within three years has one amount, £160 within 28 days.

The Education Welfare Officer's letters (issue 19; Cardiff's 5 Step Approach, 002 Step 3 and Step 4), in
Wales: Sian Morgan, mother of Rhys Morgan (born 19 May 2014, Year 6 at Ysgol Glan Demo, Cardiff). Cardiff's
EWO sent her an Initial Warning on Monday 12 January 2026, with the Welsh penalty notice (£60 within 28
days, £120 within 42: never England's £80/£160); a Final Warning on Monday 2 February 2026, attendance to
be reviewed on Friday 13 March 2026; and an invitation to a Pre-Court Meeting on Tuesday 24 March 2026 at
10:30am at County Hall.
"""
from __future__ import annotations

from collections import Counter

MEANINGS = {
    "O": "Unauthorised absence not covered by any other code",
    "U": "Arrived in school after the register closed",
    "G": "Holiday not authorised by the school",
}
CODE_NAMES = {
    "O": "unauthorised absence not yet explained",
    "U": "late after the register closed",
    "G": "holiday not authorised",
}

LA = {
    "name": "Demo Local Authority",
    "address": "Education Welfare Service\nTown Hall\nDemo Street\nDemotown DE1 1AA",
    "telephone": "01234 567890",
    "email": "attendance@demo-la.example",
    "payment_methods": [
        "Online at demo-la.example/pay, choosing 'School attendance penalty notice'",
        "By telephone on 01234 567891 (Monday to Friday, 9am to 5pm) with a debit or credit card",
        "By cheque made payable to Demo Local Authority, posted to the address above with the "
        "reference written on the back",
    ],
}
OFFICER = {"name": "Olivia Officer",
           "particulars": "Authorised officer, Education Welfare Service, Demo Local Authority"}
RECIPIENT = {"name": "Jane Smith", "address": "12 Example Road\nDemotown DE1 2BB",
             "salutation": "Dear Jane Smith"}
PUPIL = {"name": "Sam Smith", "date_of_birth": "4 March 2013", "address": "12 Example Road\nDemotown DE1 2BB"}


def _attendance(period: str, possible: int, attended: int, sessions: list[tuple[str, str, str]],
                source: str) -> dict:
    counts = Counter(code for _, _, code in sessions)
    return {
        "period": period,
        "possible": str(possible),
        "attended": str(attended),
        "pct": f"{attended / possible:.1%}",
        "unauthorised": str(len(sessions)),
        "by_code": ", ".join(f"{n} {code} ({CODE_NAMES[code]})" for code, n in counts.items()),
        "sessions": [{"date": date, "session": session, "code": code, "meaning": MEANINGS[code]}
                     for date, session, code in sessions],
        "source": source,
    }


def _common(title: str, reference: str, issued_on: str, received_on: str) -> dict:
    return {
        "document_title": title,
        "document_lang": "en-GB",
        "is_draft": False,
        "status": "",
        "draft_notice": "",
        "reference": reference,
        "issued_on": issued_on,
        "received_on": received_on,
        "service": (f"Sent by first class post on {issued_on}. It is taken to be received on {received_on}, "
                    "the second working day after posting."),
        "la": {**LA, "payment_methods": list(LA["payment_methods"])},
        "officer": dict(OFFICER),
        "recipient": dict(RECIPIENT),
        "pupil": dict(PUPIL),
        "school_name": "Demo School",
    }


def notice_to_improve(*, early_grounds: bool = True) -> dict:
    """A Notice to Improve; early_grounds=False: a profile that allows no penalty notice before the
    improvement period ends (nti.early_grounds is "")."""
    context = _common("Notice to Improve", "DEMO-2025-0007/NTI1", "5 December 2025", "9 December 2025")
    context["attendance"] = _attendance(
        "1 September 2025 to 28 November 2025", 110, 86,
        [("Mon 3 November 2025", "AM", "O"), ("Mon 3 November 2025", "PM", "O"),
         ("Wed 5 November 2025", "AM", "U"), ("Fri 7 November 2025", "AM", "O"),
         ("Fri 7 November 2025", "PM", "O"), ("Tue 11 November 2025", "AM", "U"),
         ("Mon 17 November 2025", "AM", "O"), ("Mon 17 November 2025", "PM", "O"),
         ("Thu 20 November 2025", "AM", "U"), ("Mon 24 November 2025", "AM", "O"),
         ("Mon 24 November 2025", "PM", "O"), ("Wed 26 November 2025", "AM", "U")],
        "the school's attendance register sent with referral DEMO-2025-0007")
    context["nti"] = {
        "period": "15 school days",
        "period_start": "10 December 2025",
        "period_end": "13 January 2026",
        "sufficient": "No unauthorised absence during the improvement period.",
        "early_grounds": ("A penalty notice may be issued before the improvement period ends if Sam has "
                          "5 or more sessions of unauthorised absence during it." if early_grounds else ""),
        "support_given": [
            "Attendance support meeting at Demo School on 3 October 2025",
            "School Attendance Parent Contract agreed on 3 October 2025 and reviewed on 7 November 2025",
            "Referral to the school nurse about Sam's headaches (seen on 14 October 2025)",
        ],
        "support_offered": [
            "A meeting with your Education Welfare Officer, Olivia Officer, at home or at school",
            "Referral to Early Help for family support",
            "A daily morning check-in with Sam's pastoral lead at Demo School",
        ],
        "source": "000, Stage 3A (Stockport); Working together to improve school attendance (2024)",
    }
    return context


def penalty_notice(*, second: bool = False) -> dict:
    """A Penalty Notice; second=True: the second notice to this parent for this child within three
    years, which has one amount (£160 within 28 days)."""
    number = 2 if second else 1
    context = _common("Penalty Notice", f"DEMO-2025-0007/PN{number}", "20 January 2026", "22 January 2026")
    context["attendance"] = _attendance(
        "1 September 2025 to 16 January 2026", 170, 130,
        [("Wed 10 December 2025", "AM", "O"), ("Wed 10 December 2025", "PM", "O"),
         ("Mon 15 December 2025", "AM", "U"), ("Fri 19 December 2025", "AM", "O"),
         ("Fri 19 December 2025", "PM", "O"), ("Mon 5 January 2026", "AM", "O"),
         ("Mon 5 January 2026", "PM", "O"), ("Thu 8 January 2026", "AM", "U"),
         ("Mon 12 January 2026", "AM", "O"), ("Mon 12 January 2026", "PM", "O")],
        "the school's attendance register sent with referral DEMO-2025-0007")
    ordinal = "second" if second else "first"
    if second:
        amounts = [{"amount": "£160", "pay_by": "19 February 2026",
                    "text": "£160 if paid in full by 19 February 2026 (within 28 days of receiving this notice)"}]
    else:
        amounts = [
            {"amount": "£80", "pay_by": "12 February 2026",
             "text": "£80 if paid in full by 12 February 2026 (within 21 days of receiving this notice)"},
            {"amount": "£160", "pay_by": "19 February 2026",
             "text": "£160 if paid in full after 12 February 2026 and by 19 February 2026 "
                     "(within 28 days of receiving this notice)"},
        ]
    context["pn"] = {
        "offence_period": "10 December 2025 to 16 January 2026",
        "sequence": f"This is the {ordinal} penalty notice issued to you for Sam Smith in the last three years.",
        "amounts": amounts,
        "last_day": "19 February 2026",
        "regulations": "The Education (Penalty Notices) (England) Regulations 2007, as amended by the Education "
                       "(Penalty Notices) (England) (Amendment) Regulations 2024",
    }
    return context


CARDIFF = {"name": "Cardiff Council",
           "address": "Education Welfare Service\nCounty Hall\nAtlantic Wharf\nCardiff CF10 4UW",
           "telephone": "029 2087 0000", "email": "ews@cardiff-demo.example"}


def _letter(title: str, reference: str, issued_on: str, language: str = "en") -> dict:
    return {
        "document_title": title, "document_lang": "cy" if language == "cy" else "en-GB", "language": language,
        "is_draft": False, "status": "", "draft_notice": "",
        "reference": reference, "issued_on": issued_on,
        "la": dict(CARDIFF),
        "officer": {"name": "Gareth Evans"},
        "recipient": {"name": "Sian Morgan", "address": "8 Heol Demo\nCanton\nCardiff CF5 1AA"},
        "pupil": {"name": "Rhys Morgan", "date_of_birth": "19 May 2014"},
        "school_name": "Ysgol Glan Demo",
    }


def initial_warning(*, language: str = "en") -> dict:
    """The Initial Warning (002, Step 3), with the Welsh penalty notice's amounts."""
    context = _letter("Initial Warning", "CDF-2026-0003/IW1", "12 January 2026", language)
    context["letter"] = {"attendance_pct": "81.4%", "attendance_period": "1 September 2025 to 9 January 2026",
                         "lower": "£60", "lower_days": "28", "higher": "£120", "higher_days": "42",
                         "regulations": "The Education (Penalty Notices) (Wales) Regulations 2013"}
    return context


def ews_final_warning(**_options) -> dict:
    """The Final Warning (002, Step 4), the officer's attendance figure, the review date."""
    context = _letter("Final Warning", "CDF-2026-0003/FW1", "2 February 2026")
    context["letter"] = {"attendance_pct": "78.6%", "attendance_period": "1 September 2025 to 30 January 2026",
                         "review_on": "13 March 2026"}
    return context


def pre_court_invitation(**_options) -> dict:
    """The invitation to a Pre-Court Meeting (002, Step 4), its date, time and place."""
    context = _letter("Invitation to a Pre-Court Meeting", "CDF-2026-0003/PCM1", "16 March 2026")
    context["letter"] = {"meeting_on": "Tuesday 24 March 2026", "meeting_time": "10:30am",
                         "meeting_place": "Room 201, County Hall\nAtlantic Wharf\nCardiff CF10 4UW"}
    return context


SAMPLES = {"notice-to-improve": notice_to_improve, "penalty-notice": penalty_notice,
           "initial-warning": initial_warning, "ews-final-warning": ews_final_warning,
           "pre-court-invitation": pre_court_invitation}


def sample_context(kind: str, **options) -> dict:
    """The sample context of a notice or letter: kind is its document id (SAMPLES)."""
    return SAMPLES[kind](**options)
