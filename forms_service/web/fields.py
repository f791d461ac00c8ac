"""Fields and forms more than one page uses: the register's code set, an email address, and a form
that carries only the CSRF token (a button that acts without other answers)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import EmailField, RadioField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..register.marks import CODE_SET_CHOICES, DEFAULT_CODE_SET

EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"


class CsrfOnlyForm(FlaskForm):
    """For buttons that act without other answers (remove a file): the CSRF check only."""


def code_set_field(label: str) -> RadioField:
    return RadioField(label, widget=GovRadioInput(), choices=list(CODE_SET_CHOICES), default=DEFAULT_CODE_SET)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label: str, *, required: str | None, description: str = "",
                example: str = "name@example.org") -> EmailField:
    """An email address: trimmed, one @, no spaces or control characters, at most 320 characters."""
    validators = [DataRequired(required)] if required else [Optional()]
    return EmailField(label, widget=GovTextInput(), description=description, filters=[_strip],
                      validators=validators + [
                          Regexp(EMAIL_PATTERN, message=f"Enter an email address in the correct format, like {example}"),
                          Length(max=320, message="The email address must be 320 characters or fewer")])
