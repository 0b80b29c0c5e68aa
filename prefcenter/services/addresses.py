"""Email addresses: normalisation, case-insensitive identity and the keyed hash used for suppression."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from prefcenter.errors import InvalidAddress
from prefcenter.models import Contact, PrivacyRequest


@dataclass(frozen=True)
class Address:
    """A validated address: `email` as it should be written, `key` for comparing and hashing."""

    email: str
    key: str


def normalise(raw: str) -> Address:
    """Validate and normalise an address; raises InvalidAddress with the validator's reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidAddress("An email address is required.")
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from None
    # Local parts are case-sensitive in theory but nobody relies on it; identity ignores case.
    return Address(email=result.normalized, key=result.normalized.lower())


def address_hash(address: Address) -> str:
    """Keyed HMAC-SHA256 of the address: suppression entries hold this, never the address."""
    key = current_app.config["HASH_KEY"].encode()
    return hmac.new(key, address.key.encode(), hashlib.sha256).hexdigest()


def of_contact(contact: Contact) -> Address:
    """A stored contact's address, already normalised when it was saved."""
    return Address(email=contact.email, key=contact.email_key)


def of_requester(request: PrivacyRequest) -> Address:
    """A request's requester, normalised when the request was opened."""
    return Address(email=request.requester_email, key=request.requester_key)


def mask(email: str) -> str:
    """j***@example.com: enough for a person to recognise their address, not to harvest it."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"
