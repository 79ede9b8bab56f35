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

* the query word is a part of an indexed compound (``isolatie`` -> ``hennepisolatie``): a prefix
  match on the stems and a prefix match on the reversed stems (a suffix match), with a low boost;
* the query word is a compound of indexed words (``hennepisolatie`` -> ``hennep isolatie``):
  :func:`matching.analysis.split_compound` against the index's own vocabulary.

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
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import whoosh.analysis  # noqa: F401  (filters.py, intraword.py)
    import whoosh.codec.whoosh3  # noqa: F401  (imported lazily by the index otherwise)
    import whoosh.lang.porter2  # noqa: F401  (the English stemmer)
    from whoosh import index as whoosh_index
    from whoosh import query as q
    from whoosh import sorting
    from whoosh.analysis import Token, Tokenizer
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
    from whoosh.index import LockError
    from whoosh.writing import CLEAR

    from matching import analysis

    analysis.stem("isolatie", "nl"), analysis.stem("insulation", "en")  # loads both stemmers

LANGUAGES = analysis.LANGUAGES
FACETS = ("kind", "theme", "province", "status")
_FACET_FIELDS = {"kind": "kind", "theme": "themes", "province": "provinces", "status": "status"}
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # analysis.tokens(), with offsets
_QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_MARK = "\x1f"
MIN_AFFIX = 4  # shortest stem that also matches as part of a compound


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
    """A Whoosh tokenizer producing :mod:`matching.analysis` terms.

    ``form`` is ``"stem"`` (search terms), ``"reversed"`` (reversed stems, for suffix matches on
    compounds) or ``"word"`` (folded words: the vocabulary for spelling and decompounding).
    """

    def __init__(self, form: str = "stem") -> None:
        self.form = form

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnalyserTokenizer) and other.form == self.form

    def __hash__(self) -> int:
        return hash(self.form)

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
            words = analysis.token_words(raw, lang)
            # A hyphenated word gives its joined form and then its parts: the parts get
            # consecutive positions (so "gft afval" is a phrase in "gft-afval"), the joined
            # form shares the first part's.
            for i, word in enumerate(words):
                token.text = self._term(word, lang)
                token.boost, token.stopped = 1.0, False
                if positions:
                    token.pos = position + max(0, i - 1)
                yield token
            position += max(1, len(words) - 1)

    def _term(self, word: str, lang: str) -> str:
        if self.form == "word":
            return word
        term = analysis.stem(word, lang)
        return term[::-1] if self.form == "reversed" else term


class IndexBatch:
    """The changes of one :meth:`SearchIndex.writing` block."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.changed = self.cleared = False

    def clear(self) -> None:
        """Drop every document that was in the index before this batch (on commit)."""
        self.changed = self.cleared = True

    def write(self, upserts: Iterable[SearchDocument] = (), deletes: Iterable[str] = ()) -> None:
        for key in deletes:
            self.writer.delete_by_term("key", key)
            self.changed = True
        for document in upserts:
            self.writer.update_document(**_fields(document))
            self.changed = True


def build_schema() -> Schema:
    text = AnalyserTokenizer("stem")
    return Schema(
        key=ID(unique=True, stored=True),
        kind=ID(sortable=True),
        status=ID(sortable=True),
        themes=KEYWORD,
        provinces=KEYWORD,
        audiences=KEYWORD,
        date=NUMERIC(bits=64, sortable=True),
        title=TEXT(analyzer=text, field_boost=3.0),
        body=TEXT(analyzer=text),
        context=TEXT(analyzer=text, field_boost=1.5),
        reversed=TEXT(analyzer=AnalyserTokenizer("reversed"), phrase=False),
        words=TEXT(analyzer=AnalyserTokenizer("word"), phrase=False),
        stored=STORED,
    )


class SearchIndex:
    """A Whoosh index in ``directory``; missing or unreadable, it is recreated empty and
    :attr:`recreated` is set so the caller can refill it."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.recreated = False
        self._index: Any = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def _open(self) -> Any:
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
                return index
            except Exception:  # missing, or corrupt in any of many ways
                return None

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
        return self._open().doc_count()

    def write(
        self, upserts: Iterable[SearchDocument] = (), deletes: Iterable[str] = (), timeout: float = 10.0
    ) -> None:
        """Add or replace ``upserts`` and remove the ``deletes`` keys in one commit."""
        with self.writing(timeout) as batch:
            batch.write(upserts, deletes)

    @contextmanager
    def writing(self, timeout: float = 10.0) -> Iterator[IndexBatch]:
        """Hold the index's write lock; what the batch received is committed on a clean exit.

        Raises :class:`IndexLocked` when another writer kept the lock for ``timeout`` seconds.
        """
        try:
            writer = self._open().writer(timeout=timeout, delay=0.02)
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
        if current is None or current.ixreader is None:
            current = self._open().searcher()
        else:
            current = current.refresh()
        self._local.searcher = current
        return current

    def search(self, search: SearchQuery) -> SearchResults:
        parsed = parse_query(search.text)
        searcher = self.searcher()
        reader = searcher.reader()
        if parsed.is_empty:
            return SearchResults([], 0, 1, search.per_page, {}, empty_query=True)
        known = _known_words(reader)
        page = searcher.search_page(
            _build_query(parsed, known),
            max(1, search.page),
            pagelen=search.per_page,
            filter=_filter(search),
            sortedby="date" if search.sort == "date" else None,
            reverse=search.sort == "date",
            groupedby=_facets(),
            maptype=sorting.Count,
        )
        hits = [_hit(hit) for hit in page]
        corrections = _corrections(searcher, parsed, known)
        return SearchResults(
            hits=hits,
            total=page.total,
            page=page.pagenum,
            per_page=search.per_page,
            facets={name: _counts(page.results.groups(name)) for name in FACETS},
            suggestion=suggest_text(parsed, corrections),
            terms=parsed.terms,
        )


def _fields(document: SearchDocument) -> dict[str, Any]:
    lang = document.lang if document.lang in LANGUAGES else analysis.DEFAULT_LANGUAGE
    everything = tag_language(lang, f"{document.title}\n{document.body}\n{document.context}")
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
        "reversed": everything,
        "words": everything,
        "stored": {
            "kind": document.kind,
            "title": document.title,
            "body": document.body,
            "context": document.context,
            "lang": lang,
            "date": document.date,
        },
    }


def _counts(groups: dict) -> dict[str, int]:
    # Whoosh counts documents without a value under None; organisations have no status ("-").
    return {value: count for value, count in groups.items() if value and value != "-"}


def _hit(hit: Any) -> SearchHit:
    stored = hit["stored"]
    return SearchHit(
        key=hit["key"],
        kind=stored["kind"],
        title=stored["title"],
        body=stored["body"],
        context=stored["context"],
        lang=stored["lang"],
        date=stored["date"],
        score=float(hit.score or 0.0),
    )


def _known_words(reader: Any) -> Callable[[set[str]], set[str]]:
    def known(words: set[str]) -> set[str]:
        return {w for w in words if reader.doc_frequency("words", w)}

    return known


def _word_query(word: str, known: Callable[[set[str]], set[str]], expand: bool = True) -> q.Query:
    clauses: list[q.Query] = []
    for term in stems(word):
        clauses += [q.Term(name, term) for name in ("title", "body", "context")]
        if expand and len(term) >= MIN_AFFIX:
            clauses += [
                q.Prefix("title", term, boost=0.3),
                q.Prefix("body", term, boost=0.3),
                q.Prefix("reversed", term[::-1], boost=0.3),
            ]
    parts = compound_parts(word, known) if expand and not known({word}) else []
    if parts:
        clauses.append(q.And([_word_query(part, known, expand=False) for part in parts], boost=0.5))
    return q.Or(clauses)


def _phrase_query(words: tuple[str, ...]) -> q.Query:
    return q.Or(
        [
            q.Phrase(name, [analysis.stem(w, lang) for w in words])
            for lang in LANGUAGES
            for name in ("title", "body")
        ]
    )


def _build_query(parsed: ParsedQuery, known: Callable[[set[str]], set[str]]) -> q.Query:
    clauses: list[q.Query] = [_word_query(w, known) for w in parsed.words]
    clauses += [_phrase_query(phrase) for phrase in parsed.phrases]
    clauses += [q.Not(_word_query(w, known, expand=False)) for w in parsed.excluded]
    return q.And(clauses)


def _filter(search: SearchQuery) -> q.Query | None:
    clauses: list[q.Query] = [
        q.Term(_FACET_FIELDS[name], value) for name, value in search.filters.items() if name in FACETS
    ]
    if search.audiences is not None:
        clauses.append(q.Or([q.Term("audiences", a) for a in search.audiences] or [q.NullQuery]))
    return q.And(clauses) if clauses else None


def _facets() -> dict[str, sorting.FacetType]:
    return {
        name: sorting.FieldFacet(field_name, allow_overlap=field_name in {"themes", "provinces"})
        for name, field_name in _FACET_FIELDS.items()
    }


def _corrections(searcher: Any, parsed: ParsedQuery, known: Callable[[set[str]], set[str]]) -> dict:
    """Query words that match no document, with the closest word of the vocabulary."""
    corrections = {}
    for word in (*parsed.words, *(w for phrase in parsed.phrases for w in phrase)):
        if _word_query(word, known).matcher(searcher).is_active():
            continue
        found = searcher.corrector("words").suggest(word, limit=1, maxdist=2, prefix=1)
        if found:
            corrections[word] = found[0]
    return corrections


def closest_word(word: str, candidates: Iterable[str], maxdist: int = 2) -> str | None:
    """The candidate with the smallest edit distance to ``word`` (at most ``maxdist``)."""
    best: tuple[int, str] | None = None
    for candidate in candidates:
        if candidate != word and abs(len(candidate) - len(word)) <= maxdist:
            distance = _edit_distance(word, candidate)
            if distance <= maxdist and (best is None or (distance, candidate) < best):
                best = (distance, candidate)
    return best[1] if best else None


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
