"""When a mail of each frequency is due: the clock rules, in the Netherlands' local time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from circular_platform.models import Frequency

LOCAL = ZoneInfo("Europe/Amsterdam")
MORNING = time(7, 0)  # digests go out from this local time on
IMMEDIATE_GAP = timedelta(hours=1)  # "at once" still means at most one mail an hour


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def last_boundary(frequency: Frequency, now: datetime) -> datetime | None:
    """The latest moment at or before ``now`` from which a mail of ``frequency`` may go out."""
    local = now.astimezone(LOCAL)
    if frequency == Frequency.IMMEDIATELY:
        return now - IMMEDIATE_GAP
    if frequency == Frequency.NEVER:
        return None
    day = local.date() if local.time() >= MORNING else local.date() - timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        day -= timedelta(days=day.weekday())  # back to Monday
    return datetime.combine(day, MORNING, LOCAL).astimezone(UTC)


def is_due(frequency: Frequency, last_sent: datetime, now: datetime) -> bool:
    """Daily: once after each 07:00; weekly: once after Monday 07:00; at once: an hour after the last."""
    boundary = last_boundary(frequency, now)
    if boundary is None:
        return False
    last_sent = as_utc(last_sent)
    return last_sent <= boundary if frequency == Frequency.IMMEDIATELY else last_sent < boundary
