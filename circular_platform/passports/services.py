"""Registering building passports and importing their inventory; functions ``flush()`` only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session, selectinload

from circular_platform import permissions
from circular_platform.errors import DomainError
from circular_platform.formats import CSV_LOCALE, parse_quantity, write_csv
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.materials.services import build_lines, check_line, replace_lines, without_lines
from circular_platform.models import BuildingPassport, Organisation
from circular_platform.models._types import utcnow
from circular_platform.transfer.csvfile import read_rows

COLUMNS = ("materiaal", "euralcode", "hoeveelheid", "eenheid", "locatie", "staat")
# The export: a row per material line with its building; the material columns are the import's, so
# one building's rows import again as its inventory.
BUILDING_COLUMNS = (
    "gebouw",
    "eigenaar",
    "adres",
    "gemeente",
    "bouwjaar",
    "vloeroppervlak",
    "ingreep",
    "datum_ingreep",
)
EXPORT_COLUMNS = (*BUILDING_COLUMNS, *COLUMNS, "beschikbaar_vanaf")
UNIT_WORDS = {
    "t": "ton",
    "ton": "ton",
    "kg": "kg",
    "m3": "m3",
    "m³": "m3",
    "m2": "m2",
    "m²": "m2",
    "m": "m",
    "st": "stuk",
    "stuk": "stuk",
    "stuks": "stuk",
}


def check_rules(data: dict[str, Any]) -> None:
    if data.get("intervention") and data.get("intervention_date") is None:
        raise DomainError(_l("Vul ook de datum van de ingreep in."), "intervention_date")
    if data.get("intervention_date") and not data.get("intervention"):
        raise DomainError(_l("Kies ook de ingreep: renovatie of sloop."), "intervention")


def register_passport(session: Session, organisation: Organisation, data: dict[str, Any]) -> BuildingPassport:
    check_rules(data)
    data, lines = without_lines(data)
    passport = BuildingPassport(organisation=organisation, **data)
    passport.material_lines = build_lines(lines or [], passport.name)
    session.add(passport)
    session.flush()
    return passport


def update_passport(session: Session, passport: BuildingPassport, data: dict[str, Any]) -> None:
    check_rules(data)
    data, lines = without_lines(data)
    for name, value in data.items():
        setattr(passport, name, value)
    if lines is not None:
        replace_lines(passport, lines, passport.name)
    session.flush()


def import_inventory(session: Session, passport: BuildingPassport, data: bytes) -> list[str]:
    """Add the CSV's rows to the passport's lines. On any bad row nothing is added and a message
    per problem is returned, naming the row as Excel numbers it; FileError for an unreadable file."""
    rows = read_rows(data, EXPORT_COLUMNS, required={"materiaal"})  # the building columns are ignored
    parsed: list[dict[str, Any]] = []
    problems = [_at(row.number, message) for row in rows for _, message in row.problems]
    for row in rows:
        try:
            data_of_row = _line_data(row.cells)
            check_line(data_of_row, row.number)
            parsed.append(data_of_row)
        except DomainError as error:
            problems.append(str(error.message))
        except ValueError as error:
            problems.append(_at(row.number, str(error)))
    if problems:
        return problems
    start = len(passport.material_lines)
    new_lines = build_lines(parsed, passport.name)
    for position, new_line in enumerate(new_lines, start=start + 1):
        new_line.position = position
    passport.material_lines = [*passport.material_lines, *new_lines]
    session.flush()
    return []


def _at(number: int, message: str) -> str:
    return str(_l("Regel %(n)d: %(message)s", n=number, message=message))


def _line_data(cells: dict[str, str]) -> dict[str, Any]:
    unit_word = cells.get("eenheid", "").lower()
    if unit_word and unit_word not in UNIT_WORDS:
        raise ValueError(_l("onbekende eenheid %(unit)s; gebruik t, kg, m³, m², m of stuks.", unit=unit_word))
    quantity = cells.get("hoeveelheid", "")
    return {
        "material": cells.get("materiaal", ""),
        "eural_code": cells.get("euralcode") or None,
        "quantity": parse_quantity(quantity, CSV_LOCALE) if quantity else None,
        "unit": UNIT_WORDS.get(unit_word),
        "condition": cells.get("staat", ""),
        "from_date": _parse_day(cells.get("beschikbaar_vanaf", "")),
        "location": cells.get("locatie", ""),
    }


def releasing(today: date) -> ColumnElement[bool]:
    """Passports whose materials are still to come free: a planned intervention from ``today`` on,
    with material lines. The map counts these and the list filtered on "vrijkomend" shows them."""
    return and_(
        BuildingPassport.intervention.is_not(None),
        BuildingPassport.intervention_date >= today,
        BuildingPassport.material_lines.any(),
    )


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ValueError(_l("beschikbaar vanaf is geen datum als jjjj-mm-dd.")) from None


def list_query(user, municipality_id: int | None = None, upcoming: bool = False) -> Select:
    query = (
        select(BuildingPassport)
        .where(permissions.visible_passports(user))
        .options(selectinload(BuildingPassport.organisation), selectinload(BuildingPassport.municipality))
        .order_by(
            BuildingPassport.intervention_date.is_(None),
            BuildingPassport.intervention_date,
            BuildingPassport.id,
        )
    )
    if municipality_id:
        query = query.where(BuildingPassport.municipality_id == municipality_id)
    if upcoming:
        query = query.where(releasing(utcnow().date()))
    return query


def export_csv(session: Session, query: Select) -> bytes:
    """The passports of ``query`` (the list's), a row per material line; a passport without lines
    has one row with empty material columns."""
    passports = session.scalars(query.options(selectinload(BuildingPassport.material_lines)))
    return write_csv(EXPORT_COLUMNS, (row for passport in passports for row in _export_rows(passport)))


def _export_rows(passport: BuildingPassport) -> list[dict[str, object]]:
    building: dict[str, object] = {
        "gebouw": passport.name,
        "eigenaar": passport.organisation.name,
        "adres": passport.address,
        "gemeente": passport.municipality.name,
        "bouwjaar": passport.construction_year,
        "vloeroppervlak": passport.floor_area,
        "ingreep": passport.intervention.value if passport.intervention else "",
        "datum_ingreep": passport.intervention_date.isoformat() if passport.intervention_date else "",
    }
    lines = [
        {
            "materiaal": line.material,
            "euralcode": line.eural_code or "",
            "hoeveelheid": line.quantity,
            "eenheid": line.unit or "",
            "locatie": line.location,
            "staat": line.condition,
            "beschikbaar_vanaf": line.from_date.isoformat() if line.from_date else "",
        }
        for line in passport.material_lines
    ]
    return [{**building, **line} for line in lines] or [building]
