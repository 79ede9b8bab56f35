"""Material lines (what a question needs, a solution offers or a building holds) and building passports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, created_at_column, enum_column_type, utcnow
from circular_platform.models.accounts import Organisation
from circular_platform.models.regions import Municipality


class Intervention(LabelledEnum):
    RENOVATION = "renovatie", _l("Renovatie")
    DEMOLITION = "sloop", _l("Sloop")


class MaterialLine(Base):
    """One material with its Eural code and quantity; belongs to exactly one question, solution or
    passport. ``from_date`` is when it is needed (question) or available (solution, passport)."""

    __tablename__ = "material_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int | None] = mapped_column(ForeignKey("solution.id", ondelete="CASCADE"), index=True)
    passport_id: Mapped[int | None] = mapped_column(
        ForeignKey("building_passport.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    material: Mapped[str] = mapped_column(String(160))
    eural_code: Mapped[str | None] = mapped_column(String(8))  # "17 01 01"
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit: Mapped[str | None] = mapped_column(String(10))  # a key of taxonomy.MATERIAL_UNITS
    condition: Mapped[str] = mapped_column(String(160), default="")
    from_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(160), default="")  # where in the building

    passport: Mapped[BuildingPassport | None] = relationship(back_populates="material_lines")


class BuildingPassport(Base):
    """A building and the materials built into it, released at a planned renovation or demolition."""

    __tablename__ = "building_passport"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(200), default="")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    construction_year: Mapped[int | None] = mapped_column(Integer)
    floor_area: Mapped[int | None] = mapped_column(Integer)  # m² gross floor area
    intervention: Mapped[Intervention | None] = mapped_column(enum_column_type(Intervention, 10))
    intervention_date: Mapped[date | None] = mapped_column(Date)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    municipality: Mapped[Municipality] = relationship()
    material_lines: Mapped[list[MaterialLine]] = relationship(
        back_populates="passport", cascade="all, delete-orphan", order_by=MaterialLine.position
    )

    def __str__(self) -> str:
        return self.name
