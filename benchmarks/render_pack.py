"""How long building a signed pack takes: render the form as PDF and DOCX, then assemble the pack
(evidence, merged PDF, manifest). Median over N runs, with the floor set by the libraries:
WeasyPrint on a bare one-line page, and docxtpl on the template alone.

    .venv/bin/python benchmarks/render_pack.py [--runs 20]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from weasyprint import HTML  # noqa: E402

from forms_service.context import build_context  # noqa: E402
from forms_service.pack import assemble  # noqa: E402
from forms_service.rendering import render_docx, render_pdf  # noqa: E402
from sample_data import EVIDENCE, LA, REFERENCE, REFERRAL_DATA, SCHOOL, SIGNATURE, VERDICT  # noqa: E402

FORM = json.loads((ROOT / "schemas" / "forms" / "penalty-notice-leave.json").read_text())


def timed(fn, runs: int) -> list[float]:
    fn()  # warm: fonts and templates load once per process
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    runs = ap.parse_args().runs
    evidence_pdf = HTML(string="<h1>Scanned letter</h1><p>Evidence page.</p>").write_pdf()
    evidence = [{"kind": e["kind"], "label": e["kind"].replace("_", " "), "filename": e["filename"],
                 "content_type": "application/pdf", "data": evidence_pdf} for e in EVIDENCE]
    context = build_context(FORM, REFERRAL_DATA, school=SCHOOL, la=LA, reference=REFERENCE, signature=SIGNATURE,
                            verdict=VERDICT, evidence=EVIDENCE)
    doc = FORM["documents"][0]

    def pdf():
        return render_pdf(doc["html"], context, title=doc["title"])

    def docx():
        return render_docx(doc["docx"], context)

    def pack():
        documents = [("a.pdf", "application/pdf", pdf()),
                     ("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx())]
        return assemble(reference=REFERENCE, form_id=FORM["id"], form_title=FORM["title"], version=1,
                        signed={"name": SIGNATURE["name"], "role": "Head Teacher",
                                "at": dt.datetime.now(dt.timezone.utc), "school": SCHOOL["name"]},
                        documents=documents, evidence=evidence)

    def floor_pdf():
        return HTML(string="<p>Request</p>").write_pdf()

    results = {"pack (PDF + DOCX + merge + manifest)": timed(pack, runs), "form PDF": timed(pdf, runs),
               "form DOCX": timed(docx, runs), "floor: WeasyPrint one-line page": timed(floor_pdf, runs)}
    print(f"median over {runs} runs (ms), after one warm-up run")
    for name, values in results.items():
        print(f"  {name:<40} {statistics.median(values):8.1f}   (min {min(values):.1f}, max {max(values):.1f})")
    floor = statistics.median(results["floor: WeasyPrint one-line page"])
    print(f"  ratio form PDF / WeasyPrint floor: {statistics.median(results['form PDF']) / floor:.1f}x")


if __name__ == "__main__":
    main()
