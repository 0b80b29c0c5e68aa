"""Too much of anything: oversized messages, lines and fields, MIME nested thousands deep,
attachments that inflate a thousandfold, 10,000 recipients on one connection. Each is answered
with a clear SMTP code or stored and processed safely, within bounded time and memory, and the
server stays up. The limits are listed in the README (Inbound mail)."""

from __future__ import annotations

import base64
import gzip
import io
import random
import smtplib
import socket
import time
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from mail import intake
from mail.analysis import analyse
from mail.parse import MAX_BOUNDARY_LINES, MAX_HEADER_CHARS, MAX_MULTIPARTS, attachment
from mail.server import MAX_RECIPIENTS
from prefcenter.extensions import db
from prefcenter.models import InboundMessage, MessageState
from tests.inbound import stored_messages, wait_until_processed

SENDER = "pat@customer.example.net"
HEAD = (
    b"From: Pat <pat@customer.example.net>\r\nTo: privacy@example.com\r\n"
    b"Subject: my data\r\nMIME-Version: 1.0\r\n"
)
FLOOD = 10_000
# PREFCENTER_SMTP_MAX_SIZE's default, which the tests keep.
DEFAULT_SMTP_MAX_SIZE = 25 * 1024 * 1024
FINAL_STATES = {MessageState.PROCESSED.value, MessageState.UNPARSED.value}


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[smtplib.SMTP]:
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as connection:
        connection.ehlo("mta.customer.example.net")
        yield connection


def send(smtp: smtplib.SMTP, raw: bytes) -> tuple[int, bytes]:
    smtp.mail(SENDER)
    assert smtp.rcpt("privacy@example.com")[0] == 250
    code, answer = smtp.data(raw)
    if code != 250:
        smtp.rset()
    return code, answer


def still_answers(smtp: smtplib.SMTP) -> None:
    """The same connection takes an ordinary message after the hostile one."""
    code, answer = send(smtp, HEAD + b"\r\nPlease delete my data.\r\n")
    assert code == 250, answer


def measured(work: Callable[[], object]) -> tuple[object, float, int]:
    """(result, seconds, peak bytes allocated by Python meanwhile)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = work()
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# SMTP: size, line length, recipients


def test_the_size_limit_is_announced_and_a_larger_message_gets_552(
    app: Flask, smtp: smtplib.SMTP
) -> None:
    assert app.config["SMTP_MAX_SIZE"] == DEFAULT_SMTP_MAX_SIZE
    assert int(smtp.esmtp_features["size"]) == DEFAULT_SMTP_MAX_SIZE
    # Announced with SIZE=, it is refused before any data is sent.
    assert smtp.mail(SENDER, [f"SIZE={DEFAULT_SMTP_MAX_SIZE + 1}"])[0] == 552
    smtp.rset()
    # Sent anyway: aiosmtpd counts and drops the data as it comes, then answers 552.
    line = b"A" * 76 + b"\r\n"
    body = line * (DEFAULT_SMTP_MAX_SIZE // len(line) + 1)
    code, _ = send(smtp, HEAD + b"\r\n" + body)
    assert code == 552
    still_answers(smtp)
    assert len(stored_messages()) == 1


def test_a_line_over_1000_octets_gets_500_and_the_connection_goes_on(smtp: smtplib.SMTP) -> None:
    # RFC 5321 4.5.3.1.6: a line is at most 1,000 octets with its CRLF.
    code, answer = send(smtp, HEAD + b"X-Long: " + b"x" * 2000 + b"\r\n\r\nHello\r\n")
    assert (code, answer[:14]) == (500, b"Line too long ")
    still_answers(smtp)


def smtp_replies(reader: io.BufferedReader, count: int) -> Iterator[int]:
    """The codes of the next `count` replies, multi-line ones read whole."""
    for _ in range(count):
        while (line := reader.readline())[3:4] == b"-":
            pass
        yield int(line[:3])


def test_ten_thousand_recipients_on_one_connection_are_held_to_100(smtp_port: int) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", smtp_port), timeout=60) as sock:
        reader = sock.makefile("rb")
        assert list(smtp_replies(reader, 1)) == [220]
        sock.sendall(b"EHLO mta.customer.example.net\r\nMAIL FROM:<pat@customer.example.net>\r\n")
        assert list(smtp_replies(reader, 2)) == [250, 250]
        answers: Counter[int] = Counter()
        # Pipelined, as a flooding client would: 500 commands at a time, then their replies.
        for first in range(0, FLOOD, 500):
            sock.sendall(
                b"".join(b"RCPT TO:<box%d@example.com>\r\n" % n for n in range(first, first + 500))
            )
            answers.update(smtp_replies(reader, 500))
        assert answers == {250: MAX_RECIPIENTS, 452: FLOOD - MAX_RECIPIENTS}
        sock.sendall(b"DATA\r\n")
        assert list(smtp_replies(reader, 1)) == [354]
        sock.sendall(HEAD + b"\r\nPlease delete my data.\r\n.\r\nQUIT\r\n")
        assert list(smtp_replies(reader, 2)) == [250, 221]
    assert time.monotonic() - started < 30
    [message] = wait_until_processed(1)
    assert len(message.envelope_recipients) == MAX_RECIPIENTS


# MIME: nesting, inflating attachments, oversized fields


def nested(depth: int) -> bytes:
    """A message whose body is a multipart inside a multipart, `depth` times, with text inside."""
    opening = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (level, level + 1)
        for level in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--\r\n" % level for level in reversed(range(depth + 1)))
    text = b"--b%d\r\nContent-Type: text/plain\r\n\r\nPlease delete my data." % depth
    return HEAD + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n' + opening + text + closing


def with_attachment(name: str, content_type: str, data: bytes) -> bytes:
    """A short text and one attachment, base64-encoded as mail clients send it."""
    attached = (
        f"Content-Type: {content_type}\r\n"
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    return (
        HEAD
        + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + b"--b\r\nContent-Type: text/plain\r\n\r\nMy ID.\r\n--b\r\n"
        + attached
        + base64.encodebytes(data).replace(b"\n", b"\r\n")
        + b"--b--\r\n"
    )


def zip_bomb() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("zeros.bin", bytes(100_000_000))
    return archive.getvalue()


def accepted(raw: bytes) -> InboundMessage:
    receipt = intake.accept(raw, intake.Envelope(SENDER, ("privacy@example.com",), "smtp"))
    db.session.rollback()
    message = db.session.get(InboundMessage, receipt.message_id)
    assert (message.state, message.attempts) in {(state, 0) for state in FINAL_STATES}
    return message


@pytest.mark.parametrize(
    ("depth", "state"),
    [
        (MAX_MULTIPARTS - 1, MessageState.PROCESSED.value),  # with the top one, MAX_MULTIPARTS
        (MAX_MULTIPARTS, MessageState.UNPARSED.value),
        (1_000, MessageState.UNPARSED.value),
        (50_000, MessageState.UNPARSED.value),
    ],
)
def test_mime_nested_deeper_than_the_limit_is_kept_for_a_person(
    app: Flask, depth: int, state: str
) -> None:
    started = time.perf_counter()
    message = accepted(nested(depth))
    assert time.perf_counter() - started < 10
    assert message.state == state
    if state == MessageState.PROCESSED.value:
        assert [request.kind for request in message.requests] == ["deletion"]


def test_deep_nesting_with_a_body_near_the_size_limit_is_read_in_bounded_time(app: Flask) -> None:
    # The MIME parser checks every line against every enclosing boundary: lines x depth.
    filler = (b"y" * 60 + b"\r\n") * 360_000  # 22 MB
    raw = nested(MAX_MULTIPARTS - 1).replace(b"my data.", b"my data.\r\n" + filler)
    started = time.perf_counter()
    assert accepted(raw).state == MessageState.PROCESSED.value
    assert time.perf_counter() - started < 30


def test_more_boundary_lines_than_the_limit_are_kept_for_a_person(app: Flask) -> None:
    parts = b"--b\r\n\r\nx\r\n" * (MAX_BOUNDARY_LINES + 1)
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n"
    started = time.perf_counter()
    assert accepted(raw).state == MessageState.UNPARSED.value
    assert time.perf_counter() - started < 5


def test_a_deep_message_by_smtp_is_answered_250_and_processed(smtp: smtplib.SMTP) -> None:
    assert send(smtp, nested(MAX_MULTIPARTS * 10))[0] == 250
    [message] = wait_until_processed(1)
    assert (message.state, message.attempts) in {(state, 0) for state in FINAL_STATES}


@pytest.mark.parametrize(
    ("name", "content_type", "payload"),
    [
        ("zeros.gz", "application/gzip", lambda: gzip.compress(bytes(100_000_000), 9)),
        ("zeros.zip", "application/zip", zip_bomb),
    ],
)
def test_an_attachment_that_inflates_a_thousandfold_is_never_inflated(
    smtp: smtplib.SMTP, name: str, content_type: str, payload: Callable[[], bytes]
) -> None:
    data = payload()
    assert len(data) < 200_000  # 100 MB of zeros inside
    raw = with_attachment(name, content_type, data)
    assert send(smtp, raw)[0] == 250
    [message] = wait_until_processed(1)
    assert message.state == MessageState.PROCESSED.value
    assert message.attachments == [
        {"filename": name, "content_type": content_type, "size": len(data)}
    ]
    # The console's download hands over the bytes as they came, still compressed.
    assert attachment(message.raw, 0)[1] == data


def test_a_base64_part_near_the_size_limit_is_read_in_bounded_time_and_memory(app: Flask) -> None:
    data = random.Random(1).randbytes(15_000_000)  # 20 MB of base64: most of the 25 MiB limit
    raw = with_attachment("scan.pdf", "application/pdf", data)
    result, seconds, peak = measured(lambda: analyse(raw, own_domains=("example.com",)))
    assert result.parsed.attachments[0].size == len(data)
    # About 8 times the message at the peak: bytes, text, lines, payload, decoded payload.
    assert seconds < 10 and peak < 12 * len(raw)
    assert accepted(raw).attachments[0]["size"] == len(data)


def folded(name: bytes, items: list[bytes], separator: bytes) -> bytes:
    """One header, folded between items onto lines of under 1,000 octets."""
    lines, line = [], name + b":"
    for item in items:
        if len(line) + len(item) > 900:
            lines.append(line)
            line = b" "
        line += b" " + item + separator
    return b"\r\n".join([*lines, line]) + b"\r\n"


def body(text: bytes, content_type: bytes = b"text/plain") -> bytes:
    return HEAD + b"Content-Type: " + content_type + b"\r\n\r\n" + text


def many_parts(count: int) -> bytes:
    part = b"--b\r\nContent-Type: application/octet-stream\r\n"
    part += b'Content-Disposition: attachment; filename="%d.bin"\r\n\r\nx\r\n'
    parts = b"".join(part % n for n in range(count))
    return HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n"


# Built when a test asks: together they are some 60 MB.
OVERSIZED: dict[str, Callable[[], bytes]] = {
    "a Subject of 1 MB": lambda: (
        HEAD.replace(b"Subject: my data\r\n", folded(b"Subject", [b"delete"] * 150_000, b""))
        + b"\r\nHello.\r\n"
    ),
    "10,000 addresses in To": lambda: (
        HEAD.replace(
            b"To: privacy@example.com\r\n",
            folded(b"To", [b"box%d@example.com" % n for n in range(10_000)], b","),
        )
        + b"\r\nPlease delete my data.\r\n"
    ),
    "20,000 References": lambda: (
        HEAD
        + folded(b"References", [b"<%d@customer.example.net>" % n for n in range(20_000)], b"")
        + b"\r\nPlease delete my data.\r\n"
    ),
    "a text body of 20 MB": lambda: body((b"Please delete my data, " * 40 + b"\r\n") * 21_000),
    "an HTML body of 20 MB": lambda: body(
        (b"<p>Please <b>delete</b> my data.</p><div>" * 20 + b"\r\n") * 25_000, b"text/html"
    ),
    "HTML lists nested 100,000 deep": lambda: body(b"<ul><li>x\r\n" * 100_000, b"text/html"),
    "5,000 attachments": lambda: many_parts(5_000),
}


@pytest.mark.parametrize("case", list(OVERSIZED))
def test_oversized_fields_are_stored_and_read_in_bounded_time(app: Flask, case: str) -> None:
    raw = OVERSIZED[case]()
    assert len(raw) <= DEFAULT_SMTP_MAX_SIZE
    started = time.perf_counter()
    message = accepted(raw)
    assert time.perf_counter() - started < 20, case
    assert message.raw == raw  # all of it kept, whatever was read
    assert len(message.subject) <= MAX_HEADER_CHARS
