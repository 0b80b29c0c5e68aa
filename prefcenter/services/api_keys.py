"""API keys for sending systems: random, shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.errors import DomainError, Unauthorized
from prefcenter.extensions import db
from prefcenter.models import ApiKey

KEY_PREFIX = "pck_"


class ApiKeyNameTaken(DomainError):
    status = 409
    code = "api_key_name_taken"


def _digest(key: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def create(name: str) -> tuple[ApiKey, str]:
    """A new key named `name`; returns the row and the key, which is not stored anywhere."""
    name = name.strip()
    begin_write()
    if not name or db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyNameTaken(f"An API key named {name!r} exists already, or the name is empty.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, prefix=key[:10], key_hash=_digest(key), created_at=now())
    db.session.add(row)
    db.session.commit()
    return row, key


def authenticate(authorization: str | None) -> ApiKey:
    """The live key named by an `Authorization: Bearer <key>` header; Unauthorized otherwise."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    row = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(key.strip())))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("That API key is not valid or was revoked.")
    return row


def list_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke(name: str) -> bool:
    """Revoke the key named `name`; False if there is no such live key."""
    name = name.strip()
    begin_write()
    row = db.session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)))
    if row is None:
        return False
    row.revoked_at = now()
    db.session.commit()
    return True
