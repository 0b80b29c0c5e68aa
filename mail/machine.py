"""Telling machine-generated mail from a person's (RFC 3834 and helpdesk practice, standards G41-G43).

Machine mail is stored and never answered and never opens a request: answering a bounce or an
out-of-office reply starts mail loops, and no person is waiting for the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mail.bounces import is_jmrp
from mail.parse import ParsedMessage

SYSTEM_LOCAL_PARTS = re.compile(
    r"^(mailer-daemon|postmaster|owner-.+|.+-request|no-?reply|do-?not-?reply|bounces?)$",
    re.IGNORECASE,
)
MACHINE_PRECEDENCE = {"bulk", "list", "junk"}
REPORT_TYPES = {
    "message/delivery-status",
    "message/disposition-notification",
    "message/feedback-report",
}


def machine_reason(
    parsed: ParsedMessage, envelope_sender: str | None, own_domains: Iterable[str]
) -> str | None:
    """Why this message was made by a machine, or None for a person's message."""
    return (
        _sender_reason(parsed, envelope_sender)
        or _auto_header_reason(parsed)
        or _report_reason(parsed)
        or _loop_reason(parsed, own_domains)
    )


def _sender_reason(parsed: ParsedMessage, envelope_sender: str | None) -> str | None:
    # Read from a file there is no envelope; the delivering MTA wrote it into Return-Path.
    if envelope_sender is None and parsed.has_header("Return-Path"):
        envelope_sender = parsed.header("Return-Path").strip("<> ")
    if envelope_sender == "":
        return "null sender <> (bounce or notification)"
    for address in (envelope_sender, parsed.from_address):
        local = (address or "").rpartition("@")[0]
        if SYSTEM_LOCAL_PARTS.match(local):
            return f"system sender {local}@"
    return None


def _auto_header_reason(parsed: ParsedMessage) -> str | None:
    auto_submitted = parsed.header("Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = parsed.header("Precedence").strip().lower()
    if precedence in MACHINE_PRECEDENCE:
        return f"Precedence: {precedence}"
    names = parsed.header_names()
    list_headers = sorted({name for name in names if name.startswith("list-")})
    if list_headers:
        return f"mailing-list header {list_headers[0]}"
    if "x-autoreply" in names or "x-autorespond" in names:
        return "X-Autoreply header"
    # iCloud's vacation replies carry no Auto-Submitted, only Apple's own header.
    if parsed.header("X-Apple-Action").strip().upper() == "VACATION":
        return "X-Apple-Action: VACATION"
    suppress = parsed.header("X-Auto-Response-Suppress").lower()
    if "all" in {token.strip() for token in suppress.split(",")}:
        return "X-Auto-Response-Suppress: All"
    if "x-loop" in names:
        return "X-Loop header"
    return None


def _report_reason(parsed: ParsedMessage) -> str | None:
    message = parsed.message
    if message.get_content_type() == "multipart/report":
        report_type = message.get_param("report-type", "") or ""
        return f"delivery report (multipart/report {report_type})".replace(" )", ")")
    for part in message.walk():
        if part.get_content_type() in REPORT_TYPES:
            return f"delivery report ({part.get_content_type()})"
    if is_jmrp(message):
        # Microsoft's spam complaints are plain multipart/mixed, from an ordinary sender.
        return "feedback report (Microsoft JMRP)"
    return None


def _loop_reason(parsed: ParsedMessage, own_domains: Iterable[str]) -> str | None:
    domain = (parsed.message_id or "").strip("<>").rpartition("@")[2].lower()
    if domain and domain in {d.lower() for d in own_domains}:
        return "our own Message-ID (a loop)"
    return None
