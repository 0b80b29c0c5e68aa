"""Growth: one-click and suppression-check throughput on PostgreSQL holding 1,000,000 contacts,
3,000,000 subscriptions and 10,000,000 consent events, next to the same at 10,000 contacts.

    .venv/bin/python -m bench.growth --database postgresql+psycopg://user@host/db [--scale 1]

On an empty PostgreSQL database: `prefcenter init-db`, then COPY a small data set (10,000
contacts, 30,000 subscriptions, 100,000 consent events, 100,000 suppressions), VACUUM ANALYZE,
run bench/http.py (one-click) and bench/suppressions.py against it with `--use-existing`; COPY
the rest up to 1,000,000 contacts, VACUUM ANALYZE, run both again, and EXPLAIN (ANALYZE, BUFFERS)
the statements one one-click POST and one suppression check issue. Goal (the issue): throughput at
1M within 20% of the throughput at 10k (ratio >= 0.8), and no sequential scan of a big table.
`--scale` multiplies every size, for a quick look. Prints as it goes, then the result line.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError
from werkzeug.test import TestResponse

from bench import seed
from bench.common import BenchError, Figure, emit, guarded, machine
from bench.smtp_intake import init_db
from prefcenter import create_app
from prefcenter.config import DEFAULT_CATEGORIES
from prefcenter.extensions import db
from prefcenter.models import Channel, Contact, SubscriptionStatus
from prefcenter.services import api_keys
from prefcenter.services.links import unsubscribe_token
from prefcenter.services.suppressions import CHUNK

GOAL = 0.8
SMALL_CONTACTS = 10_000
GROWN_CONTACTS = 1_000_000
SUPPRESSIONS = 100_000
ADDRESSES = 1_000_000
# The service's default categories, which the benchmarks' servers run with.
CATEGORIES = tuple(category["key"] for category in DEFAULT_CATEGORIES)
EVENTS_PER_CONTACT = 10
BIG_TABLES = {"contact", "subscription", "consent_event", "suppression"}
# Each child benchmark's own limit; together they keep the whole run well under 20 minutes.
CHILD_SECONDS = 600.0
# What bench/http.py is asked for: the one scenario at the concurrency the issue names.
HTTP_ARGS = ["--scenarios", "one-click", "--concurrency", "64"]
SUBSCRIBED, UNSUBSCRIBED = (
    SubscriptionStatus.SUBSCRIBED.value,
    SubscriptionStatus.UNSUBSCRIBED.value,
)


# --- the generated history ----------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """Every contact's consent history, the same shape for all: a signup through the API for each
    category, then alternating one-click unsubscribes and preference-page resubscriptions.
    Subscriptions end in the state their last event left, so history and state agree."""

    # Per event: (category, old status, new status, channel, actor, wording version).
    events: list[tuple[str, str | None, str, str, str, str | None]] = field(default_factory=list)
    # Per category: its final status and the index of its last event.
    final: dict[str, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def build(cls) -> History:
        history = cls()
        seen = dict.fromkeys(CATEGORIES, 0)
        for j in range(EVENTS_PER_CONTACT):
            # Shifted by one so that marketing, which bench/http.py samples, ends subscribed.
            category = CATEGORIES[(j + 1) % len(CATEGORIES)]
            k = seen[category]
            seen[category] += 1
            new = SUBSCRIBED if k % 2 == 0 else UNSUBSCRIBED
            old = None if k == 0 else (UNSUBSCRIBED if new == SUBSCRIBED else SUBSCRIBED)
            if k == 0:
                source = (Channel.API.value, "api_key:crm", "signup-2025-01")
            elif new == UNSUBSCRIBED:
                source = (Channel.ONE_CLICK.value, "recipient", None)
            else:
                source = (Channel.PREFERENCE_PAGE.value, "recipient", "preferences-2025-03")
            history.events.append((category, old, new, *source))
            history.final[category] = (new, j)
        return history


HISTORY = History.build()
# Hours between a contact's creation and each of its events.
EVENT_OFFSETS = [timedelta(hours=j) for j in range(EVENTS_PER_CONTACT)]


def contact_address(n: int) -> str:
    # Apart from the suppression check's person<n> addresses: one-click suppressions never
    # change what that check must find.
    return f"contact{n}@mail{n % seed.DOMAINS}.example.org"


def contact_rows(first: int, last: int) -> Iterator[tuple[Any, ...]]:
    """Contact n has id n + 1, which its subscriptions and events name without a lookup."""
    for n in range(first, last):
        address = contact_address(n)
        created = seed.EPOCH + timedelta(seconds=n)
        # 12 characters, like the random ones the service makes (secrets.token_urlsafe(9)).
        yield (n + 1, f"g{n:011d}", address, address, f"Contact {n}", created, created)


CONTACT_COLUMNS = ("id", "uid", "email", "email_key", "name", "created_at", "updated_at")


def subscription_rows(first: int, last: int) -> Iterator[tuple[Any, ...]]:
    for n in range(first, last):
        created = seed.EPOCH + timedelta(seconds=n)
        for category in CATEGORIES:
            status, last_event = HISTORY.final[category]
            yield (n + 1, category, status, created + EVENT_OFFSETS[last_event])


# Ids from the table's sequence: the benchmarks between the two seedings add events of their own.
SUBSCRIPTION_COLUMNS = ("contact_id", "category", "status", "updated_at")


def consent_rows(first: int, last: int) -> Iterator[tuple[Any, ...]]:
    events = list(enumerate(HISTORY.events))
    for n in range(first, last):
        created = seed.EPOCH + timedelta(seconds=n)
        for j, what in events:
            yield (n + 1, *what, created + EVENT_OFFSETS[j])


CONSENT_COLUMNS = (
    "contact_id",
    "category",
    "old_status",
    "new_status",
    "channel",
    "actor",
    "wording_version",
    "occurred_at",
)


# --- seeding ------------------------------------------------------------------------------------


@dataclass
class Seeding:
    """Seconds per step of one seeding, in order."""

    label: str
    steps: dict[str, float] = field(default_factory=dict)

    def timed(self, step: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        work()
        self.steps[step] = time.perf_counter() - started
        print(f"  {step}: {self.steps[step]:.1f} s", flush=True)

    @property
    def total(self) -> float:
        return sum(self.steps.values())

    def text(self) -> str:
        return (
            f"{self.label} in {self.total:.0f} s ("
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in self.steps.items())
            + ")"
        )


def copy_contacts(url: str, first: int, last: int, seeding: Seeding) -> None:
    """COPY contacts first..last-1 with their subscriptions and consent history, streamed."""
    tables = [
        ("contact", CONTACT_COLUMNS, contact_rows, 1),
        ("subscription", SUBSCRIPTION_COLUMNS, subscription_rows, len(CATEGORIES)),
        ("consent_event", CONSENT_COLUMNS, consent_rows, EVENTS_PER_CONTACT),
    ]
    for table, columns, rows, per_contact in tables:
        total = (last - first) * per_contact
        stream = seed.with_progress(rows(first, last), table, total)
        seeding.timed(
            f"{total:,} {table} rows", partial(seed.load_rows, url, table, columns, stream)
        )


def tidy(url: str, seeding: Seeding) -> None:
    """The contact sequence past the ids written, and the tables vacuumed and analysed.

    VACUUM rather than only ANALYZE: after millions of inserted rows autovacuum would otherwise
    start on them during the measurement, on a machine with two cores.
    """

    def run() -> None:
        with psycopg.connect(seed.pg_conninfo(url), autocommit=True) as connection:
            connection.execute(
                "SELECT setval(pg_get_serial_sequence('contact', 'id'),"
                " (SELECT coalesce(max(id), 1) FROM contact))"
            )
            connection.execute("VACUUM (ANALYZE)")

    seeding.timed("VACUUM ANALYZE", run)


def table_sizes(url: str) -> str:
    with psycopg.connect(seed.pg_conninfo(url)) as connection:
        rows = connection.execute(
            "SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))"
            " FROM pg_stat_user_tables WHERE relname = ANY(%s) ORDER BY relname",
            [sorted(BIG_TABLES)],
        ).fetchall()
    return ", ".join(f"{name} {count:,} rows ({size})" for name, count, size in rows)


# --- the benchmarks at one size -----------------------------------------------------------------


@dataclass
class Child:
    """One child benchmark's run at one size: its figure, or why there is none."""

    figure: dict[str, Any] | None
    failure: str = ""


@dataclass
class Throughput:
    one_click: Child
    suppression: Child


def run_child(module: str, args: list[str], figure_prefix: str) -> Child:
    """A failed child costs its figure, not the rest of a run of several minutes."""
    try:
        result = seed.run_benchmark(module, args, CHILD_SECONDS)
    except BenchError as exc:
        print(f"{module} failed: {exc}", flush=True)
        return Child(None, f"{module}: {exc}")
    for figure in result["figures"]:
        if figure["name"].startswith(figure_prefix):
            return Child(figure)
    return Child(None, f"{module}: no figure named {figure_prefix!r}...")


def run_both(url: str, sizes: Sizes) -> Throughput:
    check_args = ["--suppressions", str(sizes.suppressions), "--addresses", str(sizes.addresses)]
    existing = ["--database", url, "--use-existing"]
    return Throughput(
        run_child("bench.http", [*existing, *HTTP_ARGS], "one-click"),
        run_child(
            "bench.suppressions",
            [*existing, *check_args, "--rounds", str(sizes.rounds)],
            "suppression check",
        ),
    )


# --- EXPLAIN of the hot queries -----------------------------------------------------------------


Captured = list[tuple[str, Any]]


def capture(app: Flask, send: Callable[[FlaskClient], TestResponse]) -> Captured:
    """The statements one request sends to the database, with their parameters, in order."""
    statements: Captured = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = send(app.test_client())
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise BenchError(f"the request to EXPLAIN answered {response.status_code}")
    return list({statement: (statement, p) for statement, p in statements}.values())


def one_click_statements(app: Flask) -> Captured:
    """One one-click POST for a contact still subscribed to marketing, as the service does it."""
    with psycopg.connect(seed.pg_conninfo(app.config["DATABASE_URL"])) as connection:
        row = connection.execute(
            "SELECT c.uid FROM contact c JOIN subscription s ON s.contact_id = c.id"
            " WHERE s.category = %s AND s.status = %s ORDER BY c.id DESC LIMIT 1",
            [seed.CATEGORY, SUBSCRIBED],
        ).fetchone()
    if row is None:
        raise BenchError("no contact left subscribed to marketing")
    token = unsubscribe_token(Contact(uid=row[0]), seed.CATEGORY)
    return capture(app, lambda client: client.post(f"/u/{token}"))


def check_statements(app: Flask, addresses: int) -> Captured:
    """One suppression check of a full query's worth of addresses."""
    key = api_keys.create(f"bench-growth-{secrets.token_hex(4)}")[1]
    emails = [seed.check_address(n) for n in range(min(CHUNK, addresses))]
    return capture(
        app,
        lambda client: client.post(
            "/api/v1/suppressions/check",
            json={"category": seed.CATEGORY, "emails": emails},
            headers={"Authorization": f"Bearer {key}"},
        ),
    )


def explain(url: str, statement: str, parameters: Any) -> str:
    """The plan with actual rows and buffers; the statement's changes are rolled back."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            try:
                rows = connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                ).all()
                note = ""
            except DBAPIError:
                # The request already inserted this row (a suppression is unique per address
                # and scope): its plan without running it.
                connection.rollback()
                rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
                note = "(not run again: it would repeat a unique row the request inserted)\n"
            connection.rollback()
    finally:
        engine.dispose()
    return note + "\n".join(row[0] for row in rows)


def shorten(text: str) -> str:
    """Hundreds of IN parameters and hashes cut to their first few, so the plan stays readable."""
    parameter = r"%\(\w+\)s(?:::\w+)?"
    text = re.sub(rf"({parameter}, )(?:{parameter}, ){{8,}}({parameter})", r"\1…, \2", text)
    return re.sub(r"'\{([^,}]+,[^,}]+),[^}]*\}'", r"'{\1,…}'", text)


@dataclass
class Plans:
    markdown: str
    seq_scans: list[str]


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(seed.pg_conninfo(url)) as connection:
        return dict(
            connection.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables").fetchall()
        )


def explain_hot_queries(url: str, addresses: int) -> Plans:
    app = create_app(
        {"DATABASE_URL": url, "HASH_KEY": seed.HASH_KEY, "INSTANCE_PATH": tempfile.gettempdir()}
    )
    with app.app_context():
        requests = {
            "one-click POST `/u/<token>`": one_click_statements(app),
            f"suppression check `POST /api/v1/suppressions/check` ({CHUNK} addresses, one query)": (
                check_statements(app, addresses)
            ),
        }
        db.engine.dispose()
    # A sequential scan of a few hundred rows is the planner's right choice; of 100,000, not.
    big = {
        table for table, rows in row_counts(url).items() if table in BIG_TABLES and rows > 10_000
    }
    blocks: list[str] = []
    seq_scans: list[str] = []
    for request, statements in requests.items():
        blocks.append(f"*{request}*, {len(statements)} statements:")
        for statement, parameters in statements:
            plan = explain(url, statement, parameters)
            seq_scans += [
                f"`{table}` in the {request.split(' `')[0]}"
                for table in re.findall(r"Seq Scan on (\w+)", plan)
                if table in big
            ]
            blocks.append(f"```sql\n{shorten(statement)}\n```\n```text\n{shorten(plan)}\n```")
    return Plans("\n\n".join(blocks), seq_scans)


# --- the run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    small: int
    grown: int
    suppressions: int
    addresses: int
    rounds: int

    @classmethod
    def scaled(cls, scale: float, rounds: int) -> Sizes:
        def size(n: int) -> int:
            return max(100, round(n * scale))

        return cls(
            size(SMALL_CONTACTS), size(GROWN_CONTACTS), size(SUPPRESSIONS), size(ADDRESSES), rounds
        )


def require_empty(url: str) -> None:
    with psycopg.connect(seed.pg_conninfo(url)) as connection:
        found = connection.execute("SELECT 1 FROM contact LIMIT 1").fetchone()
    if found:
        raise BenchError("the database holds contacts already: growth needs an empty one")


def run(args: argparse.Namespace) -> bool:
    sizes = Sizes.scaled(args.scale, args.rounds)
    url = args.database
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="prefcenter-growth-") as folder:
        init_db(seed.web_env(Path(folder), url))
    require_empty(url)

    small = Seeding(f"{seed.short(sizes.small)} contacts")
    print(f"seeding {sizes.small:,} contacts and {sizes.suppressions:,} suppressions", flush=True)
    copy_contacts(url, 0, sizes.small, small)
    small.timed(
        f"{sizes.suppressions:,} suppression rows",
        lambda: seed.seed_suppressions(url, sizes.suppressions),
    )
    tidy(url, small)
    print(f"tables: {table_sizes(url)}", flush=True)
    at_small = run_both(url, sizes)

    grown = Seeding(f"growth to {seed.short(sizes.grown)} contacts")
    print(f"growing to {sizes.grown:,} contacts", flush=True)
    copy_contacts(url, sizes.small, sizes.grown, grown)
    tidy(url, grown)
    print(f"tables: {table_sizes(url)}", flush=True)
    at_grown = run_both(url, sizes)

    print("EXPLAIN (ANALYZE, BUFFERS) of the hot queries", flush=True)
    plans = explain_hot_queries(url, sizes.addresses)
    return report(sizes, small, grown, at_small, at_grown, plans, time.perf_counter() - started)


def report(
    sizes: Sizes,
    small: Seeding,
    grown: Seeding,
    at_small: Throughput,
    at_grown: Throughput,
    plans: Plans,
    seconds: float,
) -> bool:
    """Print and emit the figures; False if a child benchmark failed to give one."""
    big, little = seed.short(sizes.grown), seed.short(sizes.small)
    kinds = [
        (
            f"one-click POST at {big} contacts vs {little}, PostgreSQL",
            "req/s",
            at_small.one_click,
            at_grown.one_click,
            f"bench/http.py `{' '.join(HTTP_ARGS)}` on the same database grown from {little} to"
            f" {big} contacts; its baseline app answered",
        ),
        (
            f"suppression check at {big} contacts vs {little}, PostgreSQL",
            "addresses/s",
            at_small.suppression,
            at_grown.suppression,
            f"bench/suppressions.py, {seed.short(sizes.addresses)} addresses against"
            f" {seed.short(sizes.suppressions)} suppressions, median of {sizes.rounds} rounds;"
            " its in-memory baseline ran at",
        ),
    ]
    figures: list[Figure] = []
    failures: list[str] = []
    for name, unit, before, after, detail in kinds:
        if before.figure is None or after.figure is None:
            failures += [child.failure for child in (before, after) if child.failure]
            continue
        drift = (
            f" {before.figure['baseline']:,.0f} then {after.figure['baseline']:,.0f} {unit}"
            " (how the machine drifted between the two runs)"
        )
        figures.append(
            Figure(name, unit, after.figure["ours"], before.figure["ours"], GOAL, detail + drift)
        )
    verdict = (
        "no sequential scan of a big table"
        if not plans.seq_scans
        else "**SEQUENTIAL SCAN of a big table** (an index is missing): "
        + "; ".join(plans.seq_scans)
    )
    failed = "".join(f" **Not measured**: {failure}." for failure in failures)
    notes = [
        f"**Growth (PostgreSQL).** {machine()}. Seeded with COPY: {small.text()}; {grown.text()}."
        f" Whole run {seconds / 60:.0f} min.{failed} EXPLAIN (ANALYZE, BUFFERS) at {big} contacts"
        f" of the statements one request of each kind sends: {verdict}.\n\n{plans.markdown}"
    ]
    print(f"\nseeding: {small.text()}; {grown.text()}")
    print(f"{'figure':<56}{'ours':>12}{'baseline':>12}{'ratio':>8}")
    for f in figures:
        print(f"{f.name:<56}{f.ours:>12,.0f}{f.baseline:>12,.0f}{f.ratio:>8.3f}  (goal >= {GOAL})")
    for failure in failures:
        print(f"not measured: {failure}")
    print(f"EXPLAIN: {verdict}")
    emit("growth", figures, notes=notes)
    return not failures


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="PostgreSQL SQLAlchemy URL, empty")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size")
    parser.add_argument("--rounds", type=int, default=3, help="suppression-check rounds")
    args = parser.parse_args()
    if not seed.is_postgres(args.database):
        parser.error("--database must be a PostgreSQL URL (postgresql+psycopg://...)")
    return args


def main() -> int:
    args = parse_args()
    return guarded(lambda: 0 if run(args) else 1)


if __name__ == "__main__":
    sys.exit(main())
