"""Article numbers of the GDPR and the CCPA, cited the same way in every language."""

NEGATIONS = ""
BOUNDARIES = ""

# The regulation's name or number in the EU's languages: GDPR, DSGVO, RGPD, AVG, RODO, ...
_ACT = (
    r"gdpr|dsgvo|ds-gvo|rgpd|avg|rodo|vdar|bdar|iküm|ouzp|suvp|орзд|γκπδ|2016/679|"
    r"tietosuoja-asetu\w*|dataskyddsförordning\w*|databeskyttelsesforordning\w*|"
    r"general data protection regulation"
)
_ARTICLE = r"(art|article|artikel|artículo|articolo|artigo|artykuł|článek|članak|cikk|artikla|straipsn|αρθρο|член)\w*\.? ?"


def _cited(number: str) -> tuple[str, str]:
    """The article before or after the act: "Art. 15 DSGVO", "GDPR Article 15"."""
    return (
        _ARTICLE + number + r"(\(\d\)|\.\d)? ~ (" + _ACT + r")",
        r"(" + _ACT + r") ~ " + _ARTICLE + number,
    )


EXPLICIT = {
    "access": (*_cited("15"), r"1798\.(100|110|115)"),
    "correction": (*_cited("16"), r"1798\.106"),
    "deletion": (*_cited("17"), r"1798\.105"),
    "discontinue": _cited("21"),
    "opt_out_sale": (r"1798\.(120|135)",),
}
