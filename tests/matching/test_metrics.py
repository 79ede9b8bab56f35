from __future__ import annotations

import math

import pytest

from matching.metrics import evaluate, ndcg_at, precision_at, recall_at, reciprocal_rank

GRADES = {"a": 2, "b": 1, "c": 1, "z": 0}


def test_ndcg_uses_grades() -> None:
    # ranking: x, a, b -> DCG = 2/log2(3) + 1/log2(4); ideal: a, b, c -> 2 + 1/log2(3) + 1/2
    dcg = 2 / math.log2(3) + 1 / 2
    ideal = 2 + 1 / math.log2(3) + 1 / 2
    assert ndcg_at(["x", "a", "b"], GRADES) == pytest.approx(dcg / ideal)
    assert ndcg_at(["a", "b", "c"], GRADES) == pytest.approx(1.0)
    assert ndcg_at(["b", "a", "c"], GRADES) < 1.0


def test_ndcg_cuts_at_k() -> None:
    assert ndcg_at(["x"] * 10 + ["a"], GRADES, 10) == 0.0


def test_precision_recall_mrr() -> None:
    ranked = ["x", "b", "z", "a", "y"]
    assert precision_at(ranked, GRADES, 5) == pytest.approx(2 / 5)
    assert recall_at(ranked, GRADES, 10) == pytest.approx(2 / 3)
    assert reciprocal_rank(ranked, GRADES) == pytest.approx(1 / 2)
    assert reciprocal_rank(["z", "x"], GRADES) == 0.0


def test_evaluate_averages_over_queries_with_relevant_documents() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 2}, "q3": {"c": 0}}
    runs = {"q1": ["a"], "q2": ["x", "y", "b"]}
    scores = evaluate(runs, qrels)
    assert scores["MRR"] == pytest.approx((1 + 1 / 3) / 2)
    assert scores["P@5"] == pytest.approx((1 / 5 + 1 / 5) / 2)
    assert scores["R@10"] == pytest.approx(1.0)
    assert scores["nDCG@10"] == pytest.approx((1 + 1 / 2) / 2)


def test_query_without_results_scores_zero() -> None:
    assert evaluate({}, {"q": {"a": 1}})["nDCG@10"] == 0.0
