"""CSV files of the dashboard, monitor and bundle tables, for Dutch Excel.

Written by ``formats.write_csv``, as the question export, so Excel reads every number as a
number and runs no formula. Missing shares are left empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from circular_platform import taxonomy
from circular_platform.demand.figures import Demand, ProcurementMonitor, Quarter
from circular_platform.demand.supply import Cell, FutureSupply
from circular_platform.formats import csv_number, write_csv
from circular_platform.models import DemandBundle, SupplyBundle
from circular_platform.supply.services import Summary


def _share(value: float | None) -> str:
    return csv_number(None if value is None else 100 * value, 1)


def demand_csv(region: str, rows: Sequence[tuple[str, Demand]]) -> bytes:
    """One row per theme and unit; a theme's questions without quantity get a row without unit."""
    columns = ["regio", "thema", "eenheid", "hoeveelheid", "vragen", "organisaties"]
    out = []
    for theme, demand in rows:
        theme_label = str(taxonomy.THEMES.get(theme, theme))
        for quantity in demand.quantities:
            values = [region, theme_label, quantity.unit_label, quantity.total]
            out.append(dict(zip(columns, [*values, quantity.questions, quantity.organisations], strict=True)))
        if demand.without_quantity:
            values = [region, theme_label, "", "", demand.without_quantity, ""]
            out.append(dict(zip(columns, values, strict=True)))
    return write_csv(columns, out)


def quarters_csv(region: str, quarters: Sequence[Quarter]) -> bytes:
    columns = [
        "regio",
        "kwartaal",
        "geplaatst_en_nog_open",
        "organisaties",
        "opgeteld_nog_open",
        "hoeveelheden",
    ]
    rows = [
        dict(
            zip(
                columns,
                [region, q.label, q.new.questions, q.new.organisations, q.open_at_end, _quantities(q.new)],
                strict=True,
            )
        )
        for q in quarters
    ]
    return write_csv(columns, rows)


def _quantities(demand: Demand) -> str:
    return ", ".join(f"{csv_number(q.total)} {q.unit_label}" for q in demand.quantities)


def procurement_csv(monitor: ProcurementMonitor) -> bytes:
    columns = [
        "jaar",
        "regio",
        "aanbestedingen",
        "met_circulaire_criteria",
        "aandeel_procent",
        "streefwaarde_procent",
    ]
    rows = [
        dict(
            zip(
                columns,
                [c.year, c.region, c.procurements, c.circular, _share(c.share), _share(c.target)],
                strict=True,
            )
        )
        for c in monitor.rows()
    ]
    return write_csv(columns, rows)


def bundles_csv(bundles: Sequence[tuple[DemandBundle, Demand]]) -> bytes:
    columns = ["bundel", "status", "thema", "vragen", "organisaties", "hoeveelheden"]
    rows = [
        dict(
            zip(
                columns,
                [
                    bundle.label,
                    str(bundle.status.label),
                    str(taxonomy.THEMES.get(bundle.theme or "", "")),
                    demand.questions,
                    demand.organisations,
                    _quantities(demand),
                ],
                strict=True,
            )
        )
        for bundle, demand in bundles
    ]
    return write_csv(columns, rows)


def supply_bundles_csv(bundles: Sequence[tuple[SupplyBundle, Summary]]) -> bytes:
    """A row per supply bundle as the future-supply view lists them; months as ``2027-03``."""
    columns = ["bundel", "status", "materiaalgroep", "regio", "ton", "regels_zonder_gewicht", "gebouwen"]
    columns += ["eigenaren", "eerste_vrijkomst", "laatste_vrijkomst"]
    rows = [
        [
            bundle.label,
            str(bundle.status.label),
            bundle.material_group,
            str(bundle.municipality or bundle.province),
            csv_number(summary.tonnes, 1),
            summary.without_weight,
            len(summary.buildings),
            ", ".join(owner.name for owner in summary.owners),
            _month(summary.first),
            _month(summary.last),
        ]
        for bundle, summary in bundles
    ]
    return write_csv(columns, rows)


def _month(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else ""


def supply_csv(region: str, supply: FutureSupply) -> bytes:
    """The future-supply table as shown: a row per material group and a total row, tonnes per
    quarter (``2027-K2``); a quarter with only lines without weight is left empty, as its lines
    are counted in the last column."""
    quarters = [f"{q.year}-K{q.number}" for q in supply.quarters]
    columns = ["regio", "materiaalgroep", "omschrijving", *quarters, "totaal_ton", "regels_zonder_gewicht"]
    rows = [
        [region, group.code, group.label, *_tonnes_per_quarter(supply, group.cells), *_total(group.total)]
        for group in supply.groups
    ]
    total = _tonnes_per_quarter(supply, supply.per_quarter)
    rows.append([region, "", "Totaal", *total, *_total(supply.total)])
    return write_csv(columns, rows)


def _tonnes_per_quarter(supply: FutureSupply, cells: Mapping[tuple[int, int], Cell]) -> list[str]:
    return [_tonnes(cells[q.key]) if q.key in cells else "" for q in supply.quarters]


def _tonnes(cell: Cell) -> str:
    return csv_number(cell.tonnes, 1) if cell.weighed else ""


def _total(cell: Cell) -> list[object]:
    return [_tonnes(cell), cell.without_weight]
