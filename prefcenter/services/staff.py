"""Staff accounts: argon2id password hashes, one-time set-password links, sign-in checks."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from prefcenter.clock import now
from prefcenter.database import begin_write
from prefcenter.errors import DomainError, TokenExpired, TokenInvalid, ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import StaffMember, StaffRole
from prefcenter.services.addresses import normalise
from prefcenter.services.tokens import expiring_serializer

MIN_PASSWORD = 12
SET_PASSWORD_SALT = "prefcenter.set_password"
SET_PASSWORD_HOURS = 24
_hasher = PasswordHasher()
# Verified when no account matches, so a wrong address costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("no such account")


class StaffExists(DomainError):
    status = 409
    code = "staff_exists"
    title = "That person already has an account"


def find(email: str) -> StaffMember | None:
    key = normalise(email).key
    return db.session.scalar(select(StaffMember).where(StaffMember.email == key))


def create(email: str, role: StaffRole) -> StaffMember:
    begin_write()
    if find(email) is not None:
        raise StaffExists(f"{email} already has an account.")
    member = StaffMember(email=normalise(email).key, role=role.value, created_at=now())
    db.session.add(member)
    return member


def set_password(member: StaffMember, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed({"password": f"must be at least {MIN_PASSWORD} characters"})
    member.password_hash = _hasher.hash(password)


def authenticate(email: str, password: str) -> StaffMember | None:
    """The active member with this address and password, else None (and no hint which was wrong)."""
    try:
        member = find(email)
    except DomainError:
        member = None
    hashed = member.password_hash if member and member.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None or member.password_hash is None or member.disabled_at is not None:
        return None
    return member


def _serializer() -> URLSafeTimedSerializer:
    return expiring_serializer(SET_PASSWORD_SALT)


def _fingerprint(member: StaffMember) -> str:
    # Changes when the password does: a used link stops working.
    return hashlib.sha256((member.password_hash or "").encode()).hexdigest()[:16]


def set_password_url(member: StaffMember) -> str:
    token = _serializer().dumps([member.id, _fingerprint(member)])
    return f"{current_app.config['BASE_URL']}/console/set-password/{token}"


def member_for_set_password(token: str) -> StaffMember:
    try:
        member_id, fingerprint = _serializer().loads(token, max_age=SET_PASSWORD_HOURS * 3600)
    except SignatureExpired:
        raise TokenExpired(
            "This set-password link has expired; ask an admin for a new one."
        ) from None
    except (BadData, ValueError, TypeError):
        raise TokenInvalid("This link is damaged or was not made by us.") from None
    member = db.session.get(StaffMember, member_id)
    if member is None or _fingerprint(member) != fingerprint or member.disabled_at is not None:
        raise TokenInvalid("This link was already used.")
    return member
