"""The numbers of the region dashboard and the circular procurement monitor.

Open demand means the questions in ``OPEN_DEMAND``: published and not yet finished or withdrawn;
the procurement monitor counts every published question (``PUBLISHED_QUESTIONS``). Quantities
are summed per unit only (woningen never add up with m²).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, case, distinct, extract, func, select
from sqlalchemy.orm import QueryableAttribute, Session, joinedload, selectinload

from circular_platform import taxonomy
from circular_platform.models import OPEN_DEMAND, PUBLISHED_QUESTIONS, Municipality, Province, Question

# The national target path for circular procurement (Rijksbreed programma Circulaire Economie).
TARGETS = {2019: 0.10, 2020: 0.20, 2021: 0.40, 2022: 0.80}
FULL_TARGET_FROM = 2023
ALL_REGIONS = "Noord-Nederland"


@dataclass(frozen=True)
class Scope:
    """A region (none, a province or a municipality) and optionally a theme."""

    province: Province | None = None
    municipality: Municipality | None = None
    theme: str | None = None

    @property
    def region_name(self) -> str:
        return str(self.municipality or self.province or ALL_REGIONS)

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = []
        if self.municipality is not None:
            conditions.append(Question.municipality_id == self.municipality.id)
        elif self.province is not None:
            region = select(Municipality.id).where(Municipality.province_id == self.province.id)
            conditions.append(Question.municipality_id.in_(region))
        if self.theme:
            conditions.append(Question.theme == self.theme)
        return conditions


@dataclass(frozen=True)
class Quantity:
    unit: str  # a key of taxonomy.UNITS
    total: Decimal
    questions: int
    organisations: int

    @property
    def unit_label(self) -> str:
        return str(taxonomy.UNITS.get(self.unit, self.unit))


@dataclass(frozen=True)
class Demand:
    """A set of questions summarised: how many, by how many organisations, how much per unit."""

    questions: int
    organisations: int
    quantities: list[Quantity]
    without_quantity: int  # questions that name no quantity or unit


def summarise(questions: Iterable[Question]) -> Demand:
    questions = list(questions)
    by_unit: dict[str, list[Question]] = defaultdict(list)
    for question in questions:
        if question.quantity is not None and question.unit:
            by_unit[question.unit].append(question)
    quantities = [
        Quantity(unit, sum((q.quantity or Decimal(0) for q in qs), Decimal(0)), len(qs), _organisations(qs))
        for unit, qs in by_unit.items()
    ]
    quantities.sort(key=lambda q: (-q.organisations, -q.questions, q.unit))
    counted = sum(len(qs) for qs in by_unit.values())
    return Demand(len(questions), _organisations(questions), quantities, len(questions) - counted)


def _organisations(questions: Iterable[Question]) -> int:
    return len({q.organisation_id for q in questions})


def open_questions(session: Session, scope: Scope, newest: int | None = None) -> list[Question]:
    """The open questions in ``scope``, oldest first; only the ``newest`` ones when given. Loaded
    with what their matcher documents read (place, material lines): one query each, not per question."""
    query = (
        select(Question)
        .options(
            joinedload(Question.organisation),
            joinedload(Question.municipality).joinedload(Municipality.province),
            selectinload(Question.material_lines),
        )
        .where(Question.status.in_(OPEN_DEMAND), *scope.conditions())
        .order_by(Question.created_at.desc(), Question.id.desc())
        .limit(newest)
    )
    return list(session.scalars(query))[::-1]


def demand_by(
    session: Session, scope: Scope, *keys: ColumnElement | QueryableAttribute
) -> dict[tuple, Demand]:
    """The open demand in ``scope`` per value of ``keys`` (none: one total under ``()``), counted by
    the database from ix_question_demand alone: the region dashboard summarises thousands of
    questions without loading them."""
    where = [Question.status.in_(OPEN_DEMAND), *scope.conditions()]
    organisations = func.count(distinct(Question.organisation_id))
    measured = (
        select(*keys, Question.unit, func.sum(Question.quantity), func.count(), organisations)
        .where(*where, Question.quantity.is_not(None), Question.unit.is_not(None))
        .group_by(*keys, Question.unit)
    )
    quantities: dict[tuple, list[Quantity]] = defaultdict(list)
    for *key, unit, total, questions, organisations_count in session.execute(measured):
        quantities[tuple(key)].append(Quantity(unit, Decimal(total), questions, organisations_count))
    counted = select(*keys, func.count(), organisations).where(*where).group_by(*keys)
    demand = {}
    for *key, questions, organisations_count in session.execute(counted):
        found = sorted(quantities[tuple(key)], key=lambda q: (-q.organisations, -q.questions, q.unit))
        counted_apart = questions - sum(q.questions for q in found)
        demand[tuple(key)] = Demand(questions, organisations_count, found, counted_apart)
    return demand


def total_demand(session: Session, scope: Scope) -> Demand:
    return demand_by(session, scope).get((), Demand(0, 0, [], 0))


def demand_per_theme(session: Session, scope: Scope) -> list[tuple[str, Demand]]:
    """(theme key, demand) in the order of taxonomy.THEMES, themes without questions left out."""
    by_theme = demand_by(session, scope, Question.theme)
    return [(theme, by_theme[(theme,)]) for theme in taxonomy.THEMES if (theme,) in by_theme]


# -- quarters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4
    new: Demand  # open questions placed in this quarter
    open_at_end: int  # open questions placed up to the end of this quarter

    @property
    def label(self) -> str:
        return f"{self.year} K{self.number}"


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarters(session: Session, scope: Scope, today: date) -> list[Quarter]:
    """Every quarter from the first question's to today's, counting questions that are open now."""
    year = extract("year", Question.created_at)
    month = extract("month", Question.created_at)
    quarter = case((month <= 3, 1), (month <= 6, 2), (month <= 9, 3), else_=4)
    counted = demand_by(session, scope, year, quarter)
    by_quarter = {(int(y), int(q)): demand for (y, q), demand in counted.items()}
    if not by_quarter:
        return []
    rows, running = [], 0
    for key in _quarter_range(min(by_quarter), quarter_of(today)):
        new = by_quarter.get(key, Demand(0, 0, [], 0))
        running += new.questions
        rows.append(Quarter(key[0], key[1], new, running))
    return rows


def _quarter_range(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    year, number = first
    keys = []
    while (year, number) <= last:
        keys.append((year, number))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return keys


# -- circular procurement ----------------------------------------------------------------------


def target(year: int) -> float | None:
    """The target share of procurement with circular criteria; None before 2019."""
    return 1.0 if year >= FULL_TARGET_FROM else TARGETS.get(year)


@dataclass(frozen=True)
class ProcurementYear:
    year: int
    region: str  # a province's name, or ALL_REGIONS for the total
    procurements: int
    circular: int  # procurements with circular criteria

    @property
    def share(self) -> float | None:
        """None when there was no procurement: no share, rather than 0%."""
        return self.circular / self.procurements if self.procurements else None

    @property
    def target(self) -> float | None:
        return target(self.year)


@dataclass
class ProcurementMonitor:
    years: list[int]
    regions: list[str]  # provinces with procurement questions, then ALL_REGIONS
    cells: dict[tuple[int, str], ProcurementYear] = field(default_factory=dict)

    def cell(self, year: int, region: str) -> ProcurementYear:
        return self.cells.get((year, region)) or ProcurementYear(year, region, 0, 0)

    def rows(self) -> list[ProcurementYear]:
        return [self.cell(year, region) for year in self.years for region in self.regions]


def procurement_monitor(session: Session, today: date) -> ProcurementMonitor:
    """Per year of placing and province: procurement questions and how many carry circular criteria."""
    query = (
        select(Question.created_at, Province.name, Question.has_circular_criteria)
        .join(Question.municipality)
        .join(Municipality.province)
        .where(Question.is_procurement.is_(True), Question.status.in_(PUBLISHED_QUESTIONS))
    )
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for created_at, province, circular in session.execute(query):
        for region in (province, ALL_REGIONS):
            counts[created_at.year, region][0] += 1
            counts[created_at.year, region][1] += int(circular)
    first = min([year for year, _ in counts] + [min(TARGETS)])
    provinces = sorted({region for _, region in counts} - {ALL_REGIONS})
    monitor = ProcurementMonitor(list(range(first, today.year + 1)), [*provinces, ALL_REGIONS])
    monitor.cells = {key: ProcurementYear(key[0], key[1], n, c) for key, (n, c) in counts.items()}
    return monitor
