"""Top-k over candidate scores: what a result list keeps, and in which order."""

from __future__ import annotations

import numpy as np

from matching.index import top_k


def candidates(*scores: float) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(len(scores), dtype=np.int32), np.array(scores, dtype=np.float32)


def test_ties_at_the_cut_off_go_to_the_lower_rows() -> None:
    docs, scores = candidates(0.3, 0.5, 0.3, 0.3, 0.9, 0.3)
    kept, _ = top_k(docs, scores, 3, None, 0.0)
    assert kept.tolist() == [4, 1, 0]


def test_the_minimum_applies_to_the_cosine_before_the_theme_boost() -> None:
    docs, scores = candidates(0.08, 0.12, 0.5)
    boosted = np.array([True, False, False])
    kept, values = top_k(docs, scores, 10, None, 0.1, boosted, 1.0)
    assert kept.tolist() == [2, 1]  # 0.08 doubled would pass 0.1, but its cosine does not
    assert values.tolist() == [np.float32(0.5), np.float32(0.12)]


def test_filtered_out_documents_are_never_kept() -> None:
    docs, scores = candidates(0.9, 0.2, 0.4)
    kept, _ = top_k(docs, scores, 2, np.array([False, True, True]), 0.1)
    assert kept.tolist() == [2, 1]
