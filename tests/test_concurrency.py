"""Simultaneous clicks and saves record each change once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import ApiKey, ConsentEvent, Suppression
from prefcenter.services.links import preferences_token, unsubscribe_token
from prefcenter.sqlite_writers import WriterQueue
from tests.conftest import POSTGRES_URL
from tests.factories import make_contact

CLICKS = 20


def run_at_once(count: int, prepare: Callable[[], Callable[[], int]]) -> Counter[int]:
    """Each thread prepares on its own, then all act at the same moment; counts the statuses."""
    start = threading.Barrier(count)
    statuses: Counter[int] = Counter()

    def worker() -> None:
        act = prepare()
        start.wait()
        statuses[act()] += 1

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def unsubscribed_events() -> int:
    query = select(func.count(ConsentEvent.id)).where(ConsentEvent.new_status == "unsubscribed")
    return db.session.scalar(query)


def test_simultaneous_one_click_posts_make_one_change(app: Flask) -> None:
    # standards A10: repeated POSTs are harmless, even when they arrive at the same moment.
    jane = make_contact(categories=["marketing"])
    link = f"/u/{unsubscribe_token(jane, 'marketing')}"
    db.session.commit()  # end this test's own read, so it sees what the requests commit

    def prepare() -> Callable[[], int]:
        client = app.test_client()
        return lambda: client.post(link).status_code

    assert run_at_once(CLICKS, prepare) == Counter({200: CLICKS})
    assert unsubscribed_events() == 1
    assert db.session.scalar(select(func.count(Suppression.id))) == 1


def test_simultaneous_unsubscribe_from_all_presses_all_succeed_once(app: Flask) -> None:
    # standards F37: one history row per real change; no "please try again" for a double press.
    jane = make_contact(categories=["marketing"])
    page = f"/p/{preferences_token(jane)}"
    db.session.commit()

    def prepare() -> Callable[[], int]:
        # Its own thread, so each browser gets its own request context and CSRF session.
        client = app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"
        html = client.get(page).text
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        form = {"csrf_token": csrf, "action": "unsubscribe_all"}
        return lambda: client.post(page, data=form).status_code

    assert run_at_once(12, prepare) == Counter({200: 12})
    # marketing on -> off, and updates and promotions never set -> off: three changes, once each.
    assert unsubscribed_events() == 3


@contextmanager
def another_process_writing(release_after: float | None) -> Iterator[None]:
    """A second connection holds SQLite's write lock (as a running service does) and commits a
    row, `release_after` seconds into the block, or at its end when None."""
    locked, release = threading.Event(), threading.Event()
    path = db.engine.url.database

    def service_writing() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO api_key (name, prefix, key_hash, created_at) "
            "VALUES ('worker', 'pck_x', 'x', '2026-01-01 00:00:00')"
        )
        locked.set()
        release.wait(15)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=service_writing)
    holder.start()
    locked.wait(5)
    if release_after is not None:
        threading.Timer(release_after, release.set).start()
    try:
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's single writer lock")
@pytest.mark.parametrize(
    "command",
    [["api-key", "create", "sender"], ["staff", "create", "ann@biz.example.com", "--link"]],
)
def test_commands_wait_for_a_running_service_that_is_writing(
    app: Flask, command: list[str]
) -> None:
    # `prefcenter run` keeps writing while an operator types commands next to it: a command that
    # reads, then writes, must queue for the lock instead of failing with "database is locked".
    with another_process_writing(release_after=0.5):
        result = app.test_cli_runner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(ApiKey.id))) == 1 + (command[0] == "api-key")


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's single writer lock")
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/suppressions/check",
            {"category": "marketing", "emails": ["a@customer.example.net"]},
        ),
        ("/api/v1/headers", {"category": "marketing", "recipients": ["a@customer.example.net"]}),
    ],
)
def test_batch_lookups_answer_while_another_process_holds_the_write_lock(
    app: Flask, api: FlaskClient, path: str, body: dict[str, object]
) -> None:
    # A pre-send check of 10,000 addresses only reads: it must neither wait for the writer
    # (clicks keep committing) nor make the writers wait for it.
    db.session.commit()
    with another_process_writing(release_after=None):
        started = time.monotonic()
        response = api.post(path, json=body)
        took = time.monotonic() - started
    assert response.status_code == 200, response.get_json()
    assert took < 5  # the busy timeout is 10 s: a request that queued for the lock takes that long


def test_sqlite_writers_take_turns_across_threads_and_processes(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "shared.sqlite3"), timeout=0.2)
    other_process = [
        sys.executable,
        "-c",
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR);"
        " fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
        str(tmp_path / "shared.sqlite3-writers"),
    ]
    queue.take_turn()
    try:
        # Another thread of this process waits, then fails the way a busy SQLite does (503).
        failures: list[BaseException] = []
        thread = threading.Thread(target=lambda: _try(queue.take_turn, failures))
        thread.start()
        thread.join()
        assert [type(f) for f in failures] == [OperationalError]
        # Another process cannot take the turn either.
        assert subprocess.run(other_process, capture_output=True).returncode != 0
    finally:
        queue.end_turn()
    assert subprocess.run(other_process, capture_output=True).returncode == 0


def _try(action: Callable[[], None], failures: list[BaseException]) -> None:
    try:
        action()
    except BaseException as failure:
        failures.append(failure)
