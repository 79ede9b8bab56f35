"""The edit history of questions and solutions: a snapshot before, a diff after."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import ChangeLog, Question, Solution, User
from circular_platform.questions.forms import QuestionForm
from circular_platform.solutions.forms import SolutionForm

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


# The form field that edits a tracked field, where the two names differ.
FORM_FIELDS = {
    "municipality": "municipality_id",
    "contact": "contact_id",
    "provinces": "province_ids",
    "municipalities": "municipality_ids",
}


def _form_label(form_class: type[FlaskForm], name: str) -> Any:
    """The label the edit form shows for ``name``: WTForms keeps it in the unbound field's arguments."""
    unbound = getattr(form_class, FORM_FIELDS.get(name, name))
    return unbound.kwargs.get("label") or unbound.args[0]


# The labels of the tracked fields, as their forms show them; the status has its own form.
FIELD_LABELS = {
    name: _form_label(form_class, name)
    for kind, form_class in (("question", QuestionForm), ("solution", SolutionForm))
    for name in TRACKED[kind]
    if name != "status"
} | {"status": _l("Status")}
