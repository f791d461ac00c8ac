"""Subject access on the web (issue 5): an admin finds a pupil in their LA's records by UPN, or by
name and date of birth, and downloads everything held about them as a zip
(forms_service/records/subject_access.py). Admins only; the export is recorded in the audit trail."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from ..access.auth import require_roles
from ..models import db
from ..records import subject_access
from .pageforms import GovDateField

bp = Blueprint("admin_export", __name__, url_prefix="/admin/subject-access")


class ExportForm(FlaskForm):
    upn = StringField("Unique pupil number (UPN)", widget=GovTextInput(), validators=[Optional(), Length(max=20)],
                      description="13 characters, for example A123456789012. Leave it blank to search by name "
                                  "and date of birth.")
    first_name = StringField("First name", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    last_name = StringField("Last name", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    date_of_birth = GovDateField("Date of birth", validators=[Optional()], description="For example, 14 1 2013")
    submit = SubmitField("Download the pupil's records", widget=GovSubmitInput())


@bp.route("/", methods=["GET", "POST"])
@require_roles("admin")
def index():
    form = ExportForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        result = subject_access.export(current_user.user, upn=form.upn.data, first_name=form.first_name.data,
                                       last_name=form.last_name.data, date_of_birth=form.date_of_birth.data)
    except subject_access.CriteriaError as exc:
        for name, messages in exc.errors.items():
            getattr(form, name).errors = list(messages)
        return _page(form, 422)
    db.session.commit()
    name = f"subject-access-{result.references[0] if result.records == 1 else f'{result.records}-records'}.zip"
    return Response(result.data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _page(form, status: int = 200):
    return render_template("admin/subject_access.html", title="Export a pupil's records", form=form), status
