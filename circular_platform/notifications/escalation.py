"""Questions without a fitting solution: open for ESCALATE_AFTER with nothing its owner liked.

The coordinators' queue "Vragen zonder passend aanbod" and their digest read these.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from circular_platform.matches.services import MIN_SCORE
from circular_platform.models import Feedback, Match, MatchStatus, Municipality, Question, QuestionStatus
from circular_platform.models._types import utcnow

ESCALATE_AFTER = timedelta(days=30)
NOT_INTRODUCED = (MatchStatus.PROPOSED, MatchStatus.REJECTED)


def questions_without_fit(
    session: Session, provinces: Sequence[int] | None = None, now: datetime | None = None
) -> list[Question]:
    """Open questions older than ESCALATE_AFTER with no match the owner marked interesting and no
    introduction; oldest first. ``provinces`` (ids) narrows to questions in those provinces."""
    now = now or utcnow()
    fitting = exists().where(
        Match.question_id == Question.id,
        or_(Match.question_feedback == Feedback.INTERESTING, Match.status.not_in(NOT_INTRODUCED)),
    )
    query = (
        select(Question)
        .where(Question.status == QuestionStatus.OPEN, Question.created_at <= now - ESCALATE_AFTER, ~fitting)
        .options(selectinload(Question.organisation), selectinload(Question.municipality))
        .order_by(Question.created_at, Question.id)
    )
    if provinces is not None:
        query = query.where(
            Question.municipality_id.in_(
                select(Municipality.id).where(Municipality.province_id.in_(provinces))
            )
        )
    return list(session.scalars(query))


def best_candidates(
    session: Session, questions: Sequence[Question], limit: int = 3
) -> dict[int, list[Match]]:
    """Per question id, the matcher's best proposals that nobody rejected, best first (one query)."""
    query = (
        select(Match)
        .where(
            Match.question_id.in_([q.id for q in questions]),
            Match.status == MatchStatus.PROPOSED,
            Match.score >= MIN_SCORE,
        )
        .options(selectinload(Match.solution))
        .order_by(Match.question_id, Match.score.desc(), Match.id)
    )
    candidates: dict[int, list[Match]] = {q.id: [] for q in questions}
    for match in session.scalars(query):
        if len(candidates[match.question_id]) < limit:
            candidates[match.question_id].append(match)
    return candidates
