"""Database tables. Schema changes go through Alembic (forms_service/migrations)."""
from __future__ import annotations

import datetime as dt

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (JSON, BigInteger, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, false,
                        or_, select, true)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import DateTime, TypeDecorator

from . import logos, pupils


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def init_db(app, application_name: str) -> None:
    """`db.init_app`, with PostgreSQL's client settings (each unless DATABASE_URL names its own):
    - `application_name`: pg_stat_activity tells an operator which of the service's processes holds
      a lock or waits, e.g. a worker stuck on a query (its watchdog, delivery.py);
    - TCP keepalives and `tcp_user_timeout` from DATABASE_SILENCE_TIMEOUT (config.py): a connection
      the network stopped answering fails within about that time instead of TCP's quarter of an hour.
    """
    from sqlalchemy.engine import make_url

    from .database import create_private_sqlite

    create_private_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])  # 0600, before any connection makes it 0644
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        silence = app.config.get("DATABASE_SILENCE_TIMEOUT", 20)
        wanted = {"application_name": application_name,
                  # Probes after half the time idle, three more in the other half (libpq takes whole seconds).
                  "keepalives": 1, "keepalives_idle": max(1, round(silence / 2)),
                  "keepalives_interval": max(1, round(silence / 6)), "keepalives_count": 3,
                  "tcp_user_timeout": round(silence * 1000)}  # ms: sent data never acknowledged
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}),
                                   **{k: v for k, v in wanted.items() if k not in url.query}}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)


def insert_ignoring(table, dialect: str, values, *, conflict: list[str] | None = None):
    """INSERT of `values` (a row, or a list of rows) that leaves any row already there as it is
    (ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike): for counters that several processes
    create at once (throttle.py, quotas.py). `conflict`: the unique columns (default: any)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).values(values).on_conflict_do_nothing(index_elements=conflict)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware UTC in, aware UTC out (SQLite keeps no zone; PostgreSQL uses timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


ROLES = ("office", "headteacher", "la_officer", "admin")

# A referral's life (DESIGN.md §6). "returned"/"accepted" are the LA's decisions (issue 5).
# sent_back: the headteacher sent it back to the office before signing (issue 17), with a reason.
STATUSES = ("draft", "awaiting_signoff", "sent_back", "signed", "returned", "accepted")


class LocalAuthority(db.Model):
    __tablename__ = "local_authorities"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    inbox_email: Mapped[str] = mapped_column(String(320))
    policy_profile: Mapped[str] = mapped_column(String(60), default="national-2024")
    # What a penalty notice must state (Education (Penalty Notices) (England) Regulations 2007, reg. 3(f)
    # and (g)): the LA's address for payment and correspondence, and how to pay. Unset: the LA cannot
    # issue notices from this service until an administrator sets them (forms-service update-la).
    address: Mapped[str | None] = mapped_column(Text)
    telephone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    payment_methods: Mapped[str | None] = mapped_column(Text)  # one way to pay per line
    schools: Mapped[list["School"]] = relationship(back_populates="la")


class School(db.Model):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    la_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"))
    # Where the LA's notices to the school go (a return with its reasons); unset: the school's
    # headteachers' addresses.
    attendance_email: Mapped[str | None] = mapped_column(String(320))
    # "It is your turn" emails (issue 17, point 4; referrals/notify.py), each switched off per school.
    email_head_awaiting_signoff: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_office_sent_back: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_office_la_decision: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The daily email of what falls due and what is overdue (issue 22; forms_service/reminders/digest.py): on
    # unless switched off, as the turn emails are. It goes only on a day something is due or overdue.
    email_daily_digest: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The letterhead every letter and form prints (issue 18): parts left unset are left out. The logo
    # is bytes checked on upload (PNG, JPEG or SVG: forms_service/logos.py), never a URL.
    address: Mapped[str | None] = mapped_column(Text)
    telephone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    headteacher_name: Mapped[str | None] = mapped_column(String(200))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(String(40))
    # The school's numbers (issue 25; migration 0020): an LA's file of every school's marks names each school by
    # its URN (6 digits) or its DfE number (LA code and establishment number, 7 digits), set by the LA's admin.
    urn: Mapped[str | None] = mapped_column(String(6))
    dfe_number: Mapped[str | None] = mapped_column(String(7))
    # Joined: nearly every page about a referral names the school and reads its LA's profile.
    la: Mapped[LocalAuthority] = relationship(back_populates="schools", lazy="joined")
    __table_args__ = (UniqueConstraint("la_id", "name"), UniqueConstraint("la_id", "urn", name="uq_schools_la_id_urn"),
                      UniqueConstraint("la_id", "dfe_number", name="uq_schools_la_id_dfe_number"))

    def letterhead(self) -> dict:
        """What a document's context takes as `school` (forms_service/documents/letterhead.py): plain
        JSON, as a bulk letters' plan keeps it, so the logo as a data: URI."""
        return {"name": self.name, "address": self.address, "telephone": self.telephone, "email": self.email,
                "headteacher_name": self.headteacher_name,
                "logo_uri": logos.data_uri(self.logo, self.logo_type) if self.logo and self.logo_type else ""}


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    la_id: Mapped[int | None] = mapped_column(ForeignKey("local_authorities.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every browser session of the user (password reset, deactivation, sign-out):
    # a session records the value it signed in with (forms_service/access/auth.py).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when an administrator chose or generated the password (adding the user, resetting it): until
    # the user sets their own, signing in leads only to "Set your password" and the API issues no token,
    # so a password someone else knows is never used for real work (forms_service/web/auth_views.py).
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    school: Mapped[School | None] = relationship()
    la: Mapped[LocalAuthority | None] = relationship()

    @property
    def effective_la_id(self) -> int | None:
        return self.la_id if self.la_id is not None else (self.school.la_id if self.school else None)


class ApiToken(db.Model):
    """Bearer tokens: only the SHA-256 of the token is kept, so a database leak leaks no tokens."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class PasswordResetToken(db.Model):
    """A "Forgot your password?" link (forms_service/access/resets.py): only the SHA-256 of its token is
    kept, so the database holds nothing that opens the link. It works once (`used_at`) and until
    `expires_at`; a newer link for the account, or a new password however set, removes the unused ones.
    Removed by `forms-service purge` RETENTION_PASSWORD_RESET after it expired."""
    __tablename__ = "password_reset_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class PupilKeyed:
    """Digests of who the row's `data` is about (forms_service.pupils.keys), set whenever `data` is,
    so a child's other records are found by index instead of by reading every record."""
    pupil_upn_key: Mapped[str | None] = mapped_column(String(64), index=True)
    pupil_person_key: Mapped[str | None] = mapped_column(String(64), index=True)

    @validates("data")
    def _keep_pupil_keys(self, _name, value):
        self.pupil_upn_key, self.pupil_person_key = pupils.keys(value)
        return value


class RollPupil(PupilKeyed, db.Model):
    """A pupil of the school as its MIS exported them (issue 18: pupils entered once): the child and
    the parents in the answers' own shape, {"pupil": {...}, "parents": [...]}. An import replaces the
    school's whole list; RETENTION_ROLL after it the list is removed (records/retention.py)."""
    __tablename__ = "roll_pupils"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    school: Mapped[School] = relationship()


class Referral(PupilKeyed, db.Model):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    form_id: Mapped[str] = mapped_column(String(60))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    la_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    status: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    register: Mapped[dict | None] = mapped_column(JSON)  # {code_set, filename, sessions:[...]}
    eligibility: Mapped[dict | None] = mapped_column(JSON)  # verdict at the last submit
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    school: Mapped[School] = relationship(lazy="joined")  # with its LA: one query, not three
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="referral", order_by="Evidence.id")
    packs: Mapped[list["Pack"]] = relationship(back_populates="referral", order_by="Pack.version")
    decisions: Mapped[list["Decision"]] = relationship(back_populates="referral", order_by="Decision.id")
    outcomes: Mapped[list["Outcome"]] = relationship(back_populates="referral", order_by="Outcome.id")
    sendings: Mapped[list["LetterSending"]] = relationship(back_populates="referral", order_by="LetterSending.id")

    # Optimistic locking: a stale write raises StaleDataError instead of silently winning.
    __mapper_args__ = {"version_id_col": version}

    @property
    def latest_pack(self) -> "Pack | None":
        return self.packs[-1] if self.packs else None

    @classmethod
    def may_be_about(cls, data: dict | None):
        """A WHERE clause: referrals whose answers, now or in any signed version, may be about the
        child `data` is about (by index; decide with pupils.same_pupil)."""
        in_a_pack = select(Pack.referral_id).where(pupils.same_pupil_clause(Pack, data))
        return or_(pupils.same_pupil_clause(cls, data), cls.id.in_(in_a_pack))


def data_as_signed(referral: "Referral") -> dict:
    """The answers of the latest signed version (what the LA received), else the answers as they are."""
    pack = referral.latest_pack
    return (pack.data if pack is not None else referral.data) or {}


# How a letter left the school (issue 18): posted, handed over, emailed.
SENDING_METHODS = ("posted", "handed", "emailed")


class LetterSending(db.Model):
    """A document the school issues itself (a letter, agreement, plan or record), recorded as sent: how,
    on which day and to whom. Several per letter (posted to one parent, handed to the other). Once one
    exists the letter is locked (referrals/actions.py) and cannot be deleted; it goes with its letter
    (records/retention.py)."""
    __tablename__ = "letter_sendings"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    sent_on: Mapped[dt.date] = mapped_column(Date)
    # [{"parent": index in the letter's parents, or None for someone else, "name": as named then}]:
    # the names are kept as sent, so the record reads the same whatever happens to the answers.
    recipients: Mapped[list] = mapped_column(JSON)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    referral: Mapped[Referral] = relationship(back_populates="sendings")
    recorded_by: Mapped[User] = relationship()


class Evidence(db.Model):
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    referral: Mapped[Referral] = relationship(back_populates="evidence")


class Pack(PupilKeyed, db.Model):
    """A signed version of a referral: its files are frozen (stored with their SHA-256)."""
    __tablename__ = "packs"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    version: Mapped[int]
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON)  # the referral data exactly as signed
    verdict: Mapped[dict] = mapped_column(JSON)  # the eligibility verdict as it stood at signing
    # The register marks as signed: the referral's own are changed after a return, and the next
    # version says what changed (issue 17, point 5). None: signed without marks (or before 0013).
    register: Mapped[dict | None] = mapped_column(JSON)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    referral: Mapped[Referral] = relationship(back_populates="packs")
    signed_by: Mapped[User] = relationship()
    files: Mapped[list["PackFile"]] = relationship(back_populates="pack", order_by="PackFile.position")
    checks: Mapped[list["PackCheck"]] = relationship(back_populates="pack", order_by="PackCheck.id")
    __table_args__ = (UniqueConstraint("referral_id", "version"),)


class PackFile(db.Model):
    __tablename__ = "pack_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(30))  # form_pdf, form_docx, evidence, merged_pdf, manifest
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    pack: Mapped[Pack] = relationship(back_populates="files")


class PackCheck(db.Model):
    """The LA officer's tick against one row of the form's checklist ("Tick when checked"), for one
    signed version: the pack itself stays frozen, the LA's reading of it is kept beside it."""
    __tablename__ = "pack_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"), index=True)
    check_id: Mapped[str] = mapped_column(String(60))
    checked: Mapped[bool]
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    pack: Mapped[Pack] = relationship(back_populates="checks")
    checked_by: Mapped[User] = relationship()
    __table_args__ = (UniqueConstraint("pack_id", "check_id"),)


DECISIONS = ("accept", "return")


class Decision(db.Model):
    """The LA's decision on one signed version: accepted, or returned to the school with reasons."""
    __tablename__ = "la_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"))
    decision: Mapped[str] = mapped_column(String(10))  # accept, return
    reasons: Mapped[str] = mapped_column(Text, default="")
    rule_ids: Mapped[list] = mapped_column(JSON, default=list)
    check_ids: Mapped[list] = mapped_column(JSON, default=list)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    referral: Mapped[Referral] = relationship(back_populates="decisions")
    pack: Mapped[Pack] = relationship()
    decided_by: Mapped[User] = relationship()


# What the LA records on an accepted referral (issue 5; seeds 003 "Request to hold a Pupil Planning
# Meeting (PPM)" and "Following Penalty Notice issue"; 000 Stage 3A "Notice to Improve").
OUTCOME_KINDS = ("penalty_notice_issued", "ppm_held", "notice_to_improve", "penalty_notice_paid",
                 "penalty_notice_unpaid", "penalty_notice_withdrawn",
                 "year_end_review")  # 002: a referral still open at the end of a school year is reviewed
# The letters an LA's Education Welfare Officer sends a parent from the service (issue 19; 002, Step 3:
# the Initial Warning; 002, Step 4: the Final Warning and the invitation to a Pre-Court Meeting): outcomes
# too, each with its documents, but only ever issued (forms_service/la/notices.py), never recorded by hand,
# so not among OUTCOME_KINDS, which la/outcomes.py accepts from the officer's forms.
LETTER_KINDS = ("initial_warning", "ews_final_warning", "pre_court_invitation")
# What can follow a penalty notice (003, Following Penalty Notice issue; reg. 8 and 9: withdrawn).
NOTICE_STATUSES = ("penalty_notice_paid", "penalty_notice_unpaid", "penalty_notice_withdrawn")
# 003, Request to hold a PPM: "one of four outcomes will be identified".
PPM_OUTCOMES = ("revised_contract", "penalty_notice", "prosecution", "dismissed")


class Outcome(db.Model):
    """One thing the LA did after accepting a referral, on the date it happened. A penalty notice is
    one row per parent (its own reference); paid, unpaid and withdrawn are later rows naming the
    notice (`notice_id`). Rows are only ever added, so what was recorded stays on record."""
    __tablename__ = "la_outcomes"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    la_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"))
    kind: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    parent_name: Mapped[str | None] = mapped_column(String(200))
    notice_reference: Mapped[str | None] = mapped_column(String(60))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("la_outcomes.id"), index=True)
    ppm_outcome: Mapped[str | None] = mapped_column(String(30))
    # A notice the LA issued from this service (forms_service/la/notices.py): when it is taken to be
    # received, the improvement period (Notice to Improve) or what is payable by when (penalty
    # notice: [{"pence", "pay_by"}]); on a withdrawal, its grounds (reg. 8 and 9); on a payment, the
    # amount paid (reg. 20: the LA keeps payments with their dates).
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    amounts: Mapped[list | None] = mapped_column(JSON)
    grounds: Mapped[str | None] = mapped_column(String(40))
    amount_paid: Mapped[int | None] = mapped_column()  # pence
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    referral: Mapped[Referral] = relationship(back_populates="outcomes")
    pack: Mapped[Pack] = relationship()
    recorded_by: Mapped[User] = relationship()
    notice: Mapped["Outcome | None"] = relationship(remote_side=[id])
    files: Mapped[list["NoticeFile"]] = relationship(back_populates="outcome", order_by="NoticeFile.id")
    # A penalty notice's reference is unique within its LA (one reference per notice per parent).
    __table_args__ = (UniqueConstraint("la_id", "kind", "notice_reference"),)


class NoticeFile(db.Model):
    """A notice's document as issued (PDF and DOCX from one context), frozen by its SHA-256: the copy
    of each notice the LA must keep (reg. 20). Goes with its referral (retention.py)."""
    __tablename__ = "notice_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("la_outcomes.id"), index=True)
    format: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[Outcome] = relationship(back_populates="files")
    __table_args__ = (UniqueConstraint("outcome_id", "format"),)


class OutboxMessage(db.Model):
    """Mail waiting to leave. Written in the same transaction as the change that causes it."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # la_pack (with the pack), school_notice (text only)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("packs.id"))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Fixed when queued, so a resend after a crash is the same message and the LA can tell.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)  # sends whose result was recorded
    # Sends begun (counted just before each); one never recorded means the worker died while sending, or
    # outlived its claim (delivery.MAX_UNFINISHED_SENDS).
    sends_started: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pack: Mapped[Pack | None] = relationship()
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class ReminderDigest(db.Model):
    """A school's daily digest of what falls due (forms_service/reminders/digest.py): one row per school and
    day, written in the same transaction as its emails, so that however many workers or cron runs make the
    day's digests, the school gets one. Counts only (what it said is in its outbox rows, kind
    `daily_digest`); both go RETENTION_DIGEST after the day (records/retention.py)."""
    __tablename__ = "reminder_digests"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    due: Mapped[int] = mapped_column(default=0)  # items due in the days ahead
    overdue: Mapped[int] = mapped_column(default=0)
    emails: Mapped[int] = mapped_column(default=0)  # outbox rows queued: none on a day with nothing to say
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("school_id", "day"),)


class CalendarFeed(db.Model):
    """A user's private calendar feed (forms_service/reminders/feed.py): only the SHA-256 of the secret in its
    address is kept, so the database holds nothing that opens it. One per user: a new address replaces the
    old; revoking deletes the row."""
    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user: Mapped[User] = relationship()


class SecondFactor(db.Model):
    """A user's authenticator app (forms_service/access/mfa.py): its TOTP secret encrypted with MFA_KEY (Fernet),
    kept apart from the password hash, and the last time step accepted, so no code is accepted twice.
    One per user; resetting it deletes the row and the recovery codes."""
    __tablename__ = "second_factors"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use recovery code (forms_service/access/mfa.py): only its SHA-256 (the code has 80 random bits,
    so a slow hash adds nothing); `used_at` once it has been used."""
    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("user_id", "code_sha256"),)


class AuditEvent(db.Model):
    """Append-only trail: who did what, when, from where."""
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(320))  # email, or "worker"
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)



class BulkLetterJob(db.Model):
    """Letters to many families made in the background (forms_service/letters/jobs.py): a row any process can
    read for progress. `plan` holds the letters still to make (personal data) and is cleared once they
    are made; the zip is stored under `storage_key`; the row and its file go at `expires_at`."""
    __tablename__ = "bulk_letter_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    form_id: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[dict | None] = mapped_column(JSON)
    summary: Mapped[dict | None] = mapped_column(JSON)  # counts only: letters, pupils, skipped by reason, filter
    # The process running the job renews its claim as it goes; an expired claim can be taken over.
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)  # claims taken: a job whose runners keep dying fails (claims.py)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the runner's host and process id, for operators
    storage_key: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    school: Mapped[School] = relationship()
    created_by: Mapped[User] = relationship()


class ScreenJob(db.Model):
    """An LA-wide screen made in the background (forms_service/cases/screen_jobs.py, issue 25). The uploaded files
    are stored under `inputs` only until they are screened (or the job fails); the list found, personal data, is
    stored under `result_key` until `expires_at`. `summary` and `crossings` hold counts only (no pupil): how many
    were screened and listed, and how many crossed the threshold each school week, for the LA's dashboard."""
    __tablename__ = "screen_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    la_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    code_set: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(200))  # what the runner is doing, for the progress page
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    inputs: Mapped[list | None] = mapped_column(JSON)  # [{name, key, size}] until screened
    summary: Mapped[dict | None] = mapped_column(JSON)  # counts only: files, pupils, schools, listed, no action, on
    crossings: Mapped[list | None] = mapped_column(JSON)  # [[week's Monday, school id, pupils crossing]]
    result_key: Mapped[str | None] = mapped_column(String(255))
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the runner's host and process id, for operators
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    la: Mapped[LocalAuthority] = relationship()
    created_by: Mapped[User] = relationship()


class RateCount(db.Model):
    """How many uploads or heavy jobs (forms_service/access/quotas.py) a user has begun in one clock hour.
    Counted here, not in a process's memory, so every process agrees; a row is only needed for its
    own hour and is removed after it (quotas.take, and `forms-service purge`)."""
    __tablename__ = "rate_counts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # upload, heavy_job
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(default=0)


class SignInThrottle(db.Model):
    """Sign-in attempts counted per scope (forms_service/access/throttle.py): `account_source` (an email from
    one network address), `account` (an email from anywhere) and `source` (one address, any account).
    Each attempt is counted before its password is checked, by an update conditional on `version`, so
    simultaneous attempts cannot all pass the same check. Personal data (emails, IP addresses): purged
    LOGIN_FORGET_HOURS after `last_at`, or RETENTION_SIGN_IN after it when it records a sign-in."""
    __tablename__ = "sign_in_throttles"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(400))  # the scope's email and/or address, as one string
    email: Mapped[str | None] = mapped_column(String(320), index=True)  # for clearing an account's rows
    attempts: Mapped[int] = mapped_column(default=0)  # in the current run of failures
    next_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # no attempt before this
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # account_source only: the last successful sign-in from this address (a place the account is known at).
    succeeded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=0)  # +1 on every change: the compare-and-set
    __table_args__ = (UniqueConstraint("scope", "key"),)
