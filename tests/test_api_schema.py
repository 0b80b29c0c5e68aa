"""The request-body check: the fast compiled schema and jsonschema give the same verdict."""

from __future__ import annotations

from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefcenter.errors import ValidationFailed
from prefcenter.web.api.schema import _fast_check, _validator, spec, validate

# Every schema the API checks a request body against.
REQUEST_SCHEMAS = [
    "ContactCreate",
    "HeadersRequest",
    "HeadersBatchRequest",
    "SuppressionCheckRequest",
]


# Strings near the schemas' length limits (1, 64, 200, 320) and every JSON type besides.
near_limits = st.sampled_from([0, 1, 2, 63, 64, 65, 199, 200, 201, 319, 320, 321]).map("é".__mul__)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(), near_limits
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def bodies(schema_name: str) -> st.SearchStrategy[Any]:
    """Objects with the schema's own fields (some missing) and now and then a stray one."""
    fields = list(spec()["components"]["schemas"][schema_name]["properties"])
    field_values = st.one_of(values, st.lists(st.one_of(near_limits, scalars), max_size=70))
    return st.one_of(
        st.fixed_dictionaries({}, optional={name: field_values for name in fields}),
        st.fixed_dictionaries(
            {}, optional={**{name: field_values for name in fields}, "extra": values}
        ),
        values,
    )


@pytest.mark.parametrize("schema_name", REQUEST_SCHEMAS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fast_check_and_jsonschema_agree_on_every_body(schema_name: str, data: st.DataObject):
    body = data.draw(bodies(schema_name))
    # jsonschema, as validate() consults it for every body the fast check refuses.
    reference_accepts = _validator(schema_name).is_valid(body)
    try:
        _fast_check(schema_name)(body)
        fast_accepts = True
    except fastjsonschema.JsonSchemaValueException:
        fast_accepts = False
    assert fast_accepts == reference_accepts, body


def test_a_refused_body_still_names_every_bad_field():
    body = {"category": "", "emails": ["ok@example.com", 7, "x" * 321], "stray": 1}
    with pytest.raises(ValidationFailed) as refused:
        validate("SuppressionCheckRequest", body)
    assert set(refused.value.details["fields"]) == {"category", "emails.1", "emails.2", "(body)"}
