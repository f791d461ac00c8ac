"""Check your answers as GOV.UK's (issue 18): a Change link opens the question at its field and,
once saved, comes back to check your answers (`?return=check`, a fixed set of places: never an open
redirect); error messages are written for a person and are the same in the summary and at the field,
each summary link going to the input; "Save and come back later" keeps the valid answers and says
which were not saved, and why."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from test_web import (HOSTILE, HOSTILE_ESCAPED, date_parts, date_values, error_summary, fetch, field_errors,
                      input_value, make_referral, pupil_page_data, send, start_request)

from forms_service.formatting import format_date
from forms_service.models import Referral, User, db
from forms_service.referrals import actions

from support.helpers import FORM_ID, data_dates, json_data, login, text

CHANGE = re.compile(r'<a class="govuk-link" href="(/referrals/\d+/pages/([^"?#]+)\?return=check#([^"]+))">'
                    r'Change<span class="govuk-visually-hidden"> ([^<]+)</span></a>')


def summary_links(page: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the page's error summary."""
    return [(html_lib.unescape(href), html_lib.unescape(label).strip())
            for href, label in re.findall(r'<li>\s*<a href="([^"]+)">(.*?)</a>', error_summary(page), re.S)]


def back_link(page: str) -> str:
    return html_lib.unescape(re.search(r'<a href="([^"]+)" class="govuk-back-link"', page).group(1))


# --- 1 and 2: Change opens the field and comes back ---------------------------------------------

def test_each_change_link_opens_its_question_at_an_input_that_exists(client, app):
    rid = make_referral(app)
    login(client, "office@demo.school")
    page = text(fetch(client, f"/referrals/{rid}/check"))
    links = CHANGE.findall(page)
    assert len(links) >= 15
    hidden = {html_lib.unescape(name) for *_, name in links}
    assert {"date of birth", "first name", "unique pupil number (UPN)", "parent or carer 2"} <= hidden
    assert f'href="/referrals/{rid}/pages/pupil?return=check#pupil__date_of_birth-day">Change<span ' \
           f'class="govuk-visually-hidden"> date of birth</span></a>' in page
    pages: dict[str, str] = {}
    for href, page_id, anchor, name in links:
        if page_id not in pages:
            pages[page_id] = text(fetch(client, html_lib.unescape(href).split("#")[0]))
        assert f'id="{anchor}"' in pages[page_id], f"Change {name}: no #{anchor} on the {page_id} page"
    # A date opens at its day box, a yes/no at its first radio, a list item at its first box, an
    # empty list at its "Add" button.
    assert re.search(r'<input[^>]*id="pupil__date_of_birth-day"', pages["pupil"])
    assert re.search(r'<input[^>]*id="pupil__looked_after"[^>]*type="radio"|<input[^>]*type="radio"[^>]*'
                     r'id="pupil__looked_after"', pages["pupil"]) or 'id="pupil__looked_after"' in pages["pupil"]
    assert re.search(r'<input[^>]*id="parents-1-name"', pages["parents"])
    assert re.search(r'<button[^>]*id="previous_penalty_notices-add"', pages["previous"])


def test_a_change_saved_goes_back_to_check_your_answers(client, app):
    rid = make_referral(app)
    login(client, "office@demo.school")
    url = f"/referrals/{rid}/pages/pupil?return=check"
    page = text(fetch(client, url))
    assert back_link(page) == f"/referrals/{rid}/check"
    new_birthday = data_dates()["pupil.date_of_birth"] + dt.timedelta(days=3)
    response = send(client, url, pupil_page_data(pupil__date_of_birth=date_parts(new_birthday)), page=page)
    # Back at the page's answers on the check page, where the Change link was.
    assert response.location == f"/referrals/{rid}/check#answers-pupil"
    checked = text(fetch(client, response.location.split("#")[0]))
    assert format_date(new_birthday) in checked and 'id="answers-pupil"' in checked
    # A wrong answer keeps the way back: the page posts to itself, return=check included.
    response = send(client, url, pupil_page_data(pupil__date_of_birth=["31", "2", "2013"]), status=422)
    assert back_link(text(response)) == f"/referrals/{rid}/check"
    response = send(client, url, pupil_page_data(), page=text(response))
    assert response.location == f"/referrals/{rid}/check#answers-pupil"


def test_without_return_the_pages_flow_on_as_before(client, app):
    rid = make_referral(app)
    login(client, "office@demo.school")
    response = send(client, f"/referrals/{rid}/pages/pupil", pupil_page_data())
    assert response.location == f"/referrals/{rid}/pages/parents"
    assert back_link(text(fetch(client, f"/referrals/{rid}/pages/parents"))) == f"/referrals/{rid}/pages/pupil"


@pytest.mark.parametrize("value", ["https://evil.example/", "//evil.example", "/la/referrals", "CHECK", "check ",
                                   "check#x", "javascript:alert(1)", "", "show", "letter"])
def test_the_return_parameter_takes_only_known_places(client, app, value):
    """Anything but a known name is ignored: the page flows on, and never leaves the service."""
    rid = make_referral(app)
    login(client, "office@demo.school")
    url = f"/referrals/{rid}/pages/pupil"
    page = text(fetch(client, url, status=200) if not value else client.get(url, query_string={"return": value}))
    assert "evil.example" not in page and "javascript:" not in page
    assert back_link(page) == f"/referrals/{rid}"
    response = client.post(url, query_string={"return": value},
                           data={**pupil_page_data(), "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                                                                page).group(1)})
    assert response.status_code == 302
    assert response.location == f"/referrals/{rid}/pages/parents"


def test_a_letter_comes_back_to_its_own_check_page(client, app):
    with app.app_context():
        office = db.session.scalar(db.select(User).filter_by(email="office@demo.school"))
        pupil = {k: v for k, v in json_data()["pupil"].items() if k in ("first_name", "last_name", "date_of_birth")}
        rid = actions.create(office, "final-warning", {"pupil": pupil}).id
    login(client, "office@demo.school")
    page = text(fetch(client, f"/referrals/{rid}/letter"))
    assert f"/referrals/{rid}/pages/pupil?return=check#pupil__first_name" in page
    response = send(client, f"/referrals/{rid}/pages/pupil?return=check",
                    {k: v for k, v in pupil_page_data().items() if k in ("pupil__first_name", "pupil__last_name",
                                                                          "pupil__date_of_birth")})
    assert response.location == f"/referrals/{rid}/letter#answers-pupil"


# --- 3: messages written for a person -----------------------------------------------------------

def test_the_check_page_lists_what_is_missing_without_repeating_the_question(client, app):
    with app.app_context():
        office = db.session.scalar(db.select(User).filter_by(email="office@demo.school"))
        data = json_data()
        del data["pupil"]["date_of_birth"], data["pupil"]["looked_after"], data["policies_confirmed"]
        rid = actions.create(office, FORM_ID, data).id
    login(client, "office@demo.school")
    links = summary_links(text(fetch(client, f"/referrals/{rid}/check")))
    assert (f"/referrals/{rid}/pages/pupil?return=check#pupil__date_of_birth-day",
            "Enter the child's date of birth") in links
    assert (f"/referrals/{rid}/pages/pupil?return=check#pupil__looked_after",
            "Select yes if the child is looked after by the local authority") in links
    assert (f"/referrals/{rid}/pages/policies?return=check#policies_confirmed",
            "Select yes if all school policies are up to date and have been shared with parents") in links
    for _, message in links:
        assert "?" not in message and ": " not in message, message
    assert "Is the child looked after by the local authority?:" not in text(fetch(client, f"/referrals/{rid}/check"))


@pytest.mark.parametrize("changes, href, message", [
    ({"pupil__date_of_birth": ["30", "2", "2013"]}, "#pupil__date_of_birth-day", "Date of birth must be a real date"),
    ({"pupil__date_of_birth": ["1", "1", "2099"]}, "#pupil__date_of_birth-day", "Date of birth must be in the past"),
    ({"pupil__date_of_birth": ["", "", ""], "then": None}, None, None),
    ({"pupil__looked_after": "perhaps"}, "#pupil__looked_after",
     "Select yes if the child is looked after by the local authority"),
    ({"pupil__year_group": "x" * 21}, "#pupil__year_group", "Year group must be 20 characters or fewer"),
])
def test_each_message_is_the_same_in_the_summary_and_at_the_field(client, changes, href, message):
    login(client, "office@demo.school")
    rid = start_request(client)
    changes = {k: v for k, v in changes.items() if v is not None}
    response = send(client, f"/referrals/{rid}/pages/pupil", pupil_page_data(**changes),
                    status=302 if message is None else 422)
    if message is None:  # a blank date is not an error until the request is checked
        return
    page = text(response)
    assert summary_links(page) == [(href, message)]
    assert [html_lib.unescape(e) for e in field_errors(page)] == [message]
    assert f'id="{href[1:]}"' in page
    for default in ("Missing data for required field", "Not a valid", "Invalid input type", "Unknown field"):
        assert default not in page


def test_a_list_items_error_links_to_its_box(client):
    login(client, "office@demo.school")
    rid = start_request(client)
    response = send(client, f"/referrals/{rid}/pages/parents",
                    {"parents-0-name": "Sarah Bennett", "parents-0-date_of_birth": ["3", "6", "2099"],
                     "parents-0-relationship": "mother"}, status=422)
    page = text(response)
    assert summary_links(page) == [("#parents-0-date_of_birth-day", "Date of birth must be in the past")]
    assert 'id="parents-0-date_of_birth-day"' in page


# --- 4: Save and come back later ----------------------------------------------------------------

def test_save_and_come_back_later_keeps_the_valid_answers_and_says_what_was_not_saved(client, app):
    login(client, "office@demo.school")
    rid = start_request(client)
    url = f"/referrals/{rid}/pages/pupil"
    typed = pupil_page_data(pupil__first_name=HOSTILE, pupil__date_of_birth=["30", "2", "2013"],
                            pupil__year_group="x" * 21)
    response = send(client, url, {**typed, "then": "later"}, status=422)
    page = text(response)
    summary = error_summary(page)
    assert "Your other answers have been saved. These answers were not saved:" in summary
    assert summary_links(page) == [("#pupil__date_of_birth-day", "Date of birth must be a real date"),
                                   ("#pupil__year_group", "Year group must be 20 characters or fewer")]
    # Everything typed is shown again, the wrong answers included, and the name escaped.
    assert date_values(page, "pupil__date_of_birth") == ["30", "2", "2013"]
    assert input_value(page, "pupil__year_group") == "x" * 21
    assert HOSTILE_ESCAPED in page and "<script>alert(1)" not in page
    with app.app_context():
        pupil = db.session.get(Referral, rid).data["pupil"]
    assert pupil["first_name"] == HOSTILE and pupil["last_name"] == "Bennett" and pupil["looked_after"] is False
    assert "date_of_birth" not in pupil and "year_group" not in pupil

    # Put right and saved: Continue needs every answer on the page valid, and then saves them all.
    response = send(client, url, {**typed, "pupil__date_of_birth": ["28", "2", "2013"]}, status=422, page=page)
    with app.app_context():
        assert "date_of_birth" not in db.session.get(Referral, rid).data["pupil"]
    response = send(client, url, pupil_page_data(), page=text(response))
    assert response.location.endswith("/pages/parents")


def test_a_wrong_answer_later_does_not_overwrite_the_saved_one(client, app):
    rid = make_referral(app)
    login(client, "office@demo.school")
    url = f"/referrals/{rid}/pages/pupil"
    response = send(client, url, {**pupil_page_data(pupil__first_name="Olly", pupil__date_of_birth=["1", "1", "2099"]),
                                  "then": "later"}, status=422)
    assert summary_links(text(response)) == [("#pupil__date_of_birth-day", "Date of birth must be in the past")]
    with app.app_context():
        pupil = db.session.get(Referral, rid).data["pupil"]
    assert pupil["first_name"] == "Olly"
    assert pupil["date_of_birth"] == data_dates()["pupil.date_of_birth"].isoformat()


def test_later_with_dates_in_the_wrong_order_saves_the_rest(client, app):
    login(client, "office@demo.school")
    rid = start_request(client)
    dates = data_dates()
    response = send(client, f"/referrals/{rid}/pages/leave", {
        "leave__start_date": date_parts(dates["leave.start_date"]),
        "leave__end_date": date_parts(dates["leave.end_date"]),
        "leave__return_date": date_parts(dates["leave.start_date"]),
        "figures__leave_sessions": "10", "referral_date": date_parts(dates["referral_date"]), "then": "later",
    }, status=422)
    links = summary_links(text(response))
    assert links == [("#leave__return_date-day", "Date the child returned to school must be after last day of the leave")]
    with app.app_context():
        data = db.session.get(Referral, rid).data
    assert data["leave"] == {"start_date": dates["leave.start_date"].isoformat(),
                             "end_date": dates["leave.end_date"].isoformat()}
    assert data["figures"]["leave_sessions"] == 10


def test_later_with_everything_valid_is_as_before(client, app):
    login(client, "office@demo.school")
    rid = start_request(client)
    response = send(client, f"/referrals/{rid}/pages/pupil", {**pupil_page_data(), "then": "later"})
    assert response.location == f"/referrals/{rid}"
