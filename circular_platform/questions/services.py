"""Posting, editing and moving questions through their lifecycle.

The web form, the CSV import and the demo loader all come through here; functions
``flush()`` and leave the commit to the caller.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer, joinedload
from sqlalchemy.orm.interfaces import ORMOption

from circular_platform import history, lifecycle, permissions
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.materials.services import replace_lines, without_lines
from circular_platform.models import Municipality, Organisation, Question, QuestionStatus, User
from circular_platform.models._types import utcnow
from circular_platform.signals import question_changed
from circular_platform.taxonomy import BUILDING_SECTORS, THEMES, TRANSITION_PATHS, UNITS
from circular_platform.texts import QUESTION_TEXTS, check_texts

S = QuestionStatus
ALLOWED_TRANSITIONS: dict[QuestionStatus, set[QuestionStatus]] = {
    S.DRAFT: {S.OPEN, S.WITHDRAWN},
    S.OPEN: {S.IN_TALKS, S.COMPLETED, S.WITHDRAWN},
    S.IN_TALKS: {S.OPEN, S.COMPLETED, S.WITHDRAWN},
    S.COMPLETED: {S.OPEN},
    S.WITHDRAWN: {S.OPEN},
    S.EXPIRED: {S.OPEN, S.COMPLETED, S.WITHDRAWN},  # to open again is to renew it
}
# Only ``flask notify run`` lets a question expire: the day after its valid_until.
EXPIRY_TRANSITIONS = {**ALLOWED_TRANSITIONS, S.OPEN: ALLOWED_TRANSITIONS[S.OPEN] | {S.EXPIRED}}
VALID_MONTHS = 6  # a published question stays valid this long, and "nog actueel" extends it by as much
AFTER_START_MONTHS = 3  # ... or until this long after the desired start, when that is later


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Aug + 6 = 28 Feb)."""
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def default_valid_until(published: date, desired_start: date | None) -> date:
    """Six months after publishing, or three months after the desired start, whichever is later."""
    valid = add_months(published, VALID_MONTHS)
    if desired_start is not None:
        valid = max(valid, add_months(desired_start, AFTER_START_MONTHS))
    return valid


def renew(question: Question, today: date) -> None:
    """Extend by VALID_MONTHS from its current end (or from today, when that has passed)."""
    question.valid_until = add_months(max(question.valid_until or today, today), VALID_MONTHS)
    question.reminder_sent_at = None


def check_rules(data: dict[str, Any]) -> None:
    """Business rules across fields; raises DomainError naming the field to correct."""
    check_texts(data, QUESTION_TEXTS)
    if data["theme"] not in THEMES:
        raise DomainError(_l("Kies een thema uit de lijst."), "theme")
    if data["theme"] == "bouw" and data.get("sector") not in BUILDING_SECTORS:
        raise DomainError(_l("Kies bij het thema Bouw de sector: WU of GWW."), "sector")
    if data["theme"] != "bouw" and data.get("sector"):
        raise DomainError(_l("Een sector hoort alleen bij het thema Bouw."), "sector")
    if any(path not in TRANSITION_PATHS for path in data.get("transition_paths", [])):
        raise DomainError(_l("Onbekend transitiepad."), "transition_paths")
    if (data.get("quantity") is None) != (not data.get("unit")):
        raise DomainError(_l("Vul een hoeveelheid én een eenheid in, of laat beide leeg."), "quantity")
    if data.get("unit") and data["unit"] not in UNITS:
        raise DomainError(_l("Kies een eenheid uit de lijst."), "unit")
    _check_budget(data.get("budget_min"), data.get("budget_max"))
    if data.get("valid_until") is not None and data["valid_until"] < utcnow().date():
        raise DomainError(_l("Kies een datum vanaf vandaag."), "valid_until")
    if data.get("has_circular_criteria") and not data.get("is_procurement"):
        raise DomainError(
            _l("Circulaire criteria horen bij een aanbesteding: vink die ook aan."), "is_procurement"
        )
    if data.get("has_circular_criteria") and not (data.get("circular_criteria") or "").strip():
        raise DomainError(_l("Beschrijf welke circulaire criteria u stelt."), "circular_criteria")


def _check_budget(low: int | None, high: int | None) -> None:
    if any(value is not None and value < 0 for value in (low, high)):
        raise DomainError(_l("Een budget kan niet negatief zijn."), "budget_min")
    if low is not None and high is not None and low > high:
        raise DomainError(_l("Het minimumbudget is hoger dan het maximumbudget."), "budget_min")


def check_contact(organisation: Organisation, contact: User | None) -> None:
    """The contact must be an approved member of ``organisation``. Read from the contact's
    memberships: loaded already when the contact is the user posting, as mostly."""
    if contact is None:
        return
    if organisation.id not in {m.organisation_id for m in contact.memberships if m.approved}:
        raise DomainError(_l("De contactpersoon moet lid zijn van de organisatie."), "contact")


def post_question(
    session: Session, author: User | None, organisation: Organisation, data: dict[str, Any], publish: bool
) -> Question:
    check_rules(data)
    check_contact(organisation, data.get("contact"))
    data, lines = without_lines(data)
    question = Question(organisation=organisation, author=author, **data)
    replace_lines(question, lines or [], question.title)
    question.status = S.OPEN if publish else S.DRAFT
    if publish and question.valid_until is None:
        question.valid_until = default_valid_until(utcnow().date(), question.desired_start)
    if question.contact is None:
        question.contact = author
    session.add(question)
    session.flush()
    history.record(session, question, author, {})
    question_changed.send(session, question=question, previous_status=None)
    return question


def update_question(session: Session, question: Question, user: User | None, data: dict[str, Any]) -> None:
    check_rules(data)
    check_contact(question.organisation, data.get("contact"))
    if data.get("valid_until") is None:  # left empty: keep the current date
        data = {key: value for key, value in data.items() if key != "valid_until"}
    data, lines = without_lines(data)
    before = history.snapshot(question)
    for field, value in data.items():
        setattr(question, field, value)
    if lines is not None:
        replace_lines(question, lines, question.title)
    session.flush()
    history.record(session, question, user, before)
    question_changed.send(session, question=question, previous_status=question.status)


def change_status(session: Session, question: Question, user: User | None, status: QuestionStatus) -> None:
    """Publishing (again) sets a valid_until that has not passed; renewing an expired one extends it."""
    today = utcnow().date()
    if status == S.OPEN and status in ALLOWED_TRANSITIONS[question.status]:
        if question.status == S.EXPIRED:
            renew(question, today)
        elif question.valid_until is None or question.valid_until <= today:
            question.valid_until = default_valid_until(today, question.desired_start)
            question.reminder_sent_at = None
    lifecycle.change_status(session, question, user, status, ALLOWED_TRANSITIONS, question_changed)


def expire(session: Session, question: Question) -> None:
    lifecycle.change_status(session, question, None, S.EXPIRED, EXPIRY_TRANSITIONS, question_changed)


# What an export row or the API shows besides the question: its organisation and place, with
# the page's own query (one statement, not four).
LIST_LOADING: Sequence[ORMOption] = (
    joinedload(Question.organisation),
    joinedload(Question.municipality).joinedload(Municipality.province),
)

# What a card shows (marketplace/_macros.html): the long texts stay in the database. Paged with
# ``ids_first``: the page's ids come from the index alone, and only its 20 rows are read whole.
CARD_LOADING: Sequence[ORMOption] = (
    joinedload(Question.organisation).load_only(Organisation.name),
    joinedload(Question.municipality).joinedload(Municipality.province),
    defer(Question.description),
    defer(Question.description_html),
    defer(Question.description_text),
    defer(Question.circular_criteria),
)


def list_query(user, filters: dict[str, Any], *, loading: Sequence[ORMOption] = LIST_LOADING) -> Select:
    """Questions ``user`` may see, narrowed by the list page's filters and sorted, loaded as
    ``loading`` says (:data:`CARD_LOADING` for pages of cards)."""
    query = select(Question).where(permissions.visible_questions(user)).options(*loading)
    if filters.get("organisation"):
        query = query.where(Question.organisation_id == filters["organisation"])
    if filters.get("theme"):
        query = query.where(Question.theme == filters["theme"])
    if filters.get("sector"):
        query = query.where(Question.sector == filters["sector"])
    if filters.get("province"):
        query = query.join(Question.municipality).where(Municipality.province_id == filters["province"])
    if filters.get("municipality"):
        query = query.where(Question.municipality_id == filters["municipality"])
    if filters.get("status"):
        query = query.where(Question.status == filters["status"])
    if filters.get("procurement"):
        query = query.where(Question.is_procurement.is_(True))
    if filters.get("sort") == "start":
        return query.order_by(Question.desired_start.is_(None), Question.desired_start, Question.id.desc())
    return query.order_by(Question.created_at.desc(), Question.id.desc())
