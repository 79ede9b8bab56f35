"""Ranking metrics from graded relevance judgements (qrels).

A document is relevant when its grade is >= 1. nDCG uses the grade itself as gain (linear gain,
as trec_eval does) with a log2(rank + 1) discount; the ideal ranking sorts all judged documents
of the query by grade. Means are taken over the queries that have at least one relevant
document; a query with no results scores 0 on every metric.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

Qrels = Mapping[Any, Mapping[Any, int]]  # query id -> document id -> grade


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int = 10) -> float:
    ideal = dcg(sorted((g for g in grades.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([max(grades.get(d, 0), 0) for d in ranked[:k]]) / ideal


def precision_at(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int = 5) -> float:
    return sum(1 for d in ranked[:k] if grades.get(d, 0) >= 1) / k


def recall_at(ranked: Sequence[Hashable], grades: Mapping[Hashable, int], k: int = 10) -> float:
    relevant = sum(1 for g in grades.values() if g >= 1)
    if relevant == 0:
        return 0.0
    return sum(1 for d in ranked[:k] if grades.get(d, 0) >= 1) / relevant


def reciprocal_rank(ranked: Sequence[Hashable], grades: Mapping[Hashable, int]) -> float:
    for rank, d in enumerate(ranked, start=1):
        if grades.get(d, 0) >= 1:
            return 1.0 / rank
    return 0.0


METRICS = ("nDCG@10", "P@5", "R@10", "MRR")


def evaluate(runs: Mapping[Any, Sequence[Hashable]], qrels: Qrels) -> dict[str, float]:
    """Mean metrics over queries with a relevant judgement; ``runs`` maps query -> ranked ids."""
    judged = [q for q, grades in qrels.items() if any(g >= 1 for g in grades.values())]
    if not judged:
        return dict.fromkeys(METRICS, 0.0)
    totals = dict.fromkeys(METRICS, 0.0)
    for q in judged:
        ranked, grades = runs.get(q, ()), qrels[q]
        totals["nDCG@10"] += ndcg_at(ranked, grades, 10)
        totals["P@5"] += precision_at(ranked, grades, 5)
        totals["R@10"] += recall_at(ranked, grades, 10)
        totals["MRR"] += reciprocal_rank(ranked, grades)
    return {name: total / len(judged) for name, total in totals.items()}
