"""Demo history for the coordinators' screens: a handful of matches moved along the pipeline.

Runs after the demo questions and solutions exist; it computes the matches itself (the
regular rebuild only runs after the commit). Without an app context there is no matcher,
and nothing happens. No mail is sent: the events are written with their dates in the past.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.accounts.services import user_by_email
from circular_platform.impact import services as impact
from circular_platform.impact.services import LineInput
from circular_platform.matches import services as matches
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    Feedback,
    Match,
    MatchAction,
    MatchEvent,
    MatchStatus,
    Question,
    User,
)
from circular_platform.review import services as review

S = MatchStatus
# For the n-th best match: the steps (days ago, action, new status, reason, note); the coordinator
# introduces and rejects, the asker's contact person moves the rest.
STORIES: list[list[tuple[int, MatchAction, MatchStatus, str, str]]] = [
    [
        (
            60,
            MatchAction.INTRODUCE,
            S.INTRODUCED,
            "",
            "Jullie zoeken allebei een eerste project in Drenthe.",
        ),
        (52, MatchAction.MOVE, S.IN_TALKS, "", "Kennismaking op locatie gehad."),
        (30, MatchAction.MOVE, S.PILOT_OR_CONTRACT, "", "Pilot in 12 woningen, oplevering in het voorjaar."),
    ],
    [
        (90, MatchAction.INTRODUCE, S.INTRODUCED, "", ""),
        (80, MatchAction.MOVE, S.IN_TALKS, "", ""),
        (65, MatchAction.MOVE, S.PILOT_OR_CONTRACT, "", "Opdracht verleend na offerte."),
        (20, MatchAction.MOVE, S.COMPLETED, "", "Geleverd en gemonteerd; tevreden."),
    ],
    [(24, MatchAction.INTRODUCE, S.INTRODUCED, "", "Misschien een goede combinatie?")],
    [
        (45, MatchAction.INTRODUCE, S.INTRODUCED, "", ""),
        (38, MatchAction.MOVE, S.IN_TALKS, "", "Offerte aangevraagd."),
    ],
    [
        (10, MatchAction.INTRODUCE, S.INTRODUCED, "", ""),
        (4, MatchAction.MOVE, S.IN_TALKS, "", "Afspraak staat voor volgende week."),
    ],
    [
        (40, MatchAction.INTRODUCE, S.INTRODUCED, "", ""),
        (33, MatchAction.MOVE, S.DISCONTINUED, "Het budget is doorgeschoven naar 2027.", ""),
    ],
    [(15, MatchAction.REJECT, S.REJECTED, "regio_past_niet", "")],
]
FEEDBACK = [Feedback.INTERESTING, Feedback.INTERESTING, Feedback.NOT_RELEVANT]
# What the completed demo deal exchanged, by the question's theme.
EXCHANGED = {
    "bouw": [
        LineInput("concrete", products=12, kg_per_product=28_000.0),  # precast beams of 28 t
        LineInput("aggregates", tonnes=85.0),
        LineInput("concrete", tonnes=310.0, new_material=True),
    ],
}
OTHER_THEMES_EXCHANGED = [LineInput("plastics", tonnes=12.5)]
JUDGED = 4  # per question: how many of its best proposals its owner judged (see _judge)


def load(session: Session, coordinator_email: str) -> int:
    """Compute the matches and give the best ones a history; returns the number of matches moved."""
    if not has_app_context() or not matches.rebuild(session):
        return 0
    coordinator = user_by_email(session, coordinator_email)
    if coordinator is None:
        return 0
    query = (
        select(Match)
        .join(Match.question)
        .where(Question.status.in_(MATCHABLE_QUESTIONS))
        .order_by(Match.score.desc(), Match.id)
    )
    best = list(session.scalars(query))
    seen_questions: set[int] = set()
    stories = iter(STORIES)
    for match in best:
        if match.question_id in seen_questions:
            continue  # one story per question reads better in the demo
        story = next(stories, None)
        if story is None:
            break
        seen_questions.add(match.question_id)
        _tell(session, match, story, coordinator)
    for match, value in zip(best[-len(FEEDBACK) :], FEEDBACK, strict=False):
        matches.give_feedback(session, match, "question", value, match.question.contact or coordinator)
    _judge(session, best, coordinator)
    return len(seen_questions)


def _judge(session: Session, best: list[Match], coordinator: User) -> None:
    """Owners' verdicts on up to JUDGED of each question's best proposals, spread over the last
    eight months, so ``flask matching learn`` has judgements to learn from. The demo's askers
    prefer partners from their own province: "interessant" for a solution that names the
    question's province or municipality, "niet relevant" for one that is only nationwide or
    elsewhere; a preference the texts alone do not show. Written with their dates, like the
    events: giving them through the service would rank each question again ~200 times."""
    now = datetime.now(UTC)
    per_question: dict[int, list[Match]] = {}
    for match in best:
        if not match.acted_on:
            per_question.setdefault(match.question_id, []).append(match)
    ordered = sorted(per_question)
    for n, question_id in enumerate(ordered):
        days_ago = 240 - (235 * n) // max(1, len(ordered) - 1)
        for match in per_question[question_id][:JUDGED]:
            question, solution = match.question, match.solution
            local = question.municipality in solution.municipalities or (
                question.municipality.province in solution.provinces
            )
            match.question_feedback = Feedback.INTERESTING if local else Feedback.NOT_RELEVANT
            match.question_feedback_by = question.contact or coordinator
            match.feedback_at = now - timedelta(days=days_ago)
    session.flush()


def _tell(session: Session, match: Match, story: list, coordinator: User) -> None:
    """Take the match through ``story`` with the review services, then date each step in the past."""
    now = datetime.now(UTC)
    match.created_at = now - timedelta(days=story[0][0] + 3)
    for days_ago, action, status, reason, note in story:
        if action == MatchAction.INTRODUCE:
            review.introduce(session, match, coordinator, note, notify=False)
        elif action == MatchAction.REJECT:
            review.reject(session, match, coordinator, reason)
        else:
            review.move(
                session, match, match.question.contact or coordinator, status, note, reason, notify=False
            )
        _latest_event(session, match).created_at = match.last_change_at = now - timedelta(days=days_ago)
    match.updated_at = now - timedelta(days=story[-1][0])
    if match.status == MatchStatus.COMPLETED:
        lines = EXCHANGED.get(match.question.theme, OTHER_THEMES_EXCHANGED)
        impact.record_exchange(session, match, match.question.contact or coordinator, lines)


def _latest_event(session: Session, match: Match) -> MatchEvent:
    query = select(MatchEvent).where(MatchEvent.match_id == match.id).order_by(MatchEvent.id.desc())
    return session.scalars(query.limit(1)).one()
