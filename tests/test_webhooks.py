"""Webhooks: change events POSTed, signed, to a real local HTTP receiver, with retries, backoff,
a delivery log, automatic disabling, and the README's verification recipe."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import Contact, WebhookDelivery, WebhookEndpoint
from prefcenter.services import webhook_delivery
from prefcenter.services.addresses import normalise
from prefcenter.services.links import unsubscribe_token
from tests.factories import make_contact
from tests.inbound import free_port
from tests.servers import PREFCENTER, environment_of, start, stop
from tests.test_openapi import SPEC, assert_documented, documented_response
from tests.test_relay_tls import self_signed


# The README's recipe for receivers, copied unchanged: the tests check what receivers got with it.
def verify_prefcenter_signature(
    secret: str, header: str, body: bytes, now: float | None = None
) -> bool:
    """True if `body`, the raw request body, was signed by prefcenter with `secret` within the
    last 5 minutes. `header` is the X-Prefcenter-Signature value."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = fields.get("t", "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > 300:
        return False  # outside the replay window
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), fields.get("v1", "").encode())


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What a real HTTP server on a free local port was POSTed; `answers` are given before 200s."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, received: Received) -> int:
        time.sleep(self.delay)
        with self.lock:
            self.requests.append(received)
            return self.answers.pop(0) if self.answers else 200


class _Handler(BaseHTTPRequestHandler):
    server: _ReceiverServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.server.receiver.answer(Received(self.path, self.headers, body))
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "https://elsewhere.example.net/")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


@contextmanager
def running(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A receiver on a free local port, with TLS if given a server context."""
    server = _ReceiverServer(("127.0.0.1", 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    url = f"{scheme}://127.0.0.1:{server.server_address[1]}/hooks/prefs?k=1"
    server.receiver = Receiver(url=url)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running() as receiver:
        yield receiver


class Clock:
    """The service's clock, moved by hand."""

    def __init__(self, app: Flask) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)
        app.config["CLOCK"] = lambda: self.at

    def move(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(app: Flask) -> Clock:
    return Clock(app)


def add_endpoint(runner: FlaskCliRunner, url: str, events: str | None = None) -> tuple[int, str]:
    """`prefcenter webhook add`: the new endpoint's id and its secret (the last line)."""
    args = ["webhook", "add", url] + (["--events", events] if events is not None else [])
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    first, *_, secret = result.stdout.splitlines()
    return int(first.split()[1]), secret


def one_click(client: FlaskClient, contact: Contact, category: str = "marketing") -> None:
    response = client.post(
        f"/u/{unsubscribe_token(contact, category)}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200


def endpoint_then_one_click(
    client: FlaskClient, runner: FlaskCliRunner, url: str, events: str = "consent.changed"
) -> tuple[int, str]:
    """An endpoint for `events` at `url`, then one change: Jane unsubscribes from marketing."""
    jane = make_contact("jane@example.com", ["marketing"])
    endpoint_id, secret = add_endpoint(runner, url, events)
    one_click(client, jane)
    return endpoint_id, secret


def deliver() -> int:
    """One worker pass, as the worker's loop runs it, from a fresh session."""
    db.session.rollback()
    return webhook_delivery.run_once()


def deliveries() -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def endpoint(endpoint_id: int) -> WebhookEndpoint:
    db.session.rollback()
    found = db.session.get(WebhookEndpoint, endpoint_id)
    assert found is not None
    return found


def test_a_change_is_posted_as_the_feed_shows_it_signed_for_the_readme_recipe(
    client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver, clock: Clock, api_key: str
) -> None:
    jane = make_contact("jane@example.com", ["marketing"])
    _, secret = add_endpoint(runner, receiver.url, "consent.changed,suppression.added")
    assert secret.startswith("whsec_")
    one_click(client, jane)

    assert deliver() == 2
    feed = client.get("/api/v1/events", headers={"Authorization": f"Bearer {api_key}"})
    assert [r.event for r in receiver.requests] == feed.get_json()["events"][-2:]
    by_type = {r.headers["X-Prefcenter-Event"]: r for r in receiver.requests}
    consent = by_type["consent.changed"]
    assert consent.path == "/hooks/prefs?k=1"
    assert consent.headers["Content-Type"] == "application/json"
    assert consent.headers["User-Agent"] == "prefcenter-webhooks"
    assert consent.headers["X-Prefcenter-Delivery"].isdigit()
    assert consent.event | {"id": None, "occurred_at": None} == {
        "id": None,
        "type": "consent.changed",
        "occurred_at": None,
        "contact": jane.uid,
        "email": "jane@example.com",
        "category": "marketing",
        "old": "subscribed",
        "new": "unsubscribed",
        "channel": "one_click",
        "detail": None,
        "request": None,
    }
    assert by_type["suppression.added"].event["category"] == "marketing"

    signature = consent.headers["X-Prefcenter-Signature"]
    assert signature.startswith(f"t={int(clock.at.timestamp())},v1=")
    now = clock.at.timestamp()
    assert verify_prefcenter_signature(secret, signature, consent.body, now)
    assert verify_prefcenter_signature(secret, signature, consent.body, now + 299)
    assert not verify_prefcenter_signature(secret.replace("_", "-"), signature, consent.body, now)
    altered = consent.body.replace(b'"unsubscribed"', b'"subscribed"')
    assert not verify_prefcenter_signature(secret, signature, altered, now)
    assert not verify_prefcenter_signature(secret, signature, consent.body, now + 301)
    assert not verify_prefcenter_signature(secret, signature, consent.body, now - 301)
    assert not verify_prefcenter_signature(secret, signature.split(",")[1], consent.body, now)
    # Delivered: the body, which names the person, is not kept; the log keeps the answers.
    assert {(d.status, d.attempts, d.body, d.last_status) for d in deliveries()} == {
        ("sent", 1, b"", 200)
    }


def test_a_500_is_retried_with_backoff_until_it_is_delivered_once(
    client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver, clock: Clock
) -> None:
    endpoint_id, secret = endpoint_then_one_click(client, runner, receiver.url)
    receiver.answers = [500, 500]
    started = clock.at

    assert deliver() == 1
    [line] = runner.invoke(main, ["webhook", "log", str(endpoint_id)]).stdout.splitlines()
    due = started + timedelta(minutes=1)
    assert f"\tpending\tattempts: 1\tnext attempt {due:%Y-%m-%d %H:%M:%S}\t" in line
    assert line.endswith("500 Internal Server Error: ok")
    assert deliver() == 0  # the next attempt waits a minute
    clock.move(minutes=1)
    assert deliver() == 1
    clock.move(minutes=1, seconds=59)
    assert deliver() == 0  # then two
    clock.move(seconds=1)
    assert deliver() == 1
    clock.move(hours=2)
    assert deliver() == 0

    times = [int(r.headers["X-Prefcenter-Signature"].split(",")[0][2:]) for r in receiver.requests]
    assert [t - int(started.timestamp()) for t in times] == [0, 60, 180]
    assert len({(r.body, r.headers["X-Prefcenter-Delivery"]) for r in receiver.requests}) == 1
    for r, t in zip(receiver.requests, times, strict=True):
        assert verify_prefcenter_signature(secret, r.headers["X-Prefcenter-Signature"], r.body, t)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("sent", 3, 200)
    assert delivery.delivered_at == started + timedelta(minutes=3)
    assert endpoint(endpoint_id).failures == 0
    log = runner.invoke(main, ["webhook", "log", str(endpoint_id)])
    assert log.exit_code == 0, log.output
    [line] = log.stdout.splitlines()
    assert "\tconsent.changed\tsent\tattempts: 3\tdelivered " in line
    assert line.endswith("200 OK: ok")


@pytest.mark.parametrize("config_overrides", [{"WEBHOOK_FAILURE_LIMIT": 3}])
def test_a_run_of_failures_disables_the_endpoint_and_enable_resumes_where_it_stopped(
    client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver, clock: Clock
) -> None:
    jane = make_contact("jane@example.com", ["marketing", "updates"])
    endpoint_id, _ = add_endpoint(runner, receiver.url, "consent.changed")
    one_click(client, jane, "marketing")
    receiver.answers = [500, 500, 500]
    for wait in (0, 1, 2):
        clock.move(minutes=wait)
        assert deliver() == 1
    disabled = endpoint(endpoint_id)
    assert disabled.disabled_at == clock.at
    assert (
        disabled.disabled_reason
        == "3 failed attempts in a row; last: 500 Internal Server Error: ok"
    )
    listed = runner.invoke(main, ["webhook", "list"]).stdout
    assert f"{endpoint_id}\t{receiver.url}\tconsent.changed\tdisabled " in listed

    # Disabled: what waits is kept, and what happens meanwhile is queued once it is enabled.
    one_click(client, jane, "updates")
    clock.move(hours=3)
    assert deliver() == 0
    assert len(receiver.requests) == 3
    assert [d.status for d in deliveries()] == ["pending"]

    result = runner.invoke(main, ["webhook", "enable", str(endpoint_id)])
    assert result.exit_code == 0, result.output
    assert deliver() == 2
    assert [r.event["category"] for r in receiver.requests] == ["marketing"] * 4 + ["updates"]
    assert [(d.status, d.attempts) for d in deliveries()] == [("sent", 4), ("sent", 1)]
    assert endpoint(endpoint_id).disabled_at is None


def test_after_two_failures_in_a_row_the_other_deliveries_wait_with_the_failed_one(
    client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver, clock: Clock
) -> None:
    people = [make_contact(f"p{n}@example.com", ["marketing"]) for n in range(4)]
    endpoint_id, _ = add_endpoint(runner, receiver.url, "consent.changed")
    for person in people:
        one_click(client, person)
    receiver.answers = [500, 500]

    # The first failure may be about its event; the second says the endpoint is down, and the
    # rest wait rather than each count towards disabling it.
    assert deliver() == 4
    assert len(receiver.requests) == 2
    assert endpoint(endpoint_id).failures == 2
    assert [(d.status, d.attempts) for d in deliveries()] == [("pending", 1)] * 2 + [
        ("pending", 0)
    ] * 2
    assert {d.next_attempt_at for d in deliveries()} == {clock.at + timedelta(minutes=1)}
    clock.move(minutes=1)
    assert deliver() == 4
    assert [d.status for d in deliveries()] == ["sent"] * 4
    sent = Counter(r.event["email"] for r in receiver.requests)
    assert sent == {
        "p0@example.com": 2,
        "p1@example.com": 2,
        "p2@example.com": 1,
        "p3@example.com": 1,
    }


def test_only_the_event_types_asked_for_are_sent(
    client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver, clock: Clock
) -> None:
    endpoint_then_one_click(client, runner, receiver.url, "suppression.added")
    assert deliver() == 1
    assert [r.headers["X-Prefcenter-Event"] for r in receiver.requests] == ["suppression.added"]
    assert len(deliveries()) == 1


def test_an_endpoint_added_after_an_event_never_gets_it(
    client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver, clock: Clock
) -> None:
    jane = make_contact("jane@example.com", ["marketing", "updates"])
    one_click(client, jane, "marketing")
    add_endpoint(runner, receiver.url)
    result = runner.invoke(main, ["worker", "--once"])
    assert "webhook deliveries tried: 0" in result.stdout
    assert receiver.requests == []
    one_click(client, jane, "updates")
    result = runner.invoke(main, ["worker", "--once"])
    assert "webhook deliveries tried: 2" in result.stdout
    assert {r.event["category"] for r in receiver.requests} == {"updates"}


@pytest.mark.parametrize(
    ("url", "events", "error"),
    [
        (
            "http://127.0.0.1:9/h",
            "consent.changed,nope",
            "events: unknown event type nope; known: ",
        ),
        ("http://127.0.0.1:9/h", " , ", "events: name at least one event type"),
        ("ftp://example.com/h", None, "url: must be an http:// or https:// URL"),
        ("https:///h", None, "url: must name a host"),
        ("example.com/h", None, "url: must be an http:// or https:// URL"),
        ("https://user:pw@example.com/h", None, "url: must not hold a user name or password"),
        ("https://example.com/a b", None, "url: must not contain spaces or control characters"),
        ("https://example.com:99999/h", None, "url: has a port that is not a number"),
    ],
)
def test_unknown_event_types_and_bad_urls_are_refused_and_create_nothing(
    runner: FlaskCliRunner, url: str, events: str | None, error: str
) -> None:
    args = ["webhook", "add", url] + (["--events", events] if events is not None else [])
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {error}")
    assert db.session.scalar(select(func.count(WebhookEndpoint.id))) == 0


def test_production_takes_https_urls_only(app: Flask, runner: FlaskCliRunner) -> None:
    app.config["ENV"] = "production"
    refused = runner.invoke(main, ["webhook", "add", "http://hooks.example.com/prefs"])
    assert refused.exit_code == 1
    assert "url: must be https:// in production" in refused.stderr
    assert add_endpoint(runner, "https://hooks.example.com/prefs")[0] == 1


@pytest.mark.parametrize(
    ("answer", "result"),
    [
        (302, "302 Found: redirects are not followed (Location: https://elsewhere.example.net/)"),
        (404, "404 Not Found: ok"),
        ("timeout", "no answer: TimeoutError: timed out"),
        ("refused", "no answer: ConnectionRefusedError: [Errno 111] Connection refused"),
    ],
)
def test_a_redirect_an_error_no_answer_or_a_timeout_is_a_failed_attempt(
    client: FlaskClient,
    runner: FlaskCliRunner,
    receiver: Receiver,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    answer: int | str,
    result: str,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/" if answer == "refused" else receiver.url
    endpoint_then_one_click(client, runner, url)
    if answer == "timeout":
        monkeypatch.setattr(webhook_delivery, "TIMEOUT_SECONDS", 0.2)
        receiver.delay = 1.0
    elif isinstance(answer, int):
        receiver.answers = [answer]
    deliver()
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_result) == ("pending", 1, result)
    assert delivery.last_status == (answer if isinstance(answer, int) else None)


def test_an_https_receiver_needs_a_certificate_the_system_trusts(
    client: FlaskClient,
    runner: FlaskCliRunner,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert_file, key_file = self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    with running(tls) as receiver:
        endpoint_then_one_click(client, runner, receiver.url)
        deliver()
        [delivery] = deliveries()
        assert delivery.last_result is not None
        assert delivery.last_result.startswith("no answer: SSLCertVerificationError: ")
        assert receiver.requests == []
        # Trusted by the system (OpenSSL reads SSL_CERT_FILE for its default authorities).
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        clock.move(minutes=1)
        deliver()
        assert [r.headers["X-Prefcenter-Event"] for r in receiver.requests] == ["consent.changed"]


def test_a_delivery_that_keeps_failing_gives_up_and_drops_its_body(
    client: FlaskClient,
    runner: FlaskCliRunner,
    receiver: Receiver,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhook_delivery, "MAX_ATTEMPTS", 2)
    endpoint_then_one_click(client, runner, receiver.url)
    receiver.answers = [500, 500]
    deliver()
    clock.move(minutes=1)
    deliver()
    clock.move(days=1)
    assert deliver() == 0
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.body) == ("failed", 2, b"")


def test_erasure_blanks_the_address_in_queued_bodies(
    client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver, clock: Clock
) -> None:
    endpoint_then_one_click(client, runner, receiver.url)
    receiver.answers = [500]
    deliver()
    webhook_delivery.forget_address(normalise("Jane@Example.com"))
    db.session.commit()
    clock.move(minutes=1)
    deliver()
    assert [r.event["email"] for r in receiver.requests] == ["jane@example.com", None]


def test_concurrent_worker_passes_deliver_each_event_once(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, receiver: Receiver
) -> None:
    people = [make_contact(f"p{n}@example.com", ["marketing"]) for n in range(15)]
    add_endpoint(runner, receiver.url)
    add_endpoint(runner, receiver.url.replace("prefs", "other"), "consent.changed")
    for person in people:
        one_click(client, person)
    db.session.rollback()
    workers = 4
    start_together = threading.Barrier(workers)

    def work() -> None:
        with app.app_context():
            start_together.wait()
            while webhook_delivery.run_once():
                pass

    with ThreadPoolExecutor(workers) as pool:
        for done in [pool.submit(work) for _ in range(workers)]:
            done.result()  # raises what the worker raised
    sent = Counter((r.path, r.body) for r in receiver.requests)
    # Each one-click makes a suppression and a consent event: both to the first endpoint, the
    # consent one to the second.
    assert len(sent) == 15 * 3 and set(sent.values()) == {1}
    assert {(d.status, d.attempts) for d in deliveries()} == {("sent", 1)}


def test_the_worker_process_delivers_to_the_receiver(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    _, secret = endpoint_then_one_click(client, runner, receiver.url)
    db.session.rollback()
    log = tmp_path / "worker.log"
    worker = start([PREFCENTER, "worker"], environment_of(app, tmp_path, free_port()), log)
    try:
        deadline = time.monotonic() + 15
        while not receiver.requests and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.05)
    finally:
        assert stop(worker) == 0, log.read_text()
    [received] = receiver.requests
    assert received.event["email"] == "jane@example.com"
    assert verify_prefcenter_signature(
        secret, received.headers["X-Prefcenter-Signature"], received.body
    )


# The API


def test_the_api_adds_shows_pages_pauses_and_removes_webhooks_as_documented(
    api: FlaskClient, receiver: Receiver, clock: Clock
) -> None:
    jane = make_contact("jane@example.com", ["marketing"])
    created = api.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["consent.changed"]}
    )
    assert created.status_code == 201, created.get_json()
    assert_documented("/webhooks", "post", created)
    webhook = created.get_json()
    secret = webhook.pop("secret")
    assert secret.startswith("whsec_")
    assert webhook["events"] == ["consent.changed"] and webhook["enabled"] is True
    path = f"/api/v1/webhooks/{webhook['id']}"

    one_click(api, jane)
    receiver.answers = [500]
    deliver()
    for url, documented in [
        (path, "/webhooks/{webhook_id}"),
        ("/api/v1/webhooks", "/webhooks"),
        (f"{path}/deliveries", "/webhooks/{webhook_id}/deliveries"),
    ]:
        response = api.get(url)
        assert response.status_code == 200
        assert_documented(documented, "get", response)
        assert secret not in response.text
    [delivery] = api.get(f"{path}/deliveries").get_json()["items"]
    assert delivery["event_type"] == "consent.changed"
    assert (delivery["status"], delivery["attempts"], delivery["last_status"]) == (
        "pending",
        1,
        500,
    )
    assert delivery["next_attempt_at"] == (clock.at + timedelta(minutes=1)).isoformat()
    [event] = api.get("/api/v1/events").get_json()["events"][-1:]
    assert delivery["event_id"] == event["id"]

    disabled = api.post(f"{path}/disable")
    assert_documented("/webhooks/{webhook_id}/disable", "post", disabled)
    assert disabled.get_json()["enabled"] is False
    assert disabled.get_json()["disabled_reason"] == "disabled through the API by api_key:sender"
    assert deliver() == 0
    enabled = api.post(f"{path}/enable")
    assert_documented("/webhooks/{webhook_id}/enable", "post", enabled)
    assert enabled.get_json()["enabled"] is True
    assert deliver() == 1  # due at once, not at its backoff
    assert [d["status"] for d in api.get(f"{path}/deliveries").get_json()["items"]] == ["sent"]

    removed = api.delete(path)
    assert removed.status_code == 204 and removed.data == b""
    documented, _ = documented_response("/webhooks/{webhook_id}", "delete", 204)
    assert "content" not in documented
    assert deliveries() == []
    for method, url, documented in [
        ("get", path, "/webhooks/{webhook_id}"),
        ("delete", path, "/webhooks/{webhook_id}"),
        ("post", f"{path}/enable", "/webhooks/{webhook_id}/enable"),
        ("get", f"{path}/deliveries", "/webhooks/{webhook_id}/deliveries"),
    ]:
        response = api.open(url, method=method)
        assert response.status_code == 404
        assert response.get_json()["error"] == "webhook_not_found"
        assert_documented(documented, method, response)


def test_the_api_pages_webhooks_with_limit_and_cursor(api: FlaskClient) -> None:
    for n in range(3):
        assert (
            api.post("/api/v1/webhooks", json={"url": f"https://h{n}.example.com/"}).status_code
            == 201
        )
    first = api.get("/api/v1/webhooks?limit=2").get_json()
    assert [w["url"] for w in first["items"]] == [
        "https://h0.example.com/",
        "https://h1.example.com/",
    ]
    assert first["total"] == 3 and first["next"] is not None
    rest = api.get(f"/api/v1/webhooks?limit=2&cursor={first['next']}").get_json()
    assert [w["url"] for w in rest["items"]] == ["https://h2.example.com/"]
    assert rest["next"] is None
    assert (
        rest["items"][0]["events"]
        == SPEC["components"]["schemas"]["WebhookCreate"]["properties"]["events"]["items"]["enum"]
    )


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"url": "https://h.example.com/", "events": ["consent.changed", "nope"]}, 422, "events.1"),
        ({"url": "https://h.example.com/", "events": []}, 422, "events"),
        ({"url": "ftp://h.example.com/"}, 422, "url"),
        ({"url": "https://h.example.com/", "secret": "mine"}, 422, "(body)"),
        ("not json", 400, None),
    ],
)
def test_the_api_refuses_a_bad_webhook_and_creates_nothing(
    api: FlaskClient, body: Any, status: int, fields: str | None
) -> None:
    if isinstance(body, str):
        response = api.post("/api/v1/webhooks", data=body, content_type="text/plain")
    else:
        response = api.post("/api/v1/webhooks", json=body)
    assert response.status_code == status
    assert_documented("/webhooks", "post", response)
    if fields is not None:
        assert response.get_json()["error"] == "validation_failed"
        assert fields in response.get_json()["fields"]
    assert api.get("/api/v1/webhooks").get_json()["total"] == 0


@pytest.mark.parametrize(
    ("method", "url", "documented"),
    [
        ("get", "/api/v1/webhooks", "/webhooks"),
        ("post", "/api/v1/webhooks", "/webhooks"),
        ("get", "/api/v1/webhooks/1", "/webhooks/{webhook_id}"),
        ("delete", "/api/v1/webhooks/1", "/webhooks/{webhook_id}"),
        ("get", "/api/v1/webhooks/1/deliveries", "/webhooks/{webhook_id}/deliveries"),
        ("post", "/api/v1/webhooks/1/enable", "/webhooks/{webhook_id}/enable"),
        ("post", "/api/v1/webhooks/1/disable", "/webhooks/{webhook_id}/disable"),
    ],
)
def test_webhooks_need_an_api_key(
    client: FlaskClient, method: str, url: str, documented: str
) -> None:
    response = client.open(url, method=method, json={})
    assert response.status_code == 401
    assert_documented(documented, method, response)


def test_remove_and_disable_from_the_command_line(
    runner: FlaskCliRunner, receiver: Receiver
) -> None:
    endpoint_id, _ = add_endpoint(runner, receiver.url)
    assert runner.invoke(main, ["webhook", "disable", str(endpoint_id)]).exit_code == 0
    assert endpoint(endpoint_id).disabled_reason == "disabled with prefcenter webhook disable"
    assert runner.invoke(main, ["webhook", "remove", str(endpoint_id)]).exit_code == 0
    assert runner.invoke(main, ["webhook", "list"]).stdout == ""
    gone = runner.invoke(main, ["webhook", "enable", str(endpoint_id)])
    assert gone.exit_code == 1
    assert gone.stderr == f"Error: There is no webhook {endpoint_id}.\n"


def test_the_recipe_in_the_readme_is_the_one_these_tests_use() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert inspect.getsource(verify_prefcenter_signature) in readme
