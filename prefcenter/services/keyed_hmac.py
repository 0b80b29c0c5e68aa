"""HMAC-SHA256 under a few fixed keys, without repeating the key schedule for every message."""

from __future__ import annotations

import functools
import hashlib
import hmac


def hmac_sha256(key: bytes, message: bytes) -> hmac.HMAC:
    """hmac.new(key, message, sha256), from a copy of the keyed state: a send hashes and signs
    every recipient under the same keys, and copying skips the key schedule hmac.new repeats."""
    mac = _keyed(key).copy()
    mac.update(message)
    return mac


@functools.lru_cache(maxsize=32)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)
