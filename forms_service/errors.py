"""Error pages and JSON errors. A request never ends in a bare 500 page or a stack trace."""
from __future__ import annotations

from flask import g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .models import db
from .storage import StorageError

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign in required", "Sign in to continue."),
    403: ("You do not have access to this page", "Your account does not allow this."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Someone else changed this", "Reload the page to see the latest version, then make your change again."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    422: ("There is a problem", "The request could not be processed."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    503: ("Sorry, the service is unavailable", "Try again in a few minutes. Nothing you saved has been lost."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you saved has been lost."),
}



class LimitReached(Exception):
    """A user's hourly limit is used up: `message` for them, `retry_after` seconds, and the `field`
    whose answer the message belongs to."""

    def __init__(self, message: str, retry_after: int, field: str):
        super().__init__(message)
        self.message, self.retry_after, self.field = message, retry_after, field

def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return jsonify({"code": code, "status": title, "message": message or default}), code
    return render_template("errors.html", code=code, title=title, message=message or default), code


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, "Your session has expired or the form was not sent from this service. "
                                   "Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # flask-smorest puts field errors in exc.data["messages"]: keep them for API clients.
        if _wants_json() and getattr(exc, "data", None) and exc.data.get("messages"):
            message = ("The request body is not valid JSON." if exc.code == 400 else
                       "Some fields need correcting: each is named under errors.")
            return jsonify({"code": exc.code, "status": MESSAGES.get(exc.code, (exc.name,))[0], "message": message,
                            "errors": exc.data["messages"]}), exc.code
        # A 503 raised with a reason (the pack could not be stored, so nothing was signed) keeps it.
        message = exc.description if exc.code in (400, 409, 413, 422, 503) else None
        response, code = error_response(exc.code or 500, message)
        if getattr(exc, "valid_methods", None):  # a 405 says what the address does accept (RFC 9110)
            response = make_response(response, code)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response, code

    @app.errorhandler(LimitReached)
    def limit_reached(exc: LimitReached):
        # An hourly limit (forms_service/access/quotas.py) a page did not answer itself; the API names the field.
        db.session.rollback()
        if _wants_json():
            response = jsonify({"code": 429, "status": MESSAGES[429][0], "message": exc.message,
                                "errors": {exc.field: [exc.message]}})
        else:
            response = make_response(error_response(429, exc.message))
        response.status_code = 429
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(StaleDataError)
    def stale(exc):
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(DataError)
    def bad_value(exc):
        # The database refused a value (a NUL byte, an out-of-range number): the request's fault,
        # not an outage. Input validation should stop these first; this is the backstop.
        db.session.rollback()
        return error_response(422, "A value in the request cannot be stored. Remove unusual characters and try again.")

    @app.errorhandler(IntegrityError)
    def conflict(exc):
        # A uniqueness rule the checks before saving could not see: someone saved the same thing
        # (a notice reference, an email address) at the same moment. Not an outage.
        db.session.rollback()
        return error_response(409, "Someone else saved the same thing at the same moment. Reload the page to see "
                                   "it, then make your change again if it is still needed.")

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_down(exc):
        app.logger.error("database unavailable: %s", exc.__class__.__name__)
        db.session.rollback()
        # The page is shown as to a signed-out visitor: loading the signed-in user needs the
        # database, and failing again here would end in a bare 500.
        g._login_user = app.login_manager.anonymous_user()
        return error_response(503)

    @app.errorhandler(StorageError)
    def storage_unavailable(exc):
        # The backstop for a stored file that could not be read or written where the page did not
        # say so itself (forms_service/storage.py): the storage is down or a file is gone, not a bug.
        app.logger.error("storage: %s", exc)
        db.session.rollback()
        return error_response(503, "A stored file could not be read or saved. Try again in a few minutes; if it "
                                   "keeps happening, contact the service administrator.")

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return error_response(500)
