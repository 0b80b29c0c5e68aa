"""Mail commands: the SMTP server, the outbox worker, importing a mailbox backlog, classifying."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from mail.analysis import analyse
from mail.ingest import count_messages, ingest
from mail.server import IntakeServer
from mail.worker import WorkerLoop, outbox_worker, run_once
from prefcenter import logs
from prefcenter.services import webhook_delivery

Files = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("smtp")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, help="SMTP port.")
@with_appcontext
def smtp(host: str, port: int) -> None:
    """Receive mail for the inbound domains: contact-us mail and unsubscribe+<token> mail."""
    logs.configure()
    server = start_smtp(host, port)
    click.echo("Press Ctrl+C to stop.")
    wait_for_stop()
    server.stop()
    click.echo("stopped")


def wait_for_stop() -> None:
    """Block until Ctrl+C or SIGTERM; the caller then stops its threads cleanly."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def start_smtp(host: str, port: int) -> IntakeServer:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    server = IntakeServer(app, host, port)
    server.start()
    domains = ", ".join(app.config["INBOUND_DOMAINS"])
    click.echo(f"prefcenter smtp listening on {host}:{port} for mail to {domains}")
    return server


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@with_appcontext
def worker(once: bool) -> None:
    """Deliver our outgoing mail (acknowledgements, verification links, notices) and webhooks."""
    logs.configure()
    if once:
        click.echo(f"delivered or retried: {run_once()}")
        click.echo(f"webhook deliveries tried: {webhook_delivery.run_once()}")
        return
    loops = start_workers()
    wait_for_stop()
    stop_workers(loops)
    click.echo("stopped")


def start_workers() -> list[WorkerLoop]:
    """The outbox and the webhooks, each on a thread of its own: a slow webhook receiver never
    holds up the mail."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    loops = [outbox_worker(app), WorkerLoop(app, "webhook", webhook_delivery.run_once)]
    for loop in loops:
        loop.start()
    relay = app.config["SMTP_RELAY"] or f"files in {app.config['INSTANCE_PATH']}/outbox/"
    click.echo(f"prefcenter worker delivering to {relay}, and webhooks")
    return loops


def stop_workers(loops: list[WorkerLoop]) -> None:
    for loop in loops:
        loop.stop()


@click.command("ingest")
@click.argument("files", nargs=-1, required=True, type=Files)
@with_appcontext
def ingest_command(files: tuple[Path, ...]) -> None:
    """Take .eml and mbox files through the same path as mail received by SMTP."""
    total = sum(count_messages(path) for path in files)
    try:
        with click.progressbar(length=total, label="Ingesting") as bar:
            summary = ingest(list(files), progress=bar.update)
    except SQLAlchemyError:
        raise click.ClickException(
            "The database failed part-way. Messages stored so far are kept; run the same "
            "command again: messages already stored are skipped."
        ) from None
    for name, count in sorted(summary.counts.items()):
        click.echo(f"{name}: {count}")
    for label in summary.attention:
        click.echo(f"needs a person: {label}")


@click.command("classify")
@click.argument("files", nargs=-1, required=True, type=Files)
@with_appcontext
def classify_command(files: tuple[Path, ...]) -> None:
    """Print what intake would make of each message file, one JSON object per line."""
    domains = current_app.config["INBOUND_DOMAINS"]
    for path in files:
        analysis = analyse(path.read_bytes(), own_domains=domains)
        result = analysis.classification
        click.echo(
            json.dumps(
                {
                    "file": str(path),
                    "kind": result.kind.value if result else None,
                    "kinds": [kind.value for kind in result.kinds] if result else [],
                    "confidence": result.confidence if result else None,
                    "machine_generated": analysis.machine_reason is not None,
                    "language": result.language if result else None,
                    "reasons": list(result.reasons)
                    if result
                    else [analysis.machine_reason or "the message could not be parsed"],
                },
                ensure_ascii=False,
            )
        )
