"""One-click unsubscribe at /u/<token>, as RFC 8058 and the Gmail/Yahoo bulk-sender rules require."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Contact, Subscription, Suppression
from prefcenter.services.links import unsubscribe_token
from prefcenter.services.subscriptions import statuses
from tests.factories import make_contact
from tests.statements import statements

ONE_CLICK_BODY = {"List-Unsubscribe": "One-Click"}


def url(contact: Contact, category: str = "marketing") -> str:
    return f"/u/{unsubscribe_token(contact, category)}"


def subscriptions(email: str) -> dict[str, str]:
    db.session.expire_all()
    contact = db.session.scalar(select(Contact).where(Contact.email == email))
    return statuses(contact)


def consent_rows() -> int:
    return db.session.scalar(select(func.count(ConsentEvent.id)))


ALL_SUBSCRIBED = {"marketing": "subscribed", "updates": "subscribed", "promotional": "subscribed"}


@pytest.mark.parametrize(
    "post",
    [
        pytest.param(lambda c, u: c.post(u, data=ONE_CLICK_BODY), id="urlencoded"),
        pytest.param(
            lambda c, u: c.post(u, data=ONE_CLICK_BODY, content_type="multipart/form-data"),
            id="multipart",
        ),
        pytest.param(lambda c, u: c.post(u), id="empty-body"),
    ],
)
def test_post_unsubscribes_in_either_encoding(client: FlaskClient, post) -> None:
    # standards A4, A8: the URI alone says who and what; both encodings (and none) work.
    jane = make_contact("jane@example.com")
    response = post(client, url(jane))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    assert subscriptions("jane@example.com") == {**ALL_SUBSCRIBED, "marketing": "unsubscribed"}


def test_post_needs_no_cookie_auth_or_csrf_and_does_not_redirect(client: FlaskClient) -> None:
    # standards A6, A7: a bare POST with no context works, answers 2xx, sets nothing, no Location.
    jane = make_contact()
    response = client.post(url(jane), data=ONE_CLICK_BODY, headers={"Cookie": ""})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert subscriptions(jane.email)["marketing"] == "unsubscribed"


def test_only_that_recipient_and_that_list(client: FlaskClient) -> None:
    # standards A4, C18: marketing off for Jane only; her service updates stay on.
    jane = make_contact("jane@example.com")
    make_contact("john@example.com")
    client.post(url(jane, "marketing"), data=ONE_CLICK_BODY)
    assert subscriptions("jane@example.com") == {**ALL_SUBSCRIBED, "marketing": "unsubscribed"}
    assert subscriptions("john@example.com") == ALL_SUBSCRIBED


def test_takes_effect_at_once_with_history_and_suppression(client: FlaskClient) -> None:
    # standards C16 (same transaction as the click), F37 (consent history: who, when, how).
    jane = make_contact()
    client.post(url(jane, "promotional"), data=ONE_CLICK_BODY)
    event = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
    assert (event.category, event.old_status, event.new_status) == (
        "promotional",
        "subscribed",
        "unsubscribed",
    )
    assert (event.channel, event.actor) == ("one_click", "recipient")
    scopes = db.session.scalars(select(Suppression.scope)).all()
    assert scopes == ["promotional"]


def test_get_shows_a_button_and_changes_nothing(client: FlaskClient) -> None:
    # standards A9: link scanners fetch GETs; only the POST acts.
    jane = make_contact()
    before = consent_rows()
    response = client.get(url(jane))
    assert response.status_code == 200
    assert "Unsubscribe from Marketing?" in response.text
    assert '<button type="submit">Unsubscribe</button>' in response.text
    assert 'method="post"' in response.text
    assert consent_rows() == before
    assert subscriptions(jane.email) == ALL_SUBSCRIBED
    assert db.session.scalar(select(func.count(Suppression.id))) == 0


def test_a_scanners_get_reads_nothing_from_the_database(client: FlaskClient) -> None:
    # A send's worth of scanner GETs must not load the database the clicks write to.
    link = url(make_contact())
    with statements() as seen:
        response = client.get(link)
    assert response.status_code == 200
    assert seen == []


def test_the_address_is_shown_once_the_person_acts(client: FlaskClient) -> None:
    jane = make_contact()
    assert "j***@example.com" not in client.get(url(jane)).text
    assert "j***@example.com" in client.post(url(jane), data=ONE_CLICK_BODY).text


def test_repeated_posts_are_harmless(client: FlaskClient) -> None:
    # standards A10: 2xx every time, one change recorded.
    jane = make_contact()
    before = consent_rows()
    for _ in range(3):
        assert client.post(url(jane), data=ONE_CLICK_BODY).status_code == 200
    assert consent_rows() == before + 1
    assert db.session.scalar(select(func.count(Suppression.id))) == 1


def test_confirmation_links_to_preferences(client: FlaskClient) -> None:
    jane = make_contact()
    response = client.post(url(jane), data=ONE_CLICK_BODY)
    assert 'href="https://prefs.example.com/p/' in response.text


def test_contact_that_no_longer_exists_is_told_it_is_unsubscribed(client: FlaskClient) -> None:
    jane = make_contact()
    link = url(jane)
    db.session.delete(jane)
    db.session.commit()
    response = client.post(link, data=ONE_CLICK_BODY)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text


def tamper(token: str) -> str:
    # A middle character: the last base64 character of a 16-byte signature has spare bits,
    # so some changes to it decode to the same signature (the same token, not a forgery).
    i = len(token) - 10
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


@pytest.mark.parametrize(
    "make_bad_token",
    [
        pytest.param(tamper, id="tampered-signature"),
        pytest.param(lambda t: t[:-5], id="truncated"),
        pytest.param(lambda t: t.replace(".marketing.", ".updates."), id="category-swapped"),
        pytest.param(lambda t: "not-a-token", id="garbage"),
        pytest.param(lambda t: t + ".x", id="extra-part"),
        pytest.param(lambda t: "%ff%fe." + t, id="bad-bytes"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_bad_tokens_get_a_friendly_400_and_change_nothing(
    client: FlaskClient, make_bad_token, method: str
) -> None:
    # standards A5: an opaque, hard-to-forge token; a forged one changes nothing.
    jane = make_contact()
    before = consent_rows()
    response = getattr(client, method)(f"/u/{make_bad_token(unsubscribe_token(jane, 'marketing'))}")
    assert response.status_code == 400
    assert "This link is not valid" in response.text
    assert "Traceback" not in response.text
    assert consent_rows() == before
    assert subscriptions(jane.email) == ALL_SUBSCRIBED


def test_one_contacts_token_cannot_touch_another(client: FlaskClient) -> None:
    # standards A5: splicing John's id into Jane's signed token is rejected.
    jane = make_contact("jane@example.com")
    john = make_contact("john@example.com")
    forged = unsubscribe_token(jane, "marketing").replace(jane.uid, john.uid)
    assert client.post(f"/u/{forged}").status_code == 400
    assert subscriptions("john@example.com") == ALL_SUBSCRIBED


def test_token_works_long_after_the_send(client: FlaskClient) -> None:
    # standards D21: the opt-out works at least 30 days after sending (ours never expire).
    jane = make_contact()
    with time_machine.travel("2026-01-01 12:00 +0000", tick=False) as traveller:
        link = url(jane)
        traveller.shift(timedelta(days=31))
        assert client.post(link).status_code == 200
    assert subscriptions(jane.email)["marketing"] == "unsubscribed"


def test_no_login_is_ever_asked(client: FlaskClient) -> None:
    # standards C20, D24: one web page, nothing asked beyond the click.
    jane = make_contact()
    page = client.get(url(jane)).text
    assert "password" not in page.lower()
    assert "<input" in page and page.count("<input") == 1  # only the hidden One-Click field


def test_other_methods_are_refused_cleanly(client: FlaskClient) -> None:
    jane = make_contact()
    response = client.put(url(jane))
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert subscriptions(jane.email) == ALL_SUBSCRIBED


def events(category: str) -> list[tuple[str | None, str]]:
    query = select(ConsentEvent.old_status, ConsentEvent.new_status).where(
        ConsentEvent.category == category
    )
    return [tuple(row) for row in db.session.execute(query.order_by(ConsentEvent.id))]


@pytest.mark.parametrize(
    "category",
    [
        pytest.param("updates", id="never-subscribed"),
        pytest.param("spring_sale_2019", id="since-removed-from-the-configuration"),
    ],
)
def test_a_category_without_a_subscription_is_unsubscribed_from_nothing(
    client: FlaskClient, category: str
) -> None:
    # The person asked not to get that mail: honoured, recorded once, suppressed, whatever we hold.
    jane = make_contact(categories=["marketing"])
    for _ in range(2):
        assert client.post(url(jane, category)).status_code == 200
    assert events(category) == [(None, "unsubscribed")]
    stored = select(Subscription.status).where(Subscription.category == category)
    assert db.session.scalars(stored).all() == ["unsubscribed"]
    assert db.session.scalars(select(Suppression.scope)).all() == [category]
    assert subscriptions(jane.email)["marketing"] == "subscribed"
