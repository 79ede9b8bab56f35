"""Demand bundles: proposals from the engine, and the coordinator's confirmations and edits.

Rules: a bundle holds at least two open questions of at least two organisations when it is
confirmed, and never fewer than two questions; a question is in at most one active bundle
(every status but ``afgerond``). Functions ``flush()``; the view commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from circular_platform import audit, permissions
from circular_platform.demand import bundling
from circular_platform.demand.figures import Scope, open_questions
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.matches import similar
from circular_platform.matches.similar import SimilarPair
from circular_platform.models import (
    OPEN_DEMAND,
    AuditAction,
    BundleQuestion,
    BundleStatus,
    DemandBundle,
    Question,
    SupplyBundle,
    User,
)

DEFAULT_THRESHOLD = 0.2  # on the demo data: the renovation, asphalt and workwear bundles, nothing loose
MIN_THRESHOLD, MAX_THRESHOLD = 0.05, 0.95
PAIRS = 20  # similar pairs listed for coordinators: enough to spot repeated demand, short enough to read
# Newest open questions compared with each other on the bundles page. The comparison grows with
# the square of their number: 2,000 take about a second, 15,000 took minutes and gigabytes.
COMPARED_AT_MOST = 2000
ADDABLE_SHOWN = 50  # questions offered to add to a bundle: those most like it
PROPOSALS_SHOWN = 40  # the biggest proposals on the page: more is no longer read, a higher threshold helps


def clamp_threshold(value: str | None) -> float:
    """The threshold from a query string, within bounds; the default when missing or malformed."""
    try:
        threshold = float((value or "").replace(",", "."))
    except ValueError:
        return DEFAULT_THRESHOLD
    return min(MAX_THRESHOLD, max(MIN_THRESHOLD, threshold))


def bundled_question_ids(session: Session, except_bundle: DemandBundle | None = None) -> set[int]:
    """Questions in an active bundle (other than ``except_bundle``)."""
    query = (
        select(BundleQuestion.question_id)
        .join(BundleQuestion.bundle)
        .where(DemandBundle.status != BundleStatus.COMPLETED)
    )
    if except_bundle is not None:
        query = query.where(DemandBundle.id != except_bundle.id)
    return set(session.scalars(query))


@dataclass(frozen=True)
class Unbundled:
    """The open questions the bundles page compares: ``capped`` when older ones were left out."""

    compared: bundling.Compared
    capped: bool


def unbundled(session: Session, scope: Scope) -> Unbundled:
    """The newest :data:`COMPARED_AT_MOST` open questions in ``scope`` that are not in an active
    bundle, fitted for comparing."""
    taken = bundled_question_ids(session)
    # One more than needed tells whether any were left out.
    loaded = open_questions(session, scope, newest=COMPARED_AT_MOST + len(taken) + 1)
    unbundled_questions = [q for q in loaded if q.id not in taken]
    questions = unbundled_questions[-COMPARED_AT_MOST:]
    return Unbundled(bundling.Compared.fit(questions), capped=len(unbundled_questions) > len(questions))


def proposals(
    compared: bundling.Compared, threshold: float, most: int | None = None
) -> list[bundling.Proposal]:
    """Proposed bundles among the compared questions (of :func:`unbundled`), the ``most`` biggest."""
    return bundling.propose(compared, threshold, most)


def similar_pairs(compared: bundling.Compared) -> list[SimilarPair]:
    """Pairs of similar questions of different organisations among the compared ones."""
    return similar.similar_pairs(compared.questions, compared.documents, compared.matcher, limit=PAIRS)


def visible_bundles(session: Session, user: User) -> list[DemandBundle]:
    query = (
        select(DemandBundle)
        .where(permissions.visible_bundles(user))
        .options(selectinload(DemandBundle.members).selectinload(BundleQuestion.question))
    )
    return list(session.scalars(query.order_by(DemandBundle.created_at.desc(), DemandBundle.id.desc())))


def confirm_bundle(
    session: Session, user: User, question_ids: Sequence[int], label: str, scope: Scope
) -> DemandBundle:
    questions = _load_questions(session, question_ids)
    _check_joinable(session, questions, None)
    if len(questions) < 2 or len({q.organisation_id for q in questions}) < 2:
        raise DomainError(_l("Een bundel bestaat uit vragen van minstens twee organisaties."))
    bundle = DemandBundle(
        label=label.strip() or bundling.suggested_label(questions) or str(_l("Nieuwe bundel")),
        theme=_common(q.theme for q in questions) or scope.theme,
        province=_common(q.province for q in questions),
        municipality=_common(q.municipality for q in questions),
        created_by=user,
        members=[BundleQuestion(question=q) for q in questions],
    )
    session.add(bundle)
    session.flush()
    audit.record(session, AuditAction.BUNDLE_CREATED, bundle, by=user, questions=[q.id for q in questions])
    return bundle


def _load_questions(session: Session, ids: Sequence[int]) -> list[Question]:
    return list(session.scalars(select(Question).where(Question.id.in_(ids)).order_by(Question.id)))


def _common(values):
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else None


def _check_joinable(session: Session, questions: Sequence[Question], bundle: DemandBundle | None) -> None:
    taken = bundled_question_ids(session, except_bundle=bundle)
    for question in questions:
        if question.id in taken:
            raise DomainError(
                _l("‘%(title)s’ zit al in een andere lopende bundel.", title=question.title), "question_id"
            )
        if question.status not in OPEN_DEMAND:
            raise DomainError(_l("‘%(title)s’ is geen open vraag meer.", title=question.title), "question_id")


def rename_bundle(session: Session, bundle: DemandBundle | SupplyBundle, label: str) -> None:
    """Demand and supply bundles alike."""
    audit.record(session, AuditAction.BUNDLE_RENAMED, bundle, old=bundle.label, new=label.strip())
    bundle.label = label.strip()
    session.flush()


def change_status(session: Session, bundle: DemandBundle, status: BundleStatus) -> None:
    """Reopening a finished bundle fails when one of its questions joined another bundle since."""
    if not bundle.active and status != BundleStatus.COMPLETED:
        taken = bundled_question_ids(session, except_bundle=bundle)
        if any(q.id in taken for q in bundle.questions):
            raise DomainError(_l("Een vraag uit deze bundel zit inmiddels in een andere lopende bundel."))
    audit.record(session, AuditAction.BUNDLE_STATUS_CHANGED, bundle, old=bundle.status, new=status)
    bundle.status = status
    session.flush()


def add_question(session: Session, bundle: DemandBundle, question: Question) -> None:
    if question in bundle.questions:
        raise DomainError(_l("Deze vraag zit al in de bundel."), "question_id")
    _check_joinable(session, [question], bundle)
    bundle.members.append(BundleQuestion(question=question))
    audit.record(
        session, AuditAction.BUNDLE_QUESTION_ADDED, bundle, question=question.id, title=question.title
    )
    session.flush()


def remove_question(session: Session, bundle: DemandBundle, question: Question) -> None:
    member = next((m for m in bundle.members if m.question_id == question.id), None)
    if member is None:
        raise DomainError(_l("Deze vraag zit niet in de bundel."))
    if len(bundle.members) <= 2:
        raise DomainError(_l("Een bundel houdt minstens twee vragen. Zet de bundel anders op afgerond."))
    bundle.members.remove(member)
    audit.record(
        session, AuditAction.BUNDLE_QUESTION_REMOVED, bundle, question=question.id, title=question.title
    )
    session.flush()


def addable_questions(session: Session, bundle: DemandBundle) -> list[Question]:
    """Open questions of the bundle's theme that are in no active bundle, for the add form: the
    :data:`ADDABLE_SHOWN` most like the bundle, most alike first. All of them made a list of
    thousands that nobody reads (and a page of 800 KB)."""
    matcher = similar.question_matcher(session)
    if matcher is None:
        return []
    taken = bundled_question_ids(session)
    document = bundling.bundle_document(bundle.questions)
    ranked = matcher.rank(document, ADDABLE_SHOWN + len(taken), theme_filter=True, explain=False)
    query = select(Question).where(
        Question.id.in_([r.id for r in ranked if r.id not in taken]),
        Question.status.in_(OPEN_DEMAND),
        Question.theme == bundle.theme,
    )
    found = {q.id: q for q in session.scalars(query.options(joinedload(Question.organisation)))}
    return [found[r.id] for r in ranked if r.id in found][:ADDABLE_SHOWN]
