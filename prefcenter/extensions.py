"""Unbound Flask extensions; `create_app` binds them."""

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
# Counters live in each process: enough to slow a password guesser down; the limit is per process.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])
# The blueprints whose routes carry limits (the console's sign-in).
LIMITED_BLUEPRINTS = ("console",)


def limit_only(app: Flask, blueprints: Iterable[str]) -> None:
    """Run the limiter's per-request check for these blueprints only.

    Flask-Limiter checks every request in an app-wide hook, even where no limit applies; on a
    link scanner's GET that bookkeeping cost about 7% of the request (bench/http.py). A
    recipient's unsubscribe link and preference page must never be limited anyway.
    """
    check = limiter._check_request_limit
    app.before_request_funcs[None].remove(check)
    for blueprint in blueprints:
        app.before_request_funcs.setdefault(blueprint, []).insert(0, check)
