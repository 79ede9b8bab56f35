"""Full-text search over plain documents: a Whoosh index and the query language both backends share.

Documents are :class:`SearchDocument` values; a search takes a :class:`SearchQuery` (text,
facet filters, the audiences the reader belongs to, sort, page) and returns
:class:`SearchResults` (hits, total, facet counts, a spelling suggestion). Nothing here knows
about Flask or the platform's models.

Analysis is :mod:`matching.analysis`, the matcher's: folding, stop words, Snowball stems in the
document's language. Whoosh gets it through :class:`AnalyserTokenizer`, which reads the language
from a marker in front of the text (Whoosh passes analyzers no per-document arguments).

Query language: words are ANDed; ``"..."`` is a phrase; ``-word`` excludes. Anything else (an
unbalanced quote, ``AND``/``OR``/``*``/brackets) is read as plain words, so no query fails.
Each query word matches its Dutch or English stem. Compounds, both ways:

* the query word is a part of an indexed compound (``isolatie`` -> ``hennepisolatie``): indexed
  stems that start or end with the query stem (at most :data:`MAX_AFFIXED`, the shortest),
  found in a sorted per-segment vocabulary, with a low boost;
* the query word is a compound of indexed words (``hennepisolatie`` -> ``hennep isolatie``):
  :func:`matching.analysis.split_compound` against the stems the index holds.

Whoosh stores the index; queries are evaluated on numpy copies of its postings
(:mod:`matching.search_arrays`), so facets are counted over every hit and a common word costs
no more than a rare one. Spelling suggestions are the closest indexed stem, shown as a word of a
document that has it, and are looked up only for words without hits.

Whoosh allows one writer at a time across processes (a file lock); :meth:`SearchIndex.write`
waits up to ``timeout`` seconds for it and then raises :class:`IndexLocked`.

Whoosh 2.7.4 has invalid escape sequences (and an ``is`` with a literal) that Python reports
while compiling its modules: ``DeprecationWarning`` up to 3.11, ``SyntaxWarning`` from 3.12,
and errors when warnings are errors. They fire only when no ``.pyc`` exists yet, at import, so
every Whoosh module the platform uses is imported here, once, with those warnings ignored.
"""

from __future__ import annotations

import re
import shutil
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import whoosh.analysis  # noqa: F401  (filters.py, intraword.py)
    import whoosh.codec.whoosh3  # noqa: F401  (imported lazily by the index otherwise)
    import whoosh.lang.porter2  # noqa: F401  (the English stemmer)
    from whoosh import index as whoosh_index
    from whoosh import query as q
    from whoosh.analysis import Token, Tokenizer
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
    from whoosh.index import LockError
    from whoosh.writing import CLEAR

    from matching import analysis
    from matching.search_arrays import ArrayCache, ReaderArrays, top

    analysis.stem("isolatie", "nl"), analysis.stem("insulation", "en")  # loads both stemmers

LANGUAGES = analysis.LANGUAGES
FACETS = ("kind", "theme", "province", "status")
# Facet name -> the field (Whoosh) or column (PostgreSQL backend) holding its values.
FACET_FIELDS = {"kind": "kind", "theme": "themes", "province": "provinces", "status": "status"}
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # analysis.tokens(), with offsets
_QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_MARK = "\x1f"
MIN_AFFIX = 4  # shortest stem that also matches as part of a compound
AFFIX_BOOST = 0.3  # a compound containing the query word counts less than the word itself
WARM_FRACTION = 0.002  # words in at least this share of documents are loaded by warm()
MAX_AFFIXED = 32  # compounds per query stem; the shortest, being closest to the query word
_TEXT_FIELDS = {"title": 3.0, "body": 1.0, "context": 1.5}  # field boosts
_FACET_FIELDS_AND_AUDIENCES = (*FACET_FIELDS.values(), "audiences")
_CACHE = ArrayCache()  # per-segment arrays, shared by every index in this process


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


@dataclass(frozen=True)
class ParsedQuery:
    """A query as words, phrases and excluded words, each a list of folded content words."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()
    raw: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)

    @property
    def terms(self) -> frozenset[str]:
        words = [*self.words, *(w for phrase in self.phrases for w in phrase)]
        return frozenset(s for w in words for s in stems(w))


def parse_query(text: str) -> ParsedQuery:
    """Read ``text`` leniently; stop words (Dutch or English) and punctuation are dropped."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    for match in _QUERY_PART.finditer(text[:500]):
        minus, phrase, minus_word, word = match.groups()
        content = query_words(phrase if phrase is not None else word)
        if minus or minus_word:
            excluded.extend(content)
        elif phrase is not None and len(content) > 1:
            phrases.append(tuple(content))
        else:
            words.extend(content)
    return ParsedQuery(tuple(dict.fromkeys(words)), tuple(phrases), tuple(excluded), text)


def query_words(text: str) -> list[str]:
    """Folded content words of a query; a word on either stop list is dropped."""
    found = []
    for token in _TOKEN.findall(text):
        for word in analysis.token_words(token, "nl"):
            if word not in analysis.STOP_WORDS["en"]:
                found.append(word)
    return found


def stems(word: str) -> tuple[str, ...]:
    """The Dutch and the English stem of a folded word (the language of a query is unknown)."""
    return tuple(dict.fromkeys(analysis.stem(word, lang) for lang in LANGUAGES))


def compound_parts(word: str, known: Callable[[set[str]], set[str]]) -> list[str]:
    """Parts of a compound query word, checked against the index vocabulary by ``known``."""
    if len(word) < 6 or not word.isalpha():
        return []
    candidates = {word[i:j] for i in range(len(word)) for j in range(i + 3, len(word) + 1)}
    return analysis.split_compound(word, known(candidates))


def highlight(text: str, terms: Iterable[str], lang: str) -> list[tuple[str, bool]]:
    """``text`` cut into (fragment, matches) pairs; a word matches when one of its stems is a
    query stem, or starts or ends with one of at least :data:`MIN_AFFIX` letters (compounds)."""
    terms = frozenset(terms)
    affixes = tuple(t for t in terms if len(t) >= MIN_AFFIX)
    fragments: list[tuple[str, bool]] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if _matches(match.group(), terms, affixes, lang):
            fragments.append((text[position : match.start()], False))
            fragments.append((match.group(), True))
            position = match.end()
    fragments.append((text[position:], False))
    return [f for f in fragments if f[0]]


def _matches(token: str, terms: frozenset[str], affixes: tuple[str, ...], lang: str) -> bool:
    for term in analysis.token_terms(token, lang):
        if term in terms or any(term.startswith(a) or term.endswith(a) for a in affixes):
            return True
    return False


def snippet(text: str, terms: Iterable[str], lang: str, width: int = 240) -> list[tuple[str, bool]]:
    """About ``width`` characters of ``text`` around its first match, highlighted."""
    text = " ".join(text.split())
    fragments = highlight(text, terms, lang)
    offset = 0
    for fragment, matched in fragments:
        if matched:
            break
        offset += len(fragment)
    else:
        offset = 0
    start = max(0, offset - width // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + width)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    cut = ("… " if start else "") + text[start:end] + (" …" if end < len(text) else "")
    return highlight(cut, terms, lang)


def suggest_text(parsed: ParsedQuery, corrections: dict[str, str]) -> str | None:
    """The query text with misspelled words replaced, or None when nothing was corrected."""
    if not corrections:
        return None
    text = parsed.raw
    for wrong, right in corrections.items():
        text = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, text, flags=re.IGNORECASE)
    if analysis.fold(text) == analysis.fold(parsed.raw):
        return " ".join(corrections.get(w, w) for w in parsed.words)
    return text


def tag_language(lang: str, text: str) -> str:
    """Prefix ``text`` with its language for :class:`AnalyserTokenizer`."""
    return f"{lang}{_MARK}{text}"


def _untag(value: str) -> tuple[str, str]:
    lang, mark, text = value.partition(_MARK)
    return (lang, text) if mark and lang in LANGUAGES else (analysis.DEFAULT_LANGUAGE, value)


class AnalyserTokenizer(Tokenizer):
    """A Whoosh tokenizer producing :mod:`matching.analysis` stems."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnalyserTokenizer)

    def __hash__(self) -> int:
        return hash(AnalyserTokenizer)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        lang, text = _untag(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for raw in _TOKEN.findall(text):
            terms = token_stems(raw, lang)
            # A hyphenated word gives its joined form and then its parts: the parts get
            # consecutive positions (so "gft afval" is a phrase in "gft-afval"), the joined
            # form shares the first part's.
            for i, term in enumerate(terms):
                token.text = term
                token.boost, token.stopped = 1.0, False
                if positions:
                    token.pos = position + max(0, i - 1)
                yield token
            position += max(1, len(terms) - 1)


@lru_cache(maxsize=500_000)
def token_stems(token: str, lang: str) -> tuple[str, ...]:
    """:func:`matching.analysis.token_terms`, cached: texts repeat their words, and indexing
    spends its analysis time here."""
    return analysis.token_terms(token, lang)


class IndexBatch:
    """The changes of one :meth:`SearchIndex.writing` block."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.changed = self.cleared = False

    def clear(self) -> None:
        """Drop every document that was in the index before this batch (on commit)."""
        self.changed = self.cleared = True

    def write(self, upserts: Iterable[SearchDocument] = (), deletes: Iterable[str] = ()) -> None:
        upserts = list(upserts)
        # Old versions go first, found with one searcher: update_document() opens a searcher
        # per document, which costs about 0.1 s each on a large index. After clear() no old
        # document survives the commit, so there is nothing to look up.
        replaced = [*deletes, *([] if self.cleared else [d.key for d in upserts])]
        if replaced:
            with self.writer.searcher() as searcher:
                for key in replaced:
                    self.writer.delete_by_term("key", key, searcher=searcher)
        for document in upserts:
            self.writer.add_document(**_fields(document))
        self.changed = self.changed or bool(replaced or upserts)


def build_schema() -> Schema:
    text = AnalyserTokenizer()
    return Schema(
        key=ID(unique=True, stored=True),
        kind=ID,
        status=ID,
        themes=KEYWORD,
        provinces=KEYWORD,
        audiences=KEYWORD,
        date=NUMERIC(bits=64, sortable=True),
        title=TEXT(analyzer=text, field_boost=_TEXT_FIELDS["title"]),
        body=TEXT(analyzer=text),
        context=TEXT(analyzer=text, field_boost=_TEXT_FIELDS["context"]),
        stored=STORED,
    )


class SearchIndex:
    """A Whoosh index in ``directory``; missing, unreadable or of an older schema, it is
    recreated empty and :attr:`recreated` is set so the caller can refill it."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.recreated = False
        self._index: Any = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def open(self) -> Any:
        """The index, opened (or recreated) on first use and kept."""
        with self._lock:
            if self._index is None:
                self._index = self._open_existing() or self._create()
            return self._index

    def _open_existing(self) -> Any:
        # Whoosh leaves a corrupt table of contents open: ignore that file's ResourceWarning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                index = whoosh_index.open_dir(str(self.directory))
                index.doc_count()
            except Exception:  # missing, or corrupt in any of many ways
                return None
        return index if set(index.schema.names()) == set(build_schema().names()) else None

    def _create(self) -> Any:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.recreated = True
        self._local = threading.local()
        return whoosh_index.create_in(str(self.directory), build_schema())

    def recreate(self) -> None:
        """Replace the index with an empty one (for a corrupt index; :attr:`recreated` is set)."""
        with self._lock:
            self._index = self._create()

    def doc_count(self) -> int:
        return self.open().doc_count()

    def write(
        self, upserts: Iterable[SearchDocument] = (), deletes: Iterable[str] = (), timeout: float = 10.0
    ) -> None:
        """Add or replace ``upserts`` and remove the ``deletes`` keys in one commit."""
        with self.writing(timeout) as batch:
            batch.write(upserts, deletes)

    @contextmanager
    def writing(self, timeout: float = 10.0, limitmb: int = 256) -> Iterator[IndexBatch]:
        """Hold the index's write lock; what the batch received is committed on a clean exit.

        ``limitmb`` is the postings buffer before Whoosh spills sorted runs to disk (a rebuild
        of 100,000 documents fits in about 1 GB). Raises :class:`IndexLocked` when another
        writer kept the lock for ``timeout`` seconds.
        """
        try:
            writer = self.open().writer(timeout=timeout, delay=0.02, limitmb=limitmb)
        except LockError as error:
            raise IndexLocked(str(self.directory)) from error
        batch = IndexBatch(writer)
        try:
            yield batch
        except BaseException:
            writer.cancel()
            raise
        if batch.changed:
            writer.commit(mergetype=CLEAR if batch.cleared else None)
        else:
            writer.cancel()

    def searcher(self) -> Any:
        """This thread's searcher, refreshed to the newest commit."""
        current = getattr(self._local, "searcher", None)
        fresh = current is None or current.ixreader is None
        current = self.open().searcher() if fresh else current.refresh()
        self._local.searcher = current
        return current

    def arrays(self, searcher: Any) -> ReaderArrays:
        """The searcher's arrays, built again only when a commit changed the searcher."""
        cached = getattr(self._local, "arrays", None)
        if cached is None or cached.reader is not searcher.reader():
            cached = ReaderArrays(searcher.reader(), _CACHE, _FACET_FIELDS_AND_AUDIENCES, tuple(_TEXT_FIELDS))
            self._local.arrays = cached
        return cached

    def warm(self, fraction: float = WARM_FRACTION) -> int:
        """Load the postings of the common words into memory, so no reader waits for them."""
        arrays = self.arrays(self.searcher())
        return arrays.warm(max(1, int(arrays.size * fraction)))

    def search(self, search: SearchQuery) -> SearchResults:
        parsed = parse_query(search.text)
        if parsed.is_empty:
            return SearchResults([], 0, 1, search.per_page, {}, empty_query=True)
        searcher = self.searcher()
        arrays = self.arrays(searcher)
        words = {w: _word_scores(arrays, w) for w in parsed.words}
        scores, matches = _evaluate(searcher, arrays, parsed, words)
        matches &= _filter(arrays, search)
        total = int(np.count_nonzero(matches))
        pages = max(1, -(-total // search.per_page))
        page = min(max(1, search.page), pages)
        return SearchResults(
            hits=_page(searcher, arrays, scores, matches, search, page),
            total=total,
            page=page,
            per_page=search.per_page,
            facets=_facet_counts(arrays, matches),
            suggestion=suggest_text(parsed, _corrections(searcher, arrays, parsed, words)),
            terms=parsed.terms,
        )


def _fields(document: SearchDocument) -> dict[str, Any]:
    lang = document.lang if document.lang in LANGUAGES else analysis.DEFAULT_LANGUAGE
    return {
        "key": document.key,
        "kind": document.kind,
        "status": document.status or "-",
        "themes": " ".join(document.themes),
        "provinces": " ".join(document.provinces),
        "audiences": " ".join(document.audiences),
        "date": int(document.date.timestamp()) if document.date else 0,
        "title": tag_language(lang, document.title),
        "body": tag_language(lang, document.body),
        "context": tag_language(lang, document.context),
        "stored": {
            "kind": document.kind,
            "title": document.title,
            "body": document.body,
            "context": document.context,
            "lang": lang,
            "date": document.date,
        },
    }


def _hit(stored: dict[str, Any], score: float) -> SearchHit:
    return SearchHit(
        key=stored["key"],
        kind=stored["stored"]["kind"],
        title=stored["stored"]["title"],
        body=stored["stored"]["body"],
        context=stored["stored"]["context"],
        lang=stored["stored"]["lang"],
        date=stored["stored"]["date"],
        score=score,
    )


def _known_words(arrays: ReaderArrays) -> Callable[[set[str]], set[str]]:
    """Words whose Dutch or English stem is an indexed term: the lexicon for decompounding."""

    def known(words: set[str]) -> set[str]:
        return {w for w in words if any(arrays.contains(s) for s in stems(w))}

    return known


def _word_scores(arrays: ReaderArrays, word: str, expand: bool = True) -> np.ndarray:
    """Per document, the score of ``word``: its stems, compounds containing them (when
    ``expand``) and, for a compound query word, its parts together; 0 where it does not occur."""
    scores = np.zeros(arrays.size, np.float32)
    for term in stems(word):
        _add_term(arrays, scores, term, 1.0)
        if expand and len(term) >= MIN_AFFIX:
            for compound in arrays.affixed(term, MAX_AFFIXED):
                _add_term(arrays, scores, compound, AFFIX_BOOST)
    known = _known_words(arrays)
    parts = compound_parts(word, known) if expand and not known({word}) else []
    if parts:
        part_scores = [_word_scores(arrays, part, expand=False) for part in parts]
        together = np.logical_and.reduce([p > 0 for p in part_scores])
        scores += np.where(together, 0.5 * np.sum(part_scores, axis=0), 0).astype(np.float32)
    return scores


def _add_term(arrays: ReaderArrays, scores: np.ndarray, term: str, boost: float) -> None:
    for name, field_boost in _TEXT_FIELDS.items():
        arrays.add_scores(scores, name, term, boost * field_boost)


def _evaluate(
    searcher: Any, arrays: ReaderArrays, parsed: ParsedQuery, words: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Summed scores and the documents matching every word and phrase and no excluded word."""
    scores = np.zeros(arrays.size, np.float32)
    matches = arrays.live.copy()
    for word_scores in words.values():
        scores += word_scores
        matches &= word_scores > 0
    for phrase in parsed.phrases:
        found = np.zeros(arrays.size, bool)
        found[list(searcher.docs_for_query(_phrase_query(phrase)))] = True
        scores += np.where(found, sum(_word_scores(arrays, w, expand=False) for w in phrase), 0)
        matches &= found
    for word in parsed.excluded:
        matches &= _word_scores(arrays, word, expand=False) == 0
    return scores, matches


def _phrase_query(words: tuple[str, ...]) -> q.Query:
    return q.Or(
        [
            q.Phrase(name, [analysis.stem(w, lang) for w in words])
            for lang in LANGUAGES
            for name in ("title", "body")
        ]
    )


def _filter(arrays: ReaderArrays, search: SearchQuery) -> np.ndarray:
    allowed = np.ones(arrays.size, bool)
    for name, value in search.filters.items():
        if name in FACETS:
            allowed &= arrays.any_of(FACET_FIELDS[name], (value,))
    if search.audiences is not None:
        allowed &= arrays.any_of("audiences", search.audiences)
    return allowed


def _facet_counts(arrays: ReaderArrays, matches: np.ndarray) -> dict[str, dict[str, int]]:
    # Organisations have no status: they are indexed under "-", which is no facet value.
    counts: dict[str, dict[str, int]] = {}
    for name, field_name in FACET_FIELDS.items():
        found = {v: int(np.count_nonzero(m & matches)) for v, m in arrays.values[field_name].items()}
        counts[name] = {v: n for v, n in found.items() if n and v != "-"}
    return counts


def _page(
    searcher: Any,
    arrays: ReaderArrays,
    scores: np.ndarray,
    matches: np.ndarray,
    search: SearchQuery,
    page: int,
) -> list[SearchHit]:
    wanted = page * search.per_page
    if search.sort == "date":
        candidates = np.flatnonzero(matches)
        # Dates are whole seconds: among equal ones the later-indexed document comes first.
        order = np.lexsort((-candidates, -arrays.dates()[candidates]))
        docnums = [int(d) for d in candidates[order][:wanted]]
    else:
        docnums = top(scores, matches, wanted)
    return [_hit(searcher.stored_fields(d), float(scores[d])) for d in docnums[wanted - search.per_page :]]


def _corrections(
    searcher: Any, arrays: ReaderArrays, parsed: ParsedQuery, words: dict[str, np.ndarray]
) -> dict[str, str]:
    """Query words that match no document, with the closest indexed word."""
    corrections = {}
    for word in (*parsed.words, *(w for phrase in parsed.phrases for w in phrase)):
        scores = words[word] if word in words else _word_scores(arrays, word)
        if np.any(scores[arrays.live] > 0):
            continue
        closest = closest_word(word, arrays.near(word, 2))
        if closest:
            corrections[word] = _surface_word(searcher, arrays, closest)
    return corrections


def _surface_word(searcher: Any, arrays: ReaderArrays, term: str) -> str:
    """A word of an indexed document that has ``term`` as its stem (a stem is often no word)."""
    for name in _TEXT_FIELDS:
        ids = arrays.postings(name, term)[0]
        if len(ids):
            stored = searcher.stored_fields(int(ids[0]))["stored"]
            for token in _TOKEN.findall(stored[name]):
                for word in analysis.token_words(token, stored["lang"]):
                    if analysis.stem(word, stored["lang"]) == term:
                        return word
    return term


def closest_word(word: str, candidates: Iterable[str], maxdist: int = 2) -> str | None:
    """The candidate with the smallest edit distance to ``word`` (at most ``maxdist``; ties go to
    the first in alphabetical order)."""
    choices = [c for c in candidates if c != word]
    found = process.extract(word, choices, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)
    return min(((distance, choice) for choice, distance, _ in found), default=(0, None))[1]
