"""Bundles: open questions of several organisations that could be procured together (demand), and
material lines of several buildings that come free together and could be offered as one (supply)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, created_at_column, enum_column_type, utcnow
from circular_platform.models.accounts import User
from circular_platform.models.marketplace import Question
from circular_platform.models.materials import MaterialLine
from circular_platform.models.regions import Municipality, Province


class BundleStatus(LabelledEnum):
    EXPLORING = "verkenning", _l("Verkenning"), "info"
    JOINT_TENDER = "gezamenlijke_uitvraag", _l("Gezamenlijke uitvraag"), "primary"
    AWARDED = "gegund", _l("Gegund"), "success"
    # the bundle no longer holds its questions: they may join another
    COMPLETED = "afgerond", _l("Afgerond"), "dark"


class DemandBundle(Base):
    __tablename__ = "demand_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(160))
    status: Mapped[BundleStatus] = mapped_column(
        enum_column_type(BundleStatus, 25), default=BundleStatus.EXPLORING, index=True
    )
    theme: Mapped[str | None] = mapped_column(String(30))  # a key of taxonomy.THEMES
    province_id: Mapped[int | None] = mapped_column(ForeignKey("province.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    province: Mapped[Province | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    members: Mapped[list[BundleQuestion]] = relationship(
        back_populates="bundle", cascade="all, delete-orphan", order_by="BundleQuestion.question_id"
    )

    @property
    def questions(self) -> list[Question]:
        return [member.question for member in self.members]

    @property
    def active(self) -> bool:
        return self.status != BundleStatus.COMPLETED

    def __str__(self) -> str:
        return self.label


class BundleQuestion(Base):
    """A question in a bundle; a question is in at most one active bundle (checked by the service)."""

    __tablename__ = "demand_bundle_question"

    bundle_id: Mapped[int] = mapped_column(
        ForeignKey("demand_bundle.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = created_at_column()

    bundle: Mapped[DemandBundle] = relationship(back_populates="members")
    question: Mapped[Question] = relationship()


class SupplyBundle(Base):
    """Material lines of one Eural group in one province, of several buildings and owners, that come
    free in the same period. The demand bundle's sibling: same statuses, members are material lines."""

    __tablename__ = "supply_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(160))
    status: Mapped[BundleStatus] = mapped_column(
        enum_column_type(BundleStatus, 25), default=BundleStatus.EXPLORING, index=True
    )
    material_group: Mapped[str] = mapped_column(String(5))  # Eural sub-chapter, "17 02"
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    province: Mapped[Province] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    members: Mapped[list[SupplyBundleLine]] = relationship(
        back_populates="bundle", cascade="all, delete-orphan", order_by="SupplyBundleLine.material_line_id"
    )

    @property
    def lines(self) -> list[MaterialLine]:
        return [member.material_line for member in self.members]

    @property
    def active(self) -> bool:
        return self.status != BundleStatus.COMPLETED

    def __str__(self) -> str:
        return self.label


class SupplyBundleLine(Base):
    """A passport's material line in a supply bundle; in at most one active bundle (the service checks)."""

    __tablename__ = "supply_bundle_line"

    bundle_id: Mapped[int] = mapped_column(
        ForeignKey("supply_bundle.id", ondelete="CASCADE"), primary_key=True
    )
    material_line_id: Mapped[int] = mapped_column(
        ForeignKey("material_line.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = created_at_column()

    bundle: Mapped[SupplyBundle] = relationship(back_populates="members")
    material_line: Mapped[MaterialLine] = relationship()
