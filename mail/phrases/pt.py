"""Portuguese of Portugal and of Brazil ("subscrição"/"inscrição", "morada"/"endereço", "apelido"/"sobrenome")."""

NEGATIONS = r"não|nunca|sem|em vez de|ao invés de|jamais|nem"
BOUNDARIES = r"mas|só|apenas|somente|e|por favor|se faz favor|também|porém|contudo|agradeço"

_MAIL = (
    r"e-?mails?|mails?|emails?|newsletters?|mensagens|publicidade|promoções|ofertas|spam|"
    r"comunicações|correio eletrónico|correio eletrônico|notificações"
)
_LIST = r"listas?|mailing|newsletter|envios|lista de (e-?mails|emails|distribuição|envio|contactos)"
_DATA = r"dados( pessoais)?|conta|perfil|informações( pessoais)?|cadastro|registo|registro"
_FIELD = (
    r"nome|apelido|sobrenome|morada|endereço( de e-?mail| de email| postal| de entrega)?|"
    r"(número de )?(telefone|telemóvel|celular)|e-?mail|email|data de nascimento|"
    r"dados( pessoais)?|código postal|cep|contactos?|contatos?"
)
_HAVE = r"têm|tem|possuem|guardam|armazenam|tratam|detêm|mantêm|conservam|possui|guarda|armazena"

EXPLICIT = {
    "discontinue": (
        r"descadastr\w*",
        r"(desinscrev|dessubscrev|desinscri|dessubscrev|dessubscri|desinscreva)\w*",
        r"(cancel|anul|remov)\w* ~ (inscrição|subscrição|assinatura) ~ ("
        + _LIST
        + r"|"
        + _MAIL
        + r")",
        r"(remov|retir|tir|exclu|elimin|apag|sair|saiam)\w* ~ (da|das|de|do|dos) ~ ("
        + _LIST
        + r")",
        r"não (quero|desejo|pretendo|queremos|desejamos) (mais |continuar a |continuar )?(receber|ser contactad\w*|ser contatad\w*|recebendo)",
        r"(parem|pare|deixem|deixe|parar|deixar|deixarem) de (me |nos )?(enviar|mandar|contactar|contatar|escrever|receber|incomodar)\w*",
        r"não (me |nos )?(enviem|mandem|envie|mande|contactem|contatem|escrevam) mais",
        r"(chega|basta) de (" + _MAIL + r")",
        r"(oponho|oposição|opor) ~ (marketing|publicidade|comunicações (comerciais|de marketing|promocionais)|envio)",
    ),
    "access": (
        r"direito (de|ao) acesso",
        r"(quais|que) (dados|informações) ~ ("
        + _HAVE
        + r") ~ (sobre mim|de mim|meus|a meu respeito)",
        r"(quais|que) dados pessoais ~ (" + _HAVE + r")",
        r"cópia (dos|de todos os|de) (meus )?dados",
        r"(pedido|solicitação|requerimento) de acesso",
        r"(acesso|aceder|acessar) (aos |a todos os |os |a )?(meus )?dados( pessoais)?",
    ),
    "deletion": (
        r"(apag|elimin|exclu|remov|delet|destru|apagamento|eliminação|exclusão)\w* ~ (os meus|meus|todos os meus|a minha|minha|o meu|meu|toda a minha) ~ ("
        + _DATA
        + r")",
        r"direito (ao|de|a ser) (esquecimento|apagamento|eliminação|esquecido)",
        r"(apag|elimin|exclu|remov)\w* ~ (da|do|dos|das) (vossa |vosso |sua |seu )?(base de dados|bases de dados|sistema|sistemas|registos|registros|banco de dados|cadastro|ficheiro|arquivo)",
        r"(encerr|fech|cancel|desativ)\w* ~ (a minha |minha )conta",
        r"(apag|elimin|exclu|remov|delet)\w* ~ (dados|informações) ~ (sobre mim|de mim|a meu respeito)",
    ),
    "correction": (
        r"(alter|atualiz|actualiz|corrig|corrij|retific|rectific|mud|modific|correção)\w* ~ (o meu |a minha |meu |minha |meus |os meus |o |a )~ ("
        + _FIELD
        + r")",
        r"("
        + _FIELD
        + r") (está|estão|é|são|aparece) ~ (errad|incorret|incorrect|mal escrit|desatualizad|desactualizad|errôn|erron)\w*",
        r"direito de re(c)?tificação",
        r"re(c)?tificação",
        r"(" + _FIELD + r") (mudou|mudaram|foi alterad\w*|foram alterad\w*|alterou)",
        r"(erro|gralha) (no|na|nos) (meu |minha )?(" + _FIELD + r")",
        r"(a minha|minha|o meu|meu) (nova|novo) (morada|endereço|telefone|número|email|e-mail|telemóvel|celular) (é|será)",
    ),
    "opt_out_sale": (
        r"não (vend|partilh|compartilh|ced|transmit|comercializ|repass)\w* ~ (os )?(meus )?(dados|informações)",
        r"(oponho|oposição|opor) ~ (venda|partilha|compartilhamento|cessão|transmissão) ~ dados",
        r"(parem|deixem|parar|deixar) de (vender|partilhar|compartilhar|ceder) ~ dados",
        r"não (quero|desejo) que ~ (vend|partilh|compartilh|ced)\w* ~ dados",
    ),
}

LIKELY = {
    "discontinue": (
        r"^(remover|descadastrar|cancelar subscrição|stop|parar)\W*$",
        r"(retiro|revogo|retirar|revogar|revogação) ~ consentimento",
        r"(cancel|anul)\w* ~ (inscrição|subscrição|assinatura) (da|na|à|a) newsletter",
        r"(cancelar|anular) (a |minha |a minha )?(subscrição|inscrição)",
    ),
    "access": (r"portabilidade",),
    "deletion": (r"(apaguem|eliminem|excluam)( me| nos)?( por favor|)(?=\W*$)",),
    "correction": (
        r"(mudei|mudamos|mudámos) (de )?(casa|morada|endereço)",
        r"(nova|novo) (morada|endereço|telefone|número de telefone|email|e-mail|telemóvel|celular)",
    ),
    "opt_out_sale": (r"(venda|partilha|compartilhamento|cessão) (dos|de) (meus )?dados",),
}

VAGUE = {
    "discontinue": (r"(demasiados|tantos|muitos) (e-?mails|emails|mensagens)",),
    "access": (
        r"(como|onde) (obtiveram|conseguiram|arranjaram) ~ (dados|email|e-mail|contacto|contato|endereço)",
    ),
}
