"""The real pages in headless Chromium (Debian's /usr/bin/chromium), driven with Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from prefcenter.extensions import db
from prefcenter.models import ConsentEvent
from prefcenter.services import contacts
from prefcenter.services.links import preferences_token, unsubscribe_token
from prefcenter.services.subscriptions import statuses
from tests.factories import STAFF_PASSWORD, make_contact, make_staff
from tests.inbound import compose, free_port, receive

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
# This machine has no outside network: keep Chromium from trying to reach it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Chromium at /usr/bin/chromium (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def config_overrides(port: int) -> dict[str, str]:
    return {"BASE_URL": f"http://127.0.0.1:{port}"}


@pytest.fixture
def live_server(app: Flask, port: int) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app.config["BASE_URL"]
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def saved_state() -> dict[str, str]:
    db.session.commit()
    return statuses(contacts.get("jane@example.com"))


def test_toggle_save_and_reload(live_server: str, page: Page) -> None:
    # standards C20: no login; F38: boxes reflect only what the person chose.
    jane = make_contact(categories=["marketing", "promotional"])
    page.goto(f"{live_server}/p/{preferences_token(jane)}")
    expect(page.get_by_role("heading", name="Your email preferences")).to_be_visible()
    expect(page.get_by_label("Promotions")).to_be_checked()
    expect(page.get_by_label("Service updates")).not_to_be_checked()
    screenshot(page, "preferences")

    page.get_by_label("Promotions").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Saved. You will no longer get promotions mail."
    )
    screenshot(page, "preferences-saved")

    page.reload()
    expect(page.get_by_label("Promotions")).not_to_be_checked()
    expect(page.get_by_label("Marketing")).to_be_checked()
    expect(page.get_by_role("table")).to_contain_text("Promotions")
    assert saved_state()["promotional"] == "unsubscribed"


def test_unsubscribe_from_all(live_server: str, page: Page) -> None:
    # standards D22: the menu comes with an "opt out of all" choice that works in one click.
    jane = make_contact(categories=["marketing", "updates"])
    page.goto(f"{live_server}/p/{preferences_token(jane)}")
    page.get_by_role("button", name="Unsubscribe from all").click()
    expect(page.get_by_role("status").first).to_contain_text("You are unsubscribed from all email")
    for label in ("Marketing", "Service updates", "Promotions"):
        expect(page.get_by_label(label)).not_to_be_checked()
    screenshot(page, "preferences-unsubscribed-from-all")
    assert set(saved_state().values()) == {"unsubscribed"}


def test_global_privacy_control(live_server: str, browser: Browser) -> None:
    # standards E33: the browser's signal alone is a valid opt-out of sale/sharing.
    jane = make_contact()
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    page = context.new_page()
    page.goto(f"{live_server}/p/{preferences_token(jane)}")
    expect(page.get_by_text("We have honoured it")).to_be_visible()
    screenshot(page, "preferences-gpc")
    context.close()
    db.session.commit()
    channels = db.session.scalars(select(ConsentEvent.channel)).all()
    assert channels.count("gpc") == 1


def test_one_click_page_then_preferences(live_server: str, page: Page) -> None:
    # standards A9, C15: a GET shows one button; pressing it unsubscribes; the page links on.
    jane = make_contact(categories=["marketing", "updates"])
    page.goto(f"{live_server}/u/{unsubscribe_token(jane, 'marketing')}")
    assert saved_state()["marketing"] == "subscribed"
    screenshot(page, "unsubscribe-confirm")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    screenshot(page, "unsubscribe-done")
    assert saved_state() == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "unsubscribed",
    }
    page.get_by_role("link", name="Manage your other email preferences").click()
    expect(page.get_by_label("Marketing")).not_to_be_checked()
    expect(page.get_by_label("Service updates")).to_be_checked()


def test_staff_correct_an_overdue_request_in_the_console(live_server: str, page: Page) -> None:
    # standards E30: the correction is checked, applied field by field, and the trail shows it.
    contact = make_contact("pat@customer.example.net", name="Pat Smith")
    with time_machine.travel(datetime(2026, 1, 5, 17, 0, tzinfo=UTC), tick=False):
        message = compose(
            "I moved. Please update my postal address to 4 High Street, Bath BA1 1AA."
        )
        [request] = receive(message).requests
    member = make_staff()
    db.session.commit()

    page.goto(f"{live_server}/console/login")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#count-overdue")).to_have_text("1")
    screenshot(page, "console-queue")

    page.get_by_role("link", name=request.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(request.reference)
    page.get_by_label("Note or reason").fill("Confirmed by phone with the customer.")
    page.get_by_role("button", name="verify").click()
    expect(page.locator("#status")).to_have_text("verified")

    row = page.locator("#field-postal_address")
    expect(row.get_by_role("textbox")).to_have_value("4 High Street, Bath BA1 1AA")
    row.get_by_role("button", name="Apply").click()
    expect(page.locator("#field-postal_address .old")).to_have_text("4 High Street, Bath BA1 1AA")
    expect(page.locator("#status")).to_have_text("in_progress")
    expect(page.get_by_text("postal_address corrected")).to_be_visible()
    screenshot(page, "console-request")

    db.session.rollback()
    db.session.refresh(contact)
    assert contact.postal_address == "4 High Street, Bath BA1 1AA"
