"""Swedish ("rätt" is both "right" and "correct", so corrections use other verbs)."""

NEGATIONS = r"inte|ej|aldrig|utan|istället för"
BOUNDARIES = r"men|bara|endast|och|vänligen|också|dock"

_MAIL = r"e-?post|mejl|mail|nyhetsbrev|utskick|reklam|erbjudanden|meddelanden"
_DATA = r"uppgifter|personuppgifter|data|konto|profil"

EXPLICIT = {
    "discontinue": (
        r"avregistrer\w*|avanmäl\w*|avprenumerer\w*|avsluta ~ prenumeration\w*",
        r"(ta bort|stryk|radera) (mig|oss) ~ (från|ur) ~ (lista\w*|listor\w*|nyhetsbrev\w*|utskick\w*|maillista\w*|sändlista\w*)",
        r"(vill|önskar) (inte|ej) (längre |mer )?~ (få|ta emot|motta) ~ (" + _MAIL + r")",
        r"sluta (skicka|maila|mejla|kontakta)",
        r"inga (fler )?(" + _MAIL + r")",
        r"invänd\w* mot ~ (direktmarknadsföring|marknadsföring|reklam)",
    ),
    "access": (
        r"registerutdrag",
        r"tillgång till ~ (mina )?(person)?uppgifter",
        r"vilka (person)?uppgifter ~ (har|sparar|lagrar|behandlar)",
        r"kopia ~ (av )?(mina )?(person)?uppgifter",
    ),
    "deletion": (
        r"(radera|ta bort|stäng|avsluta)\w* ~ (mina|mitt|min|alla) ~ (" + _DATA + r")",
        r"rätt(en)? (till radering|att bli bortglömd)",
    ),
    "correction": (
        r"(ändra|uppdatera|korrigera|rätta)\w* ~ (mitt|min|mina)? ~ (namn|efternamn|adress|telefonnummer|nummer|e-?post\w*|mejladress|uppgifter)",
        r"ny (adress|telefonnummer|e-?postadress)",
        r"rättelse",
    ),
    "opt_out_sale": (
        r"(sälj|dela|lämna ut) (inte|ej) ~ (mina )?(person)?uppgifter",
        r"inte (sälja|dela|lämna ut) ~ (mina )?(person)?uppgifter",
    ),
}

LIKELY = {
    "discontinue": (r"återkalla\w* ~ samtycke",),
    "correction": (r"(jag har|vi har|har) flyttat",),
    "opt_out_sale": (r"försäljning av ~ uppgifter",),
}
