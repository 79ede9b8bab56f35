"""Proposed matches between a question and a solution, and what people did with them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.models._types import created_at_column, enum_column_type, utcnow
from circular_platform.models.accounts import User
from circular_platform.models.marketplace import Question, Solution


class MatchStatus(enum.StrEnum):
    PROPOSED = "voorgesteld"  # proposed by the matcher, nobody acted yet
    INTRODUCED = "geintroduceerd"
    IN_TALKS = "in_gesprek"
    PILOT_OR_CONTRACT = "pilot_opdracht"
    COMPLETED = "afgerond"
    DISCONTINUED = "niet_doorgegaan"
    REJECTED = "afgewezen"  # rejected by a coordinator before an introduction


class Feedback(enum.StrEnum):
    INTERESTING = "interessant"
    NOT_RELEVANT = "niet_relevant"


class Match(Base):
    __tablename__ = "match"
    __table_args__ = (UniqueConstraint("question_id", "solution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)  # cosine similarity, 0..1
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)  # the words that explain the score
    status: Mapped[MatchStatus] = mapped_column(
        enum_column_type(MatchStatus), default=MatchStatus.PROPOSED
    )
    question_feedback: Mapped[Feedback | None] = mapped_column(enum_column_type(Feedback))
    question_feedback_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    solution_feedback: Mapped[Feedback | None] = mapped_column(enum_column_type(Feedback))
    solution_feedback_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(500), default="")

    question: Mapped[Question] = relationship()
    solution: Mapped[Solution] = relationship()
    question_feedback_by: Mapped[User | None] = relationship(foreign_keys=[question_feedback_by_id])
    solution_feedback_by: Mapped[User | None] = relationship(foreign_keys=[solution_feedback_by_id])

    @property
    def acted_on(self) -> bool:
        """Whether a person touched this match; such matches keep their state when matching reruns."""
        return (
            self.status != MatchStatus.PROPOSED
            or self.question_feedback is not None
            or self.solution_feedback is not None
            or self.snoozed_until is not None
        )
