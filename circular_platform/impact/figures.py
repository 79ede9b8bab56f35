"""Tonnes reused and CO2 avoided by completed deals, per province, theme and year.

A deal counts in the year its match became "afgerond" (the log's move to that status), in the
province and theme of its question. Lines marked ``new_material`` count only in the share of
secondary material; products without a weight count in no tonnes at all. A tonne reused avoids
the primary production factor minus the re-use factor of its group; a group without a re-use
factor counts in the tonnes but avoids no CO2.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from circular_platform.demand.figures import Scope
from circular_platform.impact.factors import Factor, factors
from circular_platform.models import (
    ExchangeLine,
    Match,
    MatchEvent,
    MatchStatus,
    Municipality,
    Province,
    Question,
)

CONSTRUCTION = "bouw"
SECONDARY_GOAL_2030 = 0.5  # the national goal: 50% reuse of raw materials in 2030


@dataclass
class Sums:
    tonnes: float = 0.0
    co2_kg: float = 0.0
    new_tonnes: float = 0.0  # new material recorded for the same deals

    @property
    def co2_tonnes(self) -> float:
        return self.co2_kg / 1000

    @property
    def secondary_share(self) -> float | None:
        whole = self.tonnes + self.new_tonnes
        return self.tonnes / whole if whole else None

    def add(self, tonnes: float, co2_kg: float, new: bool) -> None:
        if new:
            self.new_tonnes += tonnes
        else:
            self.tonnes += tonnes
            self.co2_kg += co2_kg


@dataclass
class Impact:
    total: Sums = field(default_factory=Sums)
    per_province: dict[str, Sums] = field(default_factory=lambda: defaultdict(Sums))
    per_theme: dict[str, Sums] = field(default_factory=lambda: defaultdict(Sums))
    per_year: dict[int, Sums] = field(default_factory=lambda: defaultdict(Sums))
    rows: dict[tuple[str, str, int], Sums] = field(default_factory=lambda: defaultdict(Sums))
    construction: Sums = field(default_factory=Sums)
    deals: int = 0
    without_weight: int = 0  # product lines without a weight per product
    adjusted: list[Factor] = field(default_factory=list)  # changed factors used in these figures
    without_reuse_factor: list[Factor] = field(default_factory=list)  # groups whose tonnes avoid no CO2 here

    @property
    def years(self) -> list[int]:
        return sorted(self.per_year)


def _completed_year():
    """The year each completed match reached "afgerond", from its log."""
    year = func.min(MatchEvent.created_at)
    return (
        select(MatchEvent.match_id, year.label("completed_at"))
        .where(MatchEvent.to_status == MatchStatus.COMPLETED)
        .group_by(MatchEvent.match_id)
        .subquery()
    )


def impact(session: Session, scope: Scope) -> Impact:
    completed = _completed_year()
    query = (
        select(ExchangeLine, Province.name, Question.theme, completed.c.completed_at, Match.updated_at)
        .join(Match, ExchangeLine.match_id == Match.id)
        .join(Question, Match.question_id == Question.id)
        .join(Municipality, Question.municipality_id == Municipality.id)
        .join(Province, Municipality.province_id == Province.id)
        .outerjoin(completed, completed.c.match_id == Match.id)
        .where(Match.status == MatchStatus.COMPLETED, *scope.conditions())
    )
    by_group = factors(session)
    result = Impact()
    deals, reused = set(), set()
    for line, province, theme, completed_at, updated_at in session.execute(query):
        tonnes = line.weight_tonnes
        if tonnes is None:
            result.without_weight += 1
            continue
        co2_kg = avoided_kg(by_group[line.material_group], tonnes) or 0.0
        year = (completed_at or updated_at).year
        for sums in _sums_for(result, province, theme, year):
            sums.add(tonnes, co2_kg, line.new_material)
        deals.add(line.match_id)
        if not line.new_material:  # new material avoids nothing, whatever its factors
            reused.add(line.material_group)
    result.deals = len(deals)
    result.adjusted = [f for group, f in by_group.items() if f.adjusted and group in reused]
    result.without_reuse_factor = [f for g, f in by_group.items() if f.reuse is None and g in reused]
    return result


def _sums_for(result: Impact, province: str, theme: str, year: int) -> list[Sums]:
    sums = [result.total, result.per_province[province], result.per_theme[theme], result.per_year[year]]
    sums.append(result.rows[(province, theme, year)])
    if theme == CONSTRUCTION:
        sums.append(result.construction)
    return sums


def avoided_kg(factor: Factor, tonnes: float) -> float | None:
    """CO2 avoided by reusing ``tonnes``; None when the source has no re-use figure: no saving claimed."""
    per_tonne = factor.avoided_per_tonne
    return None if per_tonne is None else tonnes * per_tonne


@dataclass(frozen=True)
class LineFigure:
    line: ExchangeLine
    factor: Factor
    co2_kg: float | None  # None: no weight, or new material


def deal_impact(session: Session, lines: list[ExchangeLine]) -> tuple[Sums, list[LineFigure]]:
    """One deal's exchanged lines with the CO2 each avoided, and their sums, counted as the
    dashboard counts them."""
    by_group = factors(session)
    sums, figures = Sums(), []
    for line in lines:
        factor, tonnes = by_group[line.material_group], line.weight_tonnes
        co2_kg = avoided_kg(factor, tonnes) if tonnes is not None and not line.new_material else None
        if tonnes is not None:
            sums.add(tonnes, co2_kg or 0.0, line.new_material)
        figures.append(LineFigure(line, factor, co2_kg))
    return sums, figures
