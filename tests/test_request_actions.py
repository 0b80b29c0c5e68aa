"""What a confirmed request does: deletion erases the person everywhere but the suppression and
the request log; access hands over a download link to everything held."""

from __future__ import annotations

import email
import json
import re
from datetime import UTC, datetime, timedelta
from email import policy
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, text

from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import ALL_CATEGORIES, PrivacyRequest, Suppression
from prefcenter.services.addresses import address_hash, normalise
from tests.conftest import RelayHandler
from tests.factories import make_api_key, make_contact
from tests.inbound import compose, receive

ADDRESS = "pat@customer.example.net"


@pytest.fixture
def config_overrides(relay: tuple[int, RelayHandler]) -> dict[str, Any]:
    return {"SMTP_RELAY": f"127.0.0.1:{relay[0]}", "SMTP_STARTTLS": False}


def deliver(runner: FlaskCliRunner) -> None:
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0


def last_link(relay: tuple[int, RelayHandler], path: str) -> str:
    raw = relay[1].received[-1][2]
    body = email.message_from_bytes(raw, policy=policy.default).get_content()
    found = re.search(rf"https://prefs\.example\.com(/{path}/\S+)", body)
    assert found, body
    return found.group(1)


def confirmed(
    body: str, client: FlaskClient, runner: FlaskCliRunner, relay: tuple[int, RelayHandler]
) -> PrivacyRequest:
    """A request from the contact, acknowledged, then confirmed by its link."""
    make_contact(ADDRESS, name="Pat Smith")
    [request] = receive(compose(body, sender=f"Pat Smith <{ADDRESS}>")).requests
    deliver(runner)
    assert client.post(last_link(relay, "v")).status_code == 200
    db.session.refresh(request)
    return request


def every_stored_value() -> str:
    """All the text in every table, as one lower-cased string."""
    db.session.rollback()
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f"SELECT * FROM {table.name}")):
            for value in row:
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("utf-8", "replace")
                found.append(str(value).lower())
    return "\n".join(found)


def test_deletion_leaves_no_trace_but_the_suppression_and_the_log(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: tuple[int, RelayHandler]
) -> None:
    # standards E31, F40: erased everywhere; the keyed-hash suppression and the request log stay.
    make_contact(ADDRESS, name="Pat Smith")
    [request] = receive(compose("Please delete all my personal data.", sender=ADDRESS)).requests
    deliver(runner)
    assert ADDRESS in every_stored_value()  # the scan below would see it
    assert client.post(last_link(relay, "v")).status_code == 200
    db.session.refresh(request)
    assert request.status == "completed"
    deliver(runner)  # the last message: it is done
    [(_, recipients, raw)] = relay[1].received[-1:]
    assert recipients == [ADDRESS]
    assert b"deleted the personal information" in raw

    stored = every_stored_value()
    assert ADDRESS not in stored
    assert "pat smith" not in stored
    assert "please delete all my personal data" not in stored

    suppression = db.session.scalar(
        select(Suppression).where(Suppression.address_hash == address_hash(normalise(ADDRESS)))
    )
    assert suppression is not None and suppression.scope == ALL_CATEGORIES

    api_key = runner.invoke(main, ["api-key", "create", "crm"]).stdout.splitlines()[-1]
    headers = {"Authorization": f"Bearer {api_key}"}
    again = client.post("/api/v1/contacts", json={"email": ADDRESS}, headers=headers)
    assert (again.status_code, again.get_json()["error"]) == (409, "suppressed")

    log = client.get(f"/api/v1/requests/{request.reference}", headers=headers).get_json()
    assert (log["kind"], log["status"]) == ("deletion", "completed")
    assert [e["to"] for e in log["events"]] == [
        "received",
        "awaiting_verification",
        "verified",
        "completed",
    ]


def test_access_sends_a_link_to_everything_held_never_an_attachment(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: tuple[int, RelayHandler]
) -> None:
    request = confirmed("What personal data do you hold about me?", client, runner, relay)
    assert request.status == "completed"
    deliver(runner)
    raw = relay[1].received[-1][2]
    assert not email.message_from_bytes(raw, policy=policy.default).is_multipart()
    download = client.get(last_link(relay, "x"))
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert f'filename="{request.reference}.json"' in download.headers["Content-Disposition"]
    held = json.loads(download.get_data())
    assert held["profile"]["email"] == ADDRESS and held["profile"]["name"] == "Pat Smith"
    assert held["profile"]["subscriptions"]["marketing"] == "subscribed"
    assert {e["category"] for e in held["consent_history"]} >= {"marketing", "updates"}
    assert [r["reference"] for r in held["requests"]] == [request.reference]
    assert held["messages_from_you"][0]["text"] == "What personal data do you hold about me?"
    assert {m["purpose"] for m in held["messages_to_you"]} >= {"acknowledgement", "verification"}


def test_the_download_link_expires_after_a_week(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: tuple[int, RelayHandler]
) -> None:
    confirmed("What personal data do you hold about me?", client, runner, relay)
    deliver(runner)
    path = last_link(relay, "x")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=8)):
        assert client.get(path).status_code == 400


def test_a_confirmed_correction_waits_for_staff(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, relay: tuple[int, RelayHandler]
) -> None:
    request = confirmed("Please correct my surname to Smyth.", client, runner, relay)
    assert request.status == "in_progress"
    assert request.events[-1].note.startswith("the requested change waits for staff")


def test_a_correction_records_the_change_it_asks_for(app: Flask, client: FlaskClient) -> None:
    # standards E30: the proposed change is recorded for staff to check, not applied blindly.
    make_contact(ADDRESS, name="Pat Smith")
    body = "I moved. Please update my postal address to 4 High Street, Bath BA1 1AA."
    [request] = receive(compose(body, sender=ADDRESS)).requests
    [change] = request.proposed_changes
    assert (change["field"], change["new_value"]) == (
        "postal_address",
        "4 High Street, Bath BA1 1AA",
    )
    assert change["quote"] in body
    api_key = make_api_key()
    shown = client.get(
        f"/api/v1/requests/{request.reference}", headers={"Authorization": f"Bearer {api_key}"}
    ).get_json()
    assert shown["proposed_changes"] == request.proposed_changes
