"""Render a document as HTML, PDF (WeasyPrint) or DOCX (docxtpl) from one context.

User text is data (DESIGN.md §5): both renderers autoescape, neither ever compiles user text as a
template, and the PDF renderer fetches nothing at all — no network, no file system. The one resource
it serves is a data: URI of an image type a school's logo may be (forms_service/logos.py), decoded
here: the letterhead's logo, placed by the template, never by user text (which is escaped).
"""
from __future__ import annotations

import functools
import io
from pathlib import PurePosixPath

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .. import logos
from ..config import PROJECT_ROOT
from . import language

# Templates live beside the package in the repository (templates/ at the project root).
HTML_TEMPLATES_DIR = PROJECT_ROOT / "templates" / "html"
DOCX_TEMPLATES_DIR = PROJECT_ROOT / "templates" / "docx"
PRINT_CSS_PATH = HTML_TEMPLATES_DIR / "print" / "print.css"
# Every PDF the service makes is read by people (parents, heads, magistrates): accessible PDF.
PDF_VARIANT = "pdf/ua-1"


class RenderError(Exception):
    """A document could not be rendered. An ordinary Exception, so web handlers catch it."""


class FetchRefused(FatalURLFetchingError):
    """Raised for every URL WeasyPrint asks for: print templates are self-contained."""


class RefusingURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that fetches nothing (but decodes a logo's data: URI).

    WeasyPrint needs a URLFetcher instance (a plain function fails, DESIGN.md §8). An ordinary
    exception from a fetcher is only logged and rendering carries on; FatalURLFetchingError stops
    it, so an attempted fetch — which would mean a template or escaping bug — cannot go unnoticed.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        image = logos.from_data_uri(url)
        if image is not None:
            return URLFetcherResponse(url, image[0], {"Content-Type": image[1]}, 200)
        self.refused.append(url)
        raise FetchRefused(f"Print rendering fetches no resources; refused {url[:200]!r}")


# A dedicated environment for print templates, separate from the web pages' (Flask's) one.
print_env = Environment(
    loader=FileSystemLoader(HTML_TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],  # a letter's fixed words, in the parent's language (documents/language.py)
)


def _docx_finalize(value):
    """Escape for XML, and keep user text safe from docxtpl's own post-processing.

    After rendering, docxtpl turns "{_{", "}_}", "{_%" and "%_}" in the output into "{{" ... —
    which would alter user text. Writing "_" as a character reference (still "_" to Word) keeps
    the text exactly as typed.
    """
    text = escape("" if value is None else value)
    return Markup(str(text).replace("_", "&#95;")) if "_" in text else text


# docxtpl compiles the document's XML as a Jinja template with this environment: autoescape so
# "<" and "&" in user text stay valid XML, StrictUndefined so a missing variable is an error.
docx_env = Environment(
    autoescape=True,
    undefined=StrictUndefined,
    finalize=_docx_finalize,
    extensions=["jinja2.ext.i18n"],
)
# English unless a render binds its language's gettext (language.bound); a multi-line {% trans %}
# block is one message with its white space collapsed, the same in the print and the Word templates.
for _env in (print_env, docx_env):
    _env.install_null_translations()
    _env.policies["ext.i18n.trimmed"] = True


def _checked_name(template_name: str, suffix: str) -> str:
    # Template names come from the form declarations, but refuse anything path-like regardless.
    path = PurePosixPath(template_name)
    if path.is_absolute() or ".." in path.parts or "\\" in template_name or path.suffix != suffix:
        raise RenderError(f"Not a {suffix} template name: {template_name!r}")
    return template_name


def render_html(template_name: str, context: dict, *, title: str | None = None, lang: str | None = None) -> str:
    """The print HTML of `template_name` (under templates/html), e.g. "print/penalty-notice-leave.html",
    in the context's `language` (English when it names none)."""
    template = print_env.get_template(_checked_name(template_name, ".html"))
    document_title = title if title is not None else context.get("title", "")
    lang = lang or language.tag(language.language_of(context.get("language")))
    return template.render({**language.bound(context), "document_title": document_title, "document_lang": lang})


def render_preview(template_name: str, context: dict, *, title: str | None = None) -> str:
    """Print HTML for a browser: the same page with the print stylesheet inlined (the PDF renderer
    is given the stylesheet separately and the page itself links to nothing)."""
    html = render_html(template_name, context, title=title)
    style = Markup("<style>\n{}\n</style>\n</head>").format(Markup(PRINT_CSS_PATH.read_text(encoding="utf-8")))
    return html.replace("</head>", str(style), 1)


@functools.lru_cache(maxsize=1)
def _print_stylesheet() -> CSS:
    # Read from the package directory, never from a URL; parsed once (CSS objects are reusable).
    return CSS(string=PRINT_CSS_PATH.read_text(encoding="utf-8"), base_url=None,
               url_fetcher=RefusingURLFetcher())


def html_to_pdf(html: str, *, title: str, lang: str = "en-GB", font_config=None) -> bytes:
    """PDF bytes from print HTML, with no resource fetching; raises RenderError if one is tried.
    `font_config`: a WeasyPrint FontConfiguration to reuse (a batch of letters in one thread)."""
    fetcher = RefusingURLFetcher()
    try:
        document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(
            stylesheets=[_print_stylesheet()], font_config=font_config)
        document.metadata.title = title
        document.metadata.lang = lang
        # PDF/UA-1: tagged structure (headings, paragraphs, tables a screen reader can follow), the
        # title shown instead of the file name, and the language; costs about 5% of a render.
        return document.write_pdf(pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as exc:  # a BaseException: `except Exception` would miss it
        raise RenderError(str(exc)) from None


def render_pdf(template_name: str, context: dict, *, title: str, lang: str | None = None, font_config=None) -> bytes:
    """A4 PDF of a print template, with `title` and `lang` (else the context's language) in its metadata."""
    lang = lang or language.tag(language.language_of(context.get("language")))
    return html_to_pdf(render_html(template_name, context, title=title, lang=lang), title=title, lang=lang,
                       font_config=font_config)


def _docx_logo(template: DocxTemplate, context: dict):
    """The letterhead's logo as a picture in the DOCX ("" without one): the same image as the PDF's, an
    SVG drawn as PNG (Word shows no SVG)."""
    image = logos.from_data_uri((context.get("letterhead") or {}).get("logo_uri", ""))
    if image is None:
        return ""
    png, width, height = logos.for_word(*image)
    # The PDF's box (print.css .letterhead-logo): at most 16 mm high and 60 mm wide, whichever a wide
    # logo reaches first.
    if width * 16 > height * 60:
        return InlineImage(template, io.BytesIO(png), width=Mm(60))
    return InlineImage(template, io.BytesIO(png), height=Mm(16))


def render_docx(template_name: str, context: dict, *, jinja_env: Environment | None = None) -> bytes:
    """DOCX bytes of a docxtpl template under templates/docx, e.g. "penalty-notice-leave.docx".
    `jinja_env`: docx_env or an overlay of it (one that keeps compiled templates, for a batch)."""
    path = DOCX_TEMPLATES_DIR / _checked_name(template_name, ".docx")
    if not path.is_file():
        raise RenderError(f"No DOCX template {template_name!r}")
    # A DocxTemplate is consumed by rendering, so each render loads its own copy.
    template = DocxTemplate(path)
    if "letterhead" in context:
        context = {**context, "letterhead": {**context["letterhead"], "logo": _docx_logo(template, context)}}
    template.render(language.bound(context), jinja_env=jinja_env or docx_env, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
