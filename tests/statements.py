"""What SQL a piece of work sends to the database, to hold hot paths to their queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from prefcenter.extensions import db


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement the app's engine runs inside the block, in order."""
    seen: list[str] = []

    def record(connection: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
