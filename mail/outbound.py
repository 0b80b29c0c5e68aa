"""Our outgoing mail: composing a message (RFC 3834 auto-reply headers, DKIM) and handing it to the
relay, or writing it to a folder when no relay is configured."""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import dkim

SIGNED_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"in-reply-to",
    b"references",
    b"auto-submitted",
]
RELAY_TIMEOUT = 30


@dataclass(frozen=True)
class Draft:
    sender_name: str
    sender: str
    recipient: str
    subject: str
    body: str
    message_id: str
    date: datetime
    # RFC 3834: "auto-replied" answers a message; "auto-generated" is a notice of our own.
    auto_submitted: str
    in_reply_to: str | None
    references: tuple[str, ...]
    loop: str


def compose(draft: Draft, config: dict[str, Any]) -> bytes:
    """One text/plain message to one recipient; DKIM-signed when a key is configured.

    The email package refuses CR or LF inside a header value, so no name or address taken from
    inbound mail can add a header of its own.
    """
    message = EmailMessage()
    message["From"] = formataddr((draft.sender_name, draft.sender))
    message["To"] = draft.recipient
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(draft.date)
    message["Message-ID"] = draft.message_id
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
        message["References"] = " ".join(draft.references)
    message["Auto-Submitted"] = draft.auto_submitted
    # Our loop header: a message carrying it that comes back to us is never answered (G43).
    message["X-Loop"] = draft.loop
    message.set_content(draft.body)
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    return dkim_sign(raw, config)


def dkim_sign(raw: bytes, config: dict[str, Any]) -> bytes:
    if not config["DKIM_KEY_FILE"]:
        return raw
    signature = dkim.sign(
        raw,
        config["DKIM_SELECTOR"].encode(),
        config["MAIL_DOMAIN"].encode(),
        Path(config["DKIM_KEY_FILE"]).read_bytes(),
        include_headers=SIGNED_HEADERS,
    )
    return signature + raw


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    # A 5xx answer: retrying cannot help.
    permanent: bool
    detail: str


def deliver(
    raw: bytes, sender: str, recipient: str, message_id: int, config: dict[str, Any]
) -> DeliveryResult:
    if not config["SMTP_RELAY"]:
        return _write_file(raw, message_id, Path(config["INSTANCE_PATH"]) / "outbox")
    host, _, port = config["SMTP_RELAY"].rpartition(":")
    try:
        with smtplib.SMTP(host, int(port), timeout=RELAY_TIMEOUT) as relay:
            relay.ehlo()
            if config["SMTP_STARTTLS"]:
                authority = config["SMTP_CA_FILE"] or None
                relay.starttls(context=ssl.create_default_context(cafile=authority))
                relay.ehlo()
            if config["SMTP_USER"]:
                relay.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            for code, answer in (relay.mail(sender), relay.rcpt(recipient)):
                if code >= 400:
                    return _refused(code, answer)
            code, answer = relay.data(raw)
            if code >= 400:
                return _refused(code, answer)
            return DeliveryResult(True, False, _answer(code, answer))
    except smtplib.SMTPResponseException as exc:
        return _refused(exc.smtp_code, exc.smtp_error)
    except (OSError, smtplib.SMTPException) as exc:
        return DeliveryResult(False, False, f"relay unreachable: {type(exc).__name__}: {exc}")


def _refused(code: int, answer: bytes | str) -> DeliveryResult:
    return DeliveryResult(False, code >= 500, _answer(code, answer))


def _answer(code: int, answer: bytes | str) -> str:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    return f"{code} {text}"


def _write_file(raw: bytes, message_id: int, folder: Path) -> DeliveryResult:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message_id:08d}.eml"
    with path.open("wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    return DeliveryResult(True, False, f"written to {path}")
