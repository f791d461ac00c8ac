"""Bearer-token authentication for every API blueprint (registered at import, once)."""
from __future__ import annotations

from flask import g, request

from ..access.auth import user_from_bearer
from ..errors import error_response

# Paths that do not need a bearer token: signing in, the API's description, and the certificate that seals
# signed packs (anyone holding a pack may check it: api/signing.py).
PUBLIC = ("/api/v1/auth/token", "/api/v1/openapi.json", "/api/v1/signing-certificate")


def authenticate():
    if request.path in PUBLIC or request.method == "OPTIONS":
        return None
    user = user_from_bearer()
    if user is None:
        response, code = error_response(401, "Send a valid bearer token: POST /api/v1/auth/token")
        response.headers["WWW-Authenticate"] = 'Bearer realm="forms-service"'
        return response, code
    g.api_user = user
    return None
