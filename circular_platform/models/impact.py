"""What the parties of a completed match exchanged, and the deployment's own emission factors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.models._types import created_at_column, utcnow
from circular_platform.models.matching import Match


class ExchangeLine(Base):
    """One material group exchanged in a completed deal: tonnes, or products times kg each.

    ``new_material`` marks material the deal still needed new; it counts only in the share of
    secondary material, never in the tonnes reused."""

    __tablename__ = "exchange_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    material_group: Mapped[str] = mapped_column(String(30))  # a group of data/emission_factors.csv
    tonnes: Mapped[float | None] = mapped_column(Float)
    products: Mapped[int | None] = mapped_column(Integer)
    kg_per_product: Mapped[float | None] = mapped_column(Float)
    new_material: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = created_at_column()

    match: Mapped[Match] = relationship()

    @property
    def weight_tonnes(self) -> float | None:
        """The tonnes, given or computed from the products; None for products without a weight."""
        if self.tonnes is not None:
            return self.tonnes
        if self.products is not None and self.kg_per_product is not None:
            return self.products * self.kg_per_product / 1000
        return None


class EmissionFactorChange(Base):
    """An administrator's value for one material group, replacing the shipped factors."""

    __tablename__ = "emission_factor_change"

    material_group: Mapped[str] = mapped_column(String(30), primary_key=True)
    primary_kg_per_t: Mapped[float] = mapped_column(Float)
    reuse_kg_per_t: Mapped[float] = mapped_column(Float)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
