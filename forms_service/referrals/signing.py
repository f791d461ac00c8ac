"""The headteacher's sign-off: render, freeze the pack, queue its delivery — or change nothing.

Files are written first; then one transaction records the pack, its files, the outbox message
and the status. If storage fails (disk full), the signature is not recorded and the head is told.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from .. import storage
from ..audit import record
from ..delivery.mail import service_message_id
from ..formatting import format_date, initials as pupil_initials, local_today
from ..models import OutboxMessage, Pack, PackFile, Referral, School, User, db, utcnow
from ..rules import sessions_relied_on
from ..text import check_text, same_name
from . import changes, documents, notify, seal
from .actions import ActionError, form_of, verdict, working_data
from .evidence import EvidenceError
from .history import sessions_used_elsewhere
from .pack import assemble


def _evidence_bytes(form, evidence) -> bytes:
    """An uploaded file for the pack. One gone from storage cannot be signed, and trying again will not
    bring it back: the request goes back for it. A storage that cannot be read just now raises
    StorageError, as a failed write does (the head is told to try again later)."""
    try:
        return storage.get(evidence.storage_key)
    except storage.MissingFile:
        message = f"The {form.evidence_label(evidence.kind)} is no longer in storage"
        # 409: the request as it stands cannot be signed (the pages then show the message itself).
        raise ActionError(f"{message}. Send the request back so that the office can upload it again.",
                          errors={"evidence": [message]}, status=409) from None


def sign(user: User, referral: Referral, *, name: str, declaration: bool, on_behalf_of: str | None = None,
         client_address: str | None = None) -> Pack:
    """The signed-in headteacher signs as themselves (issue 17): the typed name must be their account's,
    and the documents, the manifest, the audit event and the email name the account. An acting head
    states on whose behalf (`on_behalf_of`, e.g. "the headteacher, Mrs A Okafor")."""
    if user.role != "headteacher" or referral.school_id != user.school_id:
        raise ActionError("Only the school's headteacher can sign this request", status=403)
    if referral.status != "awaiting_signoff":
        raise ActionError("Only a request awaiting sign-off can be signed", status=409)
    errors = {}
    signature = "Enter your full name as your signature (up to 200 characters)"
    name, problem = check_text(name, label="your name", max_length=200, multiline=False, required=signature,
                               too_long=signature)
    if not problem and not same_name(name, user.name):
        problem = (f"Type your own name as it is on your account ({user.name}): you sign as yourself. If you sign "
                   "for someone else, say on whose behalf")
    if problem:
        errors["name"] = [problem]
    on_behalf_of, problem = check_text(on_behalf_of, label="on whose behalf you sign", max_length=200,
                                       multiline=False)
    if problem:
        errors["on_behalf_of"] = [problem]
    if declaration is not True:
        errors["declaration"] = ["Confirm the declaration to sign the request"]
    if errors:
        raise ActionError("The request was not signed", errors=errors)

    # The rules are checked again at the moment of signing: time passes (deadlines) between
    # submitting and signing, and a referral the LA would return must not reach it. On PostgreSQL
    # signings at one school wait for each other (a row lock), so a second request for the same
    # child sees the sessions the first relied on (history.sessions_used_elsewhere); on SQLite,
    # which has one writer at a time, the same is checked again once this signing is written.
    db.session.execute(select(School.id).where(School.id == referral.school_id).with_for_update())
    signed_at = utcnow()
    result = verdict(referral, request_date=local_today())
    if not result.eligible:
        raise ActionError("The request no longer meets the rules and cannot be signed",
                          rules=[r.to_dict() for r in result.rules if r.status in ("fail", "missing")])

    form = form_of(referral)
    la = referral.school.la
    version = len(referral.packs) + 1
    changed = changes.since_last_signed(referral)  # for the LA's email: what version 2 changes
    # The account signs: its name is printed, whatever the case and spacing typed.
    signature = {"name": user.name, "role": "Head Teacher", "signed_at": signed_at, "school": referral.school.name,
                 "on_behalf_of": on_behalf_of or None, "client_address": client_address,
                 "account": {"id": user.id, "email": user.email, "name": user.name, "role": user.role}}
    # The uploads first: a file gone from storage is found before seconds are spent rendering.
    evidence = [{"kind": e.kind, "label": form.evidence_label(e.kind), "filename": e.filename,
                 "content_type": e.content_type, "data": _evidence_bytes(form, e)}
                for e in sorted(referral.evidence, key=lambda e: [x["kind"] for x in form.evidence].index(e.kind))]
    rendered = documents.render_referral(referral, signature=signature, verdict=result.to_dict())
    try:
        files = assemble(reference=referral.reference, form_id=form.id, form_title=form.title, version=version,
                         signed=signature, documents=rendered, evidence=evidence,
                         seal=sealer(referral.reference, signature))
    except EvidenceError as exc:
        raise ActionError(f"An evidence file cannot go into the pack: {exc.message}. Ask the office to upload it again.",
                          errors={"evidence": [exc.message]}) from exc
    except seal.SealError as exc:  # the timestamp authority did not answer: nothing was recorded
        raise ActionError(f"The pack could not be sealed just now ({exc}). Try signing again in a few minutes.",
                          status=503) from exc

    # A folder of its own for this attempt: a failed or losing attempt (two tabs signing at once)
    # can then remove what it wrote without touching the files of a pack that was recorded.
    prefix = storage.new_key(f"packs/{referral.reference}/v{version}")
    try:
        stored = []
        for spec in files:  # a StorageError (disk full, read-only) ends here: nothing recorded yet
            key = f"{prefix}/{spec.name}"
            storage.put(key, spec.data)
            stored.append((spec, key))
        pack = _record(user, referral, form, la, result, version, signature, files, stored, changed)
    except BaseException:
        db.session.rollback()
        storage.delete_tree(prefix)  # no partial pack is left behind
        raise
    # Not inside the block above: if the commit itself fails we cannot tell whether the server
    # applied it, and a recorded pack must keep its files; an unused folder is only disk space.
    db.session.commit()
    return pack


def sealer(reference: str, signature: dict):
    """The pack's seal (seal.py): the merged PDF signed by the deployment's key, naming the head and reference,
    its appearance on the declaration page. The signed bytes are what is hashed, stored and emailed."""
    credentials = seal.credentials(current_app.config)
    head = signature["name"] + (f", on behalf of {signature['on_behalf_of']}" if signature.get("on_behalf_of") else "")

    def sign_pdf(pdf: bytes, page: int) -> bytes:
        return seal.seal_pdf(pdf, credentials, page=page, reference=reference, head=head,
                             signed_at=signature["signed_at"], tsa_url=current_app.config.get("SIGNING_TSA_URL"))
    return sign_pdf


def _record(user, referral, form, la, result, version, signature, files, stored, changed) -> Pack:
    """The pack, its files, the outbox message and the events, added to the session (not committed)."""
    manifest = next(spec for spec in files if spec.role == "manifest")
    pack = Pack(referral=referral, version=version, signed_by_id=user.id, signed_name=signature["name"],
                signed_at=signature["signed_at"],
                data=referral.data, verdict=result.to_dict(), register=referral.register,
                manifest_sha256=manifest.sha256)
    db.session.add(pack)
    for position, (spec, key) in enumerate(stored):
        db.session.add(PackFile(pack=pack, position=position, name=spec.name, role=spec.role,
                                content_type=spec.content_type, size=len(spec.data), sha256=spec.sha256,
                                storage_key=key))
    referral.status = "signed"
    referral.eligibility = result.to_dict()
    db.session.flush()
    _check_no_session_used_twice(referral, pack.verdict)
    db.session.add(OutboxMessage(
        kind="la_pack", referral_id=referral.id, pack=pack, recipient=la.inbox_email,
        subject=f"[{referral.reference}] {form.title} - {referral.school.name}",
        body=email_body(referral, pack, files, signature, changed), message_id=service_message_id(),
    ))
    # The verdict stored on the pack (and the referral) lists the sessions its rules relied on: no
    # later penalty notice request for this child counts them again (issue 4).
    record("signed", user=user, referral=referral,
           detail={"version": version, "signed_name": signature["name"], "account": signature["account"],
                   "on_behalf_of": signature["on_behalf_of"], "manifest_sha256": manifest.sha256,
                   "sessions_relied_on": len(sessions_relied_on(pack.verdict))})
    record("delivery_queued", user=user, referral=referral, detail={"recipient": la.inbox_email})
    return pack


def _check_no_session_used_twice(referral: Referral, stored: dict) -> None:
    """Once this signing holds the database's write lock, no other request for the pupil may have
    been signed since the verdict on the same sessions (two heads' tabs signing at once)."""
    ours = {(s["date"], s["session"]) for s in sessions_relied_on(stored)}
    if not ours:
        return
    taken = {(s["date"], s["session"]) for sessions in sessions_used_elsewhere(referral).values() for s in sessions}
    if ours & taken:
        db.session.rollback()
        raise ActionError("Another request for this pupil was signed at the same moment and counted some of the same "
                          "sessions. Nothing was signed: sign again to check the rules afresh.", status=409)



def email_body(referral: Referral, pack: Pack, files, signature: dict | None = None,
               changed: changes.Changes | None = None) -> str:
    """Plain text, with no more personal data than the LA needs to file it: initials only."""
    data = working_data(referral)
    pupil = data.get("pupil", {})
    initials = pupil_initials(pupil)
    form = form_of(referral)
    lines = [
        f"Reference: {referral.reference} (version {pack.version})",
        f"Form: {form.title} ({form.source})",
        f"School: {referral.school.name}",
        f"Pupil: {initials}",
        f"Signed by: {pack.signed_name}, Head Teacher"
        + (f", on behalf of {signature['on_behalf_of']}" if signature and signature.get("on_behalf_of") else "")
        + f", on {format_date(pack.signed_at.date())}",
        *([f"Signing account: {signature['account']['email']} ({signature['account']['role']}, account "
           f"{signature['account']['id']})"] if signature else []),
        *notify.change_lines(changed),
        "",
        "Attached:",
        *[f"- {spec.name}" for spec in files],
        "",
        "The manifest lists the SHA-256 of every file, so you can check that nothing has changed.",
        # The seal (issue 24): where the certificate to trust is, at the service's own address.
        "The pack's PDF is digitally signed by the service: trust its signing certificate once, from "
        f"{notify.link('la.index')}#signing-certificate, and your PDF reader will show whether it has changed.",
        f"Check it and accept or return it: {notify.link('la.show', referral_id=referral.id)}",
        notify.FOOTER,
    ]
    return "\n".join(lines) + "\n"
