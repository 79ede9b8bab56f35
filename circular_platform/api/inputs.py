"""What an API client sends, turned into the data the services take, as the web forms do
(``QuestionForm.data_for_service``, ``SolutionForm.data_for_service``): ids become rows the caller
may use, texts are stripped, empty choices are None. Every refusal is a DomainError naming the field.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.forms import one_line
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.marketplace import members_of, organisations_for
from circular_platform.models import (
    BuildingPassport,
    Municipality,
    Organisation,
    Province,
    Question,
    Solution,
    User,
)
from circular_platform.permissions import is_coordinator, passport_organisations

# What the services take, as the forms' data_for_service hands it over.
QUESTION_FIELDS = (
    *("title", "description", "theme", "sector", "transition_paths", "municipality", "quantity", "unit"),
    *("budget_min", "budget_max", "desired_start", "valid_until", "is_procurement"),
    *("has_circular_criteria", "circular_criteria", "visibility", "contact"),
)
SOLUTION_FIELDS = (
    *("title", "description", "themes", "nationwide", "provinces", "municipalities", "maturity"),
    *("capacity", "certifications", "price_indication", "contact"),
)
PASSPORT_FIELDS = (
    *("name", "address", "municipality", "construction_year", "floor_area", "intervention"),
    *("intervention_date", "published"),
)
TEXTS = ("title", "description", "circular_criteria", "capacity", "certifications", "price_indication")


def organisation_for(user: User, payload: dict[str, Any], *, publishing: bool = False) -> Organisation:
    """The organisation named by ``organisation_id``, or the caller's only one when it is left out."""
    allowed = {o.id: o for o in organisations_for(user, publishing=publishing)}
    wanted = payload.get("organisation_id")
    if wanted is None and len(allowed) == 1:
        return next(iter(allowed.values()))
    if wanted not in allowed:
        raise DomainError(_l("Kies een organisatie waarvoor u mag plaatsen."), "organisation_id")
    return allowed[wanted]


def question_data(
    payload: dict[str, Any], organisation: Organisation, current: Question | None = None
) -> dict:
    """The fields for ``questions.services``: ``payload`` over the question's current values."""
    data = _current_question(current) if current is not None else {"transition_paths": []}
    data.update(_plain(payload, ("organisation_id", "municipality_id", "contact_id", "publish", "status")))
    if "municipality_id" in payload:
        data["municipality"] = _row(Municipality, payload["municipality_id"], "municipality_id")
    if "contact_id" in payload:
        data["contact"] = _contact(organisation, payload["contact_id"])
    data["transition_paths"] = sorted(set(data["transition_paths"]))
    return data


def solution_data(
    payload: dict[str, Any], organisation: Organisation, current: Solution | None = None
) -> dict:
    data = _current_solution(current) if current is not None else {}
    data.update(
        _plain(payload, ("organisation_id", "province_ids", "municipality_ids", "contact_id", "status"))
    )
    if "province_ids" in payload:
        data["provinces"] = _rows(Province, payload["province_ids"], "province_ids")
    if "municipality_ids" in payload:
        data["municipalities"] = _rows(Municipality, payload["municipality_ids"], "municipality_ids")
    if "contact_id" in payload:
        data["contact"] = _contact(organisation, payload["contact_id"])
    return data


def passport_owner(user: User, payload: dict[str, Any]) -> Organisation:
    """The owner named by ``organisation_id`` (any organisation for a coordinator), or the caller's
    only building-owning organisation when it is left out."""
    wanted = payload.get("organisation_id")
    allowed = {o.id: o for o in passport_organisations(user)}
    if wanted is None and len(allowed) == 1:
        return next(iter(allowed.values()))
    owner = db.session.get(Organisation, wanted or 0) if is_coordinator(user) else allowed.get(wanted or 0)
    if owner is None:
        raise DomainError(_l("Kies een organisatie waarvoor u gebouwen mag registreren."), "organisation_id")
    return owner


def passport_data(payload: dict[str, Any], current: BuildingPassport | None = None) -> dict[str, Any]:
    """The fields for ``passports.services``: ``payload`` over the passport's current values."""
    data = {name: getattr(current, name) for name in PASSPORT_FIELDS} if current is not None else {}
    data.update({k: v for k, v in payload.items() if k not in ("organisation_id", "municipality_id")})
    for name in ("name", "address"):
        if name in data:
            data[name] = one_line(data[name]) or ""
    if "municipality_id" in payload:
        data["municipality"] = _row(Municipality, payload["municipality_id"], "municipality_id")
    if not data.get("name"):
        raise DomainError(_l("Vul de naam van het gebouw in."), "name")
    return data


def _plain(payload: dict[str, Any], leave_out: tuple[str, ...]) -> dict[str, Any]:
    data = {k: v for k, v in payload.items() if k not in leave_out}
    for name in TEXTS:
        if name in data:
            data[name] = (data[name] or "").strip()
    return data


def _current_question(question: Question) -> dict[str, Any]:
    return {name: getattr(question, name) for name in QUESTION_FIELDS}


def _current_solution(solution: Solution) -> dict[str, Any]:
    return {name: getattr(solution, name) for name in SOLUTION_FIELDS}


def _row(model: type[Municipality], row_id: int, field: str) -> Municipality:
    row = db.session.get(model, row_id)
    if row is None:
        raise DomainError(_l("Kies een bestaande gemeente."), field)
    return row


def _rows(model: type[Province] | type[Municipality], ids: list[int], field: str) -> list:
    wanted = set(ids)
    rows = list(db.session.scalars(select(model).where(model.id.in_(wanted))))
    if len(rows) != len(wanted):
        raise DomainError(_l("Kies uit de lijst."), field)
    return rows


def _contact(organisation: Organisation, user_id: int | None) -> User | None:
    """The contact person among the organisation's members; None leaves it to the author."""
    if user_id is None:
        return None
    people = {user.id: user for _, user in members_of(db.session, [organisation])}
    if user_id not in people:
        raise DomainError(_l("De contactpersoon moet lid zijn van de organisatie."), "contact_id")
    return people[user_id]
