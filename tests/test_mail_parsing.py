"""Reading messages: charsets, HTML-only mail, attachments, quoted replies, broken MIME."""

from __future__ import annotations

import pytest

from mail.parse import UnparseableMessage, parse


def message(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n" + body


def test_html_only_mail_becomes_text_without_its_script_or_style() -> None:
    raw = message(
        "From: a@customer.example.net\nSubject: hi\nContent-Type: text/html; charset=utf-8\n",
        b"<html><head><style>p {color: red}</style><script>alert('x')</script></head>"
        b"<body><p>Please <b>delete</b> my data.</p><blockquote>Our newsletter</blockquote>"
        b"</body></html>",
    )
    parsed = parse(raw)
    assert parsed.html_only
    assert "alert" not in parsed.text and "color" not in parsed.text
    assert parsed.new_text == "Please delete my data."
    assert parsed.quoted_text == "> Our newsletter"


def test_an_unknown_charset_is_read_rather_than_refused() -> None:
    raw = message(
        "From: a@customer.example.net\nSubject: x\nContent-Type: text/plain; charset=x-klingon\n",
        "Bitte löschen Sie meine Daten".encode(),
    )
    assert parse(raw).text.startswith("Bitte löschen Sie meine Daten")


def test_a_lying_charset_falls_back_to_windows_1252() -> None:
    raw = message(
        "From: a@customer.example.net\nSubject: x\nContent-Type: text/plain; charset=utf-8\n",
        "Supprimez mes données".encode("cp1252"),
    )
    assert "Supprimez mes donn" in parse(raw).text


def test_encoded_words_in_sender_and_subject_are_decoded() -> None:
    raw = message(
        "From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <jorg@customer.example.net>\n"
        "Subject: =?iso-8859-1?q?L=F6schung_meiner_Daten?=\n",
        b"Bitte l\xc3\xb6schen.",
    )
    parsed = parse(raw)
    assert (parsed.from_name, parsed.from_address) == ("Jörg Müller", "jorg@customer.example.net")
    assert parsed.subject == "Löschung meiner Daten"


def test_attachments_are_listed_and_never_part_of_the_text() -> None:
    raw = message(
        "From: a@customer.example.net\nSubject: id\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nMy ID is attached.\r\n"
        b"--b\r\nContent-Type: application/x-msdownload\r\n"
        b'Content-Disposition: attachment; filename="run.exe"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n",
    )
    parsed = parse(raw)
    assert parsed.text.strip() == "My ID is attached."
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "run.exe",
        "application/x-msdownload",
        12,
    )


def test_a_quoted_reply_and_signature_are_kept_apart_from_the_new_text() -> None:
    raw = message(
        "From: a@customer.example.net\nSubject: Re: Sale\n",
        b"Do you ship to Canada?\r\n\r\nBest regards,\r\nAnn\r\n\r\n"
        b"On Mon, 3 Nov 2025 at 10:00, Shop <news@example.com> wrote:\r\n"
        b"> Big sale! Unsubscribe here.\r\n",
    )
    parsed = parse(raw)
    assert parsed.new_text == "Do you ship to Canada?"
    assert "Unsubscribe here" in parsed.quoted_text and "Best regards" in parsed.quoted_text


def test_a_missing_closing_boundary_still_yields_the_text() -> None:
    raw = message(
        "From: a@customer.example.net\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="zz"\n',
        b"--zz\r\nContent-Type: text/plain\r\n\r\nPlease correct my surname to Smyth.\r\n",
    )
    assert parse(raw).new_text == "Please correct my surname to Smyth."


def test_bytes_with_no_header_block_are_not_a_message() -> None:
    with pytest.raises(UnparseableMessage):
        parse(b"\x00\x01 just some bytes")
