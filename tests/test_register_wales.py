"""The Welsh attendance codes (issue 19): schemas/codesets/wales-2010.json, chosen as code_set
"wales-2010" wherever a code set is chosen. The set is data: the same classes as England's sets, so
the figures and rules count Welsh marks unchanged.

The register below is on the test calendar of tests/support/registers.py: Monday 15 December 2025 to
Friday 6 March 2026, across the Christmas holiday (no sessions) and the February half term (all `#`).
"""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from forms_service.letters import bulk
from forms_service.policies import load_profile
from forms_service.register import screening
from forms_service.register.exports import read_register_file, read_school_file
from forms_service.register.figures import FIGURES
from forms_service.register.marks import (CODE_SET_CHOICES, CODE_SETS, CODESETS_DIR, Register, RegisterError, Session,
                                          attendance_pct, broken_weeks, count_by_class, load_code_set,
                                          parse_register_json, possible_sessions, previous_school_weeks, to_csv)

from support.helpers import api_token, bearer, csrf, json_data, login, text
from support.registers import PupilRegister

D = dt.date
WALES = "wales-2010"
SAMPLES = Path(__file__).resolve().parent / "samples"
FIRST, LAST = D(2025, 12, 15), D(2026, 3, 6)

# Each code's class as the set's sources give it (the 2010 Welsh codes; see the file's per-code "source").
EXPECTED = {
    "/": "present", "\\": "present", "L": "present",
    "B": "approved_activity", "J": "approved_activity", "P": "approved_activity", "V": "approved_activity",
    "W": "approved_activity",
    "C": "authorised", "E": "authorised", "H": "authorised", "I": "authorised", "M": "authorised", "R": "authorised",
    "S": "authorised", "T": "authorised",
    "G": "unauthorised", "N": "unauthorised", "O": "unauthorised", "U": "unauthorised",
    "D": "not_counted", "X": "not_counted", "Y": "not_counted", "Z": "not_counted", "#": "not_counted",
}
# England's 2024 codes that Wales does not have (SI 2024/208 applies in England only).
ENGLAND_2024_ONLY = ("C1", "C2", "J1", "K", "Q", "B2", "Y1", "Y7")


# ------------------------------------------------------------------ the set

def test_every_code_is_classified_as_its_source_says():
    codes = load_code_set(WALES)
    assert {code: klass for code, (klass, _) in codes.codes.items()} == EXPECTED
    raw = json.loads((CODESETS_DIR / f"{WALES}.json").read_text(encoding="utf-8"))
    assert all(entry["description"] and entry["source"] for entry in raw["codes"].values())
    assert "SI 2010/1954" in codes.source and "Guidance on school attendance codes" in codes.source


def test_wales_has_none_of_englands_2024_sub_codes_nor_an_unconfirmed_f():
    codes = load_code_set(WALES).codes
    assert not set(ENGLAND_2024_ONLY) & set(codes)
    assert "F" not in codes  # not confirmed in a Welsh source: the data's notes say so


def test_where_the_welsh_codes_follow_englands_2006_codes_they_keep_their_classes():
    """The Welsh data follows the 2006 English codes where no Welsh source differs (each code's
    "source" says so): the same class for every shared code, and only the unconfirmed F left out."""
    wales, older = load_code_set(WALES).codes, load_code_set("2006").codes
    assert set(older) - set(wales) == {"F"} and set(wales) <= set(older)
    assert all(wales[code][0] == older[code][0] for code in wales)


def test_it_is_one_of_the_choices():
    assert WALES in CODE_SETS and (WALES, "The codes used in Wales") in CODE_SET_CHOICES


# ------------------------------------------------------------------ figures

def welsh_pupil(upn: str | None = None) -> PupilRegister:
    pupil = PupilRegister(FIRST, LAST, upn=upn, code_set=WALES)
    pupil.mark(D(2025, 12, 16), "N", ["AM"])   # week of 15 Dec: exactly one unauthorised session
    pupil.mark(D(2026, 1, 6), "I")             # week of 5 Jan: illness, authorised
    # week of 12 Jan: no absence at all
    pupil.mark(D(2026, 1, 20), "H")            # week of 19 Jan: agreed holiday, authorised in Wales
    pupil.mark(D(2026, 3, 2), "G")             # week of 2 Mar: holiday not agreed, two sessions
    pupil.mark(D(2026, 3, 4), "U", ["PM"])     # after the register closed: unauthorised
    pupil.mark(D(2026, 3, 5), "L", ["AM"])     # late before it closed: present
    pupil.mark(D(2026, 3, 6), "B", ["AM"])     # off-site educational activity: attending
    pupil.mark(D(2026, 3, 6), "D", ["PM"])     # at the other school it is registered at: not counted
    return pupil


def test_a_welsh_register_across_a_holiday_and_a_half_term_is_counted():
    register = welsh_pupil().build()
    sessions = register.sessions
    # Open days: 15-19 Dec (5), 5 Jan-13 Feb (30), 23 Feb-6 Mar (10) = 45 days, 90 sessions; D is not counted.
    assert FIGURES["possible_sessions"](sessions, WALES) == 89
    assert FIGURES["unauthorised_sessions"](sessions, WALES) == 4     # N, G, G, U
    assert FIGURES["sessions_missed"](sessions, WALES) == 8           # and I, I, H, H
    assert FIGURES["attended_sessions"](sessions, WALES) == 81        # L and B count as attending
    assert FIGURES["attendance_pct"](sessions, WALES) == pytest.approx(81 * 100 / 89)
    assert FIGURES["late_marks"](sessions, WALES) == 2                # L and U
    # Nine school weeks: the half-term week (all #) and the Christmas holiday (no marks) are none.
    assert FIGURES["school_weeks"](sessions, WALES) == 9
    assert FIGURES["broken_weeks"](sessions, WALES) == 4


def test_broken_weeks_one_unauthorised_session_is_enough_none_is_not():
    weeks = broken_weeks(welsh_pupil().build())
    assert weeks == [D(2025, 12, 15), D(2026, 1, 5), D(2026, 1, 19), D(2026, 3, 2)]
    assert D(2026, 1, 12) not in weeks and D(2026, 2, 16) not in weeks


def test_ten_school_weeks_reach_back_over_the_half_term_and_christmas():
    window = previous_school_weeks(welsh_pupil().build(), LAST, 10)
    assert window.start == D(2025, 12, 15) and len(window.weeks) == 9  # the register starts there
    assert FIGURES["unauthorised_sessions"](window.sessions, WALES) == 4
    last_five = previous_school_weeks(welsh_pupil().build(), LAST, 5)
    assert last_five.weeks == (D(2026, 1, 26), D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 23), D(2026, 3, 2))
    assert FIGURES["unauthorised_sessions"](last_five.sessions, WALES) == 3


# ------------------------------------------------------------------ uploads

@pytest.mark.parametrize("code", ENGLAND_2024_ONLY + ("F",))
def test_a_code_wales_does_not_have_is_refused_naming_the_row_and_column(code):
    csv_text = f"date,session,code\n2026-01-05,AM,/\n2026-01-05,PM,{code}\n"
    with pytest.raises(RegisterError) as caught:
        read_register_file(csv_text, WALES)
    assert caught.value.errors == [{"row": 3, "field": "code", "column": "code",
                                    "message": f"Row 3: code '{code}' is not in the wales-2010 code set"}]
    with pytest.raises(RegisterError) as caught:
        parse_register_json({"code_set": WALES, "sessions": [{"date": "2026-01-05", "session": "AM", "code": "/"},
                                                             {"date": "2026-01-05", "session": "PM", "code": code}]})
    assert [(e["row"], e["field"]) for e in caught.value.errors] == [(2, "code")]
    assert caught.value.errors[0]["message"].startswith("Item 2: ")


def test_welsh_marks_read_from_csv_and_json():
    pupil = welsh_pupil()
    from_csv = read_register_file(pupil.csv(), WALES)
    assert from_csv.code_set == WALES and from_csv.sessions == pupil.build().sessions
    obj = {"code_set": WALES, "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                           for s in pupil.sessions()]}
    assert parse_register_json(obj).sessions == pupil.build().sessions
    # H is an agreed holiday in Wales; England's 2024 codes have no H, so the same file is refused there.
    with pytest.raises(RegisterError) as caught:
        read_register_file(pupil.csv(), "2024")
    assert any("'H'" in e["message"] for e in caught.value.errors)


def welsh_school() -> bytes:
    pupils = [welsh_pupil("W100000000001"),
              PupilRegister(FIRST, LAST, upn="W100000000002", code_set=WALES),
              PupilRegister(FIRST, LAST, upn="W100000000003", code_set=WALES)
              .mark_days(D(2026, 2, 23), LAST, "N")]  # the last ten school days unexplained
    return to_csv(Register(WALES, tuple(s for p in pupils for s in p.sessions()))).encode()


def test_the_whole_school_screen_and_bulk_letters_read_welsh_codes():
    result = screening.screen_file(welsh_school(), load_profile("national-2024"), code_set=WALES, workers=1)
    assert result.pupils == 3 and result.on == LAST
    rows = {row.upn: row for row in result.rows}
    assert "attendance_return" in rows["W100000000003"].flags and "W100000000002" not in rows
    assert set(bulk.read_register(welsh_school(), WALES)) == {"W100000000001", "W100000000002", "W100000000003"}
    with pytest.raises(RegisterError) as caught:
        read_school_file(welsh_school().replace(b",H\n", b",K\n", 1), WALES)
    assert caught.value.errors[0]["field"] == "code" and "'K'" in caught.value.errors[0]["message"]


def test_the_screen_page_offers_and_accepts_the_welsh_codes(client):
    login(client, "office@demo.school")
    page = text(client.get("/screening/"))
    assert "The codes used in Wales" in page and 'value="wales-2010"' in page
    response = client.post("/screening/", data={"csrf_token": csrf(page), "code_set": WALES, "output": "page",
                                                "file": (io.BytesIO(welsh_school()), "school.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, text(response)
    assert "3 pupils screened as of 6 March 2026" in text(response) and "W100000000003" in text(response)


# ------------------------------------------------------------------ the API

def api_register(codes: dict[tuple[str, str], str]) -> dict:
    pupil = PupilRegister(FIRST, LAST, code_set=WALES)
    for (day, session), code in codes.items():
        pupil.mark(D.fromisoformat(day), code, [session])
    return {"code_set": WALES, "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                            for s in pupil.sessions()]}


def test_the_api_accepts_a_welsh_register(client):
    token = bearer(api_token(client, "office@demo.school"))
    data = json.loads((SAMPLES / "ppm-request.json").read_text(encoding="utf-8"))
    register = api_register({("2026-03-02", "AM"): "G", ("2026-03-02", "PM"): "H", ("2026-03-03", "AM"): "N"})
    response = client.post("/api/v1/eligibility/ppm-request", headers=token, json={"data": data, "register": register})
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()
    # G and N are unauthorised; H, an agreed holiday, is authorised in Wales: counted by the same rules.
    assert verdict["figures"]["unauthorised_sessions_10wk"] == 2
    assert verdict["figures"]["absence_pct_year"] == 3.3  # 3 of 90 possible sessions missed
    threshold = next(r for r in verdict["rules"] if r["id"] == "unauthorised_sessions_threshold")
    assert "(codes G, N, O, U)" in threshold["reason"] and "1 G (leave), 1 N" in threshold["reason"]
    refused = client.post("/api/v1/eligibility/ppm-request", headers=token,
                          json={"data": data, "register": api_register({("2026-03-02", "AM"): "/"})
                                | {"sessions": [{"date": "2026-03-02", "session": "AM", "code": "C1"}]}})
    assert refused.status_code == 422
    assert "Item 1" in json.dumps(refused.get_json()) and "C1" in json.dumps(refused.get_json())



# ------------------------------------------------------------------ properties

@st.composite
def welsh_registers(draw):
    codes = sorted(EXPECTED)
    keys = draw(st.sets(st.tuples(st.dates(D(2025, 9, 1), D(2026, 7, 31)), st.sampled_from(["AM", "PM"])),
                        max_size=80))
    return Register(WALES, tuple(Session(d, s, draw(st.sampled_from(codes))) for d, s in keys))


@settings(max_examples=60, deadline=None)
@given(welsh_registers())
def test_any_welsh_register_counts_possible_and_attendance_consistently(register):
    counts = count_by_class(register)
    assert sum(counts.values()) == len(register)
    assert possible_sessions(register) == len(register) - counts["not_counted"]
    pct = attendance_pct(register)
    assert (pct is None) == (possible_sessions(register) == 0) and (pct is None or 0 <= pct <= 100)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"date": st.sampled_from(["2026-01-05", "2026-02-30", "", None, 5]),
                                       "session": st.sampled_from(["AM", "PM", "XX", None]),
                                       "code": st.sampled_from(["/", "H", "K", "C1", "f", "", None, ["G"]])}),
                max_size=8))
def test_any_json_register_in_welsh_codes_is_read_or_names_its_items(items):
    try:
        parse_register_json({"code_set": WALES, "sessions": items})
    except RegisterError as exc:
        assert exc.errors and all(e["message"].startswith(("Item ", "The register")) for e in exc.errors)


# ------------------------------------------------------------------ a referral's register page

@pytest.mark.db
def test_a_referrals_register_page_takes_welsh_marks_and_refuses_an_england_only_code(client):
    office = bearer(api_token(client, "office@demo.school"))
    login(client, "office@demo.school")
    rid = client.post("/api/v1/referrals", headers=office,
                      json={"form": "penalty-notice-leave", "data": json_data()}).get_json()["id"]
    url = f"/referrals/{rid}/register"

    def post(data: bytes):
        page = text(client.get(url))
        assert "The codes used in Wales" in page
        return client.post(url, content_type="multipart/form-data",
                           data={"csrf_token": csrf(page), "code_set": WALES, "file": (io.BytesIO(data), "marks.csv")})

    refused = post(b"date,session,code\n2026-01-05,AM,/\n2026-01-05,PM,K\n")
    assert refused.status_code == 422 and "Row 3: code &#39;K&#39; is not in the wales-2010 code set" in refused.text
    assert post(welsh_pupil().csv().encode()).status_code == 302
    stored = client.get(f"/api/v1/referrals/{rid}", headers=office).get_json()
    assert stored["register"]["code_set"] == WALES
