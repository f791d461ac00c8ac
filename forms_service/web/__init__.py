"""The web pages (GOV.UK Design System patterns), one blueprint per area."""
from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from . import (admin, admin_export, auth_views, bulk, calendar_feed, cases, home, la, la_dashboard, la_screening,
                   letter_life, notices, pupils, referrals, screening, second_factor, signoff, sso_views)

    csrf.init_app(app)
    WTFormsHelpers(app)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(sso_views.bp)
    app.register_blueprint(second_factor.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(referrals.bp)
    app.register_blueprint(letter_life.bp)
    app.register_blueprint(signoff.bp)
    app.register_blueprint(la.bp)
    app.register_blueprint(la_dashboard.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(screening.bp)
    app.register_blueprint(la_screening.bp)
    app.register_blueprint(admin_export.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(pupils.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(calendar_feed.bp)
