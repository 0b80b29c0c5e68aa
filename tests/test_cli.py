"""The `prefcenter` command: API keys, links, schema set-up and refusing unsafe production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import inspect, select, text

from prefcenter import create_app
from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import ApiKey
from prefcenter.services import contacts
from prefcenter.services.subscriptions import statuses
from tests.conftest import base_config
from tests.factories import make_contact, make_suppression

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFCENTER = str(Path(sys.executable).with_name("prefcenter"))
TABLES = {
    "alembic_version",
    "contact",
    "subscription",
    "consent_event",
    "suppression",
    "api_key",
    "inbound_message",
    "privacy_request",
    "request_event",
    "request_message",
    "outbox_message",
    "staff_member",
    "audit_event",
    "change_event",
    "bounce",
    "webhook_endpoint",
    "webhook_delivery",
}


def invoke(runner: FlaskCliRunner, *args: str) -> Result:
    # FlaskCliRunner passes a ScriptInfo for the test app; the group keeps it.
    return runner.invoke(main, list(args))


def one_line_error(result: Result) -> str:
    """The single `Error: ...` line a failed command shows, after checking it failed cleanly."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_help_lists_the_commands(runner: FlaskCliRunner) -> None:
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line}
    assert {"init-db", "run", "web", "api-key", "contacts", "link"} <= listed


# API keys


def test_created_key_is_the_last_line_and_authenticates(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    result = invoke(runner, "api-key", "create", "newsletter-tool")
    assert result.exit_code == 0, result.output
    key = result.stdout.splitlines()[-1]
    assert key.startswith("pck_")
    response = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert client.get("/api/v1/categories").status_code == 401


def test_key_text_is_stored_nowhere(runner: FlaskCliRunner) -> None:
    key = invoke(runner, "api-key", "create", "newsletter-tool").stdout.splitlines()[-1]
    secret_part = key[len("pck_") + 6 :]  # the listing prefix shows "pck_" and 6 more characters
    dump = []
    for table in db.metadata.sorted_tables:
        dump.extend(str(row) for row in db.session.execute(select(table)))
    assert dump, "the key's row should be in the dump"
    assert all(key not in row and secret_part not in row for row in dump)


def test_same_name_twice_is_a_one_line_error(runner: FlaskCliRunner) -> None:
    assert invoke(runner, "api-key", "create", "crm").exit_code == 0
    result = invoke(runner, "api-key", "create", "crm")
    assert "crm" in one_line_error(result)
    assert "Traceback" not in result.output
    assert db.session.scalars(select(ApiKey.name)).all() == ["crm"]


def test_list_then_revoke(runner: FlaskCliRunner, client: FlaskClient) -> None:
    key = invoke(runner, "api-key", "create", "crm").stdout.splitlines()[-1]
    assert invoke(runner, "api-key", "list").stdout == f"crm\t{key[:10]}...\tactive\n"

    result = invoke(runner, "api-key", "revoke", "crm")
    assert result.exit_code == 0
    assert result.stdout == "Revoked 'crm'.\n"
    response = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401
    assert "revoked" in invoke(runner, "api-key", "list").stdout


def test_revoke_unknown_name_is_an_error(runner: FlaskCliRunner) -> None:
    assert one_line_error(invoke(runner, "api-key", "revoke", "nobody")) == (
        "Error: No active API key named 'nobody'."
    )


# Links


def test_link_prints_urls_headers_and_postal_address(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    # standards A1, A2, B14, D25: the headers a sender copies, and the postal address for the footer.
    make_contact("jane@example.com")
    result = invoke(runner, "link", "Jane@Example.com", "marketing")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    url = lines["Unsubscribe URL"].strip()
    mailto = lines["Unsubscribe mail"].strip()
    assert url.startswith("https://prefs.example.com/u/")
    assert mailto.startswith("mailto:unsubscribe+") and mailto.endswith("@example.com")
    assert lines["Preferences URL"].strip().startswith("https://prefs.example.com/p/")
    assert lines["Postal address"].strip() == "1 Main Street, Springfield, CA 90000, USA"
    headers = result.stdout.split("Headers:\n")[1]
    assert headers == (
        f"List-Unsubscribe: <{url}>,\n <{mailto}>\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
        "List-Id: Marketing <marketing.example.com>\n"
    )
    # The printed URL is a working one-click link for this contact and list.
    assert client.post(url.removeprefix("https://prefs.example.com")).status_code == 200
    db.session.expire_all()
    assert statuses(contacts.get("jane@example.com")) == {
        "marketing": "unsubscribed",
        "updates": "subscribed",
        "promotional": "subscribed",
    }


@pytest.mark.parametrize("scope", ["all", "marketing"])
def test_link_refused_for_a_suppressed_address(runner: FlaskCliRunner, scope: str) -> None:
    # standards D23: no headers, so no mail, for an address that opted out.
    make_contact("jane@example.com")
    make_suppression("jane@example.com", scope)
    result = invoke(runner, "link", "jane@example.com", "marketing")
    assert one_line_error(result) == "Error: This address may not be sent this category of mail."
    assert "https://" not in result.output


def test_category_suppression_leaves_other_links(runner: FlaskCliRunner) -> None:
    # standards C18: opting out of marketing leaves service updates on.
    make_contact("jane@example.com")
    make_suppression("jane@example.com", "marketing")
    result = invoke(runner, "link", "jane@example.com", "updates")
    assert result.exit_code == 0
    assert "List-Id: Service updates <updates.example.com>" in result.stdout


def test_link_for_unknown_contact(runner: FlaskCliRunner) -> None:
    result = invoke(runner, "link", "nobody@example.com", "marketing")
    assert one_line_error(result) == "Error: No contact has that address."


def test_link_for_unknown_category(runner: FlaskCliRunner) -> None:
    make_contact("jane@example.com")
    result = invoke(runner, "link", "jane@example.com", "newsletter")
    assert one_line_error(result) == (
        "Error: Unknown category 'newsletter'; use one of: marketing, updates, promotional."
    )


# Schema


def test_init_db_creates_every_table_and_runs_twice(tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    database.touch()
    fresh = create_app(base_config(tmp_path, f"sqlite:///{database}"))
    runner = fresh.test_cli_runner()
    try:
        for _ in range(2):
            result = invoke(runner, "init-db")
            assert result.exit_code == 0, result.output
            assert result.stdout == "Database is at the newest schema.\n"
        with fresh.app_context():
            assert set(inspect(db.engine).get_table_names()) == TABLES
            assert len(db.session.execute(text("SELECT * FROM alembic_version")).all()) == 1
            db.session.remove()
    finally:
        with fresh.app_context():
            db.engine.dispose()


# Refusing unsafe production settings (real console script, in a subprocess)

GOOD_PRODUCTION = {
    "PREFCENTER_ENV": "production",
    "PREFCENTER_SECRET_KEYS": "a-long-random-production-secret",
    "PREFCENTER_HASH_KEY": "a-long-random-production-hash-key",
    "PREFCENTER_POSTAL_ADDRESS": "1 Main Street, Springfield, CA 90000, USA",
    "PREFCENTER_MAIL_DOMAIN": "shop.example.org",
    "PREFCENTER_BASE_URL": "https://prefs.shop.example.org",
}


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFCENTER_")}
    env["PREFCENTER_INSTANCE_PATH"] = str(tmp_path / "instance")
    env.update(settings)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def one_stderr_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_good_production_settings_start(tmp_path: Path) -> None:
    # The control for the refusals below: with every variable set, the command works.
    done = run([PREFCENTER, "init-db"], environment(tmp_path, **GOOD_PRODUCTION))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "instance" / "prefcenter.sqlite3").exists()


@pytest.mark.parametrize(
    ("variable", "bad_value"),
    [
        pytest.param("PREFCENTER_SECRET_KEYS", "dev-only-secret-change-me", id="dev-secret"),
        pytest.param("PREFCENTER_HASH_KEY", "dev-only-hash-key-change-me", id="dev-hash-key"),
        pytest.param("PREFCENTER_POSTAL_ADDRESS", "", id="no-postal-address"),
        pytest.param("PREFCENTER_BASE_URL", "http://prefs.shop.example.org", id="plain-http"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path: Path, variable: str, bad_value: str) -> None:
    # standards D25: no postal address, no service; the message names what to fix.
    env = environment(tmp_path, **{**GOOD_PRODUCTION, variable: bad_value})
    done = run([PREFCENTER, "init-db"], env)
    assert done.returncode == 1
    assert one_stderr_line(done).startswith(f"Error: {variable} ")
    assert done.stdout == ""
    assert not (tmp_path / "instance" / "prefcenter.sqlite3").exists()


def test_production_web_server_refuses_unsafe_settings(tmp_path: Path) -> None:
    # standards D25: the gunicorn command checks before it binds or forks.
    env = environment(tmp_path, **{**GOOD_PRODUCTION, "PREFCENTER_POSTAL_ADDRESS": ""})
    done = run([PREFCENTER, "web", "--bind", "127.0.0.1:1"], env)
    assert done.returncode == 1
    assert one_stderr_line(done).startswith("Error: PREFCENTER_POSTAL_ADDRESS is empty")


def test_wsgi_refuses_unsafe_settings_in_one_line(tmp_path: Path) -> None:
    # standards D25: `gunicorn wsgi:app` fails the same way: one line naming the variable.
    env = environment(tmp_path, **{**GOOD_PRODUCTION, "PREFCENTER_POSTAL_ADDRESS": ""})
    done = run([sys.executable, "wsgi.py"], env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "prefcenter: PREFCENTER_POSTAL_ADDRESS is empty; CAN-SPAM requires it in every "
        "commercial message"
    ]
    env = environment(tmp_path, PREFCENTER_ENV="production")
    done = run([sys.executable, "-c", "import wsgi"], env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "prefcenter: PREFCENTER_SECRET_KEYS still holds the development key"
    ]
    done = run([sys.executable, "wsgi.py"], environment(tmp_path, **GOOD_PRODUCTION))
    assert (done.returncode, done.stderr) == (0, "")
