"""Crash: `prefcenter smtp` killed with SIGKILL at random moments while 16 clients send.

The clients behave like an MTA: a 4xx answer or a lost connection means "try again later", so
they retry until they get a 250. Afterwards every message that got its 250 is stored exactly
once, however the kills fell: before the commit (the client retries, nothing was kept), or
between the commit and the 250 (the retry is recognised as the same message and answered 250).

`make soak` runs it with 2,000 messages; `make test` with a few hundred.
"""

from __future__ import annotations

import queue
import random
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from prefcenter.extensions import db
from prefcenter.models import InboundMessage
from tests.inbound import free_port
from tests.reliability.mta import MtaOutcome, deliver_like_an_mta
from tests.reliability.scale import soak_or
from tests.servers import PREFCENTER, STARTUP_DEADLINE, environment_of, start, stop

CLIENTS = 16
MESSAGES = soak_or(2000, 240)
# Messages accepted between kills, then a random few milliseconds more: kills land in every phase
# of a message (greeting, DATA, the group commit, the 250) however fast the database is, and a
# run is killed several times however slow the machine.
KILL_AFTER = (20, 60)
KILL_JITTER_SECONDS = (0.0, 0.05)
DEADLINE_SECONDS = soak_or(600.0, 180.0)


def message(number: int) -> tuple[str, bytes]:
    mail = EmailMessage()
    mail["From"] = f"Customer {number} <customer{number}@crash.example.net>"
    mail["To"] = "privacy@example.com"
    mail["Subject"] = f"Please update my address ({number})"
    mail["Message-ID"] = f"<crash-{number}@crash.example.net>"
    mail.set_content(f"Hello, this is message {number}. Please change my street to {number} Elm.")
    return mail["Message-ID"], bytes(mail)


def send_like_an_mta(
    port: int, work: queue.Queue[tuple[str, bytes]], outcome: MtaOutcome, deadline: float
) -> None:
    """Deliver every message from `work`, each until its 250 (or a 5xx)."""
    while time.monotonic() < deadline:
        try:
            message_id, raw = work.get_nowait()
        except queue.Empty:
            return
        sender = "sender@crash.example.net"
        deliver_like_an_mta(message_id, sender, raw, [port], outcome, deadline, (0.05, 0.3))


class KilledAndRestarted:
    """`prefcenter smtp`, SIGKILLed at random moments and started again until told to stop."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        log: Path,
        rng: random.Random,
        accepted: Callable[[], int],
    ) -> None:
        self.env, self.port, self.log, self.rng, self.accepted = env, port, log, rng, accepted
        self.kills = 0
        self.server = self._start()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._kill_now_and_then, daemon=True)

    def _start(self) -> subprocess.Popen[bytes]:
        return start([PREFCENTER, "smtp", "--port", str(self.port)], self.env, self.log)

    def _kill_now_and_then(self) -> None:
        mark = 0
        # Each run of the server gets to listen before it can be killed: on a loaded machine its
        # start-up can be slower than the clients, and no mail would ever get through.
        while self._listening():
            mark += self.rng.randint(*KILL_AFTER)
            while self.accepted() < mark:
                if self.done.wait(0.005):
                    return
            if self.done.wait(self.rng.uniform(*KILL_JITTER_SECONDS)):
                return
            self.server.send_signal(signal.SIGKILL)
            self.server.wait()
            self.kills += 1
            self.server = self._start()

    def _listening(self) -> bool:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while time.monotonic() < deadline and not self.done.is_set():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def __enter__(self) -> KilledAndRestarted:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.done.set()
        self.thread.join()
        stop(self.server)


def test_every_message_answered_250_is_stored_exactly_once(app: Flask, tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    port = free_port()
    env = environment_of(app, tmp_path, free_port())
    work: queue.Queue[tuple[str, bytes]] = queue.Queue()
    for number in range(MESSAGES):
        work.put(message(number))
    outcome = MtaOutcome()

    started = time.monotonic()
    with KilledAndRestarted(
        env, port, tmp_path / "smtp.log", rng, lambda: len(outcome.accepted)
    ) as smtp:
        clients = [
            threading.Thread(
                target=send_like_an_mta,
                args=(port, work, outcome, started + DEADLINE_SECONDS),
                daemon=True,
            )
            for _ in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    seconds = time.monotonic() - started

    stored = Counter(
        db.session.scalars(
            select(InboundMessage.message_id).where(InboundMessage.message_id.like("<crash-%"))
        )
    )
    print(
        f"\ncrash (seed {seed}): {len(outcome.accepted)} of {MESSAGES} messages accepted with"
        f" 250 in {seconds:.1f} s across {smtp.kills} SIGKILLs; retries {dict(outcome.retries)};"
        f" {sum(stored.values())} stored, {sum(1 for n in stored.values() if n > 1)} more than once"
    )
    # Something was tested: a kill cut a session short, not only refused new connections.
    cut_short = sum(n for kind, n in outcome.retries.items() if kind != "ConnectionRefusedError")
    assert smtp.kills >= 2 and cut_short >= 1, (smtp.kills, outcome.retries)
    assert outcome.refused == {}
    assert len(outcome.accepted) == MESSAGES
    # Stored exactly once: none missing, none twice, nothing stored that was not sent.
    assert stored == Counter(outcome.accepted)
    count = db.session.scalar(select(func.count(InboundMessage.id)))
    assert count == MESSAGES
