"""LA officer pages: the packs sent to their LA, one pack's files, and downloads (audited); the
seed form's checklist ticks and the decision (accept, or return to the school with reasons)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import storage
from ..access.auth import get_visible_referral, require_roles
from ..audit import record
from ..delivery.outbox import DeliveryStateError, delivery_status, resend_latest_pack
from ..formatting import format_date, initials, local_today
from ..formdefs import get_form
from ..la import (decisions as la_decisions, ewo_letters, inbox, notice_documents, notices as la_notices,
                  outcomes as la_outcomes, reviews)
from ..models import Referral, data_as_signed, db
from ..referrals import changes, seal
from ..rules.titles import title as rule_title
from .answers import answer_rows
from .fields import CsrfOnlyForm

bp = Blueprint("la", __name__)


# The filter form's fields in the order the error summary lists them (ids of the inputs they link to).
FILTER_FIELDS = (("school", "school"), ("form", "form"), ("status", "status"), ("date_field", "date_field"),
                 ("from", "from-day"), ("to", "to-day"))


@bp.get("/la/referrals")
@require_roles("la_officer", "admin")
def index():
    """The inbox, filtered by a GET form (GOV.UK pattern): school, form, status, and a date range on the
    signed or decided date. A bad value is shown as an error on its field (400), never a 500."""
    user = current_user.user
    args = request.args
    dates = {name: inbox.date_from_parts("The start date" if name == "from" else "The end date",
                                         args.get(f"{name}-day", ""), args.get(f"{name}-month", ""),
                                         args.get(f"{name}-year", "")) for name in ("from", "to")}
    filters = inbox.parse(user, args, dates=dates)
    rows = db.session.scalars(inbox.query(user, filters).order_by(Referral.updated_at.desc()).limit(500)).all()
    errors = filters.errors
    error_list = [{"text": errors[name][0], "href": f"#{anchor}"} for name, anchor in FILTER_FIELDS if errors.get(name)]
    values = {"school": args.get("school", ""), "form": args.get("form", ""), "status": args.get("status", ""),
              "date_field": args.get("date_field", "signed") or "signed",
              **{f"{n}-{p}": args.get(f"{n}-{p}", "") for n in ("from", "to") for p in ("day", "month", "year")}}
    schools = inbox.school_choices(user)
    forms = inbox.form_choices(user)
    statuses = inbox.status_choices(user)
    return render_template(
        "la/index.html", title="Referrals received", referrals=rows, get_form=get_form, filters=filters,
        errors=errors, error_list=error_list, values=values,
        school_items=[{"value": "", "text": "All schools"}] + [
            {"value": str(x.id), "text": x.name, "selected": values["school"] == str(x.id)} for x in schools],
        form_items=[{"value": "", "text": "All forms"}] + [
            {"value": x.id, "text": x.short_title, "selected": values["form"] == x.id} for x in forms],
        status_items=[{"value": "", "text": "Any status"}] + [
            {"value": x, "text": inbox.STATUS_LABELS.get(x, x), "selected": values["status"] == x} for x in statuses],
        date_field_items=[{"value": k, "text": v, "checked": values["date_field"] == k}
                          for k, v in inbox.DATE_FIELDS.items()],
        date_items={n: date_input_items(values, n, bool(errors.get(n))) for n in ("from", "to")},
        certificate=seal.credentials(current_app.config)), \
        (400 if errors else 200)


def date_input_items(values: dict, name: str, error: bool) -> list[dict]:
    """The three boxes of a GOV.UK date input, keeping what was typed."""
    err = " govuk-input--error" if error else ""
    return [{"name": part, "classes": f"govuk-input--width-{width}{err}", "value": values.get(f"{name}-{part}", "")}
            for part, width in (("day", 2), ("month", 2), ("year", 4))]


@bp.get("/la/referrals/<id:referral_id>")
@require_roles("la_officer", "admin")
def show(referral_id: int):
    referral = get_visible_referral(current_user.user, referral_id)
    record("pack_viewed", user=current_user.user, referral=referral)
    db.session.commit()
    return referral_page(referral)


# Field names of the decision form in the order the error summary lists them.
DECISION_FIELDS = ("decision", "reasons", "rule_ids", "check_ids")


# The issue-a-notice form's fields in the order the error summary lists them (ids they link to); the
# last six are the Education Welfare Officer's letters' (la/ewo_letters.py).
NOTICE_FIELDS = (("kind", "issue-kind"), ("parent", "issue-parent"), ("issued_on", "issue-date-day"),
                 ("review_on", "issue-review-day"), ("attendance_pct", "issue-attendance-pct"),
                 ("attendance_period", "issue-attendance-period"), ("meeting_on", "issue-meeting-day"),
                 ("meeting_time", "issue-meeting-time"), ("meeting_place", "issue-meeting-place"))
# What the officer reads beside each choice of notice or letter.
NOTICE_KIND_HINTS = {
    "notice_to_improve": "A final opportunity to improve attendance, with an improvement period (not for leave of "
                         "absence)",
    "penalty_notice": "The amounts follow the parent's earlier notices for this child",
    "initial_warning": "At the outset of casework: the parent's responsibilities and the possible legal consequences",
    "ews_final_warning": "Where attendance fails to improve: legal action may be started. Give the review date below.",
    "pre_court_invitation": "After a Final Warning's review date without improvement. Give the meeting's date, time "
                            "and place below.",
}


def referral_page(referral, *, errors: dict | None = None, values: dict | None = None, status: int = 200,
          outcome_errors: dict | None = None, outcome_values: dict | None = None,
          notice_errors: dict | None = None, notice_rules: list | None = None, notice_values: dict | None = None):
    errors = errors or {}
    notice_errors = notice_errors or {}
    notice_rules = notice_rules or []
    notice_values = notice_values or {}
    outcome_errors = outcome_errors or {}
    outcome_values = outcome_values or {}
    values = values or {"decision": None, "reasons": "", "rule_ids": [], "check_ids": []}
    checks = la_decisions.checks_view(referral)
    rules = la_decisions.rule_labels(referral)
    can_decide = current_user.role == "la_officer" and referral.status == la_decisions.DECIDABLE
    error_list = [{"text": errors[name][0], "href": f"#{name}"} for name in DECISION_FIELDS if errors.get(name)]
    posted_kind = outcome_values.get("kind")
    error_list += [{"text": message, "href": f"#{_outcome_anchor(posted_kind, name)}"}
                   for name in la_outcomes.FIELDS for message in outcome_errors.get(name, ())[:1]]
    error_list += [{"text": message, "href": f"#{anchor}"} for name, anchor in NOTICE_FIELDS
                   for message in notice_errors.get(name, ())]
    error_list += [{"text": rule["reason"], "href": "#issue-kind"} for rule in notice_rules]
    can_record = current_user.role == "la_officer" and referral.status == la_outcomes.RECORDABLE
    parents = la_outcomes.parent_names(referral)
    signed = data_as_signed(referral)
    return render_template(
        "la/show.html", title=f"Referral {referral.reference}", referral=referral,
        form_def=get_form(referral.form_id), pack=referral.latest_pack, delivery=delivery_status(referral),
        changes=changes.from_previous_version(referral, referral.latest_pack) if referral.latest_pack else None,
        # The child by initials at the top of the page, as the pack's email names them; the name is in the answers.
        pupil=initials(signed.get("pupil") or {}),
        rows=answer_rows(referral, signed), checks=checks, can_decide=can_decide,
        decisions=la_decisions.decisions_view(referral), errors=errors, error_list=error_list, values=values,
        check_items=[{"value": c["id"], "text": c["label"], "checked": c["checked"],
                      "hint": {"text": f"Ticked by {c['by']}"} if c["checked"] else None} for c in checks],
        rule_items=[{"value": rule_id, "text": rule_title(rule_id), "hint": {"text": reason} if reason else None,
                     "checked": rule_id in values["rule_ids"]} for rule_id, reason in rules.items()],
        concern_items=[{"value": c["id"], "text": c["label"], "checked": c["id"] in values["check_ids"]}
                       for c in checks],
        year_end_review=reviews.review_due(referral, local_today()), reviews_required=reviews.required(referral),
        nti_in_law=la_notices.notice_to_improve_in_law(referral),
        outcomes=la_outcomes.outcomes_view(referral), can_record=can_record, outcome_errors=outcome_errors,
        outcome_values=outcome_values, posted_kind=posted_kind, parents=parents,
        notices=[la_notices.as_json(n) for n in la_notices.issued(referral)], notice_errors=notice_errors,
        notice_rules=notice_rules, notice_values=notice_values,
        # Where the LA's law has no Notice to Improve (Wales) it is not offered; the letters, where the LA's
        # profile lists them (`la_letters`).
        notice_kind_items=[{"value": k,
                            "text": notice_documents.TITLES[k] if k != "penalty_notice" else "Penalty notice",
                            "checked": notice_values.get("kind") == k, "hint": {"text": NOTICE_KIND_HINTS[k]}}
                           for k in la_notices.kinds_offered(referral)],
        letters_offered=ewo_letters.offered(referral),
        notice_parent_items=[{"value": p, "text": p, "checked": notice_values.get("parent") == p} for p in parents],
        notice_date_items=_date_items(notice_values, "date", bool(notice_errors.get("issued_on"))),
        review_date_items=_date_items(notice_values, "review", bool(notice_errors.get("review_on"))),
        meeting_date_items=_date_items(notice_values, "meeting", bool(notice_errors.get("meeting_on"))),
        grounds_items=[{"value": k, "text": v, "checked": posted_kind == "status"
                        and outcome_values.get("grounds") == k} for k, v in la_outcomes.WITHDRAWAL_GROUNDS.items()],
        open_notices=la_outcomes.open_notices(referral), ppm_outcomes=la_outcomes.PPM_OUTCOME_LABELS,
        kind_labels=la_outcomes.KIND_LABELS,
        ppm_items=[{"value": k, "text": v, "checked": posted_kind == "ppm_held" and outcome_values.get("ppm_outcome") == k}
                   for k, v in la_outcomes.PPM_OUTCOME_LABELS.items()],
        notice_items=[{"value": "", "text": "Choose a notice"}] + [
            {"value": n.notice_reference, "text": f"{n.notice_reference} ({n.parent_name}, issued "
                                                  f"{format_date(n.occurred_on)})",
             "selected": posted_kind == "status" and outcome_values.get("notice") == n.notice_reference}
            for n in la_outcomes.open_notices(referral)],
        status_kind_items=[{"value": k, "text": la_outcomes.STATUS_CHOICES[k],
                            "checked": posted_kind == "status" and outcome_values.get("status_kind") == k}
                           for k in la_outcomes.NOTICE_STATUSES]), status


# Each outcome's own form on the page names its inputs with a prefix; the rest is the notice-status form.
OUTCOME_PREFIXES = {"penalty_notice_issued": "pn", "ppm_held": "ppm", "notice_to_improve": "nti",
                    "year_end_review": "yer"}


def _date_items(values: dict, prefix: str, error: bool) -> list[dict]:
    """A date input's three boxes in the issue form, keeping what was typed (`values["<prefix>-day"]` ...)."""
    return [{"name": part, "classes": f"govuk-input--width-{w}" + (" govuk-input--error" if error else ""),
             "value": values.get(f"{prefix}-{part}", "")} for part, w in (("day", 2), ("month", 2), ("year", 4))]


def _outcome_anchor(kind: str | None, name: str) -> str:
    """The id of the input an outcome error links to (each outcome has its own form on the page)."""
    prefix = OUTCOME_PREFIXES.get(kind, "status")
    if name == "date":
        return f"{prefix}-date-day"
    if name == "notices":
        return "pn-notices"
    if name == "kind" and prefix == "status":
        return "status-kind"
    if name == "grounds":
        return "status-grounds"
    return f"{prefix}-{name.replace('_', '-')}"


@bp.post("/la/referrals/<id:referral_id>/outcomes")
@require_roles("la_officer")
def outcomes(referral_id: int):
    referral = posted_referral(referral_id)
    form = request.form
    kind = form.get("kind") or None
    prefix = OUTCOME_PREFIXES.get(kind, "status")
    parts = {p: form.get(f"{prefix}-date-{p}", "") for p in ("day", "month", "year")}
    day = inbox.date_from_parts("The date", parts["day"], parts["month"], parts["year"])
    body = {"kind": kind, "notes": form.get(f"{prefix}-notes", "")}
    values = {"kind": kind, "notes": body["notes"], **{f"date-{p}": v for p, v in parts.items()}}
    date_error = day if isinstance(day, str) else None
    body["date"] = day if not isinstance(day, str) else None
    if kind == "penalty_notice_issued":
        # One reference box per parent named on the referral; a parent left blank gets no notice.
        refs = {name: form.get(f"pn-reference-{i}", "").strip() for i, name in enumerate(la_outcomes.parent_names(referral))}
        values["references"] = refs
        body["notices"] = [{"parent_name": name, "reference": ref} for name, ref in refs.items() if ref]
    elif kind == "ppm_held":
        body["ppm_outcome"] = form.get("ppm-outcome") or None
        values["ppm_outcome"] = body["ppm_outcome"]
    elif kind not in OUTCOME_PREFIXES:
        body["kind"] = kind = form.get("status-kind") or None
        values["kind"] = "status"
        values["status_kind"] = kind
        body["notice"] = form.get("status-notice") or None
        values["notice"] = body["notice"]
        if kind == "penalty_notice_withdrawn":
            body["grounds"] = values["grounds"] = form.get("status-grounds") or None
    try:
        la_outcomes.record_outcome(current_user.user, referral, body, date_error=date_error)
    except la_decisions.ActionError as exc:
        if exc.status != 422:
            return refused(exc, referral)
        db.session.rollback()
        return referral_page(referral, outcome_errors=exc.errors, outcome_values=values, status=422)
    flash(f"{la_outcomes.KIND_LABELS.get(kind, 'The outcome')} has been recorded.", "success")
    return redirect(url_for("la.show", referral_id=referral.id, _anchor="outcomes"))


def posted_referral(referral_id: int):
    """The referral for an officer's POST, once the form's CSRF token is checked (400 if not)."""
    referral = get_visible_referral(current_user.user, referral_id)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400, "Your session has expired or the form was not sent from this service. Reload the page and try again.")
    return referral


def refused(exc, referral):
    """A refused LA action as the page answers it: 403/404 as errors, anything else as a message."""
    db.session.rollback()
    if exc.status in (403, 404):
        abort(exc.status)
    flash(exc.message, "info")
    return redirect(url_for("la.show", referral_id=referral.id))


@bp.post("/la/referrals/<id:referral_id>/checks")
@require_roles("la_officer")
def checks(referral_id: int):
    referral = posted_referral(referral_id)
    ticked = set(request.form.getlist("checks"))
    # A checkbox left empty is not sent: every row of the checklist is set, ticked or not.
    ticks = {item["id"]: item["id"] in ticked for item in la_decisions.checklist(referral)}
    try:
        la_decisions.record_checks(current_user.user, referral, ticks)
    except la_decisions.ActionError as exc:
        return refused(exc, referral)
    flash("Your checks have been saved.", "success")
    return redirect(url_for("la.show", referral_id=referral.id, _anchor="checklist"))


@bp.post("/la/referrals/<id:referral_id>/delivery")
@require_roles("la_officer", "admin")
def resend(referral_id: int):
    """Send a pack whose email failed (refused by the mail server, or out of retries) again."""
    referral = posted_referral(referral_id)
    try:
        outbox = resend_latest_pack(referral, current_user.user)
    except DeliveryStateError as exc:
        db.session.rollback()
        flash(f"{exc} (it may have been sent meanwhile).", "info")
        return redirect(url_for("la.show", referral_id=referral.id))
    flash(f"The pack will be sent to {outbox.recipient} again within a minute.", "success")
    return redirect(url_for("la.show", referral_id=referral.id))


@bp.post("/la/referrals/<id:referral_id>/decision")
@require_roles("la_officer")
def decision(referral_id: int):
    referral = posted_referral(referral_id)
    choice = request.form.get("decision") or None
    returning = choice == "return"
    values = {"decision": choice, "reasons": request.form.get("reasons", "") if returning else "",
              "rule_ids": request.form.getlist("rule_ids") if returning else [],
              "check_ids": request.form.getlist("check_ids") if returning else []}
    try:
        # The checklist is in the same form (issue 17, point 3): ticks changed and not yet saved are saved
        # with the decision, never lost. Rows left as they are make no audit event.
        if request.form.get("checklist_shown"):
            ticked = set(request.form.getlist("checks"))
            current = {c["id"]: c["checked"] for c in la_decisions.checks_view(referral)}
            changed = {check_id: check_id in ticked for check_id, checked in current.items()
                       if checked != (check_id in ticked)}
            if changed:
                la_decisions.record_checks(current_user.user, referral, changed)
        la_decisions.decide(current_user.user, referral, choice, values["reasons"], values["rule_ids"],
                            values["check_ids"])
    except la_decisions.ActionError as exc:
        if exc.status != 422:
            return refused(exc, referral)
        db.session.rollback()
        return referral_page(referral, errors=exc.errors, values=values, status=422)
    if returning:
        flash(f"{referral.reference} has been returned to {referral.school.name}, who have been emailed your reasons.",
              "success")
    else:
        flash(f"{referral.reference} has been accepted.", "success")
    return redirect(url_for("la.show", referral_id=referral.id))


# A stored file that cannot be read (gone, or the storage down): the error page says so, not a 500.
UNREADABLE = ("This file could not be read from storage. Try again in a few minutes; if it keeps happening, "
              "contact the service administrator.")


@bp.get("/referrals/<id:referral_id>/packs/<id:version>/<name>")
@login_required
def pack_file(referral_id: int, version: int, name: str):
    referral = get_visible_referral(current_user.user, referral_id)
    pack = next((p for p in referral.packs if p.version == version), None)
    item = next((f for f in pack.files if f.name == name), None) if pack else None
    if item is None:
        abort(404)
    try:
        data = storage.get(item.storage_key)
    except storage.StorageError:
        abort(503, UNREADABLE)
    if storage.sha256(data) != item.sha256:
        # Signed means frozen: never serve a file that no longer matches what was signed.
        abort(409, "This file no longer matches the signed pack. Contact the service administrator.")
    record("pack_file_downloaded", user=current_user.user, referral=referral, detail={"version": version, "file": name})
    db.session.commit()
    return Response(data, mimetype=item.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{item.name}"'})
