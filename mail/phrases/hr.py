"""Croatian."""

NEGATIONS = r"ne|nikad|nikada|bez|umjesto"
BOUNDARIES = r"ali|samo|nego|već|i|molim|također"

_DATA = r"podat\w*|podac\w*|račun\w*|korisnički račun\w*|profil\w*"

EXPLICIT = {
    "discontinue": (
        r"odjav\w*",
        r"ne (želim|želimo) (više )?(primati|dobivati)",
        r"(prestanite|prestati) ~ (slati|šaljete|slanje|slanjem)",
        r"(uklonite|izbrišite|maknite|obrišite) me ~ (s|sa|iz) ~ (popisa|liste|mailing\w*|newsletter\w*)",
        r"prigovor ~ (izravn\w* )?marketing\w*",
    ),
    "access": (
        r"koje (osobne )?podatke ~ (imate|čuvate|obrađujete|posjedujete)",
        r"pristup ~ (mojim )?(osobnim )?podacima",
        r"kopij\w* ~ podataka",
        r"pravo na pristup",
    ),
    "deletion": (
        r"(izbriš|obriš|brisanj|ukloni|izbris)\w* ~ (moje|mojih|moj|svih|sve)? ~ (" + _DATA + r")",
        r"pravo na (brisanje|zaborav)",
    ),
    "correction": (
        r"(ispravi|promijeni|ažuriraj|izmijeni|promjen|ispravak)\w* ~ (moje|moj|moju)? ~ (ime|prezime|adres\w*|broj\w*|telefon\w*|e-?mail\w*|podat\w*|podac\w*)",
        r"nova adresa|novi (broj|telefon)",
        r"pravo na ispravak",
    ),
    "opt_out_sale": (
        r"ne (prodajte|dijelite|prosljeđujte|ustupajte) ~ (moje )?(osobne )?podatke",
        r"prodaj\w* ~ (mojih )?(osobnih )?podataka",
    ),
}

LIKELY = {"discontinue": (r"povlačim ~ privol\w*",)}
