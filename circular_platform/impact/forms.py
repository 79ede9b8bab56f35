"""The exchange form on a completed match's page, and the administrator's factor form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from circular_platform.formats import QuantityField, parse_number
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.impact.factors import shipped
from circular_platform.impact.services import LineInput

LINES_SHOWN = 4  # empty rows on the form; a deal with more groups is recorded in two goes


class ExchangeLineForm(Form):
    """One row; a row without material group is left out."""

    material_group = SelectField(_l("Materiaalgroep"), validators=[Optional()])
    tonnes = QuantityField(_l("Ton"), validators=[Optional()])
    products = IntegerField(
        _l("Aantal producten"), validators=[Optional(), NumberRange(min=1, max=10_000_000)]
    )
    kg_per_product = QuantityField(_l("kg per product"), validators=[Optional()])
    new_material = BooleanField(_l("Nieuw materiaal"))


class ExchangeForm(FlaskForm):
    # Rows without a label of their own, as in materials.forms.material_lines_field
    lines = FieldList(FormField(ExchangeLineForm, label=""), min_entries=LINES_SHOWN, max_entries=20)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        options = [("", "—"), *((group, factor.name) for group, factor in shipped().items())]
        for entry in self.lines:
            entry.form.material_group.choices = options

    def line_inputs(self) -> list[LineInput]:
        return [
            LineInput(
                material_group=row["material_group"],
                tonnes=_float(row["tonnes"]),
                products=row["products"],
                kg_per_product=_float(row["kg_per_product"]),
                new_material=bool(row["new_material"]),
            )
            for row in self.lines.data
            if row["material_group"]
        ]


def _float(value) -> float | None:
    return None if value is None else float(value)


class FactorField(QuantityField):
    """kg CO2e per tonne: any number of decimals, as the source gives them, never below 0."""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = " ".join(valuelist).strip()
        self.data = parse_number(text) if text else None
        if self.data is not None and self.data < 0:
            self.data = None
            raise ValueError(_l("Een factor is 0 of meer."))


class FactorForm(FlaskForm):
    primary = FactorField(_l("Nieuw materiaal (kg CO2e per ton)"), validators=[InputRequired()])
    reuse = FactorField(_l("Hergebruik (kg CO2e per ton)"), validators=[InputRequired()])
