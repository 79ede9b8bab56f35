"""What the map can shade: a figure per municipality, counted as the linked list counts it.

To add a measure, write a function ``(session, user) -> {cbs_code: figure}`` that asks one grouped
query and applies the list's own visibility rule from ``permissions``, and add a :class:`Measure`
to :data:`MEASURES`. Municipalities missing from the result have 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    BuildingPassport,
    Municipality,
    Question,
    Solution,
)
from circular_platform.models._types import utcnow
from circular_platform.passports import services as passports
from circular_platform.permissions import AnyUser
from circular_platform.solutions.services import covering_counts

Counts = Mapping[str, int]  # CBS municipality code (GM0106) -> figure


@dataclass(frozen=True)
class Measure:
    name: str  # its value in the query string, ?measure=...
    label: str  # a lazy string: the picker's link, the table's column, the legend's caption
    explanation: str  # what is counted, in a sentence under the map
    count: Callable[[Session, AnyUser], Counts]
    link: Callable[[Municipality], str]  # the list filtered on the municipality, showing what is counted


def open_questions(session: Session, user: AnyUser) -> Counts:
    """Questions with the status open that ``user`` may see, per municipality of the question."""
    query = (
        select(Municipality.cbs_code, func.count(Question.id))
        .join(Question.municipality)
        .where(Question.status.in_(MATCHABLE_QUESTIONS), permissions.visible_questions(user))
        .group_by(Municipality.cbs_code)
    )
    return {code: count for code, count in session.execute(query)}


def active_solutions(session: Session, user: AnyUser) -> Counts:
    """Active solutions ``user`` may see whose service area includes the municipality (nationwide
    ones in every municipality, province-wide ones in each of the province's)."""
    shown = and_(Solution.status.in_(MATCHABLE_SOLUTIONS), permissions.visible_solutions(user))
    return {code: count for code, count in session.execute(covering_counts(shown))}


def materials_coming_free(session: Session, user: AnyUser) -> Counts:
    """Building passports ``user`` may see whose materials are still to come free (a planned
    renovation or demolition from today on, with material lines), per municipality of the building.
    Passports rather than tonnes: many lines are in m², metres or pieces, which have no weight."""
    query = (
        select(Municipality.cbs_code, func.count(BuildingPassport.id))
        .join(BuildingPassport.municipality)
        .where(passports.releasing(utcnow().date()), permissions.visible_passports(user))
        .group_by(Municipality.cbs_code)
    )
    return {code: count for code, count in session.execute(query)}


MEASURES: dict[str, Measure] = {
    measure.name: measure
    for measure in (
        Measure(
            "questions",
            _l("Open vragen"),
            _l("Vragen met de status open, in de gemeente waar ze gesteld zijn."),
            open_questions,
            lambda m: url_for("questions.index", municipality=m.id, status="open"),
        ),
        Measure(
            "solutions",
            _l("Actief aanbod"),
            _l(
                "Actief aanbod dat in de gemeente geleverd wordt: aanbod voor de hele provincie of "
                "heel Nederland telt in elke gemeente daarvan mee."
            ),
            active_solutions,
            lambda m: url_for("solutions.index", municipality=m.id, status="actief"),
        ),
        Measure(
            "materials",
            _l("Gebouwen met vrijkomend materiaal"),
            _l(
                "Gebouwen met een geplande renovatie of sloop die nog moet komen en een "
                "inventarisatie van materialen, in de gemeente van het gebouw."
            ),
            materials_coming_free,
            lambda m: url_for("passports.index", municipality=m.id, upcoming=1),
        ),
    )
}
DEFAULT = "questions"


def chosen(name: str | None) -> Measure:
    """The measure named in the query string; an unknown or missing name gives the default."""
    return MEASURES.get(name or "", MEASURES[DEFAULT])
