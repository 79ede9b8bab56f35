"""The members' sections: per organisation, the new matches of its questions and solutions."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.matches.services import MIN_SCORE
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Match,
    MatchStatus,
    Question,
    Solution,
)
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

MAX_ITEMS = 25  # per section; the mail links to the full list


def match_sections(
    session: Session, digests: dict[int, Digest], due: list[Subscription], now: datetime
) -> list[Subscription]:
    """Add each due member's section of new matches; the subscriptions whose mark moves on."""
    if not due:
        return []
    by_organisation = _new_matches(session, min(s.since for s in due), now)
    advanced = []
    for subscription in due:
        organisation = subscription.organisation
        if organisation is None:  # the coordinators' digest has its own sections
            continue
        items = [item for created, item in by_organisation[organisation.id] if created > subscription.since]
        if items:
            digest = digest_for(digests, subscription.user)
            token = unsubscribe_token(subscription.user.id, [organisation.id], [])
            digest.sections.append(
                Section(
                    "matches",
                    organisation.name,
                    unsubscribe_url(token),
                    items[:MAX_ITEMS],
                    total=len(items),
                )
            )
            digest.organisations.append(organisation.id)
        if advances(subscription, bool(items)):
            advanced.append(subscription)
    return advanced


def _new_matches(session: Session, since: datetime, now: datetime) -> dict[int, list[tuple[datetime, Item]]]:
    """Per organisation id, the other side of each match shown to it created in (since, now]; best first."""
    query = (
        select(Match)
        .join(Match.question)
        .join(Match.solution)
        .where(
            Match.created_at > since,
            Match.created_at <= now,
            Match.score >= MIN_SCORE,
            Match.status != MatchStatus.REJECTED,
            Question.status.in_(MATCHABLE_QUESTIONS),
            Solution.status.in_(MATCHABLE_SOLUTIONS),
        )
        .options(*MATCH_ROWS)
        .order_by(Match.score.desc(), Match.id)
    )
    found: dict[int, list[tuple[datetime, Item]]] = defaultdict(list)
    for match in session.scalars(query).unique():
        question, solution = match.question, match.solution
        created = as_utc(match.created_at)
        found[question.organisation_id].append(
            (created, solution_item(solution, match.terms, question.title))
        )
        found[solution.organisation_id].append(
            (created, question_item(question, match.terms, solution.title))
        )
    return found
