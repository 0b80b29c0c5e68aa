"""`prefcenter smtp`: an aiosmtpd server that commits every message before it answers 250.

The event loop only speaks SMTP. Storing runs on a thread pool (it blocks on the database); a
stored message is then processed on one background thread, after the 250, so a slow classifier
never holds a sending MTA. Messages left `stored` by a crash or an outage are swept on start and
every SWEEP_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from mail import intake

log = logging.getLogger(__name__)

# RFC 5321 4.5.3.1.8: a server must accept at least 100 recipients; more is a flood, not mail.
MAX_RECIPIENTS = 100
STORE_THREADS = 4
SWEEP_SECONDS = 60.0

TEMPORARY_FAILURE = "451 4.3.0 Could not store the message just now; please try again later"


class IntakeHandler:
    """aiosmtpd handler: refuses foreign recipients, stores the message, then queues processing."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.domains = set(app.config["INBOUND_DOMAINS"])
        self.storing = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="smtp-store")
        self.processing = ThreadPoolExecutor(1, thread_name_prefix="smtp-process")

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.rpartition("@")[2].lower() not in self.domains:
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
        loop = asyncio.get_running_loop()
        try:
            receipt = await loop.run_in_executor(self.storing, self._store, raw, incoming)
        except Exception:
            # Never tell the sender why (it may name our tables); it retries on 4xx.
            log.exception("storing an inbound message failed; answered 451")
            return TEMPORARY_FAILURE
        if not receipt.duplicate:
            self.processing.submit(self._process, receipt.message_id)
        return f"250 2.0.0 Stored as message {receipt.message_id}"

    def _store(self, raw: bytes, envelope: intake.Envelope) -> intake.Receipt:
        with self.app.app_context():
            return intake.store(raw, envelope)

    def _process(self, message_id: int) -> None:
        with self.app.app_context():
            intake.process_safely(message_id)

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
        self.storing.shutdown(wait=True)
        self.processing.shutdown(wait=True)


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
        self._stopped = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_forever, daemon=True, name="sweep")

    def start(self) -> None:
        self.controller.start()
        self._sweeper.start()

    def stop(self) -> None:
        self._stopped.set()
        self.controller.stop()
        self.handler.close()

    def _sweep_forever(self) -> None:
        self.handler.sweep()
        while not self._stopped.wait(SWEEP_SECONDS):
            self.handler.sweep()
