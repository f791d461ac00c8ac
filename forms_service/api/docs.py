"""What the OpenAPI document says about each operation's answers, kept beside the code that gives them.

There is no catch-all `default` response: each status an operation can answer with is listed, so
a client (and tests/test_api_fuzz.py) can hold the API to its document. Two are listed for every
operation in one place (`CommonResponses`): 401, from the bearer-token guard (api/guard.py), or on
its public paths from the handler's own check of the credentials; and 503, from the database-down
handler (forms_service/errors.py). The rest each route lists with `fails_with(blp, ...)`; a route
needing no token says so with `blp.doc(security=[])`.
"""
from __future__ import annotations

from http import HTTPStatus

from apispec import BasePlugin

from ..referrals.evidence import JSON_TYPE

BINARY = {"type": "string", "format": "binary"}


def fails_with(blp, *codes: int):
    """Document the error statuses a route answers with (body: the ApiError schema)."""
    def decorator(func):
        for code in codes:
            func = blp.alt_response(code, response=HTTPStatus(code).name)(func)
        return func
    return decorator


# A rendered document's answer, which has no room for a JSON key, names here the data dictionary's names the
# form does not use (forms_service/dictionary.py), as `warnings` does on a JSON answer.
IGNORED_FIELDS = "Ignored-Fields"
IGNORED_FIELDS_HEADER = {IGNORED_FIELDS: {
    "description": "Present when the data held names of the data dictionary (DESIGN.md §6) that this form does not "
                   "use: their paths, comma-separated (`pupil.upn, parents[0].date_of_birth`). They were checked "
                   "against their type and ignored.",
    "schema": {"type": "string"}}}


def files(description: str, *content_types: str, headers: dict | None = None) -> dict:
    """A 200 that is a file of one of `content_types` (for `blp.doc(responses=...)`); a JSON file
    (a pack's manifest.json) is an object, as clients will parse it."""
    return {"200": {"description": description, **({"headers": headers} if headers else {}), "content": {
        t: {"schema": {"type": "object"} if t == JSON_TYPE else BINARY} for t in content_types}}}


class CommonResponses(BasePlugin):
    """An apispec plugin adding to every operation the statuses every operation can answer with."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            declared = {str(code) for code in responses}
            for code in (401, 503):
                if str(code) not in declared:
                    responses[str(code)] = HTTPStatus(code).name
