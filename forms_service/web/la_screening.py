"""LA-wide screening on the web (issue 25): an LA officer or admin uploads one file or several holding every
school's marks (a school column with each school's URN or DfE number, or one file a school named by its number);
the upload becomes a background job (cases/screen_jobs.py) whose page shows a progress bar until the list is
ready, then every pupil of the LA's schools who meets a threshold or is in one of the profile's bands, each with
what the service already holds for them ("no action recorded" where nothing), and the list as CSV. The files are
kept only until screened; the list for RETENTION_LA_SCREENS; the screen and each download are audited (counts,
never a pupil). Every job is scoped to the user's LA: another LA's is a 404."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import MultipleFileField, SubmitField

from .. import storage
from ..access import quotas
from ..access.auth import require_roles
from ..audit import record
from ..background import runner
from ..cases import la_screen, screen_jobs
from ..models import ScreenJob, db
from ..register import screening
from .fields import code_set_field

bp = Blueprint("la_screening", __name__)


class LAScreenForm(FlaskForm):
    files = MultipleFileField(
        "Upload the schools' register files", widget=GovFileInput(),
        description="One CSV file with a school column (each school's URN or DfE number) and a row for each mark "
                    "(upn, date, session and code), as the daily attendance data gives it; or one file a school, each "
                    "named by the school's URN or DfE number (100001.csv). You can choose several files.")
    code_set = code_set_field("Which attendance codes do the files use?")
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
    try:
        job = screen_jobs.queue(user, files, form.code_set.data)
    except storage.StorageError:
        form.files.errors = ["The files could not be kept for screening. Try again in a few minutes; if it keeps "
                             "happening, contact the service administrator."]
        return _page(form, 503)
    runner.wake()
    return redirect(url_for("la_screening.job", job_id=job.id), 303)


def _job_or_404(job_id: int) -> ScreenJob:
    """The LA's own screen (another LA's: 404), its runner started if it is waiting with none."""
    job = screen_jobs.for_la(current_user.user.la_id, job_id)
    if job is None:
        abort(404)
    runner.wake(job)
    return job


def _list_of(job: ScreenJob) -> la_screen.LAScreen | None:
    """The screen's list while it is kept (None before it is done, or once deleted); 503 if storage fails."""
    if job.status != "done" or not job.result_key:
        return None
    try:
        return screen_jobs.result_of(job)
    except storage.StorageError:
        abort(503, "The list could not be read from storage. Try again in a few minutes; if it keeps happening, "
                   "screen the files again or contact the service administrator.")


@bp.get("/la/screening/<id:job_id>")
@require_roles("la_officer", "admin")
def job(job_id: int):
    job = _job_or_404(job_id)
    result = _list_of(job)
    return render_template("la/screen_job.html", title="LA screening results" if result else "Screening the LA's "
                           "schools", job=job, progress=screen_jobs.progress(job), result=result,
                           short=screening.SHORT, labels=result.band_labels() if result else {},
                           no_action=la_screen.NO_ACTION)


@bp.get("/la/screening/<id:job_id>/progress.json")
@require_roles("la_officer", "admin")
def progress(job_id: int):
    return screen_jobs.progress(_job_or_404(job_id)), 200, {"Cache-Control": "no-store"}


@bp.get("/la/screening/<id:job_id>/list.csv")
@require_roles("la_officer", "admin")
def download(job_id: int):
    job = _job_or_404(job_id)
    result = _list_of(job)
    if result is None:
        abort(404)
    record("la_screen_downloaded", user=current_user.user, detail={"job": job.id, "listed": len(result.rows)})
    db.session.commit()
    return csv_response(result)


def csv_response(result: la_screen.LAScreen) -> Response:
    name = f"la-screen-{result.on.isoformat()}.csv"
    return Response(la_screen.to_csv(result), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _page(form, status: int = 200):
    return render_template("la/screening.html", title="Screen the LA's schools", form=form,
                           recent=screen_jobs.recent(current_user.user.la_id)), status
