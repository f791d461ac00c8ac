"""URL converters shared by the pages and the API."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter


class RecordId(IntegerConverter):
    """`<id:name>`: a record's id, 1 to 999,999,999 (within PostgreSQL's integer). Any other text is
    no record, a 404 for every method: the pattern, not a later check, rules it out (a later check
    would let werkzeug answer 405 for another method's route; and an id past 2**63 - 1 would overflow
    the SQLite driver, a 500). The OpenAPI document shows the bounds."""

    regex = r"[1-9][0-9]{0,8}"

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=999_999_999)


def init_app(app) -> None:
    app.url_map.converters["id"] = RecordId
