"""A profile's own attendance bands (issue 20; forms_service/policies.py Band, register/screening.py): the
whole-school screen lists every pupil in one of the trust's or LA's bands, by the band's label, on the
web, in the CSV and with `forms-service screen --profile`; bulk letters select a band.

The school below is on the 2025/26 calendar of tests/support/registers.py, screened as of Wednesday
13 May 2026. From Wednesday 3 September (1 and 2 September are INSET days) to 13 May the school was
open for 300 sessions (150 days: the October, February half-terms and the May Day bank holiday are
closed), so each session missed is a third of a percentage point:
  12 missed is 288/300, exactly 96.0%;  13 is 95.7% (below 96);  11 is 96.3%.
  75 missed is 225/300, exactly 75.0%;  76 is 74.7%;  74 is 75.3%.
  30 missed is exactly 90.0%;  31 is 89.7% (below 90).
The absences are illness (I), spread through the year, so the pupils near 96% meet no national
threshold: they are listed for the band alone.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

import pytest
from click.testing import CliRunner

from forms_service.cli import main as cli
from forms_service.formdefs import get_form
from forms_service.letters import bulk
from forms_service.policies import POLICIES_DIR, Policy, list_profiles, load_profile
from forms_service.register import screening
from forms_service.register.marks import Register, to_csv

from support.doctext import docx_text, pdf_text, squash
from support.helpers import csrf, login, set_profile, text
from support.registers import PupilRegister

D = dt.date
ON = D(2026, 5, 13)
PETERBOROUGH, KNOWSLEY, SOUTHEND = load_profile("peterborough"), load_profile("knowsley"), load_profile("southend")
NATIONAL = load_profile("national-2024")

MISSED = {"P100000000001": 0, "P100000000011": 11, "P100000000012": 12, "P100000000013": 13,
          "P100000000030": 30, "P100000000031": 31,
          "P100000000074": 74, "P100000000075": 75, "P100000000076": 76}


def school() -> Register:
    pupils = [PupilRegister(D(2025, 9, 1), ON, upn=upn).mark_sessions(n, "I", D(2025, 9, 3), ON, seed=n)
              for upn, n in MISSED.items()]
    return Register("2024", tuple(s for p in pupils for s in p.sessions()))


def school_csv() -> bytes:
    return to_csv(school()).encode()


def rows(result: screening.Screen) -> dict:
    return {row.upn: row for row in result.rows}


def bands_of(result: screening.Screen, upn: str) -> list[str] | None:
    """The pupil's bands; None when the pupil is not listed at all."""
    row = rows(result).get(upn)
    return None if row is None else row.bands


def test_the_calendar_gives_300_sessions():
    result = screening.screen(school(), NATIONAL, ON)
    assert {r.upn: r.possible for r in result.rows} == {upn: 300 for upn in MISSED if MISSED[upn] >= 30}
    assert rows(result)["P100000000075"].attendance_pct == 75.0


def test_below_96_at_its_boundary_lists_pupils_with_no_other_flag():
    result = screening.screen(school(), PETERBOROUGH, ON)
    assert bands_of(result, "P100000000013") == ["below-96"]  # 95.7%: below 96
    assert rows(result)["P100000000013"].flags == []  # listed for the trust's band alone
    assert rows(result)["P100000000013"].attendance_pct == 95.7
    assert bands_of(result, "P100000000012") is None  # exactly 96.0%: not below
    assert bands_of(result, "P100000000011") is None  # 96.3%
    assert bands_of(result, "P100000000001") is None
    # Below 90 too, most serious first; exactly 90.0% is below 96 but not below 90.
    assert bands_of(result, "P100000000031") == ["below-90", "below-96"]
    assert bands_of(result, "P100000000030") == ["below-96"]
    # The national flags are kept as they were: 30 missed is 10%, persistent.
    assert "persistent" in rows(result)["P100000000030"].flags
    # Under the national profile the pupil at 95.7% meets no threshold: not listed.
    assert bands_of(screening.screen(school(), NATIONAL, ON), "P100000000013") is None


def test_75_or_below_at_its_boundary():
    result = screening.screen(school(), KNOWSLEY, ON)
    assert bands_of(result, "P100000000076") == ["at-or-below-75", "below-95"]  # 74.7%
    assert bands_of(result, "P100000000075") == ["at-or-below-75", "below-95"]  # exactly 75.0%: at or below
    assert bands_of(result, "P100000000074") == ["below-95"]                    # 75.3%
    assert bands_of(result, "P100000000030") == ["below-95"]                    # 90.0%
    assert bands_of(result, "P100000000013") is None                            # 95.7%: not below 95
    summary = screening.summary(result)
    assert "  75% or below (Knowsley educational neglect, Appendix D): 2" in summary
    assert "  Below 95% (Knowsley Level 1): 5" in summary


def test_southends_bands_are_at_or_below_and_below():
    result = screening.screen(school(), SOUTHEND, ON)
    assert bands_of(result, "P100000000076") == ["below-93"]  # 74.7%: above 70
    assert bands_of(result, "P100000000031") == ["below-93"]
    assert bands_of(result, "P100000000013") is None  # 95.7%: not below 93
    assert [b.id for b in SOUTHEND.bands] == ["at-or-below-30", "at-or-below-70", "below-93"]
    # 70% or less and 30% or less, each just over, at and just under (90 missed is 210/300, 70.0%; 210 is 30.0%).
    pupils = [PupilRegister(D(2025, 9, 1), ON, upn=f"S1000000{n:05d}").mark_sessions(n, "I", D(2025, 9, 3), ON, seed=n)
              for n in (89, 90, 91, 209, 210, 211)]
    low = screening.screen(Register("2024", tuple(s for p in pupils for s in p.sessions())), SOUTHEND, ON)
    assert [bands_of(low, f"S1000000{n:05d}") for n in (89, 90, 91, 209, 210, 211)] == [
        ["below-93"], ["at-or-below-70", "below-93"], ["at-or-below-70", "below-93"],
        ["at-or-below-70", "below-93"], ["at-or-below-30", "at-or-below-70", "below-93"],
        ["at-or-below-30", "at-or-below-70", "below-93"]]
    assert screening.summary(low).endswith("  30% or less (Southend chronic non-attenders' return): 2\n"
                                           "  70% or less (Southend CME Case Management Group list): 5\n"
                                           "  Below 93% (Southend: parents may be invited to meet): 6")


def test_band_edges_in_sessions_for_each_kind():
    """The comparison is exact in sessions, whatever the rounding of the figure shown."""
    band = next(b for b in PETERBOROUGH.bands if b.id == "below-96")
    assert band.contains(287, 300) and not band.contains(288, 300) and not band.contains(289, 300)
    assert band.contains(9599, 10000) and not band.contains(9600, 10000) and not band.contains(9601, 10000)
    neglect = next(b for b in KNOWSLEY.bands if b.id == "at-or-below-75")
    assert neglect.contains(749, 1000) and neglect.contains(750, 1000) and not neglect.contains(751, 1000)
    assert not band.contains(0, 0)  # no possible sessions: in no band


def test_the_list_is_most_serious_first():
    result = screening.screen(school(), PETERBOROUGH, ON)
    order = [r.upn for r in result.rows]
    # Persistently absent pupils (flags) first, most absent first; then the band alone.
    assert order == ["P100000000076", "P100000000075", "P100000000074", "P100000000031", "P100000000030",
                     "P100000000013"]


def test_the_csv_table_and_summary_name_the_bands():
    result = screening.screen(school(), PETERBOROUGH, ON)
    listed = {r["upn"]: r for r in csv.DictReader(io.StringIO(screening.to_csv(result)))}
    assert listed["P100000000013"]["bands"] == "Below 96% (trust Appendix B1)"
    assert listed["P100000000013"]["flags"] == ""
    assert listed["P100000000031"]["bands"] == ("Below 90% (trust Appendix B1: letter and meeting); "
                                                "Below 96% (trust Appendix B1)")
    summary = screening.summary(result)
    assert "9 pupils screened as of 13 May 2026 (peterborough profile); 6 need attention." in summary
    assert "  Below 90% (trust Appendix B1: letter and meeting): 4" in summary
    assert "  Below 96% (trust Appendix B1): 6" in summary
    line = next(x for x in screening.table(result).splitlines() if x.startswith("P100000000013"))
    assert "95.7%" in line and line.endswith("Below 96% (trust Appendix B1)")
    national = list(csv.DictReader(io.StringIO(screening.to_csv(screening.screen(school(), NATIONAL, ON)))))
    assert all(r["bands"] == "" for r in national)


def test_to_dict_carries_the_bands_and_the_processes_agree(monkeypatch):
    monkeypatch.setattr(screening, "PARALLEL_FROM_BYTES", 0)
    alone = screening.screen_file(school_csv(), PETERBOROUGH, workers=1)
    shared = screening.screen_file(school_csv(), PETERBOROUGH, workers=2)
    assert shared.to_dict() == alone.to_dict()
    out = json.loads(json.dumps(alone.to_dict()))
    assert [b["id"] for b in out["thresholds"]["bands"]] == ["below-90", "below-96"]
    assert out["thresholds"]["bands"][1]["source"].startswith("001, Appendix B1")
    assert next(r for r in out["rows"] if r["upn"] == "P100000000013")["bands"] == ["below-96"]


def test_the_command_lists_pupils_under_96_with_the_trusts_band_names(tmp_path):
    path = tmp_path / "school.csv"
    path.write_bytes(school_csv())
    result = CliRunner().invoke(cli, ["screen", str(path), "--profile", "peterborough", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Below 96% (trust Appendix B1): 6" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("P100000000013"))
    assert "95.7%" in line and "Below 96% (trust Appendix B1)" in line
    assert "P100000000012" not in result.output and "P100000000011" not in result.output
    national = CliRunner().invoke(cli, ["screen", str(path), "--profile", "national-2024", "--workers", "1"])
    assert national.exit_code == 0 and "P100000000013" not in national.output and "trust" not in national.output


def _upload(client, data: bytes, output: str = "page"):
    page = text(client.get("/screening/"))
    return client.post("/screening/", data={"csrf_token": csrf(page), "code_set": "2024", "output": output,
                                            "file": (io.BytesIO(data), "school.csv")},
                       content_type="multipart/form-data")


def test_the_web_page_and_csv_show_the_trusts_band_labels(client, app):
    set_profile(app, "peterborough")
    login(client, "office@demo.school")
    page = _upload(client, school_csv())
    assert page.status_code == 200
    body = text(page)
    assert "9 pupils screened as of 13 May 2026: 6 need attention" in body
    assert re.search(r'Below 96% \(trust Appendix B1\)</dt><dd class="govuk-summary-list__value">6</dd>', body)
    row = re.search(r"<tr class=\"govuk-table__row\">(?:(?!</tr>).)*UPN P100000000013(?:(?!</tr>).)*</tr>", body, re.S)
    assert row and "govuk-tag--blue" in row.group(0) and "Below 96% (trust Appendix B1)" in row.group(0)
    assert "UPN P100000000012" not in body
    download = _upload(client, school_csv(), "csv")
    listed = {r["upn"]: r for r in csv.DictReader(io.StringIO(download.data.decode("utf-8-sig")))}
    assert listed["P100000000013"]["bands"] == "Below 96% (trust Appendix B1)"


# --- the profiles' bands, as declared and checked -----------------------------------------------

def test_each_profile_names_the_bands_its_seed_does_and_no_others():
    assert {p: [(b.id, b.pct, b.inclusive) for b in load_profile(p).bands] for p in list_profiles()} == {
        "cardiff": [], "national-2024": [], "stockport": [],  # 000 and 002 name no attendance bands
        "peterborough": [("below-90", 90, False), ("below-96", 96, False)],
        "knowsley": [("at-or-below-75", 75, True), ("below-95", 95, False)],
        "southend": [("at-or-below-30", 30, True), ("at-or-below-70", 70, True), ("below-93", 93, False)],
    }
    seeds = {"peterborough": "001, ", "knowsley": "004, ", "southend": "003, "}
    for name, seed in seeds.items():
        assert all(b.source.startswith(seed) and '"' in b.source for b in load_profile(name).bands)


def raw_profile(**band) -> dict:
    raw = json.loads((POLICIES_DIR / "peterborough.json").read_text(encoding="utf-8"))
    raw["bands"] = [{"id": "below-96", "label": "Below 96%", "below_pct": 96, "source": "001, Appendix B1"}]
    raw["bands"][0].update(band)
    raw["bands"][0] = {k: v for k, v in raw["bands"][0].items() if v is not None}
    return raw


@pytest.mark.parametrize("change, message", [
    ({"colour": "red"}, "band 'below-96': unknown keys colour"),
    ({"source": None}, "band 'below-96': needs a source quoting the policy"),
    ({"source": " "}, "band 'below-96': needs a source quoting the policy"),
    ({"at_or_below_pct": 96}, "band 'below-96': needs exactly one of below_pct or at_or_below_pct"),
    ({"below_pct": None}, "band 'below-96': needs exactly one of below_pct or at_or_below_pct"),
    ({"below_pct": 0}, "band 'below-96': below_pct must be a percentage above 0 and up to 100"),
    ({"below_pct": 101}, "band 'below-96': below_pct must be a percentage above 0 and up to 100"),
    ({"below_pct": "96"}, "band 'below-96': below_pct must be a percentage above 0 and up to 100"),
    ({"below_pct": True}, "band 'below-96': below_pct must be a percentage above 0 and up to 100"),
    ({"label": ""}, "band 'below-96': needs a label"),
    ({"id": "Below 96"}, "band 'Below 96': needs an id"),
])
def test_a_bad_band_is_refused_naming_the_profile_and_band(change, message):
    with pytest.raises(ValueError) as caught:
        Policy.from_dict(raw_profile(**change))
    assert str(caught.value).startswith("Profile 'peterborough', ") and message in str(caught.value)


def test_bands_must_be_a_list_with_ids_used_once():
    raw = raw_profile()
    raw["bands"].append(dict(raw["bands"][0]))
    with pytest.raises(ValueError, match="Profile 'peterborough', band 'below-96': the id is used twice"):
        Policy.from_dict(raw)
    raw["bands"] = {"below-96": 96}
    with pytest.raises(ValueError, match="Profile 'peterborough': bands must be a list"):
        Policy.from_dict(raw)
    raw["bands"] = ["below 96"]
    with pytest.raises(ValueError, match="Profile 'peterborough', band 1: needs an id"):
        Policy.from_dict(raw)


# --- bulk letters by a band ----------------------------------------------------------------------
# tests/test_bulk_letters.py's school, as of 13 March 2026: 230 sessions, so 23 missed ("exactly") is 90.0%,
# 22 ("over") is 90.4%, 24 ("amber") 89.6%: all below 96%, and only amber of the three below 90%.

def test_a_bulk_run_selects_a_trust_band():
    from test_bulk_letters import UPN, letters_by_upn, plan_for

    below_96 = plan_for(bulk.Criteria(band="below-96"), profile=PETERBOROUGH)
    chosen = letters_by_upn(below_96)
    assert {UPN["amber"], UPN["exactly"], UPN["over"]} <= set(chosen)
    assert UPN["attends"] not in chosen
    assert chosen[UPN["exactly"]][0]["row"]["selected_because"] == ["band"]
    assert below_96.criteria["band_label"] == "Below 96% (trust Appendix B1)"
    assert bulk.Criteria(**below_96.criteria).describe() == "Below 96% (trust Appendix B1)"
    below_90 = letters_by_upn(plan_for(bulk.Criteria(band="below-90"), profile=PETERBOROUGH))
    assert UPN["amber"] in below_90 and UPN["exactly"] not in below_90 and UPN["over"] not in below_90
    # A label typed in is never trusted: the profile's own is taken.
    typed = plan_for(bulk.Criteria(band="below-90", band_label="Anything"), profile=PETERBOROUGH)
    assert typed.criteria["band_label"] == "Below 90% (trust Appendix B1: letter and meeting)"


def test_the_threshold_pupils_10_sessions_are_below_96():
    """"threshold" missed 10 of 230 sessions: 95.65%, below 96; "under_threshold" 9: 96.09%, not."""
    from test_bulk_letters import UPN, letters_by_upn, plan_for

    chosen = letters_by_upn(plan_for(bulk.Criteria(band="below-96"), profile=PETERBOROUGH))
    assert UPN["threshold"] in chosen and UPN["under_threshold"] not in chosen


def test_an_unknown_band_is_refused_naming_the_profiles_bands():
    from test_bulk_letters import plan_for

    with pytest.raises(bulk.BulkError) as caught:
        plan_for(bulk.Criteria(band="below-97"), profile=PETERBOROUGH)
    assert caught.value.errors[0]["field"] == "band"
    assert caught.value.messages[0] == ("Peterborough Diocese Education Trust names no attendance band 'below-97': "
                                        "choose one of below-90 (Below 90% (trust Appendix B1: letter and meeting)); "
                                        "below-96 (Below 96% (trust Appendix B1))")
    with pytest.raises(bulk.BulkError, match="its policy names no attendance bands"):
        plan_for(bulk.Criteria(band="below-96"), profile=NATIONAL)
    for typed in ("", "<script>", "below-96" * 20, 96):
        with pytest.raises(bulk.BulkError, match="Choose one of your profile's attendance bands"):
            bulk.Criteria(band=typed)


def test_why_nobody_is_in_the_band():
    from test_bulk_letters import plan_for

    knowsley = plan_for(bulk.Criteria(band="at-or-below-75"), profile=KNOWSLEY)
    assert knowsley.selected == 0
    assert knowsley.why_nobody().startswith("No pupil is in the band 75% or below (Knowsley educational neglect, "
                                            "Appendix D) (the lowest attendance is ")


def test_the_command_selects_a_band(tmp_path):
    from test_bulk_letters import ON as LETTER_DATE, details_csv, school_register

    (tmp_path / "school.csv").write_text(to_csv(school_register()))
    (tmp_path / "pupils.csv").write_bytes(details_csv())
    args = ["bulk-letters", "--register", str(tmp_path / "school.csv"), "--pupils", str(tmp_path / "pupils.csv"),
            "--letter", "stage2-letter", "--band", "below-90", "--profile", "peterborough",
            "--school", "Brindley Park High School", "--la", "Peterborough City Council",
            "--set", "engagement=unsuccessful_attempts", "--set", "next_step=team_around_the_family",
            "--set", f"letter_date={LETTER_DATE}", "--set", "signatory.name=Mrs Joanne Kelly",
            "--set", "signatory.role=Attendance Lead", "--out", str(tmp_path / "letters.zip"), "--workers", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Selected: Below 90% (trust Appendix B1: letter and meeting) (peterborough thresholds)." in result.output
    bad = CliRunner().invoke(cli, [a if a != "below-90" else "below-80" for a in args])
    assert bad.exit_code == 2 and "--band: Peterborough Diocese Education Trust names no attendance band 'below-80'" \
        in bad.output


def test_the_web_filter_offers_the_trusts_bands_and_the_check_page_names_the_band(client, app):
    from test_bulk_letters import start, web_fields

    login(client, "office@demo.school")
    assert "Or by your attendance policy" not in text(client.get("/bulk-letters/new/stage2-letter"))  # national
    set_profile(app, "peterborough")
    form = text(client.get("/bulk-letters/new/stage2-letter"))
    assert "Or by your attendance policy&#39;s band" in form and "Below 96% (trust Appendix B1)" in form
    listed = start(client, web_fields(below="", band="below-90"))
    assert listed.status_code == 302, text(listed)[:3000]
    check = text(client.get(listed.headers["Location"]))
    assert "Below 90% (trust Appendix B1: letter and meeting) (thresholds used: Peterborough Diocese" in check
    refused = start(client, web_fields(below="", band="below-97"))
    assert refused.status_code == 422
    assert 'href="#band"' in text(refused) and "names no attendance band" in text(refused)


# --- a trust's or LA's own letter, to every family in its band ------------------------------------------

CONCERN_ANSWERS = {"contact": {"name": "Mrs Helen Marsh, Attendance Lead", "details": "01733 555 0142"},
                   "letter_date": "2026-03-13", "sender": {"name": "Mr David Okoro", "role": "Headteacher"}}


def test_the_trust_sends_its_concern_letter_to_every_family_below_96(monkeypatch):
    """001, Appendix B1: below 96%, the headteacher's notification of concern, made in bulk for the band the
    screen found: one letter per parent, each with the child's attendance this year counted from the marks."""
    from test_bulk_letters import UPN, letters_by_upn, plan_for

    monkeypatch.setattr(bulk, "PARALLEL_FROM", 1_000)  # a handful of letters: made in this process
    form = get_form("attendance-concern-letter")
    assert form.id in bulk.LETTERS
    plan = plan_for(bulk.Criteria(band="below-96"), form=form, answers=CONCERN_ANSWERS, profile=PETERBOROUGH)
    chosen = letters_by_upn(plan)
    assert {UPN["amber"], UPN["exactly"], UPN["over"], UPN["threshold"]} <= set(chosen)
    assert UPN["under_threshold"] not in chosen and UPN["attends"] not in chosen
    out = io.BytesIO()
    bulk.write_zip(plan, out, workers=1)
    archive = zipfile.ZipFile(out)
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    amber = next(r for r in manifest if r["status"] == "letter" and r["pupil"] == "Amber Whitfield")
    for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
        said = squash(read(archive.read(amber[fmt])))
        assert "Leanne Whitfield" in said and "89.6%" in said and "96%" in said, fmt
        assert "Mr David Okoro" in said and "Brindley Park High School" in said


def test_the_letters_made_in_bulk_are_offered_only_where_they_are_used(app, client):
    login(client, "office@demo.school")
    national = text(client.get("/bulk-letters/"))
    assert "/bulk-letters/new/attendance-concern-letter" not in national
    assert client.get("/bulk-letters/new/knowsley-attendance-letter").status_code == 404
    set_profile(app, "knowsley")
    knowsley = text(client.get("/bulk-letters/"))
    assert "/bulk-letters/new/knowsley-attendance-letter" in knowsley
    assert "/bulk-letters/new/attendance-concern-letter" not in knowsley
    assert client.get("/bulk-letters/new/knowsley-attendance-letter").status_code == 200
