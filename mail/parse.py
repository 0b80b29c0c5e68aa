"""Reading a raw message: its headers, the text a person wrote, and its attachments.

Attachments are listed, never decoded into anything that runs or renders. Quoted replies and
signatures are kept apart from the new text so that a quoted newsletter's "unsubscribe" does not
decide what the person asked for.

Reading is bounded, because the libraries are not: the email package's header parser takes time
that grows with the square of a value's length (a 1 MB Subject: 15 s), its MIME parser checks
every line against every enclosing boundary, html2text indents nested lists without end, and the
reply splitter reads every line. Beyond the limits below a message is cut short where that is
harmless, or kept raw for a person as unparseable; it never holds up intake for minutes.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from itertools import islice
from typing import Any

import html2text
import nh3
from mailparser_reply.constants import MAIL_LANGUAGES
from mailparser_reply.parser import EmailMessage as ReplyText

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
QUOTE_LINE = re.compile(r"^\s*>")

# Of one header value, what is read (RFC 5322 sets no limit; a real one is far shorter).
MAX_HEADER_CHARS = 10_000
# Of a header that occurs more than once (To, Cc, Delivered-To), how many are read.
MAX_HEADER_COUNT = 100
# Lines that could start a MIME part, and multipart containers (so also nesting depth): beyond
# either, the message is kept raw as unparseable.
MAX_BOUNDARY_LINES = 10_000
MAX_MULTIPARTS = 100
_BOUNDARY_PARAMETER = re.compile(rb"boundary[*0-9]*\s*=", re.IGNORECASE)
# Of an HTML body, what is turned into text; of a text, what is searched for quotes and
# signatures (the rest counts as quoted). Classification reads only the first 20,000 characters.
MAX_HTML_CHARS = 100_000
MAX_SPLIT_CHARS = 100_000
# Lists are read as lines: html2text indents each level, so nested lists made output (and time)
# grow with the square of their depth.
_LIST_TAG = re.compile(r"<\s*/?\s*(?:ul|ol|li|dl|dt|dd|menu)\b[^>]*>", re.IGNORECASE)


class _BoundedPolicy(EmailPolicy):
    """policy.default, reading at most MAX_HEADER_CHARS of any header value."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if isinstance(value, str):
            value = value[:MAX_HEADER_CHARS]
        return super().header_fetch_parse(name, value)


POLICY = _BoundedPolicy()


class UnparseableMessage(Exception):
    """The bytes are not a message we can read; they are kept raw for a person."""


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    message: EmailMessage
    from_address: str | None
    from_name: str | None
    subject: str
    message_id: str | None
    # Message-IDs this one answers: In-Reply-To, then References.
    replies_to: tuple[str, ...]
    text: str
    new_text: str
    quoted_text: str
    html_only: bool
    attachments: tuple[Attachment, ...]

    def header(self, name: str) -> str:
        return header_text(self.message, name)

    def has_header(self, name: str) -> bool:
        return name in self.message

    def header_names(self) -> list[str]:
        return [name.lower() for name in self.message]

    def addressed_to(self) -> list[str]:
        """Recipient addresses from the delivery headers, for messages read from a file."""
        values = []
        for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
            values.extend(str(v) for v in self.message.get_all(name, [])[:MAX_HEADER_COUNT])
        return [addr for _, addr in getaddresses(values) if "@" in addr]


def header_text(message: Message, name: str) -> str:
    """A header as one line of text, or "" when absent or too broken for the header parser."""
    try:
        value = message.get(name)
    except Exception:
        # policy.default parses a header when it is read; a malformed one must not stop intake.
        return ""
    return _stored(" ".join(str(value).split())) if value is not None else ""


def _stored(text: str) -> str:
    # PostgreSQL text cannot hold NUL, nor can most things that show text.
    return text.replace("\x00", "\ufffd")


def parse(raw: bytes) -> ParsedMessage:
    if raw.count(b"\n--") > MAX_BOUNDARY_LINES:
        raise UnparseableMessage(f"more than {MAX_BOUNDARY_LINES} MIME boundary lines")
    # Is there a boundary parameter after the first MAX_MULTIPARTS? (Stops looking at it.)
    if next(islice(_BOUNDARY_PARAMETER.finditer(raw), MAX_MULTIPARTS, None), None):
        raise UnparseableMessage(f"more than {MAX_MULTIPARTS} multipart containers")
    try:
        message = email.message_from_bytes(raw, policy=POLICY)
    except Exception as exc:
        # RecursionError among them: a message/rfc822 nested about a thousand deep.
        raise UnparseableMessage(type(exc).__name__) from None
    if not isinstance(message, EmailMessage) or not list(message.keys()):
        raise UnparseableMessage("no header block")
    from_name, from_address = _sender(message)
    body = _body_part(message)
    html_only = body is not None and body.get_content_type() == "text/html"
    text = _text_of(body) if body is not None else ""
    new_text, quoted_text = split_reply(text)
    return ParsedMessage(
        message=message,
        from_address=from_address,
        from_name=from_name,
        subject=header_text(message, "Subject"),
        message_id=_first_id(header_text(message, "Message-ID")),
        replies_to=tuple(
            MESSAGE_ID.findall(
                header_text(message, "In-Reply-To") + " " + header_text(message, "References")
            )
        ),
        text=text,
        new_text=new_text,
        quoted_text=quoted_text,
        html_only=html_only,
        attachments=tuple(_attachments(message, body)),
    )


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    name, address = parseaddr(header_text(message, "From"))
    return (name or None), (address if "@" in address else None)


def _first_id(value: str) -> str | None:
    found = MESSAGE_ID.search(value)
    return found.group(0) if found else None


def _body_part(message: EmailMessage) -> EmailMessage | None:
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None


def _text_of(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown or lying charset: read the bytes as UTF-8, else Windows-1252, never fail.
        payload = part.get_payload(decode=True) or b""
        try:
            content = payload.decode("utf-8")
        except UnicodeDecodeError:
            content = payload.decode("cp1252", errors="replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return _stored(html_to_text(content))
    return _stored(content.replace("\r\n", "\n"))


def html_to_text(html: str) -> str:
    """Plain text of an HTML body (its first MAX_HTML_CHARS), sanitised with nh3; quotes kept as
    "> " lines, list items as lines."""
    html = _LIST_TAG.sub("<br>", html[:MAX_HTML_CHARS])
    # nh3 first: scripts, styles, event handlers and unknown markup go before anything reads it.
    html = nh3.clean(html)
    converter = html2text.HTML2Text(bodywidth=0)
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    return converter.handle(html).strip() + "\n"


def split_reply(text: str) -> tuple[str, str]:
    """(new text, quoted text and signature). Falls back to the whole text if nothing is new.

    Only the first MAX_SPLIT_CHARS are searched; anything after them counts as quoted.
    """
    if len(text) > MAX_SPLIT_CHARS:
        new_text, quoted = split_reply(text[:MAX_SPLIT_CHARS])
        return new_text, f"{quoted}\n{text[MAX_SPLIT_CHARS:]}".strip()
    try:
        replies = ReplyText(text=text, languages=list(MAIL_LANGUAGES), keep_hyphen_lists=True)
        replies = replies.read().replies
    except Exception:
        # The splitter is a heuristic; when it trips, classify the whole text rather than nothing.
        return text.strip(), ""
    if not replies:
        return text.strip(), ""
    first = replies[0]
    lines = first.body.splitlines()
    new_lines = [line for line in lines if not QUOTE_LINE.match(line)]
    new_text = "\n".join(new_lines).strip()
    quoted = [line for line in lines if QUOTE_LINE.match(line)]
    quoted += [first.signatures] if first.signatures else []
    quoted += [reply.full_body for reply in replies[1:]]
    if not new_text:
        return text.strip(), ""
    return new_text, "\n".join(quoted).strip()


def _attachment_parts(message: EmailMessage, body: EmailMessage | None) -> list[EmailMessage]:
    found = []
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        if part.get_content_maintype() == "text" and not part.is_attachment():
            continue  # the other alternative of the body
        found.append(part)
    return found


def _describe(part: EmailMessage) -> tuple[Attachment, bytes]:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    return Attachment(filename, part.get_content_type(), len(data)), data


def _attachments(message: EmailMessage, body: EmailMessage | None) -> list[Attachment]:
    return [_describe(part)[0] for part in _attachment_parts(message, body)]


def attachment(raw: bytes, index: int) -> tuple[Attachment, bytes]:
    """The index-th attachment (as listed by `parse`) and its decoded bytes; IndexError if none."""
    parsed = parse(raw)
    parts = _attachment_parts(parsed.message, _body_part(parsed.message))
    if not 0 <= index < len(parts):
        raise IndexError(index)
    return _describe(parts[index])
