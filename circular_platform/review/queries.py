"""What the coordinators' screens read: the review queue, stalled introductions, counts, the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from circular_platform.matches.services import thresholds
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Match,
    MatchEvent,
    MatchStatus,
    Municipality,
    Question,
    Solution,
)
from circular_platform.models._types import utcnow
from circular_platform.review.services import AGES, STALLED_AFTER, STALLING

S = MatchStatus


def queue_query(filters: dict, now: datetime | None = None) -> Select:
    """Open proposals of open questions and active solutions, not snoozed; best score first.

    ``filters``: theme (of the question), province (id, of the question's municipality),
    strength ("strong", or "good": good or strong, by the calibrated thresholds of
    :func:`circular_platform.matches.services.thresholds`), age (a key of AGES).
    """
    now = now or utcnow()
    query = (
        select(Match)
        .join(Match.question)
        .join(Match.solution)
        .where(
            Match.status == S.PROPOSED,
            Question.status.in_(MATCHABLE_QUESTIONS),
            Solution.status.in_(MATCHABLE_SOLUTIONS),
            or_(Match.snoozed_until.is_(None), Match.snoozed_until <= now),
        )
        .order_by(Match.score.desc(), Match.created_at, Match.id)
    )
    if filters.get("theme"):
        query = query.where(Question.theme == filters["theme"])
    if filters.get("province"):
        in_province = select(Municipality.id).where(Municipality.province_id == filters["province"])
        query = query.where(Question.municipality_id.in_(in_province))
    if filters.get("strength") in ("strong", "good"):
        query = query.where(Match.score >= getattr(thresholds(), filters["strength"]))
    older, newer = AGES.get(filters.get("age", ""), (None, None))
    if older is not None:
        query = query.where(Match.created_at < now - timedelta(days=older))
    if newer is not None:
        query = query.where(Match.created_at >= now - timedelta(days=newer))
    return query


def _last_change():
    return (
        select(MatchEvent.match_id, func.max(MatchEvent.created_at).label("changed_at"))
        .group_by(MatchEvent.match_id)
        .subquery()
    )


@dataclass
class Stalled:
    match: Match
    changed_at: datetime
    days: int  # since the last change


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stalled(session: Session, now: datetime | None = None) -> list[Stalled]:
    """Introduced matches (geïntroduceerd, in gesprek) without any change for STALLED_AFTER; oldest first."""
    now = now or utcnow()
    last = _last_change()
    changed_at = func.coalesce(last.c.changed_at, Match.updated_at)
    query = (
        select(Match, changed_at)
        .outerjoin(last, last.c.match_id == Match.id)
        .where(Match.status.in_(STALLING), changed_at < now - STALLED_AFTER)
        .order_by(changed_at)
    )
    return [
        Stalled(match, _as_utc(changed), (now - _as_utc(changed)).days)
        for match, changed in session.execute(query)
    ]


def counts(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Queue size, new in the queue this week, snoozed proposals, and one per status (the stalled
    matches the page lists itself)."""
    now = now or utcnow()
    queue = queue_query({}, now).order_by(None).subquery()
    per_status = dict(session.execute(select(Match.status, func.count()).group_by(Match.status)).all())
    return {
        "queue": session.scalar(select(func.count()).select_from(queue)) or 0,
        "new": session.scalar(
            select(func.count()).select_from(queue).where(queue.c.created_at >= now - timedelta(days=7))
        )
        or 0,
        "snoozed": session.scalar(
            select(func.count(Match.id)).where(Match.status == S.PROPOSED, Match.snoozed_until > now)
        )
        or 0,
        **{str(status): per_status.get(status, 0) for status in S},
    }


def pipeline_query(statuses: tuple[MatchStatus, ...], organisation_ids: list[int] | None = None) -> Select:
    """Matches in ``statuses``, most recently changed first; only of these organisations when given."""
    query = (
        select(Match)
        .join(Match.question)
        .join(Match.solution)
        .where(Match.status.in_(statuses))
        .order_by(Match.updated_at.desc(), Match.id.desc())
    )
    if organisation_ids is not None:
        query = query.where(
            or_(
                Question.organisation_id.in_(organisation_ids), Solution.organisation_id.in_(organisation_ids)
            )
        )
    return query


def events_of(session: Session, match: Match) -> list[MatchEvent]:
    query = select(MatchEvent).where(MatchEvent.match_id == match.id)
    return list(session.scalars(query.order_by(MatchEvent.created_at.desc(), MatchEvent.id.desc())))
