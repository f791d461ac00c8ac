"""Letters to many families (forms_service/letters/bulk.py) on the web: the school uploads its register
export and its pupils file, chooses the letter, the filter and the letter's own answers once, then
checks the list of pupils who will get a letter (each with the parents written to and their meeting
slot) before anything is made; once confirmed the letters are made in the background
(forms_service/letters/jobs.py) while a page shows the progress; the zip, or all the letters in one PDF
for printing, is then downloaded from the job's page. A job belongs to its school: anyone else gets a
404. Starting a job and each download are in the audit trail (counts only, never a name)."""
from __future__ import annotations

import io
import zipfile

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovFileInput, GovRadioInput, GovSubmitInput,
                                                GovTextInput)
from wtforms import FileField, HiddenField, RadioField, SelectMultipleField, StringField, SubmitField

from .. import storage
from ..access import quotas
from ..access.auth import require_roles
from ..audit import record
from ..background import runner
from ..formatting import format_time, local_today
from ..formdefs import PageDef, get_form
from ..letters import bulk as bulk_letters, jobs
from ..models import db
from ..policies import load_profile
from ..referrals import actions
from ..register.marks import CODE_SETS, DEFAULT_CODE_SET, RegisterError
from .fields import code_set_field
from .pageforms import form_initial, page_form_class, page_patch

bp = Blueprint("bulk", __name__, url_prefix="/bulk-letters")
SCHOOL = ("office", "headteacher")
FLAGS = [("penalty_threshold", "Meets the penalty-notice threshold (unauthorised sessions in the last 10 school weeks)"),
         ("persistent", "Persistently absent (10% or more of sessions missed this school year)"),
         ("severe", "Severely absent (50% or more missed)")]
FILE_FIELDS = ("register", "pupils")


def _page(form_def) -> PageDef:
    return PageDef("letter", "The letter", None, tuple(bulk_letters.letter_fields(form_def)))


def _form_class(form_def) -> type[FlaskForm]:
    """The upload and filter questions, then the letter's own answers from its declaration (the same
    questions, and the same checks, as the single letter's last page)."""
    attrs = {
        "register": FileField("The school's register export", widget=GovFileInput(),
                              description="The file the whole-school screen reads, as CSV or Excel: a row for each "
                                          "mark (upn, date, session and code), or for each pupil and week."),
        "code_set": code_set_field("Which attendance codes does the register export use?"),
        "pupils": FileField("The pupils file", widget=GovFileInput(),
                            description="A CSV file with one row for each pupil: their details and each parent's or "
                                        "carer's name and address (the columns are listed above)."),
        "below": StringField("Attendance this school year below", widget=GovTextInput(),
                             description="A percentage, for example 90. Leave it empty to choose by the other "
                                         "filters only."),
        # The profile's own attendance bands (policies.Band), offered by _offer_bands when it names any.
        "band": RadioField("Or by your attendance policy's band", widget=GovRadioInput(), choices=[], default="",
                           validate_choice=False,
                           description="Attendance this school year, counted exactly in sessions, as the whole-school "
                                       "screen lists it."),
        "flags": SelectMultipleField("Or by the screen's thresholds", widget=GovCheckboxesInput(), choices=FLAGS,
                                     validate_choice=False),
        "match": RadioField("When more than one filter is chosen", widget=GovRadioInput(), default="all",
                            choices=[("all", "A letter goes to pupils who meet all of them"),
                                     ("any", "A letter goes to pupils who meet any of them")]),
    }
    if _has_meeting(form_def):
        attrs["slot_minutes"] = StringField("Minutes for each meeting", widget=GovTextInput(), default="15",
                                            description=f"From {bulk_letters.SLOT_MINUTES[0]} to "
                                                        f"{bulk_letters.SLOT_MINUTES[1]} minutes. Not needed if you "
                                                        "write the times in by hand.")
    base = page_form_class(f"bulk-{form_def.id}", _page(form_def))
    form_class = type(f"bulk-{form_def.id}-form", (base,), attrs)
    form_class.submit = SubmitField("Continue", widget=GovSubmitInput())
    return form_class


def _has_meeting(form_def) -> bool:
    return any(f.name == "meeting.time" for f in form_def.fields)


class ConfirmForm(FlaskForm):
    """Only the digest of the list shown: the list itself stays on the server (jobs.confirm)."""
    plan = HiddenField()


def _form_or_404(form_id: str):
    form_def = get_form(form_id)
    if (form_def is None or form_id not in bulk_letters.LETTERS
            or not actions.offered(form_def, current_user.user.school.la)):
        abort(404)
    return form_def


@bp.get("/")
@require_roles(*SCHOOL)
def index():
    offered = {f.id for f in actions.offered_forms(current_user.user.school.la)}
    letters = [get_form(i) for i in bulk_letters.LETTERS if i in offered]
    return render_template("bulk/index.html", title="Letters to many families", letters=letters,
                           titles={f.id: f.short_title for f in letters},
                           jobs=jobs.recent(current_user.user.school_id), columns=bulk_letters.columns_help())


@bp.route("/new/<form_id>", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def new(form_id: str):
    form_def = _form_or_404(form_id)
    page = _page(form_def)
    form_class = _form_class(form_def)
    if request.method == "GET":
        initial = {f.html_name: local_today() for f in page.fields if f.options.get("default") == "today"}
        changing = _changing(form_def)
        if changing is not None:  # "Change" on the list: the answers and filter as given, the files again
            initial = _initial_from(page, changing)
        return _show(form_def, _offer_bands(form_class(data=initial)), changing=changing is not None)
    form = _offer_bands(form_class())
    form.validate()  # CSRF and the date inputs; the declaration's schema judges the answers
    if "csrf_token" in form.errors:
        abort(400, "Your session has expired. Reload the page and try again.")
    problems: dict[str, list[str]] = {}
    answers = _answers(form_def, page, form, problems)
    criteria = _criteria(form, problems)
    slots = _slots(answers, form, problems)
    register_data = _upload(form.register, "Select the register export (a CSV file)",
                            current_app.config["MAX_SCHOOL_REGISTER_BYTES"], problems)
    pupils_data = _upload(form.pupils, "Select the pupils file (a CSV file)",
                          current_app.config["MAX_REGISTER_BYTES"], problems)
    code_set = form.code_set.data if form.code_set.data in CODE_SETS else DEFAULT_CODE_SET
    details = None
    if pupils_data is not None:
        try:
            details = bulk_letters.parse_details(pupils_data)
        except bulk_letters.BulkError as exc:
            problems.setdefault("pupils", []).extend(exc.messages[:10])
    if problems:
        if register_data is not None:  # its rows are named too, so every file is put right at once
            try:
                bulk_letters.read_register(register_data, code_set)
            except RegisterError as exc:
                problems.setdefault("register", []).extend(exc.messages[:10])
        return _show(form_def, form, problems, 422)
    try:  # planning reads the whole school's marks: counted before it starts
        quotas.take(current_user.user, quotas.HEAVY_JOB, field="register")
    except quotas.LimitReached as exc:
        return quotas.refused_page(_show(form_def, form, {"register": [exc.message]}), exc)
    school = current_user.user.school
    profile = _profile()
    try:
        plan = bulk_letters.plan_from_export(register_data, details, form_def, answers, criteria, profile,
                                             school=school.letterhead(), code_set=code_set,
                                             la={"name": school.la.name, "inbox": school.la.inbox_email},
                                             slots=slots)
    except RegisterError as exc:
        return _show(form_def, form, {"register": exc.messages[:10]}, 422)
    except bulk_letters.BulkError as exc:  # too many letters at once, or meetings past the end of the day
        for error in exc.errors:
            problems.setdefault(FIELD_OF.get(error["field"], error["field"].replace(".", "__")), []).append(
                error["message"])
        return _show(form_def, form, problems, 422)
    if not plan.selected:
        problems["below" if criteria.below is not None else "band" if criteria.band else "flags"] = [plan.why_nobody()]
        return _show(form_def, form, problems, 422)
    job = jobs.prepare(current_user.user, plan)
    return redirect(url_for("bulk.check", job_id=job.id))


FIELD_OF = {"filter": "flags"}  # a BulkError's field, as the page names its question


def _profile():
    return load_profile(current_user.user.school.la.policy_profile or current_app.config["POLICY_PROFILE"])


def _offer_bands(form):
    """The school's profile's attendance bands as choices (none: the question is not asked)."""
    bands = _profile().bands
    form.band.choices = [("", "Not by a band")] + [(b.id, b.label) for b in bands] if bands else []
    return form


def _changing(form_def):
    """The plan of the user's own pending list being changed (?change=<job id>), or None."""
    job_id = request.args.get("change", "")
    if not job_id.isdigit() or len(job_id) > 12:
        return None
    job = jobs.for_school(current_user.user.school_id, int(job_id))
    if job is None or job.status != "pending" or job.form_id != form_def.id or not job.plan:
        return None
    return bulk_letters.Plan.from_json(job.plan)


def _initial_from(page: PageDef, plan: bulk_letters.Plan) -> dict:
    initial = form_initial(page, plan.answers)
    criteria = plan.criteria
    initial.update(below=f"{criteria['below']:g}" if criteria.get("below") is not None else "",
                   band=criteria.get("band") or "",
                   flags=[name for name, _ in FLAGS if criteria.get(name)], match=criteria.get("match", "all"),
                   code_set=plan.code_set)
    if plan.slots.get("minutes"):
        initial["slot_minutes"] = str(plan.slots["minutes"])
    return initial


def _slots(answers: dict | None, form, problems: dict) -> bulk_letters.Slots:
    if answers is None or "slot_minutes" not in form:
        return bulk_letters.Slots()
    try:
        return bulk_letters.slots_of(answers, form.slot_minutes.data)
    except bulk_letters.BulkError as exc:
        for error in exc.errors:
            problems.setdefault(error["field"].replace(".", "__"), []).append(error["message"])
        return bulk_letters.Slots()


def _answers(form_def, page: PageDef, form, problems: dict) -> dict | None:
    for name, messages in form.errors.items():  # a date the page could not read
        if name != "csrf_token" and isinstance(messages, list):
            problems.setdefault(name, []).extend(m for m in messages if isinstance(m, str))
    patch = page_patch(page, form)
    try:
        return bulk_letters.check_answers(form_def, _without_empty(patch))
    except bulk_letters.BulkError as exc:
        for error in exc.errors:
            name = error["field"].replace(".", "__")
            if error["message"] not in problems.get(name, []):
                problems.setdefault(name, []).append(error["message"])
        return None


def _without_empty(patch: dict) -> dict:
    out = {}
    for key, value in patch.items():
        if isinstance(value, dict):
            value = _without_empty(value)
        if value not in (None, "", {}, []):
            out[key] = value
    return out


def _criteria(form, problems: dict) -> bulk_letters.Criteria | None:
    text = (form.below.data or "").strip().rstrip("%").strip()
    below = None
    if text:
        try:
            below = float(text)
        except ValueError:
            problems["below"] = ["Attendance below must be a number, like 90"]
            return None
    try:
        criteria = bulk_letters.Criteria(below=below, penalty_threshold="penalty_threshold" in (form.flags.data or []),
                                         persistent="persistent" in (form.flags.data or []),
                                         severe="severe" in (form.flags.data or []), match=form.match.data or "all",
                                         band=form.band.data or None)
        return criteria.checked(_profile())
    except bulk_letters.BulkError as exc:
        for error in exc.errors:
            field = error["field"] if error["field"] != "band" or form.band.choices else "flags"  # a question asked
            problems.setdefault({"filter": "flags"}.get(field, field), []).append(error["message"])
        return None


def _upload(field, missing: str, limit: int, problems: dict) -> bytes | None:
    upload = request.files.get(field.name)
    data = upload.read(limit + 1) if upload and upload.filename else b""
    if not data:
        problems[field.name] = [missing]
        return None
    if len(data) > limit:
        problems[field.name] = [f"The file must be smaller than {limit / (1024 * 1024):g} MB"]
        return None
    return data


def _show(form_def, form, problems: dict | None = None, status: int = 200, changing: bool = False):
    problems = problems or {}
    summary = []
    for name in form._fields:
        field = form[name]
        messages = problems.get(name) or []
        if messages:
            field.errors = list(messages)
            limit = 10 if name in FILE_FIELDS else 1
            summary += [{"text": m, "href": f"#{field.id}"} for m in messages[:limit]]
    asked = {f.name for f in form_def.fields}
    per_pupil = [(c.name, c.field) for c in bulk_letters.detail_columns() if c.path.startswith("figures.") and c.path in asked]
    return render_template("bulk/new.html", title=f"Letters to many families: {form_def.short_title}",
                           form_def=form_def, form=form, page=_page(form_def), summary=summary, per_pupil=per_pupil,
                           columns=bulk_letters.columns_help(), file_fields=FILE_FIELDS, changing=changing), status


def _job_or_404(job_id: int):
    job = jobs.for_school(current_user.user.school_id, job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/<id:job_id>/check", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def check(job_id: int):
    """Check the list before the letters are made (GOV.UK check answers): nothing is made until
    "Make N letters" is pressed, and then only for the list shown."""
    job = _job_or_404(job_id)
    if job.status != "pending" and request.method == "GET":
        return redirect(url_for("bulk.job", job_id=job.id))
    form = ConfirmForm()
    problem = None
    if request.method == "POST":
        if not form.validate_on_submit():  # the CSRF token
            abort(400, "Your session has expired. Reload the page and try again.")
        try:
            jobs.confirm(current_user.user, job, form.plan.data)
        except jobs.NotConfirmed as exc:
            if job.status != "pending" or not job.plan:
                abort(409, str(exc))
            problem = str(exc)
        else:
            runner.wake()
            return redirect(url_for("bulk.job", job_id=job.id))
    if job.status != "pending" or not job.plan or jobs.stale(job):
        abort(409, problem or "This list was made too long ago, so it may no longer be right. Upload the files "
                              "again to make a new list.")
    plan = bulk_letters.Plan.from_json(job.plan)
    form.plan.data = jobs.digest(job)
    form_def = get_form(job.form_id)
    criteria = bulk_letters.Criteria(**plan.criteria)
    families = plan.families()
    page = render_template("bulk/check.html", title=f"Check the letters: {form_def.short_title}", job=job,
                           form_def=form_def, plan=plan, families=families, criteria=criteria,
                           slots=bulk_letters.Slots(**plan.slots) if plan.slots else None,
                           skipped=_skipped_counts(plan), reasons=bulk_letters.SKIP_REASONS, form=form,
                           problem=problem, times={t: format_time(t) for t in {f["meeting_time"] for f in families}})
    return page, 409 if problem else 200


def _skipped_counts(plan: bulk_letters.Plan) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for row in plan.skipped:
        counts[row["reason_code"]] = counts.get(row["reason_code"], 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])


@bp.get("/<id:job_id>")
@require_roles(*SCHOOL)
def job(job_id: int):
    job = _job_or_404(job_id)
    if job.status == "pending":
        return redirect(url_for("bulk.check", job_id=job.id))
    runner.wake(job)
    return render_template("bulk/job.html", title=f"Letters: {get_form(job.form_id).short_title}", job=job,
                           form_def=get_form(job.form_id), progress=jobs.progress(job),
                           reasons=bulk_letters.SKIP_REASONS)


@bp.get("/<id:job_id>/progress.json")
@require_roles(*SCHOOL)
def progress(job_id: int):
    job = _job_or_404(job_id)
    runner.wake(job)
    body = jobs.progress(job)
    body["download"] = url_for("bulk.download", job_id=job.id) if job.status == "done" else None
    return body, 200, {"Cache-Control": "no-store"}


def _finished_zip(job_id: int):
    """(the school's finished job, its zip's bytes); 404 before it is done, 503 if storage cannot
    give the zip (gone, or the storage down: said, never a 500)."""
    job = _job_or_404(job_id)
    if job.status != "done" or not job.storage_key:
        abort(404)
    try:
        return job, storage.get(job.storage_key)
    except storage.StorageError:
        abort(503, "The letters could not be read from storage. Try again in a few minutes; if it keeps "
                   "happening, make them again or contact the service administrator.")


@bp.get("/<id:job_id>/letters.zip")
@require_roles(*SCHOOL)
def download(job_id: int):
    job, data = _finished_zip(job_id)
    record("bulk_letters_downloaded", user=current_user.user,
           detail={"job": job.id, "form_id": job.form_id, "letters": job.total, "sha256": job.sha256})
    db.session.commit()
    name = f"{job.form_id}-letters-B{job.id}.zip"
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/<id:job_id>/letters.pdf")
@require_roles(*SCHOOL)
def print_pdf(job_id: int):
    """All the letters in one PDF for printing, taken from the job's zip (one stored file, one
    retention); a job made before the zip held it has none (404)."""
    job, data = _finished_zip(job_id)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pdf = archive.read(bulk_letters.PRINT_PDF)
    except (zipfile.BadZipFile, KeyError):
        abort(404)
    record("bulk_letters_downloaded", user=current_user.user,
           detail={"job": job.id, "form_id": job.form_id, "letters": job.total, "file": bulk_letters.PRINT_PDF})
    db.session.commit()
    name = f"{job.form_id}-letters-B{job.id}-for-printing.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
