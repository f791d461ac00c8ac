"""A parent's letters in the parent's language (issue 19; the Welsh Language Standards oblige Welsh councils
to offer correspondence in Welsh). The service ships English and a Welsh catalogue for the LA's translator
(forms_service/translations/cy/LC_MESSAGES/messages.po): every fixed sentence of a parent letter is a
message in it, extracted from the print and Word templates alike (tools/extract_messages.py, `make
messages`). Here a Welsh catalogue, as a translator would ship it, switches a letter's fixed text in both
formats for the parent who chose Welsh, and only for them; an untranslated sentence stays English, and a
letter with nothing translated is tagged English, not Welsh."""
from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from pypdf import PdfReader

from forms_service.documents import language

from support.doctext import squash
from support.form_case import FormCase
from support.messages import welsh_catalogue

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import extract_messages  # noqa: E402

CASE = FormCase("sao-concern-letter", school={"name": "Llanishen High School"},
                la={"name": "Cardiff Council", "inbox": "ews-referrals@la.invalid", "jurisdiction": "wales"},
                reference="SCL-2025-000031", today=dt.date(2025, 12, 2), profile="cardiff")
DOC = CASE.form.documents[0]
WELSH, ENGLISH = 0, 1  # the sample's parents: Siân Price chose Welsh, Rhys Price English
CLOSING = "Yours sincerely"
DATE_LABEL = "Date:"


def _letter(recipient: int) -> dict:
    return CASE.render(DOC, CASE.context(recipient=recipient))


def test_the_catalogues_hold_every_sentence_of_the_templates():
    """`make messages` has been run since the templates last changed: the catalogue for translators is
    complete, and the Welsh one has every message (untranslated ones print in English)."""
    assert extract_messages.main(["--check"]) == 0
    pot = {m.id for m in read_po((language.TRANSLATIONS_DIR / "messages.pot").open("rb")) if m.id}
    assert CLOSING in pot and DATE_LABEL in pot and len(pot) > 50
    welsh = read_po((language.TRANSLATIONS_DIR / "cy" / "LC_MESSAGES" / "messages.po").open("rb"), locale="cy")
    assert {m.id for m in welsh if m.id} == pot


def test_as_shipped_a_welsh_parent_s_letter_is_english_and_tagged_english():
    assert CASE.sample()["parents"][WELSH]["language"] == "cy"
    letter = _letter(WELSH)
    for words in (letter["docx"], letter["pdf"]):
        assert CLOSING in words
    assert PdfReader(io.BytesIO(letter["pdf_bytes"])).trailer["/Root"]["/Lang"] == "en-GB"


def test_a_welsh_catalogue_switches_the_letter_s_fixed_text_for_the_parent_who_chose_welsh(tmp_path, monkeypatch):
    welsh_catalogue(tmp_path, monkeypatch, {CLOSING: "[cy] Yn gywir", DATE_LABEL: "[cy] Dyddiad:"})
    letter = _letter(WELSH)
    for words in (letter["docx"], letter["pdf"]):
        assert squash("[cy] Yn gywir") in words and squash("[cy] Dyddiad:") in words
        assert CLOSING not in words
        assert "Siân Price" in words  # the values are the same in any language
        assert squash("Osian Price has been absent from school since") in words  # not translated: stays English
    assert PdfReader(io.BytesIO(letter["pdf_bytes"])).trailer["/Root"]["/Lang"] == "cy"
    other = _letter(ENGLISH)
    for words in (other["docx"], other["pdf"]):
        assert CLOSING in words and "[cy]" not in words
    assert PdfReader(io.BytesIO(other["pdf_bytes"])).trailer["/Root"]["/Lang"] == "en-GB"


def test_a_language_the_service_does_not_offer_is_english():
    assert language.language_of("fr") == "en" and language.language_of(None) == "en"
    assert language.language_of("cy") == "cy"
    assert language.tag("fr") == "en-GB"


def test_the_final_warning_in_wales_is_in_the_parent_s_language_too(tmp_path, monkeypatch):
    """003's Penalty Notice Warning Letter is used in Wales too (with Welsh law's amounts): its fixed words are
    messages as well, the amounts' sentence included, the values bound into it."""
    case = FormCase("final-warning", school={"name": "Ysgol Demo"},
                    la={"name": "Cardiff Council", "inbox": "ews-referrals@la.invalid", "jurisdiction": "wales"},
                    reference="FWL-2026-000008", today=dt.date(2026, 3, 6), profile="cardiff")
    data = case.sample()
    data["parents"][0]["language"] = "cy"
    amounts = ("The Penalty Notice is %(lower)s for each child identified in this letter, to be paid within "
               "%(lower_days)s days. If the Penalty Notice is not paid within the time scale the penalty will increase "
               "to %(higher)s per child. If the higher penalty is not paid within %(higher_days)s days, %(la)s will "
               "then institute legal proceedings against you in the magistrate's court under Section 444 of the "
               "Education Act 1996 for failing to ensure your child attends school regularly.")
    welsh_catalogue(tmp_path, monkeypatch, {amounts: "[cy] Mae'r Hysbysiad Cosb yn %(lower)s o fewn %(lower_days)s "
                                                     "diwrnod, neu %(higher)s o fewn %(higher_days)s diwrnod."})
    letter = case.render(case.form.documents[0], case.context(data, recipient=0))
    for words in (letter["docx"], letter["pdf"]):
        assert squash("[cy] Mae'r Hysbysiad Cosb yn £60 o fewn 28 diwrnod, neu £120 o fewn 42 diwrnod.") in words
        assert "The Penalty Notice is" not in words and "£80" not in words
    assert PdfReader(io.BytesIO(letter["pdf_bytes"])).trailer["/Root"]["/Lang"] == "cy"
    other = case.render(case.form.documents[0], case.context(data, recipient=1))
    assert squash("The Penalty Notice is £60 for each child") in other["pdf"] and "[cy]" not in other["pdf"]
