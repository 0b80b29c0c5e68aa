"""Our servers as separate processes, started and stopped as a user (or a crash) would."""

from __future__ import annotations

import http.client
import json
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
from flask import Flask

PREFCENTER = str(Path(sys.executable).with_name("prefcenter"))
STARTUP_DEADLINE = 20.0


def environment(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFCENTER_")}
    env.update(
        PREFCENTER_INSTANCE_PATH=str(tmp_path / "instance"),
        PREFCENTER_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        PREFCENTER_BASE_URL=f"http://127.0.0.1:{port}",
    )
    return env


def environment_of(app: Flask, tmp_path: Path, port: int) -> dict[str, str]:
    """A server process's settings for the test app's database, keys and sender.

    Links the test signs then work in the server, and what the server writes is what the test
    reads through `db.session`.
    """
    config = app.config
    env = environment(tmp_path, port)
    env.update(
        PREFCENTER_DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
        PREFCENTER_SECRET_KEYS=",".join(config["SECRET_KEYS"]),
        PREFCENTER_HASH_KEY=config["HASH_KEY"],
        PREFCENTER_MAIL_DOMAIN=config["MAIL_DOMAIN"],
        PREFCENTER_SENDER_NAME=config["SENDER_NAME"],
        PREFCENTER_POSTAL_ADDRESS=config["POSTAL_ADDRESS"],
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


@contextmanager
def web_process(
    env: dict[str, str], port: int, log: Path, *, workers: int = 1, threads: int = 2
) -> Iterator[subprocess.Popen[bytes]]:
    """`prefcenter web` (gunicorn) on `port`, answering /healthz; stopped on leaving."""
    args = [PREFCENTER, "web", "--bind", f"127.0.0.1:{port}"]
    server = start([*args, "--workers", str(workers), "--threads", str(threads)], env, log)
    try:
        wait_until_healthy(server, port, log)
        yield server
    finally:
        stop(server)


def start_through_pipe(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`start`, but the server writes its output to a pipe that a thread of the test copies to
    `log`: a limit on the size of the files the server may write (RLIMIT_FSIZE, a full disk)
    then leaves its log alone."""
    out = log.open("wb")
    server = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert server.stdout is not None
    threading.Thread(target=_copy, args=(server.stdout, out), daemon=True).start()
    return server


def _copy(source: IO[bytes], out: IO[bytes]) -> None:
    with source, out:
        while chunk := source.read1(65536):  # type: ignore[attr-defined]
            out.write(chunk)
            out.flush()  # the test reads the log while the server runs


def descendants(pid: int) -> list[int]:
    """The processes `pid` started (gunicorn's workers, say), and theirs, from Linux's /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue  # the thread or the process has just ended
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found
