"""German (Sie and du forms; verbs often come last, and separable verbs split: "melden Sie mich ab")."""

SPELLINGS = {"ä": "(?:a|ae)", "ö": "(?:o|oe)", "ü": "(?:u|ue)"}
NEGATIONS = r"nicht|kein\w*|nie|niemals|ohne|statt|anstatt|anstelle"
BOUNDARIES = r"aber|sondern|nur|bitte|und|jedoch|sowie|außerdem|auch|lediglich"

_MAIL = (
    r"e-?mails?|mails?|newsletter\w*|werbung|werbe\w*|nachrichten|zusendungen|post|angebote|"
    r"infos?|informationen|spam|infopost|mailings?"
)
_LIST = (
    r"verteiler\w*|mailing ?listen?|listen?|newsletter\w*|e-?mail ?listen?|e-?mail ?verteiler\w*|"
    r"(adress|werbe|kunden|empfänger|abonnenten|versand|kontakt)listen?"
)
_DATA = (
    r"daten|personenbezogenen daten|persönlichen daten|kundendaten|informationen|angaben|konto|"
    r"kundenkonto|benutzerkonto|account|profil|kundenprofil|datensatz"
)
_ACCOUNT = r"daten|konto|kundenkonto|benutzerkonto|account|profil|kundenprofil|datensatz"
_FIELD = (
    r"(vor|nach|familien|ehe)?name\w*|adresse|anschrift|postanschrift|wohnadresse|lieferadresse|"
    r"rechnungsadresse|postadresse|telefonnummer|handynummer|mobilnummer|rufnummer|"
    r"e-?mail ?adresse|e-?mail(?! einstellungen)|geburtsdatum|daten|angaben|kontaktdaten|straße|"
    r"hausnummer|postleitzahl|plz|titel|anrede"
)
_CORRECT = r"änder\w*|geänder\w*|aktualisier\w*|korrigier\w*|berichtig\w*|anpass\w*|abänder\w*|richtigstell\w*"

EXPLICIT = {
    "discontinue": (
        r"abmeld\w*",
        r"meld\w* (sie |du |ihr )?(mich|uns) ~ ab",
        r"abbestell\w*",
        r"bestell\w* (sie |du )?~ (newsletter|e-?mails?|mails|werbung) ~ ab",
        r"austrag\w*|auszutragen",
        r"trag\w* (sie |du |ihr )?(mich|uns|meine ~ adresse) ~ aus",
        r"keine ~ (" + _MAIL + r") mehr",
        r"keine (weiteren |weitere |werbe\w* )~ (" + _MAIL + r")",
        r"nicht mehr (erhalten|bekommen|zugeschickt|zusenden|zuschicken|schicken|senden|angeschrieben|kontaktiert|angemailt|belästigt|angerufen|beworben|empfangen)",
        r"(kontaktier|schreib|mail|schick|send|anschreib)\w* (sie |du |ihr )?(mir|mich|uns) ~ (nicht mehr|nichts mehr|keine ~ mehr|nie wieder)",
        r"(nehm|streich|entfern|lösch|trag)\w* ~ (aus|von) ~ (" + _LIST + r")",
        r"(nehm|streich|entfern|lösch|trag)\w* (sie |du |ihr )?(bitte )?meine ~ adresse (aus|von) ~ ("
        + _LIST
        + r")",
        r"(aus|von) ~ (" + _LIST + r") ~ (nehmen|streichen|entfernen|löschen|austragen|abmelden)",
        r"newsletter ~ (kündigen|beenden|stoppen|abstellen)",
        r"(kündige|kündigen|beende|beenden) ~ newsletter",
        r"widersp\w* ~ (werbung|werbe\w*|direktwerbung|direktmarketing|marketing|newsletter)",
        r"widersp\w* ~ (nutzung|verarbeitung|verwendung) ~ (werbung|werbe\w*|marketing|direktwerbung|werblich\w*)",
        r"hör\w* (sie |du |ihr )?(bitte )?auf,? ~ zu (schicken|senden|schreiben|mailen|kontaktieren|spammen)",
    ),
    "access": (
        r"datenauskunft|selbstauskunft|auskunftsersuchen|auskunftsanfrage|auskunftsrecht|auskunftsanspruch|auskunftsverlangen|auskunftsbegehren",
        r"auskunft ~ (gespeichert\w*|personenbezogen\w*|persönlich\w* daten|meine\w* daten|meine\w* person|über mich|zu meiner person|verarbeitet\w*)",
        r"auskunft (nach|gem|gemäß|gem\.|laut) ~ (art|artikel)",
        r"welche (personenbezogenen|persönlichen) (daten|informationen|angaben)",
        r"(welche|was für) (daten|informationen|angaben) ~ (über mich|von mir|zu meiner person|zu mir)",
        r"welche (daten|informationen|angaben) ~ (gespeichert|speichern|gesammelt|verarbeiten|verarbeitet|hinterlegt)",
        r"kopie ~ (meiner|meine|der|aller|über mich gespeicherten) ~ (daten|angaben|informationen)",
        r"recht auf auskunft",
        r"was (haben sie|habt ihr|hast du|speichern sie|speichert ihr|wissen sie|wisst ihr) ~ (über mich|von mir)",
    ),
    "deletion": (
        r"lösch\w* ~ (meine|meiner|mein|meines|alle|sämtliche|die|der|meinen|mich) ~ ("
        + _DATA
        + r")",
        r"lösch\w* (sie |du |ihr )?(bitte )?(mich|uns) ~ (aus|in|von) ~ (datenbank|datenbanken|kartei|system|systemen|kundendatei|crm|unterlagen)",
        r"("
        + _ACCOUNT
        + r") ~ (löschen|gelöscht|vernichten|vernichtet|entfernen|entfernt|schließen|auflösen)",
        r"recht auf (löschung|vergessenwerden|vergessen werden)",
        r"lösch(ungs)?(antrag|ersuchen|begehren|anfrage|verlangen|auftrag)",
        r"(konto|account|kundenkonto|benutzerkonto|profil) ~ (kündigen|deaktivieren)",
    ),
    "correction": (
        r"(" + _CORRECT + r") ~ (meine[nrms]?|mein|die|den|das|meiner) ~ (" + _FIELD + r")",
        r"(meine[nrms]?|mein|die|den|das|neue) ~ (" + _FIELD + r") ~ (" + _CORRECT + r")",
        r"("
        + _FIELD
        + r") ~ (ist|sind|wurde|wird|war|steht|stehen) ~ (falsch|fehlerhaft|nicht korrekt|inkorrekt|veraltet|nicht mehr aktuell|nicht mehr gültig|unrichtig|verkehrt)",
        r"(tippfehler|schreibfehler|fehler) (in|im|bei) (meinem|meiner|der|dem) (" + _FIELD + r")",
        r"recht auf berichtigung",
        r"berichtigung",
        r"meine neue (" + _FIELD + r") (lautet|ist)",
    ),
    "opt_out_sale": (
        r"(daten|informationen|angaben) ~ nicht ~ (verkaufen|verkauft|weitergeben|weitergegeben|weiterverkaufen|weiterverkauft|teilen|geteilt|veräußern)",
        r"widersp\w* ~ (verkauf|weiterverkauf|weitergabe|übermittlung an dritte)",
        r"keine (weitergabe|weiterverkauf|verkauf) ~ (daten|an dritte)",
        r"(möchte|will|wünsche) nicht,? dass ~ (daten|informationen|angaben) ~ (verkauft|weitergegeben|geteilt|weiterverkauft)",
        r"untersage ~ (verkauf|weitergabe|weiterverkauf) ~ (daten|an dritte)",
        r"nicht ~ an dritte ~ (weitergeben|verkaufen|übermitteln|weiterleiten)",
        r"(verkaufen|teilen|übermitteln|geben) (sie |du |ihr )?~ (daten|informationen|angaben) ~ nicht",
        r"(verkauf|weitergabe|weiterverkauf) ~ (meiner|meine|von meinen) ~ daten ~ (untersagen|widersprechen|stoppen|einstellen|verbieten)",
    ),
}

LIKELY = {
    "discontinue": (
        r"^(stop|stopp|abmelden|abbestellen|austragen)\W*$",
        r"(stopp|stop) ~ (" + _MAIL + r")",
        r"widerrufe ~ (einwilligung|zustimmung|einverständnis)",
        r"(einwilligung|zustimmung|einverständnis) ~ (widerrufen|zurückziehen|zurück)",
    ),
    "deletion": (r"(löscht|löschen sie|lösche) (mich|uns)( bitte|)(?=\W*$)",),
    "correction": (
        r"(ich bin|wir sind|bin|sind) ~ umgezogen",
        r"neue (adresse|anschrift|telefonnummer|handynummer|rufnummer|e-?mail ?adresse|nachname)",
        r"falsch geschrieben",
        r"(heiße|heißen) (jetzt|nun|seit)",
    ),
    "opt_out_sale": (r"(verkauf|weitergabe|weiterverkauf) ~ (meiner|meine|von meinen) ~ daten",),
}

VAGUE = {
    "discontinue": (
        r"(zu viele|ständig|täglich) (e-?mails|mails|newsletter)",
        r"widersp(reche|ruch)",
    ),
    "access": (
        r"welche (daten|informationen|angaben) ~ (haben|besitzen|vorliegen|liegen|führen)",
        r"woher ~ (meine|meiner) (daten|adresse|e-?mail ?adresse)",
    ),
    "correction": (r"umzug",),
}
