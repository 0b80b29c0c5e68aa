"""Intake: store a message durably, then work out what it asks for. SMTP and files share this path.

Storing and processing are separate transactions. Once `store` has committed, the message is safe
and SMTP may answer 250; a failure while processing leaves it `stored`, to be retried by
`process_pending`, and never loses it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from flask import current_app
from sqlalchemy import select

from mail import bounces
from mail.analysis import Analysis, analyse
from prefcenter.clock import now
from prefcenter.database import InsertNew, begin_write
from prefcenter.errors import DomainError, InvalidAddress
from prefcenter.extensions import db
from prefcenter.models import Channel, InboundMessage, MessageOutcome, MessageState, RequestKind
from prefcenter.services import bounces as bounce_records
from prefcenter.services import privacy_requests
from prefcenter.services.addresses import Address, normalise
from prefcenter.services.unsubscribe import unsubscribe_by_token

log = logging.getLogger(__name__)

# No NUL: PostgreSQL text cannot hold one, and a message must be storable whatever its header says.
MESSAGE_ID = re.compile(r"<[^<>\s\x00]+>")
MAX_ATTEMPTS = 5
PENDING_BATCH = 100
_NEW_MESSAGES = InsertNew(
    InboundMessage.__table__,
    ["fingerprint"],
    [InboundMessage.fingerprint, InboundMessage.id],
)


@dataclass(frozen=True)
class Envelope:
    # "" is the null sender <>; None means unknown (a message read from a file).
    sender: str | None
    recipients: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Receipt:
    message_id: int
    duplicate: bool


def inbound_domains() -> list[str]:
    return current_app.config["INBOUND_DOMAINS"]


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def is_ours(address: str) -> bool:
    return domain_of(address) in inbound_domains()


def unsubscribe_token(address: str) -> str | None:
    """The token of an `unsubscribe+<token>@<our domain>` address, else None."""
    return bounces.tagged_token(address, bounces.UNSUBSCRIBE_TAG, inbound_domains())


def return_path_token(address: str) -> str | None:
    """The token of a `bounce+<token>@<our domain>` return path (VERP), else None."""
    return bounces.tagged_token(address, bounces.BOUNCE_TAG, inbound_domains())


def fingerprint(raw: bytes) -> tuple[str | None, str, str]:
    """(Message-ID, content hash, fingerprint). The content hash covers the body only when there is
    a Message-ID, so one message delivered by two routes (other trace headers) is stored once;
    without one it covers every byte, so two people's identical short notes are both kept."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    found = MESSAGE_ID.search(str(headers.get("Message-ID", "")))
    message_id = found.group(0)[:998] if found else None
    if message_id:
        body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[-1]
        content = body.replace(b"\r\n", b"\n")
    else:
        content = raw.replace(b"\r\n", b"\n")
    content_hash = hashlib.sha256(content).hexdigest()
    key = hashlib.sha256(f"{message_id or ''}\n{content_hash}".encode()).hexdigest()
    return message_id, content_hash, key


def store(raw: bytes, envelope: Envelope) -> Receipt:
    """Commit the raw message, or find it already stored; raises if the database fails."""
    return store_many([(raw, envelope)])[0]


def store_many(items: Sequence[tuple[bytes, Envelope]]) -> list[Receipt]:
    """Commit several messages in one statement: a burst costs one disk sync, not one each.

    A message already stored (earlier, by another connection meanwhile, or earlier in `items`) is
    not stored again; its receipt names the stored one and says `duplicate`. Up to 1000 messages
    (SQLAlchemy's insertmanyvalues page) make one statement, and so one commit.
    """
    rows: dict[str, dict[str, Any]] = {}
    keys = []
    for raw, envelope in items:
        message_id, content_hash, key = fingerprint(raw)
        keys.append(key)
        rows.setdefault(
            key,
            {
                "fingerprint": key,
                "message_id": message_id,
                "content_hash": content_hash,
                "received_at": now(),
                "source": envelope.source,
                "envelope_sender": envelope.sender,
                "envelope_recipients": list(envelope.recipients),
                "raw": raw,
                "size": len(raw),
                "state": MessageState.STORED.value,
                "attempts": 0,
            },
        )
    _begin_store()
    # In fingerprint order: two connections storing the same messages lock them in the same
    # order, so neither waits for the other in a deadlock.
    added = _insert_new([rows[key] for key in sorted(rows)])
    # Only the rows someone else stored first cost a second query; usually there are none.
    ids = {**_stored_ids([key for key in rows if key not in added]), **added}
    receipts = []
    for key in keys:
        receipts.append(Receipt(ids[key], duplicate=key not in added))
        added.pop(key, None)
    db.session.commit()
    return receipts


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _begin_store() -> None:
    if db.session().in_transaction():
        return
    if _on_postgresql():
        # The INSERT commits on its own: PostgreSQL answers a statement outside a transaction
        # block only after committing it, as durably as it answers a COMMIT. BEGIN and COMMIT
        # would be two more round trips, each also waiting for the GIL the SMTP event loop holds.
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    else:
        # Writer from the first statement: a read first could not safely become a write on SQLite.
        begin_write()


def _insert_new(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert the rows whose fingerprint is not stored yet, in one statement; their ids by key.

    ON CONFLICT DO NOTHING rather than a check first (see InsertNew).
    """
    statement = _NEW_MESSAGES.on(db.session.connection())
    return dict(db.session.execute(statement, rows).all())


def _stored_ids(keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    query = select(InboundMessage.fingerprint, InboundMessage.id)
    rows = db.session.execute(query.where(InboundMessage.fingerprint.in_(keys)))
    return {key: message_id for key, message_id in rows}


def accept(raw: bytes, envelope: Envelope) -> Receipt:
    """Store, then process; processing trouble is recorded on the message, never raised."""
    receipt = store(raw, envelope)
    if not receipt.duplicate:
        process_safely(receipt.message_id)
    return receipt


def process_safely(message_id: int) -> None:
    try:
        process(message_id)
    except Exception:
        db.session.rollback()
        log.exception("processing inbound message %s failed; it stays stored", message_id)
        _count_failure(message_id)


def _count_failure(message_id: int) -> None:
    try:
        begin_write()
        message = db.session.get(InboundMessage, message_id, with_for_update=True)
        if message is not None and message.state == MessageState.STORED.value:
            message.attempts += 1
            if message.attempts >= MAX_ATTEMPTS:
                message.state = MessageState.FAILED.value
        db.session.commit()
    except Exception:
        # The database is down as well: the message is still `stored`; the next sweep retries.
        db.session.rollback()


def process_pending(batch: int = PENDING_BATCH) -> int:
    """Process every message left `stored` by a crash or an outage, `batch` at a time, in the
    order they came; returns how many were tried. Each is tried once per call, so one that keeps
    failing does not hold up the rest."""
    tried, after = 0, 0
    while True:
        query = select(InboundMessage.id).where(
            InboundMessage.state == MessageState.STORED.value, InboundMessage.id > after
        )
        pending = list(db.session.scalars(query.order_by(InboundMessage.id).limit(batch)))
        db.session.rollback()
        for message_id in pending:
            process_safely(message_id)
        tried += len(pending)
        if len(pending) < batch:
            return tried
        after = pending[-1]


def process(message_id: int) -> None:
    message = db.session.get(InboundMessage, message_id)
    if message is None or message.state != MessageState.STORED.value:
        return
    analysis = analyse(
        message.raw,
        envelope_sender=message.envelope_sender,
        own_domains=inbound_domains(),
    )
    recipients = message.envelope_recipients or _addressed_to_us(analysis)
    report = _report(analysis, message.envelope_sender)
    # End the read before writing: SQLite cannot turn a read snapshot into a write lock safely.
    db.session.rollback()
    return_paths = [t for t in map(return_path_token, recipients) if t]
    tokens = [t for t in map(unsubscribe_token, recipients) if t]
    # Each valid token is honoured on its own commit first: it is idempotent, so a retry after a
    # failure further on changes nothing twice (standards D24: whatever the body says).
    honoured = [token for token in tokens if _unsubscribe(token)]
    contact_us = len(honoured) + len(return_paths) < len(recipients) or not recipients

    begin_write()
    message = db.session.get(
        InboundMessage, message_id, with_for_update=True, populate_existing=True
    )
    if message is None or message.state != MessageState.STORED.value:
        db.session.rollback()
        return
    _record_analysis(message, analysis)
    if report.is_bounce_or_complaint:
        # Recorded, never answered and never a request (standards G41-G42).
        message.outcome = bounce_records.record(report, return_paths, message).value
    elif contact_us:
        _handle_contact_us(message, analysis)
    elif honoured:
        message.outcome = MessageOutcome.UNSUBSCRIBED.value
    else:
        # Only to our return path, and no report: an auto-reply to it, say. Nobody asked anything.
        message.outcome = MessageOutcome.MACHINE_GENERATED.value
        if not message.machine_generated:
            message.machine_generated = True
            message.machine_reason = "sent to our return path, not a bounce report"
    if message.state == MessageState.STORED.value:
        message.state = MessageState.PROCESSED.value
    db.session.commit()


def _report(analysis: Analysis, envelope_sender: str | None) -> bounces.Report:
    if analysis.parsed is None:
        return bounces.NOTHING
    return bounces.report_of(
        analysis.parsed, envelope_sender=envelope_sender, own_domains=inbound_domains()
    )


def _addressed_to_us(analysis: Analysis) -> list[str]:
    return [a for a in analysis.parsed.addressed_to() if is_ours(a)] if analysis.parsed else []


def _unsubscribe(token: str) -> bool:
    try:
        unsubscribe_by_token(token, Channel.EMAIL)
    except DomainError:
        # Not a token of ours (damaged, or a case-folding relay): read as contact-us mail instead.
        db.session.rollback()
        return False
    return True


def _record_analysis(message: InboundMessage, analysis: Analysis) -> None:
    parsed = analysis.parsed
    if parsed is None:
        return
    message.from_address = parsed.from_address[:320] if parsed.from_address else None
    message.from_name = parsed.from_name[:200] if parsed.from_name else None
    message.subject = parsed.subject
    message.text = parsed.new_text
    message.quoted_text = parsed.quoted_text
    message.attachments = [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size}
        for a in parsed.attachments
    ]
    message.machine_generated = analysis.machine_reason is not None
    message.machine_reason = analysis.machine_reason
    if analysis.classification is not None:
        result = analysis.classification
        message.kind = result.kind.value
        message.kinds = [kind.value for kind in result.kinds]
        message.confidence = result.confidence
        message.language = result.language
        message.reasons = list(result.reasons)


def _handle_contact_us(message: InboundMessage, analysis: Analysis) -> None:
    if analysis.parsed is None:
        message.state = MessageState.UNPARSED.value
        return
    if analysis.machine_reason is not None:
        message.outcome = MessageOutcome.MACHINE_GENERATED.value
        return
    requester = _requester(message)
    if requester is None or analysis.classification is None:
        # Nobody to answer: a person has to read it.
        message.state = MessageState.UNPARSED.value
        return
    references = [
        *privacy_requests.references_in(" ".join(analysis.parsed.replies_to)),
        *privacy_requests.references_in(analysis.parsed.subject),
    ]
    earlier = privacy_requests.replied_to(references, requester)
    if earlier:
        for request in earlier:
            request.messages.append(message)
        message.outcome = MessageOutcome.APPENDED.value
        return
    opened = [
        privacy_requests.open_request(
            RequestKind(kind), requester, message, analysis.classification.language
        )
        for kind in analysis.classification.kinds
    ]
    # Only a person's message reaches this point: machine mail is never answered (G41-G43).
    privacy_requests.acknowledge(opened)
    message.outcome = MessageOutcome.REQUEST_OPENED.value


def _requester(message: InboundMessage) -> Address | None:
    for candidate in (message.from_address, message.envelope_sender):
        if candidate:
            try:
                return normalise(candidate)
            except InvalidAddress:
                continue
    return None
