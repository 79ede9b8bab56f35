"""The saved-search sections: each due saved search run as its owner, with the hits since its last mail.

The only part of a run that grows with the number of rows: the search backend answers one query
at a time, with the reader's own permissions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from circular_platform.db import db
from circular_platform.models import Frequency, SavedSearch, User
from circular_platform.notifications.schedule import as_utc, is_due
from circular_platform.notifications.sections import Digest, Item, Section, digest_for, unsubscribe_url
from circular_platform.notifications.tokens import unsubscribe_token
from circular_platform.search import services as search
from circular_platform.search.documents import parse_key
from circular_platform.urls import public_url
from matching.search import FACETS


def search_sections(
    session: Session, digests: dict[int, Digest], speed: dict[int, Frequency], now: datetime
) -> list[tuple[SavedSearch, bool]]:
    """Run each due saved search as its owner (one search each) and keep the hits dated after its mark.

    The searches use a session of their own: a failing search rolls its session back, and that
    must not undo the run's other work or release its lock.
    """
    saved = session.scalars(
        select(SavedSearch).join(SavedSearch.user).where(User.active).options(joinedload(SavedSearch.user))
    )
    searched = []
    with db.reading_session() as search_session:
        for saved_search in saved:
            frequency = speed.get(saved_search.user_id, Frequency.WEEKLY)
            since = as_utc(saved_search.last_sent_at or saved_search.created_at)
            if not is_due(frequency, since, now):
                continue
            items = _new_hits(search_session, saved_search, since, now)
            if items:
                digest = digest_for(digests, saved_search.user)
                token = unsubscribe_token(saved_search.user_id, [], [saved_search.id])
                digest.sections.append(
                    Section("search", saved_search.query, unsubscribe_url(token), items, total=len(items))
                )
                digest.searches.append(saved_search.id)
            searched.append((saved_search, bool(items) or frequency != Frequency.IMMEDIATELY))
    return searched


def _new_hits(session: Session, saved_search: SavedSearch, since: datetime, now: datetime) -> list[Item]:
    filters = {
        name: str(value) for name, value in (saved_search.filters or {}).items() if name in FACETS and value
    }
    request = search.SearchRequest(saved_search.query, filters, sort="date")
    results = search.search(session, saved_search.user, request.with_place(session))
    if results is None:
        return []
    items = []
    for hit in results.hits:
        if hit.date is None or not since < as_utc(hit.date) <= now:
            continue
        kind, item_id = parse_key(hit.key)
        endpoint = {"question": "questions.detail", "solution": "solutions.detail"}.get(
            kind, "organisations.profile"
        )
        url = public_url(endpoint, **{f"{kind}_id": item_id})
        items.append(Item(kind, hit.title, hit.context, "", url))
    return items
