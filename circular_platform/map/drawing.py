"""The outlines of the northern municipalities and provinces as SVG paths, and the shading classes.

The boundaries ship in ``circular_platform/data`` (CBS 2025, simplified, WGS84 longitude/latitude;
source and licence in its README). They are projected once per process: equirectangular, with
longitude scaled by the cosine of the middle latitude, which at 53° N keeps shapes within about
1% of true over the 110 km from south to north. SVG's y axis points down, so latitude is flipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

WIDTH = 640  # the viewBox width; the height follows from the shape of the north
MARGIN = 4
# ColorBrewer "Greens", the five darkest of six: sequential, safe for colour-blind readers and
# in greyscale. Zero is white and a municipality without a figure grey (hatched in the page).
PALETTE = ("#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c")
ZERO = "#ffffff"
MISSING = "#bdbdbd"

Ring = Sequence[Sequence[float]]


@dataclass(frozen=True)
class Area:
    cbs_code: str  # GM0106 or PV22
    name: str
    province: str  # the province's name; for a province its own
    path: str  # SVG path data in viewBox units


@dataclass(frozen=True)
class Outlines:
    width: int
    height: int
    municipalities: tuple[Area, ...]
    provinces: tuple[Area, ...]


@dataclass(frozen=True)
class Shade:
    """A class of the legend: figures from ``low`` to ``high`` are filled with ``colour``."""

    level: int  # 1 (lightest) to 5; 0 for zero, -1 for no figure
    low: int | None
    high: int | None
    colour: str


@cache
def outlines() -> Outlines:
    """Both layers projected into one viewBox (computed on first use, then kept)."""
    municipalities = _features("gemeenten_noord_2025.geojson")
    provinces = _features("provincies_noord_2025.geojson")
    points = [point for feature in municipalities for ring in _rings(feature) for point in ring]
    project, width, height = _projection(points)

    def area(feature: dict) -> Area:
        properties = feature["properties"]
        path = " ".join(_ring_path(ring, project) for ring in _rings(feature))
        return Area(properties["cbs_code"], properties["name"], properties.get("province", ""), path)

    return Outlines(
        width,
        height,
        tuple(area(f) for f in municipalities),
        tuple(area(f) for f in provinces),
    )


def _features(name: str) -> list[dict]:
    text = resources.files("circular_platform.data").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)["features"]


def _rings(feature: dict) -> Iterable[Ring]:
    geometry = feature["geometry"]
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield from polygon


def _projection(points: list[Sequence[float]]):
    """A function from (lon, lat) to viewBox (x, y), and the viewBox's width and height."""
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    stretch = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((east - west) * stretch)
    height = math.ceil((north - south) * scale) + 2 * MARGIN

    def project(lon: float, lat: float) -> tuple[float, float]:
        return MARGIN + (lon - west) * stretch * scale, MARGIN + (north - lat) * scale

    return project, WIDTH, height


def _ring_path(ring: Ring, project) -> str:
    xy = [project(lon, lat) for lon, lat in ring]
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z"


def shades(figures: Iterable[int | None]) -> list[Shade]:
    """Up to five classes of equal width from the smallest to the largest figure above zero; the
    largest is always in the darkest. With fewer than five distinct values in that range each gets
    its own class, spread over the palette. No figure above zero: no classes."""
    positive = [figure for figure in figures if figure]
    if not positive:
        return []
    smallest, span = min(positive), max(positive) - min(positive) + 1
    highs: dict[int, int] = {}  # upper bound -> palette index; a later (darker) index wins
    for index in range(len(PALETTE)):
        highs[smallest - 1 + math.ceil(span * (index + 1) / len(PALETTE))] = index
    result, low = [], smallest
    for high, index in sorted(highs.items()):
        if high >= low:
            result.append(Shade(index + 1, low, high, PALETTE[index]))
            low = high + 1
    return result


def shade_of(figure: int | None, classes: list[Shade]) -> Shade:
    if figure is None:
        return Shade(-1, None, None, MISSING)
    if figure == 0:
        return Shade(0, 0, 0, ZERO)
    return next(shade for shade in classes if shade.high is not None and figure <= shade.high)
