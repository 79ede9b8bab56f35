"""The edit history of questions and solutions: a snapshot before, a diff after."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.models import ChangeLog, Question, Solution, User

TRACKED = {
    "question": (
        "title",
        "description",
        "theme",
        "sector",
        "transition_paths",
        "municipality",
        "quantity",
        "unit",
        "budget_min",
        "budget_max",
        "desired_start",
        "is_procurement",
        "has_circular_criteria",
        "circular_criteria",
        "visibility",
        "status",
        "contact",
    ),
    "solution": (
        "title",
        "description",
        "themes",
        "nationwide",
        "provinces",
        "municipalities",
        "maturity",
        "capacity",
        "certifications",
        "price_indication",
        "status",
        "contact",
    ),
}


def item_type(item: Question | Solution) -> str:
    return "question" if isinstance(item, Question) else "solution"


def _plain(value: Any) -> Any:
    """A JSON-friendly, human-readable form of a field value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "id"):  # a municipality, province or user
        return value.name
    return value


def snapshot(item: Question | Solution) -> dict[str, Any]:
    return {field: _plain(getattr(item, field)) for field in TRACKED[item_type(item)]}


def record(session: Session, item: Question | Solution, user: User | None, before: dict[str, Any]) -> None:
    """Log the fields that differ from ``before``; an empty ``before`` logs the creation."""
    after = snapshot(item)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        session.add(ChangeLog(item_type=item_type(item), item_id=item.id, user=user, changes=changes))


def changes_of(session: Session, item: Question | Solution) -> list[ChangeLog]:
    query = (
        select(ChangeLog)
        .where(ChangeLog.item_type == item_type(item), ChangeLog.item_id == item.id)
        .order_by(ChangeLog.created_at.desc(), ChangeLog.id.desc())
    )
    return list(session.scalars(query))


FIELD_LABELS = {
    "title": _l("Titel"),
    "description": _l("Omschrijving"),
    "theme": _l("Thema"),
    "themes": _l("Thema's"),
    "sector": _l("Sector"),
    "transition_paths": _l("Transitiepaden"),
    "municipality": _l("Gemeente"),
    "quantity": _l("Hoeveelheid"),
    "unit": _l("Eenheid"),
    "budget_min": _l("Budget vanaf"),
    "budget_max": _l("Budget tot en met"),
    "desired_start": _l("Gewenste start"),
    "is_procurement": _l("Aanbesteding"),
    "has_circular_criteria": _l("Circulaire criteria"),
    "circular_criteria": _l("Welke criteria"),
    "visibility": _l("Zichtbaarheid"),
    "status": _l("Status"),
    "contact": _l("Contactpersoon"),
    "nationwide": _l("Heel Nederland"),
    "provinces": _l("Provincies"),
    "municipalities": _l("Gemeenten"),
    "maturity": _l("Volwassenheid"),
    "capacity": _l("Capaciteit"),
    "certifications": _l("Certificaten"),
    "price_indication": _l("Prijsindicatie"),
}
