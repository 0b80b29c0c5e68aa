"""Reading bounces and complaints from bytes alone: every message of the corpus as expected.json
says, and the cases that keep a person's mail from being read as a bounce."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.bounces import MAX_RECIPIENTS, Kind, Tagged, read, tagged_token

CORPUS = Path(__file__).parent / "corpus" / "bounces"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())
KINDS = {
    "hard_bounce": Kind.HARD,
    "soft_bounce": Kind.SOFT,
    "delayed": Kind.DELAYED,
    "complaint": Kind.COMPLAINT,
    "not_a_bounce": Kind.NONE,
}


def message(headers: str, body: str) -> bytes:
    return (headers.strip("\n") + "\n\n" + body).replace("\n", "\r\n").encode()


def dsn(*blocks: str, sender: str = "MAILER-DAEMON@mx.customer.example.net") -> bytes:
    """A minimal RFC 3464 report with one per-recipient block for each of `blocks`."""
    fields = "\n\n".join(["Reporting-MTA: dns; mx.customer.example.net", *blocks])
    return message(
        f"From: {sender}\nTo: bounce@shop.example.net\nSubject: Undelivered Mail\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
        f"--b\nContent-Type: message/delivery-status\n\n{fields}\n\n--b--\n",
    )


def test_every_corpus_file_has_an_entry_and_every_entry_a_file() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name: str) -> None:
    expected = EXPECTED[name]
    report = read((CORPUS / name).read_bytes())
    assert report.kind == KINDS[expected["kind"]], expected["notes"]
    assert [f.address for f in report.failures] == expected["recipients"]
    assert report.status == expected["status"]
    for address, outcome in expected.get("per_recipient", {}).items():
        failure = report.failure_for(address)
        assert failure is not None
        assert (failure.kind, failure.status) == (KINDS[outcome["kind"]], outcome["status"])
    if report.kind in (Kind.HARD, Kind.SOFT):
        assert all(f.diagnostic for f in report.failures), "staff see why it bounced"


def test_the_diagnostic_is_the_remote_servers_words() -> None:
    [failure] = read((CORPUS / "office365-ndr-without-dsn-part.eml").read_bytes()).failures
    assert failure.diagnostic == (
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
        "Recipient not found by SMTP address lookup'"
    )


def test_a_person_who_forwards_a_bounce_has_not_bounced() -> None:
    bounce = (CORPUS / "postfix-user-unknown.eml").read_bytes().split(b"\n", 1)[1]
    forwarded = (
        message(
            "From: Pat <pat@customer.example.net>\nTo: privacy@shop.example.net\nSubject: Fwd\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="f"',
            "--f\nContent-Type: text/plain\n\nWhy did this bounce? Please delete my data.\n\n"
            "--f\nContent-Type: message/rfc822\n\n",
        )
        + bounce.replace(b"\n", b"\r\n")
        + b"\r\n--f--\r\n"
    )
    assert read(forwarded, envelope_sender="pat@customer.example.net").kind == Kind.NONE


def test_a_persons_message_that_reads_like_a_bounce_is_not_one() -> None:
    # standards E29: only a mail system's notice is read as plain text, so that a person's
    # "contact us" message always reaches the privacy team as a request.
    raw = message(
        "From: Pat <pat@customer.example.net>\nTo: privacy@shop.example.net\nSubject: Hello",
        "Mail to the following address could not be delivered:\n\n  old@customer.example.net\n"
        "550 5.1.1 User unknown. Please delete it from your list.\n",
    )
    assert read(raw, envelope_sender="pat@customer.example.net").kind == Kind.NONE
    assert read(raw, envelope_sender="").kind == Kind.HARD


def test_an_out_of_office_reply_naming_an_address_is_not_a_bounce() -> None:
    raw = message(
        "From: Pat <pat@customer.example.net>\nTo: bounce@shop.example.net\n"
        "Subject: Automatic reply: Offers",
        "I have moved. Please write to the following address: pat@new.example.net\n",
    )
    assert read(raw, envelope_sender="").kind == Kind.NONE


def test_our_own_addresses_are_never_reported() -> None:
    raw = dsn(
        "Final-Recipient: rfc822; privacy@shop.example.net\nAction: failed\nStatus: 5.1.1",
        "Final-Recipient: rfc822; pat@customer.example.net\nAction: failed\nStatus: 5.1.1",
    )
    report = read(raw, own_domains=["SHOP.example.net"])
    assert [f.address for f in report.failures] == ["pat@customer.example.net"]


def test_an_address_named_twice_is_reported_once_at_its_worst() -> None:
    raw = dsn(
        "Final-Recipient: rfc822; Pat@Customer.example.net\nAction: failed\nStatus: 4.4.7",
        "Original-Recipient: rfc822; pat@customer.example.net\nAction: failed\nStatus: 5.1.1",
        "Final-Recipient: rfc822; pat@customer.example.net\nAction: delayed\nStatus: 4.4.1",
    )
    [failure] = read(raw).failures
    assert (failure.address, failure.kind, failure.status) == (
        "pat@customer.example.net",
        Kind.HARD,
        "5.1.1",
    )


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        pytest.param("Action: delivered\nStatus: 2.0.0", Kind.NONE, id="delivered"),
        pytest.param("Action: relayed\nStatus: 2.0.0", Kind.NONE, id="relayed"),
        pytest.param("Action: delayed\nStatus: 5.1.1", Kind.DELAYED, id="delayed-any-code"),
        pytest.param("Action: failed\nStatus: 4.7.1", Kind.SOFT, id="temporary"),
        pytest.param("Action: failed\nStatus: 5.0.0", Kind.HARD, id="permanent"),
        # Refused for what the mail or our set-up is, not for the address: never suppressed at once.
        pytest.param("Action: failed\nStatus: 5.7.1", Kind.SOFT, id="refused-by-policy"),
        pytest.param("Action: failed\nStatus: 5.2.2", Kind.SOFT, id="mailbox-full-5xx"),
        pytest.param("Action: failed\nStatus: 4.1.1", Kind.HARD, id="no-such-user-4xx"),
        pytest.param(
            "Action: failed\nDiagnostic-Code: smtp; 552 Quota exceeded", Kind.SOFT, id="no-status"
        ),
    ],
)
def test_what_a_dsn_outcome_means_for_the_address(block: str, kind: Kind) -> None:
    report = read(dsn(f"Final-Recipient: rfc822; pat@customer.example.net\n{block}"))
    assert report.kind == kind


@pytest.mark.parametrize(
    ("words", "kind"), [("failed permanently", Kind.HARD), ("failed", Kind.SOFT)]
)
def test_a_notice_without_a_code_is_hard_only_when_it_says_permanent(
    words: str, kind: Kind
) -> None:
    raw = message(
        "From: Mail Delivery Subsystem <mailer-daemon@mx.example.org>\nSubject: Failure",
        f"Delivery to the following recipient {words}: pat@customer.example.net\n",
    )
    assert read(raw, envelope_sender="").kind == kind


def test_a_complaint_carries_the_tokens_of_our_own_addresses_in_the_reported_message() -> None:
    raw = (CORPUS / "arf-redacted-recipient.eml").read_bytes()
    raw = raw.replace(
        b"Return-Path: <support@example.ed.jp>",
        b"Return-Path: <bounce+uid1.marketing.sig1@shop.example.net>\n"
        b"List-Unsubscribe: <https://shop.example.net/u/x>, "
        b"<mailto:unsubscribe+uid2.marketing.sig2@shop.example.net>, "
        b"<mailto:unsubscribe+elsewhere@other.example.org>",
    )
    report = read(raw, own_domains=["shop.example.net"])
    assert report.kind == Kind.COMPLAINT and report.failures == ()
    assert report.tagged == (
        Tagged("bounce", "uid1.marketing.sig1"),
        Tagged("unsubscribe", "uid2.marketing.sig2"),
    )


def test_tagged_tokens_are_only_ours() -> None:
    ours = ["shop.example.net"]
    assert tagged_token("bounce+abc.def@Shop.Example.net", "bounce", ours) == "abc.def"
    assert tagged_token("<bounce+abc@shop.example.net>", "bounce", ours) == "abc"
    assert tagged_token("bounce+abc@other.example.net", "bounce", ours) is None
    assert tagged_token("unsubscribe+abc@shop.example.net", "bounce", ours) is None
    assert tagged_token("bounce+@shop.example.net", "bounce", ours) is None
    assert tagged_token("bounce+a b@shop.example.net", "bounce", ours) is None


def test_a_report_with_thousands_of_recipients_reads_only_the_first_hundred_quickly() -> None:
    blocks = [
        f"Final-Recipient: rfc822; user{n}@customer.example.net\nAction: failed\nStatus: 5.1.1"
        for n in range(5000)
    ]
    started = time.monotonic()
    report = read(dsn(*blocks))
    assert len(report.failures) == MAX_RECIPIENTS
    assert time.monotonic() - started < 5


def test_a_huge_notice_is_read_in_bounded_time() -> None:
    body = "The following address failed:\n" + ("x" * 70 + "@" + "\n") * 30_000
    started = time.monotonic()
    read(message("From: MAILER-DAEMON@mx.example.org\nSubject: failure", body))
    assert time.monotonic() - started < 5


def test_bytes_that_are_not_a_message_report_nothing() -> None:
    assert read(b"").kind == Kind.NONE
    assert read(b"\x00\xff garbage without headers").kind == Kind.NONE


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(EXPECTED)), cut=st.floats(0, 1), noise=st.binary(max_size=64))
def test_a_damaged_corpus_message_never_breaks_the_reader(
    name: str, cut: float, noise: bytes
) -> None:
    raw = (CORPUS / name).read_bytes()
    at = int(len(raw) * cut)
    report = read(raw[:at] + noise + raw[at:], envelope_sender="")
    assert len(report.failures) <= MAX_RECIPIENTS
    assert all("@" in f.address for f in report.failures)
