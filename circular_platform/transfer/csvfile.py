"""CSV files to import: decoding, the delimiter, the header, and rows numbered as Excel shows them.

Exports are written by ``circular_platform.formats.write_csv``.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from circular_platform.i18n import lazy_gettext as _l

DELIMITERS = (";", ",", "\t")
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip file


class FileError(Exception):
    """The file as a whole cannot be read; ``message`` tells the user what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int  # as Excel shows it: the header is row 1
    cells: dict[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    # The rows right below that continue this one (see :func:`attach_continuations`).
    continuations: list[Row] = field(default_factory=list)

    @property
    def last_number(self) -> int:
        return self.continuations[-1].number if self.continuations else self.number

    @property
    def size(self) -> int:
        """The rows of the file this one takes, its continuations included."""
        return 1 + len(self.continuations)


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte order mark; anything else raises FileError."""
    if data.startswith(ZIP_MAGIC):
        raise FileError(_l("Dit is een Excel-werkmap, geen CSV. Kies in Excel Opslaan als › CSV UTF-8."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError(_l("Het bestand is opgeslagen als Unicode-tekst. Sla het bestand op als CSV UTF-8."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileError(
            _l(
                "Het bestand is geen UTF-8 (regel %(line)d), waarschijnlijk het oude CSV-formaat van Excel. "
                "Sla het bestand op als CSV UTF-8 (met scheidingstekens) en probeer het opnieuw.",
                line=line,
            )
        ) from None


def read_rows(data: bytes, columns: Sequence[str], required: Collection[str]) -> list[Row]:
    """The non-empty rows below the header; FileError for a wrong encoding, header or layout."""
    text = decode(data)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [_column_name(name) for name in next(records, [])]
        _check_header(header, columns, required)
        rows = [
            _row(n, header, record)
            for n, record in enumerate(records, start=2)
            if any(map(str.strip, record))
        ]
    except csv.Error as error:
        raise FileError(
            _l("Het bestand is geen leesbare CSV (regel %(line)d).", line=records.line_num)
        ) from error
    if not rows:
        raise FileError(_l("Het bestand bevat geen rijen onder de kopregel."))
    return rows


def attach_continuations(rows: list[Row], own_columns: Collection[str]) -> list[Row]:
    """Rows whose ``own_columns`` are all empty continue the row above: an item's second and further
    material lines. A first row that is empty there stays a row of its own (and fails as one)."""
    heads: list[Row] = []
    for row in rows:
        if heads and not any(row.cells.get(name) for name in own_columns):
            heads[-1].continuations.append(row)
        else:
            heads.append(row)
    return heads


def _delimiter(text: str) -> str:
    # The header holds only column names, so the separator is the character it uses most.
    header = text.split("\n", 1)[0]
    return max(DELIMITERS, key=header.count)


def _column_name(name: str) -> str:
    """``Thema's`` and ``budget min`` as ``themas`` and ``budget_min``."""
    return name.strip().lower().replace("'", "").replace(" ", "_")


def _check_header(header: list[str], columns: Sequence[str], required: Collection[str]) -> None:
    named = [name for name in header if name]
    problems = []
    if missing := [name for name in columns if name in required and name not in named]:
        problems.append(str(_l("Ontbrekende kolommen: %(names)s.", names=", ".join(missing))))
    if unknown := [name for name in named if name not in columns]:
        problems.append(str(_l("Onbekende kolommen: %(names)s.", names=", ".join(unknown))))
    if twice := sorted({name for name in named if named.count(name) > 1}):
        problems.append(str(_l("Dubbele kolommen: %(names)s.", names=", ".join(twice))))
    if problems:
        expected = str(_l("Verwachte kolommen: %(names)s.", names=", ".join(columns)))
        raise FileError(" ".join([*problems, expected]))


def _row(number: int, header: list[str], record: list[str]) -> Row:
    cells = {name: value.strip() for name, value in zip(header, record, strict=False) if name}
    problems = []
    unnamed = [value for i, value in enumerate(record) if i >= len(header) or not header[i]]
    if any(value.strip() for value in unnamed):
        message = _l(
            "Deze rij heeft tekst in een cel zonder kolomnaam. Staat er een scheidingsteken in een "
            "tekst zonder aanhalingstekens?"
        )
        problems.append(("", str(message)))
    return Row(number, cells, problems)
