"""The seal on a signed pack (issue 24): a pack signed with and without the PAdES step, side by side,
in the same run on the same inputs (the form rendered to PDF and DOCX, three evidence PDFs merged into
the PDF/A-3b copy, the manifests), and the seal's own cost: signing the merged PDF, and validating it
as `forms-service verify` does. The target: the seal adds at most 100 ms to signing a pack.

    .venv/bin/python benchmarks/sealing.py [--runs 20] [--json]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile

from documents import pack_inputs

from forms_service.referrals import seal
from forms_service.referrals.pack import declaration_page

from common import print_table, row, timed
from support.sample_data import REFERENCE, SIGNATURE


def seal_rows(runs: int) -> list[dict]:
    make_pack = pack_inputs()
    with tempfile.TemporaryDirectory() as var:
        creds = seal.credentials({"VAR_DIR": var})  # the demonstration key: EC P-256, as a deployment's may be
        creds.signer  # loaded once per process, as the service does

        def pack(sealed: bool):
            signed_at = dt.datetime.now(dt.timezone.utc)
            sealer = (lambda pdf, page: seal.seal_pdf(pdf, creds, page=page, reference=REFERENCE,
                                                      head=SIGNATURE["name"], signed_at=signed_at)) if sealed else None
            return make_pack(signed_at, sealer)

        # Interleaved, so that both see the same machine load.
        without, with_seal = [], []
        for _ in range(runs):
            without += timed(lambda: pack(False), 1, warm=0 if without else 1)
            with_seal += timed(lambda: pack(True), 1, warm=0 if with_seal else 1)
        files = pack(False)
        merged = next(f for f in files if f.role == "merged_pdf").data
        form_pdf = next(f for f in files if f.role == "form_pdf").data
        at = dt.datetime.now(dt.timezone.utc)

        def seal_step():  # what assemble adds with a seal: find the declaration page, sign there
            return seal.seal_pdf(merged, creds, page=declaration_page(form_pdf), reference=REFERENCE,
                                 head=SIGNATURE["name"], signed_at=at)
        sealing = timed(seal_step, runs)
        sealed = seal_step()
        validating = timed(lambda: seal.validate(sealed, creds.cert_pem), runs)
    added = statistics.median(with_seal) - statistics.median(without)
    return [
        row("signed pack without the seal (PDF/A-3b merge, manifests)", without, "the same run's baseline"),
        row("signed pack with the PAdES seal (B-B)", with_seal,
            f"adds {added * 1000:.1f} ms (difference of medians: noisy on a busy machine)",
            added_ms=round(added * 1000, 2)),
        row(f"the PAdES step alone: find the declaration page, sign the merged PDF ({len(merged) // 1024} KB)", sealing,
            "target <= 100 ms"),
        row("validate the seal (pyHanko, as verify does)", validating, ""),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = seal_rows(args.runs)
    print_table("The seal on a signed pack", rows)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
