"""Match alerts, saved-search hits and the coordinators' digest: one mail per person per run.

Set-based: a fixed number of queries reads the recipients and their settings, the new matches
and the coordinators' lists for everyone at once; only saved searches run one search each
(the search backend answers one query at a time, with the reader's own permissions).
A person's sections that are due go into one mail; sections with nothing new are left out and
a mail with no sections is not sent. The ``last_sent_at`` marks move in the same transaction as
the outbox rows are written.

Who is due: :mod:`.subscriptions`; what goes in a digest: :mod:`.sections`, filled by
:mod:`.match_sections`, :mod:`.coordinator_sections` and :mod:`.search_sections`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from circular_platform.mail import add_many, compose
from circular_platform.models import NotificationSetting, OutboxMessage, SavedSearch
from circular_platform.notifications.coordinator_sections import coordinator_sections
from circular_platform.notifications.match_sections import match_sections
from circular_platform.notifications.schedule import is_due
from circular_platform.notifications.search_sections import search_sections
from circular_platform.notifications.sections import Digest, unsubscribe_url
from circular_platform.notifications.subscriptions import Subscription, fastest, subscriptions
from circular_platform.notifications.tokens import unsubscribe_token
from circular_platform.urls import public_url

BATCH = 1000  # mails rendered and inserted at a time


def send_digests(session: Session, now: datetime) -> int:
    """Queue the digests due at ``now``; the number of mails."""
    members, coordinators = subscriptions(session)
    speed = fastest(members + coordinators)
    due_members = [s for s in members if is_due(s.frequency, s.since, now)]
    due_coordinators = [s for s in coordinators if is_due(s.frequency, s.since, now)]
    digests: dict[int, Digest] = {}
    advanced = match_sections(session, digests, due_members, now)
    advanced += coordinator_sections(session, digests, due_coordinators, now)
    searched = search_sections(session, digests, speed, now)
    _record(session, advanced, searched, now)
    ready = [digest for digest in digests.values() if digest.sections]
    # Rendered and written a batch at a time: 5,000 rendered mails at once would take ~100 MB.
    return sum(
        add_many(session, [_compose(digest) for digest in ready[start : start + BATCH]])
        for start in range(0, len(ready), BATCH)
    )


def _compose(digest: Digest) -> OutboxMessage:
    """RFC 8058: the List-Unsubscribe URL stops everything this mail is about, on a POST without login."""
    everything = unsubscribe_url(unsubscribe_token(digest.user.id, digest.organisations, digest.searches))
    headers = {"List-Unsubscribe": f"<{everything}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return compose(
        digest.user.email,
        "digest",
        language=digest.user.language,
        headers=headers,
        person=digest.user,
        sections=digest.sections,
        unsubscribe_all=everything,
        settings_url=public_url("accounts.account"),
    )


def _record(
    session: Session, advanced: list[Subscription], searched: list[tuple[SavedSearch, bool]], now: datetime
) -> None:
    """Move the marks: one UPDATE for the existing settings, one INSERT for the defaults made explicit."""
    existing = [{"id": s.setting.id, "last_sent_at": now} for s in advanced if s.setting is not None]
    if existing:
        session.execute(update(NotificationSetting), existing)
    defaults = [
        {
            "user_id": s.user.id,
            "organisation_id": s.organisation.id if s.organisation else None,
            "frequency": s.frequency,
            "last_sent_at": now,
        }
        for s in advanced
        if s.setting is None
    ]
    if defaults:
        session.execute(insert(NotificationSetting), defaults)
    marks = [{"id": saved.id, "last_sent_at": now} for saved, moves in searched if moves]
    if marks:
        session.execute(update(SavedSearch), marks)
