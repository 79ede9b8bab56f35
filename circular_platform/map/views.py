from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from circular_platform.db import db
from circular_platform.map import drawing, measures
from circular_platform.models import Municipality

bp = Blueprint("map", __name__, url_prefix="/map")


@dataclass(frozen=True)
class Region:
    """A municipality on the map: its outline, its figure (None when it is not in the database) and
    the link to its list (None likewise)."""

    area: drawing.Area
    figure: int | None
    shade: drawing.Shade
    link: str | None


@bp.get("/")
def show_map():
    measure = measures.chosen(request.args.get("measure"))
    regions, classes = shaded_regions(measure)
    return render_template(
        "map/index.html",
        measure=measure,
        measures=measures.MEASURES.values(),
        outlines=drawing.outlines(),
        regions=regions,
        classes=classes,
        missing=any(r.figure is None for r in regions),
        zero_colour=drawing.ZERO,
        missing_colour=drawing.MISSING,
    )


def shaded_regions(measure: measures.Measure) -> tuple[list[Region], list[drawing.Shade]]:
    """Every municipality of the map with the current user's figure, and the legend's classes."""
    counts = measure.count(db.session, current_user)
    known = {m.cbs_code: m for m in db.session.scalars(select(Municipality))}
    areas = drawing.outlines().municipalities
    figures = {a.cbs_code: counts.get(a.cbs_code, 0) if a.cbs_code in known else None for a in areas}
    classes = drawing.shades(figures.values())
    regions = [
        Region(
            area,
            figures[area.cbs_code],
            drawing.shade_of(figures[area.cbs_code], classes),
            measure.link(known[area.cbs_code]) if area.cbs_code in known else None,
        )
        for area in areas
    ]
    return regions, classes
