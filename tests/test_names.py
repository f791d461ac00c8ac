"""Names of people and places (issue 14, finding 8): one check wherever a name enters (the admin
pages for schools and users, `create-la`, `create-school`, `create-user`), and email headers built
so that a name stored before the check, or put straight into the database, cannot make a pack
undeliverable."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school
from forms_service.cli import main
from forms_service.delivery.mail import header_value
from forms_service.delivery.outbox import deliver_due
from forms_service.models import OutboxMessage, School, db
from forms_service.text import MAX_NAME, BadName, clean_name

from support.helpers import signed_request
from support.smtp_server import smtp_sink  # noqa: F401  (fixture)
from test_admin import admin, events, field_error, school_id, submit  # noqa: F401  (fixture)

# Each is a control character a one-line name must not carry: C0 (tab, LF, CR, NUL), DEL, C1 (NEL and
# the last one), the Unicode line and paragraph separators, a right-to-left override and an isolate.
BAD = ["\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\u202e", "\u2066"]
ONE_LINE = "must be on one line, without tabs, line breaks or other control characters"


@pytest.mark.parametrize("bad", BAD)
def test_a_name_with_a_control_character_inside_is_refused_naming_the_field(bad):
    with pytest.raises(BadName) as caught:
        clean_name(f"Oak{bad}Primary", "the school's name")
    assert str(caught.value) == f"The school's name {ONE_LINE}"


@pytest.mark.parametrize("name", ["St Mary's C of E Primary", "Ysgol Gymraeg Bro Ogwr", "Zoë O'Brien-Ngũgĩ",
                                  "张伟", "Al-Noor Academy (Upper)", "x"])
def test_names_in_any_script_with_accents_and_punctuation_are_kept(name):
    assert clean_name(name, "the name") == name


def test_a_name_is_trimmed_and_its_length_counted_after():
    assert clean_name("  Oak Primary\n", "the school's name") == "Oak Primary"  # the ends only
    assert clean_name("x" * MAX_NAME, "the name") == "x" * MAX_NAME  # at the limit
    assert clean_name(" " + "x" * MAX_NAME + " ", "the name") == "x" * MAX_NAME
    with pytest.raises(BadName, match=r"^The name must be 200 characters or fewer$"):
        clean_name("x" * (MAX_NAME + 1), "the name")  # just over
    for empty in ("", "   ", "\n", None):
        with pytest.raises(BadName, match=r"^Enter the name$"):
            clean_name(empty, "the name")


@pytest.mark.parametrize("value, header", [
    ("[PNL-2026-000001] Request - Oak\nPrimary", "[PNL-2026-000001] Request - Oak Primary"),
    ("Oak\r\n\tPrimary\u2028School\x00\x85", "Oak Primary School"),
    ("Oak  Primary ", "Oak Primary"), ("\ud800Oak", "Oak"), (None, ""), ("Oak Primary", "Oak Primary"),
])
def test_a_header_value_folds_control_characters_to_one_space(value, header):
    assert header_value(value) == header


# --- the admin pages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["\n", "\r", "\t", "\x85", "\u2028"])
def test_the_admin_cannot_add_or_rename_a_school_with_a_line_break(app, admin, bad):
    response = submit(admin, "/admin/schools/new", {"name": f"Oak{bad}Primary", "attendance_email": ""})
    assert response.status_code == 422
    assert field_error(response, "name") == f"The school's name {ONE_LINE}"
    demo = school_id(app, "Demo School")
    response = submit(admin, f"/admin/schools/{demo}", {"name": f"Demo{bad}School", "attendance_email": ""})
    assert response.status_code == 422
    assert field_error(response, "name") == f"The school's name {ONE_LINE}"
    assert events(app, "admin_school_created") == [] and events(app, "admin_school_updated") == []
    with app.app_context():
        assert db.session.get(School, demo).name == "Demo School"


def test_a_school_name_of_200_characters_is_added_and_201_refused(app, admin):
    response = submit(admin, "/admin/schools/new", {"name": "x" * 201, "attendance_email": ""})
    assert field_error(response, "name") == "The school's name must be 200 characters or fewer"
    assert submit(admin, "/admin/schools/new", {"name": "x" * 200, "attendance_email": ""}).status_code == 302
    assert school_id(app, "x" * 200) is not None


@pytest.mark.parametrize("bad", ["\n", "\t", "\u2029", "\u202e"])
def test_the_admin_cannot_add_a_user_whose_name_has_a_control_character(app, admin, bad):
    response = submit(admin, "/admin/users/new", {"email": "new@demo.school", "name": f"Ann{bad}Other",
                                                  "role": "office", "school": str(school_id(app, "Demo School"))})
    assert response.status_code == 422
    assert field_error(response, "name") == f"The user's full name {ONE_LINE}"
    assert events(app, "admin_user_created") == []


# --- the command line and the accounts module ------------------------------------------------------

def test_the_commands_refuse_a_name_with_a_line_break(tmp_path):
    runner = CliRunner(env={"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
                            "NEW_USER_PASSWORD": "a long enough password"})
    assert runner.invoke(main, ["db-upgrade"]).exit_code == 0
    refused = runner.invoke(main, ["create-la", "--name", "South\nend", "--inbox", "legal@la.test"])
    assert refused.exit_code == 2 and f"The local authority's name {ONE_LINE}" in refused.output
    assert "--name" in refused.output
    assert runner.invoke(main, ["create-la", "--name", "Southend", "--inbox", "legal@la.test"]).exit_code == 0
    refused = runner.invoke(main, ["create-school", "--name", "Oak\rPrimary", "--la", "Southend"])
    assert refused.exit_code == 2 and f"The school's name {ONE_LINE}" in refused.output
    assert runner.invoke(main, ["create-school", "--name", " Oak Primary ", "--la", "Southend"]).exit_code == 0
    refused = runner.invoke(main, ["create-user", "--email", "h@oak.test", "--name", "A\u2028Head",
                                   "--role", "headteacher", "--school", "Oak Primary"])
    assert refused.exit_code == 2 and f"The user's full name {ONE_LINE}" in refused.output
    made = runner.invoke(main, ["create-user", "--email", "h@oak.test", "--name", "A Head",
                                "--role", "headteacher", "--school", "Oak Primary"])
    assert made.exit_code == 0, made.output


def test_the_accounts_module_refuses_a_bad_name_too(app):
    with app.app_context():
        with pytest.raises(BadName):
            get_or_create_la("Other\nBorough", "legal@other.test")
        la = get_or_create_la("Other Borough", "legal@other.test")
        with pytest.raises(BadName):
            get_or_create_school("River\tside", la)
        with pytest.raises(BadName):
            create_user("x@other.test", "a long enough password", "admin", "X\x85Y", la=la)
        db.session.rollback()


# --- a bad name already in the database ------------------------------------------------------------

def test_a_school_name_with_a_line_break_in_the_database_does_not_stop_its_pack(app, client, smtp_sink):
    with app.app_context():
        db.session.execute(update(School).where(School.name == "Demo School").values(name="Demo\nSchool\r\n"))
        db.session.commit()
    rid, _, _ = signed_request(client)
    app.config["SMTP_URL"] = smtp_sink.url
    with app.app_context():
        outbox = db.session.scalar(db.select(OutboxMessage).filter_by(referral_id=rid, kind="la_pack"))
        assert "Demo\nSchool" in outbox.subject  # stored as it was made
        assert deliver_due() == 2  # the head's "waiting for your sign-off" (issue 17), then the pack
        outbox = db.session.get(OutboxMessage, outbox.id, populate_existing=True)
        assert (outbox.status, outbox.last_error) == ("sent", None)
        reference = outbox.subject.split("]")[0] + "]"
    [message] = [m for m in smtp_sink.messages() if "Waiting for your sign-off" not in m["Subject"]]
    assert message["Subject"].startswith(reference) and message["Subject"].endswith(" - Demo School")
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
