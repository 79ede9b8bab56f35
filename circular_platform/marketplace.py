"""What the question and solution pages share: the user's organisations and the list filters."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from circular_platform import permissions
from circular_platform.db import db
from circular_platform.models import Municipality, Organisation, Province, User


def organisations_for(user: User, *, publishing: bool = False) -> list[Organisation]:
    """The organisations ``user`` may post for; coordinators may post for any."""
    if permissions.is_coordinator(user):
        query = select(Organisation).order_by(Organisation.name)
        organisations = list(db.session.scalars(query))
    else:
        organisations = user.organisations
    if publishing:
        organisations = [o for o in organisations if permissions.can_publish_solution(user, o)]
    return organisations


def list_filters(*names: str) -> dict:
    """The list page's filters from the query string, ignoring empty and malformed values."""
    filters: dict = {}
    for name in names:
        value = request.args.get(name, "").strip()
        if value:
            filters[name] = int(value) if name in {"province", "municipality"} and value.isdigit() else value
    for name in ("province", "municipality"):
        if isinstance(filters.get(name), str):
            del filters[name]
    return filters


def filter_options() -> dict:
    return {
        "provinces": list(db.session.scalars(select(Province).order_by(Province.name))),
        "municipalities": list(db.session.scalars(select(Municipality).order_by(Municipality.name))),
    }
