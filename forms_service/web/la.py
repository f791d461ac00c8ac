"""LA officer pages: the packs sent to their LA, one pack's files, and downloads (audited); the
seed form's checklist ticks and the decision (accept, or return to the school with reasons)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from .. import decisions as la_decisions, storage
from ..audit import record
from ..auth import get_visible_referral, require_roles, visible_referrals
from ..delivery import delivery_status
from ..formdefs import get_form
from ..models import Referral, db
from .answers import answer_rows

bp = Blueprint("la", __name__)


@bp.get("/la/referrals")
@require_roles("la_officer", "admin")
def index():
    rows = db.session.scalars(visible_referrals(current_user.user).order_by(Referral.updated_at.desc())).all()
    return render_template("la/index.html", title="Referrals received", referrals=rows, get_form=get_form)


@bp.get("/la/referrals/<int:referral_id>")
@require_roles("la_officer", "admin")
def show(referral_id: int):
    referral = get_visible_referral(current_user.user, referral_id)
    record("pack_viewed", user=current_user.user, referral=referral)
    db.session.commit()
    return _show(referral)


# Field names of the decision form in the order the error summary lists them.
DECISION_FIELDS = ("decision", "reasons", "rule_ids", "check_ids")


def _show(referral, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    errors = errors or {}
    values = values or {"decision": None, "reasons": "", "rule_ids": [], "check_ids": []}
    checks = la_decisions.checks_view(referral)
    rules = la_decisions.rule_labels(referral)
    can_decide = current_user.role == "la_officer" and referral.status == la_decisions.DECIDABLE
    error_list = [{"text": errors[name][0], "href": f"#{name}"} for name in DECISION_FIELDS if errors.get(name)]
    return render_template(
        "la/show.html", title=f"Referral {referral.reference}", referral=referral,
        form_def=get_form(referral.form_id), pack=referral.latest_pack, delivery=delivery_status(referral),
        rows=answer_rows(referral), checks=checks, can_decide=can_decide,
        decisions=la_decisions.decisions_view(referral), errors=errors, error_list=error_list, values=values,
        check_items=[{"value": c["id"], "text": c["label"], "checked": c["checked"],
                      "hint": {"text": f"Ticked by {c['by']}"} if c["checked"] else None} for c in checks],
        rule_items=[{"value": rule_id, "text": rule_id, "hint": {"text": reason} if reason else None,
                     "checked": rule_id in values["rule_ids"]} for rule_id, reason in rules.items()],
        concern_items=[{"value": c["id"], "text": c["label"], "checked": c["id"] in values["check_ids"]}
                       for c in checks]), status


def _posted(referral_id: int):
    """The referral for an officer's POST, once the form's CSRF token is checked (400 if not)."""
    referral = get_visible_referral(current_user.user, referral_id)
    if not FlaskForm().validate_on_submit():
        abort(400, "Your session has expired or the form was not sent from this service. Reload the page and try again.")
    return referral


def _refused(exc, referral):
    db.session.rollback()
    if exc.status in (403, 404):
        abort(exc.status)
    flash(exc.message, "info")
    return redirect(url_for("la.show", referral_id=referral.id))


@bp.post("/la/referrals/<int:referral_id>/checks")
@require_roles("la_officer")
def checks(referral_id: int):
    referral = _posted(referral_id)
    ticked = set(request.form.getlist("checks"))
    # A checkbox left empty is not sent: every row of the checklist is set, ticked or not.
    ticks = {item["id"]: item["id"] in ticked for item in la_decisions.checklist(referral)}
    try:
        la_decisions.record_checks(current_user.user, referral, ticks)
    except la_decisions.ActionError as exc:
        return _refused(exc, referral)
    flash("Your checks have been saved.", "success")
    return redirect(url_for("la.show", referral_id=referral.id, _anchor="checklist"))


@bp.post("/la/referrals/<int:referral_id>/decision")
@require_roles("la_officer")
def decision(referral_id: int):
    referral = _posted(referral_id)
    choice = request.form.get("decision") or None
    returning = choice == "return"
    values = {"decision": choice, "reasons": request.form.get("reasons", "") if returning else "",
              "rule_ids": request.form.getlist("rule_ids") if returning else [],
              "check_ids": request.form.getlist("check_ids") if returning else []}
    try:
        la_decisions.decide(current_user.user, referral, choice, values["reasons"], values["rule_ids"],
                            values["check_ids"])
    except la_decisions.ActionError as exc:
        if exc.status != 422:
            return _refused(exc, referral)
        db.session.rollback()
        return _show(referral, errors=exc.errors, values=values, status=422)
    if returning:
        flash(f"{referral.reference} has been returned to {referral.school.name}, who have been emailed your reasons.",
              "success")
    else:
        flash(f"{referral.reference} has been accepted.", "success")
    return redirect(url_for("la.show", referral_id=referral.id))


@bp.get("/referrals/<int:referral_id>/packs/<int:version>/<name>")
@login_required
def pack_file(referral_id: int, version: int, name: str):
    referral = get_visible_referral(current_user.user, referral_id)
    pack = next((p for p in referral.packs if p.version == version), None)
    item = next((f for f in pack.files if f.name == name), None) if pack else None
    if item is None:
        abort(404)
    data = storage.get(item.storage_key)
    if storage.sha256(data) != item.sha256:
        # Signed means frozen: never serve a file that no longer matches what was signed.
        abort(409, "This file no longer matches the signed pack. Contact the service administrator.")
    record("pack_file_downloaded", user=current_user.user, referral=referral, detail={"version": version, "file": name})
    db.session.commit()
    return Response(data, mimetype=item.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{item.name}"'})
