from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from circular_platform.accounts.services import decide_membership, organisation_by_name, set_member_role
from circular_platform.errors import DomainError
from circular_platform.models import Membership, MembershipRole, Municipality, Organisation


class MembershipDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"  # also removes a member
    MAKE_ADMIN = "make_admin"
    MAKE_MEMBER = "make_member"


def update_organisation(session: Session, organisation: Organisation, data: dict) -> None:
    other = organisation_by_name(session, data["name"])
    if other is not None and other.id != organisation.id:
        raise DomainError(_l("Er is al een organisatie met deze naam."), field="name")
    for key, value in data.items():
        setattr(organisation, key, value)
    session.flush()


def set_verified(session: Session, organisation: Organisation, verified: bool) -> None:
    organisation.verified = verified
    session.flush()


def directory_query(kind: str | None = None, province_id: int | None = None, text: str = "") -> Select:
    query = select(Organisation).join(Organisation.municipality).order_by(Organisation.name)
    if kind:
        query = query.where(Organisation.kind == kind)
    if province_id:
        query = query.where(Municipality.province_id == province_id)
    if text.strip():
        query = query.where(Organisation.name.ilike(f"%{text.strip()}%"))
    return query


def allow_solutions(session: Session, organisation: Organisation, allowed: bool) -> None:
    """Whether the organisation may publish solutions; coordinators decide."""
    organisation.may_publish_solutions = allowed
    session.flush()


def decide_member(session: Session, membership: Membership, decision: MembershipDecision) -> None:
    """An organisation admin's decision on a request to join, or on a member's role."""
    D = MembershipDecision
    if decision in (D.APPROVE, D.REJECT):
        decide_membership(session, membership, approve=decision == D.APPROVE)
    else:
        role = MembershipRole.ADMIN if decision == D.MAKE_ADMIN else MembershipRole.MEMBER
        set_member_role(session, membership, role)
