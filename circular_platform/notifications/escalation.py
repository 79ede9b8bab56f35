"""Open questions nobody found a fit for, for the coordinators' queue "Vragen zonder passend aanbod".

Functions ``flush()``; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from circular_platform.mail import send_mail
from circular_platform.models import (
    MATCHABLE_SOLUTIONS,
    Feedback,
    Match,
    MatchStatus,
    Municipality,
    Question,
    QuestionStatus,
    Solution,
    User,
)

WITHOUT_FIT_AFTER = timedelta(days=30)
CANDIDATES = 3  # the best matches shown with each question
# Before an introduction; any other status means the question found someone to talk to.
_NOT_INTRODUCED = (MatchStatus.PROPOSED, MatchStatus.REJECTED)


def questions_without_fit(
    session: Session, provinces: Iterable[int] | None, now: datetime, limit: int = 50
) -> list[Question]:
    """Open questions older than WITHOUT_FIT_AFTER with no match their owner marked interesting
    and no introduction; oldest first. ``provinces``: province ids, or None for all."""
    fitting = select(Match.question_id).where(
        or_(Match.question_feedback == Feedback.INTERESTING, Match.status.not_in(_NOT_INTRODUCED))
    )
    query = (
        select(Question)
        .options(joinedload(Question.organisation), joinedload(Question.municipality))
        .where(
            Question.status == QuestionStatus.OPEN,
            Question.created_at < now - WITHOUT_FIT_AFTER,
            Question.id.not_in(fitting),
        )
        .order_by(Question.created_at, Question.id)
        .limit(limit)
    )
    if provinces is not None:
        in_provinces = select(Municipality.id).where(Municipality.province_id.in_(list(provinces)))
        query = query.where(Question.municipality_id.in_(in_provinces))
    return list(session.scalars(query))


def best_candidates(session: Session, questions: list[Question]) -> dict[int, list[Match]]:
    """The CANDIDATES best matches with an active solution per question, in one query."""
    rank = (
        func.row_number()
        .over(partition_by=Match.question_id, order_by=(Match.score.desc(), Match.id))
        .label("rank")
    )
    ranked = (
        select(Match.id, rank)
        .join(Match.solution)
        .where(
            Match.question_id.in_([q.id for q in questions]),
            Match.status != MatchStatus.REJECTED,
            Solution.status.in_(MATCHABLE_SOLUTIONS),
        )
        .subquery()
    )
    query = (
        select(Match)
        .join(ranked, ranked.c.id == Match.id)
        .where(ranked.c.rank <= CANDIDATES)
        .options(joinedload(Match.solution).joinedload(Solution.organisation))
        .order_by(Match.question_id, ranked.c.rank)
    )
    candidates: dict[int, list[Match]] = {q.id: [] for q in questions}
    for match in session.scalars(query):
        candidates[match.question_id].append(match)
    return candidates


def invite_company(
    session: Session, question: Question, inviter: User, email: str, name: str, note: str, link: str
) -> None:
    """Mail a company that is not on the platform yet; ``link`` registers and lands on the question."""
    send_mail(
        session,
        email,
        "invite_company",
        reply_to=inviter.email,
        question=question,
        inviter=inviter,
        name=name,
        note=note,
        link=link,
    )
