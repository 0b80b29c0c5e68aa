"""Latvian (negation is a prefix: "nevēlos" is "I don't wish")."""

NEGATIONS = r"ne|nevēlos|negribu|nav|nekad|bez"
BOUNDARIES = r"bet|tikai|un|lūdzu|arī"

EXPLICIT = {
    "discontinue": (
        r"atrakstī\w*|atrakst\w*",
        r"(nevēlos|negribu|nevēlamies) ~ saņemt",
        r"(izdzēsiet|izņemiet|noņemiet) mani ~ (no )?(saraksta|jaunumu|vēstkopas|adresātu)\w*",
        r"pārtrauciet ~ (sūtīt|sūtīšanu)",
        r"iebilstu ~ (tiešā )?(mārketing|tirgvedīb)\w*",
    ),
    "access": (
        r"kādus (personas )?datus ~ (glabājat|apstrādājat|jums ir|uzglabājat)",
        r"piekļuv\w* ~ (maniem )?(personas )?datiem",
        r"kopij\w* ~ (manu )?(personas )?datu",
    ),
    "deletion": (
        r"(dzēst|izdzēst|izdzēsiet|dzēsiet|dzēšana|dzēšanu)\w* ~ (manus |visus )?(personas )?(datus|datu|kontu|profilu)",
        r"tiesības (tikt aizmirstam|uz dzēšanu)",
    ),
    "correction": (
        r"(labot|labojiet|mainīt|mainiet|atjaunot|atjauniniet|izlabojiet)\w* ~ (manu |manus )?(vārdu|uzvārdu|adresi|tālruni|tālruņa numuru|numuru|e-?pasta adresi|datus)",
        r"jauna (adrese|e-?pasta adrese)|jauns (tālrunis|tālruņa numurs)",
    ),
    "opt_out_sale": (r"nepārdodiet ~ (manus )?(personas )?datus",),
}

LIKELY = {"discontinue": (r"atsaucu ~ piekrišan\w*",)}
