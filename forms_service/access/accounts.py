"""Creating LAs, schools and users: used by the CLI, the demo and the tests."""
from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..models import ROLES, LocalAuthority, School, User, db
from ..text import clean_name
from . import mfa

# Argon2id, RFC 9106's second recommended (low-memory) profile: 3 passes over 64 MiB, 4 lanes —
# above OWASP's floor (19 MiB, 2 passes). Written out rather than left to the library's defaults,
# so an upgrade of argon2-cffi cannot weaken it; the tests check these values.
ARGON2_PARAMETERS = {"type": Type.ID, "time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4,
                     "hash_len": 32, "salt_len": 16}
_hasher = PasswordHasher(**ARGON2_PARAMETERS)
# A password's length, wherever one is chosen (the admin pages, "Set your password", the CLI).
MIN_PASSWORD, MAX_PASSWORD = 12, 200
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is the user's. A hash made with weaker parameters than today's is replaced
    (the caller commits), so raising the parameters upgrades every account as people sign in."""
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False
    if ok and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return ok


def get_or_create_la(name: str, inbox_email: str, policy_profile: str = "national-2024") -> LocalAuthority:
    name = clean_name(name, "the local authority's name")  # names.BadName, a ValueError, if it cannot be one
    la = db.session.scalar(db.select(LocalAuthority).filter_by(name=name))
    if la is None:
        la = LocalAuthority(name=name, inbox_email=inbox_email, policy_profile=policy_profile)
        db.session.add(la)
        db.session.flush()
    return la


def get_or_create_school(name: str, la: LocalAuthority) -> School:
    name = clean_name(name, "the school's name")
    school = db.session.scalar(db.select(School).filter_by(name=name, la_id=la.id))
    if school is None:
        school = School(name=name, la=la)
        db.session.add(school)
        db.session.flush()
    return school


# The letterhead's checks (issue 18), shared by the admin's school page and `forms-service create-school`.
TELEPHONE_PATTERN = r"^\+?[0-9][0-9 ()\-]{5,30}(?: ?(?:ext\.?|extension|x) ?[0-9]{1,6})?$"
ADDRESS_MAX_LINES, ADDRESS_MAX_CHARS = 7, 400


def address_lines(value: str | None) -> str:
    """An address as typed, each line trimmed and blank lines dropped ("\\n" typed on a command line is
    a new line)."""
    text = (value or "").replace("\\n", "\n").replace("\r\n", "\n")
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def create_user(email: str, password: str, role: str, name: str, *, school: School | None = None,
                la: LocalAuthority | None = None) -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role in ("office", "headteacher") and school is None:
        raise ValueError(f"a {role} user belongs to a school")
    if role in ("la_officer", "admin") and la is None:
        raise ValueError(f"a {role} user belongs to a local authority")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    name = clean_name(name, "the user's full name")
    user = User(email=email.strip().lower(), name=name, role=role, password_hash=hash_password(password),
                school=school, la=la)
    db.session.add(user)
    db.session.flush()
    return user


DEMO_USERS = [
    ("office@demo.school", "office", "Olivia Office", "Demo School"),
    ("head@demo.school", "headteacher", "Harriet Head", "Demo School"),
    ("office@other.school", "office", "Omar Office", "Other School"),
    ("head@other.school", "headteacher", "Hugo Head", "Other School"),
    ("officer@demo.la", "la_officer", "Lena Officer", None),
    ("admin@demo.la", "admin", "Adam Admin", None),
]


# Demo LA's details for its notices (reg. 3(f) and (g)); example values, reserved names only.
# Demo School's letterhead (issue 18): an example address and telephone, none of them real.
DEMO_SCHOOL_LETTERHEAD = {
    "address": "12 School Lane\nDemotown\nDE1 2BB",
    "telephone": "01632 960123",  # Ofcom's range for drama: never a real number
    "email": "office@demo-school.example",
    "headteacher_name": "Harriet Head",
}

DEMO_LA_DETAILS = {
    "address": "Education Welfare Service\nDemo Town Hall\n1 Civic Square\nDemotown DE1 1AA",
    "telephone": "01632 960000",  # Ofcom's range for drama: never a real number
    "contact_email": "attendance@demo-la.example",
    "payment_methods": "Online at the council's payments page, quoting the notice reference\n"
                       "By telephone on 01632 960001 with a debit or credit card, quoting the notice reference\n"
                       "By cheque payable to Demo Local Authority, sent to the address above with the notice reference "
                       "written on the back",
}
LA_DETAIL_FIELDS = ("address", "telephone", "contact_email", "payment_methods")


def set_la_details(la: LocalAuthority, **details) -> None:
    """The LA's address, telephone, email for correspondence and payment methods (one per line)."""
    for key, value in details.items():
        if key not in LA_DETAIL_FIELDS:
            raise ValueError(f"Unknown detail {key!r}")
        if value is not None:
            text = "\n".join(line.strip() for line in str(value).replace("\r\n", "\n").split("\n") if line.strip())
            setattr(la, key, text or None)


def create_demo_data(password: str, la_inbox: str, policy_profile: str = "national-2024") -> None:
    """DESIGN.md §6 demo users: two schools in one LA, an LA officer and an admin; those whose role needs a
    second factor enrolled with DEMO_TOTP_SECRET. Idempotent."""
    la = get_or_create_la("Demo Local Authority", la_inbox, policy_profile)
    la.inbox_email = la_inbox
    if not la.address:
        set_la_details(la, **DEMO_LA_DETAILS)
    for email, role, name, school_name in DEMO_USERS:
        if db.session.scalar(db.select(User).filter_by(email=email)):
            continue
        school = get_or_create_school(school_name, la) if school_name else None
        create_user(email, password, role, name, school=school, la=None if school else la)
    if mfa.available():  # a real deployment without MFA_KEY: they set up their app at first sign-in instead
        for email, *_ in DEMO_USERS:
            user = db.session.scalar(db.select(User).filter_by(email=email))
            if mfa.required(user) and not mfa.enrolled(user):
                # One secret for all, DEMO_TOTP_SECRET, printed at start: a newcomer can try every role.
                mfa.set_secret(user, current_app.config["DEMO_TOTP_SECRET"])
    demo = db.session.scalar(db.select(School).filter_by(name="Demo School", la_id=la.id))
    if demo is not None and not demo.address:
        for key, value in DEMO_SCHOOL_LETTERHEAD.items():
            setattr(demo, key, value)
    db.session.commit()
