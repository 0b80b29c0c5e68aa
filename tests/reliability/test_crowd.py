"""A crowd: 200 one-click POSTs at the same moment through `prefcenter web` (gunicorn, as deployed).

On one token (a mail client and a person both pressing, many times) and on 200 tokens (a burst
after a send), on SQLite and, in the PostgreSQL pass, on PostgreSQL: every answer a 200, exactly
one consent-history row and one suppression per real change, and nothing in the server's log
about a locked database or an unhandled error.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Contact, Subscription, Suppression
from prefcenter.services.links import unsubscribe_token
from tests.factories import make_contact
from tests.inbound import free_port
from tests.reliability.scale import soak_or
from tests.servers import environment_of, web_process

CROWD = 200
ROUNDS = soak_or(10, 1)
ONE_CLICK = b"List-Unsubscribe=One-Click"


def post_all_at_once(port: int, paths: list[str]) -> Counter[int]:
    """Each path POSTed on its own connection, all released at the same moment."""
    ready = threading.Barrier(len(paths))
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def click(path: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.connect()
            ready.wait()
            connection.request(
                "POST",
                path,
                body=ONE_CLICK,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            status = connection.getresponse().status
        except OSError:
            status = 0
        finally:
            connection.close()
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=click, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def web(app: Flask, tmp_path: Path) -> Iterator[int]:
    port = free_port()
    env = environment_of(app, tmp_path, port)
    log = tmp_path / "web.log"
    # As deployed (README): 2 workers x 4 threads.
    with web_process(env, port, log, workers=2, threads=4):
        yield port
    text = log.read_text(errors="replace")
    assert "database is locked" not in text
    assert "Traceback" not in text


def unsubscribed_rows(contact_ids: list[int]) -> Counter[int]:
    query = select(ConsentEvent.contact_id).where(
        ConsentEvent.contact_id.in_(contact_ids), ConsentEvent.new_status == "unsubscribed"
    )
    return Counter(db.session.scalars(query))


def test_200_simultaneous_posts_on_one_token_make_one_change(app: Flask, web: int) -> None:
    # standards A10: repeated POSTs are harmless, even 200 at the same moment.
    for number in range(ROUNDS):
        jane = make_contact(f"jane{number}@example.com", categories=["marketing", "updates"])
        path = f"/u/{unsubscribe_token(jane, 'marketing')}"
        db.session.commit()

        assert post_all_at_once(web, [path] * CROWD) == Counter({200: CROWD})

        db.session.expire_all()
        assert unsubscribed_rows([jane.id]) == Counter({jane.id: 1})
        statuses = dict(
            db.session.execute(
                select(Subscription.category, Subscription.status).where(
                    Subscription.contact_id == jane.id
                )
            ).all()
        )
        assert statuses == {"marketing": "unsubscribed", "updates": "subscribed"}


def test_200_simultaneous_posts_on_200_tokens_each_make_their_change(app: Flask, web: int) -> None:
    # standards A6: each takes effect at once, whatever else arrives at the same moment.
    for round_number in range(ROUNDS):
        people = [
            make_contact(f"person{round_number}-{n}@example.com", categories=["marketing"])
            for n in range(CROWD)
        ]
        paths = [f"/u/{unsubscribe_token(person, 'marketing')}" for person in people]
        ids = [person.id for person in people]
        db.session.commit()

        assert post_all_at_once(web, paths) == Counter({200: CROWD})

        db.session.expire_all()
        assert unsubscribed_rows(ids) == Counter(dict.fromkeys(ids, 1))
        still_subscribed = db.session.scalar(
            select(func.count(Subscription.id)).where(
                Subscription.contact_id.in_(ids), Subscription.status == "subscribed"
            )
        )
        assert still_subscribed == 0
        suppressed = db.session.scalar(
            select(func.count(Suppression.id)).where(Suppression.scope == "marketing")
        )
        assert suppressed == CROWD * (round_number + 1)
        assert db.session.scalar(select(func.count(Contact.id))) == CROWD * (round_number + 1)
