"""Hungarian (free word order: the verb may come before or after its object)."""

NEGATIONS = r"nem|ne|soha|nélkül|helyett"
BOUNDARIES = r"de|csak|hanem|és|kérem|kérjük|viszont|illetve"

_DATA = r"adat\w*|fiók\w*|profil\w*|regisztráci\w*"

EXPLICIT = {
    "discontinue": (
        r"leiratkoz\w*",
        r"iratkoz\w* ~ le",
        r"(nem|ne) kérek ~ (e-?mail\w*|hírlevel\w*|level\w*|reklám\w*|üzenet\w*)",
        r"(töröljenek|töröljön|töröljetek|vegyenek ki|vegyen ki) ~ (listá\w*|hírlevél\w*|levelezőlist\w*)",
        r"ne (küldjenek|küldjön|küldjetek) (több|további|nekem|se)",
        r"tiltakoz\w* ~ (marketing|reklám|direkt|közvetlen üzletszerzés)\w*",
    ),
    "access": (
        r"(milyen|mely) (személyes )?adat\w* ~ (kezel\w*|tárol\w*|tartanak nyilván|rendelkez\w*|van)",
        r"hozzáférés\w* ~ (személyes )?adat\w*",
        r"másolat\w* ~ (személyes )?adat\w*",
        r"tájékoztatás\w* ~ (személyes )?adat\w* kezelés\w*",
    ),
    "deletion": (
        r"(töröl|törölj|törlés|törölni|törölje|töröljék)\w* ~ (az |a )?(összes )?(személyes )?("
        + _DATA
        + r")",
        r"(" + _DATA + r") ~ (törlés|törölj|töröl)\w*",
        r"elfeledtetés\w*",
    ),
    "correction": (
        r"(módosít|javít|helyesbít|frissít|változtas)\w* ~ (nev\w*|lakcím\w*|e-?mail ?cím\w*|postai cím\w*|címem\w*|telefonszám\w*|adat\w*)",
        r"(nev\w*|lakcím\w*|e-?mail ?cím\w*|címem\w*|telefonszám\w*) ~ (módosít|javít|helyesbít|frissít|megváltoz|hibás|rossz)\w*",
        r"új (lakcím|cím|telefonszám|e-?mail ?cím)\w*",
        r"helyesbítés\w*",
    ),
    "opt_out_sale": (
        r"ne (adják el|értékesítsék|adják tovább|osszák meg) ~ adat\w*",
        r"adat\w* ~ (eladás|értékesítés|továbbadás)\w* ~ (tiltakoz|megtilt)\w*",
    ),
}

LIKELY = {
    "discontinue": (r"hozzájárulás\w* ~ visszavon\w*|visszavon\w* ~ hozzájárulás\w*",),
    "opt_out_sale": (r"adat\w* ~ (eladás|értékesítés|továbbadás)\w*",),
}
