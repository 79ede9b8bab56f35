"""The impact figures as CSV, one row per province, theme and year (``formats.write_csv``)."""

from __future__ import annotations

from circular_platform import taxonomy
from circular_platform.formats import csv_number, write_csv
from circular_platform.impact.figures import Impact


def impact_csv(region: str, impact: Impact) -> bytes:
    columns = [
        "regio",
        "provincie",
        "thema",
        "jaar",
        "ton_hergebruikt",
        "ton_co2_vermeden",
        "ton_nieuw_materiaal",
    ]
    rows = [
        [region, province, str(taxonomy.THEMES.get(theme, theme)), year]
        + [csv_number(sums.tonnes, 3), csv_number(sums.co2_tonnes, 3), csv_number(sums.new_tonnes, 3)]
        for (province, theme, year), sums in sorted(impact.rows.items())
    ]
    return write_csv(columns, rows)
