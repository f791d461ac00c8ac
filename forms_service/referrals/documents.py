"""A referral's documents, from its declaration: HTML preview, PDF and DOCX from one context."""
from __future__ import annotations

from ..documents.context import build_context
from ..documents.rendering import render_docx, render_pdf, render_preview
from ..models import Referral
from ..policies import load_profile
from .actions import form_of, profile_name, working_data

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def referral_context(referral: Referral, *, signature: dict | None, verdict: dict | None,
                     recipient: int | None = None) -> dict:
    form = form_of(referral)
    la = referral.school.la
    uploads = [{"kind": e.kind, "filename": e.filename} for e in referral.evidence]
    profile = load_profile(profile_name(referral))
    return build_context(form.raw, working_data(referral), school=referral.school.letterhead(),
                         la={"name": la.name, "inbox": la.inbox_email, "jurisdiction": profile.jurisdiction,
                             "profile": profile.id},
                         reference=referral.reference,
                         signature=signature, verdict=verdict, evidence=uploads, recipient=recipient)


def recipients(doc: dict, data: dict) -> list[int | None]:
    """Whom a document is rendered for: each parent in turn for a letter that goes one per parent
    (003, Sanctions: one letter per pupil per parent), otherwise once."""
    if doc.get("per") == "parent":
        return list(range(len(data.get("parents") or []))) or [None]
    return [None]


def render_letter(referral: Referral, doc: dict, fmt: str, recipient: int | None,
                  verdict: dict | None) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of one document for one recipient, as PDF or DOCX."""
    context = referral_context(referral, signature=None, verdict=verdict, recipient=recipient)
    suffix = f"-{recipient + 1}" if recipient is not None else ""
    stem = f"{referral.reference}-{doc['id']}{suffix}"
    if fmt == "pdf":
        return f"{stem}.pdf", PDF, render_pdf(doc["html"], context, title=doc["title"])
    return f"{stem}.docx", DOCX, render_docx(doc["docx"], context)


def render_referral(referral: Referral, *, signature: dict | None, verdict: dict | None) -> list[tuple[str, str, bytes]]:
    """[(file name, content type, bytes)] for each document the form declares, PDF then DOCX."""
    form = form_of(referral)
    context = referral_context(referral, signature=signature, verdict=verdict)
    out = []
    for doc in form.documents:
        stem = f"{referral.reference}-{doc['id']}"
        out.append((f"{stem}.pdf", PDF, render_pdf(doc["html"], context, title=doc["title"])))
        out.append((f"{stem}.docx", DOCX, render_docx(doc["docx"], context)))
    return out


def preview_html(referral: Referral, verdict: dict | None = None) -> str:
    form = form_of(referral)
    first = recipients(form.documents[0], working_data(referral))[0]
    context = referral_context(referral, signature=None, verdict=verdict, recipient=first)
    return render_preview(form.documents[0]["html"], context, title=form.documents[0]["title"])


def preview_pdf(referral: Referral, verdict: dict | None = None) -> bytes:
    form = form_of(referral)
    first = recipients(form.documents[0], working_data(referral))[0]
    context = referral_context(referral, signature=None, verdict=verdict, recipient=first)
    return render_pdf(form.documents[0]["html"], context, title=form.documents[0]["title"])
