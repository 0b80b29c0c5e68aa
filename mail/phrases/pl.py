"""Polish."""

NEGATIONS = r"nie|nigdy|bez|zamiast"
BOUNDARIES = r"ale|tylko|jedynie|i|oraz|proszę|prosze|także|również"

_DATA = r"dane( osobowe)?|danych( osobowych)?|konto|konta|profil|informacje"

EXPLICIT = {
    "discontinue": (
        r"wypis\w*|wypisz\w*",
        r"rezygn\w* ~ (newslettera|subskrypcji|mailingu|otrzymywania|wiadomości|maili|e-?maili)",
        r"nie (chcę|chce|chcemy|życzę sobie) (już |więcej )?(otrzymywać|dostawać|otrzymać|żadnych)",
        r"(usuń|usuńcie|usunąć|wykreśl|wykreślcie|wypiszcie)\w* ~ (z|ze) ~ (listy|list|newslettera|mailingu|bazy mailingowej|subskrypcji)",
        r"przesta\w* ~ (wysyła|przesyła|pisa|spamowa)\w*",
        r"sprzeciw ~ (marketing|reklam|przetwarzani\w* ~ marketing)\w*",
    ),
    "access": (
        r"(dostęp|dostępu) do (moich |swoich )?danych",
        r"jakie (dane|informacje) ~ (posiadacie|przechowujecie|przetwarzacie|macie|posiada|przetwarza)",
        r"kopi\w* ~ (moich |swoich )?danych",
        r"prawo dostępu",
    ),
    "deletion": (
        r"usu\w* ~ (moje|moich|mojego|moją|wszystkie|wszystkich) ~ (" + _DATA + r")",
        r"usunięci\w* ~ (" + _DATA + r")",
        r"prawo do (bycia zapomnianym|usunięcia danych|usunięcia)",
    ),
    "correction": (
        r"(zmie|zmian|popraw|sprostow|aktualiz|zaktualiz)\w* ~ (imi\w*|nazwisk\w*|adres\w*|numer\w* telefonu|telefon\w*|e-?mail\w*|dane|danych)",
        r"(nowy|mój nowy) (adres|numer)",
        r"sprostowani\w*",
    ),
    "opt_out_sale": (
        r"nie (sprzedawa|udostępnia|przekazywa|sprzedaj|udostępnij|przekaz)\w* ~ danych",
        r"sprzeciw ~ (sprzedaż|udostępnian|przekazywan)\w* ~ danych",
    ),
}

LIKELY = {
    "discontinue": (r"(cofam|wycofuję|wycofanie|odwołuję) ~ zgod\w*",),
    "opt_out_sale": (r"sprzedaż\w* ~ (moich )?danych",),
}
