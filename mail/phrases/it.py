"""Italian (Lei, tu and voi forms; enclitic pronouns: "cancellatemi", "disiscrivermi")."""

NEGATIONS = r"non|mai|senza|invece di|anziché|né"
BOUNDARIES = r"ma|però|solo|soltanto|e|per favore|per cortesia|cortesemente|anche|inoltre|bensì"

_MAIL = (
    r"e-?mail|mail|email|newsletter|messaggi|comunicazioni( commerciali| promozionali)?|"
    r"pubblicità|promozioni|offerte|spam|notifiche|sms"
)
_LIST = r"liste?|mailing( list)?|newsletter|indirizzari\w*|elenc\w*|lista di distribuzione|invii"
_DATA = r"dati( personali)?|account|profilo|informazioni( personali)?|anagrafica|iscrizione al sito"
_FIELD = (
    r"nome|cognome|indirizzo( di casa| postale| di spedizione| di fatturazione| e-?mail| email)?|"
    r"numero di (telefono|cellulare)|telefono|cellulare|e-?mail|email|data di nascita|"
    r"dati( personali| anagrafici)?|recapiti|cap|codice postale"
)
_HAVE = r"avete|possedete|conservate|trattate|detenete|custodite|ha|possiede|conserva|tratta|memorizzate"

EXPLICIT = {
    "discontinue": (
        r"disiscri\w*|disiscriv\w*",
        r"(cancell|annull|revoc)\w* ~ (l')?iscrizione ~ (" + _LIST + r"|" + _MAIL + r")",
        r"(togli|rimuov|cancell|elimin|rimuova|tolga|cancelli|elimini|escluder|esclud)\w* ~ (dalla|dalle|dai|dal|da|dall'|dagli)(\s|)~ ("
        + _LIST
        + r")",
        r"non (voglio|desidero|vogliamo|desideriamo|intendo) (più )?(ricevere|essere contattat\w*|essere disturbat\w*)",
        r"non ~ più (ricevere|essere contattat\w*)",
        r"(smettete|smettetela|smetti|smettere|smetta|smettiate|basta) (di|con) (inviar|mandar|scriver|contattar|spammar|disturbar)\w*",
        r"non (mi |ci )?(mand|invi|scriv|contatt|disturb)\w* più",
        r"(mi oppongo|opposizione) ~ (marketing|pubblicità|invio|comunicazioni commerciali|trattamento ~ (marketing|commerciali|promozionali))",
        r"(basta|stop|niente più|non più) (" + _MAIL + r")",
    ),
    "access": (
        r"diritto (di|d') ?accesso",
        r"(quali|che) (dati|informazioni) ~ ("
        + _HAVE
        + r") ~ (su di me|di me|che mi riguardano|miei|relativi a me)",
        r"(quali|che) dati personali ~ (" + _HAVE + r")",
        r"copia (dei|di tutti i|di) (miei )?dati",
        r"richiesta di accesso",
        r"(sapere|conoscere) (quali|che) (dati|informazioni) ~ (" + _HAVE + r")",
        r"(accesso|accedere) ai (miei )?dati( personali)?",
    ),
    "deletion": (
        r"(cancell|elimin|rimuov|distrugg|rimozion)\w* ~ (i miei|tutti i miei|il mio|mio|miei|mia|la mia) ~ ("
        + _DATA
        + r")",
        r"diritto (all'|all |alla |di )(oblio|cancellazione)",
        r"(cancell|elimin|rimuov)\w* ~ (dal|dai|dalla|dalle) (vostro |vostri |vostra |vostre |suo |sua )?(database|sistema|sistemi|archivio|archivi|registri|banca dati|banche dati|gestionale)",
        r"(chiuder|chiusura|disattiv)\w* ~ (il mio |mio )?account",
    ),
    "correction": (
        r"(modific|aggiorn|corregg|correzione|rettific|cambi|sistemar)\w* ~ (il mio |la mia |i miei |mio |mia |miei |l'|il |la )~ ("
        + _FIELD
        + r")",
        r"("
        + _FIELD
        + r") (è|e|sono|risulta|risultano) ~ (sbagliat|errat|non corrett|scritt\w* male|non aggiornat|inesatt|vecchi|cambiat)\w*",
        r"diritto di rettifica",
        r"rettifica",
        r"(errore|refuso) (nel|nella|nei) (mio |mia |miei )?(" + _FIELD + r")",
        r"(il mio|la mia) (nuovo|nuova) (indirizzo|numero|email|e-mail|cognome) (è|sarà)",
    ),
    "opt_out_sale": (
        r"non (vend|ced|condivid|comunic|trasferi|cedi)\w* ~ (miei )?(dati|informazioni)",
        r"(mi oppongo|opposizione) (alla|a) (vendita|cessione|condivisione|comunicazione) ~ dati",
        r"(smettete|smettere|smettetela) di (vendere|cedere|condividere) ~ dati",
        r"non (voglio|desidero) che ~ (vend|ced|condivid)\w* ~ dati",
    ),
}

LIKELY = {
    "discontinue": (
        r"^(stop|cancellami|disiscrivimi|rimuovimi|toglimi)\W*$",
        r"(revoc|ritir)\w* ~ consenso",
        r"(cancellatemi|toglietemi|rimuovetemi|cancellami|toglimi|rimuovimi)",
    ),
    "access": (r"portabilità",),
    "deletion": (r"(cancellatemi|eliminatemi) (del tutto|completamente|definitivamente)",),
    "correction": (
        r"(mi sono|ci siamo) trasferit\w*",
        r"ho cambiato (casa|indirizzo|numero)",
        r"(nuovo|nuova) (indirizzo|numero di telefono|email|e-mail)",
    ),
    "opt_out_sale": (r"(vendita|cessione|condivisione) (dei )?(miei )?dati",),
}

VAGUE = {
    "discontinue": (r"troppe (email|mail|e-mail|newsletter)",),
    "access": (r"(come|dove) avete (ottenuto|preso|trovato) ~ (dati|indirizzo|email|mail)",),
}
