"""LA officer pages: the packs sent to their LA, one pack's files, and downloads (audited)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required

from .. import storage
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
    return render_template("la/show.html", title=f"Referral {referral.reference}", referral=referral,
                           form_def=get_form(referral.form_id), pack=referral.latest_pack,
                           delivery=delivery_status(referral), rows=answer_rows(referral))


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
