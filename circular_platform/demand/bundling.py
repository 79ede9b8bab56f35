"""The adapter between demand bundles and the engine: proposals and candidate solutions.

Like :mod:`circular_platform.matches` for single matches, this is the one place where demand
bundles meet ``matching/``; it reads items through :mod:`circular_platform.matches.documents`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.matches.documents import question_document, solution_document
from circular_platform.matches.services import matchable_solutions, solutions_for
from circular_platform.matches.store import store
from circular_platform.models import MATCHABLE_SOLUTIONS, Question, Solution
from matching.bundling import Candidate, bundles, label, shared_terms
from matching.matcher import Document, Matcher, Result

CANDIDATES = 5
BEST = 50  # ranked before the ones that do not serve every municipality are left out
MIN_SIMILARITY = 0.05  # a bundle's text is long: its cosine with any one solution is lower


@dataclass(frozen=True)
class Proposal:
    questions: list[Question]
    label: str
    terms: tuple[str, ...]
    cohesion: float  # mean similarity of the questions, 0..1


@dataclass(frozen=True)
class Compared:
    """Questions to compare with each other, their documents and a matcher fitted on exactly
    them: word weights reflect what is distinctive among the questions compared, whatever the
    cached model holds. The proposals and the similar pairs of one page share it."""

    questions: list[Question]
    documents: list[Document]
    matcher: Matcher | None  # None for fewer than two questions

    @classmethod
    def fit(cls, questions: Sequence[Question]) -> Compared:
        documents = [question_document(q) for q in questions]
        return cls(list(questions), documents, Matcher.fit(documents) if len(documents) >= 2 else None)


def propose(compared: Compared, threshold: float, most: int | None = None) -> list[Proposal]:
    """Clusters of similar questions of two or more organisations, biggest first (the ``most``
    biggest when given)."""
    if compared.matcher is None:
        return []
    questions, documents = compared.questions, compared.documents
    candidates = [Candidate(d, q.organisation_id) for d, q in zip(documents, questions, strict=True)]
    by_id: dict[object, Question] = {q.id: q for q in questions}
    return [
        Proposal([by_id[i] for i in cluster.ids], cluster.label, cluster.terms, cluster.cohesion)
        for cluster in bundles(candidates, compared.matcher, threshold, most)
    ]


def suggested_label(questions: Sequence[Question]) -> str:
    """A label from the words the questions share (empty when they share none)."""
    documents = [question_document(q) for q in questions]
    if len(documents) < 2:
        return ""
    matcher = Matcher.fit(documents)
    return label(shared_terms(matcher.vectors(documents), matcher))


def bundle_document(questions: Sequence[Question]) -> Document:
    """The bundle as one question: all titles and descriptions, all themes, no single location."""
    parts = [question_document(q) for q in questions]
    return Document(
        id="bundle",
        title=" ".join(p.title for p in parts),
        description=" ".join(p.description for p in parts),
        themes=frozenset().union(*(p.themes for p in parts)),
    )


def candidate_solutions(session: Session, questions: Sequence[Question]) -> list[tuple[Solution, Result]]:
    """Active solutions for the bundle as a whole that serve every municipality in it, best first,
    scored like stored matches (so the strength labels read the same)."""
    if not questions:
        return []
    results = _ranked(session, bundle_document(questions))
    solutions = {s.id: s for s in session.scalars(select(Solution).where(_active_ids(results)))}
    municipalities = {q.municipality for q in questions}
    found = [
        (solutions[r.id], _without_numbers(r))
        for r in results
        if r.id in solutions and all(solutions[r.id].covers(m) for m in municipalities)
    ]
    return found[:CANDIDATES]


def _active_ids(results: list[Result]):
    return Solution.id.in_([r.id for r in results]) & Solution.status.in_(MATCHABLE_SOLUTIONS)


def _ranked(session: Session, bundle: Document) -> list[Result]:
    """The best solutions for ``bundle`` with the cached models (the learned ranker when in
    use), or with a matcher fitted now when no model was saved yet."""
    models = store().get()
    if models is not None:
        return solutions_for(models, [bundle], BEST, min_score=MIN_SIMILARITY)[0]
    active = matchable_solutions(session)
    if not active:
        return []
    return Matcher.fit(solution_document(s) for s in active).rank(bundle, BEST, min_score=MIN_SIMILARITY)


def _without_numbers(result: Result) -> Result:
    """Numbers such as 240 are shared by chance, not by subject; the explanation leaves them out."""
    terms = tuple(t for t in result.terms if not any(ch.isdigit() for ch in t))
    return Result(result.id, result.score, terms)
