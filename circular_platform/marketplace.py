"""What the question and solution pages share: the user's organisations and the list filters."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.arguments import parse_choice, parse_int
from circular_platform.db import db
from circular_platform.models import Maturity, Membership, Municipality, Organisation, Province, User

NUMBERS = {"province", "municipality", "min_score"}
REGION_CHOICES_AGE = 600.0


def organisations_for(user: User, *, publishing: bool = False) -> list[Organisation]:
    """The organisations ``user`` may post for; coordinators may post for any."""
    if permissions.is_coordinator(user):
        organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    else:
        organisations = user.organisations
    if publishing:
        organisations = [o for o in organisations if permissions.can_publish_solution(user, o)]
    return organisations


def members_of(session: Session, organisations: Iterable[Organisation]) -> list[tuple[int, User]]:
    """(organisation id, user) of the approved members of ``organisations``: whom their questions
    and solutions may name as contact. One statement however many they are; read through each
    organisation's memberships, every member but the one signed in cost a statement of their own."""
    query = (
        select(Membership.organisation_id, User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_([o.id for o in organisations]), Membership.approved.is_(True))
    )
    return [(organisation_id, user) for organisation_id, user in session.execute(query)]


def list_filters(*names: str, status: type[enum.Enum] | None = None) -> dict:
    """The list page's filters from the query string, ignoring empty and malformed values: the
    :data:`NUMBERS` must be ids or whole numbers, ``maturity`` and ``status`` (with ``status``
    the list's status vocabulary) one of their values."""
    choices: dict[str, type[enum.Enum] | None] = {"maturity": Maturity, "status": status}
    filters: dict = {}
    for name in names:
        text = request.args.get(name, "").strip()
        choice = choices.get(name)
        value: object = text
        if name in NUMBERS:
            value = parse_int(text)
        elif choice is not None:
            value = parse_choice(text, choice)
        if value:
            filters[name] = value
    return filters


def filter_options() -> dict:
    """The region choices of the filter forms, as rows of id and name: 342 municipalities on every
    list page need no objects. Read at most once per :data:`REGION_CHOICES_AGE` seconds per app:
    regions change only when ``flask regions load`` reads a new year's list (two statements and half a
    millisecond less on each list page)."""
    read_at, options = current_app.extensions.get("region_choices", (None, {}))
    if read_at is None or time.monotonic() - read_at > REGION_CHOICES_AGE:
        options = {
            "provinces": db.session.execute(select(Province.id, Province.name).order_by(Province.name)).all(),
            "municipalities": db.session.execute(
                select(Municipality.id, Municipality.name).order_by(Municipality.name)
            ).all(),
        }
        current_app.extensions["region_choices"] = (time.monotonic(), options)
    return options
