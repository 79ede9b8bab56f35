"""Changing what a person hears of; the unsubscribe link's service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.models import Frequency, NotificationSetting, Organisation, SavedSearch, User


@dataclass
class Unsubscription:
    """What one unsubscribe link stops: mails about these organisations (None: the coordinators'
    digest) and these saved searches, of one user."""

    user: User
    organisations: list[Organisation | None]
    searches: list[SavedSearch]

    @classmethod
    def load(cls, session: Session, data: dict) -> Unsubscription | None:
        user = session.get(User, data.get("u") or 0)
        if user is None:
            return None
        organisations = [None if o is None else session.get(Organisation, o) for o in data.get("o", [])]
        searches = list(
            session.scalars(
                select(SavedSearch).where(
                    SavedSearch.id.in_(data.get("s", [])), SavedSearch.user_id == user.id
                )
            )
        )
        return cls(user, [o for o in organisations if o is not None or None in data.get("o", [])], searches)


def set_frequency(
    session: Session, user: User, organisation: Organisation | None, frequency: Frequency
) -> None:
    of_organisation = (
        NotificationSetting.organisation_id.is_(None)
        if organisation is None
        else NotificationSetting.organisation_id == organisation.id
    )
    setting = session.scalar(
        select(NotificationSetting).where(NotificationSetting.user_id == user.id, of_organisation)
    )
    if setting is None:
        setting = NotificationSetting(user=user, organisation=organisation)
        session.add(setting)
    setting.frequency = frequency
    session.flush()


def unsubscribe(session: Session, unsubscription: Unsubscription) -> None:
    """Sets those settings to never and deletes those saved searches; again changes nothing."""
    for organisation in unsubscription.organisations:
        set_frequency(session, unsubscription.user, organisation, Frequency.NEVER)
    for saved_search in unsubscription.searches:
        session.delete(saved_search)
    session.flush()
