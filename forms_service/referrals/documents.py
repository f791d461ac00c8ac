"""A referral's documents, from its declaration: HTML preview, PDF and DOCX from one context."""
from __future__ import annotations

import datetime as dt

from ..documents.context import build_context
from ..documents.rendering import render_docx, render_pdf, render_preview
from ..formatting import LOCAL_TZ
from ..formdefs import get_form
from ..models import Referral
from ..policies import load_profile
from ..rules import certificate
from .actions import form_of, profile_name, register_of, working_data

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _la(referral: Referral, profile) -> dict:
    la = referral.school.la
    return {"name": la.name, "inbox": la.inbox_email, "jurisdiction": profile.jurisdiction, "profile": profile.id}


def referral_context(referral: Referral, *, signature: dict | None, verdict: dict | None,
                     recipient: int | None = None) -> dict:
    form = form_of(referral)
    uploads = [{"kind": e.kind, "filename": e.filename} for e in referral.evidence]
    profile = load_profile(profile_name(referral))
    data = working_data(referral)
    if _certificate_stands_in(referral, form, data, profile, verdict):
        # Issue 21: the enclosure the form lists is the certificate made from the marks at signing.
        uploads.append({"kind": certificate.KIND, "filename": f"{certificate_name(referral)} (made from the register "
                                                              "marks when the head teacher signs)"})
    return build_context(form.raw, data, school=referral.school.letterhead(), la=_la(referral, profile),
                         reference=referral.reference,
                         signature=signature, verdict=verdict, evidence=uploads, recipient=recipient,
                         register=register_of(referral))


def certificate_name(referral: Referral) -> str:
    return f"{referral.reference}-{certificate.DOCUMENT_ID}.pdf"


def _certificate_stands_in(referral: Referral, form, data: dict, profile, verdict: dict | None) -> bool:
    """Whether the certificate made from the register marks is the registration certificate the form asks for:
    as the verdict's rules judged it, or (a preview without one) as they would."""
    if not form.sends_to_la or certificate.KIND not in {e["kind"] for e in form.evidence} \
            or any(e.kind == certificate.KIND for e in referral.evidence):
        return False
    register = register_of(referral)
    if register is None:
        return False
    judged = certificate.made_from_register(verdict)
    if judged is not None:
        return judged
    return certificate.coverage_for(form, data, register, profile, dt.date.today()).covered


def render_certificate(referral: Referral, *, signature: dict | None, verdict: dict | None) -> tuple[str, str, bytes] | None:
    """(file name, content type, bytes) of the registration certificate made from a referral's register marks
    (issue 21), dated the day the head signs (the day the rules measured from at signing), or None without marks.
    The head's signature on the pack certifies it, as the local authorities ask ("a certificate signed by the
    headteacher")."""
    form = form_of(referral)
    register = register_of(referral)
    if not form.sends_to_la or register is None or not register.sessions:
        return None
    document = get_form(certificate.DOCUMENT_ID)
    data = working_data(referral)
    signed_at = (signature or {}).get("signed_at")
    on = signed_at.astimezone(LOCAL_TZ).date() if isinstance(signed_at, dt.datetime) else data.get("referral_date")
    answers = {"pupil": data.get("pupil") or {}, "certificate": {"date": on}}
    profile = load_profile(profile_name(referral))
    # The referral's own rules, so the weeks its rules count are those the certificate picks out.
    raw = {**document.raw, "rules": list(form.rules), "id": document.id}
    context = build_context(raw, answers, school=referral.school.letterhead(), la=_la(referral, profile),
                            reference=referral.reference, signature=signature, verdict=verdict, register=register)
    doc = document.documents[0]
    return certificate_name(referral), PDF, render_pdf(doc["html"], context, title=doc["title"])


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
    """[(file name, content type, bytes)] for each document the form declares, PDF then DOCX; then, for a
    referral with register marks, the registration certificate made from them (PDF)."""
    form = form_of(referral)
    context = referral_context(referral, signature=signature, verdict=verdict)
    out = []
    for doc in form.documents:
        stem = f"{referral.reference}-{doc['id']}"
        out.append((f"{stem}.pdf", PDF, render_pdf(doc["html"], context, title=doc["title"])))
        out.append((f"{stem}.docx", DOCX, render_docx(doc["docx"], context)))
    made = render_certificate(referral, signature=signature, verdict=verdict)
    if made is not None:
        out.append(made)
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
