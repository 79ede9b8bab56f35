"""Storing the proposals of a full rebuild a block of questions at a time, as plain rows.

The rebuild ranks the active solutions first and keeps only which questions each found; then,
a block of open questions at a time, it ranks the questions and scores what the solutions found
on the questions' scale, so a block's proposals are complete before they are stored. The stored
matches of the block's questions are read as columns: a changed proposal is updated (only then,
so ``updated_at`` says when the proposal last changed), a new one inserted, and one nobody acted
on that the block did not propose again is deleted. At the end, the proposals of questions or
solutions that are no longer matchable (never in a block) go too. Nothing is held for all
matches at once. A block's new proposals are written in the background while the next block is
ranked (:class:`.bulk.BackgroundWrites`).
"""

from __future__ import annotations

import json
from functools import partial

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from circular_platform.matches.bulk import BackgroundWrites, insert_rows
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Match,
    MatchStatus,
    Question,
    Solution,
)
from circular_platform.models._types import utcnow
from matching.matcher import Result

Pairs = dict[tuple[int, int], Result]  # (question id, solution id) -> result
DELETE_BATCH = 500
MATCH_TABLE = Match.metadata.tables[Match.__tablename__]
_INSERTED = (
    *("question_id", "solution_id", "score", "terms", "bridges"),  # per proposal
    *("status", "reason", "created_at", "updated_at", "last_change_at"),  # the same for all
)

# Match.acted_on in SQL: a person touched the match, so it keeps its state.
ACTED_ON = or_(
    Match.status != MatchStatus.PROPOSED,
    Match.question_feedback.is_not(None),
    Match.solution_feedback.is_not(None),
    Match.snoozed_until.is_not(None),
)


class ProposalWriter:
    def __init__(self, session: Session, background: BackgroundWrites) -> None:
        self.session, self.background = session, background
        self.stored = 0  # pairs proposed by this rebuild

    def store(self, question_ids: list[int], pairs: Pairs) -> None:
        """Store every proposal of a block of questions; their other matches nobody acted on go.
        The new ones are written in the background."""
        self.background.wait()
        self.stored += len(pairs)
        changed, stale = [], []
        # The JSON columns are compared as the text written (SQLAlchemy writes json.dumps):
        # decoding a million rows cost more than the rest of the comparison.
        columns = (Match.id, Match.question_id, Match.solution_id, Match.score)
        written = (cast(Match.terms, Text), cast(Match.bridges, Text))
        found = select(*columns, *written, ACTED_ON).where(Match.question_id.in_(question_ids))
        for id_, question_id, solution_id, *stored, acted_on in self.session.execute(found):
            result = pairs.pop((question_id, solution_id), None)
            if result is not None:
                if stored != [result.score, json.dumps(result.terms), json.dumps(result.bridges)]:
                    changed.append({"id": id_} | proposal_values(result))
            elif not acted_on:
                stale.append(id_)
        if changed:
            self.session.execute(update(Match), changed)
        self._delete(stale)
        if pairs:
            self.background.submit(
                partial(insert_rows, table=MATCH_TABLE, columns=_INSERTED, rows=self._rows(pairs))
            )

    def _rows(self, pairs: Pairs) -> list[tuple]:
        """New proposals as :func:`.bulk.insert_rows` takes them, the columns' defaults converted once."""
        dialect = self.session.connection().dialect
        now = utcnow()
        defaults = tuple(
            _bound(dialect, name, value)
            for name, value in (
                ("status", MatchStatus.PROPOSED),
                ("reason", ""),
                ("created_at", now),
                ("updated_at", now),
                ("last_change_at", now),
            )
        )
        return [
            # the JSON columns as SQLAlchemy writes them
            (q, s, float(r.score), json.dumps(r.terms), json.dumps(r.bridges), *defaults)
            for (q, s), r in pairs.items()
        ]

    def finish(self) -> None:
        """Delete the proposals of questions no longer open and solutions no longer active."""
        self.background.wait()
        closed = select(Question.id).where(Question.status.not_in(MATCHABLE_QUESTIONS))
        inactive = select(Solution.id).where(Solution.status.not_in(MATCHABLE_SOLUTIONS))
        self.session.execute(
            delete(Match).where(
                ~ACTED_ON, or_(Match.question_id.in_(closed), Match.solution_id.in_(inactive))
            ),
            execution_options={"synchronize_session": "fetch"},
        )

    def _delete(self, ids: list[int]) -> None:
        for start in range(0, len(ids), DELETE_BATCH):
            self.session.execute(delete(Match).where(Match.id.in_(ids[start : start + DELETE_BATCH])))


def _bound(dialect, column: str, value):
    """``value`` as the driver takes it for ``column`` (what SQLAlchemy would send)."""
    process = MATCH_TABLE.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


def proposal_values(result: Result) -> dict:
    """The columns a ranked pair gives its match: score and explanation."""
    return {
        "score": result.score,
        "terms": list(result.terms),
        "bridges": [list(b) for b in result.bridges],
    }
