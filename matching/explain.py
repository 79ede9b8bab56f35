"""Explanations people understand: which words to show, and the strength of a match as a label.

Shown words are words both texts use that say something about the subject. Left out: numbers
and short fragments (:func:`matching.matcher.readable`), generic words of calls and pitches
(:data:`GENERIC_WORDS`: "jaar", "eerste", "maakt", "eigen", "zoeken", "leveren", ...; a fixed
list written for the domain, not derived from any benchmark) and words the fitted corpus uses
so widely that they do not tell matches apart (in more than :data:`GENERIC_SHARE` of at least
:data:`GENERIC_MIN_DOCUMENTS` documents). Where a glossary concept links two different words,
the pair is shown as a bridge (``hennep ≈ isolatie``) instead of a concept word neither text has.

Strength: :func:`strength` turns a score into ``"strong"``, ``"good"`` or ``"possible"``
(:data:`LABELS_NL`: "sterke match", "goede match", "mogelijke match") by two thresholds;
:func:`calibrate_thresholds` sets them from judged scores: "strong" where at least
:data:`STRONG_PRECISION` of the judged pairs at that score or above were relevant, "good" where
at least :data:`GOOD_PRECISION` were. With fewer than :data:`MIN_CALIBRATION` judgements the
:data:`DEFAULT_THRESHOLDS` apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from matching.analysis import fold

GENERIC_SHARE = 0.2
GENERIC_MIN_DOCUMENTS = 50  # below this the share says nothing; the word list still applies

GENERIC_WORDS = frozenset(
    """
    jaar jaren jaarlijks jaarlijkse eerste tweede derde nieuw nieuwe nieuws maakt maken gemaakt
    eigen eigenaar graag zoeken zoekt gezocht vragen vraagt gevraagd vraag bieden biedt aanbod
    leveren levert geleverd levering werken werkt gewerkt werk plaats plaatsen project projecten
    organisatie organisaties bedrijf bedrijven partij partijen samen samenwerking mogelijk
    mogelijkheid mogelijkheden kunnen willen gaan komen goed goede beter beste groot grote klein
    kleine veel meer minder per via daarnaast bijvoorbeeld ongeveer circa totaal aantal keer
    onze ons wij jullie hun alle ieder elke welke nodig gebruik gebruiken gebruikt interesse
    contact informatie oplossing oplossingen aanpak manier vanaf tijdens binnen buiten regio
    provincie gemeente gemeenten locatie locaties noord zuid oost west nederland week weken maand
    maanden dag dagen uur euro prijs kosten heel zeer echt snel eerst ooit steeds
    year years first second new make makes made own looking seek seeking offer offers provide
    provides deliver delivers work works working place project projects organisation
    organisations organization company companies together possible need needs use used using
    good better best large small many more less per via about total number time times our we
    you their all every which information contact solution solutions approach way during
    within region province municipality municipalities location locations week weeks month
    months day days hour price cost costs very really fast
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

STRONG, GOOD, POSSIBLE = "strong", "good", "possible"
LABELS_NL = {STRONG: "sterke match", GOOD: "goede match", POSSIBLE: "mogelijke match"}
LABELS_EN = {STRONG: "strong match", GOOD: "good match", POSSIBLE: "possible match"}


class Thresholds(NamedTuple):
    strong: float
    good: float


# For the matcher's cosine (soft themes included): on the labelled benchmark's score scale
# most relevant pairs score above 0.2 and nearly all pairs above 0.35 are relevant; these are
# round values for when no judgements exist, replaced by calibrate_thresholds as soon as they do.
DEFAULT_THRESHOLDS = Thresholds(strong=0.35, good=0.2)
# For the learned ranker's score, a probability of relevance: better than even odds is "good".
PROBABILITY_THRESHOLDS = Thresholds(strong=0.75, good=0.5)
MIN_CALIBRATION = 30
STRONG_PRECISION = 0.75
GOOD_PRECISION = 0.5


def is_generic(word: str) -> bool:
    return fold(word).lower() in GENERIC_WORDS


def strength(score: float, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """``"strong"``, ``"good"`` or ``"possible"`` (see :data:`LABELS_NL` for the words shown)."""
    if score >= thresholds.strong:
        return STRONG
    if score >= thresholds.good:
        return GOOD
    return POSSIBLE


def calibrate_thresholds(
    judged: Iterable[tuple[float, int]], default: Thresholds = DEFAULT_THRESHOLDS
) -> Thresholds:
    """Thresholds from ``(score, grade)`` pairs of judged matches (grade >= 1 is relevant).

    "strong": the lowest score from which at least :data:`STRONG_PRECISION` of the judged pairs
    scoring that much or more are relevant; "good" likewise with :data:`GOOD_PRECISION`. When no
    score reaches a precision, its threshold stays above every judged score (nothing gets that
    label) but never below the other; ``default`` when fewer than :data:`MIN_CALIBRATION` pairs.
    """
    pairs = sorted(((float(s), int(g) >= 1) for s, g in judged), reverse=True)
    if len(pairs) < MIN_CALIBRATION:
        return default
    above = max(p[0] for p in pairs) + 1e-6
    strong = good = above
    relevant = 0
    for n, (score, ok) in enumerate(pairs, start=1):
        relevant += ok
        if n < len(pairs) and pairs[n][0] == score:
            continue  # a threshold cannot separate equal scores
        precision = relevant / n
        if precision >= STRONG_PRECISION:
            strong = score
        if precision >= GOOD_PRECISION:
            good = score
    return Thresholds(strong=strong, good=min(good, strong))
