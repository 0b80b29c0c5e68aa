"""`prefcenter ingest`: a mailbox backlog (.eml files, mbox files) through the SMTP intake path."""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mail import intake
from prefcenter.extensions import db
from prefcenter.models import InboundMessage, MessageOutcome, MessageState

FILE_SOURCE = "file"


def is_mbox(path: Path) -> bool:
    # An mbox starts with a "From " separator line; a message file starts with a header.
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def count_messages(path: Path) -> int:
    if not is_mbox(path):
        return 1
    box = mailbox.mbox(path, create=False)
    try:
        return len(box)
    finally:
        box.close()


def messages_in(path: Path) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for each message in a file: the file itself, or each mbox entry."""
    if not is_mbox(path):
        yield str(path), path.read_bytes()
        return
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield f"{path}#{number}", box.get_bytes(key)
    finally:
        box.close()


@dataclass
class IngestSummary:
    counts: Counter[str] = field(default_factory=Counter)
    # Labels of messages a person must read (unparsed, or processing failed).
    attention: list[str] = field(default_factory=list)


def ingest(paths: list[Path], progress: Callable[[int], None]) -> IngestSummary:
    summary = IngestSummary()
    for path in paths:
        for label, raw in messages_in(path):
            receipt = intake.accept(raw, intake.Envelope(None, (), FILE_SOURCE))
            _count(summary, label, receipt)
            progress(1)
    return summary


def _count(summary: IngestSummary, label: str, receipt: intake.Receipt) -> None:
    if receipt.duplicate:
        summary.counts["already stored"] += 1
        return
    message = db.session.get(InboundMessage, receipt.message_id, populate_existing=True)
    state, outcome, kinds = (
        (message.state, message.outcome, message.kinds) if message else ("", "", [])
    )
    db.session.rollback()
    summary.counts["stored"] += 1
    if state != MessageState.PROCESSED:
        summary.counts["needs a person"] += 1
        summary.attention.append(label)
    elif outcome == MessageOutcome.REQUEST_OPENED:
        summary.counts.update(f"request opened: {kind}" for kind in kinds)
    elif outcome:
        summary.counts[outcome.replace("_", " ")] += 1
