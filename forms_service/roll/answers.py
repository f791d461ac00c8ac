"""A pupil as a form's first answers (issue 18): the child's details and the parents, only those the
form asks for, in its own shape; the office checks and changes them on the form's pages."""
from __future__ import annotations

from ..formdefs import FormDef, get_form
from ..models import Referral, User
from ..referrals import actions
from .search import Pupil


def answers_for(form: FormDef, pupil: Pupil) -> dict:
    declared = {f.name: f for f in form.fields}
    child = {key: value for key, value in pupil.child.items()
             if f"pupil.{key}" in declared and value not in (None, "")}
    answers: dict = {"pupil": child} if child else {}
    parents_field = declared.get("parents")
    if parents_field is not None and pupil.parents:
        names = {item.name for item in parents_field.item_fields}
        limit = parents_field.options.get("max_items", 6)
        parents = [{k: v for k, v in parent.items() if k in names and v not in (None, "")}
                   for parent in pupil.parents[:limit]]
        parents = [p for p in parents if p.get("name")]
        if parents:
            answers["parents"] = parents
    return answers


def start(user: User, form_id: str, pupil: Pupil) -> Referral:
    """A new draft of `form_id` with the pupil's answers. An answer this form would refuse (a year group
    longer than it allows, say) is left for the office to type rather than stopping the start: first
    the parents are dropped, then the child's details."""
    form = get_form(form_id)
    answers = answers_for(form, pupil) if form is not None else {}
    for attempt in (answers, {"pupil": answers["pupil"]} if "pupil" in answers else None, {}):
        if attempt is None:
            continue
        try:
            return actions.create(user, form_id, attempt)
        except actions.ActionError as exc:
            if exc.status != 422 or not attempt:
                raise
    raise AssertionError("unreachable: a blank draft is always valid")
