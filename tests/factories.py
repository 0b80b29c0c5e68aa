"""Test data built through the same services the app uses."""

from __future__ import annotations

from collections.abc import Iterable

from prefcenter.extensions import db
from prefcenter.models import Channel, Contact
from prefcenter.services import api_keys, contacts
from prefcenter.services.addresses import normalise
from prefcenter.services.subscriptions import ConsentSource
from prefcenter.services.suppressions import suppress

TEST_SOURCE = ConsentSource(Channel.API.value, "test", "v1")


def make_contact(
    email: str = "jane@example.com",
    categories: Iterable[str] = ("marketing", "updates", "promotional"),
    name: str | None = "Jane Doe",
) -> Contact:
    change = contacts.upsert(email, TEST_SOURCE, name=name, categories=categories)
    db.session.commit()
    return change.contact


def make_suppression(email: str, scope: str = "all", reason: str = "staff") -> None:
    suppress(normalise(email), scope, reason=reason, channel=Channel.STAFF.value)
    db.session.commit()


def make_api_key(name: str = "sender") -> str:
    return api_keys.create(name)[1]
