"""The suppression list: one entry per address and scope, however often and however it is added."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from prefcenter.extensions import db
from prefcenter.models import ALL_CATEGORIES, Suppression
from prefcenter.services.addresses import normalise
from prefcenter.services.suppressions import lift, suppress


def entries() -> list[tuple[str, str]]:
    query = select(Suppression.scope, Suppression.reason).order_by(Suppression.id)
    return [(scope, reason) for scope, reason in db.session.execute(query)]


def test_an_entry_is_added_once_and_keeps_its_first_reason(app: Flask) -> None:
    jane = normalise("Jane@Example.com")
    assert suppress(jane, "marketing", reason="unsubscribe", channel="one_click")
    assert not suppress(normalise("jane@example.com"), "marketing", reason="staff", channel="staff")
    db.session.commit()
    assert not suppress(jane, "marketing", reason="staff", channel="staff")
    assert suppress(jane, ALL_CATEGORIES, reason="erasure", channel="email")
    db.session.commit()
    assert entries() == [("marketing", "unsubscribe"), ("all", "erasure")]


def test_an_entry_lifted_then_added_again_in_one_transaction_stays(app: Flask) -> None:
    # The lift is pending in the session when the entry is written past it: it must go first.
    jane = normalise("jane@example.com")
    suppress(jane, "marketing", reason="staff", channel="staff")
    db.session.commit()
    lift(jane, ["marketing"], channel="preference_page")
    assert suppress(jane, "marketing", reason="unsubscribe", channel="preference_page")
    db.session.commit()
    assert entries() == [("marketing", "unsubscribe")]
