from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import CompoundSelect, Select, case, func, select, true, union
from sqlalchemy.orm import Session, contains_eager, joinedload

from circular_platform import permissions
from circular_platform.db import db, unprepared
from circular_platform.extensions import login_manager
from circular_platform.models import (
    LISTED_SOLUTIONS,
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Match,
    MatchEvent,
    MatchStatus,
    Membership,
    MembershipRole,
    Municipality,
    Organisation,
    Province,
    Question,
    QuestionStatus,
    Solution,
    User,
)
from circular_platform.pagination import count_up_to
from circular_platform.permissions import AnyUser
from circular_platform.questions import services as question_services
from circular_platform.review.queries import QUEUE_COUNT_UP_TO, queue_query
from circular_platform.solutions import services as solution_services
from circular_platform.solutions.services import covering

log = logging.getLogger(__name__)
NORTHERN_PROVINCES = ("PV22", "PV20", "PV21")  # Drenthe, Groningen, Fryslân


def northern_provinces(session: Session) -> list[Province]:
    rows = session.scalars(select(Province).where(Province.cbs_code.in_(NORTHERN_PROVINCES))).all()
    return sorted(rows, key=lambda p: NORTHERN_PROVINCES.index(p.cbs_code))


COUNTS_SECONDS = (
    60  # the home page's figures may be this old: counting every row per visit grows with the data
)


@dataclass(frozen=True)
class ProvinceCounts:
    """The home page's figures per province id."""

    organisations: dict[int, int]
    open_questions: dict[int, int]
    active_solutions: dict[int, int]


def province_counts(session: Session, provinces: list[Province], user: AnyUser) -> ProvinceCounts:
    """The figures as ``user`` may see them, counted at most once a minute per process.

    Only signing in changes them: a member also sees the members-only open questions, and every
    active solution and organisation is visible to all. Only the first visitor after a start waits
    for the count; once the figures are a minute old, a thread counts again while visitors are
    shown these (at 100,000 solutions a count takes 0.35 s, which one visitor a minute waited for)."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    key = (signed_in, tuple(p.id for p in provinces))
    cache = current_app.extensions.setdefault("province_counts", {})
    counted_at, counts = cache.get(key, (0.0, None))
    if counts is None:
        counts = count_per_province(session, key[1], user)
        cache[key] = (time.monotonic(), counts)
    elif time.monotonic() - counted_at >= COUNTS_SECONDS:
        cache[key] = (time.monotonic(), counts)  # until the new count: no visitor starts another
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        user_id = user.id if signed_in else None
        threading.Thread(
            target=_count_again, args=(app, key, user_id), name="home-counts", daemon=True
        ).start()
    return counts


def count_per_province(session: Session, province_ids: tuple[int, ...], user: AnyUser) -> ProvinceCounts:
    return ProvinceCounts(
        organisations=organisations_per_province(session),
        open_questions=open_questions_per_province(session, user),
        active_solutions={i: active_solutions_in(session, i, user) for i in province_ids},
    )


def _count_again(app: Flask, key: tuple[bool, tuple[int, ...]], user_id: int | None) -> None:
    """Count the figures of ``key`` for the user ``user_id`` (None: a visitor), in its own session;
    on failure the previous figures stay and the count is tried again a minute later."""
    try:
        with app.app_context(), db.reading_session() as session:
            user = session.get(User, user_id) if user_id else login_manager.anonymous_user()
            if user is None:  # deleted meanwhile: a signed-in visitor's view counts again later
                return
            counts = count_per_province(session, key[1], user)
            session.commit()  # not a rollback, which drops psycopg's prepared statements (db.py)
            app.extensions["province_counts"][key] = (time.monotonic(), counts)
    except Exception:
        log.exception("Counting the home page's figures failed")


def organisations_per_province(session: Session) -> dict[int, int]:
    query = (
        select(Municipality.province_id, func.count(Organisation.id))
        .join(Organisation.municipality)
        .group_by(Municipality.province_id)
    )
    return {province_id: count for province_id, count in session.execute(query)}


def open_questions_per_province(session: Session, user: AnyUser) -> dict[int, int]:
    """Open questions ``user`` may see, as many as the linked list shows; members-only ones to members."""
    query = (
        select(Municipality.province_id, func.count(Question.id))
        .join(Question.municipality)
        .where(Question.status.in_(MATCHABLE_QUESTIONS), permissions.visible_questions(user))
        .group_by(Municipality.province_id)
    )
    return {province_id: count for province_id, count in session.execute(query)}


def active_solutions_in(session: Session, province_id: int, user: AnyUser) -> int:
    """Active solutions ``user`` may see whose service area reaches into the province, nationwide ones too."""
    query = select(func.count(Solution.id)).where(
        Solution.status.in_(MATCHABLE_SOLUTIONS),
        covering(province_id=province_id),
        permissions.visible_solutions(user),
    )
    return session.scalar(query) or 0


def items_of(model: type[Question] | type[Solution], organisation_ids: list[int]) -> Select:
    """The organisations' questions or solutions in every status, last changed first, as cards."""
    loading = question_services.CARD_LOADING if model is Question else solution_services.CARD_LOADING
    query = select(model).where(model.organisation_id.in_(organisation_ids)).options(*loading)
    return query.order_by(model.updated_at.desc(), model.id.desc())


def review_queue_size(session: Session) -> tuple[int, bool]:
    """Proposals waiting for a coordinator as the review page counts them, and whether there are more."""
    return count_up_to(session, queue_query({}), QUEUE_COUNT_UP_TO)


# -- Mijn overzicht: the member dashboard ---------------------------------------------------------

OVERVIEW_ITEMS = 10  # per list; the dashboard links to the full lists
RENEW_WITHIN = timedelta(days=14)  # a question expiring this soon asks its owner to renew it
_ON_DASHBOARD = (QuestionStatus.DRAFT, QuestionStatus.OPEN, QuestionStatus.IN_TALKS, QuestionStatus.EXPIRED)
_IN_PROGRESS = (MatchStatus.INTRODUCED, MatchStatus.IN_TALKS, MatchStatus.PILOT_OR_CONTRACT)


@dataclass
class Suggestions:
    total: int = 0
    new: int = 0  # created since the user last opened the overview


@dataclass
class Introduction:
    match: Match
    last_event: MatchEvent | None
    by_us: bool  # whether someone of the user's organisations made the last move


@dataclass
class Overview:
    questions: list[Question]
    solutions: list[Solution]
    suggestions: dict[tuple[str, int], Suggestions]  # ("question"|"solution", id)
    introductions: list[Introduction]
    to_renew: list[Question]
    join_requests: dict[int, int]  # organisation id to pending requests, where the user admits members
    fitting_questions: list[tuple[Question, float]]  # for a company: open questions its solutions fit

    def suggestions_of(self, kind: str, item_id: int) -> Suggestions:
        return self.suggestions.get((kind, item_id), Suggestions())

    @property
    def to_answer(self) -> list[Introduction]:
        """Fresh introductions where the other side (or the coordinator) moved last."""
        return [i for i in self.introductions if i.match.status == MatchStatus.INTRODUCED and not i.by_us]


def overview(session: Session, user: User, now: datetime) -> Overview:
    """Everything the dashboard shows for ``user``, in a fixed number of queries."""
    own = [m.organisation_id for m in user.memberships if m.approved]
    seen = user.overview_seen_at
    questions = _own_items(session, Question, own, Question.status.in_(_ON_DASHBOARD))
    solutions = _own_items(session, Solution, own, Solution.status.in_(LISTED_SOLUTIONS))
    return Overview(
        questions=questions,
        solutions=solutions,
        suggestions=_suggestion_counts(session, questions, solutions, seen),
        introductions=_introductions(session, own),
        to_renew=[q for q in questions if _needs_renewal(q, now)],
        join_requests=_join_requests(session, user),
        fitting_questions=fitting_questions(session, user, own),
    )


def mark_overview_seen(session: Session, user: User, now: datetime) -> None:
    """What was new is now seen; call after computing the overview."""
    user.overview_seen_at = now
    session.flush()


def _own_items(session: Session, model, own: list[int], condition) -> list:
    query = (
        select(model)
        .where(model.organisation_id.in_(own), condition)
        .order_by(model.updated_at.desc(), model.id.desc())
        .limit(OVERVIEW_ITEMS)
    )
    return list(session.scalars(query))


def _needs_renewal(question: Question, now: datetime) -> bool:
    if question.status == QuestionStatus.EXPIRED:
        return True
    return (
        question.status == QuestionStatus.OPEN
        and question.valid_until is not None
        and question.valid_until <= (now + RENEW_WITHIN).date()
    )


def _suggestion_counts(
    session: Session, questions: list[Question], solutions: list[Solution], seen: datetime | None
) -> dict[tuple[str, int], Suggestions]:
    """Suggestions as the detail pages show them: not rejected, the other side still matchable."""
    is_new = Match.created_at > seen if seen is not None else true()
    new = func.count(case((is_new, 1)))
    counts: dict[tuple[str, int], Suggestions] = {}
    for kind, column, other, statuses, ids in (
        ("question", Match.question_id, Match.solution, MATCHABLE_SOLUTIONS, [q.id for q in questions]),
        ("solution", Match.solution_id, Match.question, MATCHABLE_QUESTIONS, [s.id for s in solutions]),
    ):
        if not ids:
            continue
        other_status = Solution.status if kind == "question" else Question.status
        query = (
            select(column, func.count(), new)
            .join(other)
            .where(column.in_(ids), Match.status != MatchStatus.REJECTED, other_status.in_(statuses))
            .group_by(column)
        )
        counts.update(
            {(kind, item_id): Suggestions(total, fresh) for item_id, total, fresh in session.execute(query)}
        )
    return counts


def _introductions(session: Session, own: list[int]) -> list[Introduction]:
    """Introduced matches of the user's organisations, latest move first, with that move: the page's
    matches first, then only their latest events (not every match's or every event)."""
    if not own:
        return []
    query = (
        select(Match)
        .join(Match.question)
        .join(Match.solution)
        .where(Match.id.in_(_matches_of(own, _IN_PROGRESS)))
        .options(
            contains_eager(Match.question).joinedload(Question.organisation),
            contains_eager(Match.solution).joinedload(Solution.organisation),
        )
        .order_by(Match.updated_at.desc(), Match.id.desc())
        .limit(OVERVIEW_ITEMS)
    )
    matches = list(session.scalars(query))
    latest = _latest_events(session, [match.id for match in matches], own)
    return [Introduction(match, *latest.get(match.id, (None, False))) for match in matches]


def _latest_events(
    session: Session, match_ids: list[int], own: list[int]
) -> dict[int, tuple[MatchEvent, bool]]:
    """Per match id: its latest event, and whether a member of the organisations ``own`` made it."""
    if not match_ids:
        return {}
    latest = (
        select(func.max(MatchEvent.id))
        .where(MatchEvent.match_id.in_(match_ids))
        .group_by(MatchEvent.match_id)
    )
    members = select(Membership.user_id).where(Membership.organisation_id.in_(own), Membership.approved)
    query = (
        select(MatchEvent, MatchEvent.user_id.in_(members))
        .where(MatchEvent.id.in_(latest))
        .options(joinedload(MatchEvent.user))
    )
    return {event.match_id: (event, bool(by_us)) for event, by_us in session.execute(query)}


def _matches_of(own: list[int], statuses: tuple[MatchStatus, ...]) -> CompoundSelect:
    """Ids of the matches in ``statuses`` on either side of the organisations ``own``: read per
    question and per solution through ix_match_question_status and ix_match_solution_status_score,
    never by joining all matches."""
    own_questions = select(Question.id).where(Question.organisation_id.in_(own))
    own_solutions = select(Solution.id).where(Solution.organisation_id.in_(own))
    return union(
        select(Match.id).where(Match.question_id.in_(own_questions), Match.status.in_(statuses)),
        select(Match.id).where(Match.solution_id.in_(own_solutions), Match.status.in_(statuses)),
    )


def _join_requests(session: Session, user: User) -> dict[int, int]:
    admin_of = [m.organisation_id for m in user.memberships if m.approved and m.role == MembershipRole.ADMIN]
    if not admin_of:
        return {}
    query = (
        select(Membership.organisation_id, func.count())
        .where(Membership.organisation_id.in_(admin_of), Membership.approved.is_(False))
        .group_by(Membership.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in session.execute(query)}


def fitting_questions(session: Session, user: User, own: list[int]) -> list[tuple[Question, float]]:
    """Open questions that fit any active solution of the user's organisations, best first, once
    each with its best score; only questions ``user`` may see, none of their own."""
    if not own:
        return []
    # Matched per solution (IN, not a join) through ix_match_solution_status_score, the database
    # reads the organisation's matches from that index alone, not the matches themselves. A
    # subquery, not a list of ids: an organisation with 1,454 solutions sent 1,454 parameters
    # that SQLAlchemy and psycopg took 10-15 ms to put into the statement on every view.
    active = select(Solution.id).where(
        Solution.organisation_id.in_(own), Solution.status.in_(MATCHABLE_SOLUTIONS)
    )
    best = (
        select(Match.question_id, func.max(Match.score).label("score"))
        .join(Match.question)
        .where(
            Match.solution_id.in_(active),
            Question.status.in_(MATCHABLE_QUESTIONS),
            Question.organisation_id.not_in(own),
            Match.status != MatchStatus.REJECTED,
            permissions.visible_questions(user),
        )
        .group_by(Match.question_id)
        .order_by(func.max(Match.score).desc(), Match.question_id)
        .limit(OVERVIEW_ITEMS)  # before the questions are read, not after
        .subquery()
    )
    query = (
        select(Question, best.c.score)
        .join(best, best.c.question_id == Question.id)
        .options(joinedload(Question.organisation))
        .order_by(best.c.score.desc(), Question.id)
    )
    # Planned for the organisation at hand: the generic plan PostgreSQL adopts once a prepared
    # statement ran ten times read an organisation with 1,454 solutions in 34 ms, not 14.
    with unprepared(session):
        return [(question, score) for question, score in session.execute(query)]
