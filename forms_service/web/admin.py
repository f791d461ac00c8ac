"""Administration (issue 5): an LA's admin manages their own local authority without touching the
database — its legal-interventions inbox and policy profile, its schools, and the users of the LA
and its schools (add, change role or school, deactivate and reactivate, reset a password; the last
two end the user's API tokens and signed-in browser sessions).

Admins only (403 for every other role); a school or user of another LA is a 404, as everywhere
else. Every change is an `admin_*` audit event; no event ever holds a password. A password the
service makes up is shown once, in the response to the POST that set it (never stored in the
session or a flash message), with `Cache-Control: no-store`.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovCheckboxInput, GovFileInput, GovPasswordInput,
                                                GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput)
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from wtforms import (BooleanField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from .. import logos
from ..access import mfa, throttle
from ..access.accounts import (ADDRESS_MAX_CHARS, ADDRESS_MAX_LINES, MAX_PASSWORD, MIN_PASSWORD, TELEPHONE_PATTERN,
                               address_lines, create_user)
from ..access.auth import end_sessions, replace_password, require_roles, revoke_tokens
from ..audit import record
from ..models import AuditEvent, LocalAuthority, School, User, db
from ..policies import list_profiles, profile_name
from ..referrals import notify
from ..text import NameCheck
from .fields import CsrfOnlyForm, email_field

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {"office": "School office", "headteacher": "Headteacher",
               "la_officer": "Local authority officer", "admin": "Administrator"}
ROLE_HINTS = {"office": "Starts requests, fills them in and submits them for the headteacher to sign",
              "headteacher": "Signs their school's requests and sends them to the local authority",
              "la_officer": "Reads the requests sent to the local authority, ticks the checklist and "
                            "accepts or returns them",
              "admin": "Manages the local authority's inbox, policy profile, schools and users"}
# The role radios' hints, in the order of ROLE_LABELS (merged into the radios' items by position).
ROLE_ITEMS = [{"hint": {"text": ROLE_HINTS[role]}} for role in ROLE_LABELS]
SCHOOL_ROLES = ("office", "headteacher")
LA_ROLES = ("la_officer", "admin")

# Unambiguous letters and digits (no 0/O, 1/l/I): a generated password is read off a screen.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """Five groups of four random characters (about 115 bits), e.g. `h7Kp-3mQx-...`."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(5))


# --- forms --------------------------------------------------------------------------------------

class ChoiceRadioField(RadioField):
    """Radios whose refusal of an unknown value says which question it is (not "Not a valid choice")."""

    def __init__(self, *args, invalid: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form):
        if self.data is not None and self.data not in {value for value, _ in self.choices}:
            raise ValidationError(self.invalid)


class ChoiceSelectField(SelectField):
    """The same for a select."""

    def __init__(self, *args, invalid: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            raise ValidationError(self.invalid)


class LaForm(FlaskForm):
    inbox_email = email_field(
        "Legal-interventions inbox", required="Enter the legal-interventions inbox address",
        description="Where every signed request is sent, with its pack. A change applies to the next request signed.")
    policy_profile = ChoiceRadioField(
        "Policy profile", widget=GovRadioInput(), validators=[DataRequired("Select the policy profile")],
        invalid="Select one of the policy profiles listed",
        description="The thresholds the eligibility rules use for this local authority's schools.")
    submit = SubmitField("Save changes", widget=GovSubmitInput())


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lines(value):
    return address_lines(value) if isinstance(value, str) else value


def _address_lines(form, field):
    if field.data and len(field.data.split("\n")) > ADDRESS_MAX_LINES:
        raise ValidationError(f"The address must be {ADDRESS_MAX_LINES} lines or fewer")


def _dfe_number(value):
    """880/2001 and 880-2001 as the 7 digits kept."""
    return value.replace("/", "").replace("-", "").replace(" ", "") if isinstance(value, str) else value


class SchoolForm(FlaskForm):
    name = StringField("School name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the school's name"), NameCheck("the school's name")])
    attendance_email = email_field(
        "Attendance contact email (optional)", required=None,
        description="Where the local authority's notices to the school go, such as a returned request and its "
                    "reasons. Leave it blank to write to the school's headteachers.")
    turn_emails = SelectMultipleField(
        "Emails when it is someone's turn", widget=GovCheckboxesInput(), choices=list(notify.SWITCHES.items()),
        default=list(notify.SWITCHES),
        description="Each email gives the request's reference and the pupil's initials, never a child's name, "
                    "and a link to the request. Untick one to stop it for this school.")
    # The daily digest (issue 22; forms_service/reminders/digest.py): on for a new school, as the turn emails are.
    email_daily_digest = BooleanField(
        "Daily email of what falls due", widget=GovCheckboxInput(), default=True,
        description="Each morning on which something is due or overdue, to the attendance contact (or the "
                    "headteachers): what falls due in the next 7 days and what is overdue across the school's "
                    "records, each with the pupil's initials, the record's reference and a link, never a name.")
    # The letterhead (issue 18): printed at the head of every letter and form the school sends.
    address = TextAreaField("Postal address (optional)", widget=GovTextArea(), filters=[_lines],
                            validators=[Optional(), Length(max=ADDRESS_MAX_CHARS, message=f"The address must be "
                                                                  f"{ADDRESS_MAX_CHARS} characters or fewer"),
                                        _address_lines],
                            description="As letters print it, one line each: the street, the town and the postcode.")
    telephone = StringField("Telephone (optional)", widget=GovTextInput(), filters=[_strip],
                            validators=[Optional(), Regexp(TELEPHONE_PATTERN, message="Enter a telephone number, like "
                                                                              "01632 960 001")])
    email = email_field("Email for parents (optional)", required=None, example="office@school.example.org",
                        description="The school office's address that letters give parents.")
    headteacher_name = StringField("Headteacher's name (optional)", widget=GovTextInput(), filters=[_strip],
                                   validators=[Optional(), NameCheck("the headteacher's name")])
    logo = FileField("Logo (optional)", widget=GovFileInput(),
                     description=f"A PNG, JPEG or SVG image of {logos.MAX_BYTES // 1024} KB or less. It is printed "
                                 "at the top left of letters, about 2 cm high.")
    remove_logo = BooleanField("Remove the logo", widget=GovCheckboxInput())
    # The school's numbers (issue 25): how an LA's file of every school's marks names the school.
    urn = StringField("URN (optional)", widget=GovTextInput(), filters=[_strip],
                      validators=[Optional(), Regexp(r"^\d{6}$", message="Enter the URN as 6 digits, like 100001")],
                      description="The school's unique reference number (6 digits), as Get Information about Schools "
                                  "gives it. The LA's screening reads a file's school column by it.")
    dfe_number = StringField("DfE number (optional)", widget=GovTextInput(), filters=[_strip, _dfe_number],
                             validators=[Optional(), Regexp(r"^\d{7}$", message="Enter the DfE number as 7 digits, "
                                                                                 "like 8802001 or 880/2001")],
                             description="The LA code and establishment number, like 880/2001.")
    submit = SubmitField("Save school", widget=GovSubmitInput())


LETTERHEAD = ("address", "telephone", "email", "headteacher_name", "urn", "dfe_number")


def _letterhead(form: SchoolForm) -> dict[str, str | None]:
    """{School column: value or None} for the letterhead's text from the form."""
    return {name: (getattr(form, name).data or "").strip() or None for name in LETTERHEAD}


def _logo(form: SchoolForm) -> tuple[bytes, str] | None:
    """The uploaded logo, checked (forms_service/logos.py); its refusal is put on the field. None: no
    file chosen, or the file refused."""
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return logos.check(upload.read(logos.MAX_BYTES + 1))
    except logos.LogoError as exc:
        form.logo.errors = list(form.logo.errors) + [str(exc)]
        return None


def _switches(form: SchoolForm) -> dict[str, bool]:
    """{School column: on} for each "it is your turn" email, from the ticked boxes, and the daily digest."""
    ticked = set(form.turn_emails.data or ())
    return {**{name: name in ticked for name in notify.SWITCHES},
            "email_daily_digest": bool(form.email_daily_digest.data)}


def _role_field():
    return ChoiceRadioField("Role", widget=GovRadioInput(), validators=[DataRequired("Select the role")],
                            invalid="Select one of the roles listed",
                            description="Everyone sees only their own school's or local authority's records.",
                            choices=[(role, ROLE_LABELS[role]) for role in ROLE_LABELS])


def _school_field():
    return ChoiceSelectField("School", widget=GovSelect(), validators=[Optional()], coerce=str,
                             invalid="Select one of your local authority's schools",
                             description="For school office staff and headteachers. Choose “Not at a school” for "
                                         "local authority officers and administrators.")


class UserForm(FlaskForm):
    email = email_field("Email address", required="Enter the user's email address",
                         description="They sign in with it.")
    name = StringField("Full name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the user's full name"), NameCheck("the user's full name")])
    role = _role_field()
    school = _school_field()
    password = PasswordField(
        "Initial password (optional)", widget=GovPasswordInput(),
        validators=[Optional(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
                                       message=f"The password must be between {MIN_PASSWORD} and {MAX_PASSWORD} characters")],
        description=f"At least {MIN_PASSWORD} characters. Leave it blank and the service will make one up and show it "
                    "to you once.")
    submit = SubmitField("Add user", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = _role_field()
    school = _school_field()
    submit = SubmitField("Change role", widget=GovSubmitInput())


class PasswordForm(FlaskForm):
    password = PasswordField(
        "New password (optional)", widget=GovPasswordInput(),
        validators=[Optional(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
                                       message=f"The password must be between {MIN_PASSWORD} and {MAX_PASSWORD} characters")],
        description=f"At least {MIN_PASSWORD} characters. Leave it blank and the service will make one up and show it "
                    "to you once. The user is signed out everywhere and their API tokens stop working.")
    submit = SubmitField("Reset password", widget=GovSubmitInput())


# --- scope --------------------------------------------------------------------------------------

def _admin() -> User:
    return current_user.user


def _la() -> LocalAuthority:
    la = _admin().la
    if la is None:  # an admin always belongs to an LA (accounts.create_user); a broken row is refused
        abort(403)
    return la


def _schools() -> list[School]:
    return db.session.scalars(db.select(School).where(School.la_id == _la().id)
                              .order_by(func.lower(School.name))).all()


def _users_query():
    la_id = _la().id
    return (db.select(User).outerjoin(School, User.school_id == School.id)
            .where(or_(User.la_id == la_id, School.la_id == la_id)))


def _school_or_404(school_id: int) -> School:
    school = db.session.get(School, school_id)
    if school is None or school.la_id != _la().id:
        abort(404)
    return school


def _user_or_404(user_id: int) -> User:
    user = db.session.scalar(_users_query().where(User.id == user_id))
    if user is None:
        abort(404)
    return user


def _check_csrf() -> None:
    if not CsrfOnlyForm().validate_on_submit():
        abort(400, "Your session has expired or the form was not sent from this service. Reload the page and try again.")


def _school_choices(form) -> None:
    form.school.choices = [("", "Not at a school")] + [(str(s.id), s.name) for s in _schools()]


def _placement(form) -> tuple[School | None, LocalAuthority | None] | None:
    """The school or LA a user with the form's role belongs to, or None (with the error on the form)."""
    role = form.role.data
    if role in SCHOOL_ROLES:
        if not form.school.data:
            form.school.errors = list(form.school.errors) + [f"Select the school for {_a(role)} user"]
            return None
        return _school_or_404(int(form.school.data)), None
    if form.school.data:
        form.school.errors = list(form.school.errors) + [
            f"Choose “Not at a school” for {_a(role)}: they work for the local authority"]
        return None
    return None, _la()


def _a(role: str) -> str:
    label = ROLE_LABELS[role].lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def _email_in_use(email: str) -> str | None:
    """Why `email` cannot be given to a new user, or None if it can.

    Emails are unique across the whole service, so an address another LA's user has cannot be added
    here, and saying so unavoidably tells this LA's admin that it is registered somewhere. Nothing more:
    not which LA, nor the person's name, role or whether the account is active. A user of this LA (or
    of its schools), whom the admin can see anyway, is named as such so they can be found in the list."""
    if db.session.scalar(_users_query().where(User.email == email)) is not None:
        return f"{_la().name} already has a user with the email address {email}: find them in the list of users"
    if db.session.scalar(db.select(User.id).where(User.email == email)) is not None:
        return f"The email address {email} cannot be used for a new user. Ask them for another email address"
    return None


def _school_name_taken(name: str, *, except_id: int | None = None) -> bool:
    query = db.select(School.id).where(School.la_id == _la().id, func.lower(School.name) == name.lower())
    if except_id is not None:
        query = query.where(School.id != except_id)
    return db.session.scalar(query) is not None


def _where(user: User) -> str:
    return user.school.name if user.school else (user.la.name if user.la else "")


# --- overview and the LA ------------------------------------------------------------------------

@bp.get("/")
@require_roles("admin")
def index():
    la = _la()
    users = db.session.scalars(_users_query()).all()
    return render_template("admin/index.html", title="Administration", la=la, profile=profile_name(la.policy_profile),
                           school_count=len(_schools()), user_count=len(users),
                           active_count=sum(1 for u in users if u.active))


@bp.route("/la", methods=["GET", "POST"])
@require_roles("admin")
def edit_la():
    la = _la()
    form = LaForm(data={"inbox_email": la.inbox_email, "policy_profile": la.policy_profile}
                  if request.method == "GET" else None)
    form.policy_profile.choices = [(p, profile_name(p)) for p in list_profiles()]
    if request.method == "POST" and form.validate_on_submit():
        new = {"inbox_email": form.inbox_email.data.strip(), "policy_profile": form.policy_profile.data}
        changes = {key: {"from": getattr(la, key), "to": value} for key, value in new.items()
                   if getattr(la, key) != value}
        if changes:
            for key, value in new.items():
                setattr(la, key, value)
            record("admin_la_updated", user=_admin(), detail={"la_id": la.id, "la": la.name, "changes": changes})
            db.session.commit()
            flash(f"{la.name}'s settings are saved.", "success")
        else:
            flash("Nothing was changed.", "info")
        return redirect(url_for("admin.index"))
    return render_template("admin/la.html", title=f"Change {la.name}'s settings", la=la, form=form), \
        422 if request.method == "POST" else 200


# --- schools ------------------------------------------------------------------------------------

@bp.get("/schools")
@require_roles("admin")
def schools():
    schools_ = _schools()
    counts = dict(db.session.execute(
        db.select(User.school_id, func.count(User.id)).where(User.school_id.in_([s.id for s in schools_]),
                                                             User.active.is_(True))
        .group_by(User.school_id)).all()) if schools_ else {}
    return render_template("admin/schools.html", title="Schools", la=_la(), schools=schools_, counts=counts)


@bp.route("/schools/new", methods=["GET", "POST"])
@require_roles("admin")
def new_school():
    form = SchoolForm()
    form.submit.label.text = "Add school"
    if request.method == "POST" and form.validate_on_submit():
        name = form.name.data.strip()
        logo = _logo(form)
        if _school_name_taken(name):
            form.name.errors = list(form.name.errors) + [f"{_la().name} already has a school called {name}"]
        elif _numbers_taken(form):
            pass
        elif not form.logo.errors:
            school = School(name=name, la=_la(), attendance_email=(form.attendance_email.data or "").strip() or None,
                            **_switches(form), **_letterhead(form))
            if logo:
                school.logo, school.logo_type = logo
            db.session.add(school)
            try:
                db.session.flush()
            except IntegrityError:
                db.session.rollback()
                form.name.errors = list(form.name.errors) + [f"{_la().name} already has a school called {name}"]
            else:
                record("admin_school_created", user=_admin(),
                       detail={"school_id": school.id, "name": school.name, "attendance_email": school.attendance_email,
                               **_switches(form), **_letterhead(form), "logo": _logo_digest(school.logo)})
                db.session.commit()
                flash(f"{school.name} is added.", "success")
                return redirect(url_for("admin.schools"))
    return render_template("admin/school.html", title="Add a school", form=form, school=None, **_logo_words()), \
        422 if request.method == "POST" else 200


def _numbers_taken(form: SchoolForm, except_id: int | None = None) -> bool:
    """Whether another of the LA's schools has the URN or DfE number given; the error is put on its field."""
    taken = False
    for field, words in ((form.urn, "URN"), (form.dfe_number, "DfE number")):
        value = (field.data or "").strip()
        if not value:
            continue
        other = db.session.scalar(db.select(School).where(
            School.la_id == _la().id, getattr(School, field.name) == value, School.id != (except_id or 0)))
        if other is not None:
            field.errors = list(field.errors) + [f"{other.name} already has the {words} {value}"]
            taken = True
    return taken


def _logo_digest(data: bytes | None) -> str | None:
    """What the audit trail keeps of a logo: its SHA-256, not the image."""
    return hashlib.sha256(data).hexdigest() if data else None


@bp.route("/schools/<id:school_id>", methods=["GET", "POST"])
@require_roles("admin")
def edit_school(school_id: int):
    school = _school_or_404(school_id)
    form = SchoolForm(data={"name": school.name, "attendance_email": school.attendance_email or "",
                            "turn_emails": [name for name in notify.SWITCHES if getattr(school, name)],
                            "email_daily_digest": school.email_daily_digest,
                            **{name: getattr(school, name) or "" for name in LETTERHEAD}}
                      if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        name = form.name.data.strip()
        email = (form.attendance_email.data or "").strip() or None
        logo = _logo(form)
        if _school_name_taken(name, except_id=school.id):
            form.name.errors = list(form.name.errors) + [f"{_la().name} already has a school called {name}"]
        elif _numbers_taken(form, except_id=school.id):
            pass
        elif not form.logo.errors:
            wanted = {"name": name, "attendance_email": email, **_switches(form), **_letterhead(form)}
            changes = {key: {"from": getattr(school, key), "to": value}
                       for key, value in wanted.items() if getattr(school, key) != value}
            new_logo = logo or ((None, None) if form.remove_logo.data else (school.logo, school.logo_type))
            if new_logo[0] != school.logo:
                changes["logo"] = {"from": _logo_digest(school.logo), "to": _logo_digest(new_logo[0])}
            if changes:
                for key, value in wanted.items():
                    setattr(school, key, value)
                school.logo, school.logo_type = new_logo
                record("admin_school_updated", user=_admin(), detail={"school_id": school.id, "changes": changes})
                try:
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    abort(409, f"{name} was added by someone else just now. Reload the page and try again.")
                flash(f"{school.name} is saved.", "success")
            else:
                flash("Nothing was changed.", "info")
            return redirect(url_for("admin.schools"))
    users = db.session.scalars(db.select(User).where(User.school_id == school.id)
                               .order_by(User.active.desc(), func.lower(User.name))).all()
    return render_template("admin/school.html", title=f"Change {school.name}", form=form, school=school,
                           users=users, role_labels=ROLE_LABELS, **_logo_words()), 422 if request.method == "POST" else 200


def _logo_words() -> dict:
    return {"logo_accept": logos.ACCEPT, "logo_kinds": {"image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG"}}


# --- users --------------------------------------------------------------------------------------

@bp.get("/users")
@require_roles("admin")
def users():
    rows = db.session.scalars(_users_query().order_by(User.active.desc(), func.lower(School.name).nulls_first(),
                                                      func.lower(User.name))).all()
    return render_template("admin/users.html", title="Users", la=_la(), users=rows, role_labels=ROLE_LABELS,
                           where=_where)


@bp.route("/users/new", methods=["GET", "POST"])
@require_roles("admin")
def new_user():
    form = UserForm()
    _school_choices(form)
    if request.method == "POST" and form.validate_on_submit():
        email = form.email.data.strip().lower()
        placement = _placement(form)
        in_use = _email_in_use(email)
        if in_use:
            form.email.errors = list(form.email.errors) + [in_use]
        elif placement is not None:
            school, la = placement
            generated = not form.password.data
            password = form.password.data or generate_password()
            try:
                user = create_user(email, password, form.role.data, form.name.data.strip(), school=school, la=la)
                user.must_change_password = True  # the admin knows it: the user sets their own first
            except IntegrityError:  # the same address added by someone else a moment ago
                db.session.rollback()
                form.email.errors = list(form.email.errors) + [_email_in_use(email) or "The user could not be added just now. Try again"]
            else:
                record("admin_user_created", user=_admin(),
                       detail={"user_id": user.id, "email": user.email, "name": user.name, "role": user.role,
                               "school_id": user.school_id, "la_id": user.la_id, "password_generated": generated,
                               "must_set_own_password": True})
                db.session.commit()
                return _password_page(user, password if generated else None, created=True)
    return render_template("admin/user_new.html", title="Add a user", form=form, role_items=ROLE_ITEMS), \
        422 if request.method == "POST" else 200


def _password_page(user: User, password: str | None, *, created: bool):
    """The one time a generated password is shown: the response to the POST, never cached."""
    response = render_template("admin/user_password_set.html", title="User added" if created else "Password reset",
                               account=user, password=password, created=created, role_labels=ROLE_LABELS,
                               where=_where(user))
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/users/<id:user_id>")
@require_roles("admin")
def show_user(user_id: int):
    user = _user_or_404(user_id)
    role_form = RoleForm(data={"role": user.role, "school": str(user.school_id) if user.school_id else ""})
    _school_choices(role_form)
    return _user_page(user, role_form=role_form)


def _user_page(user: User, *, role_form: RoleForm | None = None, password_form: PasswordForm | None = None,
               status: int = 200):
    if role_form is None:
        role_form = RoleForm(formdata=None, data={"role": user.role,
                                                  "school": str(user.school_id) if user.school_id else ""})
        _school_choices(role_form)
    password_form = password_form or PasswordForm(formdata=None)
    errors = [*wtforms_error_list(role_form), *wtforms_error_list(password_form)]
    history = account_history(user)
    password_set_by_admin = next((e for e in history if e.action in PASSWORD_SET_BY_ADMIN), None)
    return render_template("admin/user.html", title=user.name, account=user, role_form=role_form,
                           password_form=password_form, error_list=errors, role_labels=ROLE_LABELS,
                           role_items=ROLE_ITEMS, where=_where(user), is_self=user.id == _admin().id,
                           history=history, history_labels=ACCOUNT_EVENTS,
                           password_set_by_admin=password_set_by_admin, second_factor=mfa.enrolled(user),
                           second_factor_required=mfa.required(user)), status


# The user's account trail on their page: what was done to the account, and by whom. A password an
# administrator set is shown prominently: they could have signed in as the user until it was changed.
ACCOUNT_EVENTS = {"admin_user_created": "Account added", "admin_user_password_reset": "Password reset by an administrator",
                  "password_changed": "Set their own password", "admin_user_role_changed": "Role or school changed",
                  "admin_user_deactivated": "Deactivated", "admin_user_reactivated": "Reactivated",
                  "password_reset_by_email": "Chose a new password from an emailed link",
                  "admin_user_second_factor_reset": "Second factor reset by an administrator",
                  "second_factor_set_up": "Set up their authenticator app",
                  "second_factor_changed": "Set up a new authenticator app",
                  "second_factor_turned_off": "Turned off their second factor"}
# The user's own events in it (the admins' name the user in their detail instead).
OWN_EVENTS = ("password_changed", "password_reset_by_email", "second_factor_set_up", "second_factor_changed",
              "second_factor_turned_off")
PASSWORD_SET_BY_ADMIN = ("admin_user_created", "admin_user_password_reset")
HISTORY_ROWS = 20


def account_history(user: User) -> list[AuditEvent]:
    """The account's events, newest first: the admins' (which name the user in their detail) and the
    user's own password changes (on the website, or through a "Forgot your password?" link)."""
    about = or_(db.and_(AuditEvent.action.in_([a for a in ACCOUNT_EVENTS if a.startswith("admin_")]),
                        AuditEvent.detail["user_id"].as_integer() == user.id),
                db.and_(AuditEvent.action.in_(OWN_EVENTS), AuditEvent.user_id == user.id))
    return db.session.scalars(db.select(AuditEvent).where(about)
                              .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(HISTORY_ROWS)).all()


def wtforms_error_list(form) -> list[dict]:
    return [{"text": messages[0], "href": f"#{form[name].id}"}
            for name, messages in form.errors.items() if messages and name != "csrf_token"]


@bp.post("/users/<id:user_id>/role")
@require_roles("admin")
def change_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    _school_choices(form)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            _check_csrf()
        return _user_page(user, role_form=form, status=422)
    if user.id == _admin().id and form.role.data != "admin":
        flash("You cannot remove your own administrator role: ask another administrator to do it.", "info")
        return redirect(url_for("admin.show_user", user_id=user.id))
    placement = _placement(form)
    if placement is None:
        return _user_page(user, role_form=form, status=422)
    school, la = placement
    before = {"role": user.role, "school_id": user.school_id, "la_id": user.la_id}
    user.role, user.school, user.la = form.role.data, school, la
    db.session.flush()
    after = {"role": user.role, "school_id": user.school_id, "la_id": user.la_id}
    if before == after:
        flash("Nothing was changed.", "info")
    else:
        record("admin_user_role_changed", user=_admin(),
               detail={"user_id": user.id, "email": user.email, "from": before, "to": after})
        db.session.commit()
        flash(f"{user.name} is now {ROLE_LABELS[user.role].lower()}"
              + (f" at {user.school.name}" if user.school else "") + ".", "success")
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.post("/users/<id:user_id>/active")
@require_roles("admin")
def set_active(user_id: int):
    user = _user_or_404(user_id)
    _check_csrf()
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400, "Say whether the account is to be active.")
    active = wanted == "1"
    if user.id == _admin().id and not active:
        flash("You cannot deactivate your own account: ask another administrator to do it.", "info")
        return redirect(url_for("admin.show_user", user_id=user.id))
    if user.active != active:
        user.active = active
        if active:
            throttle.clear(user.email)  # a fresh start: failures while it was inactive no longer count
        revoked = 0 if active else revoke_tokens(user)
        if not active:
            end_sessions(user)  # signed-in browsers too, so reactivating does not revive them
        record("admin_user_reactivated" if active else "admin_user_deactivated", user=_admin(),
               detail={"user_id": user.id, "email": user.email, **({} if active else {"api_tokens_revoked": revoked})})
        db.session.commit()
        flash(f"{user.name}'s account is {'reactivated: they can sign in again' if active else 'deactivated: they can no longer sign in'}.",
              "success")
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.post("/users/<id:user_id>/second-factor/reset")
@require_roles("admin")
def reset_second_factor(user_id: int):
    """Remove the user's authenticator app and recovery codes (a lost phone): they set up a new one at their
    next sign-in (or sign in with their password only, where their role does not need one). The admin never
    sees the secret or the codes; the user is signed out everywhere and their API tokens stop working."""
    user = _user_or_404(user_id)
    _check_csrf()
    if not mfa.reset(user):
        flash(f"{user.name} has no second factor to reset.", "info")
        return redirect(url_for("admin.show_user", user_id=user.id))
    revoked = revoke_tokens(user)
    end_sessions(user)
    throttle.clear(user.email)  # wrong codes typed at a lost phone's app no longer count
    record("admin_user_second_factor_reset", user=_admin(),
           detail={"user_id": user.id, "email": user.email, "api_tokens_revoked": revoked})
    db.session.commit()
    flash(f"{user.name}'s second factor is reset: they have been signed out everywhere, and will set up their "
          "authenticator app again when they next sign in." if mfa.required(user) else
          f"{user.name}'s second factor is reset: they have been signed out everywhere, and sign in with their "
          "password only until they turn it on again.", "success")
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.post("/users/<id:user_id>/password")
@require_roles("admin")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            _check_csrf()
        return _user_page(user, password_form=form, status=422)
    generated = not form.password.data
    password = form.password.data or generate_password()
    revoked = replace_password(user, password)
    # Someone else's password is one the admin knows: the user sets their own before anything else.
    # An admin resetting their own is the only one who knows it.
    user.must_change_password = user.id != _admin().id
    throttle.clear(user.email)  # the remedy for a lock-out: the new password works at once
    record("admin_user_password_reset", user=_admin(),
           detail={"user_id": user.id, "email": user.email, "password_generated": generated,
                   "api_tokens_revoked": revoked, "must_set_own_password": user.must_change_password})
    db.session.commit()
    return _password_page(user, password if generated else None, created=False)
