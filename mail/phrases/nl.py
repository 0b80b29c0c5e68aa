"""Dutch and Flemish (u and je/jij forms; separable verbs split: "schrijf mij uit", "meld me af")."""

NEGATIONS = r"niet|geen|nooit|zonder|in plaats van|liever dan"
BOUNDARIES = r"maar|alleen|enkel|en|graag|alstublieft|alsjeblieft|aub|a\.u\.b|ook|echter|wel|gewoon"

_MAIL = (
    r"e-?mails?|mails?|mailtjes|nieuwsbrie(f|ven)|reclame|berichten|aanbiedingen|"
    r"promoties|spam|mailings?|acties"
)
_LIST = r"lijst\w*|mailinglijst\w*|verzendlijst\w*|nieuwsbrie\w*|mailing\w*|adressenbestand|distributielijst\w*"
_DATA = r"(persoons)?gegevens|account|profiel|klantaccount|data|informatie|klantgegevens|dossier"
_FIELD = (
    r"(achter|voor|familie)?naam|adres|woonadres|postadres|afleveradres|factuuradres|"
    r"(telefoon|mobiele |gsm ?)nummer|telefoon|e-?mail ?adres|e-?mail|geboortedatum|"
    r"(persoons|contact|klant)?gegevens|postcode|huisnummer|straatnaam|aanhef"
)
_CHANGE = r"wijzig\w*|verander\w*|aanpass\w*|pas ~ aan|corrigeer\w*|corrigeren|verbeter\w*|update\w*|bijwerk\w*|werk ~ bij|rectificeer\w*"

EXPLICIT = {
    "discontinue": (
        r"uitschrij\w*",
        r"schrij\w* (u |je |jij )?(mij|me|ons) ~ uit",
        r"afmeld\w*",
        r"meld\w* (u |je )?(mij|me|ons) ~ af",
        r"geen ~ (" + _MAIL + r") ~ meer",
        r"(niet langer|niet meer) ~ (" + _MAIL + r")",
        r"(stop|stopt|stoppen|hou op|houd op|houdt op) ~ (met )?(mailen|e-?mailen|sturen|versturen|zenden|spammen|benaderen|toesturen|mij te mailen)",
        r"(verwijder|haal|schrap)\w* ~ (van|uit|af) ~ (" + _LIST + r")",
        r"(van|uit) ~ (" + _LIST + r") ~ (halen|afhalen|verwijderen|schrappen|gehaald|verwijderd)",
        r"niet (meer|langer) (ontvangen|mailen|benaderen|contacteren|gecontacteerd|gemaild|benaderd|lastigvallen)",
        r"bezwaar ~ (direct marketing|marketing|reclame|nieuwsbrie\w*|ontvangen van)",
        r"(nieuwsbrief|abonnement op de nieuwsbrief) ~ opzeggen",
        r"(zeg|opzeggen) ~ nieuwsbrief",
    ),
    "access": (
        r"inzage\w*|inzien|inzicht in ~ gegevens",
        r"recht op (inzage|toegang)",
        r"(welke|wat voor) persoonsgegevens ~ (heeft|hebben|hebt|bewaart|bewaren|verwerkt|verwerken|opgeslagen|bekend|vastgelegd|gebruikt)",
        r"(welke|wat voor) (gegevens|informatie) ~ (heeft|hebben|hebt|bewaart|bewaren|verwerkt|verwerken|opgeslagen) ~ (over mij|van mij|over ons)",
        r"kopie ~ (mijn|van mijn|de|al mijn) ~ (persoons)?gegevens",
        r"(welke|wat voor) (gegevens|informatie|persoonsgegevens) ~ (over mij|van mij|over ons) ~ (heeft|hebben|hebt|bewaart|bewaren|verwerkt|verwerken|opgeslagen|bekend|vastgelegd)",
        r"(overzicht|lijst) ~ (mijn|van mijn|van de) (persoons)?gegevens",
    ),
    "deletion": (
        r"(verwijder|wis|vernietig|wissen)\w* ~ (mijn|al mijn|alle|mij|me) ~ (" + _DATA + r")",
        r"(mijn|al mijn|alle) ("
        + _DATA
        + r") ~ (verwijderen|wissen|vernietigen|opheffen|schrappen)",
        r"recht (op|om) (vergetelheid|vergeten te worden|verwijdering|gegevenswissing|wissing|te worden vergeten)",
        r"(verwijder|verwijdering)s?verzoek",
        r"(verwijder|wis)\w* (mij|me|ons) (uit|van) (uw|jullie|je|het|de) (database|bestand|systeem|systemen|administratie|klantenbestand|crm|databank)",
        r"(account|profiel|klantaccount) ~ (opheffen|sluiten|deactiveren)",
    ),
    "correction": (
        r"(" + _CHANGE + r") ~ (mijn|de|ons) ~ (" + _FIELD + r")",
        r"(mijn|de|ons) ~ ("
        + _FIELD
        + r") ~ (wijzigen|veranderen|aanpassen|corrigeren|verbeteren|updaten|bijwerken|rectificeren)",
        r"("
        + _FIELD
        + r") ~ (is|zijn|staat|staan|werd) ~ (fout|verkeerd|onjuist|niet juist|niet correct|incorrect|verouderd|niet meer actueel)",
        r"recht op (correctie|rectificatie|verbetering)",
        r"rectificatie",
        r"(" + _FIELD + r") (is|zijn) (veranderd|gewijzigd)",
        r"mijn nieuwe (adres|woonadres|telefoonnummer|nummer|e-?mailadres|achternaam) (is|wordt|luidt)",
    ),
    "opt_out_sale": (
        r"(gegevens|informatie|data) ~ niet ~ (verkopen|verkocht|delen|gedeeld|doorverkopen|doorverkocht|doorgeven|verstrekken|doorgegeven)",
        r"(verkoop|verkoopt|deel|deelt|geef|geeft) ~ (gegevens|informatie|data) ~ niet",
        r"niet ~ (jullie|u|je) ~ (gegevens|informatie|data) ~ (verkopen|verkoopt|delen|deelt|doorverkopen|doorgeven|verstrekken)",
        r"niet dat ~ (gegevens|informatie|data) ~ (verkocht|gedeeld|doorverkocht|doorgegeven|verstrekt)",
        r"bezwaar ~ (verkoop|verkopen|doorverkoop|doorverkopen|delen|doorgeven|verstrekken|verstrekking) ~ (gegevens|derden)",
        r"(stop|stopt|stoppen) ~ met (verkopen|delen|doorverkopen|doorgeven) ~ (gegevens|data)",
    ),
}

LIKELY = {
    "discontinue": (
        r"^(stop|afmelden|uitschrijven)\W*$",
        r"(toestemming|akkoord) ~ (intrekken|in te trekken|in trekken)",
        r"trek ~ toestemming ~ in",
        r"(intrekken|intrekking) ~ toestemming",
    ),
    "access": (r"(toegang tot|opvragen) ~ (mijn|mijn persoons)gegevens",),
    "deletion": (r"(verwijder|wis) (mij|me|ons)( aub| alstublieft| graag|)(?=\W*$)",),
    "correction": (
        r"(ik ben|wij zijn|we zijn|ben) ~ verhuisd",
        r"nieuwe (adres|woonadres|telefoonnummer|e-?mailadres|achternaam)",
        r"verkeerd gespeld|fout gespeld|fout geschreven",
    ),
    "opt_out_sale": (
        r"(verkoop|doorverkoop|verkopen|delen|doorgeven) van (mijn )?(persoons)?gegevens",
    ),
}

VAGUE = {
    "discontinue": (r"(te veel|teveel|dagelijks) (e-?mails|mails|nieuwsbrieven)",),
    "access": (
        r"welke gegevens ~ (heeft|hebben|hebt|bewaart|bewaren|verwerkt|verwerken|opgeslagen)",
        r"(hoe|waar) (komt|komen|heeft|hebben) ~ (mijn|aan mijn) (gegevens|adres|e-?mailadres)",
    ),
    "correction": (r"verhuis\w*",),
}
