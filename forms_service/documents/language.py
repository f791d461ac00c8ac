"""The language a parent's letter is written in (issue 19, Welsh Language Standards): one message
catalogue per language under forms_service/translations/<code>/LC_MESSAGES/messages.po, read with
Babel (the Python Babel project, which also extracts the messages: `make messages`).

A letter's fixed words sit in its templates inside `{% trans %}` blocks (Jinja's i18n extension, in
both the print and the Word environments); the context says the language (`language`, a code from
LANGUAGES) and the renderers bind that language's gettext for the one render, so two letters in two
languages can be made at once in two threads. A message with no translation, and a language with no
catalogue, fall back to English: the service ships English, and the catalogues are for the LA's
translator (we write no Welsh we cannot stand behind).
"""
from __future__ import annotations

import functools
import gettext as _gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

# The languages a parent may have their letters in: code -> what the form shows (in that language too,
# as GOV.UK's language switchers do).
LANGUAGES = {"en": "English", "cy": "Welsh (Cymraeg)"}
DEFAULT = "en"
# BCP 47 tags for the PDF's and the page's language.
TAGS = {"en": "en-GB", "cy": "cy"}


def language_of(value) -> str:
    """A known language code for `value` (a form's answer), else English."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT


def tag(code: str) -> str:
    """The language tag of a document in `code`: its own where its catalogue translates something, else
    English (a Welsh parent's letter printed in English while no translation is shipped is tagged English,
    so a screen reader does not read English in a Welsh voice)."""
    return TAGS[code] if code in TAGS and (code == DEFAULT or translated(code)) else TAGS[DEFAULT]


def _compiled(path: Path) -> tuple[_gettext.NullTranslations, bool]:
    """(translations, whether any message is translated) of the .po file at `path`, compiled in memory (no
    .mo files in the repository)."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer), any(m.id and m.string for m in catalog)


def translations(code: str) -> _gettext.NullTranslations:
    """The catalogue for `code` (from TRANSLATIONS_DIR); English (no translation) when there is none."""
    return _catalogue(code)[0]


def translated(code: str) -> bool:
    """Whether the catalogue for `code` translates any message."""
    return _catalogue(code)[1]


def _catalogue(code: str) -> tuple[_gettext.NullTranslations, bool]:
    if code == DEFAULT or code not in LANGUAGES:
        return _gettext.NullTranslations(), False
    return _read(TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po")


@functools.lru_cache(maxsize=8)
def _read(path: Path) -> tuple[_gettext.NullTranslations, bool]:
    return _compiled(path) if path.is_file() else (_gettext.NullTranslations(), False)


def bound(context: dict, catalogue: _gettext.NullTranslations | None = None) -> dict:
    """`context` with the gettext of its `language` bound for the i18n extension's `{% trans %}`
    (a name in the render's context wins over the environment's global, which is English)."""
    chosen = catalogue if catalogue is not None else translations(language_of(context.get("language")))
    return {**context, "gettext": chosen.gettext, "ngettext": chosen.ngettext}
