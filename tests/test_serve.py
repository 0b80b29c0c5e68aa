"""The real servers, started as a user would: `prefcenter web` (gunicorn) and `prefcenter run`.

Both passes of the suite use a SQLite file here: the point is the server, not the database.
"""

from __future__ import annotations

import json
import signal
import smtplib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.inbound import free_port
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
    web_process,
)

MAIL = b"From: pat@customer.example.net\r\nSubject: hi\r\n\r\nDo you ship to Canada?\r\n"


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`prefcenter web` on a free port, after `prefcenter init-db`; stopped after the test."""
    port = free_port()
    env = environment(tmp_path, port)
    cli(["init-db"], env)
    with web_process(env, port, tmp_path / "web.log"):
        yield port, env


def test_production_server_does_one_click_end_to_end(
    web_server: tuple[int, dict[str, str]],
) -> None:
    # standards A4, A6, A7, A8, C18: over real HTTP, a bare urlencoded POST unsubscribes from
    # exactly that list, answers 200 and does not redirect.
    port, env = web_server
    key = cli(["api-key", "create", "sender"], env).stdout.splitlines()[-1]
    status, contact = api(
        port,
        key,
        "POST",
        "/api/v1/contacts",
        {"email": "jane@example.com", "categories": ["marketing", "updates"]},
    )
    assert status == 201, contact
    status, links = api(
        port, key, "POST", "/api/v1/headers", {"email": "jane@example.com", "category": "marketing"}
    )
    assert status == 200, links
    assert links["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    base = f"http://127.0.0.1:{port}"
    assert links["unsubscribe_url"].startswith(f"{base}/u/")

    status, headers, _ = request(
        port,
        "POST",
        links["unsubscribe_url"].removeprefix(base),
        b"List-Unsubscribe=One-Click",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200
    assert headers["Location"] is None

    status, contact = api(port, key, "GET", "/api/v1/contacts/jane@example.com")
    assert status == 200
    assert contact["subscriptions"] == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "unsubscribed",
    }
    assert contact["suppressed_categories"] == ["marketing"]


def test_production_server_refuses_a_revoked_key(web_server: tuple[int, dict[str, str]]) -> None:
    port, env = web_server
    key = cli(["api-key", "create", "sender"], env).stdout.splitlines()[-1]
    assert api(port, key, "GET", "/api/v1/categories")[0] == 200
    cli(["api-key", "revoke", "sender"], env)
    assert api(port, key, "GET", "/api/v1/categories")[0] == 401


def test_embedded_server_sets_up_a_fresh_instance_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, port)
    del env["PREFCENTER_DATABASE_URL"]  # the default: a SQLite file in the new instance folder
    log = tmp_path / "run.log"
    smtp_port = free_port()
    server = start(
        [PREFCENTER, "run", "--web-port", str(port), "--smtp-port", str(smtp_port)], env, log
    )
    try:
        wait_until_healthy(server, port, log)
        status, _, body = request(port, "GET", "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        # The schema is there without `init-db`: a key can be made and used.
        key = cli(["api-key", "create", "sender"], env).stdout.splitlines()[-1]
        assert api(port, key, "GET", "/api/v1/categories")[0] == 200
        assert (tmp_path / "instance" / "prefcenter.sqlite3").exists()
        # The same process receives mail.
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            assert smtp.ehlo()[0] == 250
            refused = smtp.sendmail("pat@customer.example.net", ["privacy@example.com"], MAIL)
        assert refused == {}
    finally:
        code = stop(server, signal.SIGINT)
    assert code == 0, log.read_text()  # Ctrl+C is a clean stop
    assert log.read_text().endswith("stopped\n")


def test_smtp_server_stores_mail_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, free_port())
    cli(["init-db"], env)
    log = tmp_path / "smtp.log"
    server = start([PREFCENTER, "smtp", "--port", str(port)], env, log)
    try:
        with smtp_when_ready(server, port, log) as smtp:
            refused = smtp.sendmail("pat@customer.example.net", ["privacy@example.com"], MAIL)
        assert refused == {}
    finally:
        code = stop(server)
    assert code == 0, log.read_text()
    assert log.read_text().endswith("stopped\n")
    # The message outlived the process.
    with sqlite3.connect(tmp_path / "serve.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM inbound_message").fetchone() == (1,)
