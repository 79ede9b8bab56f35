"""Signed, expiring tokens for e-mail confirmation and password reset.

A reset token carries a fingerprint of the current password hash, so it works once: the
reset changes the hash and the token no longer matches.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from circular_platform.models import User


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"circulair-{purpose}")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def confirmation_token(user: User) -> str:
    return _serializer("confirm").dumps({"user": user.id, "email": user.email})


def user_from_confirmation_token(session: Session, token: str) -> User | None:
    data = _load("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    user = session.get(User, data["user"]) if data else None
    return user if user is not None and data and user.email == data["email"] else None


def reset_token(user: User) -> str:
    return _serializer("reset").dumps({"user": user.id, "fp": _fingerprint(user)})


def user_from_reset_token(session: Session, token: str) -> User | None:
    data = _load("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = session.get(User, data["user"]) if data else None
    return user if user is not None and data and _fingerprint(user) == data["fp"] else None


def _load(purpose: str, token: str, max_age: int) -> dict | None:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return data if isinstance(data, dict) else None
