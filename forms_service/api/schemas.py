"""Request and response shapes of the API. A form's own fields come from its declaration
(forms_service.formdefs) and are validated there; these describe the envelopes around them."""
from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from ..audit import SCHOOL_ROLES
from ..formdefs import CleanString
from ..la.decisions import checks_view, decisions_view, versions_view
from ..la.outcomes import outcomes_view
from ..referrals.actions import sent_back
from ..referrals.changes import since_last_signed
from ..referrals.sendings import sendings_view
from ..register.marks import CODE_SETS, DEFAULT_CODE_SET


class ApiError(Schema):
    """Every error the API answers with (forms_service.errors): the status, a sentence to show, and
    the fields at fault under `errors`; a referral that cannot be submitted adds the failing `rules`."""
    code = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    status = fields.String(required=True, metadata={"description": "The status in words"})
    message = fields.String(required=True, metadata={"description": "What went wrong, in a sentence to show"})
    errors = fields.Dict(metadata={"description": "{field: [messages]} (nested as the request is)"})
    rules = fields.List(fields.Dict(), metadata={"description": "Submit only: the rules that fail or lack "
                                                                 "evidence, as in the eligibility verdict"})
    problems = fields.List(fields.Dict(), metadata={"description": "A register file only: every problem found (up "
                                                                    "to 50), each {row, field, message} and, in a "
                                                                    "week grid, its column"})
    second_factor_required = fields.Boolean(metadata={
        "description": "POST /auth/token only: true when the password was right but the account needs a second "
                       "factor and `totp` was missing, wrong or already used"})


class TokenRequest(Schema):
    # Stripped, and no control characters: a NUL byte would otherwise reach the database query.
    email = CleanString(required=True, validate=validate.Length(min=3, max=320))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # Issue 23: for an account whose role needs a second factor (MFA_REQUIRED_ROLES) or that turned one on.
    totp = CleanString(validate=validate.Length(min=1, max=40), metadata={
        "description": "The 6-digit code the account's authenticator app shows now, or one of its single-use "
                       "recovery codes. Required for an account with a second factor: without it, or with a code "
                       "that is wrong or already used (each time step's code works once), the answer is 401 with "
                       "`second_factor_required: true`. An account that has not set up its app yet does so by "
                       "signing in on the website first (403 until then)."})


class TokenResponse(Schema):
    token = fields.String()
    expires_in = fields.Integer()


class RuleResult(Schema):
    id = fields.String()
    status = fields.String(metadata={"enum": ["pass", "fail", "missing", "advisory"]})
    reason = fields.String()
    source = fields.String()
    details = fields.Dict(metadata={"description": "The figures and dates the rule used"})


class DataWarning(Schema):
    field = fields.String(metadata={"description": "The path as sent: pupil.upn, parents[0].date_of_birth"})
    message = fields.String(metadata={"description": "In a sentence: pupil.upn is not used by the stage2-letter "
                                                     "form and was ignored"})


_WARNINGS = {"description": "The data dictionary's names (DESIGN.md §6) that this form does not use: each checked "
                            "against its type, then ignored (issue 21). Empty when there are none"}


class Verdict(Schema):
    eligible = fields.Boolean()
    rules = fields.List(fields.Nested(RuleResult))
    figures = fields.Dict()
    disagreements = fields.List(fields.Dict())
    warnings = fields.List(fields.Nested(DataWarning), metadata=_WARNINGS)


class RegisterSession(Schema):
    date = fields.String(required=True)
    session = fields.String(required=True)
    code = fields.String(required=True)


class RegisterPupil(Schema):
    upn = fields.String(allow_none=True, metadata={"description": "The pupil's UPN (or admission number); null "
                                                                  "in a file with neither"})
    sessions = fields.Integer(metadata={"description": "How many marks the pupil has in the file"})
    first_date = fields.Date()
    last_date = fields.Date()
    attendance_pct = fields.Float(allow_none=True, metadata={"description": "Over every mark in the file"})


class RegisterReading(Schema):
    """What the register reader understood of a file (POST /api/v1/registers/read)."""
    code_set = fields.String(validate=validate.OneOf(CODE_SETS))
    layout = fields.String(metadata={"description": "long (a row per mark), week-grid (a row per pupil and week, "
                                                    "a column per session) or day-grid (a column per day)"})
    encoding = fields.String(metadata={"description": "UTF-8, UTF-8 with a byte-order mark, UTF-16, Windows-1252 "
                                                      "or Excel workbook (.xlsx)"})
    # Raw: a whole school's file has hundreds of thousands of marks, already in their JSON shape.
    sessions = fields.Raw(metadata={"description": "Every mark: {upn?, date, session, code, mark?}; `mark` is the "
                                                   "export's own MIS sub-code (I01) where it had one",
                                    "type": "array", "items": {"type": "object"}})
    pupils = fields.List(fields.Nested(RegisterPupil))
    warnings = fields.List(fields.String(), metadata={"description": "What the reader decided that the sender "
                                                                     "should know"})


class RegisterInput(Schema):
    code_set = fields.String(validate=validate.OneOf(CODE_SETS), load_default=DEFAULT_CODE_SET)
    sessions = fields.List(fields.Dict(), required=True, validate=validate.Length(max=200_000))


class EligibilityRequest(Schema):
    data = fields.Dict(required=True)
    register = fields.Dict(load_default=None, allow_none=True)
    profile = fields.String(load_default=None, allow_none=True)


class ReferralCreate(Schema):
    form = fields.String(required=True)
    data = fields.Dict(load_default=dict)
    register = fields.Dict(load_default=None, allow_none=True)
    pupil = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=20, error="A pupil's id is at most 20 characters: find it with "
                                                                 "GET /api/v1/pupils"),
                          metadata={"description": "Start from one of the school's pupils (GET /api/v1/pupils): "
                                                   "the child's details and the parents fill the answers the form "
                                                   "asks for; `data` given here is laid over them"})


class ReferralPatch(Schema):
    data = fields.Dict(load_default=dict)
    register = fields.Dict(allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "The version you read; a stale one gets 409 instead of a lost update"})


class SendBackRequest(Schema):
    reason = CleanString(required=True, multiline=True, metadata={"description": "What needs changing (up to 2000 "
                                                                                 "characters)"})


class SignRequest(Schema):
    # As the form's own text: stripped, no control characters or line breaks (they would corrupt the
    # DOCX and cannot be stored in PostgreSQL).
    name = CleanString(required=True, validate=validate.Length(min=1, max=200,
                                                             error="Enter your full name (up to 200 characters)"))
    declaration = fields.Boolean(required=True)
    on_behalf_of = CleanString(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "An acting head: on whose behalf they sign (printed after their name and role)"})


class DocumentRequest(Schema):
    data = fields.Dict(required=True)
    register = fields.Dict(load_default=None, allow_none=True,
                           metadata={"description": "The pupil's register marks, as for eligibility: figures the "
                                                    "document states (attendance %, days missed, broken weeks) are "
                                                    "then counted from them, in place of typed ones."})
    format = fields.String(load_default="pdf", validate=validate.OneOf(["pdf", "docx", "html"]))
    profile = fields.String(load_default=None, allow_none=True,
                            metadata={"description": "The policy profile whose rules and law (penalty notice "
                                                     "amounts) the document follows, as for eligibility; the "
                                                     "user's LA's profile when not given."})


class Delivery(Schema):
    state = fields.String()
    attempts = fields.Integer()
    sent_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)


class EvidenceItem(Schema):
    id = fields.Integer()
    kind = fields.String()
    filename = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


def _array_of(properties: dict) -> dict:
    """The OpenAPI shape of a list a `fields.Function` builds (apispec cannot see inside one)."""
    return {"type": "array", "items": {"type": "object", "properties": properties}}


_STR, _INT, _NSTR, _NINT = ({"type": "string"}, {"type": "integer"}, {"type": "string", "nullable": True},
                            {"type": "integer", "nullable": True})
_STRS = {"type": "array", "items": _STR}


_CHANGES = {
    "type": "object", "nullable": True,
    "properties": {
        "since_version": _INT,
        "answers": _array_of({"page": _STR, "field": _STR, "label": _STR, "before": _STR, "after": _STR}),
        "evidence": _array_of({"kind": _STR, "label": _STR,
                               "change": {"type": "string", "enum": ["added", "replaced", "removed"]}}),
        "register": {"type": "object", "nullable": True, "properties": {
            "summary": _STR, "added": _INT, "removed": _INT, "changed": _INT, "more": _INT,
            "marks": _array_of({"date": _STR, "session": _STR, "before": _STR, "after": _STR})}}},
    "description": "What changed (issue 17): answers as a reader sees them (before, after), evidence files added, "
                   "replaced or removed, and the register marks (the first 20 listed, `more` counts the rest)"}


class Referral(Schema):
    id = fields.Integer()
    reference = fields.String()
    form = fields.String(attribute="form_id")
    status = fields.String()
    version = fields.Integer()
    school = fields.Function(lambda r: r.school.name, metadata={"type": "string"})
    data = fields.Dict()
    register = fields.Function(lambda r: None if not r.register else {
        "code_set": r.register["code_set"], "filename": r.register.get("filename"),
        "sessions": len(r.register["sessions"])}, metadata={
        "type": "object", "nullable": True,
        "properties": {"code_set": _STR, "filename": _NSTR, "sessions": _INT},
        "description": "The register marks held: their code set, the file they came from and how many sessions"})
    evidence = fields.List(fields.Nested(EvidenceItem))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    eligibility = fields.Dict(allow_none=True)
    sent_back = fields.Function(lambda r: _sent_back(r), metadata={
        "type": "object", "nullable": True, "properties": {"reason": _STR, "by": _STR, "at": _STR},
        "description": "While the status is sent_back: the headteacher's reason, their name and when"})
    delivery = fields.Nested(Delivery, allow_none=True)
    checks = fields.Function(lambda r: _checks(r), metadata={
        **_array_of({"id": _STR, "label": _STR, "checked": {"type": "boolean"}, "by": _NSTR, "by_name": _NSTR,
                     "at": _NSTR, "version": _NINT}),
        "description": "The form's checklist (the seed's 'Tick when checked' rows) with the LA officer's ticks on "
                       "the latest signed version: {id, label, checked, by, by_name, at, version}. Here, in "
                       "`decisions` and in `outcomes`, `by` is the LA person's email address for the LA, and their "
                       "name for the school's staff (as in the audit trail)"})
    decisions = fields.Function(lambda r: _decisions(r), metadata={
        **_array_of({"version": _INT, "decision": {"type": "string", "enum": ["accept", "return"]},
                     "reasons": _NSTR, "rule_ids": _STRS, "check_ids": _STRS, "by": _STR, "by_name": _STR,
                     "at": _STR}),
        "description": "The LA's decisions, oldest first: {version, decision: accept|return, reasons, rule_ids, "
                       "check_ids, by, by_name, at}"})
    versions = fields.Function(lambda r: _versions(r), metadata={
        **_array_of({"version": _INT, "signed_name": _STR, "signed_at": _STR, "manifest_sha256": _STR,
                     "decision": _NSTR, "files": _STRS, "changes": _CHANGES}),
        "description": "Every signed version (pack), oldest first, with its files, the LA's decision on it and "
                       "what it changed from the version before (null for version 1)"})
    changes_since_signed = fields.Function(lambda r: _changes_since_signed(r), metadata={
        **_CHANGES,
        "description": "Once a version has been signed: what the request as it stands changes from it (what the "
                       "headteacher's next signature would send as the next version); null before"})
    outcomes = fields.Function(lambda r: _outcomes(r), metadata={
        **_array_of({"id": _INT, "kind": _STR, "label": _STR, "date": _STR, "version": _INT,
                     "parent_name": _NSTR, "notes": _NSTR, "by": _STR, "by_name": _STR, "at": _STR,
                     "reference": _NSTR, "status": _STR, "status_date": _NSTR, "ppm_outcome": _NSTR,
                     "ppm_outcome_label": _NSTR, "notice": _NSTR}),
        "description": "What the LA recorded after accepting it, oldest first: {id, kind, label, date, version, "
                       "parent_name, notes, by, by_name, at}; a penalty notice adds reference and status (issued, "
                       "paid, unpaid, withdrawn) with status_date; a PPM adds ppm_outcome; paid/unpaid/withdrawn "
                       "add notice (the notice's reference)"})
    sendings = fields.Function(lambda r: _sendings(r), metadata={
        **_array_of({"id": _INT, "method": {"type": "string", "enum": ["posted", "handed", "emailed"]},
                     "sent_on": {"type": "string", "format": "date"},
                     "recipients": _array_of({"parent": _NINT, "name": _STR}),
                     "summary": _STR, "by": _STR, "by_name": _STR, "at": _STR}),
        "description": "A letter, agreement, plan or record (never a request): each time the school recorded it "
                       "as sent, oldest first (issue 18): {id, method: posted|handed|emailed, sent_on, recipients: "
                       "[{parent: the position in data.parents, or null for someone else, name}], summary, by, "
                       "by_name, at}. Empty until it is sent; once it is, it can no longer be changed or deleted"})
    warnings = fields.List(fields.Nested(DataWarning), metadata={
        "description": "Creating or changing a referral only: " + _WARNINGS["description"][0].lower()
                       + _WARNINGS["description"][1:]})
    timeline = fields.Dict(metadata={"description": "Fast Track referrals only: the steps of the eight weeks "
                                                    "(id, title, status, date, note), the next one, and whether the "
                                                    "case closed to Fast Track."})


class PupilParent(Schema):
    name = fields.String()
    relationship = fields.String()
    address = fields.String()
    date_of_birth = fields.String(metadata={"format": "date"})


class Pupil(Schema):
    id = fields.String(metadata={"description": "P<n>: from the pupils file the school imported; R<n>: from the "
                                                "school's record n, the newest about this child"})
    first_name = fields.String()
    last_name = fields.String()
    date_of_birth = fields.String(allow_none=True, metadata={"format": "date"})
    upn = fields.String(allow_none=True)
    year_group = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    parents = fields.List(fields.Nested(PupilParent))
    source = fields.String(metadata={"enum": ["import", "records"]})


class PupilQuery(Schema):
    q = fields.String(load_default="", metadata={"description": "Words of the pupil's name, or the UPN (each word "
                                                                "the start of a name or the UPN); empty: every pupil"})


class PupilList(Schema):
    pupils = fields.List(fields.Nested(Pupil), metadata={"description": "By last name, then first name; at most 50"})


class ReferralList(Schema):
    referrals = fields.List(fields.Nested(Referral), metadata={"description": "Newest change first, at most 500"})


class FormEntry(Schema):
    id = fields.String()
    title = fields.String()
    kind = fields.String()
    source = fields.String()
    jurisdictions = fields.List(fields.String(), metadata={
        "description": "Where the form is used (england, wales): a school is offered it only under its LA's law"})
    profiles = fields.List(fields.String(), metadata={
        "description": "The policy profiles whose own paperwork it is (empty: every profile of its jurisdictions)"})
    fields_ = fields.List(fields.Dict(), attribute="fields", data_key="fields", metadata={
        "description": "Each question: name, label, type, required, and its limits (max_length, choices, ...)"})
    evidence = fields.List(fields.Dict(), metadata={"description": "The kinds of evidence it takes: kind, label, ..."})
    rules = fields.List(fields.String(), metadata={"description": "The ids of the eligibility rules it is checked against"})


class FormList(Schema):
    forms = fields.List(fields.Nested(FormEntry))


def _iso(value):
    return value.isoformat() if value is not None else None


def _as_seen(rows: list[dict]) -> list[dict]:
    """The school's staff see LA people by name, not email address, as in the audit trail
    (audit.trail; issue 14); the LA sees both."""
    viewer = g.get("api_user")
    if viewer is not None and viewer.role in SCHOOL_ROLES:
        return [{**row, "by": row.get("by_name")} for row in rows]
    return rows


def _sent_back(referral) -> dict | None:
    found = sent_back(referral)
    return {**found, "at": _iso(found["at"])} if found else None


def _checks(referral) -> list[dict]:
    return _as_seen([{**c, "at": _iso(c["at"])} for c in checks_view(referral)])


def _decisions(referral) -> list[dict]:
    # check_labels are the page's words for check_ids; the API keeps to the ids.
    return _as_seen([{**{k: v for k, v in d.items() if k != "check_labels"}, "at": _iso(d["at"])}
                     for d in decisions_view(referral)])


def _versions(referral) -> list[dict]:
    return [{**v, "signed_at": _iso(v["signed_at"])} for v in versions_view(referral)]


def _changes_since_signed(referral) -> dict | None:
    changed = since_last_signed(referral)
    return changed.to_dict() if changed is not None else None


def _sendings(referral) -> list[dict]:
    return _as_seen([{"id": s["id"], "method": s["method"], "sent_on": _iso(s["sent_on"]), "recipients": s["recipients"],
                      "summary": s["summary"], "by": s["recorded_by_email"], "by_name": s["recorded_by"],
                      "at": _iso(s["recorded_at"])} for s in sendings_view(referral)])


def _outcomes(referral) -> list[dict]:
    return _as_seen([{**o, "at": _iso(o["at"])} for o in outcomes_view(referral)])


class NoticeIssued(Schema):
    parent_name = fields.String(required=True, metadata={"description": "A parent named on the referral"})
    reference = fields.String(required=True, metadata={"description": "The notice's own reference"})


# What an LA officer issues to a parent (la/notices.py): the notices, and the Education Welfare Officer's
# letters where the LA's profile lists them (issue 19; 002, Step 3 and Step 4).
NOTICE_KINDS = ["notice_to_improve", "penalty_notice", "initial_warning", "ews_final_warning", "pre_court_invitation"]


class NoticeRequest(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(NOTICE_KINDS), metadata={
        "description": "initial_warning, ews_final_warning and pre_court_invitation only where the referral's LA "
                       "profile lists them (la_letters); notice_to_improve only where the LA's law has one"})
    parent = fields.String(required=True, metadata={"description": "A parent as named on the referral"})
    issued_on = fields.Date(required=True, metadata={"description": "The date of issue: the day it is posted first "
                                                                   "class (not in the future, not before the referral "
                                                                   "was accepted)"})
    review_on = fields.Date(metadata={"description": "ews_final_warning only, required: the date attendance is "
                                                     "reviewed, after the date of issue"})
    attendance_pct = fields.Float(metadata={"description": "ews_final_warning only, optional: the attendance the "
                                                           "letter states (0 to 100), with attendance_period; "
                                                           "otherwise the referral's figures"})
    attendance_period = fields.String(metadata={"description": "ews_final_warning only: the period attendance_pct "
                                                               "covers"})
    meeting_on = fields.Date(metadata={"description": "pre_court_invitation only, required: in the future, after "
                                                      "the date of issue"})
    meeting_time = fields.String(metadata={"description": "pre_court_invitation only, required: e.g. 10:30am or 14:30"})
    meeting_place = fields.String(metadata={"description": "pre_court_invitation only, required: up to 300 "
                                                           "characters"})


class NoticeAmount(Schema):
    amount = fields.Float(metadata={"description": "In pounds, e.g. 80"})
    pence = fields.Integer()
    pay_by = fields.Date(metadata={"description": "The last day to pay this amount"})
    within_days = fields.Integer(metadata={"description": "Days from receipt, counting the day of receipt"})


class NoticeDocument(Schema):
    format = fields.String(validate=validate.OneOf(["pdf", "docx"]))
    name = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    url = fields.String()


class Notice(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(NOTICE_KINDS))
    title = fields.String(metadata={"description": "What the document is called, e.g. Initial Warning"})
    reference = fields.String()
    parent = fields.String()
    issued_on = fields.Date()
    received_on = fields.Date(metadata={"description": "Taken to be received: the second working day after posting"})
    referral = fields.Dict(metadata={"description": "{id, reference}"})
    amounts = fields.List(fields.Nested(NoticeAmount), metadata={"description": "Penalty notice only"})
    improvement_period_start = fields.Date(allow_none=True)
    improvement_period_end = fields.Date(allow_none=True)
    issued_by = fields.String()
    status = fields.String(metadata={"description": "issued, paid, unpaid, withdrawn; a Notice to Improve: running, "
                                                    "ended"})
    date = fields.Date(allow_none=True, metadata={"description": "When the status was recorded"})
    grounds = fields.String(metadata={"description": "Withdrawn: the grounds"})
    amount_paid = fields.Integer(metadata={"description": "Paid: the amount in pence"})
    unauthorised_since = fields.List(fields.Dict(), allow_none=True)
    documents = fields.List(fields.Nested(NoticeDocument))
    review_on = fields.Date(allow_none=True, metadata={"description": "A Final Warning: the date attendance is "
                                                                      "reviewed"})
    meeting_on = fields.Date(allow_none=True, metadata={"description": "An invitation to a Pre-Court Meeting: its date"})
    meeting = fields.String(metadata={"description": "An invitation to a Pre-Court Meeting: its date, time and place"})


class OutcomeRequest(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["penalty_notice_issued", "ppm_held", "notice_to_improve", "penalty_notice_paid", "penalty_notice_unpaid",
         "penalty_notice_withdrawn", "year_end_review"]))
    date = fields.Date(required=True, metadata={"description": "When it happened (not in the future, not before "
                                                              "the request was signed)"})
    notices = fields.List(fields.Nested(NoticeIssued), metadata={"description": "penalty_notice_issued only"})
    ppm_outcome = fields.String(validate=validate.OneOf(["revised_contract", "penalty_notice", "prosecution",
                                                         "dismissed"]), metadata={"description": "ppm_held only"})
    notice = fields.String(metadata={"description": "paid / unpaid / withdrawn: the notice's reference"})
    grounds = fields.String(validate=validate.OneOf(["ought_not_to_have_been_issued", "wrong_recipient",
                                                     "material_errors", "not_paid_no_proceedings"]),
                            metadata={"description": "withdrawn: the grounds (required for a notice issued from "
                                                     "the service)"})
    notes = fields.String(metadata={"description": "Optional, up to 2000 characters"})


class DecisionRequest(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "return"],
                                                                    error="Choose accept or return"))
    reasons = fields.String(load_default="", metadata={"description": "Required to return: what the school must "
                                                                      "correct (free text, up to 5000 characters)"})
    rule_ids = fields.List(fields.String(), load_default=list,
                           metadata={"description": "Ids of the form's rules the decision concerns"})
    check_ids = fields.List(fields.String(), load_default=list,
                            metadata={"description": "Ids of the form's checklist rows the decision concerns"})


class Check(Schema):
    id = fields.String()
    label = fields.String()
    checked = fields.Boolean()
    by = fields.String(allow_none=True)
    by_name = fields.String(allow_none=True)
    at = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)


class AuditEvent(Schema):
    at = fields.DateTime(attribute="created_at")
    actor = fields.String()
    role = fields.String(allow_none=True)
    action = fields.String()
    detail = fields.Dict(allow_none=True)
    ip = fields.String(allow_none=True)


class DocumentFile(Schema):
    name = fields.String()
    role = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    version = fields.Integer()


# --- the child's case and what is due (issue 22; forms_service/cases) ------------------------------------

class CasePupil(Schema):
    initials = fields.String(required=True, metadata={"description": "The child's initials: never their name"})
    year_group = fields.String(allow_none=True)
    upn = fields.String(metadata={"description": "Where the records give one"})


class CaseStage(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    why = fields.String(required=True, metadata={"description": "The stage and the latest record at it, in words"})
    record_id = fields.Integer()
    source = fields.String()


class CaseDocument(Schema):
    name = fields.String()
    url = fields.String()


class CaseEntry(Schema):
    on = fields.String(required=True, metadata={"format": "date"})
    kind = fields.String(required=True, metadata={
        "description": "A record (its form's kind: letter, referral, agreement, plan, record), or signed, sent, "
                       "decision, outcome, notice"})
    what = fields.String(required=True)
    record_id = fields.Integer(required=True)
    documents = fields.List(fields.Nested(CaseDocument))


class DueItem(Schema):
    what = fields.String(required=True)
    due_on = fields.String(required=True, metadata={"format": "date"})
    source = fields.String(required=True, metadata={"description": "The seed file and section, or the law"})
    record_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={
        "description": "review, meeting, stage, fast_track, warning_lapses, leave_deadline, notice_to_improve_ends, "
                       "penalty_payment, la_letter"})
    notice_id = fields.Integer(metadata={"description": "The LA's notice the date comes from, where it does"})


class Case(Schema):
    pupil = fields.Nested(CasePupil, required=True)
    stage = fields.Nested(CaseStage, allow_none=True, required=True, metadata={
        "description": "Where the child stands in the LA's pathway; null where its profile has none"})
    records = fields.List(fields.Nested(CaseEntry), required=True, metadata={"description": "Oldest first"})
    due = fields.List(fields.Nested(DueItem), required=True, metadata={"description": "From today, by date"})
    overdue = fields.List(fields.Nested(DueItem), required=True, metadata={"description": "Past and still owed"})


class DueRow(DueItem):
    initials = fields.String(required=True)
    reference = fields.String(allow_none=True)


class DueQuery(Schema):
    days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=366), metadata={
        "description": "How many days ahead (1 to 366)"})


class DueList(Schema):
    due = fields.List(fields.Nested(DueRow), required=True, metadata={"description": "By date"})
    overdue = fields.List(fields.Nested(DueRow), required=True, metadata={"description": "By date"})
