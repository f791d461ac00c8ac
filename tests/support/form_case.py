"""A form's sample case, built one way for every test module that renders a form's documents: the
sample (tests/samples/<form id>.json) loaded through the form's schema, the context of one of its
documents for a recipient, and that document rendered as DOCX and PDF with the text a reader sees."""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

from forms_service.documents.context import build_context
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.doctext import render_docx_and_pdf

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


class FormCase:
    def __init__(self, form_id: str, *, school: dict, la: dict, reference: str, today: dt.date,
                 profile: str | None = None):
        self.form = get_form(form_id)
        self.json = json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))
        self.school, self.la, self.reference, self.today = school, la, reference, today
        # One profile's own paperwork (issue 20: "profiles") has rules only that profile sets: read it under
        # its sample profile unless told otherwise; every other form, the national profile.
        default = self.form.raw["sample_profile"] if self.form.profiles else "national-2024"
        self.profile = load_profile(profile or default)

    def sample(self, **changes) -> dict:
        """The sample as the rules and documents see it (dates as dates), top-level `changes` applied."""
        data = self.form.schema(complete=True).load(copy.deepcopy(self.json))
        data.update(changes)
        return data

    def context(self, data: dict | None = None, recipient: int | None = None, **kwargs) -> dict:
        """The documents' context for `data` (default: the sample), unsigned, for parent `recipient`."""
        data = self.sample() if data is None else data
        verdict = evaluate(self.form, data, profile=self.profile, today=self.today)
        return build_context(self.form.raw, data, school=self.school, la=self.la, reference=self.reference,
                             signature=None, verdict=verdict.to_dict(), recipient=recipient, **kwargs)

    @staticmethod
    def render(doc: dict, ctx: dict) -> dict:
        return render_docx_and_pdf(doc, ctx)
