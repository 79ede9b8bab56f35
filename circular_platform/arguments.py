"""Reading ids, numbers and choices from URLs and query strings, as scanners send them too.

``?page=²`` is a digit to ``str.isdigit`` that ``int`` refuses; a 23-digit id is beyond every
integer column (PostgreSQL refuses it outright); ``?endpoint=x`` or ``?_method=POST`` passed on
to ``url_for`` by a pager or an export link break it. So: numbers are ASCII digits up to
:data:`MAX_ID` (else the argument is ignored, and a path with a larger id is a 404), unknown
choices are ignored, links carry on only the arguments :func:`link_args` lets through, and a
query string with a NUL or another control character is a 400 (PostgreSQL stores no NUL).
"""

from __future__ import annotations

import enum
import re
from typing import Any, TypeVar

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
E = TypeVar("E", bound=enum.Enum)


class IdConverter(IntegerConverter):
    """``<int:...>`` within :data:`MAX_ID`: a larger number matches no route (404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Call before registering blueprints: their rules take the converter when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_control_characters)
    app.add_template_global(link_args)


def parse_int(value: str | None, maximum: int = MAX_ID) -> int | None:
    """``value`` as a whole number from 0 to ``maximum`` in ASCII digits, else None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or int(value) > maximum:
        return None
    return int(value)


def int_arg(name: str, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    found = parse_int(request.args.get(name), maximum)
    return default if found is None else found


def parse_choice(value: str | None, choices: type[E]) -> E | None:
    """The member of ``choices`` with ``value`` as its value, else None."""
    try:
        return choices(value)
    except ValueError:
        return None


def link_args(**changes: Any) -> dict[str, Any]:
    """This request's query arguments with ``changes`` (None removes one), for ``url_for``:
    without ``endpoint`` and ``_``-names, which ``url_for`` would take as its own."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if _passes_on(k)}
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


def _passes_on(name: str) -> bool:
    return name != "endpoint" and not name.startswith("_")


def _refuse_control_characters() -> None:
    if any(_CONTROL.search(value) for value in request.args.values()):
        abort(400, description=_("De link bevat ongeldige tekens."))
