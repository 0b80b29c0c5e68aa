"""10,000 mutated tokens: bit flips, truncations, substitutions, insertions, case changes and
other purposes' or people's tokens. None is accepted by the token service; over HTTP none gets a
500 and none changes anything in the database (standards A5)."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.encoding import base64_decode
from sqlalchemy import select

from prefcenter.errors import TokenInvalid
from prefcenter.extensions import db
from prefcenter.models import RequestKind
from prefcenter.services.links import preferences_token, unsubscribe_token
from prefcenter.services.request_links import (
    export_url,
    load_export,
    load_status,
    load_verification,
    status_url,
    verification_url,
)
from prefcenter.services.tokens import Purpose, token_service
from tests.factories import make_contact
from tests.inbound import compose, receive
from tests.reliability.hostile_strategies import fresh_client_address

MUTATIONS = 10_000
SEED = 20261124
# Each kind of token, the function that reads it, and the pages that take it.
LOADERS: dict[str, Callable[[str], Any]] = {
    "unsubscribe": lambda token: token_service().load(Purpose.UNSUBSCRIBE, token),
    "preferences": lambda token: token_service().load(Purpose.PREFERENCES, token),
    "verification": load_verification,
    "status": load_status,
    "export": load_export,
}
PAGES = {
    "unsubscribe": [("GET", "/u/{}"), ("POST", "/u/{}")],
    "preferences": [("GET", "/p/{}"), ("POST", "/p/{}")],
    "verification": [("GET", "/v/{}"), ("POST", "/v/{}")],
    "status": [("GET", "/r/{}")],
    "export": [("GET", "/x/{}")],
}
HTTP_SAMPLE = 60  # mutated tokens per page and method
ALPHABET = string.ascii_letters + string.digits + "-_.=~+/%!\x00 é\u2028"


def last_segment(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture
def issued(app: Flask) -> dict[str, list[str]]:
    """Live tokens of every kind, for two people: the originals the mutations start from."""
    tokens: dict[str, list[str]] = {kind: [] for kind in LOADERS}
    for sender, text in (
        ("jane@customer.example.net", "Please delete all my personal data."),
        ("bob@customer.example.net", "What personal data do you hold about me?"),
    ):
        contact = make_contact(sender)
        requests = receive(compose(text, sender=sender)).requests
        [request] = [r for r in requests if r.kind in (RequestKind.DELETION, RequestKind.ACCESS)]
        tokens["unsubscribe"].append(unsubscribe_token(contact, "marketing"))
        tokens["preferences"].append(preferences_token(contact))
        tokens["verification"].append(last_segment(verification_url(request)))
        tokens["status"].append(last_segment(status_url(request)))
        tokens["export"].append(last_segment(export_url(request)))
    db.session.commit()
    return tokens


def mutate(token: str, rng: random.Random, foreign: list[str], others: list[str]) -> str:
    """One hostile variant of `token`, never the token itself: `foreign` are other purposes'
    tokens, `others` also the same purpose's tokens of other people."""
    while True:
        at = rng.randrange(len(token))
        operation = rng.randrange(9)
        if operation == 0:  # flip one bit of one character
            flipped = chr(ord(token[at]) ^ (1 << rng.randrange(8)))
            mutated = token[:at] + flipped + token[at + 1 :]
        elif operation == 1:  # cut the end, or the start
            mutated = token[:at] if rng.random() < 0.7 else token[at + 1 :]
        elif operation == 2:  # another character in its place
            mutated = token[:at] + rng.choice(ALPHABET) + token[at + 1 :]
        elif operation == 3:  # a character more
            mutated = token[:at] + rng.choice(ALPHABET) + token[at:]
        elif operation == 4:  # a character less
            mutated = token[:at] + token[at + 1 :]
        elif operation == 5:  # two neighbours swapped
            mutated = token[:at] + token[at + 1 : at + 2] + token[at : at + 1] + token[at + 2 :]
        elif operation == 6:  # another purpose's, whole
            mutated = rng.choice(foreign)
        elif operation == 7:  # this one's value with another's signature, or the reverse
            other = rng.choice(others)
            value, signature = token.rpartition(".")[0], other.rpartition(".")[2]
            if rng.random() < 0.5:
                value, signature = other.rpartition(".")[0], token.rpartition(".")[2]
            mutated = f"{value}.{signature}"
        else:  # what a mail relay or a careless copy does to a link
            mutated = rng.choice(
                [token.lower(), token.upper(), token.swapcase(), token + token[-3:], " " + token]
            )
        if mutated != token:
            return mutated


def strangers(issued: dict[str, list[str]], kind: str, token: str) -> tuple[list[str], list[str]]:
    """(other purposes' tokens, every other token) for `mutate`."""
    foreign = [other for k, tokens in issued.items() if k != kind for other in tokens]
    return foreign, [other for tokens in issued.values() for other in tokens if other != token]


def test_every_issued_token_is_accepted_as_it_was_issued(issued: dict[str, list[str]]) -> None:
    for kind, tokens in issued.items():
        for token in tokens:
            LOADERS[kind](token)


def test_ten_thousand_mutated_tokens_are_refused(issued: dict[str, list[str]]) -> None:
    # standards A5: a tampered token, or A's token for B, is refused.
    rng = random.Random(SEED)
    per_token = MUTATIONS // sum(map(len, issued.values()))
    tried, accepted = 0, []
    for kind, tokens in issued.items():
        for token in tokens:
            for _ in range(per_token):
                mutated = mutate(token, rng, *strangers(issued, kind, token))
                tried += 1
                try:
                    LOADERS[kind](mutated)
                except TokenInvalid:  # expired and used links are TokenInvalid too
                    continue
                accepted.append((kind, token, mutated))
    assert tried == MUTATIONS
    assert accepted == []


@pytest.mark.parametrize("kind", LOADERS)
def test_a_respelled_signature_is_refused(issued: dict[str, list[str]], kind: str) -> None:
    # itsdangerous reads base64 leniently: the unused low bits of a signature's last character
    # can differ, or padding be added, and it decodes to the same bytes. A token has one spelling.
    token = issued[kind][0]
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    other_last = alphabet[alphabet.index(token[-1]) ^ 0b0001]
    for respelling in (token[:-1] + other_last, token + "=="):
        assert base64_decode(respelling.rpartition(".")[2]) == base64_decode(
            token.rpartition(".")[2]
        ), "not a respelling of the same signature"
        with pytest.raises(TokenInvalid):
            LOADERS[kind](respelling)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    db.session.rollback()
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def test_mutated_tokens_over_http_are_refused_and_change_nothing(
    client: FlaskClient, issued: dict[str, list[str]]
) -> None:
    rng = random.Random(SEED + 1)
    before = snapshot()
    statuses = set()
    for kind, pages in PAGES.items():
        token = issued[kind][0]
        for method, path in pages * HTTP_SAMPLE:
            mutated = mutate(token, rng, *strangers(issued, kind, token))
            response = client.open(
                path.format(quote(mutated, safe="")),
                method=method,
                data={"List-Unsubscribe": "One-Click"} if method == "POST" else None,
                environ_overrides=fresh_client_address(),
            )
            # 400 for a refused token; 404 when it holds a "/" and so names no page.
            assert response.status_code in (400, 404), (method, path, mutated, response.status)
            statuses.add(response.status_code)
    assert 400 in statuses
    assert snapshot() == before
