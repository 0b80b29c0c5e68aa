"""Several nodes: two `web`, two `smtp` and two `worker` processes on one PostgreSQL database.

One burst, split across both nodes of each kind, as a load balancer and two MX records would split
it: contact-us mail through both SMTP ports (some of it to both at once, as an MTA retrying at the
other MX does; one SMTP node restarted mid-burst, as in a rolling deploy, so that its start-up sweep
races the other node over the same stored messages), and one-click POSTs, preference-page saves,
confirmation links, new-link requests and status pages through both web ports, each on both at the
same moment. Afterwards every message answered 250 is stored once and opened one request; every
outbox row, from either kind of node, reached the relay exactly once; consent history holds one row
per real change; and no node logged an error.

PostgreSQL is the scale-out path (README, "Scaling out on PostgreSQL"); SQLite has one writer and
runs one node, so this runs only in the PostgreSQL pass. `make test` sends 245 messages and 55
one-click pairs; `make soak` 1,500 and 500.
"""

from __future__ import annotations

import email
import http.client
import json
import random
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import func, select

from mail import intake
from prefcenter.extensions import db
from prefcenter.models import (
    ConsentEvent,
    Contact,
    InboundMessage,
    MessageState,
    OutboxMessage,
    PrivacyRequest,
)
from prefcenter.services.links import preferences_token, unsubscribe_token
from prefcenter.services.request_links import status_token
from tests.conftest import POSTGRES_URL, RelayHandler
from tests.factories import make_contact
from tests.inbound import compose, free_port
from tests.reliability.mta import MtaOutcome, deliver_like_an_mta
from tests.reliability.scale import soak_or
from tests.servers import (
    PREFCENTER,
    environment_of,
    request,
    smtp_when_ready,
    start,
    stop,
    web_process,
)

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="several nodes share one PostgreSQL database; SQLite is single-node by design "
    "(set PREFCENTER_TEST_DATABASE_URL, or run scripts/with-postgres)",
)

# Contact-us mail from strangers (acknowledged), every DUPLICATE_EVERY-th to both MX at once.
STRANGERS = soak_or(1200, 200)
DUPLICATE_EVERY = 10
# Contacts asking for deletion by mail: acknowledged, and sent a confirmation link.
DELETERS = soak_or(200, 30)
# Contacts asking by mail to stop all mail while clicking one-click on both web nodes.
QUITTERS = soak_or(100, 15)
# Contacts clicking one-click on both web nodes at once; contacts saving the preference page,
# read from one node, on both at once.
CLICKERS = soak_or(400, 40)
SAVERS = soak_or(100, 10)
# Requests blueprint pages are limited per process and client address (prefcenter.web.requests):
# these stay inside the limits whatever the soak, so every answer is the view's own.
READERS = 8  # access requests confirmed by their link on both nodes at once
RENEWERS = 4  # requests asking for a new confirmation link on both nodes at once

SENDERS = 8
WEB_CLIENTS = 6
# A rolling restart of the second SMTP node once this many messages were accepted: its start-up
# sweep and the other node then compete for the messages it left stored.
RESTART_AFTER = 40
BURST_SECONDS = soak_or(600.0, 60.0)
DRAIN_SECONDS = soak_or(600.0, 40.0)

ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TEXTS = {
    "other": "Do you ship abroad? Asking about order {n}.",
    "deletion": "Please delete all my personal data. My customer number is {n}.",
    "discontinue": "Please stop emailing me. My customer number is {n}.",
    "access": "What personal data do you hold about me? My customer number is {n}.",
}
T = TypeVar("T")


@dataclass(frozen=True)
class Mail:
    message_id: str
    sender: str
    kind: str
    raw: bytes


def mail(kind: str, sender: str, number: int) -> Mail:
    message = compose(TEXTS[kind].format(n=number), sender=f"Customer {number} <{sender}>")
    return Mail(str(message["Message-ID"]), sender, kind, bytes(message))


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run every call on its own thread, all released at the same moment; their results."""
    ready = threading.Barrier(len(calls))
    results: list[T | BaseException] = [RuntimeError("did not finish")] * len(calls)

    def run(index: int) -> None:
        ready.wait()
        try:
            results[index] = calls[index]()
        except BaseException as exc:  # raised below, on the caller's thread
            results[index] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


def deliver(item: Mail, mx: list[int], outcome: MtaOutcome, deadline: float) -> None:
    deliver_like_an_mta(item.message_id, item.sender, item.raw, mx, outcome, deadline)


class SmtpNodes:
    """Two `prefcenter smtp` processes; `restart_second` stops one and starts it again."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.ports = [free_port(), free_port()]
        self.starts = 0
        self.servers = [self._start(0), self._start(1)]

    def _log(self, node: int) -> Path:
        return self.folder / f"smtp{node}-{self.starts}.log"

    def _start(self, node: int) -> subprocess.Popen[bytes]:
        self.starts += 1
        args = [PREFCENTER, "smtp", "--port", str(self.ports[node])]
        return start(args, self.env, self._log(node))

    def wait_until_ready(self) -> None:
        for node, server in enumerate(self.servers):
            smtp_when_ready(server, self.ports[node], self._log(node)).quit()

    def restart_second(self) -> None:
        # SIGTERM, as a deploy stops it: queued processing is dropped, and the sweep of the new
        # process takes it up while the other node processes its own.
        assert stop(self.servers[1]) == 0
        self.servers[1] = self._start(1)
        smtp_when_ready(self.servers[1], self.ports[1], self._log(1)).quit()

    def stop(self) -> None:
        codes = [stop(server) for server in self.servers]
        assert codes == [0, 0]

    def logs(self) -> list[Path]:
        return sorted(self.folder.glob("smtp*.log"))


@contextmanager
def worker_processes(env: dict[str, str], folder: Path, count: int) -> Iterator[list[Path]]:
    """`count` `prefcenter worker` processes; stopped (each finishing its batch) on leaving."""
    logs = [folder / f"worker{n}.log" for n in range(count)]
    workers = [start([PREFCENTER, "worker"], env, log) for log in logs]
    try:
        yield logs
    finally:
        for worker in workers:
            stop(worker)


def errors_in(log: Path) -> list[str]:
    """The log's error records and tracebacks: a deadlock, a 5xx or a failed send shows here."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            level = json.loads(line).get("level", "")
        except (ValueError, AttributeError):
            level = ""
        if level in ("ERROR", "CRITICAL") or "Traceback" in line:
            found.append(f"{log.name}: {line[:400]}")
    return found


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def link_in(raw: bytes, kind: str) -> str:
    body = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",))
    assert body is not None
    found = re.search(rf"https?://[^/\s]+(/{kind}/\S+)", body.get_content())
    assert found, raw
    return found.group(1)


def open_by_mail(kind: str, sender: str, number: int) -> PrivacyRequest:
    """Arrange: a request opened from a contact's message, as the SMTP intake would."""
    item = mail(kind, sender, number)
    receipt = intake.accept(item.raw, intake.Envelope(sender, ("privacy@example.com",), "smtp"))
    return db.session.scalars(
        select(PrivacyRequest).where(PrivacyRequest.inbound_message_id == receipt.message_id)
    ).one()


def verification_path(request: PrivacyRequest) -> str:
    row = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.request_id == request.id, OutboxMessage.purpose == "verification"
        )
    ).one()
    return link_in(row.raw, "v")


def session_cookie(headers: http.client.HTTPMessage) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0]
    raise AssertionError("the preference page set no session cookie")


def backlog() -> tuple[int, int, int]:
    """(messages still `stored`, outbox rows, outbox rows not yet sent), read afresh."""
    db.session.rollback()
    stored = db.session.scalar(
        select(func.count(InboundMessage.id)).where(
            InboundMessage.state == MessageState.STORED.value
        )
    )
    rows = db.session.scalar(select(func.count(OutboxMessage.id)))
    unsent = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status != "sent")
    )
    return stored or 0, rows or 0, unsent or 0


def test_two_nodes_of_each_kind_lose_nothing_and_send_nothing_twice(
    app: Flask, tmp_path: Path, relay: tuple[int, RelayHandler]
) -> None:
    # standards D24, D26, E27: every reply email is processed, once; A10, F37: one change each.
    relay_port, relay_handler = relay

    # Arrange: contacts, and requests waiting for a click, committed before any node starts.
    quitters = [f"quitter{n}@customer.example.net" for n in range(QUITTERS)]
    deleters = [f"deleter{n}@customer.example.net" for n in range(DELETERS)]
    for address in [*quitters, *deleters]:
        make_contact(address, categories=["marketing", "updates"])
    clickers = [
        make_contact(f"clicker{n}@customer.example.net", categories=["marketing", "updates"])
        for n in range(CLICKERS)
    ]
    savers = [
        make_contact(f"saver{n}@customer.example.net", categories=["marketing", "updates"])
        for n in range(SAVERS)
    ]
    quitter_contacts = [
        db.session.scalars(select(Contact).where(Contact.email == a)).one() for a in quitters
    ]
    readers = []
    for n in range(READERS):
        make_contact(f"reader{n}@customer.example.net")
        readers.append(open_by_mail("access", f"reader{n}@customer.example.net", n))
    renewers = []
    for n in range(RENEWERS):
        make_contact(f"renewer{n}@customer.example.net")
        renewers.append(open_by_mail("deletion", f"renewer{n}@customer.example.net", n))
    confirm_paths = [verification_path(request) for request in readers]
    status_paths = [f"/r/{status_token(request.reference)}" for request in [*readers, *renewers]]
    renew_paths = [f"/r/{status_token(request.reference)}/new-link" for request in renewers]
    one_click_paths = [
        f"/u/{unsubscribe_token(contact, 'marketing')}"
        for contact in [*clickers, *quitter_contacts]
    ]
    preference_paths = [f"/p/{preferences_token(contact)}" for contact in savers]
    baseline_consent = db.session.scalar(select(func.max(ConsentEvent.id))) or 0
    db.session.commit()

    mails = [
        *(mail("other", f"stranger{n}@mx.example.net", n) for n in range(STRANGERS)),
        *(mail("deletion", address, n) for n, address in enumerate(deleters)),
        *(mail("discontinue", address, n) for n, address in enumerate(quitters)),
    ]
    random.shuffle(mails)
    doubled = {m.message_id for m in mails[::DUPLICATE_EVERY] if m.kind == "other"}

    web_ports = [free_port(), free_port()]
    # One public address, as behind a load balancer: links made on either node point there.
    env = environment_of(app, tmp_path, web_ports[0])
    env.update(PREFCENTER_SMTP_RELAY=f"127.0.0.1:{relay_port}", PREFCENTER_SMTP_STARTTLS="false")
    outcome = MtaOutcome()
    web_statuses: dict[str, Counter[tuple[int, ...]]] = {}

    started = time.monotonic()
    with ExitStack() as nodes:
        smtp = SmtpNodes(env, tmp_path)
        nodes.callback(smtp.stop)
        worker_logs = nodes.enter_context(worker_processes(env, tmp_path, 2))
        web_logs = [tmp_path / f"web{n}.log" for n in range(2)]
        # Small on purpose: six processes share the test machine's CPUs. Both boot at once, as
        # the SMTP and worker processes already do: each takes seconds to build its app.
        webs = [
            web_process(env, port, log, workers=1, threads=4)
            for port, log in zip(web_ports, web_logs, strict=True)
        ]
        with ThreadPoolExecutor(len(webs)) as pool:
            list(pool.map(nodes.enter_context, webs))
        smtp.wait_until_ready()
        ready = time.monotonic()

        def both_web(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, ...]:
            calls = [
                (lambda p=p: request(p, method, path, body, {**FORM, **headers})[0])
                for p in web_ports
            ]
            return tuple(sorted(at_once(calls)))

        def save_preferences(path: str) -> tuple[int, ...]:
            # The page from one node, the form to both: the CSRF token travels in the session
            # cookie, signed with the key every node shares.
            status, headers, page = request(random.choice(web_ports), "GET", path)
            token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
            assert status == 200 and token, page[:400]
            form = urlencode(
                {"csrf_token": token.group(1).decode(), "action": "save", "category": "marketing"}
            ).encode()
            return (status, *both_web("POST", path, form, Cookie=session_cookie(headers)))

        def web_burst() -> None:
            jobs: dict[str, list[Callable[[], tuple[int, ...]]]] = {
                "one-click": [lambda p=p: both_web("POST", p, ONE_CLICK) for p in one_click_paths],
                "preferences": [lambda p=p: save_preferences(p) for p in preference_paths],
                "confirm": [lambda p=p: both_web("POST", p) for p in confirm_paths],
                "new-link": [lambda p=p: both_web("POST", p) for p in renew_paths],
                "status": [lambda p=p: both_web("GET", p) for p in status_paths],
            }
            tagged = [(name, job) for name, batch in jobs.items() for job in batch]
            random.shuffle(tagged)
            with ThreadPoolExecutor(WEB_CLIENTS) as pool:
                futures = [(name, pool.submit(job)) for name, job in tagged]
                for name, future in futures:
                    web_statuses.setdefault(name, Counter())[future.result()] += 1

        def smtp_burst() -> None:
            deadline = time.monotonic() + BURST_SECONDS
            a, b = smtp.ports
            with ThreadPoolExecutor(SENDERS) as pool:
                futures = []
                for number, item in enumerate(mails):
                    if item.message_id in doubled:
                        # Two MTAs (or one retrying at the other MX) with the very same bytes.
                        calls = [
                            lambda i=item: deliver(i, [a, b], outcome, deadline),
                            lambda i=item: deliver(i, [b, a], outcome, deadline),
                        ]
                        futures.append(pool.submit(at_once, calls))
                    else:
                        mx = [a, b] if number % 2 else [b, a]
                        futures.append(pool.submit(deliver, item, mx, outcome, deadline))
                for future in futures:
                    future.result()

        def rolling_restart() -> None:
            deadline = time.monotonic() + BURST_SECONDS
            while outcome.total() < RESTART_AFTER and time.monotonic() < deadline:
                time.sleep(0.01)
            smtp.restart_second()

        at_once([smtp_burst, web_burst, rolling_restart])
        burst_seconds = time.monotonic() - ready

        expected = {
            # Rows by purpose: an acknowledgement per request opened and a confirmation link per
            # request that needs one, then the web nodes' mail: a download link per confirmed
            # access request, and a new confirmation link per new-link POST (one per node).
            "acknowledgement": len(mails) + READERS + RENEWERS,
            "verification": DELETERS + READERS + RENEWERS * 3,
            "access_ready": READERS,
        }
        deadline = time.monotonic() + DRAIN_SECONDS
        # Drained once nothing waits and the rows expected exist; more than that fails below, by
        # name, not as a timeout.
        while (state := backlog())[0] or state[2] or state[1] < sum(expected.values()):
            if time.monotonic() > deadline:
                pytest.fail(f"not drained in {DRAIN_SECONDS} s: (stored, rows, unsent) {state}")
            time.sleep(0.2)
        drain_seconds = time.monotonic() - ready - burst_seconds
    # Every node stopped: a worker that was still sending has finished, so the relay's count is
    # final and a late second copy cannot slip past the assertions.
    total_seconds = time.monotonic() - started

    db.session.rollback()
    sent_ids = [m.message_id for m in mails]
    stored = Counter(
        db.session.scalars(
            select(InboundMessage.message_id).where(InboundMessage.message_id.in_(sent_ids))
        )
    )
    opened = Counter(
        db.session.scalars(
            select(InboundMessage.message_id)
            .join(PrivacyRequest, PrivacyRequest.inbound_message_id == InboundMessage.id)
            .where(InboundMessage.message_id.in_(sent_ids))
        )
    )
    states = Counter(
        db.session.scalars(
            select(InboundMessage.state).where(InboundMessage.message_id.in_(sent_ids))
        )
    )
    kinds = dict(
        db.session.execute(
            select(InboundMessage.message_id, PrivacyRequest.kind).join(
                PrivacyRequest, PrivacyRequest.inbound_message_id == InboundMessage.id
            )
        ).all()
    )
    outbox = db.session.scalars(select(OutboxMessage)).all()
    received = Counter(
        BytesHeaderParser().parsebytes(raw)["Message-ID"] for _, _, raw in relay_handler.received
    )
    recipients = {
        BytesHeaderParser().parsebytes(raw)["Message-ID"]: tuple(to)
        for _, to, raw in relay_handler.received
    }
    consent = Counter(
        db.session.execute(
            select(ConsentEvent.contact_id, ConsentEvent.category, ConsentEvent.new_status).where(
                ConsentEvent.id > baseline_consent
            )
        ).all()
    )
    errors = [line for log in [*smtp.logs(), *worker_logs, *web_logs] for line in errors_in(log)]
    duplicated = sum(1 for n in stored.values() if n > 1) + sum(
        1 for n in received.values() if n > 1
    )
    print(
        f"\nnodes: {len(mails)} messages ({len(doubled)} to both MX at once) took"
        f" {outcome.total()} 250s, retries {dict(outcome.retries)}, {smtp.starts} smtp starts;"
        f" web {sum(sum(c.values()) for c in web_statuses.values())} pairs"
        f" { ({k: dict(v) for k, v in web_statuses.items()}) };"
        f" {len(outbox)} outbox rows, {len(relay_handler.received)} relayed;"
        f" {sum(consent.values())} consent rows; {duplicated} duplicated;"
        f" start {ready - started:.1f} s, burst {burst_seconds:.1f} s, drain {drain_seconds:.1f} s,"
        f" total {total_seconds:.1f} s"
    )

    # The restart happened mid-burst, and mail still flowed to the node that stayed.
    assert smtp.starts == 3 and outcome.total() > RESTART_AFTER
    assert errors == []
    # Inbound: every message answered 250 (both copies of a duplicate too), stored once, processed
    # once into exactly one request of the kind it asked for.
    assert outcome.refused == {}
    assert outcome.accepted == Counter({i: 2 if i in doubled else 1 for i in sent_ids})
    assert stored == Counter(sent_ids)
    assert states == Counter({MessageState.PROCESSED.value: len(mails)})
    assert opened == Counter(sent_ids)
    assert {m.message_id: kinds[m.message_id] for m in mails} == {
        m.message_id: m.kind for m in mails
    }
    # Web: one-click and saves answered 200 on both nodes; a confirmation link worked once and
    # the other node said it was used (standards E34); new-link and status pages answered 200.
    assert web_statuses == {
        "one-click": Counter({(200, 200): CLICKERS + QUITTERS}),
        "preferences": Counter({(200, 200, 200): SAVERS}),
        "confirm": Counter({(200, 400): READERS}),
        "new-link": Counter({(200, 200): RENEWERS}),
        "status": Counter({(200, 200): READERS + RENEWERS}),
    }
    # Outbound: the rows each event should have queued, none more; each sent once, at the first
    # attempt, and the relay got each exactly once, for the recipient the row names.
    assert Counter(row.purpose for row in outbox) == Counter(expected)
    assert {(row.status, row.attempts) for row in outbox} == {("sent", 1)}
    assert received == Counter(row.message_id for row in outbox)
    assert recipients == {row.message_id: (row.recipient,) for row in outbox}
    per_request = Counter((row.request_id, row.purpose) for row in outbox)
    assert {n for (_, purpose), n in per_request.items() if purpose != "verification"} == {1}
    # Consent: one row per real change, whichever node or path made it first.
    assert consent == Counter(
        {
            **{(c.id, "marketing", "unsubscribed"): 1 for c in clickers},
            **{(c.id, "updates", "unsubscribed"): 1 for c in savers},
            # Stopping all mail records every category, one never subscribed to as well.
            **{
                (c.id, category, "unsubscribed"): 1
                for c in quitter_contacts
                for category in ("marketing", "updates", "promotional")
            },
        }
    )
