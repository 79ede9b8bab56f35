"""The impact charts of the region dashboard, drawn like the other dashboard charts."""

from __future__ import annotations

import pygal
from flask_babel import gettext as _

from circular_platform import taxonomy
from circular_platform.demand.charts import CHART_OPTIONS, _render
from circular_platform.formats import format_number
from circular_platform.impact.figures import Impact


def _bars(title: str, labels: list[str], tonnes: list[float], co2: list[float]) -> bytes:
    chart = pygal.Bar(title=title, value_formatter=lambda v: format_number(round(v, 1)), **CHART_OPTIONS)
    chart.x_labels = labels
    chart.add(_("Ton hergebruikt"), [round(t, 1) for t in tonnes])
    chart.add(_("Ton CO2 vermeden"), [round(c, 1) for c in co2])
    return _render(chart)


def by_year(impact: Impact, region: str) -> bytes:
    sums = [impact.per_year[year] for year in impact.years]
    title = _("Hergebruik en vermeden CO2 in %(region)s per jaar", region=region)
    return _bars(
        title, [str(y) for y in impact.years], [s.tonnes for s in sums], [s.co2_tonnes for s in sums]
    )


def by_province(impact: Impact) -> bytes:
    names = sorted(impact.per_province)
    sums = [impact.per_province[n] for n in names]
    return _bars(_("Per provincie"), names, [s.tonnes for s in sums], [s.co2_tonnes for s in sums])


def by_theme(impact: Impact) -> bytes:
    themes = [t for t in taxonomy.THEMES if t in impact.per_theme]
    sums = [impact.per_theme[t] for t in themes]
    labels = [str(taxonomy.THEMES[t]) for t in themes]
    return _bars(_("Per thema"), labels, [s.tonnes for s in sums], [s.co2_tonnes for s in sums])
