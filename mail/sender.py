"""Getting a marketing message ready in the sender's own process: list headers, footer and DKIM.

    import smtplib
    from email.message import EmailMessage

    from mail.sender import prepare
    from prefcenter import create_app
    from prefcenter.errors import RecipientSuppressed

    app = create_app()
    message = EmailMessage()
    message["From"] = "Example Shop <news@example.com>"
    message["Subject"] = "Our autumn collection"
    message.set_content("Hello,\\n\\nThe autumn collection is in.\\n")
    message.add_alternative("<p>Hello,</p><p>The autumn collection is in.</p>", subtype="html")

    with app.app_context(), smtplib.SMTP("relay.example.com") as smtp:
        for address in ["jane@example.com", "sam@example.org"]:
            try:
                prepared = prepare(message, address, "marketing")
            except RecipientSuppressed:
                continue
            smtp.sendmail(prepared.envelope_from, [prepared.recipient], prepared.data)

`prepare` leaves `message` as it was, so one message serves every recipient. It adds no
Return-Path header: the receiving server writes that from MAIL FROM (RFC 5321 4.4), which must be
`envelope_from` for bounces to find the recipient. The signature is made for MAIL_DOMAIN, so the
From address should be in that domain for DMARC to pass.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template

from mail.outbound import dkim_sign, to_header
from prefcenter.clock import now
from prefcenter.services import contacts
from prefcenter.services.categories import category_label
from prefcenter.services.links import RecipientLinks, folded_headers, footer_facts, links_for

# What a receiver shows or acts on (RFC 6376 5.4.1), the MIME fields that say how to read the
# body, and both fields RFC 8058 4 requires the signature to cover (standards A3). Fields named
# here but absent are signed as absent: a relay cannot add them unnoticed.
SIGNED_FIELDS = (
    b"from", b"sender", b"reply-to", b"to", b"cc", b"subject", b"date", b"message-id",
    b"in-reply-to", b"references", b"mime-version", b"content-type",
    b"content-transfer-encoding", b"list-unsubscribe", b"list-unsubscribe-post", b"list-id",
)  # fmt: skip
# Named once more than they occur (RFC 6376 8.15): a second copy added in transit, a forged
# List-Unsubscribe above ours say, fails verification instead of being shown.
OVERSIGNED = (b"from", b"subject", b"list-unsubscribe", b"list-unsubscribe-post", b"list-id")
# Up to the last </body>: greedy, so an earlier one in a comment or quoted text does not count.
_BODY_END = re.compile(r"(.*)</body\s*>", re.IGNORECASE | re.DOTALL)


class NotSendable(ValueError):
    """The message cannot be prepared as given; the text says what to change."""


@dataclass(frozen=True)
class PreparedMessage:
    """One recipient's copy, as SMTP takes it: MAIL FROM, RCPT TO and DATA."""

    # bounce+<token>@<mail domain> (VERP): a bounce sent there names this recipient.
    envelope_from: str
    recipient: str
    data: bytes


def prepare(message: EmailMessage, recipient: str, category: str) -> PreparedMessage:
    """A copy of `message` for `recipient` with the list headers and footer, DKIM-signed when
    PREFCENTER_DKIM_KEY_FILE is set.

    Raises ContactNotFound, RecipientSuppressed or UnknownCategory as the links service does,
    and NotSendable for a message this cannot complete. To, Date and Message-ID are added when
    missing, so that the signature covers them.
    """
    _check(message)
    links = links_for(contacts.get(recipient), category)
    if present := [name for name in links.headers if name in message]:
        raise NotSendable(f"the message already has {', '.join(present)}; prepare adds them")
    copy = deepcopy(message)
    _complete_headers(copy, links.email)
    _add_footers(copy, links)
    # RFC 6376 5.3: 7-bit bodies, because a relay without 8BITMIME would re-encode an 8-bit one
    # and break the signature. Python's email package must not fold the list headers (see
    # folded_headers), so they go above the headers it writes.
    policy = copy.policy.clone(linesep="\r\n", cte_type="7bit")
    raw = folded_headers(links.headers).encode() + copy.as_bytes(policy=policy)
    signed = dkim_sign(raw, current_app.config, SIGNED_FIELDS + OVERSIGNED)
    return PreparedMessage(envelope_from=links.return_path, recipient=links.email, data=signed)


def _check(message: EmailMessage) -> None:
    # The type hint binds no caller, and the footer needs EmailMessage's get_body and set_content.
    if not isinstance(message, EmailMessage) or not isinstance(message.policy, EmailPolicy):
        raise NotSendable("give an email.message.EmailMessage with an EmailPolicy (the default)")
    if "From" not in message:
        raise NotSendable("the message has no From header")
    if "Return-Path" in message:
        raise NotSendable(
            "the message has a Return-Path header; the receiving server writes it from MAIL FROM,"
            " which should be PreparedMessage.envelope_from"
        )
    if not _bodies(message):
        raise NotSendable("the message has no text/plain or text/html body for the footer")


def _bodies(message: EmailMessage) -> list[MIMEPart]:
    """The plain and HTML bodies a mail client shows: never an attachment, nor the text of an
    attached message."""
    found = [message.get_body((subtype,)) for subtype in ("plain", "html")]
    return [part for part in found if part is not None and part.get_payload() is not None]


def _complete_headers(message: EmailMessage, address: str) -> None:
    if "To" not in message:
        message["To"] = to_header(address)
    if "Date" not in message:
        message["Date"] = format_datetime(now())
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain=current_app.config["MAIL_DOMAIN"])


def _add_footers(message: EmailMessage, links: RecipientLinks) -> None:
    context = {
        **footer_facts(),
        "category_label": category_label(links.category),
        "unsubscribe_url": links.unsubscribe_url,
        "preferences_url": links.preferences_url,
    }
    text_footer = render_template("mail/footer.txt", **context)
    # Character references keep the HTML footer within any charset the document (and perhaps its
    # <meta charset>) declares.
    html_footer = render_template("mail/footer.html", **context)
    html_footer = html_footer.encode("ascii", "xmlcharrefreplace").decode("ascii")
    for part in _bodies(message):
        try:
            text = part.get_content(errors="strict")
        except UnicodeDecodeError as exc:
            raise NotSendable(f"the {part.get_content_type()} body is not {exc.encoding}") from None
        if part.get_content_subtype() == "html":
            end = _BODY_END.match(text)
            at = end.end(1) if end else len(text)
            text = f"{text[:at]}{html_footer}\n{text[at:]}"
        else:
            text = text if text.endswith("\n") else text + "\n"
            text = f"{text}\n{text_footer}\n"
        _replace_text(part, text)


def _replace_text(part: MIMEPart, text: str) -> None:
    """Set a text part's content, keeping its subtype, its charset where the text still fits,
    its Content-Type parameters (format=flowed, say) and its other Content-* fields."""
    params = dict(part["Content-Type"].params) if "Content-Type" in part else {}
    params.pop("charset", None)
    kept = [
        (name, value)
        for name, value in part.items()
        if name.lower().startswith("content-")
        and name.lower() not in ("content-type", "content-transfer-encoding")
    ]
    declared = part.get_content_charset("us-ascii")
    try:
        text.encode(declared)
        charset = declared
    except (UnicodeEncodeError, LookupError):
        charset = "utf-8"
    # set_content drops every Content-* field first; the kept ones go back after it.
    part.set_content(text, subtype=part.get_content_subtype(), charset=charset, params=params)
    for name, value in kept:
        part[name] = value
