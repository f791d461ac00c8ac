"""Codes from a user's authenticator app, for the tests that sign in (access/mfa.py).

A code works once per 30-second time step (replay protection), and a test may sign the same user in twice
within one step. So the tests run TOTP on a clock of their own, `clock` (installed as `mfa.now` by the
`totp_clock` fixture in conftest): `code_for` steps it forward past the user's last accepted step before making
the code, as the real time would if the test waited. Nothing turns the replay check off.
"""
from __future__ import annotations

import time

import pyotp

from forms_service.access import mfa
from forms_service.models import SecondFactor, User, db


class SteppedClock:
    """Real time plus an offset that only grows."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def step_past(self, step: int | None) -> None:
        """Move forward (if need be) so that the current time step is after `step`."""
        if step is not None and mfa.step_at(self()) <= step:
            self.offset += (step + 1 - mfa.step_at(self())) * mfa.STEP


clock = SteppedClock()


def secret_of(app, email: str) -> str | None:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        factor = user and db.session.scalar(db.select(SecondFactor).filter_by(user_id=user.id))
        return mfa.unseal(factor.secret_encrypted) if factor else None


def code_for(app, email: str, secret: str | None = None) -> str:
    """A code `email`'s app would show now, for a time step not yet used (the clock stepped past the last)."""
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        factor = db.session.scalar(db.select(SecondFactor).filter_by(user_id=user.id))
        last = factor.last_step if factor else None
        secret = secret or mfa.unseal(factor.secret_encrypted)
    clock.step_past(last)
    return pyotp.TOTP(secret).at(clock())


def needs_code(app, email: str) -> bool:
    """Whether signing `email` in takes a code; one whose role needs an app and has none yet (an account a test
    added) is given the demo's secret first, as if they had set it up (the set-up page has tests of its own)."""
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=email))
        if user is None or not mfa.needed(user):
            return False
        if not mfa.enrolled(user):
            mfa.set_secret(user, app.config["DEMO_TOTP_SECRET"])
            db.session.commit()
        return True
