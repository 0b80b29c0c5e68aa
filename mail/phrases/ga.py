"""Irish (many Irish senders write English, which the English table covers)."""

NEGATIONS = r"ní|níl|gan"
BOUNDARIES = r"ach|amháin|agus|le do thoil|freisin"

EXPLICIT = {
    "discontinue": (
        r"díliostáil\w*|dhíliostáil\w*|díliostaigh\w*",
        r"bain ~ (den|de) (liosta|liostaí|nuachtlitir)\w*",
        r"ná (seol|seolaigí|cuir) ~ (ríomhphost\w*|r-phost\w*|tuilleadh)",
        r"níl mé ag iarraidh ~ (ríomhphost\w*|r-phost\w*|tuilleadh)",
    ),
    "access": (
        r"cé(n| na) (fhaisnéis|sonraí) ~ (atá agaibh|a choimeádann)",
        r"rochtain ar ~ (mo )?(shonraí|sonraí)",
        r"cóip ~ (de )?(mo )?(shonraí|sonraí)",
    ),
    "deletion": (
        r"(scrios|scriosaigí|scriosaidh)\w* ~ (mo |mo chuid )?(shonraí|sonraí|chuntas|cuntas|phróifíl)",
        r"ceart ~ (dearmad|scriosadh)",
    ),
    "correction": (
        r"(ceartaigh|ceartaigí|athraigh|athraigí|nuashonraigh|leasaigh)\w* ~ (mo )?(ainm|sloinne|sheoladh|seoladh|uimhir|r-phost|ríomhphost|shonraí|sonraí)",
        r"seoladh nua|uimhir nua",
    ),
    "opt_out_sale": (r"ná (díol|díolaigí|roinn|roinnigí) ~ (mo )?(shonraí|sonraí|fhaisnéis)",),
}
