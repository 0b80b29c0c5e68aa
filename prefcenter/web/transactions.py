"""Requests that change things declare it before their first query (see database.begin_write)."""

from flask import Flask, request

from prefcenter.database import begin_write

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _declare_writes() -> None:
    if request.method not in SAFE_METHODS:
        begin_write()


def register_write_intent(app: Flask) -> None:
    # App-level hooks run before blueprint hooks, so this precedes the API key lookup.
    app.before_request(_declare_writes)
