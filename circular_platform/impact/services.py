"""Recording what a completed deal exchanged, and adjusting the emission factors.

Functions ``flush()``; the view commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from circular_platform import audit
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.impact.factors import factors, shipped
from circular_platform.models import AuditAction, EmissionFactorChange, ExchangeLine, Match, MatchStatus, User


@dataclass(frozen=True)
class LineInput:
    material_group: str
    tonnes: float | None = None
    products: int | None = None
    kg_per_product: float | None = None
    new_material: bool = False


def record_exchange(
    session: Session, match: Match, user: User, lines: Sequence[LineInput]
) -> list[ExchangeLine]:
    """Replace what was recorded for ``match`` by ``lines``.

    Raises DomainError before the match is "afgerond", for an unknown material group, or for a
    line with neither tonnes nor a number of products."""
    if match.status != MatchStatus.COMPLETED:
        raise DomainError(_l("U legt vast wat is uitgewisseld zodra de match is afgerond."))
    for line in lines:
        _check(line)
    session.execute(delete(ExchangeLine).where(ExchangeLine.match_id == match.id))
    rows = [
        ExchangeLine(
            match_id=match.id,
            material_group=line.material_group,
            tonnes=line.tonnes,
            products=line.products,
            kg_per_product=line.kg_per_product,
            new_material=line.new_material,
            recorded_by_id=user.id,
        )
        for line in lines
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _check(line: LineInput) -> None:
    if line.material_group not in shipped():
        raise DomainError(_l("Kies een materiaalgroep uit de lijst."))
    if line.tonnes is None and line.products is None:
        raise DomainError(_l("Vul per regel het aantal ton of het aantal producten in."))


def exchange_lines(session: Session, match: Match) -> list[ExchangeLine]:
    query = select(ExchangeLine).where(ExchangeLine.match_id == match.id).order_by(ExchangeLine.id)
    return list(session.scalars(query))


def adjust_factor(session: Session, group: str, primary: float, reuse: float, user: User) -> None:
    """Set the deployment's factors for ``group``; the shipped values drop the change again.
    A change is written to the audit log with the values before and after."""
    factor = shipped().get(group)
    if factor is None:
        raise DomainError(_l("Onbekende materiaalgroep."))
    if reuse > primary:
        raise DomainError(_l("De factor voor hergebruik is hoger dan die voor nieuw materiaal."), "reuse")
    in_use = factors(session)[group]
    if (primary, reuse) != (in_use.primary, in_use.reuse):
        audit.record(
            session,
            AuditAction.EMISSION_FACTOR_CHANGED,
            by=user,
            group=group,
            old_primary=in_use.primary,
            new_primary=primary,
            old_reuse=in_use.reuse,
            new_reuse=reuse,
        )
    change = session.get(EmissionFactorChange, group)
    if (primary, reuse) == (factor.shipped_primary, factor.shipped_reuse):
        if change is not None:
            session.delete(change)
    elif change is None:
        session.add(
            EmissionFactorChange(
                material_group=group, primary_kg_per_t=primary, reuse_kg_per_t=reuse, changed_by_id=user.id
            )
        )
    else:
        change.primary_kg_per_t, change.reuse_kg_per_t, change.changed_by_id = primary, reuse, user.id
    session.flush()
