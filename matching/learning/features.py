"""The features of a (query, document) pair, computed for whole batches; they carry over to new
questions, never ids:

* ``cosine``, ``relative`` (cosine / the query's best cosine), ``reciprocal_rank`` of the
  TF-IDF ranking, ``title`` (cosine of the query's title alone), ``concept_share`` (the part of
  the cosine that comes through glossary concepts);
* ``theme`` (1 shared, 0.5 unknown, 0 different), ``local`` (the document's service area names
  the query's municipality), ``nationwide`` (it serves all of the Netherlands);
* ``assoc_relevant`` / ``assoc_not``: term associations learned from judged pairs, the largest
  ``cos(q, q') * cos(d, d')`` over judged pairs ``(q', d')`` that were relevant / not. This is a
  bilinear model of (query term, document term) pairs that co-occur in judged pairs, so
  ``korrels`` in a new question reaches ``regranulaat`` in a solution once someone judged such
  a pair relevant;
* ``fared_relevant`` / ``fared_not``: how this very document fared with similar questions, the
  largest ``cos(q, q')`` over its own judged pairs.

Features from judgements leave out the query's own judgements (for training rows too), so the
model learns what judgements of *other* questions say, which is what a new question gets.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import scipy.sparse as sp

from matching.filters import NATIONWIDE, FilterKey
from matching.learning.types import Judgement
from matching.matcher import Document, Matcher, Result

SIMILAR_QUERIES = 50  # judged questions consulted per query, most similar first
FEATURES = (
    "cosine",
    "relative",
    "reciprocal_rank",
    "title",
    "concept_share",
    "theme",
    "local",
    "nationwide",
    "assoc_relevant",
    "assoc_not",
    "fared_relevant",
    "fared_not",
)
# Feature sets the safeguard chooses between on held-out judgements (first listed wins ties):
# the text and theme features alone, which need few judgements, and all of them, whose
# judgement features (term associations, how a document fared) pay off once judgements
# cover the vocabulary of new questions.
VARIANTS: dict[str, tuple[str, ...]] = {"text+theme": FEATURES[:6], "all": FEATURES}


class JudgedPairs:
    """The judged questions and documents in a matcher's space (the vectors depend on the
    matcher's vocabulary), with the judged pairs as index arrays into them."""

    def __init__(
        self,
        matcher: Matcher,
        queries: Sequence[Document],
        documents: Sequence[Document],
        judgements: Sequence[Judgement],
    ) -> None:
        qids = [q.id for q in queries]
        self.qindex = {q: i for i, q in enumerate(qids)}
        self.space = QuerySpace(matcher, queries)
        self.qvectors = self.space.vectors(queries)
        dids = list(dict.fromkeys(j.document_id for j in judgements))
        self.dindex = {d: i for i, d in enumerate(dids)}
        self.dids = dids
        stored, _ = matcher.stored_rows(dids)
        texts = {d.id: d for d in documents}
        missing = [i for i, d in enumerate(dids) if stored[i].nnz == 0 and d in texts]
        if missing:
            stored = sp.lil_matrix(stored)
            extra = matcher.vectors([texts[dids[i]] for i in missing])
            for row, i in enumerate(missing):
                stored[i] = extra[row]
            stored = sp.csr_matrix(stored)
        self.dvectors = sp.csr_matrix(stored)
        judged = [j for j in judgements if j.query_id in self.qindex and j.document_id in self.dindex]
        self.pq = np.array([self.qindex[j.query_id] for j in judged], dtype=np.int64)
        self.pd = np.array([self.dindex[j.document_id] for j in judged], dtype=np.int64)
        self.pgood = np.array([j.grade >= 1 for j in judged], dtype=bool)
        self.concepts = matcher.concept_columns()

    def features(
        self, query: Document, ids: Sequence[Hashable], dmatrix: sp.csr_matrix, sq: np.ndarray
    ) -> np.ndarray:
        """The four judgement features of ``query``'s candidates ``ids`` (rows ``dmatrix``),
        ``sq`` the query's row of :meth:`similarity`."""
        own = self.qindex.get(query.id)
        pairs = np.flatnonzero(sq[self.pq] > 0)
        if own is not None:
            pairs = pairs[self.pq[pairs] != own]
        out = np.zeros((len(ids), 4))
        if not len(pairs):
            return out
        sd = dense_matrix(dmatrix @ self.dvectors[self.pd[pairs]].T)  # candidates x pairs
        kernel = sd * sq[self.pq[pairs]][np.newaxis, :]
        good = self.pgood[pairs]
        if good.any():
            out[:, 0] = kernel[:, good].max(axis=1)
        if (~good).any():
            out[:, 1] = kernel[:, ~good].max(axis=1)
        row_of = np.full(len(self.dindex), -1, dtype=np.int64)
        for row, d in enumerate(ids):
            at = self.dindex.get(d)  # type: ignore[call-overload]
            if at is not None:
                row_of[at] = row
        rows = row_of[self.pd[pairs]]
        weight = sq[self.pq[pairs]]
        for col, which in ((2, good), (3, ~good)):
            hit = which & (rows >= 0)
            np.maximum.at(out[:, col], rows[hit], weight[hit])
        return out

    def similarity(self, queries: Sequence[Document]) -> np.ndarray:
        """(queries x judged questions) cosines, only the :data:`SIMILAR_QUERIES` most similar
        kept per query."""
        sq = dense_matrix(self.space.vectors(queries) @ self.qvectors.T)
        if sq.shape[1] > SIMILAR_QUERIES:
            cut = np.partition(sq, sq.shape[1] - SIMILAR_QUERIES, axis=1)[:, sq.shape[1] - SIMILAR_QUERIES]
            sq = np.where(sq >= cut[:, np.newaxis], sq, 0.0)
        return sq


def pair_features(
    matcher: Matcher,
    judged: JudgedPairs,
    variant: str,
    queries: Sequence[Document],
    found: Sequence[Sequence[Result]],
    vectors: QueryVectors,
) -> np.ndarray:
    """Feature rows of every (query, candidate) pair, queries in order, one block each; the
    columns of ``variant`` (see :data:`VARIANTS`)."""
    columns = [FEATURES.index(f) for f in VARIANTS[variant]]
    sizes = np.array([len(f) for f in found], dtype=np.int64)
    out = np.zeros((int(sizes.sum()), len(FEATURES)), dtype=np.float64)
    if not len(out):
        return out[:, columns]
    ids = [r.id for f in found for r in f]
    owner = np.repeat(np.arange(len(found)), sizes)
    dmatrix, keys = matcher.stored_rows(ids)
    cos = _rowdot(dmatrix, vectors.query[owner])
    concept = _rowdot(dmatrix, vectors.concept[owner])
    ends = np.cumsum([0, *sizes])
    position = np.arange(len(out)) - ends[owner]
    best = np.maximum.reduceat(cos, ends[:-1][sizes > 0]) if len(cos) else cos
    top = np.zeros(len(found))
    top[sizes > 0] = best
    out[:, 0] = cos
    out[:, 1] = cos / np.maximum(top[owner], 1e-9)
    out[:, 2] = 1.0 / (1.0 + position)
    out[:, 3] = _rowdot(dmatrix, vectors.title[owner])
    out[:, 4] = np.divide(concept, cos, out=np.zeros_like(cos), where=cos > 0)
    qkeys = [q.filter_key() for q in queries]
    for row, key in enumerate(keys):
        out[row, 5:8] = _filter_features(qkeys[owner[row]], key)
    if len(judged.pq) and "assoc_relevant" in VARIANTS[variant]:
        for i, q in enumerate(queries):
            if sizes[i]:
                lo, hi = ends[i], ends[i + 1]
                out[lo:hi, 8:12] = judged.features(q, ids[lo:hi], dmatrix[lo:hi], vectors.similar[i])
    return out[:, columns]


class QueryVectors:
    """Per query of a batch: its TF-IDF row, its title's row and its similarity to the judged
    questions, computed for the whole batch at once."""

    def __init__(
        self, matcher: Matcher | None, judged: JudgedPairs | None, queries: Sequence[Document]
    ) -> None:
        if matcher is None or judged is None:
            return
        self.query = matcher.vectors(queries)
        self.title = matcher.vectors([Document(q.id, q.title) for q in queries])
        self.concept = sp.csr_matrix(self.query.multiply(judged.concepts[np.newaxis, :]))
        if len(judged.pq):
            self.similar = judged.similarity(queries)
        else:
            self.similar = np.zeros((len(queries), 0))


class QuerySpace:
    """TF-IDF over the judged questions' own terms, for question-to-question similarity. The
    matcher's space knows only the indexed documents' terms, so a word only questions use
    (``korrels``) would be invisible there; the same analysis (stems, compound parts,
    concepts) is used, with sublinear tf and smoothed IDF like the matcher."""

    def __init__(self, matcher: Matcher, queries: Sequence[Document]) -> None:
        self._matcher = matcher
        self._vocabulary: dict[str, int] = {}
        counts = self._counts(queries, grow=True)
        df = np.bincount(counts.indices, minlength=len(self._vocabulary))
        self._idf = np.log((1 + len(queries)) / (1 + df)) + 1.0

    def _counts(self, queries: Sequence[Document], grow: bool) -> sp.csr_matrix:
        rows, cols, vals = [], [], []
        for i, q in enumerate(queries):
            for term, weight in self._matcher.term_counts(q).items():
                col = (
                    self._vocabulary.setdefault(term, len(self._vocabulary))
                    if grow
                    else self._vocabulary.get(term)
                )
                if col is not None:
                    rows.append(i)
                    cols.append(col)
                    vals.append(weight)
        shape = (len(queries), len(self._vocabulary))
        return sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)

    def vectors(self, queries: Sequence[Document]) -> sp.csr_matrix:
        counts = self._counts(queries, grow=False)
        counts.data = (1.0 + np.log(counts.data)) * self._idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        return sp.csr_matrix(sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ counts)


def dense_matrix(matrix: sp.spmatrix) -> np.ndarray:
    return np.asarray(matrix.toarray())


def _filter_features(query: FilterKey, doc: FilterKey | None) -> tuple[float, float, float]:
    if doc is None:
        return 0.5, 0.0, 0.0
    theme = 0.5 if not (query.themes and doc.themes) else float(bool(query.themes & doc.themes))
    local = float(query.location is not None and query.location[0] in doc.regions)
    return theme, local, float(NATIONWIDE in doc.regions)


def _rowdot(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """Row-wise dot products of two matrices of the same shape."""
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()
