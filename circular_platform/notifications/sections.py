"""What a digest is made of: items, sections, one person's digest, and the items' shared builders.

The sections themselves are filled in :mod:`.match_sections`, :mod:`.coordinator_sections` and
:mod:`.search_sections`; :mod:`.digests` turns each person's digest into one mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import joinedload

from circular_platform.models import Match, Organisation, Question, Solution, User
from circular_platform.urls import public_url

# A match with both sides, their organisations and places, in the same statement.
MATCH_ROWS = (
    joinedload(Match.question).joinedload(Question.organisation),
    joinedload(Match.question).joinedload(Question.municipality),
    joinedload(Match.solution).joinedload(Solution.organisation).joinedload(Organisation.municipality),
)


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


def digest_for(digests: dict[int, Digest], user: User) -> Digest:
    return digests.setdefault(user.id, Digest(user))


def unsubscribe_url(token: str) -> str:
    return public_url("notifications.unsubscribe", token=token)


def question_item(question: Question, terms: list[str] | None = None, own_title: str = "") -> Item:
    return Item(
        "question",
        question.title,
        question.organisation.name,
        question.municipality.name,
        public_url("questions.detail", question_id=question.id),
        list(terms or []),
        own_title,
    )


def solution_item(solution: Solution, terms: list[str] | None = None, own_title: str = "") -> Item:
    return Item(
        "solution",
        solution.title,
        solution.organisation.name,
        solution.organisation.municipality.name,
        public_url("solutions.detail", solution_id=solution.id),
        list(terms or []),
        own_title,
    )
