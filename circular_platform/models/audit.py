"""The audit log: what coordinators and administrators did, kept two years, never edited in the app."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from circular_platform.db import Base
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models._types import LabelledEnum, enum_column_type, utcnow


class AuditAction(LabelledEnum):
    ORGANISATION_VERIFIED = "organisation_verified", _l("Organisatie geverifieerd")
    ORGANISATION_UNVERIFIED = "organisation_unverified", _l("Verificatie van organisatie ingetrokken")
    ORGANISATION_EDITED = "organisation_edited", _l("Organisatieprofiel bewerkt door coördinator")
    SOLUTIONS_ALLOWED = "solutions_allowed", _l("Organisatie mag aanbod plaatsen")
    SOLUTIONS_DISALLOWED = "solutions_disallowed", _l("Organisatie mag geen aanbod meer plaatsen")
    USER_BLOCKED = "user_blocked", _l("Gebruiker geblokkeerd")
    USER_UNBLOCKED = "user_unblocked", _l("Gebruiker gedeblokkeerd")
    COORDINATOR_GRANTED = "coordinator_granted", _l("Coördinatorrol gegeven")
    COORDINATOR_REVOKED = "coordinator_revoked", _l("Coördinatorrol ingetrokken")
    COORDINATOR_PROVINCE_CHANGED = "coordinator_province_changed", _l("Provincie van coördinator gewijzigd")
    MEMBER_APPROVED = "member_approved", _l("Aanmelding bij organisatie goedgekeurd")
    MEMBER_REMOVED = "member_removed", _l("Aanmelding afgewezen of lid verwijderd")
    MEMBER_ROLE_CHANGED = "member_role_changed", _l("Rol binnen organisatie gewijzigd")
    MATCH_INTRODUCED = "match_introduced", _l("Match geïntroduceerd")
    MATCH_REJECTED = "match_rejected", _l("Match afgewezen")
    BUNDLE_CREATED = "bundle_created", _l("Bundel aangemaakt")
    BUNDLE_RENAMED = "bundle_renamed", _l("Bundel hernoemd")
    BUNDLE_STATUS_CHANGED = "bundle_status_changed", _l("Status van bundel gewijzigd")
    BUNDLE_QUESTION_ADDED = "bundle_question_added", _l("Vraag aan bundel toegevoegd")
    BUNDLE_QUESTION_REMOVED = "bundle_question_removed", _l("Vraag uit bundel gehaald")
    BUNDLE_LINE_ADDED = "bundle_line_added", _l("Materiaal aan bundel toegevoegd")
    BUNDLE_LINE_REMOVED = "bundle_line_removed", _l("Materiaal uit bundel gehaald")
    ITEMS_IMPORTED = "items_imported", _l("Vragen of aanbod geïmporteerd")
    PERSONAL_DATA_EXPORTED = "personal_data_exported", _l("Eigen gegevens gedownload (AVG)")
    DATA_EXPORTED = "data_exported", _l("Gegevens geëxporteerd")
    AUDIT_EXPORTED = "audit_exported", _l("Auditlog geëxporteerd")
    AUDIT_PRUNED = "audit_pruned", _l("Oude regels van het auditlog opgeruimd")
    EMISSION_FACTOR_CHANGED = "emission_factor_changed", _l("Emissiefactor aangepast")
    MAIL_RETRIED = "mail_retried", _l("Onbezorgde e-mail opnieuw verstuurd")


class AuditEntry(Base):
    """One action. Who did it is kept as a snapshot (name and address as they were), so the entry
    still reads right after the account changed or was erased.

    ``actor_id`` and ``target_id`` are plain numbers, no foreign keys: the log outlives what it
    mentions, and a cascade must never change or remove an entry. Without an actor, the command
    line or the periodic run did it.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed: the page lists newest first, the nightly run removes what is past two years
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str | None] = mapped_column(String(45))  # IPv6 at most; None outside a request
    action: Mapped[AuditAction] = mapped_column(enum_column_type(AuditAction, 40), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))  # the target's table name
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(300), default="")  # its name or title then
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
