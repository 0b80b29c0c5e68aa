"""Simultaneous clicks on one link record one change, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from collections import Counter

from flask import Flask
from sqlalchemy import func, select

from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Suppression
from prefcenter.services.links import unsubscribe_token
from tests.factories import make_contact

CLICKS = 20


def test_simultaneous_one_click_posts_make_one_change(app: Flask) -> None:
    # standards A10: repeated POSTs are harmless, even when they arrive at the same moment.
    jane = make_contact(categories=["marketing"])
    link = f"/u/{unsubscribe_token(jane, 'marketing')}"
    db.session.commit()  # end this test's own read, so it sees what the requests commit
    start = threading.Barrier(CLICKS)
    statuses: Counter[int] = Counter()

    def click() -> None:
        client = app.test_client()
        start.wait()
        statuses[client.post(link).status_code] += 1

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == Counter({200: CLICKS})
    unsubscribes = select(func.count(ConsentEvent.id)).where(
        ConsentEvent.new_status == "unsubscribed"
    )
    assert db.session.scalar(unsubscribes) == 1
    assert db.session.scalar(select(func.count(Suppression.id))) == 1
