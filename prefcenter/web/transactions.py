"""Requests that change things declare it before their first query (see database.begin_write)."""

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

from prefcenter.database import begin_write

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
View = TypeVar("View", bound=Callable[..., object])


def reads_only(view: View) -> View:
    """Mark a POST that only answers a question (a batch lookup): it takes no write lock.

    On SQLite a writer holds the one write lock for its whole request; a pre-send check of 10,000
    addresses would make every click and every other check queue behind it.
    """
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def _declare_writes() -> None:
    if request.method in SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "reads_only", False):
        begin_write()


def register_write_intent(app: Flask) -> None:
    # App-level hooks run before blueprint hooks, so this precedes the API key lookup.
    app.before_request(_declare_writes)
