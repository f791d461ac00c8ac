"""Documents: one 1-page letter to PDF and to DOCX through the service's renderer against the raw
library on the same input, the same DOCX converted by LibreOffice headless (what Docassemble and
many council systems do to get a PDF), and a signed pack built.

    .venv/bin/python benchmarks/documents.py [--runs 20] [--soffice-runs 5] [--json]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment
from weasyprint import CSS, HTML

from forms_service.documents import rendering
from forms_service.documents.context import build_context
from forms_service.formdefs import get_form
from forms_service.referrals.pack import assemble

from common import ROOT, print_table, ratio, row, timed
from support.sample_data import LA, REFERENCE, SCHOOL, SIGNATURE

LETTER_FORM = "final-warning"  # the Penalty Notice Warning Letter: one A4 page to one parent


def _letter():
    form = get_form(LETTER_FORM)
    data = form.schema(complete=True).load(
        json.loads((ROOT / "tests" / "samples" / f"{LETTER_FORM}.json").read_text(encoding="utf-8")))
    context = build_context(form.raw, data, school=SCHOOL, la=LA, reference=None, signature=None, recipient=0)
    return form, form.documents[0], context


def letter_rows(runs: int, soffice_runs: int) -> list[dict]:
    form, doc, context = _letter()
    html = rendering.render_html(doc["html"], context, title=doc["title"])
    css = CSS(string=rendering.PRINT_CSS_PATH.read_text(encoding="utf-8"))  # parsed once, as ours is
    docx_path = rendering.DOCX_TEMPLATES_DIR / doc["docx"]

    # The templates say {% trans %}: a plain environment with Jinja's own i18n extension, English as written.
    raw_env = Environment(extensions=["jinja2.ext.i18n"])
    raw_env.install_null_translations(newstyle=True)

    def raw_docxtpl():
        template = DocxTemplate(docx_path)
        template.render(context, jinja_env=raw_env, autoescape=True)
        out = io.BytesIO()
        template.save(out)
        return out.getvalue()

    ours_pdf = row("letter PDF: service renderer (template + WeasyPrint)",
                   timed(lambda: rendering.render_pdf(doc["html"], context, title=doc["title"]), runs))
    raw_pdf = row("letter PDF: raw WeasyPrint, same HTML, CSS and PDF/UA-1",
                  timed(lambda: HTML(string=html).write_pdf(stylesheets=[css], pdf_variant=rendering.PDF_VARIANT),
                        runs), "floor")
    ours_docx = row("letter DOCX: service renderer (docxtpl, strict env)",
                    timed(lambda: rendering.render_docx(doc["docx"], context), runs))
    raw_docx = row("letter DOCX: raw docxtpl, same template", timed(raw_docxtpl, runs), "floor")
    ours_pdf["anchor"] = f"{ratio(ours_pdf, raw_pdf)}x raw (target <= 1.3x)"
    ours_docx["anchor"] = f"{ratio(ours_docx, raw_docx)}x raw (target <= 1.3x)"
    rows = [ours_pdf, raw_pdf, ours_docx, raw_docx]

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        rows.append({"name": "letter DOCX -> PDF: LibreOffice headless", "anchor":
                     "skipped: soffice not found (apt-get install libreoffice-writer-nogui)"})
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "letter.docx"
        source.write_bytes(rendering.render_docx(doc["docx"], context))
        profile = Path(tmp) / "lo-profile"

        def convert():
            # One conversion per document, as a web request would do; its own profile directory
            # (warmed by the untimed first run) so nothing else on the machine interferes.
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                            "--convert-to", "pdf", "--outdir", tmp, str(source)],
                           check=True, capture_output=True, timeout=120)
        lo = row("letter DOCX -> PDF: LibreOffice headless (soffice --convert-to pdf)",
                 timed(convert, soffice_runs))
    lo["anchor"] = f"ours is {ratio(lo, ours_pdf)}x faster (target >= 10x)"
    rows.append(lo)
    return rows


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pack_inputs():
    """What a signed pack of the sample leave request is made from: the form, three evidence PDFs, and a function
    that assembles the pack (`seal`: assemble's, or None), rendering the form's PDF and DOCX each time."""
    form = get_form("penalty-notice-leave")
    data = form.schema(complete=True).load(
        json.loads((ROOT / "tests" / "samples" / "penalty-notice-leave.json").read_text(encoding="utf-8")))
    evidence_pdf = HTML(string="<h1>Scanned letter</h1><p>Evidence page.</p>").write_pdf()
    kinds = ("leave_request", "warning_letter", "attendance_record")
    evidence = [{"kind": k, "label": k.replace("_", " "), "filename": f"{k}.pdf",
                 "content_type": "application/pdf", "data": evidence_pdf} for k in kinds]
    context = build_context(form.raw, data, school=SCHOOL, la=LA, reference=REFERENCE, signature=SIGNATURE,
                            evidence=[{"kind": e["kind"], "filename": e["filename"]} for e in evidence])
    doc = form.documents[0]

    def pack(signed_at: dt.datetime | None = None, seal=None):
        documents = [("a.pdf", "application/pdf", rendering.render_pdf(doc["html"], context, title=doc["title"])),
                     ("a.docx", DOCX_TYPE, rendering.render_docx(doc["docx"], context))]
        return assemble(reference=REFERENCE, form_id=form.id, form_title=form.title, version=1,
                        signed={"name": SIGNATURE["name"], "role": "Head Teacher",
                                "signed_at": signed_at or dt.datetime.now(dt.timezone.utc), "school": SCHOOL["name"]},
                        documents=documents, evidence=evidence, seal=seal)

    return pack


def pack_rows(runs: int) -> list[dict]:
    pack = pack_inputs()

    return [row("signed pack: form PDF + DOCX + 3 evidence PDFs merged + manifest", timed(pack, runs),
                "target p50 <= 500 ms")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--soffice-runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = letter_rows(args.runs, args.soffice_runs) + pack_rows(args.runs)
    print_table("Documents", rows)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
