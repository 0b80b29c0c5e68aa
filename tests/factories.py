"""Test data built through the same services the app uses."""

from __future__ import annotations

from collections.abc import Iterable

from prefcenter.extensions import db
from prefcenter.models import Channel, Contact, StaffMember, StaffRole
from prefcenter.services import api_keys, contacts, staff
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


STAFF_PASSWORD = "correct horse battery staple"


def make_staff(email: str = "agent@example.com", role: str = "agent") -> StaffMember:
    member = staff.create(email, StaffRole(role))
    staff.set_password(member, STAFF_PASSWORD)
    db.session.commit()
    return member
