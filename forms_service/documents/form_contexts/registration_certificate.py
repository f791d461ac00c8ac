"""The Registration Certificate (issue 21; DESIGN.md section 2, `registration-certificate`): the pupil's register
marks printed as a school's MIS prints its certificate, which every referral in the seeds asks for ("An up to
date print out of the registration certificate should accompany the referral", 002, Step 3; 000, Appendix 7;
003, Appendices 5-8). The seeds ask for it but do not reproduce one: the layout is the service's own.

Made from the register given with the document (`build_context(register=...)`): a referral's at signing
(referrals/documents.py), or the marks uploaded for a certificate of its own. The weeks, totals and key come
from forms_service/register/certificate.py; this module only writes them as words, and
templates/html/print/registration-certificate.html and templates/docx/registration-certificate.docx only
place them.

Which unauthorised sessions are picked out (bold, with an asterisk: never colour alone): those the request's
rule counted (`unauthorised_sessions_threshold`'s `relied_on`, in its window), else the unauthorised sessions
in the window a rule measured (`attendance_in_window`), else in the school weeks the profile counts
(rules/certificate.py) up to the certificate's date.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ...dates import as_date
from ...formatting import format_date
from ...policies import Policy
from ...register import certificate as table
from ...register.marks import Register, academic_year, load_code_set, previous_school_weeks
from ...rules.certificate import weeks_counted
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, rule_details

COUNTED_MARK = "*"
CERTIFIES = ("The head teacher certifies that this is a true record of the pupil's attendance as it is shown in the "
             "school's attendance register.")
# The law each code set is in, as a reader cites it (the code sets' own `source` also says where the service's
# classes come from, which is no part of a certificate).
REGULATIONS = {
    "2024": "The School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208), regulation 10 and "
            "its tables",
    "2006": "The Education (Pupil Registration) (England) Regulations 2006 (SI 2006/1751), as the codes were used "
            "before 19 August 2024",
    "wales-2010": "The Education (Pupil Registration) (Wales) Regulations 2010 (SI 2010/1954 (W.187)) and the Welsh "
                  "Government's guidance on school attendance codes",
}
NO_MARKS = ("No register marks were given, so this certificate has no marks to show. Upload the register marks "
            "exported from the school's MIS.")


def _counted(register: Register, verdict: Mapping, on: dt.date, weeks: int) -> tuple[set, dt.date | None, dt.date]:
    """(the (date, session) keys to pick out, the window's first and last dates)."""
    codes = load_code_set(register.code_set)
    threshold = rule_details(verdict, "unauthorised_sessions_threshold")
    if threshold.get("window_end") and isinstance(threshold.get("relied_on"), (list, tuple)):
        keys = {(as_date(row.get("date")), row.get("session")) for row in map(as_mapping, threshold["relied_on"])}
        return keys, as_date(threshold.get("window_start")), as_date(threshold["window_end"])
    measured = rule_details(verdict, "attendance_in_window")
    if measured.get("window_start") and measured.get("window_end"):
        start, end = as_date(measured["window_start"]), as_date(measured["window_end"])
    else:
        window = previous_school_weeks(register, on, weeks)
        start, end = window.start, window.end
    if start is None:
        return set(), None, end
    keys = {(s.date, s.session) for s in register.sessions
            if start <= s.date <= end and codes.classify(s.code) == "unauthorised"}
    return keys, start, end


def _cell(cell: table.Cell) -> dict:
    return {"text": f"{cell.mark}{COUNTED_MARK}" if cell.counted else cell.mark, "counted": cell.counted}


def _sessions(n: int) -> str:
    return f"{n} session" if n == 1 else f"{n} sessions"


def _empty(on_text: str, code_set_title: str, note: str) -> dict:
    return {"has_marks": False, "note": note, "no_marks": NO_MARKS, "printed": on_text, "code_set": code_set_title,
            "code_set_source": "", "period": NOT_GIVEN, "columns": list(table.COLUMNS), "weeks": [],
            "counted_note": "", "totals": [], "possible": NOT_GIVEN, "attendance": NOT_GIVEN, "key": [],
            "no_mark_note": "", "certifies": CERTIFIES}


@extra("registration-certificate", with_register=True)
def registration_certificate_context(form: Mapping, data: Mapping, verdict: Mapping, profile: Policy,
                                     register: Register | None) -> dict:
    answers = as_mapping(data.get("certificate"))
    note = clean_text(answers.get("note"))  # what it was prepared for, as typed; none on a referral's
    on = as_date(answers.get("date")) or as_date(data.get("referral_date")) or dt.date.today()
    if register is None or not register.until(on).sessions:
        return {"certificate": _empty(date_text(on), load_code_set(register.code_set).title if register else NOT_GIVEN,
                                       note)}
    codes = load_code_set(register.code_set)
    weeks = weeks_counted(form.get("rules"), form.get("id"), profile)
    counted, window_start, window_end = _counted(register, verdict, on, weeks)
    first = as_date(answers.get("from")) or min(d for d in (academic_year(on)[0], window_start) if d is not None)
    shown = [s for s in register.sessions if first <= s.date <= on]
    if not shown:
        return {"certificate": _empty(date_text(on), codes.title, note)}
    totals = table.totals(shown, register.code_set)
    names = table.class_names(register.code_set)
    in_window = len([k for k in counted if k[0] is not None and first <= k[0] <= on])
    span = (f"the school weeks from {format_date(window_start)} to {format_date(window_end)}"
            if window_start else f"the school weeks up to {format_date(window_end)}")
    counted_note = (f"Marked {COUNTED_MARK} and in bold: the {_sessions(in_window)} of unauthorised absence counted in "
                    f"{span}." if in_window else f"No unauthorised absence is counted in {span}.")
    rows = table.week_rows(shown, counted)
    return {
        "certificate": {
            "has_marks": True,
            "no_marks": "",
            "note": note,
            "printed": date_text(on),
            "code_set": codes.title,
            "code_set_source": f"The codes and their meanings as set out in {REGULATIONS[register.code_set]}.",
            "period": f"{format_date(shown[0].date)} to {format_date(shown[-1].date)}",
            "columns": list(table.COLUMNS),
            "weeks": [{"commencing": format_date(row.monday), "cells": [_cell(c) for c in row.cells]} for row in rows],
            "counted_note": counted_note,
            "no_mark_note": f"{table.NO_MARK} : no mark in the register for that session.",
            "totals": [{"label": names[k], "sessions": str(totals.by_class[k])} for k in totals.by_class],
            "possible": str(totals.possible),
            "attendance": (f"{totals.pct:.1f}% ({totals.attended} of {totals.possible} possible sessions)"
                           if totals.pct is not None else "No possible sessions"),
            "key": [{"mark": f"{e.mark} ({e.recorded_as})" if e.recorded_as else e.mark, "meaning": e.description,
                     "counted_as": names[e.klass]} for e in table.key(shown, register.code_set)],
            "certifies": CERTIFIES,
        },
    }
