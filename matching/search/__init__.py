"""Full-text search over plain documents, shared by the platform's two search backends.

* :mod:`.types`: documents, queries and results; :mod:`.query`: the query language;
  :mod:`.display`: highlighting and snippets. These load no search engine, so the PostgreSQL
  backend uses them without Whoosh.
* :mod:`.whoosh_index`: the Whoosh index, evaluated on numpy arrays of its postings
  (:mod:`.arrays`, :mod:`.scoring`). Import it from there: it is not re-exported, so that
  importing this package does not load Whoosh's index modules.
"""

from __future__ import annotations

from matching.search.display import highlight, snippet
from matching.search.query import (
    MAX_AFFIXED,
    MIN_AFFIX,
    ParsedQuery,
    alternatives,
    closest_word,
    closest_words,
    compound_candidates,
    compound_parts,
    parse_query,
    query_words,
    stems,
    suggest_text,
)
from matching.search.types import (
    FACET_FIELDS,
    FACETS,
    LANGUAGES,
    IndexLocked,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)

__all__ = [
    "FACETS",
    "FACET_FIELDS",
    "LANGUAGES",
    "MAX_AFFIXED",
    "MIN_AFFIX",
    "IndexLocked",
    "ParsedQuery",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "alternatives",
    "closest_word",
    "closest_words",
    "compound_candidates",
    "compound_parts",
    "highlight",
    "parse_query",
    "query_words",
    "snippet",
    "stems",
    "suggest_text",
]
