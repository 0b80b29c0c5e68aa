"""Reading bounces and spam complaints about our mail, from the message alone (no database).

Delivery status notifications: RFC 3464 `message/delivery-status` first (Action, Status,
Original-/Final-Recipient, Diagnostic-Code), then the plain-text notices of qmail, Exim, Exchange,
Yahoo and the like, read only from a mail system (null sender, MAILER-DAEMON, X-Failed-Recipients).
Complaints: ARF feedback reports (RFC 5965) of a complaint type, and Microsoft's JMRP reports.

What a report means for the address decides its kind, not the status class alone (see
tests/corpus/bounces/README.md): an address or domain that does not exist is hard even under a
4.x.x code; a full mailbox or an expired queue is soft even under 5.x.x; a delay is no bounce.

Reading is bounded: parse.py limits the MIME structure, and here the parts looked at, the text
searched and the recipients read are capped, and no pattern backtracks without limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from email.message import Message
from email.parser import HeaderParser
from enum import StrEnum

from mail.parse import POLICY, ParsedMessage, UnparseableMessage, header_text, parse
from mail.report_parts import (
    ADDRESS,
    MAX_RECIPIENTS,
    MAX_TEXT_CHARS,
    field_blocks,
    header_addresses,
    merged,
    part_text,
    plain_address,
    plain_addresses,
    report_parts,
    returned_copy,
    typed,
)

# The size of the column that keeps a diagnostic (Bounce.diagnostic).
MAX_DIAGNOSTIC_CHARS = 300


class Kind(StrEnum):
    HARD = "hard"
    SOFT = "soft"
    DELAYED = "delayed"
    COMPLAINT = "complaint"
    NONE = "none"


# A report is as severe as its most severe recipient.
_SEVERITY = [Kind.HARD, Kind.SOFT, Kind.DELAYED, Kind.NONE]
# RFC 5965 and the ARF drafts before it; auth-failure (RFC 6591, DMARC), not-spam and virus
# reports are about the message, not a person who did not want it.
COMPLAINT_TYPES = {"abuse", "fraud", "opt-out", "opt-out-list"}
# RFC 3463 subject.detail: bad mailbox, bad system, bad syntax, moved, null MX (RFC 7505).
_NO_SUCH_DETAILS = {"1.1", "1.2", "1.3", "1.6", "1.10"}

# An enhanced status code (RFC 3463) in running text: not part of an IP address or a version.
ENHANCED_STATUS = re.compile(r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
REPLY_CODE = re.compile(r"(?<![\w.])([45])\d\d(?=[\s:-])")
_STATUS_FIELD = re.compile(r"\s*([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
MAILBOX_FULL = re.compile(
    r"mailbox (?:is )?full|over ?quota|quota exceeded|exceeded (?:the )?(?:storage|quota)"
    r"|insufficient (?:system )?storage|mailbox size limit",
    re.IGNORECASE,
)
NO_SUCH_ADDRESS = re.compile(
    r"user unknown|unknown (?:user|recipient)|no such (?:user|mailbox|recipient|address|domain)"
    r"|does(?: not|n't) exist|not (?:listed|recognized|found)|(?:couldn't|could not) be found"
    r"|recipient address rejected|invalid (?:address|recipient|mailbox)|host (?:unknown|not found)"
    r"|no mx record|couldn't find any host|recip(?:ient)?notfound",
    re.IGNORECASE,
)
# Our mail was refused for what it or our sending set-up is (policy, authentication, relaying,
# a blocklist), not because the address is bad. Suppressing for that would stop mail to every
# recipient of a misconfigured send; it counts as soft, so only a repeated refusal suppresses.
SENDER_SIDE = re.compile(
    r"relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)|not permitted to relay"
    r"|authentication required|without authentication|smtp authentication"
    r"|blocked|blacklist|blocklist|spam|dmarc|spf|dkim",
    re.IGNORECASE,
)
# Where a plain-text notice starts naming the addresses that failed.
_FAILURE_START = re.compile(
    r"following\s+(?:list\s+of\s+)?(?:address|recipient)|delivery\s+has\s+failed\s+to"
    r"|(?:was|were|could)\s+not\s+(?:be\s+)?delivered\s+to|not\s+yet\s+been\s+delivered"
    r"|failure\s+reasons|target\s+mail\s+address",
    re.IGNORECASE,
)
# Where the copy of our message begins, in a notice that carries it inline.
_RETURNED_COPY = re.compile(
    r"^[ \t]*-*[ \t]*(?:below (?:this line )?is a copy of the (?:original )?message"
    r"|this is a copy of the message|original message|returned message|undelivered message"
    r"|the header of the original message|bounced e-?mail)"
    r"|^(?P<header>(?:received|return-path|dkim-signature|message-id|mime-version)[ \t]*:)",
    re.IGNORECASE | re.MULTILINE,
)
_DELAY_NOTICE = re.compile(
    r"warning (?:message )?only|(?:has|have) been delayed|not yet been delivered|will be retried"
    r"|still being retried|will (?:keep|continue to) try|delivery attempts will continue"
    r"|still undelivered|\(delay\)",
    re.IGNORECASE,
)
# Some sign of a failure, so that an out-of-office reply from a null sender that happens to name
# "the following address" is not read as a bounce.
_FAILURE_WORDS = re.compile(
    r"fail|error|undeliver|not (?:be )?delivered|rejected|delay|unable to deliver", re.IGNORECASE
)
_PERMANENT = re.compile(r"permanent", re.IGNORECASE)
_MAIL_SYSTEM = re.compile(r"^(?:mailer-daemon|postmaster)$", re.IGNORECASE)
# Our own tagged addresses: the return path `bounce+<token>@` and `unsubscribe+<token>@`.
_TAGGED = re.compile(r"^(?P<tag>bounce|unsubscribe)\+(?P<token>[A-Za-z0-9_.-]+)$")
BOUNCE_TAG = "bounce"
UNSUBSCRIBE_TAG = "unsubscribe"
_DELIVERY_STATUS = {
    "message/delivery-status",
    "message/global-delivery-status",
    "text/delivery-status",
}
_JMRP_RECIPIENT = "X-HmXmrOriginalRecipient"


@dataclass(frozen=True)
class Failure:
    """One recipient a report is about."""

    address: str
    kind: Kind
    status: str | None = None
    diagnostic: str | None = None


@dataclass(frozen=True)
class Tagged:
    """A token of ours found in the reported message: it names our contact exactly."""

    tag: str
    token: str


@dataclass(frozen=True)
class Report:
    """What a message reports. `status` and `diagnostic` are those of the most severe outcome,
    kept also when no recipient could be named (a return path token may still say whose it is)."""

    kind: Kind = Kind.NONE
    failures: tuple[Failure, ...] = ()
    tagged: tuple[Tagged, ...] = ()
    status: str | None = None
    diagnostic: str | None = None

    @property
    def is_bounce_or_complaint(self) -> bool:
        """A bounce or a complaint: something to record, never a message to answer."""
        return self.kind in (Kind.HARD, Kind.SOFT, Kind.COMPLAINT)

    def failure_for(self, address: str) -> Failure | None:
        return next((f for f in self.failures if f.address == address.lower()), None)


NOTHING = Report()


def read(
    raw: bytes, *, envelope_sender: str | None = None, own_domains: Collection[str] = ()
) -> Report:
    """The report in a raw message; NOTHING for one that is neither bounce nor complaint."""
    try:
        parsed = parse(raw)
    except UnparseableMessage:
        return NOTHING
    return report_of(parsed, envelope_sender=envelope_sender, own_domains=own_domains)


def report_of(
    parsed: ParsedMessage, *, envelope_sender: str | None = None, own_domains: Collection[str] = ()
) -> Report:
    """As `read`, for a message intake has parsed already. `envelope_sender` is "" for the null
    sender, None when unknown (then Return-Path says); addresses at `own_domains` are never
    reported as recipients."""
    own = {domain.lower() for domain in own_domains}
    parts = report_parts(parsed.message)
    complaint = _complaint(parts, own)
    return complaint if complaint is not None else _bounce(parsed, parts, envelope_sender, own)


def tagged_token(address: str, tag: str, own_domains: Iterable[str]) -> str | None:
    """The token of a `<tag>+<token>@<one of own_domains>` address, else None."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    found = _TAGGED.match(local)
    if found is None or found.group("tag") != tag:
        return None
    return found.group("token") if domain.lower() in {d.lower() for d in own_domains} else None


def is_jmrp(message: Message) -> bool:
    """A Microsoft JMRP complaint: not ARF, but a copy of the message carrying the
    X-HmXmrOriginalRecipient header that only these reports add."""
    return _is_jmrp_copy(returned_copy(report_parts(message)))


# Complaints


def _complaint(parts: list[Message], own: set[str]) -> Report | None:
    """A feedback report's complaint, NOTHING for feedback of another type, None if no report."""
    feedback = next((p for p in parts if p.get_content_type() == "message/feedback-report"), None)
    original = returned_copy(parts)
    if feedback is not None:
        fields = merged(field_blocks(part_text(feedback)))
        feedback_type = (fields.get("feedback-type") or [""])[0].strip().lower()
        if feedback_type not in COMPLAINT_TYPES:
            return NOTHING
        named = fields.get("original-rcpt-to", []) + fields.get("removal-recipient", [])
        if not named and not fields.get("redacted-address") and original is not None:
            # The copy's To only when the report does not say the address was redacted.
            named = header_addresses(original, "To")
        diagnostic = f"Feedback-Type: {feedback_type}"
    elif original is not None and _is_jmrp_copy(original):
        named = [header_text(original, _JMRP_RECIPIENT), header_text(original, "To")]
        diagnostic = "Microsoft JMRP complaint"
    else:
        return None
    addresses = plain_addresses(named, own)
    failures = tuple(Failure(a, Kind.COMPLAINT, None, diagnostic) for a in addresses)
    return Report(Kind.COMPLAINT, failures, _tagged(original, own), None, diagnostic)


def _is_jmrp_copy(original: Message | None) -> bool:
    return original is not None and bool(header_text(original, _JMRP_RECIPIENT))


def _tagged(original: Message | None, own: set[str]) -> tuple[Tagged, ...]:
    if original is None:
        return ()
    candidates = [
        (BOUNCE_TAG, header_text(original, "Return-Path")),
        (UNSUBSCRIBE_TAG, header_text(original, "List-Unsubscribe")),
    ]
    found = []
    for tag, value in candidates:
        for address in ADDRESS.findall(value):
            token = tagged_token(address, tag, own)
            if token is not None:
                found.append(Tagged(tag, token))
    return tuple(dict.fromkeys(found))


# Bounces


@dataclass(frozen=True)
class _Outcome:
    address: str | None
    action: str | None
    status: str | None
    diagnostic: str | None


def _bounce(
    parsed: ParsedMessage, parts: list[Message], envelope_sender: str | None, own: set[str]
) -> Report:
    outcomes = _dsn_outcomes(parts)
    if not outcomes and not _from_a_mail_system(parsed, envelope_sender):
        return NOTHING
    notice = _Notice(parsed.text[:MAX_TEXT_CHARS])
    if not outcomes and not _reads_as_failure(parsed.subject, notice):
        return NOTHING
    returned = returned_copy(parts) or notice.returned_headers()
    keep = _recipient_filter(parsed, returned, envelope_sender, own)
    named = [o for o in outcomes if o.address and keep(o.address)]
    if not named:
        # Final-Recipient is a mailbox path or an alias: the address comes from elsewhere, and
        # the outcome with it when the report has only one.
        only = outcomes[0] if len(outcomes) == 1 else _Outcome(None, None, None, None)
        fallback = [a for a in _fallback_addresses(parsed, notice, returned) if keep(a)]
        named = [replace(only, address=a) for a in fallback] or outcomes
    delayed = not outcomes and bool(_DELAY_NOTICE.search(f"{parsed.subject}\n{notice.text}"))
    failures = [notice.failure(o, len(named), delayed) for o in named[:MAX_RECIPIENTS]]
    return _summary(failures)


def _summary(failures: list[Failure]) -> Report:
    if not failures:
        return NOTHING
    worst = min(failures, key=lambda f: _SEVERITY.index(f.kind))
    if worst.kind == Kind.NONE:
        return NOTHING
    named = {}
    for failure in sorted(failures, key=lambda f: _SEVERITY.index(f.kind)):
        if failure.address and failure.kind != Kind.NONE:
            # One report naming an address twice reports it once, at its most severe.
            named.setdefault(failure.address, failure)
    ordered = [f for f in failures if named.get(f.address) is f]
    return Report(worst.kind, tuple(ordered), (), worst.status, worst.diagnostic)


def _dsn_outcomes(parts: list[Message]) -> list[_Outcome]:
    outcomes = []
    for part in parts:
        if part.get_content_type() not in _DELIVERY_STATUS:
            continue
        for block in field_blocks(part_text(part)):
            if "original-recipient" not in block and "final-recipient" not in block:
                continue  # the per-message block (Reporting-MTA, Arrival-Date)
            original = plain_address(typed(block.get("original-recipient", [""])[0]))
            final = plain_address(typed(block.get("final-recipient", [""])[0]))
            status = _STATUS_FIELD.match(block.get("status", [""])[0])
            diagnostic = typed(block.get("diagnostic-code", [""])[0])
            outcomes.append(
                _Outcome(
                    original or final,
                    (block.get("action", [""])[0].split() or [None])[0],
                    status.group(1) if status else _first_status(diagnostic),
                    _short(diagnostic),
                )
            )
    return outcomes[:MAX_RECIPIENTS]


class _Notice:
    """The human-readable part of a bounce: where it names failed addresses, and what about each."""

    def __init__(self, text: str) -> None:
        start = _FAILURE_START.search(text)
        copy = _RETURNED_COPY.search(text, start.start() if start else 0)
        self.full = text
        self.text = text[: copy.start()] if copy else text
        self.copy = copy
        self.section = self.text[start.start() :] if start else ""
        self.chunks: dict[str, str] = {}
        spans = []
        for match in ADDRESS.finditer(self.section):
            address = plain_address(match.group())
            if address and address not in self.chunks:
                self.chunks[address] = ""
                spans.append((address, match.start()))
        for index, (address, begin) in enumerate(spans):
            end = spans[index + 1][1] if index + 1 < len(spans) else len(self.section)
            self.chunks[address] = self.section[begin:end]

    def returned_headers(self) -> Message | None:
        """The headers of a copy of our message carried inline, as qmail and Exim send it."""
        if self.copy is None:
            return None
        if self.copy.group("header"):
            copy = self.full[self.copy.start() :]
        else:
            copy = self.full[self.copy.end() :].partition("\n")[2]  # after the separator line
        return HeaderParser(policy=POLICY).parsestr(copy.lstrip("\r\n"), headersonly=True)

    def failure(self, outcome: _Outcome, recipients: int, delayed: bool) -> Failure:
        address = outcome.address or ""
        # With several recipients only the text about this one; with one, the whole notice.
        about = self.chunks.get(address, "") if recipients > 1 else self.text
        about = f"{outcome.diagnostic or ''}\n{about}"
        status = outcome.status or _first_status(about)
        kind = Kind.DELAYED if delayed else _kind(outcome.action, status, about)
        return Failure(address, kind, status, outcome.diagnostic or _diagnostic_line(about))


def _kind(action: str | None, status: str | None, about: str) -> Kind:
    action = (action or "").lower()
    if action == "delayed":
        return Kind.DELAYED
    if action in {"delivered", "relayed", "expanded"} or (status or "").startswith("2"):
        return Kind.NONE
    detail = status.partition(".")[2] if status else ""
    if detail == "2.2" or MAILBOX_FULL.search(about):
        return Kind.SOFT
    if detail in _NO_SUCH_DETAILS or NO_SUCH_ADDRESS.search(about):
        return Kind.HARD
    if detail.startswith("7.") or SENDER_SIDE.search(about):
        return Kind.SOFT
    if status:
        return Kind.HARD if status[0] == "5" else Kind.SOFT
    reply = REPLY_CODE.search(about)
    if reply:
        return Kind.HARD if reply.group(1) == "5" else Kind.SOFT
    # No code at all: only the notice's own word makes it permanent.
    return Kind.HARD if _PERMANENT.search(about) else Kind.SOFT


def _from_a_mail_system(parsed: ParsedMessage, envelope_sender: str | None) -> bool:
    """Only a mail system's plain-text notice is read as a bounce: a person's message to us that
    names "the following address" must reach the privacy team."""
    sender = envelope_sender
    if sender is None and parsed.has_header("Return-Path"):
        sender = parsed.header("Return-Path").strip("<> ")
    if sender == "" or parsed.has_header("X-Failed-Recipients"):
        return True
    return any(
        _MAIL_SYSTEM.match(address.rpartition("@")[0] or address)
        for address in (sender or "", parsed.from_address or "")
        if address
    )


def _reads_as_failure(subject: str, notice: _Notice) -> bool:
    if not notice.section:
        return False
    text = f"{subject}\n{notice.text}"
    return any(
        p.search(text) for p in (ENHANCED_STATUS, MAILBOX_FULL, NO_SUCH_ADDRESS, _FAILURE_WORDS)
    )


def _fallback_addresses(
    parsed: ParsedMessage, notice: _Notice, returned: Message | None
) -> list[str]:
    """X-Failed-Recipients, else the addresses the notice names, else the copy's recipients."""
    failed = plain_addresses([header_text(parsed.message, "X-Failed-Recipients")], set())
    if failed or notice.chunks:
        return failed or list(notice.chunks)
    return plain_addresses(header_addresses(returned, "To", "Cc"), set()) if returned else []


def _recipient_filter(
    parsed: ParsedMessage, returned: Message | None, envelope_sender: str | None, own: set[str]
) -> Callable[[str], bool]:
    """Who a bounce can be about: not the report's own sender or addressee, not the sender of
    the returned message, not a mail system, never an address of ours."""
    names = ["From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Delivered-To"]
    names += ["X-Original-To", "Envelope-To"]
    parties = set(plain_addresses(header_addresses(parsed.message, *names), set()))
    if envelope_sender:
        parties.update(plain_addresses([envelope_sender], set()))
    if returned is not None:
        senders = header_addresses(returned, "From", "Sender", "Return-Path", "Reply-To")
        parties.update(plain_addresses(senders, set()))

    def keep(address: str) -> bool:
        local, _, domain = address.rpartition("@")
        return address not in parties and domain not in own and not _MAIL_SYSTEM.match(local)

    return keep


def _first_status(text: str) -> str | None:
    found = ENHANCED_STATUS.search(text)
    return ".".join(found.groups()) if found else None


def _diagnostic_line(text: str) -> str | None:
    """The line of a notice most likely to be the remote server's words: the first with a reply
    and a status code, else with a status code, a reply code, or a reason phrase."""
    best: tuple[int, str] | None = None
    for line in text.splitlines()[:200]:
        status, reply = ENHANCED_STATUS.search(line), REPLY_CODE.search(line)
        if status and reply:
            return _short(line)
        if status or reply or MAILBOX_FULL.search(line) or NO_SUCH_ADDRESS.search(line):
            rank = 0 if status else 1 if reply else 2
            if best is None or rank < best[0]:
                best = (rank, line)
    return _short(best[1]) if best else None


def _short(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text[:MAX_DIAGNOSTIC_CHARS] or None
