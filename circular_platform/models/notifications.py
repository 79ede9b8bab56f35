"""What people want to hear about, and what the platform already told them.

``flask notify run`` reads these tables and writes mails to the outbox in the same transaction
as it moves the ``last_sent_at`` marks, so a crash halfway sends nothing twice and loses nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, created_at_column, enum_column_type
from circular_platform.models.accounts import Organisation, User


class Frequency(LabelledEnum):
    IMMEDIATELY = "direct", _l("Direct (hoogstens één mail per uur)")
    DAILY = "dagelijks", _l("Eén keer per dag")
    WEEKLY = "wekelijks", _l("Eén keer per week, op maandag")
    NEVER = "nooit", _l("Nooit")


DEFAULT_FREQUENCY = Frequency.WEEKLY


class NotificationSetting(Base):
    """How often one person hears of new matches of one organisation; without a row: weekly.

    ``organisation_id`` is None for a coordinator's digest of their provinces.
    """

    __tablename__ = "notification_setting"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    frequency: Mapped[Frequency] = mapped_column(enum_column_type(Frequency, 10), default=DEFAULT_FREQUENCY)
    # Everything created after this moment is new for the next mail.
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class SavedSearch(Base):
    """A search someone asked to follow; new hits since ``last_sent_at`` go into their digest."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(String(200))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # kind, theme, province, ...
    created_at: Mapped[datetime] = created_at_column()
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
