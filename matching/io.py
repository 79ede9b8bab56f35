"""Reading the CLI's input files: JSON-lines documents/queries and TSV qrels.

JSON lines (blank lines skipped): ``id`` (string or integer) and ``title`` (non-empty string)
are required; ``description`` (string), ``theme``/``themes`` (string or list of strings),
``regions`` (string or list: service area of province/municipality names or "Nederland") and
``region`` (location "Municipality, Province"; a single name is used as both) are optional on
either side, so both matching directions can be scripted.

Qrels: ``query id<TAB>document id<TAB>grade`` (grade an integer >= 0; >= 1 is relevant).
Judgements (``rank --judgements``): the same format, grade 0, 1 or 2.
Blank lines and ``#`` comments are skipped; a first line whose grade is not a number (such as
``query_id	doc_id	grade``) is taken as a header and skipped. Every other defect is an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from matching.matcher import Document


class InputError(Exception):
    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


def read_documents(path: str | Path) -> list[Document]:
    docs: list[Document] = []
    seen: dict[str | int, int] = {}
    for number, line in _lines(path):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, number, f"invalid JSON ({exc.msg})") from None
        try:
            doc = _document(obj)
        except (ValueError, TypeError) as exc:
            raise InputError(path, number, str(exc)) from None
        if doc.id in seen:
            first = seen[doc.id]
            raise InputError(path, number, f"duplicate id {doc.id!r} (first on line {first})")
        seen[doc.id] = number
        docs.append(doc)
    return docs


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for index, (number, line) in enumerate(_lines(path)):
        fields = line.split("\t") if line.count("\t") == 2 else line.split()
        if index == 0 and len(fields) == 3 and not fields[2].strip().lstrip("-").isdigit():
            continue  # header line
        query, doc, grade = _qrel(path, number, fields)
        qrels.setdefault(query, {})[doc] = grade
    return qrels


def read_judgements(path: str | Path) -> list[tuple[str, str, int]]:
    """``query id<TAB>document id<TAB>grade`` lines, grade 0 (judged not relevant), 1
    (relevant) or 2 (very relevant); same header, comment and error rules as :func:`read_qrels`
    (a query/document pair judged twice: the later line wins)."""
    out: list[tuple[str, str, int]] = []
    for index, (number, line) in enumerate(_lines(path)):
        fields = line.split("\t") if line.count("\t") == 2 else line.split()
        if index == 0 and len(fields) == 3 and not fields[2].strip().lstrip("-").isdigit():
            continue  # header line
        query, doc, grade = _qrel(path, number, fields)
        if grade > 2:
            raise InputError(path, number, f"grade must be 0, 1 or 2, got {grade}")
        out.append((query, doc, grade))
    return out


def _qrel(path: str | Path, number: int, fields: list[str]) -> tuple[str, str, int]:
    fields = [f.strip() for f in fields]
    if len(fields) != 3 or not fields[0] or not fields[1]:
        raise InputError(path, number, "expected 'query id<TAB>document id<TAB>grade'")
    if not fields[2].isdigit():
        raise InputError(path, number, f"grade must be an integer >= 0, got {fields[2]!r}")
    return fields[0], fields[1], int(fields[2])


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"cannot read file: {exc}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def _document(obj: object) -> Document:
    if not isinstance(obj, dict):
        raise TypeError("expected a JSON object")
    doc_id = obj.get("id")
    if isinstance(doc_id, bool) or not isinstance(doc_id, str | int) or doc_id == "":
        raise TypeError("'id' must be a non-empty string or an integer")
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TypeError("'title' must be a non-empty string")
    description = obj.get("description") or ""
    if not isinstance(description, str):
        raise TypeError("'description' must be a string")
    themes = _names(obj, "theme") | _names(obj, "themes")
    return Document(doc_id, title, description, themes, _names(obj, "regions"), _location(obj))


def _names(obj: dict, key: str) -> frozenset[str]:
    value = obj.get(key)
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"'{key}' must be a string or a list of strings")
    return frozenset(v.strip().lower() for v in value if v.strip())


def _location(obj: dict) -> tuple[str, str] | None:
    value = obj.get("region")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise TypeError("'region' must be a string 'Municipality, Province'")
    parts = [p.strip().lower() for p in value.split(",") if p.strip()]
    if len(parts) > 2:
        raise ValueError(f"'region' must be 'Municipality, Province', got {value!r}")
    return (parts[0], parts[-1])
