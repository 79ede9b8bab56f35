from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, created_at_column, enum_column_type
from circular_platform.models.regions import Municipality, Province


class OrganisationKind(LabelledEnum):
    HOUSING_CORPORATION = "woningcorporatie", _l("Woningcorporatie")
    MUNICIPALITY = "gemeente", _l("Gemeente")
    PROVINCE = "provincie", _l("Provincie")
    WATER_BOARD = "waterschap", _l("Waterschap")
    EDUCATION = "onderwijs", _l("Onderwijs- of kennisinstelling")
    CARE = "zorg", _l("Zorginstelling")
    COMPANY = "bedrijf", _l("Bedrijf")
    OTHER = "overig", _l("Overig")


class MembershipRole(LabelledEnum):
    MEMBER = "member", _l("lid")
    ADMIN = "admin", _l("beheerder")


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column_type(OrganisationKind))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Companies publish solutions; a coordinator may allow other kinds too.
    may_publish_solutions: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()

    municipality: Mapped[Municipality] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def active_members(self) -> list[User]:
        return [m.user for m in self.memberships if m.approved]

    @property
    def admins(self) -> list[User]:
        return [m.user for m in self.memberships if m.approved and m.role == MembershipRole.ADMIN]

    def __str__(self) -> str:
        return self.name


class User(UserMixin, Base):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # A coordinator of one province handles its supply bundles only; None: the whole north.
    coordinated_province_id: Mapped[int | None] = mapped_column(ForeignKey("province.id"))
    # Changes on every login and password change: old sessions and tokens stop working.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    # When the user last opened their overview: suggestions after this are marked new.
    overview_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")
    coordinated_province: Mapped[Province | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return self.session_token

    @property
    def organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships if m.approved]

    def __str__(self) -> str:
        return self.name


class Membership(Base):
    """A user's place in an organisation; unapproved rows are join requests."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(
        enum_column_type(MembershipRole, 10),
        default=MembershipRole.MEMBER,
    )
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
