"""Everything intake learns from a message's bytes alone, with no database: used by intake and
by `prefcenter classify`, so both always agree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mail.classify import Classification, classify
from mail.machine import machine_reason
from mail.parse import ParsedMessage, UnparseableMessage, parse

# A machine reason quotes a header or an address, which can be long; it is kept at this length,
# the size of the column that stores it (InboundMessage.machine_reason).
MAX_REASON_CHARS = 120


@dataclass(frozen=True)
class Analysis:
    parsed: ParsedMessage | None
    machine_reason: str | None
    # None for machine mail and for messages that could not be parsed.
    classification: Classification | None

    @property
    def unparsed(self) -> bool:
        return self.parsed is None


def analyse(
    raw: bytes, *, envelope_sender: str | None = None, own_domains: Iterable[str]
) -> Analysis:
    try:
        parsed = parse(raw)
    except UnparseableMessage:
        return Analysis(None, None, None)
    reason = machine_reason(parsed, envelope_sender, own_domains)
    if reason is not None:
        return Analysis(parsed, reason[:MAX_REASON_CHARS], None)
    return Analysis(parsed, None, classify(parsed.subject, parsed.new_text))


def warm_up() -> None:
    """Load the phrase tables and the language model now (about a second), not in the middle of
    the first burst of mail."""
    analyse(b"Subject: hello\r\n\r\nPlease unsubscribe me.\r\n", own_domains=())
