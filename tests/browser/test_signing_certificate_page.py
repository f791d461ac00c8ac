"""The signing certificate on the LA officer's page (issue 24), in Chromium: its subject and SHA-256 fingerprint
are shown under the inbox, the demonstration certificate is flagged as such, and the link downloads the PEM
file the API publishes. Checked as shown (axe-core and structure) at desktop and phone widths: the long
fingerprint wraps rather than widening the page."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from forms_service.referrals import seal

from conftest import PASSWORD


def test_the_la_page_shows_the_certificate_to_trust_and_downloads_it(browse, service):
    page = browse.page
    with service.app.app_context():
        credentials = seal.credentials(service.app.config)
    browse.sign_in("officer@demo.la", PASSWORD)
    browse.goto("/la/referrals", screenshot="la-inbox-signing-certificate")
    expect(page.get_by_role("heading", name="Check that a pack is what the school signed")).to_be_visible()
    expect(page.locator("#certificate-fingerprint")).to_have_text(credentials.fingerprint)
    expect(page.get_by_text("This is the demonstration certificate: do not trust it for real packs.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signing certificate (PEM file)").click()
    assert download.value.suggested_filename == "forms-service-signing-certificate.pem"
    assert Path(download.value.path()).read_bytes() == credentials.cert_pem
