"""prefcenter: one-click unsubscribe, preference pages and privacy-request intake for a business."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from prefcenter import config as settings
from prefcenter import database, logs
from prefcenter.extensions import (
    LIMITED_BLUEPRINTS,
    STAFF_BLUEPRINTS,
    confine,
    db,
    limiter,
    login_manager,
    migrate,
)
from prefcenter.services.tokens import TokenService
from prefcenter.web import register_blueprints
from prefcenter.web.errors import register_error_handlers
from prefcenter.web.security import register_security_headers
from prefcenter.web.sessions import SessionCookies
from prefcenter.web.transactions import register_write_intent

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then PREFCENTER_* variables, then `config` (tests)."""
    values = settings.load(config)
    logs.configure()
    app = Flask(
        __name__,
        instance_path=values["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(values)
    app.session_interface = SessionCookies()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS),
        render_as_batch=True,
        render_item=database.render_migration_type,
    )
    with app.app_context():
        database.configure_engine(db.engine)
    app.extensions["prefcenter.tokens"] = TokenService(values["SECRET_KEYS"])
    # Only the console shows who is signed in (its own context processor): public pages need not
    # load a staff member for every render.
    login_manager.init_app(app, add_context_processor=False)
    limiter.init_app(app)
    confine(app, login_manager, STAFF_BLUEPRINTS)
    confine(app, limiter, LIMITED_BLUEPRINTS)

    register_write_intent(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    return app
