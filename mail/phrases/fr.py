"""French (vous and tu forms; "ne ... plus" is a request, "ne ... pas" before a phrase cancels it)."""

NEGATIONS = r"ne|n'\w+|pas|jamais|sans|plutôt que|au lieu de|aucune?|ni"
BOUNDARIES = (
    r"mais|seulement|juste|uniquement|et|svp|stp|s'il vous plaît|s'il te plaît|merci de|aussi|"
    r"également|par contre|cependant|simplement"
)

_MAIL = (
    r"e-?mails?|mails?|courriels?|newsletters?|lettres? d'information|messages|publicités?|pubs?|"
    r"offres|promotions?|sollicitations?|spams?|communications?|envois|notifications"
)
_LIST = (
    r"listes?|liste de diffusion|newsletters?|mailing|mailings|fichier (client|clients|marketing|"
    r"de prospection)|diffusion|envois|lettre d'information|abonnés"
)
_DATA = r"données( personnelles)?|informations( personnelles)?|compte|profil|coordonnées|fiche"
_FIELD = (
    r"nom( de famille)?|prénom|adresse( postale| de livraison| de facturation| e-?mail| mail|"
    r" électronique)?|numéro de (téléphone|portable|mobile)|téléphone|portable|e-?mail|courriel|"
    r"date de naissance|coordonnées|données( personnelles)?|code postal|civilité"
)
_HAVE = r"détenez|possédez|avez|conservez|stockez|traitez|disposez|gardez|collectez|détient|possède"

EXPLICIT = {
    "discontinue": (
        r"désabonn\w*",
        r"désinscri\w*|désinscriv\w*",
        r"(retir|supprim|enlev|effac|ray|sort|ôt)\w* ~ (de|des|du) ~ (" + _LIST + r")",
        r"ne (veux|souhaite|désire|voudrais|souhaiterais|désirerais|veut|souhaitons|voulons|désirons|veux vraiment) (plus|pas) (recevoir|être (contacté|sollicité|démarché)\w*|de vos|d'e-?mails|de mails|de courriels|vos)",
        r"ne plus (recevoir|être (contacté|sollicité|démarché)\w*)",
        r"ne plus (m'|me |nous )?(envoy|écri|contact|sollicit)\w*",
        r"(arrêt|cess)\w* (de |d')(m'|me |nous )?(envoy|écri|contact|spam|sollicit|harcel|import|démarch)\w*",
        r"(arrêt|cess)\w* ~ (" + _MAIL + r")",
        r"(ne m'envoyez|n'envoyez|ne nous envoyez|ne m'écrivez|ne me contactez|ne m'envoie) (plus|pas|rien|jamais)",
        r"(je m'oppose|opposition|m'opposer) ~ (prospection|marketing|publicit\w*|sollicitations?|démarchage|newsletter|envoi|communications? commerciales?)",
        r"(plus de|pas de|assez de|stop aux?) (" + _MAIL + r") (svp|s'il vous plaît|merci|!)",
    ),
    "access": (
        r"droit (d'|de |d )accès",
        r"(quelles|quels) (sont )?(les |vos )?(données|informations) ~ (" + _HAVE + r")",
        r"copie ~ (mes|des|de mes|de toutes mes|de l'ensemble de mes) (données|informations)",
        r"demande (d'|de |d )accès",
        r"(accéder|accès) (à|aux) (mes|toutes mes|l'ensemble de mes) (données|informations)",
        r"(communiquer|transmettre|envoyer|fournir)\w* ~ (l'ensemble des|toutes les|les) (données|informations) (que vous|vous concernant|me concernant)",
    ),
    "deletion": (
        r"(suppr|effac|détrui|destruction)\w* ~ (mes|toutes mes|l'ensemble de mes|mon|ma) ~ ("
        + _DATA
        + r")",
        r"droit (à l'|a l'|a l |à l |au |à )(effacement|oubli)",
        r"(supprim|effac)\w* (moi |nous )?~ (de|dans) (votre|vos|la|le) (base|bases|fichier|fichiers|système|systèmes|crm)",
        r"demande (de suppression|d'effacement)",
        r"(ferm|clôtur|désactiv|résili)\w* ~ (mon|le) compte",
    ),
    "correction": (
        r"(modifi|corrig|rectifi|chang|actualis|mettre à jour|mettez à jour|mise à jour)\w* ~ (mon |ma |mes |le |la |l'|les )~ ("
        + _FIELD
        + r")",
        r"("
        + _FIELD
        + r") (est|sont|a été|ont été|semble) ~ (mal orthographi|erron|incorrect|faux|fausse|inexact|mal écrit|obsolète|plus à jour|plus valable|mal saisi)\w*",
        r"(faute|erreur|coquille) (dans|sur|de) (mon|ma|mes) (" + _FIELD + r")",
        r"droit (de|à la) rectification",
        r"(j'ai|nous avons|ai) changé (d'adresse|de nom|de numéro|d'e-?mail|de coordonnées)",
        r"(" + _FIELD + r") (a|ont) changé",
        r"rectification",
        r"(ma|mon) (nouvelle|nouvel|nouveau) (adresse|numéro|téléphone|e-?mail|courriel|nom) (est|sera)",
    ),
    "opt_out_sale": (
        r"ne (\w+ )?(pas |jamais |plus )?(vend|partag|céd|transmet|lou|communiqu|commercialis)\w* (pas |jamais |plus )?~ (données|informations|coordonnées)",
        r"(m'oppose|opposition|m'opposer) (à|a) (la |au )?(vente|cession|partage|location|transmission|transfert) ~ (données|informations|coordonnées)",
        r"(arrêt|cess)\w* de (vendre|partager|céder|louer|transmettre) ~ (données|informations)",
        r"(refuse|ne veux pas|ne souhaite pas|n'accepte pas) que ~ (vend|partag|céd|transmet|lou|commercialis)\w* ~ (données|informations|coordonnées)",
        r"(interdis|interdiction) ~ (vente|vendre|cession|céder|transmission|transmettre|partage|partager) ~ (données|informations|coordonnées)",
        r"(refuse|ne veux pas|ne souhaite pas|n'accepte pas) que ~ (données|informations|coordonnées) (soient|soit) ~ (vendu|partag|céd|transmis|loué|commercialis)\w*",
    ),
}

LIKELY = {
    "discontinue": (
        r"^(stop|désabonnement|désinscription)\W*$",
        r"(retir|révoqu|révocation|retrait)\w* ~ consentement",
        r"(annul|résili)\w* ~ (abonnement|inscription) ~ (newsletter|lettre|liste|mails|e-?mails)",
        r"(plus de|stop aux?) (" + _MAIL + r")",
    ),
    "access": (r"portabilité",),
    "deletion": (
        r"(oubliez|supprimez|effacez)( moi| nous)( svp| s'il vous plaît| merci|)(?=\W*$)",
        r"ne (pas )?(conserv|gard)\w* (pas )?~ (données|informations)",
    ),
    "correction": (
        r"(j'ai|nous avons|ai) déménagé",
        r"(nouvelle|nouvel|nouveau) (adresse|numéro de téléphone|e-?mail|courriel)",
        r"mal orthographi\w*",
        r"changement (d'adresse|de nom|de numéro|de coordonnées|d'e-?mail)",
    ),
    "opt_out_sale": (
        r"(vente|cession|partage|location|revente) (de |des )(mes )?(données|informations|coordonnées)",
    ),
}

VAGUE = {
    "discontinue": (
        r"(trop de|tous les jours des) (" + _MAIL + r")",
        r"jamais inscrit\w*",
    ),
    "access": (
        r"(comment|où) avez vous (obtenu|eu|trouvé) ~ (adresse|données|coordonnées|e-?mail)",
    ),
    "correction": (r"déménag\w*",),
}
