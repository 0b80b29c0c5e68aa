"""Tables. Models describe data only; behaviour lives in `prefcenter.services`."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, TypeDecorator, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prefcenter.extensions import db

ALL_CATEGORIES = "all"


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns an aware datetime (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class SubscriptionStatus(enum.StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class Channel(enum.StrEnum):
    """Where a consent change came from (standards F37: prove how consent was given)."""

    API = "api"
    IMPORT = "import"
    ONE_CLICK = "one_click"
    PREFERENCE_PAGE = "preference_page"
    EMAIL = "email"
    STAFF = "staff"
    GPC = "gpc"


class Contact(db.Model):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public id named by tokens: random and never reused, unlike a row id after a deletion.
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    # Lower-cased normalised address: the one used for lookups and uniqueness.
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", lazy="selectin"
    )


class Subscription(db.Model):
    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("contact_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    contact: Mapped[Contact] = relationship(back_populates="subscriptions")


class ConsentEvent(db.Model):
    """Append-only history of consent changes: who, when, what, through which channel, wording."""

    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_event_contact_occurred", "contact_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(64))
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    wording_version: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Suppression(db.Model):
    """Do-not-mail entry keyed by a keyed hash of the address, so it outlives erasure of the contact."""

    __tablename__ = "suppression"
    __table_args__ = (UniqueConstraint("address_hash", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    # A category key, or "all".
    scope: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(db.Model):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # First characters of the key, to tell keys apart in listings without revealing them.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AppendOnlyViolation(Exception):
    """Raised when code tries to change or remove a history row."""


@event.listens_for(ConsentEvent, "before_update")
@event.listens_for(ConsentEvent, "before_delete")
def _refuse_history_change(mapper: object, connection: object, target: ConsentEvent) -> None:
    raise AppendOnlyViolation("consent history is append-only")
