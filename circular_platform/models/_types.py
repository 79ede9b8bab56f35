from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_column():
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class LabelledEnum(enum.StrEnum):
    """A stored value with the label users read and, for a status, the Bootstrap colour of its badge.

    Members are written ``DRAFT = "concept", _l("Concept"), "secondary"``: the value is what the
    database stores and ``QuestionStatus("concept")`` looks up; the label is a lazy string, translated
    when shown; the colour defaults to ``secondary``.
    """

    label: Any
    colour: str

    def __new__(cls, value: str, label: Any = None, colour: str = "secondary") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.colour = colour
        return member

    @classmethod
    def labels(cls) -> dict[str, Any]:
        """Value to label, in the order of the members: for select choices and the CSV vocabularies."""
        return {member.value: member.label for member in cls}


def enum_column_type(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """Store the member's value ("woningcorporatie"), not its name, in a VARCHAR."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )
