"""Security headers on every response, a per-request nonce for the one inline script, session
cookies marked Secure over HTTPS, and the client's real address and scheme behind trusted proxies.

- Pages get a Content-Security-Policy that allows scripts only from this service or carrying the
  request's nonce (GOV.UK Frontend's template has one inline script, which the nonce admits:
  its `cspNonce` variable), no inline style, and no framing. A response that sets its own policy
  (the document previews: `default-src 'none'`) keeps it, with the navigation directives it lacks.
- Every response: nosniff, DENY framing, a same-origin Referrer-Policy (Flask-WTF's HTTPS check
  compares the Referer with the host, so same-origin requests must keep sending it), unless the
  response set its own (`no-referrer` where a secret is in the address: a password-reset link).
- Everything but the static assets is `Cache-Control: no-store`: pages and API answers carry
  children's data and must not stay in a shared or back-button cache (a response whose own
  Cache-Control already says no-store keeps it: the calendar feed's `private, no-store`).
- `TRUSTED_PROXIES=n`: the service runs behind n reverse proxies, whose X-Forwarded-For/-Proto/-Host
  are then believed (werkzeug's ProxyFix). Unset (0), those headers are ignored, so a client cannot
  claim another address (the sign-in throttle counts per address) or HTTPS.
"""
from __future__ import annotations

import secrets

from flask import Flask, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# Directives a fetch policy such as `default-src 'none'` does not cover, added where a response
# brings its own policy (a document preview: nothing to frame it, no base, no forms).
NAVIGATION = {"frame-ancestors": "'none'", "base-uri": "'none'", "form-action": "'none'"}


def csp_nonce() -> str:
    """This request's nonce (made on first use): the inline scripts that carry it may run."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def page_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# A document shown as HTML (the previews of a request or letter): its print CSS inline, nothing else
# may load or run, but the school's logo, which the page carries as a data: URI. Set by the views that
# serve one; stricter than a page's.
DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Not a page: JSON, files, redirects. Nothing in them may load anything.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# A PDF shown in the browser's viewer: a fetch policy there can stop the viewer itself, so framing only.
PDF_POLICY = "frame-ancestors 'none'"


def _with_navigation(policy: str) -> str:
    present = {part.strip().split(" ", 1)[0].lower() for part in policy.split(";") if part.strip()}
    extra = [f"{name} {value}" for name, value in NAVIGATION.items() if name not in present]
    return "; ".join([policy.rstrip("; ")] + extra)


def _is_static() -> bool:
    return request.endpoint == "static"


def set_headers(response):
    headers = response.headers
    if "Content-Security-Policy" in headers:
        headers["Content-Security-Policy"] = _with_navigation(headers["Content-Security-Policy"])
    elif response.mimetype == "text/html":
        headers["Content-Security-Policy"] = page_policy(csp_nonce())
    elif response.mimetype == "application/pdf":
        headers["Content-Security-Policy"] = PDF_POLICY
    else:
        headers["Content-Security-Policy"] = OTHER_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "same-origin")
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if not _is_static() and "no-store" not in headers.get("Cache-Control", ""):  # a view's own may add `private`
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("Last-Modified", None)
        headers.pop("ETag", None)
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie Secure also whenever the request came over
    HTTPS (directly, or through a trusted proxy): SESSION_COOKIE_SECURE=1 forces it always."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    app.session_interface = SessionInterface()
    app.after_request(set_headers)
    app.context_processor(lambda: {"cspNonce": csp_nonce()})
