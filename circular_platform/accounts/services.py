"""Accounts: registration, confirmation, passwords, join requests, and GDPR export and deletion.

Functions take the session explicitly, ``flush()`` and leave the commit to the caller.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from circular_platform.accounts import privacy
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Membership, MembershipRole, Organisation, User
from circular_platform.models.accounts import OrganisationKind
from circular_platform.passwords import hash_password, needs_rehash, verify_password
from circular_platform.taxonomy import LANGUAGES


class AddressTaken(DomainError):
    """An account with this address exists. Registration must not say so on the page (that
    would tell anyone which addresses have an account); it mails the address's owner instead."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def user_by_session_token(session: Session, token: str) -> User | None:
    """The signed-in user of a request, with the memberships and organisations that every page's
    permission checks read: one statement instead of three."""
    query = (
        select(User)
        .where(User.session_token == token)
        .options(joinedload(User.memberships).joinedload(Membership.organisation))
    )
    return session.execute(query).unique().scalar_one_or_none()


def organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    language: str = "nl",
    password_hash: str | None = None,
) -> User:
    """A new, unconfirmed user; ``password_hash`` skips hashing when the caller already has one.

    Raises AddressTaken for a known address, after hashing, so both answers take as long.
    """
    password_hash = password_hash or hash_password(password)
    if user_by_email(session, email):
        raise AddressTaken(_l("Er bestaat al een account met dit e-mailadres."), field="email")
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=password_hash,
        language=language,
        session_token=new_session_token(),
    )
    session.add(user)
    return user


def register_with_organisation(session: Session, user_data: dict, organisation_data: dict) -> User:
    """A new user creates a new organisation and becomes its administrator."""
    if organisation_by_name(session, organisation_data["name"]):
        raise DomainError(_l("Deze organisatie bestaat al: vraag om lid te worden."), field="name")
    user = create_user(session, **user_data)
    kind = OrganisationKind(organisation_data["kind"])
    organisation = Organisation(**organisation_data, may_publish_solutions=kind == OrganisationKind.COMPANY)
    session.add(organisation)
    session.add(Membership(user=user, organisation=organisation, role=MembershipRole.ADMIN, approved=True))
    session.flush()
    return user


def request_membership(
    session: Session, user: User, organisation: Organisation, message: str = ""
) -> Membership:
    if any(m.organisation_id == organisation.id for m in user.memberships):
        raise DomainError(_l("U bent al lid van deze organisatie of heeft het al gevraagd."))
    membership = Membership(user=user, organisation=organisation, message=message.strip())
    session.add(membership)
    session.flush()
    return membership


def decide_membership(session: Session, membership: Membership, approve: bool) -> None:
    if approve:
        membership.approved = True
    else:
        session.delete(membership)
    session.flush()


def set_member_role(session: Session, membership: Membership, role: MembershipRole) -> None:
    demoted = role == MembershipRole.MEMBER and membership.role == MembershipRole.ADMIN
    if demoted and len(membership.organisation.admins) == 1:
        raise DomainError(_l("Een organisatie heeft minstens één beheerder nodig."))
    membership.role = role
    session.flush()


def confirm_email(session: Session, user: User) -> None:
    if user.confirmed_at is None:
        user.confirmed_at = datetime.now(UTC)
        session.flush()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose password matches, upgrading an outdated hash; None otherwise.

    An unknown address is checked against a dummy hash, so it answers as slowly as a known one.
    """
    user = user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def update_profile(session: Session, user: User, name: str, language: str) -> None:
    user.name = name.strip()
    set_language(session, user, language)


def set_language(session: Session, user: User, language: str) -> None:
    """The language of the user's pages and mail; raises DomainError for one we do not offer."""
    if language not in LANGUAGES:
        raise DomainError(_l("Kies een taal uit de lijst."), "language")
    user.language = language
    session.flush()


def new_session_token() -> str:
    return secrets.token_hex(32)


def end_sessions(session: Session, user: User) -> None:
    """A new session token: it is the login id in every session and "remember me" cookie, so
    each cookie issued before, on any device, no longer logs anyone in."""
    user.session_token = new_session_token()
    session.flush()


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password; every other session and every outstanding reset link stops working."""
    user.password_hash = hash_password(password)
    end_sessions(session, user)


def delete_account(session: Session, user: User) -> None:
    """GDPR erasure (``privacy.erase``); what the user posted stays with the organisation."""
    for organisation in user.organisations:
        if organisation.admins == [user] and len(organisation.active_members) > 1:
            raise DomainError(
                _l("Maak eerst een andere collega beheerder van %(name)s.", name=organisation.name)
            )
    privacy.erase(session, user)
