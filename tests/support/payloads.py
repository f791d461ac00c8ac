"""Hostile and awkward text for the hostile-input tests (tests/test_hostile_payloads.py): template
syntax, markup, CSS and URLs that would reach a canary server if anything fetched them, very long
text, control and bidirectional characters, emoji, Welsh and Polish names, quotes and SQL.

`fill(form, sample, payload)` puts one payload into every free-text answer of a form's realistic
sample (tests/samples/), the fields read from the declaration (schemas/forms/) so a new field is
covered without editing this file; `fill(form, sample, Deal(...))` deals the whole corpus out across
the answers instead. Each answer starts with a marker naming it ("[07]") so a test can tell which
answer it is looking at.
"""
from __future__ import annotations

import copy
import dataclasses
import re
import unicodedata
from dataclasses import dataclass

from forms_service.formdefs import FieldDef, FormDef


@dataclass(frozen=True)
class Payload:
    id: str
    text: str  # "{canary}" stands for the canary server's address (with_canary)
    # How the text reads back from a PDF (pypdf): None means the text itself (compared without
    # whitespace and format characters); "*" that its order cannot be compared (bidirectional
    # text reads back in the order it is drawn).
    pdf_text: str | None = None
    long: bool = False  # fills each answer to its limit instead of being cut to fit
    # The documents' fonts have no glyphs for it (emoji): the PDF draws boxes, and pypdf cannot
    # read back the other text in a document where that happens, so it goes in a PDF of its own.
    no_glyphs: bool = False

    def for_canary(self, canary: str) -> "Payload":
        return dataclasses.replace(self, text=self.text.replace("{canary}", canary))


LONG_WORD = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" * 100  # 5,800 letters, no space
LONG_PARAGRAPH = " ".join(
    f"Sentence {n}: the family said the bus was late again, and {{{{ n }}}} <b>bold</b> & co." for n in range(1, 80))

PAYLOADS = [
    # Template syntax: Jinja, and docxtpl's own "{_{" spelling, which it rewrites after rendering.
    Payload("jinja-expression", "{{ 7*7 }}"),
    Payload("jinja-statement", "{% for x in range(3) %}x{% endfor %}"),
    Payload("jinja-config", "{{ config }} {{ config.SECRET_KEY }} {{ request }}"),
    Payload("jinja-class", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    Payload("jinja-comment", "{# hidden #} {%- raw -%} {{ self }} {{ cycler.__init__.__globals__ }}"),
    Payload("docxtpl-escapes", "{_{ 7*7 }_} {_% if 1 %_}y{_% endif %_} {%p if 1 %}{%tr x %}{%r y %}"),
    Payload("format-strings", "%s %d %(name)s {0} {name} ${HOME} $(id) `id`"),
    # Markup and script.
    Payload("script", "<script>alert(1)</script>"),
    Payload("attribute-break", "\"><img src=x onerror=alert(1)>"),
    Payload("single-quote-break", "'><svg onload=alert(1)>"),
    Payload("entities", "&lt;b&gt; &amp;amp; &#60;i&#62; &#x3c; &nbsp; &copy;"),
    Payload("comment-cdata", "<!-- x --> <![CDATA[ y ]]> <?xml version=\"1.0\"?>"),
    Payload("xml-entity", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>&e;"),
    Payload("word-field", "{ HYPERLINK \"{canary}/word-field\" } { INCLUDEPICTURE \"{canary}/pic\" } MERGEFIELD x"),
    # Anything that would make a renderer fetch: each names the canary server.
    Payload("img-canary", "<img src={canary}/img.png>"),
    Payload("link-canary", "<link rel=stylesheet href={canary}/link.css>"),
    Payload("style-canary", "<style>@import url({canary}/import.css); body {{ background: url({canary}/bg.png) }}</style>"),
    Payload("inline-style-canary", "<p style=\"background-image: url('{canary}/inline.png')\">styled</p>"),
    Payload("css-import-canary", "@import '{canary}/at-import.css'; @font-face {{ src: url({canary}/font.woff) }}"),
    Payload("svg-canary", "<svg><image href=\"{canary}/svg.png\"/></svg> <object data=\"{canary}/obj\"></object>"),
    Payload("iframe-canary", "<iframe src=\"{canary}/frame\"></iframe> <a href=\"{canary}/a\">link</a>"),
    Payload("file-url", "<img src=file:///etc/passwd> url(file:///etc/hostname)"),
    Payload("bare-url", "{canary}/bare http://169.254.169.254/latest/meta-data/"),
    # Long text: one unbroken word and a long paragraph, each filling the answer to its limit.
    Payload("long-word", LONG_WORD, long=True),
    Payload("long-paragraph", LONG_PARAGRAPH, long=True),
    # Characters the service keeps: tab and line breaks, bidirectional text, joiners, emoji.
    Payload("tab-and-newlines", "Line one\tcolumn\nLine two\r\nLine three\rend"),
    Payload("right-to-left-override", "invoice\u202efdp.exe \u202bembedded\u202c \u2067isolate\u2069",
            pdf_text="*"),
    Payload("rtl-marks-and-scripts", "\u200fمرحبا\u200e שָׁלוֹם abc", pdf_text="*"),
    Payload("zero-width", "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom\u00adsoft"),
    Payload("emoji", "Emoji 😀 👍🏽 👩‍👩‍👧‍👦 🏴󠁧󠁢󠁷󠁬󠁳󠁿 ❤️", no_glyphs=True),
    Payload("line-separators", "para\u2028line\u2029para \u0085next"),
    Payload("combining", "Zoe\u0308 Ma\u0301rquez Chloe\u0301 Z̷̢a̴l̸g̵o̶"),
    # Welsh and Polish names, apostrophes and quotes, SQL.
    Payload("welsh", "Llŷr Siân Ffion ap Dafydd, ŵ ŷ Ŵ Ŷ, Gwenllïan Ffrancon-Ŵen"),
    Payload("polish", "Zażółć gęślą jaźń, Łukasz Wąsowski-Żółkiewski, ŻÓŁĆ"),
    Payload("quotes", "O'Brien \"quoted\" ‘curly’ “double” D’Arcy `back` « guillemets »"),
    Payload("sql", "Robert'); DROP TABLE referrals;-- ' OR '1'='1 \\\" ; SELECT * FROM users"),
    Payload("backslashes", "C:\\new\\table \\n \\u0041 \\x41 \\\\server\\share"),
    Payload("words-that-mean-something", "None null undefined NaN true False 0 -1 1e308 Not given"),
]

# Control characters the validation must refuse (a 422 naming the field): no document can carry
# them (XML 1.0 forbids them) and they only arrive by accident or attack.
REFUSED = [
    ("nul", "Null\x00byte"),
    ("bell", "Bell\x07"),
    ("escape", "Colour \x1b[31mred"),
    ("form-feed", "Page\x0cbreak"),
    ("vertical-tab", "Vertical\x0btab"),
    ("delete", "Delete\x7f"),
    ("lone-surrogate", "Half \ud800 a pair"),
    ("non-character", "Not a character \ufffe"),
]


def with_canary(canary: str) -> list[Payload]:
    return [p.for_canary(canary) for p in PAYLOADS]


# --- the forms' free-text answers ---------------------------------------------------------------

def text_fields(form: FormDef) -> list[tuple[tuple, FieldDef]]:
    """(path, field) of every free-text answer a person types, list items included: the path is the
    field's dotted name with a "[]" step for each list ("parents", "[]", "name"). Answers with a
    pattern (a UPN, a telephone number, a time) cannot hold free text and are left out."""
    out = []

    def walk(defs, prefix: tuple):
        for f in defs:
            path = prefix + tuple(f.name.split("."))
            if f.type in ("text", "textarea") and "pattern" not in f.options:
                out.append((path, f))
            elif f.type == "list":
                walk(f.item_fields, path + ("[]",))

    walk(form.fields, ())
    return out


def fit(text: str, f: FieldDef, room: int | None = None, *, long: bool = False) -> str:
    """`text` as the answer to `f` can hold it: one line unless the answer takes several, and no
    longer than its limit (a long payload is repeated up to the limit)."""
    limit = f.options.get("max_length", 1000) if room is None else room
    if f.type != "textarea":
        text = re.sub(r"[\r\n]+", " ", text)
    if long:
        text = (text * (limit // max(len(text), 1) + 1))[:limit]
    # The service strips surrounding whitespace (a cut may end in a space): so does the expected text.
    return text[:limit].strip()


def marker(n: int) -> str:
    return f"[{n:02d}]"


def _blank_item(list_field: FieldDef) -> dict:
    """A list item with every required answer given plainly (dates in the past, first choices), for
    a list the sample leaves empty, so that its free-text answers can be filled too."""
    item = {}
    for i in list_field.item_fields:
        if i.type == "date":
            item[i.name] = "2025-01-15"
        elif i.type == "choice" and i.required:
            item[i.name] = i.options["choices"][0]["value"]
        elif i.type == "boolean" and i.required:
            item[i.name] = False
    return item


def fill(form: FormDef, sample: dict, text_for=None) -> tuple[dict, dict[str, str]]:
    """The sample with every free-text answer set to its marker followed by text; returns the data
    and {marker: the answer as given}. `text_for` is a Payload (cut to fit each answer), a Deal, or
    None (each answer its marker alone: the baseline a test compares with)."""
    data = copy.deepcopy(sample)
    given: dict[str, str] = {}
    counter = iter(range(1, 10_000))

    def set_text(node: dict, key: str, f: FieldDef):
        tag = marker(next(counter))
        room = f.options.get("max_length", 1000) - len(tag)
        if isinstance(text_for, Payload):
            text = fit(text_for.text, f, room, long=text_for.long)
        elif text_for is not None:
            text = text_for(tag, f, room)
        else:
            text = ""
        node[key] = given[tag] = tag + text

    def walk(node: dict, defs):
        for f in defs:
            *parents, last = f.name.split(".")
            parent = node
            for part in parents:
                parent = parent.setdefault(part, {})
            if f.type in ("text", "textarea") and "pattern" not in f.options:
                set_text(parent, last, f)
            elif f.type == "list" and any(i.type in ("text", "textarea") for i in f.item_fields):
                items = parent.get(last) or [_blank_item(f)]
                parent[last] = items
                for item in items:
                    walk(item, f.item_fields)

    walk(data, form.fields)
    return data, given


class Deal:
    """Deals payloads out across the answers a document shows, as many whole ones as each answer
    holds (one per line where it takes lines), in turn, so one rendering carries the whole corpus.
    `placed` records which payloads each answer was given whole this round (a new round starts
    where the last left off)."""

    def __init__(self, payloads: list[Payload], shown: set[str], start: int = 0):
        self.payloads = [p for p in payloads if not p.long]
        self.shown, self.next = shown, start
        self.placed: dict[str, list[str]] = {}  # this round's
        self.covered: set[str] = set()  # every round's

    def __call__(self, tag: str, f: FieldDef, room: int) -> str:
        if tag not in self.shown:
            return ""
        sep = "\n" if f.type == "textarea" else " "
        parts: list[str] = []
        for _ in range(len(self.payloads)):
            payload = self.payloads[self.next % len(self.payloads)]
            whole = fit(payload.text, f, 10**6)
            left = room - len(sep.join(parts + [whole]))
            if left < 0:
                if not parts:  # too long for this answer: as much as it holds, and whole in the next
                    parts.append(fit(payload.text, f, room))
                break
            self.next += 1
            parts.append(whole)
            self.placed.setdefault(tag, []).append(payload.id)
            self.covered.add(payload.id)
        return sep.join(parts)


# --- comparing what a reader sees ---------------------------------------------------------------

_INVISIBLE = {"Cf", "Cc", "Zl", "Zp", "Mn", "Me"}


def visible(text: str) -> str:
    """Text as a PDF's extracted glyphs can match it: NFKC (ligatures and composed letters as one
    form), without whitespace, format characters (bidi controls, joiners), combining marks or
    control characters."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE)


def squash_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()

