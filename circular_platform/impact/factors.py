"""Emission factors per material group: shipped in ``data/emission_factors.csv``, adjustable per
deployment (:class:`EmissionFactorChange`). The rule: CO2 avoided per tonne reused is the
primary production factor minus the re-use factor (see ``data/README.md``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from circular_platform.models import EmissionFactorChange

SOURCE = "UK Government GHG Conversion Factors for Company Reporting (DESNZ/DEFRA), Material use, 2024"
LICENCE = "Open Government Licence v3.0"


@dataclass(frozen=True)
class Factor:
    """kg CO2e per tonne, as shipped and as used in this deployment."""

    group: str
    name_nl: str
    name_en: str
    shipped_primary: float
    shipped_reuse: float
    verified: str  # "yes", "reuse only" or "no": see data/README.md
    primary: float
    reuse: float

    @property
    def name(self) -> str:
        return self.name_en if str(get_locale() or "nl") == "en" else self.name_nl

    @property
    def avoided_per_tonne(self) -> float:
        return self.primary - self.reuse

    @property
    def unverified(self) -> bool:
        """A shipped figure in use that was not checked against the published table."""
        return self.verified != "yes" and not self.adjusted

    @property
    def adjusted(self) -> bool:
        return (self.primary, self.reuse) != (self.shipped_primary, self.shipped_reuse)


@cache
def shipped() -> dict[str, Factor]:
    text = resources.files("circular_platform.data").joinpath("emission_factors.csv").read_text("utf-8")
    factors = {}
    for row in csv.DictReader(text.splitlines()):
        primary, reuse = float(row["primary_kg_per_t"]), float(row["reuse_kg_per_t"] or 0)
        factors[row["group"]] = Factor(
            row["group"], row["name_nl"], row["name_en"], primary, reuse, row["verified"], primary, reuse
        )
    return factors


def factors(session: Session) -> dict[str, Factor]:
    """The shipped factors with the deployment's changes applied, in the file's order."""
    changes = {c.material_group: c for c in session.scalars(select(EmissionFactorChange))}
    result = {}
    for group, factor in shipped().items():
        change = changes.get(group)
        if change is not None:
            factor = _with(factor, change.primary_kg_per_t, change.reuse_kg_per_t)
        result[group] = factor
    return result


def _with(factor: Factor, primary: float, reuse: float) -> Factor:
    return Factor(
        factor.group,
        factor.name_nl,
        factor.name_en,
        factor.shipped_primary,
        factor.shipped_reuse,
        factor.verified,
        primary,
        reuse,
    )
