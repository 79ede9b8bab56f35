"""Single CSV cells of the import that are words: yes/no, lists and taxonomy labels.

Parsers raise DomainError with a message for the user; the caller adds the row and column.
Numbers, euros, months and formula-safe text are ``circular_platform.formats``'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import force_locale

from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l

LIST_SEPARATOR = "|"
TRUE_WORDS = frozenset({"ja", "j", "yes", "y", "1", "true", "waar", "x"})
FALSE_WORDS = frozenset({"nee", "n", "no", "0", "false", "onwaar"})


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
