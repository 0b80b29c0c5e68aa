"""The real servers, started as a user would: `prefcenter web` (gunicorn) and `prefcenter run`.

Both passes of the suite use a SQLite file here: the point is the server, not the database.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.inbound import free_port

PREFCENTER = str(Path(sys.executable).with_name("prefcenter"))
STARTUP_DEADLINE = 20.0
MAIL = b"From: pat@customer.example.net\r\nSubject: hi\r\n\r\nDo you ship to Canada?\r\n"


def environment(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFCENTER_")}
    env.update(
        PREFCENTER_INSTANCE_PATH=str(tmp_path / "instance"),
        PREFCENTER_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        PREFCENTER_BASE_URL=f"http://127.0.0.1:{port}",
    )
    return env


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request, without following redirects: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def api(port: int, key: str, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = json.dumps(payload).encode() if payload is not None else None
    status, _, data = request(port, method, path, body, headers)
    return status, json.loads(data)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_healthy(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"server exited with {server.returncode}:\n{log.read_text()}")
        try:
            status, _, _ = request(port, "GET", "/healthz")
        except OSError:
            time.sleep(0.1)
            continue
        assert status == 200
        return
    pytest.fail(f"no answer from /healthz within {STARTUP_DEADLINE} s:\n{log.read_text()}")


def stop(server: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    if server.poll() is None:
        server.send_signal(sig)
    try:
        return server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        return server.wait()


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [PREFCENTER, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`prefcenter web` on a free port, after `prefcenter init-db`; stopped after the test."""
    port = free_port()
    env = environment(tmp_path, port)
    cli(["init-db"], env)
    log = tmp_path / "web.log"
    bind = f"127.0.0.1:{port}"
    server = start(
        [PREFCENTER, "web", "--bind", bind, "--workers", "1", "--threads", "2"], env, log
    )
    try:
        wait_until_healthy(server, port, log)
        yield port, env
    finally:
        stop(server)


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


def smtp_when_ready(server: subprocess.Popen[bytes], port: int, log: Path) -> smtplib.SMTP:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"smtp exited with {server.returncode}:\n{log.read_text()}")
        try:
            return smtplib.SMTP("127.0.0.1", port, timeout=10)
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"no SMTP greeting within {STARTUP_DEADLINE} s:\n{log.read_text()}")


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
