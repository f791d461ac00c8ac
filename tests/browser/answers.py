"""Answering the service's question pages in the browser. Every box is found by its label the way
a screen reader announces it (a date's Day/Month/Year inside the fieldset named by its legend, a
parent's answers inside "Parent or carer 2"), with the labels read from the form's declaration
(schemas/forms/), so a page and the test cannot drift apart. Two ways to answer: `Pointer` fills
and clicks; `Keyboard` reaches each box with Tab and types into the focused one.

Also here: the realistic data the journeys type (tests/support/helpers.py and the samples) and the
requests a journey starts from when an earlier role's part is not what it tests.
"""
from __future__ import annotations

import datetime as dt
import io
import re

from playwright.sync_api import expect

from forms_service.formdefs import FieldDef, get_form, get_path

from support.helpers import api_token, bearer, json_data, make_pdf, register_json_for

LEAVE_FORM = "penalty-notice-leave"
LEAVE_TITLE = "Request to issue a Penalty Notice for leave of absence taken in term time"
LEAVE_EVIDENCE = {e["kind"]: e["label"] for e in get_form(LEAVE_FORM).evidence}
DECLARATION = "I confirm the declaration above"


REFERENCE = re.compile(r"[A-Z]{3}-\d{4}-\d{6}")


def h1(page):
    return page.get_by_role("heading", level=1)


def success(page):
    """GOV.UK's success notification banner (role alert, named by its "Success" title)."""
    return page.get_by_role("alert", name="Success")


def group(scope, legend: str):
    """A fieldset (role group) by its legend."""
    return scope.get_by_role("group", name=legend, exact=True)


def box(scope, label: str):
    return scope.get_by_label(label, exact=True)


def _shown(f: FieldDef, value) -> str:
    """An answer as it is typed on the page."""
    if value is None:
        return ""
    if f.type == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _option(f: FieldDef, value) -> str:
    """The label of the radio that gives `value`."""
    if f.type == "boolean":
        return "Yes" if value else "No"
    return next(c["label"] for c in f.options["choices"] if c["value"] == value)


def _add_button(f: FieldDef, existing: int) -> str:
    article = "another" if existing else ("an" if f.label[:1].lower() in "aeiou" else "a")
    return f"Add {article} {f.label.lower()}"


class Answering:
    """Answers a question page of a form from its declaration; subclasses say how a person does it."""

    def __init__(self, browse):
        self.browse = browse
        self.page = browse.page

    def answer_page(self, form_id: str, page_id: str, data: dict) -> None:
        """Give every answer `data` has for the page's questions (those it lacks are left as they are)."""
        for f in get_form(form_id).page(page_id).fields:
            value = get_path(data, f.name)
            if value is None or value == "":
                continue
            self.answer(self.page, f, value)

    def answer(self, scope, f: FieldDef, value) -> None:
        if f.type == "list":
            self.answer_list(f, value)
        elif f.type == "date":
            day = dt.date.fromisoformat(value) if isinstance(value, str) else value
            fieldset = group(scope, f.label)
            for part, text in (("Day", day.day), ("Month", day.month), ("Year", day.year)):
                self.type(box(fieldset, part), str(text))
        elif f.type in ("boolean", "choice"):
            self.choose(group(scope, f.label), _option(f, value))
        else:
            self.type(box(scope, f.label), _shown(f, value))

    def answer_list(self, f: FieldDef, items: list) -> None:
        for n, item in enumerate(items, start=1):
            block = group(self.page, f"{f.label} {n}")
            if not block.count():
                self.press_button(_add_button(f, n - 1))
            for sub in f.item_fields:
                value = item.get(sub.name)
                if value not in (None, "", []) and sub.type != "list":
                    self.answer(group(self.page, f"{f.label} {n}"), sub, value)

    def _target(self, role: str, name):
        """A button or link by its accessible name (a string, exactly, or a pattern), or a locator."""
        if isinstance(name, str):
            return self.page.get_by_role(role, name=name, exact=True)
        if isinstance(name, re.Pattern):
            return self.page.get_by_role(role, name=name)
        return name

    def follow(self, link_name, status: int = 200, screenshot: str | None = None, *, document: bool = False):
        return self.press_button(link_name, status, screenshot, role="link", document=document)

    def continue_(self, status: int = 200, screenshot: str | None = None):
        return self.press_button("Save and continue", status=status, screenshot=screenshot)

    def enclose(self, label: str, filename: str, content: bytes) -> None:
        """Upload one PDF on the evidence page, saying what it is, and see it listed."""
        self.choose(group(self.page, "What is this document?"), label)
        self.upload("Upload a file", filename, "application/pdf", content)
        self.press_button("Upload")
        expect(self.page.get_by_role("link", name=filename)).to_be_visible()


class Pointer(Answering):
    """Fills each box and clicks, as a mouse or touch user does."""

    def type(self, locator, text: str) -> None:
        locator.fill(text)

    def choose(self, fieldset, option: str) -> None:
        box(fieldset, option).check()

    def press_button(self, name, status: int = 200, screenshot: str | None = None, *, role: str = "button",
                     document: bool = False):
        """Click a button (or a link, `role`; or a locator), and check the page it leads to."""
        target = self._target(role, name)
        return self.browse.navigate(target.click, status=status, screenshot=screenshot, document=document)

    def upload(self, label: str, name: str, mime: str, content: bytes) -> None:
        box(self.page, label).set_input_files({"name": name, "mimeType": mime, "buffer": content})


class Keyboard(Answering):
    """Tab to each box and type into it, Space to tick or choose, Enter to press a button. A radio
    that is not the first of its group is reached with the arrow keys, as browsers require (Tab
    enters a group of radios once; the arrows move within it)."""

    def __init__(self, browse):
        super().__init__(browse)
        # Playwright turns on catching the browser's file chooser when something listens for it, and
        # does so asynchronously: listening from the start means no Space press can beat it.
        self.page.on("filechooser", lambda chooser: None)

    def type(self, locator, text: str) -> None:
        b = self.browse
        if not b.is_focused(locator):
            b.tab_to(locator)
        current = locator.input_value()
        if current == text or (current.isdigit() and text.isdigit() and int(current) == int(text)):
            return  # already given (a date that defaults to today: its day may be written "05")
        assert current == "", f"{locator} already holds {current!r}"
        self.page.keyboard.type(text)

    def retype(self, locator, text: str) -> None:
        """Correct an answer: Tab into the box (from the one before it if it has focus already),
        which selects what it holds, and type over it."""
        if self.browse.is_focused(locator):
            self.page.keyboard.press("Shift+Tab")
        self.browse.tab_to(locator)
        selected = locator.evaluate("(el) => el.value.slice(el.selectionStart, el.selectionEnd)")
        assert selected == locator.input_value(), f"Tab selected {selected!r} of {locator.input_value()!r}"
        self.page.keyboard.type(text)

    def choose(self, fieldset, option: str) -> None:
        b = self.browse
        target = box(fieldset, option)
        radios = fieldset.get_by_role("radio")
        checked = fieldset.locator("input[type=radio]:checked")
        b.tab_to(checked.first if checked.count() else radios.first)
        for _ in range(radios.count()):
            if b.is_focused(target):
                break
            self.page.keyboard.press("ArrowDown")
        assert b.is_focused(target), f"the arrow keys never reached {option!r}"
        if not target.is_checked():
            self.page.keyboard.press("Space")
        assert target.is_checked()

    def tick(self, label: str) -> None:
        checkbox = box(self.page, label)
        self.browse.tab_to(checkbox)
        self.page.keyboard.press("Space")
        assert checkbox.is_checked()

    def press_button(self, name, status: int = 200, screenshot: str | None = None, *, role: str = "button",
                     document: bool = False):
        """Tab to a button (or a link, `role`; or a locator) and press Enter; check the page it leads to."""
        b = self.browse
        b.tab_to(self._target(role, name))
        return b.navigate(lambda: self.page.keyboard.press("Enter"), status=status, screenshot=screenshot,
                          document=document)

    def follow_in_page(self, link_name: str) -> None:
        """A link to a place on the same page (an error summary's): focus moves, nothing loads."""
        self.browse.tab_to(self.page.get_by_role("link", name=link_name, exact=True))
        self.page.keyboard.press("Enter")
        state = self.browse.focus_state()
        assert state["visible"], f"focus moved to {state['what']}, where it cannot be seen"

    def upload(self, label: str, name: str, mime: str, content: bytes) -> None:
        """Tab to the file box and press Space: the browser's file chooser opens, and the file is chosen."""
        b = self.browse
        b.tab_to(box(self.page, label))
        with self.page.expect_file_chooser() as chooser:
            self.page.keyboard.press("Space")
        chooser.value.set_files({"name": name, "mimeType": mime, "buffer": content})


# --- the data the journeys use ------------------------------------------------------------------

def leave_evidence_files() -> dict[str, tuple[str, bytes]]:
    """A small real PDF for each enclosure, with a name a school would give it."""
    return {kind: (f"Bennett {label.lower()}.pdf", make_pdf(f"Bennett: {label}"))
            for kind, label in LEAVE_EVIDENCE.items()}


def submitted_leave_request(app) -> dict:
    """A leave-of-absence request made, given its register and evidence and submitted through the
    API (the office's part, which the browser journeys cover separately), ready for sign-off."""
    client = app.test_client()
    office = bearer(api_token(client, "office@demo.school"))
    data = json_data()
    created = client.post("/api/v1/referrals", headers=office,
                          json={"form": LEAVE_FORM, "data": data, "register": register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    referral = created.get_json()
    for kind, (filename, content) in leave_evidence_files().items():
        up = client.post(f"/api/v1/referrals/{referral['id']}/evidence", headers=office,
                         data={"kind": kind, "file": (io.BytesIO(content), filename)},
                         content_type="multipart/form-data")
        assert up.status_code == 201, up.get_json()
    submitted = client.post(f"/api/v1/referrals/{referral['id']}/submit", headers=office)
    assert submitted.status_code == 200, submitted.get_json()
    return {**referral, "data": data}
