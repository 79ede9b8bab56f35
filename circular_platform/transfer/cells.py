"""Single CSV cells as Dutch spreadsheets hold them, read into values and written back.

Parsers raise DomainError with a message for the user; the caller adds the row and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from circular_platform.errors import DomainError
from circular_platform.forms import parse_dutch_number

LIST_SEPARATOR = "|"
TRUE_WORDS = frozenset({"ja", "j", "yes", "y", "1", "true", "waar", "x"})
FALSE_WORDS = frozenset({"nee", "n", "no", "0", "false", "onwaar"})
# Excel runs a cell starting with one of these as a formula, so exports put an apostrophe before it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# 2027-03 and 2027-03-01; 03-2027 and 1-3-2027, which Dutch Excel writes for a date cell.
MONTH_PATTERNS = (
    r"(?P<year>\d{4})[-/](?P<month>\d{1,2})([-/]\d{1,2})?",
    r"(\d{1,2}[-/])?(?P<month>\d{1,2})[-/](?P<year>\d{4})",
)


def parse_text(text: str) -> str:
    """The text, without the apostrophe an export puts before a formula character."""
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def format_text(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def parse_bool(text: str) -> bool:
    """ja/nee, yes/no, 1/0, true/false, and WAAR/ONWAAR as Dutch Excel writes them."""
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise DomainError(_l("Vul ja of nee in."))


def format_bool(value: bool) -> str:
    return "ja" if value else "nee"


def parse_decimal(text: str) -> Decimal:
    try:
        return parse_dutch_number(text)
    except (ValueError, InvalidOperation):
        raise DomainError(_l("Vul een getal in, bijvoorbeeld 2.500 of 40,5.")) from None


def format_decimal(value: Decimal | int | None) -> str:
    """A decimal comma and no thousands separator, so Dutch Excel reads it as a number."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def parse_euros(text: str) -> int:
    amount = parse_decimal(text)
    if amount != amount.to_integral_value() or abs(amount) > 2_000_000_000:
        raise DomainError(_l("Vul een bedrag in hele euro's in, bijvoorbeeld 250.000."))
    return int(amount)


def parse_month(text: str) -> date:
    """The first day of the month; besides the form's formats it takes the dates Excel makes of them."""
    for pattern in MONTH_PATTERNS:
        match = re.fullmatch(pattern, text)
        if match and 1 <= int(match["month"]) <= 12 and 2000 <= int(match["year"]) <= 2100:
            return date(int(match["year"]), int(match["month"]), 1)
    raise DomainError(_l("Vul een maand in als jjjj-mm, bijvoorbeeld 2027-03."))


def format_month(value: date | None) -> str:
    return value.strftime("%Y-%m") if value else ""


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def join_list(values: list[Any]) -> str:
    return LIST_SEPARATOR.join(str(value) for value in values)


class Vocabulary:
    """A taxonomy mapping read from a cell: the key, or its Dutch label, in any case.

    Labels in the reader's own language count too. A label that names two keys is refused.
    """

    def __init__(self, options: Mapping[Any, Any], aliases: Mapping[str, Any] | None = None) -> None:
        self.options = options
        self.aliases = aliases or {}

    def parse(self, text: str) -> Any:
        key = self._lookup().get(text.lower())
        if key is None:
            keys = ", ".join(str(key) for key in self.options)
            raise DomainError(_l("Onbekende waarde “%(value)s”. Kies uit: %(keys)s.", value=text, keys=keys))
        return key

    def _lookup(self) -> dict[str, Any]:
        labels: dict[str, set[Any]] = {}
        for key, label in self.options.items():
            for name in _label_names(label[0] if isinstance(label, tuple) else label):
                labels.setdefault(name, set()).add(key)
        lookup = {name: keys.pop() for name, keys in labels.items() if len(keys) == 1}
        return {**lookup, **self.aliases, **{str(key).lower(): key for key in self.options}}


def _label_names(label: Any) -> set[str]:
    with force_locale("nl"):
        dutch = str(label)
    return {dutch.lower(), str(label).lower()}
