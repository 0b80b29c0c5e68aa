"""The configured mail categories."""

from __future__ import annotations

from flask import current_app

from prefcenter.config import Category
from prefcenter.errors import UnknownCategory


def all_categories() -> list[Category]:
    return list(current_app.config["CATEGORY_MAP"].values())


def get_category(key: str) -> Category:
    """The category named `key`; UnknownCategory lists the valid keys."""
    categories = current_app.config["CATEGORY_MAP"]
    if not isinstance(key, str) or key not in categories:
        raise UnknownCategory(
            f"Unknown category {key!r}; use one of: {', '.join(categories)}.",
            allowed=list(categories),
        )
    return categories[key]


def category_label(key: str) -> str:
    """The label to show for a category key, even one since removed from the configuration."""
    category = current_app.config["CATEGORY_MAP"].get(key)
    return category.label if category else key
