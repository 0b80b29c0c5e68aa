"""The service's notion of now, swappable in tests through the `CLOCK` config key."""

from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app


def system_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """Aware UTC now, from the app's configured clock."""
    clock: Callable[[], datetime] = current_app.config.get("CLOCK") or system_now
    return clock()
