"""Material lines: checked, their Eural code suggested when left empty, and written to their owner."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import get_locale

from circular_platform.errors import DomainError
from circular_platform.formats import format_number
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import BuildingPassport, MaterialLine, Question, Solution
from circular_platform.taxonomy import MATERIAL_UNITS
from circular_platform.texts import MATERIAL_LINE_TEXTS
from matching.eural import EuralEntry, default_suggester

FIELD = "material_lines"


def eural_entry(code: str | None) -> EuralEntry | None:
    return default_suggester().by_code.get(normal_code(code)) if code else None


def eural_description(code: str | None) -> str:
    """The code's description in the reader's language."""
    entry = eural_entry(code)
    return entry.description_in(reading_language()) if entry else ""


def eural_group_label(entry: EuralEntry | None) -> str:
    """The entry's sub-chapter (its material group) in the reader's language."""
    return entry.subchapter_in(reading_language()) if entry else ""


def reading_language() -> str:
    return str(get_locale() or "nl")


def normal_code(code: str) -> str:
    """``170101``, ``17-01-01`` and ``17 01 01*`` all become ``17 01 01``."""
    digits = "".join(char for char in code if char.isdigit())
    return f"{digits[:2]} {digits[2:4]} {digits[4:6]}" if len(digits) == 6 else code.strip()


def suggest_code(material: str, text: str = "") -> str | None:
    found = default_suggester().suggest(material, text, limit=1)
    return found[0].entry.code if found else None


def check_line(data: dict[str, Any], number: int) -> None:
    """Raises DomainError naming the row (counted from 1) and what is wrong with it."""
    if not data.get("material", "").strip():
        raise DomainError(_l("Regel %(n)d: vul het materiaal in.", n=number), FIELD)
    for name, rule in MATERIAL_LINE_TEXTS.items():
        if (problem := rule.problem(data.get(name) or "")) is not None:
            raise DomainError(_l("Regel %(n)d: %(message)s", n=number, message=problem), FIELD)
    if (data.get("quantity") is None) != (not data.get("unit")):
        raise DomainError(_l("Regel %(n)d: vul een hoeveelheid én een eenheid in.", n=number), FIELD)
    if data.get("unit") and data["unit"] not in MATERIAL_UNITS:
        raise DomainError(_l("Regel %(n)d: kies een eenheid uit de lijst.", n=number), FIELD)
    if data.get("quantity") is not None and data["quantity"] < 0:
        raise DomainError(_l("Regel %(n)d: een hoeveelheid kan niet negatief zijn.", n=number), FIELD)
    if data.get("eural_code") and eural_entry(data["eural_code"]) is None:
        raise DomainError(
            _l("Regel %(n)d: %(code)s is geen Euralcode.", n=number, code=data["eural_code"]), FIELD
        )


def build_lines(rows: list[dict[str, Any]], context: str = "") -> list[MaterialLine]:
    """Checked lines; an empty Eural code is suggested from the material and ``context``."""
    lines = []
    for number, data in enumerate(rows, start=1):
        check_line(data, number)
        code = normal_code(data["eural_code"]) if data.get("eural_code") else None
        lines.append(_line(data, number, code or suggest_code(data["material"], context)))
    return lines


def _line(data: dict[str, Any], position: int, code: str | None) -> MaterialLine:
    values = {
        "condition": "",
        "location": "",
        **data,
        "material": data["material"].strip(),
        "eural_code": code,
    }
    return MaterialLine(position=position, **values)


def replace_lines(
    owner: Question | Solution | BuildingPassport, rows: list[dict[str, Any]], context: str
) -> None:
    """An unchanged material and code keeps its line (and so its place in a supply bundle)."""
    kept: dict[tuple[str, str | None], list[MaterialLine]] = {}
    for line in owner.material_lines:
        kept.setdefault(_identity(line), []).append(line)
    owner.material_lines = [_reuse(kept.get(_identity(new), []), new) for new in build_lines(rows, context)]


def _identity(line: MaterialLine) -> tuple[str, str | None]:
    return line.material.casefold(), line.eural_code


def _reuse(candidates: list[MaterialLine], new: MaterialLine) -> MaterialLine:
    if not candidates:
        return new
    line = candidates.pop(0)
    for name in ("position", "material", "quantity", "unit", "condition", "from_date", "location"):
        setattr(line, name, getattr(new, name))
    return line


def without_lines(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """An item's own fields, and its material lines (None: not given, leave them as they are)."""
    return {k: v for k, v in data.items() if k != FIELD}, data.get(FIELD)


def describe(line: MaterialLine) -> str:
    """``betongranulaat (beton)``: the material and its Eural description, as the matcher reads it."""
    entry = eural_entry(line.eural_code)
    return f"{line.material} ({entry.description})" if entry else line.material


def quantity_text(quantity: Decimal | None, unit: str | None) -> str:
    return f"{format_number(quantity)} {MATERIAL_UNITS[unit]}" if quantity is not None and unit else ""
