"""Commands that manage the database and its contents."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from prefcenter.database import upgrade_schema
from prefcenter.errors import DomainError, ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import Channel, StaffRole
from prefcenter.services import api_keys, contacts, staff
from prefcenter.services.contact_import import import_csv
from prefcenter.services.links import folded_headers, footer_facts, links_for
from prefcenter.services.subscriptions import ConsentSource


def domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Show a domain error as a one-line `Error: ...` and exit 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ValidationFailed as exc:
            fields = exc.details["fields"]
            raise click.ClickException("; ".join(f"{k}: {v}" for k, v in fields.items())) from None
        except DomainError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database or upgrade it to the newest schema."""
    upgrade_schema()
    click.echo("Database is at the newest schema.")


@click.group("api-key")
def api_key() -> None:
    """Manage API keys for sending systems."""


@api_key.command("create")
@click.argument("name")
@with_appcontext
@domain_errors
def api_key_create(name: str) -> None:
    """Create a key; it is printed once, as the last line, and stored only as a hash."""
    row, key = api_keys.create(name)
    click.echo(f"API key {row.name!r} created. Keep it secret; it will not be shown again:")
    click.echo(key)


@api_key.command("list")
@with_appcontext
def api_key_list() -> None:
    """List keys by name and prefix."""
    for row in api_keys.list_keys():
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        click.echo(f"{row.name}\t{row.prefix}...\t{state}")


@api_key.command("revoke")
@click.argument("name")
@with_appcontext
def api_key_revoke(name: str) -> None:
    """Revoke a key at once."""
    if not api_keys.revoke(name):
        raise click.ClickException(f"No active API key named {name!r}.")
    click.echo(f"Revoked {name!r}.")


@click.group("contacts")
def contacts_group() -> None:
    """Manage contacts."""


@contacts_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--subscribe",
    "extra_categories",
    multiple=True,
    help="Also subscribe every row to this category (repeatable).",
)
@click.option("--wording-version", help="Consent wording the contacts agreed to, for the history.")
@with_appcontext
@domain_errors
def contacts_import(
    csv_file: Path, extra_categories: tuple[str, ...], wording_version: str | None
) -> None:
    """Import contacts from a CSV with columns email, name?, categories? (separated by ;)."""
    source = ConsentSource(Channel.IMPORT.value, f"cli:{csv_file.name}", wording_version)
    with click.progressbar(length=_count_lines(csv_file), label="Importing") as bar:
        summary = import_csv(csv_file, source, list(extra_categories), progress=bar.update)
    click.echo(f"created: {summary.created}")
    click.echo(f"updated: {summary.updated}")
    click.echo(
        f"refused as suppressed: {len(summary.suppressed_lines)}" + _lines(summary.suppressed_lines)
    )
    if summary.kept_unsubscribed:
        click.echo(f"subscriptions left off because suppressed: {summary.kept_unsubscribed}")
    click.echo(f"invalid: {len(summary.invalid)}")
    for line, reason in summary.invalid:
        click.echo(f"  line {line}: {reason}")


def _lines(numbers: list[int]) -> str:
    return f" (lines {', '.join(map(str, numbers))})" if numbers else ""


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


@click.command("link")
@click.argument("email")
@click.argument("category")
@with_appcontext
@domain_errors
def link(email: str, category: str) -> None:
    """Print a contact's unsubscribe and preference links and the headers for CATEGORY."""
    links = links_for(contacts.get(email), category)
    facts = footer_facts()
    click.echo(f"Unsubscribe URL:  {links.unsubscribe_url}")
    click.echo(f"Unsubscribe mail: {links.unsubscribe_mailto}")
    click.echo(f"Preferences URL:  {links.preferences_url}")
    click.echo(f"Postal address:   {facts['postal_address'] or '(not configured)'}")
    click.echo("Headers:")
    click.echo(folded_headers(links.headers).replace("\r\n", "\n"), nl=False)


@click.group("staff")
def staff_group() -> None:
    """Console accounts for the people who answer privacy requests."""


@staff_group.command("create")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([r.value for r in StaffRole]), default="agent", show_default=True
)
@click.option(
    "--link", is_flag=True, help="Print a one-time set-password link instead of asking here."
)
@with_appcontext
def create_staff(email: str, role: str, link: bool) -> None:
    """Create an account; asks for its password, or prints a link to set it (valid 24 h)."""
    try:
        member = staff.create(email, StaffRole(role))
        if not link:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            staff.set_password(member, password)
        db.session.commit()
    except DomainError as exc:
        raise click.ClickException(exc.message if not exc.details else str(exc.details)) from None
    click.echo(f"created {member.email} ({member.role})")
    if link:
        click.echo("Send this one-time link to the person; it works for 24 hours:")
        click.echo(staff.set_password_url(member))
