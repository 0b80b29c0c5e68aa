"""Settings: every PREFCENTER_* environment variable is declared and read here, and nowhere else."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefcenter.errors import ConfigError

DEV_SECRET_KEY = "dev-only-secret-change-me"
DEV_HASH_KEY = "dev-only-hash-key-change-me"
DEV_MAIL_DOMAIN = "example.com"


@dataclass(frozen=True)
class Category:
    """A kind of mail a contact can subscribe to; `list_id` is the RFC 2919 label."""

    key: str
    label: str
    description: str
    list_id: str


DEFAULT_CATEGORIES = [
    {
        "key": "marketing",
        "label": "Marketing",
        "description": "News about our products and services.",
    },
    {
        "key": "updates",
        "label": "Service updates",
        "description": "Notices about changes to the service you use.",
    },
    {
        "key": "promotional",
        "label": "Promotions",
        "description": "Offers, discounts and sales.",
    },
]


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parse_categories(value: str) -> list[dict[str, str]]:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ConfigError("PREFCENTER_CATEGORIES", f"is not valid JSON ({exc.msg})") from None
    if not isinstance(parsed, list):
        raise ConfigError("PREFCENTER_CATEGORIES", "must be a JSON list of objects")
    return parsed


def _parse_int(name: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise ConfigError(name, f"must be a whole number, not {value!r}") from None

    return parse


def _parse_bool(name: str) -> Callable[[str], bool]:
    def parse(value: str) -> bool:
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError(name, f"must be true or false, not {value!r}")
        return lowered in ("true", "1", "yes")

    return parse


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: Any
    parse: Callable[[str], Any]
    doc: str


SETTINGS: list[Setting] = [
    Setting(
        "PREFCENTER_ENV",
        "ENV",
        "development",
        str.strip,
        "`development` or `production`; production refuses unsafe defaults.",
    ),
    Setting(
        "PREFCENTER_DATABASE_URL",
        "DATABASE_URL",
        None,
        str.strip,
        "SQLAlchemy URL. Default: SQLite file `prefcenter.sqlite3` in the instance folder. "
        "PostgreSQL: `postgresql+psycopg://user:pass@host/db`.",
    ),
    Setting(
        "PREFCENTER_SECRET_KEYS",
        "SECRET_KEYS",
        [DEV_SECRET_KEY],
        _split_list,
        "Comma-separated signing keys, newest first. New links use the first; links signed "
        "with any listed key still work (rotation).",
    ),
    Setting(
        "PREFCENTER_HASH_KEY",
        "HASH_KEY",
        DEV_HASH_KEY,
        str.strip,
        "Key for the keyed hash (HMAC-SHA256) of suppressed addresses. Never rotate it: "
        "the suppression list is looked up by it.",
    ),
    Setting(
        "PREFCENTER_BASE_URL",
        "BASE_URL",
        "http://127.0.0.1:8000",
        lambda v: v.strip().rstrip("/"),
        "Public URL of this service, used in links and headers; `https://` in production.",
    ),
    Setting(
        "PREFCENTER_INSTANCE_PATH",
        "INSTANCE_PATH",
        "instance",
        str.strip,
        "Folder for the SQLite file, the inbound spool and the outbox.",
    ),
    Setting(
        "PREFCENTER_MAIL_DOMAIN",
        "MAIL_DOMAIN",
        DEV_MAIL_DOMAIN,
        lambda v: v.strip().lower(),
        "Domain of our mail addresses (`unsubscribe+<token>@`) and of List-Id values.",
    ),
    Setting(
        "PREFCENTER_SENDER_NAME",
        "SENDER_NAME",
        "Example Company",
        str.strip,
        "The business's name, shown on pages and in message footers.",
    ),
    Setting(
        "PREFCENTER_POSTAL_ADDRESS",
        "POSTAL_ADDRESS",
        "",
        str.strip,
        "The sender's physical postal address (CAN-SPAM: in every commercial message). "
        "Required in production.",
    ),
    Setting(
        "PREFCENTER_CATEGORIES",
        "CATEGORIES",
        DEFAULT_CATEGORIES,
        _parse_categories,
        'JSON list of `{"key", "label", "description", "list_id"?}`. Default: marketing, '
        "updates, promotional. `list_id` defaults to `<key>.<mail domain>`.",
    ),
    Setting(
        "PREFCENTER_INBOUND_DOMAINS",
        "INBOUND_DOMAINS",
        [],
        lambda v: [d.lower() for d in _split_list(v)],
        "Comma-separated domains whose mail `prefcenter smtp` accepts (others get 550 5.1.1); "
        "they must include the mail domain. Default: the mail domain. Mail whose Message-ID is "
        "under one of them is our own.",
    ),
    Setting(
        "PREFCENTER_SMTP_MAX_SIZE",
        "SMTP_MAX_SIZE",
        25 * 1024 * 1024,
        _parse_int("PREFCENTER_SMTP_MAX_SIZE"),
        "Largest message `prefcenter smtp` accepts, in bytes (advertised as SIZE; larger: 552).",
    ),
    Setting(
        "PREFCENTER_TIME_ZONE",
        "TIME_ZONE",
        "America/Los_Angeles",
        str.strip,
        "The business's time zone (IANA name): request deadlines count its days.",
    ),
    Setting(
        "PREFCENTER_HOLIDAYS",
        "HOLIDAYS",
        "US",
        str.strip,
        "Holiday calendar for business days: a country, or country-subdivision such as `US-CA` "
        "(the `holidays` package); `none` for weekends only.",
    ),
    Setting(
        "PREFCENTER_GDPR",
        "GDPR",
        False,
        _parse_bool("PREFCENTER_GDPR"),
        "`true` to also track the GDPR deadline (one month, extendable by two) on requests.",
    ),
    Setting(
        "PREFCENTER_VERIFICATION_HOURS",
        "VERIFICATION_HOURS",
        72,
        _parse_int("PREFCENTER_VERIFICATION_HOURS"),
        "How long an identity-verification link works, in hours; each works once.",
    ),
    Setting(
        "PREFCENTER_AUTO_REPLY_LIMIT",
        "AUTO_REPLY_LIMIT",
        5,
        _parse_int("PREFCENTER_AUTO_REPLY_LIMIT"),
        "Most automatic messages sent to one address in 24 hours (a guard against mail loops).",
    ),
    Setting(
        "PREFCENTER_PRIVACY_ADDRESS",
        "PRIVACY_ADDRESS",
        "",
        str.strip,
        "The address our messages come from and replies go to. Default: `privacy@<mail domain>`.",
    ),
    Setting(
        "PREFCENTER_SMTP_RELAY",
        "SMTP_RELAY",
        "",
        str.strip,
        "Outbound relay as `host:port`. Unset: messages are written as .eml files under "
        "`<instance>/outbox/` instead of being sent.",
    ),
    Setting(
        "PREFCENTER_SMTP_STARTTLS",
        "SMTP_STARTTLS",
        True,
        _parse_bool("PREFCENTER_SMTP_STARTTLS"),
        "Use STARTTLS with the relay (`false` only for a relay on the same host).",
    ),
    Setting(
        "PREFCENTER_SMTP_CA_FILE",
        "SMTP_CA_FILE",
        "",
        str.strip,
        "PEM file of the certificate authority that signed a private relay's certificate. "
        "Unset: the system's trusted authorities.",
    ),
    Setting(
        "PREFCENTER_SMTP_USER",
        "SMTP_USER",
        "",
        str.strip,
        "Login for the relay; with PREFCENTER_SMTP_PASSWORD. Unset: no login.",
    ),
    Setting(
        "PREFCENTER_SMTP_PASSWORD",
        "SMTP_PASSWORD",
        "",
        str.strip,
        "Password for the relay login.",
    ),
    Setting(
        "PREFCENTER_DKIM_SELECTOR",
        "DKIM_SELECTOR",
        "",
        str.strip,
        "DKIM selector; with PREFCENTER_DKIM_KEY_FILE, our messages are signed (dkimpy).",
    ),
    Setting(
        "PREFCENTER_DKIM_KEY_FILE",
        "DKIM_KEY_FILE",
        "",
        str.strip,
        "PEM file of the DKIM private key (RSA) for the mail domain.",
    ),
    Setting(
        "PREFCENTER_API_BATCH_LIMIT",
        "API_BATCH_LIMIT",
        10_000,
        _parse_int("PREFCENTER_API_BATCH_LIMIT"),
        "Most recipients or addresses one batch API call may carry.",
    ),
    Setting(
        "PREFCENTER_HARD_BOUNCE_LIMIT",
        "HARD_BOUNCE_LIMIT",
        1,
        _parse_int("PREFCENTER_HARD_BOUNCE_LIMIT"),
        "Hard bounces (5.x.x) after which an address is suppressed for all mail, reason `bounce`.",
    ),
    Setting(
        "PREFCENTER_SOFT_BOUNCE_LIMIT",
        "SOFT_BOUNCE_LIMIT",
        3,
        _parse_int("PREFCENTER_SOFT_BOUNCE_LIMIT"),
        "Soft bounces (4.x.x, mailbox full and the like) within PREFCENTER_SOFT_BOUNCE_DAYS "
        "after which an address is suppressed for all mail, reason `bounce`. Delay notices "
        "(`Action: delayed`) do not count.",
    ),
    Setting(
        "PREFCENTER_SOFT_BOUNCE_DAYS",
        "SOFT_BOUNCE_DAYS",
        7,
        _parse_int("PREFCENTER_SOFT_BOUNCE_DAYS"),
        "The window, in days, in which soft bounces are counted.",
    ),
    Setting(
        "PREFCENTER_WEBHOOK_FAILURE_LIMIT",
        "WEBHOOK_FAILURE_LIMIT",
        20,
        _parse_int("PREFCENTER_WEBHOOK_FAILURE_LIMIT"),
        "Failed webhook attempts in a row after which an endpoint is disabled (its queued "
        "deliveries wait until it is enabled again).",
    ),
    Setting(
        "PREFCENTER_RAW_BODY_RETENTION_DAYS",
        "RAW_BODY_RETENTION_DAYS",
        90,
        _parse_int("PREFCENTER_RAW_BODY_RETENTION_DAYS"),
        "Days the raw bodies and attachments of inbound mail are kept; `prefcenter purge` "
        "deletes older ones, except while their request is open. The messages' dates, senders "
        "and requests, and the request log (E35: at least 24 months), stay.",
    ),
]

# Read by the test suite only, never by the service.
TEST_SETTINGS = {
    "PREFCENTER_TEST_DATABASE_URL": "Run the test suite against this PostgreSQL database "
    "instead of a SQLite file per test. `make test` sets it for its second pass.",
    "PREFCENTER_SOAK": "Set to 1 to run tests/reliability at full length (2,000 messages through "
    "SIGKILLs, and so on). `make soak` sets it.",
    "PREFCENTER_TEST_PG_CTL": "The pg_ctl command line, shell-quoted and without its action, "
    "with which tests/reliability/test_outage.py stops and restarts the PostgreSQL of "
    "PREFCENTER_TEST_DATABASE_URL. scripts/with-postgres sets it.",
}


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Defaults overlaid with the PREFCENTER_* variables that are set and not empty."""
    config = {s.key: s.default for s in SETTINGS}
    for setting in SETTINGS:
        raw = environ.get(setting.env, "")
        if raw.strip():
            config[setting.key] = setting.parse(raw)
    return config


def build_categories(raw: list[Any], mail_domain: str) -> dict[str, Category]:
    """Turn the configured category list into Category objects, validating each."""
    categories: dict[str, Category] = {}
    for item in raw:
        if isinstance(item, Category):
            categories[item.key] = item
            continue
        if not isinstance(item, dict) or not item.get("key") or not item.get("label"):
            raise ConfigError("PREFCENTER_CATEGORIES", "each category needs a key and a label")
        key = str(item["key"])
        # Keys travel inside unsubscribe tokens, which must fit a 64-octet mailbox local part.
        if not re.fullmatch(r"[a-z0-9_-]{1,16}", key):
            raise ConfigError(
                "PREFCENTER_CATEGORIES", f"category key {key!r} must be 1-16 of a-z, 0-9, -, _"
            )
        if key == "all":
            raise ConfigError("PREFCENTER_CATEGORIES", "'all' is reserved for all-list suppression")
        list_id = str(item.get("list_id") or f"{key}.{mail_domain}").lower()
        # RFC 2919: the list-id is at most 255 octets and must be a dot-atom under our domain.
        if len(list_id.encode()) > 255 or not list_id.endswith("." + mail_domain):
            raise ConfigError(
                "PREFCENTER_CATEGORIES",
                f"list_id {list_id!r} must end in .{mail_domain} and be at most 255 octets",
            )
        categories[key] = Category(
            key, str(item["label"]), str(item.get("description", "")), list_id
        )
    if not categories:
        raise ConfigError("PREFCENTER_CATEGORIES", "at least one category is needed")
    return categories


def finalise(config: dict[str, Any]) -> dict[str, Any]:
    """Derive Flask and SQLAlchemy keys and refuse unsafe production settings."""
    instance = Path(config["INSTANCE_PATH"]).resolve()
    config["INSTANCE_PATH"] = str(instance)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'prefcenter.sqlite3'}"
    if not config["SECRET_KEYS"]:
        raise ConfigError("PREFCENTER_SECRET_KEYS", "needs at least one key")
    if config["ENV"] not in ("development", "production"):
        raise ConfigError("PREFCENTER_ENV", "must be development or production")
    config["CATEGORY_MAP"] = build_categories(config["CATEGORIES"], config["MAIL_DOMAIN"])
    config["INBOUND_DOMAINS"] = config["INBOUND_DOMAINS"] or [config["MAIL_DOMAIN"]]
    if config["MAIL_DOMAIN"] not in config["INBOUND_DOMAINS"]:
        # Bounces (bounce+<token>@) and mailto unsubscribes (unsubscribe+<token>@) come back to
        # the mail domain: refused at RCPT, they would be lost.
        raise ConfigError(
            "PREFCENTER_INBOUND_DOMAINS", "must include PREFCENTER_MAIL_DOMAIN (or be left unset)"
        )
    config["PRIVACY_ADDRESS"] = config["PRIVACY_ADDRESS"] or f"privacy@{config['MAIL_DOMAIN']}"
    try:
        ZoneInfo(config["TIME_ZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "PREFCENTER_TIME_ZONE", f"{config['TIME_ZONE']!r} is no known time zone"
        ) from None
    if config["RAW_BODY_RETENTION_DAYS"] < 1:
        raise ConfigError("PREFCENTER_RAW_BODY_RETENTION_DAYS", "must be at least 1 (days)")
    for name in (
        "HARD_BOUNCE_LIMIT",
        "SOFT_BOUNCE_LIMIT",
        "SOFT_BOUNCE_DAYS",
        "WEBHOOK_FAILURE_LIMIT",
    ):
        if config[name] < 1:
            raise ConfigError(f"PREFCENTER_{name}", "must be at least 1")
    if bool(config["DKIM_SELECTOR"]) != bool(config["DKIM_KEY_FILE"]):
        raise ConfigError("PREFCENTER_DKIM_KEY_FILE", "and PREFCENTER_DKIM_SELECTOR go together")
    if config["ENV"] == "production":
        _refuse_unsafe_production(config)
    config["SECRET_KEY"] = config["SECRET_KEYS"][0]
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    # Statement parameters hold addresses and message bodies: keep them out of error logs.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True}
    config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    # The only cookie is the preference form's CSRF session: never sent cross-site, HTTPS only
    # when the service is served over HTTPS.
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = config["BASE_URL"].startswith("https://")
    return config


def _refuse_unsafe_production(config: dict[str, Any]) -> None:
    if DEV_SECRET_KEY in config["SECRET_KEYS"]:
        raise ConfigError("PREFCENTER_SECRET_KEYS", "still holds the development key")
    if config["HASH_KEY"] == DEV_HASH_KEY:
        raise ConfigError("PREFCENTER_HASH_KEY", "is still the development key")
    if not config["POSTAL_ADDRESS"]:
        raise ConfigError(
            "PREFCENTER_POSTAL_ADDRESS",
            "is empty; CAN-SPAM requires it in every commercial message",
        )
    if config["MAIL_DOMAIN"] == DEV_MAIL_DOMAIN:
        raise ConfigError("PREFCENTER_MAIL_DOMAIN", "is still the example domain")
    if not config["BASE_URL"].startswith("https://"):
        raise ConfigError(
            "PREFCENTER_BASE_URL", "must be https:// (RFC 8058 one-click needs HTTPS)"
        )


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The whole configuration: defaults, then the environment, then `overrides`."""
    config = from_environ(os.environ)
    config.update(overrides or {})
    return finalise(config)
