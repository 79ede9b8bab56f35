"""Whoosh postings as numpy arrays: how a search over 100,000 documents stays within 50 ms.

Whoosh's matchers walk postings one Python call per document, so a word that occurs in most
documents cost hundreds of milliseconds, and counting facets walked every hit again. Here a
term's postings are read block by block into arrays (document numbers, term frequencies) and
kept per segment: Whoosh segments never change once written (only their deletions do), so the
arrays stay valid until a merge replaces the segment. Matching, filtering, counting facets and
picking the top hits are then vectorised operations over one array slot per document.

Scoring is BM25 without length normalisation (``b = 0``): Whoosh keeps document lengths in a
format that is again read one document at a time, and the title's field boost already favours
short, focused matches.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from matching.search._whoosh import FilterMatcher, W3LeafMatcher

K1 = 1.2  # BM25 term-frequency saturation
MAX_CACHED_ITEMS = 30_000_000  # postings and terms: about 250 MB
Postings = tuple[np.ndarray, np.ndarray]  # (document numbers int32, frequencies float32)
_EMPTY: Postings = (np.zeros(0, np.int32), np.zeros(0, np.float32))


class ArrayCache:
    """Least recently used per-segment arrays (postings, vocabularies, columns), keyed by
    segment id and name; ``limit`` counts array elements."""

    def __init__(self, limit: int = MAX_CACHED_ITEMS) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[tuple[str, ...], tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], build: Callable[[], Any], size: Callable[[Any], int] = len) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found[0]
        value = build()  # outside the lock: two threads may build the same value once each
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, size(value))
                self.size += self._items[key][1]
            while self.size > self.limit and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped
        return value


def read_postings(segment: Any, field: str, term: str) -> Postings:
    """All postings of ``term`` in one segment reader, deleted documents included."""
    try:
        matcher = segment.postings(field, term)
    except Exception:  # TermNotFound, or a field this segment lacks
        return _EMPTY
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deletions are applied with the live mask instead
    if isinstance(matcher, W3LeafMatcher):
        return _read_blocks(matcher)
    ids, weights = [], []
    while matcher.is_active():  # short postings are stored inline, as a list
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, np.int32), np.array(weights, np.float32)


def _read_blocks(matcher: W3LeafMatcher) -> Postings:
    # One unpickled block of up to 128 postings at a time instead of one call per posting;
    # this relies on Whoosh 2.7's block layout (delta-coded ids, weights None/float/tuple).
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        block = np.array(raw_ids, np.int64)
        ids.append(block if matcher._byteids else np.cumsum(block))
        if raw_weights is None or isinstance(raw_weights, float):
            weights.append(np.full(len(block), raw_weights or 1.0, np.float32))
        else:
            weights.append(np.array(raw_weights, np.float32))
        matcher._next_block()
    if not ids:
        return _EMPTY
    return np.concatenate(ids).astype(np.int32), np.concatenate(weights)


@dataclass
class Segment:
    reader: Any
    segment_id: str
    offset: int
    size: int


class ReaderArrays:
    """One searcher's view: its segments' postings as arrays in global document numbers,
    the live-document mask and, per facet field, one mask per value."""

    def __init__(
        self, reader: Any, cache: ArrayCache, facet_fields: tuple[str, ...], text_fields: tuple[str, ...]
    ) -> None:
        self.reader = reader
        self.text_fields = text_fields
        self.cache = cache
        self.segments = [
            Segment(r, r.segment().segment_id(), offset, r.doc_count_all())
            for r, offset in reader.leaf_readers()
            if r.segment() is not None  # an empty index has a reader without segments
        ]
        self.size = sum(s.size for s in self.segments)
        self.live = self._live()
        self.values = {name: self._values(name) for name in facet_fields}
        self.vocabularies = [
            cache.get((s.segment_id, "#vocabulary"), partial(Vocabulary.of, s.reader, text_fields))
            for s in self.segments
        ]

    def _live(self) -> np.ndarray:
        live = np.ones(self.size, bool)
        for segment in self.segments:
            if segment.reader.has_deletions():
                deleted = np.fromiter(segment.reader.segment().deleted_docs(), np.int64)
                live[deleted + segment.offset] = False
        return live

    def _values(self, field: str) -> dict[str, np.ndarray]:
        # Facet fields have few values (kinds, themes, provinces, audiences): a mask each.
        values = sorted({v for s in self.segments for v in _lexicon(s.reader, field)})
        return {value: self.mask(field, value) for value in values}

    def postings(self, field: str, term: str) -> Postings:
        parts = [
            (ids + s.offset, weights)
            for s in self.segments
            for ids, weights in [self._segment_postings(s, field, term)]
            if len(ids)
        ]
        if not parts:
            return _EMPTY
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _segment_postings(self, segment: Segment, field: str, term: str) -> Postings:
        key = (segment.segment_id, field, term)
        return self.cache.get(key, lambda: read_postings(segment.reader, field, term), _length)

    def warm(self, min_documents: int) -> int:
        """Read now the postings of every term found in at least ``min_documents`` documents.

        Reading a common word's postings is what makes its first search slow (tens of ms per
        field at 100k documents); rare words are cheap to read on demand. Returns the number
        of postings lists read.
        """
        read = 0
        for segment in self.segments:
            for field in self.text_fields:
                for term, info in segment.reader.iter_field(field):
                    if info.doc_frequency() >= min_documents:
                        self._segment_postings(segment, field, term.decode("utf-8"))
                        read += 1
        return read

    def mask(self, field: str, term: str) -> np.ndarray:
        found = np.zeros(self.size, bool)
        found[self.postings(field, term)[0]] = True
        return found

    def add_scores(self, scores: np.ndarray, field: str, term: str, boost: float) -> None:
        """Add ``term``'s BM25 score in ``field`` (times ``boost``) to ``scores``."""
        ids, frequencies = self.postings(field, term)
        if not len(ids):
            return
        # Both counts include deleted documents (Whoosh's document frequency does), so the
        # idf stays positive.
        frequency = self.reader.doc_frequency(field, term)
        idf = math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))
        scores[ids] += (boost * idf * (K1 + 1)) * frequencies / (frequencies + K1)

    def any_of(self, field: str, values: frozenset[str] | tuple[str, ...]) -> np.ndarray:
        found = np.zeros(self.size, bool)
        for value in values:
            mask = self.values.get(field, {}).get(value)
            if mask is not None:
                found |= mask
        return found

    def dates(self) -> np.ndarray:
        """The ``date`` column (sortable integers), one value per document."""
        parts = [
            self.cache.get((s.segment_id, "#date"), partial(_column, s.reader, "date")) for s in self.segments
        ]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def contains(self, term: str) -> bool:
        return any(term in v.known for v in self.vocabularies)

    def affixed(self, term: str, limit: int) -> list[str]:
        """Indexed terms that start or end with ``term`` (compounds), the shortest ``limit``."""
        found = {t for v in self.vocabularies for t in v.affixed(term)} - {term}
        return sorted(found, key=lambda t: (len(t), t))[:limit]

    def near(self, word: str, distance: int) -> set[str]:
        """Indexed terms with ``word``'s first letter and a length within ``distance``."""
        return {t for v in self.vocabularies for t in v.near(word, distance)}


class Vocabulary:
    """A segment's terms of the text fields, sorted forwards and backwards (suffix lookups)."""

    def __init__(self, terms: set[str]) -> None:
        self.known = frozenset(terms)
        self.terms = sorted(terms)
        self.reversed = sorted(t[::-1] for t in terms)

    @classmethod
    def of(cls, reader: Any, fields: tuple[str, ...]) -> Vocabulary:
        return cls({t for field in fields for t in _lexicon(reader, field)})

    def __len__(self) -> int:
        return len(self.terms)

    def affixed(self, term: str) -> list[str]:
        starting = _with_prefix(self.terms, term)
        ending = [t[::-1] for t in _with_prefix(self.reversed, term[::-1])]
        return starting + ending

    def near(self, word: str, distance: int) -> list[str]:
        return [t for t in _with_prefix(self.terms, word[:1]) if abs(len(t) - len(word)) <= distance]


def _with_prefix(ordered: list[str], prefix: str) -> list[str]:
    start = bisect.bisect_left(ordered, prefix)
    end = bisect.bisect_left(ordered, prefix + "\U0010ffff")
    return ordered[start:end]


def _column(reader: Any, field: str) -> np.ndarray:
    try:
        column = reader.column_reader(field)
    except Exception:  # a segment written without the column
        return np.zeros(reader.doc_count_all(), np.int64)
    return np.fromiter((int(v or 0) for v in column), np.int64, count=reader.doc_count_all())


def _length(postings: Postings) -> int:
    return len(postings[0])


def _lexicon(reader: Any, field: str) -> list[str]:
    try:
        return [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon(field)]
    except Exception:  # a segment without this field
        return []


def top(scores: np.ndarray, matches: np.ndarray, count: int) -> list[int]:
    """Document numbers of the ``count`` best ``scores`` among ``matches``, best first (ties:
    lower document number first, as Whoosh orders them)."""
    candidates = np.flatnonzero(matches)
    if len(candidates) > count:
        best = np.argpartition(-scores[candidates], count - 1)[:count]
        threshold = scores[candidates[best]].min()
        candidates = candidates[scores[candidates] >= threshold]  # keep ties for a stable order
    order = np.lexsort((candidates, -scores[candidates]))
    return [int(d) for d in candidates[order][:count]]
