"""The adapter between the marketplace and the matching engine in ``matching/``.

The database is the truth; the fitted engine is a cache on disk (``MATCHING_MODEL_PATH``)
that every process loads once and reloads when another process wrote a newer one.

* When a question or solution is saved (the ``signals``), its matches are ranked with the
  fitted model and stored in the same transaction: no refit happens in a request.
* New or edited items enter the in-memory model with ``upsert`` (same vocabulary and IDF).
  Once enough has changed since the fit, or when there is no model yet, a full
  :func:`rebuild` runs after the commit in a background thread.
* Matches people acted on (feedback, an introduction, a rejection) keep their state; open
  proposals of withdrawn questions or archived solutions are dropped.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, has_app_context
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.db import after_commit, db
from circular_platform.markdown import plain_text
from circular_platform.models import (
    Feedback,
    Match,
    MatchStatus,
    Question,
    QuestionStatus,
    Solution,
    SolutionStatus,
    User,
)
from circular_platform.signals import question_changed, solution_changed
from matching.analysis import stem, token_words, tokens
from matching.matcher import Document, Matcher, Result

log = logging.getLogger(__name__)
TOP_K = 10
MIN_SCORE = 0.1  # below this the shared words are incidental (judged on the demo data)


@dataclass
class Models:
    solutions: Matcher  # ranks solutions for a question
    questions: Matcher  # ranks questions for a solution

    @property
    def changed_since_fit(self) -> int:
        return self.solutions.changed_since_fit + self.questions.changed_since_fit

    @property
    def size(self) -> int:
        return self.solutions.size + self.questions.size


# -- documents ------------------------------------------------------------------------------


def question_document(question: Question) -> Document:
    municipality = question.municipality
    return Document(
        id=question.id,
        title=question.title,
        description=plain_text(question.description, limit=100_000) + " " + question.circular_criteria,
        themes=frozenset({question.theme}),
        location=(municipality.name, municipality.province.name),
    )


def solution_document(solution: Solution) -> Document:
    area = ["Nederland"] if solution.nationwide else [p.name for p in solution.provinces]
    area += [m.name for m in solution.municipalities]
    return Document(
        id=solution.id,
        title=solution.title,
        description=plain_text(solution.description, limit=100_000) + " " + solution.capacity,
        themes=frozenset(solution.themes),
        regions=frozenset(area),
    )


def _open_questions(session: Session) -> list[Question]:
    return list(session.scalars(select(Question).where(Question.status == QuestionStatus.OPEN)))


def active_solutions(session: Session) -> list[Solution]:
    return list(session.scalars(select(Solution).where(Solution.status == SolutionStatus.ACTIVE)))


# -- the fitted models, per process -----------------------------------------------------------


class ModelStore:
    """The fitted models of one file, loaded once per process and reloaded when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.models: Models | None = None
        self._loaded_mtime = 0.0
        self.lock = threading.Lock()

    def get(self) -> Models | None:
        """The current models, or None when there are none yet or the stored ones are unusable."""
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if mtime and mtime != self._loaded_mtime:
            self._loaded_mtime = mtime
            self.models = self._load()
        return self.models

    def _load(self) -> Models | None:
        # A model written by an older version of the engine may load and still fail on use:
        # try it once, and let a rebuild replace it rather than fail a user's request.
        try:
            models = Models(
                Matcher.load(self.path.with_suffix(".solutions")),
                Matcher.load(self.path.with_suffix(".questions")),
            )
            models.solutions.rank(_PROBE, 1)
            models.questions.rank(_PROBE, 1)
        except Exception as error:  # noqa: BLE001 - any failure means: rebuild
            log.warning("The stored matcher at %s cannot be used (%s); it will be rebuilt.", self.path, error)
            return None
        return models

    def save(self, models: Models) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        models.solutions.save(self.path.with_suffix(".solutions"))
        models.questions.save(self.path.with_suffix(".questions"))
        self.path.touch()  # written last: a reader sees both halves or neither
        self.models = models
        self._loaded_mtime = self.path.stat().st_mtime


_PROBE = Document(id="probe", title="isolatie", location=("Assen", "Drenthe"))
_stores: dict[str, ModelStore] = {}


def store() -> ModelStore:
    path = current_app.config["MATCHING_MODEL_PATH"]
    return _stores.setdefault(path, ModelStore(Path(path)))


# -- ranking and storing ----------------------------------------------------------------------


def rebuild(session: Session, progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Refit both models, save them and recompute every match; returns the number of pairs kept."""
    questions, solutions = _open_questions(session), active_solutions(session)
    if not questions or not solutions:
        return 0
    # Each document once: building one renders its Markdown.
    question_documents = [question_document(q) for q in questions]
    solution_documents = [solution_document(s) for s in solutions]
    models = Models(solutions=Matcher.fit(solution_documents), questions=Matcher.fit(question_documents))
    pairs: dict[tuple[int, int], Result] = {}
    ranked = models.solutions.rank_many(question_documents, TOP_K, min_score=MIN_SCORE)
    for question, results in progress(zip(questions, ranked, strict=True)):
        pairs.update({(question.id, r.id): r for r in results})
    ranked = models.questions.rank_many(solution_documents, TOP_K, min_score=MIN_SCORE)
    for solution, results in zip(solutions, ranked, strict=True):
        for r in results:
            pairs.setdefault((r.id, solution.id), r)
    _replace_proposals(session, pairs, select(Match))
    store().save(models)
    return len(pairs)


def _replace_proposals(session: Session, pairs: dict[tuple[int, int], Result], existing_query) -> None:
    """Store ``pairs``; drop the untouched proposals among ``existing_query`` that are not in them."""
    existing = {(m.question_id, m.solution_id): m for m in session.scalars(existing_query)}
    for key, match in existing.items():
        if key in pairs:
            match.score, match.terms = pairs[key].score, list(pairs[key].terms)
        elif not match.acted_on:
            session.delete(match)
    for (question_id, solution_id), result in pairs.items():
        if (question_id, solution_id) not in existing:
            session.add(
                Match(
                    question_id=question_id,
                    solution_id=solution_id,
                    score=result.score,
                    terms=list(result.terms),
                )
            )
    session.flush()


def refresh_question(session: Session, question: Question, models: Models) -> None:
    _refresh(
        session,
        question_document(question) if question.status == QuestionStatus.OPEN else None,
        own_index=models.questions,
        other_index=models.solutions,
        others_still_matchable=lambda ids: _still_active(session, Solution, ids, SolutionStatus.ACTIVE),
        pair=lambda other_id: (question.id, other_id),
        own_matches=select(Match).where(Match.question_id == question.id),
        item_id=question.id,
    )


def refresh_solution(session: Session, solution: Solution, models: Models) -> None:
    _refresh(
        session,
        solution_document(solution) if solution.status == SolutionStatus.ACTIVE else None,
        own_index=models.solutions,
        other_index=models.questions,
        others_still_matchable=lambda ids: _still_active(session, Question, ids, QuestionStatus.OPEN),
        pair=lambda other_id: (other_id, solution.id),
        own_matches=select(Match).where(Match.solution_id == solution.id),
        item_id=solution.id,
    )


def _refresh(
    session, document, *, own_index, other_index, others_still_matchable, pair, own_matches, item_id
):
    """Rank ``document`` against the other side and store the pairs; with no document (the item is
    not open or active) take it out of its index and drop its untouched proposals."""
    if document is None:
        with suppress(KeyError):  # a concept or paused item was never in the index
            own_index.remove(item_id)
        _replace_proposals(session, {}, own_matches)
        return
    own_index.upsert(document)
    results = other_index.rank(document, TOP_K, min_score=MIN_SCORE)
    matchable = others_still_matchable([r.id for r in results])
    _replace_proposals(session, {pair(r.id): r for r in results if r.id in matchable}, own_matches)


def _still_active(session: Session, model, ids: list[int], status) -> set[int]:
    """The ids that still exist with ``status``: the model may lag behind other processes."""
    return set(session.scalars(select(model.id).where(model.id.in_(ids), model.status == status)))


# -- hooks --------------------------------------------------------------------------------------


def _on_change(session: Session, refresh: Callable, item) -> None:
    if not has_app_context():  # a script working on the database without the app: nothing to match with
        return
    models = store().get()
    if models is None:
        _after_commit_rebuild(session)
        return
    try:
        with session.begin_nested():  # a failing engine must not lose the user's change
            refresh(session, item, models)
    except Exception:  # noqa: BLE001 - matching is an extra; the next rebuild catches up
        log.exception("Matching %r failed; a rebuild is scheduled", item)
        _after_commit_rebuild(session)
        return
    if models.changed_since_fit > max(50, models.size // 10):
        _after_commit_rebuild(session)


def _after_commit_rebuild(session: Session) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(session, lambda: run_rebuild(app), key="matching-rebuild")


def run_rebuild(app: Flask) -> None:
    """Rebuild in a background thread (or at once when ``MATCHING_SYNC``); one at a time per process."""

    def job() -> None:
        with app.app_context():
            models_store = store()
            if not models_store.lock.acquire(blocking=False):
                return
            session = db.sessionmaker()
            try:
                rebuild(session)
                session.commit()
            except Exception:  # a failed background rebuild must not take the process down
                log.exception("Rebuilding the matcher failed")
                session.rollback()
            finally:
                session.close()
                models_store.lock.release()

    if app.config.get("MATCHING_SYNC"):
        job()
    else:
        threading.Thread(target=job, name="matcher-rebuild", daemon=True).start()


def _question_changed(session: Session, question: Question, **_: object) -> None:
    _on_change(session, refresh_question, question)


def _solution_changed(session: Session, solution: Solution, **_: object) -> None:
    _on_change(session, refresh_solution, solution)


question_changed.connect(_question_changed)
solution_changed.connect(_solution_changed)


# -- showing explanations -----------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _shares_stem(word_stem: str, stems: set[str]) -> bool:
    """The same stem, or a compound containing one (``hennepvezel`` for ``hennep``)."""
    return word_stem in stems or any(len(s) >= 4 and s in word_stem for s in stems)


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with the words that share a stem with an explanation term in ``<mark>``."""
    stems = {stem(w) for term in terms for t in tokens(term) for w in token_words(t)}
    parts, last = [], 0
    for found in _WORD.finditer(text):
        if any(_shares_stem(stem(w), stems) for w in token_words(found.group().lower())):
            parts += [
                escape(text[last : found.start()]),
                Markup("<mark>"),
                escape(found.group()),
                Markup("</mark>"),
            ]
            last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


# -- reading and feedback -------------------------------------------------------------------------


def give_feedback(session: Session, match: Match, side: str, value: Feedback, user: User) -> None:
    """Record an owner's verdict on their side of the match; the match then keeps its state."""
    if side == "question":
        match.question_feedback, match.question_feedback_by = value, user
    else:
        match.solution_feedback, match.solution_feedback_by = value, user
    session.flush()


def suggestions_for_question(session: Session, question: Question, limit: int = TOP_K) -> list[Match]:
    query = (
        select(Match)
        .join(Match.solution)
        .where(
            Match.question_id == question.id,
            Match.status != MatchStatus.REJECTED,
            Solution.status == SolutionStatus.ACTIVE,
        )
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
            Question.status == QuestionStatus.OPEN,
            permissions.visible_questions(user),
        )
        .order_by(Match.score.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
