"""A school's logo for its letterhead (issue 18): bytes an administrator uploads, checked here once,
stored on the school, and printed at the head of its letters and forms.

Only PNG, JPEG and SVG, and never a URL: the logo is the uploaded bytes themselves. Raster images are
opened by Pillow (a well-kept decoder; a file that merely starts like a PNG is refused), with a cap on
the pixel count, as a decompression bomb would otherwise pass the byte limit. An SVG is XML that can
reach out (external images, stylesheets, entities) or carry script, so it is parsed without DTDs or
entities (defusedxml) and refused if it refers to anything outside itself; it is then drawn once by
CairoSVG to prove it renders. The PDF embeds the SVG itself; Word cannot show SVG, so the DOCX takes a
PNG drawn from it (as_png).
"""
from __future__ import annotations

import base64
import functools
import io
import re

MAX_BYTES = 512 * 1024
MAX_PIXELS = 4000 * 4000
# The PNG drawn from an SVG for Word: wide enough for print at the letterhead's size (about 60 mm).
SVG_RASTER_WIDTH = 720
TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
SVG = "image/svg+xml"
ACCEPT = ".png,.jpg,.jpeg,.svg,image/png,image/jpeg,image/svg+xml"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Elements that run script, embed other documents or animate attributes (which can swap an href in).
FORBIDDEN = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video", "image", "feImage",
             "animate", "set", "animateMotion", "animateTransform", "handler", "listener"}
_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)


class LogoError(ValueError):
    """The file cannot be a logo; the message says why, for the person who chose it."""


def check(data: bytes) -> tuple[bytes, str]:
    """(bytes, media type) of an acceptable logo; LogoError otherwise."""
    if not data:
        raise LogoError("The logo file is empty")
    if len(data) > MAX_BYTES:
        raise LogoError(f"The logo must be {MAX_BYTES // 1024} KB or smaller")
    head = data[:512].lstrip()
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return data, _check_raster(data)
    if head.startswith((b"<?xml", b"<svg", b"<!--")):
        _check_svg(data)
        return data, SVG
    raise LogoError("The logo must be a PNG, JPEG or SVG image")


def _check_raster(data: bytes) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # the file's structure and checksums: a truncated PNG fails here
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            if kind not in TYPES:
                raise LogoError("The logo must be a PNG, JPEG or SVG image")
            if width * height > MAX_PIXELS:
                raise LogoError("The logo is too large: use an image of at most 4000 by 4000 pixels")
            image.load()  # decodes every pixel: a truncated or corrupt file fails here, not when printing
    except LogoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise LogoError("The logo file is damaged or not really an image") from None
    return TYPES[kind]


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _refers_outside(value: str) -> bool:
    """True if a url(...) in `value` names anything but a fragment of the same file."""
    return any(not target.startswith("#") for target in _URL.findall(value)) or "@import" in value.lower()


def _check_svg(data: bytes) -> None:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError):
        raise LogoError("The SVG logo is not well-formed, or uses a DTD or entities, which are not allowed") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise LogoError("The logo must be a PNG, JPEG or SVG image")
    for element in root.iter():
        name = _local(element.tag) if isinstance(element.tag, str) else ""
        if name in FORBIDDEN:
            raise LogoError(f"The SVG logo contains an element that is not allowed (<{name}>): save it as plain "
                            "shapes and text, or as a PNG")
        for attribute, value in element.attrib.items():
            local = _local(attribute)
            if local.lower().startswith("on"):
                raise LogoError("The SVG logo contains script, which is not allowed")
            if local == "href" and not value.strip().startswith("#"):
                raise LogoError("The SVG logo links to another file or address, which is not allowed")
            if _refers_outside(value):
                raise LogoError("The SVG logo refers to another file or address, which is not allowed")
        if name == "style" and _refers_outside(element.text or ""):
            raise LogoError("The SVG logo's style refers to another file or address, which is not allowed")
    try:
        as_png(data, SVG)
    except Exception:  # CairoSVG raises many kinds; any of them means it cannot be printed
        raise LogoError("The SVG logo could not be drawn: save it again from your design program, or as a PNG") \
            from None


def as_png(data: bytes, media_type: str) -> bytes:
    """The logo as PNG or JPEG bytes Word can show: raster logos as they are, an SVG drawn to PNG."""
    if media_type != SVG:
        return data
    import cairosvg

    # unsafe=False: no entities, and (CairoSVG 2.7+) no external file is ever fetched.
    return cairosvg.svg2png(bytestring=data, output_width=SVG_RASTER_WIDTH, unsafe=False)


@functools.lru_cache(maxsize=16)
def for_word(data: bytes, media_type: str) -> tuple[bytes, int, int]:
    """(PNG or JPEG bytes, width, height in pixels) of the logo as the DOCX places it. Cached: a bulk
    run prints the same logo on every letter."""
    from PIL import Image

    picture = as_png(data, media_type)
    with Image.open(io.BytesIO(picture)) as image:
        return (picture, *image.size)


def data_uri(data: bytes, media_type: str) -> str:
    """The logo as a data: URI for the print HTML (the PDF renderer serves these and nothing else)."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def from_data_uri(uri: str) -> tuple[bytes, str] | None:
    """(bytes, media type) of a data: URI that data_uri made for an accepted type; None for anything else."""
    match = re.fullmatch(r"data:(image/png|image/jpeg|image/svg\+xml);base64,([A-Za-z0-9+/=]+)", uri or "")
    if not match:
        return None
    try:
        return base64.b64decode(match.group(2), validate=True), match.group(1)
    except ValueError:
        return None
