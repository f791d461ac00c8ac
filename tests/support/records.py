"""Realistic records for the retention and subject-access tests, made through the API as the school
and the LA make them: a draft, a letter, a signed request, and one returned by the LA — each for its
own pupil, so what happens to one child's data can be told from what happens to another's."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from forms_service.formatting import local_today

from support.helpers import api_token, bearer, json_data, make_pdf, register_json_for

API = "/api/v1"
FORM = "penalty-notice-leave"
LETTER = "final-warning"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@dataclass
class Pupil:
    first: str
    last: str
    upn: str
    dob: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


# Surnames nothing else in the service contains, so a search of the database or the files finds only them.
AMELIA = Pupil("Amelia", "Hartwright", "H801200451127", "2013-03-02")
TOBIAS = Pupil("Tobias", "Nkemelu", "N801200451128", "2012-11-19")
FREYA = Pupil("Freya", "Lindqvist", "L801200451129", "2013-06-30")
KIAN = Pupil("Kian", "Okonjo-Reyes", "R801200451130", "2012-09-08")


def for_pupil(data: dict, pupil: Pupil, original: tuple[str, str] = ("Oliver", "Bennett")) -> dict:
    """The sample answers about another child: the pupil's and the family's names, UPN and birth date."""
    text = json.dumps(data).replace(original[1], pupil.last).replace(original[0], pupil.first)
    out = json.loads(text)
    out["pupil"]["date_of_birth"] = pupil.dob
    if "upn" in out["pupil"]:  # a letter's form has no UPN field
        out["pupil"]["upn"] = pupil.upn
    return out


def office(client, email: str = "office@demo.school") -> dict:
    return bearer(api_token(client, email))


def create_referral(client, headers: dict, pupil: Pupil, *, replace_one: bool = True) -> int:
    """A penalty-notice request with the register and all three kinds of evidence; with replace_one the
    leave request is uploaded twice (the first file stays on disk, replaced)."""
    data = for_pupil(json_data(), pupil)
    created = client.post(f"{API}/referrals", headers=headers,
                          json={"form": FORM, "data": data, "register": register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    kinds = ("leave_request", "warning_letter", "registration_certificate")
    uploads = (("leave_request",) if replace_one else ()) + kinds
    for n, kind in enumerate(uploads):
        body = make_pdf(f"{kind} for {pupil.name} ({n})")
        up = client.post(f"{API}/referrals/{rid}/evidence", headers=headers,
                         data={"kind": kind, "file": (io.BytesIO(body), f"{pupil.last} {kind.replace('_', ' ')}.pdf")},
                         content_type="multipart/form-data")
        assert up.status_code == 201, up.get_json()
    return rid


def sign(client, rid: int, headers: dict, head_email: str = "head@demo.school") -> None:
    submitted = client.post(f"{API}/referrals/{rid}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.get_json()
    head = bearer(api_token(client, head_email))
    name = {"head@demo.school": "Harriet Head", "head@other.school": "Hugo Head", "head@far.test": "Fergus Head"}[head_email]
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": name, "declaration": True})
    assert signed.status_code == 200, signed.get_json()


def decide(client, rid: int, decision: str, officer_email: str = "officer@demo.la") -> None:
    officer = bearer(api_token(client, officer_email))
    body = {"decision": decision}
    if decision == "return":
        body["reasons"] = "The leave request is not dated: attach the dated copy the parent signed."
    decided = client.post(f"{API}/referrals/{rid}/decision", headers=officer, json=body)
    assert decided.status_code == 200, decided.get_json()


def issue_penalty_notice(client, rid: int, officer_email: str = "officer@demo.la") -> dict:
    """A penalty notice the LA issues today to the first parent of an accepted referral; the notice as answered."""
    officer = bearer(api_token(client, officer_email))
    parents = client.get(f"{API}/referrals/{rid}", headers=officer).get_json()["data"]["parents"]
    issued = client.post(f"{API}/referrals/{rid}/notices", headers=officer, json={
        "kind": "penalty_notice", "parent": parents[0]["name"], "issued_on": local_today().isoformat()})
    assert issued.status_code == 201, issued.get_json()
    return issued.get_json()


def create_letter(client, headers: dict, pupil: Pupil) -> int:
    data = json.loads((SAMPLES / f"{LETTER}.json").read_text(encoding="utf-8"))
    data = for_pupil(data, pupil, original=("Maisie", "Turner"))
    created = client.post(f"{API}/referrals", headers=headers, json={"form": LETTER, "data": data})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]
