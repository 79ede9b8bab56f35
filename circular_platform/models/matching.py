"""Proposed matches between a question and a solution, and what people did with them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, created_at_column, enum_column_type, utcnow
from circular_platform.models.accounts import User
from circular_platform.models.marketplace import Question, Solution


class MatchStatus(LabelledEnum):
    PROPOSED = "voorgesteld", _l("Voorgesteld"), "secondary"  # proposed by the matcher, nobody acted yet
    INTRODUCED = "geintroduceerd", _l("Geïntroduceerd"), "primary"
    IN_TALKS = "in_gesprek", _l("In gesprek"), "info"
    PILOT_OR_CONTRACT = "pilot_opdracht", _l("Pilot of opdracht"), "warning"
    COMPLETED = "afgerond", _l("Afgerond"), "success"
    DISCONTINUED = "niet_doorgegaan", _l("Niet doorgegaan"), "light"
    REJECTED = "afgewezen", _l("Afgewezen"), "light"  # rejected by a coordinator before an introduction


class Feedback(LabelledEnum):
    INTERESTING = "interessant", _l("Interessant"), "success"
    NOT_RELEVANT = "niet_relevant", _l("Niet relevant"), "secondary"


class Match(Base):
    __tablename__ = "match"
    __table_args__ = (
        UniqueConstraint("question_id", "solution_id"),
        # The review queue reads the proposals best score first (scanning it backwards; ties
        # sorted incrementally) and stops at the page; the counters per status read it too.
        Index("ix_match_status_score", "status", "score"),
        # With the status: the review page counts the snoozed proposals from this index alone.
        # Only snoozed matches: a new proposal (a rebuild writes 700,000) adds no entry here.
        Index(
            "ix_match_snoozed_until_status",
            "snoozed_until",
            "status",
            postgresql_where=text("snoozed_until IS NOT NULL"),
            sqlite_where=text("snoozed_until IS NOT NULL"),
        ),
        # An organisation's matches in a status (the dashboard) without reading its other matches.
        Index("ix_match_question_status", "question_id", "status"),
        # A question's page reads its best suggestions first and stops at the tenth.
        Index("ix_match_question_score", "question_id", "score"),
        # With the score and the question: an organisation's fitting questions (the dashboard) are
        # read from this index alone. It also finds a solution's matches (no index of its own).
        Index("ix_match_solution_status_score", "solution_id", "status", "score", "question_id"),
        # Stalled introductions (the review queue): a status's matches by their last logged change;
        # with the id, the oldest of two statuses are found in this index alone.
        Index("ix_match_status_last_change_at_id", "status", "last_change_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)  # cosine similarity, or the learned probability; 0..1
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)  # the words that explain the score
    # (question word, solution word) pairs a concept links: "hennep ≈ biobased isolatie"
    bridges: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    status: Mapped[MatchStatus] = mapped_column(enum_column_type(MatchStatus), default=MatchStatus.PROPOSED)
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
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the latest owner verdict
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When its log last changed (the latest MatchEvent, written with it by review.services._log);
    # its creation before any. Kept here so finding stalled matches reads no events.
    last_change_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
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


class SimilarQuestion(Base):
    """An open question's near neighbour among the other open questions: the cosine of their texts
    (:mod:`circular_platform.matches.similar`), stored when either is ranked, so a question's page
    reads its similar questions instead of ranking all questions on every view. A pair is stored
    both ways, each row listing ``other`` for ``question``.

    Derived rows without foreign keys: checking them locked a hundred questions' rows for every
    posted question. A trigger on ``question`` (migration ``e7f8a9b0c1d2``) drops a deleted
    question's rows, and the pages join the rows to the questions they show."""

    __tablename__ = "similar_question"

    question_id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed: a question that changes or closes drops the rows that list it for the others.
    other_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float)  # cosine, 0..1


class MatcherModel(Base):
    """One published version of the fitted matcher: the files of ``MATCHING_MODEL_PATH`` in a zip.

    The worker that fitted it writes it; every app server loads the newest (highest id), so
    servers on other hosts need no shared disk (:mod:`circular_platform.matches.store`)."""

    __tablename__ = "matcher_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = created_at_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
