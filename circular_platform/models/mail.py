from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from circular_platform.db import Base
from circular_platform.models._types import created_at_column


class OutboxMessage(Base):
    """Every mail the platform sends; without SMTP settings this is where mail stays."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # plain text
    html_body: Mapped[str | None] = mapped_column(Text)  # the HTML alternative, when the mail has one
    headers: Mapped[dict | None] = mapped_column(JSON)  # extra headers: List-Unsubscribe, ...
    reply_to: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
