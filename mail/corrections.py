"""The changes a correction request asks for, as a proposed diff for staff to check and apply.

`propose_changes` reads the new text of a message (quotes and signatures already removed) and its
subject, and says which contact fields the person wants changed (name, postal address, phone,
email), the new value where the text states it, and the words that say so. Nothing here changes a
contact: staff verify the person's identity with data other than the data being corrected, apply
the diff in the console and tell the person whether it was done (standards E30).

How a message is read, in English, German, Spanish, French, Italian, Dutch and Portuguese (the cue
phrases in `_LANGUAGES`; every language's are tried on any text, as people mix languages):

- A field counts only with a change cue: "update/change/correct my address", "my new number",
  "my name is wrong", "a typo in my name", "my number is now", "my email should be", "I moved",
  "change of address", "X instead of Y". A bare mention never does: "send the invoice to my
  address", "call me on 555-0100 if needed", the sender's own address in a signature line.
- A negation in the cue's language shortly before it in the same clause ("I don't want to change
  my address"), or inside it ("my address hasn't changed"), cancels it.
- The value is read after the cue: "... to X", "my new address is X", "New address: X", "new
  number 0171 ...", "I moved to X", "my surname is misspelled: X", "... and my phone to X", and
  "X instead of Y" for an email address or phone number, which may also come a few words later
  in the clause ("has changed: now it's X"). Once a field has a cue, "my address is X" counts
  too, and so does "it should be X" for the field cued just before it in the same paragraph.
- A value must have the field's shape, else it is left to staff (new_value None, the quote tells
  them why): an email address (only its domain is lower-cased); a phone number of 6 to 17 digits
  with spaces, dashes, dots, slashes or parentheses and an optional + or 00; a postal address
  with a digit (house number or postcode), or of capitalised or short words when it follows a
  colon or stands on lines of its own; a full name of two to six words, at least two of them
  capitalised. The stored name is a full name, so a value given for a surname or first name
  alone ("my surname should be Smyth") is left to staff.
- A value ends at the end of its sentence, at a closing ("Thanks", "please"), at the next cue, at
  "not Y" or "instead of Y", and without a trailing "and". A dot after an abbreviation ("St.",
  "Apt.", "Hauptstr.") or an initial does not end a sentence.
- An address after a colon or on lines of its own takes up to four lines that look like an
  address, joined with ", ", stopping at a blank line or a closing; in a sentence it runs onto
  the next line only when its line ends with a comma or is long enough to be a hard-wrapped one.
- The text is read before the subject; the first value found for a field wins.

Matching is done on folded text (NFKD, combining marks stripped, casefolded, whitespace runs as
one space) that keeps the index of every original character, so values and quotes are returned
exactly as written. Quotes are verbatim stretches of the text or subject, line breaks included.

Known limits (the quote lets staff catch them):

- A value has to follow a cue's own words, so verb-final sentences and values after other verbs
  leave it to staff: "meine Adresse bitte in Hauptstraße 5 ändern", "het moet Smyth zijn", "we've
  moved, please send post to X".
- After an abbreviation the next sentence runs on: "to 4 High St. I hope that's fine" reads
  "4 High St. I hope that's fine" (a closing word or the next cue still ends it).
- Accents are ignored when matching, so Italian and Portuguese "è"/"é" (is) are read like "e"
  (and): "il mio nuovo indirizzo e ..." reads what follows as the address.
- A name written all in lower case, or in a script without capitals, is left to staff; so is an
  address in prose without a digit ("I moved to Berlin"), and a value after "it's" ("my name is
  spelled wrong: it's Siobhán").
- A negation in another language than the cue's is not seen, and a polite negative question is
  read as a refusal ("¿No podrían cambiar mi dirección?").
- A value is not read from the subject's cue into the text: subject "Change of address" with
  only the address in the text yields the field without a value, unless the text says "my
  address is ...".
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass

FIELDS = ("name", "postal_address", "phone", "email")
# A person's new text is short; anything longer is pasted material.
MAX_CHARS = 20_000
# Contact forms ask for at most four address lines (street, locality, postcode and town, country).
MAX_ADDRESS_LINES = 4
# Mail clients that hard-wrap plain text do so at 72 to 78 characters.
WRAPPED_LINE = 60
# No contact field is longer; reading further for the end of a sentence only costs time.
MAX_VALUE_CHARS = 300
# "it should be X" belongs to a cue this close before it.
GENERIC_REACH = 300
# Negations further back than this many words rarely govern the cue.
NEGATION_REACH = 4

# What a matched phrase says: a change, with its value when one follows ("update my address to
# X"); a value that counts only once the field has a cue elsewhere ("my address is X"); a change
# with no value ("my address is wrong").
STRONG, WEAK, CUE = "strong", "weak", "cue"


@dataclass(frozen=True)
class ProposedChange:
    field: str  # one of FIELDS
    new_value: str | None  # None when the text names the field but not the new value
    quote: str  # the words of the message that say so, as written, for staff to check


@dataclass(frozen=True)
class _Language:
    """Cue phrases of one language: regular expressions written the way people type.

    They are folded like the text, so accents are optional and case does not matter; write
    escapes in lower case (\\w, \\d). "~ " stands for a gap of up to four words in one clause.
    """

    nouns: dict[str, str]  # per field, the words that name it
    name_parts: str  # nouns for part of a name: a value for them is not a full name
    field_cues: dict[str, str]  # per field, phrases that are a cue on their own
    my: str  # possessives and articles before a noun
    change: str  # verb stems
    to: str  # what introduces the new value after "change my address"
    from_: str  # what introduces the old value ("from X to Y")
    new: str  # adjectives: "new address", "correct name"
    is_: str  # copulas introducing a value
    now: str
    wrong: str  # what follows a noun to say it is wrong
    error: str  # what precedes a noun to say it is wrong
    should: str  # "my email should be", after a noun
    moved: str
    moved_to: str
    generic: str  # "it should be", for the field cued just before
    instead: str
    not_: str
    and_: str
    negation: str
    closing: str


_LANGUAGES = {
    "en": _Language(
        nouns={
            "name": r"(?:full |first |last |family |given |middle |maiden |sur)?name",
            "postal_address": r"(?<!mail )(?<!mail-)(?<!web )(?:postal |home |mailing |street |delivery |shipping |billing |post |residential )?address|post ?code|zip(?: code)?",
            "phone": r"(?:mobile |cell |home |work |contact )?(?:tele)?phone(?: number)?|mobile(?: phone)?(?: number)?|cell(?: ?phone)?(?: number)?|(?<!customer )(?<!account )(?<!order )(?<!house )(?<!reference )(?<!card )number(?! of)",
            "email": r"e-?mail(?: address)?|mail address",
        },
        name_parts=r"(?:first|last|family|given|middle|maiden) name|surname",
        field_cues={
            "name": r"change of name|name change|name correction|(?:i|we) (?:have |'ve )?(?:just |recently )?got married",
            "postal_address": r"change of address|address change|address update",
            "phone": r"change of (?:phone |mobile )?number|(?:phone |mobile )?number change",
            "email": r"change of e-?mail(?: address)?|e-?mail(?: address)? change",
        },
        my=r"my|our|the",
        change=r"updat|chang|correct(?=ed|ing| my| our| the| it| this)|fix|amend|rectif|edit|modif|adjust|replac|alter(?!nat)",
        to=r"to|with|into",
        from_=r"from",
        new=r"new|correct|right|updated|proper",
        is_=r"is|are|will be|reads|is as follows",
        now=r"now|from now on|as of today",
        wrong=r"(?:is|are|was|were|has been|have been|'s|appears|seems|looks|is spelled|is spelt|is written) ~ (?:wrong|incorrect|misspel\w*|spelt wrong|spelled wrong|spelled incorrectly|not correct|not right|outdated|out of date|inaccurate|invalid|no longer (?:valid|correct|current|in use))|isn't (?:correct|right|valid)|(?:has|have) (?:changed|been changed)|changed|misspel\w*",
        error=r"(?:typo|mistake|error|misspelling|spelling mistake|spelling error) (?:in|on|with) (?:my|the)",
        should=r"should (?:be|read|say|have been)|must be|needs to be|is actually|is really",
        moved=r"(?:i|we)(?:'ve| have)?(?: just| recently)? (?:moved|relocated)(?: house| home| flat)?|(?:i|we) (?:now live|live now)|(?:i'm|i am|we're|we are) now living",
        moved_to=r"to|into|at",
        generic=r"(?:it|this|that) should (?:be|read|say)|should (?:be|read)|(?:it|that)(?: is|'s) actually|the (?:correct|right|proper|new) (?:one|spelling|version) is|the correct spelling:",
        instead=r"instead of|rather than|in place of",
        not_=r"not|and not",
        and_=r"and|also|as well as|plus",
        negation=r"not|\w+n't|dont|doesnt|didnt|never",
        closing=r"thanks|thank you|many thanks|cheers|kind regards|regards|best wishes|sincerely|please|pls",
    ),
    "de": _Language(
        nouns={
            "name": r"(?:vor|nach|familien|zu|mädchen|geburts)?name[ns]?",
            "postal_address": r"(?<!mail-)(?<!mail )(?:post|wohn|liefer|rechnungs|privat|haus)?adresse|(?:post)?anschrift|wohnort|postleitzahl|plz",
            "phone": r"(?:telefon|handy|mobil|mobilfunk|ruf|festnetz)(?:nummer)?|telefonnr|nummer|tel",
            "email": r"e-?mail(?:-? ?adresse)?|mail-?adresse",
        },
        name_parts=r"(?:vor|nach|familien|zu|mädchen|geburts)name[ns]?",
        field_cues={
            "name": r"namens?änderung|(?:ich habe|wir haben|habe) geheiratet",
            "postal_address": r"adress(?:en)?änderung|anschriftsänderung|änderung (?:der|meiner) (?:adresse|anschrift)",
            "phone": r"(?:telefon|handy|ruf)?nummernänderung|änderung (?:der|meiner) (?:telefon|handy)nummer",
            "email": r"e-?mail-?(?:adress)?änderung|änderung (?:der|meiner) e-?mail-?adresse",
        },
        my=r"meine[nmrs]?|mein|unsere[nmrs]?|unser|die|den|der|das|dem",
        change=r"änder|geänder|aktualisier|korrigier|berichtig|anpass|angepass|ersetz|umstell|umgestell|verbesser|ausbesser|austausch|ausgetausch",
        to=r"auf|in|zu|wie folgt",
        from_=r"von",
        new=r"neue[nmrs]?|neu|richtige[nmrs]?|korrekte[nmrs]?|aktualisierte[nmrs]?",
        is_=r"ist|sind|lautet|lauten|wäre|heißt",
        now=r"jetzt|nun|ab sofort|neu|seit kurzem",
        wrong=r"(?:ist|sind|war|wurde|wird|steht|stehen) ~ (?:falsch|fehlerhaft|nicht korrekt|nicht richtig|nicht mehr aktuell|nicht mehr gültig|inkorrekt|veraltet|unrichtig|verkehrt|ungültig|falsch geschrieben)|(?:hat|haben) sich ~ geändert|stimmt nicht(?: mehr)?|geändert|falsch geschrieben",
        error=r"(?:tipp|schreib)?fehler (?:in|bei) (?:meinem|meiner|meinen|der|dem|den)|(?:tipp|schreib)?fehler im",
        should=r"(?:lautet|heißt|ist) (?:richtig|korrekt|eigentlich|richtigerweise)",
        moved=r"umgezogen|(?:ich wohne|wir wohnen) (?:jetzt|nun|neuerdings|seit kurzem)|umzug",
        moved_to=r"nach|in der|in die|in den|im|am|an der|auf der|in",
        generic=r"richtig (?:ist|wäre|lautet|geschrieben)|korrekt (?:ist|wäre|lautet)|(?:es|er|sie) (?:lautet|heißt) (?:richtig|korrekt|eigentlich)|(?:die|der|das) neue (?:ist|lautet)|es muss (?:heißen|lauten)|richtig:|korrekt:",
        instead=r"statt|anstatt|anstelle von|anstelle",
        not_=r"nicht|und nicht",
        and_=r"und|sowie|auch",
        negation=r"nicht|kein\w*|nie|niemals",
        closing=r"danke|vielen dank|besten dank|mit freundlichen grüßen|freundliche grüße|viele grüße|liebe grüße|beste grüße|grüße|gruß|bitte",
    ),
    "es": _Language(
        nouns={
            "name": r"nombre(?: completo| y apellidos?)?|(?:primer |segundo )?apellidos?",
            "postal_address": r"(?:dirección|domicilio)(?: postal| de (?:envío|casa|facturación|entrega))?(?! de (?:correo|e-?mail))(?! electrónica)|código postal",
            "phone": r"(?:número de )?(?:teléfono|móvil|celular)(?: móvil| fijo)?|número(?! de (?:cliente|pedido|cuenta|socio|referencia|documento))",
            "email": r"(?:dirección de )?(?:correo(?: electrónico)?|e-?mail)",
        },
        name_parts=r"(?:primer |segundo )?apellidos?",
        field_cues={
            "name": r"(?:cambio|cambiado) de (?:nombre|apellidos?)|me (?:he )?casad[oa]|me casé",
            "postal_address": r"(?:cambio|cambiado) de (?:dirección|domicilio)(?! de (?:correo|e-?mail))",
            "phone": r"(?:cambio|cambiado) de (?:número|teléfono|móvil)",
            "email": r"(?:cambio|cambiado) de (?:correo(?: electrónico)?|e-?mail|dirección de (?:correo|e-?mail))",
        },
        my=r"mis?|nuestr[oa]s?|el|la|los|las",
        change=r"cambi|actualiz|actualic|correg|corrij|modific|modifiqu|rectific|rectifiqu|arregl|sustitu|reemplaz",
        to=r"a|al|por",
        from_=r"de|del",
        new=r"nuev[oa]s?|correct[oa]s?|actualizad[oa]s?",
        is_=r"es(?: el| la)?|son|será|sería",
        now=r"ahora|a partir de ahora|desde ahora",
        wrong=r"(?:está|están|es|son|aparece|figura|sale|ha sido) ~ (?:mal|incorrect|equivocad|errón|desactualizad|mal escrit|antigu|viej)\w*|no (?:es|está) (?:correct|bien)\w*|(?:ha|han) cambiado|cambió|mal escrit\w*",
        error=r"(?:error|errata|falta de ortografía|fallo) (?:en|de) (?:mi|el|la)",
        should=r"(?:debería|debe|tendría que|tiene que) ser|es en realidad|en realidad es",
        moved=r"(?:me he|nos hemos|me|nos) (?:mudado|mudé|mudamos|trasladado|trasladé|cambiado de (?:casa|domicilio))|(?:ahora|ya) (?:vivo|vivimos)|(?:vivo|vivimos) ahora|mudanza",
        moved_to=r"a|al|a la|en",
        generic=r"(?:debería|debe|tendría que|tiene que) ser|(?:el|la|lo) (?:correct[oa]|nuev[oa]|buen[oa]) es|se escribe|lo correcto es|correcto:",
        instead=r"en lugar de|en vez de",
        not_=r"no|y no",
        and_=r"y|e|también|además",
        negation=r"no|nunca|jamás",
        closing=r"gracias|muchas gracias|saludos|un saludo|atentamente|cordialmente|por favor",
    ),
    "fr": _Language(
        nouns={
            "name": r"nom(?: de famille| complet| de jeune fille)?|prénom",
            "postal_address": r"adresse(?: postale| de livraison| de facturation| du domicile)?(?! (?:e-?mail|mail|électronique|courriel))|domicile|code postal",
            "phone": r"(?:numéro de )?(?:téléphone|portable|mobile|tél)(?: portable| mobile| fixe)?|numéro(?! de (?:client|commande|compte|dossier))",
            "email": r"adresse (?:e-?mail|mail|électronique|courriel)|e-?mail|courriel|mail",
        },
        name_parts=r"nom de famille|nom de jeune fille|prénom",
        field_cues={
            "name": r"(?:changement|changé) de nom|je me suis mariée?",
            "postal_address": r"(?:changement|changé) d'adresse(?! (?:e-?mail|mail|électronique))",
            "phone": r"(?:changement|changé) de (?:numéro|téléphone)",
            "email": r"(?:changement|changé) (?:d'adresse (?:e-?mail|mail|électronique)|d'e-?mail|de courriel)",
        },
        my=r"mon|ma|mes|notre|nos|le|la|les|l'",
        change=r"modifi|corrig|rectifi|chang|actualis|remplac|mett(?:re|ez|ent|rait) à jour|mis à jour|mise à jour",
        to=r"en|pour|par|à|au",
        from_=r"de|du",
        new=r"nouvel(?:le)?|nouveau|bon(?:ne)?|correcte?|vraie?|exacte?",
        is_=r"est(?: le| la)?|sont|sera",
        now=r"maintenant|désormais|dorénavant",
        wrong=r"(?:est|sont|a été|ont été|semble|paraît|n'est plus) ~ (?:mal orthographi|erron|incorrect|faux|fausse|inexact|mal écrit|obsolète|périmé|plus à jour|plus valable|plus correct|mal saisi|pas (?:correct|bon|juste))\w*|(?:a|ont) changé|mal orthographi\w*",
        error=r"(?:faute|erreur|coquille)(?: d'orthographe| de frappe)? (?:dans|sur|de) (?:mon|ma|le|la|l')",
        should=r"(?:devrait|doit) (?:être|s'écrire)|est en fait|est en réalité",
        moved=r"(?:j'ai|nous avons|on a|ai) déménagé|(?:j'habite|nous habitons|je vis|nous vivons) (?:maintenant|désormais|dorénavant)|déménagement",
        moved_to=r"au|à la|à|en",
        generic=r"(?:devrait|doit) (?:être|s'écrire)|(?:le|la) (?:bon|bonne|correct|correcte|nouveau|nouvelle|vrai|vraie) (?:est|:)|l'orthographe correcte est|(?:ça|cela|il|elle) s'écrit",
        instead=r"au lieu de|à la place de|plutôt que",
        not_=r"pas|non|et non|et pas",
        and_=r"et|aussi|ainsi que",
        negation=r"ne|n'\w*|pas|jamais",
        closing=r"merci|merci beaucoup|cordialement|bien à vous|salutations|bonne journée|s'il vous plaît|svp",
    ),
    "it": _Language(
        nouns={
            "name": r"nome(?: completo| e cognome)?|cognome",
            "postal_address": r"indirizzo(?: postale| di (?:casa|residenza|spedizione|consegna|fatturazione))?(?! (?:e-?mail|mail|di posta))|residenza|domicilio|cap",
            "phone": r"(?:numero (?:di )?)?(?:telefono|cellulare|telefonico)|numero(?! (?:cliente|d'ordine|di (?:cliente|ordine|conto|pratica|civico)))|tel",
            "email": r"indirizzo (?:e-?mail|mail|di posta(?: elettronica)?)|e-?mail|mail|posta elettronica",
        },
        name_parts=r"cognome",
        field_cues={
            "name": r"cambio (?:di )?(?:nome|cognome)|mi sono sposat[oa]",
            "postal_address": r"cambio (?:di )?(?:indirizzo|residenza)(?! (?:e-?mail|mail))",
            "phone": r"(?:cambio|cambiato) (?:di |il )?(?:numero|telefono|cellulare)",
            "email": r"(?:cambio|cambiato) (?:di |l')?(?:indirizzo )?(?:e-?mail|mail)",
        },
        my=r"il mio|la mia|i miei|le mie|mio|mia|miei|il nostro|la nostra|il|la|lo|l'",
        change=r"modific|aggiorn|corregg|rettific|cambi|sistem|sostitu|aggiust",
        to=r"in|con|a|al",
        from_=r"da|dal|dalla",
        new=r"nuov[oa]|corrett[oa]|giust[oa]|aggiornat[oa]",
        is_=r"è(?: il| la)?|e'|sono|sarà",
        now=r"ora|adesso|da ora",
        wrong=r"(?:è|sono|risulta|risultano|era|è stato|è stata) ~ (?:sbagliat|errat|non corrett|scritt\w* male|non aggiornat|inesatt|vecchi|cambiat|obsolet)\w*|non (?:è|sono) corrett\w*|(?:è|sono) cambiat\w*|scritt\w* male",
        error=r"(?:errore|refuso|sbaglio)(?: di battitura| di ortografia)? (?:nel|nella|nell'|sul|sulla|in)(?: mio| mia)?",
        should=r"(?:dovrebbe|deve) essere|in realtà è",
        moved=r"(?:mi sono|ci siamo) (?:trasferit|spostat)[oaie]|(?:ho|abbiamo) cambiato (?:casa|residenza)|(?:ora|adesso) (?:abito|vivo|abitiamo|viviamo)|(?:abito|vivo|abitiamo|viviamo) (?:ora|adesso)|trasloco",
        moved_to=r"in|a|al|alla",
        generic=r"(?:dovrebbe|deve) essere|(?:quello|quella|il|la) (?:giust[oa]|corrett[oa]|nuov[oa]) è|si scrive|corretto:",
        instead=r"invece di|al posto di|anziché",
        not_=r"non|e non",
        and_=r"e|ed|anche|inoltre",
        negation=r"non|mai",
        closing=r"grazie|grazie mille|cordiali saluti|distinti saluti|saluti|cordialmente|per favore",
    ),
    "nl": _Language(
        nouns={
            "name": r"(?:voor|achter|meisjes|familie)?naam",
            "postal_address": r"(?<!mail )(?:post|woon|huis|bezorg|factuur)?adres|postcode",
            "phone": r"(?:telefoon|mobiele|mobiel|gsm|vaste)(?:nummer)?|mobiele nummer|nummer|tel",
            "email": r"e-?mail-?adres|e-?mail adres|e-?mail|mailadres",
        },
        name_parts=r"(?:voor|achter|meisjes|familie)naam",
        field_cues={
            "name": r"naamswijziging|(?:ik ben|wij zijn|we zijn) getrouwd",
            "postal_address": r"adreswijziging|adresverandering",
            "phone": r"(?:telefoon)?nummerwijziging",
            "email": r"e-?mail-?(?:adres)?wijziging",
        },
        my=r"mijn|m'n|ons|onze|de|het",
        change=r"wijzig|gewijzigd|verander|aanpass|aangepast|corrigeer|gecorrigeerd|corrigeren|verbeter|update|geüpdatet|bijwerk|bijgewerkt|vervang|pas",
        to=r"(?:aan )?(?:naar|in)",
        from_=r"van",
        new=r"nieuwe?|juiste?|correcte?|goede?",
        is_=r"is|zijn|wordt|luidt",
        now=r"nu|voortaan|vanaf nu|tegenwoordig",
        wrong=r"(?:is|zijn|staat|staan|werd|was) ~ (?:fout|verkeerd|onjuist|niet juist|niet correct|incorrect|verouderd|niet meer actueel|niet meer geldig|veranderd|gewijzigd|fout gespeld|verkeerd gespeld|verkeerd geschreven)|klopt niet(?: meer)?|veranderd|gewijzigd|verkeerd gespeld",
        error=r"(?:fout|typfout|spelfout|tikfout|vergissing) in (?:mijn|de|het)",
        should=r"(?:moet|hoort te|zou moeten) (?:zijn|luiden)|is eigenlijk|luidt eigenlijk",
        moved=r"verhuisd|(?:ik woon|wij wonen|we wonen) (?:nu|tegenwoordig|sinds kort)|verhuizing",
        moved_to=r"naar|op|aan|in",
        generic=r"(?:het|dat|die) (?:moet|hoort te) (?:zijn|worden)|moet zijn|(?:de|het) (?:juiste|correcte|goede|nieuwe) is|(?:het|dat) is eigenlijk|juist is|correct is",
        instead=r"in plaats van|i\.p\.v\.?",
        not_=r"niet|en niet",
        and_=r"en|ook",
        negation=r"niet|geen|nooit",
        closing=r"bedankt|alvast bedankt|dank je(?: wel)?|dank u(?: wel)?|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groeten|groet",
    ),
    "pt": _Language(
        nouns={
            "name": r"nome(?: completo| de família)?|apelido|sobrenome",
            "postal_address": r"morada|endereço(?: postal| residencial| de (?:casa|entrega|faturação|cobrança))?(?! (?:de )?(?:e-?mail|ele?c?trónico))|código postal|cep",
            "phone": r"(?:número de )?(?:telefone|telemóvel|celular)|número(?! de (?:cliente|encomenda|pedido|conta|contribuinte|porta))|tel",
            "email": r"(?:endereço de )?e-?mail|(?:endereço|correio) ele?c?trónico",
        },
        name_parts=r"apelido|sobrenome|nome de família",
        field_cues={
            "name": r"(?:mudança|alteração) de (?:nome|apelido|sobrenome)|(?:me )?casei",
            "postal_address": r"(?:mudança|alteração) de (?:morada|endereço)(?! de e-?mail)",
            "phone": r"(?:mudança|alteração|mudei) de (?:número|telefone|telemóvel|celular)",
            "email": r"(?:mudança|alteração|mudei) de (?:endereço de )?e-?mail",
        },
        my=r"o meu|a minha|os meus|as minhas|meu|minha|meus|minhas|o nosso|a nossa|o|a|os|as",
        change=r"alter|atualiz|actualiz|corrig|modific|mud|retific|rectific|troc|substitu",
        to=r"para (?:a|o)|para|por|pra",
        from_=r"de|do|da",
        new=r"nov[oa]|corret[oa]|correct[oa]|cert[oa]|atualizad[oa]",
        is_=r"é(?: o| a)?|são|será|passa a ser",
        now=r"agora|a partir de agora|de agora em diante",
        wrong=r"(?:está|estão|é|são|aparece|consta|foi) ~ (?:errad|incorret|incorrect|mal escrit|desatualizad|desactualizad|antig|alterad|mudad)\w*|não (?:está|é) corret\w*|mudou|mudaram|alterou|mal escrit\w*",
        error=r"(?:erro|gralha)(?: ortográfico| de digitação| de escrita)? (?:no|na|em)(?: meu| minha)?",
        should=r"(?:deveria|deve|tem de|tem que) ser|é na verdade|na verdade é",
        moved=r"mudei-me|me mudei|mudei de casa|mudámos|nos mudamos|mudamo-nos|mudamos de casa|mudei(?= para)|(?:moro|vivo|moramos|vivemos) agora|agora (?:moro|vivo|moramos|vivemos)",
        moved_to=r"para (?:a|o)|para|pra|em|na|no",
        generic=r"(?:deveria|deve|tem de|tem que) ser|(?:o|a) (?:corret[oa]|cert[oa]|nov[oa]) é|escreve-se|se escreve|o correto é",
        instead=r"em vez de|ao invés de|em lugar de|no lugar de",
        not_=r"não|e não",
        and_=r"e|também|além disso",
        negation=r"não|nunca|jamais",
        closing=r"obrigad[oa]|muito obrigad[oa]|cumprimentos|com os melhores cumprimentos|atenciosamente|abraço|por favor",
    ),
}

# Shapes of a value that names its own field, matched on folded text.
# Lengths are bounded (RFC 5321 limits) so that a long run of digits or dots cannot make a search
# quadratic.
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = (
    rf"[\w.!#$%&'*+/=?^`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL}){{0,8}}\.[^\W\d_]{{2,24}}(?![\w-])"
)
# Spaces only between digits, so "07700 900123 if needed" stops at the number.
_PHONE = r"\+?\(?\+?\d(?:[\d().\-/]|[^\S\n](?=[\d(+])){0,24}\d\)?"
_SHAPES = {"email": _EMAIL, "phone": _PHONE}
# A few words of the same clause may come first: "my number has changed: now it's 0171 2345678".
_READ_SHAPE = {
    "email": re.compile(rf"(?:[^\s@!?;]*[^\s@!?;.,][^\S\n]){{0,4}}?(?:mailto:)?<?({_EMAIL})"),
    "phone": re.compile(rf"(?:[^\s\d+(!?;]*[^\s\d+(!?;.,][^\S\n]){{0,4}}?({_PHONE})"),
}
_PHONE_DIGITS = range(6, 18)  # E.164 allows 15, plus a leading 00

# Up to four words, each free of sentence punctuation at its end.
_GAP = r"(?:[^\s!?;]*[^\s!?;.,:]\s){0,4}"
# "l'adresse": no space after an elided article.
_JOIN = r"(?:(?<=')|\s)"


@dataclass(frozen=True)
class _Rule:
    template: str
    # Which _Language words must follow for a value, or ":" for a colon; "" when the value
    # follows at once; None when the rule never introduces a value.
    link: str | None
    linked: str | None  # kind of statement with a value
    unlinked: str | None  # kind without one
    fields: tuple[str, ...] = FIELDS  # () for a rule that takes the field of the cue before it
    # The value is the start of the match itself ("X instead of Y").
    value_first: bool = False


_MY = "(?:(?:<my>)<join>)?"
_RULES = (
    _Rule(r"(?:<change>)\w* ~ (?:<my>)<join>~ <field>", "to", STRONG, CUE),
    _Rule(r"(?:<my>)<join><field> ~ (?:<change>)\w*", "to", STRONG, CUE),
    _Rule(_MY + r"(?:(?:<new>)<join><field>|<field> (?:<new>))", "is_", STRONG, CUE),
    _Rule(_MY + r"<field> (?:(?:<is_>) (?:<now>)|(?:<now>) (?:<is_>))", "", STRONG, None),
    _Rule(_MY + r"<field> ~ (?:<should>)", "", STRONG, None),
    # A negation may be the judgement itself ("is not correct"), so only the words before it count.
    _Rule(_MY + r"<field> ~ (?P<judgement>(?:<wrong>))", ":", STRONG, CUE),
    _Rule(r"(?:<error>)<join><field>", ":", STRONG, CUE),
    _Rule(r"<cue>", "is_", STRONG, CUE),
    _Rule(r"<moved>", "moved_to", STRONG, CUE, fields=("postal_address",)),
    # The verb is shared: "update my email to X and my phone to Y".
    _Rule(r"(?:<and_>) (?:<my>)<join><field>", "to", STRONG, None),
    _Rule(r"(?:<my>)<join><field>", "is_", WEAK, None),
    _Rule(
        r"<shape>[\s,]*(?:<instead>)(?: <shape>)?",
        "",
        STRONG,
        None,
        fields=("email", "phone"),
        value_first=True,
    ),
    _Rule(r"<generic>", "", WEAK, None, fields=()),
)

# Typographic apostrophes become "'", dashes "-"; zero-width characters go.
_PUNCTUATION = str.maketrans(
    dict.fromkeys("\u2019\u2018\u02bc\u00b4`", "'")
    | dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015", "-")
)


@functools.cache
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.translate(_PUNCTUATION))
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in kept if unicodedata.category(c) != "Cf").casefold()


def _fold_pattern(source: str) -> str:
    # Odd items are escapes such as \w, which must keep their case.
    parts = re.split(r"(\\.)", source)
    folded = "".join(p if i % 2 else "".join(map(_fold_char, p)) for i, p in enumerate(parts))
    return folded.replace("~ ", _GAP).replace(" ", r"\s")


@dataclass(frozen=True)
class _Text:
    original: str
    folded: str
    origins: tuple[int, ...]  # for each folded character, the index of the original one

    @classmethod
    def of(cls, text: str) -> _Text:
        """Folded text: a run of whitespace becomes one space, or one or two newlines, so that a
        blank line still shows."""
        chars: list[str] = []
        origins: list[int] = []
        for run in re.finditer(r"\s+|\S+", text):
            if run.group().isspace():
                newlines = [run.start() + i for i, c in enumerate(run.group()) if c == "\n"]
                kept = [run.start(), *newlines[1:2]]
                chars.extend("\n" if newlines else " " for _ in kept)
                origins.extend(kept)
                continue
            for index, char in enumerate(run.group(), run.start()):
                piece = _fold_char(char)
                chars.append(piece)
                origins.extend([index] * len(piece))
        return cls(text, "".join(chars), tuple(origins))

    def slice(self, start: int, end: int) -> str:
        """The original text of folded[start:end], marks that folding dropped included."""
        stop = self.origins[end] if end < len(self.origins) else len(self.original)
        return self.original[self.origins[start] : stop] if end > start else ""


@dataclass(frozen=True)
class _Compiled:
    rule: _Rule
    field: str | None
    pattern: re.Pattern[str]
    link: re.Pattern[str] | None
    name_part: re.Pattern[str]
    # The cue's own language: Spanish "no" is a negation, Portuguese "no" is "in the".
    negation: re.Pattern[str]


@dataclass(frozen=True)
class _Match:
    field: str | None
    kind: str
    start: int
    end: int
    value_start: int | None
    listed: bool  # the value follows a colon
    partial: bool  # it is about part of a name


@dataclass(frozen=True)
class _Statement:
    field: str
    kind: str
    order: int  # 0 for the text, 1 for the subject
    start: int
    end: int
    value: str | None
    source: _Text

    @property
    def quote(self) -> str:
        return self.source.slice(self.start, self.end).strip()


def _words(source: str) -> str:
    return rf"(?<!\w)(?:{source})(?!\w)"


def _union(key: str) -> str:
    return "|".join(_fold_pattern(getattr(language, key)) for language in _LANGUAGES.values())


def _expand(template: str, language: _Language, field: str | None) -> str:
    def fill(placeholder: re.Match[str]) -> str:
        key = placeholder.group(1)
        if key == "join":
            return _JOIN
        if key == "shape":
            return _SHAPES[field or ""]
        source = {"field": language.nouns, "cue": language.field_cues}.get(key)
        text = source[field or ""] if source is not None else getattr(language, key)
        return f"(?:{_fold_pattern(text)})"

    spaced = template.replace("~ ", _GAP).replace(" ", r"\s")
    return re.sub(r"(?<!\?P)<(\w+)>", fill, spaced)


def _link(language: _Language, key: str) -> re.Pattern[str]:
    """What must follow a cue for a value to follow it: "to", "is", a colon."""
    if key == ":":
        return re.compile(r"\s?:")
    words = _fold_pattern(getattr(language, key))
    before, after, bare = "", "", ""
    if key in ("to", "moved_to"):
        # "change my address from X to Y", "update the address on my account to Y"
        old = _fold_pattern(language.from_)
        before = rf"(?:\s(?:{old})\s[^\n!?]{{1,80}}?|(?:\s[^\s!?;.,:]+){{1,4}}?)?"
    if key == "is_":
        after = rf"(?:\s(?:{_fold_pattern(language.now)}))?"
        # A label without its colon: "new number 07700 900123", "new email jane@example.org"
        bare = r"|(?=\s[+(\d])|(?=\s[^\s@]+@)"
    return re.compile(rf"{before}(?:\s?:|\s(?:{words})(?!\w){after}(?:\s?:)?{bare})")


@functools.cache
def _compiled() -> tuple[_Compiled, ...]:
    compiled = []
    for language in _LANGUAGES.values():
        name_part = re.compile(_words(_fold_pattern(language.name_parts)))
        negation = re.compile(_words(_fold_pattern(language.negation)))
        for rule in _RULES:
            link = _link(language, rule.link) if rule.link else None
            for field in rule.fields or (None,):
                pattern = re.compile(_words(_expand(rule.template, language, field)))
                compiled.append(_Compiled(rule, field, pattern, link, name_part, negation))
    return tuple(compiled)


@functools.cache
def _cuts() -> dict[str, re.Pattern[str]]:
    """Where a value ends, whatever the language."""
    return {
        "closing": re.compile(rf"(?<![^\s,.;!?\-])(?:{_union('closing')})(?!\w)"),
        # "Smyth not Smith", but not "No 5 High Street".
        "instead": re.compile(rf"[\s,]+(?:{_union('instead')}|{_union('not_')})\s(?!\d)"),
        "and": re.compile(rf"(?<!\w)(?:{_union('and_')})$"),
    }


# Punctuation and words that start a new clause, which a negation before them does not govern
# (Italian "ma" is left out: it is French "my").
_CLAUSE = re.compile(r"[.,;:!?\n]|(?<!\w)(?:but|aber|pero|mais|maar|mas|please|bitte)(?!\w)")
_SENTENCE_END = re.compile(r"[!?;]|\.(?=\s|$)")
_ABBREVIATION = re.compile(
    r"(?<!\w)(?:st|\w*str|rd|ave?|avda|apt|apto|appt|bldg|blvd|dr|ln|ct|pl|sq|hwy|no|nr|ste|flr?"
    r"|cl|esq|dto|dta|izq|dcha|bis|mrs?|ms|mme|mlle|sra?|srta|prof|jr|co|ltd|inc|[^\W\d_])\.$"
)
# Quotation marks and a colon around a value are not part of it.
_LEAD = ' \n:"“”„«»'
_TAIL = ' \n,;:-"“”»'
_NAME_CUT = re.compile(r"[,;(/]")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019.\-][^\W\d_]+)*\.?")
_PARTICLE = re.compile(r"v[ao]n|de[rnsl]?|d[aiou]|della|dos|das|l[ae]|[ye]|te[nr]|bin|al|el|zu|af")


def _negated(found: re.Match[str], negation: re.Pattern[str]) -> bool:
    """Whether a negation shortly before the cue, or inside it, cancels it."""
    folded, start = found.string, found.start()
    clause = _CLAUSE.split(folded[max(0, start - 80) : start])[-1]
    if negation.search(" ".join(clause.split()[-NEGATION_REACH:])):
        return True
    end = found.start("judgement") if "judgement" in found.re.groupindex else found.end()
    return bool(negation.search(folded, start, end))


def _match(compiled: _Compiled, found: re.Match[str]) -> _Match | None:
    rule, value_start, listed = compiled.rule, None, False
    if rule.link == "":
        value_start = found.start() if rule.value_first else found.end()
    elif compiled.link is not None:
        link = compiled.link.match(found.string, found.end())
        if link is not None:
            value_start, listed = link.end(), link.group().endswith(":")
    kind = rule.linked if value_start is not None else rule.unlinked
    if kind is None:
        return None
    partial = bool(compiled.name_part.search(found.group()))
    return _Match(compiled.field, kind, found.start(), found.end(), value_start, listed, partial)


def _matches(folded: str) -> list[_Match]:
    found: dict[tuple[object, ...], _Match] = {}
    for compiled in _compiled():
        for hit in compiled.pattern.finditer(folded):
            if _negated(hit, compiled.negation):
                continue
            match = _match(compiled, hit)
            if match is not None:
                key = (match.field, match.kind, match.start, match.value_start)
                found.setdefault(key, match)
    return sorted(found.values(), key=lambda m: (m.start, m.end))


def _same_paragraph(folded: str, a: int, b: int) -> bool:
    return abs(b - a) <= GENERIC_REACH and "\n\n" not in folded[min(a, b) : max(a, b)]


def _attach(matches: list[_Match], folded: str) -> list[_Match]:
    """The matches that name a field, and "it should be X" given the field of the cue just before
    it; one with no cue before it is dropped."""
    placed = [m for m in matches if m.field is not None]
    attached = list(placed)
    for generic in (m for m in matches if m.field is None):
        if any(p.start < generic.end and generic.start < p.end for p in placed):
            continue  # a field's own phrase ("my email should be") says more
        cues = [
            p
            for p in placed
            if p.kind != WEAK
            and p.end <= generic.start
            and _same_paragraph(folded, p.end, generic.start)
        ]
        if cues:
            cue = cues[-1]
            attached.append(dataclasses.replace(generic, field=cue.field, partial=cue.partial))
    return attached


def _line_end(folded: str, start: int) -> int:
    end = folded.find("\n", start)
    return len(folded) if end < 0 else end


def _abbreviation(folded: str, start: int, end: int) -> bool:
    """Whether the dot before `end` closes an abbreviation; only the last word is read."""
    return bool(_ABBREVIATION.search(folded, max(start, end - 32), end))


def _stop(folded: str, start: int, end: int, cuts: list[int]) -> int:
    """Where the clause that starts at `start` ends, within its line [start, end)."""
    end = min(end, start + MAX_VALUE_CHARS)
    stops = [end]
    for found in _SENTENCE_END.finditer(folded, start, end):
        if found.group() != "." or not _abbreviation(folded, start, found.end()):
            stops.append(found.start())
            break
    closing = _cuts()["closing"].search(folded, start, end)
    if closing is not None:
        stops.append(closing.start())
    # The next cue ends the value ("I moved to X and my new number is Y"); one right at the start
    # reads the value itself ("my address has changed: my new address is X").
    index = bisect.bisect_left(cuts, start)
    if index < len(cuts) and cuts[index] < end:
        stops.append(cuts[index])
    return min(stops)


def _value_end(field: str, source: _Text, start: int, stop: int) -> int:
    """Where the value ends: before "not Y" or "instead of Y", a trailing "and" or punctuation."""
    folded, end = source.folded, stop
    for cut in (_cuts()["instead"], _NAME_CUT if field == "name" else None):
        found = cut.search(folded, start, end) if cut is not None else None
        if found is not None:
            end = found.start()
    while True:
        trimmed = start + len(folded[start:end].rstrip(_TAIL))
        connector = _cuts()["and"].search(folded, start, trimmed)
        # Lower case only: "3º E" is a Portuguese flat on the left, "e" is "and".
        if connector is not None and source.original[source.origins[connector.start()]].islower():
            trimmed = connector.start()
        if (
            trimmed > start
            and folded[trimmed - 1] == "."
            and not _abbreviation(folded, start, trimmed)
        ):
            trimmed -= 1
        if trimmed == end:
            return end
        end = trimmed


def _address_like(text: str) -> bool:
    words = text.replace(",", " ").split()
    return any(c.isdigit() for c in text) or all(w[0].isupper() or len(w) <= 3 for w in words)


def _read_words(
    field: str, source: _Text, begin: int, cuts: list[int], listed: bool
) -> tuple[str | None, int]:
    """A name or postal address starting at folded index `begin`, and where its clause ends."""
    folded = source.folded
    parts: list[str] = []
    start, value_end, clause_end, joiner = begin, begin, begin, ""
    while True:
        line_end = _line_end(folded, start)
        stop = _stop(folded, start, line_end, cuts)
        end = _value_end(field, source, start, stop)
        text = source.slice(start, end).strip()
        # A wrapped line may end mid-way; a line of its own must be all address.
        fits = joiner == " " or (not folded[stop:line_end].strip(" .") and _address_like(text))
        if joiner and not (text and fits):
            break
        parts.append(joiner + text)
        value_end, clause_end = end, stop
        if (
            field != "postal_address"
            or len(parts) == MAX_ADDRESS_LINES
            or stop < line_end
            or not folded[line_end + 1 : line_end + 2].strip()
        ):
            break
        line_start = folded.rfind("\n", 0, start) + 1
        if listed or folded[start:stop].rstrip().endswith(","):
            joiner = ", "
        elif line_end - line_start >= WRAPPED_LINE:
            joiner = " "
        else:
            break
        start = line_end + 1
    value = _valid_words(field, "".join(parts), listed)
    # A rejected value is quoted in full, "Smyth not Smith" included.
    return value, value_end if value is not None else clause_end


def _valid_words(field: str, value: str, listed: bool) -> str | None:
    if field == "name":
        words = value.split()
        capitalised = [any(c.isupper() for c in w) for w in words]
        full = (
            2 <= len(words) <= 6
            and sum(capitalised) >= 2
            and all(_NAME_WORD.fullmatch(w) for w in words)
            and all(
                cap or _PARTICLE.fullmatch(w) for w, cap in zip(words, capitalised, strict=True)
            )
        )
        return value if full else None
    has_letter = any(c.isalpha() for c in value)
    shaped = _address_like(value) if listed else any(c.isdigit() for c in value)
    return value if has_letter and shaped and len(value) < MAX_VALUE_CHARS else None


def _read_shape(field: str, source: _Text, begin: int, cuts: list[int]) -> tuple[str | None, int]:
    """An email address or phone number at folded index `begin`, and where it ends."""
    found = _READ_SHAPE[field].match(source.folded, begin)
    if found is None:
        return None, _stop(source.folded, begin, _line_end(source.folded, begin), cuts)
    value = source.slice(*found.span(1))
    if field == "email":
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}", found.end(1)
    if value.count(")") > value.count("("):
        value = value[:-1]
    digits = sum(c.isdigit() for c in value)
    return (value if digits in _PHONE_DIGITS else None), found.end(1)


def _statement(field: str, match: _Match, source: _Text, cuts: list[int], order: int) -> _Statement:
    value, end = None, match.end
    if match.value_start is not None:
        rest = source.folded[match.value_start :]
        begin = match.value_start + len(rest) - len(rest.lstrip(_LEAD))
        listed = match.listed or "\n" in source.folded[match.value_start : begin]
        if field in _READ_SHAPE:
            value, value_end = _read_shape(field, source, begin, cuts)
        else:
            value, value_end = _read_words(field, source, begin, cuts, listed)
        end = max(end, value_end)
        if match.partial and field == "name":
            value = None  # the stored name is a full name; staff decide
    return _Statement(field, match.kind, order, match.start, end, value, source)


def _statements(text: str, order: int) -> list[_Statement]:
    source = _Text.of(text)
    matches = _matches(source.folded)
    cuts = sorted({m.start for m in matches})
    attached = _attach(matches, source.folded)
    return [_statement(m.field, m, source, cuts, order) for m in attached if m.field is not None]


def _quote(main: _Statement, others: list[_Statement]) -> str:
    """The main statement's words, with the nearest related ones of its paragraph."""
    folded = main.source.folded
    near = [
        s
        for s in others
        if s.source is main.source and _same_paragraph(folded, s.start, main.start)
    ]
    if not near:
        return main.quote
    other = min(near, key=lambda s: abs(s.start - main.start))
    start, end = min(main.start, other.start), max(main.end, other.end)
    return main.source.slice(start, end).strip()


def _resolve(field: str, statements: list[_Statement]) -> ProposedChange | None:
    own = sorted((s for s in statements if s.field == field), key=lambda s: (s.order, s.start))
    cues = [s for s in own if s.kind != WEAK]
    if not cues:
        return None  # "my address is ..." alone is not a request to change it
    strong = next((s for s in cues if s.value is not None), None)
    if strong is not None:
        return ProposedChange(field, strong.value, strong.quote)
    weak = [s for s in own if s.kind == WEAK]
    stated = next((s for s in weak if s.value is not None), None)
    if stated is not None:
        return ProposedChange(field, stated.value, _quote(stated, cues))
    return ProposedChange(
        field, None, _quote(cues[0], [s for s in weak if s.start > cues[0].start])
    )


def propose_changes(subject: str, text: str) -> list[ProposedChange]:
    """The contact fields the message asks to change, at most one per field, in FIELDS order."""
    statements = _statements(text[:MAX_CHARS], 0) + _statements(subject, 1)
    changes = (_resolve(field, statements) for field in FIELDS)
    return [change for change in changes if change is not None]
