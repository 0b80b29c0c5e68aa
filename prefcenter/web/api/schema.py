"""Request bodies are checked against the component schemas of our own OpenAPI document."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from prefcenter.errors import ValidationFailed

SPEC_PATH = Path(__file__).with_name("openapi.json")
SPEC_URI = "urn:prefcenter:openapi"


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=registry
    )


def _field_path(error: Any) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(body)"


def validate(schema_name: str, data: Any) -> None:
    """ValidationFailed naming each bad field, or nothing if `data` fits the named schema."""
    errors = sorted(_validator(schema_name).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        fields: dict[str, str] = {}
        for error in errors:
            fields.setdefault(_field_path(error), error.message)
        raise ValidationFailed(fields)
