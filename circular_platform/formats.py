"""Numbers, euros, months and CSV files as Dutch (and English) readers write them.

Forms and templates use the reader's locale (``flask_babel.get_locale()``); CSV files are always
Dutch Excel's: ``;`` between cells, a decimal comma and no thousands separator. Parsers raise
ValueError carrying the message for the user, which WTForms shows under the field and the CSV
import reports with the row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import wtforms
from babel import Locale, dates, numbers
from flask_babel import LazyString, get_locale
from wtforms.widgets import TextInput

from circular_platform.i18n import lazy_gettext as _l

# The largest values the columns hold: Question.quantity is Numeric(14, 2), the budgets Integer.
QUANTITY_PLACES = 2
QUANTITY_MAX = Decimal("999999999999.99")
EUROS_MAX = 2**31 - 1
CSV_LOCALE = "nl"
# What <input type=month> sends, what people type, and the dates Dutch Excel makes of a month.
MONTH_FORMATS = tuple(
    pattern.replace("-", separator)
    for separator in "-/"
    for pattern in ("%Y-%m", "%m-%Y", "%Y-%m-%d", "%d-%m-%Y")
)
# Excel runs a cell starting with one of these as a formula, so exports put an apostrophe before it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[\d.,]*\d[\d.,]*")
_OTHER_LOCALE = {"nl": "en", "en": "nl"}


def _locale(locale: str | None) -> Locale | str:
    """``locale``, else the reader's as babel's object: babel parses a name again on every call
    (3 µs of the 11 a formatted number took; a list page formats 20 to 40)."""
    return locale or get_locale() or CSV_LOCALE


# -- numbers ------------------------------------------------------------------------------------


def parse_number(text: str, locale: str | None = None) -> Decimal:
    """``2.500,5`` in Dutch, ``2,500.5`` in English; the other way round when that is the only reading.

    So ``2500.5`` is 2500.5 in Dutch too, but ``2.500`` is 2500 and ``2,500`` in English 2500.
    """
    cleaned = re.sub(r"[\s€]", "", text)
    if _NUMBER.fullmatch(cleaned):
        primary = str(_locale(locale))
        for attempt in (primary, _OTHER_LOCALE.get(primary, CSV_LOCALE)):
            try:
                return numbers.parse_decimal(cleaned, locale=attempt, strict=True)
            except numbers.NumberFormatError:
                continue
    raise ValueError(_l("Vul een getal in, bijvoorbeeld 2.500 of 40,5."))


def parse_quantity(text: str, locale: str | None = None) -> Decimal:
    """A number from 0 to QUANTITY_MAX with at most two decimals."""
    value = parse_number(text, locale)
    if not 0 <= value <= QUANTITY_MAX or value != round(value, QUANTITY_PLACES):
        largest = LazyString(format_number, QUANTITY_MAX)
        message = _l(
            "Vul een hoeveelheid in van 0 tot en met %(max)s, met hoogstens twee decimalen.", max=largest
        )
        raise ValueError(message)
    return value


def parse_euros(text: str, locale: str | None = None) -> int:
    """Whole euros from 0 to EUROS_MAX."""
    value = parse_number(text, locale)
    if value != value.to_integral_value():
        raise ValueError(_l("Vul een bedrag in hele euro's in, bijvoorbeeld 250.000."))
    if not 0 <= value <= EUROS_MAX:
        largest = LazyString(format_number, EUROS_MAX)
        raise ValueError(_l("Vul een bedrag in van 0 tot en met %(max)s euro.", max=largest))
    return int(value)


def format_number(value: Decimal | float | int | None, locale: str | None = None) -> str:
    """With thousands separators: 2.500,5 in Dutch, 2,500.5 in English; empty for None."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=_locale(locale))


def format_factor(value: float, locale: str | None = None) -> str:
    """An emission factor with every decimal its source gives (up to five): ``3,21835``."""
    return numbers.format_decimal(value, format="#,##0.#####", locale=_locale(locale))


def format_share(value: float | None, locale: str | None = None) -> str:
    """A share (0.333) as a whole percentage: ``33%``; a dash when there is none."""
    return "—" if value is None else numbers.format_percent(value, "#,##0%", locale=_locale(locale))


def csv_number(value: Decimal | float | int | None, places: int | None = None) -> str:
    """``2500,5``: a decimal comma and no thousands separator, so Dutch Excel reads a number.

    ``places`` fixes the number of decimals (``20,0``); without it they are as many as needed.
    """
    if value is None:
        return ""
    pattern = "0." + "0" * places if places else "0.#"
    quantize = places is not None
    return numbers.format_decimal(value, pattern, locale=CSV_LOCALE, decimal_quantization=quantize)


# -- months -------------------------------------------------------------------------------------


def parse_month(text: str) -> date:
    """The first day of the month written as in MONTH_FORMATS, between 2000 and 2100."""
    for pattern in MONTH_FORMATS:
        try:
            day = datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        if 2000 <= day.year <= 2100:
            return day.replace(day=1)
    raise ValueError(_l("Vul een maand in als jjjj-mm, bijvoorbeeld 2027-03."))


def format_month(value: date | None) -> str:
    """``2027-03``, the month as forms and CSV files hold it."""
    return value.strftime("%Y-%m") if value else ""


def display_month(value: date | None) -> str:
    """``03-2027``, the month as pages show it."""
    return value.strftime("%m-%Y") if value else ""


def display_month_name(value: date | None, locale: str | None = None) -> str:
    """``maart 2028``: the month in words, for sentences ("komt vrij in maart 2028")."""
    return dates.format_date(value, "LLLL y", locale=_locale(locale)) if value else ""


def display_quarter(year: int, number: int) -> str:
    """``1e kw. 2027`` (Q1 2027 in English): a quarter as Dutch reports write it."""
    return str(_l("%(number)de kw. %(year)d", number=number, year=year))


def display_age(moment: datetime, now: datetime | None = None) -> str:
    """``3 weken``: how long ago ``moment`` was, rounded as people say it, in the reader's locale.

    Naive datetimes (SQLite hands them back for timezone-aware columns) are UTC. An age of an
    hour or more is said in whole minutes, from a cache: every card of a list shows one, and
    babel took 5 % of the list's time to say them. The text names hours or longer then, so a
    minute only matters at a rounding edge.
    """
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    age = (now or datetime.now(UTC)) - moment
    locale = _locale(None)
    if age < timedelta(hours=1):
        return dates.format_timedelta(age, add_direction=False, locale=locale)
    return _age_in_minutes(int(age.total_seconds() // 60), locale)


@lru_cache(maxsize=4096)
def _age_in_minutes(minutes: int, locale: Locale | str) -> str:
    return dates.format_timedelta(timedelta(minutes=minutes), add_direction=False, locale=locale)


# -- form fields ----------------------------------------------------------------------------------


class QuantityField(wtforms.DecimalField):
    """A quantity in the reader's locale within the bounds of ``parse_quantity``.

    A text box rather than ``<input type=number>``, which refuses ``2.500,5``.
    """

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        text = " ".join(valuelist).strip()
        self.data = parse_quantity(text) if text else None

    def _value(self) -> str:
        return " ".join(self.raw_data) if self.raw_data else format_number(self.data)


class EuroField(wtforms.IntegerField):
    """Whole euros in the reader's locale within the bounds of ``parse_euros``: ``250.000``."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        text = " ".join(valuelist).strip()
        self.data = parse_euros(text) if text else None

    def _value(self) -> str:
        return " ".join(self.raw_data) if self.raw_data else format_number(self.data)


class DateField(wtforms.DateField):
    """A date, or none when left empty. wtforms's DateField reports an empty box as an invalid
    date and loads its catalogue of messages from disk to say so (0.35 ms), which ``Optional``
    then drops: "Geldig tot" left empty, as most questions leave it, is no mistake."""

    data: date | None

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
        else:  # a date, or not sent at all: then the field keeps its default
            super().process_formdata(valuelist)


class MonthField(wtforms.MonthField):
    """``2027-03`` as ``<input type=month>`` sends it, or ``03-2027``; data is the month's first day."""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = " ".join(valuelist).strip()
        self.data = parse_month(text) if text else None


# -- CSV ------------------------------------------------------------------------------------------


def csv_text(text: str) -> str:
    """The text with an apostrophe before a formula character, so Excel shows it instead of running it."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def parse_csv_text(text: str) -> str:
    """The text without the apostrophe ``csv_text`` put before a formula character."""
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def csv_cell(value: object) -> str:
    """Numbers with a decimal comma, None empty, and any text safe from formulas."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return csv_number(value)
    return csv_text(str(value))


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object] | Sequence[object]]) -> bytes:
    """``;``-separated UTF-8 with a byte order mark: what Dutch Excel opens without a wizard.

    A row is a mapping by column name or a sequence in column order; cells go through ``csv_cell``.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_text(name) for name in columns])
    for row in rows:
        values = [row.get(name) for name in columns] if isinstance(row, Mapping) else row
        writer.writerow([csv_cell(value) for value in values])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
