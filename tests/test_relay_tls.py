"""The relay as deployed: STARTTLS with a verified certificate, then a login."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import OutboxMessage
from tests.conftest import RelayHandler
from tests.inbound import compose, free_port, receive

USER, PASSWORD = "prefcenter", "relay-secret"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test relay")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def check_login(
    server: object, session: object, envelope: object, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, RelayHandler, Path]]:
    cert_file, key_file = self_signed(tmp_path_factory.mktemp("relay"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    handler = RelayHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=check_login,
    )
    controller.start()
    yield port, handler, cert_file
    controller.stop()


@pytest.fixture
def config_overrides(tls_relay: tuple[int, RelayHandler, Path]) -> dict[str, Any]:
    port, _, cert_file = tls_relay
    return {
        "SMTP_RELAY": f"127.0.0.1:{port}",
        "SMTP_CA_FILE": str(cert_file),
        "SMTP_USER": USER,
        "SMTP_PASSWORD": PASSWORD,
    }


def test_mail_goes_through_starttls_and_a_login(
    app: Flask, runner: FlaskCliRunner, tls_relay: tuple[int, RelayHandler, Path]
) -> None:
    receive(compose("Do you ship to Canada?"))
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0
    [(_, recipients, _)] = tls_relay[1].received
    assert recipients == ["pat@customer.example.net"]


def test_a_wrong_password_is_a_permanent_failure_with_the_relays_answer(
    app: Flask, runner: FlaskCliRunner, tls_relay: tuple[int, RelayHandler, Path]
) -> None:
    app.config["SMTP_PASSWORD"] = "wrong"
    receive(compose("Do you ship to Canada?"))
    runner.invoke(main, ["worker", "--once"])
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status == "failed"
    assert message.last_result == "535 5.7.8 Authentication credentials invalid"
    assert tls_relay[1].received == []


def test_an_untrusted_certificate_is_not_sent_to(
    app: Flask, runner: FlaskCliRunner, tls_relay: tuple[int, RelayHandler, Path]
) -> None:
    app.config["SMTP_CA_FILE"] = ""
    receive(compose("Do you ship to Canada?"))
    runner.invoke(main, ["worker", "--once"])
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status == "pending" and "SSL" in message.last_result
    assert tls_relay[1].received == []
