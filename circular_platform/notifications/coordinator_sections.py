"""The coordinators' section: the region's new questions and solutions, the review queue and the to-do lists.

A digest goes out when one of NEWS has an entry since the last one; the STANDING lists are then
shown whole (a to-do list), the others only since the last digest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from circular_platform.demand import services as demand
from circular_platform.demand.figures import Scope
from circular_platform.models import (
    Match,
    Organisation,
    Question,
    QuestionStatus,
    Solution,
    SolutionStatus,
)
from circular_platform.notifications import escalation
from circular_platform.notifications.schedule import as_utc
from circular_platform.notifications.sections import (
    MATCH_ROWS,
    Digest,
    Item,
    Section,
    digest_for,
    question_item,
    solution_item,
    unsubscribe_url,
)
from circular_platform.notifications.subscriptions import Subscription, advances
from circular_platform.notifications.tokens import unsubscribe_token
from circular_platform.review import queries as review
from circular_platform.review.services import STALLED_AFTER
from circular_platform.urls import public_url

NEWS = ("questions", "solutions", "queue", "stalled", "without_fit")
STANDING = ("stalled", "without_fit", "bundles")


def coordinator_sections(
    session: Session, digests: dict[int, Digest], due: list[Subscription], now: datetime
) -> list[Subscription]:
    """The lists of the whole region (the platform has no coordinator per province), once for all."""
    if not due:
        return []
    since = min(s.since for s in due)
    lists = _coordinator_lists(session, since, now)
    advanced = []
    for subscription in due:
        news = any(moment > subscription.since for name in NEWS for moment, _ in lists[name])
        if news:
            groups = {
                name: [item for moment, item in rows if name in STANDING or moment > subscription.since]
                for name, rows in lists.items()
            }
            digest = digest_for(digests, subscription.user)
            token = unsubscribe_token(subscription.user.id, [None], [])
            digest.sections.append(Section("coordinator", "", unsubscribe_url(token), groups=groups))
            digest.organisations.append(None)
            advanced.append(subscription)
        elif advances(subscription, False):
            advanced.append(subscription)
    return advanced


def _coordinator_lists(
    session: Session, since: datetime, now: datetime
) -> dict[str, list[tuple[datetime, Item]]]:
    """Each list with the moment an entry became news: created, entered the queue, stalled, escalated."""
    new_questions = session.scalars(
        select(Question)
        .where(Question.status == QuestionStatus.OPEN, Question.created_at > since)
        .options(joinedload(Question.organisation), joinedload(Question.municipality))
        .order_by(Question.created_at)
    )
    new_solutions = session.scalars(
        select(Solution)
        .where(Solution.status == SolutionStatus.ACTIVE, Solution.created_at > since)
        .options(joinedload(Solution.organisation).joinedload(Organisation.municipality))
        .order_by(Solution.created_at)
    )
    queue = session.scalars(review.queue_query({}, now).where(Match.created_at > since).options(*MATCH_ROWS))
    stalled = review.stalled(session, now)
    _load_matches(session, [s.match.id for s in stalled])
    without_fit = escalation.questions_without_fit(session, None, now)
    bundles = demand.proposals(demand.unbundled(session, Scope()).compared, demand.DEFAULT_THRESHOLD)
    return {
        "questions": [(as_utc(q.created_at), question_item(q)) for q in new_questions],
        "solutions": [(as_utc(s.created_at), solution_item(s)) for s in new_solutions],
        "queue": [(as_utc(m.created_at), _match_item(m)) for m in queue],
        "stalled": [(s.changed_at + STALLED_AFTER, _match_item(s.match)) for s in stalled],
        "without_fit": [
            (as_utc(q.created_at) + escalation.WITHOUT_FIT_AFTER, question_item(q)) for q in without_fit
        ],
        "bundles": [
            (
                now,
                Item(
                    "bundle",
                    p.label,
                    ", ".join(sorted({q.organisation.name for q in p.questions})),
                    "",
                    public_url("demand.bundles"),
                    list(p.terms),
                ),
            )
            for p in bundles
        ],
    }


def _load_matches(session: Session, ids: list[int]) -> None:
    """Both sides of these matches into the session at once, instead of one lazy load each."""
    if ids:
        session.scalars(select(Match).where(Match.id.in_(ids)).options(*MATCH_ROWS)).all()


def _match_item(match: Match) -> Item:
    return Item(
        "match",
        f"{match.question.title} — {match.solution.title}",
        f"{match.question.organisation.name} — {match.solution.organisation.name}",
        match.question.municipality.name,
        public_url("review.match_detail", match_id=match.id),
        list(match.terms or []),
    )
