"""The material-line columns of the import and export: one line per row, read into the data
``materials.services.replace_lines`` takes and written back in the same shape."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from circular_platform.errors import DomainError
from circular_platform.formats import CSV_LOCALE, format_month, parse_month, parse_quantity
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.materials.services import check_line, eural_entry, normal_code
from circular_platform.models import MaterialLine
from circular_platform.taxonomy import MATERIAL_UNITS
from circular_platform.transfer.cells import Vocabulary
from circular_platform.transfer.columns import MATERIAL_COLUMN_NAMES
from circular_platform.transfer.csvfile import Row
from circular_platform.transfer.rows import Cells

MATERIAL_UNIT = Vocabulary(MATERIAL_UNITS, aliases={"st": "stuk"})


def read_lines(row: Row) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    """The material lines of an item's row and its continuations, and their problems as
    (row number, column, message)."""
    lines, problems = [], []
    for line_row in _line_rows(row):
        cells = Cells(line_row.cells)
        lines.append(read_line(cells, line_row.number))
        problems += [(line_row.number, *problem) for problem in cells.errors]
    return lines, problems


def _line_rows(row: Row) -> list[Row]:
    """Its own row if it names a material, and its continuations."""
    parts = (row, *row.continuations)
    return [part for part in parts if any(part.cells.get(name) for name in MATERIAL_COLUMN_NAMES)]


def read_line(cells: Cells, number: int) -> dict[str, Any]:
    """The line of one row; its problems are collected in ``cells.errors`` as the item's are."""
    data = {
        "material": cells.text("materiaal", required=True),
        "eural_code": cells.get("euralcode", parse_eural_code),
        "quantity": cells.get("materiaal_hoeveelheid", partial(parse_quantity, locale=CSV_LOCALE)),
        "unit": cells.get("materiaal_eenheid", MATERIAL_UNIT.parse),
        "condition": cells.text("materiaal_staat"),
        "from_date": cells.get("materiaal_vanaf", parse_day_or_month),
    }
    if not cells.errors:
        try:
            check_line(data, number)  # the web form's rules: a quantity goes with its unit
        except DomainError as error:
            cells.errors.append(("materiaal_hoeveelheid", str(error.message)))
    return data


def line_cells(line: MaterialLine) -> dict[str, object]:
    return {
        "materiaal": line.material,
        "euralcode": line.eural_code or "",
        "materiaal_hoeveelheid": line.quantity,
        "materiaal_eenheid": line.unit or "",
        "materiaal_staat": line.condition,
        "materiaal_vanaf": format_day_or_month(line.from_date),
    }


def parse_eural_code(text: str) -> str:
    """``170101`` or ``17 01 01*`` as ``17 01 01``; a code that is not on the Eural list is refused."""
    if eural_entry(text) is None:
        raise DomainError(_l("“%(code)s” staat niet in de Euralijst.", code=text))
    return normal_code(text)


def parse_day_or_month(text: str) -> date:
    """``2027-03`` as its first day (as the web form takes it), or a whole date ``2027-03-15``."""
    try:
        return date.fromisoformat(text) if len(text) == len("2027-03-15") else parse_month(text)
    except ValueError:
        raise ValueError(_l("Vul een maand in als jjjj-mm of een datum als jjjj-mm-dd.")) from None


def format_day_or_month(value: date | None) -> str:
    """The month when the date is its first day, otherwise the whole date: read back the same."""
    if value is None:
        return ""
    return format_month(value) if value.day == 1 else value.isoformat()
