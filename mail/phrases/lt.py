"""Lithuanian (negation is a prefix: "nenoriu" is "I don't want")."""

NEGATIONS = r"ne|nenoriu|nebenoriu|niekada|be"
BOUNDARIES = r"bet|tik|ir|prašau|taip pat"

EXPLICIT = {
    "discontinue": (
        r"atsisak\w* ~ (naujienlaiški\w*|prenumerat\w*|laišk\w*|reklam\w*|pranešim\w*)",
        r"(išbraukite|pašalinkite|ištrinkite) mane ~ (iš )?(sąrašo|adresatų|naujienlaiški\w*)",
        r"(nenoriu|nebenoriu|nepageidauju|nebepageidauju) ~ (gauti|kad ~ siųstumėte)",
        r"(nustokite|liaukitės) ~ siųst\w*",
        r"nesiųskite",
        r"prieštarauju ~ (tiesiogin\w* )?rinkodar\w*",
    ),
    "access": (
        r"(kokius|kokie) (asmens )?duomen\w* ~ (turite|saugote|tvarkote|apie mane)",
        r"susipažin\w* ~ (su )?(savo |mano )?(asmens )?duomen\w*",
        r"kopij\w* ~ duomen\w*",
    ),
    "deletion": (
        r"(ištrink|ištrinti|ištrynim|panaikint|panaikink)\w* ~ (mano |visus )?(asmens )?(duomen\w*|paskyr\w*|profil\w*)",
        r"teisė (būti pamiršt\w*|ištrinti)",
    ),
    "correction": (
        r"(pataisyk|pataisyti|pakeisk|pakeisti|atnaujink|atnaujinti|ištaisyk)\w* ~ (mano )?(vard\w*|pavard\w*|adres\w*|telefon\w*|numer\w*|el\.? pašto adres\w*|duomen\w*)",
        r"naujas (adresas|telefono numeris|el\.? pašto adresas)",
    ),
    "opt_out_sale": (r"(neparduokite|neperduokite|nesidalinkite) ~ (mano )?(asmens )?duomen\w*",),
}

LIKELY = {"discontinue": (r"atšaukiu ~ sutikim\w*",)}
