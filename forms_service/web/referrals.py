"""School office pages: start a referral, answer its question pages, upload the register and
evidence, check answers against the rules, and submit for the headteacher's sign-off."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from sqlalchemy.orm import selectinload
from wtforms import FileField, RadioField, SubmitField

from .. import storage
from ..access import quotas
from ..access.auth import get_visible_referral, require_roles, visible_referrals
from ..audit import record, trail as audit_trail
from ..delivery.outbox import delivery_status
from ..formatting import local_today
from ..formdefs import deep_merge, get_path, load_forms
from ..la import decisions as la_decisions, notices as la_notices, outcomes as la_outcomes
from ..models import Referral, db
from ..referrals import actions, documents
from ..referrals.evidence import safe_display_name
from ..roll import answers as roll_answers, search as roll_search
from ..security import DOCUMENT_POLICY
from ..storage import StorageError
from . import pupils as pupils_view
from .answers import RETURN_TO_CHECK, answer_rows, check_url, missing_list, return_place
from .fields import CsrfOnlyForm, code_set_field
from .pageforms import apply_schema_errors, error_list, form_initial, page_form_class, page_patch, without_answers

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
SCHOOL = ("office", "headteacher")


def _referral(referral_id: int) -> Referral:
    return get_visible_referral(current_user.user, referral_id)


def _editable_or_redirect(referral: Referral):
    if referral.status not in actions.EDITABLE_STATUSES:
        flash("This referral has been submitted and can no longer be changed.", "info")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    if (locked := actions.sent_lock(referral)) is not None:  # a letter recorded as sent (issue 18)
        flash(locked, "info")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    return None


@bp.get("/")
@require_roles(*SCHOOL)
def index():
    rows = db.session.scalars(visible_referrals(current_user.user).order_by(Referral.updated_at.desc())
                              .options(selectinload(Referral.sendings))).all()  # "Sent" tags: one query
    la = current_user.user.school.la
    profile = actions.profile_of(la)
    offered = actions.offered_forms(la, profile)
    # Where the profile sets out its pathway (issue 20: Knowsley's Levels, the trust's Appendix B1), its
    # stages come first, each with its forms; the groups below hold the rest.
    pathway = profile.pathway
    # A form named at several stages (Cardiff's letters of concern, Steps 1 and 2) is listed at the first.
    stages = [(stage, [f for f in offered if pathway.stage_of(f.id) is stage]) for stage in pathway.stages] \
        if pathway else []
    staged = {f.id for _, forms in stages for f in forms}
    forms = [f for f in offered if f.id not in staged]
    # From a pupil list or a screen's row: every "start" link carries the pupil (issue 18).
    pupil = roll_search.get(current_user.user.school_id, request.args.get("pupil"))
    return render_template("referrals/index.html", title="Referrals", referrals=rows, pupil=pupil,
                           pathway=pathway, stages=stages, issued_here=[f.id for f in offered if not f.sends_to_la],
                           forms=[f for f in forms if f.sends_to_la],
                           letters=[f for f in forms if f.kind == "letter"],
                           others=[f for f in forms if not f.sends_to_la and f.kind != "letter"])


class StartForm(FlaskForm):
    # Whom it is about (issue 18: pupils entered once): one of the school's pupils, whose details and
    # parents fill the first answers, or "" for a blank form. Choices are set per request.
    pupil = RadioField("Who is it about?", widget=GovRadioInput(), choices=[("", "")], default="",
                       validate_choice=False)
    submit = SubmitField("Start now", widget=GovSubmitInput())


BLANK = "Someone not listed: type the child's details"


@bp.route("/new/<form_id>", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def new(form_id: str):
    form_def = load_forms().get(form_id)
    if form_def is None or form_def.kind not in actions.KINDS or not actions.offered(form_def, current_user.user.school.la):
        abort(404)
    school_id = current_user.user.school_id
    chosen = roll_search.get(school_id, request.values.get("pupil"))
    query, found, query_error = pupils_view.found(request.args.get("q")) if request.args.get("q") else ("", [], None)
    listed = ([chosen] if chosen else []) + [p for p in found if not chosen or p.id != chosen.id]
    start = StartForm(data={"pupil": chosen.id if chosen else ""} if request.method == "GET" else None)
    start.pupil.choices = [(p.id, p.name) for p in listed] + [("", BLANK)]
    if start.validate_on_submit():
        wanted = start.pupil.data or ""
        pupil = roll_search.get(school_id, wanted) if wanted else None
        if wanted and pupil is None:
            start.pupil.errors = ["Select a pupil from the list, or choose to type the child's details"]
        else:
            referral = (roll_answers.start(current_user.user, form_id, pupil) if pupil
                        else actions.create(current_user.user, form_id))
            return redirect(url_for("referrals.page", referral_id=referral.id, page_id=form_def.pages[0].id))
    status = 422 if request.method == "POST" or query_error else 200
    return render_template("referrals/start.html", title=form_def.title, form_def=form_def, form=start, listed=listed,
                           blank=BLANK, query=query, query_error=query_error, searched=bool(request.args.get("q"))), \
        status


def _next_url(referral: Referral, page_id: str) -> str:
    form_def = actions.form_of(referral)
    ids = [p.id for p in form_def.pages]
    index = ids.index(page_id)
    if index + 1 < len(ids):
        return url_for("referrals.page", referral_id=referral.id, page_id=ids[index + 1])
    if form_def.uses_register:
        return url_for("referrals.register", referral_id=referral.id)
    return url_for("referrals.letter", referral_id=referral.id)


def _after_register_url(referral: Referral) -> str:
    """A referral goes on to its evidence; a letter (or plan) to the page that checks and downloads it."""
    if actions.form_of(referral).sends_to_la:
        return url_for("referrals.evidence", referral_id=referral.id)
    return url_for("referrals.letter", referral_id=referral.id)


@bp.route("/<id:referral_id>/pages/<page_id>", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def page(referral_id: int, page_id: str):
    referral = _referral(referral_id)
    if (stop := _editable_or_redirect(referral)) is not None:
        return stop
    form_def = actions.form_of(referral)
    page_def = form_def.page(page_id)
    if page_def is None:
        abort(404)
    form_class = page_form_class(form_def.id, page_def)
    # From a Change link on check your answers: a valid save goes back there (GOV.UK's pattern).
    back_to = return_place(request.args.get("return"))
    if request.method == "GET":
        initial = form_initial(page_def, referral.data or {})
        for f in page_def.fields:  # "default": "today" in the declaration
            if f.options.get("default") == "today" and not get_path(referral.data or {}, f.name):
                initial[f.html_name] = local_today()
        form = form_class(data=initial)
        for f in page_def.fields:  # an empty list page starts with one blank block to fill in
            if f.type == "list" and f.options.get("min_items", 0) > 0 and not form[f.html_name].entries:
                form[f.html_name].append_entry()
        return _render_page(referral, form_def, page_def, form, back_to=back_to)

    form = form_class()
    form.validate()  # CSRF and date parsing; the declaration's schema judges the answers
    if "csrf_token" in form.errors:
        abort(400, "Your session has expired. Reload the page and try again.")
    # "Add another" / "Remove" buttons re-show the page with the answers kept.
    for f in page_def.fields:
        if f.type != "list":
            continue
        entries = form[f.html_name]
        if f"add-{f.html_name}" in request.form:
            if len(entries.entries) < f.options.get("max_items", 50):
                entries.append_entry()
            _save_quietly(referral, page_def, form)
            return _render_page(referral, form_def, page_def, form, focus=f"{f.html_name}-{len(entries.entries) - 1}",
                                back_to=back_to)
        for i in range(len(entries.entries)):
            if f"remove-{f.html_name}-{i}" in request.form:
                del entries.entries[i]
                entries.last_index = len(entries.entries) - 1
                _save_quietly(referral, page_def, form)
                return _render_page(referral, form_def, page_def, form, back_to=back_to)

    patch = page_patch(page_def, form)
    date_errors = {name: errs for name, errs in form.errors.items() if name != "csrf_token"}
    later = request.form.get("then") == "later"
    expected_version = request.form.get("version", type=int)
    try:
        if date_errors:
            # A date the page could not read: save nothing, but still report every other answer.
            actions.validate_draft(form_def, deep_merge(referral.data or {}, patch))
        else:
            actions.update(current_user.user, referral, patch, expected_version=expected_version)
    except actions.ActionError as exc:
        if exc.status == 409:
            return _conflict(referral, form_def, page_def, form, exc, back_to)
        db.session.rollback()
        apply_schema_errors(page_def, form, exc.errors)
        if later:
            return _save_what_is_valid(referral, form_def, page_def, form, patch, expected_version, back_to)
        return _render_page(referral, form_def, page_def, form, back_to=back_to), 422
    if date_errors:
        if later:
            return _save_what_is_valid(referral, form_def, page_def, form, patch, expected_version, back_to)
        return _render_page(referral, form_def, page_def, form, back_to=back_to), 422
    if later:
        flash("Your answers have been saved. You can come back to this request at any time.", "success")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    if back_to == RETURN_TO_CHECK:  # back where the Change link was: the page's answers on the check page
        return redirect(check_url(referral, anchor=f"answers-{page_id}"))
    return redirect(_next_url(referral, page_id))


def _conflict(referral: Referral, form_def, page_def, form, exc: actions.ActionError, back_to: str | None):
    """Keep what this user typed: show it again with the warning, against the latest version, so
    saving once more is a deliberate choice and nothing is lost."""
    db.session.rollback()
    db.session.refresh(referral)
    return _render_page(referral, form_def, page_def, form, conflict=exc.message, back_to=back_to), 409


def _save_what_is_valid(referral: Referral, form_def, page_def, form, patch: dict, expected_version: int | None,
                        back_to: str | None):
    """Save and come back later with some answers wrong: the valid ones are saved, the wrong ones
    are not (their saved answers stay as they were), and the page comes back saying which were not
    saved and why, with everything typed still in it. A wrong list is left out whole: a list saved
    without one of its items would lose that item from the saved answers without a word."""
    bad = {f.name for f in page_def.fields if form[f.html_name].errors}
    saved = False
    # Leaving an answer out can make another fail (a date checked against one kept as saved): each
    # round leaves out the newly failing ones too, so at most one round per question on the page.
    for _ in range(len(page_def.fields) + 1):
        kept = without_answers(patch, bad)
        if not kept:
            break
        try:
            actions.update(current_user.user, referral, kept, expected_version=expected_version)
        except actions.ActionError as exc:
            if exc.status == 409:
                return _conflict(referral, form_def, page_def, form, exc, back_to)
            db.session.rollback()
            apply_schema_errors(page_def, form, exc.errors)
            failing = {f.name for f in page_def.fields if form[f.html_name].errors} - bad
            if not failing:  # an error this page cannot show: save nothing rather than guess
                break
            bad |= failing
        else:
            saved = True
            break
    return _render_page(referral, form_def, page_def, form, back_to=back_to, not_saved=True, saved_some=saved), 422


def _save_quietly(referral: Referral, page_def, form) -> None:
    """Keep what has been typed when the page is re-shown for add/remove (if it is valid so far)."""
    try:
        actions.update(current_user.user, referral, page_patch(page_def, form))
    except actions.ActionError:
        db.session.rollback()


def _render_page(referral, form_def, page_def, form, focus: str | None = None, conflict: str | None = None,
                 back_to: str | None = None, not_saved: bool = False, saved_some: bool = False):
    ids = [p.id for p in form_def.pages]
    index = ids.index(page_def.id)
    if back_to == RETURN_TO_CHECK:
        back = check_url(referral)
    elif index:
        back = url_for("referrals.page", referral_id=referral.id, page_id=ids[index - 1])
    else:
        back = url_for("referrals.show", referral_id=referral.id)
    # Posted to the page's own address without the Change link's #field: a browser would carry that
    # fragment to the answer (taking focus from the error summary) and on through the redirect.
    action = url_for("referrals.page", referral_id=referral.id, page_id=page_def.id,
                     **({"return": back_to} if back_to else {}))
    return render_template("referrals/page.html", title=page_def.title, referral=referral, form_def=form_def,
                           page=page_def, form=form, back=back, focus=focus, conflict=conflict, action=action,
                           errors=error_list(page_def, form), not_saved=not_saved, saved_some=saved_some,
                           step=index + 1, steps=len(ids) + 3)


class RegisterForm(FlaskForm):
    file = FileField("Upload the pupil's register marks", widget=GovFileInput(),
                     description="Your MIS's export, as CSV or Excel: a row for each mark (date, session and "
                                 "code, for example 02/03/2026, AM, G), or a row for each week (week commencing, "
                                 "then Mon AM to Fri PM), as a registration certificate prints them.")
    code_set = code_set_field("Which attendance codes does the file use?")
    submit = SubmitField("Upload register", widget=GovSubmitInput())


@bp.route("/<id:referral_id>/register", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def register(referral_id: int):
    referral = _referral(referral_id)
    if (stop := _editable_or_redirect(referral)) is not None:
        return stop
    form = RegisterForm()
    if request.method == "POST" and "remove" in request.form:
        if CsrfOnlyForm().validate_on_submit():
            actions.update(current_user.user, referral, {}, register=None)
            flash("The register marks have been removed.", "success")
        return redirect(url_for("referrals.register", referral_id=referral.id))
    if form.validate_on_submit():
        upload = request.files.get("file")
        if not upload or not upload.filename:
            form.file.errors = ["Select the register file"]
        else:
            data = upload.read()
            limit = current_app.config["MAX_REGISTER_BYTES"]
            try:
                quotas.take(current_user.user, quotas.UPLOAD, field="file")
                if len(data) > limit:
                    raise actions.ActionError("The register is too large", errors={"register": [
                        f"The file must be smaller than {limit / (1024 * 1024):g} MB: split it into smaller files"]})
                stored = actions.parse_register(data, code_set=form.code_set.data,
                                                filename=safe_display_name(upload.filename))
                actions.update(current_user.user, referral, {}, register=stored)
            except actions.ActionError as exc:
                form.file.errors = _register_messages(exc)
            except quotas.LimitReached as exc:
                form.file.errors = [exc.message]
                return quotas.refused_page(_register_page(referral, form), exc)
            else:
                flash(f"{len(stored['sessions'])} register marks uploaded.", "success")
                return redirect(_after_register_url(referral))
        return _register_page(referral, form), 422
    return _register_page(referral, form)


def _register_page(referral: Referral, form):
    return render_template("referrals/register.html", title="Register marks", referral=referral, form=form,
                           form_def=actions.form_of(referral), next_url=_after_register_url(referral))


def _register_messages(exc: actions.ActionError) -> list[str]:
    messages = exc.errors.get("register") or [exc.message]
    out = []
    for m in messages:
        out.append(m["message"] if isinstance(m, dict) else str(m))
    return out[:20]


class EvidenceForm(FlaskForm):
    kind = RadioField("What is this document?", widget=GovRadioInput(), validate_choice=True,
                      choices=[])
    file = FileField("Upload a file", widget=GovFileInput(), description="PDF, JPG or PNG, smaller than 10 MB")
    submit = SubmitField("Upload", widget=GovSubmitInput())


@bp.route("/<id:referral_id>/evidence", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def evidence(referral_id: int):
    referral = _referral(referral_id)
    if (stop := _editable_or_redirect(referral)) is not None:
        return stop
    form_def = actions.form_of(referral)
    form = EvidenceForm()
    form.kind.choices = [(e["kind"], e["label"]) for e in form_def.evidence]
    status = 200
    if request.method == "POST" and request.form.get("remove"):
        if CsrfOnlyForm().validate_on_submit():
            try:
                actions.remove_evidence(current_user.user, referral, int(request.form["remove"]))
            except (actions.ActionError, ValueError):
                abort(404)
            flash("The file has been removed.", "success")
        return redirect(url_for("referrals.evidence", referral_id=referral.id))
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload = request.files.get("file")
            if not upload or not upload.filename:
                form.file.errors = ["Select a file to upload"]
            else:
                try:
                    actions.attach_evidence(current_user.user, referral, form.kind.data, upload.filename, upload.read())
                except actions.ActionError as exc:
                    form.file.errors = exc.errors.get("file") or exc.errors.get("kind") or [exc.message]
                except StorageError:
                    form.file.errors = ["The file could not be saved. Try again later."]
                except quotas.LimitReached as exc:
                    form.file.errors = [exc.message]
                    return quotas.refused_page(_evidence_page(referral, form_def, form), exc)
                else:
                    flash("File uploaded.", "success")
                    return redirect(url_for("referrals.evidence", referral_id=referral.id))
        elif not form.kind.data:
            form.kind.errors = ["Select what the document is"]
    return _evidence_page(referral, form_def, form), status


def _evidence_page(referral: Referral, form_def, form) -> str:
    return render_template("referrals/evidence.html", title="Evidence to enclose", referral=referral,
                           form_def=form_def, form=form)


class SubmitForm(FlaskForm):
    submit = SubmitField("Submit for headteacher sign-off", widget=GovSubmitInput())


@bp.get("/<id:referral_id>/check")
@require_roles(*SCHOOL)
def check(referral_id: int):
    referral = _referral(referral_id)
    if not actions.form_of(referral).sends_to_la:
        return redirect(url_for("referrals.letter", referral_id=referral.id))
    return _check_page(referral)


def _check_page(referral: Referral, status: int = 200):
    form_def = actions.form_of(referral)
    result = actions.verdict(referral)
    missing = actions.missing_answers(referral)
    return render_template("referrals/check.html", title="Check your answers", referral=referral,
                           form_def=form_def, verdict=result.to_dict(), missing=missing,
                           rows=answer_rows(referral, return_to=RETURN_TO_CHECK), form=SubmitForm(),
                           missing_items=missing_list(referral, missing, RETURN_TO_CHECK),
                           filled=actions.figures_from_register(referral),
                           editable=referral.status in actions.EDITABLE_STATUSES,
                           sent_back=actions.sent_back(referral)), status


@bp.post("/<id:referral_id>/submit")
@require_roles(*SCHOOL)
def submit(referral_id: int):
    referral = _referral(referral_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400, "Your session has expired. Reload the page and try again.")
    try:
        actions.submit(current_user.user, referral)
    except actions.ActionError as exc:
        if exc.status != 422:
            flash(exc.message, "info")
            return redirect(url_for("referrals.show", referral_id=referral.id))
        return _check_page(referral, 422)
    flash(f"{referral.reference} has been sent to the headteacher for sign-off.", "success")
    return redirect(url_for("referrals.show", referral_id=referral.id))


@bp.get("/<id:referral_id>/letter")
@require_roles(*SCHOOL)
def letter(referral_id: int):
    """Check a letter's (agreement's, plan's) answers, then download it: one file per parent a
    letter is addressed to."""
    referral = _referral(referral_id)
    form_def = actions.form_of(referral)
    if form_def.sends_to_la:
        return redirect(url_for("referrals.check", referral_id=referral.id))
    missing, result = actions.ready_to_issue(referral)
    data = actions.working_data(referral)
    downloads = [{"doc": doc, "to": [(index, _recipient_name(data, index)) for index in documents.recipients(doc, data)]}
                 for doc in form_def.documents_for(data)]
    return render_template("referrals/letter.html", title=form_def.title, referral=referral, form_def=form_def,
                           verdict=result.to_dict(), missing=missing, rows=answer_rows(referral, return_to=RETURN_TO_CHECK),
                           missing_items=missing_list(referral, missing, RETURN_TO_CHECK),
                           ready=not missing and result.eligible, downloads=downloads,
                           filled=actions.figures_from_register(referral))


def _recipient_name(data: dict, index: int | None) -> str:
    if index is None:
        return ""
    return (data.get("parents") or [{}])[index].get("name", f"Parent {index + 1}")


@bp.get("/<id:referral_id>/letter/<doc_id>.<fmt>")
@require_roles(*SCHOOL)
def letter_file(referral_id: int, doc_id: str, fmt: str):
    referral = _referral(referral_id)
    form_def = actions.form_of(referral)
    doc = next((d for d in form_def.documents if d["id"] == doc_id), None)
    if form_def.sends_to_la or doc is None or fmt not in ("pdf", "docx"):
        abort(404)
    if doc not in form_def.documents_for(actions.working_data(referral)):
        abort(409, f"The {doc['title']} is produced once its answers are given.")
    missing, result = actions.ready_to_issue(referral)
    if missing or not result.eligible:
        abort(409, "Complete the letter's answers first: it is only produced when nothing is missing.")
    data = actions.working_data(referral)
    allowed = documents.recipients(doc, data)
    to = request.args.get("to", type=int)
    index = None if to is None else to - 1
    if index not in allowed:
        abort(404)
    name, mimetype, content = documents.render_letter(referral, doc, fmt, index, result.to_dict())
    record("letter_downloaded", user=current_user.user, referral=referral,
           detail={"document": doc_id, "format": fmt, "recipient": to})
    db.session.commit()
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/<id:referral_id>")
@require_roles(*SCHOOL)
def show(referral_id: int):
    referral = _referral(referral_id)
    events = audit_trail(referral, current_user.user)  # a school's page: names and roles, no address or IP
    return render_template("referrals/show.html", title=f"Referral {referral.reference}", referral=referral,
                           form_def=actions.form_of(referral), delivery=delivery_status(referral), events=events,
                           rows=answer_rows(referral), timeline=actions.timeline(referral, local_today()),
                           la_return=la_decisions.latest_return(referral), sent_back=actions.sent_back(referral),
                           decisions=la_decisions.decisions_view(referral),
                           outcomes=la_outcomes.outcomes_view(referral),
                           notices=[la_notices.as_json(n) for n in la_notices.issued(referral)],
                           checklist={c["id"]: c["label"] for c in la_decisions.checklist(referral)})


@bp.get("/<id:referral_id>/preview")
def preview(referral_id: int):
    referral = _viewer_referral(referral_id)
    record("preview_viewed", user=current_user.user, referral=referral, detail={"format": "html"})
    db.session.commit()
    return Response(documents.preview_html(referral, actions.verdict(referral).to_dict()), mimetype="text/html",
                    headers={"Content-Security-Policy": DOCUMENT_POLICY})


@bp.get("/<id:referral_id>/preview.pdf")
def preview_pdf(referral_id: int):
    referral = _viewer_referral(referral_id)
    record("preview_viewed", user=current_user.user, referral=referral, detail={"format": "pdf"})
    db.session.commit()
    pdf = documents.preview_pdf(referral, actions.verdict(referral).to_dict())
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{referral.reference}-draft.pdf"'})


def _viewer_referral(referral_id: int) -> Referral:
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role not in SCHOOL:
        abort(403)
    return _referral(referral_id)


@bp.get("/<id:referral_id>/evidence/<id:evidence_id>")
@require_roles(*SCHOOL)
def evidence_file(referral_id: int, evidence_id: int):
    referral = _referral(referral_id)
    item = next((e for e in referral.evidence if e.id == evidence_id), None)
    if item is None:
        abort(404)
    try:
        data = storage.get(item.storage_key)
    except StorageError:  # gone, or the storage down: the error page, and no "viewed" event
        abort(503, "This file could not be read from storage. Try again in a few minutes; if it keeps "
                   "happening, contact the service administrator.")
    record("evidence_viewed", user=current_user.user, referral=referral, detail={"kind": item.kind})
    db.session.commit()
    return Response(data, mimetype=item.content_type,
                    headers={"Content-Disposition": f'attachment; filename="evidence-{item.kind}{_ext(item.content_type)}"'})


def _ext(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(content_type, "")
