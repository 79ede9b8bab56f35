"""Loads the demo data of Noord-Nederland (invented organisations and people) once.

Every demo account shares one password, printed by ``make run``; demo data is for a
local trial, never for a public deployment.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.accounts.services import create_user, user_by_email
from circular_platform.models import Membership, MembershipRole, Organisation, User
from circular_platform.models.accounts import OrganisationKind
from circular_platform.regions import municipality_by_name

DEMO_PASSWORD = "circulair-noord-demo"
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
    for data in read("organisations.json"):
        _organisation(session, data)
    session.flush()
    return True


def _confirmed_user(session: Session, email: str, name: str, language: str = "nl") -> User:
    user = user_by_email(session, email) or create_user(
        session, email=email, name=name, password=DEMO_PASSWORD, language=language
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
        may_publish_solutions=kind == OrganisationKind.BEDRIJF,
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


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    """(description, email) of one account per kind of user, for the README and ``make run``."""
    accounts = [("Coördinator", COORDINATOR["email"]), ("Beheerder", ADMINISTRATOR["email"])]
    for label, kind in (
        ("Woningcorporatie", OrganisationKind.WONINGCORPORATIE),
        ("Bedrijf", OrganisationKind.BEDRIJF),
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
