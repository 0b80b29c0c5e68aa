"""Signed tokens: one salt per purpose, key rotation, and a length that fits a mailbox name."""

from __future__ import annotations

import pytest
from flask import Flask
from itsdangerous import Signer

from prefcenter.errors import TokenInvalid
from prefcenter.services.tokens import Purpose, TokenService, TokenSubject, TruncatedHMACSHA256

SUBJECT = TokenSubject("7viidOIx-DQ1", "promotional")


def test_round_trip_names_contact_and_category_only() -> None:
    service = TokenService(["key"])
    assert service.load(Purpose.UNSUBSCRIBE, service.sign(Purpose.UNSUBSCRIBE, SUBJECT)) == SUBJECT


@pytest.mark.parametrize("subject", [SUBJECT, TokenSubject("7viidOIx-DQ1")])
def test_tokens_are_what_itsdangerous_signs_so_links_already_sent_keep_working(
    subject: TokenSubject,
) -> None:
    # Signing skips the library's per-call set-up; the tokens must not change because of it.
    value = ".".join(p for p in (subject.contact_uid, subject.category) if p)
    for purpose in Purpose:
        signer = Signer(["key"], salt=f"prefcenter.{purpose}", algorithm=TruncatedHMACSHA256())
        assert TokenService(["key"]).sign(purpose, subject) == signer.sign(value).decode()


def test_a_token_for_one_purpose_is_refused_for_another() -> None:
    service = TokenService(["key"])
    token = service.sign(Purpose.PREFERENCES, TokenSubject("7viidOIx-DQ1"))
    with pytest.raises(TokenInvalid):
        service.load(Purpose.UNSUBSCRIBE, token)


def test_old_key_still_verifies_and_new_tokens_use_the_newest() -> None:
    before_rotation = TokenService(["old"]).sign(Purpose.UNSUBSCRIBE, SUBJECT)
    rotated = TokenService(["new", "old"])
    assert rotated.load(Purpose.UNSUBSCRIBE, before_rotation) == SUBJECT
    after_rotation = rotated.sign(Purpose.UNSUBSCRIBE, SUBJECT)
    assert TokenService(["new"]).load(Purpose.UNSUBSCRIBE, after_rotation) == SUBJECT
    with pytest.raises(TokenInvalid):
        TokenService(["old"]).load(Purpose.UNSUBSCRIBE, after_rotation)


def test_a_key_that_was_removed_no_longer_verifies() -> None:
    token = TokenService(["retired"]).sign(Purpose.UNSUBSCRIBE, SUBJECT)
    with pytest.raises(TokenInvalid):
        TokenService(["new", "old"]).load(Purpose.UNSUBSCRIBE, token)


def test_token_fits_in_an_unsubscribe_mailbox_local_part(app: Flask) -> None:
    # RFC 5321 caps a local part at 64 octets: `unsubscribe+<token>` must fit, for the longest
    # category key the configuration allows (16 characters) and a real contact id.
    from prefcenter.services.contacts import new_uid

    token = TokenService(["key"]).sign(Purpose.UNSUBSCRIBE, TokenSubject(new_uid(), "x" * 16))
    assert len(f"unsubscribe+{token}") <= 64
    print(f"unsubscribe token length with a 16-character category: {len(token)}")


@pytest.mark.parametrize("token", ["", ".", "..", "a.b.c.d", "é.x", "a" * 5000])
def test_malformed_tokens_are_invalid_not_errors(token: str) -> None:
    with pytest.raises(TokenInvalid):
        TokenService(["key"]).load(Purpose.UNSUBSCRIBE, token)
