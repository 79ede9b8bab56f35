"""What people said of matches, as training data for the learned ranker.

One judgement per match (question = query, solution = document), graded as
:class:`matching.learning.Judgement` expects (0 not relevant, 1 relevant, 2 very relevant):

* The stage a match reached says most, so it wins over the owners' buttons: pilot or
  opdracht and afgerond → 2; geïntroduceerd, in gesprek and niet doorgegaan (worth talking
  to, even if it stopped later) → 1; afgewezen by a coordinator → 0, whatever the reason.
  Some reasons ("al in contact", a region that does not fit) say less about the texts than
  others; they still mean "do not propose this", so they count as 0 too: simple, and the
  time-split safeguard decides whether the result ranks better.
* Otherwise the owners' feedback: "niet relevant" from either side → 0, else "interessant" → 1.
* Matches nobody acted on are no judgement.

``at``: when the judgement was made: the latest logged event for a stage, else the time of the
latest feedback (``Match.feedback_at``; the match's ``updated_at`` for feedback from before
that column existed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from circular_platform.models import Feedback, Match, MatchEvent, MatchStatus
from matching.learning import Judgement

S = MatchStatus
STAGE_GRADES = {
    S.PILOT_OR_CONTRACT: 2,
    S.COMPLETED: 2,
    S.INTRODUCED: 1,
    S.IN_TALKS: 1,
    S.DISCONTINUED: 1,
    S.REJECTED: 0,
}


def grade(status: MatchStatus, feedback: Iterable[Feedback | None]) -> int | None:
    """The grade of one match, None when nobody judged it (see the module's rules)."""
    if status in STAGE_GRADES:
        return STAGE_GRADES[status]
    given = set(feedback)
    if Feedback.NOT_RELEVANT in given:
        return 0
    if Feedback.INTERESTING in given:
        return 1
    return None


def load(session: Session, question_id: int | None = None) -> list[Judgement]:
    """Every judgement in the database (of one question when ``question_id`` is given), oldest first."""
    events = select(MatchEvent.match_id, func.max(MatchEvent.created_at).label("at"))
    if question_id is not None:  # this question's events only, not an aggregate over all of them
        own = select(Match.id).where(Match.question_id == question_id)
        events = events.where(MatchEvent.match_id.in_(own))
    last_event = events.group_by(MatchEvent.match_id).subquery()
    query = (
        select(
            Match.question_id,
            Match.solution_id,
            Match.status,
            Match.question_feedback,
            Match.solution_feedback,
            Match.feedback_at,
            Match.updated_at,
            last_event.c.at,
        )
        .outerjoin(last_event, last_event.c.match_id == Match.id)
        .where(
            or_(
                Match.status != S.PROPOSED,
                Match.question_feedback.is_not(None),
                Match.solution_feedback.is_not(None),
            )
        )
    )
    if question_id is not None:
        query = query.where(Match.question_id == question_id)
    out = []
    for q, s, status, qf, sf, feedback_at, updated_at, event_at in session.execute(query):
        value = grade(status, (qf, sf))
        if value is None:
            continue
        at = (event_at if status in STAGE_GRADES else None) or feedback_at or updated_at
        out.append(Judgement(q, s, value, _aware(at)))
    return sorted(out, key=lambda j: (j.at or datetime.min.replace(tzinfo=UTC), j.query_id, j.document_id))


def of_matches(matches: Iterable[Match]) -> dict[int, int]:
    """solution id -> grade, of one question's ``matches``: :func:`load`'s grades without the
    query, for a question whose matches are read anyway."""
    grades = ((m.solution_id, grade(m.status, (m.question_feedback, m.solution_feedback))) for m in matches)
    return {solution_id: value for solution_id, value in grades if value is not None}


def by_question(judgements: Iterable[Judgement]) -> dict[int, dict[int, int]]:
    """question id -> {solution id: grade}."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for j in judgements:
        out[int(j.query_id)][int(j.document_id)] = j.grade
    return dict(out)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC): compare them as aware ones."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
