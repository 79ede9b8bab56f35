"""A ranker on top of the TF-IDF candidates, learned from the people who judge matches.

:meth:`LearnedRanker.fit` turns the judged queries' TF-IDF candidates into training pairs (a
judged pair keeps its grade; a candidate nobody judged counts as not relevant) and fits a
scikit-learn logistic regression on the features of :mod:`matching.learning.features`.
:meth:`LearnedRanker.rank` reorders the top :data:`CANDIDATES` and adds documents that were
judged relevant for similar questions (region filter respected).
"""

from __future__ import annotations

import pickle  # our own model files only  # nosec B403
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from matching.filters import FilterKey, covers
from matching.learning.features import VARIANTS, JudgedPairs, QueryVectors, pair_features
from matching.learning.types import Judgement, latest
from matching.matcher import Document, Matcher, Result

FORMAT = "circulair-noord-ranker/1"
CANDIDATES = 50  # TF-IDF candidates the ranker reorders
ADDED = 10  # documents judged relevant for similar questions that may join them
REGULARISATION = 1.0
_CHUNK = 64


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
        judged = latest(judgements)
        by_query = {q.id: q for q in queries}
        judged = [j for j in judged if j.query_id in by_query]
        asked = [by_query[i] for i in dict.fromkeys(j.query_id for j in judged)]
        ranker = cls(None, asked, list(documents), judged, variant)
        ranker.bind(matcher)
        grades: dict[Hashable, dict[Hashable, int]] = defaultdict(dict)
        for j in ranker.judgements:
            grades[j.query_id][j.document_id] = j.grade
        rows, labels, weights = [], [], []
        vectors = QueryVectors(matcher, ranker._judged, ranker.queries)
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
        self._judged = JudgedPairs(matcher, self.queries, self.documents, self.judgements)
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

    def results_for_many(
        self, queries: Sequence[Document], ids: Sequence[Sequence[Hashable]], **options: object
    ) -> list[list[Result]]:
        """Results for given documents of each query, scored as :meth:`rank_many` (same
        ``options``) scores them: the model's probability among the query's own candidates, so
        a pair gets one score whichever side found it. A document outside the candidates is
        scored as one more candidate after them. Explanations from the matcher; ids not in its
        index are left out."""
        matcher = self._bound()
        explained = matcher.results_for_many(queries, ids, boosted=True)
        if not self.fitted:
            return explained
        found = matcher.rank_many(queries, CANDIDATES, explain=False, **options)  # type: ignore[arg-type]
        wanted = [[r.id for r in e] for e in explained]
        candidates, probabilities = self._scored(queries, found, wanted)
        out = []
        for e, c, p in zip(explained, candidates, probabilities, strict=True):
            score = {r.id: float(pj) for r, pj in zip(c, p, strict=True)}
            out.append([replace(r, score=score[r.id]) for r in e])
        return out

    def _rerank_many(
        self, queries: Sequence[Document], found: list[list[Result]], top: int
    ) -> list[list[Result]]:
        if not self.fitted:
            return self._explained_many(queries, [f[:top] for f in found])
        candidates, probabilities = self._scored(queries, found, [[] for _ in queries])
        out = []
        for c, p in zip(candidates, probabilities, strict=True):
            order = np.lexsort((np.arange(len(c)), -p))[:top]
            out.append([replace(c[j], score=float(p[j])) for j in order])
        return self._explained_many(queries, out)

    def _scored(
        self, queries: Sequence[Document], found: list[list[Result]], extra: Sequence[Sequence[Hashable]]
    ) -> tuple[list[list[Result]], list[np.ndarray]]:
        """Each query's candidates (``found``, the documents judged relevant for similar
        questions, then the ``extra`` ids not among them) and the model's probabilities."""
        vectors = QueryVectors(self._bound(), self._judged, queries)
        candidates = []
        for i, (q, f) in enumerate(zip(queries, found, strict=True)):
            listed = f + self._added(q, f, vectors.similar[i])
            have = {r.id for r in listed}
            candidates.append(listed + [Result(d, 0.0) for d in dict.fromkeys(extra[i]) if d not in have])  # type: ignore[arg-type]
        sizes = [len(c) for c in candidates]
        features = self._features_many(queries, candidates, vectors)
        p = self.model.predict_proba(features)[:, 1] if sum(sizes) else np.zeros(0)  # type: ignore[attr-defined]
        ends = np.cumsum([0, *sizes])
        return candidates, [p[ends[i] : ends[i + 1]] for i in range(len(candidates))]

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
        pairs = self._judged
        if not len(pairs.pq) or "assoc_relevant" not in VARIANTS[self.variant]:
            return []
        good = pairs.pgood & (sq[pairs.pq] > 0)
        best_of = np.zeros(len(pairs.dindex))
        np.maximum.at(best_of, pairs.pd[good], sq[pairs.pq[good]])
        for r in results:
            at = pairs.dindex.get(r.id)
            if at is not None:
                best_of[at] = 0.0
        top = np.argsort(-best_of, kind="stable")[: ADDED * 2]
        best = [pairs.dids[i] for i in top if best_of[i] > 0]
        _, keys = self._bound().stored_rows(best)
        qkey = query.filter_key()
        allowed = [d for d, key in zip(best, keys, strict=True) if key is not None and _region_ok(qkey, key)]
        return [Result(d, 0.0) for d in allowed[:ADDED]]

    # -- features --------------------------------------------------------------------------

    def _features_many(
        self, queries: Sequence[Document], found: Sequence[Sequence[Result]], vectors: QueryVectors
    ) -> np.ndarray:
        return pair_features(self._bound(), self._judged, self.variant, queries, found, vectors)

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


def _region_ok(query: FilterKey, doc: FilterKey) -> bool:
    return covers(doc.regions, query.location) and covers(query.regions, doc.location)
