"""`prefcenter purge`: the retention purge of inbound mail bodies, or with --dry-run its preview."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from prefcenter.services import retention


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else "-"


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@with_appcontext
def purge(dry_run: bool) -> None:
    """Delete the raw bodies and attachments of inbound mail older than
    PREFCENTER_RAW_BODY_RETENTION_DAYS; dates, senders, requests and the request log stay.
    Run it daily (cron)."""
    days = current_app.config["RAW_BODY_RETENTION_DAYS"]
    done = retention.preview() if dry_run else retention.purge()
    click.echo(
        f"retention: {_plural(days, 'day')}; bodies of messages received before "
        f"{done.cutoff:%Y-%m-%d %H:%M} UTC go"
    )
    verb = "would purge" if dry_run else "purged"
    if done.messages:
        click.echo(
            f"{verb}: the bodies of {_plural(done.messages, 'message')} "
            f"({_plural(done.size, 'byte')}), received {_day(done.first)} to {_day(done.last)}"
        )
    else:
        click.echo(f"{verb}: nothing")
    click.echo(f"kept until their request ends or they are processed: {done.held}")
    click.echo(f"request log: untouched, {_plural(retention.requests_kept(), 'request')}")
