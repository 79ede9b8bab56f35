from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from circular_platform.models import Municipality, Organisation, Province

NORTHERN_PROVINCES = ("PV22", "PV20", "PV21")  # Drenthe, Groningen, Fryslân


def northern_provinces(session: Session) -> list[Province]:
    rows = session.scalars(select(Province).where(Province.cbs_code.in_(NORTHERN_PROVINCES))).all()
    return sorted(rows, key=lambda p: NORTHERN_PROVINCES.index(p.cbs_code))


def organisations_per_province(session: Session) -> dict[int, int]:
    query = (
        select(Municipality.province_id, func.count(Organisation.id))
        .join(Organisation.municipality)
        .group_by(Municipality.province_id)
    )
    return {province_id: count for province_id, count in session.execute(query)}
