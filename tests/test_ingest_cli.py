"""`prefcenter ingest` and `prefcenter classify`: a mailbox backlog through the SMTP intake path."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text

from mail.server import IntakeServer
from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import PrivacyRequest
from tests.inbound import compose, free_port, stored_messages, wait_until_processed


def write_mbox(path: Path, bodies: list[tuple[str, str]]) -> Path:
    box = mailbox.mbox(path)
    for sender, body in bodies:
        box.add(compose(body, sender=sender).as_bytes())
    box.flush()
    box.close()
    return path


def test_ingest_takes_mbox_and_eml_files_and_summarises(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    backlog = write_mbox(
        tmp_path / "contact.mbox",
        [
            ("ann@customer.example.net", "Please delete my personal data."),
            ("bob@customer.example.net", "Stop sending me emails."),
            ("carl@customer.example.net", "Do you ship to Canada?"),
        ],
    )
    single = tmp_path / "one.eml"
    single.write_bytes(
        compose("What data do you hold about me?", sender="dee@x.example.net").as_bytes()
    )
    result = runner.invoke(main, ["ingest", str(backlog), str(single)])
    assert result.exit_code == 0, result.output
    assert "stored: 4" in result.output
    assert "request opened: deletion: 1" in result.output
    assert "request opened: discontinue: 1" in result.output
    assert "request opened: other: 1" in result.output
    assert "request opened: access: 1" in result.output
    assert {m.source for m in stored_messages()} == {"file"}
    db.session.rollback()
    requesters = set(db.session.scalars(select(PrivacyRequest.requester_email)))
    assert requesters == {
        "ann@customer.example.net",
        "bob@customer.example.net",
        "carl@customer.example.net",
        "dee@x.example.net",
    }

    again = runner.invoke(main, ["ingest", str(backlog)])
    assert "already stored: 3" in again.output
    assert len(stored_messages()) == 4


def test_ingest_reads_null_sender_and_list_mail_as_machine_mail(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    # standards G42: the file's Return-Path <> is the null sender.
    bounce = compose("Undeliverable: stop emailing me", sender="postmaster@customer.example.net")
    bounce["Return-Path"] = "<>"
    path = tmp_path / "bounce.eml"
    path.write_bytes(bounce.as_bytes())
    result = runner.invoke(main, ["ingest", str(path)])
    assert "machine generated: 1" in result.output, result.output
    [message] = stored_messages()
    assert message.machine_reason.startswith("null sender")


def test_ingest_keeps_a_message_that_fails_processing_and_smtp_start_finishes_it(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "request.eml"
    path.write_bytes(compose("Please delete my data.").as_bytes())
    db.session.execute(text("ALTER TABLE privacy_request RENAME TO privacy_request_away"))
    db.session.commit()
    try:
        result = runner.invoke(main, ["ingest", str(path)])
    finally:
        db.session.execute(text("ALTER TABLE privacy_request_away RENAME TO privacy_request"))
        db.session.commit()
    assert result.exit_code == 0, result.output
    assert f"needs a person: {path}" in result.output
    [message] = stored_messages()
    assert (message.state, message.attempts) == ("stored", 1)

    # Starting the SMTP service sweeps up what an outage left behind.
    server = IntakeServer(app, "127.0.0.1", free_port())
    server.start()
    try:
        [message] = wait_until_processed(1)
    finally:
        server.stop()
    assert [r.kind for r in message.requests] == ["deletion"]


def test_classify_prints_one_json_object_per_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    request = tmp_path / "request.eml"
    request.write_bytes(
        compose("Bitte löschen Sie alle meine Daten.", subject="Löschung").as_bytes()
    )
    away = tmp_path / "away.eml"
    away.write_bytes(
        compose("Out of office", headers={"Auto-Submitted": "auto-replied"}).as_bytes()
    )
    result = runner.invoke(main, ["classify", str(request), str(away)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    keys = {"file", "kind", "kinds", "confidence", "machine_generated", "language", "reasons"}
    assert set(first) == keys and set(second) == keys
    assert (first["kind"], first["language"], first["machine_generated"]) == (
        "deletion",
        "de",
        False,
    )
    assert first["reasons"] and 0 < first["confidence"] <= 1
    assert (second["kind"], second["machine_generated"]) == (None, True)
    assert stored_messages() == []  # classify only reads
