"""Questions stay fresh: reminders before valid_until, expiry after it; solutions confirmed yearly.

The mails' links (:mod:`.tokens`) let the owner answer without logging in. Functions flush;
the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.mail import compose
from circular_platform.models import OutboxMessage, Question, QuestionStatus, Solution, SolutionStatus
from circular_platform.notifications.schedule import LOCAL
from circular_platform.notifications.tokens import item_token
from circular_platform.questions import services as questions
from circular_platform.review.services import contact_persons
from circular_platform.solutions import services as solutions
from circular_platform.urls import public_url

REMIND_BEFORE = timedelta(days=14)
CHECK_AFTER = timedelta(days=365)  # a solution is asked once a year whether it is still offered
PAUSE_AFTER = timedelta(days=30)  # ... and paused when nobody answered within this time
QUESTION_ACTIONS = {
    "current": _l("Nog actueel: zes maanden verlengen"),
    "completed": _l("Afgerond"),
    "withdrawn": _l("Ingetrokken"),
}
SOLUTION_ACTIONS = {"confirm": _l("Ja, wij bieden dit nog steeds aan")}


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL).date()


def expire_questions(session: Session, now: datetime) -> int:
    """Open questions whose valid_until passed become verlopen (the signal updates search and matcher)."""
    query = select(Question).where(
        Question.status == QuestionStatus.OPEN, Question.valid_until < local_today(now)
    )
    expired = list(session.scalars(query))
    for question in expired:
        questions.expire(session, question)
    return len(expired)


def remind_owners(session: Session, now: datetime) -> list[OutboxMessage]:
    """One mail per contact person of each open question that expires within REMIND_BEFORE."""
    query = select(Question).where(
        Question.status == QuestionStatus.OPEN,
        Question.valid_until <= local_today(now) + REMIND_BEFORE,
        Question.reminder_sent_at.is_(None),
    )
    messages = []
    for question in session.scalars(query.order_by(Question.id)):
        links = {
            action: public_url(
                "notifications.question_action", token=item_token("question", question.id, action)
            )
            for action in QUESTION_ACTIONS
        }
        messages += [
            compose(
                person.email,
                "question_expiring",
                language=person.language,
                person=person,
                question=question,
                links=links,
            )
            for person in contact_persons(question)
        ]
        question.reminder_sent_at = now
    return messages


def check_solutions(session: Session, now: datetime) -> list[OutboxMessage]:
    """Ask the owners of active solutions unconfirmed for CHECK_AFTER whether they still offer them."""
    query = select(Solution).where(
        Solution.status == SolutionStatus.ACTIVE,
        Solution.check_sent_at.is_(None),
        func.coalesce(Solution.confirmed_at, Solution.created_at) <= now - CHECK_AFTER,
    )
    messages = []
    for solution in session.scalars(query.order_by(Solution.id)):
        link = public_url(
            "notifications.solution_action", token=item_token("solution", solution.id, "confirm")
        )
        messages += [
            compose(
                person.email,
                "solution_check",
                language=person.language,
                person=person,
                solution=solution,
                link=link,
                pause_after=PAUSE_AFTER.days,
            )
            for person in contact_persons(solution)
        ]
        solution.check_sent_at = now
    return messages


def pause_unconfirmed(session: Session, now: datetime) -> int:
    """Pause active solutions whose yearly check went unanswered for PAUSE_AFTER.

    The pause counts as the answer (confirmed_at = now): reactivating it starts a new year.
    """
    query = select(Solution).where(
        Solution.status == SolutionStatus.ACTIVE,
        Solution.check_sent_at <= now - PAUSE_AFTER,
        or_(Solution.confirmed_at.is_(None), Solution.confirmed_at < Solution.check_sent_at),
    )
    paused = list(session.scalars(query))
    for solution in paused:
        solutions.change_status(session, solution, None, SolutionStatus.PAUSED)
        solution.confirmed_at, solution.check_sent_at = now, None
    return len(paused)


def act_on_question(session: Session, question: Question, action: str, now: datetime) -> None:
    """The answer to a reminder: "current" renews (and reopens an expired question), the others close it."""
    if action == "current":
        if question.status == QuestionStatus.EXPIRED:
            questions.change_status(session, question, None, QuestionStatus.OPEN)
        elif question.status == QuestionStatus.OPEN:
            questions.renew(question, local_today(now))
        else:
            raise DomainError(_l("Deze vraag is niet meer open."))
        return
    status = QuestionStatus.COMPLETED if action == "completed" else QuestionStatus.WITHDRAWN
    if question.status != status:
        questions.change_status(session, question, None, status)


def confirm_solution(session: Session, solution: Solution, now: datetime) -> None:
    """Still offered: confirmed for another year; a solution paused for want of an answer is active again."""
    solution.confirmed_at, solution.check_sent_at = now, None
    if solution.status == SolutionStatus.PAUSED:
        solutions.change_status(session, solution, None, SolutionStatus.ACTIVE)
    session.flush()
