"""Finnish (negation is a verb: "en halua" is "I don't want"; "tilaus" is also an order)."""

NEGATIONS = r"en|ei|emme|ette|eivät|eikä|ilman"
BOUNDARIES = r"mutta|vaan|vain|ainoastaan|ja|kiitos|myös"

EXPLICIT = {
    "discontinue": (
        r"(peru|peruuta|peruutan|lopeta|lopettakaa|lopetan)\w* ~ uutiskirje\w*",
        r"uutiskirje\w* ~ (tilaus )?(peru|lopet)\w*",
        r"poista\w* ~ (minut|osoitteeni|sähköpostiosoitteeni) ~ \w*(listalta|listoilta|listasta|uutiskirje\w*|postitukse\w*)",
        r"en (halua|enää halua) ~ (sähköpost\w*|viestejä|mainoks\w*|uutiskirje\w*|markkinointi\w*)",
        r"lopettakaa ~ (lähettäminen|lähettämästä|lähettämistä|sähköpost\w*|viest\w*)",
        r"kiellä\w* ~ suoramarkkinoin\w*|suoramarkkinointikielto",
    ),
    "access": (
        r"mitä (henkilö)?tieto\w* ~ (teillä|säilytätte|käsittelette|on)",
        r"tarkastusoikeu\w*|tarkastuspyyn\w*",
        r"kopio\w* ~ (henkilö)?tiedoist\w*",
    ),
    "deletion": (
        r"poista\w* ~ (kaikki )?(minun )?(henkilö)?(tieto|tiedo)\w*",
        r"poista\w* ~ (tili|tilini|käyttäjätili|profiili)\w*",
        r"oikeus (tulla unohdetuksi|tietojen poistamiseen)",
    ),
    "correction": (
        r"(korja|muut|päivit)\w* ~ (nimi|nimeni|sukunimi\w*|osoite|osoitteeni|osoitteen|puhelinnumero\w*|sähköpostiosoite\w*|tiedot|tietoni)",
        r"(nimi|nimeni|osoite|osoitteeni|puhelinnumero\w*) ~ (väärin|virheellinen|on muuttunut|muuttunut)",
        r"uusi (osoite|osoitteeni|puhelinnumero|sähköpostiosoite)\w*",
    ),
    "opt_out_sale": (
        r"älkää (myykö|jakako|luovuttako) ~ (tieto|tiedo)\w*",
        r"kiellän ~ (myynni|luovutuksen)\w*",
    ),
}

LIKELY = {
    "discontinue": (r"peruutan suostumukse\w*|suostumukse\w* peruutta\w*",),
    "correction": (r"olen muuttanut",),
}
