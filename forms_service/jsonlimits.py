"""How deeply a JSON document may nest (issue 14): checked on every JSON request body, before anything
parses it, and on JSON the web pages carry in hidden fields.

Python's json parser, marshmallow and our own code all recurse once per level, so a body of a few
kilobytes (`[` × 100,000) would otherwise end in a RecursionError and a 500. The deepest legitimate
document is far shallower: a referral's `data` (form answers with lists of parents and their
addresses) and a register (`register.sessions[n].code`) stay under 8 levels with the request's own
object around them. The check reads the raw bytes without recursing, so no depth is too deep for it.
"""
from __future__ import annotations

import json
import re

from flask import abort, current_app, request

MAX_DEPTH = 32
MESSAGE = f"The JSON is nested too deeply: at most {MAX_DEPTH} levels of objects and arrays are allowed"

# Only brackets and the quotes around strings matter: escaped backslashes and quotes go first (a JSON
# lexer reads escapes left to right, as bytes.replace does), then every other byte, then each string
# with the brackets inside it. The closing quote is optional: an unterminated string runs to the end
# at once (the parser reports the broken document itself). All of it runs in C; UTF-8 never puts a quote
# or a backslash inside a multi-byte character.
_KEPT = b'[]{}"'
_NOT_KEPT = bytes(b for b in range(256) if b not in _KEPT)
_STRING = re.compile(rb'"[^"]*"?')
_OPENING = frozenset(b"[{")


def depth_exceeds(raw: bytes | str, limit: int = MAX_DEPTH) -> bool:
    """Whether objects and arrays nest deeper than `limit` in the JSON text `raw` (valid or not)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    kept = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_KEPT)
    # Two quotes side by side are an empty string, or the end of one string and the start of the next
    # with no bracket between them: either way dropping them keeps what is outside every string. Most
    # strings are left empty here, so the pattern has little left to do.
    brackets = _STRING.sub(b"", kept.replace(b'""', b""))
    if len(brackets) <= limit:
        return False
    depth = 0
    for byte in brackets:
        if byte in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads(text: str):
    """json.loads, refusing (ValueError) a document nested deeper than MAX_DEPTH."""
    if depth_exceeds(text):
        raise ValueError(MESSAGE)
    return json.loads(text)


def refuse_deep_json_bodies():
    """before_request: a 400 for a JSON body nested too deeply, before the API's parser, a view's
    get_json or authentication sees it. One log line: no traceback, nothing of the body."""
    if request.is_json and depth_exceeds(request.get_data(cache=True)):
        current_app.logger.warning("refused a JSON body nested deeper than %d levels: %s %s",
                                   MAX_DEPTH, request.method, request.path)
        abort(400, MESSAGE)


def init_app(app) -> None:
    app.before_request(refuse_deep_json_bodies)
