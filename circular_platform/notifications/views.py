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


def _item(kind: str, token: str, actions: dict) -> tuple[Question | Solution, str]:
    data = tokens.read_item_token(kind, token)
    model = Question if kind == "question" else Solution
    item = db.session.get(model, data["id"]) if data and data.get("a") in actions else None
    return (item, data["a"]) if item is not None and data else abort(404)


@bp.get("/question/<token>")
def question_action_page(token: str):
    question, action = _item("question", token, expiry.QUESTION_ACTIONS)
    label = expiry.QUESTION_ACTIONS[action]
    return render_template(
        "notifications/confirm.html", item=question, kind="question", label=label, done=False
    )


@bp.post("/question/<token>")
def question_action(token: str):
    question, action = _item("question", token, expiry.QUESTION_ACTIONS)
    label = expiry.QUESTION_ACTIONS[action]
    try:
        expiry.act_on_question(db.session, question, action, utcnow())
    except DomainError as error:
        db.session.rollback()
        return render_template(
            "notifications/confirm.html",
            item=question,
            kind="question",
            label=label,
            done=False,
            error=error.message,
        ), 409
    db.session.commit()
    return render_template(
        "notifications/confirm.html", item=question, kind="question", label=label, done=True
    )


@bp.get("/solution/<token>")
def solution_action_page(token: str):
    solution, action = _item("solution", token, expiry.SOLUTION_ACTIONS)
    label = expiry.SOLUTION_ACTIONS[action]
    return render_template(
        "notifications/confirm.html", item=solution, kind="solution", label=label, done=False
    )


@bp.post("/solution/<token>")
def solution_action(token: str):
    solution, _action = _item("solution", token, expiry.SOLUTION_ACTIONS)
    expiry.confirm_solution(db.session, solution, utcnow())  # type: ignore[arg-type]
    db.session.commit()
    label = expiry.SOLUTION_ACTIONS["confirm"]
    return render_template(
        "notifications/confirm.html", item=solution, kind="solution", label=label, done=True
    )
