"""What a person chose to hear about: a frequency per organisation, saved searches, and the
unsubscribe link that stops them.

Functions ``flush()``; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform import permissions
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import (
    DEFAULT_FREQUENCY,
    Frequency,
    NotificationSetting,
    Organisation,
    SavedSearch,
    User,
)
from matching.search.types import FACETS

MAX_SAVED_SEARCHES = 20

# The key of a coordinator's digest of their provinces in the mappings below.
PROVINCE_DIGEST = None


def frequencies_of(session: Session, user: User) -> dict[int | None, Frequency]:
    """The frequency per organisation of ``user`` (and ``PROVINCE_DIGEST`` for a coordinator);
    weekly where nothing was chosen."""
    wanted: dict[int | None, Frequency] = {o.id: DEFAULT_FREQUENCY for o in user.organisations}
    if permissions.is_coordinator(user):
        wanted[PROVINCE_DIGEST] = DEFAULT_FREQUENCY
    rows = session.scalars(select(NotificationSetting).where(NotificationSetting.user_id == user.id))
    wanted.update({row.organisation_id: row.frequency for row in rows if row.organisation_id in wanted})
    return wanted


def set_frequencies(session: Session, user: User, chosen: Mapping[int | None, Frequency]) -> None:
    """Store ``chosen``; raises DomainError for an organisation the user does not belong to, or
    for the province digest of someone who is no coordinator. Only coordinators choose a
    daily or weekly digest: for them the immediate option is not offered."""
    allowed = frequencies_of(session, user)
    if not set(chosen) <= set(allowed):
        raise DomainError(_l("U kunt alleen meldingen kiezen voor uw eigen organisaties."))
    if chosen.get(PROVINCE_DIGEST) == Frequency.IMMEDIATELY:
        raise DomainError(_l("Het overzicht van uw provincies komt dagelijks of wekelijks."))
    for organisation_id, frequency in chosen.items():
        organisation = None if organisation_id is None else session.get(Organisation, organisation_id)
        set_frequency(session, user, organisation, frequency)


def saved_searches_of(session: Session, user: User) -> list[SavedSearch]:
    query = select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.created_at.desc())
    return list(session.scalars(query))


def save_search(session: Session, user: User, query: str, filters: Mapping[str, str]) -> SavedSearch:
    """Follow a search; the same search twice is kept once. Only the search page's filters are
    kept. Raises DomainError for an empty query or past MAX_SAVED_SEARCHES."""
    query = " ".join(query.split())[:200]
    if not query:
        raise DomainError(_l("Typ eerst een of meer zoekwoorden."))
    kept = {name: str(filters[name]) for name in FACETS if filters.get(name)}
    existing = saved_searches_of(session, user)
    for saved in existing:
        if saved.query == query and saved.filters == kept:
            return saved
    if len(existing) >= MAX_SAVED_SEARCHES:
        raise DomainError(
            _l(
                "U kunt hoogstens %(num)d zoekopdrachten bewaren. Verwijder er eerst een.",
                num=MAX_SAVED_SEARCHES,
            )
        )
    saved = SavedSearch(user=user, query=query, filters=kept)
    session.add(saved)
    session.flush()
    return saved


def delete_saved_search(session: Session, saved: SavedSearch) -> None:
    session.delete(saved)
    session.flush()


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
