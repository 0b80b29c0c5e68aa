"""Maltese (many Maltese senders write English, which the English table covers)."""

NEGATIONS = r"ma|mhux|qatt|bla"
BOUNDARIES = r"imma|biss|u|jekk jogħġbok|ukoll"

EXPLICIT = {
    "discontinue": (
        r"neħħ\w* ~ (mil|minn) ~ (lista|newsletter|mailing)",
        r"ma (rridx|nixtieqx|irridx) ~ nirċievi",
        r"(tibagħtulix|tibagħtux|tibgħatuli|tibagħtuli) ~ aktar",
        r"(ieqfu|waqqfu|tieqfu) ~ (tibagħtu|tibgħatu|emails?|messaġġi)",
    ),
    "access": (
        r"(liema|x') data ~ (għandkom|iżżommu|tipproċessaw)",
        r"aċċess (għad|għall|għal|lid) ~ data",
        r"kopja ~ data",
    ),
    "deletion": (
        r"(ħassru|ħassar|tħassar|tħassru|tneħħu)\w* ~ (id |l |il )?(data|kont|profil)\w*",
        r"dritt ~ (li tintesa|tħassir)",
    ),
    "correction": (
        r"(ikkoreġu|ikkoreġi|aġġornaw|aġġorna|ibdlu|biddlu)\w* ~ (l |il )?(isem|kunjom|indirizz|numru|email|data)\w*",
        r"indirizz ġdid|numru ġdid",
    ),
    "opt_out_sale": (r"(tbigħux|taqsmux|tgħaddux) ~ (id )?data",),
}

LIKELY = {"discontinue": (r"(nirtira|nirtiraw|irtira|ġbed lura) ~ kunsens",)}
