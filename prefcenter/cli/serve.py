"""Commands that start the service."""

from __future__ import annotations

import gc
import os
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornBaseLogger

from prefcenter import config as settings
from prefcenter import logs
from prefcenter.cli.inbound import start_smtp, start_workers, stop_workers
from prefcenter.database import upgrade_schema
from prefcenter.errors import ConfigError


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--web-port", default=8000, show_default=True, help="Port for the web pages and API.")
@click.option("--smtp-port", default=8025, show_default=True, help="Port for inbound mail.")
@with_appcontext
def run(host: str, web_port: int, smtp_port: int) -> None:
    """All-in-one embedded service: upgrade the schema, then serve web, API, SMTP intake and
    deliver outgoing mail."""
    from werkzeug.serving import make_server

    upgrade_schema()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not os.environ.get("PREFCENTER_BASE_URL", "").strip():
        # Unconfigured, links should point at where this process actually listens.
        app.config["BASE_URL"] = f"http://{host}:{web_port}"
    server = make_server(host, web_port, app, threaded=True)
    smtp = start_smtp(host, smtp_port)
    workers = start_workers()
    click.echo(
        f"prefcenter serving on http://{host}:{web_port}/ (links say {app.config['BASE_URL']})"
    )
    click.echo("Press Ctrl+C to stop.")
    try:
        server.serve_forever()  # returns on Ctrl+C: werkzeug catches the KeyboardInterrupt itself
    finally:
        smtp.stop()
        stop_workers(workers)
    click.echo("stopped")


class GunicornLogger(GunicornBaseLogger):  # type: ignore[misc]
    """gunicorn's error log, and its access log when one is configured, as redacted JSON lines.

    `gunicorn --logger-class prefcenter.cli.serve.GunicornLogger wsgi:app` for a gunicorn run by
    hand; without it only the workers' lines are (the app factory adopts their handlers).
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                logs.adopt_handler(handler)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Each worker builds its own app after the fork, so no connection crosses processes.
        from prefcenter import create_app

        app = create_app()
        # The app, its mappers and templates live as long as the worker: frozen, the collector's
        # full passes skip them, which otherwise cost a large request (a 10,000-address check)
        # tens of milliseconds each time one falls inside it.
        gc.freeze()
        return app


@click.command("web")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per worker.")
def web(bind: str, workers: int, threads: int) -> None:
    """Production web server (gunicorn). Run `prefcenter init-db` first."""
    try:
        settings.load()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    logs.configure()
    options = {"bind": bind, "workers": workers, "threads": threads, "accesslog": None}
    _Gunicorn({**options, "logger_class": GunicornLogger}).run()
