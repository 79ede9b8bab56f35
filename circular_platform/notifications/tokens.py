"""Signed links that act without logging in: unsubscribing, and answering a reminder.

Unsubscribe tokens do not expire (an old mail's link must still work, RFC 8058); the
reminder tokens of questions and solutions hold for ACTION_MAX_AGE.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

ACTION_MAX_AGE = 90 * 24 * 3600  # seconds: a reminder is answered within weeks, not years


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"circulair-notify-{purpose}")


def unsubscribe_token(user_id: int, organisations: list[int | None], searches: list[int]) -> str:
    """Stops the user's mails for these organisations (None: the coordinators' digest) and searches."""
    return _serializer("unsubscribe").dumps({"u": user_id, "o": organisations, "s": searches})


def read_unsubscribe_token(token: str) -> dict | None:
    return _load("unsubscribe", token, None)


def item_token(kind: str, item_id: int, action: str) -> str:
    """``kind`` is "question" or "solution"; ``action`` one of expiry.QUESTION_ACTIONS / SOLUTION_ACTIONS."""
    return _serializer(kind).dumps({"id": item_id, "a": action})


def read_item_token(kind: str, token: str) -> dict | None:
    return _load(kind, token, ACTION_MAX_AGE)


def _load(purpose: str, token: str, max_age: int | None) -> dict | None:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return data if isinstance(data, dict) else None
