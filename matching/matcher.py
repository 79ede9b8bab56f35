"""TF-IDF matcher: ranks documents (solutions or questions) for a query document.

Vectors: weighted term counts from :class:`TermExtractor` (title x2, compound parts x0.5),
sublinear tf, smoothed IDF and L2 norm via scikit-learn's ``TfidfTransformer``; the score of a
pair is the cosine of their vectors. Terms not seen at fit time are ignored until a refit.

Updates go to a small delta segment (rebuilt per update) and replaced or removed rows are
masked out, so ``upsert``/``remove`` never touch the large fitted segment until the delta grows
past twice the square root of its size (:func:`_delta_limit`) and both are merged.
"""

from __future__ import annotations

import math
import pickle  # models are written and read by this app only (Matcher.save/load)  # nosec B403
from collections.abc import Collection, Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from matching.analysis import fold
from matching.concepts import is_concept
from matching.explain import NO_COLUMNS, Explanation, QueryScratch, generic_columns, shared_words
from matching.features import TermExtractor, TokenCounts, count_matrix, counts_and_forms
from matching.filters import FilterKey, compatible, norm_names, themes_agree
from matching.fitting import concept_scale, corpus_surfaces, fit_tfidf, glossary, theme_lift, unique
from matching.index import THREADS, Segment, top_k

_FORMAT = "circulair-noord-matcher/2"  # /2: generic-word columns and concept bridges
_READABLE = {_FORMAT, "circulair-noord-matcher/1"}  # /1 models load; they explain without them
_CHUNK = 64  # queries per sparse product in rank_many; bounds the memory of one product
_MIN_DELTA = 100  # the fewest documents the delta segment holds before a merge (_delta_limit)
_SMALL_BATCH = 8  # up to this many documents are vectorised one by one
_ROW_CACHE = 256  # texts whose vectors a matcher remembers (see Matcher._weighted_row)
# A shared theme multiplies the cosine by 1 + the matcher's theme boost, so themes reorder
# near-ties but never hide a candidate. The boost is measured on the fitted corpus (see
# Matcher.fit and fitting.theme_lift): a shared theme counts as much as it predicts that two
# documents are close in text, i.e. boost = lift - 1, measured over each document's nearest
# THEME_NEIGHBOURS (the length of a result list). THEME_BOOST applies where the corpus cannot
# say (fewer than two themes, or fewer than THEME_MIN_DOCUMENTS documents with themes): an
# off-theme document then needs 1.5 times the text similarity of an on-theme one. None of
# these values were searched for on the benchmark (its sensitivity to the boost is reported by
# bench/quality.py); the learned ranker weighs theme agreement from judgements instead.
THEME_BOOST = 0.5
THEME_NEIGHBOURS = 10
THEME_MIN_DOCUMENTS = 30
THEME_PROBES = 1000  # documents whose neighbours are measured; bounds the cost of a fit


@dataclass(frozen=True)
class Document:
    id: str | int
    title: str
    description: str = ""
    themes: frozenset[str] = frozenset()  # empty = unknown: theme filter does not apply
    regions: frozenset[str] = frozenset()  # service area; empty = unknown
    location: tuple[str, str] | None = None  # (municipality, province); None = unknown

    def filter_key(self) -> FilterKey:
        location = None
        if self.location is not None:
            location = (fold(self.location[0]).strip(), fold(self.location[1]).strip())
        return FilterKey(norm_names(self.themes), norm_names(self.regions), location)


@dataclass(frozen=True)
class Result:
    id: str | int
    score: float
    terms: tuple[str, ...] = ()  # shared words worth showing, strongest first
    bridges: tuple[tuple[str, str], ...] = ()  # (query word, document word) a concept links


class Matcher:
    def __init__(
        self,
        extractor: TermExtractor,
        vocabulary: dict[str, int],
        tfidf: TfidfTransformer | None,
        surfaces: dict[str, str],
        n_terms: int = 5,
    ) -> None:
        self._extractor = extractor
        self._vocabulary = vocabulary
        self._terms = sorted(vocabulary, key=vocabulary.__getitem__)
        self._tfidf = tfidf  # None: empty corpus
        self._surfaces = surfaces
        self._forms = _WordTable()  # words as written in the indexed documents
        self.n_terms = n_terms
        self._segments: list[Segment] = []
        self._where: dict[Hashable, tuple[int, int]] = {}
        self._delta: dict[Hashable, tuple[sp.csr_matrix, sp.csr_matrix, FilterKey]] = {}
        self._dirty = False  # delta segment out of date; rebuilt lazily by the next rank
        self.changed_since_fit = 0
        self._generic: frozenset[int] = NO_COLUMNS  # columns too widespread to explain a match
        self._concepts: np.ndarray | None = None
        self._theme_boost = THEME_BOOST  # measured on the corpus by fit

    # -- fitting ---------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        documents: Iterable[Document],
        *,
        title_weight: float = 2.0,
        part_weight: float = 0.5,
        concept_weight: float = 1.0,
        n_terms: int = 5,
        theme_boost: float | None = None,
    ) -> Matcher:
        """Fit vocabulary, compound lexicon and IDF on ``documents`` and index them.

        ``concept_weight`` is the weight of a glossary concept (see :mod:`matching.concepts`)
        relative to the word that carries it; 0 switches concepts off. ``n_terms`` is how many
        explaining terms each result carries. ``theme_boost``: None measures it on the corpus
        (:func:`corpus_theme_boost`), a number fixes it.
        """
        docs = unique(documents)
        counts = TokenCounts((d.title for d in docs), (d.description for d in docs))
        concepts = glossary() if concept_weight else None
        lexicon = TermExtractor.lexicon_from([*counts.tokens, *(concepts.words if concepts else ())])
        extractor = TermExtractor(
            lexicon, title_weight=title_weight, part_weight=part_weight, concepts=concepts
        )
        vocabulary: dict[str, int] = {}
        raw, forms, words = counts_and_forms(extractor, counts, vocabulary, grow=True)
        matrix, tfidf = fit_tfidf(raw, concept_scale(vocabulary, concept_weight))
        surfaces = corpus_surfaces(counts)
        words_only = set(surfaces.values())
        parts = {t: p for t, p in extractor.part_forms.items() if p in words_only}
        matcher = cls(extractor, vocabulary, tfidf, {**parts, **surfaces}, n_terms)
        matcher._generic = generic_columns(raw)
        forms = matcher._forms.globalise(forms, words)
        keys = [d.filter_key() for d in docs]
        matcher._set_main([d.id for d in docs], matrix, keys, forms)
        if theme_boost is None:
            theme_boost = corpus_theme_boost(matcher._segments[0])
        matcher._theme_boost = theme_boost
        return matcher

    def _set_main(
        self, ids: list, matrix: sp.csr_matrix, keys: list[FilterKey], forms: sp.csr_matrix
    ) -> None:
        self._segments = [Segment(ids, matrix, keys, forms)]
        self._where = {doc_id: (0, row) for row, doc_id in enumerate(ids)}
        self._delta = {}

    @property
    def theme_boost(self) -> float:
        """What a shared theme adds: the score is ``1 + theme_boost`` times the cosine. Measured
        on the corpus at fit time (:func:`corpus_theme_boost`)."""
        return float(self.__dict__.get("_theme_boost", THEME_BOOST))  # absent from models saved before it

    @property
    def size(self) -> int:
        main = self._segments[0]
        return len(main) - main.dead + len(self._delta)

    # -- vectors ---------------------------------------------------------------------------

    def vectors(self, documents: Sequence[Document]) -> sp.csr_matrix:
        """L2-normalised TF-IDF rows (float32) in the fitted vocabulary, one per document."""
        if len(documents) <= _SMALL_BATCH:
            return self._small_vectors(documents)[0]
        counts = TokenCounts((d.title for d in documents), (d.description for d in documents))
        return self._weigh(count_matrix(self._extractor, counts, self._vocabulary, grow=False))

    def _vectors_and_forms(self, documents: Sequence[Document]) -> tuple[sp.csr_matrix, sp.csr_matrix, list]:
        """:meth:`vectors` plus the words behind them (see :func:`counts_and_forms`)."""
        if len(documents) <= _SMALL_BATCH:
            return self._small_vectors(documents)
        counts = TokenCounts((d.title for d in documents), (d.description for d in documents))
        raw, forms, words = counts_and_forms(self._extractor, counts, self._vocabulary, False)
        return self._weigh(raw), forms, words

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        if self._tfidf is not None:
            counts = self._tfidf.transform(counts)
        return sp.csr_matrix(counts, dtype=np.float32)

    def _small_vectors(self, documents: Sequence[Document]) -> tuple[sp.csr_matrix, sp.csr_matrix, list]:
        """Same arithmetic as :meth:`vectors` without the fixed cost of building token tables."""
        words: dict[str, int] = {}
        rows = [self._row(d, words) for d in documents]
        indptr = np.cumsum([0] + [len(c) for c, _, _ in rows])
        cols = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int32)
        vals = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
        forms = np.concatenate([r[2] for r in rows]) if rows else np.zeros(0, np.int32)
        shape = (len(rows), len(self._terms))
        return (
            sp.csr_matrix((vals, cols, indptr), shape=shape, dtype=np.float32),
            sp.csr_matrix((forms, cols, indptr), shape=shape, dtype=np.int32),
            list(words),
        )

    def _row(self, doc: Document, words: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cols, vals, forms = self._weighted_row(doc.title, doc.description)
        signed = np.array(
            [(words.setdefault(form, len(words)) + 1) * (-1 if part else 1) for part, form in forms],
            dtype=np.int32,
        )
        return cols, vals, signed

    def _weighted_row(self, title: str, description: str) -> tuple[np.ndarray, np.ndarray, list]:
        """Columns, TF-IDF weights and (compound part?, word as written) of one text, remembered
        for the last :data:`_ROW_CACHE` texts: one request vectorises the same question several
        times (its matches, its similar questions, their explanations). The vocabulary and IDF
        never change after fitting, so a remembered row stays right for this matcher."""
        cache = self.__dict__.setdefault("_row_cache", {})
        found = cache.get((title, description))
        if found is not None:
            return found
        counts, forms = self._extractor.counts_and_forms(title, description)
        pairs = sorted((self._vocabulary[t], w, forms[t]) for t, w in counts.items() if t in self._vocabulary)
        cols = np.array([c for c, _, _ in pairs], dtype=np.int32)
        vals = np.zeros(len(cols), dtype=np.float32)
        if self._tfidf is not None and pairs:
            weights = (1.0 + np.log([w for _, w, _ in pairs])) * self._tfidf.idf_[cols]
            vals = (weights / np.sqrt(np.dot(weights, weights))).astype(np.float32)
        if len(cache) >= _ROW_CACHE:
            cache.clear()  # whole, not one by one: safe when another thread reads it meanwhile
        found = cache[(title, description)] = (cols, vals, [f for _, _, f in pairs])
        return found

    def surface_words(self, columns: Iterable[int]) -> list[str]:
        """The word people wrote most often for each vocabulary column, in order; ``""`` for a
        compound part that is no word of the corpus on its own."""
        return [self._surfaces.get(self._terms[c], "") for c in columns]

    def similarity(self, a: Document, b: Document) -> float:
        """Cosine similarity of two documents in the fitted space (filters not applied)."""
        va, vb = self.vectors([a, b])
        return _clip(va.multiply(vb).sum())

    # -- ranking ---------------------------------------------------------------------------

    def rank(
        self,
        query: Document,
        k: int = 10,
        *,
        min_score: float = 0.0,
        theme_filter: bool = False,
        theme_boost: float | None = None,
        exclude: Collection = (),
        explain: bool = True,
    ) -> list[Result]:
        return self.rank_many(
            [query],
            k,
            min_score=min_score,
            theme_filter=theme_filter,
            theme_boost=theme_boost,
            exclude=exclude,
            explain=explain,
        )[0]

    def rank_many(
        self,
        queries: Sequence[Document],
        k: int = 10,
        *,
        min_score: float = 0.0,
        theme_filter: bool = False,
        theme_boost: float | None = None,
        exclude: Collection = (),
        explain: bool = True,
        vectors: sp.csr_matrix | None = None,
    ) -> list[list[Result]]:
        """Top ``k`` per query; ``exclude`` holds document ids left out of every result list.

        Region always filters. Themes guide: a document sharing a theme with the query scores
        ``1 + theme_boost`` times its cosine (None: the boost measured on the corpus, see
        :attr:`theme_boost`); ``theme_filter=True`` also removes documents of other themes (the old
        behaviour, for comparison). ``explain=False`` leaves ``terms`` and ``bridges`` empty
        (faster, for candidates); then ``vectors`` may hold the queries' rows of :meth:`vectors`,
        computed before for many queries at once (the same rows as computed here)."""
        if self._dirty:
            self._rebuild_delta()
        theme_boost = self.theme_boost if theme_boost is None else theme_boost
        # All queries are analysed at once (each distinct word once, however many chunks use
        # it); the word forms only when they are explained.
        if explain:
            qmatrix, qforms, qwords = self._vectors_and_forms(queries)
        else:
            qmatrix, qforms, qwords = self.vectors(queries) if vectors is None else vectors, None, []
        excluded = set(exclude)

        def rank_chunk(start: int) -> list[list[Result]]:
            rows = slice(start, start + _CHUNK)
            scratch = QueryScratch(len(self._terms), qwords)  # one per thread: explaining writes it
            vectors = _Queries(qmatrix[rows], None if qforms is None else qforms[rows], scratch)
            return self._rank_chunk(queries[rows], vectors, k, min_score, theme_filter, theme_boost, excluded)

        starts = range(0, len(queries), _CHUNK)
        if len(starts) == 1:
            return rank_chunk(0)
        # scipy's sparse product releases the GIL: two chunks at once take about half the time
        with ThreadPoolExecutor(THREADS) as pool:
            return [results for chunk in pool.map(rank_chunk, starts) for results in chunk]

    def _rank_chunk(
        self,
        queries: Sequence[Document],
        vectors: _Queries,
        k: int,
        min_score: float,
        theme_filter: bool,
        theme_boost: float,
        exclude: set,
    ) -> list[list[Result]]:
        """Top ``k`` of a chunk of queries; unexplained when ``vectors`` carry no word forms."""
        qmatrix, qforms = vectors.matrix, vectors.forms
        keys = [q.filter_key() for q in queries]
        found: list[list[tuple[float, int, int]]] = [[] for _ in queries]
        wanted = k + len(exclude)
        for s, seg in enumerate(self._segments):
            masks = [seg.allowed(key, theme_filter) for key in keys]
            boosts = [seg.filters.agreement(key) if theme_boost else None for key in keys]
            for i, docs, vals in _candidates(seg, qmatrix, masks, boosts, theme_boost, wanted, min_score):
                found[i].extend((-float(v), s, int(d)) for v, d in zip(vals, docs, strict=True))
        if qforms is None:
            ids = [seg.ids for seg in self._segments]
            plain = [[(ids[s][row], _clip(-neg)) for neg, s, row in sorted(f)] for f in found]
            return [
                [Result(doc, score) for doc, score in pairs if doc not in exclude][:k]  # type: ignore[arg-type]
                for pairs in plain
            ]
        return [
            self._results(
                vectors.scratch, _csr_row(qmatrix, i), _csr_row(qforms, i)[1], sorted(f), k, exclude
            )
            for i, f in enumerate(found)
        ]

    def stored_rows(self, ids: Sequence[Hashable]) -> tuple[sp.csr_matrix, list[FilterKey | None]]:
        """TF-IDF rows and filter keys of indexed documents, in the order of ``ids``; an id
        not in the index gets an empty row and ``None``."""
        if self._dirty:
            self._rebuild_delta()
        n = len(self._terms)
        where = [self._where.get(d) for d in ids]
        keys: list[FilterKey | None] = [None] * len(ids)
        parts: list[sp.csr_matrix] = []
        order: list[np.ndarray] = []
        for s, seg in enumerate(self._segments):
            at = np.array([i for i, w in enumerate(where) if w is not None and w[0] == s], dtype=np.int64)
            if len(at):
                rows = np.array([where[i][1] for i in at], dtype=np.int64)
                parts.append(seg.matrix[rows])
                order.append(at)
                for i, row in zip(at.tolist(), rows.tolist(), strict=True):
                    keys[i] = seg.keys[row]
        missing = np.array([i for i, w in enumerate(where) if w is None], dtype=np.int64)
        if len(missing):
            parts.append(sp.csr_matrix((len(missing), n), dtype=np.float32))
            order.append(missing)
        if not parts:
            return sp.csr_matrix((0, n), dtype=np.float32), keys
        stacked = sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
        return stacked[np.argsort(np.concatenate(order), kind="stable")], keys

    def results_for(self, query: Document, ids: Sequence[Hashable], *, boosted: bool = False) -> list[Result]:
        """Results (cosine score and explanation, no filters) for given indexed documents, in
        the order of ``ids``; ids not in the index are left out. ``boosted``: with the theme
        boost, so the score is the one :meth:`rank` gives the pair."""
        return self.results_for_many([query], [ids], boosted=boosted)[0]

    def results_for_many(
        self, queries: Sequence[Document], ids: Sequence[Sequence[Hashable]], *, boosted: bool = False
    ) -> list[list[Result]]:
        """:meth:`results_for` for many queries, vectorised together."""
        if self._dirty:
            self._rebuild_delta()
        qmatrix, qforms, qwords = self._vectors_and_forms(queries)
        scratch = QueryScratch(len(self._terms), qwords)
        boost = self.theme_boost if boosted else 0.0
        out = []
        for i, wanted in enumerate(ids):
            qcols, qvals = _csr_row(qmatrix, i)
            scratch.load(qcols, qvals, _csr_row(qforms, i)[1])
            out.append(self._results_for(scratch, wanted, queries[i].filter_key(), boost))
            scratch.clear(qcols)
        return out

    def results_for_indexed(self, query_id: Hashable, ids: Sequence[Hashable]) -> list[Result] | None:
        """:meth:`results_for` of the indexed document ``query_id``, read from its stored row
        instead of analysing its text again (the same results); None when it is not indexed."""
        if self._dirty:
            self._rebuild_delta()
        where = self._where.get(query_id)
        if where is None:
            return None
        segment, row = self._segments[where[0]], where[1]
        scratch = QueryScratch(len(self._terms), self._forms.words)
        scratch.load(*segment.row_terms(row))
        return self._results_for(scratch, ids, segment.keys[row], 0.0)

    def _results_for(
        self, query: QueryScratch, ids: Sequence[Hashable], key: FilterKey, boost: float
    ) -> list[Result]:
        """Scores and explanations of the indexed ``ids`` for the loaded ``query``, the cosine
        times ``1 + boost`` where the themes agree with ``key``."""
        found = [(doc_id, where) for doc_id in ids if (where := self._where.get(doc_id)) is not None]
        cosines, explained = self._explained(query, [where for _, where in found])
        results = []
        for (doc_id, (s, row)), cosine, (terms, bridges) in zip(found, cosines, explained, strict=True):
            score = cosine * (1.0 + boost * themes_agree(key, self._segments[s].keys[row]))
            results.append(Result(doc_id, _clip(score), terms, bridges))  # type: ignore[arg-type]
        return results

    def term_counts(self, document: Document) -> dict[str, float]:
        """Weighted term counts of a document (stems, compound parts, concepts), including
        terms the fitted vocabulary does not know."""
        return self._extractor.counts_and_forms(document.title, document.description)[0]

    def concept_columns(self) -> np.ndarray:
        """Boolean mask over the vocabulary: which columns are glossary concepts."""
        return np.array([is_concept(t) for t in self._terms], dtype=bool)

    def _results(
        self,
        query: QueryScratch,
        qrow: tuple[np.ndarray, np.ndarray],
        qforms: np.ndarray,
        found: list,
        k: int,
        exclude: set,
    ) -> list[Result]:
        query.load(qrow[0], qrow[1], qforms)
        kept = []
        for neg, s, row in found:
            doc_id = self._segments[s].ids[row]
            if doc_id not in exclude:
                kept.append((doc_id, -neg, (s, row)))
            if len(kept) == k:
                break
        _, explained = self._explained(query, [where for _, _, where in kept])
        query.clear(qrow[0])
        return [
            Result(doc_id, _clip(score), terms, bridges)
            for (doc_id, score, _), (terms, bridges) in zip(kept, explained, strict=True)
        ]

    def _explained(
        self, query: QueryScratch, rows: list[tuple[int, int]]
    ) -> tuple[list[float], list[Explanation]]:
        """Cosines and explanations of indexed rows ((segment, row)) for the loaded ``query``,
        computed for all rows at once (:func:`matching.explain.shared_words`)."""
        if not rows:
            return [], []
        terms = [self._segments[s].row_terms(row) for s, row in rows]
        cols, vals, forms = (np.concatenate(parts) for parts in zip(*terms, strict=True))
        bounds = np.cumsum([0] + [len(t[0]) for t in terms]).tolist()
        weights = query.weights[cols]
        # one dot per row, as for a single pair: a sum over all rows at once would round differently
        cosines = [float(np.dot(weights[a:b], vals[a:b])) for a, b in pairwise(bounds)]
        explained = shared_words(
            query,
            bounds,
            cols,
            weights * vals,
            forms,
            written=self._forms.words,
            generic=self.__dict__.get("_generic", NO_COLUMNS),
            concepts=self._concept_mask(),
            n_terms=self.n_terms,
        )
        return cosines, explained

    def _concept_mask(self) -> np.ndarray:
        mask = self.__dict__.get("_concepts")
        if mask is None or len(mask) != len(self._terms):
            mask = self._concepts = self.concept_columns()
        return mask

    # -- updates ---------------------------------------------------------------------------

    def upsert(self, document: Document) -> None:
        """Add or replace one document using the fitted vocabulary and IDF."""
        self._drop(document.id)
        matrix, forms, words = self._small_vectors([document])
        forms = self._forms.globalise(forms, words)
        self._delta[document.id] = (matrix, forms, document.filter_key())
        self.changed_since_fit += 1
        self._dirty = True

    def remove(self, id: Hashable) -> None:
        if id not in self._where and id not in self._delta:
            raise KeyError(id)
        self._drop(id)
        self.changed_since_fit += 1
        self._dirty = True

    def _drop(self, doc_id: Hashable) -> None:
        where = self._where.pop(doc_id, None)
        if where is not None and where[0] == 0:
            self._segments[0].kill(where[1])
        elif where is not None and len(self._segments) > 1:
            self._segments[1].kill(where[1])  # stays hidden until the delta is rebuilt
        self._delta.pop(doc_id, None)

    def _rebuild_delta(self) -> None:
        """The delta segment again, in the order of ``_delta``: the live rows of the current one,
        then the documents upserted since (not yet in ``_where``). Stacking only those keeps an
        update's cost from growing with the delta, one upsert after another."""
        self._dirty = False
        main = self._segments[0]
        if len(self._delta) > _delta_limit(len(main)) or main.dead > len(main) // 2:
            self._merge()
            return
        kept = [self._segments[1].alive_rows()] if len(self._segments) > 1 else []
        fresh = [i for i in self._delta if i not in self._where]
        ids = [i for part in kept for i in part[0]] + fresh
        self._segments = [main]
        if ids:
            rows = _stack_rows([*(part[1] for part in kept), *(self._delta[i][0] for i in fresh)])
            forms = _stack_rows([*(part[3] for part in kept), *(self._delta[i][1] for i in fresh)])
            keys = [k for part in kept for k in part[2]] + [self._delta[i][2] for i in fresh]
            self._segments.append(Segment(ids, rows, keys, forms))
        self._where.update({doc_id: (1, row) for row, doc_id in enumerate(ids)})

    def _merge(self) -> None:
        ids, matrix, keys, forms = self._segments[0].alive_rows()
        delta = list(self._delta)
        if delta:
            matrix = _stack_rows([matrix, *(self._delta[i][0] for i in delta)])
            forms = _stack_rows([forms, *(self._delta[i][1] for i in delta)])
            ids += delta
            keys += [self._delta[i][2] for i in delta]
        self._set_main(ids, matrix, keys, forms)

    # -- persistence -----------------------------------------------------------------------

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "_row_cache"}

    def save(self, path: str | Path) -> None:
        with open(path, "wb") as fh:
            pickle.dump((_FORMAT, self), fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | Path) -> Matcher:
        """Load a model written by :meth:`save`. Pickle runs code: load only your own files."""
        with open(path, "rb") as fh:
            tag, matcher = pickle.load(fh)  # our own model file in the instance folder, never an upload  # nosec B301
        if tag not in _READABLE or not isinstance(matcher, cls):
            raise ValueError(f"{path}: not a saved Matcher ({tag!r})")
        return matcher


def _delta_limit(main_size: int) -> int:
    """How many documents the delta segment holds before it merges into the main one. Each
    upsert restacks the delta (a cost that grows with its size d), and a merge restacks all M
    documents once per T upserts: about d/2 + M/T rows per upsert, least at T = sqrt(2M). Twice
    sqrt(M) keeps merges rarer: 200 at 10,000 questions, 630 at 100,000 solutions (it was
    max(1,000, M/20)). An upsert and its ranking, measured over a run of posts: 3.4 -> 2.7 ms at
    10,000 questions, 4.7 -> 4.2 ms at 90,000 solutions."""
    return max(_MIN_DELTA, round(2 * math.sqrt(main_size)))


@dataclass(frozen=True)
class _Queries:
    """A chunk's query vectors, their word forms (None: not explained) and the scratch that
    explains them."""

    matrix: sp.csr_matrix
    forms: sp.csr_matrix | None
    scratch: QueryScratch


class _WordTable:
    """Words as written in indexed documents, stored once; form matrices point into it."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self._ids: dict[str, int] = {}

    def globalise(self, forms: sp.csr_matrix, words: list[str]) -> sp.csr_matrix:
        """``forms`` pointing into ``words`` rewritten to point into this table."""
        table = np.array([self._id(w) for w in words] + [0], dtype=np.int32)
        out = forms.copy()
        out.data = np.sign(out.data) * (table[np.abs(out.data) - 1] + 1)
        return out

    def _id(self, word: str) -> int:
        found = self._ids.get(word)
        if found is None:
            found = self._ids[word] = len(self.words)
            self.words.append(word)
        return found


def _candidates(
    seg: Segment,
    queries: sp.csr_matrix,
    masks: list,
    boosts: list,
    boost: float,
    wanted: int,
    min_score: float,
) -> Iterable[tuple[int, np.ndarray, np.ndarray]]:
    """(query row, best documents, scores) per query. Queries without a filter mask or theme
    boost take the top-n product, which never materialises all scores; the others score every
    document sharing a term, so neither the filter nor the boost can miss a document."""
    free = [i for i, m in enumerate(masks) if m is None and boosts[i] is None]
    full = [i for i, m in enumerate(masks) if m is not None or boosts[i] is not None]
    for rows, scores in (
        (free, seg.best(queries[free], wanted) if free else None),
        (full, seg.scores(queries[full]) if full else None),
    ):
        if scores is None:
            continue
        for j, i in enumerate(rows):
            lo, hi = scores.indptr[j], scores.indptr[j + 1]
            yield (
                i,
                *top_k(
                    scores.indices[lo:hi], scores.data[lo:hi], wanted, masks[i], min_score, boosts[i], boost
                ),
            )


def corpus_theme_boost(segment: Segment) -> float:
    """The theme boost a corpus supports: lift - 1 (:func:`matching.fitting.theme_lift`, over
    :data:`THEME_NEIGHBOURS` neighbours), never below 0; :data:`THEME_BOOST` when fewer than
    :data:`THEME_MIN_DOCUMENTS` documents name themes or the lift cannot be measured."""
    if sum(bool(key.themes) for key in segment.keys) < THEME_MIN_DOCUMENTS:
        return THEME_BOOST
    lift = theme_lift(segment.matrix, segment.postings, segment.keys, THEME_NEIGHBOURS, THEME_PROBES)
    return THEME_BOOST if lift is None else max(0.0, lift - 1.0)


def compatible_documents(a: Document, b: Document, theme_filter: bool = False) -> bool:
    """Whether the region filter (and the theme filter, when asked) lets ``a`` and ``b`` be
    matched."""
    return compatible(a.filter_key(), b.filter_key(), theme_filter)


def _stack_rows(matrices: Sequence[sp.csr_matrix]) -> sp.csr_matrix:
    """``sp.vstack`` of CSR matrices with as many columns, as one concatenation of their arrays:
    the delta segment is restacked from one-row matrices after every update, and scipy's
    per-matrix overhead made that 15 ms at 1,000 rows."""
    ends = [m.indptr[1:] for m in matrices]  # each row's end within its own matrix
    sizes = [int(m.indptr[-1]) for m in matrices]
    starts = np.repeat(np.cumsum([0, *sizes[:-1]]), [len(e) for e in ends])
    indptr = np.concatenate([[0], np.concatenate(ends) + starts])
    data = np.concatenate([m.data for m in matrices])
    indices = np.concatenate([m.indices for m in matrices])
    shape = (len(indptr) - 1, matrices[0].shape[1])
    return sp.csr_matrix((data, indices, indptr), shape=shape)


def _csr_row(matrix: sp.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[lo:hi], matrix.data[lo:hi]


def _clip(score: float) -> float:
    return min(1.0, max(0.0, float(score)))
