"""Server-side SVG charts (pygal), shown with ``<img>`` next to a table with the same numbers.

pygal always writes an inline ``<script>`` with its configuration; it is removed, so the SVG
holds no script at all. The SVG's inline ``<style>`` only applies inside the image.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from circular_platform.demand.figures import ALL_REGIONS, ProcurementMonitor, Quarter
from circular_platform.demand.supply import FutureSupply
from circular_platform.formats import format_number, format_share

_SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)
# Bootstrap's system font stack and the site's brand green first; the rest tell provinces apart.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    colors=("#1f5f3f", "#2a6fb0", "#c4651a", "#7a4fa0", "#555555"),
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    title_font_size=16,
)
# The target line in near-black, then the same colours as the other charts.
TARGET_FIRST = Style(**{**STYLE.to_dict(), "colors": ("#222222", *STYLE.colors)})
CHART_OPTIONS = {
    "style": STYLE,
    "js": [],
    "width": 800,
    "height": 400,
    "legend_at_bottom": True,
    "truncate_label": -1,
    "truncate_legend": -1,
    "disable_xml_declaration": False,
}


def _render(chart: pygal.graph.graph.Graph) -> bytes:
    return _SCRIPT.sub(b"", chart.render())


def demand_trend(quarters: Sequence[Quarter], region: str) -> bytes:
    """Line chart: open questions placed per quarter, and the running total up to each quarter."""
    chart = pygal.Line(
        title=_("Open vragen in %(region)s per kwartaal", region=region),
        show_minor_x_labels=False,
        **CHART_OPTIONS,
    )
    chart.x_labels = [q.label for q in quarters]
    chart.x_labels_major = [q.label for q in quarters if q.number == 1]
    chart.add(_("Geplaatst in het kwartaal"), [q.new.questions for q in quarters])
    chart.add(_("Opgeteld tot en met het kwartaal"), [q.open_at_end for q in quarters])
    return _render(chart)


def procurement_share(monitor: ProcurementMonitor) -> bytes:
    """Share of procurement with circular criteria per year and region, against the target path."""
    chart = pygal.Line(
        title=_("Aandeel circulaire aanbestedingen"),
        range=(0, 100),
        # A year without procurement has no share (None): a gap in the line, not a line across it.
        allow_interruptions=True,
        value_formatter=lambda value: format_share(value / 100),
        **{**CHART_OPTIONS, "style": TARGET_FIRST},
    )
    chart.x_labels = [str(year) for year in monitor.years]
    targets = [monitor.cell(year, ALL_REGIONS).target for year in monitor.years]
    chart.add(
        _("Streefwaarde"),
        [None if t is None else round(100 * t) for t in targets],
        stroke_style={"dasharray": "8, 6", "width": 3},
        show_dots=False,
    )
    for region in [ALL_REGIONS, *[r for r in monitor.regions if r != ALL_REGIONS]]:
        shares = [monitor.cell(year, region).share for year in monitor.years]
        chart.add(region, [None if s is None else round(100 * s) for s in shares])
    return _render(chart)


def supply_by_quarter(supply: FutureSupply, region: str) -> bytes:
    """Stacked bars: tonnes coming free per quarter, one colour per material group."""
    chart = pygal.StackedBar(
        title=_("Vrijkomende materialen in %(region)s, ton per kwartaal", region=region),
        value_formatter=lambda value: format_number(round(value, 1)),
        x_label_rotation=30,
        legend_at_bottom_columns=2,
        **{**CHART_OPTIONS, "height": 460, "truncate_legend": 40},  # the table has the full names
    )
    chart.x_labels = [q.label for q in supply.quarters]
    for group in supply.groups:
        if group.total.weighed:
            name = f"{group.code} {group.label}" if group.code else _("Zonder Euralcode")
            chart.add(
                name,
                [float(group.cells[q.key].tonnes) if q.key in group.cells else None for q in supply.quarters],
            )
    return _render(chart)
