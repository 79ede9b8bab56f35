"""Storing the proposals of a full rebuild a block at a time, as plain rows.

The rebuild ranks the open questions first, then the active solutions; a pair found from both
sides is stored once, with the question side's result. For each block the stored matches of
its items are read as columns: a changed proposal is updated (only then, so ``updated_at``
says when the proposal last changed), a new one inserted in the order found. Matches nobody
acted on that no block proposed again are deleted at the end, after the inserts, as the ORM's
unit of work orders them. Nothing is held for all matches at once but the pairs of the
question side and the ids to delete.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from circular_platform.models import MATCHABLE_SOLUTIONS, Match, MatchStatus, Solution
from matching.matcher import Result

Pairs = dict[tuple[int, int], Result]  # (question id, solution id) -> result
DELETE_BATCH = 500
MATCH_TABLE = Match.metadata.tables[Match.__tablename__]  # a Core insert: a third less work than the ORM's

# Match.acted_on in SQL: a person touched the match, so it keeps its state.
ACTED_ON = or_(
    Match.status != MatchStatus.PROPOSED,
    Match.question_feedback.is_not(None),
    Match.solution_feedback.is_not(None),
    Match.snoozed_until.is_not(None),
)


class ProposalWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.stored = 0  # pairs proposed by this rebuild
        self._from_questions: set[tuple[int, int]] = set()
        self._stale: list[int] = []

    def questions_ranked(self, question_ids: list[int], pairs: Pairs) -> None:
        """Store what a block of questions found; their other matches wait for the solution side."""
        self._from_questions.update(pairs)
        self._store(Match.question_id.in_(question_ids), pairs, collect_stale=False)

    def found_by_questions(self, pair: tuple[int, int]) -> bool:
        """Whether the question side stored ``(question id, solution id)``: its result stands."""
        return pair in self._from_questions

    def solutions_ranked(self, solution_ids: list[int], pairs: Pairs) -> None:
        """Store what a block of solutions found that the question side did not; after all
        questions, so any other match of these solutions nobody acted on is stale."""
        pairs = {key: result for key, result in pairs.items() if key not in self._from_questions}
        self._store(Match.solution_id.in_(solution_ids), pairs, collect_stale=True)

    def finish(self) -> None:
        """Delete the stale proposals, and those of solutions no longer active (never ranked)."""
        for start in range(0, len(self._stale), DELETE_BATCH):
            ids = self._stale[start : start + DELETE_BATCH]
            self.session.execute(delete(Match).where(Match.id.in_(ids)))
        inactive = select(Solution.id).where(Solution.status.not_in(MATCHABLE_SOLUTIONS))
        self.session.execute(
            delete(Match).where(~ACTED_ON, Match.solution_id.in_(inactive)),
            execution_options={"synchronize_session": "fetch"},
        )
        self._stale = []

    def _store(self, of_block: ColumnElement[bool], pairs: Pairs, collect_stale: bool) -> None:
        columns = (Match.id, Match.question_id, Match.solution_id, Match.score, Match.terms, Match.bridges)
        changed = []
        for id_, question_id, solution_id, score, terms, bridges, acted_on in self.session.execute(
            select(*columns, ACTED_ON).where(of_block)
        ):
            result = pairs.pop((question_id, solution_id), None)
            if result is not None:
                self.stored += 1
                row = _values(result)
                if (score, terms, bridges) != (row["score"], row["terms"], row["bridges"]):
                    changed.append({"id": id_} | row)
            elif collect_stale and not acted_on and (question_id, solution_id) not in self._from_questions:
                self._stale.append(id_)
        if changed:
            self.session.execute(update(Match), changed)
        if pairs:
            new = [{"question_id": q, "solution_id": s} | _values(r) for (q, s), r in pairs.items()]
            self.session.execute(insert(MATCH_TABLE), new)
            self.stored += len(new)


def _values(result: Result) -> dict:
    return {
        "score": result.score,
        "terms": list(result.terms),
        "bridges": [list(b) for b in result.bridges],
    }
