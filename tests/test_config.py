"""Configuration from PREFCENTER_* variables, and what production refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prefcenter import config, create_app
from prefcenter.errors import ConfigError

GOOD_PRODUCTION = {
    "PREFCENTER_ENV": "production",
    "PREFCENTER_SECRET_KEYS": "s3cret-new,s3cret-old",
    "PREFCENTER_HASH_KEY": "hash-s3cret",
    "PREFCENTER_BASE_URL": "https://prefs.shop.test/",
    "PREFCENTER_MAIL_DOMAIN": "Shop.Test",
    "PREFCENTER_POSTAL_ADDRESS": "1 Main Street, Springfield",
}


def load(environ: dict[str, str], tmp_path: Path) -> dict:
    values = config.from_environ({"PREFCENTER_INSTANCE_PATH": str(tmp_path), **environ})
    return config.finalise(values)


def test_environment_is_read_and_parsed(tmp_path: Path) -> None:
    values = load(GOOD_PRODUCTION, tmp_path)
    assert values["SECRET_KEYS"] == ["s3cret-new", "s3cret-old"]
    assert values["SECRET_KEY"] == "s3cret-new"
    assert values["BASE_URL"] == "https://prefs.shop.test"
    assert values["MAIL_DOMAIN"] == "shop.test"
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'prefcenter.sqlite3'}"
    assert list(values["CATEGORY_MAP"]) == ["marketing", "updates", "promotional"]
    assert values["CATEGORY_MAP"]["updates"].list_id == "updates.shop.test"


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"PREFCENTER_SECRET_KEYS": config.DEV_SECRET_KEY}, "PREFCENTER_SECRET_KEYS"),
        ({"PREFCENTER_SECRET_KEYS": f"new,{config.DEV_SECRET_KEY}"}, "PREFCENTER_SECRET_KEYS"),
        ({"PREFCENTER_HASH_KEY": ""}, "PREFCENTER_HASH_KEY"),
        ({"PREFCENTER_POSTAL_ADDRESS": ""}, "PREFCENTER_POSTAL_ADDRESS"),  # standards D25
        ({"PREFCENTER_POSTAL_ADDRESS": "   "}, "PREFCENTER_POSTAL_ADDRESS"),
        ({"PREFCENTER_MAIL_DOMAIN": ""}, "PREFCENTER_MAIL_DOMAIN"),
        ({"PREFCENTER_BASE_URL": "http://prefs.shop.test"}, "PREFCENTER_BASE_URL"),  # A1
    ],
)
def test_production_refuses_unsafe_settings_naming_the_variable(
    tmp_path: Path, change: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load({**GOOD_PRODUCTION, **change}, tmp_path)
    assert refused.value.variable == variable
    assert str(refused.value).startswith(variable)
    assert "\n" not in str(refused.value)


def test_development_runs_on_defaults(tmp_path: Path) -> None:
    values = load({}, tmp_path)
    assert values["ENV"] == "development"
    assert values["SECRET_KEYS"] == [config.DEV_SECRET_KEY]


def test_categories_are_configurable(tmp_path: Path) -> None:
    categories = [
        {"key": "news", "label": "Newsletter", "description": "Monthly."},
        {"key": "events", "label": "Events", "list_id": "events-2026.shop.test"},
    ]
    values = load({**GOOD_PRODUCTION, "PREFCENTER_CATEGORIES": json.dumps(categories)}, tmp_path)
    assert [c.list_id for c in values["CATEGORY_MAP"].values()] == [
        "news.shop.test",
        "events-2026.shop.test",
    ]


@pytest.mark.parametrize(
    "categories",
    [
        "not json",
        "{}",
        "[]",
        '[{"label": "No key"}]',
        '[{"key": "all", "label": "Reserved"}]',
        '[{"key": "Has Space", "label": "x"}]',
        '[{"key": "seventeen-chars-x", "label": "Too long for a token"}]',
        '[{"key": "news", "label": "x", "list_id": "news.someone-else.test"}]',
    ],
)
def test_bad_category_configuration_is_refused(tmp_path: Path, categories: str) -> None:
    # standards B14: List-Id values must sit under a domain we control.
    with pytest.raises(ConfigError) as refused:
        load({"PREFCENTER_CATEGORIES": categories}, tmp_path)
    assert refused.value.variable == "PREFCENTER_CATEGORIES"


def test_bad_number_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        load({"PREFCENTER_API_BATCH_LIMIT": "lots"}, tmp_path)
    assert refused.value.variable == "PREFCENTER_API_BATCH_LIMIT"


@pytest.mark.parametrize(
    "variable",
    [
        "PREFCENTER_HARD_BOUNCE_LIMIT",
        "PREFCENTER_SOFT_BOUNCE_LIMIT",
        "PREFCENTER_SOFT_BOUNCE_DAYS",
        "PREFCENTER_WEBHOOK_FAILURE_LIMIT",
    ],
)
def test_bounce_and_webhook_limits_must_be_positive(tmp_path: Path, variable: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load({variable: "0"}, tmp_path)
    assert refused.value.variable == variable


def test_inbound_domains_must_take_the_mail_domains_bounces(tmp_path: Path) -> None:
    settings = {
        "PREFCENTER_MAIL_DOMAIN": "shop.example",
        "PREFCENTER_INBOUND_DOMAINS": "other.example",
    }
    with pytest.raises(ConfigError) as refused:
        load(settings, tmp_path)
    assert refused.value.variable == "PREFCENTER_INBOUND_DOMAINS"
    settings["PREFCENTER_INBOUND_DOMAINS"] = "other.example, shop.example"
    assert load(settings, tmp_path)["INBOUND_DOMAINS"] == ["other.example", "shop.example"]


def test_create_app_applies_overrides_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFCENTER_SENDER_NAME", "From Env")
    monkeypatch.setenv("PREFCENTER_INSTANCE_PATH", str(tmp_path))
    assert create_app().config["SENDER_NAME"] == "From Env"
    assert create_app({"SENDER_NAME": "From Test"}).config["SENDER_NAME"] == "From Test"
