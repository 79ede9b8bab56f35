from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base


class Province(Base):
    __tablename__ = "province"

    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(6), unique=True)  # e.g. PV22
    name: Mapped[str] = mapped_column(String(80), unique=True)
    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="province", order_by="Municipality.name"
    )

    def __str__(self) -> str:
        return self.name


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(6), unique=True)  # e.g. GM0106
    name: Mapped[str] = mapped_column(String(80), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("province.id"), index=True)
    province: Mapped[Province] = relationship(back_populates="municipalities")

    def __str__(self) -> str:
        return self.name
