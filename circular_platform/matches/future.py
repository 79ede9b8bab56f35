"""Future supply: the materials a planned renovation or demolition releases, matched against open
questions with the existing matcher, and with the dates taken into account.

Nothing is stored: the suggestions are computed when the passport or question page is shown,
against a matcher over the coming releases that each process fits again only when they change.
A release fits a need that starts from ``EARLY_MONTHS`` before it (the work can often wait a
little) up to ``LATE_MONTHS`` after it (materials can be stored for a year): a release in 14
months fits a need starting in 11 to 26 months.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import chain

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

from circular_platform import permissions
from circular_platform.matches.documents import materials_text, question_document
from circular_platform.matches.services import MIN_SCORE
from circular_platform.matches.similar import question_matcher
from circular_platform.models import MATCHABLE_QUESTIONS, BuildingPassport, MaterialLine, Question
from circular_platform.models._types import utcnow
from circular_platform.questions.services import add_months
from matching.matcher import Document, Matcher, Result

EARLY_MONTHS = 3
LATE_MONTHS = 12
CANDIDATES = 50  # ranked before the date, organisation and visibility filters thin them out
# The matcher over the coming releases holds the nearest this many, so fitting it costs the same
# however many buildings are registered.
PASSPORTS_CONSIDERED = 300


@dataclass(frozen=True)
class FutureSupply:
    passport: BuildingPassport
    question: Question
    result: Result  # score and shared words

    @property
    def release(self) -> date:
        return release_date(self.passport)


def release_date(passport: BuildingPassport) -> date:
    """When the materials come free: the intervention, or a later date a line names.
    Only for a passport with a planned intervention, which has a date."""
    dates = [line.from_date for line in passport.material_lines if line.from_date]
    return max(day for day in (passport.intervention_date, *dates) if day is not None)


def need_date(question: Question) -> date | None:
    """When the question needs its materials: the earliest needed-from of its lines, else its
    desired start, else its deadline (valid until)."""
    dates = [line.from_date for line in question.material_lines if line.from_date]
    return min(dates) if dates else question.desired_start or question.valid_until


def fits(release: date, need: date | None) -> bool:
    return fits_period(release, release, need)


def fits_period(first: date, last: date, need: date | None) -> bool:
    """Whether a need fits materials that come free between ``first`` and ``last``."""
    if need is None:
        return True
    return add_months(first, -EARLY_MONTHS) <= need <= add_months(last, LATE_MONTHS)


def passport_document(passport: BuildingPassport) -> Document:
    return lines_document(f"passport-{passport.id}", passport.material_lines)


def lines_document(document_id: str, lines: Sequence[MaterialLine]) -> Document:
    """Released materials as a solution would describe them; no region filter: materials
    travel across the north, and the card says where they come free."""
    return Document(
        id=document_id,
        title=", ".join(line.material for line in lines),
        description=materials_text(list(lines)),
        themes=frozenset({"bouw"}),
    )


def supply_for_passport(
    session: Session, passport: BuildingPassport, user: permissions.AnyUser, limit: int = 5
) -> list[FutureSupply]:
    """Open questions of other organisations, visible to ``user``, that the release fits."""
    if not _releasing(passport, utcnow().date()):
        return []
    release = release_date(passport)
    found = questions_for_release(
        session, passport_document(passport), (release, release), {passport.organisation_id}, user, limit
    )
    return [FutureSupply(passport, question, result) for question, result in found]


def questions_for_release(
    session: Session,
    released: Document,
    period: tuple[date, date],
    owners: set[int],
    user: permissions.AnyUser,
    limit: int = 5,
) -> list[tuple[Question, Result]]:
    """Open questions visible to ``user``, of organisations other than ``owners``, that materials
    coming free in ``period`` (first and last day) fit, best first."""
    matcher = question_matcher(session)
    results = matcher.rank(released, CANDIDATES, min_score=MIN_SCORE) if matcher else []
    query = select(Question).where(
        Question.id.in_([int(r.id) for r in results]),
        Question.status.in_(MATCHABLE_QUESTIONS),
        Question.organisation_id.not_in(owners),
        permissions.visible_questions(user),
    )
    found = {q.id: q for q in session.scalars(query)}
    chosen = [
        (found[int(r.id)], r)
        for r in results
        if int(r.id) in found and fits_period(*period, need_date(found[int(r.id)]))
    ]
    return chosen[:limit]


def supply_for_question(
    session: Session, question: Question, user: permissions.AnyUser, limit: int = 5
) -> list[FutureSupply]:
    """Passports ``user`` may see, of other organisations, whose planned release fits the
    question's need."""
    today = utcnow().date()
    matcher = release_matcher(session, today)
    if matcher is None:
        return []
    results = matcher.rank(question_document(question), CANDIDATES, min_score=MIN_SCORE)
    query = (
        select(BuildingPassport)
        .where(
            BuildingPassport.id.in_([int(str(r.id).removeprefix("passport-")) for r in results]),
            permissions.visible_passports(user),
            BuildingPassport.organisation_id != question.organisation_id,
        )
        .options(selectinload(BuildingPassport.material_lines))
    )
    passports = {f"passport-{p.id}": p for p in session.scalars(query) if _releasing(p, today)}
    need = need_date(question)
    chosen = [
        FutureSupply(passports[str(r.id)], question, r)
        for r in results
        if str(r.id) in passports and fits(release_date(passports[str(r.id)]), need)
    ]
    return chosen[:limit]


# How old this process's view of the coming releases may be: a passport another server registers
# shows on this one's question pages within this time; one changed here, at once.
RELEASES_CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class _Releases:
    key: tuple  # database, day and the version of the coming releases
    matcher: Matcher | None
    checked_at: float  # time.monotonic() of the last look at the version


_releases: _Releases | None = None  # this process's, replaced whole: safe beside other threads


def release_matcher(session: Session, today: date) -> Matcher | None:
    """A matcher over the materials of the :data:`PASSPORTS_CONSIDERED` nearest planned
    releases, fitted again only when one of those buildings or their lines changed (or the day
    did): fitting it on every question page cost more than the rest of the page. Whether they
    changed is asked at most every :data:`RELEASES_CHECK_SECONDS` (a statement on each question
    page otherwise), and after a passport or material line of this process is written."""
    global _releases  # noqa: PLW0603 - a cache of this process
    where = (str(session.get_bind().engine.url), today)
    cached = _releases
    recent = cached is not None and time.monotonic() - cached.checked_at < RELEASES_CHECK_SECONDS
    if cached is not None and recent and cached.key[:2] == where:
        return cached.matcher
    upcoming = (BuildingPassport.intervention.is_not(None), BuildingPassport.intervention_date >= today)
    version = session.execute(
        select(
            func.count(BuildingPassport.id.distinct()),
            func.max(BuildingPassport.updated_at),
            func.count(MaterialLine.id),
            func.max(MaterialLine.id),
        )
        .select_from(BuildingPassport)
        .outerjoin(MaterialLine, MaterialLine.passport_id == BuildingPassport.id)
        .where(*upcoming)
    ).one()
    key = (*where, *version)
    if cached is not None and cached.key == key:
        _releases = replace(cached, checked_at=time.monotonic())
        return cached.matcher
    documents = []
    if version[0]:  # a building with a coming release
        query = (
            select(BuildingPassport)
            .where(*upcoming)
            .options(selectinload(BuildingPassport.material_lines))
            .order_by(BuildingPassport.intervention_date, BuildingPassport.id)
            .limit(PASSPORTS_CONSIDERED)
        )
        documents = [passport_document(p) for p in session.scalars(query) if _releasing(p, today)]
    _releases = _Releases(key, Matcher.fit(documents) if documents else None, time.monotonic())
    return _releases.matcher


@event.listens_for(Session, "after_flush")
def _look_at_releases_again(session: Session, _context) -> None:
    """A passport or material line written in this process: the next question page looks."""
    global _releases  # noqa: PLW0603 - a cache of this process
    cached = _releases
    written = chain(session.new, session.dirty, session.deleted)
    if cached is not None and any(isinstance(o, BuildingPassport | MaterialLine) for o in written):
        _releases = replace(cached, checked_at=-math.inf)


def _releasing(passport: BuildingPassport, today: date) -> bool:
    """A planned intervention, still to come, with materials to release."""
    planned = passport.intervention is not None and passport.intervention_date is not None
    return planned and bool(passport.material_lines) and release_date(passport) >= today
