"""Region and theme compatibility as boolean masks over the documents of one index.

Region is a filter: a solution's service area must cover the other side's location. Themes
guide instead of hide: by default they only raise the score of documents that share a theme
(:meth:`FilterIndex.agreement`); ``theme_filter=True`` restores the old hard theme filter, kept
for comparison in the benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matching.analysis import fold

NATIONWIDE = "nederland"
_CACHE_LIMIT = 4096


def norm_names(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (_norm_name(name) for name in names) if n)


@lru_cache(maxsize=_CACHE_LIMIT)
def _norm_name(name: str) -> str:
    """Remembered: a rebuild asks for the same few theme and place names hundreds of thousands of times."""
    return fold(name).strip()


@dataclass(frozen=True)
class FilterKey:
    """The filter-relevant fields of a query, normalised."""

    themes: frozenset[str]
    regions: frozenset[str]
    location: tuple[str, str] | None


def covers(regions: Collection[str], location: tuple[str, str] | None) -> bool:
    """A service area covers a location; unknown on either side means no restriction."""
    if not regions or location is None:
        return True
    return NATIONWIDE in regions or location[0] in regions or location[1] in regions


def themes_agree(a: FilterKey, b: FilterKey) -> bool:
    """Both sides name themes and share one."""
    return bool(a.themes & b.themes)


def compatible(a: FilterKey, b: FilterKey, theme_filter: bool = False) -> bool:
    themes_ok = not (theme_filter and a.themes and b.themes) or bool(a.themes & b.themes)
    return themes_ok and covers(a.regions, b.location) and covers(b.regions, a.location)


class FilterIndex:
    """Posting arrays per theme / region / location name, for fast per-query masks."""

    def __init__(self, keys: Sequence[FilterKey]) -> None:
        self.size = len(keys)
        self._no_themes = np.array([not k.themes for k in keys], dtype=bool)
        self._no_regions = np.array([not k.regions for k in keys], dtype=bool)
        self._no_location = np.array([k.location is None for k in keys], dtype=bool)
        self._themes = _postings(k.themes for k in keys)
        self._regions = _postings(k.regions for k in keys)
        self._places = _postings(k.location or () for k in keys)
        self._cache: dict[tuple[FilterKey, bool], np.ndarray | None] = {}
        self._agree: dict[FilterKey, np.ndarray] = {}

    def mask(self, query: FilterKey, theme_filter: bool = True) -> np.ndarray | None:
        """Boolean mask of compatible documents, or None when nothing is filtered out."""
        key = (query, theme_filter)
        try:  # not "in" then "[]": another ranking thread may clear the cache between the two
            return self._cache[key]
        except KeyError:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            mask = self._cache[key] = self._build(query, theme_filter)
            return mask

    def agreement(self, query: FilterKey) -> np.ndarray | None:
        """Boolean mask of documents sharing a theme with the query, or None when the query
        has no themes (then no document agrees or disagrees). Documents without themes never
        agree: unknown is not agreement."""
        if not query.themes:
            return None
        cache = self.__dict__.setdefault("_agree", {})  # absent from indexes saved before it
        try:  # as in mask()
            return cache[query]
        except KeyError:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            agreeing = cache[query] = self._any(np.zeros(self.size, dtype=bool), self._themes, query.themes)
            return agreeing

    def _build(self, query: FilterKey, theme_filter: bool) -> np.ndarray | None:
        masks = []
        if theme_filter and query.themes:
            masks.append(self._any(self._no_themes, self._themes, query.themes))
        if query.location is not None:
            wanted = (NATIONWIDE, *query.location)
            masks.append(self._any(self._no_regions, self._regions, wanted))
        if query.regions and NATIONWIDE not in query.regions:
            masks.append(self._any(self._no_location, self._places, query.regions))
        if not masks:
            return None
        return np.logical_and.reduce(masks) if len(masks) > 1 else masks[0]

    @staticmethod
    def _any(base: np.ndarray, postings: dict[str, np.ndarray], names: Iterable[str]) -> np.ndarray:
        out = base.copy()
        for name in names:
            rows = postings.get(name)
            if rows is not None:
                out[rows] = True
        return out


def _postings(name_sets: Iterable[Iterable[str]]) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = defaultdict(list)
    for i, names in enumerate(name_sets):
        for name in names:
            rows[name].append(i)
    return {name: np.array(r, dtype=np.int64) for name, r in rows.items()}
