"""Explanations people understand: which words to show, and the strength of a match as a label.

Shown words are words both texts use that say something about the subject. Left out: numbers
and short fragments (:func:`readable`), generic words of calls and pitches
(:data:`GENERIC_WORDS`: "jaar", "eerste", "maakt", "eigen", "zoeken", "leveren", ...; a fixed
list written for the domain, not derived from any benchmark) and words the fitted corpus uses
so widely that they do not tell matches apart (in more than :data:`GENERIC_SHARE` of at least
:data:`GENERIC_MIN_DOCUMENTS` documents). Where a glossary concept links two different words,
the pair is shown as a bridge (``hennep ≈ isolatie``) instead of a concept word neither text has.

Strength: :func:`strength` turns a score into ``"strong"``, ``"good"`` or ``"possible"``
(:data:`LABELS_NL`: "sterke match", "goede match", "mogelijke match") by two thresholds;
:func:`calibrate_thresholds` sets them from judged scores: "strong" from the score where a
match is relevant with a chance of :data:`STRONG_PRECISION` (fitted on the judgements), "good"
from :data:`GOOD_PRECISION`. Without enough judgements of both kinds the
:data:`DEFAULT_THRESHOLDS` apply.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.isotonic import IsotonicRegression

from matching.analysis import fold

GENERIC_SHARE = 0.2
GENERIC_MIN_DOCUMENTS = 50  # below this the share says nothing; the word list still applies
MAX_BRIDGES = 3
NO_COLUMNS: frozenset[int] = frozenset()
WORD_CACHE = 1 << 18  # words (and word pairs) whose checks are remembered: a rebuild asks millions of times

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
MIN_OF_EACH = 10  # relevant and not relevant judgements each
STRONG_PRECISION = 0.75
GOOD_PRECISION = 0.5


def is_generic(word: str) -> bool:
    return fold(word).lower() in GENERIC_WORDS


def readable(word: str) -> bool:
    """Whether a word is worth showing as an explanation: three or more characters, a letter
    among them (``co2`` yes; ``000``, ``2024``, ``m²`` no)."""
    return len(word) >= 3 and any(ch.isalpha() for ch in word)


class QueryScratch:
    """Dense copies of one query's weights and word forms, for O(1) lookups by column. A form
    ``+(i + 1)`` says the query has the term as a word of its own, written ``words[i]``;
    ``-(i + 1)`` only inside the compound ``words[i]``; 0 not at all."""

    def __init__(self, n_terms: int, words: list[str]) -> None:
        self.weights = np.zeros(n_terms, dtype=np.float32)
        self.forms = np.zeros(n_terms, dtype=np.int32)
        self.words = words

    def load(self, cols: np.ndarray, weights: np.ndarray, forms: np.ndarray) -> None:
        self.weights[cols], self.forms[cols] = weights, forms

    def clear(self, cols: np.ndarray) -> None:
        self.weights[cols], self.forms[cols] = 0.0, 0


Explanation = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]  # (words, bridges)


def shared_words(
    query: QueryScratch,
    bounds: Sequence[int],
    dcols: np.ndarray,
    contrib: np.ndarray,
    dforms: np.ndarray,
    *,
    written: Sequence[str],
    generic: Collection[int],
    concepts: np.ndarray,
    n_terms: int,
) -> list[Explanation]:
    """For each of several documents: the words of the shared terms with the largest
    contributions to the score, each as written in the document, or in the query when the
    document has the term only inside a compound; plus (query word, document word) pairs that a
    glossary concept links while their words differ. Numbers, words under three letters and
    generic words (see :mod:`matching.explain`) are never shown; a concept is never shown as a word.

    The documents' terms lie one after another: document ``d`` has the entries
    ``bounds[d]:bounds[d + 1]`` of ``dcols`` (columns), ``contrib`` (its weight times the
    query's) and ``dforms`` (pointing into ``written``, the matcher's words as written, negative
    for a compound part). Sorted for all documents at once: per document, the numpy calls cost
    more than choosing its words. ``generic`` and ``concepts`` are the vocabulary columns never
    shown as words; at most ``n_terms`` words per document."""
    shared = np.flatnonzero(contrib)
    document = np.searchsorted(bounds, shared, side="right") - 1
    order = shared[np.lexsort((-contrib[shared], document))]  # strongest first, ties by position
    ends = np.cumsum(np.bincount(document, minlength=len(bounds) - 1)).tolist()
    cols = dcols[order]
    # plain lists below: a numpy scalar per lookup cost most of the time
    entries = list(
        zip(
            cols.tolist(),
            dforms[order].tolist(),
            concepts[cols].tolist(),
            query.forms[cols].tolist(),
            strict=True,
        )
    )
    starts = [0, *ends[:-1]]
    return [
        _chosen_words(query, entries[start:end], written, generic, n_terms)
        for start, end in zip(starts, ends, strict=True)
    ]


def _chosen_words(
    query: QueryScratch,
    entries: list[tuple[int, int, bool, int]],
    written: Sequence[str],
    generic: Collection[int],
    n_terms: int,
) -> Explanation:
    """The words and bridges of one document's shared terms, strongest first (see :func:`shared_words`)."""
    words: list[str] = []
    bridges: list[tuple[str, str]] = []
    parts: set[str] = set()  # of hyphenated words shown: ``take-back`` hides ``back``
    query_words = query.words
    for col, doc_form, concept, query_form in entries:
        doc_word = written[abs(doc_form) - 1]
        query_word = query_words[abs(query_form) - 1] if query_form else ""
        if concept:
            _bridge(bridges, doc_word, query_word)
            continue
        # a compound part shows the query's own word for it, when the query has one
        word = query_word if doc_form < 0 and query_form > 0 else doc_word
        if _showable(word) and col not in generic and word not in words and word not in parts:
            words.append(word)
            parts.update(word.split("-"))
        if len(words) == n_terms:
            break
    shown = {_folded(w) for w in words}
    bridges = [(q, d) for q, d in bridges if _folded(q) not in shown or _folded(d) not in shown]
    return tuple(words), tuple(bridges[:MAX_BRIDGES])


def generic_columns(counts: sp.csr_matrix) -> frozenset[int]:
    """Columns in more than GENERIC_SHARE of the documents, when there are enough of them."""
    n = counts.shape[0]
    if n < GENERIC_MIN_DOCUMENTS:
        return NO_COLUMNS
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return frozenset(np.flatnonzero(df > GENERIC_SHARE * n).tolist())


def _bridge(bridges: list[tuple[str, str]], doc_word: str, query_word: str) -> None:
    if not (_showable(doc_word) and _showable(query_word)):
        return
    if not _same_word(doc_word, query_word) and (query_word, doc_word) not in bridges:
        bridges.append((query_word, doc_word))


@lru_cache(maxsize=WORD_CACHE)
def _folded(word: str) -> str:
    return fold(word).lower()


@lru_cache(maxsize=WORD_CACHE)
def _showable(word: str) -> bool:
    return readable(word) and not is_generic(word)


@lru_cache(maxsize=WORD_CACHE)
def _same_word(a: str, b: str) -> bool:
    """Whether two words are forms of one word rather than two words a concept links: the
    first four letters of the shorter occur in the longer (``recyclen``/``gerecycled``,
    ``sloop``/``gesloopte``, ``bio-based``/``biobased``, ``hout``/``houtvezel``)."""
    a, b = sorted((fold(w).lower().replace("-", "") for w in (a, b)), key=len)
    return a[:4] in b


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

    The chance that a match at a given score is relevant is fitted as a non-decreasing function
    of the score (isotonic regression): "strong" is the lowest judged score where that chance
    reaches :data:`STRONG_PRECISION`, "good" where it reaches :data:`GOOD_PRECISION`. A chance at
    the score itself, not over everything above it: a run of relevant top matches must not
    make weak ones "good". When no score reaches a chance, its threshold stays above every
    judged score (nothing gets that label) but never below the other. ``default`` with fewer
    than :data:`MIN_CALIBRATION` pairs or fewer than :data:`MIN_OF_EACH` of either kind: people
    judge mostly the top suggestions, and a boundary needs examples on both sides of it.
    """
    pairs = [(float(s), int(g) >= 1) for s, g in judged]
    relevant = sum(ok for _, ok in pairs)
    if len(pairs) < MIN_CALIBRATION or min(relevant, len(pairs) - relevant) < MIN_OF_EACH:
        return default
    scores = np.array([s for s, _ in pairs])
    chance = IsotonicRegression(out_of_bounds="clip").fit(scores, [ok for _, ok in pairs]).predict(scores)
    above = float(scores.max()) + 1e-6

    def lowest_with(share: float) -> float:
        reaching = scores[chance >= share]
        return float(reaching.min()) if reaching.size else above

    strong = lowest_with(STRONG_PRECISION)
    return Thresholds(strong=strong, good=min(lowest_with(GOOD_PRECISION), strong))
