"""Keyset pages over id-ordered queries: stable while rows are added, cheap at any depth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from prefcenter.extensions import db

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    total: int
    more: bool


def keyset_page(query: Select[Any], id_column: Any, limit: int, after_id: int = 0) -> Page[Any]:
    """Rows of `query` with id above `after_id`, in id order; `total` counts the whole query."""
    rows = list(
        db.session.scalars(query.where(id_column > after_id).order_by(id_column).limit(limit + 1))
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return Page(rows[:limit], total, len(rows) > limit)
