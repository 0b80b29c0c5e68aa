"""`prefcenter smtp`: an aiosmtpd server that commits every message before it answers 250.

The event loop only speaks SMTP. Storing runs on one writer thread that commits together whatever
messages arrived together (group commit: one disk sync for a burst, and SQLite has one writer
anyway). A stored message is processed afterwards on a background thread that gives way while mail
is arriving, so classification never slows a sending MTA; the message is safe meanwhile. Messages
left `stored` by a crash or an outage are swept on start and every SWEEP_SECONDS, and after a
database error again within seconds, so that what an outage left is processed soon after it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import OperationalError

from mail import analysis, intake
from prefcenter.extensions import db

log = logging.getLogger(__name__)

# RFC 5321 4.5.3.1.8: a server must accept at least 100 recipients; more is a flood, not mail.
MAX_RECIPIENTS = 100
# RFC 5321 4.5.3.1.3: a path (MAIL FROM or RCPT TO address) is at most 256 octets.
MAX_PATH_OCTETS = 256
GROUP_LIMIT = 100
SWEEP_SECONDS = 60.0
# The first sweep after a database error; each further error while it lasts doubles the pause,
# up to SWEEP_SECONDS, so a long outage costs a failed connection now and then, not a busy loop.
SWEEP_AFTER_ERROR_SECONDS = 1.0
# Processing waits until no message is being stored and none has arrived or been answered for
# QUIET_SECONDS, but at most MAX_DEFER_SECONDS per message, so a steady stream is still processed.
QUIET_SECONDS = 0.05
MAX_DEFER_SECONDS = 1.0

Pending = tuple[bytes, intake.Envelope, "asyncio.Future[intake.Receipt]"]
Answer = tuple["asyncio.Future[intake.Receipt]", intake.Receipt | Exception]

TEMPORARY_FAILURE = "451 4.3.0 Could not store the message just now; please try again later"


class GroupCommitter:
    """One writer thread; each transaction holds every message waiting when it starts, and the
    event loop hears of the whole batch in one wake-up."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.waiting: queue.Queue[Pending | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="smtp-store", daemon=True)
        self.thread.start()

    def submit(self, raw: bytes, envelope: intake.Envelope) -> asyncio.Future[intake.Receipt]:
        """Queue a message, from the event loop; the future settles once it is committed."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.put((raw, envelope, future))
        return future

    def close(self) -> None:
        self.waiting.put(None)
        self.thread.join()

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            with self.app.app_context():
                self._store(batch)

    def _next_batch(self) -> list[Pending] | None:
        first = self.waiting.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < GROUP_LIMIT:
            try:
                item = self.waiting.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self.waiting.put(None)  # stop after this batch
                break
            batch.append(item)
        return batch

    def _store(self, batch: Sequence[Pending]) -> None:
        outcomes: Sequence[intake.Receipt | Exception]
        try:
            outcomes = intake.store_many([(raw, envelope) for raw, envelope, _ in batch])
        except Exception:
            db.session.rollback()
            # One by one, so that a problem with one message is only that message's.
            outcomes = [self._store_one(raw, envelope) for raw, envelope, _ in batch]
        futures = [future for _, _, future in batch]
        # Every future is of the one SMTP event loop; one call wakes it once for the batch, where
        # a call per message would pass the GIL back and forth with it for each. A closed loop
        # raises RuntimeError: the server has stopped and nobody waits for these answers; what
        # was stored is safe, and a sender's retry is recognised as a duplicate.
        with contextlib.suppress(RuntimeError):
            futures[0].get_loop().call_soon_threadsafe(
                _answer, list(zip(futures, outcomes, strict=True))
            )

    @staticmethod
    def _store_one(raw: bytes, envelope: intake.Envelope) -> intake.Receipt | Exception:
        try:
            return intake.store(raw, envelope)
        except Exception as exc:
            db.session.rollback()
            return exc


def _answer(answers: list[Answer]) -> None:
    """On the event loop: settle the futures of one batch."""
    for future, outcome in answers:
        if future.done():
            continue  # the sender hung up, which cancelled its handler
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def path_refusal(address: str, status: str) -> str | None:
    """The reply refusing a MAIL FROM or RCPT TO address, or None if it may be stored.

    A longer path, or one with a control character (PostgreSQL text cannot hold a NUL), cannot be
    stored; refused here, the sender learns it at once, not from a 451 after DATA at every retry.
    `status` is the enhanced status code: 5.1.7 for a sender, 5.1.3 for a recipient.
    """
    if len(address.encode("utf-8", "surrogateescape")) > MAX_PATH_OCTETS:
        return f"501 {status} Path too long (RFC 5321: at most {MAX_PATH_OCTETS} octets)"
    if not address.isprintable():
        return f"553 {status} The address holds a control character"
    return None


class IntakeHandler:
    """aiosmtpd handler: refuses foreign recipients, stores the message, then queues processing."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.domains = set(app.config["INBOUND_DOMAINS"])
        self.storing = GroupCommitter(app)
        self.processing = ThreadPoolExecutor(1, thread_name_prefix="smtp-process")
        self.last_activity = 0.0
        # Messages handed to the writer and not answered yet. Only the event loop changes it.
        self.in_flight = 0

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if refusal := path_refusal(address, "5.1.7"):
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if refusal := path_refusal(address, "5.1.3"):
            return refusal
        # The set read at start: this runs on the event loop, outside any app context.
        if intake.domain_of(address) not in self.domains:
            return "550 5.1.1 No such mailbox here"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        sender = envelope.mail_from or ""
        if sender == "<>":
            sender = ""
        incoming = intake.Envelope(sender, tuple(envelope.rcpt_tos), "smtp")
        self.last_activity = time.monotonic()
        self.in_flight += 1
        try:
            receipt = await self.storing.submit(raw, incoming)
        except Exception:
            # Never tell the sender why (it may name our tables); it retries on 4xx.
            log.exception("storing an inbound message failed; answered 451")
            return TEMPORARY_FAILURE
        finally:
            self.in_flight -= 1
            # A sender that has its answer sends its next message within milliseconds.
            self.last_activity = time.monotonic()
        if not receipt.duplicate:
            self.processing.submit(self._process, receipt.message_id)
        return f"250 2.0.0 Stored as message {receipt.message_id}"

    def _process(self, message_id: int) -> None:
        self._wait_for_quiet()
        with self.app.app_context():
            intake.process_safely(message_id)

    def _wait_for_quiet(self) -> None:
        deadline = time.monotonic() + MAX_DEFER_SECONDS
        while self._busy() and deadline - time.monotonic() > QUIET_SECONDS:
            time.sleep(QUIET_SECONDS)

    def _busy(self) -> bool:
        # A store slower than QUIET_SECONDS is no lull: processing then would slow it further.
        return self.in_flight > 0 or time.monotonic() - self.last_activity < QUIET_SECONDS

    def sweep(self) -> None:
        """Queue processing of messages a crash or an outage left stored."""
        self.processing.submit(self._sweep)

    def _sweep(self) -> None:
        with self.app.app_context():
            try:
                intake.process_pending()
            except Exception:
                log.exception("sweeping stored inbound messages failed; will retry")

    def close(self) -> None:
        self.storing.close()
        # Queued processing is dropped, not waited for: those messages are stored and the next
        # start sweeps them up, so a stop never waits for a backlog.
        self.processing.shutdown(wait=True, cancel_futures=True)


class IntakeServer:
    """The SMTP listener, its handler and the periodic sweep, started and stopped together."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self.handler = IntakeHandler(app)
        self.controller = Controller(
            self.handler,
            hostname=host,
            port=port,
            server_hostname=app.config["MAIL_DOMAIN"],
            data_size_limit=app.config["SMTP_MAX_SIZE"],
            ident="prefcenter",
            # Keep the bytes exactly as sent: decoding would lose what a broken charset said.
            decode_data=False,
        )
        with app.app_context():
            self.engine = db.engine
        self._stopped = threading.Event()
        # Set by any database error (store, process, sweep) of this process's engine.
        self._database_failed = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_forever, daemon=True, name="sweep")

    def start(self) -> None:
        analysis.warm_up()
        event.listen(self.engine, "handle_error", self._on_database_error)
        self.controller.start()
        self._sweeper.start()

    def stop(self) -> None:
        self._stopped.set()
        self._database_failed.set()  # wakes the sweeper
        self._sweeper.join()
        self.controller.stop()
        self.handler.close()
        event.remove(self.engine, "handle_error", self._on_database_error)

    def _on_database_error(self, context: ExceptionContext) -> None:
        # An OperationalError is the database's state (down, full, locked), not a message's.
        if isinstance(context.sqlalchemy_exception, OperationalError):
            self._database_failed.set()

    def _sweep_forever(self) -> None:
        pause = SWEEP_AFTER_ERROR_SECONDS
        while not self._stopped.is_set():
            self._database_failed.clear()
            if self._stopped.is_set():
                return  # stop() set both before that clear
            self.handler.sweep()
            if not self._database_failed.wait(SWEEP_SECONDS):
                pause = SWEEP_AFTER_ERROR_SECONDS
            elif not self._stopped.wait(pause):
                pause = min(pause * 2, SWEEP_SECONDS)
