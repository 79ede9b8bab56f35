"""Publishing, editing and pausing or archiving solutions. Functions ``flush()``; callers commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload, with_expression
from sqlalchemy.orm.interfaces import ORMOption

from circular_platform import history, lifecycle, permissions
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.materials.services import replace_lines, without_lines
from circular_platform.models import (
    Municipality,
    Organisation,
    Province,
    Solution,
    SolutionStatus,
    SolutionTheme,
    User,
)
from circular_platform.models.marketplace import LISTED_APART, solution_municipality, solution_province
from circular_platform.questions.services import check_contact
from circular_platform.signals import solution_changed
from circular_platform.taxonomy import THEMES
from circular_platform.texts import SOLUTION_TEXTS, check_texts

S = SolutionStatus
ALLOWED_TRANSITIONS: dict[SolutionStatus, set[SolutionStatus]] = {
    S.ACTIVE: {S.PAUSED, S.ARCHIVED},
    S.PAUSED: {S.ACTIVE, S.ARCHIVED},
    S.ARCHIVED: {S.ACTIVE},
}


def check_rules(organisation: Organisation, data: dict[str, Any]) -> None:
    check_texts(data, SOLUTION_TEXTS)
    if not organisation.may_publish_solutions:
        raise DomainError(_l("Deze organisatie mag (nog) geen aanbod plaatsen. Vraag het een coördinator."))
    if not data.get("themes") or any(theme not in THEMES for theme in data["themes"]):
        raise DomainError(_l("Kies minstens één thema."), "themes")
    if not (data.get("nationwide") or data.get("provinces") or data.get("municipalities")):
        raise DomainError(
            _l("Geef aan waar u levert: heel Nederland, provincies of gemeenten."), "nationwide"
        )
    check_contact(organisation, data.get("contact"))


def publish_solution(
    session: Session, author: User | None, organisation: Organisation, data: dict[str, Any]
) -> Solution:
    check_rules(organisation, data)
    data, lines = without_lines(data)
    solution = Solution(organisation=organisation, author=author, status=S.ACTIVE, **data)
    replace_lines(solution, lines or [], solution.title)
    if solution.contact is None:
        solution.contact = author
    session.add(solution)
    session.flush()
    history.record(session, solution, author, {})
    solution_changed.send(session, solution=solution, previous_status=None)
    return solution


def update_solution(session: Session, solution: Solution, user: User | None, data: dict[str, Any]) -> None:
    check_rules(solution.organisation, data)
    data, lines = without_lines(data)
    before = history.snapshot(solution)
    for field, value in data.items():
        setattr(solution, field, value)
    if lines is not None:
        replace_lines(solution, lines, solution.title)
    session.flush()
    history.record(session, solution, user, before)
    solution_changed.send(session, solution=solution, previous_status=solution.status)


def change_status(session: Session, solution: Solution, user: User | None, status: SolutionStatus) -> None:
    lifecycle.change_status(session, solution, user, status, ALLOWED_TRANSITIONS, solution_changed)


def covering(municipality: Municipality | None = None, province_id: int | None = None):
    """SQL: solutions whose service area includes the municipality (or touches the province)."""
    in_province = select(solution_province.c.solution_id).where(
        solution_province.c.province_id == (municipality.province_id if municipality else province_id)
    )
    municipalities = select(solution_municipality.c.solution_id).join(
        Municipality, Municipality.id == solution_municipality.c.municipality_id
    )
    if municipality is not None:
        municipalities = municipalities.where(Municipality.id == municipality.id)
    else:
        municipalities = municipalities.where(Municipality.province_id == province_id)
    return or_(Solution.nationwide.is_(True), Solution.id.in_(in_province), Solution.id.in_(municipalities))


def covering_counts(shown: ColumnElement[bool]) -> Select:
    """SQL: (municipality CBS code, number of solutions meeting ``shown`` that :func:`covering` finds for it),
    every municipality in one query. Rather than pairing each solution with each municipality it
    serves, it adds up the nationwide solutions, those serving the municipality's province, and
    those naming the municipality without serving its province (so none counts twice)."""
    regional = and_(shown, Solution.nationwide.is_(False))
    nationwide = select(func.count(Solution.id)).where(shown, Solution.nationwide.is_(True)).scalar_subquery()
    per_province = (
        select(solution_province.c.province_id, func.count(Solution.id).label("solutions"))
        .join(Solution, Solution.id == solution_province.c.solution_id)
        .where(regional)
        .group_by(solution_province.c.province_id)
        .subquery()
    )
    serves_its_province = (
        select(solution_province.c.solution_id)
        .where(solution_province.c.solution_id == Solution.id)
        .where(solution_province.c.province_id == Municipality.province_id)
        .exists()
    )
    named = (
        select(solution_municipality.c.municipality_id, func.count(Solution.id).label("solutions"))
        .join(Solution, Solution.id == solution_municipality.c.solution_id)
        .join(Municipality, Municipality.id == solution_municipality.c.municipality_id)
        .where(regional, ~serves_its_province)
        .group_by(solution_municipality.c.municipality_id)
        .subquery()
    )
    total = nationwide + func.coalesce(per_province.c.solutions, 0) + func.coalesce(named.c.solutions, 0)
    return (
        select(Municipality.cbs_code, total)
        .outerjoin(per_province, per_province.c.province_id == Municipality.province_id)
        .outerjoin(named, named.c.municipality_id == Municipality.id)
    )


# What an export row or the API shows: the organisation with the page's own query, the
# collections in one query each.
LIST_LOADING: Sequence[ORMOption] = (
    joinedload(Solution.organisation),
    selectinload(Solution.theme_rows),
    selectinload(Solution.provinces),
    selectinload(Solution.municipalities),
)


def _listed(column, *where: ColumnElement[bool]):
    """SQL: the values of ``column`` in the rows of the current solution, joined by LISTED_APART."""
    joined = select(func.aggregate_strings(column, LISTED_APART)).where(*where).correlate(Solution)
    return func.coalesce(joined.scalar_subquery(), "")  # none is an empty list, not "not loaded"


# The lists of a solution's themes and service area, with the page's own query: one statement
# for a page of cards, not four.
_AREA_AND_THEMES: Sequence[ORMOption] = (
    with_expression(
        Solution.listed_themes, _listed(SolutionTheme.theme, SolutionTheme.solution_id == Solution.id)
    ),
    with_expression(
        Solution.listed_provinces,
        _listed(
            Province.name,
            solution_province.c.solution_id == Solution.id,
            solution_province.c.province_id == Province.id,
        ),
    ),
    with_expression(
        Solution.listed_municipalities,
        _listed(
            Municipality.name,
            solution_municipality.c.solution_id == Solution.id,
            solution_municipality.c.municipality_id == Municipality.id,
        ),
    ),
)

# What a card shows: the long texts stay in the database.
CARD_LOADING: Sequence[ORMOption] = (
    joinedload(Solution.organisation).load_only(Organisation.name),
    *_AREA_AND_THEMES,
    defer(Solution.description),
    defer(Solution.description_html),
    defer(Solution.description_text),
    defer(Solution.capacity),
    defer(Solution.certifications),
)

# What a solution's own page shows besides the solution, read with it in one statement.
PAGE_LOADING: Sequence[ORMOption] = (
    joinedload(Solution.organisation),
    *_AREA_AND_THEMES,
    joinedload(Solution.material_lines),
)


def list_query(
    user,
    filters: dict[str, Any],
    municipality: Municipality | None = None,
    *,
    loading: Sequence[ORMOption] = LIST_LOADING,
) -> Select:
    """Solutions ``user`` may see, narrowed by the list page's filters, newest first, loaded as
    ``loading`` says (:data:`CARD_LOADING` for pages of cards)."""
    query = select(Solution).where(permissions.visible_solutions(user)).options(*loading)
    if filters.get("organisation"):
        query = query.where(Solution.organisation_id == filters["organisation"])
    if filters.get("theme"):
        query = query.where(
            Solution.id.in_(select(SolutionTheme.solution_id).where(SolutionTheme.theme == filters["theme"]))
        )
    if municipality is not None or filters.get("province"):
        query = query.where(covering(municipality, filters.get("province")))
    if filters.get("status"):
        query = query.where(Solution.status == filters["status"])
    if filters.get("maturity"):
        query = query.where(Solution.maturity == filters["maturity"])
    return query.order_by(Solution.created_at.desc(), Solution.id.desc())
