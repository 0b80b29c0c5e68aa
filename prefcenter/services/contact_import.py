"""Bulk import of contacts from CSV, row by row through the same upsert as the API."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prefcenter.errors import DomainError, RecipientSuppressed
from prefcenter.extensions import db
from prefcenter.services import contacts
from prefcenter.services.categories import get_category
from prefcenter.services.subscriptions import ConsentSource

COMMIT_EVERY = 500


class ImportFileInvalid(DomainError):
    status = 422
    code = "invalid_import_file"
    title = "This file cannot be imported"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    kept_unsubscribed: int = 0
    suppressed_lines: list[int] = field(default_factory=list)
    invalid: list[tuple[int, str]] = field(default_factory=list)


def _categories(cell: str | None) -> list[str]:
    return [c.strip() for c in (cell or "").replace(",", ";").split(";") if c.strip()]


def import_csv(
    path: Path,
    source: ConsentSource,
    extra_categories: list[str],
    progress: Callable[[int], None] = lambda n: None,
) -> ImportSummary:
    """Import every row; a bad row is reported with its line number and skipped, never fatal.

    A file that cannot be read as a whole (not UTF-8, no email column, an unknown extra category)
    is refused before anything is written.
    """
    for key in extra_categories:
        get_category(key)
    _check_utf8(path)
    summary = ImportSummary()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
        if "email" not in columns:
            raise ImportFileInvalid("The first line must name the columns, one of them 'email'.")
        for count, row in enumerate(reader, start=1):
            _import_row(reader.line_num, row, columns, source, extra_categories, summary)
            if count % COMMIT_EVERY == 0:
                db.session.commit()
            progress(1)
    db.session.commit()
    return summary


def _check_utf8(path: Path) -> None:
    # Excel's plain "CSV" is Windows-1252, not UTF-8; find out before the first row is written.
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportFileInvalid(
                    f"Line {number} is not UTF-8 text; save the file as 'CSV UTF-8' and try again."
                ) from None


def _import_row(
    line: int,
    row: dict[str, str],
    columns: dict[str, str],
    source: ConsentSource,
    extra_categories: list[str],
    summary: ImportSummary,
) -> None:
    name = (row.get(columns["name"]) or "").strip() if "name" in columns else ""
    cell = row.get(columns["categories"]) if "categories" in columns else None
    try:
        change = contacts.upsert(
            row.get(columns["email"]) or "",
            source,
            name=name or None,
            categories=_categories(cell) + extra_categories,
        )
    except RecipientSuppressed:
        summary.suppressed_lines.append(line)
        return
    except DomainError as exc:
        summary.invalid.append((line, exc.message))
        return
    if change.created:
        summary.created += 1
    else:
        summary.updated += 1
    summary.kept_unsubscribed += len(change.kept_unsubscribed)
