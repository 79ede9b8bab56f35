"""What coordinators switch on the admin pages: verification, publishing rights, roles and blocking;
and what administrators do with mail that was not delivered.

Functions ``flush()``; the caller commits.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from circular_platform import audit, mail
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import AuditAction, Organisation, OutboxMessage, Province, User
from circular_platform.organisations.services import allow_solutions, set_verified


class OrganisationAction(StrEnum):
    VERIFY = "verify"
    UNVERIFY = "unverify"
    ALLOW_SOLUTIONS = "allow_solutions"
    DISALLOW_SOLUTIONS = "disallow_solutions"


class OrganisationFilter(StrEnum):
    ALL = ""
    UNVERIFIED = "unverified"


# What the admin page says after each action.
ORGANISATION_MESSAGES = {
    OrganisationAction.VERIFY: _l("%(name)s is geverifieerd; de beheerders hebben een e-mail gekregen."),
    OrganisationAction.UNVERIFY: _l("De verificatie van %(name)s is ingetrokken."),
    OrganisationAction.ALLOW_SOLUTIONS: _l("%(name)s mag nu aanbod plaatsen."),
    OrganisationAction.DISALLOW_SOLUTIONS: _l("%(name)s mag geen aanbod meer plaatsen."),
}


class UserAction(StrEnum):
    MAKE_COORDINATOR = "make_coordinator"
    REVOKE_COORDINATOR = "revoke_coordinator"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"


AUDITED_AS = {
    OrganisationAction.VERIFY: AuditAction.ORGANISATION_VERIFIED,
    OrganisationAction.UNVERIFY: AuditAction.ORGANISATION_UNVERIFIED,
    OrganisationAction.ALLOW_SOLUTIONS: AuditAction.SOLUTIONS_ALLOWED,
    OrganisationAction.DISALLOW_SOLUTIONS: AuditAction.SOLUTIONS_DISALLOWED,
    UserAction.MAKE_COORDINATOR: AuditAction.COORDINATOR_GRANTED,
    UserAction.REVOKE_COORDINATOR: AuditAction.COORDINATOR_REVOKED,
    UserAction.ACTIVATE: AuditAction.USER_UNBLOCKED,
    UserAction.DEACTIVATE: AuditAction.USER_BLOCKED,
}


def organisations_query(text: str = "", status: str = "") -> Select:
    """Organisations by name, a stable order: a verified one stays where it was on the page."""
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if text.strip():
        text = text.strip()
        query = query.where(
            or_(Organisation.name.icontains(text, autoescape=True), Organisation.kvk_number == text)
        )
    if status == OrganisationFilter.UNVERIFIED:
        query = query.where(Organisation.verified.is_(False))
    return query


def unverified_count(session: Session) -> int:
    return session.scalar(select(func.count(Organisation.id)).where(Organisation.verified.is_(False))) or 0


def users_query(text: str = "") -> Select:
    """Users by name, searched on name and e-mail address."""
    query = select(User).order_by(User.name, User.id)
    if text.strip():
        text = text.strip()
        query = query.where(
            or_(
                User.name.icontains(text, autoescape=True),
                User.email.icontains(text.lower(), autoescape=True),
            )
        )
    return query


def update_organisation(session: Session, organisation: Organisation, action: OrganisationAction) -> None:
    A = OrganisationAction
    if action in (A.VERIFY, A.UNVERIFY):
        set_verified(session, organisation, action == A.VERIFY)
    else:
        allow_solutions(session, organisation, action == A.ALLOW_SOLUTIONS)
    audit.record(session, AUDITED_AS[action], organisation)


def update_user(session: Session, user: User, action: UserAction, by: User) -> None:
    A = UserAction
    if action in (A.MAKE_COORDINATOR, A.REVOKE_COORDINATOR):
        set_coordinator(session, user, action == A.MAKE_COORDINATOR)
    else:
        set_active(session, user, action == A.ACTIVATE, by)
    audit.record(session, AUDITED_AS[action], user, by=by)


def set_coordinator(session: Session, user: User, coordinator: bool) -> None:
    user.is_coordinator = coordinator
    session.flush()


def set_coordinated_province(session: Session, user: User, province: Province | None, by: User) -> None:
    """The province whose supply bundles ``user`` coordinates; None: the whole north."""
    old, new = user.coordinated_province, province
    audit.record(session, AuditAction.COORDINATOR_PROVINCE_CHANGED, user, by=by, old=old or "", new=new or "")
    user.coordinated_province = province
    session.flush()


def set_active(session: Session, user: User, active: bool, by: User) -> None:
    """Block or unblock ``user``; raises DomainError when ``by`` would block themselves."""
    if not active and user.id == by.id:
        raise DomainError(_l("U kunt uw eigen account niet blokkeren."))
    user.active = active
    session.flush()


def undelivered_mail_query() -> Select:
    """Mail whose delivery failed, newest first: waiting for another attempt, refused or given up."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.error.is_not(None))
        .order_by(OutboxMessage.id.desc())
    )


def undelivered_count(session: Session) -> int:
    return session.scalar(undelivered_mail_query().with_only_columns(func.count()).order_by(None)) or 0


def retry_mail(session: Session, message: OutboxMessage) -> None:
    """Try ``message`` again right after the commit; raises DomainError when it was sent meanwhile."""
    mail.retry_now(session, message)
    audit.record(session, AuditAction.MAIL_RETRIED, message, attempts=message.attempts, error=message.error)
