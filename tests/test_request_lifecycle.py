"""The request lifecycle: allowed moves, refused ones with a clear error, and an append-only trail."""

from __future__ import annotations

import pytest
from flask import Flask

from prefcenter.errors import ValidationFailed
from prefcenter.extensions import db
from prefcenter.models import AppendOnlyViolation, PrivacyRequest, RequestStatus
from prefcenter.services.request_lifecycle import InvalidTransition, move
from tests.factories import make_contact
from tests.inbound import compose, receive

S = RequestStatus


def open_request(body: str = "Please delete my personal data.") -> PrivacyRequest:
    make_contact("pat@customer.example.net")
    [request] = receive(compose(body)).requests
    return request


def trail(request: PrivacyRequest) -> list[tuple[str | None, str, str]]:
    return [(e.from_status, e.to_status, e.actor) for e in request.events]


def test_a_request_moves_through_its_life_and_each_step_is_recorded(app: Flask) -> None:
    request = open_request()
    assert request.status == "awaiting_verification"
    for status, actor in [(S.VERIFIED, "requester"), (S.IN_PROGRESS, "staff:1")]:
        move(request, status, actor)
    move(request, S.COMPLETED, "staff:1", "data erased")
    db.session.commit()
    assert trail(request) == [
        (None, "received", "system"),
        ("received", "awaiting_verification", "system"),
        ("awaiting_verification", "verified", "requester"),
        ("verified", "in_progress", "staff:1"),
        ("in_progress", "completed", "staff:1"),
    ]
    assert request.completed_at is not None


def test_a_finished_request_cannot_be_reopened(app: Flask) -> None:
    request = open_request("Stop emailing me.")
    assert request.status == "completed"
    with pytest.raises(InvalidTransition) as refused:
        move(request, S.IN_PROGRESS, "staff:1")
    assert refused.value.code == "invalid_transition"
    assert "completed" in refused.value.message


def test_denial_and_extension_need_a_reason(app: Flask) -> None:
    # standards F39: refusals give reasons; E28: an extension gives its reason.
    request = open_request()
    for status in (S.DENIED, S.EXTENDED):
        with pytest.raises(ValidationFailed):
            move(request, status, "staff:1", "  ")
    assert request.status == "awaiting_verification"


def test_a_request_is_extended_once_only(app: Flask) -> None:
    # standards E28: one extension of 45 more days.
    request = open_request()
    move(request, S.VERIFIED, "requester")
    move(request, S.EXTENDED, "staff:1", "archive backups take longer to search")
    move(request, S.IN_PROGRESS, "staff:1")
    with pytest.raises(InvalidTransition):
        move(request, S.EXTENDED, "staff:1", "still more time")


def test_a_duplicate_names_its_original(app: Flask) -> None:
    original = open_request()
    [repeat] = receive(compose("Please delete my personal data, again.")).requests
    with pytest.raises(ValidationFailed):
        move(repeat, S.DUPLICATE, "staff:1")
    move(repeat, S.DUPLICATE, "staff:1", duplicate_of=original)
    assert repeat.duplicate_of_id == original.id


def test_the_trail_cannot_be_rewritten(app: Flask) -> None:
    request = open_request()
    db.session.commit()
    request.events[0].note = "changed"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    db.session.delete(request.events[0])
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
