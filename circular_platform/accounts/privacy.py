"""GDPR (AVG): everything the platform holds about a user, exported and erased table by table.

``ERASERS`` names every table that refers to a user or holds free text, with what erasure does
to it; ``tests/test_privacy.py`` fails when a new such table appears without an entry. What a
user posted for their organisation (questions, solutions, their material lines, the impact of
their deals) stays with the organisation; where their name stood, the history reads ``DELETED_USER``.

Functions ``flush()``; the caller commits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from circular_platform.models import (
    ApiToken,
    AuditEntry,
    ChangeLog,
    DemandBundle,
    EmissionFactorChange,
    ExchangeLine,
    Match,
    MatchAction,
    MatchEvent,
    MaterialLine,
    NotificationSetting,
    OutboxMessage,
    Question,
    SavedSearch,
    Solution,
    SupplyBundle,
    User,
)
from circular_platform.review.services import REJECT_REASONS

# Stored in Dutch where a deleted user's name stood; templates show it translated
# (templates/marketplace/_macros.html change_value).
DELETED_USER = "verwijderde gebruiker"


class Scrubber:
    """Replaces a user's name and e-mail address in text and JSON values, ignoring case."""

    def __init__(self, user: User) -> None:
        self.needles = [n for n in (user.email, user.name.strip()) if n]
        alternatives = "|".join(re.escape(n) for n in self.needles)
        self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def text(self, value: str | None) -> str | None:
        return self._pattern.sub(DELETED_USER, value) if value else value

    def value(self, value: Any) -> Any:
        """``value`` with the user replaced in every string, at any depth of lists and dicts."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def mentioned_in(self, *columns) -> Any:
        """SQL: one of ``columns`` contains the name or address (JSON columns as their text too)."""
        forms = {form.lower() for n in self.needles for form in (n, json.dumps(n)[1:-1])}
        return or_(
            *(
                func.lower(cast(column, Text)).contains(form, autoescape=True)
                for column in columns
                for form in forms
            )
        )


# -- what is theirs -----------------------------------------------------------------------------


def mails_about(session: Session, user: User) -> list[OutboxMessage]:
    """Mail sent to the user or naming them (a join request, an introduction)."""
    scrubber = Scrubber(user)
    query = select(OutboxMessage).where(
        or_(
            OutboxMessage.recipient == user.email,
            scrubber.mentioned_in(
                OutboxMessage.subject, OutboxMessage.body, OutboxMessage.html_body, OutboxMessage.reply_to
            ),
        )
    )
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def changes_about(session: Session, user: User) -> list[ChangeLog]:
    """Change-log entries the user wrote, or that name them (as a contact person)."""
    query = select(ChangeLog).where(
        or_(ChangeLog.user_id == user.id, Scrubber(user).mentioned_in(ChangeLog.changes))
    )
    return list(session.scalars(query.order_by(ChangeLog.id)))


def events_about(session: Session, user: User) -> list[MatchEvent]:
    """Match log entries the user wrote, or whose note or reason names them."""
    query = select(MatchEvent).where(
        or_(MatchEvent.user_id == user.id, Scrubber(user).mentioned_in(MatchEvent.note, MatchEvent.reason))
    )
    return list(session.scalars(query.order_by(MatchEvent.id)))


def _items(session: Session, model: type[Question] | type[Solution], user: User) -> list[dict]:
    query = select(model).where(or_(model.author_id == user.id, model.contact_id == user.id))
    items: list[Question | Solution] = list(session.scalars(query.order_by(model.id)))
    return [
        {
            "id": item.id,
            "title": item.title,
            "organisation": item.organisation.name,
            "author": item.author_id == user.id,
            "contact": item.contact_id == user.id,
            "material_lines": [_material_line(line) for line in item.material_lines],
        }
        for item in items
    ]


def _own_items(model: type[Question] | type[Solution], user: User) -> Any:
    return select(model.id).where(or_(model.author_id == user.id, model.contact_id == user.id))


def _material_line(line: MaterialLine) -> dict:
    return {
        "material": line.material,
        "eural_code": line.eural_code,
        "quantity": str(line.quantity) if line.quantity is not None else None,
        "unit": line.unit,
        "condition": line.condition,
        "from_date": _iso(line.from_date),
    }


def impact_about(session: Session, user: User) -> list[ExchangeLine]:
    """What was exchanged in deals they recorded, or on the questions and solutions that are theirs."""
    query = (
        select(ExchangeLine)
        .join(ExchangeLine.match)
        .where(
            or_(
                ExchangeLine.recorded_by_id == user.id,
                Match.question_id.in_(_own_items(Question, user)),
                Match.solution_id.in_(_own_items(Solution, user)),
            )
        )
    )
    return list(session.scalars(query.order_by(ExchangeLine.id)))


def _impact(session: Session, user: User) -> list[dict]:
    return [
        {
            "match": line.match_id,
            "question": line.match.question.title,
            "solution": line.match.solution.title,
            "material_group": line.material_group,
            "tonnes": line.tonnes,
            "products": line.products,
            "kg_per_product": line.kg_per_product,
            "new_material": line.new_material,
            "by_you": line.recorded_by_id == user.id,
            "recorded_at": _iso(line.recorded_at),
        }
        for line in impact_about(session, user)
    ]


def _feedback(session: Session, user: User) -> list[dict]:
    query = select(Match).where(
        or_(Match.question_feedback_by_id == user.id, Match.solution_feedback_by_id == user.id)
    )
    return [
        {
            "match": match.id,
            "question": match.question.title,
            "solution": match.solution.title,
            "feedback": _value(
                match.question_feedback
                if match.question_feedback_by_id == user.id
                else match.solution_feedback
            ),
        }
        for match in session.scalars(query.order_by(Match.id))
    ]


def _value(member) -> str | None:
    return member.value if member is not None else None


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def export_personal_data(session: Session, user: User) -> dict:
    """Everything that is the user's or is about them, as JSON-ready data."""
    return {
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "created_at": _iso(user.created_at),
        "confirmed_at": _iso(user.confirmed_at),
        "roles": {"coordinator": user.is_coordinator, "administrator": user.is_admin},
        "memberships": [
            {
                "organisation": m.organisation.name,
                "role": m.role.value,
                "approved": m.approved,
                "message": m.message,
                "since": _iso(m.created_at),
            }
            for m in user.memberships
        ],
        "notification_settings": [
            {"organisation": s.organisation.name if s.organisation else None, "frequency": s.frequency.value}
            for s in session.scalars(
                select(NotificationSetting).where(NotificationSetting.user_id == user.id)
            )
        ],
        "saved_searches": [
            {"query": s.query, "filters": s.filters, "created_at": _iso(s.created_at)}
            for s in session.scalars(select(SavedSearch).filter_by(user_id=user.id))
        ],
        "questions": _items(session, Question, user),
        "solutions": _items(session, Solution, user),
        "match_feedback": _feedback(session, user),
        "impact_records": _impact(session, user),
        "emission_factor_changes": [
            {
                "material_group": c.material_group,
                "primary_kg_per_t": c.primary_kg_per_t,
                "reuse_kg_per_t": c.reuse_kg_per_t,
                "changed_at": _iso(c.changed_at),
            }
            for c in session.scalars(
                select(EmissionFactorChange).where(EmissionFactorChange.changed_by_id == user.id)
            )
        ],
        "match_log": [
            {
                "match": e.match_id,
                "by_you": e.user_id == user.id,
                "action": e.action.value,
                "from_status": e.from_status.value,
                "to_status": e.to_status.value,
                "reason": e.reason,
                "note": e.note,
                "at": _iso(e.created_at),
            }
            for e in events_about(session, user)
        ],
        "change_log": [
            {
                "item_type": c.item_type,
                "item_id": c.item_id,
                "by_you": c.user_id == user.id,
                "changes": c.changes,
                "at": _iso(c.created_at),
            }
            for c in changes_about(session, user)
        ],
        "mails": [
            {
                "to": m.recipient,
                "subject": m.subject,
                "body": m.body,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in mails_about(session, user)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "scope": t.scope.value,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
            }
            for t in session.scalars(select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.id))
        ],
        "demand_bundles": [
            {"label": b.label, "status": b.status.value, "created_at": _iso(b.created_at)}
            for b in session.scalars(select(DemandBundle).where(DemandBundle.created_by_id == user.id))
        ],
        "supply_bundles": [
            {"label": b.label, "status": b.status.value, "created_at": _iso(b.created_at)}
            for b in session.scalars(select(SupplyBundle).where(SupplyBundle.created_by_id == user.id))
        ],
        "audit_log": [
            {
                "action": e.action.value,
                "about": e.target_label,
                "address": e.address,
                "at": _iso(e.created_at),
            }
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)
            )
        ],
    }


# -- erasure, per table -------------------------------------------------------------------------


def _unlink(session: Session, model, columns: Iterable[str], user: User) -> None:
    """Set the user's references in ``columns`` to NULL, leaving ``updated_at`` as it was."""
    keep = {"updated_at": model.updated_at} if hasattr(model, "updated_at") else {}
    for name in columns:
        column = getattr(model, name)
        statement = update(model).where(column == user.id).values({name: None, **keep})
        session.execute(statement.execution_options(synchronize_session="fetch"))


def _erase_items(session: Session, user: User, scrubber: Scrubber) -> None:
    for model in (Question, Solution):
        _unlink(session, model, ("author_id", "contact_id"), user)


def _erase_match(session: Session, user: User, scrubber: Scrubber) -> None:
    _unlink(session, Match, ("question_feedback_by_id", "solution_feedback_by_id"), user)
    for match in session.scalars(select(Match).where(scrubber.mentioned_in(Match.reason))):
        match.reason = scrubber.text(match.reason) or ""


def _reason_is_a_fact(event: MatchEvent) -> bool:
    """A rejection's fixed reason or a snooze's date, rather than text someone wrote."""
    return event.action == MatchAction.SNOOZE or (
        event.action == MatchAction.REJECT and event.reason in REJECT_REASONS
    )


def _erase_match_events(session: Session, user: User, scrubber: Scrubber) -> None:
    """Their own entries keep the fact (who did what when) but lose the text; others lose the name."""
    for event in events_about(session, user):
        if event.user_id == user.id:
            event.user = None
            event.note = ""
            event.reason = event.reason if _reason_is_a_fact(event) else ""
        else:
            event.note = scrubber.text(event.note) or ""
            event.reason = scrubber.text(event.reason) or ""


def _erase_change_log(session: Session, user: User, scrubber: Scrubber) -> None:
    for entry in changes_about(session, user):
        if entry.user_id == user.id:
            entry.user = None
        entry.changes = scrubber.value(entry.changes)


def _erase_bundles(session: Session, user: User, scrubber: Scrubber) -> None:
    """Demand and supply bundles alike: who made them goes, and their name from the labels."""
    _unlink(session, DemandBundle, ("created_by_id",), user)
    _unlink(session, SupplyBundle, ("created_by_id",), user)
    demand = session.scalars(select(DemandBundle).where(scrubber.mentioned_in(DemandBundle.label)))
    supply = session.scalars(select(SupplyBundle).where(scrubber.mentioned_in(SupplyBundle.label)))
    for bundle in [*demand, *supply]:
        bundle.label = scrubber.text(bundle.label) or DELETED_USER


def _erase_mail(session: Session, user: User, scrubber: Scrubber) -> None:
    """Mail to them goes; mail naming them (to a colleague, an admin) keeps its text without them."""
    session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == user.email))
    for message in mails_about(session, user):
        message.subject = scrubber.text(message.subject) or ""
        message.body = scrubber.text(message.body) or ""
        message.html_body = scrubber.text(message.html_body)
        message.headers = None  # an unsubscribe link of theirs, if any
        if message.reply_to == user.email:
            message.reply_to = None


def _erase_audit_entries(session: Session, user: User, scrubber: Scrubber) -> None:
    """The audit log keeps every entry: an erased coordinator must not take their actions out of it,
    and entries go after two years anyway. It loses who they were: their name and address become
    ``DELETED_USER``, while ``actor_id``, the number of an account that no longer exists, still ties
    their entries together (a pseudonym only an old backup can resolve). Where others' entries name
    them (they were blocked, their membership approved) the name goes too; the network address
    stays for the two years, for inquiries into misuse."""
    mine = update(AuditEntry).where(AuditEntry.actor_id == user.id)
    session.execute(mine.values(actor_name=DELETED_USER, actor_email=""))
    mentioning = scrubber.mentioned_in(AuditEntry.target_label, AuditEntry.detail)
    for entry in session.scalars(select(AuditEntry).where(mentioning)):
        entry.target_label = scrubber.text(entry.target_label) or ""
        entry.detail = scrubber.value(entry.detail)


def _erase_tokens(session: Session, user: User, scrubber: Scrubber) -> None:
    """Before the user: a token must stop working in the same transaction, whatever the database."""
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def _erase_impact(session: Session, user: User, scrubber: Scrubber) -> None:
    """Who recorded an exchange or changed a factor goes; the figures stay."""
    _unlink(session, ExchangeLine, ("recorded_by_id",), user)
    keep = {"changed_at": EmissionFactorChange.changed_at}
    statement = update(EmissionFactorChange).where(EmissionFactorChange.changed_by_id == user.id)
    session.execute(
        statement.values(changed_by_id=None, **keep).execution_options(synchronize_session="fetch")
    )


def _erase_user(session: Session, user: User, scrubber: Scrubber) -> None:
    session.delete(user)  # memberships (with their join message) go with it


def _nothing(session: Session, user: User, scrubber: Scrubber) -> None:
    """For tables that hold nothing of a user; the comment in ERASERS says why."""


# In order: the user row goes last, once nothing refers to it.
ERASERS: dict[str, Callable[[Session, User, Scrubber], None]] = {
    "question": _erase_items,
    "solution": _erase_items,
    "match": _erase_match,
    "match_event": _erase_match_events,
    "change_log": _erase_change_log,
    "demand_bundle": _erase_bundles,
    "supply_bundle": _erase_bundles,
    "outbox_message": _erase_mail,
    "audit_entry": _erase_audit_entries,
    "membership": _nothing,  # deleted with the user, join message included
    "organisation": _nothing,  # the organisation's own name, website and description
    "search_document": _nothing,  # copies of questions, solutions and organisations, without people
    "notification_setting": _nothing,  # deleted with the user
    "saved_search": _nothing,  # deleted with the user
    "api_token": _erase_tokens,
    "building_passport": _nothing,  # a building of an organisation: name, address, dates; no people
    "material_line": _nothing,  # materials of questions, solutions and buildings; no people
    "exchange_line": _erase_impact,
    "emission_factor_change": _erase_impact,
    "user_account": _erase_user,
}


def erase(session: Session, user: User) -> None:
    """Remove the user and every trace of their name and address."""
    scrubber = Scrubber(user)
    done: set[Callable] = set()
    for eraser in ERASERS.values():
        if eraser not in done:
            done.add(eraser)
            eraser(session, user, scrubber)
    session.flush()
