"""Subscription changes, written past the session: a loaded contact still shows what is stored."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from prefcenter.database import begin_write
from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Subscription, SubscriptionStatus
from prefcenter.services.subscriptions import change_status, find_with_subscriptions, statuses
from tests.factories import TEST_SOURCE, make_contact
from tests.statements import statements

ON, OFF = SubscriptionStatus.SUBSCRIBED, SubscriptionStatus.UNSUBSCRIBED


def stored(contact_id: int) -> set[tuple]:
    query = select(
        Subscription.id, Subscription.category, Subscription.status, Subscription.updated_at
    ).where(Subscription.contact_id == contact_id)
    return {tuple(row) for row in db.session.execute(query)}


def test_a_loaded_contact_shows_the_changes_as_stored(app: Flask) -> None:
    made = make_contact(categories=["marketing"])
    jane_id, jane_uid = made.id, made.uid
    begin_write()
    jane = find_with_subscriptions(jane_uid, for_update=True)
    assert change_status(jane, "marketing", OFF, TEST_SOURCE)
    assert change_status(jane, "updates", ON, TEST_SOURCE)
    assert statuses(jane) == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "unsubscribed",
    }
    # Nothing is left for the unit of work to write a second time.
    assert not (db.session.new or db.session.dirty)
    shown = {(s.id, s.category, s.status, s.updated_at) for s in jane.subscriptions}
    db.session.commit()
    assert stored(jane_id) == shown


def test_a_change_a_loaded_contact_already_shows_writes_nothing(app: Flask) -> None:
    jane_uid = make_contact(categories=["marketing"]).uid
    begin_write()
    jane = find_with_subscriptions(jane_uid, for_update=True)
    with statements() as seen:
        assert not change_status(jane, "marketing", ON, TEST_SOURCE)
    assert seen == []
    assert db.session.scalar(select(func.count(ConsentEvent.id))) == 1
