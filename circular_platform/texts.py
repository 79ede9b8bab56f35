"""The rules for the texts users write, one set for the web forms, the CSV import and the services.

A text has a length within bounds (in characters; the minimum counts without surrounding spaces)
and no control characters: a NUL byte cannot be stored by PostgreSQL and nothing else shows.
Line breaks and tabs are allowed where the text has several lines. The services check the rules
(:func:`check_texts`, raising DomainError); the forms get the same bounds as WTForms validators
(:func:`validators`) so a user sees the message next to the field before anything is posted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wtforms import Field, Form, ValidationError
from wtforms.validators import Length

from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab, line feed, return
_LINE_BREAK = re.compile(r"[\t\n\r]")
CONTROL_MESSAGE = _l("Dit veld bevat onzichtbare stuurtekens; verwijder ze of typ de tekst opnieuw.")
LINE_BREAK_MESSAGE = _l("Dit veld is één regel: zonder regeleinden of tabs.")


@dataclass(frozen=True)
class TextRule:
    max: int
    min: int = 0
    multiline: bool = False

    def problem(self, value: str) -> Any | None:
        """What is wrong with ``value`` as a message for the user, or None."""
        if _CONTROL.search(value):
            return CONTROL_MESSAGE
        if not self.multiline and _LINE_BREAK.search(value):
            return LINE_BREAK_MESSAGE
        if not self.min <= len(value.strip()) <= len(value) <= self.max:
            return str(self.length_message) % {"min": self.min, "max": self.max}
        return None

    @property
    def length_message(self) -> Any:
        """With ``%(min)d`` and ``%(max)d``, as WTForms' Length formats its message."""
        if self.min:
            return _l("Gebruik %(min)d tot en met %(max)d tekens.")
        return _l("Gebruik hoogstens %(max)d tekens.")


TITLE = TextRule(min=5, max=160)
DESCRIPTION = TextRule(min=20, max=10000, multiline=True)
QUESTION_TEXTS = {
    "title": TITLE,
    "description": DESCRIPTION,
    "circular_criteria": TextRule(max=2000, multiline=True),
}
SOLUTION_TEXTS = {
    "title": TITLE,
    "description": DESCRIPTION,
    "capacity": TextRule(max=500),
    "certifications": TextRule(max=500),
    "price_indication": TextRule(max=200),
}

MATERIAL_LINE_TEXTS = {
    "material": TextRule(max=160),
    "condition": TextRule(max=160),
    "location": TextRule(max=160),
}


def check_texts(data: dict[str, Any], rules: dict[str, TextRule]) -> None:
    """Raises DomainError naming the first field of ``data`` that breaks its rule."""
    for field, rule in rules.items():
        value = data.get(field)
        if isinstance(value, str):
            problem = rule.problem(value)
            if problem is not None:
                raise DomainError(problem, field)


def validators(rule: TextRule) -> list:
    """The rule as WTForms validators, after ``DataRequired()`` or ``Optional()``."""
    return [Length(min=rule.min, max=rule.max, message=rule.length_message), _NoControlCharacters(rule)]


class _NoControlCharacters:
    def __init__(self, rule: TextRule) -> None:
        self.rule = rule

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data or ""
        if _CONTROL.search(value):
            raise ValidationError(str(CONTROL_MESSAGE))
        if not self.rule.multiline and _LINE_BREAK.search(value):
            raise ValidationError(str(LINE_BREAK_MESSAGE))
