""":func:`apply_judgements` applies one query's own explicit judgements at once: "niet relevant"
removes the suggestion, "interessant" brings more like it."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace

from matching.learning.features import dense_matrix
from matching.matcher import Matcher, Result

FEEDBACK_BOOST = 0.5  # apply_judgements: at most this much extra for a look-alike


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
    similar = dense_matrix(rows @ likes.T).max(axis=1)
    scores = [
        r.score if r.id in judged else r.score * (1.0 + FEEDBACK_BOOST * float(s))
        for r, s in zip(kept, similar, strict=True)
    ]
    order = sorted(range(len(kept)), key=lambda i: (-scores[i], i))
    return [replace(kept[i], score=min(1.0, scores[i])) for i in order]
