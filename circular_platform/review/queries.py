"""What the coordinators' screens read: the review queue, stalled introductions, counts, the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

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
from circular_platform.pagination import count_up_to
from circular_platform.review.services import AGES, STALLED_AFTER, STALLING

S = MatchStatus
# The queue's counters count this far ("1000+"): a count of every proposal grows with the data.
QUEUE_COUNT_UP_TO = 1000
# The counters per status: the ones the coordination page shows, each served by ix_match_status_score.
COUNTED_STATUSES = (S.INTRODUCED, S.IN_TALKS, S.PILOT_OR_CONTRACT, S.COMPLETED)
# What a proposal in the queue shows of both sides, loaded for the whole page at once.
QUEUE_CARDS = (
    selectinload(Match.question).options(
        joinedload(Question.organisation), joinedload(Question.municipality).joinedload(Municipality.province)
    ),
    selectinload(Match.solution).options(
        joinedload(Solution.organisation),
        selectinload(Solution.theme_rows),
        selectinload(Solution.provinces),
        selectinload(Solution.municipalities),
    ),
)


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


@dataclass
class Stalled:
    match: Match
    changed_at: datetime
    days: int  # since the last change


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stalled_query(now: datetime) -> Select:
    """The stalled matches, oldest change first."""
    return (
        select(Match)
        .where(Match.status.in_(STALLING), Match.last_change_at < now - STALLED_AFTER)
        .order_by(Match.last_change_at, Match.id)
    )


def stalled(session: Session, now: datetime | None = None, limit: int | None = None) -> list[Stalled]:
    """Introduced matches (geïntroduceerd, in gesprek) without any change for STALLED_AFTER; oldest
    first; the first ``limit`` when given.

    The oldest ids come from ix_match_status_last_change_at_id alone: sorting whole rows of two
    statuses read every stalled match (60 ms at 1,000,000 matches) to show twenty."""
    now = now or utcnow()
    oldest = _stalled_query(now).with_only_columns(Match.id).limit(limit)
    query = (
        select(Match)
        .where(Match.id.in_(oldest))
        .options(selectinload(Match.question), selectinload(Match.solution).joinedload(Solution.organisation))
        .order_by(Match.last_change_at, Match.id)
    )
    matches = session.scalars(query)
    return [
        Stalled(match, _as_utc(match.last_change_at), (now - _as_utc(match.last_change_at)).days)
        for match in matches
    ]


def stalled_count(session: Session, now: datetime | None = None) -> tuple[int, bool]:
    """How many :func:`stalled` would list, up to QUEUE_COUNT_UP_TO, and whether there are more."""
    return count_up_to(session, _stalled_query(now or utcnow()), QUEUE_COUNT_UP_TO)


def counts(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Queue size and new in the queue this week (each up to QUEUE_COUNT_UP_TO; ``queue_more`` and
    ``new_more`` say when there are more), snoozed proposals, and one per COUNTED_STATUSES."""
    now = now or utcnow()
    queue, queue_more = count_up_to(session, queue_query({}, now), QUEUE_COUNT_UP_TO)
    new, new_more = count_up_to(
        session, queue_query({}, now).where(Match.created_at >= now - timedelta(days=7)), QUEUE_COUNT_UP_TO
    )
    per_status = select(Match.status, func.count()).where(Match.status.in_(COUNTED_STATUSES))
    counted = dict(session.execute(per_status.group_by(Match.status)).all())
    return {
        "queue": queue,
        "queue_more": queue_more,
        "new": new,
        "new_more": new_more,
        "snoozed": session.scalar(
            select(func.count()).where(Match.snoozed_until > now, Match.status == S.PROPOSED)
        )
        or 0,
        **{str(status): counted.get(status, 0) for status in COUNTED_STATUSES},
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
