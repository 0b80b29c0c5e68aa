"""The request classifier (mail.classify) on single texts, and on the labelled corpus of raw
messages in tests/corpus through the whole analysis (parsing, machine detection, classification)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import mail.classify
from mail.analysis import Analysis, analyse
from mail.classify import EU_LANGUAGES, classify
from mail.phrases import phrases
from prefcenter.models import RequestKind

CORRECTION = RequestKind.CORRECTION
DISCONTINUE = RequestKind.DISCONTINUE
ACCESS = RequestKind.ACCESS
DELETION = RequestKind.DELETION
OPT_OUT_SALE = RequestKind.OPT_OUT_SALE
OTHER = RequestKind.OTHER

CORPUS = Path(__file__).parent / "corpus"
# The languages the issue names; the other 17 official languages are covered more thinly.
REQUIRED = ("en", "es", "de", "fr", "it", "nl", "pt")

# (language, kind, text): formal and informal, imperative and polite, with and without accents.
PHRASINGS = [
    # English
    ("en", DISCONTINUE, "Please unsubscribe me from your newsletter."),
    ("en", DISCONTINUE, "stop emailing me!!!"),
    ("en", DISCONTINUE, "Take me off your mailing list, thanks."),
    ("en", DISCONTINUE, "I no longer wish to receive marketing emails from you."),
    ("en", DISCONTINUE, "I object to the processing of my data for direct marketing."),
    ("en", DISCONTINUE, "Could you kindly remove my email address from your distribution list?"),
    ("en", DISCONTINUE, "no more newsletters please"),
    ("en", DISCONTINUE, "I tried to unsubscribe three times and I still get your emails."),
    ("en", ACCESS, "What personal data do you hold about me?"),
    ("en", ACCESS, "I would like a copy of all my personal data under the GDPR."),
    ("en", ACCESS, "This is a subject access request."),
    ("en", ACCESS, "Under the CCPA I exercise my right to know what information you collected."),
    ("en", ACCESS, "Please tell me which data you store about me."),
    ("en", DELETION, "Please delete my account."),
    ("en", DELETION, "Erase all my personal data from your systems."),
    ("en", DELETION, "I am exercising my right to be forgotten."),
    ("en", DELETION, "wipe my info, i don't want you to have it"),
    ("en", DELETION, "Kindly remove me from your database entirely."),
    ("en", CORRECTION, "Please update my postal address to 4 High Street, Bath."),
    ("en", CORRECTION, "My surname is misspelled in your records."),
    ("en", CORRECTION, "my phone number has changed, the new one is 07700 900123"),
    ("en", CORRECTION, "There is a typo in my name: it's Anne, not Ann."),
    ("en", CORRECTION, "I'd like to correct my date of birth on my account."),
    ("en", OPT_OUT_SALE, "Do not sell my personal information."),
    ("en", OPT_OUT_SALE, "I want to opt out of the sale of my data."),
    ("en", OPT_OUT_SALE, "Please stop sharing my data with advertisers."),
    ("en", OPT_OUT_SALE, "Don't sell or share my info to third parties"),
    # Spanish
    ("es", DISCONTINUE, "Por favor, denme de baja de su lista de correo."),
    ("es", DISCONTINUE, "Quiero darme de baja del boletín."),
    ("es", DISCONTINUE, "No deseo recibir más correos publicitarios."),
    ("es", DISCONTINUE, "dejen de enviarme mails!!"),
    ("es", DISCONTINUE, "Eliminadme de vuestra lista, gracias"),
    ("es", DISCONTINUE, "no me envien mas publicidad"),
    ("es", DISCONTINUE, "Me opongo al tratamiento de mis datos con fines de marketing."),
    ("es", ACCESS, "¿Qué datos personales tienen sobre mí?"),
    ("es", ACCESS, "Solicito una copia de mis datos personales."),
    ("es", ACCESS, "Ejerzo mi derecho de acceso."),
    ("es", ACCESS, "quiero saber que datos tienen de mi"),
    ("es", DELETION, "Borren todos mis datos, por favor."),
    ("es", DELETION, "Quiero eliminar mi cuenta."),
    ("es", DELETION, "Ejerzo el derecho de supresión de mis datos."),
    ("es", DELETION, "Solicito la supresion de mis datos personales de su base de datos"),
    ("es", DELETION, "Tengo derecho al olvido."),
    ("es", CORRECTION, "Por favor, actualicen mi dirección postal."),
    ("es", CORRECTION, "Mi nombre está mal escrito."),
    ("es", CORRECTION, "Quisiera cambiar mi número de teléfono."),
    ("es", CORRECTION, "Corrijan mi apellido, es Gómez con tilde."),
    ("es", OPT_OUT_SALE, "No vendan mis datos personales."),
    ("es", OPT_OUT_SALE, "No quiero que compartan mis datos con terceros."),
    ("es", OPT_OUT_SALE, "Me opongo a la cesión de mis datos a terceros."),
    # German
    ("de", DISCONTINUE, "Bitte melden Sie mich vom Newsletter ab."),
    ("de", DISCONTINUE, "Ich möchte keine E-Mails mehr von Ihnen erhalten."),
    ("de", DISCONTINUE, "Bitte nehmen Sie mich aus Ihrem Verteiler."),
    ("de", DISCONTINUE, "newsletter abbestellen"),
    ("de", DISCONTINUE, "Ich widerspreche der Nutzung meiner Daten für Werbung."),
    ("de", DISCONTINUE, "Bitte keine Werbemails mehr!"),
    ("de", DISCONTINUE, "Ich moechte den Newsletter nicht mehr erhalten."),
    ("de", DISCONTINUE, "Tragt mich bitte aus eurer Liste aus."),
    ("de", ACCESS, "Welche personenbezogenen Daten haben Sie über mich gespeichert?"),
    ("de", ACCESS, "Ich bitte um eine Kopie meiner Daten."),
    ("de", ACCESS, "Hiermit stelle ich ein Auskunftsersuchen nach Art. 15 DSGVO."),
    ("de", ACCESS, "Bitte erteilen Sie mir Auskunft über meine gespeicherten Daten."),
    ("de", DELETION, "Bitte löschen Sie alle meine Daten."),
    ("de", DELETION, "Bitte mein Kundenkonto löschen."),
    ("de", DELETION, "Ich mache mein Recht auf Löschung geltend."),
    ("de", DELETION, "loeschen Sie bitte meine Daten"),
    ("de", CORRECTION, "Bitte ändern Sie meine Adresse."),
    ("de", CORRECTION, "Mein Name ist falsch geschrieben."),
    ("de", CORRECTION, "Meine neue Telefonnummer lautet 0170 1234567."),
    ("de", CORRECTION, "Bitte aktualisieren Sie meine E-Mail-Adresse."),
    ("de", CORRECTION, "Bitte meine Anschrift korrigieren."),
    ("de", OPT_OUT_SALE, "Bitte geben Sie meine Daten nicht an Dritte weiter."),
    ("de", OPT_OUT_SALE, "Ich widerspreche dem Verkauf meiner Daten."),
    ("de", OPT_OUT_SALE, "Meine Daten dürfen nicht verkauft werden."),
    # French
    ("fr", DISCONTINUE, "Merci de me désinscrire de votre newsletter."),
    ("fr", DISCONTINUE, "Je ne souhaite plus recevoir vos e-mails."),
    ("fr", DISCONTINUE, "Désabonnez-moi svp"),
    ("fr", DISCONTINUE, "Arrêtez de m'envoyer des mails !"),
    ("fr", DISCONTINUE, "Veuillez me retirer de votre liste de diffusion."),
    ("fr", DISCONTINUE, "je veux me desabonner"),
    ("fr", DISCONTINUE, "Je m'oppose à la prospection commerciale."),
    ("fr", ACCESS, "Quelles données personnelles détenez-vous sur moi ?"),
    ("fr", ACCESS, "Je souhaite exercer mon droit d'accès."),
    ("fr", ACCESS, "Merci de m'envoyer une copie de mes données."),
    ("fr", ACCESS, "je voudrais acceder a mes donnees"),
    ("fr", DELETION, "Merci de supprimer mon compte."),
    ("fr", DELETION, "Je demande l'effacement de toutes mes données."),
    ("fr", DELETION, "Droit à l'oubli : effacez mes données."),
    ("fr", DELETION, "supprimez mes donnees personnelles svp"),
    ("fr", CORRECTION, "Merci de modifier mon adresse postale."),
    ("fr", CORRECTION, "Mon nom est mal orthographié."),
    ("fr", CORRECTION, "Pouvez-vous mettre à jour mon numéro de téléphone ?"),
    ("fr", CORRECTION, "Je souhaite rectifier mes coordonnées."),
    ("fr", OPT_OUT_SALE, "Ne vendez pas mes données personnelles."),
    ("fr", OPT_OUT_SALE, "Je m'oppose à la cession de mes données à des tiers."),
    ("fr", OPT_OUT_SALE, "Merci de ne pas partager mes informations avec vos partenaires."),
    # Italian
    ("it", DISCONTINUE, "Vorrei disiscrivermi dalla newsletter."),
    ("it", DISCONTINUE, "Non voglio più ricevere le vostre email."),
    ("it", DISCONTINUE, "Cancellatemi dalla mailing list."),
    ("it", DISCONTINUE, "smettetela di mandarmi email"),
    ("it", DISCONTINUE, "Per favore rimuovetemi dalla vostra lista."),
    ("it", DISCONTINUE, "Mi oppongo all'invio di comunicazioni commerciali."),
    ("it", ACCESS, "Quali dati personali avete su di me?"),
    ("it", ACCESS, "Esercito il diritto di accesso ai miei dati."),
    ("it", ACCESS, "Vorrei una copia dei miei dati."),
    ("it", DELETION, "Cancellate tutti i miei dati."),
    ("it", DELETION, "Vorrei eliminare il mio account."),
    ("it", DELETION, "Esercito il diritto all'oblio."),
    ("it", DELETION, "Rimuovete i miei dati dal vostro database."),
    ("it", CORRECTION, "Potete aggiornare il mio indirizzo?"),
    ("it", CORRECTION, "Il mio cognome è sbagliato."),
    ("it", CORRECTION, "Vorrei modificare il mio numero di telefono."),
    ("it", CORRECTION, "Chiedo la rettifica dei miei dati."),
    ("it", OPT_OUT_SALE, "Non vendete i miei dati."),
    ("it", OPT_OUT_SALE, "Mi oppongo alla cessione dei miei dati a terzi."),
    ("it", OPT_OUT_SALE, "Non condividete i miei dati con terzi."),
    # Dutch
    ("nl", DISCONTINUE, "Graag wil ik mij afmelden voor de nieuwsbrief."),
    ("nl", DISCONTINUE, "Schrijf mij uit a.u.b."),
    ("nl", DISCONTINUE, "Ik wil geen e-mails meer ontvangen."),
    ("nl", DISCONTINUE, "Verwijder mij van jullie mailinglijst."),
    ("nl", DISCONTINUE, "stop met mailen!"),
    ("nl", DISCONTINUE, "Ik wil uw nieuwsbrief niet langer ontvangen."),
    ("nl", ACCESS, "Ik wil graag inzage in mijn persoonsgegevens."),
    ("nl", ACCESS, "Welke persoonsgegevens heeft u van mij?"),
    ("nl", ACCESS, "Graag een kopie van mijn gegevens."),
    ("nl", DELETION, "Verwijder al mijn gegevens."),
    ("nl", DELETION, "Ik wil mijn account laten verwijderen."),
    ("nl", DELETION, "Ik beroep me op mijn recht op vergetelheid."),
    ("nl", CORRECTION, "Kunt u mijn adres wijzigen?"),
    ("nl", CORRECTION, "Mijn naam is verkeerd gespeld."),
    ("nl", CORRECTION, "Mijn nieuwe telefoonnummer is 06 12345678."),
    ("nl", CORRECTION, "Graag mijn e-mailadres aanpassen."),
    ("nl", OPT_OUT_SALE, "Verkoop mijn gegevens niet."),
    ("nl", OPT_OUT_SALE, "Ik maak bezwaar tegen het doorverkopen van mijn gegevens."),
    ("nl", OPT_OUT_SALE, "Mijn gegevens mogen niet gedeeld worden met derden."),
    # Portuguese
    ("pt", DISCONTINUE, "Por favor, removam-me da vossa lista de emails."),
    ("pt", DISCONTINUE, "Não quero mais receber mensagens."),
    ("pt", DISCONTINUE, "Quero me descadastrar."),
    ("pt", DISCONTINUE, "parem de me enviar emails"),
    ("pt", DISCONTINUE, "Gostaria de cancelar a subscrição da newsletter."),
    ("pt", DISCONTINUE, "nao quero receber mais emails"),
    ("pt", ACCESS, "Quais dados pessoais vocês têm sobre mim?"),
    ("pt", ACCESS, "Solicito uma cópia dos meus dados."),
    ("pt", ACCESS, "Exerço o meu direito de acesso."),
    ("pt", DELETION, "Apaguem todos os meus dados."),
    ("pt", DELETION, "Quero excluir minha conta."),
    ("pt", DELETION, "Exerço o direito ao esquecimento."),
    ("pt", DELETION, "Eliminem os meus dados pessoais da vossa base de dados."),
    ("pt", CORRECTION, "Por favor, atualizem a minha morada."),
    ("pt", CORRECTION, "O meu nome está errado."),
    ("pt", CORRECTION, "Quero alterar o meu número de telefone."),
    ("pt", CORRECTION, "Meu endereço mudou, podem corrigir meu endereço?"),
    ("pt", OPT_OUT_SALE, "Não vendam os meus dados."),
    ("pt", OPT_OUT_SALE, "Não partilhem os meus dados com terceiros."),
    ("pt", OPT_OUT_SALE, "Oponho-me à venda dos meus dados."),
]

# One request in each of the other official languages of the EU.
OTHER_EU_LANGUAGES = [
    ("bg", DELETION, "Моля, изтрийте личните ми данни."),
    ("cs", DISCONTINUE, "Dobrý den, prosím odhlaste mě z odběru newsletteru."),
    ("da", ACCESS, "Jeg vil gerne have indsigt i de oplysninger, I har om mig."),
    ("el", DISCONTINUE, "Δεν επιθυμώ πλέον να λαμβάνω τα email σας."),  # noqa: RUF001 - Greek
    ("et", DELETION, "Palun kustutage kõik minu isikuandmed."),
    ("fi", DISCONTINUE, "Poistakaa minut postituslistalta."),
    ("ga", DISCONTINUE, "Ba mhaith liom díliostáil ón nuachtlitir."),
    ("hr", CORRECTION, "Molim vas da ispravite moje prezime."),
    ("hu", DISCONTINUE, "Szeretnék leiratkozni a hírlevélről."),
    ("lt", DELETION, "Prašau ištrinti mano asmens duomenis."),
    ("lv", DISCONTINUE, "Lūdzu, atrakstiet mani no jaunumu saņemšanas."),
    ("mt", DISCONTINUE, "Jekk jogħġbok neħħuni mil-lista tal-emails tagħkom."),
    ("pl", OPT_OUT_SALE, "Proszę nie sprzedawać moich danych osobowych."),
    ("ro", ACCESS, "Ce date personale dețineți despre mine?"),
    ("sk", ACCESS, "Žiadam o prístup k mojim osobným údajom."),
    ("sl", DELETION, "Prosim, izbrišite moje podatke."),
    ("sv", CORRECTION, "Jag har flyttat, vänligen uppdatera min adress."),
]

# Messages that ask for nothing we track, some with tempting words in a harmless sense.
HARMLESS = [
    "Could you send me your list of prices for bulk orders?",
    "My parcel was delivered to the wrong address and I want a refund.",
    "Please remove the blue scarf from my order, I only want the gloves.",
    "What information do you have about the new spring collection?",
    "Thank you for the quick delivery!",
    "Do you have this jacket in size M? I'd like to update my wardrobe.",
    "¿Tienen una lista de precios para tiendas? El producto es de baja calidad.",
    "Können Sie mir Auskunft geben, wann meine Bestellung kommt?",
    "Ich habe keine E-Mail mit der Rechnung bekommen.",
    "Pouvez-vous m'envoyer votre liste de prix ? Je voudrais modifier ma commande.",
    "Vorrei cancellare l'ordine 4411, il pacco è arrivato rotto.",
    "Ik heb nog geen mail ontvangen met de trackingcode. Wanneer komt mijn pakket?",
    "Gostaria de cancelar a minha encomenda e receber o reembolso.",
]


@pytest.mark.parametrize(("language", "kind", "text"), PHRASINGS)
def test_each_kind_in_each_required_language(language: str, kind: RequestKind, text: str) -> None:
    result = classify("", text)
    assert (result.kind, result.kinds) == (kind, (kind,)), result.reasons


def test_phrasings_cover_every_kind_in_the_seven_required_languages() -> None:
    covered = Counter((language, kind) for language, kind, _ in PHRASINGS)
    kinds = set(RequestKind) - {OTHER}
    assert all(covered[language, kind] >= 3 for language in REQUIRED for kind in kinds)


@pytest.mark.parametrize(("language", "kind", "text"), OTHER_EU_LANGUAGES)
def test_the_other_eu_languages_are_understood(language: str, kind: RequestKind, text: str) -> None:
    result = classify("", text)
    assert result.kind == kind, result.reasons
    assert f"({language}, body)" in result.reasons[0]


def test_every_eu_official_language_has_phrases_for_every_kind() -> None:
    covered = {(phrase.language, phrase.kind) for phrase in phrases()}
    kinds = set(RequestKind) - {OTHER}
    assert {(code, kind) for code in EU_LANGUAGES for kind in kinds} <= covered
    assert {language for language, _, _ in OTHER_EU_LANGUAGES} | set(REQUIRED) == set(EU_LANGUAGES)


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_messages_are_other(text: str) -> None:
    result = classify("Question", text)
    assert (result.kind, result.kinds) == (OTHER, (OTHER,)), result.reasons


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Delete my data and stop emailing me.", (DELETION, DISCONTINUE)),
        ("Löschen Sie mein Konto und melden Sie mich vom Newsletter ab.", (DELETION, DISCONTINUE)),
        (
            "Send me a copy of my data. And update my address to 5 Oak Lane.",
            (ACCESS, CORRECTION),
        ),
        ("Toglietemi dalla newsletter e non vendete i miei dati.", (OPT_OUT_SALE, DISCONTINUE)),
    ],
)
def test_several_kinds_are_all_recorded_the_more_demanding_first(
    text: str, kinds: tuple[RequestKind, ...]
) -> None:
    result = classify("", text)
    assert result.kinds == kinds
    assert result.kind == kinds[0]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I don't want to unsubscribe, I just want to change my address.", CORRECTION),
        ("No quiero darme de baja, solo cambiar mi dirección.", CORRECTION),
        ("Ich möchte mich nicht abmelden, bitte ändern Sie nur meine Adresse.", CORRECTION),
        ("Je ne veux pas me désabonner, je veux juste mettre à jour mon e-mail.", CORRECTION),
        ("Non voglio disiscrivermi, vorrei solo aggiornare il mio indirizzo.", CORRECTION),
        ("Ik wil me niet afmelden, maar mijn adres wijzigen.", CORRECTION),
        ("Não quero cancelar a subscrição, só alterar o meu email.", CORRECTION),
        ("Please don't delete my account, just unsubscribe me from the newsletter.", DISCONTINUE),
    ],
)
def test_a_negated_phrase_does_not_count(text: str, kind: RequestKind) -> None:
    result = classify("", text)
    assert result.kinds == (kind,), result.reasons
    assert any(reason.startswith("negated: ") for reason in result.reasons)


def test_reasons_quote_the_matched_phrase_its_language_and_where() -> None:
    result = classify("Unsubscribe", "Bitte löschen Sie meine Daten.")
    assert result.kinds == (DELETION, DISCONTINUE)
    assert result.reasons == (
        'deletion: "löschen Sie meine Daten" (de, body)',
        'discontinue: "Unsubscribe" (en, subject)',
    )


def test_matching_ignores_case_accents_hyphens_and_line_breaks() -> None:
    written = classify("", "Merci de me désinscrire : je ne souhaite plus recevoir vos e-mails.")
    # No accents, capitals, a line break and a non-breaking hyphen (U+2011) in "e-mails".
    typed = classify(
        "", "MERCI DE ME DESINSCRIRE : JE NE SOUHAITE\n  PLUS RECEVOIR VOS E\u2011MAILS."
    )
    assert written.kinds == typed.kinds == (DISCONTINUE,)
    assert written.confidence == typed.confidence
    assert len(written.reasons) == len(typed.reasons) == 2


def test_a_sales_question_is_other_with_a_reason() -> None:
    result = classify("Prices", "Hi, could you send me your list of prices for 200 units?")
    assert result.kind is OTHER
    assert result.kinds == (OTHER,)
    assert result.reasons == ("no request phrase matched",)
    assert 0 < result.confidence <= 1


def test_an_explicit_request_scores_higher_than_a_vague_one() -> None:
    explicit = classify("Account deletion", "Please delete my account and all my personal data.")
    vague = classify("", "forget me")
    assert explicit.kind is vague.kind is DELETION
    assert explicit.confidence > vague.confidence


def test_a_lone_hint_is_not_a_request_but_lowers_the_confidence_in_other() -> None:
    hint = classify("", "Why do I get so many emails from you?")
    nothing = classify("", "Why do I get so many parcels from you?")
    assert hint.kind is nothing.kind is OTHER
    assert hint.reasons[0].startswith("too weak alone: discontinue")
    assert hint.confidence < nothing.confidence


def test_a_reply_subject_counts_less_than_the_senders_own() -> None:
    own = classify("Unsubscribe me", "")
    reply = classify("Re: Unsubscribe me", "")
    assert own.kind is reply.kind is DISCONTINUE
    assert reply.confidence < own.confidence


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Guten Tag, bitte löschen Sie alle meine Daten aus Ihrer Kundendatenbank.", "de"),
        ("Bonjour, merci de supprimer toutes mes données de votre fichier client.", "fr"),
        ("Buongiorno, vi chiedo di cancellare tutti i miei dati dal vostro archivio.", "it"),
        ("Hallo, wilt u al mijn gegevens uit uw klantenbestand verwijderen?", "nl"),
        ("Dzień dobry, proszę o usunięcie moich danych osobowych z Państwa bazy.", "pl"),
        ("Καλησπέρα σας, παρακαλώ διαγράψτε τα προσωπικά μου δεδομένα.", "el"),
    ],
)
def test_the_language_is_identified(text: str, language: str) -> None:
    assert classify("", text).language == language


def test_empty_text_is_other_with_no_language_and_no_confidence() -> None:
    result = classify("", "")
    assert (result.kind, result.kinds, result.language) == (OTHER, (OTHER,), None)
    assert result.confidence == 0


def test_a_plain_unsubscribe_email_is_a_request() -> None:
    # standards D24: the mail a mail client sends to a List-Unsubscribe mailto: address.
    result = classify("unsubscribe", "")
    assert result.kind is DISCONTINUE
    assert result.language is None


def test_confidence_is_in_range_and_rounded() -> None:
    for _, _, text in PHRASINGS:
        confidence = classify("", text).confidence
        assert 0 <= confidence <= 1
        assert confidence == round(confidence, 2)


def test_the_anchor_shortcut_never_changes_a_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipping patterns whose leading letters are absent is only a speed-up: every phrasing and
    every corpus message is classified the same with and without it."""
    texts = [("", text) for _, _, text in PHRASINGS]
    for path in sorted(CORPUS.glob("*.eml")):
        analysis = analyse(path.read_bytes(), own_domains=())
        if analysis.parsed is not None:
            texts.append((analysis.parsed.subject, analysis.parsed.new_text))
    assert sum(bool(p.anchors) for p in phrases()) > len(phrases()) / 2
    shortcut = [classify(subject, text) for subject, text in texts]
    every_pattern = tuple(dataclasses.replace(p, anchors=()) for p in phrases())
    monkeypatch.setattr(mail.classify, "phrases", lambda: every_pattern)
    assert [classify(subject, text) for subject, text in texts] == shortcut


# ---------------------------------------------------------------- the corpus

LABELS: dict[str, dict[str, Any]] = json.loads((CORPUS / "labels.json").read_text("utf-8"))
HUMAN = {name: label for name, label in LABELS.items() if not label["machine"]}
MACHINE = {name: label for name, label in LABELS.items() if label["machine"]}


def test_the_corpus_meets_the_floor() -> None:
    files = {path.name for path in CORPUS.glob("*.eml")}
    assert files == set(LABELS)
    assert len(LABELS) >= 60
    languages = {label["language"] for label in HUMAN.values()} - {None}
    assert len(languages) >= 4
    assert {label["kind"] for label in HUMAN.values()} == {str(kind) for kind in RequestKind}
    assert len(MACHINE) >= 10
    assert min(Counter(label["kind"] for label in HUMAN.values()).values()) >= 5
    for label in HUMAN.values():
        assert label["kind"] == label["kinds"][0]


@pytest.fixture(scope="module")
def analyses() -> dict[str, Analysis]:
    return {
        name: analyse(
            (CORPUS / name).read_bytes(), envelope_sender=None, own_domains=("example.com",)
        )
        for name in LABELS
    }


def test_machine_messages_are_recognised(analyses: dict[str, Analysis]) -> None:
    # standards G41: Auto-Submitted other than "no" (out-of-office replies in several languages).
    # standards G42: null sender, MAILER-DAEMON, postmaster, owner-*, *-request, noreply.
    # standards G43: Precedence, List-*, X-Auto-Response-Suppress, X-Autoreply, own Message-ID.
    missed = [name for name in MACHINE if analyses[name].machine_reason is None]
    assert not missed
    assert all(analyses[name].classification is None for name in MACHINE)


def test_no_person_is_taken_for_a_machine(analyses: dict[str, Analysis]) -> None:
    # standards G41: "Auto-Submitted: no" is a person's message (en-auto-submitted-no.eml).
    flagged = {
        name: analyses[name].machine_reason
        for name in HUMAN
        if analyses[name].machine_reason is not None
    }
    assert not flagged


def test_every_human_message_is_parsed_and_classified(analyses: dict[str, Analysis]) -> None:
    unread = [name for name in HUMAN if analyses[name].unparsed]
    assert not unread


def test_kind_accuracy_on_the_corpus(analyses: dict[str, Analysis]) -> None:
    # standards D24: en-unsubscribe-subject-only.eml, a bare "unsubscribe", is a request.
    rows = []
    right = Counter()
    for name, label in sorted(HUMAN.items()):
        result = analyses[name].classification
        got = (result.kind, set(result.kinds), result.language) if result else (None, set(), None)
        checks = {
            "kind": got[0] == label["kind"],
            "kinds": got[1] == set(label["kinds"]),
            "language": label["language"] is None or got[2] == label["language"],
        }
        right.update(check for check, ok in checks.items() if ok)
        if not all(checks.values()):
            reasons = "; ".join(result.reasons) if result else "not classified"
            rows.append(f"{name:48} {label['kinds']} {label['language']} -> {got}: {reasons}")
    accuracy = {check: right[check] / len(HUMAN) for check in ("kind", "kinds", "language")}
    print("\n".join(["misclassified:", *rows, f"accuracy: {accuracy}"]))
    assert accuracy["kind"] >= 0.9
    assert accuracy["kinds"] >= 0.85
    assert accuracy["language"] >= 0.85
