"""Signed tokens: one itsdangerous signer per purpose; library errors become TokenInvalid.

A token is `<contact uid>[.<category>].<signature>`. It must fit in the local part of
`unsubscribe+<token>@domain`, which RFC 5321 caps at 64 octets, so the payload is a compact
string rather than serialised JSON and the HMAC-SHA256 is truncated to 128 bits (RFC 2104, 5).
An unsubscribe token is about 47 characters; see tests/test_tokens.py.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from itsdangerous import BadData, Signer
from itsdangerous.signer import SigningAlgorithm

from prefcenter.errors import TokenInvalid

SIGNATURE_BYTES = 16


class Purpose(StrEnum):
    """Each purpose is its own salt, so a token for one can never be used for another."""

    UNSUBSCRIBE = "unsubscribe"
    PREFERENCES = "preferences"


def oldest_first(secret_keys: list[str]) -> list[str]:
    """Configured keys (newest first) as itsdangerous takes them: it signs with the last."""
    return list(reversed(secret_keys))


class TruncatedHMACSHA256(SigningAlgorithm):
    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, hashlib.sha256).digest()[:SIGNATURE_BYTES]


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
        algorithm = TruncatedHMACSHA256()
        self._signers = {
            purpose: Signer(keys, salt=f"prefcenter.{purpose}", algorithm=algorithm)
            for purpose in Purpose
        }

    def sign(self, purpose: Purpose, subject: TokenSubject) -> str:
        parts = (
            [subject.contact_uid]
            if subject.category is None
            else [subject.contact_uid, subject.category]
        )
        return self._signers[purpose].sign(".".join(parts)).decode()

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
