"""Outage: the database fails in the middle of traffic, then comes back.

PostgreSQL stopped with `pg_ctl` (in the PostgreSQL pass), or SQLite's disk full (in the SQLite
pass), while mail arrives by SMTP and people press one-click unsubscribe links through `prefcenter
web`. Meanwhile SMTP answers 451, which the sending MTA retries; the web answers 503 with
Retry-After and no stack trace; `prefcenter worker` backs off; no process exits. Once the database
is back, with nobody touching the processes, every retry succeeds, and every message that got its
250 is stored once, processed, and acknowledged once through the relay.
"""

from __future__ import annotations

import os
import re
import resource
import shlex
import smtplib
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from mail import worker
from mail.outbound import DeliveryResult
from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, OutboxMessage
from prefcenter.services.links import unsubscribe_token
from tests.conftest import POSTGRES_URL, RelayHandler
from tests.factories import make_contact
from tests.inbound import compose, free_port, receive, wait_until_processed
from tests.servers import (
    PREFCENTER,
    descendants,
    environment_of,
    request,
    smtp_when_ready,
    start_through_pipe,
    stop,
    wait_until_healthy,
)

PG_CTL = os.environ.get("PREFCENTER_TEST_PG_CTL", "")
DEADLINE_SECONDS = 20.0
# A real MTA waits minutes before it retries; these clients come back at once, to see recovery.
RETRY_PAUSE_SECONDS = 0.1
# Between two messages or two clicks: traffic, not a flood that would starve the servers.
TRAFFIC_PAUSE_SECONDS = 0.05
CONTACTS = 150
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PRIVACY = "privacy@example.com"
BACKOFF = re.compile(r"outbox delivery failed; retrying in (\d+) s")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {DEADLINE_SECONDS} s: {what}")
        time.sleep(0.05)


@dataclass
class Servers:
    web: subprocess.Popen[bytes]
    smtp: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    web_port: int
    smtp_port: int
    logs: Path

    def processes(self) -> dict[int, str]:
        """Every process of ours, gunicorn's workers included, by PID."""
        named = {"web": self.web, "smtp": self.smtp, "worker": self.worker}
        return {
            pid: name
            for name, server in named.items()
            for pid in (server.pid, *descendants(server.pid))
        }

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


@contextmanager
def running(app: Flask, tmp_path: Path, relay_port: int) -> Iterator[Servers]:
    """`prefcenter web`, `smtp` and `worker` as deployed, the worker sending to the relay."""
    web_port, smtp_port = free_port(), free_port()
    env = environment_of(app, tmp_path, web_port)
    env.update(PREFCENTER_SMTP_RELAY=f"127.0.0.1:{relay_port}", PREFCENTER_SMTP_STARTTLS="0")
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = {
        "web": ["web", "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "--threads", "2"],
        "smtp": ["smtp", "--port", str(smtp_port)],
        "worker": ["worker"],
    }
    with ExitStack() as stack:
        started = {}
        for name, args in commands.items():
            server = start_through_pipe([PREFCENTER, *args], env, logs / f"{name}.log")
            stack.callback(stop, server)
            started[name] = server
        wait_until_healthy(started["web"], web_port, logs / "web.log")
        smtp_when_ready(started["smtp"], smtp_port, logs / "smtp.log").close()
        yield Servers(**started, web_port=web_port, smtp_port=smtp_port, logs=logs)


@dataclass
class Traffic:
    """An MTA sending mail and a mailbox provider sending one-click POSTs, each retrying what it
    was told to retry until it gets through, and noting every answer."""

    servers: Servers
    paths: list[str]
    stopped: threading.Event = field(default_factory=threading.Event)
    # (when, "smtp" or "web", status) of every answer, in order.
    answers: list[tuple[float, str, int]] = field(default_factory=list)
    # SMTP replies to each message's DATA (by envelope sender), and HTTP statuses for each path.
    replies: dict[str, list[int]] = field(default_factory=dict)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    refusals_without_retry_after: int = 0
    tracebacks: int = 0
    failures: list[BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.threads = [
            threading.Thread(target=self._guarded, args=(target,), daemon=True)
            for target in (self._send_mail, self._click)
        ]
        self.deadline = time.monotonic() + 3 * DEADLINE_SECONDS

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join()

    def seen(self, kind: str, status: int, since: float = 0.0) -> bool:
        return any((k, s) == (kind, status) and at >= since for at, k, s in list(self.answers))

    def accepted(self) -> list[str]:
        return [sender for sender, codes in list(self.replies.items()) if codes[-1:] == [250]]

    def clicked(self) -> list[str]:
        return [path for path, codes in list(self.statuses.items()) if codes[-1:] == [200]]

    def _guarded(self, target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # asserted on by the test, not lost in the thread
            self.failures.append(exc)

    def _send_mail(self) -> None:
        number = 0
        while not self.stopped.is_set():
            number += 1
            sender = f"customer{number}@outage.example.net"
            message = compose(
                "Please delete all the personal data you hold about me.",
                subject="Delete my data",
                sender=f"Customer {number} <{sender}>",
            )
            codes = self.replies.setdefault(sender, [])
            while self._within_deadline():
                try:
                    with smtplib.SMTP("127.0.0.1", self.servers.smtp_port, timeout=10) as smtp:
                        smtp.sendmail(sender, [PRIVACY], message.as_bytes())
                    code = 250
                except smtplib.SMTPResponseException as exc:
                    code = exc.smtp_code
                codes.append(code)
                self.answers.append((time.monotonic(), "smtp", code))
                if code // 100 != 4:
                    break
                time.sleep(RETRY_PAUSE_SECONDS)
            time.sleep(TRAFFIC_PAUSE_SECONDS)

    def _click(self) -> None:
        for path in self.paths:
            if self.stopped.is_set():
                return
            codes = self.statuses.setdefault(path, [])
            while self._within_deadline():
                status, headers, body = request(
                    self.servers.web_port, "POST", path, ONE_CLICK, FORM
                )
                codes.append(status)
                self.answers.append((time.monotonic(), "web", status))
                if status != 503:
                    break
                self.refusals_without_retry_after += "Retry-After" not in headers
                self.tracebacks += b"Traceback" in body
                time.sleep(RETRY_PAUSE_SECONDS)
            time.sleep(TRAFFIC_PAUSE_SECONDS)

    def _within_deadline(self) -> bool:
        """True, or raises: a client refused until then fails the test, in `failures`."""
        if time.monotonic() > self.deadline:
            raise TimeoutError("still refused at the traffic's deadline")
        return True


class Outage(Protocol):
    def begin(self) -> None: ...
    def end(self) -> None: ...


class PostgresStopped:
    """The test suite's PostgreSQL, stopped with `pg_ctl -m fast` (which cuts every session) and
    started again with the same options."""

    def __init__(self, pg_ctl: str) -> None:
        self.pg_ctl = shlex.split(pg_ctl)

    def _pg_ctl(self, *action: str) -> None:
        done = subprocess.run(
            [*self.pg_ctl, *action], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def begin(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def end(self) -> None:
        self._pg_ctl("start")
        # The test's own pooled connections died with the server.
        db.engine.dispose()


class DiskFull:
    """A full disk for the servers: RLIMIT_FSIZE 0 fails each write they make to a file with
    EFBIG (Python ignores the SIGXFSZ that comes with it); reads still work, and their logs go
    to pipes. Not a limit at the files' current sizes: SQLite writes a checkpointed WAL from its
    start again, which would fit for a while."""

    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.limits: dict[int, tuple[int, int]] = {}

    def begin(self) -> None:
        for pid in self.servers.processes():
            self.limits[pid] = resource.prlimit(pid, resource.RLIMIT_FSIZE)
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, self.limits[pid][1]))

    def end(self) -> None:
        for pid in self.servers.processes():
            _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
            # A gunicorn worker started meanwhile inherited the limit: lift it to the hard one.
            resource.prlimit(pid, resource.RLIMIT_FSIZE, self.limits.get(pid, (hard, hard)))


@contextmanager
def lasting(outage: Outage) -> Iterator[Callable[[], None]]:
    """Begin the outage; the caller ends it, or else leaving does (the next tests need the
    database)."""
    over = False

    def end() -> None:
        nonlocal over
        over = True
        outage.end()

    outage.begin()
    try:
        yield end
    finally:
        if not over:
            outage.end()


def backoffs(servers: Servers) -> list[int]:
    """The pauses the worker announced after failing to reach the database, in order."""
    return [int(seconds) for seconds in BACKOFF.findall(servers.log("worker"))]


def one_click_paths() -> dict[str, int]:
    """A one-click path for each of CONTACTS people, with their contact ids."""
    people = [make_contact(f"reader{n}@example.com", ["marketing"]) for n in range(CONTACTS)]
    paths = {f"/u/{unsubscribe_token(person, 'marketing')}": person.id for person in people}
    # Read before the commit: afterwards a read would leave the test's session in a transaction.
    db.session.commit()
    return paths


def acknowledged(relay: RelayHandler) -> Counter[str]:
    return Counter(rcpt for _, rcpts, _ in list(relay.received) for rcpt in rcpts)


def through_an_outage(
    app: Flask,
    tmp_path: Path,
    relay: tuple[int, RelayHandler],
    outage: Callable[[Servers], Outage],
    meanwhile: Callable[[], list[str]] = list,
) -> None:
    """Traffic, the outage (and `meanwhile`, which returns senders of mail it queued), recovery;
    then what the servers answered, stored and sent."""
    contacts = one_click_paths()
    with running(app, tmp_path, relay[0]) as servers:
        with Traffic(servers, list(contacts)) as traffic:
            wait_for(lambda: len(traffic.accepted()) >= 3, "three messages accepted")
            wait_for(lambda: len(traffic.clicked()) >= 3, "three clicks answered 200")
            processes = servers.processes()

            began = time.monotonic()
            with lasting(outage(servers)) as end_outage:
                queued = meanwhile()
                wait_for(lambda: traffic.seen("smtp", 451, began), "SMTP answered 451")
                wait_for(lambda: traffic.seen("web", 503, began), "web answered 503")
                # Two failures a growing pause apart: backing off, neither spinning nor exiting.
                wait_for(lambda: len(backoffs(servers)) >= 2, "the worker failed twice")
                first, second = backoffs(servers)[:2]
                assert first < second
                assert servers.processes() == processes

                ended = time.monotonic()
                end_outage()
            wait_for(lambda: traffic.seen("smtp", 250, ended), "SMTP answered 250 again")
            wait_for(lambda: traffic.seen("web", 200, ended), "web answered 200 again")

        assert traffic.failures == []
        assert traffic.refusals_without_retry_after == 0
        assert traffic.tracebacks == 0
        assert {(kind, status) for _, kind, status in traffic.answers} == {
            ("smtp", 250),
            ("smtp", 451),
            ("web", 200),
            ("web", 503),
        }
        # The MTA retried each 451 until it got its 250.
        retried = [codes for codes in traffic.replies.values() if 451 in codes]
        assert retried and all(codes[-1] == 250 for codes in retried)

        # Nothing accepted is lost: each message answered 250 is stored once and processed, and
        # its acknowledgement reaches the relay once.
        # standards E27: receipt is confirmed, outage or not.
        accepted = [*traffic.accepted(), *queued]
        stored = wait_until_processed(len(accepted))
        assert Counter(message.envelope_sender for message in stored) == Counter(accepted)
        assert {(m.state, m.outcome) for m in stored} == {("processed", "request_opened")}
        wait_for(lambda: set(acknowledged(relay[1])) >= set(accepted), "every message acknowledged")
        assert acknowledged(relay[1]) == Counter(accepted)
        db.session.rollback()
        outbox = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
        assert set(outbox) == {("sent", 1)}

        # Each click answered 200 made its change once; each answered 503 made none, until its
        # retry. standards C20: the link works again by itself, no link stays broken.
        clicked = [contacts[path] for path in traffic.clicked()]
        unsubscribed = select(ConsentEvent.contact_id).where(
            ConsentEvent.new_status == "unsubscribed"
        )
        assert Counter(db.session.scalars(unsubscribed)) == Counter(clicked)

        # The same processes throughout: none exited or was replaced.
        assert servers.processes() == processes
        for name in ("web", "smtp", "worker"):
            assert getattr(servers, name).poll() is None, servers.log(name)
        assert "Traceback" not in servers.log("web")


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL pass only (the SQLite pass fills a disk)")
def test_postgresql_stopped_mid_traffic_then_started_loses_nothing(
    app: Flask, tmp_path: Path, relay: tuple[int, RelayHandler]
) -> None:
    if not PG_CTL:
        pytest.skip("PREFCENTER_TEST_PG_CTL is unset: scripts/with-postgres sets it")
    through_an_outage(app, tmp_path, relay, lambda servers: PostgresStopped(PG_CTL))


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite pass only (the PostgreSQL pass stops it)")
def test_sqlite_disk_full_mid_traffic_then_freed_loses_nothing(
    app: Flask, tmp_path: Path, relay: tuple[int, RelayHandler]
) -> None:
    def queue_an_acknowledgement() -> list[str]:
        # The worker writes only when it has mail to claim: the test's process, which still has
        # room on the disk, takes in a message whose acknowledgement is due at once.
        sender = "queued@outage.example.net"
        receive(compose("Please delete my data.", sender=sender), envelope_sender=sender)
        return [sender]

    through_an_outage(app, tmp_path, relay, DiskFull, queue_an_acknowledgement)


def test_worker_records_what_the_relay_answered_once_the_database_is_back(
    app: Flask, relay: tuple[int, RelayHandler], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The moment an outage can fall on: after the claim and the relay's 250, before the record.
    app.config.update(SMTP_RELAY=f"127.0.0.1:{relay[0]}", SMTP_STARTTLS=False)
    senders = ["first@outage.example.net", "second@outage.example.net"]
    for sender in senders:
        receive(compose("Please delete my data.", sender=sender), envelope_sender=sender)
    record = worker._record
    outage = [OperationalError("COMMIT", None, Exception("the database is down"))]

    def record_unless_down(message_id: int, result: DeliveryResult) -> None:
        if outage:
            raise outage.pop()
        record(message_id, result)

    monkeypatch.setattr(worker, "_record", record_unless_down)
    deliveries = worker.Deliveries()
    with pytest.raises(OperationalError):
        deliveries.run_once()
    assert acknowledged(relay[1]) == Counter(senders[:1])

    # Back: the first answer is recorded, not sent again; the second message, claimed before the
    # outage, goes out within its lease rather than after it.
    deliveries.run_once()
    assert acknowledged(relay[1]) == Counter(senders)
    db.session.rollback()
    outbox = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert outbox == [("sent", 1), ("sent", 1)]
