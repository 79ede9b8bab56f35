"""Emission factors per material group: shipped in ``data/emission_factors.csv``, adjustable per
deployment (:class:`EmissionFactorChange`). The rule: CO2 avoided per tonne reused is the
primary production factor minus the re-use factor (see ``data/README.md``); a group whose source
gives no re-use factor avoids no CO2 until an administrator sets one."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.models import EmissionFactorChange

SOURCE = "UK Government GHG Conversion Factors for Company Reporting (DESNZ), Material use, 2025"
LICENCE = "Open Government Licence v3.0"


@dataclass(frozen=True)
class Factor:
    """kg CO2e per tonne, as shipped and as used in this deployment; ``None``: no figure."""

    group: str
    name_nl: str
    name_en: str
    source_material: str  # the row's material in the source, "Construction: Concrete"
    reuse_basis: str  # "Re-used" or "Closed-loop source": the source's column for the re-use figure
    shipped_primary: float
    shipped_reuse: float | None
    primary: float
    reuse: float | None

    @property
    def name(self) -> str:
        return self.name_en if str(get_locale() or "nl") == "en" else self.name_nl

    @property
    def avoided_per_tonne(self) -> float | None:
        return None if self.reuse is None else self.primary - self.reuse

    @property
    def adjusted(self) -> bool:
        return (self.primary, self.reuse) != (self.shipped_primary, self.shipped_reuse)


@cache
def shipped() -> dict[str, Factor]:
    text = resources.files("circular_platform.data").joinpath("emission_factors.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["group"]: _factor(row) for row in rows}


def _factor(row: dict[str, str]) -> Factor:
    primary = float(row["primary_kg_per_t"])
    reuse = float(row["reuse_kg_per_t"]) if row["reuse_kg_per_t"] else None
    names = row["group"], row["name_nl"], row["name_en"], row["source_material"], row["reuse_basis"]
    return Factor(*names, primary, reuse, primary, reuse)


def factors(session: Session) -> dict[str, Factor]:
    """The shipped factors with the deployment's changes applied, in the file's order."""
    changes = {c.material_group: c for c in session.scalars(select(EmissionFactorChange))}
    result = {}
    for group, factor in shipped().items():
        change = changes.get(group)
        if change is not None:
            factor = replace(factor, primary=change.primary_kg_per_t, reuse=change.reuse_kg_per_t)
        result[group] = factor
    return result
