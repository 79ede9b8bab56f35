"""Match alerts, saved-search hits and the coordinators' digest: one mail per person per run.

Set-based: a fixed number of queries reads the recipients and their settings, the new matches
and the coordinators' lists for everyone at once; only saved searches run one search each
(the search backend answers one query at a time, with the reader's own permissions).
A person's sections that are due go into one mail; sections with nothing new are left out and
a mail with no sections is not sent. The ``last_sent_at`` marks move in the same transaction as
the outbox rows are written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session, joinedload

from circular_platform.db import db
from circular_platform.demand import services as demand
from circular_platform.demand.figures import Scope
from circular_platform.mail import add_many, compose
from circular_platform.matches.services import MIN_SCORE
from circular_platform.models import (
    DEFAULT_FREQUENCY,
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Frequency,
    Match,
    MatchStatus,
    Membership,
    NotificationSetting,
    Organisation,
    OutboxMessage,
    Question,
    QuestionStatus,
    SavedSearch,
    Solution,
    SolutionStatus,
    User,
)
from circular_platform.notifications import escalation
from circular_platform.notifications.schedule import as_utc, is_due
from circular_platform.notifications.tokens import unsubscribe_token
from circular_platform.review import queries as review
from circular_platform.review.services import STALLED_AFTER
from circular_platform.search import services as search
from circular_platform.search.documents import parse_key
from circular_platform.urls import public_url
from matching.search import FACETS

# A match with both sides, their organisations and places, in the same statement.
MATCH_ROWS = (
    joinedload(Match.question).joinedload(Question.organisation),
    joinedload(Match.question).joinedload(Question.municipality),
    joinedload(Match.solution).joinedload(Solution.organisation).joinedload(Organisation.municipality),
)
SPEED = {Frequency.IMMEDIATELY: 0, Frequency.DAILY: 1, Frequency.WEEKLY: 2}
MAX_ITEMS = 25  # per section; the mail links to the full list
BATCH = 1000  # mails rendered and inserted at a time
# The coordinators' lists: a digest goes out when one of NEWS has an entry since the last one;
# the STANDING lists are then shown whole (a to-do list), the others only since the last digest.
NEWS = ("questions", "solutions", "queue", "stalled", "without_fit")
STANDING = ("stalled", "without_fit", "bundles")


@dataclass
class Item:
    """One line of a digest: what it is, whose, where, why, and the link."""

    kind: str  # "question", "solution" or "organisation"
    title: str
    organisation: str
    place: str
    url: str
    terms: list[str] = field(default_factory=list)
    own_title: str = ""  # for a match: the reader's own question or solution


@dataclass
class Subscription:
    """One person's mail for one organisation (None: the coordinators' digest) that is due now."""

    user: User
    organisation: Organisation | None
    setting: NotificationSetting | None
    frequency: Frequency
    since: datetime


@dataclass
class Section:
    kind: str  # "matches", "search" or "coordinator"
    name: str  # the organisation, or the saved query
    unsubscribe: str
    items: list[Item] = field(default_factory=list)
    groups: dict[str, list[Item]] = field(default_factory=dict)  # the coordinators' lists
    total: int = 0


@dataclass
class Digest:
    user: User
    sections: list[Section] = field(default_factory=list)
    organisations: list[int | None] = field(default_factory=list)
    searches: list[int] = field(default_factory=list)


def send_digests(session: Session, now: datetime) -> int:
    """Queue the digests due at ``now``; the number of mails."""
    members, coordinators = _subscriptions(session)
    speed = _fastest(members + coordinators)
    due_members = [s for s in members if is_due(s.frequency, s.since, now)]
    due_coordinators = [s for s in coordinators if is_due(s.frequency, s.since, now)]
    digests: dict[int, Digest] = {}
    advanced = _match_sections(session, digests, due_members, now)
    advanced += _coordinator_sections(session, digests, due_coordinators, now)
    searched = _search_sections(session, digests, speed, now)
    _record(session, advanced, searched, now)
    ready = [digest for digest in digests.values() if digest.sections]
    # Rendered and written a batch at a time: 5,000 rendered mails at once would take ~100 MB.
    return sum(
        add_many(session, [_compose(digest) for digest in ready[start : start + BATCH]])
        for start in range(0, len(ready), BATCH)
    )


# -- who is due -------------------------------------------------------------------------------


def _subscriptions(session: Session) -> tuple[list[Subscription], list[Subscription]]:
    """Every approved membership and every coordinator, with their setting or the default (2 queries)."""
    setting_of_member = and_(
        NotificationSetting.user_id == Membership.user_id,
        NotificationSetting.organisation_id == Membership.organisation_id,
    )
    rows = session.execute(
        select(Membership, NotificationSetting)
        .join(Membership.user)
        .outerjoin(NotificationSetting, setting_of_member)
        .where(Membership.approved, User.active, User.confirmed_at.is_not(None))
        .options(joinedload(Membership.user), joinedload(Membership.organisation))
    ).all()
    members = [_subscription(m.user, m.organisation, setting, m.created_at) for m, setting in rows]
    setting_of_coordinator = and_(
        NotificationSetting.user_id == User.id, NotificationSetting.organisation_id.is_(None)
    )
    rows = session.execute(
        select(User, NotificationSetting)
        .outerjoin(NotificationSetting, setting_of_coordinator)
        .where(User.is_coordinator, User.active)
    ).all()
    coordinators = [_subscription(user, None, setting, user.created_at) for user, setting in rows]
    for subscription in coordinators:  # coordinators choose a daily or a weekly digest
        if subscription.frequency == Frequency.IMMEDIATELY:
            subscription.frequency = Frequency.DAILY
    return members, coordinators


def _subscription(
    user: User, organisation: Organisation | None, setting: NotificationSetting | None, joined: datetime
) -> Subscription:
    frequency = setting.frequency if setting else DEFAULT_FREQUENCY
    since = setting.last_sent_at if setting and setting.last_sent_at else joined
    return Subscription(user, organisation, setting, frequency, as_utc(since))


def _fastest(subscriptions: list[Subscription]) -> dict[int, Frequency]:
    """Saved searches come as often as the person's most frequent mail; weekly if they get none."""
    fastest: dict[int, Frequency] = {}
    for s in subscriptions:
        if s.frequency in SPEED and SPEED[s.frequency] < SPEED[fastest.get(s.user.id, Frequency.WEEKLY)]:
            fastest[s.user.id] = s.frequency
    return fastest


def _digest(digests: dict[int, Digest], user: User) -> Digest:
    return digests.setdefault(user.id, Digest(user))


def _advances(subscription: Subscription, has_items: bool) -> bool:
    """A digest's mark moves on its day even without news; "at once" waits for the next item."""
    return has_items or subscription.frequency != Frequency.IMMEDIATELY


# -- new matches --------------------------------------------------------------------------------


def _match_sections(
    session: Session, digests: dict[int, Digest], due: list[Subscription], now: datetime
) -> list[Subscription]:
    if not due:
        return []
    by_organisation = _new_matches(session, min(s.since for s in due), now)
    advanced = []
    for subscription in due:
        organisation = subscription.organisation
        if organisation is None:  # the coordinators' digest has its own sections
            continue
        items = [item for created, item in by_organisation[organisation.id] if created > subscription.since]
        if items:
            digest = _digest(digests, subscription.user)
            token = unsubscribe_token(subscription.user.id, [organisation.id], [])
            digest.sections.append(
                Section(
                    "matches",
                    organisation.name,
                    _unsubscribe_url(token),
                    items[:MAX_ITEMS],
                    total=len(items),
                )
            )
            digest.organisations.append(organisation.id)
        if _advances(subscription, bool(items)):
            advanced.append(subscription)
    return advanced


def _new_matches(session: Session, since: datetime, now: datetime) -> dict[int, list[tuple[datetime, Item]]]:
    """Per organisation id, the other side of each match shown to it created in (since, now]; best first."""
    query = (
        select(Match)
        .join(Match.question)
        .join(Match.solution)
        .where(
            Match.created_at > since,
            Match.created_at <= now,
            Match.score >= MIN_SCORE,
            Match.status != MatchStatus.REJECTED,
            Question.status.in_(MATCHABLE_QUESTIONS),
            Solution.status.in_(MATCHABLE_SOLUTIONS),
        )
        .options(*MATCH_ROWS)
        .order_by(Match.score.desc(), Match.id)
    )
    found: dict[int, list[tuple[datetime, Item]]] = defaultdict(list)
    for match in session.scalars(query).unique():
        question, solution = match.question, match.solution
        created = as_utc(match.created_at)
        found[question.organisation_id].append(
            (created, _solution_item(solution, match.terms, question.title))
        )
        found[solution.organisation_id].append(
            (created, _question_item(question, match.terms, solution.title))
        )
    return found


def _question_item(question: Question, terms: list[str] | None = None, own_title: str = "") -> Item:
    return Item(
        "question",
        question.title,
        question.organisation.name,
        question.municipality.name,
        public_url("questions.detail", question_id=question.id),
        list(terms or []),
        own_title,
    )


def _solution_item(solution: Solution, terms: list[str] | None = None, own_title: str = "") -> Item:
    return Item(
        "solution",
        solution.title,
        solution.organisation.name,
        solution.organisation.municipality.name,
        public_url("solutions.detail", solution_id=solution.id),
        list(terms or []),
        own_title,
    )


# -- coordinators -------------------------------------------------------------------------------


def _coordinator_sections(
    session: Session, digests: dict[int, Digest], due: list[Subscription], now: datetime
) -> list[Subscription]:
    """The lists of the whole region (the platform has no coordinator per province), once for all."""
    if not due:
        return []
    since = min(s.since for s in due)
    lists = _coordinator_lists(session, since, now)
    advanced = []
    for subscription in due:
        news = any(moment > subscription.since for name in NEWS for moment, _ in lists[name])
        if news:
            groups = {
                name: [item for moment, item in rows if name in STANDING or moment > subscription.since]
                for name, rows in lists.items()
            }
            digest = _digest(digests, subscription.user)
            token = unsubscribe_token(subscription.user.id, [None], [])
            digest.sections.append(Section("coordinator", "", _unsubscribe_url(token), groups=groups))
            digest.organisations.append(None)
            advanced.append(subscription)
        elif _advances(subscription, False):
            advanced.append(subscription)
    return advanced


def _coordinator_lists(
    session: Session, since: datetime, now: datetime
) -> dict[str, list[tuple[datetime, Item]]]:
    """Each list with the moment an entry became news: created, entered the queue, stalled, escalated."""
    new_questions = session.scalars(
        select(Question)
        .where(Question.status == QuestionStatus.OPEN, Question.created_at > since)
        .options(joinedload(Question.organisation), joinedload(Question.municipality))
        .order_by(Question.created_at)
    )
    new_solutions = session.scalars(
        select(Solution)
        .where(Solution.status == SolutionStatus.ACTIVE, Solution.created_at > since)
        .options(joinedload(Solution.organisation).joinedload(Organisation.municipality))
        .order_by(Solution.created_at)
    )
    queue = session.scalars(review.queue_query({}, now).where(Match.created_at > since).options(*MATCH_ROWS))
    stalled = review.stalled(session, now)
    _load_matches(session, [s.match.id for s in stalled])
    without_fit = escalation.questions_without_fit(session, None, now)
    bundles = demand.proposals(session, Scope(), demand.DEFAULT_THRESHOLD)
    return {
        "questions": [(as_utc(q.created_at), _question_item(q)) for q in new_questions],
        "solutions": [(as_utc(s.created_at), _solution_item(s)) for s in new_solutions],
        "queue": [(as_utc(m.created_at), _match_item(m)) for m in queue],
        "stalled": [(s.changed_at + STALLED_AFTER, _match_item(s.match)) for s in stalled],
        "without_fit": [
            (as_utc(q.created_at) + escalation.WITHOUT_FIT_AFTER, _question_item(q)) for q in without_fit
        ],
        "bundles": [
            (
                now,
                Item(
                    "bundle",
                    p.label,
                    ", ".join(sorted({q.organisation.name for q in p.questions})),
                    "",
                    public_url("demand.bundles"),
                    list(p.terms),
                ),
            )
            for p in bundles
        ],
    }


def _load_matches(session: Session, ids: list[int]) -> None:
    """Both sides of these matches into the session at once, instead of one lazy load each."""
    if ids:
        session.scalars(select(Match).where(Match.id.in_(ids)).options(*MATCH_ROWS)).all()


def _match_item(match: Match) -> Item:
    return Item(
        "match",
        f"{match.question.title} — {match.solution.title}",
        f"{match.question.organisation.name} — {match.solution.organisation.name}",
        match.question.municipality.name,
        public_url("review.match_detail", match_id=match.id),
        list(match.terms or []),
    )


# -- saved searches -----------------------------------------------------------------------------


def _search_sections(
    session: Session, digests: dict[int, Digest], speed: dict[int, Frequency], now: datetime
) -> list[tuple[SavedSearch, bool]]:
    """Run each due saved search as its owner (one search each) and keep the hits dated after its mark.

    The searches use a session of their own: a failing search rolls its session back, and that
    must not undo the run's other work or release its lock.
    """
    saved = session.scalars(
        select(SavedSearch).join(SavedSearch.user).where(User.active).options(joinedload(SavedSearch.user))
    )
    searched = []
    with db.reading_session() as search_session:
        for saved_search in saved:
            frequency = speed.get(saved_search.user_id, Frequency.WEEKLY)
            since = as_utc(saved_search.last_sent_at or saved_search.created_at)
            if not is_due(frequency, since, now):
                continue
            items = _new_hits(search_session, saved_search, since, now)
            if items:
                digest = _digest(digests, saved_search.user)
                token = unsubscribe_token(saved_search.user_id, [], [saved_search.id])
                digest.sections.append(
                    Section("search", saved_search.query, _unsubscribe_url(token), items, total=len(items))
                )
                digest.searches.append(saved_search.id)
            searched.append((saved_search, bool(items) or frequency != Frequency.IMMEDIATELY))
    return searched


def _new_hits(session: Session, saved_search: SavedSearch, since: datetime, now: datetime) -> list[Item]:
    filters = {
        name: str(value) for name, value in (saved_search.filters or {}).items() if name in FACETS and value
    }
    request = search.SearchRequest(saved_search.query, filters, sort="date")
    results = search.search(session, saved_search.user, request.with_place(session))
    if results is None:
        return []
    items = []
    for hit in results.hits:
        if hit.date is None or not since < as_utc(hit.date) <= now:
            continue
        kind, item_id = parse_key(hit.key)
        endpoint = {"question": "questions.detail", "solution": "solutions.detail"}.get(
            kind, "organisations.profile"
        )
        url = public_url(endpoint, **{f"{kind}_id": item_id})
        items.append(Item(kind, hit.title, hit.context, "", url))
    return items


# -- writing ----------------------------------------------------------------------------------


def _unsubscribe_url(token: str) -> str:
    return public_url("notifications.unsubscribe", token=token)


def _compose(digest: Digest) -> OutboxMessage:
    """RFC 8058: the List-Unsubscribe URL stops everything this mail is about, on a POST without login."""
    everything = _unsubscribe_url(unsubscribe_token(digest.user.id, digest.organisations, digest.searches))
    headers = {"List-Unsubscribe": f"<{everything}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return compose(
        digest.user.email,
        "digest",
        language=digest.user.language,
        headers=headers,
        person=digest.user,
        sections=digest.sections,
        unsubscribe_all=everything,
        settings_url=public_url("accounts.account"),
    )


def _record(
    session: Session, advanced: list[Subscription], searched: list[tuple[SavedSearch, bool]], now: datetime
) -> None:
    """Move the marks: one UPDATE for the existing settings, one INSERT for the defaults made explicit."""
    existing = [{"id": s.setting.id, "last_sent_at": now} for s in advanced if s.setting is not None]
    if existing:
        session.execute(update(NotificationSetting), existing)
    defaults = [
        {
            "user_id": s.user.id,
            "organisation_id": s.organisation.id if s.organisation else None,
            "frequency": s.frequency,
            "last_sent_at": now,
        }
        for s in advanced
        if s.setting is None
    ]
    if defaults:
        session.execute(insert(NotificationSetting), defaults)
    marks = [{"id": saved.id, "last_sent_at": now} for saved, moves in searched if moves]
    if marks:
        session.execute(update(SavedSearch), marks)
