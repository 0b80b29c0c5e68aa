"""`prefcenter contacts import FILE`: a CSV in, a summary out, and never a re-subscribed opt-out."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from prefcenter.cli import main
from prefcenter.extensions import db
from prefcenter.models import ConsentEvent, Contact
from prefcenter.services.links import unsubscribe_token
from prefcenter.services.subscriptions import statuses
from tests.factories import make_contact, make_suppression

NOTHING = {"marketing": "unsubscribed", "updates": "unsubscribed", "promotional": "unsubscribed"}


def write_csv(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode(encoding))
    return path


def import_file(runner: FlaskCliRunner, path: Path, *options: str) -> Result:
    return runner.invoke(main, ["contacts", "import", str(path), *options])


def summary(result: Result) -> list[str]:
    """The summary lines after the progress bar's label."""
    assert result.exit_code == 0, result.output
    label, *lines = result.stdout.splitlines()
    assert label == "Importing"
    return lines


def subscriptions(email: str) -> dict[str, str]:
    db.session.expire_all()
    contact = db.session.scalar(select(Contact).where(Contact.email_key == email.lower()))
    assert contact is not None, f"no contact {email}"
    return statuses(contact)


def contact_emails() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(select(Contact.email).order_by(Contact.id)).all()


def test_summary_counts_and_names_invalid_lines(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,categories\n"
        "ann@example.com,Ann,marketing;updates\n"
        "bob@example.com,Bob,updates\n"
        "not-an-address,Nobody,marketing\n"
        "cy@example.com,,promotional\n"
        "dee@example.com,Dee,marketing;newsletter\n",
    )
    lines = summary(import_file(runner, path))
    assert lines[:4] == ["created: 3", "updated: 0", "refused as suppressed: 0", "invalid: 2"]
    assert lines[4].startswith("  line 4: ")
    assert lines[5] == (
        "  line 6: Unknown category 'newsletter'; use one of: marketing, updates, promotional."
    )
    assert len(lines) == 6
    assert contact_emails() == ["ann@example.com", "bob@example.com", "cy@example.com"]
    assert subscriptions("ann@example.com") == {
        **NOTHING,
        "marketing": "subscribed",
        "updates": "subscribed",
    }
    assert subscriptions("cy@example.com") == {**NOTHING, "promotional": "subscribed"}
    names = db.session.execute(select(Contact.email, Contact.name).order_by(Contact.id)).all()
    assert [tuple(row) for row in names] == [
        ("ann@example.com", "Ann"),
        ("bob@example.com", "Bob"),
        ("cy@example.com", None),
    ]


def test_excel_bom_and_crlf(runner: FlaskCliRunner, tmp_path: Path) -> None:
    # Excel's "CSV UTF-8" starts with a byte-order mark and ends lines with CRLF.
    path = write_csv(
        tmp_path,
        "Email,Name,Categories\r\nzoë@example.com,Zoë Ångström,updates\r\n",
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert summary(import_file(runner, path))[:4] == [
        "created: 1",
        "updated: 0",
        "refused as suppressed: 0",
        "invalid: 0",
    ]
    assert subscriptions("zoë@example.com") == {**NOTHING, "updates": "subscribed"}
    assert db.session.scalar(select(Contact.name)) == "Zoë Ångström"


def test_windows_1252_file_is_refused_before_writing(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    # Excel's plain "CSV" is Windows-1252: refuse it whole rather than half-import it.
    path = write_csv(
        tmp_path,
        "email,name\nann@example.com,Ann\nzoe@example.com,Zoë\n",
        encoding="cp1252",
    )
    result = import_file(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: Line 3 is not UTF-8 text; save the file as 'CSV UTF-8' and try again."
    ]
    assert contact_emails() == []


@pytest.mark.parametrize("email", ["gone@example.com", "Gone@EXAMPLE.com"])
def test_address_suppressed_for_all_is_refused(
    runner: FlaskCliRunner, tmp_path: Path, email: str
) -> None:
    # standards D23, E31: an address that asked for no mail (or was erased) is not re-imported.
    make_suppression("gone@example.com", "all", reason="erasure")
    path = write_csv(
        tmp_path, f"email,categories\nann@example.com,updates\n{email},marketing;updates\n"
    )
    lines = summary(import_file(runner, path))
    assert lines[:4] == [
        "created: 1",
        "updated: 0",
        "refused as suppressed: 1 (lines 3)",
        "invalid: 0",
    ]
    assert contact_emails() == ["ann@example.com"]


def one_click(client: FlaskClient, email: str, category: str) -> None:
    contact = db.session.scalar(select(Contact).where(Contact.email_key == email))
    response = client.post(
        f"/u/{unsubscribe_token(contact, category)}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("how", ["one-click", "suppression-only"])
def test_import_never_resubscribes_an_unsubscribed_category(
    runner: FlaskCliRunner, client: FlaskClient, tmp_path: Path, how: str
) -> None:
    # standards D23, C18, F40: marketing stays off after a re-import; updates may be added.
    if how == "one-click":
        make_contact("ann@example.com", categories=["marketing"])
        one_click(client, "ann@example.com", "marketing")
    else:
        make_suppression("ann@example.com", "marketing", reason="unsubscribe")
    path = write_csv(tmp_path, "email,name,categories\nANN@example.com,Ann,marketing;updates\n")
    lines = summary(import_file(runner, path))
    created = "1" if how == "suppression-only" else "0"
    assert lines == [
        f"created: {created}",
        f"updated: {1 - int(created)}",
        "refused as suppressed: 0",
        "subscriptions left off because suppressed: 1",
        "invalid: 0",
    ]
    assert subscriptions("ann@example.com") == {**NOTHING, "updates": "subscribed"}
    imported = db.session.scalars(
        select(ConsentEvent.category).where(ConsentEvent.channel == "import")
    ).all()
    assert imported == ["updates"]


def test_same_address_twice_in_a_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,categories\nSam@Example.com,Sam,marketing\nsam@example.com,Samuel,updates\n",
    )
    assert summary(import_file(runner, path))[:2] == ["created: 1", "updated: 1"]
    assert contact_emails() == ["Sam@example.com"]
    assert db.session.scalar(select(Contact.name)) == "Samuel"
    assert subscriptions("sam@example.com") == {
        **NOTHING,
        "marketing": "subscribed",
        "updates": "subscribed",
    }


def test_reimport_updates_and_adds_no_history(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,categories\nann@example.com,updates\nbob@example.com,\n")
    assert summary(import_file(runner, path))[:2] == ["created: 2", "updated: 0"]
    events = db.session.scalar(select(func.count(ConsentEvent.id)))
    assert summary(import_file(runner, path))[:2] == ["created: 0", "updated: 2"]
    assert contact_emails() == ["ann@example.com", "bob@example.com"]
    assert db.session.scalar(select(func.count(ConsentEvent.id))) == events == 1


def test_consent_history_records_the_import(runner: FlaskCliRunner, tmp_path: Path) -> None:
    # standards F37: who, when, which wording and how (channel "import", the file's name).
    path = write_csv(tmp_path, "email,categories\nann@example.com,marketing;updates\n")
    assert import_file(runner, path, "--wording-version", "signup-2024-03").exit_code == 0
    events = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.category)).all()
    assert [(e.category, e.old_status, e.new_status) for e in events] == [
        ("marketing", None, "subscribed"),
        ("updates", None, "subscribed"),
    ]
    assert {(e.channel, e.actor, e.wording_version) for e in events} == {
        ("import", "cli:contacts.csv", "signup-2024-03")
    }


def test_subscribe_option_adds_a_category_to_every_row(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "email,categories\nann@example.com,marketing\nbob@example.com,\n")
    assert summary(import_file(runner, path, "--subscribe", "updates"))[0] == "created: 2"
    assert subscriptions("ann@example.com") == {
        **NOTHING,
        "marketing": "subscribed",
        "updates": "subscribed",
    }
    assert subscriptions("bob@example.com") == {**NOTHING, "updates": "subscribed"}


def test_email_only_file_with_subscribe_option(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email\nann@example.com\n")
    assert summary(import_file(runner, path, "--subscribe", "promotional"))[0] == "created: 1"
    assert subscriptions("ann@example.com") == {**NOTHING, "promotional": "subscribed"}


@pytest.mark.parametrize(
    ("text", "options", "error"),
    [
        pytest.param(
            "name,categories\nAnn,marketing\n",
            [],
            "Error: The first line must name the columns, one of them 'email'.",
            id="no-email-column",
        ),
        pytest.param(
            "",
            [],
            "Error: The first line must name the columns, one of them 'email'.",
            id="empty-file",
        ),
        pytest.param(
            "email\nann@example.com\n",
            ["--subscribe", "newsletter"],
            "Error: Unknown category 'newsletter'; use one of: marketing, updates, promotional.",
            id="unknown-subscribe-category",
        ),
    ],
)
def test_unusable_file_is_a_clear_error_and_writes_nothing(
    runner: FlaskCliRunner, tmp_path: Path, text: str, options: list[str], error: str
) -> None:
    result = import_file(runner, write_csv(tmp_path, text), *options)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [error]
    assert "Traceback" not in result.output
    assert contact_emails() == []
    assert db.session.scalar(select(func.count(ConsentEvent.id))) == 0


def test_missing_file_is_a_usage_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = import_file(runner, tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
