"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL when the suite is pointed at one),
then app -> client -> runner, as in the Flask tutorial."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from mail.server import IntakeServer
from prefcenter import create_app
from prefcenter.config import TEST_SETTINGS
from prefcenter.database import upgrade_schema
from prefcenter.extensions import db
from tests.factories import make_api_key
from tests.inbound import free_port

POSTGRES_URL = os.environ.get("PREFCENTER_TEST_DATABASE_URL", "")

# Keep the developer's own PREFCENTER_* settings out of the tests; the tests' own settings stay.
for _name in [n for n in os.environ if n.startswith("PREFCENTER_") and n not in TEST_SETTINGS]:
    del os.environ[_name]


def base_config(instance: Path, database_url: str) -> dict[str, Any]:
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SECRET_KEYS": ["test-secret-new", "test-secret-old"],
        "HASH_KEY": "test-hash-key",
        "BASE_URL": "https://prefs.example.com",
        "MAIL_DOMAIN": "example.com",
        "SENDER_NAME": "Example Shop",
        "POSTAL_ADDRESS": "1 Main Street, Springfield, CA 90000, USA",
        "TESTING": True,
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the newest schema, made once: a SQLite template file or the PostgreSQL one."""
    instance = tmp_path_factory.mktemp("template")
    url = POSTGRES_URL or f"sqlite:///{instance / 'template.sqlite3'}"
    app = create_app(base_config(instance, url))
    with app.app_context():
        if POSTGRES_URL:
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade_schema()
        db.session.remove()
        # Closing SQLite's last connection checkpoints the WAL into the file we copy.
        db.engine.dispose()
    return url if POSTGRES_URL else str(instance / "template.sqlite3")


def _empty_postgres(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(
    migrated_database: str, tmp_path: Path, config_overrides: dict[str, Any]
) -> Iterator[Flask]:
    if POSTGRES_URL:
        url = migrated_database
    else:
        shutil.copy(migrated_database, tmp_path / "test.sqlite3")
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app({**base_config(tmp_path, url), **config_overrides})
    if POSTGRES_URL:
        _empty_postgres(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def api_key(app: Flask) -> str:
    return make_api_key()


@pytest.fixture
def api(client: FlaskClient, api_key: str) -> FlaskClient:
    """A client that sends a valid API key with every request."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_key}"
    return client


@pytest.fixture
def smtp_port(app: Flask) -> Iterator[int]:
    """A real `prefcenter smtp` intake server on a free local port, for smtplib to talk to."""
    port = free_port()
    server = IntakeServer(app, "127.0.0.1", port)
    server.start()
    yield port
    server.stop()


@pytest.fixture(scope="session")
def dkim_key() -> tuple[bytes, bytes]:
    """(PEM private key, DER public key) of a throwaway 2048-bit RSA DKIM key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


class RelayHandler:
    """A relay that keeps what it is given; `answers` queues replies other than 250 to DATA."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.answers: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        if self.answers:
            return self.answers.pop(0)
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or b"")
        )
        return "250 2.0.0 Ok: queued as TEST"


@pytest.fixture
def relay() -> Iterator[tuple[int, RelayHandler]]:
    """A real SMTP relay on a free local port (aiosmtpd) that captures our outbound mail."""
    handler = RelayHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()
