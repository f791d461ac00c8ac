"""The start page: sends each role to the list they work from."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

bp = Blueprint("home", __name__)

LANDING = {"office": "referrals.index", "headteacher": "signoff.index", "la_officer": "la.index", "admin": "la.index"}


@bp.get("/")
@login_required
def index():
    return redirect(url_for(LANDING.get(current_user.role, "auth.login")))
