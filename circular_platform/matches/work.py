"""The work of a full rebuild in units a progress bar can count: each document read, fitted,
and ranked with its proposals stored (the last unit: the models saved and calibrated)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from circular_platform.matches.documents import READ_BATCH
from circular_platform.models import MATCHABLE_QUESTIONS, MATCHABLE_SOLUTIONS, Question, Solution
from matching.matcher import Document, Matcher

Progress = Callable[[str, int, int], None]  # (stage, units done, units in all)
RANK_BLOCK = 8 * 64  # a multiple of the engine's chunk of 64 queries: the same products as one call


class RebuildWork:
    """The units of a rebuild: each document read, fitted, and ranked with its proposals stored."""

    def __init__(self, session: Session, progress: Progress) -> None:
        questions = session.scalar(
            select(func.count(Question.id)).where(Question.status.in_(MATCHABLE_QUESTIONS))
        )
        solutions = session.scalar(
            select(func.count(Solution.id)).where(Solution.status.in_(MATCHABLE_SOLUTIONS))
        )
        self.total = 3 * ((questions or 0) + (solutions or 0)) + 1 if questions and solutions else 0
        self.done, self._progress = 0, progress

    def advance(self, stage: str, units: int) -> None:
        self.done += units
        self._progress(stage, self.done, self.total)

    def begin(self, stage: str) -> None:
        """Name the stage now starting, so the bar says what runs rather than what ran."""
        self.advance(stage, 0)

    def read(self, stage: str, documents: Iterable[Document]) -> list[Document]:
        self.begin(f"reading {stage}")
        out = []
        for document in documents:
            out.append(document)
            if len(out) % READ_BATCH == 0:
                self.advance(f"reading {stage}", READ_BATCH)
        self.advance(f"reading {stage}", len(out) % READ_BATCH)
        return out

    def fit(self, stage: str, documents: list[Document]) -> Matcher:
        self.begin(f"fitting {stage}")
        matcher = Matcher.fit(documents)
        self.advance(f"fitting {stage}", len(documents))
        return matcher

    def blocks(self, stage: str, documents: list[Document]) -> Iterator[list[Document]]:
        """``documents`` a block at a time; a block counts once its proposals are stored (or, the
        last one written in the background, being written: see :mod:`.bulk`)."""
        self.begin(stage)
        for start in range(0, len(documents), RANK_BLOCK):
            block = documents[start : start + RANK_BLOCK]
            yield block
            self.advance(stage, len(block))
