"""Pages the links in mails open, without logging in: the signed token is the permission.

A GET only shows what the link will do, with a button; the POST acts. Mail scanners that
fetch every link therefore change nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.extensions import csrf
from circular_platform.models import Question, Solution
from circular_platform.models._types import utcnow
from circular_platform.notifications import expiry, settings, tokens

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _unsubscription(token: str) -> settings.Unsubscription:
    data = tokens.read_unsubscribe_token(token)
    found = settings.Unsubscription.load(db.session, data) if data else None
    return found or abort(404)


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    return render_template(
        "notifications/unsubscribe.html", unsubscription=_unsubscription(token), done=False
    )


# Exempt from CSRF: RFC 8058's one-click unsubscribe is a POST that mail clients send from the
# List-Unsubscribe header, without our form or session. The signed token in the URL is what
# protects it, and all it can do is stop mails to the token's owner.
@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    unsubscription = _unsubscription(token)
    settings.unsubscribe(db.session, unsubscription)
    db.session.commit()
    return render_template("notifications/unsubscribe.html", unsubscription=unsubscription, done=True)


def _question(token: str) -> tuple[Question, str]:
    data = tokens.read_item_token("question", token) or {}
    question = (
        db.session.get(Question, data.get("id", 0)) if data.get("a") in expiry.QUESTION_ACTIONS else None
    )
    return (question, data["a"]) if question is not None else abort(404)


def _solution(token: str) -> Solution:
    data = tokens.read_item_token("solution", token) or {}
    solution = (
        db.session.get(Solution, data.get("id", 0)) if data.get("a") in expiry.SOLUTION_ACTIONS else None
    )
    return solution or abort(404)


def _confirm_page(item: Question | Solution, label, *, done: bool, error: str | None = None) -> str:
    kind = "question" if isinstance(item, Question) else "solution"
    return render_template(
        "notifications/confirm.html", item=item, kind=kind, label=label, done=done, error=error
    )


@bp.get("/question/<token>")
def question_action_page(token: str):
    question, action = _question(token)
    return _confirm_page(question, expiry.QUESTION_ACTIONS[action], done=False)


@bp.post("/question/<token>")
def question_action(token: str):
    question, action = _question(token)
    try:
        expiry.act_on_question(db.session, question, action, utcnow())
    except DomainError as error:
        db.session.rollback()
        return _confirm_page(
            question, expiry.QUESTION_ACTIONS[action], done=False, error=str(error.message)
        ), 409
    db.session.commit()
    return _confirm_page(question, expiry.QUESTION_ACTIONS[action], done=True)


@bp.get("/solution/<token>")
def solution_action_page(token: str):
    return _confirm_page(_solution(token), expiry.SOLUTION_ACTIONS["confirm"], done=False)


@bp.post("/solution/<token>")
def solution_action(token: str):
    solution = _solution(token)
    expiry.confirm_solution(db.session, solution, utcnow())
    db.session.commit()
    return _confirm_page(solution, expiry.SOLUTION_ACTIONS["confirm"], done=True)
