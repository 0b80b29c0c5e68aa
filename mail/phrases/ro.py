"""Romanian (ș and ț are folded whether written with a comma or a cedilla)."""

NEGATIONS = r"nu|niciodată|fără|în loc să"
BOUNDARIES = r"dar|doar|numai|ci|și|vă rog|te rog|de asemenea|însă"

_DATA = r"datele|datelor|date personale|contul|contului|profilul|informațiile"

EXPLICIT = {
    "discontinue": (
        r"dezabon\w*",
        r"nu (mai )?(doresc|vreau|dorim) să (mai )?(primesc|primim|fiu contactat\w*|fim contactați)",
        r"(eliminați|ștergeți|scoateți|excludeți)\w* ~ (din|de pe) ~ (lista|listele|newsletter\w*|listă)",
        r"(opriți|încetați|nu mai) ~ (trimiterea|să (îmi |ne )?(mai )?trimiteți|trimiteți)",
        r"mă opun ~ (marketing\w*|publicit\w*|prelucr\w* ~ marketing)",
    ),
    "access": (
        r"(ce|care) (date|informații) ~ (dețineți|aveți|prelucrați|stocați|păstrați)",
        r"acces\w* ~ datele (mele|personale|cu caracter personal)",
        r"copie ~ datelor",
        r"dreptul de acces",
    ),
    "deletion": (
        r"(șterg|ștergeți|ștergerea|șterge|eliminați|eliminarea)\w* ~ (" + _DATA + r")",
        r"dreptul (de a fi uitat|la ștergere\w*)",
    ),
    "correction": (
        r"(modific|corect|actualiz|rectific|schimb)\w* ~ (numele|adresa|numărul|telefonul|e-?mailul|adresa de e-?mail|datele|data nașterii)",
        r"noua (mea )?adresă|(noul|noua) (meu |mea )?(număr|adresă)",
        r"rectificare\w*",
    ),
    "opt_out_sale": (
        r"nu (vindeți|vinde|partajați|împărtășiți|transmiteți|înstrăinați) ~ datele",
        r"mă opun ~ (vânzării|vânzarea|transmiterii) ~ datelor",
    ),
}

LIKELY = {
    "discontinue": (r"(retrag|retragerea) ~ consimțământ\w*",),
    "opt_out_sale": (r"vânzarea ~ datelor",),
}
