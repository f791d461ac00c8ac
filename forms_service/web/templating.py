"""Filters and globals for the web pages, and the Jinja environment they render in."""
from __future__ import annotations

import datetime as dt
from collections import ChainMap

from flask.templating import Environment as FlaskEnvironment

from ..formatting import format_date, format_datetime
from ..policies import profile_name
from ..register import exports
from ..rules.titles import title as rule_title

STATUS_LABELS = {
    "draft": ("Draft", "govuk-tag--grey"),
    "awaiting_signoff": ("Awaiting sign-off", "govuk-tag--yellow"),
    "sent_back": ("Sent back by the headteacher", "govuk-tag--orange"),
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


class _Globals(ChainMap):
    """A template's globals (its own over the environment's, as Jinja layers them), with keys() a
    plain set. Jinja works out `importing template's globals - imported template's globals.keys()`
    on every macro import (Template._get_default_module), and GOV.UK Frontend's macros import each
    other on every call: through ChainMap's generic key view that difference was about 17% of a
    form page's CPU. Read at the moment of asking, so later changes to either layer still show."""

    def keys(self):
        return set().union(*self.maps)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(FlaskEnvironment):
    """Flask's environment, made cheaper where GOV.UK Frontend's macros spend their time, with the
    same results: _Globals for template globals, and a direct path for `params.name` on a dict."""

    def make_globals(self, d):
        return _Globals({} if d is None else d, self.globals)

    def getattr(self, obj, attribute):
        # `params.label` on a dict: Jinja tries the attribute first and the item after the
        # AttributeError, and the macros do this about 1,500 times a page. A plain dict has an
        # attribute only if dict itself does, so asking for the item straight away is the answer
        # Jinja would give (an attribute such as `items` still wins, by the general path).
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


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
    # Words for people (issue 18): a rule's title and a policy profile's name, never their ids.
    app.add_template_filter(rule_title, "rule_title")
    app.add_template_filter(profile_name, "profile_name")
    app.add_template_filter(lambda key, form_def: form_def.answer_label(key), "answer_label")
    app.add_template_global(DELIVERY_TAGS, "DELIVERY_TAGS")
    app.add_template_global("Attendance legal-intervention forms", "service_name")
    app.add_template_global(exports.ACCEPT, "register_accept")  # register uploads: CSV and Excel
    app.add_template_global(exports.LAYOUTS, "REGISTER_LAYOUTS")
