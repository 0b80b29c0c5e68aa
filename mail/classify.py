"""Classify the new text of a "contact us" message into privacy request kinds.

The caller has already removed quoted replies and signatures. Every language's phrase table
(`mail.phrases`) is matched against the folded subject and text, whatever language the text is
identified as: short messages are often misidentified, and people mix languages ("Hallo,
unsubscribe please").

- A phrase does not count when a negation stands shortly before it in the same clause ("I don't
  want to unsubscribe, ..."), or inside it, unless the phrase spells out the negation itself
  ("do not sell my data").
- Overlapping phrases are read once: "remove me from your mailing list" is a discontinue request,
  not the deletion that "remove me" alone might be (see `_readings`).
- A kind's score is 1 - the product of (1 - weight) over its phrases, so independent phrases add
  up without exceeding 1. Weights come from the phrase tiers (explicit 0.9, likely 0.7, vague
  0.4); a phrase in the subject of a reply or forward counts for less, as that subject was
  usually written by us. A kind is found when its score reaches 0.5, so a vague phrase alone
  is only a hint.
- Several kinds may be found, and all are reported. The primary kind is the one with the
  strongest single phrase; between equally strong ones the more demanding request leads
  (deletion, access, opt-out of sale, correction, discontinue). Repeating a request says more
  about the sender's temper than about which request matters, and whoever handles the primary
  kind must not under-serve the message: a deletion handled as a mere unsubscribe breaks the
  law, while the reverse does no harm.

``confidence`` is the primary kind's score: how strongly the matched phrases support it. For
``other`` it is 0.8 x (1 - the score of the best-supported kind that stayed below 0.5): a hint
lowers it, and it never exceeds 0.8 because a missing phrase is weaker evidence than a present
one, no phrase table being complete. With no subject and no text it is 0.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mail.phrases import Phrase, fold_text, grammars, phrases
from prefcenter.models import RequestKind

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip
FOUND = 0.5
OTHER_CEILING = 0.8
REPLY_SUBJECT_FACTOR = 0.75
# Negations further back than this many words rarely govern the phrase.
NEGATION_REACH = 5
# A person's new text is short; anything longer is pasted material, and matching every phrase
# over it would cost more than it could tell.
MAX_CHARS = 20_000
# The opening of a text tells its language as well as the whole does, at a fraction of the cost.
LANGUAGE_SAMPLE = 2_000
PRIORITY = (
    RequestKind.DELETION,
    RequestKind.ACCESS,
    RequestKind.OPT_OUT_SALE,
    RequestKind.CORRECTION,
    RequestKind.DISCONTINUE,
)
_REPLY_PREFIX = re.compile(
    r"^((re|aw|sv|vs|antw|odp|r|rif|ref|res|rv|tr|wg|fw|fwd|enc|vl|atb|ats|odg|vast|ynt|απ|σχετ|"
    r"отг)(\[\d+\])? ?: ?)+"
)


@dataclass(frozen=True)
class Classification:
    kind: RequestKind
    kinds: tuple[RequestKind, ...]
    confidence: float
    language: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Match:
    phrase: Phrase
    field: str
    start: int
    end: int
    quote: str
    weight: float
    negated: bool

    def describe(self) -> str:
        return f'{self.phrase.kind}: "{self.quote}" ({self.phrase.language}, {self.field})'


@functools.cache
def _identifier() -> LanguageIdentifier:
    # Imported here: numpy and the model take most of a second, which only classifying should pay.
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(EU_LANGUAGES))
    return identifier


def identify_language(text: str) -> str | None:
    """ISO 639-1 code of the EU official language the text is most likely written in."""
    if not any(char.isalpha() for char in text):
        return None
    language, _probability = _identifier().classify(text[:LANGUAGE_SAMPLE])
    return str(language)


def _negated(phrase: Phrase, folded: str, start: int, end: int, language: str | None) -> bool:
    """Whether a negation cancels the phrase. Both the phrase's language and the text's are
    consulted before it: several languages share a stem ("afmelden" is Danish and Dutch), and
    "ik wil me niet afmelden" must cancel the Danish reading too."""
    before = folded[max(0, start - 120) : start]
    for code in {phrase.language, language or phrase.language}:
        grammar = grammars()[code]
        clause_starts = [m.end() for m in grammar.boundary.finditer(before)]
        words = before[clause_starts[-1] if clause_starts else 0 :].split()[-NEGATION_REACH:]
        if grammar.negation.search(" ".join(words)):
            return True
    negation = grammars()[phrase.language].negation
    return phrase.negatable_inside and bool(negation.search(folded[start:end]))


def _matches(field: str, text: str, factor: float, language: str | None) -> list[_Match]:
    folded, origins = fold_text(text)
    found = []
    for phrase in phrases():
        if phrase.anchors and not any(anchor in folded for anchor in phrase.anchors):
            continue
        for m in phrase.pattern.finditer(folded):
            quote = " ".join(text[origins[m.start()] : origins[m.end() - 1] + 1].split())
            found.append(
                _Match(
                    phrase=phrase,
                    field=field,
                    start=m.start(),
                    end=m.end(),
                    quote=quote,
                    weight=phrase.weight * factor,
                    negated=_negated(phrase, folded, m.start(), m.end(), language),
                )
            )
    return found


def _readings(matches: list[_Match], language: str | None) -> list[_Match]:
    """One reading per stretch of text, and each phrase counted once per field.

    Within a kind the strongest phrase is kept; across kinds the longest, the most specific.
    A reading that holds up beats a negated one: in "no vendan mis datos a terceros" the phrase
    "no vendan ... datos" carries the negation as its meaning, while the longer "vendan ... a
    terceros" would be cancelled by it. Between equal readings, the identified language's phrase
    is the one reported."""

    def rank(match: _Match, weight_first: bool) -> tuple[object, ...]:
        size = match.end - match.start
        order = (-match.weight, -size) if weight_first else (-size, -match.weight)
        return (match.negated, *order, match.phrase.language != language, match.start)

    def pick(ranked: list[_Match], across_kinds: bool) -> list[_Match]:
        kept: list[_Match] = []
        seen: set[tuple[int, str]] = set()
        for match in ranked:
            key = (id(match.phrase), match.field)
            clash = any(
                k.field == match.field
                and k.start < match.end
                and match.start < k.end
                and (across_kinds or k.phrase.kind == match.phrase.kind)
                for k in kept
            )
            if not clash and key not in seen:
                kept.append(match)
                seen.add(key)
        return kept

    strongest = pick(sorted(matches, key=lambda m: rank(m, True)), across_kinds=False)
    return pick(sorted(strongest, key=lambda m: rank(m, False)), across_kinds=True)


def _score(weights: list[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1 - weight
    return 1 - remaining


def classify(subject: str, text: str) -> Classification:
    """What the sender asks for, with the phrases that say so."""
    folded_subject, _ = fold_text(subject)
    is_reply = bool(_REPLY_PREFIX.match(folded_subject))
    language = identify_language(text)
    matches = _readings(
        _matches("subject", subject, REPLY_SUBJECT_FACTOR if is_reply else 1.0, language)
        + _matches("body", text[:MAX_CHARS], 1.0, language),
        language,
    )
    counted = [m for m in matches if not m.negated]
    weights = {kind: [m.weight for m in counted if m.phrase.kind == kind] for kind in PRIORITY}
    scores = {kind: round(_score(weights[kind]), 2) for kind in PRIORITY}
    kinds = tuple(
        sorted(
            (kind for kind in PRIORITY if scores[kind] >= FOUND),
            key=lambda kind: (-max(weights[kind]), PRIORITY.index(kind)),
        )
    )
    order = {kind: i for i, kind in enumerate(kinds)}
    counted.sort(
        key=lambda m: (order.get(m.phrase.kind, len(order)), m.field != "subject", m.start)
    )
    reasons = [m.describe() for m in counted if m.phrase.kind in order]
    reasons += [f"too weak alone: {m.describe()}" for m in counted if m.phrase.kind not in order]
    reasons += [f"negated: {m.describe()}" for m in matches if m.negated]
    if kinds:
        return Classification(kinds[0], kinds, scores[kinds[0]], language, tuple(reasons))
    if not (subject.strip() or text.strip()):
        confidence = 0.0
    else:
        confidence = round(OTHER_CEILING * (1 - max(scores.values())), 2)
    return Classification(
        RequestKind.OTHER,
        (RequestKind.OTHER,),
        confidence,
        language,
        tuple(reasons) or ("no request phrase matched",),
    )
