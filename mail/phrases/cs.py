"""Czech (negation is a prefix: "nechci" is "I don't want")."""

NEGATIONS = r"ne|nechci|nechceme|nikdy|bez|místo"
BOUNDARIES = r"ale|jen|pouze|a|prosím|také|avšak"

_DATA = r"údaje|údajů|osobní údaje|osobních údajů|účet|účtu|profil|data"

EXPLICIT = {
    "discontinue": (
        r"odhlas\w*|odhlás\w*|odhláš\w*",
        r"nechci ~ (dostávat|odebírat|dostat|přijímat|obdržet|dostávat) ~ (e-?maily|newsletter\w*|zprávy|obchodní sdělení|nabídky)",
        r"(vyřaďte|vymažte|odstraňte|smažte|vyřadit)\w* ~ (z|ze) ~ (seznamu|mailing\w*|rozesíl\w*|newsletter\w*|databáze pro zasílání)",
        r"přesta\w* ~ (posílat|zasílat|psát|obtěžovat)",
        r"nesouhlas\w* ~ (zasíláním|zasílání|obchodních sdělení|obchodními sděleními|marketing\w*)",
    ),
    "access": (
        r"přístup k (mým |svým )?(osobním )?údajům",
        r"jaké (osobní )?údaje ~ (zpracováváte|uchováváte|máte|evidujete|o mně)",
        r"kopi\w* ~ (mých |svých )?(osobních )?údajů",
        r"právo na přístup",
    ),
    "deletion": (
        r"(smaž|vymaž|odstraň|zruš|smazat|vymazat|odstranit|zrušit|výmaz)\w* ~ (moje|mé|mých|můj|moji|všechny|veškeré)? ~ ("
        + _DATA
        + r")",
        r"právo na výmaz|právo být zapomenut",
    ),
    "correction": (
        r"(oprav|změň|změn|aktualiz)\w* ~ (moje|mé|můj|moji|mých)? ~ (jméno|příjmení|adres\w*|telefon\w*|číslo|e-?mail\w*|údaje|údajů)",
        r"(nová adresa|nové (telefonní )?číslo)",
        r"právo na opravu",
    ),
    "opt_out_sale": (
        r"(neprodávejte|nesdílejte|nepředávejte) ~ (moje |mé )?(osobní )?údaje",
        r"prodej ~ (mých )?(osobních )?údajů",
    ),
}

LIKELY = {"discontinue": (r"odvolávám ~ souhlas|odvolání souhlasu",)}
