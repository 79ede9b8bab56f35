"""Owners' feedback on proposed matches: "interessant" or "niet relevant"."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.matches.forms import FeedbackForm
from circular_platform.matches.services import give_feedback
from circular_platform.models import Feedback, Match
from matching.analysis import stem, token_words, tokens

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
    give_feedback(db.session, match, side, Feedback(form.feedback.data), current_user)
    db.session.commit()
    flash(_("Dank u: uw oordeel helpt de coördinatoren en verbetert de suggesties."), "success")
    if side == "question":
        return redirect(url_for("questions.detail", question_id=match.question_id, _anchor="suggesties"))
    return redirect(url_for("solutions.detail", solution_id=match.solution_id, _anchor="suggesties"))


# -- showing explanations -----------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _shares_stem(word_stem: str, stems: set[str]) -> bool:
    """The same stem, or a compound containing one (``hennepvezel`` for ``hennep``)."""
    return word_stem in stems or any(len(s) >= 4 and s in word_stem for s in stems)


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with the words that share a stem with an explanation term in ``<mark>``."""
    stems = {stem(w) for term in terms for t in tokens(term) for w in token_words(t)}
    parts, last = [], 0
    for found in _WORD.finditer(text):
        if any(_shares_stem(stem(w), stems) for w in token_words(found.group().lower())):
            parts += [
                escape(text[last : found.start()]),
                Markup("<mark>"),
                escape(found.group()),
                Markup("</mark>"),
            ]
            last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
