"""Owners' feedback on proposed matches: "interessant" or "niet relevant"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.matches import give_feedback
from circular_platform.models import Feedback, Match

bp = Blueprint("matches", __name__, url_prefix="/matches")


@bp.post("/<int:match_id>/feedback")
@login_required
def feedback(match_id: int):
    match = db.session.get(Match, match_id) or abort(404)
    side = permissions.feedback_side(current_user, match)
    permissions.require(side is not None)
    try:
        value = Feedback(request.form.get("feedback", ""))
    except ValueError:
        abort(400)
    give_feedback(db.session, match, side, value, current_user)
    db.session.commit()
    flash(_("Dank u: uw oordeel helpt de coördinatoren en verbetert de suggesties."), "success")
    if side == "question":
        return redirect(url_for("questions.detail", question_id=match.question_id, _anchor="suggesties"))
    return redirect(url_for("solutions.detail", solution_id=match.solution_id, _anchor="suggesties"))
