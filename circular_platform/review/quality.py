"""Matching quality from real use: what coordinators and owners did with the proposals.

A match counts in the month it was proposed and under the theme of its question. "Reached" a
pipeline stage means its status is at or past that stage now, or a logged event took it there
(a match that stopped after a pilot still counts as having reached the pilot).

Also the learned ranker's figures of its last fit (``flask matching learn``): nDCG@10 on the
newer judgements, without and with the ranker, and whether it is in use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree  # only serialises pygal's own SVG tree; parses nothing  # nosec B405

import pygal
from flask_babel import gettext as _
from pygal.style import Style
from sqlalchemy import ColumnElement, case, extract, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from circular_platform.formats import csv_number, format_number, write_csv
from circular_platform.models import Feedback, Match, MatchEvent, MatchStatus, Question
from circular_platform.taxonomy import THEMES

S = MatchStatus
STAGES = (S.PROPOSED, S.INTRODUCED, S.IN_TALKS, S.PILOT_OR_CONTRACT, S.COMPLETED)
_RANK = {status: rank for rank, status in enumerate(STAGES)}
_RANK.update({S.DISCONTINUED: _RANK[S.INTRODUCED], S.REJECTED: 0})


@dataclass
class Figures:
    label: str
    proposals: int = 0
    introduced: int = 0
    pilot: int = 0  # reached pilot of opdracht (or afgerond)
    interesting: int = 0  # owners' "interessant", both sides counted
    not_relevant: int = 0
    stages: list[int] = field(default_factory=lambda: [0] * len(STAGES))

    def add(self, furthest: int, feedback: Iterable[Feedback | None], count: int = 1) -> None:
        """``count`` proposals that reached stage ``furthest`` with this ``feedback``."""
        self.proposals += count
        self.introduced += count * (furthest >= _RANK[S.INTRODUCED])
        self.pilot += count * (furthest >= _RANK[S.PILOT_OR_CONTRACT])
        for rank in range(furthest + 1):
            self.stages[rank] += count
        for value in feedback:
            self.interesting += count * (value == Feedback.INTERESTING)
            self.not_relevant += count * (value == Feedback.NOT_RELEVANT)

    @property
    def introduced_share(self) -> float:
        """Percentage of proposals introduced, 0 without proposals."""
        return 100 * self.introduced / self.proposals if self.proposals else 0.0

    @property
    def pilot_share(self) -> float:
        return 100 * self.pilot / self.proposals if self.proposals else 0.0


@dataclass
class Learning:
    """The held-out figures of the last ``flask matching learn``: nDCG@10 on the newer judgements."""

    fitted_at: datetime
    judgements: int
    older: int
    newer: int
    queries: int
    baseline: float  # the matcher alone
    learned: float  # with the learned ranker
    in_use: bool
    reason: str


@dataclass
class Quality:
    total: Figures
    themes: list[Figures]
    months: list[Figures]  # "2026-11", oldest first
    learning: Learning | None = None


def learning() -> Learning | None:
    """The figures of the last fit, None when the ranker was never fitted."""
    from circular_platform.matches.store import store

    report = store().report()
    if "fitted_at" not in report:
        return None
    return Learning(
        fitted_at=datetime.fromisoformat(report["fitted_at"]),
        judgements=int(report["judgements"]),
        older=int(report["older"]),
        newer=int(report["newer"]),
        queries=int(report["queries"]),
        baseline=float(report["baseline"]),
        learned=float(report["learned"]),
        in_use=bool(report["in_use"]),
        reason=str(report["reason"]),
    )


def _rank_of(status: InstrumentedAttribute[MatchStatus]) -> ColumnElement[int]:
    return case(*((status == key, rank) for key, rank in _RANK.items()), else_=0)


def quality(session: Session) -> Quality:
    """The figures, counted by the database in groups: reading a million matches as objects took
    over a minute."""
    logged = (
        select(MatchEvent.match_id, func.max(_rank_of(MatchEvent.to_status)).label("furthest"))
        .group_by(MatchEvent.match_id)
        .subquery()
    )
    year, month = extract("year", Match.created_at), extract("month", Match.created_at)
    keys = (Question.theme, year, month, Match.status, Match.question_feedback, Match.solution_feedback)
    query = (
        select(*keys, logged.c.furthest, func.count())
        .select_from(Match)
        .join(Question, Question.id == Match.question_id)
        .outerjoin(logged, logged.c.match_id == Match.id)
        .group_by(*keys, logged.c.furthest)
    )
    total = Figures(_("Totaal"))
    themes = {key: Figures(str(label)) for key, label in THEMES.items()}
    months: dict[str, Figures] = {}
    for theme, in_year, in_month, status, *feedback, furthest_logged, count in session.execute(query):
        furthest = max(_RANK[status], furthest_logged or 0)
        month_key = f"{int(in_year):04d}-{int(in_month):02d}"
        for figures in (
            total,
            themes.setdefault(theme, Figures(theme)),
            months.setdefault(month_key, Figures(month_key)),
        ):
            figures.add(furthest, feedback, count)
    return Quality(total, list(themes.values()), [months[key] for key in sorted(months)], learning())


# -- exports -------------------------------------------------------------------------------------


def _percent(value: float) -> str:
    return csv_number(value, 1)


def quality_csv(figures: Quality) -> bytes:
    header = [
        _("Indeling"),
        _("Groep"),
        _("Voorstellen"),
        str(S.INTRODUCED.label),
        _("Geïntroduceerd (%)"),
        str(S.PILOT_OR_CONTRACT.label),
        _("Pilot of opdracht (%)"),
        str(Feedback.INTERESTING.label),
        str(Feedback.NOT_RELEVANT.label),
    ]
    groups = [(_("Thema"), f) for f in figures.themes] + [(_("Maand"), f) for f in figures.months]
    groups.append((_("Totaal"), figures.total))
    rows = (
        [
            kind,
            f.label,
            f.proposals,
            f.introduced,
            _percent(f.introduced_share),
            f.pilot,
            _percent(f.pilot_share),
        ]
        + [f.interesting, f.not_relevant]
        for kind, f in groups
    )
    return write_csv(header, rows)


def funnel_csv(figures: Quality) -> bytes:
    proposals = figures.total.proposals
    rows = (
        [str(stage.label), count, _percent(100 * count / proposals if proposals else 0.0)]
        for stage, count in zip(STAGES, figures.total.stages, strict=True)
    )
    return write_csv([_("Fase"), _("Aantal matches"), _("Aandeel van de voorstellen (%)")], rows)


def funnel_svg(figures: Quality) -> bytes:
    """A bar per stage with its count, without any script: the SVG is an image, shown with ``<img>``.

    The bars are on a logarithmic scale (log(count + 1), so 0 stays 0): a few introductions next to
    hundreds of proposals would otherwise be a hairline. The printed numbers are the real counts,
    and the value axis, which would read as counts, is hidden.
    """
    style = Style(
        background="white",
        plot_background="white",
        colors=("#1f5f3f",),
        font_family="system-ui, sans-serif",
        label_font_size=14,
        value_font_size=14,
        major_label_font_size=14,
    )
    chart = pygal.HorizontalBar(
        style=style,
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        show_x_labels=False,  # in a HorizontalBar, x is the value axis
        show_x_guides=False,
        range=(0, math.log10(max(figures.total.stages, default=0) + 1) * 1.1 or 1),  # room for the number
        print_values=True,
        print_values_position="top",
        width=800,
        height=320,
        margin=16,
    )
    # HorizontalBar draws the first value at the bottom; the funnel reads from the top.
    chart.x_labels = [str(stage.label) for stage in reversed(STAGES)]
    chart.add(_("Matches"), [_funnel_bar(count) for count in reversed(figures.total.stages)])
    tree = chart.render_tree()
    for defs in tree.iter("defs"):
        for script in defs.findall("script"):  # pygal's config script, written even with js=[]
            defs.remove(script)
    return ElementTree.tostring(tree, encoding="utf-8", xml_declaration=False)


def _funnel_bar(count: int) -> dict:
    return {"value": math.log10(count + 1), "formatter": lambda _value: format_number(count)}
