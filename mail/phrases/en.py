"""English, also written by many non-native senders: "unsubscribe" is understood everywhere."""

NEGATIONS = (
    r"not|\w+n't|dont|doesnt|didnt|wont|cant|cannot|never|no need to|without|rather than|"
    r"instead of"
)
BOUNDARIES = r"but|so|and|just|only|please|pls|plz|however|also|instead"

_MAIL = (
    r"e-?mails?|mails?|e-?mailing|mailings?|newsletters?|messages|marketing|promotions?|offers|"
    r"spam|communications?|ads|adverts?|advertising|promos?"
)
_RECEIVE = r"rec(ei|ie)ve|get|be sent|hear from you|be contacted|be e-?mailed"
_MINE = r"my|all my|all of my|our|all our"
_DATA = (
    r"personal data|data|personal information|information|info|details|personal details|"
    r"records|profile|everything"
)
_FIELD = (
    r"(first |last |family |sur|maiden )?name|surname|spelling of my name|(postal |home |mailing |"
    r"shipping |billing |street |delivery )?address|street|post ?code|zip( code)?|"
    r"(phone|mobile|cell|telephone|contact) (number|no)|phone|mobile|telephone|"
    r"e-?mail address|e-?mail(?! preferences| settings| frequency)|date of birth|birthday|title|"
    r"contact details|personal details"
)
_HOLD = r"hold\w*|have|has|stor\w*|keep\w*|process\w*|collect\w*|got"
_YOU = r"you|u|your company|your firm|your shop|you guys"

EXPLICIT = {
    "discontinue": (
        r"unsub\w* (me|us|my|this|from)",
        r"(be|get|being|getting) (removed|taken off|deleted) (from|off) ~ (lists?|mailing|mailings|newsletters?|distribution)",
        r"please unsubscribe",
        r"stop (sending|e-?mailing|mailing|contacting|spamming|messaging|texting|bothering)( me| us|)",
        r"(stop|cease|halt) ~ (" + _MAIL + r")",
        r"(want|get me|let me) out of ~ (lists?|mailing|newsletters?)",
        r"(remove|take|delete|drop|erase|unsubscribe|unlist|strike|cross) (me|us|my ~ (address|details|e-?mail|name)|this ~ address|\S+@\S+) (from|off) ~ (lists?|mailing|mailings|newsletters?|distribution|marketing|subscribers)",
        r"(take|get) (me|us) off",
        r"no (more|further|longer any) (" + _MAIL + r")",
        r"no (spam|marketing|newsletters|promotions|advertising) (please|thanks|thank you)",
        r"(don't|do not|dont) (want|need) (any )?(more |further )?(" + _MAIL + r")",
        r"no longer (want|wish to (" + _RECEIVE + r")) (any |your )?(" + _MAIL + r")",
        r"(no longer|don't|do not|dont) (wish|want|like|care) to (" + _RECEIVE + r")",
        r"(don't|do not|dont|never) (ever )?(e-?mail|contact|mail|message|spam) (me|us)",
        r"(don't|do not|dont) send (me|us) (any )?(more|further|anything|" + _MAIL + r")",
        r"opt(ed|ing)? (me )?out (of|from) ~ (" + _MAIL + r"|lists?|mailing lists?)",
        r"object(ing)? to ~ (direct marketing|marketing|profiling for marketing)",
        r"object\w* (to )?~ (processing|use|using) ~ (for|in|of) ~ (direct )?(marketing|advertising|profiling)",
        r"(can't|cannot|could not|couldn't|unable to|impossible to|failed to|trying to|tried to) unsubscribe",
    ),
    "access": (
        r"(data )?subject access( request)?",
        r"dsar",
        r"right (of|to) access",
        r"(what|which) personal (data|information|info|details) ~ (do|does|are|is|have|has) ("
        + _YOU
        + r")",
        r"(what|which) (data|information|info|details) ~ (do|does|have|has) ("
        + _YOU
        + r") ~ ("
        + _HOLD
        + r") ~ (about|on|of|regarding|concerning) (me|us|myself)",
        r"(what|which) (personal )?(data|information|info|details) ("
        + _YOU
        + r") ~ ("
        + _HOLD
        + r") ~ (about|on|of) (me|us)",
        r"(do|does) ("
        + _YOU
        + r") (hold|have|store|keep|process) (any )?(personal )?(data|information|info|details) (about|on|of) (me|us)",
        r"copy of (all )?(my|the personal|any personal|all personal) (personal )?(data|information|info|records)",
        r"copy of ~ (data|information) (" + _YOU + r") ~ (" + _HOLD + r")",
        r"right to know ~ (data|information|info|collect\w*)",
        r"request(ing)? access to",
        r"what (do|does) (" + _YOU + r") (know|have|hold|store|keep) (about|on) (me|us)",
        r"(data|information|info|details|everything) (that |which )?(you|you've|you have|u|your company) ~ (on|about|of|regarding) (me|us|myself)",
        r"(send|give|e-?mail|forward|provide) (me|us) ~ (my|all my|our) (personal )?(data|information|info)",
    ),
    "deletion": (
        r"(delete|erase|remove|purge|wipe|destroy|scrub|erasure of|deletion of) ~ ("
        + _MINE
        + r") ~ ("
        + _DATA
        + r"|account|accounts|customer account|user account)",
        r"(delete|erase|remove|purge|wipe) (all|any) ~ (data|information) ~ (about|on|of) (me|us)",
        r"(delete|erase|remove|purge|wipe) (me|us) (from|in|out of) ~ (database|databases|system|systems|records|files|crm|servers?)",
        r"right to (be forgotten|erasure|deletion)",
        r"(data |account )?(deletion|erasure) request",
        r"request(ing)? (the )?(deletion|erasure)",
        r"(close|deactivate|terminate|cancel) ~ my (customer |user )?account",
        r"anonymi[sz]e ~ my ~ (data|information|account)",
        r"(my|all my|our) ("
        + _DATA
        + r"|account) ~ (deleted|erased|removed|wiped|destroyed|purged)",
    ),
    "correction": (
        r"(update|change|correct|fix|amend|rectify|edit|modify|adjust) ~ (my|our) ~ ("
        + _FIELD
        + r")",
        r"(my )?("
        + _FIELD
        + r") (is|are|was|were|has been|have been) ~ (wrong|incorrect|misspel\w*|spelt wrong|spelled wrong|spelled incorrectly|not correct|outdated|out of date|inaccurate|no longer valid|no longer correct)",
        r"(typo|mistake|error|misspelling) in my (" + _FIELD + r")",
        r"rectif(y|ication)",
        r"my new (postal |home |mailing |shipping |billing )?(address|phone number|mobile number|number|e-?mail address|e-?mail|surname|last name|name) (is|will be)",
        r"my (" + _FIELD + r") (has |have )?changed",
        r"my (" + _FIELD + r") is now",
        r"(update|change|correct|fix|amend|edit) (the )?("
        + _FIELD
        + r") (on|in|for|of) (my|our) (account|profile|records|details|file|customer file)",
    ),
    "opt_out_sale": (
        r"(do not|don't|dont|never|not to|stop|no) (ever )?(sell|selling|share|sharing|sell or share|sell and share|sell/share) ~ ("
        + _DATA
        + r")",
        r"opt(ed|ing)? (me )?out (of|from) ~ (the )?(sale|selling|sharing|sell|share)",
        r"(limit|restrict) the use of my (sensitive )?personal (data|information)",
        r"(do not|don't|dont|never) consent to ~ (sale|selling|sharing|sell|share)",
        r"(object|objection|objecting) to ~ (sale|selling|sharing) of ~ (" + _DATA + r")",
        r"opt(ed|ing)? (me )?out (of|from) ~ (targeted|cross context|behaviou?ral|personali[sz]ed) (advertising|ads)",
        r"(don't|do not) want ~ (data|information|details) (to be )?(sold|shared)",
    ),
}

LIKELY = {
    "discontinue": (
        r"unsub\w*",
        r"opt(ed|ing)? (me )?out",
        r"^(stop|remove|remove me|cancel)\W*$",
        r"(remove|take) (me|us)( please| thanks| thank you|)(?=\W*$)",
        r"(withdraw|revoke|withdrawing|revoking|withdrawal of) (my |our )?consent",
        r"(cancel|end|terminate) ~ (subscription|newsletter)",
        r"stop (receiving|getting)",
        r"(remove|delete|take) ~ (e-?mail address|address) ~ (from|off) ~ (lists?|mailing|database)",
    ),
    "access": (
        r"(access|insight) (to )?(" + _MINE + r") (personal )?(data|information|records)",
        r"(what|which) (data|information|info|details) ~ (do|does|have|has) ("
        + _YOU
        + r") ~ (hold\w*|stor\w*|keep\w*|process\w*|collect\w*)",
        r"(download|export|portability of) ~ my (personal )?(data|information)",
        r"data portability",
    ),
    "deletion": (
        r"forget (me|us|about me)",
        r"(don't|do not) (keep|store|retain) ~ my ~ (data|information|details)",
        r"(delete|erase) (me|us)( completely| entirely| everywhere| please|)(?=\W*$)",
    ),
    "correction": (
        r"(i|we)('ve| have|) (recently |just )?(moved|relocated)( house| home| to)",
        r"(my |our )?new (postal |home |mailing |shipping |billing )?(address|phone number|mobile number|e-?mail address)",
        r"(misspel\w*|spelled wrong|spelt wrong|wrongly spelled|spelled incorrectly)",
        r"(i|we)('ve| have|) (got|been|just got|recently got) married",
        r"(my )?(old|previous|former) (address|surname|name|e-?mail address|phone number)",
        r"(i|we) (now )?live (now )?at",
    ),
    "opt_out_sale": (
        r"(sell|sold|selling|share|shared|sharing) ~ ("
        + _DATA
        + r") (with|to) (third parties|third party|partners|advertisers|data brokers|brokers|others)",
        r"do not sell",
    ),
}

VAGUE = {
    "discontinue": (
        r"(too many|so many|constant|endless|daily) (e-?mails|newsletters|messages|mails)",
        r"(never|not) (signed|subscribed) (up )?(to|for)",
        r"leave (me|us) alone",
    ),
    "access": (
        r"(where|how) did you (get|obtain|find) (my|our) (e-?mail|address|data|details|number|information|info)",
    ),
    "correction": (r"(wrong|incorrect|outdated) (name|surname|e-?mail address|phone number)",),
}
