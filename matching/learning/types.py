"""What the learning modules exchange: a :class:`Judgement` of one pair and the
:class:`TimeCheck` the safeguard reports.

Every judgement (owner feedback, a coordinator's introduce or reject, the stage a match reached)
becomes a :class:`Judgement` ``(query id, document id, grade, at)``: grade 0 = not relevant,
1 = relevant, 2 = very relevant.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


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


def latest(judgements: Iterable[Judgement]) -> list[Judgement]:
    """One judgement per pair, the latest (by ``at``, then by order given)."""
    out: dict[tuple[Hashable, Hashable], Judgement] = {}
    for j in judgements:
        key = (j.query_id, j.document_id)
        old = out.get(key)
        if old is None or old.at is None or j.at is None or j.at >= old.at:
            out[key] = j
    return list(out.values())
