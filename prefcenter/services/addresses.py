"""Email addresses: normalisation, case-insensitive identity and the keyed hash used for suppression."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Protocol

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from prefcenter.errors import InvalidAddress
from prefcenter.models import PrivacyRequest
from prefcenter.services.keyed_hmac import hmac_sha256


@dataclass(frozen=True)
class Address:
    """A validated address: `email` as it should be written, `key` for comparing and hashing."""

    email: str
    key: str


# RFC 5322 dot-atom of ASCII characters: a local part email-validator keeps exactly as written.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_PLAIN_DOMAIN = re.compile(r"[A-Za-z0-9.-]+")
MAX_ADDRESS = 254


def normalise(raw: str) -> Address:
    """Validate and normalise an address; raises InvalidAddress with the validator's reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidAddress("An email address is required.")
    raw = raw.strip()
    email = _plain(raw)
    if email is None:
        try:
            email = validate_email(raw, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise InvalidAddress(str(exc)) from None
    # Local parts are case-sensitive in theory but nobody relies on it; identity ignores case.
    return Address(email=email, key=email.lower())


def _plain(raw: str) -> str | None:
    """The normalised address when it is plain ASCII and its domain is known good, else None.

    A send of a million recipients repeats a few thousand domains: email-validator's domain
    checks (IDNA, special-use names, top-level domain) run once per domain, and the ASCII local
    part, which it leaves as written, needs only the dot-atom pattern and the length. Anything
    else goes through email-validator whole, which also words the error.
    """
    local, at, domain = raw.rpartition("@")
    if not at or len(raw) > MAX_ADDRESS:
        return None
    if not _PLAIN_LOCAL.fullmatch(local) or not _PLAIN_DOMAIN.fullmatch(domain):
        return None
    checked = _checked_domain(domain.lower())
    return f"{local}@{checked}" if checked is not None else None


@functools.lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    # Only domains email-validator writes back unchanged qualify (A-labels become Unicode).
    try:
        normalized = validate_email(f"x@{domain}", check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    return domain if normalized == f"x@{domain}" else None


def address_hash(address: Address) -> str:
    """Keyed HMAC-SHA256 of the address: suppression entries hold this, never the address."""
    return hmac_sha256(current_app.config["HASH_KEY"].encode(), address.key.encode()).hexdigest()


class StoredAddress(Protocol):
    """A contact's stored address: a loaded Contact, or a row that selected these columns."""

    @property
    def email(self) -> str: ...

    @property
    def email_key(self) -> str: ...


def of_contact(contact: StoredAddress) -> Address:
    """A stored contact's address, already normalised when it was saved."""
    return Address(email=contact.email, key=contact.email_key)


def of_requester(request: PrivacyRequest) -> Address:
    """A request's requester, normalised when the request was opened."""
    return Address(email=request.requester_email, key=request.requester_key)


def mask(email: str) -> str:
    """j***@example.com: enough for a person to recognise their address, not to harvest it."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"
