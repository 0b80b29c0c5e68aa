"""Slovak (negation is a prefix: "nechcem" is "I don't want")."""

NEGATIONS = r"ne|nie|nechcem|nechceme|nikdy|bez|namiesto"
BOUNDARIES = r"ale|len|iba|a|prosím|tiež|avšak"

_DATA = r"údaje|údajov|osobné údaje|osobných údajov|účet|účtu|konto|profil"

EXPLICIT = {
    "discontinue": (
        r"odhlás\w*|odhlas\w*",
        r"nechcem ~ (dostávať|odoberať|dostať|prijímať) ~ (e-?maily|newsletter\w*|správy|ponuky|obchodné)",
        r"(vyraďte|vymažte|odstráňte|vyradiť)\w* ~ (zo|z) ~ (zoznamu|mailing\w*|newsletter\w*|rozosiel\w*)",
        r"presta\w* ~ (posielať|zasielať|písať|otravovať)",
        r"namietam ~ (marketing|reklam|priam\w* marketing)\w*",
    ),
    "access": (
        r"prístup k (mojim |svojim )?(osobným )?údajom",
        r"aké (osobné )?údaje ~ (spracúvate|spracovávate|uchovávate|máte|evidujete|o mne)",
        r"kópi\w* ~ (mojich |svojich )?(osobných )?údajov",
    ),
    "deletion": (
        r"(vymaž|zmaž|odstráň|zruš|vymazať|zmazať|odstrániť|zrušiť|výmaz)\w* ~ (moje|môj|moju|mojich|všetky)? ~ ("
        + _DATA
        + r")",
        r"právo na vymazanie|právo byť zabudnut\w*",
    ),
    "correction": (
        r"(oprav|zmeň|zmen|aktualiz)\w* ~ (moje|môj|moju|mojich)? ~ (meno|priezvisko|adres\w*|telefón\w*|číslo|e-?mail\w*|údaje|údajov)",
        r"nová adresa|nové (telefónne )?číslo",
        r"právo na opravu",
    ),
    "opt_out_sale": (
        r"(nepredávajte|nezdieľajte|neposkytujte) ~ (moje )?(osobné )?údaje",
        r"predaj ~ (mojich )?(osobných )?údajov",
    ),
}

LIKELY = {"discontinue": (r"odvolávam ~ súhlas",)}
