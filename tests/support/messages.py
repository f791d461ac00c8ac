"""A letter's translatable messages (issue 19, Welsh Language Standards), for tests: the {% trans %}
messages of a print template and of a Word template, as Babel extracts them, and a stand-in catalogue
that marks every message it translates, so a test can see that no fixed sentence escapes it."""
from __future__ import annotations

import gettext
import io
import re

from babel.messages.extract import extract
from docx import Document

from forms_service.documents.rendering import DOCX_TEMPLATES_DIR, HTML_TEMPLATES_DIR

OPTIONS = {"trimmed": "true"}  # as the renderers' i18n policy: a message's white space collapsed
MARKED = re.compile(r"\[\[.*?\]\]")


def html_messages(*names: str) -> set[str]:
    """The messages of print templates under templates/html (e.g. "print/x.html" and the macros it imports)."""
    found = set()
    for name in names:
        with (HTML_TEMPLATES_DIR / name).open("rb") as handle:
            found |= {m[1] for m in extract("jinja2.ext.babel_extract", handle, options=OPTIONS)}
    return found


def docx_messages(name: str) -> set[str]:
    """The messages of a Word template under templates/docx, from its paragraphs and table cells."""
    document = Document(str(DOCX_TEMPLATES_DIR / name))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    # docxtpl's paragraph and row tags are Jinja's once it has placed them.
    text = re.sub(r"\{%(p|tr) ", "{% ", "\n".join(texts))
    return {m[1] for m in extract("jinja2.ext.babel_extract", io.BytesIO(text.encode("utf-8")), options=OPTIONS)}


class Marked(gettext.NullTranslations):
    """A stand-in catalogue that brackets every message it translates, as a translator's would change it."""

    def gettext(self, message):
        return f"[[{message}]]"

    def ngettext(self, singular, plural, n):
        return f"[[{singular if n == 1 else plural}]]"


def outside_messages(text: str) -> str:
    """What a render with Marked prints outside any message: the values only."""
    return MARKED.sub(" ", text)


def mark_every_message(monkeypatch, marked: gettext.NullTranslations | None = None) -> None:
    """Render every letter through a stand-in catalogue that marks each message (Marked), as a language
    the service translates (so its documents are tagged with it)."""
    from forms_service.documents import language

    chosen = marked or Marked()
    monkeypatch.setattr(language, "translations", lambda code: chosen)
    monkeypatch.setattr(language, "translated", lambda code: True)


def welsh_catalogue(directory, monkeypatch, translated: dict[str, str]):
    """A real Welsh catalogue, as the LA's translator would ship it (forms_service/translations/cy/
    LC_MESSAGES/messages.po), written under `directory` with `translated` ({English: Welsh stand-in}) and
    made the service's for the test. Returns its path."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from forms_service.documents import language

    catalog = Catalog(locale="cy")
    for english, welsh in translated.items():
        catalog.add(english, welsh)
    path = directory / "cy" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(language, "TRANSLATIONS_DIR", directory)
    return path
