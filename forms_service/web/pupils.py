"""The school's pupils (issue 18: pupils entered once): find one by name or UPN and start a letter or
request with their details filled in; import the list the MIS exports. School staff only, and only
their own school's pupils (forms_service/roll/search.py scopes every query)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from ..access import quotas
from ..access.auth import require_roles
from ..letters.bulk import BulkError, columns_help
from ..roll import imports, search

bp = Blueprint("pupils", __name__, url_prefix="/pupils")
SCHOOL = ("office", "headteacher")


class ImportForm(FlaskForm):
    file = FileField("Upload the pupils file", widget=GovFileInput(),
                     description="A CSV file with one row for each pupil, as your MIS exports it: the same file "
                                 "letters to many families read.")
    submit = SubmitField("Import the pupils", widget=GovSubmitInput())


def found(query: str | None) -> tuple[str, list[search.Pupil], str | None]:
    """(the query as searched, the school's pupils it finds, the error naming the search box)."""
    try:
        query = search.check_query(query)
    except search.QueryError as exc:
        return (query or "")[:search.MAX_QUERY], [], str(exc)
    return query, search.find(current_user.user.school_id, query), None


@bp.get("/")
@require_roles(*SCHOOL)
def index():
    query, pupils, error = found(request.args.get("q"))
    return render_template("pupils/index.html", title="Pupils", query=query, pupils=pupils, error=error), \
        422 if error else 200


@bp.route("/import", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def import_file():
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read(current_app.config["MAX_SCHOOL_REGISTER_BYTES"] + 1) if upload and upload.filename else b""
        if not data:
            problems = ["Select the pupils file (a CSV file)"]
        elif len(data) > current_app.config["MAX_SCHOOL_REGISTER_BYTES"]:
            problems = [f"The file must be smaller than "
                        f"{current_app.config['MAX_SCHOOL_REGISTER_BYTES'] / (1024 * 1024):g} MB"]
        else:
            try:
                quotas.take(current_user.user, quotas.HEAVY_JOB, field="file")
                count = imports.import_pupils(current_user.user, data)
            except quotas.LimitReached as exc:
                form.file.errors = [exc.message]
                return quotas.refused_page(_import_page(form, []), exc)
            except BulkError as exc:
                problems = exc.messages[:20]
            else:
                flash(f"{count} pupils imported. They replace the list imported before.", "success")
                return redirect(url_for("pupils.index"))
        form.file.errors = problems
    return _import_page(form, problems), 422 if request.method == "POST" else 200


def _import_page(form: ImportForm, problems: list[str]):
    return render_template("pupils/import.html", title="Import the school's pupils", form=form,
                           problems=[{"text": message, "href": "#file"} for message in problems], columns=columns_help())
