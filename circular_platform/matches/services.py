"""Ranking and storing matches, and what owners say of them.

The database is the truth; the fitted models (:mod:`.store`) are a cache.

* When a question or solution is saved (the ``signals``, connected by :func:`init_app`), its
  matches are ranked with the fitted model and stored in the same transaction: no refit
  happens in a request.
* New or edited items enter the in-memory model with ``upsert`` (same vocabulary and IDF).
  Once enough has changed since the fit, or when there is no model yet, a full
  :func:`rebuild` runs after the commit as a background job (:func:`rebuild_job`: in the queue's
  worker with ``REDIS_URL``, else in a thread of this process), one at a time.
* Matches people acted on (feedback, an introduction, a rejection) keep their state; open
  proposals of withdrawn questions or archived solutions are dropped.
* People's judgements (:mod:`.judgements`) teach the ranking: :func:`learn` (``flask matching
  learn``, nightly from ``flask notify run``) fits a learned ranker that orders the solutions
  for a question when it beats the matcher on the newer judgements; its scores are then
  probabilities of relevance. A question's own judgements apply at once after feedback:
  "niet relevant" leaves its list, "interessant" lifts solutions like it.
* Every stored score is the score the question's own ranking gives the pair, also for pairs
  found from a solution's side (:func:`_scored_for_questions`): one scale, which the strength
  labels are calibrated on.
* :func:`strength_of` turns a stored score into "strong"/"good"/"possible" with thresholds
  calibrated on the judged matches at every rebuild.

Functions ``flush()``; the caller commits.
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from contextlib import suppress
from functools import partial

from flask import current_app, has_app_context
from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from circular_platform import background, permissions
from circular_platform.db import after_commit, bulk_write_cache, db
from circular_platform.matches import judgements, similar
from circular_platform.matches.bulk import BackgroundWrites
from circular_platform.matches.documents import (
    matchable_question_documents,
    matchable_solution_documents,
    question_document,
    solution_document,
)
from circular_platform.matches.proposals import ACTED_ON, ProposalWriter, proposal_values
from circular_platform.matches.store import Models, store
from circular_platform.matches.work import Progress, RebuildWork
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Feedback,
    Match,
    MatchStatus,
    Question,
    Solution,
    User,
)
from circular_platform.models._types import utcnow
from matching.explain import (
    DEFAULT_THRESHOLDS,
    PROBABILITY_THRESHOLDS,
    Thresholds,
    calibrate_thresholds,
    strength,
)
from matching.learning import apply_judgements
from matching.matcher import Document, Matcher, Result

log = logging.getLogger(__name__)
TOP_K = 10
MIN_SCORE = 0.1  # below this the shared words are incidental (judged on the demo data)
# The garbage collector's thresholds during a rebuild (Python's: 700, 10, 10). A rebuild makes
# millions of short-lived tuples and lists next to millions of long-lived ones (documents,
# vocabularies), and each collection walks the long-lived ones again: at 2,000 questions x
# 20,000 solutions the default thresholds spent 1.9 CPU seconds in 3,000 collections, these 0.4.
COLLECTION_THRESHOLDS = (50_000, 20, 100)


def matchable_questions(session: Session) -> list[Question]:
    """With their material lines, which their documents read."""
    query = select(Question).where(Question.status.in_(MATCHABLE_QUESTIONS))
    return list(session.scalars(query.options(selectinload(Question.material_lines))))


def matchable_solutions(session: Session) -> list[Solution]:
    """With their material lines, which their documents read."""
    query = select(Solution).where(Solution.status.in_(MATCHABLE_SOLUTIONS))
    return list(session.scalars(query.options(selectinload(Solution.material_lines))))


# -- ranking and storing ----------------------------------------------------------------------


def rebuild(session: Session, progress: Progress = lambda stage, done, total: None) -> int:
    """Refit both models, save them and recompute every match; returns the number of pairs kept.

    With a learned ranker stored (``flask matching learn``) it ranks the solutions for each
    question; each question's own judgements then apply (:func:`_own_judgements`).
    Items are read as plain columns. The questions' neighbours (their similar questions) are
    ranked first; the solutions next, keeping only which questions each found; then a block of
    questions at a time is ranked, what the solutions found is scored on the questions' scale,
    and the block's proposals are stored (:class:`.proposals.ProposalWriter`). Each stage's
    rows are written while the next one ranks (:class:`.bulk.BackgroundWrites`). ``progress``
    hears of every document read, fitted, and ranked (a question once its proposals are stored)."""
    session.flush()
    work = RebuildWork(session, progress)
    if not work.total:
        return 0
    usual = gc.get_threshold()
    gc.set_threshold(*COLLECTION_THRESHOLDS)
    try:
        return _rebuild(session, work)
    finally:
        gc.set_threshold(*usual)


def _rebuild(session: Session, work: RebuildWork) -> int:
    question_documents = work.read("questions", matchable_question_documents(session))
    solution_documents = work.read("solutions", matchable_solution_documents(session))
    models = Models(
        solutions=work.fit("solutions", solution_documents),
        questions=work.fit("questions", question_documents),
    )
    models.ranker = store().load_ranker(models.solutions)
    judged = judgements.by_question(judgements.load(session))
    with bulk_write_cache(session), BackgroundWrites(session) as background:
        work.begin("ranking similar questions")
        similar.store_all_neighbours(background, models.questions, question_documents)
        found = _found_by_solutions(models, solution_documents, work)
        del solution_documents
        writer = ProposalWriter(session, background)
        for block in work.blocks("ranking questions", question_documents):
            writer.store([int(d.id) for d in block], _proposals(models, block, found, judged))
    del found, question_documents
    work.begin("saving the models")
    writer.finish()
    _expire_matches(session)  # the rows changed under any Match the session holds
    calibrate(session, models)
    store().save(session, models)
    work.advance("done", 1)
    return writer.stored


def _found_by_solutions(models: Models, documents: list[Document], work: RebuildWork) -> dict[int, list[int]]:
    """Question id -> the solutions whose own ranking found it, in the order of ``documents``.
    Unexplained: the pairs the questions' ranking does not find are explained on its scale.
    The texts are analysed all at once, then ranked a block at a time: analysing each block
    on its own went over every word each block uses again (profiled at 2,000 x 20,000: 1.3 s
    of building term lists where one pass takes 0.4 s); the vectors are the same."""
    work.begin("ranking solutions")
    vectors = models.questions.vectors(documents)
    found: dict[int, list[int]] = defaultdict(list)
    start = 0
    for block in work.blocks("ranking solutions", documents):
        rows = vectors[start : start + len(block)]
        start += len(block)
        ranked = models.questions.rank_many(block, TOP_K, min_score=MIN_SCORE, explain=False, vectors=rows)
        for document, results in zip(block, ranked, strict=True):
            for r in results:
                found[int(r.id)].append(int(document.id))
    return found


def _proposals(
    models: Models, block: list[Document], found: dict[int, list[int]], judged: dict[int, dict[int, int]]
) -> dict[tuple[int, int], Result]:
    """The proposals of a block of questions: what each question's ranking finds, then the pairs
    only a solution's ranking found, scored on the questions' scale (:func:`_scored_for_questions`)."""
    pairs = {}
    for document, results in zip(block, solutions_for(models, block), strict=True):
        results = _own_judgements(models, results, judged.get(int(document.id)))
        pairs.update({(int(document.id), int(r.id)): r for r in results})
    documents = {int(d.id): d for d in block}
    wanted = {
        q: others for q in documents if (others := [s for s in found.get(q, ()) if (q, s) not in pairs])
    }
    pairs.update(_scored_for_questions(models, documents, wanted, judged))
    return pairs


def _expire_matches(session: Session) -> None:
    for match in [item for item in session.identity_map.values() if isinstance(item, Match)]:
        session.expire(match)


def calibrate(session: Session, models: Models) -> None:
    """Set the strength thresholds from the judged matches' stored scores (on the scale in use)."""
    default = PROBABILITY_THRESHOLDS if models.ranker else DEFAULT_THRESHOLDS
    judged_matches = select(Match.question_id, Match.solution_id, Match.score).where(ACTED_ON)
    scores = {(q, s): v for q, s, v in session.execute(judged_matches)}
    pairs = ((scores.get((int(j.query_id), int(j.document_id))), j.grade) for j in judgements.load(session))
    judged = [(score, grade) for score, grade in pairs if score is not None]
    thresholds = calibrate_thresholds(judged, default)
    store().update_report(
        thresholds=[thresholds.strong, thresholds.good], learned_scores=models.ranker is not None
    )


def refresh_question(session: Session, question: Question, models: Models, posted: bool = False) -> None:
    """Rank an open question against the solutions and the other questions (its similar ones), or
    drop it from the model when it is not open. Its stored matches carry its judgements too: one
    query reads both; a question ``posted`` in this transaction has none."""
    document = question_document(question) if question.matchable else None
    own = select(Match).where(Match.question_id == question.id)
    own_matches = [] if posted else list(session.scalars(own))
    if document is None:
        results = _rank_or_remove(question.id, None, models.questions, models.solutions)
        similar.forget_neighbours(session, question.id)
    else:
        models.questions.upsert(document)
        similar.store_neighbours(session, question.id, document, models.questions, posted)
        results = solutions_for(models, [document])[0]
        results = _own_judgements(models, results, judgements.of_matches(own_matches))
    active = _still_matchable(session, Solution, [int(r.id) for r in results], MATCHABLE_SOLUTIONS)
    pairs = {(question.id, int(r.id)): r for r in results if int(r.id) in active}
    _replace_proposals(session, pairs, own_matches)


def refresh_solution(session: Session, solution: Solution, models: Models) -> None:
    """Rank an active solution against the questions, or drop it from the model when it is not active."""
    document = solution_document(solution) if solution.matchable else None
    own_matches = select(Match).where(Match.solution_id == solution.id)
    results = _rank_or_remove(solution.id, document, models.solutions, models.questions)
    found = [int(r.id) for r in results]
    open_questions = session.scalars(
        select(Question).where(Question.id.in_(found), Question.status.in_(MATCHABLE_QUESTIONS))
    )
    documents = {q.id: question_document(q) for q in open_questions}
    judged = judgements.by_question(j for q in documents for j in judgements.load(session, q))
    wanted = {q: [solution.id] for q in found if q in documents}
    pairs = _scored_for_questions(models, documents, wanted, judged)
    _replace_proposals(session, pairs, session.scalars(own_matches))


def solutions_for(
    models: Models, documents: list[Document], k: int = TOP_K, min_score: float = MIN_SCORE
) -> list[list[Result]]:
    """The best solutions for each question: the learned ranker's order and probabilities when
    there is one (``min_score`` applies to the cosine of the candidates)."""
    if models.ranker is not None:
        return models.ranker.rank_many(documents, k, min_score=min_score)
    return models.solutions.rank_many(documents, k, min_score=min_score)


def _own_judgements(models: Models, results: list[Result], judged: dict[int, int] | None) -> list[Result]:
    """What the question's people said: "niet relevant" leaves at once, "interessant" lifts look-alikes."""
    if not judged:
        return results
    grades: dict[Hashable, int] = {document_id: grade for document_id, grade in judged.items()}
    return apply_judgements(models.solutions, results, grades)


def _scored_for_questions(
    models: Models,
    documents: dict[int, Document],
    wanted: dict[int, list[int]],
    judged: dict[int, dict[int, int]],
) -> dict[tuple[int, int], Result]:
    """Pairs a solution's side found, scored and explained as each question's own ranking
    (:func:`solutions_for`, then :func:`_own_judgements`) scores them: the ranker's
    probability when it is in use, the matcher's boosted cosine otherwise."""
    asked = [q for q in wanted if q in documents]
    queries, ids = [documents[q] for q in asked], [wanted[q] for q in asked]
    if models.ranker is not None:
        scored = models.ranker.results_for_many(queries, ids, min_score=MIN_SCORE)
    else:
        scored = models.solutions.results_for_many(queries, ids, boosted=True)
    return {
        (question_id, int(r.id)): r
        for question_id, results in zip(asked, scored, strict=True)
        for r in _own_judgements(models, results, judged.get(question_id))
        if r.score > 0  # no shared term in the solutions' space: the question's ranking has no such pair
    }


def _rank_or_remove(item_id: int, document: Document | None, own: Matcher, other: Matcher) -> list[Result]:
    if document is None:
        with suppress(KeyError):  # a concept or paused item was never in the index
            own.remove(item_id)
        return []
    own.upsert(document)
    return other.rank(document, TOP_K, min_score=MIN_SCORE)


def _still_matchable(session: Session, model, ids: list[int], statuses: tuple) -> set[int]:
    """The ids that still exist with one of ``statuses``: the model may lag behind other processes."""
    if not ids:
        return set()
    return set(session.scalars(select(model.id).where(model.id.in_(ids), model.status.in_(statuses))))


def _replace_proposals(
    session: Session, pairs: dict[tuple[int, int], Result], existing: Iterable[Match]
) -> None:
    """Store ``pairs``; drop the untouched proposals among the ``existing`` matches that are not in
    them. The new ones go in one multi-row INSERT: as ORM objects each cost more than its row."""
    stored = {(m.question_id, m.solution_id): m for m in existing}
    for key, match in stored.items():
        if key in pairs:
            for column, value in proposal_values(pairs[key]).items():
                setattr(match, column, value)
        elif not match.acted_on:
            session.delete(match)
    new = [
        {"question_id": question_id, "solution_id": solution_id} | proposal_values(result)
        for (question_id, solution_id), result in pairs.items()
        if (question_id, solution_id) not in stored
    ]
    session.flush()
    if new:
        session.execute(insert(Match), new)


# -- after a question or solution changed -------------------------------------------------------


def question_changed(session: Session, question: Question, previous_status=None, **_: object) -> None:
    """``previous_status`` is None for a question just posted."""
    _on_change(session, partial(refresh_question, posted=previous_status is None), question)


def solution_changed(session: Session, solution: Solution, **_: object) -> None:
    _on_change(session, refresh_solution, solution)


def _on_change(session: Session, refresh: Callable, item: Question | Solution) -> None:
    if not has_app_context():  # a script working on the database without the app: nothing to match with
        return
    models = store().get()
    if models is None:
        _rebuild_after_commit(session)
        return
    try:
        with session.begin_nested():  # a failing engine must not lose the user's change
            refresh(session, item, models)
    except Exception:  # noqa: BLE001 - matching is an extra; the next rebuild catches up
        log.exception("Matching %r failed; a rebuild is scheduled", item)
        _rebuild_after_commit(session)
        return
    if models.changed_since_fit > max(50, models.size // 10):
        _rebuild_after_commit(session)


def _rebuild_after_commit(session: Session) -> None:
    inline = current_app.config["MATCHING_SYNC"]
    after_commit(
        session,
        lambda: background.enqueue("matching.rebuild", inline=inline, coalesce=True),
        key="matching-rebuild",
    )


def rebuild_job() -> None:
    """The background rebuild (:mod:`circular_platform.background`): skipped while another runs,
    on any worker, so two never replace the same proposals."""
    session = db.sessionmaker()
    try:
        with background.exclusive(session, "matching") as ours:
            if ours:
                store().sync()  # the newest ranker, wherever it was fitted
                rebuild(session)
                session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# -- reading and feedback -------------------------------------------------------------------------


def give_feedback(session: Session, match: Match, side: str, value: Feedback, user: User) -> None:
    """Record an owner's verdict on their side of the match; the match then keeps its state.

    The verdict is a judgement of the question's ranking: the question is ranked again at once
    ("niet relevant" leaves its list, "interessant" lifts solutions like it); the owner's
    suggestion lists leave out what they called "niet relevant" (:func:`suggestions_for_question`)."""
    if side == "question":
        match.question_feedback, match.question_feedback_by = value, user
    else:
        match.solution_feedback, match.solution_feedback_by = value, user
    match.feedback_at = utcnow()
    session.flush()
    _on_change(session, refresh_question, match.question)


def suggestions_for_question(session: Session, question: Question, limit: int = TOP_K) -> list[Match]:
    query = (
        select(Match)
        .join(Match.solution)
        .where(
            Match.question_id == question.id,
            Match.status != MatchStatus.REJECTED,
            _not(Match.question_feedback, Feedback.NOT_RELEVANT),
            Solution.status.in_(MATCHABLE_SOLUTIONS),
        )
        .options(contains_eager(Match.solution).joinedload(Solution.organisation))  # what a suggestion shows
        .order_by(Match.score.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def suggestions_for_solution(session: Session, solution: Solution, user, limit: int = TOP_K) -> list[Match]:
    """Questions the solution may answer, among those ``user`` may see."""
    query = (
        select(Match)
        .join(Match.question)
        .where(
            Match.solution_id == solution.id,
            Match.status != MatchStatus.REJECTED,
            _not(Match.solution_feedback, Feedback.NOT_RELEVANT),
            Question.status.in_(MATCHABLE_QUESTIONS),
            permissions.visible_questions(user),
        )
        .options(contains_eager(Match.question).joinedload(Question.organisation))  # what a suggestion shows
        .order_by(Match.score.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def _not(column, value):
    """``column`` is NULL or another value (``!=`` alone leaves out the NULLs)."""
    return or_(column.is_(None), column != value)


def thresholds() -> Thresholds:
    """The strength thresholds calibrated at the last rebuild; the defaults of the scale in use otherwise."""
    report = store().report()
    if report.get("thresholds"):
        return Thresholds(*report["thresholds"])
    return PROBABILITY_THRESHOLDS if report.get("learned_scores") else DEFAULT_THRESHOLDS


def strength_of(score: float, limits: Thresholds | None = None) -> str:
    """``"strong"``, ``"good"`` or ``"possible"`` (:func:`matching.explain.strength`) for a stored
    score, with ``limits`` read by the caller or :func:`thresholds`."""
    return strength(score, limits or thresholds())
