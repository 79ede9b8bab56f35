"""Who is due a digest: every approved membership and every coordinator, with their frequency.

A subscription's ``since`` is its last mail, or the moment the person joined; whether it is due
now is :func:`.schedule.is_due`'s rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, joinedload

from circular_platform.models import (
    DEFAULT_FREQUENCY,
    Frequency,
    Membership,
    NotificationSetting,
    Organisation,
    User,
)
from circular_platform.notifications.schedule import as_utc

SPEED = {Frequency.IMMEDIATELY: 0, Frequency.DAILY: 1, Frequency.WEEKLY: 2}


@dataclass
class Subscription:
    """One person's mail for one organisation (None: the coordinators' digest) that is due now."""

    user: User
    organisation: Organisation | None
    setting: NotificationSetting | None
    frequency: Frequency
    since: datetime


def subscriptions(session: Session) -> tuple[list[Subscription], list[Subscription]]:
    """Every approved membership and every coordinator, with their setting or the default (2 queries)."""
    setting_of_member = and_(
        NotificationSetting.user_id == Membership.user_id,
        NotificationSetting.organisation_id == Membership.organisation_id,
    )
    rows = session.execute(
        select(Membership, NotificationSetting)
        .join(Membership.user)
        .outerjoin(NotificationSetting, setting_of_member)
        .where(Membership.approved, User.active, User.confirmed_at.is_not(None))
        .options(joinedload(Membership.user), joinedload(Membership.organisation))
    ).all()
    members = [_subscription(m.user, m.organisation, setting, m.created_at) for m, setting in rows]
    setting_of_coordinator = and_(
        NotificationSetting.user_id == User.id, NotificationSetting.organisation_id.is_(None)
    )
    rows = session.execute(
        select(User, NotificationSetting)
        .outerjoin(NotificationSetting, setting_of_coordinator)
        .where(User.is_coordinator, User.active)
    ).all()
    coordinators = [_subscription(user, None, setting, user.created_at) for user, setting in rows]
    for subscription in coordinators:  # coordinators choose a daily or a weekly digest
        if subscription.frequency == Frequency.IMMEDIATELY:
            subscription.frequency = Frequency.DAILY
    return members, coordinators


def _subscription(
    user: User, organisation: Organisation | None, setting: NotificationSetting | None, joined: datetime
) -> Subscription:
    frequency = setting.frequency if setting else DEFAULT_FREQUENCY
    since = setting.last_sent_at if setting and setting.last_sent_at else joined
    return Subscription(user, organisation, setting, frequency, as_utc(since))


def fastest(subscriptions: list[Subscription]) -> dict[int, Frequency]:
    """Saved searches come as often as the person's most frequent mail; weekly if they get none."""
    fastest: dict[int, Frequency] = {}
    for s in subscriptions:
        if s.frequency in SPEED and SPEED[s.frequency] < SPEED[fastest.get(s.user.id, Frequency.WEEKLY)]:
            fastest[s.user.id] = s.frequency
    return fastest


def advances(subscription: Subscription, has_items: bool) -> bool:
    """A digest's mark moves on its day even without news; "at once" waits for the next item."""
    return has_items or subscription.frequency != Frequency.IMMEDIATELY
