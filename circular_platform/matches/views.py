"""Owners' feedback on proposed matches: "interessant" or "niet relevant"."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from flask import Blueprint, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.matches.forms import FeedbackForm
from circular_platform.matches.services import give_feedback, strength_of, thresholds
from circular_platform.models import Feedback, Match
from matching.explain import GOOD, POSSIBLE, STRONG
from matching.search import display

bp = Blueprint("matches", __name__, url_prefix="/matches")


@bp.post("/<int:match_id>/feedback")
@login_required
def feedback(match_id: int):
    match = db.session.get(Match, match_id) or abort(404)
    side = permissions.feedback_side(current_user, match)
    permissions.require(side is not None)
    form = FeedbackForm()
    if not form.validate():
        abort(400)
    give_feedback(db.session, match, str(side), Feedback(form.feedback.data), current_user)
    db.session.commit()
    flash(_("Dank u: uw oordeel helpt de coördinatoren en verbetert de suggesties."), "success")
    if side == "question":
        return redirect(url_for("questions.detail", question_id=match.question_id, _anchor="suggesties"))
    return redirect(url_for("solutions.detail", solution_id=match.solution_id, _anchor="suggesties"))


# -- showing explanations -----------------------------------------------------------------------


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with the words that explain a match in ``<mark>`` (the search's rule)."""
    return _highlighted(text, tuple(terms))


@lru_cache(maxsize=4096)
def _highlighted(text: str, terms: tuple[str, ...]) -> Markup:
    """Cached: the same cards (a title or summary with its match's terms) come back on every view,
    and stemming each of their words costs more than the rest of a card."""
    fragments = display.highlight(text, terms)
    html = "".join(f"<mark>{escape(part)}</mark>" if marked else escape(part) for part, marked in fragments)
    return Markup(html)  # nosec B704 - every part is escaped above


STRENGTH_LABELS = {STRONG: _l("Sterke match"), GOOD: _l("Goede match"), POSSIBLE: _l("Mogelijke match")}


def strength_label(score: float) -> str:
    """ "Sterke match", "Goede match" or "Mogelijke match" for a stored score, instead of a percentage.
    The thresholds are read once per request: a page labels up to 25 cards."""
    if "strength_thresholds" not in g:
        g.strength_thresholds = thresholds()
    return str(STRENGTH_LABELS[strength_of(score, g.strength_thresholds)])


def bridge(pair: Iterable[str]) -> str:
    """A concept linking two different words, both shown: "hennep ≈ biobased isolatie"."""
    return " ≈ ".join(pair)
