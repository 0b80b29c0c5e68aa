"""The in-process sender helper: what a mailbox provider checks on a message it prepared."""

from __future__ import annotations

import base64
import re
import smtplib
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path

import dkim
import pytest
from flask import Flask

from mail.sender import NotSendable, PreparedMessage, prepare
from prefcenter.errors import ContactNotFound, RecipientSuppressed, UnknownCategory
from prefcenter.services import contacts
from prefcenter.services.links import folded_headers, links_for
from prefcenter.services.tokens import Purpose, token_service
from tests.conftest import RelayHandler
from tests.factories import make_contact, make_suppression
from tests.test_list_headers import RFC2369_LIST, unfold

DnsFunc = Callable[..., bytes]
FOOTED = re.compile(
    r"Unsubscribe from Marketing email: (\S+)\nManage your email preferences: (\S+)"
)


@pytest.fixture
def jane(app: Flask) -> str:
    return make_contact("jane@example.com").email


@pytest.fixture
def dns(app: Flask, dkim_key: tuple[bytes, bytes], tmp_path: Path) -> DnsFunc:
    """Configures the DKIM key; gives the dnsfunc that publishes its public half."""
    private, public = dkim_key
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(private)
    app.config.update(DKIM_SELECTOR="mail", DKIM_KEY_FILE=str(key_file))
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def lookup(name: bytes, timeout: int = 5) -> bytes:
        return record if name == b"mail._domainkey.example.com." else b""

    return lookup


def newsletter(
    text: str = "Hello,\n\nThe autumn collection is in.\n",
    html: str | None = "<html><body><p>The autumn collection is in.</p></body></html>",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Example Shop <news@example.com>"
    message["To"] = "Jane Doe <jane@example.com>"
    message["Subject"] = "Our autumn collection"
    message["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    message["Message-ID"] = "<autumn-1@example.com>"
    message["X-Campaign"] = "autumn-2026"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def parsed(prepared: PreparedMessage) -> EmailMessage:
    """The message as a mailbox stores it, with the local line ends."""
    return message_from_bytes(prepared.data.replace(b"\r\n", b"\n"), policy=policy.default)


def signed_fields(data: bytes) -> list[str]:
    signature = message_from_bytes(data, policy=policy.compat32)["DKIM-Signature"]
    tags = dict(t.split("=", 1) for t in re.sub(r"\s", "", signature).split(";") if t)
    return tags["h"].lower().split(":")


def test_the_signature_verifies_and_covers_both_list_unsubscribe_headers(
    jane: str, dns: DnsFunc
) -> None:
    # standards A3 (RFC 8058 4), B14: h= covers both List-Unsubscribe fields and the List-Id.
    prepared = prepare(newsletter(), jane, "marketing")
    assert dkim.verify(prepared.data, dnsfunc=dns)
    fields = signed_fields(prepared.data)
    wanted = ["from", "to", "subject", "date", "message-id", "mime-version", "content-type",
              "list-unsubscribe", "list-unsubscribe-post", "list-id"]  # fmt: skip
    assert set(wanted) <= set(fields)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: data.replace(b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Two-Click"),
        lambda data: data.replace(b"<https://prefs.example.com/u/", b"<https://evil.example/u/"),
        # A second List-Unsubscribe above ours: h= names it once more than it occurs.
        lambda data: b"List-Unsubscribe: <https://evil.example/u/x>\r\n" + data,
    ],
    ids=["post-value", "url", "added-copy"],
)
def test_changing_the_list_headers_after_signing_fails_verification(
    jane: str, dns: DnsFunc, tamper: Callable[[bytes], bytes]
) -> None:
    # standards A3; RFC 6376 8.15 for the added copy.
    data = prepare(newsletter(), jane, "marketing").data
    assert tamper(data) != data
    assert not dkim.verify(tamper(data), dnsfunc=dns)


def test_the_list_headers_are_the_links_services_and_a_long_mailto_survives(
    app: Flask, jane: str
) -> None:
    # standards A1, A2, B11, B12: one of each, byte-exact, folded only between items.
    app.config["MAIL_DOMAIN"] = "bulk-mail.marketing-department.shop.example.com"
    prepared = prepare(newsletter(), jane, "marketing")
    headers = links_for(contacts.get(jane), "marketing").headers
    assert len(headers["List-Unsubscribe"]) > 78
    head = prepared.data.partition(b"\r\n\r\n")[0]
    assert folded_headers(headers).encode() in head
    assert b"=?" not in head
    received = parsed(prepared)
    for name, value in headers.items():
        assert received.get_all(name) == [received[name]]
        assert unfold(received[name]) == value
    assert RFC2369_LIST.match(unfold(received["List-Unsubscribe"]))


def test_the_one_click_url_in_the_header_unsubscribes(app: Flask, jane: str) -> None:
    # standards A4, A6, A7: a bare POST of the header's URL, no cookie, no redirect.
    header = parsed(prepare(newsletter(), jane, "marketing"))["List-Unsubscribe"]
    url = re.search(r"<(https://[^>]+)>", header).group(1)
    answer = app.test_client().post(
        url.removeprefix(app.config["BASE_URL"]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    with pytest.raises(RecipientSuppressed):
        prepare(newsletter(), jane, "marketing")
    assert prepare(newsletter(), jane, "updates").data


def test_the_footer_shows_working_links_the_sender_and_the_postal_address(
    app: Flask, jane: str
) -> None:
    # standards C15 (a visible body link), D25 (the postal address).
    plain = parsed(prepare(newsletter(html=None), jane, "marketing")).get_body(("plain",))
    text = plain.get_content()
    assert text.startswith("Hello,\n\nThe autumn collection is in.\n\n")
    assert text.endswith("Example Shop, 1 Main Street, Springfield, CA 90000, USA\n")
    unsubscribe, preferences = FOOTED.search(text).groups()
    client = app.test_client()
    for link in (unsubscribe, preferences):
        assert client.get(link.removeprefix(app.config["BASE_URL"])).status_code == 200


def test_both_alternatives_get_the_footer_and_html_is_escaped(app: Flask, jane: str) -> None:
    app.config["SENDER_NAME"] = "Smith & Sons <Shop>"
    message = parsed(prepare(newsletter(), jane, "marketing"))
    links = links_for(contacts.get(jane), "marketing")
    assert message.get_content_type() == "multipart/alternative"
    assert "Smith & Sons <Shop>, 1 Main Street" in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f'<a href="{links.unsubscribe_url}">' in html
    assert f'<a href="{links.preferences_url}">' in html
    assert "Smith &amp; Sons &lt;Shop&gt;, 1 Main Street" in html
    assert html.index(links.unsubscribe_url) < html.index("</body>")


def test_attachments_and_attached_messages_are_left_alone(jane: str) -> None:
    message = newsletter()
    message.add_attachment(b"%PDF-1.4 catalogue", "application", "pdf", filename="catalogue.pdf")
    message.add_attachment("Size chart: S M L\n", filename="sizes.txt")
    message.add_attachment(newsletter(html=None))
    before = [part.get_content() for part in message.iter_attachments()]
    after = parsed(prepare(message, jane, "marketing"))
    attachments = list(after.iter_attachments())
    assert [part.get_content() for part in attachments[:2]] == before[:2]
    assert [part.get_filename() for part in attachments] == ["catalogue.pdf", "sizes.txt", None]
    forwarded = attachments[2].get_content()
    assert forwarded.get_content() == before[2].get_content()
    assert "Unsubscribe" not in forwarded.get_content()


@pytest.mark.parametrize(
    ("declared", "sender_name", "expected"),
    [
        ("iso-8859-1", "Café Example", "iso-8859-1"),
        ("us-ascii", "Example Shop", "us-ascii"),
        # The footer does not fit the part's charset: the text part becomes UTF-8.
        ("us-ascii", "Łódź Shop", "utf-8"),
    ],
)
def test_a_parts_charset_is_kept_where_the_footer_fits(
    app: Flask, jane: str, declared: str, sender_name: str, expected: str
) -> None:
    app.config["SENDER_NAME"] = sender_name
    message = newsletter(html=None)
    body = "Nos nouveautés\n" if declared == "iso-8859-1" else "News\n"
    message.set_content(body, charset=declared)
    plain = parsed(prepare(message, jane, "marketing")).get_body(("plain",))
    assert plain.get_content_charset() == expected
    assert plain.get_content().startswith(body)
    assert f"{sender_name}, 1 Main Street" in plain.get_content()


def test_an_html_part_keeps_its_charset_with_character_references(app: Flask, jane: str) -> None:
    app.config["SENDER_NAME"] = "Łódź Shop"
    message = newsletter(html=None)
    message.add_alternative("<p>Nouveautés</p>", subtype="html", charset="iso-8859-1")
    html = parsed(prepare(message, jane, "marketing")).get_body(("html",))
    assert html.get_content_charset() == "iso-8859-1"
    assert html.get_content().startswith("<p>Nouveautés</p>")
    assert "&#321;&#243;d&#378; Shop, 1 Main Street" in html.get_content()


def test_the_message_goes_out_7_bit_and_still_verifies(app: Flask, jane: str, dns: DnsFunc) -> None:
    # RFC 6376 5.3: no relay needs to re-encode it on the way, which would break the signature.
    app.config["SENDER_NAME"] = "Café Example"
    message = newsletter(text="Grüße aus dem Laden.\n")
    message.add_attachment("Größen: S M L\n", filename="sizes.txt")
    prepared = prepare(message, jane, "marketing")
    assert prepared.data.isascii()
    assert dkim.verify(prepared.data, dnsfunc=dns)
    received = parsed(prepared)
    assert received.get_body(("plain",)).get_content().startswith("Grüße aus dem Laden.")
    assert next(received.iter_attachments()).get_content() == "Größen: S M L\n"


def test_a_body_part_keeps_its_parameters_and_content_fields(jane: str) -> None:
    message = newsletter()
    plain = message.get_body(("plain",))
    plain.set_param("format", "flowed")
    plain["Content-Language"] = "en"
    received = parsed(prepare(message, jane, "marketing")).get_body(("plain",))
    assert received.get_param("format") == "flowed"
    assert received["Content-Language"] == "en"


def test_the_callers_headers_are_kept_and_its_message_unchanged(jane: str) -> None:
    message = newsletter()
    message["Reply-To"] = "help@example.com"
    original = message.as_bytes()
    received = parsed(prepare(message, jane, "marketing"))
    assert message.as_bytes() == original
    for name in ("From", "To", "Subject", "Date", "Message-ID", "X-Campaign", "Reply-To"):
        assert received.get_all(name) == message.get_all(name)


def test_to_date_and_message_id_are_added_when_missing(jane: str) -> None:
    message = newsletter()
    for name in ("To", "Date", "Message-ID"):
        del message[name]
    received = [parsed(prepare(message, jane, "marketing")) for _ in range(2)]
    assert received[0]["To"] == "jane@example.com"
    assert received[0]["Date"].datetime
    assert received[0]["Message-ID"] != received[1]["Message-ID"]


def test_without_a_key_the_message_is_unsigned_but_otherwise_the_same(
    app: Flask, jane: str, dns: DnsFunc
) -> None:
    message = newsletter()
    # Fixed, as its Date and Message-ID are: else each copy gets its own random boundary.
    message.set_boundary("autumn-2026")
    signed = prepare(message, jane, "marketing").data
    app.config.update(DKIM_SELECTOR="", DKIM_KEY_FILE="")
    unsigned = prepare(message, jane, "marketing").data
    assert b"DKIM-Signature" not in unsigned
    assert signed.endswith(unsigned)
    added = message_from_bytes(signed.removesuffix(unsigned) + b"\r\n", policy=policy.compat32)
    assert added.keys() == ["DKIM-Signature"]


def test_the_return_path_is_a_bounce_address_naming_the_recipient(app: Flask) -> None:
    contact = make_contact("jane@example.com")
    prepared = prepare(newsletter(), "Jane@Example.com", "marketing")
    assert prepared.recipient == "jane@example.com"
    local, _, domain = prepared.envelope_from.partition("@")
    assert (local[:7], domain) == ("bounce+", "example.com")
    subject = token_service().load(Purpose.BOUNCE, local.removeprefix("bounce+"))
    assert (subject.contact_uid, subject.category) == (contact.uid, "marketing")
    # RFC 5321 4.4: the receiving server writes Return-Path from MAIL FROM.
    assert "Return-Path" not in parsed(prepared)


def test_the_relay_receives_a_message_that_verifies(
    jane: str, dns: DnsFunc, relay: tuple[int, RelayHandler]
) -> None:
    prepared = prepare(newsletter(), jane, "marketing")
    with smtplib.SMTP("127.0.0.1", relay[0]) as smtp:
        smtp.sendmail(prepared.envelope_from, [prepared.recipient], prepared.data)
    [(mail_from, rcpt_tos, data)] = relay[1].received
    assert (mail_from, rcpt_tos) == (prepared.envelope_from, ["jane@example.com"])
    assert dkim.verify(data, dnsfunc=dns)


def test_a_suppressed_recipient_gets_no_message(jane: str) -> None:
    # standards C16, D23: a suppression stops the very next message.
    make_suppression(jane, "marketing")
    with pytest.raises(RecipientSuppressed):
        prepare(newsletter(), jane, "marketing")


@pytest.mark.parametrize(
    ("recipient", "category", "error"),
    [
        ("nobody@example.com", "marketing", ContactNotFound),
        ("jane@example.com", "spam", UnknownCategory),
    ],
)
def test_an_unknown_recipient_or_category_is_refused(
    jane: str, recipient: str, category: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        prepare(newsletter(), recipient, category)


def without(*names: str) -> EmailMessage:
    message = newsletter()
    for name in names:
        del message[name]
    return message


def with_header(name: str, value: str) -> EmailMessage:
    message = newsletter()
    message[name] = value
    return message


def only_an_attachment() -> EmailMessage:
    message = newsletter()
    message.clear_content()
    message.add_attachment(b"%PDF-1.4", "application", "pdf", filename="catalogue.pdf")
    return message


def headers_only() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "news@example.com"
    return message


def badly_encoded() -> EmailMessage:
    head = b"From: news@example.com\nContent-Type: text/plain; charset=utf-8\n"
    raw = head + b"Content-Transfer-Encoding: 8bit\n\nSoldes \xe0 -50%\n"
    return message_from_bytes(raw, policy=policy.default)


def legacy() -> Message:
    message = Message()
    message["From"] = "news@example.com"
    message.set_payload("Hello")
    return message


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(legacy, "email.message.EmailMessage", id="not-emailmessage"),
        pytest.param(
            lambda: with_header("List-Unsubscribe", "<https://other.example/u/1>"),
            "List-Unsubscribe",
            id="list-unsubscribe",
        ),
        pytest.param(lambda: with_header("List-Id", "<news.example.com>"), "List-Id", id="list-id"),
        pytest.param(
            lambda: with_header("Return-Path", "<news@example.com>"),
            "Return-Path",
            id="return-path",
        ),
        pytest.param(lambda: without("From"), "no From", id="no-from"),
        pytest.param(only_an_attachment, "no text/plain or text/html", id="only-attachment"),
        pytest.param(headers_only, "no text/plain or text/html", id="no-body"),
        pytest.param(badly_encoded, "text/plain body is not utf-8", id="not-its-charset"),
    ],
)
def test_a_message_it_cannot_complete_is_refused(
    app: Flask, jane: str, make: Callable[[], EmailMessage], reason: str
) -> None:
    with pytest.raises(NotSendable, match=reason):
        prepare(make(), jane, "marketing")
