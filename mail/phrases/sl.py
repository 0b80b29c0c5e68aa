"""Slovenian."""

NEGATIONS = r"ne|nikoli|brez|namesto"
BOUNDARIES = r"ampak|vendar|samo|le|in|prosim|tudi"

_DATA = r"podatk\w*|račun\w*|profil\w*"

EXPLICIT = {
    "discontinue": (
        r"odjav\w*",
        r"ne (želim|želimo) (več )?(prejemati|dobivati)",
        r"(prenehajte|nehajte) ~ (pošiljati|pošiljanjem|pošiljanje)",
        r"(odstranite|izbrišite) me ~ (s|z|iz) ~ (seznam\w*|list\w*|e-?novic\w*|novičnik\w*)",
        r"ugovor ~ (neposredn\w* )?(trženj\w*|marketing\w*)",
    ),
    "access": (
        r"katere (osebne )?podatke ~ (imate|hranite|obdelujete)",
        r"dostop ~ (do )?(mojih )?(osebnih )?podatkov",
        r"kopij\w* ~ podatkov",
        r"pravica do dostopa",
    ),
    "deletion": (
        r"(izbriš|zbriš|izbris|odstranit)\w* ~ (moje|mojih|moj|vse)? ~ (" + _DATA + r")",
        r"pravica do (izbrisa|pozabe)",
    ),
    "correction": (
        r"(poprav|spremen|spremem|posodob)\w* ~ (moje|moj|mojo|mojega)? ~ (ime|priimek|naslov\w*|številk\w*|telefon\w*|e-?pošt\w*|e-?poštni naslov|podatk\w*)",
        r"nov (naslov|telefon|e-?poštni naslov)|nova (telefonska )?številka",
        r"pravica do popravka",
    ),
    "opt_out_sale": (
        r"ne (prodajajte|delite|posredujte) ~ (mojih )?(osebnih )?podatkov",
        r"prodaj\w* ~ (mojih )?(osebnih )?podatkov",
    ),
}

LIKELY = {"discontinue": (r"preklic\w* ~ (privolitv\w*|soglasj\w*)",)}
