"""Letters to parents through the service (the Final Warning, 003 Appendix 4): filled in on the
generated pages, refused until complete, then downloaded one per parent — on the web and through
the API (one file per parent in a zip)."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from support.doctext import docx_text, pdf_text, squash
from support.helpers import api_token, bearer, date_parts, login, post_page, text

SAMPLE = json.loads((Path(__file__).resolve().parent / "samples" / "final-warning.json").read_text())


def test_a_final_warning_is_written_on_the_web_and_downloaded_for_each_parent(client):
    login(client, "office@demo.school")
    assert "Penalty Notice Warning Letter" in text(client.get("/referrals/"))
    start = post_page(client, "/referrals/new/final-warning", {})
    assert start.status_code == 302 and start.location.endswith("/pages/pupil")
    base = start.location.rsplit("/pages/", 1)[0]
    rid = base.rsplit("/", 1)[1]

    pupil = SAMPLE["pupil"]
    response = post_page(client, f"{base}/pages/pupil", {
        "pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
        "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__year_group": pupil["year_group"],
        "pupil__address": pupil["address"]})
    assert response.status_code == 302, text(response)[:2000]

    # Incomplete: the letter page says what is missing and offers no download.
    page = text(client.get(f"/referrals/{rid}/letter"))
    assert "Some answers are still needed" in page
    assert client.get(f"/referrals/{rid}/letter/final-warning.pdf?to=1").status_code == 409

    parents = {}
    for i, parent in enumerate(SAMPLE["parents"]):
        for key in ("name", "relationship", "address"):
            parents[f"parents-{i}-{key}"] = parent[key]
    assert post_page(client, f"{base}/pages/parents", parents).status_code == 302
    letter = {"meeting__fast_track": "no", "meeting__date": date_parts(SAMPLE["meeting"]["date"]),
              "final_warning_date": date_parts(SAMPLE["final_warning_date"]), "contact_by": date_parts(SAMPLE["contact_by"]),
              "head_teacher_name": SAMPLE["head_teacher_name"]}
    for i, item in enumerate(SAMPLE["plan"]):
        letter[f"plan-{i}-action"] = item["action"]
    response = post_page(client, f"{base}/pages/letter", letter)
    assert response.status_code == 302 and response.location.endswith(f"/referrals/{rid}/letter"), text(response)[:3000]

    page = text(client.get(response.location))
    assert "Some answers are still needed" not in page
    # A letter is the school's own: its page never says it can go to the LA (issue 18).
    assert "can go to the local authority" not in page and "Every check passes: the letter can be issued" in page
    for parent in SAMPLE["parents"]:
        assert parent["name"] in page

    father = SAMPLE["parents"][1]
    pdf = client.get(f"/referrals/{rid}/letter/final-warning.pdf?to=2")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = squash(pdf_text(pdf.data))
    assert father["name"] in words and "Leigh-on-Sea" in words and SAMPLE["parents"][0]["name"] not in words
    assert "£80" in words and "£60" not in words
    word = client.get(f"/referrals/{rid}/letter/final-warning.docx?to=1")
    assert word.status_code == 200 and SAMPLE["parents"][0]["name"] in docx_text(word.data)
    assert client.get(f"/referrals/{rid}/letter/final-warning.pdf?to=3").status_code == 404
    # A letter is never submitted to the LA.
    assert client.get(f"/referrals/{rid}/check").status_code == 302


def test_the_api_renders_one_letter_per_parent_in_a_zip(client):
    token = bearer(api_token(client, "office@demo.school"))
    response = client.post("/api/v1/documents/final-warning", headers=token, json={"data": SAMPLE, "format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["final-warning-1.pdf", "final-warning-2.pdf"]
    for name, parent in zip(archive.namelist(), SAMPLE["parents"]):
        assert parent["name"] in squash(pdf_text(archive.read(name)))
    one = {**SAMPLE, "parents": SAMPLE["parents"][:1]}
    single = client.post("/api/v1/documents/final-warning", headers=token, json={"data": one, "format": "docx"})
    assert single.status_code == 200 and single.data[:2] == b"PK" and "final-warning.docx" in single.headers["Content-Disposition"]
    assert SAMPLE["parents"][0]["name"] in docx_text(single.data)
