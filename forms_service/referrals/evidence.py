"""Uploaded evidence, checked by its bytes (never by its name or the browser's content type): a PDF,
JPG or PNG that opens, is not password protected, unpacks to a sane size and runs nothing when it is
opened. Pure: no database, no storage, no network. Its filename is kept as data only.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zlib

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter, apply_configuration
from pypdf.errors import DependencyError, LimitReachedError, PyPdfError
from pypdf.filters import decode_stream_data
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"
JPEG = "image/jpeg"
JSON_TYPE = "application/json"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}

MAX_DISPLAY_NAME = 120
# A 10 MB PNG can decode to gigabytes; real scans and phone photos stay well under this.
MAX_IMAGE_PIXELS = 50_000_000

MSG_TYPE = "The selected file must be a PDF, JPG or PNG"
MSG_EMPTY = "The selected file is empty"
MSG_PDF_BROKEN = "The selected PDF could not be opened. It may be damaged: save or scan it again"
MSG_PDF_ENCRYPTED = "The selected PDF is password protected. Upload a copy without a password"
MSG_PDF_NO_PAGES = "The selected PDF has no pages"
MSG_IMAGE_BROKEN = "The selected image could not be opened. It may be damaged: save or scan it again"
MSG_IMAGE_TOO_BIG = "The selected image is too large: it must be under 50 megapixels"
MSG_PDF_TOO_BIG = ("The selected PDF is too large once opened (it unpacks to far more than its size): "
                   "save or scan it again at a lower resolution")

# A PDF's streams are compressed: a few megabytes of deflate can unpack to gigabytes in whatever
# opens the pack next (the LA's viewer). Each stream's unpacked size is counted at upload, in
# chunks that are never kept, and a file over these limits is refused. A page scanned in colour
# at 300 dpi unpacks to about 26 MB.
MAX_PDF_STREAM_BYTES = 64 * 1024 * 1024
MAX_PDF_UNPACKED_BYTES = 512 * 1024 * 1024
_INFLATE_CHUNK = 1024 * 1024
_FLATE = ("/FlateDecode", "/Fl")
# Image codecs are not unpacked here (nothing needs their pixels); their size is judged by the
# image's declared width and height, as an uploaded PNG or JPEG is.
_IMAGE_CODECS = ("/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode")
# Evidence is a letter, a form or a certificate; reading and merging a page costs time whatever
# its size, and 10 MB of bare pages would be tens of thousands of them.
MAX_PDF_PAGES = 500
MSG_PDF_TOO_MANY_PAGES = f"The selected PDF has more than {MAX_PDF_PAGES} pages: upload only the pages the request needs"
# Evidence goes to the LA and may go to court as it was uploaded, so a PDF that runs something when it
# is opened (or carries other files) is refused rather than altered: a scan or a "print to PDF" copy
# of it has none of this. Action types that run code, send or fetch data, or open other programs:
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition", "/GoToE"})
MSG_PDF_ACTIVE = ("The selected PDF contains JavaScript, attached files or actions that run when it is opened: "
                  "scan it or print it to PDF again and upload that copy")


class EvidenceError(Exception):
    """An uploaded file that cannot be evidence; `message` is written for the person uploading."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _size_message(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    return f"The file must be smaller than {mb:g} MB" if mb >= 1 else \
        f"The file must be smaller than {max(1, max_bytes // 1024)} KB"


def sniff(data: bytes) -> str | None:
    """The content type from the file's first bytes, or None when it is none we accept."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def _open_pdf(data: bytes) -> PdfReader:
    # pypdf logs (not raises) what it repairs; a file it cannot read at all raises.
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except DependencyError:
        # AES encryption (Acrobat's default): pypdf tries the empty password and needs a cipher
        # library the service does not install. Encrypted files are refused whatever the cipher.
        raise EvidenceError(MSG_PDF_ENCRYPTED) from None
    if reader.is_encrypted:
        raise EvidenceError(MSG_PDF_ENCRYPTED)
    try:
        # The page tree is walked to count the pages (its /Count may lie): stop it early.
        with apply_configuration(page_tree_maximum_entries=2 * MAX_PDF_PAGES):
            pages = len(reader.pages)
    except LimitReachedError:
        raise EvidenceError(MSG_PDF_TOO_MANY_PAGES) from None
    if pages < 1:
        raise EvidenceError(MSG_PDF_NO_PAGES)
    if pages > MAX_PDF_PAGES:
        raise EvidenceError(MSG_PDF_TOO_MANY_PAGES)
    return reader


class _TooBig(Exception):
    pass


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes zlib data `raw` inflates to, counted a chunk at a time and never held;
    raises _TooBig past `limit`. Damaged data counts what inflates before the damage."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # a zlib or gzip header
    total, pending = 0, raw
    try:
        while pending and not inflater.eof:
            out = inflater.decompress(pending, _INFLATE_CHUNK)
            total += len(out)
            if total > limit:
                raise _TooBig
            if not out and inflater.unconsumed_tail == pending:
                break  # no progress: the rest is not deflate data
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass
    return total


def _filters(stream: StreamObject) -> list[str]:
    filters = stream.get("/Filter")
    filters = filters.get_object() if filters is not None else []
    return [str(filters)] if isinstance(filters, str) else [str(f.get_object()) for f in filters]


def _number(stream: StreamObject, key: str):
    value = stream.get(key)
    return value.get_object() if value is not None else 0


def _unpacked_size(stream: StreamObject) -> int:
    """Bytes a stream unpacks to (an image codec's own stage aside), never holding more than
    MAX_PDF_STREAM_BYTES of it; raises _TooBig past that."""
    filters = _filters(stream)
    codec = next((i for i, f in enumerate(filters) if f in _IMAGE_CODECS), None)
    if codec is not None:
        width, height = _number(stream, "/Width"), _number(stream, "/Height")
        if not all(isinstance(v, int) and v >= 0 for v in (width, height)) or width * height > MAX_IMAGE_PIXELS:
            raise _TooBig
        filters = filters[:codec]  # usually nothing, sometimes deflate, before the codec
    if not filters:
        return len(stream._data)
    if len(filters) == 1 and filters[0] in _FLATE:
        return _inflated_size(stream._data, MAX_PDF_STREAM_BYTES)
    if codec is not None:
        return len(stream._data)  # an unusual chain before a codec: the image's size bounds it
    # Other filters (LZW, run length, ASCII encodings, chains): pypdf decodes, within the same limit.
    limit = MAX_PDF_STREAM_BYTES
    try:
        with apply_configuration(zlib_maximum_output_length=limit, lzw_maximum_output_length=limit,
                                 run_length_maximum_output_length=limit, brotli_maximum_output_length=limit,
                                 stream_decoding_work_maximum_length=4 * limit):
            return len(decode_stream_data(stream))
    except LimitReachedError:
        raise _TooBig from None


def _check_unpacked_size(reader: PdfReader) -> None:
    """Every stream in the file (streams cannot sit inside object streams, so the cross-reference
    table lists them all): none may unpack past MAX_PDF_STREAM_BYTES, nor all of them together
    past MAX_PDF_UNPACKED_BYTES."""
    total = 0
    for generation, entries in list(reader.xref.items()):
        for number in list(entries):
            obj = IndirectObject(number, generation, reader).get_object()
            if isinstance(obj, StreamObject):
                total += _unpacked_size(obj)
                if total > MAX_PDF_UNPACKED_BYTES:
                    raise _TooBig


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _is_active(node: DictionaryObject) -> bool:
    """A dictionary that is, or names, active content: an action of a type in _ACTIVE_ACTIONS (as the
    document's /OpenAction, in an /AA, on a link or form field, or chained by /Next), JavaScript text
    (/JS), the document's JavaScript or embedded-files name tree, an embedded file or an attachment."""
    if _resolved(node.get("/S")) in _ACTIVE_ACTIONS or "/JS" in node or "/EF" in node:
        return True
    if _resolved(node.get("/Type")) == "/EmbeddedFile" or _resolved(node.get("/Subtype")) == "/FileAttachment":
        return True
    names = _resolved(node.get("/Names"))
    return isinstance(names, DictionaryObject) and ("/JavaScript" in names or "/EmbeddedFiles" in names)


def _check_active_content(reader: PdfReader) -> None:
    """Every object a viewer can reach from the trailer, walked with a stack (no recursion, each
    indirect object once); stream contents are not decoded, only their dictionaries read."""
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if _is_active(node):
                raise EvidenceError(MSG_PDF_ACTIVE)
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def _check_pdf(data: bytes) -> None:
    try:
        reader = _open_pdf(data)
        _check_active_content(reader)
        _check_unpacked_size(reader)
        # A trial merge: a file accepted now must not fail later, at the moment of signing.
        writer = PdfWriter()
        writer.append(reader, import_outline=False)
        writer.write(io.BytesIO())
    except EvidenceError:
        raise
    except _TooBig:
        raise EvidenceError(MSG_PDF_TOO_BIG) from None
    except (PyPdfError, DependencyError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError, ZeroDivisionError):  # what damaged PDFs make pypdf raise
        raise EvidenceError(MSG_PDF_BROKEN) from None


def _open_image(data: bytes, expected_format: str) -> Image.Image:
    """A fully decoded image; raises EvidenceError for anything Pillow cannot verify and load."""
    try:
        # The pixel count is checked before decoding (our limit is below Pillow's own bomb check).
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != expected_format:
                raise EvidenceError(MSG_TYPE)
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise EvidenceError(MSG_IMAGE_TOO_BIG)
            probe.verify()  # checksums and structure; the image cannot be used afterwards
        image = Image.open(io.BytesIO(data))
        image.load()  # verify() does not decode the pixels: a truncated file fails here
        return image
    except EvidenceError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise EvidenceError(MSG_IMAGE_TOO_BIG) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise EvidenceError(MSG_IMAGE_BROKEN) from None


def safe_display_name(filename: str | None, content_type: str | None = None) -> str:
    """A name fit to show and to store as data: no directories, no control characters, ≤ 120 chars."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]  # browsers on Windows may send C:\fakepath\x.pdf
    # Cc: control characters; Cf: format characters such as U+202E, which can disguise an extension.
    name = "".join(" " if ch in "\t\r\n" else ch for ch in name
                   if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs"))
    name = re.sub(r"\s+", " ", name).strip().strip(".").strip()
    if not name:
        name = "evidence" + EXTENSIONS.get(content_type or "", "")
    if len(name) > MAX_DISPLAY_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            name = stem[:MAX_DISPLAY_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_DISPLAY_NAME].rstrip()
    return name


def validate_evidence(filename: str | None, data: bytes, *, max_bytes: int) -> tuple[str, str]:
    """(content type, safe display name) for an uploaded evidence file, judged by its bytes.

    Raises EvidenceError with a message for the user: empty, too large, not a PDF/JPG/PNG,
    a damaged or password-protected PDF, a damaged image.
    """
    if not data:
        raise EvidenceError(MSG_EMPTY)
    if len(data) > max_bytes:
        raise EvidenceError(_size_message(max_bytes))
    content_type = sniff(data)
    if content_type == PDF:
        _check_pdf(data)
    elif content_type == PNG:
        _open_image(data, "PNG").close()
    elif content_type == JPEG:
        _open_image(data, "JPEG").close()
    else:
        raise EvidenceError(MSG_TYPE)
    return content_type, safe_display_name(filename, content_type)

