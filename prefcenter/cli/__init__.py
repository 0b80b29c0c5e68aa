"""The `prefcenter` command."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import ScriptInfo, routes_command, shell_command
from flask_migrate.cli import db as migrations_group

from prefcenter import create_app
from prefcenter.cli import data, inbound, purge, serve, webhooks
from prefcenter.errors import ConfigError


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(
    name="prefcenter", help="prefcenter: one-click unsubscribe, preferences and privacy requests."
)
@click.version_option(package_name="prefcenter")
@click.pass_context
def main(ctx: click.Context) -> None:
    # Keep a ScriptInfo given by the caller (FlaskCliRunner passes one for the app under test).
    if not isinstance(ctx.obj, ScriptInfo):
        ctx.obj = ScriptInfo(
            create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False
        )


for command in (
    data.init_db,
    serve.run,
    serve.web,
    inbound.smtp,
    inbound.worker,
    inbound.ingest_command,
    inbound.classify_command,
    data.api_key,
    data.staff_group,
    data.contacts_group,
    data.link,
    webhooks.webhook_group,
    purge.purge,
    migrations_group,
    shell_command,
    routes_command,
):
    main.add_command(command)
