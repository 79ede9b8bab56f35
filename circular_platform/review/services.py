"""Reviewing proposed matches and moving introduced ones along the pipeline.

A coordinator introduces, rejects or snoozes a proposal (status ``voorgesteld``). After the
introduction the coordinator and both parties move the match: geïntroduceerd → in gesprek →
pilot of opdracht → afgerond, or niet doorgegaan (with a reason) from any of those; talks that
resume go from niet doorgegaan back to in gesprek. Every change writes a :class:`MatchEvent` and
its time in ``Match.last_change_at``.
Functions ``flush()``; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from circular_platform import audit, permissions
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.mail import send_mail
from circular_platform.models import (
    AuditAction,
    Match,
    MatchAction,
    MatchEvent,
    MatchStatus,
    OutboxMessage,
    Question,
    Solution,
    User,
)
from circular_platform.models._types import utcnow

S = MatchStatus
PIPELINE: dict[MatchStatus, tuple[MatchStatus, ...]] = {
    S.INTRODUCED: (S.IN_TALKS, S.DISCONTINUED),
    S.IN_TALKS: (S.PILOT_OR_CONTRACT, S.DISCONTINUED),
    S.PILOT_OR_CONTRACT: (S.COMPLETED, S.DISCONTINUED),
    S.DISCONTINUED: (S.IN_TALKS,),
    S.COMPLETED: (),
}
STALLING = (S.INTRODUCED, S.IN_TALKS)
STALLED_AFTER = timedelta(days=14)
SNOOZE_DAYS = 14
AGES = {"week": (None, 7), "month": (None, 30), "older": (30, None)}  # (older than, newer than) in days

REJECT_REASONS = {
    "niet_relevant": _l("Niet relevant"),
    "regio_past_niet": _l("Regio past niet"),
    "al_in_contact": _l("Partijen zijn al met elkaar in contact"),
    "anders": _l("Anders"),
}


# -- changes --------------------------------------------------------------------------------------


def _log(
    session: Session,
    match: Match,
    user: User,
    action: MatchAction,
    to_status: MatchStatus,
    note: str = "",
    reason: str = "",
) -> MatchEvent:
    now = utcnow()
    event = MatchEvent(
        match=match,
        user=user,
        action=action,
        from_status=match.status,
        to_status=to_status,
        note=note.strip(),
        reason=reason,
        created_at=now,
    )
    match.status = to_status
    match.last_change_at = now
    session.add(event)
    session.flush()
    return event


def _require_proposal(match: Match) -> None:
    if match.status != S.PROPOSED:
        raise DomainError(_l("Deze match is al behandeld door een coördinator."))


def contact_persons(item: Question | Solution) -> list[User]:
    """The item's contact person; without an active one, the active admins of its organisation."""
    if item.contact is not None and item.contact.active:
        return [item.contact]
    return [user for user in item.organisation.admins if user.active]


def introduce(
    session: Session, match: Match, coordinator: User, note: str, *, notify: bool = True
) -> list[OutboxMessage]:
    """Mail both sides each other's details and the note, in their own language; reply-to the coordinator.

    Raises DomainError when the match was handled already or a side has nobody to write to.
    With ``notify=False`` (the demo's history) the introduction is only recorded; no mail is sent.
    """
    _require_proposal(match)
    if not notify:
        match.snoozed_until = None
        _log(session, match, coordinator, MatchAction.INTRODUCE, S.INTRODUCED, note)
        audit.record(session, AuditAction.MATCH_INTRODUCED, match, by=coordinator)
        return []
    people = {"question": contact_persons(match.question), "solution": contact_persons(match.solution)}
    for item, side in ((match.question, "question"), (match.solution, "solution")):
        if not people[side]:
            raise DomainError(
                _l(
                    "%(organisation)s heeft geen contactpersoon en geen beheerder; "
                    "vraag de organisatie eerst iemand aan te wijzen.",
                    organisation=item.organisation.name,
                )
            )
    messages = [
        _introduction_mail(session, match, person, own, other, people[other_side], coordinator, note)
        for own, other, side, other_side in (
            (match.question, match.solution, "question", "solution"),
            (match.solution, match.question, "solution", "question"),
        )
        for person in people[side]
    ]
    match.snoozed_until = None
    _log(session, match, coordinator, MatchAction.INTRODUCE, S.INTRODUCED, note)
    audit.record(session, AuditAction.MATCH_INTRODUCED, match, by=coordinator, mails=len(messages))
    return messages


def _introduction_mail(
    session: Session,
    match: Match,
    recipient: User,
    own: Question | Solution,
    other: Question | Solution,
    other_people: list[User],
    coordinator: User,
    note: str,
) -> OutboxMessage:
    return send_mail(
        session,
        recipient.email,
        "introduction",
        language=recipient.language,
        reply_to=coordinator.email,
        person=recipient,
        side="question" if own is match.question else "solution",
        own=own,
        other=other,
        other_people=other_people,
        match=match,
        question=match.question,
        solution=match.solution,
        coordinator=coordinator,
        note=note.strip(),
    )


def reject(session: Session, match: Match, coordinator: User, reason: str, text: str = "") -> MatchEvent:
    """Status afgewezen; ``reason`` is a key of REJECT_REASONS.

    "anders" needs ``text``, which is stored as the reason itself; with a listed reason the text
    is kept as the event's note. Raises DomainError naming the field to correct.
    """
    _require_proposal(match)
    if reason not in REJECT_REASONS:
        raise DomainError(_l("Kies een reden uit de lijst."), "reason")
    text = text.strip()[:500]
    if reason == "anders" and not text:
        raise DomainError(_l("U koos Anders: beschrijf kort waarom deze match niet past."), "text")
    match.reason = text if reason == "anders" else reason
    note = "" if reason == "anders" else text
    audit.record(session, AuditAction.MATCH_REJECTED, match, by=coordinator, reason=match.reason)
    return _log(session, match, coordinator, MatchAction.REJECT, S.REJECTED, note, reason=match.reason)


def snooze(
    session: Session, match: Match, coordinator: User, until: date, today: date | None = None
) -> MatchEvent:
    """Hide a proposal from the queue until the start of ``until``; the event's reason is that date."""
    _require_proposal(match)
    if until <= (today or utcnow().date()):
        raise DomainError(_l("Kies een datum in de toekomst."), "until")
    match.snoozed_until = datetime.combine(until, time(), UTC)
    return _log(session, match, coordinator, MatchAction.SNOOZE, S.PROPOSED, reason=until.isoformat())


def next_statuses(match: Match) -> tuple[MatchStatus, ...]:
    return PIPELINE.get(match.status, ())


def move(
    session: Session,
    match: Match,
    user: User,
    to_status: MatchStatus,
    note: str = "",
    reason: str = "",
    *,
    notify: bool = True,
) -> MatchEvent:
    """One step along PIPELINE; niet doorgegaan needs a reason. Raises DomainError otherwise.

    The other side hears of it by mail; with ``notify=False`` (the demo's history) nobody does.
    """
    if to_status not in next_statuses(match):
        raise DomainError(
            _l(
                "Een match met status %(old)s kan niet naar %(new)s.",
                old=match.status.label,
                new=to_status.label,
            ),
            "status",
        )
    if to_status == S.DISCONTINUED:
        if not reason.strip():
            raise DomainError(_l("Geef aan waarom het niet is doorgegaan."), "reason")
        match.reason = reason.strip()[:500]
    event = _log(session, match, user, MatchAction.MOVE, to_status, note, reason.strip()[:500])
    if notify:
        _mail_other_side(session, match, user, event)
    return event


def _mail_other_side(session: Session, match: Match, user: User, event: MatchEvent) -> None:
    """The contact persons of the side that did not move it hear of the new stage (both sides when a
    coordinator moved it), in their own language."""
    side = permissions.feedback_side(user, match)
    items: list[Question | Solution] = [match.question, match.solution]
    if side is not None:  # an owner moved it: only the other side
        items = [match.solution] if side == "question" else [match.question]
    for person in {p.id: p for item in items for p in contact_persons(item) if p.id != user.id}.values():
        send_mail(
            session,
            person.email,
            "stage_change",
            language=person.language,
            person=person,
            match=match,
            event=event,
            mover=user.name,
        )


def add_note(session: Session, match: Match, user: User, note: str) -> MatchEvent:
    """Notes belong to handled matches: the matcher may drop an untouched proposal, and its log with it."""
    if match.status == S.PROPOSED:
        raise DomainError(_l("Notities zijn mogelijk na een introductie of afwijzing."), "note")
    if not note.strip():
        raise DomainError(_l("Schrijf een notitie."), "note")
    return _log(session, match, user, MatchAction.NOTE, match.status, note)
