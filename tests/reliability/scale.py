"""Short runs in `make test`; the long ones when `make soak` sets PREFCENTER_SOAK=1."""

from __future__ import annotations

import os
from typing import TypeVar

SOAK = os.environ.get("PREFCENTER_SOAK") == "1"
T = TypeVar("T")


def soak_or(long: T, short: T) -> T:
    """`long` under `make soak`, else `short`."""
    return long if SOAK else short
