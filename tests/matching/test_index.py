"""Top-k over candidate scores: what a result list keeps, and in which order."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.index import Segment, top_k
from matching.matcher import Document, Matcher


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


def test_one_query_scores_are_the_sparse_products_exactly() -> None:
    """A single query is scored densely: the same documents and the same float32 sums."""
    docs = [
        Document(i, title, text)
        for i, (title, text) in enumerate(
            [
                ("Betongranulaat", "beton granulaat uit sloop"),
                ("Houten kozijnen", "hergebruikt hout, kozijnen en deuren"),
                ("Isolatie", "schapenwol isolatie voor woningen"),
                ("Staal", "constructiestaal uit sloop van hallen"),
            ]
        )
    ]
    matcher = Matcher.fit(docs)
    segment: Segment = matcher._segments[0]
    for text in ("sloop van beton en hout", "isolatie", "onbekend woord"):
        query = matcher.vectors([Document("q", text)])
        expected = (query @ segment.postings).tocsr()
        expected.sort_indices()
        found = segment.scores(query)
        assert found.indices.tolist() == expected.indices.tolist()
        assert found.data.tolist() == expected.data.tolist()
        assert found.dtype == np.float32
    two = sp.vstack([matcher.vectors([Document("q", "hout")])] * 2, format="csr")
    assert segment.scores(two).shape == (2, 4)  # several queries keep the sparse product
