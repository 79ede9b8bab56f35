"""A passport's materials per Eural group (sub-chapter, ``17 01``) with totals in tonnes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from circular_platform.materials.services import eural_entry, eural_group_label
from circular_platform.models import MaterialLine

NO_GROUP = ""
# Indicative densities (tonnes per m³ of solid material) from common engineering tables, written by
# hand; only for codes whose material is one substance. m², m and stuks are never converted.
DENSITIES = {
    "17 01 01": Decimal("2.4"),  # concrete
    "17 01 02": Decimal("1.8"),  # brick masonry
    "17 01 03": Decimal("2.0"),  # tiles and ceramics
    "17 02 01": Decimal("0.5"),  # softwood
    "17 02 02": Decimal("2.5"),  # glass
    "17 03 02": Decimal("2.3"),  # asphalt
    "17 04 01": Decimal("8.9"),  # copper
    "17 04 02": Decimal("2.7"),  # aluminium
    "17 04 05": Decimal("7.85"),  # steel
    "17 05 04": Decimal("1.7"),  # gravel and soil
    "17 08 02": Decimal("0.8"),  # gypsum board
}
KG_PER_TONNE = Decimal(1000)


@dataclass
class MaterialGroup:
    code: str  # "17 01", or NO_GROUP for lines without an Eural code
    label: str
    lines: list[MaterialLine] = field(default_factory=list)
    tonnes: Decimal = Decimal(0)
    unconverted: list[MaterialLine] = field(default_factory=list)  # not in the tonnes total


def tonnes(line: MaterialLine) -> Decimal | None:
    """The line's weight in tonnes, or None when its unit has no known conversion."""
    if line.quantity is None:
        return None
    if line.unit == "ton":
        return line.quantity
    if line.unit == "kg":
        return line.quantity / KG_PER_TONNE
    if line.unit == "m3" and line.eural_code in DENSITIES:
        return line.quantity * DENSITIES[line.eural_code]
    return None


def group_lines(lines: list[MaterialLine]) -> list[MaterialGroup]:
    groups: dict[str, MaterialGroup] = {}
    for line in lines:
        entry = eural_entry(line.eural_code)
        code = entry.group if entry else NO_GROUP
        group = groups.setdefault(code, MaterialGroup(code, eural_group_label(entry)))
        group.lines.append(line)
        weight = tonnes(line)
        if weight is None:
            group.unconverted.append(line)
        else:
            group.tonnes += weight
    return sorted(groups.values(), key=lambda g: (g.code == NO_GROUP, g.code))


def total_tonnes(groups: list[MaterialGroup]) -> Decimal:
    return sum((group.tonnes for group in groups), Decimal(0))
