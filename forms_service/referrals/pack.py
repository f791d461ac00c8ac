"""A signed pack, assembled in memory: the documents, the evidence, one merged PDF and a manifest.

Pure: no database, no storage, no network. The caller (signing) stores what `assemble` returns.
Evidence was checked by its bytes when it was uploaded (evidence.py); pack file names are ours.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import escape
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from . import archive
from .evidence import DOCX, EXTENSIONS, JSON_TYPE, PDF, PNG, EvidenceError, safe_display_name, sniff

ROLES = ("form_pdf", "form_docx", "evidence", "merged_pdf", "manifest")
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "forms-service-pack/1"


@dataclass(frozen=True)
class PackFileSpec:
    name: str
    role: str
    content_type: str
    data: bytes
    sha256: str


def _spec(name: str, role: str, content_type: str, data: bytes) -> PackFileSpec:
    return PackFileSpec(name, role, content_type, data, hashlib.sha256(data).hexdigest())


# --- evidence checks -----------------------------------------------------------------------

def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", (text or "").lower()).strip("_")
    return slug[:40] or "file"


def evidence_kind(name: str, kinds) -> str | None:
    """Which of the form's evidence `kinds` a pack file named `evidence-NN-<kind>.<ext>` holds."""
    match = re.fullmatch(r"evidence-\d{2,}-([a-z0-9_]+)\.[a-z]+", name or "")
    return next((kind for kind in kinds if match and _slug(kind) == match.group(1)), None)


def _check_document_name(name: str) -> None:
    # Document names are the service's own (reference + document id); refuse anything path-like.
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}", name) or ".." in name:
        raise ValueError(f"not a safe pack file name: {name!r}")


def _utc_iso(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("signed['signed_at'] must be an aware datetime")
    return value.astimezone(dt.timezone.utc).isoformat()


def _pdf_date(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("D:%Y%m%d%H%M%SZ")


class _FetchRefused(FatalURLFetchingError):
    """Stops rendering: the image page fetches nothing but its own image."""


class _OneImageFetcher(URLFetcher):
    """A WeasyPrint URL fetcher (DESIGN.md §8) that serves one in-memory image and refuses the rest."""

    def __init__(self, url: str, content_type: str, data: bytes):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)
        self._url, self._type, self._data = url, content_type, data

    def fetch(self, url, headers=None):
        if url == self._url:
            return URLFetcherResponse(url, body=self._data, headers={"Content-Type": self._type})
        raise _FetchRefused(f"image page fetches nothing else; refused {url[:200]!r}")


_IMAGE_PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 15mm; font-family: Arial, Helvetica, "Liberation Sans", sans-serif; }}
body {{ margin: 0; font-family: Arial, Helvetica, "Liberation Sans", sans-serif; font-size: 10pt; }}
p {{ margin: 0 0 4mm 0; }}
.frame {{ height: 245mm; display: flex; align-items: flex-start; justify-content: center; }}
img {{ max-width: 180mm; max-height: 245mm; object-fit: contain; image-orientation: from-image; }}
</style></head><body><p>{caption}</p><div class="frame"><img src="{url}" alt="{caption}"></div></body></html>"""


def image_to_pdf(data: bytes, content_type: str, caption: str) -> bytes:
    """One A4 page holding the image (scaled to fit, EXIF orientation applied) under a caption.

    WeasyPrint embeds JPEG as is and PNG losslessly, so the reading copy keeps a scan legible.
    Nothing is fetched: the image is served from memory and any other URL stops rendering.
    """
    url = "evidence-image:" + ("png" if content_type == PNG else "jpeg")
    html = _IMAGE_PAGE.format(caption=escape(caption), url=url)
    try:
        document = HTML(string=html, base_url=None, url_fetcher=_OneImageFetcher(url, content_type, data)).render()
        document.metadata.title = caption
        # Tagged as the forms are (the image a figure whose alternative text is its caption), so that the
        # pack's one structure tree covers these pages too (archive.merge_structure).
        return document.write_pdf(pdf_variant="pdf/ua-1")
    except FatalURLFetchingError as exc:  # a BaseException (DESIGN.md §8)
        raise RuntimeError(f"image page rendering tried a fetch: {exc}") from None


def _strip_actions(writer: PdfWriter, first_page: int) -> None:
    """Drop scripts and launch actions that an uploaded PDF's pages may carry into the pack."""
    for page in writer.pages[first_page:]:
        page.pop(NameObject("/AA"), None)
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            annot.pop(NameObject("/AA"), None)
            action = annot.get("/A")
            if action is not None and action.get_object().get("/S") in ("/JavaScript", "/Launch"):
                annot.pop(NameObject("/A"), None)


def merge_pdf(parts: list[tuple[str, bytes, bool]], *, title: str, created: dt.datetime,
              manifest: bytes | None = None, lang: str = "en-GB") -> bytes:
    """One PDF of `parts` [(bookmark title, pdf bytes, trusted)] in order, compressed, deterministic.

    With `manifest`, the file is made an archive copy (archive.py): PDF/A-3b, tagged, the manifest embedded."""
    writer = PdfWriter()
    ours: list[int] = []  # pages of our own documents (image pages included)
    tagged: list[tuple[PdfReader, int]] = []  # our own parts, whose structure trees the pack keeps
    for bookmark, data, trusted in parts:
        first = len(writer.pages)
        reader = PdfReader(io.BytesIO(data), strict=False)
        # Our own documents keep their headings as bookmarks; an upload's outline is not imported.
        writer.append(reader, outline_item=bookmark, import_outline=trusted)
        if trusted:
            ours.extend(range(first, len(writer.pages)))
            tagged.append((reader, first))
        else:
            _strip_actions(writer, first)
    if manifest is not None:
        archive.merge_structure(writer, tagged)
        # Before the objects are compacted below, which keeps only what the catalogue reaches.
        archive.make_archival(writer, title=title, lang=lang, created=created, manifest=manifest)
    # Our own pages are compressed afresh; an upload's streams are carried as they are, never
    # unpacked here (their unpacked size was checked at upload, by validate_evidence).
    for index in ours:
        writer.pages[index].compress_content_streams(level=9)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    # Fixed metadata (no "now"): the same inputs give the same bytes, so the manifest is reproducible.
    info = {"/Title": title, "/Producer": "forms-service", "/Creator": "forms-service",
            "/CreationDate": _pdf_date(created), "/ModDate": _pdf_date(created)}
    writer.add_metadata(info)
    if manifest is not None:
        # The seal's writer (pyHanko) names itself the producer in the XMP; an Info /Producer would then
        # disagree with it, which PDF/A forbids. The XMP names the producer instead.
        writer._info.pop("/Producer", None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _document_role(name: str, content_type: str) -> str:
    if content_type == PDF:
        return "form_pdf"
    if content_type == DOCX:
        return "form_docx"
    raise ValueError(f"document {name!r} is neither PDF nor DOCX ({content_type})")


def assemble(*, reference: str, form_id: str, form_title: str, version: int, signed: dict,
             documents: list[tuple[str, str, bytes]], evidence: list[dict],
             seal: Callable[[bytes, int], bytes] | None = None) -> list[PackFileSpec]:
    """The pack's files, in the order to store and attach them.

    documents: [(name, content type, bytes)], the rendered form(s) as PDF and DOCX.
    evidence: [{"kind", "label", "filename", "content_type", "data"}] in the declaration's order.
    signed: {"name", "role", "signed_at" (aware datetime), "school"}: the signature the documents print.
    Returns the documents, the evidence (renamed `evidence-NN-<kind>.<ext>`), the merged PDF
    (form PDFs first, then each evidence in order) and `manifest.json`, which lists the others.
    The merged PDF is a PDF/A-3b (archive.py) carrying the manifest of the files it is made from (it
    cannot list itself); `seal(pdf, declaration page index)` returns it signed (seal.py), and the signed
    bytes are what the pack holds and the outer manifest lists.
    """
    signed_at = signed["signed_at"]
    signed_iso = _utc_iso(signed_at)
    specs: list[PackFileSpec] = []
    extra: dict[str, dict] = {}  # manifest fields beyond name/role/size/sha256, by file name
    names: set[str] = set()

    def add(spec: PackFileSpec, **fields) -> None:
        if spec.name in names or spec.name == MANIFEST_NAME:
            raise ValueError(f"duplicate pack file name {spec.name!r}")
        names.add(spec.name)
        specs.append(spec)
        extra[spec.name] = fields

    merge_parts: list[tuple[str, bytes, bool]] = []
    for name, content_type, data in documents:
        _check_document_name(name)
        role = _document_role(name, content_type)
        add(_spec(name, role, content_type, data))
        if role == "form_pdf":
            merge_parts.append((f"{form_title} ({name})", data, True))
    if not merge_parts:
        raise ValueError("a pack needs the form as PDF")

    total = len(evidence)
    for index, item in enumerate(evidence, start=1):
        content_type, data = item["content_type"], item["data"]
        if content_type not in EXTENSIONS or sniff(data) != content_type:
            # Evidence was checked at upload; bytes that no longer match are not signed off.
            raise EvidenceError(f"Evidence {index} ({item.get('label') or item['kind']}) is not a readable "
                                "PDF, JPG or PNG: upload it again")
        name = f"evidence-{index:02d}-{_slug(item['kind'])}{EXTENSIONS[content_type]}"
        label = item.get("label") or item["kind"]
        original = safe_display_name(item.get("filename"), content_type)
        add(_spec(name, "evidence", content_type, data),
            kind=item["kind"], label=label, original_filename=original)
        bookmark = f"Evidence {index}: {label}"
        if content_type == PDF:
            merge_parts.append((bookmark, data, False))
        else:
            caption = f"Evidence {index} of {total}: {label} (original file: {original})"
            merge_parts.append((bookmark, image_to_pdf(data, content_type, caption), True))

    manifest = _manifest(reference, form_id, form_title, version, signed, signed_iso, specs, extra)
    form_pdf = PdfReader(io.BytesIO(merge_parts[0][1]), strict=False)  # read once for its language and its pages
    merged = merge_pdf(merge_parts, title=f"{reference} {form_title}", created=signed_at,
                       manifest=_manifest_bytes(manifest), lang=_lang(form_pdf))
    if seal is not None:
        merged = seal(merged, declaration_page(form_pdf))
    add(_spec(f"{reference}-pack-v{version}.pdf" if _safe_ref(reference) else f"pack-v{version}.pdf",
              "merged_pdf", PDF, merged))

    manifest = _manifest(reference, form_id, form_title, version, signed, signed_iso, specs, extra)
    specs.append(_spec(MANIFEST_NAME, "manifest", JSON_TYPE, _manifest_bytes(manifest)))
    return specs


def _manifest(reference, form_id, form_title, version, signed, signed_iso, specs, extra) -> dict:
    return {
        "format": MANIFEST_FORMAT,
        "reference": reference,
        "form": {"id": form_id, "title": form_title},
        "version": version,
        "signed": {"name": signed["name"], "role": signed.get("role"), "school": signed.get("school"),
                   "at": signed_iso,
                   # Who signed, as the service knows them (issue 17): the account, and where from.
                   **{key: signed[key] for key in ("account", "on_behalf_of", "client_address")
                      if signed.get(key) is not None}},
        "files": [{"name": s.name, "role": s.role, "content_type": s.content_type, "size": len(s.data),
                   "sha256": s.sha256, **extra[s.name]} for s in specs],
    }


def _manifest_bytes(manifest: dict) -> bytes:
    # Sorted keys, fixed separators, UTF-8: the same pack always gives the same bytes and SHA-256.
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def declaration_page(form_pdf: bytes | PdfReader) -> int:
    """The page of the form (0-based, the merged PDF starts with it) holding the head's declaration: the
    last one naming it, else the form's last page. The seal's visible appearance goes there."""
    reader = form_pdf if isinstance(form_pdf, PdfReader) else PdfReader(io.BytesIO(form_pdf), strict=False)
    for index in range(len(reader.pages) - 1, -1, -1):
        if "Declaration" in (reader.pages[index].extract_text() or ""):
            return index
    return len(reader.pages) - 1


def _lang(form_pdf: PdfReader) -> str:
    """The form's language (WeasyPrint writes the catalogue's /Lang), for the merged file's."""
    lang = form_pdf.trailer["/Root"].get("/Lang")
    return str(lang) if lang else "en-GB"


def _safe_ref(reference: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,60}", reference or ""))
