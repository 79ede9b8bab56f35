"""The safeguard: :func:`evaluate_by_time` fits on the older judgements and compares nDCG@10 of
the learned and unlearned rankings on the newer ones; :func:`fit_if_better` returns a ranker
only when there are at least :data:`MIN_JUDGEMENTS` judgements and it wins."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime

import numpy as np

from matching.learning.features import VARIANTS
from matching.learning.ranker import LearnedRanker
from matching.learning.types import Judgement, TimeCheck, latest
from matching.matcher import Document, Matcher
from matching.metrics import ndcg_at

MIN_JUDGEMENTS = 30
MIN_TEST_QUERIES = 3
NEWER_SHARE = 0.3  # of the judgements held out by time


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
    judged = latest(judgements)
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
