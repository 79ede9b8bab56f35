"""Learning from people's judgements: the fit of the learned ranker, by hand and nightly.

The ranker is kept only when it ranks the newer judgements better than the matcher alone
(:func:`matching.learning.fit_if_better`); the figures go to the quality page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform import background
from circular_platform.matches import judgements
from circular_platform.matches.documents import question_document, solution_document
from circular_platform.matches.services import rebuild
from circular_platform.matches.store import store
from circular_platform.models import Question, Solution
from circular_platform.models._types import utcnow
from matching.learning import MIN_JUDGEMENTS, TimeCheck, fit_if_better

log = logging.getLogger(__name__)
LEARN_STEPS = 4
NIGHTLY_HOUR = 3  # local time from which the nightly fit may run
NIGHTLY_INTERVAL = timedelta(hours=20)
LOCAL = ZoneInfo("Europe/Amsterdam")


def learn(
    session: Session, step: Callable[[str], None] = lambda _label: None, now: datetime | None = None
) -> TimeCheck:
    """Fit the learned ranker on every judgement and keep it only when it ranks the newer
    judgements better than the matcher alone (:func:`matching.learning.fit_if_better`).

    Too few judgements: nothing is fitted or saved. Otherwise the ranker is saved (or a stored
    one removed when it no longer helps), the held-out figures are recorded for the quality
    page, and every match is ranked again. ``step`` is called before each of ``LEARN_STEPS``."""
    step("judgements")
    judged = judgements.load(session)
    models_store = store()
    now = now or utcnow()
    models_store.update_report(attempted_at=now.isoformat())
    if len(judged) < MIN_JUDGEMENTS:
        reason = f"too few judgements ({len(judged)} < {MIN_JUDGEMENTS})"
        return TimeCheck(len(judged), 0, 0, 0, 0.0, 0.0, False, reason)
    step("models")
    models = models_store.get()
    if models is None:
        rebuild(session)
        models = models_store.get()
    if models is None:
        return TimeCheck(len(judged), 0, 0, 0, 0.0, 0.0, False, "no open questions and active solutions")
    question_ids = {int(j.query_id) for j in judged}
    solution_ids = {int(j.document_id) for j in judged}
    asked = session.scalars(select(Question).where(Question.id.in_(question_ids)))
    offered = session.scalars(select(Solution).where(Solution.id.in_(solution_ids)))
    queries, documents = [question_document(q) for q in asked], [solution_document(s) for s in offered]
    step("fit")
    ranker, check = fit_if_better(models.solutions, queries, judged, documents)
    models_store.save_ranker(ranker)
    models_store.update_report(
        fitted_at=now.isoformat(),
        judgements=check.judgements,
        older=check.older,
        newer=check.newer,
        queries=check.queries,
        baseline=check.baseline,
        learned=check.learned,
        in_use=check.use,
        reason=check.reason,
        variant=check.variant,
    )
    step("rebuild")
    rebuild(session)
    return check


def learn_if_due(session: Session, now: datetime) -> TimeCheck | None:
    """The nightly fit (from ``flask notify run``, in the worker in queue mode): once local time
    passed 03:00 and the last attempt is older than 20 hours; None when not due or while a
    rebuild runs (:func:`circular_platform.background.exclusive`). Cheap to ask: one small file
    is read (the models are loaded only when a fit is due)."""
    if now.astimezone(LOCAL).hour < NIGHTLY_HOUR:
        return None
    attempted = store().report().get("attempted_at")
    if attempted and now - datetime.fromisoformat(attempted) < NIGHTLY_INTERVAL:
        return None
    if store().get() is None:  # nothing matched yet: nothing to learn for
        return None
    try:  # a failing fit must not cost the night's mails; while a rebuild runs, the next run tries
        with session.begin_nested(), background.exclusive(session, "matching") as ours:
            return learn(session, now=now) if ours else None
    except Exception:  # noqa: BLE001 - the ranker stays as it was; tomorrow tries again
        log.exception("The nightly fit of the learned ranker failed")
        return None
