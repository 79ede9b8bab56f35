"""Future supply for coordinators: what building passports release per quarter and material group
over the coming three years, in tonnes where the unit allows.

A line comes free on its own available-from date, else on the planned intervention of its building.
Groups are Eural sub-chapters (``17 01``), as on the passport page; tonnes are converted as there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from circular_platform import permissions
from circular_platform.demand.figures import Scope, quarter_of
from circular_platform.formats import display_quarter
from circular_platform.materials.services import eural_entry, eural_group_label
from circular_platform.models import BuildingPassport, MaterialLine, Municipality
from circular_platform.passports.inventory import NO_GROUP, tonnes

QUARTERS_AHEAD = 12  # three years, starting with the current quarter

QuarterKey = tuple[int, int]  # (2027, 1)


@dataclass
class Cell:
    tonnes: Decimal = Decimal(0)
    lines: int = 0
    without_weight: int = 0  # lines in m², m or pieces, or without a quantity: not in the tonnes
    buildings: set[int] = field(default_factory=set)

    @property
    def weighed(self) -> bool:
        return self.lines > self.without_weight


@dataclass
class GroupRow:
    code: str  # "17 01", or NO_GROUP
    label: str
    cells: dict[QuarterKey, Cell] = field(default_factory=lambda: defaultdict(Cell))
    total: Cell = field(default_factory=Cell)


@dataclass(frozen=True)
class SupplyQuarter:
    year: int
    number: int

    @property
    def key(self) -> QuarterKey:
        return self.year, self.number

    @property
    def label(self) -> str:
        return display_quarter(self.year, self.number)


@dataclass
class FutureSupply:
    quarters: list[SupplyQuarter]
    groups: list[GroupRow]
    per_quarter: dict[QuarterKey, Cell]
    total: Cell

    @property
    def buildings(self) -> int:
        return len(self.total.buildings)


def coming_quarters(today: date, count: int = QUARTERS_AHEAD) -> list[SupplyQuarter]:
    year, number = quarter_of(today)
    quarters = []
    for _ in range(count):
        quarters.append(SupplyQuarter(year, number))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return quarters


def future_supply(session: Session, scope: Scope, user: permissions.AnyUser, today: date) -> FutureSupply:
    """The material lines of passports ``user`` may see that come free in the coming quarters."""
    quarters = coming_quarters(today)
    groups: dict[str, GroupRow] = {}
    per_quarter: dict[QuarterKey, Cell] = defaultdict(Cell)
    total = Cell()
    for line, day in released_lines(session, scope, user, quarters):
        code = material_group(line)
        entry = eural_entry(line.eural_code)
        row = groups.setdefault(code, GroupRow(code, eural_group_label(entry)))
        key = quarter_of(day)
        for cell in (row.cells[key], row.total, per_quarter[key], total):
            _add(cell, line)
    ordered = sorted(groups.values(), key=lambda g: (g.code == NO_GROUP, g.code))
    return FutureSupply(quarters, ordered, per_quarter, total)


def released_lines(
    session: Session, scope: Scope, user: permissions.AnyUser, quarters: list[SupplyQuarter]
) -> list[tuple[MaterialLine, date]]:
    """Lines of passports ``user`` may see in ``scope`` with the day they come free within
    ``quarters``, their passport loaded; in the order they were registered."""
    first = date(quarters[0].year, 3 * quarters[0].number - 2, 1)
    last = quarters[-1]
    end = date(last.year + 1, 1, 1) if last.number == 4 else date(last.year, 3 * last.number + 1, 1)
    release = func.coalesce(MaterialLine.from_date, BuildingPassport.intervention_date)
    query = (
        select(MaterialLine, release)
        .join(MaterialLine.passport)
        .options(contains_eager(MaterialLine.passport))
        .where(
            BuildingPassport.intervention.is_not(None),
            release >= first,
            release < end,
            permissions.visible_passports(user),
            *_region(scope),
        )
        .order_by(MaterialLine.id)
    )
    return [(line, day) for line, day in session.execute(query)]


def material_group(line: MaterialLine) -> str:
    """The line's Eural sub-chapter (``17 02``), or NO_GROUP."""
    entry = eural_entry(line.eural_code)
    return entry.group if entry else NO_GROUP


def line_release(line: MaterialLine) -> date | None:
    """When a passport's line comes free: its own date, else its building's intervention."""
    return line.from_date or (line.passport.intervention_date if line.passport else None)


def _region(scope: Scope) -> list:
    if scope.municipality is not None:
        return [BuildingPassport.municipality_id == scope.municipality.id]
    if scope.province is not None:
        region = select(Municipality.id).where(Municipality.province_id == scope.province.id)
        return [BuildingPassport.municipality_id.in_(region)]
    return []


def _add(cell: Cell, line: MaterialLine) -> None:
    weight = tonnes(line)
    cell.lines += 1
    cell.buildings.add(line.passport_id or 0)
    if weight is None:
        cell.without_weight += 1
    else:
        cell.tonnes += weight
