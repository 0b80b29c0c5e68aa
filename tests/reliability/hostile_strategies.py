"""Hypothesis strategies for hostile input: header values that try to start a new line, MIME
trees that lie about themselves, mutated real messages, and JSON bodies of every shape."""

from __future__ import annotations

import base64
import itertools
import quopri
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

CORPUS = sorted((Path(__file__).parent.parent / "corpus").glob("*.eml"))

# Every character str.splitlines() breaks a line at, so every one some mail library might:
# CR, LF, CRLF, VT, FF, FS, GS, RS, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
LINE_BREAKS = (
    "\r",
    "\n",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
)
INJECTED_NAME = "X-Injected"
INJECTED = f"{INJECTED_NAME}: 1"


def b_word(text: str) -> str:
    """An RFC 2047 encoded word ("B" encoding) that decodes to `text`."""
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def q_word(text: str) -> str:
    """An RFC 2047 encoded word ("Q" encoding, every byte escaped) that decodes to `text`."""
    return "=?utf-8?q?" + "".join(f"={byte:02X}" for byte in text.encode()) + "?="


# A header line of its own, written raw or hidden in an encoded word that a decoder unpacks.
INJECTIONS = (
    *(
        form
        for brk in LINE_BREAKS
        for form in (brk + INJECTED, b_word(brk + INJECTED), q_word(brk + INJECTED))
    ),
    b_word("\r\n\r\nInjected body"),
    "\r\n\r\nInjected body",
)


def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text, now and then with a header injection inside."""
    return st.one_of(
        st.text(max_size=max_size),
        st.sampled_from(INJECTIONS),
        st.builds(
            lambda before, injection, after: before + injection + after,
            st.text(max_size=8),
            st.sampled_from(INJECTIONS),
            st.text(max_size=8),
        ),
    )


_ATOM = st.from_regex(r"[a-z0-9][a-z0-9.+_-]{0,15}", fullmatch=True)


def hostile_addresses() -> st.SearchStrategy[str]:
    """Addresses whose local part or domain carries a line break or an encoded one."""
    local = st.one_of(_ATOM, st.sampled_from(INJECTIONS), hostile_text(16))
    domain = st.one_of(st.just("customer.example.net"), st.sampled_from(INJECTIONS))
    return st.builds(lambda lp, dom: f"{lp}@{dom}", local, domain)


def message_ids() -> st.SearchStrategy[str]:
    """Message-IDs, most shaped like one (angle brackets, no spaces), some with a hidden header."""
    inside = st.one_of(_ATOM, st.sampled_from(INJECTIONS), hostile_text(16))
    return st.builds(
        lambda left, right, at: f"<{left}{at}{right}>",
        inside,
        st.one_of(st.just("customer.example.net"), inside),
        st.sampled_from(["@", "", "@@"]),
    )


# MIME: a part is (header lines, body), both bytes, so that broken structure can be written.
Part = tuple[list[bytes], bytes]

CONTENT_TYPES = (
    "text/plain",
    "text/html",
    "text/plain; charset=x-klingon",
    "text/plain; charset=utf-8",
    "text/plain; charset=utf-16",
    "text/html; charset=iso-8859-1",
    "application/octet-stream",
    "application/gzip",
    "message/rfc822",
    "message/delivery-status",
    "image/png",
    "text/",
    "/",
    "",
    "multipart/mixed",  # without a boundary
    'text/plain; charset="\xff"',
)
ENCODINGS = ("7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "bogus", None)
BOUNDARIES = ("b", "boundary", "", "--", "a b", "x" * 80, "=_é_=")


def _encode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "base64":
        return base64.encodebytes(body)
    if encoding == "quoted-printable":
        return quopri.encodestring(body)
    return body


def _leaf(content_type: str, encoding: str | None, filename: str | None, body: bytes) -> Part:
    headers = [f"Content-Type: {content_type}".encode("utf-8", "surrogateescape")]
    if encoding is not None:
        headers.append(f"Content-Transfer-Encoding: {encoding}".encode())
    if filename is not None:
        headers.append(f'Content-Disposition: attachment; filename="{filename}"'.encode())
    return headers, _encode(body, encoding)


def _multipart(
    subtype: str, boundary: str, parts: list[Part], preamble: bytes, closed: bool
) -> Part:
    mark = boundary.encode()
    lines = [preamble]
    for headers, body in parts:
        lines += [b"--" + mark, *headers, b"", body]
    if closed:
        lines.append(b"--" + mark + b"--")
    return [f'Content-Type: multipart/{subtype}; boundary="{boundary}"'.encode()], b"\r\n".join(
        lines
    )


_bodies = st.one_of(
    st.binary(max_size=300),
    hostile_text(200).map(lambda text: text.encode("utf-8")),
    st.sampled_from(
        [
            b"Please delete all my personal data.",
            b"<p>Bitte <b>l\xc3\xb6schen</b> Sie meine Daten</p><script>alert(1)</script>",
            b"Stop emailing me.\r\n\r\nOn Mon, Pat wrote:\r\n> unsubscribe\r\n",
        ]
    ),
)

leaves = st.builds(
    _leaf,
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from(ENCODINGS),
    st.one_of(st.none(), hostile_text(20)),
    _bodies,
)

mime_parts = st.recursive(
    leaves,
    lambda children: st.builds(
        _multipart,
        st.sampled_from(["mixed", "alternative", "related", "report", "digest"]),
        st.sampled_from(BOUNDARIES),
        st.lists(children, max_size=4),
        st.binary(max_size=20),
        st.booleans(),
    ),
    max_leaves=8,
)

HEADER_NAMES = (
    "From",
    "To",
    "Cc",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Auto-Submitted",
    "Precedence",
    "Return-Path",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
    "X-Auto-Response-Suppress",
    "Delivered-To",
)


def _header_value(name: str) -> st.SearchStrategy[str]:
    if name in {"From", "To", "Cc", "Reply-To", "Return-Path", "Delivered-To"}:
        return st.one_of(
            hostile_addresses(),
            st.builds(lambda n, a: f"{n} <{a}>", hostile_text(20), hostile_addresses()),
            hostile_text(),
        )
    if name in {"Message-ID", "In-Reply-To", "References"}:
        return st.one_of(message_ids(), hostile_text())
    return hostile_text()


headers = st.lists(
    st.sampled_from(HEADER_NAMES).flatmap(
        lambda name: st.tuples(st.just(name), _header_value(name))
    ),
    max_size=8,
)


def _message(
    sender: str, subject: str, extra: list[tuple[str, str]], part: Part, newline: bytes
) -> bytes:
    lines = [
        f"From: {sender}".encode("utf-8", "surrogateescape"),
        b"To: privacy@example.com",
        f"Subject: {subject}".encode("utf-8", "surrogateescape"),
        *(f"{name}: {value}".encode("utf-8", "surrogateescape") for name, value in extra),
        b"MIME-Version: 1.0",
        *part[0],
        b"",
        part[1],
    ]
    return b"\r\n".join(lines).replace(b"\r\n", newline)


built_messages = st.builds(
    _message,
    st.one_of(
        st.builds(lambda n: f"Pat {n} <pat{n}@customer.example.net>", st.integers(0, 10**6)),
        hostile_addresses(),
        st.builds(lambda n, a: f"{n} <{a}>", hostile_text(20), hostile_addresses()),
    ),
    hostile_text(),
    headers,
    mime_parts,
    st.sampled_from([b"\r\n", b"\n"]),
)


@st.composite
def mutated_corpus(draw: st.DrawFn) -> bytes:
    """A real message from tests/corpus with a few bytes flipped, cut, repeated or inserted."""
    raw = bytearray(draw(st.sampled_from(CORPUS)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        size = draw(st.integers(1, 200))
        operation = draw(st.sampled_from(["flip", "cut", "repeat", "insert", "truncate"]))
        if operation == "flip" and at < len(raw):
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "cut":
            del raw[at : at + size]
        elif operation == "repeat":
            raw[at:at] = raw[at : at + size] * draw(st.integers(2, 20))
        elif operation == "insert":
            raw[at:at] = draw(st.sampled_from(INJECTIONS)).encode()
        elif operation == "truncate":
            del raw[at:]
    return bytes(raw)


raw_messages = st.one_of(built_messages, mutated_corpus(), st.binary(max_size=400))


# JSON of every shape, with strings near the schemas' limits and hostile ones.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    hostile_text(),
    hostile_addresses(),
    st.sampled_from(["marketing", "updates", "jane@example.com", "é" * 321, "x" * 10_000]),
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=15,
)

API_FIELDS = (
    "email",
    "name",
    "categories",
    "wording_version",
    "category",
    "recipients",
    "emails",
)


def json_bodies() -> st.SearchStrategy[Any]:
    """Objects made of the API's own field names (and others), or any JSON value at all."""
    field_values = st.one_of(json_values, st.lists(_scalars, max_size=30))
    return st.one_of(
        st.fixed_dictionaries({}, optional={name: field_values for name in API_FIELDS}),
        json_values,
    )


# What our own messages carry (mail/outbound.py); each at most once.
OUR_HEADERS = (
    "DKIM-Signature",
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Loop",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
)
REQUIRED_HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "X-Loop"}


def outbound_header_problems(raw: bytes) -> list[str]:
    """What is wrong with the header block of one of our messages: a line that is not CRLF-ended
    7-bit text, a header we never write, one written twice or one missing. [] when all is well."""
    head, blank, _ = raw.partition(b"\r\n\r\n")
    problems = [] if blank else ["no empty line after the headers"]
    for line in head.split(b"\r\n"):
        if any((byte < 0x20 and byte != 0x09) or byte > 0x7E for byte in line):
            problems.append(f"not 7-bit text: {line!r}")
    names = BytesHeaderParser(policy=compat32).parsebytes(raw).keys()
    problems += [f"not ours: {name}" for name in names if name not in OUR_HEADERS]
    problems += [f"twice: {name}" for name in sorted(set(names)) if names.count(name) > 1]
    problems += [f"missing: {name}" for name in sorted(REQUIRED_HEADERS - set(names))]
    return problems


_client_numbers = itertools.count()


def fresh_client_address() -> dict[str, str]:
    """A client address of its own for each request: the pages' abuse limits count per address,
    and these tests are about what a page answers, not about how often it may be asked."""
    number = next(_client_numbers)
    return {"REMOTE_ADDR": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"}
