"""Signed tokens: one itsdangerous signer per purpose; library errors become TokenInvalid.

A token is `<contact uid>[.<category>].<signature>`. It must fit in the local part of
`unsubscribe+<token>@domain`, which RFC 5321 caps at 64 octets, so the payload is a compact
string rather than serialised JSON and the HMAC-SHA256 is truncated to 128 bits (RFC 2104, 5).
An unsubscribe token is about 47 characters; see tests/test_tokens.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import current_app
from itsdangerous import BadData, Signer, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode, want_bytes
from itsdangerous.signer import SigningAlgorithm

from prefcenter.errors import TokenInvalid
from prefcenter.services.keyed_hmac import hmac_sha256

SIGNATURE_BYTES = 16


class Purpose(StrEnum):
    """Each purpose is its own salt, so a token for one can never be used for another."""

    UNSUBSCRIBE = "unsubscribe"
    PREFERENCES = "preferences"
    # The return path `bounce+<token>@` (VERP): names the recipient a bounce is about.
    BOUNCE = "bounce"


def oldest_first(secret_keys: list[str]) -> list[str]:
    """Configured keys (newest first) as itsdangerous takes them: it signs with the last."""
    return list(reversed(secret_keys))


class TruncatedHMACSHA256(SigningAlgorithm):
    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac_sha256(key, value).digest()[:SIGNATURE_BYTES]


class _CanonicalSignature(Signer):
    """Refuses a signature spelled other than as we write it.

    itsdangerous decodes base64 leniently: other values of the unused low bits of the last
    character, or added padding, decode to the same signature. Such a token names the same person
    and grants nothing more, but a token should have one spelling (standards A5).
    """

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        sig = want_bytes(sig)
        try:
            canonical = base64_encode(base64_decode(sig)) == sig
        except BadData:
            return False
        return canonical and super().verify_signature(value, sig)


class _CanonicalSigner(_CanonicalSignature, Signer):
    pass


class _CanonicalTimestampSigner(_CanonicalSignature, TimestampSigner):
    pass


def expiring_serializer(salt: str) -> URLSafeTimedSerializer:
    """Signs data for links that expire (verification, export, staff password links)."""
    keys = oldest_first(current_app.config["SECRET_KEYS"])
    return URLSafeTimedSerializer(keys, salt=salt, signer=_CanonicalTimestampSigner)


def lasting_serializer(salt: str) -> URLSafeSerializer:
    """Signs data for links that last (a request's status page)."""
    keys = oldest_first(current_app.config["SECRET_KEYS"])
    return URLSafeSerializer(keys, salt=salt, signer=_CanonicalSigner)


class _KeyCachingSigner(_CanonicalSigner):
    """itsdangerous derives the key from secret and salt on every call; both are fixed here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(secret)
        if derived is None:
            derived = self._derived.setdefault(secret, super().derive_key(secret))
        return derived


@dataclass(frozen=True)
class TokenSubject:
    """What a token names: a contact's public id and, for unsubscribe tokens, a category."""

    contact_uid: str
    category: str | None = None


_INVALID = "This link is damaged or was not made by us."


class TokenService:
    """Signs with the newest key; verifies with any configured key (rotation)."""

    def __init__(self, secret_keys: list[str]) -> None:
        keys = oldest_first(secret_keys)
        self._algorithm = TruncatedHMACSHA256()
        self._signers = {
            purpose: _KeyCachingSigner(
                keys, salt=f"prefcenter.{purpose}", algorithm=self._algorithm
            )
            for purpose in Purpose
        }

    def sign(self, purpose: Purpose, subject: TokenSubject) -> str:
        value = (
            subject.contact_uid
            if subject.category is None
            else f"{subject.contact_uid}.{subject.category}"
        )
        # What Signer.sign makes (tests/test_tokens.py compares them), without its per-call key
        # derivation and conversions: a send signs three tokens for each of its recipients.
        key = self._signers[purpose].derive_key()
        signature = self._algorithm.get_signature(key, value.encode())
        return f"{value}.{base64_encode(signature).decode()}"

    def load(self, purpose: Purpose, token: str) -> TokenSubject:
        """The subject of a valid token; TokenInvalid for anything else, whatever went wrong."""
        try:
            value = self._signers[purpose].unsign(token.encode()).decode()
        except (BadData, UnicodeError):
            raise TokenInvalid(_INVALID) from None
        parts = value.split(".")
        if not 1 <= len(parts) <= 2 or not all(parts):
            raise TokenInvalid(_INVALID)
        return TokenSubject(*parts)


def token_service() -> TokenService:
    return current_app.extensions["prefcenter.tokens"]
