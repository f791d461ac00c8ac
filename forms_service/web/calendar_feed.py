"""The calendar feed (issue 22, "Reminders"; reminders/feed.py): a school's staff or an LA officer makes, replaces
or stops the secret address of their own feed on "Calendar feed" (linked from the account bar, by "Change your
password"), and a calendar app fetches `/calendar/<token>.ics` with no session.

The address is shown once, in the answer to the POST that made it (never in the session or a flash message),
with `Cache-Control: no-store`, as a password an administrator generated is. The feed answers
`text/calendar; charset=utf-8` with `Cache-Control: private, no-store` (what falls due changes by the day, and
no shared cache may keep it); any token that does not open a feed is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ..access.auth import require_roles
from ..cases.lists import LA_ROLES, SCHOOL_ROLES
from ..formatting import local_today
from ..reminders import feed
from .fields import CsrfOnlyForm

bp = Blueprint("calendar_feed", __name__)


@bp.route("/account/calendar", methods=["GET", "POST"])
@require_roles(*SCHOOL_ROLES, *LA_ROLES)
def account():
    user = current_user.user
    form = CsrfOnlyForm()
    token = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "The form had expired. Go back, reload the page and try again.")
        action = request.form.get("action")
        if action == "create":
            token = feed.create(user)
        elif action == "revoke":
            flash("Your calendar feed is stopped: its address no longer works." if feed.revoke(user)
                  else "You had no calendar feed.", "success")
            return redirect(url_for("calendar_feed.account"), 303)
        else:
            abort(400, "Choose to make a calendar address or to stop the feed.")
    page = render_template("account/calendar.html", title="Calendar feed", form=form, existing=feed.feed_of(user),
                           url=feed.feed_url(token) if token else None, user=user)
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/calendar/<token>.ics")
def feed_ics(token: str):
    user = feed.find(token)
    if user is None:
        abort(404)
    response = make_response(feed.ics(user, local_today()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="attendance.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this address
    return response
