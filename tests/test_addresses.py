"""Address normalisation: the fast path for plain addresses agrees with email-validator."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from prefcenter.errors import InvalidAddress
from prefcenter.services.addresses import normalise

LOCAL = st.text(alphabet="aZ09.!#$%&'*+/=?^_`{|}~-\"( ", min_size=0, max_size=70)
LABEL = st.text(alphabet="aZ09-_", min_size=0, max_size=66)
TOP = st.sampled_from(
    ["com", "ORG", "example", "test", "invalid", "local", "123", "xn--p1ai", "c0m"]
)
DOMAIN = st.builds(lambda labels, top: ".".join([*labels, top]), st.lists(LABEL, max_size=4), TOP)


def by_validator(raw: str) -> str | None:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def by_service(raw: str) -> str | None:
    try:
        return normalise(raw).email
    except InvalidAddress:
        return None


@settings(max_examples=3000, deadline=None)
@given(st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN))
@example("Jane.Doe@Example.COM")
@example("a@xn--bcher-kva.com")
@example("a" * 64 + "@" + "b" * 63 + ".com")
@example("a" * 65 + "@example.com")
@example("a" * 100 + "@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 28 + ".com")
def test_plain_addresses_are_normalised_exactly_as_email_validator_does(raw: str) -> None:
    assert by_service(raw) == by_validator(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("jane@localhost", "should have a period"),
        ("jane..doe@example.com", "two periods in a row"),
        ("jane@example.invalid", "special-use or reserved name"),
    ],
)
def test_a_refused_address_keeps_the_validators_reason(raw: str, message: str) -> None:
    with pytest.raises(InvalidAddress) as refused:
        normalise(raw)
    assert message in refused.value.message


def test_identity_ignores_case_and_the_domain_is_written_in_lower_case() -> None:
    address = normalise("  Jane.Doe@Example.COM ")
    assert (address.email, address.key) == ("Jane.Doe@example.com", "jane.doe@example.com")
