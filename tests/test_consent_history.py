"""The consent history proves who changed what, when, how and under which wording (GDPR Art. 7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from prefcenter.extensions import db
from prefcenter.models import AppendOnlyViolation, ConsentEvent
from prefcenter.services.links import unsubscribe_token
from tests.factories import make_contact

FROZEN = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.fixture
def config_overrides() -> dict:
    return {"CLOCK": lambda: FROZEN}


def history() -> list[tuple]:
    rows = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id))
    return [
        (
            e.category,
            e.old_status,
            e.new_status,
            e.channel,
            e.actor,
            e.wording_version,
            e.occurred_at,
        )
        for e in rows
    ]


def test_each_change_is_one_row_with_who_when_how_and_wording(app: Flask) -> None:
    # standards F37
    jane = make_contact(categories=["marketing"])
    app.test_client().post(f"/u/{unsubscribe_token(jane, 'marketing')}")
    assert history() == [
        ("marketing", None, "subscribed", "api", "test", "v1", FROZEN),
        ("marketing", "subscribed", "unsubscribed", "one_click", "recipient", None, FROZEN),
    ]


def test_history_rows_cannot_be_changed_or_removed(app: Flask) -> None:
    # standards F37: append-only.
    make_contact(categories=["marketing"])
    event = db.session.scalars(select(ConsentEvent)).one()
    event.new_status = "unsubscribed"
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(ConsentEvent)).one())
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()
    assert len(history()) == 1


def test_history_outlives_the_contact(app: Flask) -> None:
    jane = make_contact(categories=["updates"])
    db.session.delete(jane)
    db.session.commit()
    rows = db.session.scalars(select(ConsentEvent)).all()
    assert [(r.contact_id, r.category) for r in rows] == [(None, "updates")]
