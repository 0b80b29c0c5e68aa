"""Requests/s the web pages answer under wrk, next to a trivial Flask app served by gunicorn in
exactly the same way, measured in the same run, and their ratio.

    .venv/bin/python bench/http.py [--database URL] [--contacts 50000] [--use-existing]
        [--scenarios one-click,scanner-get,preferences-get] [--concurrency 1,4,16,64]
        [--duration 5] [--rounds 3] [--workers 2] [--threads 4] [--timeout 5]

Scenarios (goal: minimum ratio to the baseline):

- one-click: POST /u/<token>, the RFC 8058 one-click unsubscribe, a different contact each
  request (goal 0.5);
- scanner-get: GET /u/<token>, what link scanners fetch; changes nothing (goal 0.7);
- preferences-get: GET /p/<token>, the preference page (goal 0.7).

prefcenter runs as deployed (`prefcenter web`, gunicorn, production settings) on a fresh SQLite
file in a temporary folder, or on the PostgreSQL database given by --database, whose schema and
contacts the benchmark creates itself; with --use-existing it seeds nothing and samples up to
--contacts existing contacts subscribed to marketing instead. The baseline is
bench/baseline_app.py under gunicorn with the same workers, threads and bind. The load generator
is wrk, a separate process, with bench/http_load.lua, which gives every request the next token
of a file written here.

Each round measures every concurrency for both servers, alternating which goes first; the figure
is the median over rounds. The defaults (3 scenarios x 4 concurrencies x 2 servers x 3 rounds x
5 s of load) take about 7 minutes per backend; --duration 4 about 5.5. Afterwards the database is checked: the one-click POSTs
must have unsubscribed contacts, the GETs must have changed nothing.

Prints a table, then `BENCH-RESULT {json}` (bench/common.py). A missed goal is reported, not a
failure; the exit status is 1 if the database check fails, 2 if the benchmark could not run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, where this file would stand in for the
# standard library's `http` package that Flask imports: the repository root takes its place.
if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, make_url, select

from bench.common import BenchError, Figure, Series, emit, guarded, machine, median
from bench.smtp_intake import free_port, tail
from prefcenter import config as settings
from prefcenter import create_app
from prefcenter.extensions import db
from prefcenter.models import (
    ConsentEvent,
    Contact,
    Subscription,
    SubscriptionStatus,
    Suppression,
)
from prefcenter.services.links import preferences_token, unsubscribe_token

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"
PREFCENTER = str(Path(sys.executable).with_name("prefcenter"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WRK = "wrk"
LUA = str(BENCH / "http_load.lua")
CATEGORY = "marketing"
READY_SECONDS = 30.0
STOP_SECONDS = 10.0
# One wrk thread keeps pace with both servers here and leaves the most CPU to them.
WRK_THREADS = 1
# Every load starts on servers that have compiled their templates and queries and opened their
# database connections.
WARM_UP_SECONDS = 1
PAUSE_SECONDS = 0.3
SEED_BATCH = 10_000
RESULT_MARK = "WRK-RESULT "

# Production settings, so that the service refuses nothing and runs as deployed. Fixed rather
# than random: a database seeded by another benchmark for this one can use the same keys.
SERVICE_SETTINGS = {
    "PREFCENTER_ENV": "production",
    "PREFCENTER_SECRET_KEYS": "bench-http-secret-key-not-for-production-use",
    "PREFCENTER_HASH_KEY": "bench-http-hash-key-not-for-production-use",
    "PREFCENTER_BASE_URL": "https://preferences.bench.example.org",
    "PREFCENTER_MAIL_DOMAIN": "bench.example.org",
    "PREFCENTER_POSTAL_ADDRESS": "1 Benchmark Way, Sampletown",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    route: str
    # Which token file its paths come from: "unsubscribe" or "preferences".
    tokens: str
    goal: float
    # Whether its requests may change the database (checked afterwards either way).
    writes: bool


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("one-click", "POST", "/u/<token>", "unsubscribe", 0.5, writes=True),
        Scenario("scanner-get", "GET", "/u/<token>", "unsubscribe", 0.7, writes=False),
        Scenario("preferences-get", "GET", "/p/<token>", "preferences", 0.7, writes=False),
    )
}
SERVERS = ("prefcenter", "baseline")
LABELS = {"prefcenter": "prefcenter", "baseline": "baseline Flask"}


# --- the database -------------------------------------------------------------------------------


def seed(count: int, run_id: str) -> list[str]:
    """`count` contacts subscribed to marketing and updates, inserted in bulk; their public ids."""
    at = datetime.now(UTC)
    uids: list[str] = []
    for start in range(0, count, SEED_BATCH):
        rows = [
            {
                "uid": f"{run_id}{n:08d}",
                "email": f"person{n}.{run_id}@customer.example.org",
                "email_key": f"person{n}.{run_id}@customer.example.org",
                "created_at": at,
                "updated_at": at,
            }
            for n in range(start, min(start + SEED_BATCH, count))
        ]
        created = db.session.execute(
            insert(Contact).returning(Contact.id, Contact.uid, sort_by_parameter_order=True), rows
        ).all()
        db.session.execute(
            insert(Subscription),
            [
                {
                    "contact_id": contact_id,
                    "category": category,
                    "status": SubscriptionStatus.SUBSCRIBED.value,
                    "updated_at": at,
                }
                for contact_id, _ in created
                for category in (CATEGORY, "updates")
            ],
        )
        uids.extend(uid for _, uid in created)
    db.session.commit()
    return uids


def sample(count: int) -> list[str]:
    """Up to `count` existing contacts, at random, still subscribed to marketing."""
    query = (
        select(Contact.uid)
        .join(Subscription, Subscription.contact_id == Contact.id)
        .where(
            Subscription.category == CATEGORY,
            Subscription.status == SubscriptionStatus.SUBSCRIBED.value,
        )
        .order_by(func.random())
        .limit(count)
    )
    uids = list(db.session.scalars(query))
    db.session.commit()
    return uids


def write_token_files(uids: list[str], folder: Path) -> dict[str, Path]:
    """One path per line for each kind of token, made with the service's own functions."""
    files = {
        "unsubscribe": folder / "unsubscribe.paths",
        "preferences": folder / "preferences.paths",
    }
    contacts = [Contact(uid=uid) for uid in uids]
    files["unsubscribe"].write_text(
        "".join(f"/u/{unsubscribe_token(c, CATEGORY)}\n" for c in contacts)
    )
    files["preferences"].write_text("".join(f"/p/{preferences_token(c)}\n" for c in contacts))
    return files


@dataclass(frozen=True)
class Counts:
    """What requests can change: the figures compared before and after each scenario."""

    unsubscribed: int
    consent_events: int
    suppressions: int

    @classmethod
    def now(cls) -> Counts:
        unsubscribed = select(func.count(Subscription.id)).where(
            Subscription.status == SubscriptionStatus.UNSUBSCRIBED.value
        )
        counts = cls(
            db.session.scalar(unsubscribed) or 0,
            db.session.scalar(select(func.count(ConsentEvent.id))) or 0,
            db.session.scalar(select(func.count(Suppression.id))) or 0,
        )
        db.session.commit()
        return counts


def verify(
    scenario: Scenario, before: Counts, after: Counts, answered: int, reused: int
) -> tuple[bool, str]:
    """Whether the scenario did what it should to the database, and a line saying so.

    `answered`: prefcenter's answers without error; `reused`: requests that repeated a token.
    """
    unsubscribed = after.unsubscribed - before.unsubscribed
    events = after.consent_events - before.consent_events
    suppressions = after.suppressions - before.suppressions
    changes = (
        f"{unsubscribed} subscriptions unsubscribed, {events} consent events, "
        f"{suppressions} suppressions added"
    )
    if scenario.writes:
        # Each first POST for a contact changes one subscription, with one event and one
        # suppression. Every answer came after its commit, so there are at least as many changes
        # as answers with a token not seen before (more if a load ended with requests in flight).
        ok = (
            unsubscribed >= max(1, answered - reused)
            and events == unsubscribed
            and suppressions == unsubscribed
        )
    else:
        ok = unsubscribed == events == suppressions == 0
    verdict = "OK" if ok else "CHECK FAILED"
    return (
        ok,
        f"{scenario.name}: prefcenter answered {answered} without error; {changes}: {verdict}",
    )


# --- servers ------------------------------------------------------------------------------------


def status_of(port: int, method: str, path: str) -> int:
    """The status of one request, as a mail client would send it for `method`."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        body, headers = None, {}
        if method == "POST":
            body = b"List-Unsubscribe=One-Click"
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_ready(
    process: subprocess.Popen[bytes], port: int, path: str, log: Path, name: str
) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} exited with {process.returncode}:\n{tail(log)}")
        try:
            if status_of(port, "GET", path) == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{name} did not answer GET {path} within {READY_SECONDS:.0f} s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to the whole group: no worker outlives us."""
    if process.poll() is None:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_SECONDS)
    # The process leads its own group (start_new_session): its workers are in it too.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def server(
    name: str, command: list[str], port: int, ready_path: str, log: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """A server answering 200 to GET `ready_path`, stopped on leaving (also on errors)."""
    with log.open("wb") as output:
        # Its own session: a Ctrl+C in the terminal reaches only this script, which stops it.
        process = subprocess.Popen(
            command,
            env=env,
            cwd=BENCH.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_ready(process, port, ready_path, log, name)
        yield process
    finally:
        stop(process)


def service_env(instance: Path, database_url: str) -> dict[str, str]:
    # Settings from the caller's shell (other keys, categories) must not change the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFCENTER_")}
    env.update(SERVICE_SETTINGS)
    env.update(PREFCENTER_INSTANCE_PATH=str(instance), PREFCENTER_DATABASE_URL=database_url)
    return env


def init_db(env: dict[str, str]) -> None:
    done = subprocess.run([PREFCENTER, "init-db"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"prefcenter init-db failed:\n{done.stdout}{done.stderr}")


def worker_pids(process: subprocess.Popen[bytes]) -> list[int]:
    """gunicorn's worker processes (children of the arbiter), for a profiler to attach to."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


# --- loads --------------------------------------------------------------------------------------


@dataclass
class Load:
    scenario: str
    server: str
    concurrency: int
    round: int
    result: dict[str, Any]

    @property
    def seconds(self) -> float:
        return self.result["duration_us"] / 1e6

    @property
    def rate(self) -> float:
        return self.result["requests"] / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        r = self.result
        return r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]

    @property
    def answered(self) -> int:
        """Responses with a status below 400 (wrk counts the others as status errors)."""
        return self.result["requests"] - self.result["status"]


class Paths:
    """A scenario's token file and where its next request to each server starts in it."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.lines = file.read_text().splitlines()
        self.offsets = dict.fromkeys(SERVERS, 0)
        self.sent_to_prefcenter = 0

    @property
    def reused(self) -> int:
        """Paths sent to prefcenter a second time: only when a run needs more than the file holds."""
        return max(0, self.sent_to_prefcenter - len(self.lines))

    def take(self, server: str, threads: int, per_thread: int) -> None:
        # The next request starts after the furthest path any thread may have sent.
        self.offsets[server] = (self.offsets[server] + threads * per_thread) % len(self.lines)
        if server == "prefcenter":
            self.sent_to_prefcenter += threads * per_thread

    def next_path(self, server: str) -> str:
        path = self.lines[self.offsets[server]]
        self.take(server, 1, 1)
        return path


def run_wrk(
    port: int,
    scenario: Scenario,
    paths: Paths,
    server: str,
    concurrency: int,
    seconds: int,
    timeout: float,
) -> dict[str, Any]:
    threads = min(WRK_THREADS, concurrency)
    # Writes to prefcenter stop before a token would come round again (never in practice: the
    # file holds far more than one load sends); anything else may wrap.
    limit = len(paths.lines) // threads if scenario.writes and server == "prefcenter" else 0
    command = [
        WRK,
        f"--threads={threads}",
        f"--connections={concurrency}",
        f"--duration={seconds}s",
        f"--timeout={timeout:g}s",
        f"--script={LUA}",
        f"http://{HOST}:{port}",
        "--",
        str(paths.file),
        scenario.method,
        str(paths.offsets[server]),
        str(threads),
        str(limit),
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=seconds + timeout + 30,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise BenchError("wrk did not finish in time; it was killed") from None
    marked = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode != 0 or not marked:
        raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    result = json.loads(marked[-1].removeprefix(RESULT_MARK))
    result["limited"] = 0 < limit <= result["per_thread"]
    paths.take(server, threads, result["per_thread"])
    return result


def print_load(load: Load) -> None:
    r = load.result
    print(
        f"{load.scenario:<16} {load.server:<10} {load.concurrency:>4} {load.round:>5}"
        f" {load.rate:>9.0f} {r['p50_us'] / 1000:>8.1f} {r['p99_us'] / 1000:>8.1f}"
        f" {r['status']:>7} {load.errors - r['status']:>7}"
        + ("  stopped early: every token used" if r["limited"] else ""),
        flush=True,
    )


def measure(
    scenario: Scenario, ports: dict[str, int], paths: Paths, args: argparse.Namespace
) -> tuple[list[Load], int]:
    """Every round's loads, and how many requests prefcenter answered below 400 in all."""
    loads: list[Load] = []
    answered = 0
    for server in SERVERS:
        path = paths.next_path(server)
        status = status_of(ports[server], scenario.method, path)
        # A benchmark of an endpoint that fails measures nothing.
        if status != 200:
            raise BenchError(f"{server}: {scenario.method} {path} answered {status}, not 200")
        warm_up = run_wrk(ports[server], scenario, paths, server, 8, WARM_UP_SECONDS, args.timeout)
        if server == "prefcenter":
            answered += 1 + warm_up["requests"] - warm_up["status"]
    for number in range(1, args.rounds + 1):
        # Alternate who goes first, so a drift of the machine (heat, other work) hits both.
        order = SERVERS if number % 2 else tuple(reversed(SERVERS))
        for concurrency in args.concurrency:
            for server in order:
                time.sleep(PAUSE_SECONDS)
                result = run_wrk(
                    ports[server],
                    scenario,
                    paths,
                    server,
                    concurrency,
                    args.duration,
                    args.timeout,
                )
                load = Load(scenario.name, server, concurrency, number, result)
                print_load(load)
                loads.append(load)
                if server == "prefcenter":
                    answered += load.answered
    return loads, answered


# --- the report ---------------------------------------------------------------------------------


def backend_name(url: str) -> str:
    name = make_url(url).get_backend_name()
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(name, name)


def summarise(
    loads: list[Load], scenarios: list[Scenario], backend: str, args: argparse.Namespace
) -> tuple[list[Figure], list[Series], list[str]]:
    figures: list[Figure] = []
    series: list[Series] = []
    table: list[str] = []
    at = max(args.concurrency)
    for scenario in scenarios:
        mine = [x for x in loads if x.scenario == scenario.name]
        rates: dict[tuple[str, int], float] = {}
        p99: dict[tuple[str, int], float] = {}
        for server_name in SERVERS:
            curve = Series(f"{scenario.name} {scenario.method}, {backend}: {LABELS[server_name]}")
            for concurrency in args.concurrency:
                these = [
                    x for x in mine if x.server == server_name and x.concurrency == concurrency
                ]
                rates[server_name, concurrency] = median([x.rate for x in these])
                p99[server_name, concurrency] = median([x.result["p99_us"] / 1000 for x in these])
                curve.concurrency.append(concurrency)
                curve.throughput.append(round(rates[server_name, concurrency], 1))
            series.append(curve)
        for concurrency in args.concurrency:
            ours, base = rates["prefcenter", concurrency], rates["baseline", concurrency]
            table.append(
                f"| {scenario.name} | {concurrency} | {ours:.0f} | {base:.0f} |"
                f" {ours / base if base else 0:.2f} | {p99['prefcenter', concurrency]:.1f} |"
                f" {p99['baseline', concurrency]:.1f} |"
            )
        top = [x for x in mine if x.concurrency == at]
        ours_top = [x for x in top if x.server == "prefcenter"]
        base_top = [x for x in top if x.server == "baseline"]
        figures.append(
            Figure(
                name=f"{scenario.name} {scenario.method} {scenario.route}, {backend}, "
                f"{at} connections",
                unit="req/s",
                ours=round(rates["prefcenter", at], 1),
                baseline=round(rates["baseline", at], 1),
                goal=scenario.goal,
                detail=(
                    f"p99 {p99['prefcenter', at]:.1f} ms (baseline {p99['baseline', at]:.1f} ms); "
                    f"errors: prefcenter {error_text(ours_top)}, baseline {error_text(base_top)}; "
                    f"gunicorn {args.workers} workers x {args.threads} threads; "
                    f"median of {args.rounds} x {args.duration} s"
                ),
            )
        )
    return figures, series, table


def error_text(loads: list[Load]) -> str:
    status = sum(x.result["status"] for x in loads)
    other = sum(x.errors for x in loads) - status
    total = sum(x.result["requests"] for x in loads)
    return f"{status} HTTP >= 400 and {other} socket errors in {total} requests"


def print_table(table: list[str], figures: list[Figure]) -> None:
    print()
    print(
        "| scenario | connections | prefcenter req/s | baseline req/s | ratio | p99 ms | "
        "baseline p99 ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in table:
        print(row)
    print()
    for figure in figures:
        verdict = "met" if figure.goal is not None and figure.ratio >= figure.goal else "NOT met"
        print(
            f"{figure.name}: {figure.ours:.0f} vs {figure.baseline:.0f} req/s, ratio"
            f" {figure.ratio:.2f} (goal >= {figure.goal}: {verdict}); {figure.detail}"
        )


# --- the run ------------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> Flask:
    """The schema (unless --use-existing), and an app with the servers' settings."""
    if not args.use_existing:
        init_db(env)
    # Exactly the servers' settings, so the tokens made here are the ones they accept.
    return create_app(settings.from_environ(env))


def benchmark(args: argparse.Namespace) -> int:
    scenarios = [SCENARIOS[name] for name in args.scenarios]
    with tempfile.TemporaryDirectory(prefix="prefcenter-http-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        database_url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
        backend = backend_name(database_url)
        env = service_env(folder, database_url)
        app = prepare_database(args, env)
        stack.enter_context(app.app_context())
        stack.callback(db.engine.dispose)
        started = time.perf_counter()
        if args.use_existing:
            uids = sample(args.contacts)
            how = f"sampled {len(uids)} existing contacts subscribed to {CATEGORY}"
        else:
            uids = seed(args.contacts, f"h{secrets.token_hex(3)}")
            how = f"seeded {len(uids)} contacts"
        if not uids:
            raise BenchError(f"no contact subscribed to {CATEGORY} to make tokens for")
        files = write_token_files(uids, folder)
        print(f"{how} and wrote their tokens in {time.perf_counter() - started:.1f} s", flush=True)

        ports = {name: free_port() for name in SERVERS}
        setup = ["--workers", str(args.workers), "--threads", str(args.threads)]
        bind = {name: f"{HOST}:{ports[name]}" for name in SERVERS}
        ours = stack.enter_context(
            server(
                "prefcenter web",
                [PREFCENTER, "web", "--bind", bind["prefcenter"], *setup],
                ports["prefcenter"],
                "/healthz",
                folder / "prefcenter.log",
                env,
            )
        )
        stack.enter_context(
            server(
                "baseline",
                [GUNICORN, "bench.baseline_app:app", "--bind", bind["baseline"], *setup],
                ports["baseline"],
                "/",
                folder / "baseline.log",
                env,
            )
        )
        print(
            f"HTTP: {backend}, prefcenter workers {worker_pids(ours)}; gunicorn {args.workers}"
            f" workers x {args.threads} threads each; wrk {WRK_THREADS} thread,"
            f" {args.duration} s per load, {args.rounds} rounds",
            flush=True,
        )
        print(
            f"{'scenario':<16} {'server':<10} {'conn':>4} {'round':>5} {'req/s':>9}"
            f" {'p50 ms':>8} {'p99 ms':>8} {'>=400':>7} {'socket':>7}"
        )
        loads: list[Load] = []
        checks: list[str] = []
        all_ok = True
        for scenario in scenarios:
            before = Counts.now()
            paths = Paths(files[scenario.tokens])
            measured, answered = measure(scenario, ports, paths, args)
            loads.extend(measured)
            ok, line = verify(scenario, before, Counts.now(), answered, paths.reused)
            all_ok = all_ok and ok
            checks.append(line)
            if paths.reused and scenario.writes:
                checks.append(
                    f"{scenario.name}: {paths.reused} requests repeated a token; raise --contacts"
                )
        figures, series, table = summarise(loads, scenarios, backend, args)
        print_table(table, figures)
        print()
        for line in checks:
            print(line)
        tracebacks = (folder / "prefcenter.log").read_text(errors="replace").count("Traceback")
        if tracebacks:
            print(f"prefcenter logged {tracebacks} tracebacks; the last lines:")
            print(tail(folder / "prefcenter.log", 40))
        notes = [
            "\n".join(
                [
                    f"**HTTP set-up ({backend}).** {machine()}. prefcenter as deployed"
                    f" (`prefcenter web --workers {args.workers} --threads {args.threads}`,"
                    " production settings) and bench/baseline_app.py under gunicorn with the"
                    f" same workers and threads; wrk ({WRK_THREADS} thread) on the same machine,"
                    f" {args.duration} s per load, median of {args.rounds} rounds; {how}."
                    " Every request carries a different token.",
                    "",
                    "| scenario | connections | prefcenter req/s | baseline req/s | ratio |"
                    " p99 ms | baseline p99 ms |",
                    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
                    *table,
                    "",
                    *(f"- {line}" for line in checks),
                ]
            )
        ]
        emit("http", figures, series, notes)
    return 0 if all_ok else 1


def concurrency_list(value: str) -> list[int]:
    levels = [int(part) for part in value.split(",") if part.strip()]
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive whole numbers")
    return levels


def scenario_list(value: str) -> list[str]:
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(SCENARIOS)}")
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL; default a fresh SQLite file")
    parser.add_argument(
        "--contacts", type=int, default=50_000, help="contacts to seed (or sample), one token each"
    )
    parser.add_argument(
        "--use-existing",
        action="store_true",
        help="seed nothing: sample existing contacts of --database subscribed to marketing",
    )
    parser.add_argument(
        "--scenarios", type=scenario_list, default=list(SCENARIOS), help="comma-separated"
    )
    parser.add_argument(
        "--concurrency", type=concurrency_list, default=[1, 4, 16, 64], help="connections"
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both servers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker, both servers")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds after which wrk gives up a request"
    )
    args = parser.parse_args(argv)
    if args.use_existing and not args.database:
        parser.error("--use-existing needs --database")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return guarded(lambda: benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
