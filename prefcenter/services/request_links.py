"""Links in our messages about a request: identity verification (single use, expiring) and the
requester's status page (lasting, like an unsubscribe link)."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadData, SignatureExpired

from prefcenter.errors import TokenExpired, TokenInvalid
from prefcenter.models import PrivacyRequest
from prefcenter.services.tokens import expiring_serializer, lasting_serializer

VERIFY_SALT = "prefcenter.verify"
STATUS_SALT = "prefcenter.status"
_INVALID = "This link is damaged or was not made by us."


def verification_token(request: PrivacyRequest) -> str:
    """A new link that confirms this request once; any earlier link stops working."""
    request.verification_nonce = secrets.token_urlsafe(16)
    return expiring_serializer(VERIFY_SALT).dumps([request.reference, request.verification_nonce])


def verification_url(request: PrivacyRequest) -> str:
    return f"{current_app.config['BASE_URL']}/v/{verification_token(request)}"


def load_verification(token: str) -> tuple[str, str]:
    """(reference, nonce) of an unexpired link; TokenExpired or TokenInvalid otherwise."""
    max_age = current_app.config["VERIFICATION_HOURS"] * 3600
    try:
        reference, nonce = expiring_serializer(VERIFY_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenExpired("This confirmation link has expired.") from None
    except (BadData, ValueError, TypeError):
        raise TokenInvalid(_INVALID) from None
    return str(reference), str(nonce)


def verification_reference(token: str) -> str | None:
    """The reference a link of ours names, however old (to offer a new one); None if damaged."""
    try:
        reference, _nonce = expiring_serializer(VERIFY_SALT).loads(token)
    except (BadData, ValueError, TypeError):
        return None
    return str(reference)


EXPORT_SALT = "prefcenter.export"
EXPORT_DAYS = 7


def export_url(request: PrivacyRequest) -> str:
    """A download link for an access request's export, valid for EXPORT_DAYS."""
    token = expiring_serializer(EXPORT_SALT).dumps(request.reference)
    return f"{current_app.config['BASE_URL']}/x/{token}"


def load_export(token: str) -> str:
    try:
        return str(expiring_serializer(EXPORT_SALT).loads(token, max_age=EXPORT_DAYS * 86400))
    except SignatureExpired:
        raise TokenExpired("This download link has expired.") from None
    except BadData:
        raise TokenInvalid(_INVALID) from None


def status_token(reference: str) -> str:
    return lasting_serializer(STATUS_SALT).dumps(reference)


def status_url(request: PrivacyRequest) -> str:
    return f"{current_app.config['BASE_URL']}/r/{status_token(request.reference)}"


def load_status(token: str) -> str:
    try:
        return str(lasting_serializer(STATUS_SALT).loads(token))
    except BadData:
        raise TokenInvalid(_INVALID) from None
