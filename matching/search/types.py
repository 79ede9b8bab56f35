"""The values both search backends take and return: documents in, a query, results out.

A search takes a :class:`SearchQuery` (text, facet filters, the audiences the reader belongs
to, sort, page) and returns :class:`SearchResults` (hits, total, facet counts, a spelling
suggestion). Nothing here knows about Flask, the platform's models or a storage engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from matching import analysis

LANGUAGES = analysis.LANGUAGES
FACETS = ("kind", "theme", "province", "status")
# Facet name -> the field (Whoosh) or column (PostgreSQL backend) holding its values.
FACET_FIELDS = {"kind": "kind", "theme": "themes", "province": "provinces", "status": "status"}


class IndexLocked(Exception):
    """Another writer held the index lock for longer than the timeout."""


@dataclass(frozen=True)
class SearchDocument:
    key: str  # "question:12": the type and the id
    kind: str
    title: str
    body: str
    context: str = ""  # organisation and place names: searchable, shown as is
    lang: str = "nl"
    date: datetime | None = None
    status: str = ""
    themes: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()  # who may see it; a reader needs one of these


@dataclass(frozen=True)
class SearchQuery:
    text: str
    filters: dict[str, str] = field(default_factory=dict)  # facet name -> value
    audiences: frozenset[str] | None = None  # None: everything
    sort: str = "relevance"  # or "date" (newest first)
    page: int = 1
    per_page: int = 20


@dataclass
class SearchHit:
    key: str
    kind: str
    title: str
    body: str
    context: str
    lang: str
    date: datetime | None
    score: float
    missing: tuple[str, ...] = ()  # query words (ParsedQuery.labels) the document lacks


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    terms: frozenset[str] = frozenset()  # stems to highlight
    counted_up_to: int | None = None  # set when counting stopped there: total and facets are lower bounds
    empty_query: bool = False
