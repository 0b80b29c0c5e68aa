"""Privacy requests and inbound messages over the API: lists, filters, pages, one by reference."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_contact
from tests.inbound import compose, receive
from tests.test_openapi import assert_documented


def test_requests_are_listed_filtered_and_paged(api: FlaskClient) -> None:
    receive(compose("Please delete my data.", sender="ann@customer.example.net"))
    receive(compose("Stop emailing me.", sender="bob@customer.example.net"))
    receive(compose("Please delete my account.", sender="cy@customer.example.net"))

    everything = api.get("/api/v1/requests")
    assert_documented("/requests", "GET", everything)
    assert everything.get_json()["total"] == 3

    deletions = api.get("/api/v1/requests?kind=deletion&limit=1")
    page = deletions.get_json()
    assert (page["total"], len(page["items"])) == (2, 1)
    assert page["items"][0]["requester_email"] == "ann@customer.example.net"
    rest = api.get(f"/api/v1/requests?kind=deletion&limit=1&cursor={page['next']}").get_json()
    assert [r["requester_email"] for r in rest["items"]] == ["cy@customer.example.net"]
    assert rest["next"] is None

    completed = api.get("/api/v1/requests?status=completed").get_json()
    assert [(r["kind"], r["requester_email"]) for r in completed["items"]] == [
        ("discontinue", "bob@customer.example.net")
    ]


def test_one_request_by_reference_with_its_history(api: FlaskClient) -> None:
    message = receive(compose("What personal data do you hold on me?"))
    reference = message.requests[0].reference
    response = api.get(f"/api/v1/requests/{reference}")
    assert_documented("/requests/{reference}", "GET", response)
    body = response.get_json()
    assert (body["reference"], body["kind"], body["status"]) == (reference, "access", "received")
    assert body["messages"] == [message.id]
    assert [(e["from"], e["to"], e["actor"]) for e in body["events"]] == [
        (None, "received", "system")
    ]
    # References are read back case-insensitively, as people retype them.
    assert api.get(f"/api/v1/requests/{reference.lower()}").status_code == 200


def test_unknown_reference_and_bad_filters_are_clear_errors(api: FlaskClient) -> None:
    missing = api.get("/api/v1/requests/PR-0000-0000")
    assert_documented("/requests/{reference}", "GET", missing)
    assert missing.get_json()["error"] == "request_not_found"
    for query in ("kind=refund", "status=open", "limit=0", "cursor=abc"):
        response = api.get(f"/api/v1/requests?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"] == "validation_failed"
    bad = api.get("/api/v1/inbound?machine_generated=maybe")
    assert bad.status_code == 422


def test_inbound_messages_filter_machine_mail(api: FlaskClient) -> None:
    receive(compose("Please correct my surname to Smyth."))
    receive(compose("I am away.", headers={"Auto-Submitted": "auto-replied"}))
    machine = api.get("/api/v1/inbound?machine_generated=true")
    assert_documented("/inbound", "GET", machine)
    [away] = machine.get_json()["items"]
    assert away["machine_reason"] == "Auto-Submitted: auto-replied"
    assert away["requests"] == [] and away["outcome"] == "machine_generated"
    [person] = api.get("/api/v1/inbound?machine_generated=false").get_json()["items"]
    assert person["kind"] == "correction" and person["requests"]
    assert person["text"].startswith("Please correct")
    assert api.get("/api/v1/inbound").get_json()["total"] == 2


def test_requests_need_an_api_key(client: FlaskClient) -> None:
    for path in ("/api/v1/requests", "/api/v1/requests/PR-0000-0000", "/api/v1/inbound"):
        assert client.get(path).status_code == 401


def test_days_left_and_overdue_are_worked_out_when_asked(app: Flask, api: FlaskClient) -> None:
    # standards E28: 45 calendar days; the count is derived at each read, never stored stale.
    make_contact("pat@customer.example.net")
    with time_machine.travel(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False):
        reference = receive(compose("Please delete my account.")).requests[0].reference

    def respond_deadline(at: datetime) -> dict[str, Any]:
        with time_machine.travel(at, tick=False):
            body = api.get(f"/api/v1/requests/{reference}").get_json()
        return next(d for d in body["deadlines"] if d["rule"] == "respond")

    early = respond_deadline(datetime(2026, 3, 12, 17, 0, tzinfo=UTC))
    assert (early["due"], early["days_left"], early["overdue"]) == ("2026-04-16", 35, False)
    last_day = respond_deadline(datetime(2026, 4, 16, 17, 0, tzinfo=UTC))
    assert (last_day["days_left"], last_day["overdue"]) == (0, False)
    late = respond_deadline(datetime(2026, 4, 17, 17, 0, tzinfo=UTC))
    assert (late["days_left"], late["overdue"]) == (-1, True)
