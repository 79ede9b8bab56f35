"""Every access rule of the platform, in one place.

Views, templates (through the ``can`` context processor), the API and the CLI ask these
predicates; nobody re-derives a rule. The anonymous user answers False to everything.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from flask import abort
from flask_login import AnonymousUserMixin
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from circular_platform.models import (
    LISTED_SOLUTIONS,
    PUBLISHED_QUESTIONS,
    ApiToken,
    BuildingPassport,
    BundleQuestion,
    DemandBundle,
    Match,
    MembershipRole,
    Organisation,
    OrganisationKind,
    Question,
    SavedSearch,
    Solution,
    SupplyBundle,
    TokenScope,
    User,
    Visibility,
)

AnyUser: TypeAlias = User | AnonymousUserMixin


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


def can_change_roles(user: AnyUser) -> bool:
    return is_admin(user)


def can_read_outbox(user: AnyUser) -> bool:
    return is_admin(user)


def can_retry_mail(user: AnyUser) -> bool:
    return is_admin(user)


def can_view_audit_log(user: AnyUser) -> bool:
    return is_admin(user)


def can_view_admin(user: AnyUser) -> bool:
    return is_coordinator(user)


def _member_organisation_ids(user: AnyUser) -> list[int]:
    return [m.organisation_id for m in user.memberships if m.approved] if _is_user(user) else []


def can_post_question(user: AnyUser) -> bool:
    return bool(_member_organisation_ids(user)) or is_coordinator(user)


def can_edit_question(user: AnyUser, question: Question) -> bool:
    return is_coordinator(user) or question.organisation_id in _member_organisation_ids(user)


def can_view_question(user: AnyUser, question: Question) -> bool:
    if can_edit_question(user, question):
        return True
    if question.status not in PUBLISHED_QUESTIONS:
        return False
    return question.visibility == Visibility.PUBLIC or _is_user(user)


def visible_questions(user: AnyUser) -> ColumnElement[bool]:
    """The SQL form of :func:`can_view_question`, for lists, counts and search."""
    if is_coordinator(user):
        return true()
    published = Question.status.in_(PUBLISHED_QUESTIONS)
    if not _is_user(user):
        return and_(published, Question.visibility == Visibility.PUBLIC)
    return or_(published, Question.organisation_id.in_(_member_organisation_ids(user)))


def can_publish_solution(user: AnyUser, organisation: Organisation) -> bool:
    return is_coordinator(user) or (organisation.may_publish_solutions and is_member(user, organisation))


def can_post_solution(user: AnyUser) -> bool:
    return is_coordinator(user) or any(
        m.approved and m.organisation.may_publish_solutions for m in getattr(user, "memberships", [])
    )


def can_edit_solution(user: AnyUser, solution: Solution) -> bool:
    return is_coordinator(user) or solution.organisation_id in _member_organisation_ids(user)


def can_view_solution(user: AnyUser, solution: Solution) -> bool:
    return solution.status in LISTED_SOLUTIONS or can_edit_solution(user, solution)


def visible_solutions(user: AnyUser) -> ColumnElement[bool]:
    """The SQL form of :func:`can_view_solution`."""
    if is_coordinator(user):
        return true()
    listed = Solution.status.in_(LISTED_SOLUTIONS)
    own = _member_organisation_ids(user)
    return or_(listed, Solution.organisation_id.in_(own)) if own else listed


def can_register_passport(user: AnyUser) -> bool:
    """Building owners (corporations, municipalities, schools) and coordinators."""
    return is_coordinator(user) or bool(passport_organisations(user))


def passport_organisations(user: AnyUser) -> list[Organisation]:
    """The building-owning organisations ``user`` is an approved member of."""
    if not _is_user(user):
        return []
    owners = (OrganisationKind.HOUSING_CORPORATION, OrganisationKind.MUNICIPALITY, OrganisationKind.EDUCATION)
    return [m.organisation for m in user.memberships if m.approved and m.organisation.kind in owners]


def can_edit_passport(user: AnyUser, passport: BuildingPassport) -> bool:
    return is_coordinator(user) or passport.organisation_id in _member_organisation_ids(user)


def can_view_passport(user: AnyUser, passport: BuildingPassport) -> bool:
    """A passport is private to its organisation and the coordinators until it is published."""
    return passport.published or can_edit_passport(user, passport)


def visible_passports(user: AnyUser) -> ColumnElement[bool]:
    if is_coordinator(user):
        return true()
    own = _member_organisation_ids(user)
    published = BuildingPassport.published.is_(True)
    return or_(published, BuildingPassport.organisation_id.in_(own)) if own else published


def feedback_side(user: AnyUser, match: Match) -> str | None:
    """Which side of a match ``user`` speaks for ("question" or "solution"), if any.

    Owners give feedback on their own side; a coordinator is not an owner.
    """
    own = _member_organisation_ids(user)
    if match.question.organisation_id in own:
        return "question"
    if match.solution.organisation_id in own:
        return "solution"
    return None


# The search index form of the view rules above: each item carries audience tags, each reader a
# set of tags; a reader sees an item when the two share one. None means "sees everything".
PUBLIC, SIGNED_IN = "public", "signed-in"


def _organisation_audience(organisation_id: int) -> str:
    return f"organisation-{organisation_id}"


def question_audiences(question: Question) -> set[str]:
    audiences = {_organisation_audience(question.organisation_id)}
    if question.status in PUBLISHED_QUESTIONS:
        audiences.add(SIGNED_IN)
        if question.visibility == Visibility.PUBLIC:
            audiences.add(PUBLIC)
    return audiences


def solution_audiences(solution: Solution) -> set[str]:
    audiences = {_organisation_audience(solution.organisation_id)}
    if solution.status in LISTED_SOLUTIONS:
        audiences |= {PUBLIC, SIGNED_IN}
    return audiences


def organisation_audiences(_organisation: Organisation) -> set[str]:
    return {PUBLIC, SIGNED_IN}  # profiles are public


def reader_audiences(user: AnyUser) -> frozenset[str] | None:
    if is_coordinator(user):
        return None
    if not _is_user(user):
        return frozenset({PUBLIC})
    own = {_organisation_audience(i) for i in _member_organisation_ids(user)}
    return frozenset({PUBLIC, SIGNED_IN, *own})


def can_import_items(user: AnyUser) -> bool:
    return is_coordinator(user)


# -- review of matches by coordinators, and the pipeline after an introduction ---------------

# Before an introduction a match is the coordinators' business; owners only see it as a suggestion.
_PRE_INTRODUCTION = ("voorgesteld", "afgewezen")


def can_review_matches(user: AnyUser) -> bool:
    return is_coordinator(user)


def is_match_party(user: AnyUser, match: Match) -> bool:
    """Whether ``user`` belongs to the organisation of the question or of the solution."""
    own = _member_organisation_ids(user)
    return match.question.organisation_id in own or match.solution.organisation_id in own


def can_see_match(user: AnyUser, match: Match) -> bool:
    """Coordinators see every match; both parties see it (with its log) once they were introduced."""
    if is_coordinator(user):
        return True
    return match.status not in _PRE_INTRODUCTION and is_match_party(user, match)


def visible_matches(user: AnyUser) -> ColumnElement[bool]:
    """The SQL form of :func:`can_see_match`; the query joins ``Match.question`` and ``Match.solution``."""
    if is_coordinator(user):
        return true()
    own = _member_organisation_ids(user)
    if not own:
        return false()
    party = or_(Question.organisation_id.in_(own), Solution.organisation_id.in_(own))
    return and_(Match.status.not_in(_PRE_INTRODUCTION), party)


def can_move_match(user: AnyUser, match: Match) -> bool:
    """Coordinators and both parties move an introduced match along the pipeline and add notes."""
    return can_see_match(user, match)


def can_record_impact(user: AnyUser, match: Match) -> bool:
    """Once a match is "afgerond", its parties and the coordinators record what was exchanged."""
    return match.status == "afgerond" and (is_coordinator(user) or is_match_party(user, match))


def can_adjust_emission_factors(user: AnyUser) -> bool:
    return is_admin(user)


def require(allowed: bool) -> None:
    """Abort with 403 unless ``allowed``; views call ``require(can_x(current_user, thing))``."""
    if not allowed:
        abort(403)


def can_follow_demand(user: AnyUser) -> bool:
    """Region dashboard, procurement monitor and bundle proposals: the innovation lab's coordinators."""
    return is_coordinator(user)


def can_manage_bundles(user: AnyUser) -> bool:
    return is_coordinator(user)


def can_view_bundle(user: AnyUser, bundle: DemandBundle) -> bool:
    """Coordinators, and members of an organisation with a question in the bundle (read-only)."""
    own = set(_member_organisation_ids(user))
    return is_coordinator(user) or any(q.organisation_id in own for q in bundle.questions)


def visible_bundles(user: AnyUser) -> ColumnElement[bool]:
    """The SQL form of :func:`can_view_bundle`."""
    if is_coordinator(user):
        return true()
    involved = (
        select(BundleQuestion.bundle_id)
        .join(BundleQuestion.question)
        .where(Question.organisation_id.in_(_member_organisation_ids(user)))
    )
    return DemandBundle.id.in_(involved)


def coordinates_province(user: AnyUser, province_id: int | None) -> bool:
    """A coordinator of the whole north (no province of their own), or of this province."""
    if not is_coordinator(user) or not isinstance(user, User):
        return False
    return user.coordinated_province_id in (None, province_id)


def can_manage_supply_bundle(user: AnyUser, bundle: SupplyBundle) -> bool:
    """Supply bundles hold lines of passports their owners may not have shared yet: only the
    coordinators of the bundle's province see and change them, no organisation does."""
    return coordinates_province(user, bundle.province_id)


def visible_supply_bundles(user: AnyUser) -> ColumnElement[bool]:
    """The SQL form of :func:`can_manage_supply_bundle`."""
    if not is_coordinator(user) or not isinstance(user, User):
        return false()
    if user.coordinated_province_id is None:
        return true()
    return SupplyBundle.province_id == user.coordinated_province_id


def can_see_contacts(user: AnyUser) -> bool:
    """Contact persons of questions and solutions are shown to signed-in users only."""
    return _is_user(user)


def can_write_through_api(scope: TokenScope | None) -> bool:
    """Only a token with the read-write scope writes; the API takes no session cookie at all."""
    return scope == TokenScope.READ_WRITE


def can_revoke_api_token(user: AnyUser, token: ApiToken) -> bool:
    """A token is its user's alone: nobody else sees or revokes it."""
    return _is_user(user) and token.user_id == user.id


def can_delete_saved_search(user: AnyUser, saved: SavedSearch) -> bool:
    """A saved search is its owner's alone: nobody else sees or deletes it."""
    return _is_user(user) and saved.user_id == user.id


# What templates see as ``can``: every public rule of this module.
RULES: dict[str, Any] = {
    name: function
    for name, function in dict(globals()).items()
    if callable(function) and getattr(function, "__module__", None) == __name__ and not name.startswith("_")
}
