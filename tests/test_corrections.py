"""Proposed changes read from correction requests (mail.corrections): each field in the seven
languages the issue names, values left to staff, unrelated mentions, several fields at once,
addresses over several lines, and quotes taken verbatim from the message."""

from __future__ import annotations

import dataclasses

import pytest

from mail.corrections import FIELDS, ProposedChange, propose_changes

NAME, ADDRESS, PHONE, EMAIL = FIELDS

# (language, text, field, new value as the person wrote it); the subject is empty.
# fmt: off
STATED = [
    # English
    ("en", "Please update my postal address to 4 High Street, Bath BA1 1AA.", ADDRESS, "4 High Street, Bath BA1 1AA"),
    ("en", "Please update my postal address to 4 High Street, Bath. Thanks!", ADDRESS, "4 High Street, Bath"),
    ("en", "I moved! New address: 4 High Street, Bath BA1 1AA", ADDRESS, "4 High Street, Bath BA1 1AA"),
    ("en", "We have just moved to 27 Mill Lane, Leeds LS1 4AP, please update your records.", ADDRESS, "27 Mill Lane, Leeds LS1 4AP"),
    ("en", "My new address is Apt. 4, 12 Main St. Springfield IL 62701. Thanks!", ADDRESS, "Apt. 4, 12 Main St. Springfield IL 62701"),
    ("en", "Can you change my address from 3 Low Road, York to 4 High Street, Bath BA1 1AA?", ADDRESS, "4 High Street, Bath BA1 1AA"),
    ("en", "Please update the address on my account to 4 High Street, Bath BA1 1AA", ADDRESS, "4 High Street, Bath BA1 1AA"),
    ("en", "Could you update my address? It should be 4 High Street, Bath BA1 1AA.", ADDRESS, "4 High Street, Bath BA1 1AA"),
    ("en", "My new phone number is +44 7700 900123", PHONE, "+44 7700 900123"),
    ("en", "my phone number has changed, the new one is 07700 900123", PHONE, "07700 900123"),
    ("en", "Please update my mobile number to (555) 010-0199.", PHONE, "(555) 010-0199"),
    ("en", "My number is now 0044 20.7946.0958, thanks", PHONE, "0044 20.7946.0958"),
    ("en", "New number 07700 900123", PHONE, "07700 900123"),
    ("en", "Please update my phone to 07700 900123 rather than 07700 900000", PHONE, "07700 900123"),
    ("en", "Please change my email address to jane.new@example.org", EMAIL, "jane.new@example.org"),
    ("en", "Please change my email to Jane.New@Example.ORG.", EMAIL, "Jane.New@example.org"),
    ("en", "Please use jane.new@example.org instead of jane@example.com", EMAIL, "jane.new@example.org"),
    ("en", "Please change my name to Anne Marie Smyth.", NAME, "Anne Marie Smyth"),
    ("en", "I got married, my name is now Anne Smyth-Jones.", NAME, "Anne Smyth-Jones"),
    ("en", "My surname is misspelled. My name is Anne Marie Smyth.", NAME, "Anne Marie Smyth"),
    # German
    ("de", "Meine neue Adresse lautet Hauptstraße 5, 10115 Berlin.", ADDRESS, "Hauptstraße 5, 10115 Berlin"),
    ("de", "Ich bin umgezogen. Neue Anschrift: Hauptstr. 5, 10115 Berlin. Danke!", ADDRESS, "Hauptstr. 5, 10115 Berlin"),
    ("de", "Bitte ändern Sie meine Adresse auf Lindenweg 3, 80331 München.", ADDRESS, "Lindenweg 3, 80331 München"),
    ("de", "Hallo, bitte meine Adresse ändern. Richtig ist: Hauptstraße 5, 10115 Berlin", ADDRESS, "Hauptstraße 5, 10115 Berlin"),
    ("de", "Meine neue Telefonnummer lautet 030 1234567.", PHONE, "030 1234567"),
    ("de", "Meine Handynummer ist jetzt +49 171 2345678.", PHONE, "+49 171 2345678"),
    ("de", "Meine Telefonnummer hat sich geändert: 0171 2345678", PHONE, "0171 2345678"),
    ("de", "Bitte ändern Sie meine E-Mail-Adresse auf anna.neu@example.de", EMAIL, "anna.neu@example.de"),
    ("de", "Bitte ändern Sie meinen Namen in Anna Maria Schmidt.", NAME, "Anna Maria Schmidt"),
    ("de", "Mein Name ist jetzt Anna Schmidt.", NAME, "Anna Schmidt"),
    # Spanish
    ("es", "Mi nueva dirección es Calle Mayor 10, 28013 Madrid.", ADDRESS, "Calle Mayor 10, 28013 Madrid"),
    ("es", "Me he mudado a Calle de Alcalá 42, 28014 Madrid, gracias.", ADDRESS, "Calle de Alcalá 42, 28014 Madrid"),
    ("es", "Mi dirección está mal, la correcta es Calle Mayor 10, Madrid.", ADDRESS, "Calle Mayor 10, Madrid"),
    ("es", "Mi nuevo número de teléfono es +34 612 345 678.", PHONE, "+34 612 345 678"),
    ("es", "Por favor, cambien mi número al 612-345-679.", PHONE, "612-345-679"),
    ("es", "Mi teléfono nuevo es el 612 345 678", PHONE, "612 345 678"),
    ("es", "Por favor, cambien mi correo electrónico a ana.nueva@example.es", EMAIL, "ana.nueva@example.es"),
    ("es", "Hola, he cambiado de correo electrónico. El nuevo es ana.p@example.es, por favor actualícenlo.", EMAIL, "ana.p@example.es"),
    ("es", "Por favor, cambien mi nombre a Ana María García López.", NAME, "Ana María García López"),
    # French
    ("fr", "Ma nouvelle adresse est 12 rue de la Paix, 75002 Paris.", ADDRESS, "12 rue de la Paix, 75002 Paris"),
    ("fr", "J'habite maintenant au 8 avenue Victor Hugo, 69002 Lyon.", ADDRESS, "8 avenue Victor Hugo, 69002 Lyon"),
    ("fr", "Pouvez-vous mettre à jour mon adresse : 5 rue Lepic, 75018 Paris", ADDRESS, "5 rue Lepic, 75018 Paris"),
    ("fr", "Mon nouveau numéro de téléphone est le 06 12 34 56 78.", PHONE, "06 12 34 56 78"),
    ("fr", "J'ai changé de numéro : 06 98 76 54 32", PHONE, "06 98 76 54 32"),
    ("fr", "Merci de modifier mon adresse e-mail en jean.nouveau@example.fr", EMAIL, "jean.nouveau@example.fr"),
    ("fr", "Mon nom est mal orthographié, il devrait être Jean-Luc Dupont.", NAME, "Jean-Luc Dupont"),
    # Italian
    ("it", "Il mio nuovo indirizzo è Via Roma 5, 00184 Roma.", ADDRESS, "Via Roma 5, 00184 Roma"),
    ("it", "Mi sono trasferita in Corso Buenos Aires 20, 20124 Milano.", ADDRESS, "Corso Buenos Aires 20, 20124 Milano"),
    ("it", "Salve, il mio indirizzo è cambiato: il nuovo indirizzo è Via Roma 12, 20121 Milano. Grazie", ADDRESS, "Via Roma 12, 20121 Milano"),
    ("it", "Il mio nuovo numero di cellulare è 333 123 4567.", PHONE, "333 123 4567"),
    ("it", "Il mio numero di cellulare è cambiato: ora è 333 1234567. Potete aggiornarlo?", PHONE, "333 1234567"),
    ("it", "Ho cambiato numero, il nuovo è 347 765 4321", PHONE, "347 765 4321"),
    ("it", "Vi prego di aggiornare il mio indirizzo email con maria.nuova@example.it", EMAIL, "maria.nuova@example.it"),
    ("it", "Vorrei cambiare il mio nome in Maria Grazia Rossi.", NAME, "Maria Grazia Rossi"),
    # Dutch
    ("nl", "Mijn nieuwe adres is Kerkstraat 12, 1017 GC Amsterdam.", ADDRESS, "Kerkstraat 12, 1017 GC Amsterdam"),
    ("nl", "Ik ben verhuisd naar Dorpsstraat 7, 3512 JE Utrecht.", ADDRESS, "Dorpsstraat 7, 3512 JE Utrecht"),
    ("nl", "Mijn nieuwe telefoonnummer is 06-12345678.", PHONE, "06-12345678"),
    ("nl", "Mijn telefoonnummer is gewijzigd naar 06 12345678", PHONE, "06 12345678"),
    ("nl", "Graag mijn e-mailadres wijzigen naar jan.nieuw@example.nl", EMAIL, "jan.nieuw@example.nl"),
    ("nl", "Ik heb een nieuw e-mailadres: jan@example.nl", EMAIL, "jan@example.nl"),
    ("nl", "Wilt u mijn naam wijzigen naar Jan de Vries?", NAME, "Jan de Vries"),
    # Portuguese
    ("pt", "A minha nova morada é Rua Augusta 100, 1100-053 Lisboa.", ADDRESS, "Rua Augusta 100, 1100-053 Lisboa"),
    ("pt", "Meu novo endereço é Rua das Flores 25, 01001-000 São Paulo.", ADDRESS, "Rua das Flores 25, 01001-000 São Paulo"),
    ("pt", "Mudei-me para a Rua do Ouro 20, 3º E, 1100-060 Lisboa.", ADDRESS, "Rua do Ouro 20, 3º E, 1100-060 Lisboa"),
    ("pt", "O meu novo número de telemóvel é 912 345 678.", PHONE, "912 345 678"),
    ("pt", "Mudei de número, o novo é 913 000 111.", PHONE, "913 000 111"),
    ("pt", "Por favor alterem o meu e-mail para ana.nova@example.pt", EMAIL, "ana.nova@example.pt"),
    ("pt", "Por favor alterem o meu nome para Ana Sofia Costa.", NAME, "Ana Sofia Costa"),
    ("pt", "Eu casei, o meu nome agora é Ana Sofia Costa Pereira.", NAME, "Ana Sofia Costa Pereira"),
]

# The text names the field and a change but no usable value: none, a part of a name, a value of
# the wrong shape.
LEFT_TO_STAFF = [
    ("en", "My address is wrong", ADDRESS),
    ("en", "There's a typo in my name", NAME),
    ("en", "My surname is misspelled, it should be Smyth not Smith", NAME),
    ("en", "My name is spelled wrong: it's Siobhán, not Siobhan.", NAME),
    ("en", "Change my name to Smyth please.", NAME),
    ("en", "Please update my phone number, I will send it later.", PHONE),
    ("en", "Please update my phone number to 12345.", PHONE),
    ("en", "Please change my email address to jane at example dot org.", EMAIL),
    ("en", "Please update my address to the one on my new account.", ADDRESS),
    ("en", "I moved to Berlin last month.", ADDRESS),
    ("de", "Meine Adresse stimmt nicht mehr.", ADDRESS),
    ("de", "Mein Nachname ist falsch geschrieben, richtig ist Schmidt.", NAME),
    ("de", "Mein neuer Nachname ist Schmidt.", NAME),
    ("de", "Ich möchte meine Telefonnummer ändern.", PHONE),
    ("es", "Mi dirección está mal.", ADDRESS),
    ("es", "Hay un error en mi nombre.", NAME),
    ("es", "Mi apellido está mal escrito, debería ser García.", NAME),
    ("fr", "Mon adresse est erronée.", ADDRESS),
    ("fr", "Il y a une faute dans mon nom.", NAME),
    ("fr", "Mon adresse e-mail a changé.", EMAIL),
    ("it", "Il mio indirizzo è sbagliato.", ADDRESS),
    ("it", "C'è un errore nel mio nome.", NAME),
    ("it", "Il mio cognome è scritto male, dovrebbe essere Rossi.", NAME),
    ("nl", "Mijn adres klopt niet.", ADDRESS),
    ("nl", "Mijn achternaam is verkeerd gespeld, het moet zijn: De Vries", NAME),
    ("nl", "Ik wil mijn telefoonnummer wijzigen.", PHONE),
    ("pt", "A minha morada está errada.", ADDRESS),
    ("pt", "Há um erro no meu nome.", NAME),
    ("pt", "O meu número mudou.", PHONE),
]
# fmt: on

# Mentions of a field with no request to change it.
UNRELATED = [
    "Please send the invoice to my address",
    "Please call me on 555-0100 if needed",
    "Unsubscribe me please.\n\nJane Doe\njane.doe@example.org\n+44 7700 900000",
    "My name is John Smith and I want to unsubscribe.",
    "The number of emails changed recently, stop it.",
    "I don't want to change my address, just stop the emails.",
    "Please don't update my phone number.",
    "My address hasn't changed.",
    "Mein Name ist Anna Schmidt, bitte löschen Sie meine Daten.",
    "Mi dirección no ha cambiado, solo quiero darme de baja.",
    "Je ne veux pas changer mon adresse.",
    "Il mio indirizzo non è cambiato.",
    "Mijn adres is niet gewijzigd.",
    "Não quero alterar o meu número.",
]


def proposed(subject: str, text: str) -> dict[str, str | None]:
    return {change.field: change.new_value for change in propose_changes(subject, text)}


def assert_quotes_verbatim(subject: str, text: str) -> None:
    for change in propose_changes(subject, text):
        assert change.quote
        assert change.quote in text or change.quote in subject


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        pytest.param(text, field, value, id=f"{language}-{field}-{index}")
        for index, (language, text, field, value) in enumerate(STATED)
    ],
)
def test_a_stated_value_is_proposed(text: str, field: str, value: str) -> None:
    # standards E30: the diff is what staff verify and apply, so it holds the value as written
    # and the words that ask for it.
    assert proposed("", text) == {field: value}
    assert_quotes_verbatim("", text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(text, field, id=f"{language}-{field}-{index}")
        for index, (language, text, field) in enumerate(LEFT_TO_STAFF)
    ],
)
def test_a_field_without_a_usable_value_is_left_to_staff(text: str, field: str) -> None:
    assert proposed("", text) == {field: None}
    assert_quotes_verbatim("", text)


@pytest.mark.parametrize("text", UNRELATED)
def test_a_mention_without_a_change_cue_proposes_nothing(text: str) -> None:
    assert propose_changes("", text) == []


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        (
            "Hello,\nMy surname is misspelled, it should be Smyth not Smith. Regards",
            "My surname is misspelled, it should be Smyth not Smith",
        ),
        (
            "Guten Tag,\n\nmein Nachname ist falsch geschrieben: Schmitt statt Schmidt. Danke",
            "mein Nachname ist falsch geschrieben: Schmitt statt Schmidt",
        ),
    ],
)
def test_a_name_part_is_quoted_with_the_correction_for_staff(text: str, quote: str) -> None:
    assert propose_changes("", text) == [ProposedChange(NAME, None, quote)]


def test_an_address_on_lines_of_its_own_is_joined() -> None:
    text = "New address:\n4 High Street\nBath\nBA1 1AA\n\nThanks, Jane"
    assert propose_changes("", text) == [
        ProposedChange(
            ADDRESS, "4 High Street, Bath, BA1 1AA", "New address:\n4 High Street\nBath\nBA1 1AA"
        )
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "Meine neue Adresse:\nHauptstraße 5\n10115 Berlin\nVielen Dank",
            "Hauptstraße 5, 10115 Berlin",
        ),
        (
            "Nouvelle adresse :\n5 rue Lepic\n75018 Paris\n\nCordialement",
            "5 rue Lepic, 75018 Paris",
        ),
        (
            "Nuevo domicilio:\nCalle Mayor 10\n28013 Madrid\n\nUn saludo",
            "Calle Mayor 10, 28013 Madrid",
        ),
        (
            "Hi,\n\nI've moved house. My new address is\n\n4 High Street\nBath\nBA1 1AA\n\nJane",
            "4 High Street, Bath, BA1 1AA",
        ),
        (  # four lines at most
            "New address:\nFlat 2\n4 High Street\nBath\nBA1 1AA\nUnited Kingdom",
            "Flat 2, 4 High Street, Bath, BA1 1AA",
        ),
        (  # a line that is not an address ends it
            "My new address is:\n4 High Street\nBath BA1 1AA\nCould you also confirm my subscription?",
            "4 High Street, Bath BA1 1AA",
        ),
        (  # a sentence goes on after a comma at the end of a line
            "Please update my address to 4 High Street,\nBath BA1 1AA.",
            "4 High Street, Bath BA1 1AA",
        ),
        (  # and after a hard-wrapped line
            "Hello, I am writing to let you know that I have moved, please update my address to 4 High\n"
            "Street, Bath BA1 1AA. Thank you",
            "4 High Street, Bath BA1 1AA",
        ),
    ],
)
def test_an_address_may_span_lines(text: str, value: str) -> None:
    assert proposed("", text) == {ADDRESS: value}
    assert_quotes_verbatim("", text)


def test_a_sentence_in_prose_ends_at_its_line() -> None:
    text = "Please update my address to 4 High Street\nI hope this is the right place to ask."
    assert proposed("", text) == {ADDRESS: "4 High Street"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I moved to 4 High Street, Bath BA1 1AA and my new number is 07700 900123",
            {ADDRESS: "4 High Street, Bath BA1 1AA", PHONE: "07700 900123"},
        ),
        (
            "New address: 4 High Street, Bath BA1 1AA\nNew phone: 07700 900123\n"
            "New email: jane.new@example.org",
            {
                ADDRESS: "4 High Street, Bath BA1 1AA",
                PHONE: "07700 900123",
                EMAIL: "jane.new@example.org",
            },
        ),
        (
            "Please update my email to jane.new@example.org and my phone to 07700 900123.",
            {EMAIL: "jane.new@example.org", PHONE: "07700 900123"},
        ),
        (
            "Ich bin umgezogen. Meine neue Adresse lautet Hauptstraße 5, 10115 Berlin, und meine "
            "neue Handynummer ist 0171 2345678.",
            {ADDRESS: "Hauptstraße 5, 10115 Berlin", PHONE: "0171 2345678"},
        ),
        (
            "Mi nueva dirección es Calle Mayor 10, 28013 Madrid y mi nuevo teléfono es 612 345 678.",
            {ADDRESS: "Calle Mayor 10, 28013 Madrid", PHONE: "612 345 678"},
        ),
        (
            "Mudei-me para a Rua do Ouro 20, 1100-060 Lisboa e o meu novo telemóvel é 913 000 111.",
            {ADDRESS: "Rua do Ouro 20, 1100-060 Lisboa", PHONE: "913 000 111"},
        ),
        (
            "My surname is misspelled and my address is wrong.",
            {NAME: None, ADDRESS: None},
        ),
        (
            "My address hasn't changed but my phone number is now 0171 2345678.",
            {PHONE: "0171 2345678"},
        ),
        (
            "Please update my postal address to 4 High Street, Bath BA1 1AA. You can call me on "
            "07700 900123 if needed.\n\nJane Doe\njane.doe@example.org",
            {ADDRESS: "4 High Street, Bath BA1 1AA"},
        ),
    ],
)
def test_several_fields_in_one_message(text: str, expected: dict[str, str | None]) -> None:
    assert proposed("", text) == expected
    assert_quotes_verbatim("", text)


def test_changes_come_in_field_order_at_most_one_each() -> None:
    text = (
        "My new email is jane.new@example.org. I moved to 4 High Street, Bath BA1 1AA. "
        "My new number is 07700 900123. My new email is jane.other@example.org."
    )
    changes = propose_changes("", text)
    assert [change.field for change in changes] == [ADDRESS, PHONE, EMAIL]
    assert changes[2].new_value == "jane.new@example.org"


def test_the_signature_address_is_not_the_new_one() -> None:
    text = "Please change my email address.\n\nJane Doe\nEmail: jane.doe@example.org"
    assert propose_changes("", text) == [ProposedChange(EMAIL, None, "change my email address")]


def test_a_subject_cue_lets_the_text_state_the_value() -> None:
    text = "My address is 4 High Street, Bath BA1 1AA."
    assert propose_changes("Change of address", text) == [
        ProposedChange(
            ADDRESS, "4 High Street, Bath BA1 1AA", "My address is 4 High Street, Bath BA1 1AA"
        )
    ]


def test_the_subject_alone_may_name_the_field_or_give_the_value() -> None:
    assert propose_changes("Adressänderung", "Hallo, siehe Betreff.") == [
        ProposedChange(ADDRESS, None, "Adressänderung")
    ]
    assert propose_changes("New phone: 07700 900123", "") == [
        ProposedChange(PHONE, "07700 900123", "New phone: 07700 900123")
    ]


def test_the_text_wins_over_the_subject() -> None:
    text = "My new number is 07700 900123."
    assert proposed("New phone: 07700 900000", text) == {PHONE: "07700 900123"}


def test_values_keep_accents_and_quotes_keep_the_original_spelling() -> None:
    text = "Meine neue Adresse lautet: Königsallee 1, 40212 Düsseldorf"
    assert propose_changes("", text) == [
        ProposedChange(ADDRESS, "Königsallee 1, 40212 Düsseldorf", text)
    ]


def test_typographic_apostrophes_and_decomposed_accents_are_matched() -> None:
    text = (
        "There\u2019s a typo in my name. "
        "J\u2019habite maintenant au 8 rue de l\u2019E\u0301glise, 69002 Lyon."
    )
    assert proposed("", text) == {NAME: None, ADDRESS: "8 rue de l\u2019E\u0301glise, 69002 Lyon"}
    assert_quotes_verbatim("", text)


def test_empty_input_proposes_nothing() -> None:
    assert propose_changes("", "") == []


def test_a_proposed_change_is_immutable() -> None:
    change = ProposedChange(PHONE, "07700 900123", "my new number is 07700 900123")
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.new_value = "0"  # type: ignore[misc]
