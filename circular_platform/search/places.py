"""Place names in a search: "hennep isolatie Assen" means hemp insulation in or for Assen's region.

A municipality or province named in the query becomes a province filter instead of a word that
documents must contain, since a solution serving Drenthe rarely mentions Assen by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.models import Municipality, Province
from circular_platform.regions import PROVINCE_ALIASES
from matching.analysis import fold

LONGEST_NAME = 3  # words, as in "Aa en Hunze"


@dataclass(frozen=True)
class Place:
    name: str
    province_code: str
    province_name: str


def _places(session: Session) -> dict[str, Place]:
    """Folded name -> place; a name that is both (Groningen) means the province. One statement:
    every province with each of its municipalities."""
    rows = session.execute(
        select(Province.cbs_code, Province.name, Municipality.name)
        .outerjoin(Province.municipalities)
        .order_by(Municipality.id)
    ).all()
    found = {fold(name): Place(name, code, province) for code, province, name in rows if name is not None}
    provinces = {province: code for code, province, _ in rows}
    for province, code in provinces.items():
        found[fold(province)] = Place(province, code, province)
    for alias, official in PROVINCE_ALIASES.items():
        if official in provinces:
            found[fold(alias)] = found[fold(official)]
    return found


def split_place(session: Session, text: str) -> tuple[str, Place | None]:
    """The text without its last place name, and that place; the text unchanged when there is none."""
    words = text.split()
    places = _places(session)
    for end in range(len(words), 0, -1):
        for size in range(min(LONGEST_NAME, end), 0, -1):
            candidate = fold(" ".join(words[end - size : end])).strip(",.;:")
            if candidate in places:
                return " ".join(words[: end - size] + words[end:]), places[candidate]
    return text, None
