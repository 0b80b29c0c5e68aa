"""The suppression list: addresses, by keyed hash, that must not be mailed for a category or at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

from prefcenter.clock import now
from prefcenter.database import InsertNew
from prefcenter.errors import InvalidAddress
from prefcenter.extensions import db
from prefcenter.models import ALL_CATEGORIES, ChangeEventType, Suppression
from prefcenter.services import change_feed
from prefcenter.services.addresses import Address, address_hash, normalise

# Addresses per IN (...) query. PostgreSQL plans 1,000 or more keys against 100,000 suppressions
# as a scan of the whole table (15 ms a query); at 500 it reads the unique index (2 ms), which
# bench/growth.py shows with EXPLAIN. SQLite uses the index at any size.
CHUNK = 500
# Built once, with its lists bound at each run: the check runs it a few times per batch.
_SUPPRESSED = select(Suppression.address_hash).where(
    Suppression.address_hash.in_(bindparam("hashes", expanding=True)),
    Suppression.scope.in_(bindparam("scopes", expanding=True)),
)
# Built once: an unsubscribe runs it on every click.
_ADD = InsertNew(Suppression.__table__, ["address_hash", "scope"], [Suppression.id])


def suppressed_hashes(hashes: Iterable[str], category: str | None) -> set[str]:
    """Those of `hashes` suppressed for `category` (or for all, when category is None)."""
    scopes = [ALL_CATEGORIES] if category is None else [ALL_CATEGORIES, category]
    wanted = list(dict.fromkeys(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(db.session.scalars(_SUPPRESSED, {"hashes": chunk, "scopes": scopes}))
    return found


def is_suppressed(address: Address, category: str | None = None) -> bool:
    """True if the address may not get mail of `category` (None: checks only the all-scope entry)."""
    return bool(suppressed_hashes([address_hash(address)], category))


def suppress(
    address: Address, scope: str, *, reason: str, channel: str, contact_uid: str | None = None
) -> bool:
    """Add a suppression unless one exists for that scope; True if one was added (and a
    `suppression.added` event recorded for the change feed)."""
    # Written past the unit of work: whatever the caller changed through it goes first (a lifted
    # entry's pending delete, say, which would otherwise remove this one after the fact).
    db.session.flush()
    connection = db.session.connection()
    at = now()
    entry = {
        "address_hash": address_hash(address),
        "scope": scope,
        "reason": reason,
        "channel": channel,
        "created_at": at,
    }
    if connection.execute(_ADD.on(connection), entry).first() is None:
        return False
    change_feed.record(
        ChangeEventType.SUPPRESSION_ADDED,
        address=address,
        contact_uid=contact_uid,
        category=scope,
        new=reason,
        channel=channel,
        at=at,
    )
    return True


@dataclass
class SendCheck:
    """The answer to "may I mail these addresses this category?", in the order given."""

    sendable: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def check_addresses(emails: list[str], category: str) -> SendCheck:
    """Split `emails` into sendable, suppressed and invalid for one category."""
    result = SendCheck()
    hashed: list[tuple[str, str]] = []
    for raw in emails:
        try:
            hashed.append((raw, address_hash(normalise(raw))))
        except InvalidAddress:
            result.invalid.append(raw)
    blocked = suppressed_hashes((digest for _, digest in hashed), category)
    for raw, digest in hashed:
        (result.suppressed if digest in blocked else result.sendable).append(raw)
    return result


def scopes_for(address: Address) -> set[str]:
    """Every scope the address is suppressed for: category keys and/or "all"."""
    digest = address_hash(address)
    return set(
        db.session.scalars(select(Suppression.scope).where(Suppression.address_hash == digest))
    )


def lift(
    address: Address, scopes: Iterable[str], *, channel: str, contact_uid: str | None = None
) -> None:
    """Remove suppressions: only ever because the person opted back in themselves."""
    digest = address_hash(address)
    for row in db.session.scalars(
        select(Suppression).where(Suppression.address_hash == digest, Suppression.scope.in_(scopes))
    ):
        db.session.delete(row)
        change_feed.record(
            ChangeEventType.SUPPRESSION_LIFTED,
            address=address,
            contact_uid=contact_uid,
            category=row.scope,
            old=row.reason,
            channel=channel,
        )
