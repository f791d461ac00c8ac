"""Filters and globals for the web pages."""
from __future__ import annotations

import datetime as dt

from .formatting import format_date, format_datetime

STATUS_LABELS = {
    "draft": ("Draft", "govuk-tag--grey"),
    "awaiting_signoff": ("Awaiting sign-off", "govuk-tag--yellow"),
    "signed": ("Signed and sent", "govuk-tag--green"),
    "returned": ("Returned by the LA", "govuk-tag--red"),
    "accepted": ("Accepted by the LA", "govuk-tag--blue"),
}
RULE_TAGS = {
    "pass": ("Pass", "govuk-tag--green"),
    "fail": ("Fails", "govuk-tag--red"),
    "missing": ("Missing", "govuk-tag--yellow"),
    "advisory": ("Advisory", "govuk-tag--blue"),
}
DELIVERY_TAGS = {
    "queued": ("Queued", "govuk-tag--yellow"),
    "sent": ("Sent", "govuk-tag--green"),
    "failed": ("Failed", "govuk-tag--red"),
}


def _date(value) -> str:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value)


def init_app(app) -> None:
    app.add_template_filter(_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_global(STATUS_LABELS, "STATUS_LABELS")
    app.add_template_global(RULE_TAGS, "RULE_TAGS")
    app.add_template_global(DELIVERY_TAGS, "DELIVERY_TAGS")
    app.add_template_global("Attendance legal-intervention forms", "service_name")
