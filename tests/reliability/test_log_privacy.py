"""Privacy of the service itself: its logs name no address and carry no link token, whichever
component writes them, and the suppression list holds keyed hashes, never an address."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import signal
import smtplib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from gunicorn.config import Config
from sqlalchemy import text
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from mail import intake
from prefcenter import logs
from prefcenter.cli import main
from prefcenter.cli.serve import GunicornLogger
from prefcenter.extensions import db
from prefcenter.models import Contact
from prefcenter.services import preferences
from prefcenter.services.links import preferences_token, unsubscribe_token
from tests.conftest import RelayHandler
from tests.factories import make_contact
from tests.inbound import compose, free_port, receive, wait_until_processed
from tests.servers import (
    PREFCENTER,
    api,
    cli,
    environment,
    request,
    smtp_when_ready,
    start,
    stop,
    wait_until_healthy,
)

ADDRESS = "Zelda.Quux@customer.example.net"
# What must appear nowhere: the address, in any case, and the display name that goes with it.
SECRET_WORDS = ("zelda", "quux")


def assert_nothing_personal(written: str, *tokens: str) -> None:
    lowered = written.lower()
    for word in SECRET_WORDS:
        assert word not in lowered, written
    for token in tokens:
        # The contact id and the signature; the category between them is no secret.
        for part in (token.split(".")[0], token.split(".")[-1]):
            assert part not in written, written


def service_log(written: str) -> list[dict[str, Any]]:
    """Every line the service wrote, each of which must be one JSON object."""
    lines = [json.loads(line) for line in written.splitlines()]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
    return lines


def tokens_of(contact: Contact) -> tuple[str, str]:
    return unsubscribe_token(contact, "marketing"), preferences_token(contact)


def test_a_record_is_scrubbed_in_its_message_arguments_extras_and_exception() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.privacy")
    logger.addHandler(logs.handler(stream))
    token = "Ab3_x-9QkLmN.marketing.AbCdEfGhIjKlMnOpQrStUv"
    try:
        logger.warning(
            "unsubscribed %s through %s",
            ADDRESS,
            f"https://prefs.example.com/u/{token}",
            extra={"recipient": ADDRESS, "sent": {"to": [f"unsubscribe+{token}@x.com"]}, "n": 3},
        )
        try:
            raise ValueError(f"no contact {ADDRESS!r} for token {token}")
        except ValueError:
            logger.exception("lookup failed for %r", {"email": ADDRESS})
    finally:
        logger.handlers.clear()
    warning, error = service_log(stream.getvalue())
    assert warning["message"] == "unsubscribed [email] through https://prefs.example.com/u/[token]"
    assert (warning["recipient"], warning["sent"], warning["n"]) == (
        "[email]",
        {"to": ["[email]"]},
        3,
    )
    assert error["message"] == "lookup failed for {'email': '[email]'}"
    assert error["exception"].endswith("ValueError: no contact '[email]' for token [token]")
    assert_nothing_personal(stream.getvalue(), token)


@pytest.mark.parametrize(
    ("written", "logged"),
    [
        pytest.param(
            "POST /u/Ab3_x-9QkLmN.marketing.AbCdEfGhIjKlMnOpQrStUv HTTP/1.1",
            "POST /u/[token] HTTP/1.1",
            id="unsubscribe-path",
        ),
        pytest.param(
            "GET /v/WyJQUi03S1EzLU05WEQiLCJhYmMiXQ.Z1x2Yw.abcdefghijklmnopqrstuvwxyz1?x=1",
            "GET /v/[token]?x=1",
            id="verification-path",
        ),
        pytest.param(
            "GET /console/set-password/WzEsImFiYyJd.Z1x2Yw.abcdefghijklmnopqrstuvwxyz1",
            "GET /console/set-password/[token]",
            id="set-password-path",
        ),
        pytest.param(
            "token Ab3_x-9QkLmN.AbCdEfGhIjKlMnOpQrStUv expired",
            "token [token] expired",
            id="bare-token",
        ),
        pytest.param(
            "GET /api/v1/contacts/zelda.quux%40Customer.Example.net HTTP/1.1",
            "GET /api/v1/contacts/[email] HTTP/1.1",
            id="percent-encoded",
        ),
        pytest.param(
            "('127.0.0.1', 5555) >> b'RCPT TO:<unsubscribe+Ab3_x-9QkLmN.m.AbCdEfGhIjKlMnOpQrStUv@example.com>'",
            "('127.0.0.1', 5555) >> b'RCPT TO:<[email]>'",
            id="smtp-command",
        ),
        pytest.param(
            "b'From: <zeld\\xc3\\xa1.quux@caf\\xc3\\xa9.example>' and zeldá@café.example",
            "b'From: <[email]>' and [email]",
            id="unicode-and-bytes",
        ),
        pytest.param(
            "bounce-zelda=customer.example.net@lists.example.org, o'quux@[192.0.2.1]",
            "[email], [email]",
            id="verp-quote-literal",
        ),
    ],
)
def test_scrub_finds_every_shape_of_address_and_token(written: str, logged: str) -> None:
    assert logs.scrub(written) == logged


@contextmanager
def serving(app: Flask) -> Iterator[int]:
    """The werkzeug server `prefcenter run` uses, on a free port, in this process."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_web_traffic_and_a_failing_page_log_no_address_or_token(
    app: Flask, api_key: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app factory set up one handler: the one writing to standard error, read here.
    assert [h.name for h in logging.getLogger().handlers].count(logs.HANDLER_NAME) == 1
    contact = make_contact(ADDRESS, name="Zelda Quux")
    unsubscribe, prefs = tokens_of(contact)
    bearer = {"Authorization": f"Bearer {api_key}"}

    def broken(*args: object) -> None:
        raise RuntimeError(f"no state for {ADDRESS} behind {prefs}")

    with serving(app) as port:
        one_click = {"Content-Type": "application/x-www-form-urlencoded"}
        body = b"List-Unsubscribe=One-Click"
        assert request(port, "POST", f"/u/{unsubscribe}", body, one_click)[0] == 200
        assert request(port, "GET", f"/p/{prefs}")[0] == 200
        assert request(port, "GET", f"/api/v1/contacts/{quote(ADDRESS)}", None, bearer)[0] == 200
        monkeypatch.setattr(preferences, "state", broken)
        status, _, page = request(port, "GET", f"/p/{prefs}")
        assert status == 500 and b"Something went wrong on our side" in page

    written = capsys.readouterr().err
    assert_nothing_personal(written, unsubscribe, prefs)
    lines = service_log(written)
    access = [line["message"] for line in lines if line["logger"] == "werkzeug"]
    assert any('"POST /u/[token] HTTP/1.1" 200' in line for line in access), access
    assert any('"GET /api/v1/contacts/[email] HTTP/1.1" 200' in line for line in access), access
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert (error["logger"], error["message"]) == (
        "prefcenter.web.errors",
        "unhandled error on GET /p/[token]",
    )
    assert "RuntimeError: no state for [email] behind [token]" in error["exception"]


def test_smtp_sessions_and_a_failed_store_log_no_address_or_token(
    app: Flask,
    smtp_port: int,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # By default aiosmtpd's per-command lines are off; an operator may turn them on (INFO).
    assert logging.getLogger("mail.log").level == logging.WARNING
    caplog.set_level(logging.INFO, logger="mail.log")
    contact = make_contact(ADDRESS)
    unsubscribe, _ = tokens_of(contact)
    mail = compose("Please delete my data.", sender=f"Zelda Quux <{ADDRESS}>").as_bytes()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        smtp.sendmail(ADDRESS, [f"unsubscribe+{unsubscribe}@example.com"], mail)
    wait_until_processed(1)

    def broken(*args: object) -> None:
        raise RuntimeError(f"cannot store mail from {ADDRESS}")

    monkeypatch.setattr(intake, "store_many", broken)
    monkeypatch.setattr(intake, "store", broken)
    with (
        smtplib.SMTP("127.0.0.1", smtp_port) as smtp,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        smtp.sendmail(ADDRESS, ["privacy@example.com"], mail)
    assert refused.value.smtp_code == 451

    written = capsys.readouterr().err
    assert_nothing_personal(written, unsubscribe)
    lines = service_log(written)
    session = [line["message"] for line in lines if line["logger"] == "mail.log"]
    assert any("mail from:<[email]>" in line.lower() for line in session), session
    assert any("rcpt to:<[email]>" in line.lower() for line in session), session
    [failure] = [line for line in lines if line["logger"] == "mail.server"]
    assert failure["message"] == "storing an inbound message failed; answered 451"
    assert "RuntimeError: cannot store mail from [email]" in failure["exception"]


def test_a_relay_refusal_naming_the_address_is_logged_without_it(
    app: Flask, runner: FlaskCliRunner, relay: tuple[int, RelayHandler]
) -> None:
    app.config.update(SMTP_RELAY=f"127.0.0.1:{relay[0]}", SMTP_STARTTLS=False)
    receive(compose("Do you ship to Canada?", sender=ADDRESS), envelope_sender=ADDRESS)
    relay[1].answers.append(f"550 5.1.1 <{ADDRESS}>: Recipient address rejected")
    result = runner.invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert_nothing_personal(result.stderr)
    [refusal] = service_log(result.stderr)
    assert refusal["logger"] == "mail.worker" and refusal["level"] == "WARNING"
    assert refusal["message"].endswith("failed: 550 5.1.1 <[email]>: Recipient address rejected")


def test_gunicorn_error_and_access_logs_are_redacted_json(tmp_path: Path) -> None:
    token = "Ab3_x-9QkLmN.marketing.AbCdEfGhIjKlMnOpQrStUv"
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = GunicornLogger(config)
    try:
        environ = EnvironBuilder(
            path=f"/u/{token}", method="POST", headers={"Referer": f"https://mail/?to={ADDRESS}"}
        ).get_environ()
        environ["RAW_URI"] = f"/u/{token}"
        response = SimpleNamespace(status="200 OK", sent=33, headers=[])
        logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=4))
        try:
            raise ValueError(ADDRESS)
        except ValueError:
            logger.exception("Error handling request %s", f"/p/{token}")
    finally:
        for log in (logger.error_log, logger.access_log):
            for handler in log.handlers[:]:
                log.removeHandler(handler)
                handler.close()
    written = (tmp_path / "access.log").read_text() + (tmp_path / "error.log").read_text()
    assert_nothing_personal(written, token)
    access, error = service_log(written)
    # The address takes "to=" with it: `=` may be part of an address (VERP, SRS).
    assert '"POST /u/[token] HTTP/1.1" 200 33 "https://mail/?[email]"' in access["message"]
    assert (error["logger"], error["message"]) == (
        "gunicorn.error",
        "Error handling request /p/[token]",
    )
    assert error["exception"].endswith("ValueError: [email]")


def test_prefcenter_run_writes_only_redacted_json_logs(tmp_path: Path) -> None:
    # The whole embedded service as a user starts it: web, SMTP intake and outbox worker.
    web_port, smtp_port = free_port(), free_port()
    env = environment(tmp_path, web_port)
    log = tmp_path / "run.log"
    args = [PREFCENTER, "run", "--web-port", str(web_port), "--smtp-port", str(smtp_port)]
    server = start(args, env, log)
    try:
        wait_until_healthy(server, web_port, log)
        key = cli(["api-key", "create", "sender"], env).stdout.splitlines()[-1]
        payload = {"email": ADDRESS, "name": "Zelda Quux", "categories": ["marketing"]}
        assert api(web_port, key, "POST", "/api/v1/contacts", payload)[0] == 201
        wanted = {"email": ADDRESS, "category": "marketing"}
        status, links = api(web_port, key, "POST", "/api/v1/headers", wanted)
        assert status == 200, links
        unsubscribe = urlsplit(links["unsubscribe_url"]).path
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        assert request(web_port, "POST", unsubscribe, b"List-Unsubscribe=One-Click", form)[0] == 200
        assert request(web_port, "GET", urlsplit(links["preferences_url"]).path)[0] == 200
        mail = compose("Please delete my data.", sender=f"Zelda Quux <{ADDRESS}>").as_bytes()
        with smtp_when_ready(server, smtp_port, log) as smtp:
            smtp.sendmail(ADDRESS, ["privacy@example.com"], mail)
    finally:
        assert stop(server, signal.SIGINT) == 0
    written = log.read_text()
    assert_nothing_personal(written, unsubscribe.rsplit("/", 1)[1])
    records = [line for line in written.splitlines() if line.startswith("{")]
    # The rest: the command's own messages and, before the service starts, Alembic's.
    others = [line for line in written.splitlines() if not line.startswith("{")]
    echoed = ("prefcenter ", "Press Ctrl+C", "stopped", "INFO  [alembic")
    assert all(line.startswith(echoed) for line in others), others
    access = [line["message"] for line in service_log("\n".join(records))]
    assert any('"POST /u/[token] HTTP/1.1" 200' in line for line in access), access


def test_the_suppression_list_holds_keyed_hashes_never_an_address(
    app: Flask, client: FlaskClient
) -> None:
    contact = make_contact(ADDRESS)
    unsubscribe, _ = tokens_of(contact)
    assert client.post(f"/u/{unsubscribe}").status_code == 200  # one-click
    stranger = "Quux.Stranger@customer.example.net"
    receive(compose("Please stop emailing me.", sender=stranger), envelope_sender=stranger)
    db.session.rollback()
    rows = db.session.execute(text("SELECT * FROM suppression")).all()
    assert {(row.scope, row.channel) for row in rows} == {
        ("marketing", "one_click"),
        ("all", "email"),
    }
    stored = repr(rows).lower()
    assert "quux" not in stored and "customer.example" not in stored
    keyed = {
        hmac.new(b"test-hash-key", address.lower().encode(), hashlib.sha256).hexdigest()
        for address in (ADDRESS, stranger)
    }
    assert {row.address_hash for row in rows} == keyed
    # Keyed: a plain SHA-256 of a guessed address finds nothing without PREFCENTER_HASH_KEY.
    plain = {hashlib.sha256(a.lower().encode()).hexdigest() for a in (ADDRESS, stranger)}
    assert not plain & {row.address_hash for row in rows}
