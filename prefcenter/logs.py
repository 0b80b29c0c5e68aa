"""Logs: one JSON object per line, with addresses and link tokens taken out of every record.

`configure()` is the one place logging is set up; the app factory and the server commands call
it. Redaction is a filter on the handler, so it holds for every record the handler writes,
whichever logger made it: ours, werkzeug's, aiosmtpd's ("mail.log", which logs envelopes),
gunicorn's (through `adopt`). What it cannot know to be personal (a name in a subject line) must
not be logged at all.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

HANDLER_NAME = "prefcenter"
ADDRESS_MARK = "[email]"
TOKEN_MARK = "[token]"

# Set on these loggers when nobody has set a level: ours at INFO; aiosmtpd's logs every SMTP
# command line at INFO (and DATA lines at DEBUG), which the database already records per message.
LEVELS = {"prefcenter": logging.INFO, "mail": logging.INFO, "mail.log": logging.WARNING}
# gunicorn's loggers do not propagate: their handlers are given our formatter and filter instead.
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")

# RFC 5322 atext and dots, Unicode letters, `%` and `\` (a percent-encoded URL, a bytes repr of
# an internationalised address). Not `/ ? &`, so a URL path keeps its route around "[email]".
# A local part may hold a `'` (o'brien@) but not start with one: '[email]' keeps its quotes.
_LOCAL = r"[\w.!#$%&'*+=^`{|}~\\-]"
_FIRST = r"[\w.!#$%&*+=^`{|}~\\-]"
ADDRESS = re.compile(
    rf"(?<!{_FIRST}){_FIRST}{_LOCAL}*(?:@|%40)(?:[\w\\-]+(?:\.[\w\\-]+)*|\[[^\]\s]*\])",
    re.IGNORECASE,
)
# Our link paths: /u/ and /p/ (contact tokens), /v/, /r/, /x/ and staff set-password links.
LINK_PATH = re.compile(r"(/(?:[upvrx]|console/set-password)/)[^/\s?#\"'<>]+")
# A signed token anywhere else: dot-separated base64url parts ending in a signature of 22 or
# more characters (ours: 22; itsdangerous serializers: 27).
SIGNED = re.compile(r"(?<![\w.-])\.?[\w-]+(?:\.[\w-]+){0,2}\.[\w-]{22,}(?![\w-])", re.ASCII)
API_KEY = re.compile(r"\bpck_[\w-]{16,}", re.ASCII)
TERMINAL_COLOUR = re.compile(r"\x1b\[[0-9;]*m")

_STANDARD_FIELDS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
_TRACEBACKS = logging.Formatter()


def scrub(text: str) -> str:
    """The text with every address, link token and API key replaced by a mark."""
    text = LINK_PATH.sub(rf"\1{TOKEN_MARK}", text)
    if "@" in text or "%40" in text:
        text = ADDRESS.sub(ADDRESS_MARK, text)
    text = SIGNED.sub(TOKEN_MARK, text)
    text = API_KEY.sub("[api key]", text)
    return TERMINAL_COLOUR.sub("", text)


def _scrubbed(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(key)): _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrubbed(item) for item in value]
    return scrub(str(value))


def extra_fields(record: logging.LogRecord) -> Iterator[str]:
    """Names of what the caller added with `extra=`."""
    return (key for key in record.__dict__ if key not in _STANDARD_FIELDS and key[:1] != "_")


class Redact(logging.Filter):
    """Scrubs a record's message and arguments, extra fields, exception and stack, in place.

    In place, so any handler after this one sees the scrubbed record too. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep both, as text
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = scrub(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for key in list(extra_fields(record)):
            setattr(record, key, _scrubbed(getattr(record, key)))
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, then the record's extra fields, exception and stack."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in extra_fields(record):
            entry.setdefault(key, getattr(record, key))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StandardError(logging.StreamHandler):
    """Writes to sys.stderr as it is when a record comes, not as it was at set-up."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def handler(stream: TextIO | None = None) -> logging.Handler:
    """Our handler: redacted JSON lines to `stream`, by default standard error."""
    made = logging.StreamHandler(stream) if stream is not None else _StandardError()
    made.set_name(HANDLER_NAME)
    adopt_handler(made)
    return made


def adopt_handler(existing: logging.Handler) -> None:
    """Make a handler someone else set up write redacted JSON lines, wherever it writes."""
    existing.setFormatter(JsonFormatter())
    if not any(isinstance(f, Redact) for f in existing.filters):
        existing.addFilter(Redact())


def configure() -> None:
    """Every record, whatever its logger, to standard error as a redacted JSON line. Idempotent."""
    root = logging.getLogger()
    if not any(h.name == HANDLER_NAME for h in root.handlers):
        root.addHandler(handler())
    for name, level in LEVELS.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)
    for name in GUNICORN_LOGGERS:
        for existing in logging.getLogger(name).handlers:
            adopt_handler(existing)
