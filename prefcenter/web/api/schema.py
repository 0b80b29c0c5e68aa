"""Request bodies are checked against the component schemas of our own OpenAPI document.

jsonschema is the authority and words the errors; it walks every element of an array through a
fresh validator, which for a batch of 10,000 addresses is a third of the request. A body is first
tried against the same schema compiled to Python by fastjsonschema, which accepts a good batch in a
millisecond; only a body it refuses goes to jsonschema, which decides and names each bad field. So
the fast check may be stricter than jsonschema (its draft-07 reading, say), never laxer; for the
request schemas a test holds the two to the same verdict over generated bodies
(tests/test_api_schema.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
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


@cache
def _fast_check(schema_name: str) -> Callable[[Any], Any]:
    # The components travel with the root so the document's own "#/components/..." refs resolve;
    # formats are left unchecked, as jsonschema leaves them without a format checker.
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}
    return fastjsonschema.compile(root, use_formats=False)


def _field_path(error: Any) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(body)"


def validate(schema_name: str, data: Any) -> None:
    """ValidationFailed naming each bad field, or nothing if `data` fits the named schema."""
    try:
        _fast_check(schema_name)(data)
        return
    except fastjsonschema.JsonSchemaValueException:
        pass
    errors = sorted(_validator(schema_name).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        fields: dict[str, str] = {}
        for error in errors:
            fields.setdefault(_field_path(error), error.message)
        raise ValidationFailed(fields)
