"""The child's case and the due list as pages (issue 22; forms_service/web/cases.py): the words a reader looks for
(the child, the stage and why, what is due with its date and source, the timeline with its documents one click
away, the weekly attendance as a chart and as a table), scoped as every record is (another school's or another
LA's child is a 404, an LA officer sees initials and what was sent), and the due list's choices checked: a value
not offered is an error naming its field, never a 500."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from forms_service.formatting import format_date, local_today
from forms_service.policies import load_profile
from forms_service.web.case_chart import attendance_chart

from support import records
from support.access_world import add_far_la
from support.helpers import api_token, bearer, login, logout, set_profile, text

API = records.API
SAMPLES = Path(__file__).resolve().parent / "samples"


def _page(client, url: str, status: int = 200) -> str:
    answer = client.get(url)
    assert answer.status_code == status, (url, answer.status_code)
    return text(answer)


def test_the_case_page_shows_the_child_and_is_scoped(app, client):
    add_far_la(app)
    office = records.office(client)
    referral = records.create_referral(client, office, records.AMELIA, replace_one=False)
    letter = records.create_letter(client, office, records.AMELIA)
    other_school = records.create_referral(client, records.office(client, "office@other.school"), records.AMELIA,
                                           replace_one=False)
    due = client.get(f"{API}/referrals/{referral}/case", headers=office).get_json()["due"]
    leave = next(i for i in due if i["kind"] == "leave_deadline")

    login(client, "office@demo.school")
    show = _page(client, f"/referrals/{referral}")
    assert f'href="/referrals/{referral}/case"' in show  # reached from the record's page
    page = _page(client, f"/referrals/{referral}/case")
    # The school's own page names the child, as the record's page does; the national profile has no pathway.
    assert records.AMELIA.name in page and records.AMELIA.upn in page
    assert "Where the child stands" in page and "sets out no pathway" in page
    # What is due: its date, what, the seed it comes from, and the record it belongs to.
    assert format_date(dt.date.fromisoformat(leave["due_on"])) in page and "003, Appendix 8" in page
    assert f'href="/referrals/{referral}"' in page and f'href="/referrals/{letter}"' in page
    # The timeline: both records, each draft's PDF one click away.
    assert f'href="/referrals/{referral}/preview.pdf"' in page and f'href="/referrals/{letter}/preview.pdf"' in page
    # The register's weeks as a chart (one image, labelled) and the same figures in a table.
    svg = re.search(r"<svg[^>]*>", page).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title"' in svg
    assert re.search(r'<title id="chart-title">Attendance week by week, \d+ school weeks', page)
    assert "The figures, week by week" in page and 'id="weeks"' in page and "90%" in page
    # Another school's record of the same child is not on this school's case; that record's case is not ours.
    assert f"/referrals/{other_school}" not in page
    _page(client, f"/referrals/{other_school}/case", 404)
    _page(client, "/referrals/999999/case", 404)
    logout(client)

    # The LA sees a record once signed and sent: before, a 404; after, initials only, its signed files, and the
    # notice it issued with its document and the days to pay.
    login(client, "officer@demo.la")
    _page(client, f"/referrals/{referral}/case", 404)
    logout(client)
    records.sign(client, referral, office)
    records.decide(client, referral, "accept")
    officer = bearer(api_token(client, "officer@demo.la"))
    parents = client.get(f"{API}/referrals/{referral}", headers=officer).get_json()["data"]["parents"]
    notice = client.post(f"{API}/referrals/{referral}/notices", headers=officer, json={
        "kind": "penalty_notice", "parent": parents[0]["name"], "issued_on": local_today().isoformat()}).get_json()
    login(client, "officer@demo.la")
    assert f'href="/referrals/{referral}/case"' in _page(client, f"/la/referrals/{referral}")
    page = _page(client, f"/referrals/{referral}/case")
    # (The notice names the parent it was issued to, as the LA's own page does; the child is by initials.)
    assert records.AMELIA.first not in page and "Pupil AH" in page
    assert f'href="/la/referrals/{referral}"' in page and f"/referrals/{letter}" not in page  # the school's own letter
    assert f'href="/referrals/{referral}/packs/1/' in page and f'href="/notices/{notice["id"]}/document.pdf"' in page
    assert notice["reference"] in page and format_date(dt.date.fromisoformat(notice["amounts"][0]["pay_by"])) in page
    assert "accepted by the local authority" in page
    logout(client)
    login(client, "officer@far.test")  # another LA's officer
    _page(client, f"/referrals/{referral}/case", 404)


def test_the_due_list_and_its_choices(app, client):
    office = records.office(client)
    referral = records.create_referral(client, office, records.AMELIA, replace_one=False)
    login(client, "office@demo.school")
    home = _page(client, "/referrals/")
    assert 'href="/due"' in home and "Due and overdue" in home  # in the navigation
    page = _page(client, "/due?days=28")
    assert "Overdue" in page and "Due in the next 28 days" in page
    assert f'href="/referrals/{referral}/case"' in page and records.AMELIA.name in page  # the school's own page
    assert "003, Appendix 8" in page
    for sort in ("date", "child", "record", "what"):
        assert 'aria-sort="ascending"' in _page(client, f"/due?days=28&sort={sort}")
    # A value not offered: an error naming its field, the list shown with the defaults meanwhile.
    for query, words in (("days=9", "Choose 7, 14 or 28 days"), ("days=seven", "Choose 7, 14 or 28 days"),
                         ("days=", "Choose 7, 14 or 28 days"), ("sort=name%3Bdrop", "Choose how to sort the list"),
                         ("days=-7&sort=", "Choose how to sort the list")):
        page = _page(client, f"/due?{query}", 400)
        assert "There is a problem" in page and words in page and "<title>Error: Due and overdue" in page
        assert "Due in the next 7 days" in page
    logout(client)
    login(client, "admin@demo.la")
    _page(client, "/due", 403)  # an administrator has no list of their own
    logout(client)
    assert client.get("/due").status_code == 302  # to sign in

    # A profile's pathway: the stage the child stands at, and why.
    set_profile(app, "knowsley")
    data = json.loads((SAMPLES / "attendance-improvement-meeting.json").read_text(encoding="utf-8"))
    created = client.post(f"{API}/referrals", headers=office, json={"form": "attendance-improvement-meeting",
                                                                     "data": data})
    assert created.status_code == 201, created.get_json()
    login(client, "office@demo.school")
    page = _page(client, f"/referrals/{created.get_json()['id']}/case")
    assert "Level 2: Early intervention" in page and "Record of the Attendance Improvement Meeting" in page
    assert "Traded Officer" in page  # the review the profile's pathway sets, with its source
    assert "knowsley" not in page and "level-2" not in page and "aim_review" not in page


def test_the_chart_draws_the_profiles_bands_and_says_what_it_shows():
    monday = dt.date(2026, 1, 5)
    weeks = [(monday + dt.timedelta(weeks=n), pct) for n, pct in enumerate((100.0, 80.0, 95.5, 60.0))]
    chart = attendance_chart(weeks, load_profile("peterborough"))
    # The trust's 96% and 90% bands, and persistent absence at 90%: one line each percentage, both named.
    assert [line.pct for line in chart.lines] == [96, 90]
    assert len(chart.lines[1].labels) == 2 and "Persistently absent" in chart.lines[1].labels[0]
    assert "4 school weeks" in chart.label and "lowest 60% (week beginning 26 January 2026)" in chart.label
    assert "latest 60%" in chart.label and "Lines drawn at 96%, 90%" in chart.label
    # Bars stand on the axis, taller for more attendance; a line sits at its percentage.
    assert all(round(b["y"] + b["height"], 1) == chart.base for b in chart.bars)
    assert chart.bars[0]["height"] > chart.bars[2]["height"] > chart.bars[1]["height"]
    assert chart.lines[1].y > chart.lines[0].y
    assert attendance_chart([], load_profile("national-2024")) is None
    assert [line.pct for line in attendance_chart(weeks, load_profile("national-2024")).lines] == [90]
