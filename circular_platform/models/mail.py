from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, created_at_column

# After the n-th attempt fails for a passing reason, the next one comes RETRY_DELAYS[n - 1] later;
# after the last, delivery is given up: six attempts over about a day and a half.
RETRY_DELAYS = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)


class DeliveryState(LabelledEnum):
    SENT = "sent", _l("verzonden"), "success"
    OUTBOX = "outbox", _l("in de outbox"), "secondary"
    RETRYING = "retrying", _l("wacht op nieuwe poging"), "warning"
    REFUSED = "refused", _l("geweigerd"), "danger"
    GIVEN_UP = "given_up", _l("opgegeven"), "danger"


class OutboxMessage(Base):
    """Every mail the platform sends; without SMTP settings this is where mail stays.

    With SMTP settings ``next_attempt_at`` says when to try (again): set when the message is
    written, moved on by each attempt (:mod:`circular_platform.mail`), None once it is sent or
    will not be tried again. ``error`` is the last attempt's failure.
    """

    __tablename__ = "outbox_message"
    # Only unsent messages: the retry pass and the admin's list of undelivered mail read these few.
    __table_args__ = (
        Index(
            "ix_outbox_message_unsent",
            "next_attempt_at",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

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
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When a server took the current attempt; None once its outcome is recorded. An administrator's
    # "send again" waits while it is recent: that server may be handing the mail over right now.
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"

    @property
    def state(self) -> DeliveryState:
        if self.sent_at:
            return DeliveryState.SENT
        if not self.error:
            return DeliveryState.OUTBOX
        if self.next_attempt_at:
            return DeliveryState.RETRYING
        return DeliveryState.GIVEN_UP if self.attempts > len(RETRY_DELAYS) else DeliveryState.REFUSED
