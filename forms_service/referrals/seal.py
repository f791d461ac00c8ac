"""The seal on a signed pack (issue 24): the merged PDF signed as PAdES by the deployment's key, so that
anyone holding the PDF (the LA, a court, a parent's solicitor) can check it is what the head signed.

- Baseline B-B; B-T where a timestamp authority is configured (SIGNING_TSA_URL, RFC 3161).
- The key and certificate: SIGNING_KEY and SIGNING_CERT, each a PEM file's path or the PEM text itself.
  Unset, a key and a self-signed certificate are made once under VAR_DIR/signing/ (demo mode and tests):
  not for real use, and the service warns when it runs so outside demo mode.
- Signed by incremental update (pyHanko always appends): the PDF/A file beneath stays as it was made
  (archive.py), and the signature's byte range covers the whole file.
- `validate` checks a PDF against the published certificate with pyHanko's validator, and says what is
  wrong in words: changed bytes, something appended after signing, another certificate, no signature.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asn1crypto import pem, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fontTools import subset
from fontTools.ttLib import TTFont
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "HeadteacherSignature"
DEMO_DIR = "signing"  # under VAR_DIR
DEMO_SUBJECT = "forms-service demonstration pack signing (not for real use)"
# The appearance's font, embedded (PDF/A wants every font embedded): the forms' own font where installed.
FONT_FILES = ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# The visible appearance sits in the declaration page's top margin (print.css: 18 mm), right-aligned with
# the text: it covers none of the page's content. In points, A4: (left, bottom, right, top).
APPEARANCE_BOX = (245, 793, 544, 837)
# The signature container's room in the file (bytes; written as hex, twice that): an EC or RSA-4096 signature
# with its certificate takes 2-4 KB, a timestamp token with the authority's certificates up to 6 KB more.
BYTES_RESERVED, BYTES_RESERVED_TSA = 8192, 16384
TSA_TIMEOUT = 10  # seconds: a timestamp authority that does not answer fails the signing, which can be tried again


class SealError(Exception):
    """The pack could not be sealed: the key or certificate cannot be read, or the timestamp authority failed."""


@dataclasses.dataclass(frozen=True)
class Credentials:
    key_pem: bytes
    cert_pem: bytes
    demo: bool

    @functools.cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    @property
    def fingerprint(self) -> str:
        """The certificate's SHA-256 fingerprint as PDF readers show it: AB:CD:..."""
        return ":".join(f"{b:02X}" for b in self.certificate.fingerprint(hashes.SHA256()))

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @functools.cached_property
    def signer(self) -> signers.SimpleSigner:
        cert = load_cert_from_pemder_bytes(self.cert_pem)
        key = load_private_key_from_pemder_data(self.key_pem, None)
        return signers.SimpleSigner(signing_cert=cert, signing_key=key, cert_registry=_registry(cert))


def load_cert_from_pemder_bytes(data: bytes):
    """An asn1crypto certificate from PEM bytes (pyHanko's loader reads a file)."""
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def _registry(cert):
    return SimpleCertificateStore.from_certs([cert])


def _pem_setting(value: str, name: str) -> bytes:
    """A PEM setting's bytes: the text itself when it starts with -----BEGIN, else the file it names."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.encode("ascii", "replace") + b"\n"
    try:
        return Path(text).read_bytes()
    except OSError as exc:
        raise SealError(f"{name}: cannot read the PEM file {text!r} ({exc.strerror or exc})") from None


_lock = threading.Lock()


def credentials(config) -> Credentials:
    """The deployment's signing key and certificate (app.config), checked to belong together."""
    key, cert, var_dir = config.get("SIGNING_KEY"), config.get("SIGNING_CERT"), config.get("VAR_DIR")
    return _credentials(key or None, cert or None, str(var_dir or ""))


@functools.lru_cache(maxsize=8)
def _credentials(key: str | None, cert: str | None, var_dir: str) -> Credentials:
    if key and cert:
        key_pem, cert_pem, demo = _pem_setting(key, "SIGNING_KEY"), _pem_setting(cert, "SIGNING_CERT"), False
    elif key or cert:
        raise SealError("Set both SIGNING_KEY and SIGNING_CERT, or neither (a demonstration key is then made)")
    else:
        if not var_dir:
            raise SealError("No SIGNING_KEY and SIGNING_CERT, and no VAR_DIR to keep a demonstration key in")
        key_pem, cert_pem = demo_key(Path(var_dir))
        demo = True
    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SealError(f"SIGNING_KEY is not an unencrypted PEM private key ({exc})") from None
    try:
        certificate = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise SealError(f"SIGNING_CERT is not a PEM certificate ({exc})") from None
    if private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
            != certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo):
        raise SealError("SIGNING_KEY is not the key of SIGNING_CERT's certificate")
    # Only the certificate is published: keep only the PEM block of the first certificate.
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    return Credentials(key_pem=key_pem, cert_pem=cert_pem, demo=demo)


def demo_key(var_dir: Path) -> tuple[bytes, bytes]:
    """VAR_DIR/signing/{key,cert}.pem, made once: an EC P-256 key and a self-signed certificate for 10 years.

    Made in a folder of its own and renamed into place, so that two processes starting at once end with
    one pair that belongs together (the loser's rename fails and it reads the winner's)."""
    folder = var_dir / DEMO_DIR
    with _lock:
        if not (folder / "cert.pem").is_file():
            var_dir.mkdir(parents=True, exist_ok=True)
            staging = var_dir / f".{DEMO_DIR}-{secrets.token_hex(6)}"
            staging.mkdir(mode=0o700)
            key_pem, cert_pem = _make_self_signed(DEMO_SUBJECT)
            (staging / "key.pem").write_bytes(key_pem)
            os.chmod(staging / "key.pem", 0o600)
            (staging / "cert.pem").write_bytes(cert_pem)
            try:
                os.rename(staging, folder)
            except OSError:  # another process made it first
                for child in staging.iterdir():
                    child.unlink()
                staging.rmdir()
    return (folder / "key.pem").read_bytes(), (folder / "cert.pem").read_bytes()


def _make_self_signed(common_name: str, *, years: int = 10) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "forms-service")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


# The characters the appearance can draw (Latin, with its accents, and punctuation): a name in another script
# is drawn as boxes there, and is exact in the signature's /Name and /Reason.
STAMP_CHARACTERS = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x2010, 0x2028), 0x20AC]


class _SmallFont(GlyphAccumulatorFactory):
    """pyHanko's embedded-font engine over the font cut down once to STAMP_CHARACTERS: subsetting the whole
    font at every signing took about half a second; the cut-down one is subset in a few milliseconds."""

    def create_font_engine(self, writer, obj_stream=None):
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(_cut_down(self.font_file)),
                                font_size=self.font_size, obj_stream=obj_stream)


@functools.lru_cache(maxsize=2)
def _cut_down(path: str) -> bytes:
    font = TTFont(path)
    options = subset.Options()
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing draws with them
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=STAMP_CHARACTERS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def _font():
    path = next((p for p in FONT_FILES if os.path.isfile(p)), None)
    return _SmallFont(path, font_size=8) if path else None


def _stamp_style(reference: str, head: str, when: dt.datetime) -> TextStampStyle:
    text = (f"Digitally signed by {head}, Head Teacher\n"
            f"On {when.astimezone(dt.timezone.utc):%d %B %Y at %H:%M} UTC, for reference {reference}\n"
            "Sealed by forms-service: check with the published certificate")
    font = _font()
    box = TextBoxStyle(font=font, font_size=8) if font else TextBoxStyle(font_size=8)
    # %-signs in a name would be read as the stamp's own parameters: double them.
    return TextStampStyle(stamp_text=text.replace("%", "%%"), text_box_style=box, border_width=1,
                          background=None)


def seal_pdf(pdf: bytes, creds: Credentials, *, page: int, reference: str, head: str, signed_at: dt.datetime,
             tsa_url: str | None = None) -> bytes:
    """`pdf` signed as PAdES (B-B, or B-T with `tsa_url`), its appearance on page `page` (0-based)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec(FIELD_NAME, on_page=page, box=APPEARANCE_BOX))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"{head}, Head Teacher, signs referral {reference}", name=head,
        location="forms-service")
    stamper = (timestamps.HTTPTimeStamper(tsa_url, https=tsa_url.startswith("https:"), timeout=TSA_TIMEOUT)
               if tsa_url else None)
    pdf_signer = signers.PdfSigner(meta, signer=creds.signer, timestamper=stamper,
                                   stamp_style=_stamp_style(reference, head, signed_at))
    try:
        # Room for the signature container given up front: otherwise pyHanko signs twice, once to measure it.
        out = _off_the_loop(pdf_signer.sign_pdf, writer,
                            bytes_reserved=BYTES_RESERVED_TSA if tsa_url else BYTES_RESERVED)
    except (SigningError, OSError) as exc:
        raise SealError(str(exc)) from exc
    return out.getvalue()


def _off_the_loop(fn, *args, **kwargs):
    """pyHanko's synchronous calls run asyncio.run(), which a thread with an event loop already running (a
    server or a harness built on asyncio calling us) cannot: there the call runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


# --- validation ----------------------------------------------------------------------------------

@dataclasses.dataclass
class SealCheck:
    ok: bool
    problems: list[str]
    summary: str = ""  # one sentence when it holds: by whom, when, covering the whole file
    unsigned: bool = False  # the PDF carries no signature at all


def validate(pdf: bytes, cert_pem: bytes) -> SealCheck:
    """Whether `pdf` carries one PAdES signature, intact, covering the whole file, by the certificate
    `cert_pem` (trusted as it is: the one the service publishes)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises its own and plain errors on a damaged file
        return SealCheck(False, [f"the PDF cannot be read to find its signature ({_short(exc)})"])
    if not signatures:
        return SealCheck(False, ["the PDF carries no digital signature"], unsigned=True)
    if len(signatures) > 1:
        return SealCheck(False, [f"the PDF carries {len(signatures)} signatures; a sealed pack has one"])
    embedded = signatures[0]
    published = load_cert_from_pemder_bytes(cert_pem)
    problems = []
    try:
        status = _off_the_loop(validate_pdf_signature, embedded, ValidationContext(trust_roots=[published]))
    except Exception as exc:
        return SealCheck(False, [f"the signature cannot be checked ({_short(exc)})"])
    if embedded.signer_cert.dump() != published.dump():
        problems.append("it was signed by another certificate ("
                        f"{embedded.signer_cert.subject.human_friendly}, SHA-256 "
                        f"{hashlib.sha256(embedded.signer_cert.dump()).hexdigest()[:16]}...), not the published one")
    if not status.intact or not status.valid:
        problems.append("the signed bytes have changed since it was signed: the signature no longer matches them")
    coverage = status.coverage.name if status.coverage is not None else "UNKNOWN"
    if coverage != "ENTIRE_FILE":
        if coverage == "ENTIRE_REVISION":
            problems.append("something was appended to the file after it was signed (an incremental update): "
                            "the signature does not cover the whole file")
        else:
            problems.append(f"the signature does not cover the whole file ({coverage.lower().replace('_', ' ')})")
    stamp = status.timestamp_validity
    if stamp is not None and not (stamp.intact and stamp.valid):
        problems.append("its timestamp does not match the signature it was given for")
    if not problems and not status.trusted:
        problems.append("the signing certificate is not trusted as the published one")
    if problems:
        return SealCheck(False, problems)
    when = stamp.timestamp if stamp is not None else status.signer_reported_dt
    # The timestamp authority's own certificate is not checked against a trust list here: the time it gives
    # is reported, and its token must be intact (above).
    stamped = (f" with a timestamp from {stamp.signing_cert.subject.human_friendly}" if stamp is not None else "")
    summary = (f"intact, covering the whole file, signed by the published certificate "
               f"({published.subject.human_friendly}){stamped}"
               + (f" at {when.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC" if when else ""))
    return SealCheck(True, [], summary)


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]

