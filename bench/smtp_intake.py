"""Messages/s accepted by `prefcenter smtp` (durable storage) next to a bare aiosmtpd server that
discards, measured in the same run, and their ratio.

    .venv/bin/python bench/smtp_intake.py [--messages 1000] [--clients 16] [--rounds 3]
                                          [--warm-up 200] [--time-limit 120]
                                          [--database sqlite|URL]

The servers and the load generator are separate processes started here (the same script in
`--serve-baseline` and `--load` modes), so the client's own CPU use is never charged to a server.
The run prints a table, one JSON line with the figures, then the `BENCH-RESULT` line of
bench/common.py. Missing the ratio goal is reported, not a failure; the exit status is 1 only if a
message answered 250 is missing from the database.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: import `bench` from the repository root, as `python -m bench.smtp_intake`
    # does, and not from this folder, whose http.py would shadow the standard library's.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import os
import platform
import secrets
import signal
import smtplib
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine, create_engine, make_url, text

from bench.common import BenchError, Figure, emit, guarded

HOST = "127.0.0.1"
GOAL = 0.3
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SCRIPT = str(Path(__file__).resolve())
PREFCENTER = str(Path(sys.executable).with_name("prefcenter"))
READY_SECONDS = 20.0
STOP_SECONDS = 10.0
SMTP_TIMEOUT = 30.0
# Processing runs on one thread after the 250; give it far longer than the load, but not forever.
DRAIN_LIMIT_SECONDS = 600.0
RECIPIENT = "privacy@example.com"
# Reserved for examples (RFC 2606) yet accepted by email-validator, unlike .test: the sender must
# be a valid address, or intake leaves the message for a person instead of opening a request.
SENDER_DOMAIN = "customer.example"

BODY = """\
Hello,

I am writing about the account registered to person{n}@{domain} (customer number
C-{n:07d}).

Under Article 17 of the GDPR I ask you to delete all the personal data you hold about me: my
account, my order history, the delivery addresses you have on file and any marketing profile
built from my purchases or my visits to your website. Please also ask every company you shared
my data with to delete it as well.

I no longer wish to receive newsletters or offers from you, and I would like a written
confirmation once the deletion is complete. If you need to check that this request comes from
me, please reply to this address rather than calling me.

For reference, my last order was number {n}-7731 and I wrote to your support team about a late
delivery a few weeks ago; that conversation can be deleted too.

I have kept a copy of this message and of your privacy policy as it reads today. Thank you for
dealing with this within the month the law allows.

Kind regards,
Person {n}

--
Person {n}
12 Example Street, Sampletown
"""


# --- the baseline server ------------------------------------------------------------------------


class Discard:
    """The least an aiosmtpd server can do: accept every message and keep none."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 OK"


def serve_baseline(port: int) -> None:
    """Run the discarding server until SIGTERM or SIGINT."""
    # Blocked before the controller's thread starts, so that thread inherits the mask and the
    # signal waits for sigwait below.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller = Controller(Discard(), hostname=HOST, port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


# --- the load generator -------------------------------------------------------------------------


def compose(run_id: str, n: int) -> bytes:
    """Contact-us mail number n of this run, about 1.5 KB; Message-ID and body are unique."""
    headers = (
        f"Received: from laptop.{SENDER_DOMAIN} (laptop.{SENDER_DOMAIN} [198.51.100.7])\r\n"
        f"\tby mail.{SENDER_DOMAIN} with ESMTPSA id {n:x}; {formatdate()}\r\n"
        f"From: Person {n} <person{n}@{SENDER_DOMAIN}>\r\n"
        f"To: Privacy team <{RECIPIENT}>\r\n"
        f"Subject: Please delete my data ({n})\r\n"
        f"Date: {formatdate()}\r\n"
        f"Message-ID: <{run_id}.{n}@{SENDER_DOMAIN}>\r\n"
        "User-Agent: Customer Mail 4.2\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
    )
    return (
        headers + "\r\n" + BODY.format(n=n, domain=SENDER_DOMAIN).replace("\n", "\r\n")
    ).encode()


@dataclass
class Tally:
    """The decisive answer to each message: its SMTP code, or the error that ended a client."""

    answers: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, answer: str) -> None:
        with self.lock:
            self.answers[answer] += 1


def send(connection: smtplib.SMTP, sender: str, message: bytes) -> int:
    """One transaction; returns the code that decided it (250 only when DATA was accepted)."""
    try:
        code, _ = connection.mail(sender)
        if code == 250:
            code, _ = connection.rcpt(RECIPIENT)
            if code in (250, 251):
                code, _ = connection.data(message)
    except smtplib.SMTPResponseException as refusal:
        # smtplib raises, rather than returns, when DATA itself is refused.
        code = refusal.smtp_code
    if code != 250:
        connection.rset()
    return code


def send_share(
    connection: smtplib.SMTP, messages: Sequence[tuple[str, bytes]], deadline: float, tally: Tally
) -> None:
    for sender, message in messages:
        if time.perf_counter() > deadline:
            return
        try:
            tally.record(str(send(connection, sender, message)))
        except (smtplib.SMTPException, OSError) as exc:
            # A broken connection ends this client; the report shows what broke it.
            tally.record(type(exc).__name__)
            return


def connect(port: int) -> smtplib.SMTP:
    connection = smtplib.SMTP(HOST, port, timeout=SMTP_TIMEOUT)
    connection.ehlo(f"load.{SENDER_DOMAIN}")
    return connection


def hang_up(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def generate_load(
    port: int, run_id: str, first: int, messages: int, clients: int, time_limit: float
) -> dict[str, Any]:
    """Send messages first..first+messages-1 over `clients` connections, one thread each."""
    shares = [
        [
            (f"person{n}@{SENDER_DOMAIN}", compose(run_id, n))
            for n in range(first + i, first + messages, clients)
        ]
        for i in range(clients)
    ]
    # Connections are opened and greeted before the clock starts: the figure is about messages.
    connections = [connect(port) for _ in range(clients)]
    tally = Tally()
    started, cpu_start, clock_start = time.time(), time.process_time(), time.perf_counter()
    threads = [
        threading.Thread(target=send_share, args=(c, share, clock_start + time_limit, tally))
        for c, share in zip(connections, shares, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - clock_start
    cpu_seconds = time.process_time() - cpu_start
    for connection in connections:
        hang_up(connection)
    answers = tally.answers
    accepted = answers["250"]
    refused = sum(count for answer, count in answers.items() if answer.isdigit()) - accepted
    errors = sum(count for answer, count in answers.items() if not answer.isdigit())
    return {
        "accepted": accepted,
        "refused": refused,
        "errors": errors,
        "unsent": messages - accepted - refused - errors,
        "answers": dict(answers),
        "seconds": seconds,
        "started": started,
        "cpu_seconds": cpu_seconds,
        "timed_out": seconds > time_limit,
    }


# --- servers as child processes -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_until_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{process.args} exited with {process.returncode}:\n{tail(log)}")
        try:
            with smtplib.SMTP(HOST, port, timeout=2) as probe:
                if probe.ehlo()[0] == 250:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError(
        f"{process.args} did not answer EHLO within {READY_SECONDS:.0f} s:\n{tail(log)}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def server(command: list[str], port: int, log: Path, env: dict[str, str]) -> Iterator[None]:
    """A server process that answers EHLO on `port`, stopped on leaving (also on errors)."""
    with log.open("wb") as output:
        # Its own session: a Ctrl+C in the terminal reaches only this script, which stops it.
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_ready(process, port, log)
        yield
    finally:
        stop(process)


def service_env(instance: Path, database_url: str) -> dict[str, str]:
    # Settings from the caller's shell (other domains, production mode) must not change the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFCENTER_")}
    env.update(
        PREFCENTER_INSTANCE_PATH=str(instance),
        PREFCENTER_DATABASE_URL=database_url,
        PREFCENTER_MAIL_DOMAIN="example.com",
    )
    return env


def init_db(env: dict[str, str]) -> None:
    done = subprocess.run([PREFCENTER, "init-db"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"prefcenter init-db failed:\n{done.stdout}{done.stderr}")


def run_load(
    port: int, run_id: str, first: int, args: argparse.Namespace, messages: int
) -> dict[str, Any]:
    options = {
        "--load": port,
        "--run-id": run_id,
        "--first": first,
        "--messages": messages,
        "--clients": args.clients,
        "--time-limit": args.time_limit,
    }
    command = [sys.executable, SCRIPT, *(str(part) for item in options.items() for part in item)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=args.time_limit + 2 * SMTP_TIMEOUT + 30,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise BenchError("the load generator did not finish in time; it was killed") from None
    if done.returncode != 0:
        raise BenchError(f"the load generator failed:\n{done.stderr}")
    return json.loads(done.stdout)


# --- the service's database ---------------------------------------------------------------------


class BenchRows:
    """This run's rows in `inbound_message`, told apart from others by their Message-ID."""

    def __init__(self, url: str, run_id: str) -> None:
        self.engine: Engine = create_engine(url)
        self.pattern = f"<{run_id}.%"

    def count(self, state: str | None = None) -> int:
        query = "SELECT count(*) FROM inbound_message WHERE message_id LIKE :pattern"
        if state is not None:
            query += " AND state = :state"
        with self.engine.connect() as connection:
            return connection.scalar(text(query), {"pattern": self.pattern, "state": state})

    def states(self) -> dict[str, int]:
        query = (
            "SELECT state, count(*) FROM inbound_message WHERE message_id LIKE :pattern "
            "GROUP BY state ORDER BY state"
        )
        with self.engine.connect() as connection:
            return dict(connection.execute(text(query), {"pattern": self.pattern}).all())

    def wait_for_drain(self, started: float) -> float | None:
        """Seconds from `started` (epoch) until none is left `stored`; None past the limit."""
        deadline = time.monotonic() + DRAIN_LIMIT_SECONDS
        while self.count("stored"):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)
        return time.time() - started


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Round:
    number: int
    server: str
    load: dict[str, Any]
    # From load start until the service had processed every message (ours only).
    drained_after: float | None = None

    @property
    def accepted_per_s(self) -> float:
        return self.load["accepted"] / self.load["seconds"]

    @property
    def processed_per_s(self) -> float | None:
        return self.load["accepted"] / self.drained_after if self.drained_after else None


def warm_up(
    ports: dict[str, int], database_url: str, run_id: str, args: argparse.Namespace
) -> None:
    """One uncounted load of each server before the rounds. A fresh service pays once, while it
    processes its first messages, for what processing loads on first use (modules, calendars,
    connections): start-up, not intake throughput, which would otherwise weigh on round 1 alone."""
    if not args.warm_up:
        return
    # Its own Message-IDs, so that the rows counted against the rounds' 250s are the rounds' only.
    warm_id = f"{run_id}-warm-up"
    rows = BenchRows(database_url, warm_id)
    try:
        run_load(ports["baseline"], warm_id, 0, args, args.warm_up)
        started = run_load(ports["ours"], warm_id, 0, args, args.warm_up)["started"]
        drained = rows.wait_for_drain(started)
    finally:
        rows.engine.dispose()
    print(
        f"warm-up: {args.warm_up} messages to each server, not counted;"
        f" processed after {show(drained, 2)} s"
    )


def run_rounds(
    ports: dict[str, int], rows: BenchRows, run_id: str, args: argparse.Namespace
) -> list[Round]:
    rounds: list[Round] = []
    for number in range(1, args.rounds + 1):
        # Alternate who goes first, so a drift of the machine (heat, other work) hits both.
        order = ["baseline", "ours"] if number % 2 else ["ours", "baseline"]
        for name in order:
            # Fresh message numbers for every load: nothing is a duplicate of an earlier round.
            first = len(rounds) * args.messages
            result = Round(number, name, run_load(ports[name], run_id, first, args, args.messages))
            if name == "ours":
                # Also keeps the backlog's processing out of the next measurement.
                result.drained_after = rows.wait_for_drain(result.load["started"])
            print_round(result)
            rounds.append(result)
    return rounds


def print_round(result: Round) -> None:
    load = result.load
    drained = f"{result.drained_after:8.2f}" if result.drained_after else "       -"
    unusual = {k: v for k, v in load["answers"].items() if k != "250"}
    print(
        f"{result.number:>5}  {result.server:<8}  {load['accepted']:>8}  {load['refused']:>7}"
        f"  {load['errors'] + load['unsent']:>9}  {load['seconds']:>7.2f}"
        f"  {result.accepted_per_s:>8.1f}  {load['cpu_seconds'] / load['seconds']:>7.0%}"
        f"  {drained}  {unusual or ''}",
        flush=True,
    )


def median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def summarise(
    rounds: list[Round], rows: BenchRows, database_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    ours = [r for r in rounds if r.server == "ours"]
    ours_rate = median([r.accepted_per_s for r in ours])
    baseline_rate = median([r.accepted_per_s for r in rounds if r.server == "baseline"])
    accepted = sum(r.load["accepted"] for r in ours)
    stored = rows.count()
    ratio = ours_rate / baseline_rate if ours_rate is not None and baseline_rate else None
    return {
        "benchmark": "smtp_intake",
        "messages": args.messages,
        "clients": args.clients,
        "rounds": args.rounds,
        "warm_up": args.warm_up,
        "database": make_url(database_url).get_backend_name(),
        "ours_accepted_per_s": round_or_none(ours_rate, 1),
        "baseline_accepted_per_s": round_or_none(baseline_rate, 1),
        "ratio": round_or_none(ratio, 3),
        "goal": GOAL,
        "goal_met": ratio is not None and ratio >= GOAL,
        "processed_per_s": round_or_none(median([r.processed_per_s for r in ours]), 1),
        "accepted": accepted,
        "stored": stored,
        "lost": max(accepted - stored, 0),
        "states": rows.states(),
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def round_or_none(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def show(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_summary(summary: dict[str, Any]) -> None:
    verdict = "met" if summary["goal_met"] else "NOT met"
    print()
    print(f"{'figure':<12}  {'ours':>9}  {'baseline':>9}  {'ratio':>6}")
    print(
        f"{'accepted/s':<12}  {show(summary['ours_accepted_per_s']):>9}"
        f"  {show(summary['baseline_accepted_per_s']):>9}  {show(summary['ratio'], 2):>6}"
        f"  (goal >= {GOAL}: {verdict})"
    )
    print(f"{'processed/s':<12}  {show(summary['processed_per_s']):>9}  {'-':>9}  {'-':>6}")
    print(
        f"machine: {summary['machine']}, {summary['cpus']} CPUs, Python {summary['python']},"
        f" {summary['date']}, database {summary['database']}"
    )
    print(f"{stored_check(summary)}; states {summary['states']}")
    print(json.dumps(summary), flush=True)


def stored_check(summary: dict[str, Any]) -> str:
    check = "OK" if summary["stored"] == summary["accepted"] else "MISMATCH"
    return f"stored rows {summary['stored']}, accepted (250) {summary['accepted']}: {check}"


def backend_name(summary: dict[str, Any]) -> str:
    return BACKENDS.get(summary["database"], summary["database"])


def figure(summary: dict[str, Any]) -> Figure:
    """The result for bench/RESULTS.md: accepted/s, ours next to the bare aiosmtpd server."""
    return Figure(
        f"SMTP intake, {backend_name(summary)}, {summary['clients']} clients",
        "msg/s",
        summary["ours_accepted_per_s"] or 0.0,
        summary["baseline_accepted_per_s"] or 0.0,
        GOAL,
        f"median of {summary['rounds']} rounds x {summary['messages']} messages"
        f" after {summary['warm_up']} uncounted;"
        f" processed/s {show(summary['processed_per_s'])};"
        f" {stored_check(summary)}",
    )


def loads_note(rounds: list[Round], summary: dict[str, Any]) -> str:
    """Every load as a markdown table, so a median can be judged by the spread behind it."""
    lines = [
        f"SMTP intake, {backend_name(summary)}: every load (drained: seconds until processed)",
        "",
        "| round | server | accepted | refused | no answer | seconds | accept/s | drained |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in rounds:
        load = result.load
        lines.append(
            f"| {result.number} | {result.server} | {load['accepted']} | {load['refused']}"
            f" | {load['errors'] + load['unsent']} | {load['seconds']:.2f}"
            f" | {result.accepted_per_s:.1f} | {show(result.drained_after, 2)} |"
        )
    return "\n".join(lines)


def report_server_trouble(log: Path) -> None:
    tracebacks = log.read_text(errors="replace").count("Traceback")
    if tracebacks:
        print(f"\nprefcenter smtp logged {tracebacks} tracebacks; the last lines:")
        print(tail(log, 40))


def benchmark(args: argparse.Namespace) -> int:
    run_id = f"bench-{secrets.token_hex(6)}"
    with tempfile.TemporaryDirectory(prefix="prefcenter-bench-") as tmp, ExitStack() as servers:
        instance = Path(tmp)
        database_url = args.database
        if database_url == "sqlite":
            database_url = f"sqlite:///{instance / 'bench.sqlite3'}"
        env = service_env(instance, database_url)
        init_db(env)
        ports = {"ours": free_port(), "baseline": free_port()}
        service_log = instance / "prefcenter-smtp.log"
        ours = [PREFCENTER, "smtp", "--host", HOST, "--port", str(ports["ours"])]
        baseline = [sys.executable, SCRIPT, "--serve-baseline", str(ports["baseline"])]
        servers.enter_context(server(ours, ports["ours"], service_log, env))
        servers.enter_context(server(baseline, ports["baseline"], instance / "baseline.log", env))
        rows = BenchRows(database_url, run_id)
        servers.callback(rows.engine.dispose)

        print(
            f"SMTP intake: {args.messages} messages x {args.rounds} rounds,"
            f" {args.clients} clients, time limit {args.time_limit:.0f} s per load"
        )
        warm_up(ports, database_url, run_id, args)
        print(
            "round  server    accepted  refused  no answer  seconds  accept/s  load CPU"
            "  drained  other answers"
        )
        rounds = run_rounds(ports, rows, run_id, args)
        summary = summarise(rounds, rows, database_url, args)
        print_summary(summary)
        report_server_trouble(service_log)
    if summary["lost"]:
        print(f"{summary['lost']} messages answered 250 are not in the database", file=sys.stderr)
    emit("smtp_intake", [figure(summary)], notes=[loads_note(rounds, summary)])
    return 1 if summary["lost"] else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="messages per load (per round)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent SMTP connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each loads both servers")
    parser.add_argument(
        "--warm-up", type=int, default=200, help="messages to each server first, not counted"
    )
    parser.add_argument(
        "--time-limit", type=float, default=120.0, help="seconds after which a load stops sending"
    )
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (a fresh file) or a SQLAlchemy URL of the service's database",
    )
    # The modes of the child processes.
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--load", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--run-id", default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_baseline is not None:
        serve_baseline(args.serve_baseline)
        return 0
    if args.load is not None:
        figures = generate_load(
            args.load, args.run_id, args.first, args.messages, args.clients, args.time_limit
        )
        print(json.dumps(figures))
        return 0
    return guarded(lambda: benchmark(args))


if __name__ == "__main__":
    sys.exit(main())
