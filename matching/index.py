"""An immutable block of document vectors with its postings and filter masks, and top-k helpers.

Documents are rows of an L2-normalised CSR float32 matrix. Its transpose (terms x documents,
also CSR) is the posting list, so a query vector multiplied by it touches only the documents
that share a term with the query; top-k then runs over those candidates only, with
``np.argpartition`` instead of a sort. (A hybrid that scored the most frequent terms from a
dense block with BLAS was tried: it only pays off on corpora whose queries share terms with
nearly every document, and was slower on corpora with the benchmark's term statistics.)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul_topn

from matching.filters import FilterIndex, FilterKey

THREADS = 2  # the production box has two cores
_THREADED_BATCH = 16  # starting threads costs more than scoring a few queries


class Segment:
    def __init__(
        self, ids: Sequence[Hashable], matrix: sp.csr_matrix, keys: Sequence[FilterKey], forms: sp.csr_matrix
    ):
        """``forms`` has ``matrix``'s nonzero pattern; its entries say which word each term
        came from (see :func:`matching.features.counts_and_forms`)."""
        self.ids = list(ids)
        self.keys = list(keys)
        self.matrix = sp.csr_matrix(matrix, dtype=np.float32)
        self.forms = sp.csr_matrix(forms, dtype=np.int32)
        if self.forms.nnz != self.matrix.nnz:
            raise ValueError("forms must have the nonzero pattern of matrix")
        self.postings = self.matrix.T.tocsr()
        self.filters = FilterIndex(self.keys)
        self.alive = np.ones(len(self.ids), dtype=bool)
        self.dead = 0

    def __len__(self) -> int:
        return len(self.ids)

    def kill(self, row: int) -> None:
        if self.alive[row]:
            self.alive[row] = False
            self.dead += 1

    def allowed(self, key: FilterKey, theme_filter: bool) -> np.ndarray | None:
        """Boolean mask of documents the query may see, or None for all."""
        mask = self.filters.mask(key, theme_filter)
        if not self.dead:
            return mask
        return self.alive if mask is None else mask & self.alive

    def scores(self, queries: sp.csr_matrix) -> sp.csr_matrix:
        """Sparse (queries x documents) cosine scores; only documents sharing a term appear."""
        if queries.shape[0] == 1:
            return self._one_query_scores(queries)
        return (queries @ self.postings).tocsr()

    def _one_query_scores(self, query: sp.csr_matrix) -> sp.csr_matrix:
        """:meth:`scores` of one query: the posting rows of its terms times its weights, summed
        into a dense row. The same products added in the same order as the sparse product, without
        its two passes over the candidates: 0.5 ms instead of 1.5-3 against 100,000 solutions,
        which a question shares a word with most of."""
        dense = self.postings[query.indices].T @ query.data
        docs = np.flatnonzero(dense)
        return sp.csr_matrix((dense[docs], docs, np.array([0, len(docs)])), shape=(1, len(self.ids)))

    def best(self, queries: sp.csr_matrix, n: int) -> sp.csr_matrix:
        """The ``n`` best scores per query, as :meth:`scores` but without materialising the
        others (sparse_dot_topn: a multithreaded C++ product with a per-row heap). Among equal
        scores at the cut-off, which one is kept is not defined."""
        threads = THREADS if queries.shape[0] >= _THREADED_BATCH else None
        return sp_matmul_topn(queries, self.postings, top_n=max(n, 1), n_threads=threads)

    def row_terms(self, row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(columns, weights, forms) of one document."""
        start, end = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        m = self.matrix
        return m.indices[start:end], m.data[start:end], self.forms.data[start:end]

    def alive_rows(self) -> tuple[list[Hashable], sp.csr_matrix, list[FilterKey], sp.csr_matrix]:
        rows = np.flatnonzero(self.alive)
        return (
            [self.ids[i] for i in rows],
            self.matrix[rows],
            [self.keys[i] for i in rows],
            self.forms[rows],
        )


def top_k(
    docs: np.ndarray,
    scores: np.ndarray,
    k: int,
    allowed: np.ndarray | None,
    min_score: float,
    boosted: np.ndarray | None = None,
    boost: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` (doc rows, scores) among candidates, best first, ties by row (also at the
    cut-off). ``min_score`` applies to the cosine; documents in the ``boosted`` mask then score
    ``1 + boost`` times their cosine. Candidates under ``min_score`` are dropped first: a query
    shares a word with most of a large corpus, but is close to few of its documents."""
    if min_score > 0:
        close = scores >= min_score
        docs, scores = docs[close], scores[close]
    if allowed is not None:
        scores = scores * allowed[docs]  # filtered-out candidates drop to 0, i.e. no match
    if boosted is not None and boost:
        scores = scores * (1.0 + boost * boosted[docs])
    keep = scores > 0  # before partitioning: filtered-out candidates need no sorting
    docs, scores = docs[keep], scores[keep]
    if len(scores) > k:  # keep the k best and every candidate tied with the k-th
        at_least = scores >= np.partition(scores, len(scores) - k)[len(scores) - k]
        docs, scores = docs[at_least], scores[at_least]
    order = np.lexsort((docs, -scores))[:k]
    return docs[order], scores[order]
