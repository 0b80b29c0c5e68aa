"""The preference page at /p/<token>: no account, CSRF-protected, unsubscribe from all, GPC, history."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Contact, Suppression
from prefcenter.services import contacts
from prefcenter.services.links import preferences_token, unsubscribe_token
from prefcenter.services.subscriptions import statuses
from tests.factories import TEST_SOURCE, make_contact


@pytest.fixture
def browser(client: FlaskClient) -> FlaskClient:
    # The CSRF session cookie is Secure because the service's base URL is https.
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def page_url(contact: Contact) -> str:
    return f"/p/{preferences_token(contact)}"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def checked(html: str) -> set[str]:
    return set(re.findall(r'value="(\w+)"\s+aria-describedby="[^"]+"\s+checked', html))


def text(html: str) -> str:
    """What a person reads: tags dropped, entities decoded, white space folded."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def submit(browser: FlaskClient, contact: Contact, categories: list[str], action: str = "save"):
    url = page_url(contact)
    token = csrf_token(browser.get(url).text)
    data = {"csrf_token": token, "category": categories, "action": action}
    return browser.post(url, data=data)


def state(email: str = "jane@example.com") -> dict[str, str]:
    db.session.commit()
    return statuses(contacts.get(email))


def events() -> list[tuple]:
    db.session.commit()
    rows = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id))
    return [(e.category, e.old_status, e.new_status, e.channel) for e in rows]


def scopes() -> set[str]:
    db.session.commit()
    return set(db.session.scalars(select(Suppression.scope)))


def test_page_shows_masked_address_categories_and_sender(browser: FlaskClient) -> None:
    jane = make_contact(categories=["marketing", "updates"])
    response = browser.get(page_url(jane))
    assert response.status_code == 200
    page = text(response.text)
    assert "j***@example.com" in page
    assert "jane@example.com" not in response.text
    for label in ("Marketing", "Service updates", "Promotions"):
        assert label in page
    assert "Offers, discounts and sales." in page
    assert "Example Shop" in page and "1 Main Street, Springfield" in page
    assert "password is needed" in page  # standards C20: no account, no login


def test_only_categories_opted_into_are_ticked(browser: FlaskClient) -> None:
    # standards F38: no pre-ticked boxes.
    jane = make_contact(categories=["updates"])
    assert checked(browser.get(page_url(jane)).text) == {"updates"}


def test_saving_changes_each_category_once_and_confirms(browser: FlaskClient) -> None:
    # standards F37, C18: one consent row per change, through the page, and the rest untouched.
    jane = make_contact(categories=["marketing", "promotional", "updates"])
    before = len(events())
    response = submit(browser, jane, ["marketing", "updates"])
    assert response.status_code == 200
    assert "Saved. You will no longer get promotions mail." in text(response.text)
    assert state() == {
        "marketing": "subscribed",
        "updates": "subscribed",
        "promotional": "unsubscribed",
    }
    assert events()[before:] == [("promotional", "subscribed", "unsubscribed", "preference_page")]
    assert scopes() == {"promotional"}


def test_reload_shows_the_saved_state(browser: FlaskClient) -> None:
    jane = make_contact(categories=["marketing"])
    submit(browser, jane, ["updates"])
    assert checked(browser.get(page_url(jane)).text) == {"updates"}


def test_saving_with_no_change_changes_nothing(browser: FlaskClient) -> None:
    jane = make_contact(categories=["marketing"])
    before = events()
    response = submit(browser, jane, ["marketing"])
    assert "Saved. Nothing changed." in text(response.text)
    assert events() == before


def test_opting_back_in_is_a_new_consent_and_lifts_the_suppression(browser: FlaskClient) -> None:
    # standards F38: withdrawing and giving are equally easy; the change is recorded.
    jane = make_contact(categories=["marketing"])
    browser.post(f"/u/{unsubscribe_token(jane, 'marketing')}")
    assert scopes() == {"marketing"}
    response = submit(browser, jane, ["marketing"])
    assert "You will now get marketing mail." in text(response.text)
    assert state()["marketing"] == "subscribed"
    assert events()[-1] == ("marketing", "unsubscribed", "subscribed", "preference_page")
    event = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id.desc())).first()
    assert event.wording_version == "preference-page-2026-11"
    assert scopes() == set()


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_missing_or_foreign_csrf_token_changes_nothing(browser: FlaskClient, token) -> None:
    jane = make_contact(categories=["marketing"])
    before = events()
    data = {"category": [], "action": "unsubscribe_all"}
    if token:
        data["csrf_token"] = token
    response = browser.post(page_url(jane), data=data)
    assert response.status_code == 400
    assert "nothing was saved" in text(response.text)
    assert events() == before
    assert state()["marketing"] == "subscribed"
    assert scopes() == set()


def test_stale_csrf_token_changes_nothing(browser: FlaskClient) -> None:
    jane = make_contact(categories=["marketing"])
    with time_machine.travel("2026-05-01 09:00 +0000", tick=False) as traveller:
        token = csrf_token(browser.get(page_url(jane)).text)
        traveller.shift(timedelta(hours=2))
        response = browser.post(
            page_url(jane), data={"csrf_token": token, "category": [], "action": "save"}
        )
    assert response.status_code == 400
    assert "This form had expired" in text(response.text)
    assert state()["marketing"] == "subscribed"


def test_unsubscribe_from_all(browser: FlaskClient) -> None:
    # standards D22: the category menu comes with an "opt out of all" choice; D24: one page.
    jane = make_contact(categories=["marketing", "updates"])
    response = submit(browser, jane, ["marketing"], action="unsubscribe_all")
    page = text(response.text)
    assert "You are unsubscribed from all email from Example Shop." in page
    assert "To get some of it again, tick what you want" in page
    assert checked(response.text) == set()
    assert set(state().values()) == {"unsubscribed"}
    assert scopes() == {"all", "marketing", "updates", "promotional"}


def test_after_unsubscribe_from_all_no_api_or_import_can_resubscribe(
    browser: FlaskClient,
) -> None:
    # standards D23, F40: the all-mail suppression holds against the sending systems.
    from prefcenter.errors import RecipientSuppressed

    jane = make_contact(categories=["marketing"])
    submit(browser, jane, [], action="unsubscribe_all")
    with pytest.raises(RecipientSuppressed):
        contacts.upsert("jane@example.com", TEST_SOURCE, categories=["marketing"])


def test_opting_back_in_after_unsubscribe_from_all_keeps_the_rest_off(
    browser: FlaskClient,
) -> None:
    jane = make_contact(categories=["marketing", "updates"])
    submit(browser, jane, [], action="unsubscribe_all")
    submit(browser, jane, ["updates"])
    assert state() == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "unsubscribed",
    }
    # Marketing and promotions stay suppressed, so no import can switch them back on.
    assert scopes() == {"marketing", "promotional"}


def test_global_privacy_control_is_honoured_once(browser: FlaskClient) -> None:
    # standards E33: Sec-GPC: 1 is a valid opt-out of sale/sharing, asking nothing more.
    jane = make_contact()
    url = page_url(jane)
    first = browser.get(url, headers={"Sec-GPC": "1"})
    assert "We have honoured it: we will not sell or share" in text(first.text)
    browser.get(url, headers={"Sec-GPC": "1"})
    gpc = [e for e in events() if e[3] == "gpc"]
    assert gpc == [("sale_sharing", None, "opted_out", "gpc")]
    later = text(browser.get(url).text)
    assert "You have opted out of the sale or sharing" in later
    assert "Sale or sharing of your information" in later


def test_without_gpc_nothing_is_recorded(browser: FlaskClient) -> None:
    jane = make_contact()
    before = events()
    browser.get(page_url(jane), headers={"Sec-GPC": "0"})
    assert events() == before


def test_history_lists_recent_changes(browser: FlaskClient) -> None:
    # standards F37: the person sees what changed, when and how.
    jane = make_contact(categories=["marketing"])
    browser.post(f"/u/{unsubscribe_token(jane, 'marketing')}")
    page = text(browser.get(page_url(jane)).text)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC Marketing on → off unsubscribe link", page)
    assert "Marketing none → on when you signed up" in page


def tampered(contact: Contact) -> str:
    token = preferences_token(contact)
    i = len(token) - 10
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(tampered, id="tampered"),
        pytest.param(lambda c: preferences_token(c)[:-4], id="truncated"),
        pytest.param(lambda c: unsubscribe_token(c, "marketing"), id="unsubscribe-token"),
        pytest.param(lambda c: "garbage", id="garbage"),
    ],
)
def test_bad_tokens_get_a_friendly_400(browser: FlaskClient, make_token) -> None:
    jane = make_contact()
    response = browser.get(f"/p/{make_token(jane)}")
    assert response.status_code == 400
    page = text(response.text)
    assert "This link is not valid" in page
    assert "reply to any of our emails" in page
    assert "Traceback" not in response.text


def test_token_of_a_deleted_contact_gets_a_friendly_404(browser: FlaskClient) -> None:
    jane = make_contact()
    url = page_url(jane)
    db.session.delete(jane)
    db.session.commit()
    response = browser.get(url)
    assert response.status_code == 404
    assert "reply to any of our emails" in text(response.text)


def test_page_is_not_cached_framed_or_leaked(browser: FlaskClient) -> None:
    response = browser.get(page_url(make_contact()))
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "default-src 'none'" in csp  # no script at all
    assert "<script" not in response.text
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]


def test_one_click_confirmation_link_leads_to_this_page(app: Flask, browser: FlaskClient) -> None:
    # standards C15: the unsubscribe confirmation offers the preference page, and it works.
    jane = make_contact()
    done = browser.post(f"/u/{unsubscribe_token(jane, 'marketing')}").text
    link = re.search(r'href="https://prefs.example.com(/p/[^"]+)"', done).group(1)
    assert browser.get(link).status_code == 200


def test_nothing_counts_as_a_change_for_an_unknown_category(browser: FlaskClient) -> None:
    jane = make_contact(categories=["marketing"])
    before = db.session.scalar(select(func.count(ConsentEvent.id)))
    submit(browser, jane, ["marketing", "not-a-category"])
    assert db.session.scalar(select(func.count(ConsentEvent.id))) == before
