"""Both sides of the marketplace: questions (vragen) and solutions (aanbod), with their history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, validates

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.markdown import description_texts
from circular_platform.models._types import LabelledEnum, created_at_column, enum_column_type, utcnow
from circular_platform.models.accounts import Organisation, User
from circular_platform.models.materials import MaterialLine
from circular_platform.models.regions import Municipality, Province


class QuestionStatus(LabelledEnum):
    DRAFT = "concept", _l("Concept"), "secondary"
    OPEN = "open", _l("Open"), "success"
    IN_TALKS = "in_gesprek", _l("In gesprek"), "info"
    COMPLETED = "afgerond", _l("Afgerond"), "dark"
    WITHDRAWN = "ingetrokken", _l("Ingetrokken"), "light"
    EXPIRED = "verlopen", _l("Verlopen"), "warning"  # its valid_until passed; the owner can renew it


class SolutionStatus(LabelledEnum):
    ACTIVE = "actief", _l("Actief"), "success"
    PAUSED = "gepauzeerd", _l("Gepauzeerd"), "warning"
    ARCHIVED = "gearchiveerd", _l("Gearchiveerd"), "light"


# What "open" means depends on who asks; each set is defined here once (tuples: the SQL stays stable).
# Questions others may see: published, finished ones included; not concept or withdrawn.
PUBLISHED_QUESTIONS = (QuestionStatus.OPEN, QuestionStatus.IN_TALKS, QuestionStatus.COMPLETED)
# Open demand: published and not finished; what the demand figures count and a bundle may hold.
OPEN_DEMAND = (QuestionStatus.OPEN, QuestionStatus.IN_TALKS)
# Questions the matcher finds solutions for: still looking, not yet in talks.
MATCHABLE_QUESTIONS = (QuestionStatus.OPEN,)
# Solutions in the marketplace: active or paused; archived ones only their owners see.
LISTED_SOLUTIONS = (SolutionStatus.ACTIVE, SolutionStatus.PAUSED)
# Solutions the matcher proposes: active only, a paused one takes no new work.
MATCHABLE_SOLUTIONS = (SolutionStatus.ACTIVE,)


class Visibility(LabelledEnum):
    PUBLIC = "public", _l("Iedereen")
    MEMBERS = "members", _l("Alleen ingelogde deelnemers")  # only logged-in users of the platform


class Maturity(LabelledEnum):
    IDEA = "idee", _l("Idee: nog niet getest")
    PILOT = "pilot", _l("Pilot: getest in de praktijk")
    MARKET_READY = "marktrijp", _l("Marktrijp: wordt al geleverd")


class Described:
    """A description in Markdown and the HTML and plain texts derived from it whenever it is set
    (also by a form or the API), so that no page, ranking or index converts Markdown again."""

    description: Mapped[str] = mapped_column(Text)  # Markdown, as typed
    description_html: Mapped[str] = mapped_column(Text, default="", server_default="")  # sanitised
    description_text: Mapped[str] = mapped_column(Text, default="", server_default="")  # all of it
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")  # cut, for cards

    @validates("description")
    def _derive_texts(self, _key: str, description: str) -> str:
        self.description_html, self.description_text, self.summary = description_texts(description)
        return description

    @property
    def description_markup(self) -> Markup:
        """The description as its page shows it: HTML sanitised (nh3) when it was set."""
        return Markup(self.description_html)  # nosec B704 - sanitised by markdown.render_markdown


class Question(Described, Base):
    __tablename__ = "question"
    __table_args__ = (
        # The lists' newest first. Their page of ids is read from the index alone: a visitor's
        # filter is in it (page 25 of the questions: 0.3 ms, not 2).
        Index(
            "ix_question_created_at_id",
            "created_at",
            "id",
            postgresql_include=["status", "visibility", "organisation_id"],
        ),
        # The list's count of what a visitor may see reads this index alone (2 ms, not 6).
        Index("ix_question_status_visibility", "status", "visibility"),
        # An organisation's profile pages its questions newest first, and counts them, from this
        # index: the lists' index alone walked past every other organisation's questions.
        Index(
            "ix_question_organisation_created",
            "organisation_id",
            "created_at",
            "id",
            postgresql_include=["status", "visibility"],
        ),
        # Every column the region dashboard counts and groups by (demand/figures.py): its figures
        # are read from this index alone, not from the questions' wide rows.
        Index(
            "ix_question_demand",
            "status",
            "theme",
            "municipality_id",
            "organisation_id",
            "created_at",
            "unit",
            "quantity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(160))
    theme: Mapped[str] = mapped_column(String(30), index=True)  # a key of taxonomy.THEMES
    sector: Mapped[str | None] = mapped_column(String(3))  # WU or GWW, only for theme "bouw"
    transition_paths: Mapped[list[int]] = mapped_column(JSON, default=list)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit: Mapped[str | None] = mapped_column(String(20))  # a key of taxonomy.UNITS
    budget_min: Mapped[int | None] = mapped_column(Integer)  # euros
    budget_max: Mapped[int | None] = mapped_column(Integer)
    desired_start: Mapped[date | None] = mapped_column(Date)  # the first day of the month
    # After this day the question expires; the owner is reminded beforehand and can extend it.
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_procurement: Mapped[bool] = mapped_column(Boolean, default=False)
    has_circular_criteria: Mapped[bool] = mapped_column(Boolean, default=False)
    circular_criteria: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(
        enum_column_type(Visibility, 10), default=Visibility.PUBLIC
    )
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column_type(QuestionStatus), default=QuestionStatus.DRAFT
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    contact: Mapped[User | None] = relationship(foreign_keys=[contact_id])
    municipality: Mapped[Municipality] = relationship()
    material_lines: Mapped[list[MaterialLine]] = relationship(
        cascade="all, delete-orphan", order_by=MaterialLine.position
    )

    @property
    def province(self) -> Province:
        return self.municipality.province

    @property
    def matchable(self) -> bool:
        return self.status in MATCHABLE_QUESTIONS

    def __str__(self) -> str:
        return self.title


solution_province = Table(
    "solution_province",
    Base.metadata,
    Column("solution_id", ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
    Column("province_id", ForeignKey("province.id", ondelete="CASCADE"), primary_key=True, index=True),
)

solution_municipality = Table(
    "solution_municipality",
    Base.metadata,
    Column("solution_id", ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class SolutionTheme(Base):
    """One of a solution's themes; a table rather than a list so filters stay plain SQL."""

    __tablename__ = "solution_theme"

    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class Solution(Described, Base):
    __tablename__ = "solution"
    __table_args__ = (
        Index(  # the lists' newest first, as for questions
            "ix_solution_created_at_id", "created_at", "id", postgresql_include=["status", "organisation_id"]
        ),
        # An organisation's profile, as for questions: page 58 of 1,500 solutions read 20 ms.
        Index(
            "ix_solution_organisation_created",
            "organisation_id",
            "created_at",
            "id",
            postgresql_include=["status"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(160))
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False)
    maturity: Mapped[Maturity] = mapped_column(enum_column_type(Maturity, 10), default=Maturity.MARKET_READY)
    capacity: Mapped[str] = mapped_column(Text, default="")
    certifications: Mapped[str] = mapped_column(Text, default="")
    price_indication: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[SolutionStatus] = mapped_column(
        enum_column_type(SolutionStatus), default=SolutionStatus.ACTIVE, index=True
    )
    # Once a year the owner confirms the solution is still offered; unanswered, it is paused.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    contact: Mapped[User | None] = relationship(foreign_keys=[contact_id])
    theme_rows: Mapped[list[SolutionTheme]] = relationship(cascade="all, delete-orphan")
    provinces: Mapped[list[Province]] = relationship(secondary=solution_province, order_by=Province.name)
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=solution_municipality, order_by=Municipality.name
    )
    material_lines: Mapped[list[MaterialLine]] = relationship(
        cascade="all, delete-orphan", order_by=MaterialLine.position
    )
    # A list card's themes and service area, read by the page's own query rather than a query per
    # collection (solutions.services.CARD_LOADING): keys or names joined by LISTED_APART, unsorted.
    listed_themes: Mapped[str | None] = query_expression()
    listed_provinces: Mapped[str | None] = query_expression()
    listed_municipalities: Mapped[str | None] = query_expression()

    @property
    def themes(self) -> list[str]:
        """Theme keys in alphabetical order (the rows come in no defined order)."""
        if self.listed_themes is not None:
            return sorted(_listed(self.listed_themes))
        return sorted(row.theme for row in self.theme_rows)

    @themes.setter
    def themes(self, keys: list[str]) -> None:
        self.theme_rows = [SolutionTheme(theme=key) for key in dict.fromkeys(keys)]

    @property
    def matchable(self) -> bool:
        return self.status in MATCHABLE_SOLUTIONS

    @property
    def area_names(self) -> list[str]:
        """Where it delivers as a list shows it: its provinces by name, then its municipalities by name
        (sorted here, so a card and the page agree whatever the database's collation)."""
        if self.listed_provinces is not None and self.listed_municipalities is not None:
            return sorted(_listed(self.listed_provinces)) + sorted(_listed(self.listed_municipalities))
        return sorted(p.name for p in self.provinces) + sorted(m.name for m in self.municipalities)

    def covers(self, municipality: Municipality) -> bool:
        """Whether the service area includes ``municipality``."""
        return (
            self.nationwide or municipality in self.municipalities or municipality.province in self.provinces
        )

    def __str__(self) -> str:
        return self.title


LISTED_APART = "\x1f"  # the unit separator: in no theme key or region name


def _listed(joined: str) -> list[str]:
    return joined.split(LISTED_APART) if joined else []


class ChangeLog(Base):
    """Who changed what on a question or solution, and when; shown to owners and coordinators."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20))  # "question" or "solution"
    item_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changes: Mapped[dict] = mapped_column(JSON)  # {field: [old, new]}
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User | None] = relationship()
