"""Similar questions of other organisations: question against question, with the same text
analysis as the matches, so that nobody posts the tenth copy of a demand without knowing the
other nine, and a coordinator sees which questions could be bought together.

Scores are plain cosines of the TF-IDF vectors (no theme boost), the measure the demand bundler
clusters on, so :data:`MIN_SIMILARITY` reads like the bundler's threshold.

An open question's neighbours are stored (:class:`~circular_platform.models.SimilarQuestion`)
when it is ranked: posted, changed or reopened (:func:`store_neighbours`, from the matches'
refresh) and in the full rebuild (:func:`store_all_neighbours`). A question's page and the
count after posting read them with one query, where ranking the question against all open
questions on every view cost 3 to 5 ms of CPU at 8,000 of them. Each pair is stored both ways,
so a new question appears at once on the pages of those it resembles; its page still checks
status, organisation and visibility when it is shown. A question that closes drops its rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sqlalchemy import ColumnElement, Connection, Select, delete, func, or_, select
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.matches.bulk import BackgroundWrites, insert_rows
from circular_platform.matches.documents import matchable_question_documents, question_document
from circular_platform.matches.store import store
from circular_platform.matches.work import RANK_BLOCK
from circular_platform.models import OPEN_DEMAND, Municipality, Organisation, Question, SimilarQuestion
from matching.matcher import Document, Matcher, Result

# The bundler's default threshold (demand.services.DEFAULT_THRESHOLD): below it two questions
# are not proposed as one bundle, so listing them would promise a joint purchase that does not
# come; between 0.1 and 0.2 the shared words are mostly incidental ("woningen", "gemeente").
MIN_SIMILARITY = 0.2
CANDIDATES = 50  # ranked before the organisation and visibility filters thin them out
STORED = 2 * CANDIDATES  # neighbours stored per question: what counting CANDIDATES ranks
PAIR_CANDIDATES = 10  # per question on the bundles page; a pair needs only one side to find it
SIMILAR_TABLE = SimilarQuestion.metadata.tables[SimilarQuestion.__tablename__]
SIMILAR_COLUMNS = ("question_id", "other_id", "score")

SimilarPair = tuple[Question, Question, Result]


class Shown(NamedTuple):
    """What a question's page shows of a similar question: read as columns, not as objects
    with their organisation and municipality (about 0.4 of the section's 3.2 ms)."""

    id: int
    title: str
    organisation_name: str
    municipality_name: str


SHOWN_COLUMNS = (Question.id, Question.title, Organisation.name, Municipality.name)


def similar_questions(
    session: Session, question: Question, user: permissions.AnyUser, limit: int = 5
) -> list[tuple[Shown, Result]]:
    """Up to ``limit`` open questions of other organisations that ``user`` may see, most similar
    first, each with the words it shares with ``question``. An open question's come from its
    stored neighbours (:func:`store_neighbours`); a question that is not open (or any, before
    the first model) is ranked now. Only those shown are explained: the explanation costs more
    than the ranking."""
    models = store().get()
    if models is None or not question.matchable:
        return _ranked_now(session, question, user, limit)
    nearest = _nearest(question, limit)
    query = (
        _with_names(select(*SHOWN_COLUMNS, nearest.c.score).join(nearest, Question.id == nearest.c.other_id))
        .where(*_others_visible(question, user))
        .order_by(nearest.c.score.desc(), Question.id)
        .limit(limit)
    )
    shown = [(Shown(id_, *rest), Result(id_, score)) for id_, *rest, score in session.execute(query)]
    return _explained(models.questions, question, shown)


def _with_names(query: Select) -> Select:
    """``query`` joined to the tables of the organisation's and the municipality's names."""
    return query.join(Question.organisation).join(Question.municipality)


def count_similar_questions(
    session: Session, question: Question, user: permissions.AnyUser, limit: int = CANDIDATES
) -> int:
    """How many questions :func:`similar_questions` would list with this ``limit``, without
    explaining or loading them."""
    if store().get() is None or not question.matchable:
        matcher = question_matcher(session)
        results = _candidates(matcher, question_document(question), limit) if matcher else []
        if not results:  # nothing alike: no question to look up
            return 0
        among = Question.id.in_([r.id for r in results])
    else:
        among = Question.id.in_(select(_nearest(question, limit).c.other_id))
    query = select(func.count()).where(among, *_others_visible(question, user))
    return min(session.scalar(query) or 0, limit)


def _nearest(question: Question, limit: int):
    """The stored neighbours of ``question`` that ranking it now gives as candidates for ``limit``
    (:func:`_ranked`): the rows stored when another question was ranked add less similar ones."""
    return (
        select(SimilarQuestion.other_id, SimilarQuestion.score)
        .where(SimilarQuestion.question_id == question.id)
        .order_by(SimilarQuestion.score.desc(), SimilarQuestion.other_id)
        .limit(_ranked(limit))
        .subquery()
    )


def _ranked_now(
    session: Session, question: Question, user: permissions.AnyUser, limit: int
) -> list[tuple[Shown, Result]]:
    """:func:`similar_questions` of a question without stored neighbours, ranked against the
    open questions now (with a model fitted now when none is saved)."""
    matcher = question_matcher(session)
    if matcher is None:
        return []
    results = _candidates(matcher, question_document(question), limit)
    if not results:  # nothing alike: no question to look up
        return []
    place = {r.id: n for n, r in enumerate(results)}
    query = _with_names(select(*SHOWN_COLUMNS)).where(
        Question.id.in_(place), *_others_visible(question, user)
    )
    found = sorted((Shown(*row) for row in session.execute(query)), key=lambda other: place[other.id])
    return _explained(matcher, question, [(other, results[place[other.id]]) for other in found[:limit]])


def _explained(
    matcher: Matcher, question: Question, shown: list[tuple[Shown, Result]]
) -> list[tuple[Shown, Result]]:
    """``shown`` with the words each shares with ``question``, read from its row in ``matcher``
    when it has one (an open question: no second analysis of its text on each view)."""
    if not shown:
        return shown
    ids = [other.id for other, _ in shown]
    explained = matcher.results_for_indexed(question.id, ids)
    if explained is None:
        explained = matcher.results_for(question_document(question), ids)
    words = {e.id: e for e in explained}  # a question another process just posted may be missing
    return [
        (other, replace(r, terms=words[r.id].terms, bridges=words[r.id].bridges) if r.id in words else r)
        for other, r in shown
    ]


def _candidates(matcher: Matcher, document: Document, limit: int) -> list[Result]:
    """The most similar questions before the filters, unexplained (scores and order as explained)."""
    return _rank(matcher, [document], _ranked(limit), exclude={document.id}, explain=False)[0]


def _ranked(limit: int) -> int:
    """Candidates ranked to list ``limit`` questions; :data:`STORED` for a ``limit`` of 50."""
    return max(CANDIDATES, 2 * limit)


def _others_visible(question: Question, user: permissions.AnyUser) -> tuple[ColumnElement[bool], ...]:
    """Open questions of organisations other than ``question``'s that ``user`` may see."""
    return (
        Question.status.in_(OPEN_DEMAND),
        Question.organisation_id != question.organisation_id,
        permissions.visible_questions(user),
    )


# -- storing the neighbours ---------------------------------------------------------------------


def store_neighbours(
    session: Session, question_id: int, document: Document, matcher: Matcher, posted: bool = False
) -> None:
    """Rank an open question against the other open questions in ``matcher`` and store its
    neighbours both ways, in place of the rows that listed it (none for a question ``posted`` in
    this transaction). A neighbour that closed meanwhile (the model of this process may lag) is
    stored too: the pages read only open questions, and it drops its rows when it reopens. A
    pair that only the other question ranks among its :data:`STORED` nearest is stored again by
    the next rebuild: that happens only where more than 100 questions are this much alike."""
    if not posted:
        forget_neighbours(session, question_id)
    pairs: dict[tuple[int, int], float] = {}
    for r in _candidates(matcher, document, CANDIDATES):
        pairs[(question_id, int(r.id))] = pairs[(int(r.id), question_id)] = r.score
    if pairs:
        insert_rows(session.connection(), SIMILAR_TABLE, SIMILAR_COLUMNS, _rows_of(*_arrays(pairs)))


def forget_neighbours(session: Session, question_id: int) -> None:
    """Drop the rows of a question that closed or changed, both ways."""
    either_way = or_(SimilarQuestion.question_id == question_id, SimilarQuestion.other_id == question_id)
    session.execute(
        delete(SimilarQuestion).where(either_way), execution_options={"synchronize_session": False}
    )


def store_all_neighbours(
    background: BackgroundWrites, matcher: Matcher, documents: Sequence[Document]
) -> int:
    """The full rebuild's: every open question's neighbours in the freshly fitted ``matcher``
    (which holds ``documents``), all rows replaced in the ``background``; returns the number of
    rows. The queries are the documents' own indexed rows, a block at a time. A pair one side
    found is stored both ways, with the score of the side that found it (its own where both did).
    Until written the rows wait as arrays: as tuples they took 150 bytes each, a million of them."""
    vectors, _keys = matcher.stored_rows([d.id for d in documents])
    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, len(documents), RANK_BLOCK):
        block = documents[start : start + RANK_BLOCK]
        rows = vectors[start : start + len(block)]
        ranked = _rank(matcher, block, STORED + 1, explain=False, vectors=rows)
        for document, results in zip(block, ranked, strict=True):
            for r in [r for r in results if r.id != document.id][:STORED]:
                pairs[(int(document.id), int(r.id))] = r.score
                pairs.setdefault((int(r.id), int(document.id)), r.score)
    ids, scores = _arrays(pairs)
    background.submit(partial(_replace_all_neighbours, ids=ids, scores=scores))
    return len(pairs)


def _replace_all_neighbours(connection: Connection, ids: np.ndarray, scores: np.ndarray) -> None:
    connection.execute(delete(SimilarQuestion))
    insert_rows(connection, SIMILAR_TABLE, SIMILAR_COLUMNS, _rows_of(ids, scores))


def _rows_of(ids: np.ndarray, scores: np.ndarray, chunk: int = 10_000) -> Iterator[tuple]:
    """The rows as the driver takes them, a chunk of the arrays at a time."""
    for start in range(0, len(scores), chunk):
        part = zip(ids[start : start + chunk].tolist(), scores[start : start + chunk].tolist(), strict=True)
        yield from ((question_id, other_id, score) for (question_id, other_id), score in part)


def _arrays(pairs: dict[tuple[int, int], float]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs as (question id, other id) rows and their scores."""
    ids = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    return ids, np.array(list(pairs.values()), dtype=np.float64)


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
    matcher: Matcher,
    documents: Sequence[Document],
    k: int,
    exclude: Collection = (),
    explain: bool = True,
    vectors: sp.csr_matrix | None = None,
) -> list[list[Result]]:
    return matcher.rank_many(
        documents,
        k,
        min_score=MIN_SIMILARITY,
        theme_boost=0.0,
        exclude=exclude,
        explain=explain,
        vectors=vectors,
    )


def question_matcher(session: Session) -> Matcher | None:
    """The cached questions model, or one fitted now when no model was saved yet."""
    models = store().get()
    if models is not None:
        return models.questions
    documents = list(matchable_question_documents(session))
    return Matcher.fit(documents) if documents else None
