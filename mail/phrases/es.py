"""Spanish, of Spain and of the Americas (usted, vosotros and ustedes forms)."""

NEGATIONS = r"no|nunca|jamas|sin|tampoco|en vez de|en lugar de"
BOUNDARIES = r"pero|sino|solo|solamente|unicamente|y|por favor|porfa|ademas|tambien"

_MAIL = (
    r"correos?|e-?mails?|mails?|emails?|newsletters?|boletin(es)?|publicidad|promociones|"
    r"ofertas|mensajes|comunicaciones|spam|envios|notificaciones"
)
_LIST = r"lista\w*|listado|newsletter|boletin\w*|mailing|envios|suscripcion\w*|correos"
_DATA = r"datos( personales)?|informacion( personal)?|cuenta|perfil|registro|expediente"
_FIELD = (
    r"nombre|apellidos?|direccion( postal| de envio| de correo( electronico)?| de e-?mail)?|"
    r"domicilio|telefono|movil|celular|numero de (telefono|movil|celular)|correo( electronico)?|e-?mail|"
    r"codigo postal|fecha de nacimiento|datos( personales)?|datos de contacto"
)
_HAVE = r"tien\w*|teneis|guard\w*|almacen\w*|conserv\w*|trat\w*|dispon\w*|posee\w*|manej\w*"

EXPLICIT = {
    "discontinue": (
        r"(da|de|do|doy|dar|dad|den|des|dan|di)\w* de baja",
        r"(solicito|pido|quiero|quisiera|deseo|tramit\w*|gestion\w*|proces\w*|confirm\w*) (la |mi )?baja",
        r"baja (de|del|en) (la |las |su |sus |vuestra |vuestro |vuestras |el |esta |este )?("
        + _LIST
        + r"|comunicaciones|publicidad)",
        r"desuscrib\w*|desuscripcion|desinscrib\w*|desapunt\w*",
        r"(cancel|anul)\w* ~ (suscripcion|subscripcion) ~ (" + _LIST + r"|" + _MAIL + r")",
        r"no (quiero|deseo|queremos|deseamos|me interesa) (seguir )?(recibir|recibiendo) ~ ("
        + _MAIL
        + r")",
        r"no (quiero|deseo|queremos|deseamos) (que me|que nos) (envi|mand|escrib|contact)\w*",
        r"dej\w* de (enviar|mandar|escribir|contactar|molestar|recibir)\w*",
        r"no (me |nos )?(envi|mand|escrib)\w* (mas|nada)",
        r"(elimin|borr|quit|sac|exclu|retir)\w* ~ (de|del) ~ (" + _LIST + r")",
        r"(no mas|basta de|ni un) (" + _MAIL + r")",
        r"(me )?opongo (al|a) ~ (marketing|publicidad|mercadotecnia|envio ~ comerciales|tratamiento ~ (comerciales|publicitari\w*|marketing|mercadotecnia))",
        r"(me )?opongo (al|a) tratamiento ~ (fines|finalidad\w*) ~ (comerciales|publicitari\w*|marketing|mercadotecnia|promocional\w*)",
    ),
    "access": (
        r"derecho (de|al) acceso",
        r"(que|cuales) (datos|informacion) ~ ("
        + _HAVE
        + r") ~ (de mi|sobre mi|mios|mias|de mi persona)",
        r"(que|cuales) datos personales ~ (" + _HAVE + r")",
        r"(copia|listado|relacion|detalle|informe) (de|con) (todos )?(mis|los) datos",
        r"solicitud de acceso",
        r"(solicito|pido|quiero|quisiera|solicitar|ejercer|ejerzo) (el )?(derecho de )?acceso",
    ),
    "deletion": (
        r"(borr|elimin|supr|suprim|destru|cancel)\w* ~ (mis|todos mis|mi|todos los) ~ ("
        + _DATA
        + r")",
        r"(borr|elimin|supr|suprim)\w* ~ (de|del) (su |vuestra |la |vuestro |el )?(base de datos|bases de datos|bbdd|sistema|sistemas|registros|ficheros|fichero|archivos|crm)",
        r"derecho (de|al|a la) (supresion|olvido|cancelacion|borrado)",
        r"(supresion|cancelacion|borrado|eliminacion) de (mis |todos mis |los )?datos",
        r"(borr|elimin|supr|suprim)\w* ~ (datos|informacion) ~ (sobre mi|de mi|que tienen)",
        r"(cancelar|cerrar|eliminar|borrar|dar de baja) (mi|la) cuenta",
    ),
    "correction": (
        r"(cambi|actualiz|actualic|correg|corrij|modific|modifiqu|rectific|rectifiqu|arregl)\w* ~ (mi|mis|el|la|los) ~ ("
        + _FIELD
        + r")",
        r"(mi )?("
        + _FIELD
        + r") (esta|estan|es|son|aparece|figura) ~ (mal|incorrect\w*|equivocad\w*|erron\w*|desactualizad\w*)",
        r"derecho de rectificacion",
        r"rectificacion",
        r"(error|errata|falta) (en|de) (mi|mis) (" + _FIELD + r")",
        r"mi (nueva|nuevo) (direccion|domicilio|telefono|numero|correo|email|e-mail) (es|sera)",
        r"(mi )?(" + _FIELD + r") (ha|han) cambiado",
        r"(he|hemos) cambiado de (correo( electronico)?|email|e-?mail|direccion|domicilio|telefono|numero|movil|apellido)",
        r"(tienen|teneis|tiene) mal (mi|mis) (" + _FIELD + r")",
    ),
    "opt_out_sale": (
        r"no (vend|compart|ced|comercialic|traspas|transfier)\w* ~ (mis )?(datos|informacion)",
        r"(dej|par)\w* de (vender|compartir|ceder) ~ (datos|informacion)",
        r"(opongo|oponerme|oposicion) a (la )?(venta|cesion|comunicacion|comparticion) de ~ datos",
        r"no (quiero|deseo) que ~ (vendan|compartan|cedan) ~ datos",
        r"prohib\w* ~ (venta|vender|ceder|cesion|compartir|comercializar) ~ (datos|informacion)",
    ),
}

LIKELY = {
    "discontinue": (
        r"^(baja|darme de baja|baja por favor)\W*$",
        r"(cancel|anul)\w* ~ (suscripcion|subscripcion)",
        r"(retiro|revoco|retirar|revocar) (mi |el )?consentimiento",
        r"(derecho de )?oposicion",
        r"no (me )?(envien|manden|envies|mandes|escriban)",
    ),
    "access": (
        r"(acceso|acceder) a (mis|los|todos mis) datos",
        r"portabilidad",
    ),
    "deletion": (
        r"(borren|eliminen|borrad|eliminad|borreme|eliminenme|borrenme|olvidenme)( por favor|)(?=\W*$)",
        r"(no|que no) (guarden|conserven|almacenen) ~ (mis )?datos",
    ),
    "correction": (
        r"(me he|nos hemos|me) (mudado|mude|cambiado de (casa|domicilio|direccion))",
        r"(nueva|nuevo) (direccion|domicilio|telefono|numero de telefono|correo electronico)",
        r"mal escrit\w*",
    ),
    "opt_out_sale": (
        r"(ced|vend|compart)\w* ~ (mis )?datos ~ (a|con) terceros",
        r"venta de (mis )?datos",
    ),
}

VAGUE = {
    "discontinue": (
        r"(demasiados|tantos) (correos|emails|mensajes)",
        r"nunca (me )?(suscribi|registre|apunte)",
    ),
    "access": (
        r"(que|cuales) (datos|informacion) ~ (" + _HAVE + r")",
        r"(como|donde) (han|habeis|ha) (obtenido|conseguido) ~ (datos|correo|direccion|email)",
    ),
}
