"""`prefcenter webhook`: endpoints that are POSTed the change events, and their delivery logs."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from prefcenter.cli.data import domain_errors
from prefcenter.models import OutboxStatus
from prefcenter.services import webhooks
from prefcenter.services.webhooks import EVENT_TYPES, LogEntry


@click.group("webhook")
def webhook_group() -> None:
    """Signed POSTs of change events to the systems that send the mail."""


@webhook_group.command("add")
@click.argument("url")
@click.option(
    "--events",
    metavar="TYPE,...",
    help=f"Comma-separated event types; all when left out. Types: {', '.join(EVENT_TYPES)}.",
)
@with_appcontext
@domain_errors
def add(url: str, events: str | None) -> None:
    """Add an endpoint for the events from now on; its signing secret is printed once, as the
    last line."""
    endpoint, secret = webhooks.add(url, events.split(",") if events is not None else None)
    click.echo(f"Webhook {endpoint.id} added: {endpoint.url}")
    click.echo(f"Events: {', '.join(endpoint.events)}")
    click.echo("Signing secret. Keep it secret; it will not be shown again:")
    click.echo(secret)


@webhook_group.command("list")
@with_appcontext
def list_command() -> None:
    """List endpoints: id, URL, events, state, failed attempts in a row."""
    for endpoint in webhooks.all_endpoints():
        state = "enabled"
        if endpoint.disabled_at is not None:
            state = f"disabled {endpoint.disabled_at:%Y-%m-%d %H:%M} ({endpoint.disabled_reason})"
        click.echo(
            f"{endpoint.id}\t{endpoint.url}\t{','.join(endpoint.events)}\t{state}\t"
            f"failures in a row: {endpoint.failures}"
        )


@webhook_group.command("log")
@click.argument("endpoint_id", metavar="ID", type=int)
@click.option("--limit", default=20, show_default=True, help="How many of the last deliveries.")
@with_appcontext
@domain_errors
def log_command(endpoint_id: int, limit: int) -> None:
    """An endpoint's last deliveries: when queued, event type, status, attempts, last answer."""
    for entry in webhooks.recent_log(endpoint_id, limit):
        click.echo(_log_line(entry))


def _log_line(entry: LogEntry) -> str:
    delivery = entry.delivery
    if delivery.status == OutboxStatus.SENT.value and delivery.delivered_at is not None:
        when = f"delivered {delivery.delivered_at:%Y-%m-%d %H:%M:%S}"
    elif delivery.status == OutboxStatus.PENDING.value:
        when = f"next attempt {delivery.next_attempt_at:%Y-%m-%d %H:%M:%S}"
    else:
        when = "-"
    return (
        f"{delivery.created_at:%Y-%m-%d %H:%M:%S}\t{entry.event_type}\t{delivery.status}\t"
        f"attempts: {delivery.attempts}\t{when}\t{delivery.last_result or '-'}"
    )


@webhook_group.command("enable")
@click.argument("endpoint_id", metavar="ID", type=int)
@with_appcontext
@domain_errors
def enable(endpoint_id: int) -> None:
    """Resume deliveries: failures start again from 0 and what waits is sent now."""
    webhooks.enable(endpoint_id)
    click.echo(f"Webhook {endpoint_id} enabled.")


@webhook_group.command("disable")
@click.argument("endpoint_id", metavar="ID", type=int)
@with_appcontext
@domain_errors
def disable(endpoint_id: int) -> None:
    """Pause deliveries; events meanwhile are kept and sent after `enable`."""
    webhooks.disable(endpoint_id, "disabled with prefcenter webhook disable")
    click.echo(f"Webhook {endpoint_id} disabled.")


@webhook_group.command("remove")
@click.argument("endpoint_id", metavar="ID", type=int)
@with_appcontext
@domain_errors
def remove(endpoint_id: int) -> None:
    """Delete an endpoint, its queued deliveries and its log."""
    webhooks.remove(endpoint_id)
    click.echo(f"Webhook {endpoint_id} removed.")
