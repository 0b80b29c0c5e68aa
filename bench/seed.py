"""What bench/suppressions.py and bench/growth.py share: the data they agree on, bulk loading,
and running `prefcenter web` and other benchmarks as child processes.

The suppression check and its seeding must agree on three things without talking to each other
(growth seeds a database once, then runs the check against it with `--use-existing`): the hash
key, which addresses are suppressed, and for which scope. They are fixed here.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, insert, make_url

from bench.common import RESULT_MARK, BenchError
from bench.smtp_intake import HOST, PREFCENTER, service_env, stop, tail
from prefcenter.extensions import db
from prefcenter.models import ALL_CATEGORIES, Suppression

ROOT = Path(__file__).resolve().parent.parent
# Not the development default, so a run proves the server hashes with the key it was given.
HASH_KEY = "bench-suppression-hash-key-0123456789"
CATEGORY = "marketing"
# A send of a million recipients repeats a few thousand domains, not a million.
DOMAINS = 1000
# Suppression i is address number i * SPACING: about one checked address in ten is suppressed.
SPACING = 10
# When seeded rows were "created": fixed, so two runs seed identical tables.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
READY_SECONDS = 30.0
STOP_SECONDS = 10.0
PROGRESS_ROWS = 1_000_000


# --- the data both sides agree on ---------------------------------------------------------------


def short(n: int) -> str:
    """1M, 100k, 2,500: sizes as the figure's name gives them."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def check_address(n: int) -> str:
    """Address number n of those the suppression check sends."""
    return f"person{n}@mail{n % DOMAINS}.example.org"


def suppression_scope(i: int) -> str:
    """Most suppressions cover all mail; some one category, marketing or another."""
    return {0: CATEGORY, 1: "updates"}.get(i % 10, ALL_CATEGORIES)


def keyed_hash(key: bytes, address: str) -> str:
    """The suppression hash of an address already normalised (prefcenter's `address_hash`)."""
    return hmac.new(key, address.lower().encode(), hashlib.sha256).hexdigest()


def suppressed_numbers(addresses: int, suppressions: int, category: str = CATEGORY) -> set[int]:
    """The numbers of the checked addresses that are suppressed for `category`."""
    return {
        i * SPACING
        for i in range(min(suppressions, -(-addresses // SPACING)))
        if suppression_scope(i) in (ALL_CATEGORIES, category)
    }


def suppression_rows(count: int) -> Iterator[tuple[Any, ...]]:
    """(address_hash, scope, reason, channel, created_at) of `count` suppressions."""
    key = HASH_KEY.encode()
    for i in range(count):
        scope = suppression_scope(i)
        reason, channel = (
            ("unsubscribe_all", "preference_page")
            if scope == ALL_CATEGORIES
            else ("unsubscribe", "one_click")
        )
        yield (
            keyed_hash(key, check_address(i * SPACING)),
            scope,
            reason,
            channel,
            EPOCH + timedelta(seconds=i),
        )


SUPPRESSION_COLUMNS = ("address_hash", "scope", "reason", "channel", "created_at")


def seed_suppressions(url: str, count: int) -> float:
    """Load `count` suppressions; the seconds it took."""
    started = time.perf_counter()
    load_rows(url, Suppression.__tablename__, SUPPRESSION_COLUMNS, suppression_rows(count))
    return time.perf_counter() - started


# --- bulk loading -------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def pg_conninfo(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it (no `+psycopg` driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def load_rows(url: str, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Append `rows` to `table`, streamed: COPY on PostgreSQL, batched INSERTs elsewhere."""
    if is_postgres(url):
        count = 0
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with (
            psycopg.connect(pg_conninfo(url)) as connection,
            connection.cursor() as cursor,
            cursor.copy(copy_sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    target = db.metadata.tables[table]
    engine = create_engine(url)
    count = 0
    try:
        with engine.begin() as connection:
            for batch in batched(rows, 10_000):
                connection.execute(
                    insert(target), [dict(zip(columns, r, strict=True)) for r in batch]
                )
                count += len(batch)
    finally:
        engine.dispose()
    return count


def batched(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def with_progress(
    rows: Iterable[tuple[Any, ...]], label: str, total: int
) -> Iterator[tuple[Any, ...]]:
    """`rows` unchanged, printing the rate every million: a 10M-row COPY is minutes of silence."""
    started = time.perf_counter()
    for count, row in enumerate(rows, 1):
        yield row
        if count % PROGRESS_ROWS == 0 and count < total:
            seconds = time.perf_counter() - started
            print(
                f"  {label}: {count:,} of {total:,} rows, {count / seconds:,.0f} rows/s", flush=True
            )


# --- child processes ----------------------------------------------------------------------------


def web_env(instance: Path, database_url: str, batch_limit: int | None = None) -> dict[str, str]:
    """The environment of every prefcenter command of a run: the same database and hash key."""
    env = service_env(instance, database_url)
    env["PREFCENTER_HASH_KEY"] = HASH_KEY
    if batch_limit is not None:
        env["PREFCENTER_API_BATCH_LIMIT"] = str(batch_limit)
    return env


def create_api_key(env: dict[str, str], name: str) -> str:
    """A new key named `name`; `prefcenter api-key create` prints it as its last line."""
    done = subprocess.run(
        [PREFCENTER, "api-key", "create", name], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"prefcenter api-key create failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def answers_health(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def children_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each child of process `pid` (Linux /proc).

    The gunicorn master forks the workers: how their CPU time grows during a load shows whether
    the load was spread over them or kept one busy while the other idled.
    """
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: split after its closing one.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            used[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
    return used


@contextmanager
def web_server(
    env: dict[str, str], port: int, log: Path, workers: int, threads: int
) -> Iterator[int]:
    """`prefcenter web` (gunicorn) answering /healthz on `port`, stopped on leaving; its pid."""
    command = [
        PREFCENTER,
        "web",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    with log.open("wb") as output:
        # Its own session: a Ctrl+C in the terminal reaches only the benchmark, which stops it.
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not answers_health(port):
            if process.poll() is not None:
                raise BenchError(f"prefcenter web exited with {process.returncode}:\n{tail(log)}")
            if time.monotonic() > deadline:
                raise BenchError(
                    f"prefcenter web did not answer within {READY_SECONDS:.0f} s:\n{tail(log)}"
                )
            time.sleep(0.2)
        yield process.pid
    finally:
        stop(process)


def run_benchmark(module: str, args: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run `python -m <module> args` from the repository root, echoing its output; its result."""
    command = [sys.executable, "-m", module, *args]
    print(f"$ {' '.join(command)}", flush=True)
    # Its own process group, so that stopping it also stops the servers it started.
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1, start_new_session=True
    )
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        stop_group(process)

    watchdog = threading.Timer(timeout, expire)
    watchdog.start()
    result = None
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith(RESULT_MARK):
                result = json.loads(line[len(RESULT_MARK) :])
            else:
                print("    " + line, end="", flush=True)
        process.wait()
    finally:
        watchdog.cancel()
        stop_group(process)
    if result is None:
        why = f"was stopped after {timeout:.0f} s" if expired.is_set() else "exited"
        raise BenchError(f"{module} {why} (status {process.returncode}) without a result line")
    return result


def stop_group(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the child's process group (its own session), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
