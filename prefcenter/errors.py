"""Domain errors. Each carries its HTTP status and a stable `error` code; one handler renders them."""

from __future__ import annotations

from typing import Any


class ConfigError(Exception):
    """The configuration is unusable; the message names the variable to fix."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = "Something is wrong with this request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class TokenInvalid(DomainError):
    """Tampered, truncated, foreign or otherwise unusable signed token."""

    status = 400
    code = "invalid_token"
    title = "This link is not valid"


class TokenExpired(TokenInvalid):
    code = "expired_token"
    title = "This link has expired"


class LinkUsed(TokenInvalid):
    """A single-use link that has done its work, or was replaced by a newer one."""

    code = "used_link"
    title = "This link was already used"


class InvalidAddress(DomainError):
    status = 422
    code = "invalid_email"
    title = "That is not an email address we can use"


class UnknownCategory(DomainError):
    status = 422
    code = "unknown_category"
    title = "Unknown category"


class ValidationFailed(DomainError):
    """A request body did not match its schema; `fields` maps a field path to what is wrong."""

    status = 422
    code = "validation_failed"
    title = "Some fields are not valid"

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("The request has invalid fields.", fields=fields)


class RecipientSuppressed(DomainError):
    status = 409
    code = "suppressed"
    title = "This address asked not to be mailed"


class ContactNotFound(DomainError):
    status = 404
    code = "contact_not_found"
    title = "No such contact"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "An API key is needed"
