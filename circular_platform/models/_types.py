from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_column():
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def enum_column_type(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """Store the member's value ("woningcorporatie"), not its name, in a VARCHAR."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )
