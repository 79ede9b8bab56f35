"""Loads the demo data of Noord-Nederland (invented organisations and people) once.

Every demo account shares one password, printed by ``make run``; demo data is for a
local trial, never for a public deployment.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.accounts.services import create_user, user_by_email
from circular_platform.demo import pipeline
from circular_platform.demo.bundles import confirm_demo_bundles
from circular_platform.models import (
    BuildingPassport,
    Intervention,
    Maturity,
    Membership,
    MembershipRole,
    Organisation,
    Question,
    QuestionStatus,
    Solution,
    SolutionStatus,
    User,
    Visibility,
)
from circular_platform.models.accounts import OrganisationKind
from circular_platform.passports import services as passports
from circular_platform.passwords import hash_password
from circular_platform.questions import services as questions
from circular_platform.regions import municipality_by_name, province_by_name
from circular_platform.solutions import services as solutions

DEMO_PASSWORD = "circulair-noord-demo"  # the published demo password, for local trials only  # nosec B105
COORDINATOR = {"email": "coordinator@nice-drenthe.example", "name": "Sanne de Vries"}
ADMINISTRATOR = {"email": "beheer@circulair-noord.example", "name": "Jeroen Hoekstra"}


def read(name: str) -> list[dict]:
    text = resources.files("circular_platform.demo").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


def load(session: Session) -> bool:
    """Load everything once; False when demo data was already there."""
    if user_by_email(session, COORDINATOR["email"]):
        return False
    _platform_roles(session)
    organisations = {data["name"]: _organisation(session, data) for data in read("organisations.json")}
    session.flush()
    for data in read("questions.json"):
        _question(session, organisations[data["organisation"]], data)
    for data in read("solutions.json"):
        _solution(session, organisations[data["organisation"]], data)
    for data in read("passports.json"):
        _passport(session, organisations[data["organisation"]], data)
    session.flush()
    confirm_demo_bundles(session, COORDINATOR["email"])
    pipeline.load(session, COORDINATOR["email"])
    return True


@cache
def _demo_hash() -> str:
    return hash_password(DEMO_PASSWORD)


def _confirmed_user(session: Session, email: str, name: str, language: str = "nl") -> User:
    user = user_by_email(session, email) or create_user(
        session, email=email, name=name, password=DEMO_PASSWORD, language=language, password_hash=_demo_hash()
    )
    user.confirmed_at = datetime.now(UTC)
    return user


def _platform_roles(session: Session) -> None:
    _confirmed_user(session, **COORDINATOR).is_coordinator = True
    _confirmed_user(session, **ADMINISTRATOR).is_admin = True


def _organisation(session: Session, data: dict) -> Organisation:
    kind = OrganisationKind(data["kind"])
    organisation = Organisation(
        name=data["name"],
        kind=kind,
        municipality=municipality_by_name(session, data["municipality"]),
        kvk_number=data.get("kvk"),
        website=data.get("website"),
        description=data.get("description", ""),
        verified=data.get("verified", False),
        may_publish_solutions=kind == OrganisationKind.COMPANY,
    )
    session.add(organisation)
    for person in data["users"]:
        user = _confirmed_user(session, person["email"], person["name"], person.get("language", "nl"))
        session.add(
            Membership(
                user=user, organisation=organisation, role=MembershipRole(person["role"]), approved=True
            )
        )
    return organisation


def _backdate(item: Question | Solution, day: str) -> None:
    item.created_at = item.updated_at = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


def _question(session: Session, organisation: Organisation, data: dict) -> Question:
    author = user_by_email(session, data["author"])
    fields = {
        "title": data["title"],
        "description": data["description"],
        "theme": data["theme"],
        "sector": data.get("sector"),
        "transition_paths": data.get("paths", []),
        "municipality": municipality_by_name(session, data["municipality"]),
        "quantity": Decimal(str(data["quantity"])) if data.get("quantity") is not None else None,
        "unit": data.get("unit"),
        "budget_min": data.get("budget_min"),
        "budget_max": data.get("budget_max"),
        "desired_start": date.fromisoformat(data["start"] + "-01") if data.get("start") else None,
        "is_procurement": data.get("is_procurement", False),
        "has_circular_criteria": bool(data.get("circular_criteria")),
        "circular_criteria": data.get("circular_criteria") or "",
        "visibility": Visibility(data.get("visibility", "public")),
        "material_lines": [_material(line) for line in data.get("materials", [])],
    }
    question = questions.post_question(session, author, organisation, fields, publish=True)
    question.status = QuestionStatus(data.get("status", "open"))
    _backdate(question, data["created"])
    question.valid_until = _valid_until(question, data.get("expires_in_days"))
    return question


def _valid_until(question: Question, expires_in_days: int | None) -> date:
    """``expires_in_days`` from the day the demo is loaded (so the reminders have something to do);
    otherwise the default from its creation, extended as a keen owner would until it is weeks away."""
    today = datetime.now(UTC).date()
    if expires_in_days is not None:
        return today + timedelta(days=expires_in_days)
    valid = questions.default_valid_until(question.created_at.date(), question.desired_start)
    while valid < today + timedelta(days=30):
        valid = questions.add_months(valid, questions.VALID_MONTHS)
    return valid


def _service_area(session: Session, names: list[str]) -> dict:
    if "Nederland" in names:
        return {"nationwide": True, "provinces": [], "municipalities": []}
    provinces = [province_by_name(session, name) for name in names]
    municipalities = [
        municipality_by_name(session, name) for name, p in zip(names, provinces, strict=True) if not p
    ]
    return {"nationwide": False, "provinces": [p for p in provinces if p], "municipalities": municipalities}


def _solution(session: Session, organisation: Organisation, data: dict) -> Solution:
    fields = {
        "title": data["title"],
        "description": data["description"],
        "themes": data["themes"],
        "maturity": Maturity(data.get("maturity", "marktrijp")),
        "capacity": data.get("capacity") or "",
        "certifications": data.get("certifications") or "",
        "price_indication": data.get("price") or "",
        **_service_area(session, data["service_area"]),
    }
    solution = solutions.publish_solution(
        session, user_by_email(session, data["author"]), organisation, fields
    )
    solution.status = SolutionStatus(data.get("status", "actief"))
    _backdate(solution, data["created"])
    # Confirmed this year, so the yearly "still offered?" mails wait a year after loading the demo.
    solution.confirmed_at = datetime.now(UTC) - timedelta(days=len(data["title"]) % 60)
    return solution


def _months_ahead(months: int) -> date:
    """The first of the month ``months`` after loading: future supply stays in the future."""
    return questions.add_months(datetime.now(UTC).date().replace(day=1), months)


def _material(data: dict) -> dict:
    """A material line of the demo files; ``needed_in_months`` counts from the day of loading."""
    return {
        "material": data["material"],
        "eural_code": data.get("eural_code"),
        "quantity": Decimal(str(data["quantity"])) if data.get("quantity") is not None else None,
        "unit": data.get("unit"),
        "condition": data.get("condition", ""),
        "from_date": _months_ahead(data["needed_in_months"]) if "needed_in_months" in data else None,
        "location": data.get("location", ""),
    }


def _passport(session: Session, organisation: Organisation, data: dict) -> BuildingPassport:
    months = data.get("intervention_in_months")
    fields = {
        "name": data["name"],
        "address": data.get("address", ""),
        "municipality": municipality_by_name(session, data["municipality"]),
        "construction_year": data.get("construction_year"),
        "floor_area": data.get("floor_area"),
        "intervention": Intervention(data["intervention"]) if data.get("intervention") else None,
        "intervention_date": _months_ahead(months) if months is not None else None,
        "published": data.get("published", False),
        "material_lines": [_material(line) for line in data["materials"]],
    }
    return passports.register_passport(session, organisation, fields)


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    """(description, email) of one account per kind of user, for the README and ``make run``."""
    accounts = [("Coördinator", COORDINATOR["email"]), ("Beheerder", ADMINISTRATOR["email"])]
    for label, kind in (
        ("Woningcorporatie", OrganisationKind.HOUSING_CORPORATION),
        ("Bedrijf", OrganisationKind.COMPANY),
    ):
        membership = session.scalars(
            select(Membership)
            .join(Membership.organisation)
            .where(Organisation.kind == kind)
            .order_by(Membership.id)
        ).first()
        if membership is not None:
            accounts.append((f"{label}: {membership.organisation.name}", membership.user.email))
    return accounts
