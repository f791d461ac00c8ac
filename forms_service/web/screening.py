"""Whole-school screening on the web: the school uploads its register export and sees (or
downloads) every pupil who meets a threshold or is in one of the profile's attendance bands, with the
figures. The file is read and reported, never stored; the screen itself is recorded in the audit log (who, when, how many pupils)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import FileField, RadioField, SubmitField

from ..access import quotas
from ..access.auth import require_roles
from ..audit import record
from ..models import db
from ..policies import load_profile
from ..register import screening
from ..register.marks import RegisterError
from ..roll import search
from .fields import code_set_field

bp = Blueprint("screening", __name__, url_prefix="/screening")


class ScreenForm(FlaskForm):
    file = FileField("Upload the school's register export", widget=GovFileInput(),
                     description="Your MIS's attendance export, as CSV or Excel, with every pupil's UPN: a row for "
                                 "each mark (upn, date, session and code), or a row for each pupil and week (upn, week "
                                 "commencing, then Mon AM to Fri PM). A CSV file is read in seconds; an Excel "
                                 "workbook of a whole school's year can take a minute.")
    code_set = code_set_field("Which attendance codes does the file use?")
    output = RadioField("How do you want the list?", widget=GovRadioInput(),
                        choices=[("page", "Show it on this page"), ("csv", "Download it as a CSV file")],
                        default="page")
    submit = SubmitField("Screen the register", widget=GovSubmitInput())


@bp.route("/", methods=["GET", "POST"])
@require_roles("office", "headteacher")
def index():
    form = ScreenForm()
    if not form.validate_on_submit():
        return _page(form, 422 if request.method == "POST" else 200)
    upload = request.files.get("file")
    data = upload.read() if upload and upload.filename else b""
    limit = current_app.config["MAX_SCHOOL_REGISTER_BYTES"]
    if not data:
        form.file.errors = ["Select the register export (a CSV or Excel file)"]
        return _page(form, 422)
    if len(data) > limit:
        form.file.errors = [f"The file must be smaller than {limit / (1024 * 1024):g} MB"]
        return _page(form, 422)
    try:  # reading a whole school's year of marks is the heavy part
        quotas.take(current_user.user, quotas.HEAVY_JOB, field="file")
    except quotas.LimitReached as exc:
        form.file.errors = [exc.message]
        return quotas.refused_page(_page(form), exc)
    school = current_user.user.school
    profile = load_profile(school.la.policy_profile or current_app.config["POLICY_PROFILE"])
    try:
        result = screening.screen_file(data, profile, code_set=form.code_set.data)
    except RegisterError as exc:
        form.file.errors = exc.messages[:10]
        return _page(form, 422)
    record("school_screened", user=current_user.user,
           detail={"pupils": result.pupils, "listed": len(result.rows), "on": result.on.isoformat(),
                   "profile": profile.id, "output": form.output.data})
    db.session.commit()
    if form.output.data == "csv":
        name = f"screen-{result.on.isoformat()}.csv"
        return Response(screening.to_csv(result), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    counts = screening.flag_counts(result)
    # Names from the school's own pupils (issue 18): the export has only UPNs; staff of this school see
    # whom each row is and can start a letter or request for them from it.
    names = search.by_upn(current_user.user.school_id)
    return render_template("screening/results.html", title="Screening results", result=result,
                           flags=screening.FLAGS, short=screening.SHORT, counts=counts, names=names,
                           bands=screening.band_counts(result), band_labels=result.band_labels())


def _page(form, status: int = 200):
    return render_template("screening/index.html", title="Screen the whole school", form=form), status
