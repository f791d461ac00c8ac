"""Building and sending one email over SMTP, with failures sorted into "retry" and "give up".

The outbox worker (delivery.py) decides what to do with a failure; this module only says which
kind it is: a 5xx answer is permanent, anything a later attempt may get past is transient.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re
import secrets
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app

from ..text import NOT_IN_A_NAME

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# The last line of every message the service writes to a person (the turn emails, the pack, a reset link).
FOOTER = "This message was sent by the attendance legal-intervention forms service."


class DeliveryError(Exception):
    """A message was not delivered; str() is a short reason fit for `last_error`."""


class TransientDeliveryError(DeliveryError):
    """Worth trying again later: connection refused or reset, timeout, a 4xx answer."""


class PermanentDeliveryError(DeliveryError):
    """Trying again will not help until someone changes something: a 5xx answer, bad TLS."""


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://host:port, smtp+starttls://user:pass@host:587, smtps://host:465. ValueError if not."""
    parts = urlsplit(url or "")
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"SMTP_URL must start with one of {', '.join(s + '://' for s in SCHEMES)}")
    if not parts.hostname:
        raise ValueError("SMTP_URL has no host")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise ValueError("SMTP_URL has an invalid port") from None
    return SmtpTarget(scheme, parts.hostname, port,
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password is not None else None)


def link(endpoint: str, **values) -> str:
    """The full address of a page of the service, for an email: SERVICE_URL and the page's path (never
    the address a request came in on: a client chooses its Host header)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["SERVICE_URL"] + path


def service_message_id() -> str:
    """A new Message-ID in the domain the service sends from (MAIL_FROM)."""
    return new_message_id(current_app.config["MAIL_FROM"].rpartition("@")[2] or "localhost")


def new_message_id(domain: str) -> str:
    """A globally unique Message-ID, `<time.random@domain>`, fixed when a message is queued."""
    domain = re.sub(r"[^A-Za-z0-9.-]", "", domain or "")[:120].strip(".-") or "localhost"
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
    return f"<{stamp}.{secrets.token_hex(12)}@{domain}>"


def header_value(value) -> str:
    """A value fit for any header, whatever is stored: each run of the characters a name may not hold
    (names.NOT_IN_A_NAME: a CR or LF makes the email library refuse the whole message, "Header values
    may not contain linefeed...") and of whitespace becomes one space. Names are checked where they
    enter, but one stored before that check, or put straight into the database, must not make a
    message unsendable."""
    return " ".join(NOT_IN_A_NAME.sub(" ", str(value or "")).split())


def build_message(outbox, attachments: list[tuple[str, str, bytes]], mail_from: str) -> EmailMessage:
    """The email for an outbox row: its Message-ID, recipient, subject, body, and the attachments.
    Every header value goes through `header_value`."""
    msg = EmailMessage()
    msg["Message-ID"] = header_value(outbox.message_id)
    # The time the message was queued: a retry is the same message, not a new one.
    created = outbox.created_at or dt.datetime.now(dt.timezone.utc)
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.timezone.utc)
    msg["Date"] = email.utils.format_datetime(created)
    msg["From"] = header_value(mail_from)
    msg["To"] = header_value(outbox.recipient)
    msg["Subject"] = header_value(outbox.subject)
    # RFC 3834: an automatic message, so out-of-office replies are not sent back to the service.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(outbox.body)
    for name, content_type, data in attachments:
        maintype, _, subtype = (content_type or "application/octet-stream").partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        # Bytes go base64-encoded whatever the type, so each file's SHA-256 survives transport.
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=header_value(name))
    return msg


def _reply_text(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(str(text or "").split())
    return f"{code} {text}".strip()[:300]


def _classify(code: int, text) -> DeliveryError:
    reason = _reply_text(code, text)
    return PermanentDeliveryError(reason) if 500 <= code < 600 else TransientDeliveryError(reason)


def send(message: EmailMessage, smtp_url: str, timeout: float = 30) -> dict:
    """Send `message` to the server at `smtp_url`; returns the recipients refused, if only some were.

    Raises PermanentDeliveryError (5xx, TLS certificate refused, unsupported STARTTLS, bad URL)
    or TransientDeliveryError (no connection, reset, timeout, 4xx).
    """
    try:
        target = parse_smtp_url(smtp_url)
    except ValueError as exc:
        raise PermanentDeliveryError(f"bad SMTP_URL: {exc}") from None
    where = f"{target.host}:{target.port}"
    try:
        if target.scheme == "smtps":
            client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=timeout)
        with client:
            if target.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, target.password or "")
            return client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        # Every recipient refused: permanent only if every refusal is permanent.
        codes = [code for code, _ in exc.recipients.values()]
        first_code, first_text = next(iter(exc.recipients.values()), (550, "recipient refused"))
        if codes and all(500 <= c < 600 for c in codes):
            raise PermanentDeliveryError("recipient refused: " + _reply_text(first_code, first_text)) from None
        raise TransientDeliveryError("recipient deferred: " + _reply_text(first_code, first_text)) from None
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth, greeting, HELO
        raise _classify(exc.smtp_code, exc.smtp_error) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentDeliveryError(f"{where}: {exc}") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise TransientDeliveryError(f"{where} closed the connection: {exc}"[:300]) from None
    except ssl.SSLCertVerificationError as exc:
        raise PermanentDeliveryError(f"{where}: TLS certificate refused: {exc.verify_message}"[:300]) from None
    except ConnectionRefusedError:
        raise TransientDeliveryError(f"connection refused by {where}") from None
    except ConnectionResetError:
        raise TransientDeliveryError(f"connection reset by {where}") from None
    except (socket.timeout, TimeoutError):
        raise TransientDeliveryError(f"timed out talking to {where}") from None
    except socket.gaierror as exc:
        raise TransientDeliveryError(f"cannot resolve {target.host}: {exc.strerror or exc}") from None
    except (OSError, smtplib.SMTPException) as exc:  # other network and TLS trouble
        raise TransientDeliveryError(f"{where}: {type(exc).__name__}: {exc}"[:300]) from None
