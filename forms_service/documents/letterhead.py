"""The school's letterhead (issue 18): what heads every letter and form the school sends, the way a
school's own notepaper does — its logo, name, postal address, telephone, email and headteacher — so a
parent told "please contact me" can. Parts the school has not set are left out, never "Not given":
notepaper with a blank telephone line reads as a mistake.

`school` is a mapping with `name`, and optionally `address` (lines), `telephone`, `email`,
`headteacher_name` and `logo_uri` (a data: URI of a logo forms_service.logos accepted: models.School.
letterhead(); anything else there is not printed).
"""
from __future__ import annotations

from collections.abc import Mapping

from ..logos import from_data_uri
from .values import as_mapping, clean_text, shown


def letterhead(school: Mapping | None) -> dict:
    school = as_mapping(school)
    name = shown(school.get("name"))
    address = [line.strip() for line in clean_text(school.get("address")).split("\n") if line.strip()]
    telephone, email = clean_text(school.get("telephone")), clean_text(school.get("email"))
    head = clean_text(school.get("headteacher_name"))
    # Notepaper's way, which keeps a one-page letter on one page: the address on one line, then the
    # telephone and email on one line.
    contact = " | ".join(([f"Telephone: {telephone}"] if telephone else []) + ([f"Email: {email}"] if email else []))
    logo = school.get("logo_uri") if isinstance(school.get("logo_uri"), str) else ""
    logo = logo if from_data_uri(logo) else ""
    return {
        "name": name,
        # The lines under the name, as one text with line breaks (both outputs print them so).
        "details": "\n".join(line for line in (", ".join(address), contact, f"Headteacher: {head}" if head else "")
                             if line),
        "logo_uri": logo,
        "logo_alt": f"{name} logo" if logo else "",
        # The DOCX's picture of the logo: forms_service/documents/rendering.py puts it here from logo_uri.
        "logo": "",
    }
