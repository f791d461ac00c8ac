"""Administration (issue 5): an LA's admin manages the LA's inbox and policy profile, its schools and
the users of the LA and its schools through the web pages; nobody else may, and an admin of another
LA cannot even see them. Every change leaves an audit event without any password in it; a user the
admin adds can sign in and sees only their school; the next signed pack goes to the new inbox."""
from __future__ import annotations

import html
import json
import re

import pytest
from click.testing import CliRunner

from forms_service import create_app
from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school
from forms_service.cli import main
from forms_service.database import upgrade
from forms_service.models import ApiToken, AuditEvent, LocalAuthority, OutboxMessage, School, User, db
from forms_service.policies import list_profiles, profile_name
from forms_service.referrals.notify import SWITCHES

from conftest import LA_INBOX, PASSWORD
from support.helpers import api_token, bearer, csrf, login, logout, set_own_password, text
from support.records import AMELIA, TOBIAS, create_referral, office, sign

ADMIN = "admin@demo.la"
NEW_PASSWORD = "a brand new password 2026"


# --- helpers --------------------------------------------------------------------------------------

def submit(client, page_url: str, data: dict, action: str | None = None):
    """Post a form as a browser does: fetch the page for its CSRF token, then post to the form's action."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    return client.post(action or page_url, data={"csrf_token": csrf(text(page)), **data})


def error_summary(response) -> list[tuple[str, str]]:
    """(href, message) of each link in the page's error summary."""
    page = text(response)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary, "no error summary on the page"
    return [(href, html.unescape(re.sub(r"\s+", " ", msg).strip()))
            for href, msg in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', summary.group(0), re.S)]


def field_error(response, field_id: str) -> str:
    """The error message shown beside the field with this id (the GOV.UK `<id>-error` element)."""
    match = re.search(rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">\s*'
                      rf'<span class="govuk-visually-hidden">Error:</span>(.*?)</p>', text(response), re.S)
    assert match, f"no error message for {field_id}"
    return html.unescape(match.group(1).strip())


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).filter_by(email=email))


def school_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(School.id).filter_by(name=name))


def get_user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        db.session.expunge(user)
        return user


@pytest.fixture
def admin(client):
    login(client, ADMIN)
    return client


@pytest.fixture
def other_la(app):
    """A second LA with its own school and admin, to check that admins keep to their own LA."""
    with app.app_context():
        la = get_or_create_la("Other Borough Council", "legal@other-borough.test")
        school = get_or_create_school("Riverside Academy", la)
        create_user("admin@other-borough.test", PASSWORD, "admin", "Olu Admin", la=la)
        create_user("office@riverside.test", PASSWORD, "office", "Rita Office", school=school)
        db.session.commit()
        return {"la_id": la.id, "school_id": school.id}


def demo_ids(app) -> dict:
    return {"school": school_id(app, "Demo School"), "office": user_id(app, "office@demo.school"),
            "officer": user_id(app, "officer@demo.la"), "admin": user_id(app, ADMIN)}


def admin_urls(ids: dict) -> list[str]:
    return ["/admin/", "/admin/la", "/admin/schools", "/admin/schools/new", f"/admin/schools/{ids['school']}",
            "/admin/users", "/admin/users/new", f"/admin/users/{ids['office']}"]


# --- pages ----------------------------------------------------------------------------------------

def test_every_page_works_for_the_admin(app, admin):
    ids = demo_ids(app)
    home = admin.get("/la/referrals")
    assert 'href="/admin/"' in text(home) and "Administration" in text(home)
    pages = {url: admin.get(url) for url in admin_urls(ids)}
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert "csrf_token" in text(response) or url in ("/admin/", "/admin/schools", "/admin/users"), url
    overview = text(pages["/admin/"])
    assert "Demo Local Authority" in overview and LA_INBOX in overview
    # The profile by its name, never its id (issue 18).
    assert "National framework (England, from 19 August 2024)" in overview and "national-2024" not in overview
    schools = text(pages["/admin/schools"])
    assert "Demo School" in schools and "Other School" in schools
    users = text(pages["/admin/users"])
    for email in ("office@demo.school", "head@demo.school", "office@other.school", "head@other.school",
                  "officer@demo.la", ADMIN):
        assert email in users
    la_page = text(pages["/admin/la"])
    for profile in list_profiles():
        assert f'value="{profile}"' in la_page
    assert f'value="{LA_INBOX}"' in la_page
    assert "Olivia Office" in text(pages[f"/admin/users/{ids['office']}"])
    assert "Olivia Office" in text(pages[f"/admin/schools/{ids['school']}"])


@pytest.mark.parametrize("email", ["office@demo.school", "head@demo.school", "officer@demo.la"])
def test_other_roles_are_refused(app, client, email):
    ids = demo_ids(app)
    login(client, email)
    page = client.get("/la/referrals" if email == "officer@demo.la" else "/referrals/")
    assert 'href="/admin/"' not in text(page)
    token = csrf(text(page))
    for url in admin_urls(ids):
        assert client.get(url).status_code == 403, url
    posts = {"/admin/la": {"inbox_email": "taken@la.test", "policy_profile": "national-2024"},
             "/admin/schools/new": {"name": "Sneaky School"},
             f"/admin/users/{ids['admin']}/active": {"active": "0"},
             f"/admin/users/{ids['office']}/role": {"role": "admin", "school": ""},
             f"/admin/users/{ids['admin']}/password": {"password": "let me in please now"},
             "/admin/users/new": {"email": "me2@la.test", "name": "Me", "role": "admin", "school": ""}}
    for url, data in posts.items():
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    with app.app_context():
        assert db.session.scalar(db.select(LocalAuthority.inbox_email)) == LA_INBOX
        assert db.session.scalar(db.select(School).filter_by(name="Sneaky School")) is None
        assert db.session.get(User, ids["admin"]).active
        assert db.session.get(User, ids["office"]).role == "office"
    assert events(app, "admin_la_updated") == [] and events(app, "admin_user_created") == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_an_admin_of_another_la_sees_none_of_this_las_schools_or_users(app, client, other_la):
    ids = demo_ids(app)
    login(client, "admin@other-borough.test")
    overview = text(client.get("/admin/"))
    assert "Other Borough Council" in overview and "legal@other-borough.test" in overview
    assert "Demo Local Authority" not in overview
    schools = text(client.get("/admin/schools"))
    assert "Riverside Academy" in schools and "Demo School" not in schools
    users = text(client.get("/admin/users"))
    assert "office@riverside.test" in users and "office@demo.school" not in users and ADMIN not in users
    token = csrf(text(client.get("/admin/schools/new")))
    assert client.get(f"/admin/schools/{ids['school']}").status_code == 404
    assert client.post(f"/admin/schools/{ids['school']}",
                       data={"csrf_token": token, "name": "Taken Over"}).status_code == 404
    for key in ("office", "officer", "admin"):
        assert client.get(f"/admin/users/{ids[key]}").status_code == 404
        assert client.post(f"/admin/users/{ids[key]}/active", data={"csrf_token": token, "active": "0"}).status_code == 404
        assert client.post(f"/admin/users/{ids[key]}/password",
                           data={"csrf_token": token, "password": "taken over by another LA"}).status_code == 404
        assert client.post(f"/admin/users/{ids[key]}/role",
                           data={"csrf_token": token, "role": "admin", "school": ""}).status_code == 404
    # Nor can they put one of their users into this LA's school: it is not among their choices.
    response = client.post("/admin/users/new", data={"csrf_token": token, "email": "spy@other-borough.test",
                                                     "name": "Sam Spy", "role": "office", "school": str(ids["school"])})
    assert response.status_code == 422
    assert field_error(response, "school") == "Select one of your local authority's schools"
    # Changing their own LA leaves Demo LA's inbox alone.
    assert submit(client, "/admin/la", {"inbox_email": "new-legal@other-borough.test",
                                        "policy_profile": "national-2024"}).status_code == 302
    with app.app_context():
        assert db.session.get(School, ids["school"]).name == "Demo School"
        assert all(u.active for u in db.session.scalars(db.select(User)))
        assert db.session.scalar(db.select(User).filter_by(email="spy@other-borough.test")) is None
        assert db.session.scalar(db.select(LocalAuthority.inbox_email).filter_by(name="Demo Local Authority")) == LA_INBOX
        assert db.session.get(LocalAuthority, other_la["la_id"]).inbox_email == "new-legal@other-borough.test"


def test_a_post_without_the_csrf_token_is_refused(app, admin):
    ids = demo_ids(app)
    assert admin.post("/admin/la", data={"inbox_email": "x@la.test", "policy_profile": "national-2024"}).status_code == 400
    assert admin.post(f"/admin/users/{ids['office']}/active", data={"active": "0"}).status_code == 400
    assert admin.post(f"/admin/users/{ids['office']}/password", data={"password": NEW_PASSWORD}).status_code == 400
    with app.app_context():
        assert db.session.get(User, ids["office"]).active
        assert db.session.scalar(db.select(LocalAuthority.inbox_email)) == LA_INBOX


# --- the LA ---------------------------------------------------------------------------------------

def test_the_inbox_must_be_an_email_address_and_the_profile_a_known_one(app, admin):
    response = submit(admin, "/admin/la", {"inbox_email": "legal interventions at la", "policy_profile": "nowhere"})
    assert response.status_code == 422
    assert ("#inbox_email", "Enter an email address in the correct format, like name@example.org") in error_summary(response)
    assert field_error(response, "inbox_email").startswith("Enter an email address in the correct format")
    assert any(msg == "Select one of the policy profiles listed" for _, msg in error_summary(response))
    assert "Error: " in text(response).split("</title>")[0]
    response = submit(admin, "/admin/la", {"inbox_email": "", "policy_profile": "national-2024"})
    assert response.status_code == 422
    assert field_error(response, "inbox_email") == "Enter the legal-interventions inbox address"
    with app.app_context():
        assert db.session.scalar(db.select(LocalAuthority.inbox_email)) == LA_INBOX
    assert events(app, "admin_la_updated") == []


def test_the_new_inbox_is_where_the_next_signed_pack_goes(app, admin):
    other = next(p for p in list_profiles() if p != "national-2024")
    first = create_referral(admin, office(admin), AMELIA)
    sign(admin, first, office(admin))
    response = submit(admin, "/admin/la", {"inbox_email": " Legal.Team@demo-la.test ", "policy_profile": other})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    overview = text(admin.get("/admin/"))
    assert "Legal.Team@demo-la.test" in overview and profile_name(other) in overview and other not in overview
    # Markup, not its text (issue 18: the page printed '<span id="la-inbox">').
    assert '<span id="la-inbox">Legal.Team@demo-la.test</span>' in overview and "&lt;span" not in overview
    [event] = events(app, "admin_la_updated")
    assert event.actor == ADMIN and event.role == "admin"
    assert event.detail["changes"] == {"inbox_email": {"from": LA_INBOX, "to": "Legal.Team@demo-la.test"},
                                       "policy_profile": {"from": "national-2024", "to": other}}
    # Saving the same values again changes nothing and records nothing.
    assert submit(admin, "/admin/la", {"inbox_email": "Legal.Team@demo-la.test", "policy_profile": other}).status_code == 302
    assert len(events(app, "admin_la_updated")) == 1
    # Back to the national profile (the demo referral's data is written for it), then sign another.
    assert submit(admin, "/admin/la", {"inbox_email": "Legal.Team@demo-la.test",
                                       "policy_profile": "national-2024"}).status_code == 302
    second = create_referral(admin, office(admin), TOBIAS)
    sign(admin, second, office(admin))
    with app.app_context():
        recipients = {m.referral_id: m.recipient for m in db.session.scalars(
            db.select(OutboxMessage).filter_by(kind="la_pack"))}
    assert recipients == {first: LA_INBOX, second: "Legal.Team@demo-la.test"}


# --- schools --------------------------------------------------------------------------------------

def test_adding_a_school_checks_each_field(app, admin):
    response = submit(admin, "/admin/schools/new", {"name": "  ", "attendance_email": "attendance@"})
    assert response.status_code == 422
    assert field_error(response, "name") == "Enter the school's name"
    assert field_error(response, "attendance_email").startswith("Enter an email address in the correct format")
    assert [href for href, _ in error_summary(response)] == ["#name", "#attendance_email"]
    response = submit(admin, "/admin/schools/new", {"name": "demo school", "attendance_email": ""})
    assert response.status_code == 422
    assert field_error(response, "name") == "Demo Local Authority already has a school called demo school"
    response = submit(admin, "/admin/schools/new", {"name": "x" * 201})
    assert field_error(response, "name") == "The school's name must be 200 characters or fewer"
    assert events(app, "admin_school_created") == []


def test_adding_renaming_and_setting_the_attendance_contact(app, admin):
    # The "it is your turn" emails (issue 17) are all ticked on a new school, and posted as a browser would.
    assert text(admin.get("/admin/schools/new")).count('name="turn_emails" type="checkbox" value="email_') == 3
    on = list(SWITCHES)
    # ... and the daily digest (issue 22) too.
    assert 'name="email_daily_digest" type="checkbox" value="y" checked' in text(admin.get("/admin/schools/new"))
    response = submit(admin, "/admin/schools/new", {"name": "St Mary's C of E Primary", "attendance_email": "",
                                                    "turn_emails": on, "email_daily_digest": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/schools")
    listing = text(admin.get("/admin/schools"))
    assert "St Mary&#39;s C of E Primary" in listing and "Not set: the headteachers' addresses" in listing
    new_id = school_id(app, "St Mary's C of E Primary")
    [created] = events(app, "admin_school_created")
    assert created.detail == {"school_id": new_id, "name": "St Mary's C of E Primary", "attendance_email": None,
                              **{name: True for name in SWITCHES}, "email_daily_digest": True, "address": None,
                              "telephone": None, "email": None, "headteacher_name": None, "urn": None,
                              "dfe_number": None, "logo": None}  # no letterhead given
    response = submit(admin, f"/admin/schools/{new_id}",
                      {"name": "St Mary's Church of England Primary", "attendance_email": "attendance@stmarys.sch.test",
                       "turn_emails": on, "email_daily_digest": "y"})
    assert response.status_code == 302
    with app.app_context():
        school = db.session.get(School, new_id)
        assert (school.name, school.attendance_email) == ("St Mary's Church of England Primary",
                                                          "attendance@stmarys.sch.test")
        assert school.la.name == "Demo Local Authority"
    [updated] = events(app, "admin_school_updated")
    assert updated.detail["changes"] == {
        "name": {"from": "St Mary's C of E Primary", "to": "St Mary's Church of England Primary"},
        "attendance_email": {"from": None, "to": "attendance@stmarys.sch.test"}}
    # Renaming onto another school's name is refused; keeping its own name (other case) is fine.
    response = submit(admin, f"/admin/schools/{new_id}", {"name": "Other School", "attendance_email": "",
                                                          "turn_emails": on})
    assert response.status_code == 422
    assert field_error(response, "name") == "Demo Local Authority already has a school called Other School"
    response = submit(admin, f"/admin/schools/{new_id}", {"name": "St Mary's Church of England Primary",
                                                          "attendance_email": "", "turn_emails": on})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(School, new_id).attendance_email is None
    assert admin.get("/admin/schools/999999").status_code == 404


# --- users ----------------------------------------------------------------------------------------

def test_a_user_added_here_can_sign_in_and_sees_only_their_school(app, admin):
    # A referral at Other School, which the new Demo School user must not see.
    other_rid = create_referral(admin, office(admin, "office@other.school"), AMELIA)
    demo_rid = create_referral(admin, office(admin), TOBIAS)
    response = submit(admin, "/admin/users/new", {
        "email": "Priya.Shah@Demo.School", "name": "Priya Shah", "role": "office",
        "school": str(school_id(app, "Demo School")), "password": NEW_PASSWORD})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    assert "User added" in page and "priya.shah@demo.school" in page and "generated-password" not in page
    assert NEW_PASSWORD not in page
    [event] = events(app, "admin_user_created")
    assert event.detail == {"user_id": user_id(app, "priya.shah@demo.school"), "email": "priya.shah@demo.school",
                            "name": "Priya Shah", "role": "office", "school_id": school_id(app, "Demo School"),
                            "la_id": None, "password_generated": False, "must_set_own_password": True}
    assert "Priya Shah" in text(admin.get("/admin/users"))
    logout(admin)

    signed_in = login(admin, "priya.shah@demo.school", NEW_PASSWORD)
    assert signed_in.status_code == 302
    # The admin knows that password: Priya sets her own before anything else.
    assert admin.get("/referrals/").location == "/account/password"
    assert set_own_password(admin, NEW_PASSWORD, "Priya's very own password").status_code == 302
    listing = admin.get("/referrals/")
    assert listing.status_code == 200
    assert f"/referrals/{demo_rid}" in text(listing) and f"/referrals/{other_rid}" not in text(listing)
    assert admin.get(f"/referrals/{other_rid}").status_code == 404
    assert admin.get(f"/referrals/{demo_rid}").status_code == 200
    assert admin.get("/admin/").status_code == 403


def test_a_generated_password_is_shown_once_and_works(app, admin):
    response = submit(admin, "/admin/users/new", {"email": "lee.officer@demo.la", "name": "Lee Officer",
                                                  "role": "la_officer", "school": "", "password": ""})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code id="generated-password">([^<]+)</code>', text(response)).group(1)
    assert len(password) >= 12 and re.fullmatch(r"(?:[A-Za-z2-9]{4}-){4}[A-Za-z2-9]{4}", password)
    [event] = events(app, "admin_user_created")
    assert event.detail["password_generated"] is True and event.detail["la_id"] is not None
    assert password not in json.dumps(event.detail)
    user = get_user(app, "lee.officer@demo.la")
    assert password not in user.password_hash and user.la_id is not None and user.school_id is None
    # It is not shown again.
    assert password not in text(admin.get(f"/admin/users/{user.id}"))
    assert password not in text(admin.get("/admin/users"))
    logout(admin)
    assert login(admin, "lee.officer@demo.la", password).status_code == 302
    assert admin.get("/la/referrals").location == "/account/password"
    assert set_own_password(admin, password, "Lee's very own password").status_code == 302
    assert admin.get("/la/referrals").status_code == 200


def test_adding_a_user_checks_each_field(app, admin):
    demo = str(school_id(app, "Demo School"))
    response = submit(admin, "/admin/users/new", {"email": "not-an-address", "name": "", "password": "too short"})
    assert response.status_code == 422
    summary = dict(error_summary(response))
    assert summary["#email"].startswith("Enter an email address in the correct format")
    assert summary["#name"] == "Enter the user's full name"
    assert summary["#role"] == "Select the role"
    assert summary["#password"] == "The password must be between 12 and 200 characters"
    response = submit(admin, "/admin/users/new", {"email": "head2@demo.school", "name": "Hannah Head",
                                                  "role": "headteacher", "school": ""})
    assert response.status_code == 422
    assert field_error(response, "school") == "Select the school for a headteacher user"
    response = submit(admin, "/admin/users/new", {"email": "admin2@demo.la", "name": "Ada Admin",
                                                  "role": "admin", "school": demo})
    assert response.status_code == 422
    assert field_error(response, "school") == "Choose “Not at a school” for an administrator: they work for the local authority"
    response = submit(admin, "/admin/users/new", {"email": "x@demo.la", "name": "X", "role": "superuser", "school": ""})
    assert field_error(response, "role") == "Select one of the roles listed"
    assert events(app, "admin_user_created") == []


def test_an_email_already_in_use_is_a_clear_error_not_a_500(app, admin, other_la):
    def add(email: str):
        return submit(admin, "/admin/users/new", {"email": email, "name": "Olivia Again", "role": "office",
                                                  "school": str(school_id(app, "Demo School")),
                                                  "password": NEW_PASSWORD})

    response = add("Office@Demo.School")  # this LA's own user: named as such, to be found in the list
    assert response.status_code == 422
    assert field_error(response, "email") == ("Demo Local Authority already has a user with the email address "
                                              "office@demo.school: find them in the list of users")
    # Another LA's: that it cannot be used (emails are unique across the service) and nothing else:
    # not that LA, its school, the person's name or role.
    response = add("office@riverside.test")
    assert response.status_code == 422
    assert field_error(response, "email") == ("The email address office@riverside.test cannot be used for a new "
                                              "user. Ask them for another email address")
    page = text(response)
    for secret in ("Other Borough Council", "Riverside Academy", "Rita Office", "already has", "another local authority"):
        assert secret not in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id)).filter_by(email="office@demo.school")) == 1
    assert events(app, "admin_user_created") == []


def test_changing_a_users_role_and_school(app, admin):
    ids = demo_ids(app)
    other_school = school_id(app, "Other School")
    url = f"/admin/users/{ids['office']}"
    response = submit(admin, url, {"role": "headteacher", "school": str(other_school)}, action=f"{url}/role")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, ids["office"])
        assert (user.role, user.school_id, user.la_id) == ("headteacher", other_school, None)
    [event] = events(app, "admin_user_role_changed")
    assert event.detail["from"] == {"role": "office", "school_id": ids["school"], "la_id": None}
    assert event.detail["to"] == {"role": "headteacher", "school_id": other_school, "la_id": None}
    # An LA officer made an office user at a school, then back to the LA.
    url = f"/admin/users/{ids['officer']}"
    assert submit(admin, url, {"role": "office", "school": str(ids["school"])}, action=f"{url}/role").status_code == 302
    assert submit(admin, url, {"role": "admin", "school": ""}, action=f"{url}/role").status_code == 302
    with app.app_context():
        user = db.session.get(User, ids["officer"])
        assert (user.role, user.school_id) == ("admin", None) and user.la.name == "Demo Local Authority"
    assert len(events(app, "admin_user_role_changed")) == 3
    # A school role without a school is refused, on the user's page, naming the field.
    response = submit(admin, url, {"role": "office", "school": ""}, action=f"{url}/role")
    assert response.status_code == 422
    assert ("#school", "Select the school for a school office user") in error_summary(response)
    assert "Error: " in text(response).split("</title>")[0]


def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(app, admin):
    me = user_id(app, ADMIN)
    url = f"/admin/users/{me}"
    page = text(admin.get(url))
    assert "you cannot remove your own administrator role" in page and "Deactivate Adam Admin" not in page
    response = submit(admin, url, {"role": "la_officer", "school": ""}, action=f"{url}/role")
    assert response.status_code == 302
    assert "You cannot remove your own administrator role: ask another administrator" in text(admin.get(url))
    response = submit(admin, url, {"active": "0"}, action=f"{url}/active")
    assert response.status_code == 302
    assert "You cannot deactivate your own account" in text(admin.get(url))
    with app.app_context():
        user = db.session.get(User, me)
        assert user.role == "admin" and user.active
    assert events(app, "admin_user_role_changed") == [] and events(app, "admin_user_deactivated") == []
    assert admin.get("/admin/").status_code == 200


def test_deactivating_stops_sign_in_and_tokens_and_reactivating_restores_sign_in(app, admin):
    ids = demo_ids(app)
    token = api_token(admin, "office@demo.school")
    assert admin.get("/api/v1/referrals", headers=bearer(token)).status_code == 200
    url = f"/admin/users/{ids['office']}"
    assert submit(admin, url, {"active": "0"}, action=f"{url}/active").status_code == 302
    assert "Deactivated: cannot sign in" in text(admin.get(url))
    [event] = events(app, "admin_user_deactivated")
    assert event.detail == {"user_id": ids["office"], "email": "office@demo.school", "api_tokens_revoked": 1}
    assert admin.get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    with app.app_context():
        assert db.session.scalar(db.select(ApiToken).filter_by(user_id=ids["office"])) is None
    assert admin.post("/api/v1/auth/token", json={"email": "office@demo.school", "password": PASSWORD}).status_code == 401
    logout(admin)
    refused = admin.post("/sign-in", data={"csrf_token": csrf(text(admin.get("/sign-in"))),
                                           "email": "office@demo.school", "password": PASSWORD})
    assert refused.status_code == 200 and "Enter a correct email address and password" in text(refused)
    assert admin.get("/referrals/").status_code == 302  # not signed in

    login(admin, ADMIN)
    assert submit(admin, url, {"active": "1"}, action=f"{url}/active").status_code == 302
    assert len(events(app, "admin_user_reactivated")) == 1
    logout(admin)
    assert login(admin, "office@demo.school").status_code == 302


def test_resetting_a_password(app, admin):
    ids = demo_ids(app)
    token = api_token(admin, "head@demo.school")
    head = user_id(app, "head@demo.school")
    url = f"/admin/users/{head}"
    response = submit(admin, url, {"password": "short"}, action=f"{url}/password")
    assert response.status_code == 422
    assert ("#password", "The password must be between 12 and 200 characters") in error_summary(response)
    response = submit(admin, url, {"password": NEW_PASSWORD}, action=f"{url}/password")
    assert response.status_code == 200 and "Password reset" in text(response)
    assert response.headers["Cache-Control"] == "no-store" and NEW_PASSWORD not in text(response)
    [event] = events(app, "admin_user_password_reset")
    assert event.detail == {"user_id": head, "email": "head@demo.school", "password_generated": False,
                            "api_tokens_revoked": 1, "must_set_own_password": True}
    assert admin.get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    # A generated one for the office user.
    url = f"/admin/users/{ids['office']}"
    response = submit(admin, url, {"password": ""}, action=f"{url}/password")
    generated = re.search(r'<code id="generated-password">([^<]+)</code>', text(response)).group(1)
    logout(admin)
    old = admin.post("/sign-in", data={"csrf_token": csrf(text(admin.get("/sign-in"))), "email": "head@demo.school",
                                       "password": PASSWORD})
    assert old.status_code == 200 and "Enter a correct email address and password" in text(old)  # no longer works
    assert login(admin, "head@demo.school", NEW_PASSWORD).status_code == 302
    logout(admin)
    assert login(admin, "office@demo.school", generated).status_code == 302


def test_no_admin_event_holds_a_password(app, admin):
    ids = demo_ids(app)
    submit(admin, "/admin/users/new", {"email": "nia@demo.school", "name": "Nia Jones", "role": "office",
                                       "school": str(ids["school"]), "password": NEW_PASSWORD})
    url = f"/admin/users/{ids['office']}"
    submit(admin, url, {"password": "another long password"}, action=f"{url}/password")
    submit(admin, url, {"active": "0"}, action=f"{url}/active")
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("admin_%"))).all()
        dumped = json.dumps([r.detail for r in rows])
        assert {r.action for r in rows} == {"admin_user_created", "admin_user_password_reset", "admin_user_deactivated"}
        assert all(r.actor == ADMIN and r.user_id == ids["admin"] for r in rows)
    assert NEW_PASSWORD not in dumped and "another long password" not in dumped and "argon2" not in dumped


# --- the first admin, from the command line ---------------------------------------------------------

def test_the_cli_creates_the_first_admin_who_can_then_administer_the_la(tmp_path):
    url = f"sqlite:///{tmp_path / 'first.sqlite3'}"
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": url, "NEW_USER_PASSWORD": "the first admin's password"}
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["db-upgrade"]).exit_code == 0
    assert runner.invoke(main, ["create-la", "--name", "Southend-on-Sea", "--inbox", "legal@southend.test",
                                "--profile", "southend"]).exit_code == 0
    result = runner.invoke(main, ["create-user", "--email", "First.Admin@Southend.test", "--name", "Fay Admin",
                                  "--role", "admin", "--la", "Southend-on-Sea"])
    assert result.exit_code == 0, result.output
    assert "first.admin@southend.test (admin) created" in result.output

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(tmp_path / "storage"),
                      "SECRET_KEY": "test-secret"})
    upgrade(app)
    client = app.test_client()
    assert login(client, "first.admin@southend.test", "the first admin's password").status_code == 302
    overview = text(client.get("/admin/"))
    assert "Southend-on-Sea" in overview and "legal@southend.test" in overview
    assert submit(client, "/admin/schools/new", {"name": "Westcliff Primary", "attendance_email": ""}).status_code == 302
    with app.app_context():
        westcliff = db.session.scalar(db.select(School.id).filter_by(name="Westcliff Primary"))
    response = submit(client, "/admin/users/new", {"email": "head@westcliff.test", "name": "Wendy Head",
                                                   "role": "headteacher", "school": str(westcliff),
                                                   "password": "wendy's own password"})
    assert response.status_code == 200
    logout(client)
    assert login(client, "head@westcliff.test", "wendy's own password").status_code == 302
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_schools_urn_and_dfe_number_are_set_and_unique_in_the_la(app, admin, backend):
    """Issue 25: LA-wide screening names schools by these numbers; each is checked and unique within the LA."""
    demo = school_id(app, "Demo School")
    other = school_id(app, "Other School")
    saved = submit(admin, f"/admin/schools/{demo}", {"name": "Demo School", "urn": "100001", "dfe_number": "880/2001"})
    assert saved.status_code == 302
    with app.app_context():
        school = db.session.get(School, demo)
        assert (school.urn, school.dfe_number) == ("100001", "8802001")
    taken = submit(admin, f"/admin/schools/{other}", {"name": "Other School", "urn": "100001", "dfe_number": "8802001"})
    assert taken.status_code == 422
    assert "Demo School already has the URN 100001" in text(taken)
    assert "Demo School already has the DfE number 8802001" in text(taken)
    bad = submit(admin, f"/admin/schools/{other}", {"name": "Other School", "urn": "10001", "dfe_number": "88-20"})
    assert bad.status_code == 422 and "Enter the URN as 6 digits" in text(bad)
    assert "Enter the DfE number as 7 digits" in text(bad)
