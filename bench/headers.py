"""Header generation: headers per second from the library and the batch API, next to a loop of raw
HMAC-SHA256 + base64 over the same contact ids, in the same process and run.

    .venv/bin/python bench/headers.py [--recipients 10000] [--rounds 5] [--database URL]

The batch API is called in-process (Flask's test client), so the figure is the application's own
cost without the network. Goals (issue 8): library >= 0.25 of the baseline; a batch of 10,000
recipients answered in under 1 s. Prints a table and one JSON line; never fails on a missed goal.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert

from bench.common import Figure, emit
from prefcenter import create_app
from prefcenter.database import upgrade_schema
from prefcenter.extensions import db
from prefcenter.models import Contact
from prefcenter.services import api_keys
from prefcenter.services.contacts import Recipient
from prefcenter.services.links import LinkMaker, links_for_batch

CATEGORY = "marketing"


def seed(count: int) -> tuple[list[str], list[str]]:
    """`count` contacts written in one statement; (addresses, public ids)."""
    at = datetime.now(UTC)
    rows = [
        {
            "uid": f"bench{n:010d}",
            "email": f"person{n}@customer.example.org",
            "email_key": f"person{n}@customer.example.org",
            "created_at": at,
            "updated_at": at,
        }
        for n in range(count)
    ]
    db.session.execute(insert(Contact), rows)
    db.session.commit()
    return [r["email"] for r in rows], [r["uid"] for r in rows]


def timed(run: Callable[[], object], rounds: int) -> float:
    """Median seconds of `rounds` runs, after one warm-up run."""
    run()
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def raw_signatures(key: bytes, uids: list[str]) -> list[bytes]:
    return [
        base64.urlsafe_b64encode(
            hmac.new(key, f"{uid}.{CATEGORY}".encode(), hashlib.sha256).digest()[:16]
        )
        for uid in uids
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", help="SQLAlchemy URL; default a fresh SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"INSTANCE_PATH": folder, "DATABASE_URL": url})
        with app.app_context():
            upgrade_schema()
            emails, uids = seed(args.recipients)
            key = api_keys.create("bench")[1]
            db.session.commit()
            client = app.test_client()
            known = [Recipient(uid, email) for uid, email in zip(uids, emails, strict=True)]

            def api_batch() -> None:
                response = client.post(
                    "/api/v1/headers",
                    json={"category": CATEGORY, "recipients": emails},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert response.status_code == 200, response.get_data(as_text=True)[:200]

            def library() -> None:
                make = LinkMaker(CATEGORY)
                for recipient in known:
                    make(recipient)

            made = timed(library, args.rounds)
            looked_up = timed(lambda: links_for_batch(emails, CATEGORY), args.rounds)
            baseline = timed(lambda: raw_signatures(b"k" * 32, uids), args.rounds)
            api = timed(api_batch, args.rounds)
            if args.database is None:
                db.session.remove()
                db.engine.dispose()

    n = args.recipients
    backend = "SQLite" if args.database is None else "PostgreSQL"
    detail = f"{n:,} recipients, median of {args.rounds} rounds"
    figures = [
        Figure(
            "headers, library call (`LinkMaker`)", "headers/s", n / made, n / baseline, 0.25, detail
        ),
        Figure(
            f"headers, library with lookup (`links_for_batch`), {backend}",
            "headers/s",
            n / looked_up,
            n / baseline,
            detail=detail + ": validates, finds contacts, checks suppressions",
        ),
        Figure(
            f"headers, batch API, {backend}",
            "headers/s",
            n / api,
            n / baseline,
            detail=f"{n:,} recipients in {api:.3f} s (goal < 1 s), in-process test client",
        ),
    ]
    print(f"header generation: {detail}; baseline: raw HMAC-SHA256 + base64 over the same ids")
    print(f"{'figure':<64}{'ours':>10}{'baseline':>10}{'ratio':>8}")
    for figure in figures:
        print(f"{figure.name:<64}{figure.ours:>10.0f}{figure.baseline:>10.0f}{figure.ratio:>8.3f}")
    print(f"batch API, {n} recipients: {api:.3f} s (goal < 1 s)")
    emit("headers", figures)


if __name__ == "__main__":
    main()
