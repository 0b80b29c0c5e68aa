"""Suppression check: addresses per second answered by `POST /api/v1/suppressions/check` through
the production server, next to a Python set of the same keyed hashes, in the same run.

    .venv/bin/python -m bench.suppressions [--addresses 1000000] [--suppressions 100000]
        [--batch 10000] [--connections 4] [--rounds 3] [--database URL [--use-existing]]

Seeds the suppressions into a fresh database (a SQLite file by default), starts `prefcenter web`
(gunicorn, 2 workers x 4 threads as deployed), then sends the addresses in batches of the API
batch limit over a few keep-alive connections and checks every answer against what was seeded.
The baseline hashes each address (HMAC-SHA256, the same key) and looks it up in a set. Goal (the
issue): >= 0.2 of the baseline. Prints a table and the result line; never fails on a missed goal.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import queue
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import seed
from bench.common import BenchError, Figure, emit, guarded, machine
from bench.smtp_intake import HOST, free_port, init_db, tail
from prefcenter.models import ALL_CATEGORIES

GOAL = 0.2
PATH = "/api/v1/suppressions/check"
REQUEST_TIMEOUT = 120.0
# Tries after the first for a batch answered 503 or not at all (0).
RETRIES = 3
RETRY_STATUS = {0, 503}


class WrongAnswer(BenchError):
    """The service answered, but not what was seeded: the figures would mean nothing."""


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Load:
    """One pass of every batch through the API; answers are kept to be checked off the clock."""

    seconds: float
    latencies: list[float]
    # Per batch: the HTTP status (0: no answer) and body, or the error that ended the last try.
    answers: list[tuple[int, bytes]]
    client_cpu: float
    # Why each retried try failed: "503" or the connection error's name.
    retries: list[str] = field(default_factory=list)
    # CPU seconds each gunicorn worker spent during the load, busiest first.
    worker_cpu: list[float] = field(default_factory=list)

    @property
    def seconds_per_batch(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def workers_cpu(self) -> str:
        return " / ".join(f"{c:.1f}" for c in self.worker_cpu)

    @property
    def retried(self) -> str:
        return ", ".join(f"{n} x {why}" for why, n in Counter(self.retries).items())


class Batches:
    """The batches of one pass, handed to the connections' threads until each is answered."""

    def __init__(self, count: int) -> None:
        self.pending: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(count):
            self.pending.put(index)
        self.tries = [0] * count
        self.remaining = count
        self.lock = threading.Lock()
        self.finished = threading.Event()

    def next(self) -> int | None:
        """A batch to send, or None once every batch is answered."""
        while not self.finished.is_set():
            try:
                return self.pending.get(timeout=0.05)
            except queue.Empty:
                continue
        return None

    def answered(self) -> None:
        with self.lock:
            self.remaining -= 1
            if not self.remaining:
                self.finished.set()


def send_batches(port: int, key: str, bodies: list[bytes], connections: int) -> Load:
    """Every body once, `connections` threads each on its own keep-alive connection."""
    batches = Batches(len(bodies))
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(bodies)
    latencies: list[float] = []
    retries: list[str] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def work(connection: http.client.HTTPConnection) -> None:
        while (index := batches.next()) is not None:
            started = time.perf_counter()
            try:
                connection.request("POST", PATH, bodies[index], headers)
                response = connection.getresponse()
                answer = (response.status, response.read())
            except (OSError, http.client.HTTPException) as exc:
                answer = (0, type(exc).__name__.encode())
            batches.tries[index] += 1
            if answer[0] in RETRY_STATUS and batches.tries[index] <= RETRIES:
                # What a sender does with a 503 (Retry-After) or a reset connection: try again,
                # on a new connection; the time it costs counts, and the reason is reported.
                retries.append(str(answer[0] or answer[1].decode()))
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
                batches.pending.put(index)
                continue
            answers[index] = answer
            latencies.append(time.perf_counter() - started)
            batches.answered()
        connection.close()

    # Connected before the clock starts: the figure is about checking, not TCP handshakes.
    pool = [
        http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT) for _ in range(connections)
    ]
    for connection in pool:
        connection.connect()
    threads = [threading.Thread(target=work, args=(c,)) for c in pool]
    cpu_start, clock_start = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - clock_start
    cpu = (time.process_time() - cpu_start) / seconds
    return Load(seconds, latencies, answers, cpu, retries)


def load_with_cpu(master: int, port: int, key: str, bodies: list[bytes], connections: int) -> Load:
    """`send_batches`, noting what CPU time each gunicorn worker of `master` spent meanwhile."""
    before = seed.children_cpu(master)
    load = send_batches(port, key, bodies, connections)
    after = seed.children_cpu(master)
    load.worker_cpu = sorted((after[pid] - before.get(pid, 0.0) for pid in after), reverse=True)
    return load


def print_load(number: int, load: Load, addresses: int) -> None:
    print(
        f"{number:>5}  ours      {load.seconds:>9.2f}  {addresses / load.seconds:>11,.0f}"
        f"  {load.seconds_per_batch:>7.3f}  {load.client_cpu:>10.0%}  {load.workers_cpu:<13}"
        f"  {load.retried}",
        flush=True,
    )


def verify(load: Load, batches: list[range], suppressed: set[int]) -> None:
    """Every answer exactly what was seeded: these suppressed, the rest sendable, none invalid."""
    for numbers, answer in zip(batches, load.answers, strict=True):
        if answer[0] != 200:
            detail = f"{answer[0] or 'no answer'}: {answer[1][:300]!r}"
            raise BenchError(
                f"batch from address {numbers.start}, after {RETRIES} retries: {detail}"
            )
        result = json.loads(answer[1])
        wanted = {seed.check_address(n) for n in numbers if n in suppressed}
        if (
            set(result["suppressed"]) != wanted
            or result["invalid"]
            or len(result["sendable"]) + len(result["suppressed"]) != len(numbers)
        ):
            raise WrongAnswer(
                f"batch from address {numbers.start}: {len(result['suppressed'])} suppressed,"
                f" {len(result['invalid'])} invalid; expected {len(wanted)} suppressed, none invalid"
            )


# --- the baseline -------------------------------------------------------------------------------


def suppressed_set(suppressions: int) -> set[str]:
    """The keyed hashes that block marketing mail: what a sender could keep in memory instead."""
    return {
        row[0]
        for row in seed.suppression_rows(suppressions)
        if row[1] in (ALL_CATEGORIES, seed.CATEGORY)
    }


def baseline_check(hashes: set[str], addresses: list[str]) -> tuple[float, int]:
    """Seconds to hash every address and test it against the set; how many were in it."""
    key = seed.HASH_KEY.encode()
    started = time.perf_counter()
    found = sum(
        1
        for a in addresses
        if hmac.new(key, a.lower().encode(), hashlib.sha256).hexdigest() in hashes
    )
    return time.perf_counter() - started, found


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Measured:
    ours: list[Load]
    baseline: list[float]
    seeding: float | None
    expected: int


def measure(args: argparse.Namespace, folder: Path) -> Measured:
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    env = seed.web_env(folder, url, batch_limit=max(args.batch, 10_000))
    seeding = None
    if not args.use_existing:
        init_db(env)
        seeding = seed.seed_suppressions(url, args.suppressions)
        print(f"seeded {args.suppressions:,} suppressions in {seeding:.1f} s", flush=True)
    key = seed.create_api_key(env, f"bench-suppressions-{secrets.token_hex(4)}")

    addresses = [seed.check_address(n) for n in range(args.addresses)]
    batches = [
        range(start, min(start + args.batch, args.addresses))
        for start in range(0, args.addresses, args.batch)
    ]
    # Encoded before the clock starts, so the client's JSON work is not charged to the server.
    bodies = [
        json.dumps({"category": seed.CATEGORY, "emails": addresses[b.start : b.stop]}).encode()
        for b in batches
    ]
    suppressed = seed.suppressed_numbers(args.addresses, args.suppressions)
    hashes = suppressed_set(args.suppressions)

    port = free_port()
    log = folder / "prefcenter-web.log"
    ours: list[Load] = []
    baseline: list[float] = []
    print(
        f"suppression check: {args.addresses:,} addresses ({len(suppressed):,} suppressed for"
        f" {seed.CATEGORY}) in {len(batches)} batches of {args.batch:,}, {args.connections}"
        f" connections, `prefcenter web` {args.workers} workers x {args.threads} threads;"
        f" {args.rounds} rounds",
        flush=True,
    )
    with seed.web_server(env, port, log, args.workers, args.threads) as master:
        try:
            # Each worker's first requests load templates, schemas and the domain cache.
            send_batches(port, key, bodies[: args.connections], args.connections)
            print(
                "round  kind        seconds  addresses/s  s/batch  client CPU  workers' CPU s"
                "  retried"
            )
            for number in range(1, args.rounds + 1):
                # Alternate who goes first, so a drift of the machine (heat, other work) hits both.
                for kind in ("baseline", "ours") if number % 2 else ("ours", "baseline"):
                    if kind == "ours":
                        load = load_with_cpu(master, port, key, bodies, args.connections)
                        verify(load, batches, suppressed)
                        ours.append(load)
                        print_load(number, load, args.addresses)
                    else:
                        seconds, found = baseline_check(hashes, addresses)
                        if found != len(suppressed):
                            raise WrongAnswer(f"baseline found {found}, not {len(suppressed)}")
                        baseline.append(seconds)
                        print(
                            f"{number:>5}  baseline  {seconds:>9.2f}"
                            f"  {args.addresses / seconds:>11,.0f}",
                            flush=True,
                        )
        except BenchError as exc:
            # The server's side of a failure is in its log, which leaves with the temporary folder.
            raise type(exc)(
                f"{exc}\nthe last lines of prefcenter web's log:\n{tail(log)}"
            ) from None
    tracebacks = log.read_text(errors="replace").count("Traceback")
    if tracebacks:
        print(f"prefcenter web logged {tracebacks} tracebacks; the last lines:\n{tail(log, 40)}")
    return Measured(ours, baseline, seeding, len(suppressed))


def report(args: argparse.Namespace, measured: Measured) -> None:
    backend = "PostgreSQL" if args.database and seed.is_postgres(args.database) else "SQLite"
    ours_seconds = statistics.median(load.seconds for load in measured.ours)
    baseline_seconds = statistics.median(measured.baseline)
    per_batch = statistics.median(load.seconds_per_batch for load in measured.ours)
    typical = sorted(measured.ours, key=lambda load: load.seconds)[len(measured.ours) // 2]
    batches = -(-args.addresses // args.batch)
    seeding = (
        f"; {args.suppressions:,} suppressions seeded in {measured.seeding:.1f} s"
        if measured.seeding is not None
        else ""
    )
    retried = Load(0, [], [], 0, [r for load in measured.ours for r in load.retries]).retried
    retries = f"; tries answered 503 or not at all, then retried: {retried}" if retried else ""
    sizes = (
        f"{seed.short(args.addresses)} addresses vs {seed.short(args.suppressions)} suppressions"
    )
    figure = Figure(
        f"suppression check, {sizes}, {backend}",
        "addresses/s",
        args.addresses / ours_seconds,
        args.addresses / baseline_seconds,
        GOAL,
        f"{batches} batches of {args.batch:,} over {args.connections} keep-alive connections to"
        f" `prefcenter web` ({args.workers} workers x {args.threads} threads): {ours_seconds:.2f} s"
        f" per pass (workers' CPU {typical.workers_cpu} s), {per_batch:.3f} s per batch;"
        f" {measured.expected:,} suppressed, every answer checked; baseline: HMAC-SHA256 + set"
        f" lookup in one process, {baseline_seconds:.2f} s; median of {args.rounds} rounds"
        f"{seeding}{retries}",
    )
    verdict = "met" if figure.ratio >= GOAL else "NOT met"
    print(f"\n{'figure':<64}{'ours':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{figure.name:<64}{figure.ours:>12,.0f}{figure.baseline:>12,.0f}{figure.ratio:>8.3f}")
    print(f"goal ratio >= {GOAL}: {verdict}; {machine()}")
    print(f"{per_batch:.3f} s per batch of {args.batch:,} (median)")
    if retried:
        print(f"RETRIED: tries answered 503 or not at all, over all rounds: {retried}")
    emit("suppressions", [figure])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--addresses", type=int, default=1_000_000, help="addresses checked per pass"
    )
    parser.add_argument("--suppressions", type=int, default=100_000, help="suppressions seeded")
    parser.add_argument("--batch", type=int, default=10_000, help="addresses per API call")
    parser.add_argument(
        "--connections", type=int, default=4, help="concurrent keep-alive connections"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each checks through both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (as deployed)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (as deployed)")
    parser.add_argument("--database", help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument(
        "--use-existing",
        action="store_true",
        help="the database has the schema and these --suppressions already (bench/growth.py)",
    )
    args = parser.parse_args()
    if args.use_existing and not args.database:
        parser.error("--use-existing needs --database")
    return args


def main() -> int:
    args = parse_args()
    return guarded(lambda: check_and_report(args))


def check_and_report(args: argparse.Namespace) -> int:
    try:
        with tempfile.TemporaryDirectory(prefix="prefcenter-bench-") as folder:
            measured = measure(args, Path(folder))
    except WrongAnswer as exc:
        print(f"wrong answer: {exc}", file=sys.stderr)
        return 1
    report(args, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
