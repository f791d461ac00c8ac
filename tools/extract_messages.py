"""Extract the fixed words of the letters (their `{% trans %}` blocks) into the message catalogues
(issue 19): forms_service/translations/messages.pot, and each language's messages.po updated from it
(a translation already made is kept; a new sentence comes in untranslated, so it prints in English
until the LA's translator fills it in).

Both formats are read: the print templates (templates/html/print/*.html) with Jinja's own Babel
extractor, and the Word templates (templates/docx/*.docx), whose XML holds the same Jinja once the
run boundaries are taken out (as docxtpl does before rendering).

Usage: python tools/extract_messages.py [--check]
  --check: change nothing; exit 1 when the catalogues are not up to date with the templates.
"""
from __future__ import annotations

import argparse
import html
import io
import re
import sys
import zipfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parents[1]
PRINT_DIR = ROOT / "templates" / "html" / "print"
DOCX_DIR = ROOT / "templates" / "docx"
CATALOGUES = ROOT / "forms_service" / "translations"
POT = CATALOGUES / "messages.pot"
LANGUAGES = ("cy",)  # the catalogues shipped for translators (forms_service/documents/language.py)
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "_": None}
# As the renderers' environments: i18n with trimmed blocks; the print one trims and strips blocks too.
OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "trim_blocks": "true", "lstrip_blocks": "true"}
# docxtpl's paragraph, row, cell and run tags ({%p for ... %}) are plain Jinja once it has rewritten them.
_DOCX_TAG = re.compile(r"\{%-?\s*(?:p|tr|tc|r)\s")


def docx_source(path: Path) -> str:
    """The Jinja source a Word template is rendered from: its parts' text without the XML markup."""
    with zipfile.ZipFile(path) as archive:
        parts = [n for n in archive.namelist() if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
        xml = "\n".join(archive.read(n).decode("utf-8") for n in sorted(parts))
    text = re.sub(r"</w:p>", "\n", xml)  # a paragraph ends a line: line numbers stay readable
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return _DOCX_TAG.sub("{% ", text)


def _messages(source: str, where: str):
    for lineno, _function, message, comments in babel_extract(io.BytesIO(source.encode("utf-8")), KEYWORDS, [],
                                                             OPTIONS):
        yield message, (where, lineno), comments


def _catalog(locale: str | None) -> Catalog:
    catalog = Catalog(locale=locale, project="forms-service", version="1", msgid_bugs_address="",
                      copyright_holder="", fuzzy=False)
    catalog.header_comment = (
        "# The fixed words of the parent letters, for the local authority's translator (issue 19).\n"
        "# tools/extract_messages.py (make messages) writes messages.pot from the templates and adds new\n"
        "# sentences here; an empty msgstr prints in English.")
    return catalog


def template() -> Catalog:
    """The catalogue of every message in the letters' templates, as the templates stand."""
    catalog = _catalog(None)
    sources = [(p.read_text(encoding="utf-8"), f"templates/html/print/{p.name}") for p in sorted(PRINT_DIR.glob("*.html"))]
    sources += [(docx_source(p), f"templates/docx/{p.name}") for p in sorted(DOCX_DIR.glob("*.docx"))]
    for source, where in sources:
        for message, location, comments in _messages(source, where):
            catalog.add(message, locations=[location], auto_comments=comments)
    return catalog


def _write(catalog: Catalog, path: Path) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=True, no_location=False)
    return buffer.getvalue()


def _ids(catalog: Catalog) -> set:
    return {m.id for m in catalog if m.id}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the catalogues are out of date")
    args = parser.parse_args(argv)
    fresh = template()
    stale: list[str] = []
    shipped = read_po(POT.open("rb")) if POT.is_file() else None
    if shipped is None or _ids(shipped) != _ids(fresh):
        stale.append(str(POT.relative_to(ROOT)))
    if not args.check:  # written afresh (where each message is used moves with the templates); dated as before
        if shipped is not None:
            fresh.creation_date = shipped.creation_date
        CATALOGUES.mkdir(parents=True, exist_ok=True)
        POT.write_bytes(_write(fresh, POT))
    for code in LANGUAGES:
        path = CATALOGUES / code / "LC_MESSAGES" / "messages.po"
        current = read_po(path.open("rb"), locale=code) if path.is_file() else _catalog(code)
        if not path.is_file() or _ids(current) != _ids(fresh):
            stale.append(str(path.relative_to(ROOT)))
        if not args.check:
            current.update(fresh, no_fuzzy_matching=True, update_creation_date=False)
            current.obsolete.clear()  # a sentence no template uses any more is not kept
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_write(current, path))
    if stale:
        print(("out of date: " if args.check else "brought up to date: ") + ", ".join(stale))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
