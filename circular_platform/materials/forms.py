"""The repeated material-line sub-form of questions, solutions and passports.

It works without script: the form always shows at least ``EMPTY_ROWS`` empty rows, and the
"Regel toevoegen" button submits what was typed and comes back with one more. The empty rows are
added when the form is shown, by the macro that shows them and the button (``lines_form`` in
templates/materials/_macros.html): a submission that is saved never builds them.
"""

from __future__ import annotations

from collections.abc import Iterator

from wtforms import FieldList, Form, FormField, SelectField, StringField, SubmitField

from circular_platform.formats import MonthField, QuantityField
from circular_platform.forms import choices, one_line
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.taxonomy import MATERIAL_UNITS

EMPTY_ROWS = 3
MAX_ROWS = 200


class MaterialLineForm(Form):
    """One row; no CSRF token of its own: it lives inside a FlaskForm."""

    material = StringField(_l("Materiaal"), filters=[one_line])
    eural_code = StringField(
        _l("Euralcode"), filters=[one_line], render_kw={"placeholder": _l("automatisch")}
    )
    quantity = QuantityField(_l("Hoeveelheid"))
    # Checked by the service, which names the row; a padded row has no value to check.
    unit = SelectField(_l("Eenheid"), choices=choices({"": "—", **MATERIAL_UNITS}), validate_choice=False)
    condition = StringField(_l("Staat"), filters=[one_line])
    from_date = MonthField(_l("Vanaf"))
    location = StringField(_l("Plaats in het gebouw"), filters=[one_line])

    def line_data(self) -> dict:
        return {
            "material": self.material.data or "",
            "eural_code": self.eural_code.data or None,
            "quantity": self.quantity.data,
            "unit": self.unit.data or None,
            "condition": self.condition.data or "",
            "from_date": self.from_date.data,
            "location": self.location.data or "",
        }

    def is_empty(self) -> bool:
        return not any(value for value in self.line_data().values())


class MaterialLines(FieldList):
    """The rows as posted, less the empty ones. A browser sends back every empty row the form
    showed, and each was built and checked (seven fields) only to be left out: 0.3-0.5 ms of
    each posted question. Left out at once, the rows that remain are numbered as the services
    count them ("Regel 2"), and ``lines_form`` adds empty rows again when the form is shown."""

    def _extract_indices(self, prefix: str, formdata) -> Iterator[int]:
        typed = (
            key for key in formdata if key.startswith(prefix) and any(map(str.strip, formdata.getlist(key)))
        )
        return super()._extract_indices(prefix, typed)


def material_lines_field() -> FieldList:
    # A row has no label of its own: without one, wtforms makes one up ("Material Lines-0") and
    # loads its catalogue of messages from disk to translate it (0.35 ms, on every form).
    row = FormField(MaterialLineForm, label="")
    return MaterialLines(row, label=_l("Materialen"), max_entries=MAX_ROWS)


def add_line_button() -> SubmitField:
    return SubmitField(_l("Regel toevoegen"))


def filled_lines(field: FieldList) -> list[dict]:
    """The rows with anything typed in them, as the material services take them."""
    return [row.form.line_data() for row in field if not row.form.is_empty()]


def pad_lines(field: FieldList, extra: int = 0) -> None:
    """Make sure the form has ``EMPTY_ROWS`` empty rows (and ``extra`` more), to type into."""
    empty = sum(1 for row in field if row.form.is_empty())
    for _ in range(max(0, EMPTY_ROWS - empty) + extra):
        if len(field) < MAX_ROWS:
            field.append_entry()
