"""A query evaluated on a searcher's arrays (:mod:`matching.search.arrays`): scores, the
matching documents, facet counts, the order of a page and spelling corrections.

A document's score is the sum over the query words of their BM25 scores, each field weighted by
:data:`TEXT_FIELDS`; a compound containing a query word counts :data:`AFFIX_BOOST` of the word
itself, a compound query word found as its parts together counts half their sum, and the
query word's glossary alternatives (:func:`~matching.search.query.alternatives`) count as the
word itself.

A document matches when it has at least one query word (:attr:`ParsedQuery.labels`) and no
excluded word; results come with the most query words first, then by score (:func:`rank_keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from matching import analysis
from matching.search._whoosh import q
from matching.search.arrays import ReaderArrays, top
from matching.search.query import (
    MAX_AFFIXED,
    MIN_AFFIX,
    TOKEN,
    ParsedQuery,
    alternatives,
    closest_words,
    compound_parts,
    stems,
)
from matching.search.types import FACET_FIELDS, FACETS, LANGUAGES, SearchQuery

AFFIX_BOOST = 0.3  # a compound containing the query word counts less than the word itself
TEXT_FIELDS = {"title": 3.0, "body": 1.0, "context": 1.5}  # field boosts


def known_words(arrays: ReaderArrays) -> Callable[[set[str]], set[str]]:
    """Words whose Dutch or English stem is an indexed term: the lexicon for decompounding."""

    def known(words: set[str]) -> set[str]:
        return {w for w in words if any(arrays.contains(s) for s in stems(w))}

    return known


def query_word_scores(arrays: ReaderArrays, word: str) -> np.ndarray:
    """:func:`word_scores` of a query word plus those of its glossary alternatives (these are
    not split into parts)."""
    scores = word_scores(arrays, word)
    for alternative in alternatives(word)[1:]:
        scores += word_scores(arrays, alternative, split=False)
    return scores


def word_scores(arrays: ReaderArrays, word: str, expand: bool = True, split: bool = True) -> np.ndarray:
    """Per document, the score of ``word``: its stems, compounds containing them (when
    ``expand``) and, for a compound query word, its parts together; 0 where it does not occur."""
    scores = np.zeros(arrays.size, np.float32)
    for term in stems(word):
        _add_term(arrays, scores, term, 1.0)
        if expand and len(term) >= MIN_AFFIX:
            for compound in arrays.affixed(term, MAX_AFFIXED):
                _add_term(arrays, scores, compound, AFFIX_BOOST)
    known = known_words(arrays)
    parts = compound_parts(word, known) if expand and split and not known({word}) else []
    if parts:
        part_scores = [word_scores(arrays, part, expand=False) for part in parts]
        together = np.logical_and.reduce([p > 0 for p in part_scores])
        scores += np.where(together, 0.5 * np.sum(part_scores, axis=0), 0).astype(np.float32)
    return scores


def _add_term(arrays: ReaderArrays, scores: np.ndarray, term: str, boost: float) -> None:
    for name, field_boost in TEXT_FIELDS.items():
        arrays.add_scores(scores, name, term, boost * field_boost)


def evaluate(
    searcher: Any, arrays: ReaderArrays, parsed: ParsedQuery, words: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Summed scores, per query word (:attr:`ParsedQuery.labels`) the documents that have it,
    and the documents with at least one query word and no excluded word; ``words`` holds the
    :func:`query_word_scores` of the query's words."""
    scores = np.zeros(arrays.size, np.float32)
    present = {}
    for word, scores_of_word in words.items():
        scores += scores_of_word
        present[word] = scores_of_word > 0
    for phrase, label in zip(parsed.phrases, parsed.labels[len(parsed.words) :], strict=True):
        found = np.zeros(arrays.size, bool)
        found[list(searcher.docs_for_query(_phrase_query(phrase)))] = True
        scores += np.where(found, sum(word_scores(arrays, w, expand=False) for w in phrase), 0)
        present[label] = found
    matches = arrays.live & np.logical_or.reduce([*present.values(), np.zeros(arrays.size, bool)])
    for word in parsed.excluded:
        matches &= word_scores(arrays, word, expand=False) == 0
    return scores, present, matches


def rank_keys(scores: np.ndarray, present: dict[str, np.ndarray]) -> np.ndarray:
    """One number per document that orders by the count of query words present, then by
    score (scores are at least 0, so a count step outweighs any score)."""
    counts = np.sum([*present.values(), np.zeros(len(scores), bool)], axis=0, dtype=np.float64)
    return counts * (float(scores.max(initial=0.0)) + 1.0) + scores


def _phrase_query(words: tuple[str, ...]) -> q.Query:
    return q.Or(
        [
            q.Phrase(name, [analysis.stem(w, lang) for w in words])
            for lang in LANGUAGES
            for name in ("title", "body")
        ]
    )


def allowed(arrays: ReaderArrays, search: SearchQuery) -> np.ndarray:
    """The documents the facet filters and the reader's audiences let through."""
    mask = np.ones(arrays.size, bool)
    for name, value in search.filters.items():
        if name in FACETS:
            mask &= arrays.any_of(FACET_FIELDS[name], (value,))
    if search.audiences is not None:
        mask &= arrays.any_of("audiences", search.audiences)
    return mask


def facet_counts(arrays: ReaderArrays, matches: np.ndarray) -> dict[str, dict[str, int]]:
    # Organisations have no status: they are indexed under "-", which is no facet value.
    counts: dict[str, dict[str, int]] = {}
    for name, field_name in FACET_FIELDS.items():
        found = {v: int(np.count_nonzero(m & matches)) for v, m in arrays.values[field_name].items()}
        counts[name] = {v: n for v, n in found.items() if n and v != "-"}
    return counts


def page_order(
    arrays: ReaderArrays, scores: np.ndarray, matches: np.ndarray, search: SearchQuery, page: int
) -> list[int]:
    """Document numbers of ``page``, by score or newest first (``search.sort``)."""
    wanted = page * search.per_page
    if search.sort == "date":
        candidates = np.flatnonzero(matches)
        # Dates are whole seconds: among equal ones the later-indexed document comes first.
        order = np.lexsort((-candidates, -arrays.dates()[candidates]))
        docnums = [int(d) for d in candidates[order][:wanted]]
    else:
        docnums = top(scores, matches, wanted)
    return docnums[wanted - search.per_page :]


def corrections(
    searcher: Any,
    arrays: ReaderArrays,
    parsed: ParsedQuery,
    words: dict[str, np.ndarray],
    visible: np.ndarray,
) -> dict[str, str]:
    """Query words that match no ``visible`` document, with the closest word of a visible
    document: a suggestion never reveals a word of a document the reader may not see."""
    found = {}
    for word in (*parsed.words, *(w for phrase in parsed.phrases for w in phrase)):
        scores = words[word] if word in words else word_scores(arrays, word)
        if np.any(scores[visible] > 0):
            continue
        for candidate in closest_words(word, arrays.near(word, 2)):
            surface = _surface_word(searcher, arrays, candidate, visible)
            if surface:
                found[word] = surface
                break
    return found


def _surface_word(searcher: Any, arrays: ReaderArrays, term: str, visible: np.ndarray) -> str | None:
    """A word of a visible document that has ``term`` as its stem (a stem is often no word),
    or None when no visible document has ``term``."""
    seen = False
    for name in TEXT_FIELDS:
        ids = [int(i) for i in arrays.postings(name, term)[0] if visible[i]]
        if ids:
            seen = True
            stored = searcher.stored_fields(ids[0])["stored"]
            for token in TOKEN.findall(stored[name]):
                for word in analysis.token_words(token, stored["lang"]):
                    if analysis.stem(word, stored["lang"]) == term:
                        return word
    return term if seen else None
