"""Estonian."""

NEGATIONS = r"ei|ära|ärge|mitte|kunagi|ilma"
BOUNDARIES = r"aga|vaid|ainult|ja|palun|samuti"

EXPLICIT = {
    "discontinue": (
        r"loobu\w* ~ (uudiskirja\w*|teavitustest|turundus\w*|e-?kirjadest|meilidest)",
        r"(eemaldage|kustutage) mind ~ (nimekirjast|listist|postiloendist|uudiskirja\w*|meililistist)",
        r"ei (soovi|taha) ~ (saada|enam)",
        r"lõpetage ~ (saatmine|saatmise|kirjade saatmine|meilide saatmine)",
        r"(vastuväide|vaidlustan) ~ otseturundus\w*",
    ),
    "access": (
        r"milliseid (isiku)?andmeid ~ (teil on|te töötlete|säilitate|kogute|on)",
        r"(juurdepääs|ligipääs) ~ (minu )?(isiku)?andmetele",
        r"koopia ~ (minu )?(isiku)?andmetest",
    ),
    "deletion": (
        r"(kustuta|kustutage|kustutamine|kustutada)\w* ~ (minu )?(kõik )?(isiku)?(andme\w*|konto\w*|profiil\w*)",
        r"õigus olla unustatud",
    ),
    "correction": (
        r"(parandage|muutke|uuendage|parandada|muuta|uuendada)\w* ~ (minu )?(nime|nimi|perekonnanime|aadressi|aadress|telefoninumbrit|e-?posti\w*|andmeid)",
        r"uus (aadress|telefoninumber|e-?posti aadress)",
    ),
    "opt_out_sale": (r"ärge (müüge|jagage|edastage) ~ (minu )?(isiku)?andme\w*",),
}

LIKELY = {"discontinue": (r"võtan ~ nõusoleku tagasi",)}
