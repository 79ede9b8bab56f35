"""One CSV row to the data the marketplace services take, and one item back to a row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from circular_platform import regions
from circular_platform.accounts.services import organisation_by_name
from circular_platform.errors import DomainError
from circular_platform.formats import (
    CSV_LOCALE,
    format_month,
    parse_csv_text,
    parse_euros,
    parse_month,
    parse_quantity,
)
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import (
    Maturity,
    Municipality,
    Organisation,
    Province,
    Question,
    QuestionStatus,
    Solution,
    SolutionStatus,
    Visibility,
)
from circular_platform.taxonomy import BUILDING_SECTORS, THEMES, TRANSITION_PATHS, UNITS
from circular_platform.transfer.cells import Vocabulary, format_bool, join_list, parse_bool, split_list

T = TypeVar("T")
NATIONWIDE = "Nederland"
THEME = Vocabulary(THEMES)
SECTOR = Vocabulary(BUILDING_SECTORS)
TRANSITION_PATH = Vocabulary(TRANSITION_PATHS)
UNIT = Vocabulary(UNITS)
VISIBILITY = Vocabulary(Visibility.labels(), aliases={"openbaar": "public", "leden": "members"})
QUESTION_STATUS = Vocabulary(QuestionStatus.labels())
SOLUTION_STATUS = Vocabulary(SolutionStatus.labels())
MATURITY = Vocabulary(Maturity.labels())
MAX_CELL = 10_000  # characters: a guard for the parsers; each text's own bounds are in texts.py

# The model fields business rules name in a DomainError, by the column that holds them.
FIELD_COLUMNS = {
    "title": "titel",
    "description": "omschrijving",
    "theme": "thema",
    "sector": "sector",
    "transition_paths": "transitiepaden",
    "municipality": "gemeente",
    "quantity": "hoeveelheid",
    "unit": "eenheid",
    "budget_min": "budget_min",
    "budget_max": "budget_max",
    "desired_start": "start",
    "is_procurement": "aanbesteding",
    "has_circular_criteria": "circulaire_criteria",
    "circular_criteria": "circulaire_criteria",
    "visibility": "zichtbaarheid",
    "status": "status",
    "themes": "themas",
    "nationwide": "werkgebied",
    "provinces": "werkgebied",
    "municipalities": "werkgebied",
    "maturity": "volwassenheid",
    "capacity": "capaciteit",
    "certifications": "certificaten",
    "price_indication": "prijsindicatie",
    "material_lines": "materiaal",
}


class Cells:
    """One row's cells by column. Parse errors are collected rather than raised, so a row reports all."""

    def __init__(self, cells: dict[str, str]) -> None:
        self.cells = cells
        self.errors: list[tuple[str, str]] = []

    def get(
        self, column: str, parse: Callable[[str], Any] = parse_csv_text, *, required: bool = False
    ) -> Any:
        text = self.cells.get(column, "")
        if not text:
            if required:
                self.errors.append((column, str(_l("Vul dit veld in."))))
            return None
        if len(text) > MAX_CELL:
            self.errors.append((column, str(_l("Maximaal %(n)d tekens.", n=MAX_CELL))))
            return None
        try:
            return parse(text)
        except DomainError as error:
            self.errors.append((column, str(error.message)))
        except ValueError as error:  # the parsers of circular_platform.formats
            self.errors.append((column, str(error)))
        return None

    def text(self, column: str, *, required: bool = False) -> str:
        return self.get(column, required=required) or ""


@dataclass
class Area:
    nationwide: bool = False
    provinces: list[Province] = field(default_factory=list)
    municipalities: list[Municipality] = field(default_factory=list)


def find_organisation(session: Session, name: str) -> Organisation:
    organisation = organisation_by_name(session, parse_csv_text(name))
    if organisation is None:
        raise DomainError(_l("Er staat geen organisatie “%(name)s” op het platform.", name=name))
    return organisation


def find_municipality(session: Session, name: str) -> Municipality:
    municipality = regions.municipality_by_name(session, name)
    if municipality is None:
        raise DomainError(_l("Onbekende gemeente “%(name)s”.", name=name))
    return municipality


def parse_area(session: Session, text: str) -> Area:
    """``Nederland``, or province and municipality names separated by ``|``.

    A name that is both (Groningen) means the province; ``gemeente Groningen`` means the municipality.
    """
    area = Area()
    for name in split_list(text):
        lower = name.lower()
        province = None if lower.startswith("gemeente ") else regions.province_by_name(session, name)
        if lower == NATIONWIDE.lower():
            area.nationwide = True
        elif province is not None:
            area.provinces.append(province)
        else:
            plain = name[len("gemeente ") :] if lower.startswith("gemeente ") else name
            municipality = regions.municipality_by_name(session, plain)
            if municipality is None:
                raise DomainError(_l("Onbekende provincie of gemeente “%(name)s”.", name=name))
            area.municipalities.append(municipality)
    return area


def read_question(
    session: Session, cells: Cells
) -> tuple[Organisation | None, dict[str, Any], QuestionStatus]:
    """The organisation, the data for ``post_question`` and the status to end in (default open)."""
    criteria = cells.text("circulaire_criteria")
    data = {
        "title": cells.text("titel", required=True),
        "description": cells.text("omschrijving", required=True),
        "theme": cells.get("thema", THEME.parse, required=True),
        "sector": cells.get("sector", SECTOR.parse),
        "transition_paths": sorted(set(cells.get("transitiepaden", _parse_paths) or [])),
        "municipality": cells.get("gemeente", partial(find_municipality, session), required=True),
        "quantity": cells.get("hoeveelheid", partial(parse_quantity, locale=CSV_LOCALE)),
        "unit": cells.get("eenheid", UNIT.parse),
        "budget_min": cells.get("budget_min", partial(parse_euros, locale=CSV_LOCALE)),
        "budget_max": cells.get("budget_max", partial(parse_euros, locale=CSV_LOCALE)),
        "desired_start": cells.get("start", parse_month),
        "is_procurement": bool(cells.get("aanbesteding", parse_bool)),
        "has_circular_criteria": bool(criteria),
        "circular_criteria": criteria,
        "visibility": cells.get("zichtbaarheid", VISIBILITY.parse) or "public",
    }
    organisation = cells.get("organisatie", partial(find_organisation, session), required=True)
    return organisation, data, QuestionStatus(cells.get("status", QUESTION_STATUS.parse) or "open")


def read_solution(
    session: Session, cells: Cells
) -> tuple[Organisation | None, dict[str, Any], SolutionStatus]:
    """The organisation, the data for ``publish_solution`` and the status to end in (default actief)."""
    area = cells.get("werkgebied", partial(parse_area, session), required=True) or Area()
    data = {
        "title": cells.text("titel", required=True),
        "description": cells.text("omschrijving", required=True),
        "themes": cells.get("themas", _parse_themes, required=True) or [],
        "nationwide": area.nationwide,
        "provinces": area.provinces,
        "municipalities": area.municipalities,
        "maturity": cells.get("volwassenheid", MATURITY.parse) or "marktrijp",
        "capacity": cells.text("capaciteit"),
        "certifications": cells.text("certificaten"),
        "price_indication": cells.text("prijsindicatie"),
    }
    organisation = cells.get("organisatie", partial(find_organisation, session), required=True)
    return organisation, data, SolutionStatus(cells.get("status", SOLUTION_STATUS.parse) or "actief")


def question_cells(question: Question, _province_names: frozenset[str]) -> dict[str, object]:
    return {
        "organisatie": question.organisation.name,
        "titel": question.title,
        "omschrijving": question.description,
        "thema": question.theme,
        "sector": question.sector or "",
        "transitiepaden": join_list(question.transition_paths),
        "gemeente": question.municipality.name,
        "hoeveelheid": question.quantity,
        "eenheid": question.unit or "",
        "budget_min": question.budget_min,
        "budget_max": question.budget_max,
        "start": format_month(question.desired_start),
        "aanbesteding": format_bool(question.is_procurement),
        # Criteria typed with the box unchecked are not in force; exporting them would switch them on.
        "circulaire_criteria": question.circular_criteria if question.has_circular_criteria else "",
        "zichtbaarheid": question.visibility.value,
        "status": question.status.value,
    }


def solution_cells(solution: Solution, province_names: frozenset[str]) -> dict[str, object]:
    """``province_names`` in lower case: a municipality named like a province is written ``gemeente X``."""
    municipalities = [
        f"gemeente {m.name}" if m.name.lower() in province_names else m.name for m in solution.municipalities
    ]
    area = (
        ([NATIONWIDE] if solution.nationwide else []) + [p.name for p in solution.provinces] + municipalities
    )
    return {
        "organisatie": solution.organisation.name,
        "titel": solution.title,
        "omschrijving": solution.description,
        "themas": join_list(solution.themes),
        "werkgebied": join_list(area),
        "volwassenheid": solution.maturity.value,
        "capaciteit": solution.capacity,
        "certificaten": solution.certifications,
        "prijsindicatie": solution.price_indication,
        "status": solution.status.value,
    }


def _parse_paths(text: str) -> list[int]:
    return [TRANSITION_PATH.parse(part) for part in split_list(text)]


def _parse_themes(text: str) -> list[str]:
    return [THEME.parse(part) for part in split_list(text)]
