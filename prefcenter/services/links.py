"""What a sender puts on a message: signed links, RFC 2369/8058/2919 list headers, footer facts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formataddr

from flask import current_app

from prefcenter.errors import ContactNotFound, InvalidAddress, RecipientSuppressed
from prefcenter.models import Contact
from prefcenter.services.addresses import Address, address_hash, normalise, of_contact
from prefcenter.services.categories import get_category
from prefcenter.services.contacts import Recipient, recipients
from prefcenter.services.suppressions import is_suppressed, suppressed_hashes
from prefcenter.services.tokens import Purpose, TokenSubject, token_service

ONE_CLICK = "List-Unsubscribe=One-Click"
_ANGLE_ITEM = re.compile(r"<[^<>]*>")


@dataclass(slots=True)
class RecipientLinks:
    """Everything a sender needs for one recipient and category."""

    email: str
    category: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    preferences_url: str
    # The envelope sender (MAIL FROM) for this recipient: bounces to it name them (VERP).
    return_path: str
    headers: dict[str, str]

    def as_json(self) -> dict[str, object]:
        return {
            "email": self.email,
            "category": self.category,
            "headers": self.headers,
            "unsubscribe_url": self.unsubscribe_url,
            "unsubscribe_mailto": self.unsubscribe_mailto,
            "preferences_url": self.preferences_url,
            "return_path": self.return_path,
        }


def unsubscribe_token(contact: Contact | Recipient, category: str) -> str:
    return token_service().sign(Purpose.UNSUBSCRIBE, TokenSubject(contact.uid, category))


def preferences_token(contact: Contact | Recipient) -> str:
    return token_service().sign(Purpose.PREFERENCES, TokenSubject(contact.uid))


def preferences_url(contact: Contact | Recipient) -> str:
    return f"{current_app.config['BASE_URL']}/p/{preferences_token(contact)}"


class LinkMaker:
    """Links and headers for known recipients of one category: the library call for a send.

    What every recipient shares is looked up once; each call then signs three tokens and formats.
    A sender that knows its recipients (their public ids) calls this directly; `links_for_batch`
    first validates addresses, finds the contacts and drops suppressed ones.
    """

    def __init__(self, category: str) -> None:
        config = current_app.config
        list_category = get_category(category)
        self.category = category
        self.base_url = config["BASE_URL"]
        self.mail_domain = config["MAIL_DOMAIN"]
        self.list_id = formataddr((list_category.label, list_category.list_id))
        self.tokens = token_service()

    def __call__(self, recipient: Contact | Recipient) -> RecipientLinks:
        uid = recipient.uid
        token = self.tokens.sign(Purpose.UNSUBSCRIBE, TokenSubject(uid, self.category))
        url = f"{self.base_url}/u/{token}"
        mailto = f"mailto:unsubscribe+{token}@{self.mail_domain}"
        preferences = self.tokens.sign(Purpose.PREFERENCES, TokenSubject(uid))
        bounce = self.tokens.sign(Purpose.BOUNCE, TokenSubject(uid, self.category))
        return RecipientLinks(
            email=recipient.email,
            category=self.category,
            unsubscribe_url=url,
            unsubscribe_mailto=mailto,
            preferences_url=f"{self.base_url}/p/{preferences}",
            return_path=f"bounce+{bounce}@{self.mail_domain}",
            headers={
                # RFC 2369: angle brackets, comma-separated, HTTPS first (RFC 8058 needs exactly one).
                "List-Unsubscribe": f"<{url}>, <{mailto}>",
                "List-Unsubscribe-Post": ONE_CLICK,
                "List-Id": self.list_id,
            },
        )


def links_for(contact: Contact, category: str) -> RecipientLinks:
    """Links and headers for one recipient; RecipientSuppressed instead of headers if suppressed."""
    get_category(category)
    if is_suppressed(of_contact(contact), category):
        raise RecipientSuppressed("This address may not be sent this category of mail.")
    return LinkMaker(category)(contact)


@dataclass(frozen=True)
class BatchRefusal:
    email: str
    error: str
    message: str

    def as_json(self) -> dict[str, object]:
        return {"email": self.email, "error": self.error, "message": self.message}


def links_for_batch(raw_emails: list[str], category: str) -> list[RecipientLinks | BatchRefusal]:
    """Links for many recipients in their given order; each one that can't be served says why."""
    make = LinkMaker(category)
    entries: list[tuple[str, Address | InvalidAddress]] = []
    for raw in raw_emails:
        try:
            entries.append((raw, normalise(raw)))
        except InvalidAddress as exc:
            entries.append((raw, exc))
    addresses = [a for _, a in entries if isinstance(a, Address)]
    contacts = recipients(addresses)
    digests = {a.key: address_hash(a) for a in addresses}
    blocked = suppressed_hashes(digests.values(), category)
    results: list[RecipientLinks | BatchRefusal] = []
    for raw, address in entries:
        if isinstance(address, InvalidAddress):
            results.append(BatchRefusal(str(raw), address.code, address.message))
        elif digests[address.key] in blocked:
            results.append(
                BatchRefusal(address.email, RecipientSuppressed.code, "Asked not to be mailed.")
            )
        elif address.key not in contacts:
            results.append(BatchRefusal(address.email, ContactNotFound.code, "No such contact."))
        else:
            results.append(make(contacts[address.key]))
    return results


def footer_facts() -> dict[str, str]:
    """What every commercial message must also show (CAN-SPAM: the postal address)."""
    config = current_app.config
    return {"sender_name": config["SENDER_NAME"], "postal_address": config["POSTAL_ADDRESS"]}


def folded_headers(headers: dict[str, str]) -> str:
    """The headers as message text with CRLF line ends, folded only between list items.

    RFC 2369 allows folding between items, never inside a URI. Python's email package, left to
    itself, wraps a long mailto item in an RFC 2047 encoded word, which breaks it; a sender that
    writes raw headers should use this text.
    """
    lines = []
    for name, value in headers.items():
        items = _ANGLE_ITEM.findall(value) if name == "List-Unsubscribe" else []
        body = ",\r\n ".join(items) if items else value
        lines.append(f"{name}: {body}\r\n")
    return "".join(lines)
