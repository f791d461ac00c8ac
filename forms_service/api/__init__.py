"""The JSON API under /api/v1 (DESIGN.md §6), described at /api/v1/openapi.json."""
from __future__ import annotations

from flask_smorest import Api as SmorestApi

from .docs import CommonResponses
from .schemas import ApiError


class Api(SmorestApi):
    # Every status an operation answers with is listed with it (api/docs.py), with the body the
    # service really sends: no catch-all `default` response.
    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ApiError

    def _register_error_handlers(self):
        """Errors are rendered by forms_service.errors for the web and the API alike."""


def init_app(app) -> None:
    from ..web import csrf
    from . import cases, catalogue, la_screening, notices, pupils, referrals, registers, signing, tokens

    app.config.setdefault("API_SPEC_OPTIONS", {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
        "info": {"description": "Forms, eligibility rules, referrals, sign-off and delivery of attendance "
                                "legal-intervention paperwork. Authenticate with POST /api/v1/auth/token."},
    })
    api = Api(app, spec_kwargs={"extra_plugins": [CommonResponses()]})
    for module in (tokens, catalogue, referrals, notices, pupils, registers, cases, signing, la_screening):
        csrf.exempt(module.blp)  # bearer tokens, not cookies: no cross-site request can carry them
        api.register_blueprint(module.blp, url_prefix="/api/v1")

