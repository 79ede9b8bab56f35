"""Learning from the people who judge matches: a ranker on top of the TF-IDF candidates.

Every judgement (owner feedback, a coordinator's introduce or reject, the stage a match reached)
becomes a :class:`Judgement` (:mod:`.types`). :class:`LearnedRanker` (:mod:`.ranker`) fits a
logistic regression on features of (query, candidate) pairs that carry over to new questions
(:mod:`.features`: text, themes and region, term associations learned from judged pairs) and
reorders the matcher's candidates with it.

Safeguard (:mod:`.timecheck`): :func:`evaluate_by_time` fits on the older judgements and
compares nDCG@10 of the learned and unlearned rankings on the newer ones; :func:`fit_if_better`
returns a ranker only when there are at least :data:`MIN_JUDGEMENTS` judgements and it wins.

:func:`apply_judgements` (:mod:`.feedback`) applies one query's own explicit judgements at
once: "niet relevant" removes the suggestion, "interessant" brings more like it.

Saved rankers hold :class:`Judgement` objects; ones saved before this was a package name it
``matching.learning.Judgement``, which this module keeps importable.
"""

from __future__ import annotations

from matching.learning.features import FEATURES, SIMILAR_QUERIES, VARIANTS
from matching.learning.feedback import FEEDBACK_BOOST, apply_judgements
from matching.learning.ranker import ADDED, CANDIDATES, FORMAT, REGULARISATION, LearnedRanker
from matching.learning.timecheck import (
    MIN_JUDGEMENTS,
    MIN_TEST_QUERIES,
    NEWER_SHARE,
    evaluate_by_time,
    fit_if_better,
)
from matching.learning.types import Judgement, TimeCheck

__all__ = [
    "ADDED",
    "CANDIDATES",
    "FEATURES",
    "FEEDBACK_BOOST",
    "FORMAT",
    "MIN_JUDGEMENTS",
    "MIN_TEST_QUERIES",
    "NEWER_SHARE",
    "REGULARISATION",
    "SIMILAR_QUERIES",
    "VARIANTS",
    "Judgement",
    "LearnedRanker",
    "TimeCheck",
    "apply_judgements",
    "evaluate_by_time",
    "fit_if_better",
]
