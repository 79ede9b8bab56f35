"""Weighted term counts: word stems plus the stems of compound parts, for many texts at once.

Texts are first turned into a (documents x distinct tokens) count matrix; each distinct token
is analysed once into weighted terms, a (tokens x terms) matrix per language; their product is
the (documents x terms) count matrix. This keeps the per-token Python work proportional to the
number of distinct tokens rather than to the length of the corpus.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from matching.analysis import (
    READINGS,
    STOP_WORDS,
    UNDECIDED,
    display_form,
    glossary_languages,
    reading_of,
    split_compound,
    stem,
    stem_language,
    token_words,
    tokens,
)
from matching.concepts import Concepts

_MIN_COMPOUND = 6
_MIN_LETTERS = 3
_MIN_WEIGHT = 0.5  # sublinear tf is 1 + ln(count): counts below 1/e would turn negative


class Feature(NamedTuple):
    """One term a token contributes; ``form`` is the word as written in the text (for a
    compound part: the whole compound), ``part`` whether the term is only a compound part."""

    term: str
    weight: float
    form: str
    part: bool


class TermExtractor:
    """Turns title and description into weighted term counts using a fixed compound lexicon.

    A compound contributes its own stem (weight 1) and each part's stem (``part_weight``), so
    ``isolatiemateriaal`` also matches ``isolatie``. A stem in the concept glossary also adds its
    concept with the word's weight, once per token (the matcher scales concept columns, so a
    small weight never meets the logarithm of sublinear tf), when the glossary word is of a
    language the text reads in (``reading``: see :func:`matching.analysis.reading_of`). Title
    words count ``title_weight`` times.
    """

    def __init__(
        self,
        lexicon: Iterable[str],
        *,
        title_weight: float = 2.0,
        part_weight: float = 0.5,
        concepts: Concepts | None = None,
    ) -> None:
        if min(title_weight, part_weight) < _MIN_WEIGHT:
            raise ValueError(f"title_weight and part_weight must be >= {_MIN_WEIGHT}")
        self.lexicon = frozenset(lexicon)
        self.title_weight = title_weight
        self.part_weight = part_weight
        self.concepts = concepts
        self._cache: dict[str, dict[str, tuple[Feature, ...]]] = {}
        self.part_forms: dict[str, str] = {}  # part stem -> part as written inside a compound

    @staticmethod
    def lexicon_from(words: Iterable[str]) -> set[str]:
        """Folded words and their stems, minus stop words and short words."""
        stops = STOP_WORDS["nl"] | STOP_WORDS["en"]
        folded = {w for t in words for w in token_words(t) if w.isalpha()}
        folded = {w for w in folded if len(w) >= 3 and w not in stops}
        return folded | {stem(w) for w in folded}

    def counts_and_forms(
        self, title: str, description: str
    ) -> tuple[dict[str, float], dict[str, tuple[bool, str]]]:
        """Weighted term counts of one document and, per term, (only a compound part?, word as
        written), chosen as in :func:`counts_and_forms`."""
        title_tokens, desc_tokens = Counter(tokens(title)), Counter(tokens(description))
        reading = reading_of(title_tokens + desc_tokens)
        acc: dict[str, float] = {}
        best: dict[str, tuple[bool, float, str]] = {}
        for token_counts, weight in ((title_tokens, self.title_weight), (desc_tokens, 1.0)):
            for token, n in token_counts.items():
                for feature in self.token_features(token, reading):
                    term = feature.term
                    acc[term] = acc.get(term, 0.0) + n * weight * feature.weight
                    found = (feature.part, -n * weight, feature.form)
                    best[term] = min(best.get(term, found), found)
        return acc, {t: (part, form) for t, (part, _, form) in best.items()}

    def token_features(self, token: str, reading: str) -> tuple[Feature, ...]:
        """The features of a token of a text that reads as ``reading`` (a language, or
        :data:`matching.analysis.UNDECIDED`)."""
        cache = self._cache.setdefault(reading, {})
        found = cache.get(token)
        if found is None:
            found = cache[token] = tuple(self._features(token, reading))
        return found

    def _features(self, token: str, reading: str) -> Iterable[Feature]:
        words = list(self._word_features(token, stem_language(reading)))
        return words + self._concept_features(token, words, reading)

    def _word_features(self, token: str, lang: str) -> Iterable[Feature]:
        # Numbers and words under three letters (``000``, ``m2``, ``pr``) are left out: they
        # matched by accident more often than by meaning on the benchmark (measured).
        for word in token_words(token, lang):
            if word.isdigit() or len(word) < _MIN_LETTERS:
                continue
            form = display_form(token, word)
            yield Feature(stem(word, lang), 1.0, form, False)
            if lang == "nl" and len(word) >= _MIN_COMPOUND:
                yield from self._parts(word, lang, form)

    def _concept_features(self, token: str, words: list[Feature], reading: str) -> list[Feature]:
        """One feature per concept of the token, from its strongest word (own words first):
        glossary words of the text's language by the stems in ``words``; in an undecided text
        also English ones, by the English stems of the token's words."""
        if self.concepts is None:
            return []
        best: dict[str, Feature] = {}
        lang = stem_language(reading)
        if lang in glossary_languages(reading):
            for f in sorted(words, key=lambda f: (f.part, -f.weight)):
                for concept in self.concepts.of(f.term, lang):
                    best.setdefault(concept, Feature(concept, f.weight, f.form, f.part))
        for other in glossary_languages(reading):
            if other != lang:
                for word in token_words(token, other):
                    for concept in self.concepts.of(stem(word, other), other):
                        best.setdefault(concept, Feature(concept, 1.0, display_form(token, word), False))
        return list(best.values())

    def _parts(self, word: str, lang: str, form: str) -> Iterable[Feature]:
        for part in split_compound(word, self.lexicon):
            part_stem = stem(part, lang)
            self.part_forms.setdefault(part_stem, part)
            yield Feature(part_stem, self.part_weight, form, True)

    def __getstate__(self) -> dict:
        # The token cache is rebuilt on demand; persisting it would only bloat saved models.
        return {**self.__dict__, "_cache": {}}


class TokenCounts:
    """Token count matrices of many (title, description) pairs."""

    def __init__(self, titles: Iterable[str], descriptions: Iterable[str]) -> None:
        table: defaultdict[str, int] = defaultdict()
        table.default_factory = table.__len__  # unseen token -> next free id
        self.title = _incidence(titles, table)
        self.description = _incidence(descriptions, table)
        self.tokens = list(table)
        shape = (self.title.shape[0], len(self.tokens))
        self.title.resize(shape)
        self.description.resize(shape)
        self.raw = (self.title + self.description).tocsr()
        self.readings = self._detect()
        self.languages = np.where(self.readings == "en", "en", "nl")  # the stemming language

    def _detect(self) -> np.ndarray:
        """Per row "nl", "en" or undecided by stop-word counts, as :func:`analysis.reading_of`."""
        nl = self.raw @ np.array([t in STOP_WORDS["nl"] for t in self.tokens], dtype=np.float64)
        en = self.raw @ np.array([t in STOP_WORDS["en"] for t in self.tokens], dtype=np.float64)
        return np.where(en > nl, "en", np.where(nl > en, "nl", UNDECIDED))

    def rows_of(self, lang: str) -> np.ndarray:
        """Rows stemmed in ``lang``."""
        return np.flatnonzero(self.languages == lang)

    def frequencies(self, lang: str) -> Counter[str]:
        sums = np.asarray(self.raw[self.rows_of(lang)].sum(axis=0)).ravel()
        return Counter({self.tokens[j]: int(sums[j]) for j in np.flatnonzero(sums)})


def _incidence(texts: Iterable[str], table: defaultdict[str, int]) -> sp.csr_matrix:
    ids = array("q")
    indptr = array("q", [0])
    for text in texts:
        ids.extend(map(table.__getitem__, tokens(text)))
        indptr.append(len(ids))
    cols = np.frombuffer(ids, dtype=np.int64) if ids else np.zeros(0, np.int64)
    data = np.ones(len(cols), dtype=np.float64)
    shape = (len(indptr) - 1, len(table))
    matrix = sp.csr_matrix((data, cols, np.frombuffer(indptr, dtype=np.int64)), shape=shape)
    matrix.sum_duplicates()
    return matrix


def count_matrix(
    extractor: TermExtractor, counts: TokenCounts, vocabulary: dict[str, int], grow: bool
) -> sp.csr_matrix:
    """(documents x terms) weighted counts; unknown terms extend ``vocabulary`` iff ``grow``."""
    return counts_and_forms(extractor, counts, vocabulary, grow, with_forms=False)[0]


def counts_and_forms(
    extractor: TermExtractor,
    counts: TokenCounts,
    vocabulary: dict[str, int],
    grow: bool,
    with_forms: bool = True,
) -> tuple[sp.csr_matrix, sp.csr_matrix, list[str]]:
    """Weighted counts, and where they came from: a matrix with the same nonzero pattern whose
    entries point into the returned list of words as written, ``+(i + 1)`` when the document
    contains the term as a word of its own (its most frequent such word), ``-(i + 1)`` when only
    as part of a compound (the compound). Without ``with_forms`` that matrix is empty."""
    weighted = (counts.title * extractor.title_weight + counts.description).tocsr()
    n_docs = weighted.shape[0]
    forms: dict[str, int] = {}
    blocks = []
    for reading in READINGS:
        rows = np.flatnonzero(counts.readings == reading)
        if len(rows):
            token_ids = np.unique(weighted[rows].indices)
            blocks.append(
                (rows, _feature_lists(extractor, counts.tokens, token_ids, reading, vocabulary, grow, forms))
            )
    out = sp.csr_matrix((n_docs, len(vocabulary)), dtype=np.float64)
    picked = []
    alphabetical = _alphabetical(list(forms))
    for rows, pairs in blocks:
        select = sp.csr_matrix((np.ones(len(rows)), (rows, rows)), shape=(n_docs, n_docs))
        block = (select @ weighted).tocsr()
        features = sp.csr_matrix(
            (pairs.weight, (pairs.token, pairs.term)), shape=(len(counts.tokens), len(vocabulary))
        )
        out = out + block @ features
        if with_forms:
            picked.append(_best_forms(block.tocoo(), pairs, alphabetical))
    out = out.tocsr()
    out.sort_indices()
    return out, _form_matrix(picked, out.shape), list(forms)


class _Pairs(NamedTuple):
    """The (token, term) features of a set of tokens, sorted by token."""

    token: np.ndarray
    term: np.ndarray
    weight: np.ndarray
    form: np.ndarray  # signed word id, negative for a compound part


def _feature_lists(
    extractor: TermExtractor,
    names: Sequence[str],
    token_ids: np.ndarray,
    reading: str,
    vocabulary: dict[str, int],
    grow: bool,
    forms: dict[str, int],
) -> _Pairs:
    tok: list[int] = []
    col: list[int] = []
    val: list[float] = []
    form: list[int] = []
    for j in token_ids.tolist():
        for feature in extractor.token_features(names[j], reading):
            term = feature.term
            c = vocabulary.setdefault(term, len(vocabulary)) if grow else vocabulary.get(term)
            if c is not None:
                tok.append(j)
                col.append(c)
                val.append(feature.weight)
                f = forms.setdefault(feature.form, len(forms)) + 1
                form.append(-f if feature.part else f)
    return _Pairs(
        np.array(tok, dtype=np.int64),
        np.array(col, dtype=np.int64),
        np.array(val, dtype=np.float64),
        np.array(form, dtype=np.int32),
    )


def _alphabetical(words: list[str]) -> np.ndarray:
    """Each word's place in alphabetical order (ties between forms go by it)."""
    places = np.empty(len(words), dtype=np.int64)
    places[sorted(range(len(words)), key=words.__getitem__)] = np.arange(len(words))
    return places


def _best_forms(block: sp.coo_matrix, pairs: _Pairs, alphabetical: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per (document, term): the form of its most frequent own word, else of a compound; among
    equals the first alphabetically, as :meth:`TermExtractor.counts_and_forms` chooses, so a
    document's forms do not depend on the documents analysed with it."""
    starts = np.searchsorted(pairs.token, block.col)
    reps = np.searchsorted(pairs.token, block.col, side="right") - starts
    total = int(reps.sum())
    offsets = np.repeat(starts - np.cumsum(reps) + reps, reps) + np.arange(total)
    doc, count = np.repeat(block.row, reps), np.repeat(block.data, reps)
    term, form = pairs.term[offsets], pairs.form[offsets]
    order = np.lexsort((alphabetical[np.abs(form) - 1], -count, form < 0, term, doc))  # own words first
    doc, term, form = doc[order], term[order], form[order]
    first = np.ones(total, dtype=bool)
    first[1:] = (doc[1:] != doc[:-1]) | (term[1:] != term[:-1])
    return doc[first], term[first], form[first]


def _form_matrix(picked: list[tuple[np.ndarray, ...]], shape: tuple[int, int]) -> sp.csr_matrix:
    if not picked:
        return sp.csr_matrix(shape, dtype=np.int32)
    doc, term, form = (np.concatenate(a) for a in zip(*picked, strict=True))
    matrix = sp.csr_matrix((form, (doc, term)), shape=shape, dtype=np.int32)
    matrix.sort_indices()
    return matrix
