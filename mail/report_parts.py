"""The parts, fields and addresses of delivery and feedback reports, read with bounds: the
low-level reading under mail/bounces.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

from mail.parse import POLICY

# Parts of one message looked at, outside the returned message (parse.py bounds the structure).
MAX_PARTS = 200
# Of a notice's text or a report part, what is read; real ones are a few kilobytes.
MAX_TEXT_CHARS = 50_000
# Recipients read from one report: RFC 5321's 100 recipients per message.
MAX_RECIPIENTS = 100

ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,10}"
)
_TYPE = re.compile(r"[\w.-]{1,20}")
_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,76})[ \t]*:[ \t]*(.*)")
HEADER_PARTS = {"text/rfc822-headers", "text/rfc822-header", "message/rfc822-headers"}
RETURNED_PARTS = {"message/rfc822", "message/global", *HEADER_PARTS}


def report_parts(message: Message) -> list[Message]:
    """The message's parts, not descending into a returned or forwarded message: a person who
    forwards a bounce as an attachment has not bounced."""
    found: list[Message] = []
    stack = [message]
    while stack and len(found) < MAX_PARTS:
        part = stack.pop()
        found.append(part)
        if part.get_content_maintype() == "multipart" and isinstance(part.get_payload(), list):
            stack.extend(reversed(part.get_payload()))
    return found


def returned_copy(parts: list[Message]) -> Message | None:
    """The copy of the original message a report carries, headers at least."""
    for part in parts:
        kind = part.get_content_type()
        if kind not in RETURNED_PARTS:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        if kind in HEADER_PARTS:
            return HeaderParser(policy=POLICY).parsestr(part_text(part), headersonly=True)
    return None


def part_text(part: Message) -> str:
    """A report part's text. Python reads a delivery-status part as one message per block of
    fields; a block broken by unindented continuation lines (MessageLabs) keeps the rest of its
    fields in the block's body, so each block is put back together as it came."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload[: MAX_RECIPIENTS + 1]:
            head = "\n".join(f"{name}: {value}" for name, value in block.raw_items())
            body = block.get_payload()
            blocks.append(f"{head}\n{body if isinstance(body, str) else ''}")
        return "\n\n".join(blocks)[:MAX_TEXT_CHARS]
    data = part.get_payload(decode=True)
    return data[:MAX_TEXT_CHARS].decode("utf-8", "replace") if isinstance(data, bytes) else ""


def field_blocks(text: str) -> list[dict[str, list[str]]]:
    """Blocks of `Name: value` fields separated by blank lines, names lower-cased. A line that
    is neither a field nor indented continues the field before it, as MessageLabs writes them."""
    blocks: list[dict[str, list[str]]] = []
    block: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.splitlines():
        field = _FIELD.fullmatch(line) if line[:1] not in (" ", "\t") else None
        if not line.strip():
            if block:
                blocks.append(block)
            block, last = {}, None
        elif field:
            last = block.setdefault(field.group(1).lower(), [])
            last.append(field.group(2).strip())
        elif last:
            last[-1] = f"{last[-1]} {line.strip()}"
    if block:
        blocks.append(block)
    return blocks


def merged(blocks: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for block in blocks:
        for name, values in block.items():
            merged.setdefault(name, []).extend(values)
    return merged


def typed(value: str) -> str:
    """A DSN value without its type: `rfc822; a@b` and `smtp; 550 ...` give what follows."""
    kind, semicolon, rest = value.partition(";")
    return rest.strip() if semicolon and _TYPE.fullmatch(kind.strip()) else value


def plain_address(raw: str | None) -> str | None:
    """A plain, lower-cased address, or None for a mailbox path or anything else.

    `user%domain@relay` is the source-routed form of `user@domain` (Exim writes it).
    """
    found = ADDRESS.fullmatch((raw or "").strip().strip("<>\"' ").rstrip("."))
    if found is None:
        return None
    local, _, domain = found.group().lower().rpartition("@")
    if "%" in local:
        local, _, routed = local.rpartition("%")
        domain = routed if "." in routed else domain
    return f"{local}@{domain}" if local.strip(".") else None


def plain_addresses(values: Iterable[str], own: set[str]) -> list[str]:
    found = []
    for _, raw in getaddresses([v for v in values if v]):
        address = plain_address(raw)
        if address and address.rpartition("@")[2] not in own and address not in found:
            found.append(address)
    return found[:MAX_RECIPIENTS]


def header_addresses(message: Message, *names: str) -> list[str]:
    values = []
    for name in names:
        try:
            values.extend(str(v) for v in (message.get_all(name) or [])[:MAX_RECIPIENTS])
        except Exception:
            # A header too broken for the header parser names nobody.
            continue
    return values
