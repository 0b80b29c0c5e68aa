"""Danish ("ret" is both "right" and "correct!", so corrections use other verbs)."""

NEGATIONS = r"ikke|aldrig|uden|i stedet for"
BOUNDARIES = r"men|kun|blot|bare|og|venligst|også|dog"

_MAIL = r"e-?mails?|mails?|nyhedsbreve?|reklamer?|tilbud|beskeder|markedsføring"
_DATA = r"oplysninger|personoplysninger|persondata|data|konto|profil"

EXPLICIT = {
    "discontinue": (
        r"afmeld\w*",
        r"meld ~ (mig|os) ~ fra",
        r"(fjern|slet)\w* ~ (mig|os) ~ (fra|af) ~ (liste\w*|nyhedsbrev\w*|mailliste\w*|maillisten)",
        r"(vil|ønsker) ikke ~ (modtage|have|få) ~ (" + _MAIL + r")",
        r"(stop|hold op med) (at )?(sende|maile|skrive|kontakte)",
        r"ingen (flere )?(" + _MAIL + r")",
        r"frabeder ~ (reklame\w*|e-?mails|henvendelser|nyhedsbrev\w*|markedsføring)",
        r"(gør|gøre) indsigelse mod ~ (markedsføring|reklame|direkte markedsføring)\w*",
    ),
    "access": (
        r"indsigt\w*",
        r"hvilke (personlige )?(oplysninger|data|personoplysninger) ~ (har|opbevarer|behandler|gemmer)",
        r"kopi ~ (af )?(mine )?(person)?oplysninger",
    ),
    "deletion": (
        r"(slet|slette|sletning|fjern)\w* ~ (mine|min|mit|alle) ~ (" + _DATA + r")",
        r"ret til (sletning|at blive glemt)",
    ),
    "correction": (
        r"(rette|ændr|opdater|korriger|ret mit|ret min|ret mine)\w* ~ (mit|min|mine)? ~ (navn|efternavn|adresse|telefonnummer|nummer|e-?mail\w*|oplysninger)",
        r"ny (adresse|telefonnummer|e-?mailadresse)",
        r"berigtigelse",
    ),
    "opt_out_sale": (
        r"(sælg|del|videregiv)\w* ikke ~ (mine )?(person)?oplysninger",
        r"ikke (sælge|dele|videregive) ~ (mine )?(person)?oplysninger",
    ),
}

LIKELY = {
    "discontinue": (r"tilbagekald\w* ~ samtykke",),
    "correction": (r"(jeg er|vi er|er) flyttet",),
    "opt_out_sale": (r"salg af ~ (mine )?(person)?oplysninger",),
}
