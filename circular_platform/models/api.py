"""Personal API tokens: how the organisations' own systems call ``/api/v1`` on a user's behalf."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, created_at_column, enum_column_type
from circular_platform.models.accounts import User


class TokenScope(LabelledEnum):
    READ = "read", _l("Alleen lezen")
    READ_WRITE = "read_write", _l("Lezen en schrijven")


class ApiToken(Base):
    """Only the SHA-256 of the secret is stored; the user sees the secret once, when it is made.

    ``prefix`` (the secret's first characters) lets the user tell their tokens apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(enum_column_type(TokenScope, 10), default=TokenScope.READ)
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def __str__(self) -> str:
        return self.name
