"""LA-wide screening on the web (issue 25): an LA officer or admin uploads one file or several holding every
school's marks (a school column with each school's URN or DfE number, or one file a school named by its number)
and sees, or downloads, every pupil of the LA's schools who meets a threshold or is in one of the profile's bands,
each with what the service already holds for them ("no action recorded" where nothing). The files are read and
reported, never stored; the screen is audited (who, how many files, pupils and schools: never a pupil)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import MultipleFileField, RadioField, SubmitField

from ..access import quotas
from ..access.auth import require_roles
from ..audit import record
from ..cases import la_screen
from ..models import db
from ..policies import load_profile
from ..register import screening
from ..register.marks import RegisterError
from .fields import code_set_field

bp = Blueprint("la_screening", __name__)


class LAScreenForm(FlaskForm):
    files = MultipleFileField(
        "Upload the schools' register files", widget=GovFileInput(),
        description="One CSV file with a school column (each school's URN or DfE number) and a row for each mark "
                    "(upn, date, session and code), as the daily attendance data gives it; or one file a school, each "
                    "named by the school's URN or DfE number (100001.csv). You can choose several files.")
    code_set = code_set_field("Which attendance codes do the files use?")
    output = RadioField("How do you want the list?", widget=GovRadioInput(),
                        choices=[("page", "Show it on this page"), ("csv", "Download it as a CSV file")],
                        default="page")
    submit = SubmitField("Screen the schools", widget=GovSubmitInput())


def uploads(field_name: str, limit: int) -> tuple[list[tuple[str, bytes]], str | None]:
    """The uploaded files (name, bytes), or the problem with them in words naming the field."""
    files = [f for f in request.files.getlist(field_name) if f and f.filename]
    if not files:
        return [], "Select the register files (CSV or Excel)"
    out, total = [], 0
    for upload in files:
        data = upload.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            return [], f"The files must be smaller than {limit / (1024 * 1024):g} MB in all"
        out.append((upload.filename, data))
    return out, None


@bp.route("/la/screening", methods=["GET", "POST"])
@require_roles("la_officer", "admin")
def index():
    # An LA's file is far larger than a school's: this route alone takes up to MAX_LA_REGISTER_BYTES.
    request.max_content_length = current_app.config["MAX_LA_REGISTER_BYTES"] + 1024 * 1024
    form = LAScreenForm()
    if not form.validate_on_submit():
        return _page(form, 422 if request.method == "POST" else 200)
    files, problem = uploads("files", current_app.config["MAX_LA_REGISTER_BYTES"])
    if problem:
        form.files.errors = [problem]
        return _page(form, 422)
    user = current_user.user
    try:
        quotas.take(user, quotas.HEAVY_JOB, field="files")
    except quotas.LimitReached as exc:
        form.files.errors = [exc.message]
        return quotas.refused_page(_page(form), exc)
    la = user.la
    profile = load_profile(la.policy_profile or current_app.config["POLICY_PROFILE"])
    try:
        result = la_screen.screen_la(files, la, profile, user=user, code_set=form.code_set.data)
    except RegisterError as exc:
        form.files.errors = exc.messages[:10]
        return _page(form, 422)
    audit(user, result, len(files), form.output.data)
    db.session.commit()
    if form.output.data == "csv":
        return csv_response(result)
    return render_template("la/screening_results.html", title="LA screening results", result=result,
                           short=screening.SHORT, labels=result.band_labels(), no_action=la_screen.NO_ACTION)


def audit(user, result: la_screen.LAScreen, files: int, output: str) -> None:
    """Who screened how much: counts only, never a pupil."""
    record("la_screened", user=user, detail={"la_id": user.la_id, "files": files, "pupils": result.pupils,
                                             "schools": len(result.schools), "listed": len(result.rows),
                                             "unknown_schools": len(result.unknown), "on": result.on.isoformat(),
                                             "profile": result.thresholds["profile"], "output": output})


def csv_response(result: la_screen.LAScreen) -> Response:
    name = f"la-screen-{result.on.isoformat()}.csv"
    return Response(la_screen.to_csv(result), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _page(form, status: int = 200):
    return render_template("la/screening.html", title="Screen the LA's schools", form=form), status
