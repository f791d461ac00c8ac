"""Attendance legal-intervention forms service: the Flask app factory."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotations only: importing Flask here would cost every command line
    from flask import Flask


def create_app(overrides: dict | None = None, *, environ: dict | None = None):
    # Imported here, not at the top: `import forms_service` is what every command line starts with, and a
    # command that needs no application (`forms-service screen`) should not pay for Flask and the models.
    from flask import Flask
    from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

    from .config import PROJECT_ROOT, Config
    from .models import db, init_db

    app = Flask(
        __name__,
        static_folder="static",
        static_url_path="/assets",  # govuk-frontend's CSS expects its fonts and images here
        template_folder=str(PROJECT_ROOT / "templates" / "html"),
    )
    app.config.from_mapping(Config(environ).as_dict())
    if overrides:
        app.config.from_mapping(overrides)

    from .web import templating
    app.jinja_environment = templating.Environment  # before app.jinja_env is first made
    # Our pages first, then the GOV.UK macros shipped in the Python packages.
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(PROJECT_ROOT / "templates" / "html")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf", "templates"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    init_db(app, "forms-service")

    from . import api, converters, errors, jsonlimits, security, web
    from .access import auth, mfa
    converters.init_app(app)  # before any blueprint: routes use <id:...>
    jsonlimits.init_app(app)  # first of the before_request hooks: no deep JSON reaches a parser
    security.init_app(app)
    templating.init_app(app)
    auth.init_app(app)
    mfa.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    api.init_app(app)
    _check_signing(app)

    @app.get("/healthz")
    def healthz():
        from sqlalchemy import text

        # A real table, not SELECT 1: SQLite answers that without opening the file, even when locked.
        db.session.execute(text("SELECT version_num FROM alembic_version"))
        return {"status": "ok"}

    return app


def _check_signing(app: Flask) -> None:
    """Read the pack-signing key and certificate now (made once under VAR_DIR in demo mode): a wrong setting
    stops the service starting rather than failing a head's signing."""
    from .referrals import seal

    try:
        credentials = seal.credentials(app.config)
    except seal.SealError as exc:
        raise ValueError(str(exc)) from None
    if credentials.demo and not (app.config["DEMO_MODE"] or app.config.get("TESTING")):
        app.logger.warning("SIGNING_KEY and SIGNING_CERT are not set: signed packs are sealed with the demonstration "
                           "key under %s, which is not for real use", app.config["VAR_DIR"])
