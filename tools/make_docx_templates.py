"""Scaffold the docxtpl templates in templates/docx/ with python-docx.

This script only scaffolds: once someone edits a template in Word, that .docx is the editable
source and this script must not be re-run over it (it would overwrite their changes; it refuses to
unless given --force). Keep the rows and words the same as the print templates in
templates/html/print/ — tests compare the DOCX and PDF text.

Template rules (DESIGN.md §8): A4 pages (python-docx defaults to US Letter); straight quotes inside
{{ }} (Word's curly quotes break expressions); repeated or conditional table rows use {%tr %} tags and
conditional paragraphs {%p %}, each alone in its own row or paragraph.

Usage: python tools/make_docx_templates.py [--force]
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docx_templates  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent.parent / "templates" / "docx"


def builders() -> dict:
    """{file name: build(path)} from each module of tools/docx_templates/ that defines NAME and build."""
    found = {}
    for info in pkgutil.iter_modules(docx_templates.__path__):
        module = importlib.import_module(f"docx_templates.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "build"):
            found[module.NAME] = module.build
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite templates that already exist")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, build in builders().items():
        path = OUT_DIR / name
        if path.exists() and not args.force:
            print(f"kept {path} (exists; it may have been edited in Word — use --force to overwrite)")
            continue
        build(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
