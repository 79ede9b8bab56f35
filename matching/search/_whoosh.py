"""Every Whoosh name the index and its arrays use, imported here once with Whoosh's
compile-time warnings silenced.

Whoosh 2.7.4 has invalid escape sequences (and an ``is`` with a literal) that Python reports
while compiling its modules: ``DeprecationWarning`` up to 3.11, ``SyntaxWarning`` from 3.12,
and errors when warnings are errors. They fire only when no ``.pyc`` exists yet, at import, so
the modules that would otherwise be imported lazily are imported here too.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import whoosh.analysis  # noqa: F401  (filters.py, intraword.py)
    import whoosh.lang.porter2  # noqa: F401  (the English stemmer)
    from whoosh import index as whoosh_index
    from whoosh import query as q
    from whoosh.analysis import Token, Tokenizer
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.columns import NumericColumn
    from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
    from whoosh.index import LockError
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.writing import CLEAR

    from matching import analysis

    analysis.stem("isolatie", "nl"), analysis.stem("insulation", "en")  # loads both stemmers

__all__ = [
    "CLEAR",
    "COLUMN",
    "ID",
    "KEYWORD",
    "NUMERIC",
    "STORED",
    "TEXT",
    "FilterMatcher",
    "LockError",
    "NumericColumn",
    "Schema",
    "Token",
    "Tokenizer",
    "W3LeafMatcher",
    "q",
    "whoosh_index",
]
