"""Tables. Models describe data only; behaviour lives in `prefcenter.services`."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
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
    # A delivery status notification (RFC 3464) or a spam complaint (RFC 5965) about our mail.
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


class Contact(db.Model):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public id named by tokens: random and never reused, unlike a row id after a deletion.
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    # Lower-cased normalised address: the one used for lookups and uniqueness.
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # Kept for correction requests (a person may ask to correct them); never needed to send mail.
    postal_address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(64))
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


class RequestKind(enum.StrEnum):
    """What a person asks for in a "contact us" message."""

    CORRECTION = "correction"
    DISCONTINUE = "discontinue"
    ACCESS = "access"
    DELETION = "deletion"
    OPT_OUT_SALE = "opt_out_sale"
    OTHER = "other"


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    COMPLETED = "completed"
    DENIED = "denied"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MessageState(enum.StrEnum):
    """How far intake got with a stored message; the raw bytes are kept in every state (until
    the retention purge, services/retention.py)."""

    STORED = "stored"  # committed, not yet processed (a crash here is picked up at restart)
    PROCESSED = "processed"
    UNPARSED = "unparsed"  # the MIME could not be read: a person must look at it
    FAILED = "failed"  # processing kept failing: a person must look at it


class MessageOutcome(enum.StrEnum):
    """What processing did with a message."""

    REQUEST_OPENED = "request_opened"
    APPENDED = "appended"
    UNSUBSCRIBED = "unsubscribed"
    MACHINE_GENERATED = "machine_generated"
    # A delivery status notification or a spam complaint about mail we sent: recorded, never
    # answered, never a request.
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


request_message = Table(
    "request_message",
    db.metadata,
    Column("request_id", Integer, ForeignKey("privacy_request.id"), primary_key=True),
    Column("message_id", Integer, ForeignKey("inbound_message.id"), primary_key=True),
)


class InboundMessage(db.Model):
    """A message received by SMTP or imported from a mailbox file, raw bytes and what we read."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ix_inbound_message_machine_received", "machine_generated", "id"),
        # The retention purge's question: which bodies not yet purged are older than the cutoff.
        Index("ix_inbound_message_purge", "purged_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Message-ID plus content hash: the same message delivered twice is stored once.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998))
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))
    # "" is the null sender <> of bounces; None when read from a file, which has no envelope.
    envelope_sender: Mapped[str | None] = mapped_column(String(320))
    envelope_recipients: Mapped[list[str]] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(String(32))
    from_address: Mapped[str | None] = mapped_column(String(320))
    from_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(Text)
    # The new text of the message; quoted replies and the signature are kept apart.
    text: Mapped[str | None] = mapped_column(Text)
    quoted_text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(8))
    machine_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    machine_reason: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str | None] = mapped_column(String(16))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # When the retention purge deleted the raw bytes, text and attachment list.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requests: Mapped[list[PrivacyRequest]] = relationship(
        secondary=request_message, back_populates="messages", order_by="PrivacyRequest.id"
    )


class PrivacyRequest(db.Model):
    """A tracked request from a person: correction, discontinue, access, deletion, ..."""

    __tablename__ = "privacy_request"
    __table_args__ = (Index("ix_privacy_request_kind_status", "kind", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public, unguessable reference quoted in mail subjects, e.g. PR-7KQ3-M9XD.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    requester_email: Mapped[str] = mapped_column(String(320))
    requester_key: Mapped[str] = mapped_column(String(320), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(8))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The message that opened the request; replies are linked through `messages`.
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"))
    # The requester's address matches no contact: acknowledged, nothing to act on.
    no_matching_record: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"rule", "label", "standard", "due"}], computed at receipt and at an extension.
    deadlines: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The one verification link that still works, by its random id; None once used or never sent.
    verification_nonce: Mapped[str | None] = mapped_column(String(32))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_request.id"))
    # Correction requests: [{"field", "new_value", "quote"}] for staff to check and apply.
    proposed_changes: Mapped[list[dict[str, str | None]]] = mapped_column(JSON, default=list)

    contact: Mapped[Contact | None] = relationship()
    messages: Mapped[list[InboundMessage]] = relationship(
        secondary=request_message, back_populates="requests", order_by="InboundMessage.id"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )


class RequestEvent(db.Model):
    """Append-only life of a request: every status change, who made it and when."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("privacy_request.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # "system", "requester", or a staff id.
    actor: Mapped[str] = mapped_column(String(120))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[PrivacyRequest] = relationship(back_populates="events")


class OutboxMessage(db.Model):
    """A message of ours, written in the same transaction as the event that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_request.id"), index=True)
    # acknowledgement, verification, completion, denial, extension, ...
    purpose: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(320))
    # Keyed hash of the recipient, for the per-address limit on automatic replies.
    recipient_hash: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # While `sending`: when the claim lapses if the worker died.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The relay's answer to the last attempt, or where the file was written.
    last_result: Mapped[str | None] = mapped_column(Text)


class StaffRole(enum.StrEnum):
    # Agents work the queue; admins also export the request log, see metrics and the audit trail.
    ADMIN = "admin"
    AGENT = "agent"


class StaffMember(UserMixin, db.Model):
    """A person who answers privacy requests in the console."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    # argon2id; None until the person sets a password through their one-time link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(db.Model):
    """Append-only record of every staff action: who, what, on which request or contact, when."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_request.id"), index=True)
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChangeEventType(enum.StrEnum):
    """What the change feed and webhooks report."""

    CONSENT_CHANGED = "consent.changed"
    SUPPRESSION_ADDED = "suppression.added"
    SUPPRESSION_LIFTED = "suppression.lifted"
    CONTACT_ERASED = "contact.erased"
    REQUEST_STATUS_CHANGED = "request.status_changed"
    BOUNCE_RECEIVED = "bounce.received"
    COMPLAINT_RECEIVED = "complaint.received"


class ChangeEvent(db.Model):
    """One change a sending system must follow, written in the transaction that made it.

    `seq` is the feed's order: None until `services.change_feed.sequence` numbers the row, after
    its transaction committed, so numbers follow commit order (ids follow insert order).
    """

    __tablename__ = "change_event"
    __table_args__ = (Index("ix_change_event_unsequenced", "seq", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    type: Mapped[str] = mapped_column(String(32))
    # The contact's public id, when the change concerns a contact.
    contact_uid: Mapped[str | None] = mapped_column(String(32))
    # The address when the change was made; blanked when the address is erased.
    email: Mapped[str | None] = mapped_column(String(320))
    address_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # A category key, "all" (a suppression's scope), or None.
    category: Mapped[str | None] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(String(32))
    new: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    # A suppression's reason, a bounce's status code, a request's kind.
    detail: Mapped[str | None] = mapped_column(String(64))
    request_reference: Mapped[str | None] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Bounce(db.Model):
    """A delivery failure or spam complaint reported about our mail to one address."""

    __tablename__ = "bounce"
    __table_args__ = (
        Index("ix_bounce_address_kind_received", "address_hash", "kind", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    # "hard", "soft" or "complaint".
    kind: Mapped[str] = mapped_column(String(16))
    # RFC 3463 status such as 5.1.1, when the report gave one.
    status: Mapped[str | None] = mapped_column(String(16))
    # The reporting MTA's words (Diagnostic-Code), shortened; blanked when the address is erased.
    diagnostic: Mapped[str | None] = mapped_column(String(300))
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookEndpoint(db.Model):
    """A URL that is POSTed every change event of the types it asked for, signed."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Event types (ChangeEventType values) this endpoint receives.
    events: Mapped[list[str]] = mapped_column(JSON)
    # HMAC-SHA256 key shared with the receiver; shown once, when the endpoint is added.
    secret: Mapped[str] = mapped_column(String(128))
    # The feed position up to which events have been queued as deliveries.
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    # Failed attempts in a row, of any delivery; a success resets it.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(String(200))

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", order_by="WebhookDelivery.id", cascade="all, delete-orphan"
    )


class WebhookDelivery(db.Model):
    """One change event to one endpoint: the webhook outbox, and its delivery log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("change_event.id"))
    # The JSON body POSTed, fixed when queued so that every attempt sends the same bytes.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # OutboxStatus values: pending, sending, sent, failed.
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The receiver's HTTP status of the last attempt, or why there was none.
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_result: Mapped[str | None] = mapped_column(String(300))

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")


class AppendOnlyViolation(Exception):
    """Raised when code tries to change or remove a history row."""


@event.listens_for(ConsentEvent, "before_update")
@event.listens_for(ConsentEvent, "before_delete")
@event.listens_for(RequestEvent, "before_update")
@event.listens_for(RequestEvent, "before_delete")
@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_history_change(mapper: object, connection: object, target: object) -> None:
    raise AppendOnlyViolation(f"{type(target).__tablename__} is append-only")
