from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from circular_platform import audit
from circular_platform.accounts.services import decide_membership, organisation_by_name, set_member_role
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.mail import send_mail
from circular_platform.models import AuditAction, Membership, MembershipRole, Municipality, Organisation


class MembershipDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"  # also removes a member
    MAKE_ADMIN = "make_admin"
    MAKE_MEMBER = "make_member"


def update_organisation(
    session: Session, organisation: Organisation, data: dict, *, keep_verified: bool = False
) -> bool:
    """Save the profile; a new name or KvK number withdraws the verification, so a coordinator
    checks the organisation again (``keep_verified``: the coordinator edits it themself).

    Returns whether the verification was withdrawn.
    """
    other = organisation_by_name(session, data["name"])
    if other is not None and other.id != organisation.id:
        raise DomainError(_l("Er is al een organisatie met deze naam."), field="name")
    identity = (organisation.name, organisation.kvk_number)
    changed = sorted(key for key, value in data.items() if getattr(organisation, key) != value)
    if keep_verified and changed:
        audit.record(session, AuditAction.ORGANISATION_EDITED, organisation, fields=changed)
    for key, value in data.items():
        setattr(organisation, key, value)
    withdrawn = (
        organisation.verified
        and not keep_verified
        and identity != (organisation.name, organisation.kvk_number)
    )
    if withdrawn:
        organisation.verified = False
    session.flush()
    return withdrawn


def set_verified(session: Session, organisation: Organisation, verified: bool) -> None:
    """Verify or withdraw; a new verification is mailed to the organisation's administrators."""
    newly_verified = verified and not organisation.verified
    organisation.verified = verified
    session.flush()
    if newly_verified:
        for admin in organisation.admins:
            send_mail(
                session,
                admin.email,
                "organisation_verified",
                language=admin.language,
                admin=admin,
                organisation=organisation,
            )


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
    """An organisation admin's decision on a request to join, or on a member's role.

    The applicant (or removed member) gets a mail; the last administrator cannot be removed.
    """
    D = MembershipDecision
    if decision in (D.APPROVE, D.REJECT):
        _decide_request(session, membership, decision == D.APPROVE)
        action = AuditAction.MEMBER_APPROVED if decision == D.APPROVE else AuditAction.MEMBER_REMOVED
        audit.record(session, action, membership)
    else:
        role = MembershipRole.ADMIN if decision == D.MAKE_ADMIN else MembershipRole.MEMBER
        set_member_role(session, membership, role)
        audit.record(session, AuditAction.MEMBER_ROLE_CHANGED, membership, role=role)


def _decide_request(session: Session, membership: Membership, approve: bool) -> None:
    user, organisation, was_member = membership.user, membership.organisation, membership.approved
    if not approve and was_member and organisation.admins == [user]:
        raise DomainError(_l("Een organisatie heeft minstens één beheerder nodig."))
    decide_membership(session, membership, approve=approve)
    if not (approve and was_member):
        send_mail(
            session,
            user.email,
            "membership_decided",
            language=user.language,
            user=user,
            organisation=organisation,
            approved=approve,
            was_member=was_member,
        )
