"""Our outgoing mail: composing a message (RFC 3834 auto-reply headers, DKIM) and handing it to the
relay, or writing it to a folder when no relay is configured."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32, default
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
# A Message-ID from someone else's mail, copied into In-Reply-To and References: printable ASCII
# in angle brackets, short enough for one header line (RFC 5322 2.1.1 allows 998 octets).
PLAIN_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,900}>")
# The To header for a recipient the email package cannot write as given: an empty group (RFC 5322
# 3.4); the envelope still names them.
UNDISCLOSED = "undisclosed-recipients:;"
# In a header block split at CRLF: anything but printable ASCII and tab (a lone CR or LF too).
_NOT_HEADER_TEXT = re.compile(rb"[^\t -~]")
NO_SMTPUTF8 = "not sent: the address needs SMTPUTF8 (RFC 6531), which the relay does not offer"


class UnsafeHeaders(ValueError):
    """A composed message would carry a header we did not write; it is never sent."""


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

    The recipient's address and the Message-ID answered come from other people's mail, and no
    value of theirs may add a header. The email package refuses CR or LF in a header value, but it
    also decodes an RFC 2047 encoded word wherever it finds one, inside a Message-ID or an address
    too, and writes what it decoded, line breaks included (CPython gh-121650; releases with the
    fix raise instead). So a Message-ID is copied only when plain (PLAIN_MESSAGE_ID, and no
    encoded word), the To header names the recipient only when it reads back as that very
    address, and the finished header block is checked before it is signed (UnsafeHeaders).
    """
    message = EmailMessage()
    message["From"] = formataddr((draft.sender_name, draft.sender))
    message["To"] = to_header(draft.recipient)
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(draft.date)
    message["Message-ID"] = draft.message_id
    if draft.in_reply_to and _plain_ids([draft.in_reply_to]):
        message["In-Reply-To"] = draft.in_reply_to
        if references := _plain_ids(draft.references):
            message["References"] = " ".join(references)
    message["Auto-Submitted"] = draft.auto_submitted
    # Our loop header: a message carrying it that comes back to us is never answered (G43).
    message["X-Loop"] = draft.loop
    message.set_content(draft.body)
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    _check_headers(raw, list(message.keys()))
    return dkim_sign(raw, config)


def _plain_ids(message_ids: Iterable[str]) -> list[str]:
    return [i for i in message_ids if PLAIN_MESSAGE_ID.fullmatch(i) and "=?" not in i]


def to_header(recipient: str) -> str:
    """The recipient, if the header the email package writes reads back as that very address;
    else UNDISCLOSED.

    A local part such as `=?utf-8?q?pat?=` is valid, but the email package reads it as `pat`, and
    refuses it, or worse, when it decodes to a line break.
    """
    if not recipient.isprintable() or any(char.isspace() for char in recipient):
        return UNDISCLOSED
    probe = EmailMessage()
    try:
        probe["To"] = recipient
        written = BytesParser(policy=default).parsebytes(probe.as_bytes(), headersonly=True)
        if [address.addr_spec for address in written["To"].addresses] == [recipient]:
            return recipient
    except Exception:
        # Its address parser raises more than ValueError on malformed input (IndexError,
        # HeaderParseError, ...); all of them mean the same here.
        pass
    return UNDISCLOSED


def _check_headers(raw: bytes, names: list[str]) -> None:
    """Refuse a message whose header block holds other headers than `names`, or other text."""
    head = raw.partition(b"\r\n\r\n")[0]
    written = BytesHeaderParser(policy=compat32).parsebytes(raw).keys()
    if written != names or any(_NOT_HEADER_TEXT.search(line) for line in head.split(b"\r\n")):
        raise UnsafeHeaders(f"the composed message's headers are {written}, not {names}")


def dkim_sign(
    raw: bytes, config: dict[str, Any], headers: Sequence[bytes] = SIGNED_HEADERS
) -> bytes:
    """`raw` with a DKIM-Signature whose h= names `headers`; `raw` itself when no key is set."""
    if not config["DKIM_KEY_FILE"]:
        return raw
    signature = dkim.sign(
        raw,
        config["DKIM_SELECTOR"].encode(),
        config["MAIL_DOMAIN"].encode(),
        Path(config["DKIM_KEY_FILE"]).read_bytes(),
        include_headers=headers,
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
    port_number = int(port)
    try:
        with smtplib.SMTP(host, port_number, timeout=RELAY_TIMEOUT) as relay:
            relay.ehlo()
            if config["SMTP_STARTTLS"]:
                authority = config["SMTP_CA_FILE"] or None
                relay.starttls(context=ssl.create_default_context(cafile=authority))
                relay.ehlo()
            if config["SMTP_USER"]:
                relay.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            # RFC 6531: an internationalised address travels only with SMTPUTF8.
            options = [] if (sender + recipient).isascii() else ["SMTPUTF8"]
            if options and not relay.has_extn("smtputf8"):
                return DeliveryResult(False, True, NO_SMTPUTF8)
            for code, answer in (relay.mail(sender, options), relay.rcpt(recipient)):
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
    except ValueError as exc:
        # smtplib refuses an address it cannot put in a command (a line break, say): no retry
        # can change that, and the worker must go on to the next message.
        return DeliveryResult(False, True, f"address not sendable: {type(exc).__name__}: {exc}")


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
