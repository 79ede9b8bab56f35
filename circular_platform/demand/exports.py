"""CSV files of the dashboard, monitor and bundle tables, for Dutch Excel.

``;``-separated UTF-8 with a byte order mark (as the question export), decimal comma and no
thousands separator, so Excel reads every number as a number. Missing shares are left empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from circular_platform import taxonomy
from circular_platform.demand.figures import Demand, ProcurementMonitor, Quarter
from circular_platform.models import DemandBundle
from circular_platform.transfer.csvfile import write_rows


def decimal_comma(value: Decimal | float | int | None, places: int | None = None) -> str:
    """``1234,5`` for 1234.5; an empty cell for None."""
    if value is None:
        return ""
    if places is not None:
        text = f"{value:.{places}f}"
    else:
        text = format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",")


def _share(value: float | None) -> str:
    return decimal_comma(None if value is None else 100 * value, 1)


def demand_csv(region: str, rows: Sequence[tuple[str, Demand]]) -> bytes:
    """One row per theme and unit; a theme's questions without quantity get a row without unit."""
    columns = ["regio", "thema", "eenheid", "hoeveelheid", "vragen", "organisaties"]
    out = []
    for theme, demand in rows:
        theme_label = str(taxonomy.THEMES.get(theme, theme))
        for quantity in demand.quantities:
            values = [region, theme_label, quantity.unit_label, decimal_comma(quantity.total)]
            out.append(dict(zip(columns, [*values, quantity.questions, quantity.organisations], strict=True)))
        if demand.without_quantity:
            values = [region, theme_label, "", "", demand.without_quantity, ""]
            out.append(dict(zip(columns, values, strict=True)))
    return write_rows(columns, out)


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
    return write_rows(columns, rows)


def _quantities(demand: Demand) -> str:
    return ", ".join(f"{decimal_comma(q.total)} {q.unit_label}" for q in demand.quantities)


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
    return write_rows(columns, rows)


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
    return write_rows(columns, rows)
