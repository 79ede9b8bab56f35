from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Municipality,
    Organisation,
    Province,
    Question,
    Solution,
)
from circular_platform.permissions import AnyUser
from circular_platform.review.queries import queue_query
from circular_platform.solutions.services import covering

NORTHERN_PROVINCES = ("PV22", "PV20", "PV21")  # Drenthe, Groningen, Fryslân


def northern_provinces(session: Session) -> list[Province]:
    rows = session.scalars(select(Province).where(Province.cbs_code.in_(NORTHERN_PROVINCES))).all()
    return sorted(rows, key=lambda p: NORTHERN_PROVINCES.index(p.cbs_code))


def organisations_per_province(session: Session) -> dict[int, int]:
    query = (
        select(Municipality.province_id, func.count(Organisation.id))
        .join(Organisation.municipality)
        .group_by(Municipality.province_id)
    )
    return {province_id: count for province_id, count in session.execute(query)}


def open_questions_per_province(session: Session, user: AnyUser) -> dict[int, int]:
    """Open questions ``user`` may see, as many as the linked list shows; members-only ones to members."""
    query = (
        select(Municipality.province_id, func.count(Question.id))
        .join(Question.municipality)
        .where(Question.status.in_(MATCHABLE_QUESTIONS), permissions.visible_questions(user))
        .group_by(Municipality.province_id)
    )
    return {province_id: count for province_id, count in session.execute(query)}


def active_solutions_in(session: Session, province: Province, user: AnyUser) -> int:
    """Active solutions ``user`` may see whose service area reaches into ``province``, nationwide ones too."""
    query = select(func.count(Solution.id)).where(
        Solution.status.in_(MATCHABLE_SOLUTIONS),
        covering(province_id=province.id),
        permissions.visible_solutions(user),
    )
    return session.scalar(query) or 0


def items_of(session: Session, model: type[Question] | type[Solution], organisation_ids: list[int]) -> list:
    query = select(model).where(model.organisation_id.in_(organisation_ids)).order_by(model.updated_at.desc())
    return list(session.scalars(query))


def review_queue_size(session: Session) -> int:
    """Proposals waiting for a coordinator, as the review page counts them."""
    return session.scalar(select(func.count()).select_from(queue_query({}).order_by(None).subquery())) or 0
