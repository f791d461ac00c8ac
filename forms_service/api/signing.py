"""The certificate packs are sealed with (issue 24): public, so that whoever holds a pack — an LA officer, a
court, a parent's solicitor — can fetch it and check the PDF's signature without an account."""
from __future__ import annotations

from flask import Response, current_app
from flask_smorest import Blueprint

from ..referrals import seal
from .guard import authenticate

CERTIFICATE_PATH = "/signing-certificate"
PEM_TYPE = "application/x-pem-file"

blp = Blueprint("api_signing", __name__, description="The pack-signing certificate")
blp.before_request(authenticate)  # passes this public path through (guard.PUBLIC)


@blp.route(CERTIFICATE_PATH, methods=["GET"])
@blp.doc(security=[], responses={"200": {
    "description": "The PEM certificate whose key seals every signed pack's PDF (PAdES). Trust it once in a PDF "
                   "reader, after checking its SHA-256 fingerprint (the X-Certificate-SHA256 header, and the LA's "
                   "page) against one given by the service's operator.",
    "headers": {"X-Certificate-SHA256": {"description": "The certificate's SHA-256 fingerprint, AB:CD:...",
                                         "schema": {"type": "string"}}},
    "content": {PEM_TYPE: {"schema": {"type": "string"}}}}})
def certificate():
    credentials = seal.credentials(current_app.config)
    return Response(credentials.cert_pem, mimetype=PEM_TYPE, headers={
        "Content-Disposition": 'attachment; filename="forms-service-signing-certificate.pem"',
        "X-Certificate-SHA256": credentials.fingerprint})
