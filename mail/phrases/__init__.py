"""Request phrases in the EU's 24 official languages, compiled once.

Each language module is plain data:

- ``EXPLICIT``, ``LIKELY`` and ``VAGUE`` map a request kind to regular expressions. EXPLICIT: the
  phrase alone is the request ("unsubscribe me"). LIKELY: usually the request, but other readings
  exist ("cancel my subscription"). VAGUE: a hint that needs company ("so many emails").
- ``NEGATIONS``: words that, shortly before a phrase in the same clause, cancel it ("I don't want
  to unsubscribe"). ``BOUNDARIES``: words that start a new clause ("but", "please").
- ``SPELLINGS`` (optional): letters people replace when typing, e.g. German "ö" as "oe".

Patterns are matched against folded text (see `fold`): no accents, casefolded, hyphens and runs of
whitespace turned into one space, typographic apostrophes into "'". Write patterns the way people
type, accents and hyphens included: they are folded the same way, so "e-?mail" becomes "e ?mail".
A pattern matches whole words; end a stem with ``\\w*`` to accept endings. ``~`` followed by a space
stands for a gap of up to four words within one sentence ("delete ~ my data"). Escapes such as
``\\W`` keep their case; nothing else in a pattern may rely on case.
"""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata
from dataclasses import dataclass

from prefcenter.models import RequestKind

CODES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip
# Article numbers and acts that name a request in any language ("Art. 15 DSGVO").
LEGAL = "intl"
TIERS = {"EXPLICIT": 0.9, "LIKELY": 0.7, "VAGUE": 0.4}

# Up to four words ("meine E-Mail-Adresse" folds to four); a word may hold dots (an address) but
# not end a sentence.
GAP = r"(?:[^\s!?;]*[^\s!?;.,:] ){0,4}"
_CLAUSE_PUNCTUATION = r"[.!?;:,\n()\"]"

# Typographic apostrophes (right and left quotation mark, modifier letter, acute and grave accent)
# become "'"; hyphens and dashes (hyphen, non-breaking hyphen, figure dash, en and em dash,
# horizontal bar, hyphen-minus) become a space.
_PUNCTUATION = str.maketrans(
    dict.fromkeys("\u2019\u2018\u02bc\u00b4`", "'")
    | dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015-", " ")
)
# Letters that Unicode does not decompose into a base letter plus a mark: l with stroke,
# o with stroke, d with stroke, h with stroke, ash, ethel, dotless i, eth, thorn.
_LETTERS = str.maketrans(
    {"\u0142": "l", "\u00f8": "o", "\u0111": "d", "\u0127": "h", "\u00e6": "ae",
     "\u0153": "oe", "\u0131": "i", "\u00f0": "d", "\u00fe": "th"}
)  # fmt: skip


@functools.cache
def fold(char: str) -> str:
    """One character as the phrase tables see it; "" for marks and invisible format characters."""
    decomposed = unicodedata.normalize("NFKD", char.translate(_PUNCTUATION))
    kept = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    folded = kept.casefold().translate(_LETTERS)
    return " " if folded.isspace() else folded


def fold_text(text: str) -> tuple[str, list[int]]:
    """Folded text, one space per whitespace run ("\\n" for a blank line), and for every folded
    character the index of the original one, so that a match can be quoted as the sender wrote it."""
    chars: list[str] = []
    origins: list[int] = []
    run_start, newlines = -1, 0
    for index, char in enumerate(text):
        piece = fold(char)
        if piece == " ":
            if run_start < 0:
                run_start, newlines = index, 0
            newlines += char == "\n"
            continue
        if run_start >= 0 and chars:
            chars.append("\n" if newlines > 1 else " ")
            origins.append(run_start)
        run_start = -1
        chars.extend(piece)
        origins.extend([index] * len(piece))
    return "".join(chars), origins


def _fold_pattern(source: str, spellings: dict[str, str]) -> str:
    for letter, variants in spellings.items():
        source = source.replace(letter, variants)
    # Odd items are escapes such as \w and \W, which must keep their case.
    parts = re.split(r"(\\.)", source)
    folded = "".join(part if i % 2 else "".join(map(fold, part)) for i, part in enumerate(parts))
    return folded.replace("~ ", GAP)


_META = frozenset("\\()[]{}|?*+.^$ ")
_OPTIONAL_LAST = frozenset("?*{")


def _branches(source: str) -> list[str]:
    """The top-level alternatives of a pattern."""
    branches, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            branches.append(source[start:index])
            start = index + 1
        index += 1
    return [*branches, source[start:]]


def _anchors(source: str) -> tuple[str, ...]:
    """Letters each alternative of the pattern must start with; () when one may start otherwise.

    Every pattern begins with a lookbehind, which keeps the regex engine from skipping ahead to
    a likely start: each of some 700 patterns is tried at every position of the text. A cheap
    substring test on these anchors first spares most of that work.
    """
    anchors: list[str] = []
    for branch in _branches(source):
        found = _leading_group_anchors(branch) if branch.startswith("(") else ()
        if not found:
            end = next((i for i, char in enumerate(branch) if char in _META), len(branch))
            literal = branch[:end]
            if end < len(branch) and branch[end] in _OPTIONAL_LAST:
                literal = literal[:-1]  # "colou?r" need not contain "colou"
            found = (literal,) if len(literal) >= 3 else ()
        if not found:
            return ()
        anchors.extend(found)
    return tuple(anchors)


def _leading_group_anchors(branch: str) -> tuple[str, ...]:
    """Anchors of a branch that opens with a group ("(stop|cease) ..."), unless it is optional."""
    depth, index = 0, 0
    while index < len(branch):
        char = branch[index]
        if char == "\\":
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            break
        index += 1
    following = branch[index + 1 : index + 2]
    if index >= len(branch) or (following and following in _OPTIONAL_LAST):
        return ()
    inner = branch[1:index]
    return _anchors(inner[2:] if inner.startswith("?:") else inner)


def _words(source: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{source})(?!\w)" if source else r"(?!)")


@dataclass(frozen=True)
class Phrase:
    kind: RequestKind
    language: str
    weight: float
    pattern: re.Pattern[str]
    # Text holding none of these cannot match; empty: always try the pattern.
    anchors: tuple[str, ...]
    # False when the phrase spells out its own negation ("do not sell"), which must not cancel it.
    negatable_inside: bool


@dataclass(frozen=True)
class Grammar:
    negation: re.Pattern[str]
    boundary: re.Pattern[str]


@functools.cache
def grammars() -> dict[str, Grammar]:
    """Negation and clause boundary patterns of each language."""
    result = {}
    for code in (*CODES, LEGAL):
        module = importlib.import_module(f"{__name__}.{code}")
        spellings = getattr(module, "SPELLINGS", {})
        boundary = _fold_pattern(module.BOUNDARIES, spellings)
        result[code] = Grammar(
            negation=_words(_fold_pattern(module.NEGATIONS, spellings)),
            boundary=re.compile(
                rf"{_CLAUSE_PUNCTUATION}|(?<!\w)(?:{boundary})(?!\w)"
                if boundary
                else _CLAUSE_PUNCTUATION
            ),
        )
    return result


@functools.cache
def phrases() -> tuple[Phrase, ...]:
    """Every phrase of every language, compiled."""
    result = []
    for code in (*CODES, LEGAL):
        module = importlib.import_module(f"{__name__}.{code}")
        spellings = getattr(module, "SPELLINGS", {})
        negation = grammars()[code].negation
        for tier, weight in TIERS.items():
            for kind, sources in getattr(module, tier, {}).items():
                for source in sources:
                    folded = _fold_pattern(source, spellings)
                    result.append(
                        Phrase(
                            kind=RequestKind(kind),
                            language=code,
                            weight=weight,
                            pattern=_words(folded),
                            anchors=_anchors(folded),
                            negatable_inside=not negation.search(folded),
                        )
                    )
    return tuple(result)
