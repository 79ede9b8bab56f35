"""The audit log: :func:`record` writes one entry in the same transaction as the action it records.

Services call ``audit.record(session, AuditAction.X, target, **detail)`` next to the change, so the
entry commits or rolls back with it. Who did it is the logged-in user of the request and the address
it came from (``request.remote_addr``: the client's own behind ``TRUSTED_PROXIES``); from the command
line or the periodic run there is no actor. A download is a GET request that records who took it:
its view is marked :func:`circular_platform.db.writes` and commits the entry before sending the file.

The app only adds entries: no page edits or deletes one. :func:`prune` removes those past
:data:`RETENTION`; the nightly ``flask notify run`` calls it, and ``flask audit prune`` does too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import Session

from circular_platform.arguments import parse_choice
from circular_platform.db import Base
from circular_platform.formats import write_csv
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import AuditAction, AuditEntry, Match, Membership, User
from circular_platform.notifications.schedule import LOCAL

RETENTION = timedelta(days=731)  # two years, a leap day included

# What the page calls the keys of ``detail``.
DETAIL_LABELS = {
    "mails": _l("e-mails verstuurd"),
    "reason": _l("reden"),
    "questions": _l("vragen"),
    "question": _l("vraag"),
    "lines": _l("materialen"),
    "line": _l("materiaal"),
    "material": _l("omschrijving"),
    "title": _l("titel"),
    "old": _l("was"),
    "new": _l("wordt"),
    "role": _l("rol"),
    "kind": _l("soort"),
    "rows": _l("rijen"),
    "first_row": _l("eerste rij"),
    "last_row": _l("laatste rij"),
    "file": _l("bestand"),
    "filters": _l("filters"),
    "removed": _l("verwijderd"),
    "fields": _l("velden"),
    "group": _l("materiaalgroep"),
    "old_primary": _l("nieuw materiaal was (kg CO2e/t)"),
    "new_primary": _l("nieuw materiaal wordt (kg CO2e/t)"),
    "old_reuse": _l("hergebruik was (kg CO2e/t)"),
    "new_reuse": _l("hergebruik wordt (kg CO2e/t)"),
    "attempts": _l("pogingen"),
    "error": _l("laatste fout"),
}


def record(
    session: Session,
    action: AuditAction,
    target: Base | None = None,
    *,
    by: User | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add an entry for ``action`` on ``target`` (any model with an ``id``) by ``by`` (default: the
    request's logged-in user); ``detail`` holds short facts (a reason, a new status, a count) as JSON."""
    actor = by or _actor()
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else "",
        actor_email=actor.email if actor else "",
        address=request.remote_addr if has_request_context() else None,
        target_type=target.__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        target_label=_label(target)[:300],
        detail={key: _plain(value) for key, value in detail.items()},
    )
    session.add(entry)
    return entry


def _actor() -> User | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _label(target: Base | None) -> str:
    """What the target was called when the action happened, for reading the log later."""
    if target is None:
        return ""
    if isinstance(target, User):
        return f"{target.name} <{target.email}>"
    if isinstance(target, Membership):
        return f"{target.user.name} <{target.user.email}> – {target.organisation.name}"
    if isinstance(target, Match):
        return f"{target.question.title} ↔ {target.solution.title}"
    return str(target)


def _plain(value: Any) -> Any:
    """``value`` as JSON holds it: numbers, booleans and lists as they are, the rest as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""  # part of the actor's name or e-mail address
    action: AuditAction | None = None
    since: date | None = None  # local days, both included
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        """The filter from a query string; malformed values are ignored."""
        return cls(
            who=args.get("who", "").strip()[:200],
            action=parse_choice(args.get("action"), AuditAction),
            since=_parse_day(args.get("since")),
            until=_parse_day(args.get("until")),
        )

    def query(self) -> Select:
        """The matching entries, newest first."""
        query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        if self.who:
            query = query.where(
                or_(
                    AuditEntry.actor_name.icontains(self.who, autoescape=True),
                    AuditEntry.actor_email.icontains(self.who, autoescape=True),
                )
            )
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.since:
            query = query.where(AuditEntry.created_at >= _local_midnight(self.since))
        if self.until:
            query = query.where(AuditEntry.created_at < _local_midnight(self.until + timedelta(days=1)))
        return query

    @property
    def active(self) -> bool:
        return bool(self.who or self.action or self.since or self.until)


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _local_midnight(day: date) -> datetime:
    """In UTC, as stored: SQLite compares the digits and ignores the zone."""
    return datetime.combine(day, time(), LOCAL).astimezone(UTC)


def local_time(moment: datetime) -> datetime:
    """A stored moment in Dutch local time; SQLite hands back naive datetimes, which are UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LOCAL)


def entries_csv(entries: Iterable[AuditEntry]) -> bytes:
    columns = [
        _("Tijdstip"),
        _("Naam"),
        _("E-mailadres"),
        _("IP-adres"),
        _("Actie"),
        _("Code"),
        _("Soort"),
        _("Nummer"),
        _("Betreft"),
        _("Details"),
    ]
    rows = (
        [
            local_time(entry.created_at).isoformat(timespec="seconds"),
            entry.actor_name,
            entry.actor_email,
            entry.address,
            entry.action.label,
            entry.action.value,
            entry.target_type,
            entry.target_id,
            entry.target_label,
            "; ".join(f"{key}: {value}" for key, value in entry.detail.items()),
        ]
        for entry in entries
    )
    return write_csv(columns, rows)


# -- retention -------------------------------------------------------------------------------


def prune(session: Session, now: datetime) -> int:
    """Delete the entries older than :data:`RETENTION` at ``now``; the number deleted, itself recorded."""
    result = session.execute(delete(AuditEntry).where(AuditEntry.created_at < now - RETENTION))
    removed = result.rowcount or 0  # type: ignore[attr-defined]
    if removed:
        record(session, AuditAction.AUDIT_PRUNED, removed=removed)
    session.flush()
    return removed
