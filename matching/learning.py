"""Learning from the people who judge matches: a ranker on top of the TF-IDF candidates.

Every judgement (owner feedback, a coordinator's introduce or reject, the stage a match reached)
becomes a :class:`Judgement` ``(query id, document id, grade, at)``: grade 0 = not relevant,
1 = relevant, 2 = very relevant. :meth:`LearnedRanker.fit` turns the judged queries' TF-IDF
candidates into training pairs (a judged pair keeps its grade; a candidate nobody judged counts
as not relevant) and fits a scikit-learn logistic regression on features that carry over to new
questions, never on ids:

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
:meth:`LearnedRanker.rank` reorders the top :data:`CANDIDATES` and adds documents that were
judged relevant for similar questions (region filter respected).

Safeguard: :func:`evaluate_by_time` fits on the older judgements and compares nDCG@10 of the
learned and unlearned rankings on the newer ones; :func:`fit_if_better` returns a ranker only
when there are at least :data:`MIN_JUDGEMENTS` judgements and it wins.

:func:`apply_judgements` applies one query's own explicit judgements at once: "niet relevant"
removes the suggestion, "interessant" brings more like it.
"""

from __future__ import annotations

import hashlib
import pickle  # our own model files only  # nosec B403
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from matching.filters import NATIONWIDE, FilterKey, covers
from matching.matcher import Document, Matcher, Result
from matching.metrics import ndcg_at

FORMAT = "circulair-noord-ranker/1"
CANDIDATES = 50  # TF-IDF candidates the ranker reorders
ADDED = 10  # documents judged relevant for similar questions that may join them
SIMILAR_QUERIES = 50  # judged questions consulted per query, most similar first
MIN_JUDGEMENTS = 30
MIN_TEST_QUERIES = 3
NEWER_SHARE = 0.3  # of the judgements held out by time
REGULARISATION = 1.0
_CHUNK = 64
FEEDBACK_BOOST = 0.5  # apply_judgements: at most this much extra for a look-alike
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


@dataclass(frozen=True)
class Judgement:
    query_id: str | int  # Document ids
    document_id: str | int
    grade: int  # 0 not relevant, 1 relevant, 2 very relevant
    at: datetime | None = None


@dataclass(frozen=True)
class TimeCheck:
    """Outcome of :func:`evaluate_by_time`: nDCG@10 on the newer judgements' queries."""

    judgements: int
    older: int
    newer: int
    queries: int  # newer queries with a relevant judgement, the ones scored
    baseline: float
    learned: float
    use: bool
    reason: str
    variant: str = "all"  # the feature set that did best (see VARIANTS)
    figures: Mapping[str, float] | None = None  # learned nDCG per variant


class LearnedRanker:
    """A fitted model plus the judged texts its features need; bind it to the matcher with
    :meth:`bind` after loading (the vectors depend on the matcher's vocabulary)."""

    def __init__(
        self,
        model: object,
        queries: Sequence[Document],
        documents: Sequence[Document],
        judgements: Sequence[Judgement],
        variant: str = "all",
    ) -> None:
        self.model = model
        self.variant = variant
        self._columns = [FEATURES.index(f) for f in VARIANTS[variant]]
        self.queries = list(queries)
        self.documents = list(documents)
        self.judgements = list(judgements)
        self._matcher: Matcher | None = None

    # -- fitting ---------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        matcher: Matcher,
        queries: Iterable[Document],
        judgements: Iterable[Judgement],
        documents: Iterable[Document] = (),
        *,
        candidates: int | None = None,
        variant: str = "all",
    ) -> LearnedRanker:
        """Fit on ``judgements`` of ``queries`` against documents indexed by ``matcher``.

        ``documents``: the judged documents' texts, needed only for judged documents not in the
        matcher's index (the index keeps vectors, not texts); judgements whose query or document
        is unknown are ignored."""
        judged = _latest(judgements)
        by_query = {q.id: q for q in queries}
        judged = [j for j in judged if j.query_id in by_query]
        asked = [by_query[i] for i in dict.fromkeys(j.query_id for j in judged)]
        ranker = cls(None, asked, list(documents), judged, variant)
        ranker.bind(matcher)
        grades: dict[Hashable, dict[Hashable, int]] = defaultdict(dict)
        for j in ranker.judgements:
            grades[j.query_id][j.document_id] = j.grade
        rows, labels, weights = [], [], []
        vectors = _Vectors(ranker, ranker.queries)
        everything = matcher.rank_many(ranker.queries, candidates or CANDIDATES, explain=False)
        for query, found in zip(ranker.queries, everything, strict=True):
            have = {r.id for r in found}
            found += [Result(d, 0.0) for d in grades[query.id] if d not in have]  # type: ignore[arg-type]
        rows.append(ranker._features_many(ranker.queries, everything, vectors))
        for query, found in zip(ranker.queries, everything, strict=True):
            for r in found:
                grade = grades[query.id].get(r.id, 0)
                labels.append(int(grade >= 1))
                weights.append(float(max(grade, 1)))
        model = make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION, max_iter=1000))
        if rows and len(set(labels)) == 2:
            model.fit(np.vstack(rows), np.array(labels), logisticregression__sample_weight=np.array(weights))
            ranker.model = model
        return ranker

    def bind(self, matcher: Matcher) -> LearnedRanker:
        """Compute the judged vectors in ``matcher``'s space; returns self."""
        self._matcher = matcher
        qids = [q.id for q in self.queries]
        self._qindex = {q: i for i, q in enumerate(qids)}
        self._space = _QuerySpace(matcher, self.queries)
        self._qvectors = self._space.vectors(self.queries)
        dids = list(dict.fromkeys(j.document_id for j in self.judgements))
        self._dindex = {d: i for i, d in enumerate(dids)}
        self._dids = dids
        stored, _ = matcher.stored_rows(dids)
        texts = {d.id: d for d in self.documents}
        missing = [i for i, d in enumerate(dids) if stored[i].nnz == 0 and d in texts]
        if missing:
            stored = sp.lil_matrix(stored)
            extra = matcher.vectors([texts[dids[i]] for i in missing])
            for row, i in enumerate(missing):
                stored[i] = extra[row]
            stored = sp.csr_matrix(stored)
        self._dvectors = sp.csr_matrix(stored)
        judged = [j for j in self.judgements if j.query_id in self._qindex and j.document_id in self._dindex]
        self._pq = np.array([self._qindex[j.query_id] for j in judged], dtype=np.int64)
        self._pd = np.array([self._dindex[j.document_id] for j in judged], dtype=np.int64)
        self._pgood = np.array([j.grade >= 1 for j in judged], dtype=bool)
        self._pdoc = [j.document_id for j in judged]
        self._concepts = matcher.concept_columns()
        return self

    @property
    def fitted(self) -> bool:
        return self.model is not None

    # -- ranking ---------------------------------------------------------------------------

    def rank(self, query: Document, k: int = 10, **options: object) -> list[Result]:
        """Top ``k`` for ``query``: the matcher's candidates (``options`` as for
        :meth:`Matcher.rank`), reordered by the model; ``Result.score`` becomes the model's
        probability that the pair is relevant."""
        return self.rank_many([query], k, **options)[0]

    def rank_many(self, queries: Sequence[Document], k: int = 10, **options: object) -> list[list[Result]]:
        matcher = self._bound()
        out: list[list[Result]] = []
        for start in range(0, len(queries), _CHUNK):
            chunk = queries[start : start + _CHUNK]
            found = matcher.rank_many(chunk, max(CANDIDATES, k), explain=False, **options)  # type: ignore[arg-type]
            out += self._rerank_many(chunk, found, k)
        return out

    def rerank(self, query: Document, results: Sequence[Result], top: int = 10) -> list[Result]:
        """Reorder ``results`` (the matcher's candidates for ``query``, best first) and add
        documents judged relevant for similar questions; best ``top``, ``score`` the model's
        probability of relevance. Explanations are the ones ``results`` carry (added
        documents get theirs from the matcher)."""
        return self._rerank_many([query], [list(results)], top)[0]

    def _rerank_many(
        self, queries: Sequence[Document], found: list[list[Result]], top: int
    ) -> list[list[Result]]:
        if not self.fitted:
            return self._explained_many(queries, [f[:top] for f in found])
        vectors = _Vectors(self, queries)
        candidates = [
            f + self._added(q, f, vectors.similar[i])
            for i, (q, f) in enumerate(zip(queries, found, strict=True))
        ]
        sizes = [len(c) for c in candidates]
        features = self._features_many(queries, candidates, vectors)
        p = self.model.predict_proba(features)[:, 1] if sum(sizes) else np.zeros(0)  # type: ignore[attr-defined]
        out = []
        ends = np.cumsum([0, *sizes])
        for i, c in enumerate(candidates):
            pq = p[ends[i] : ends[i + 1]]
            order = np.lexsort((np.arange(len(c)), -pq))[:top]
            out.append([replace(c[j], score=float(pq[j])) for j in order])
        return self._explained_many(queries, out)

    def _explained(self, query: Document, results: list[Result]) -> list[Result]:
        return self._explained_many([query], [results])[0]

    def _explained_many(self, queries: Sequence[Document], lists: list[list[Result]]) -> list[list[Result]]:
        """Each list with the matcher's explanations where it has none, scores kept."""
        missing = [[r.id for r in rs if not r.terms and not r.bridges] for rs in lists]
        explained = self._bound().results_for_many(queries, missing)
        out = []
        for rs, found in zip(lists, explained, strict=True):
            by_id = {r.id: r for r in found}
            out.append([replace(by_id[r.id], score=r.score) if r.id in by_id else r for r in rs])
        return out

    def _added(self, query: Document, results: Sequence[Result], sq: np.ndarray) -> list[Result]:
        if not len(self._pq) or "assoc_relevant" not in VARIANTS[self.variant]:
            return []
        good = self._pgood & (sq[self._pq] > 0)
        best_of = np.zeros(len(self._dindex))
        np.maximum.at(best_of, self._pd[good], sq[self._pq[good]])
        for r in results:
            at = self._dindex.get(r.id)
            if at is not None:
                best_of[at] = 0.0
        top = np.argsort(-best_of, kind="stable")[: ADDED * 2]
        best = [self._dids[i] for i in top if best_of[i] > 0]
        _, keys = self._bound().stored_rows(best)
        qkey = query.filter_key()
        allowed = [d for d, key in zip(best, keys, strict=True) if key is not None and _region_ok(qkey, key)]
        return [Result(d, 0.0) for d in allowed[:ADDED]]

    # -- features --------------------------------------------------------------------------

    def _features(self, query: Document, found: Sequence[Result], vectors: _Vectors, i: int) -> np.ndarray:
        return self._features_many([query], [list(found)], vectors.pick(i))

    def _features_many(
        self, queries: Sequence[Document], found: Sequence[Sequence[Result]], vectors: _Vectors
    ) -> np.ndarray:
        """Feature rows of every (query, candidate) pair, queries in order, one block each."""
        matcher = self._bound()
        sizes = np.array([len(f) for f in found], dtype=np.int64)
        out = np.zeros((int(sizes.sum()), len(FEATURES)), dtype=np.float64)
        if not len(out):
            return out[:, self._columns]
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
        if len(self._pq) and "assoc_relevant" in VARIANTS[self.variant]:
            for i, q in enumerate(queries):
                if sizes[i]:
                    lo, hi = ends[i], ends[i + 1]
                    out[lo:hi, 8:12] = self._judged_features(
                        q, ids[lo:hi], dmatrix[lo:hi], vectors.similar[i]
                    )
        return out[:, self._columns]

    def _judged_features(
        self, query: Document, ids: Sequence[Hashable], dmatrix: sp.csr_matrix, sq: np.ndarray
    ) -> np.ndarray:
        own = self._qindex.get(query.id)
        pairs = np.flatnonzero(sq[self._pq] > 0)
        if own is not None:
            pairs = pairs[self._pq[pairs] != own]
        out = np.zeros((len(ids), 4))
        if not len(pairs):
            return out
        sd = _dense_matrix(dmatrix @ self._dvectors[self._pd[pairs]].T)  # candidates x pairs
        kernel = sd * sq[self._pq[pairs]][np.newaxis, :]
        good = self._pgood[pairs]
        if good.any():
            out[:, 0] = kernel[:, good].max(axis=1)
        if (~good).any():
            out[:, 1] = kernel[:, ~good].max(axis=1)
        row_of = np.full(len(self._dindex), -1, dtype=np.int64)
        for row, d in enumerate(ids):
            at = self._dindex.get(d)  # type: ignore[call-overload]
            if at is not None:
                row_of[at] = row
        rows = row_of[self._pd[pairs]]
        weight = sq[self._pq[pairs]]
        for col, which in ((2, good), (3, ~good)):
            hit = which & (rows >= 0)
            np.maximum.at(out[:, col], rows[hit], weight[hit])
        return out

    def _query_similarity(self, queries: Sequence[Document]) -> np.ndarray:
        """(queries x judged questions) cosines, only the :data:`SIMILAR_QUERIES` most similar
        kept per query."""
        sq = _dense_matrix(self._space.vectors(queries) @ self._qvectors.T)
        if sq.shape[1] > SIMILAR_QUERIES:
            cut = np.partition(sq, sq.shape[1] - SIMILAR_QUERIES, axis=1)[:, sq.shape[1] - SIMILAR_QUERIES]
            sq = np.where(sq >= cut[:, np.newaxis], sq, 0.0)
        return sq

    def coefficients(self) -> dict[str, float]:
        """Weight per feature (on standardised features), for reports."""
        if not self.fitted:
            return {}
        weights = self.model[-1].coef_[0]  # type: ignore[index]
        return dict(zip(VARIANTS[self.variant], map(float, weights), strict=True))

    def _bound(self) -> Matcher:
        if self._matcher is None:
            raise RuntimeError("LearnedRanker: call bind(matcher) first")
        return self._matcher

    # -- persistence -----------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        state = (FORMAT, self.model, self.queries, self.documents, self.judgements, self.variant)
        with open(path, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | Path, matcher: Matcher) -> LearnedRanker:
        """Load a ranker written by :meth:`save` and bind it to ``matcher``. Pickle runs code:
        load only your own files."""
        with open(path, "rb") as fh:
            state = pickle.load(fh)  # our own model file next to the matcher, never an upload  # nosec B301
        if not isinstance(state, tuple) or not state or state[0] != FORMAT:
            raise ValueError(f"{path}: not a saved LearnedRanker")
        _, model, queries, documents, judgements, variant = state
        return cls(model, queries, documents, judgements, variant).bind(matcher)


# -- the safeguard -------------------------------------------------------------------------


def evaluate_by_time(
    matcher: Matcher,
    queries: Iterable[Document],
    judgements: Iterable[Judgement],
    documents: Iterable[Document] = (),
    *,
    newer_share: float = NEWER_SHARE,
    min_judgements: int = MIN_JUDGEMENTS,
    k: int = 10,
) -> TimeCheck:
    """Fit on the older judgements, score learned and unlearned rankings on the newer ones.

    Order is by ``at``; judgements without a time count as oldest. When none has a time, whole
    questions are held out instead, each once (see :func:`_splits`); the figures are then means
    over every judged question."""
    queries = list(queries)
    documents = list(documents)
    judged = _latest(judgements)
    by_id = {q.id: q for q in queries}
    baseline_runs: list[list[Hashable]] = []
    learned_runs: dict[str, list[list[Hashable]]] = {v: [] for v in VARIANTS}
    scored: list[Document] = []
    test: dict[Hashable, dict[Hashable, int]] = {}
    n_older = n_newer = 0
    fitted = False
    for older, newer in _splits(judged, newer_share):
        fold: dict[Hashable, dict[Hashable, int]] = defaultdict(dict)
        for j in newer:
            fold[j.query_id][j.document_id] = j.grade
        these = [by_id[q] for q, g in fold.items() if q in by_id and any(v >= 1 for v in g.values())]
        baseline_runs += [[r.id for r in found] for found in matcher.rank_many(these, k)]
        for variant, runs in learned_runs.items():
            ranker = LearnedRanker.fit(matcher, queries, older, documents, variant=variant)
            fitted = fitted or ranker.fitted
            runs += [[r.id for r in found] for found in ranker.rank_many(these, k)]
        scored += these
        test.update({q.id: fold[q.id] for q in these})
        n_older, n_newer = n_older + len(older), n_newer + len(newer)
    baseline = _mean_ndcg(baseline_runs, scored, test, k)
    figures = {v: _mean_ndcg(runs, scored, test, k) for v, runs in learned_runs.items()}
    variant = max(figures, key=lambda v: (figures[v], -list(VARIANTS).index(v)))
    learned = figures[variant]
    if len(judged) < min_judgements:
        use, reason = False, f"too few judgements ({len(judged)} < {min_judgements})"
    elif len(scored) < MIN_TEST_QUERIES:
        use, reason = False, f"too few newer questions with a relevant judgement ({len(scored)})"
    elif not fitted:
        use, reason = False, "the older judgements hold no relevant and not relevant pairs both"
    elif learned <= baseline:
        use, reason = False, f"learned nDCG@{k} {learned:.3f} does not beat {baseline:.3f}"
    else:
        use, reason = True, f"learned nDCG@{k} {learned:.3f} ({variant}) beats {baseline:.3f}"
    return TimeCheck(
        len(judged), n_older, n_newer, len(scored), baseline, learned, use, reason, variant, figures
    )


def fit_if_better(
    matcher: Matcher,
    queries: Iterable[Document],
    judgements: Iterable[Judgement],
    documents: Iterable[Document] = (),
    **options: object,
) -> tuple[LearnedRanker | None, TimeCheck]:
    """The ranker fitted on all judgements when :func:`evaluate_by_time` says to use it, else
    None; with the check, for the log."""
    queries, judgements, documents = list(queries), list(judgements), list(documents)
    check = evaluate_by_time(matcher, queries, judgements, documents, **options)  # type: ignore[arg-type]
    if not check.use:
        return None, check
    return LearnedRanker.fit(matcher, queries, judgements, documents, variant=check.variant), check


# -- one query's own judgements ------------------------------------------------------------


def apply_judgements(
    matcher: Matcher, results: Sequence[Result], judged: Mapping[Hashable, int]
) -> list[Result]:
    """Apply the explicit judgements of one query (document id -> grade) to its ranking.

    A document judged not relevant (grade 0) leaves the list at once. Documents judged
    relevant keep their place; every other document scores up to ``1 + FEEDBACK_BOOST`` times
    more in proportion to its cosine with the most similar relevant one ("more like this")."""
    kept = [r for r in results if judged.get(r.id, 1) >= 1]
    liked = [d for d, g in judged.items() if g >= 1]
    if not liked or not kept:
        return kept
    likes, _ = matcher.stored_rows(liked)
    rows, _ = matcher.stored_rows([r.id for r in kept])
    similar = _dense_matrix(rows @ likes.T).max(axis=1)
    scores = [
        r.score if r.id in judged else r.score * (1.0 + FEEDBACK_BOOST * float(s))
        for r, s in zip(kept, similar, strict=True)
    ]
    order = sorted(range(len(kept)), key=lambda i: (-scores[i], i))
    return [replace(kept[i], score=min(1.0, scores[i])) for i in order]


# -- helpers -------------------------------------------------------------------------------


def _latest(judgements: Iterable[Judgement]) -> list[Judgement]:
    """One judgement per pair, the latest (by ``at``, then by order given)."""
    out: dict[tuple[Hashable, Hashable], Judgement] = {}
    for j in judgements:
        key = (j.query_id, j.document_id)
        old = out.get(key)
        if old is None or old.at is None or j.at is None or j.at >= old.at:
            out[key] = j
    return list(out.values())


def _splits(judged: list[Judgement], newer_share: float) -> Iterable[tuple[list[Judgement], list[Judgement]]]:
    """(older, newer) judgement sets. With times: one split, the newest ``newer_share`` held
    out (judgements without a time count as oldest). Without any time there is no "newer":
    every question is held out once, in ``round(1 / newer_share)`` folds of questions in a
    fixed pseudo-random order, and the older set of a fold is every other question's."""
    if any(j.at is not None for j in judged):
        ordered = sorted(judged, key=lambda j: (j.at is not None, j.at or datetime.min))
        cut = len(ordered) - round(len(ordered) * newer_share)
        yield ordered[:cut], ordered[cut:]
        return
    ids = sorted({j.query_id for j in judged}, key=_stable_hash)
    folds = max(2, round(1 / newer_share))
    for f in range(folds):
        held = set(ids[f::folds])
        yield [j for j in judged if j.query_id not in held], [j for j in judged if j.query_id in held]


def _stable_hash(value: Hashable) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _mean_ndcg(runs: list[list[Hashable]], queries: list[Document], qrels: Mapping, k: int) -> float:
    if not queries:
        return 0.0
    return float(np.mean([ndcg_at(run, qrels[q.id], k) for run, q in zip(runs, queries, strict=True)]))


def _region_ok(query: FilterKey, doc: FilterKey) -> bool:
    return covers(doc.regions, query.location) and covers(query.regions, doc.location)


def _filter_features(query: FilterKey, doc: FilterKey | None) -> tuple[float, float, float]:
    if doc is None:
        return 0.5, 0.0, 0.0
    theme = 0.5 if not (query.themes and doc.themes) else float(bool(query.themes & doc.themes))
    local = float(query.location is not None and query.location[0] in doc.regions)
    return theme, local, float(NATIONWIDE in doc.regions)


def _rowdot(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """Row-wise dot products of two matrices of the same shape."""
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def _dense(column: sp.spmatrix) -> np.ndarray:
    return np.asarray(column.toarray()).ravel()


def _dense_matrix(matrix: sp.spmatrix) -> np.ndarray:
    return np.asarray(matrix.toarray())


class _Vectors:
    """Per query of a batch: its TF-IDF row, its title's row and its similarity to the judged
    questions, computed for the whole batch at once."""

    def __init__(self, ranker: LearnedRanker | None, queries: Sequence[Document]) -> None:
        if ranker is None:
            return
        matcher = ranker._bound()
        self.query = matcher.vectors(queries)
        self.title = matcher.vectors([Document(q.id, q.title) for q in queries])
        self.concept = sp.csr_matrix(self.query.multiply(ranker._concepts[np.newaxis, :]))
        if len(ranker._pq):
            self.similar = ranker._query_similarity(queries)
        else:
            self.similar = np.zeros((len(queries), 0))

    def pick(self, i: int) -> _Vectors:
        one = _Vectors(None, [])
        one.query, one.title, one.concept = self.query[[i]], self.title[[i]], self.concept[[i]]
        one.similar = self.similar[[i]]
        return one


class _QuerySpace:
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
