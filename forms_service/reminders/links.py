"""The address of a child's case page for an email or a calendar entry: SERVICE_URL and the page's path (never
the address a request came in on: a client chooses its Host header), as delivery/mail.link makes them. Built
from the path rather than the URL map, so that the delivery worker's app, which has no pages, can make it."""
from __future__ import annotations

from flask import current_app

CASE_PATH = "/referrals/{record_id}/case"  # web/cases: the child's case page (endpoint referrals.case)


def case_url(record_id: int) -> str:
    return current_app.config["SERVICE_URL"] + CASE_PATH.format(record_id=int(record_id))
