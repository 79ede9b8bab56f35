"""Every access rule of the platform, in one place.

Views, templates (through the ``can`` context processor), the API and the CLI ask these
predicates; nobody re-derives a rule. The anonymous user answers False to everything.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import AnonymousUserMixin

from circular_platform.models import MembershipRole, Organisation, User

AnyUser = User | AnonymousUserMixin


def _is_user(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.active


def is_coordinator(user: AnyUser) -> bool:
    return _is_user(user) and (user.is_coordinator or user.is_admin)


def is_admin(user: AnyUser) -> bool:
    return _is_user(user) and user.is_admin


def is_member(user: AnyUser, organisation: Organisation) -> bool:
    return _is_user(user) and any(
        m.approved and m.organisation_id == organisation.id for m in user.memberships
    )


def is_org_admin(user: AnyUser, organisation: Organisation) -> bool:
    return _is_user(user) and any(
        m.approved and m.organisation_id == organisation.id and m.role == MembershipRole.ADMIN
        for m in user.memberships
    )


def can_edit_organisation(user: AnyUser, organisation: Organisation) -> bool:
    return is_org_admin(user, organisation) or is_coordinator(user)


def can_manage_members(user: AnyUser, organisation: Organisation) -> bool:
    return is_org_admin(user, organisation) or is_coordinator(user)


def can_verify_organisation(user: AnyUser) -> bool:
    return is_coordinator(user)


def can_change_roles(user: AnyUser) -> bool:
    return is_admin(user)


def can_read_outbox(user: AnyUser) -> bool:
    return is_admin(user)


def can_view_admin(user: AnyUser) -> bool:
    return is_coordinator(user)


def require(allowed: bool) -> None:
    """Abort with 403 unless ``allowed``; views call ``require(can_x(current_user, thing))``."""
    if not allowed:
        abort(403)


RULES: dict[str, Any] = {
    name: function
    for name, function in dict(globals()).items()
    if name.startswith(("can_", "is_")) and callable(function)
}
