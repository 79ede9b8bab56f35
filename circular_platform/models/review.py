"""What people did with a match: introductions, rejections, pipeline moves and notes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.models._types import created_at_column, enum_column_type
from circular_platform.models.accounts import User
from circular_platform.models.matching import Match, MatchStatus


class MatchAction(enum.StrEnum):
    INTRODUCE = "introduce"
    REJECT = "reject"
    SNOOZE = "snooze"
    MOVE = "move"
    NOTE = "note"


class MatchEvent(Base):
    """One entry of a match's log; ``from_status`` equals ``to_status`` for notes and snoozes."""

    __tablename__ = "match_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[MatchAction] = mapped_column(enum_column_type(MatchAction, 10))
    from_status: Mapped[MatchStatus] = mapped_column(enum_column_type(MatchStatus))
    to_status: Mapped[MatchStatus] = mapped_column(enum_column_type(MatchStatus))
    reason: Mapped[str] = mapped_column(String(500), default="")  # a key of REJECT_REASONS or free text
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    match: Mapped[Match] = relationship()
    user: Mapped[User | None] = relationship()
