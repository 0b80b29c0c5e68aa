"""Unbound Flask extensions; `create_app` binds them."""

import functools
import time
from collections.abc import Iterable

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
# Counters live in each process: enough to slow a password guesser or a mail pump down; each
# limit is per process (with `--workers 2` a client gets up to twice as many). What bounds the
# mail itself, whatever the counters say, is the database's PREFCENTER_AUTO_REPLY_LIMIT.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])
# Flask-Login's hooks run only where staff sign in. Flask-Limiter's run where limits apply: staff
# sign-in, and the requester's pages, which can cause mail. Never for the unsubscribe link or the
# preference page: a recipient's opt-out is never refused, whoever else shares their address.
STAFF_BLUEPRINTS = ("console",)
LIMITED_BLUEPRINTS = ("console", "requests")
RETRY_AFTER_FALLBACK = 60


def retry_after() -> int:
    """Seconds until the limit this request broke lets the client through again (Retry-After)."""
    broken = limiter.current_limit
    if broken is None:
        return RETRY_AFTER_FALLBACK
    # As Flask-Limiter words its own header: whole seconds, rounded down.
    return max(1, int(broken.reset_at - time.time()))


def confine(app: Flask, extension: object, blueprints: Iterable[str]) -> None:
    """Run the request hooks `extension` registered app-wide for these blueprints only.

    Flask-Limiter and Flask-Login hook every request, even where no limit or sign-in applies;
    on a link scanner's GET their bookkeeping cost about a sixth of the request (bench/http.py).
    A recipient's unsubscribe link and preference page must never be limited anyway.
    """
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        moved = [hook for hook in hooks[None] if _owner(hook) is extension]
        hooks[None] = [hook for hook in hooks[None] if hook not in moved]
        for blueprint in blueprints:
            hooks.setdefault(blueprint, [])[0:0] = moved


def _owner(hook: object) -> object:
    """The object a hook is bound to: a bound method's self, or a partial's first argument."""
    if isinstance(hook, functools.partial):
        return hook.args[0] if hook.args else None
    return getattr(hook, "__self__", None)
