"""Reading a raw message: its headers, the text a person wrote, and its attachments.

Attachments are listed, never decoded into anything that runs or renders. Quoted replies and
signatures are kept apart from the new text so that a quoted newsletter's "unsubscribe" does not
decide what the person asked for.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

import html2text
import nh3
from mailparser_reply.constants import MAIL_LANGUAGES
from mailparser_reply.parser import EmailMessage as ReplyText

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
QUOTE_LINE = re.compile(r"^\s*>")


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
            values.extend(str(v) for v in self.message.get_all(name, []))
        return [addr for _, addr in getaddresses(values) if "@" in addr]


def header_text(message: Message, name: str) -> str:
    """A header as text, or "" when absent or too broken for the header parser."""
    try:
        value = message.get(name)
    except Exception:
        # policy.default parses a header when it is read; a malformed one must not stop intake.
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def parse(raw: bytes) -> ParsedMessage:
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:
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
        return html_to_text(content)
    return content.replace("\r\n", "\n")


def html_to_text(html: str) -> str:
    """Plain text of an HTML body, sanitised with nh3; quotes kept as "> " lines."""
    # nh3 first: scripts, styles, event handlers and unknown markup go before anything reads it.
    html = nh3.clean(html)
    converter = html2text.HTML2Text(bodywidth=0)
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    return converter.handle(html).strip() + "\n"


def split_reply(text: str) -> tuple[str, str]:
    """(new text, quoted text and signature). Falls back to the whole text if nothing is new."""
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
