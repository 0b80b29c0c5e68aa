"""The change feed: every consent change, suppression, erasure, request status change, bounce and
complaint, in commit order, for the systems that send the mail (GET /api/v1/events, webhooks).

A change writes its event in its own transaction (`record`), so an event exists exactly when its
change committed. Ids are handed out at insert, not at commit: on PostgreSQL a reader could see
event 11 while event 10's transaction is still open, and a cursor past 11 would skip 10 for ever.
So the feed is ordered by `seq`, which `sequence` gives to committed events, one pass at a time
(an advisory lock on PostgreSQL, the one write lock on SQLite): each pass numbers what committed
since the last, above every number already given. A reader at cursor c can therefore never
later find an event numbered c or less. Events of one contact keep the order they happened in,
as every change to a contact holds the contact's row lock while it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadData
from sqlalchemy import Row, bindparam, func, insert, select, text, update

from prefcenter.clock import now
from prefcenter.database import WRITE_INTENT, read_connection
from prefcenter.errors import DomainError
from prefcenter.extensions import db
from prefcenter.models import ChangeEvent, ChangeEventType
from prefcenter.services.addresses import Address, address_hash
from prefcenter.services.tokens import lasting_serializer

CURSOR_SALT = "prefcenter.feed"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Events numbered per statement of a pass; a pass goes on until none is left.
SEQUENCE_BATCH = 5000
# pg_advisory_xact_lock key of the sequencer: "prefcenter feed" in a 64-bit integer.
_SEQUENCER_LOCK = 0x7072_6566_6665_6564

_TABLE = ChangeEvent.__table__
_RECORD = insert(_TABLE)
_UNNUMBERED = (
    select(
        _TABLE.c.id,
        func.row_number().over(order_by=_TABLE.c.id).label("position"),
    )
    .where(_TABLE.c.seq.is_(None))
    .order_by(_TABLE.c.id)
    .limit(SEQUENCE_BATCH)
    .subquery("unnumbered")
)
_NUMBERED = _TABLE.alias("numbered")
_HIGHEST = select(func.coalesce(func.max(_NUMBERED.c.seq), 0)).scalar_subquery()
_NUMBER = (
    update(_TABLE)
    .where(_TABLE.c.id == _UNNUMBERED.c.id)
    .values(seq=_HIGHEST + _UNNUMBERED.c.position)
)
_AFTER = (
    select(_TABLE)
    .where(_TABLE.c.seq > bindparam("after"))
    .order_by(_TABLE.c.seq)
    .limit(bindparam("limit"))
)
_LOCK_SEQUENCER = text("SELECT pg_advisory_xact_lock(:key)")


_CURSOR_HELP = "Pass `after` a cursor from this feed: an event's id, or `next`."


class InvalidCursor(DomainError):
    status = 400
    code = "invalid_cursor"
    title = "The cursor is not one this feed gave out"


def record(
    type: ChangeEventType,
    *,
    address: Address | None = None,
    contact_uid: str | None = None,
    category: str | None = None,
    old: str | None = None,
    new: str | None = None,
    channel: str | None = None,
    detail: str | None = None,
    request_reference: str | None = None,
    at: datetime | None = None,
) -> None:
    """Write one event in the caller's transaction (past the unit of work, like the change)."""
    db.session.connection().execute(
        _RECORD,
        {
            "type": type.value,
            "contact_uid": contact_uid,
            "email": address.email if address else None,
            "address_hash": address_hash(address) if address else None,
            "category": category,
            "old": old,
            "new": new,
            "channel": channel,
            "detail": detail[:64] if detail else None,
            "request_reference": request_reference,
            "occurred_at": at or now(),
        },
    )


def sequence() -> int:
    """Number every committed event that has no number yet; how many.

    Runs in a transaction of its own, on a connection of its own. It first ends the session's
    transaction, which must be a read (an API key's lookup, say): on SQLite that read's snapshot
    would not show the numbering, and the session could not write on top of it. Never call it
    while this thread holds a write transaction (on SQLite it would wait for its own lock).
    """
    db.session.rollback()
    numbered = 0
    with db.engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_INTENT: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(_LOCK_SEQUENCER, {"key": _SEQUENCER_LOCK})
            while True:
                count = connection.execute(_NUMBER).rowcount
                numbered += count
                if count < SEQUENCE_BATCH:
                    break
    return numbered


@dataclass(frozen=True)
class FeedPage:
    events: list[Row[Any]]
    # The cursor to ask with next: the last event's, or the one asked with when none was new.
    next: str
    more: bool


def encode_cursor(seq: int) -> str:
    return lasting_serializer(CURSOR_SALT).dumps(seq)


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor stands for; the start of the feed for None or ""."""
    if not cursor:
        return 0
    try:
        seq = lasting_serializer(CURSOR_SALT).loads(cursor)
    except (BadData, UnicodeError):
        raise InvalidCursor(_CURSOR_HELP) from None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise InvalidCursor(_CURSOR_HELP)
    return seq


def read_after(after: int, limit: int) -> list[Row[Any]]:
    """Numbered events after position `after`, in feed order (call `sequence` first).

    Read on a connection whose statements each see the latest commit: the caller's session may
    hold a SQLite snapshot older than the numbering `sequence` just committed.
    """
    with read_connection() as connection:
        return list(connection.execute(_AFTER, {"after": after, "limit": limit}))


def page(cursor: str | None, limit: int = DEFAULT_LIMIT) -> FeedPage:
    """What a reader at `cursor` has not seen yet, at most `limit` events."""
    after = decode_cursor(cursor)
    sequence()
    events = read_after(after, limit + 1)
    shown = events[:limit]
    next_cursor = encode_cursor(shown[-1].seq) if shown else (cursor or encode_cursor(0))
    return FeedPage(shown, next_cursor, len(events) > limit)


def event_json(event: Row[Any] | ChangeEvent) -> dict[str, Any]:
    """A numbered event as the feed and webhooks show it; `id` is also a cursor that resumes
    after it."""
    return {
        "id": encode_cursor(event.seq),
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "contact": event.contact_uid,
        "email": event.email,
        "category": event.category,
        "old": event.old,
        "new": event.new,
        "channel": event.channel,
        "detail": event.detail,
        "request": event.request_reference,
    }


def forget_address(address: Address) -> None:
    """Blank the address from the events recorded about it (erasure). Not committed."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # The sequencer's lock first, as the sequencer takes it: each then waits for the other's
        # whole transaction instead of both locking rows the other holds (a deadlock).
        connection.execute(_LOCK_SEQUENCER, {"key": _SEQUENCER_LOCK})
    db.session.execute(
        update(ChangeEvent)
        .where(ChangeEvent.address_hash == address_hash(address))
        .values(email=None)
        .execution_options(synchronize_session=False)
    )
