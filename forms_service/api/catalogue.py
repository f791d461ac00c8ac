"""The catalogue of forms, the eligibility verdict without saving, and documents rendered on demand."""
from __future__ import annotations

import io
import zipfile

from flask import Response, current_app, jsonify
from flask_smorest import Blueprint
from marshmallow import ValidationError

from .. import dictionary
from ..access.auth import api_user
from ..documents.context import build_context
from ..documents.rendering import render_docx, render_pdf, render_preview
from ..formdefs import get_form, load_forms
from ..policies import PLACES, list_profiles, load_profile
from ..referrals.actions import ActionError, parse_register
from ..referrals.documents import DOCX, PDF, recipients
from ..register import figures
from ..register.marks import parse_register_json
from ..rules import evaluate
from ..security import DOCUMENT_POLICY
from .docs import IGNORED_FIELDS, IGNORED_FIELDS_HEADER, fails_with, files
from .guard import authenticate
from .schemas import DocumentRequest, EligibilityRequest, FormList, Verdict

blp = Blueprint("api_catalogue", __name__, description="Forms and eligibility")
blp.before_request(authenticate)


def unprocessable(message: str, errors: dict, **extra):
    return jsonify({"code": 422, "status": "Unprocessable Entity", "message": message, "errors": errors, **extra}), 422


@blp.route("/forms", methods=["GET"])
@blp.response(200, FormList)
def forms():
    return {"forms": [f.catalogue_entry() for f in load_forms().values()]}


@blp.route("/eligibility/<form_id>", methods=["POST"])
@blp.arguments(EligibilityRequest)
@blp.response(200, Verdict)
@fails_with(blp, 400, 413)
def eligibility(body, form_id: str):
    form = get_form(form_id)
    if form is None:
        return unprocessable("Unknown form", {"form_id": [f"No form called {form_id!r}"]})
    profile_name = body.get("profile") or current_app.config["POLICY_PROFILE"]
    if profile_name not in list_profiles():
        return unprocessable("Unknown policy profile", {"profile": [f"Choose one of: {', '.join(list_profiles())}"]})
    if (wrong := _not_used_under(form, load_profile(profile_name))) is not None:
        return wrong
    try:
        data, warnings = dictionary.load(form, body["data"])
    except ValidationError as exc:
        return unprocessable("Some answers need correcting", {"data": exc.messages})
    try:
        register = _register(body)
    except ActionError as exc:
        return unprocessable(exc.message, exc.errors)
    verdict = evaluate(form, data, register=register, profile=load_profile(profile_name)).to_dict()
    return {**verdict, "warnings": [w.to_dict() for w in warnings]}


def _not_used_under(form, profile):
    """422 when the form is not used where the profile's LA is (a Welsh form under England's law, say, or
    one LA's own paperwork under another's profile)."""
    if form.used_under(profile):
        return None
    if profile.jurisdiction in form.jurisdictions:
        return unprocessable("This form is not used under this profile", {"profile": [
            f"The {form.title} is used in {form.where_used()}; choose the profile {' or '.join(form.profiles)}"]})
    return unprocessable("This form is not used under this profile's law", {"profile": [
        f"The {form.title} is used in {form.where_used()}; the {profile.id} profile is the law of "
        f"{PLACES[profile.jurisdiction]}"]})


def _register(body: dict):
    return parse_register_json(parse_register(body["register"])) if body.get("register") is not None else None


@blp.route("/documents/<document_id>", methods=["POST"])
@blp.arguments(DocumentRequest)
@blp.response(200)
@blp.doc(responses=files("The document (PDF, DOCX or HTML as `format` asks), or a zip of one per parent",
                         PDF, DOCX, "application/zip", "text/html", headers=IGNORED_FIELDS_HEADER))
@fails_with(blp, 400, 413)
def document(body, document_id: str):
    """Render a form's document from data, unsigned: for letters and previews.

    A letter that goes one per parent (its declaration says `"per": "parent"`) comes back as one
    file when one parent is named, and as one zip (`application/zip`) holding one file per parent,
    `<document>-1.pdf`, `<document>-2.pdf`, ..., when several are. Every other document is one file.
    `format: html` gives the first recipient's letter as a page."""
    form = next((f for f in load_forms().values() if any(d["id"] == document_id for d in f.documents)), None)
    if form is None:
        return unprocessable("Unknown document", {"document_id": [f"No document called {document_id!r}"]})
    try:
        data, warnings = dictionary.load(form, body["data"])
    except ValidationError as exc:
        return unprocessable("Some answers need correcting", {"data": exc.messages})
    try:
        register = _register(body)
    except ActionError as exc:
        return unprocessable(exc.message, exc.errors)
    # A file has no room for a JSON key: the data dictionary's names the form does not use are named here.
    ignored = {IGNORED_FIELDS: ", ".join(w.field for w in warnings)} if warnings else {}
    data = figures.apply(data, figures.fill(form, data, register))
    doc = next(d for d in form.documents if d["id"] == document_id)
    if doc not in form.documents_for(data):
        # A document declared `"when": <answer>` (a contract's Review) exists once that answer is given.
        return unprocessable(f"The {doc['title']} needs its answers first",
                             {"data": {doc["when"]: [f"Give {doc['when']} to produce the {doc['title']}"]}})
    user = api_user()
    school = user.school.letterhead() if user.school else {"name": ""}
    la = user.la or (user.school.la if user.school else None)
    chosen = body.get("profile") or (la.policy_profile if la else None) or current_app.config["POLICY_PROFILE"]
    if chosen not in list_profiles():
        return unprocessable("Unknown policy profile", {"profile": [f"Choose one of: {', '.join(list_profiles())}"]})
    profile = load_profile(chosen)
    if (wrong := _not_used_under(form, profile)) is not None:
        return wrong
    verdict = evaluate(form, data, register=register, profile=profile)

    def context(recipient):
        return build_context(form.raw, data, school=school,
                             la={"name": la.name if la else "", "inbox": la.inbox_email if la else "",
                                 "jurisdiction": profile.jurisdiction, "profile": profile.id},
                             reference=None, signature=None, verdict=verdict.to_dict(), evidence=[],
                             recipient=recipient, register=register)

    fmt = body["format"]
    targets = recipients(doc, data)
    if fmt == "html":
        return Response(render_preview(doc["html"], context(targets[0]), title=doc["title"]), mimetype="text/html",
                        headers={"Content-Security-Policy": DOCUMENT_POLICY, **ignored})
    files = []
    for index in targets:
        suffix = f"-{index + 1}" if index is not None and len(targets) > 1 else ""
        if fmt == "docx":
            files.append((f"{document_id}{suffix}.docx", DOCX, render_docx(doc["docx"], context(index))))
        else:
            files.append((f"{document_id}{suffix}.pdf", PDF, render_pdf(doc["html"], context(index), title=doc["title"])))
    if len(files) == 1:
        name, mimetype, content = files[0]
        return Response(content, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{name}"', **ignored})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, _, content in files:
            archive.writestr(name, content)
    return Response(buffer.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{document_id}.zip"', **ignored})
