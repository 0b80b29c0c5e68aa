"""List-Unsubscribe, List-Unsubscribe-Post and List-Id, per RFC 2369, 2919 and 8058."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage

import dkim
import pytest
from flask import Flask

from prefcenter.errors import RecipientSuppressed
from prefcenter.services.links import folded_headers, links_for
from tests.factories import make_contact, make_suppression

RFC2369_LIST = re.compile(r"^<[^<>\s]+>(\s*,\s*<[^<>\s]+>)*$")


def unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]", " ", value)


@pytest.mark.parametrize("category", ["marketing", "updates", "promotional"])
def test_list_unsubscribe_has_one_https_uri_and_a_mailto(app: Flask, category: str) -> None:
    # standards A1, B11, B12
    headers = links_for(make_contact(), category).headers
    value = headers["List-Unsubscribe"]
    assert RFC2369_LIST.match(value)
    uris = re.findall(r"<([^<>]+)>", value)
    assert [u for u in uris if u.startswith("https://")] == [uris[0]]
    assert [u for u in uris if u.startswith("mailto:")] == [uris[1]]
    assert len(uris) == 2


def test_list_unsubscribe_post_is_exactly_one_click(app: Flask) -> None:
    # standards A2
    assert links_for(make_contact(), "marketing").headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("marketing", "Marketing <marketing.example.com>"),
        ("updates", '"Service updates" <updates.example.com>'),
    ],
)
def test_list_id_names_the_list_under_our_domain(app: Flask, category: str, expected: str) -> None:
    # standards B14: `phrase <label.domain>`, under the mail domain, stable for the category.
    list_id = links_for(make_contact(), category).headers["List-Id"]
    assert list_id.replace('"', "") == expected.replace('"', "")
    assert links_for(make_contact("other@example.com"), category).headers["List-Id"] == list_id


def test_mailto_is_the_unsubscribe_mailbox_with_the_same_token(app: Flask) -> None:
    links = links_for(make_contact(), "marketing")
    token = links.unsubscribe_url.rsplit("/", 1)[1]
    assert links.unsubscribe_mailto == f"mailto:unsubscribe+{token}@example.com"


def test_no_headers_for_a_suppressed_recipient(app: Flask) -> None:
    jane = make_contact()
    make_suppression(jane.email, "marketing")
    with pytest.raises(RecipientSuppressed) as refused:
        links_for(jane, "marketing")
    assert refused.value.code == "suppressed"
    assert links_for(jane, "updates").headers["List-Unsubscribe"]


def test_folding_happens_only_between_items(app: Flask) -> None:
    # standards B11: folded text unfolds to the same value, and no line breaks inside a URI.
    headers = links_for(make_contact(), "promotional").headers
    text = folded_headers(headers)
    assert all(len(line) <= 998 for line in text.split("\r\n"))
    parsed = message_from_bytes(text.encode() + b"\r\n", policy=policy.compat32)
    for name, value in headers.items():
        assert unfold(parsed[name]) == value
    assert ",\r\n <mailto:" in text


def test_dkim_signature_covering_both_headers_verifies(app: Flask, dkim_key) -> None:
    # standards A3: a DKIM signature whose h= covers List-Unsubscribe and List-Unsubscribe-Post.
    import base64

    private, public = dkim_key
    links = links_for(make_contact("jane@example.com"), "marketing")
    message = EmailMessage()
    message["From"] = "Example Shop <news@example.com>"
    message["To"] = "jane@example.com"
    message["Subject"] = "Our autumn news"
    message["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    message["Message-ID"] = "<news-1@example.com>"
    message.set_content(
        f"News.\n\nUnsubscribe: {links.unsubscribe_url}\nPreferences: {links.preferences_url}\n"
    )
    raw = folded_headers(links.headers).encode() + message.as_bytes(policy=policy.SMTP)
    covered = [b"From", b"To", b"Subject", b"Date", b"Message-ID", b"List-Unsubscribe",
               b"List-Unsubscribe-Post", b"List-Id"]  # fmt: skip
    signature = dkim.sign(raw, b"mail", b"example.com", private, include_headers=covered)
    signed = signature + raw

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        return record if name == b"mail._domainkey.example.com." else b""

    assert dkim.verify(signed, dnsfunc=dns)
    h_tag = re.search(rb"h=([^;]+);", unfold(signature.decode()).encode()).group(1)
    signed_names = [n.strip().lower() for n in h_tag.replace(b" ", b"").split(b":")]
    assert b"list-unsubscribe" in signed_names
    assert b"list-unsubscribe-post" in signed_names

    # And the headers a receiver reads back are still the valid RFC 2369 list.
    received = message_from_bytes(signed, policy=policy.default)
    assert RFC2369_LIST.match(unfold(received["List-Unsubscribe"]))
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    tampered = signed.replace(b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Two-Click")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_header_one_click_and_a_visible_body_link_both_work(app: Flask) -> None:
    # standards C15: one-click in the header AND a body link; neither is a mere landing page.
    client = app.test_client()
    jane = make_contact("jane@example.com")
    body_link = links_for(jane, "promotional").unsubscribe_url.removeprefix(app.config["BASE_URL"])
    page = client.get(body_link).text
    # With no action the page's form posts back to the body link itself.
    assert '<form method="post">' in page
    assert client.post(body_link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with pytest.raises(RecipientSuppressed):
        links_for(jane, "promotional")


def test_each_category_is_its_own_list(app: Flask) -> None:
    # standards C17, C18: service updates are a list apart from marketing and promotions.
    jane = make_contact()
    list_ids = {
        c: links_for(jane, c).headers["List-Id"] for c in ("marketing", "updates", "promotional")
    }
    assert len(set(list_ids.values())) == 3
