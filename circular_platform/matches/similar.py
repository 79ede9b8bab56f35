"""Similar questions of other organisations: question against question, with the same text
analysis as the matches, so that nobody posts the tenth copy of a demand without knowing the
other nine, and a coordinator sees which questions could be bought together.

Scores are plain cosines of the TF-IDF vectors (no theme boost), the measure the demand bundler
clusters on, so :data:`MIN_SIMILARITY` reads like the bundler's threshold.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from circular_platform import permissions
from circular_platform.matches.documents import question_document
from circular_platform.matches.services import matchable_questions
from circular_platform.matches.store import store
from circular_platform.models import OPEN_DEMAND, Question
from matching.matcher import Document, Matcher, Result

# The bundler's default threshold (demand.services.DEFAULT_THRESHOLD): below it two questions
# are not proposed as one bundle, so listing them would promise a joint purchase that does not
# come; between 0.1 and 0.2 the shared words are mostly incidental ("woningen", "gemeente").
MIN_SIMILARITY = 0.2
CANDIDATES = 50  # ranked before the organisation and visibility filters thin them out
PAIR_CANDIDATES = 10  # per question on the bundles page; a pair needs only one side to find it

SimilarPair = tuple[Question, Question, Result]


def similar_questions(
    session: Session, question: Question, user: permissions.AnyUser, limit: int = 5
) -> list[tuple[Question, Result]]:
    """Up to ``limit`` open questions of other organisations that ``user`` may see, most similar
    first, each with the words it shares with ``question``. Only those shown are explained: the
    explanation costs more than the ranking."""
    matcher = question_matcher(session)
    if matcher is None:
        return []
    document = question_document(question)
    results = _candidates(matcher, document, limit)
    visible = _others_visible(session, question, user, results)
    shown = [r for r in results if r.id in visible][:limit]
    if not shown:
        return []
    # Only the questions shown become objects: of fifty candidates, most are never displayed.
    loaded = select(Question).where(Question.id.in_([r.id for r in shown]))
    loaded = loaded.options(joinedload(Question.organisation), joinedload(Question.municipality))
    found: dict[object, Question] = {q.id: q for q in session.scalars(loaded).unique()}
    explained = matcher.results_for(document, [r.id for r in shown])
    return [
        (found[r.id], replace(r, terms=e.terms, bridges=e.bridges))
        for r, e in zip(shown, explained, strict=True)
    ]


def count_similar_questions(
    session: Session, question: Question, user: permissions.AnyUser, limit: int = CANDIDATES
) -> int:
    """How many questions :func:`similar_questions` would list with this ``limit``, without
    explaining or loading them."""
    matcher = question_matcher(session)
    if matcher is None:
        return 0
    results = _candidates(matcher, question_document(question), limit)
    if not results:  # nothing alike: no question to look up
        return 0
    return min(len(_others_visible(session, question, user, results)), limit)


def _candidates(matcher: Matcher, document: Document, limit: int) -> list[Result]:
    """The most similar questions before the filters, unexplained (scores and order as explained)."""
    k = max(CANDIDATES, 2 * limit)
    return _rank(matcher, [document], k, exclude={document.id}, explain=False)[0]


def _others_visible(
    session: Session, question: Question, user: permissions.AnyUser, results: list[Result]
) -> set[int]:
    """The ids of the open questions among ``results`` of other organisations that ``user`` may see."""
    query = select(Question.id).where(
        Question.id.in_([r.id for r in results]),
        Question.status.in_(OPEN_DEMAND),
        Question.organisation_id != question.organisation_id,
        permissions.visible_questions(user),
    )
    return set(session.scalars(query))


def similar_pairs(
    questions: Sequence[Question], documents: Sequence[Document], matcher: Matcher | None, limit: int = 20
) -> list[SimilarPair]:
    """Pairs of similar questions of different organisations among ``questions``, each pair
    once, most similar first, with the ``matcher`` fitted on exactly their ``documents`` (as the
    bundle proposals are, so the pairs and the proposals on one page weigh words alike).

    Only the pairs shown are explained: explaining all 20,000 candidates of 2,000 questions
    took two seconds."""
    if matcher is None:
        return []
    ranked = _rank(matcher, documents, PAIR_CANDIDATES + 1, explain=False)
    by_id: dict[object, Question] = {q.id: q for q in questions}
    pairs: dict[frozenset[int], SimilarPair] = {}
    for question, results in zip(questions, ranked, strict=True):
        for result in results:
            other = by_id[result.id]
            key = frozenset((question.id, other.id))
            if other.organisation_id != question.organisation_id and key not in pairs:
                pairs[key] = (question, other, result)
    best = sorted(pairs.values(), key=lambda p: (-p[2].score, min(p[0].id, p[1].id)))[:limit]
    position = {q.id: row for row, q in enumerate(questions)}
    return [
        (first, second, matcher.results_for(documents[position[first.id]], [second.id])[0])
        for first, second, _result in best
    ]


def _rank(
    matcher: Matcher, documents: Sequence[Document], k: int, exclude: Collection = (), explain: bool = True
) -> list[list[Result]]:
    return matcher.rank_many(
        documents, k, min_score=MIN_SIMILARITY, theme_boost=0.0, exclude=exclude, explain=explain
    )


def question_matcher(session: Session) -> Matcher | None:
    """The cached questions model, or one fitted now when no model was saved yet."""
    models = store().get()
    if models is not None:
        return models.questions
    questions = matchable_questions(session)
    return Matcher.fit(question_document(q) for q in questions) if questions else None
