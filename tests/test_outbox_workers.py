"""Several outbox workers at once (PostgreSQL's scale-out path): no message is sent twice."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from mail import worker
from mail.worker import run_once
from prefcenter.extensions import db
from prefcenter.models import OutboxMessage
from tests.conftest import RelayHandler
from tests.inbound import compose, receive

WORKERS = 4
MESSAGES = 30


@pytest.fixture
def config_overrides(relay: tuple[int, RelayHandler]) -> dict[str, Any]:
    return {"SMTP_RELAY": f"127.0.0.1:{relay[0]}", "SMTP_STARTTLS": False}


def test_concurrent_workers_send_each_message_exactly_once(
    app: Flask, relay: tuple[int, RelayHandler]
) -> None:
    for number in range(MESSAGES):
        receive(compose("Do you ship abroad?", sender=f"buyer{number}@customer.example.net"))
    db.session.commit()
    start = threading.Barrier(WORKERS)
    failures: list[BaseException] = []

    def work() -> None:
        with app.app_context():
            try:
                start.wait()
                while run_once():
                    pass
            except BaseException as exc:  # reported below, not lost in the thread
                failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    ids = Counter(
        BytesHeaderParser().parsebytes(raw)["Message-ID"] for _, _, raw in relay[1].received
    )
    assert len(ids) == MESSAGES and set(ids.values()) == {1}
    db.session.rollback()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


def test_a_slow_relay_never_outlasts_a_lease(app: Flask, relay: tuple[int, RelayHandler]) -> None:
    for number in range(3):
        receive(compose("Do you ship abroad?", sender=f"buyer{number}@customer.example.net"))
    db.session.commit()
    # A relay that takes two minutes per message: the clock moves on with each one it takes.
    started = datetime.now(UTC)
    app.config["CLOCK"] = lambda: started + len(relay[1].received) * timedelta(minutes=2)

    assert run_once() == 3
    # The third would be handed over with one minute of its 5-minute lease left, and another
    # worker could take it while the relay still chews: it is left for a new claim instead.
    assert len(relay[1].received) == 2
    assert run_once() == 0  # its lease has not lapsed yet
    started += worker.LEASE
    assert run_once() == 1
    ids = Counter(
        BytesHeaderParser().parsebytes(raw)["Message-ID"] for _, _, raw in relay[1].received
    )
    assert len(ids) == 3 and set(ids.values()) == {1}
