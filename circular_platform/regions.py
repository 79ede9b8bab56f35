"""Loading and looking up provinces and municipalities."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from circular_platform.models import Municipality, Province

# Names people use for a province besides the official one.
PROVINCE_ALIASES = {"friesland": "Fryslân"}


def _rows(path: Path | None, name: str) -> list[dict[str, str]]:
    if path is None:
        text = resources.files("circular_platform.data").joinpath(name).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def load_provinces(session: Session) -> int:
    existing = set(session.scalars(select(Province.cbs_code)))
    new = [Province(**row) for row in _rows(None, "provinces.csv") if row["cbs_code"] not in existing]
    session.add_all(new)
    session.flush()
    return len(new)


def load_municipalities(session: Session, path: Path | None = None) -> int:
    """Add the municipalities of a CSV file (``cbs_code,name,province_code``) not yet known."""
    provinces = {p.cbs_code: p for p in session.scalars(select(Province))}
    existing = set(session.scalars(select(Municipality.cbs_code)))
    added = 0
    for row in _rows(path, "municipalities.csv"):
        if row["cbs_code"] in existing:
            continue
        province = provinces.get(row["province_code"])
        if province is None:
            raise ValueError(f"Unknown province code {row['province_code']!r} for {row['name']}")
        session.add(Municipality(cbs_code=row["cbs_code"], name=row["name"], province=province))
        added += 1
    session.flush()
    return added


def municipality_by_name(session: Session, name: str) -> Municipality | None:
    return session.scalar(select(Municipality).where(func.lower(Municipality.name) == name.strip().lower()))


def province_by_name(session: Session, name: str) -> Province | None:
    name = PROVINCE_ALIASES.get(name.strip().lower(), name.strip())
    return session.scalar(select(Province).where(func.lower(Province.name) == name.lower()))


def names(items: Iterable[Province | Municipality]) -> list[str]:
    return [item.name for item in items]
