"""Fields and bounds the API's schemas share: months, quantities, moments, ids within the columns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from circular_platform.arguments import MAX_ID
from circular_platform.formats import format_month, parse_month
from circular_platform.notifications.schedule import as_utc

ID = validate.Range(min=1, max=MAX_ID)
EUROS = validate.Range(min=0, max=MAX_ID)  # an INTEGER column
CENT = Decimal("0.01")
MAX_QUANTITY = 10**12
QUANTITY = validate.Range(min=0, max=MAX_QUANTITY, max_inclusive=False)  # NUMERIC(14, 2)


class Month(fields.Field):
    """A month as ``2027-03``: the first day of it in Python, as forms and CSV files hold it."""

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        return format_month(value) or None

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_month(value) if isinstance(value, str) else parse_month("")
        except ValueError as error:
            raise ma.ValidationError(str(error)) from error


class Quantity(fields.Float):
    """A number in JSON; a Decimal to the cent for the NUMERIC column."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:  # type: ignore[override]
        number = Decimal(str(super()._deserialize(value, attr, data, **kwargs)))
        # Beyond the column's 12 digits quantize() raises; such a number is left for the range check.
        return number.quantize(CENT) if abs(number) < MAX_QUANTITY else number


class Moment(fields.DateTime):
    """A moment in ISO 8601 with its offset; SQLite hands back naive datetimes, which are UTC."""

    def _serialize(self, value, attr, obj, **kwargs) -> Any:
        return super()._serialize(as_utc(value) if value is not None else None, attr, obj, **kwargs)


def month_field(**kwargs: Any) -> Month:
    metadata = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2027-03"}
    return Month(metadata=metadata, **kwargs)
