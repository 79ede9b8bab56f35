"""A query as one ``tsquery`` text, built from lexemes PostgreSQL stems in a single round trip,
so every statement after that gets it as one bound value.

A query word matches its stem in either configuration, the compounds that start or end with it
(``isolatie`` -> ``hennepisolatie``, looked up in ``search_word``) and, for a compound query
word, its parts together; its glossary alternatives (:func:`matching.search.alternatives`) match
as the word itself, with their stems and compounds. The words are ORed: a document matches with
one of them, and :attr:`TsQuery.labels` tests each query word on its own for the ranking;
:attr:`TsQuery.tiers` are the documents with every word, then with all but one, and so on.
Each word's options carry their estimated share of the documents
(:class:`~.planner.Statistics`), from which :mod:`.planner` chooses how to read the matches.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    SQLColumnExpression,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from circular_platform.models import SearchWord
from circular_platform.search.postgres.planner import Statistics
from matching import analysis
from matching.search import (
    MAX_AFFIXED,
    MIN_AFFIX,
    ParsedQuery,
    alternatives,
    compound_candidates,
    compound_parts,
)

_CONFIGS = ("dutch", "english")
MAX_TIER_CLAUSES = 16  # a tier of more combinations of query words is left out (12 words: 66 pairs)


@dataclass(frozen=True)
class Tier:
    """A ``tsquery`` text with the estimates :mod:`.planner` chooses a way to read it by."""

    text: str
    share: float = 0.0  # estimated share of the documents matching (0: unknown or rare)
    postings: float = 0.0  # estimated postings the GIN index reads, per document


@dataclass(frozen=True)
class TsQuery(Tier):
    """The whole query: :attr:`text` matches documents with any query word and no excluded one
    (empty when only stop words were left)."""

    words: dict[str, str] = field(default_factory=dict)  # each word of words and phrases: its part
    labels: tuple[str, ...] = ()  # per query word (ParsedQuery.labels), its part: present or missing
    common: frozenset[str] = frozenset()  # words the statistics count: they match documents
    label_shares: tuple[float, ...] = ()  # per label, its estimated share of the documents
    excluded: tuple[str, ...] = ()  # parts of the excluded words

    @property
    def tiers(self) -> list[Tier]:
        """Documents with every query word, then with at least all but one, down to two words
        (:attr:`text` is one); a tier of more than :data:`MAX_TIER_CLAUSES` combinations is
        skipped. Excluded words exclude in each."""
        present = [(part, share) for part, share in zip(self.labels, self.label_shares, strict=True) if part]
        found = []
        for count in range(len(present), 1, -1):
            clauses = list(combinations(present, count))
            if len(clauses) > MAX_TIER_CLAUSES:
                continue
            share = 0.0 if self.excluded else min(1.0, sum(math.prod(s for _, s in c) for c in clauses))
            found.append(Tier(_without(_tier_text(clauses), self.excluded), share, self.postings))
        return found


def _tier_text(clauses: list[tuple[tuple[str, float], ...]]) -> str:
    """The clauses (query words' parts with their shares) ORed, each ANDing its words. PostgreSQL
    tests a tsquery's operands in the order written and stops at the first that decides: the
    rarest word of a clause first rejects most documents after one test, and the likeliest
    clause first accepts most matches after one; reading through the table, that halves the
    time of three common words (the documents found and their ranks do not depend on it)."""
    ordered = [sorted(clause, key=lambda word: word[1]) for clause in clauses]
    ordered.sort(key=lambda clause: -math.prod(share for _, share in clause))
    return " | ".join("( " + " & ".join(part for part, _ in clause) + " )" for clause in ordered)


Options = dict[str, float]  # tsqueries any of which matches a word, with their estimated shares


class QueryBuilder:
    """One query's ``tsquery`` text, from one round trip (:meth:`_load`). Lexemes' shares of the
    documents (from ``statistics``) give the estimated share of documents the query matches."""

    def __init__(self, session: Session, parsed: ParsedQuery, statistics: Statistics) -> None:
        self.session = session
        self.parsed = parsed
        self.statistics = statistics
        self.affixed: dict[str, list[str]] = {}
        self.known: set[str] = set()
        self.parts: dict[str, list[str]] = {}
        self.queries: dict[str, list[str]] = {}  # word or phrase -> its tsquery in each configuration

    def build(self) -> TsQuery:
        phrases = [" ".join(p) for p in self.parsed.phrases]
        self._load(phrases)
        self.parts = {
            w: compound_parts(w, lambda words: words & self.known)
            for w in self.parsed.words
            if w not in self.known
        }
        words = {w: self._with_alternatives(w) for w in self.parsed.words}
        # A phrase's share is unknown (it depends on positions): 0, so it goes through the index.
        per_label = [*words.values(), *({q: 0.0 for q in self.queries.get(p, [])} for p in phrases)]
        clauses = [o for o in per_label if o]
        excluded = [o for o in (self._options(w, expand=False) for w in self.parsed.excluded) if o]
        excluded = excluded if clauses else []
        searched = {**words, **{w: self._options(w) for p in self.parsed.phrases for w in p}}
        # The likeliest word first: through the table, most matches are found after one test.
        matching = " | ".join(map(_any, sorted(clauses, key=_share, reverse=True)))
        return TsQuery(
            text=_without(matching, [_any(o) for o in excluded]) if clauses else "",
            share=0.0 if excluded else min(1.0, sum(map(_share, clauses))),
            postings=sum(map(_share, clauses)),
            words={w: _any(options) if options else "" for w, options in searched.items()},
            labels=tuple(_any(options) if options else "" for options in per_label),
            common=frozenset(w for w, options in searched.items() if _share(options) > 0),
            label_shares=tuple(map(_share, per_label)),
            excluded=tuple(_any(o) for o in excluded),
        )

    def _with_alternatives(self, word: str) -> Options:
        """:meth:`_options` of ``word`` and of its glossary alternatives (not split)."""
        options = self._options(word)
        for alternative in alternatives(word)[1:]:
            options |= self._options(alternative, split=False)
        return options

    def _load(self, phrases: list[str]) -> None:
        """In one round trip: the tsqueries of the query's words and phrases in both
        configurations (stemmed by PostgreSQL as the documents' vectors were; a stop word has
        none), of the known words among their parts, and of the compounds with a query word in
        them (Dutch only: English does not glue words together)."""
        words = list(dict.fromkeys(a for w in self.parsed.words for a in alternatives(w)))
        given = sorted({*words, *self.parsed.excluded, *(w for p in self.parsed.phrases for w in p)})
        # Every substring of 3+ letters, the word itself included: a known word is not split.
        parts = {part for w in self.parsed.words for part in compound_candidates(w)}
        stems = [(i, analysis.stem(w, "nl")) for i, w in enumerate(words)]
        affixed: list[tuple[int, str | None]] = [(i, stem) for i, stem in stems if len(stem) >= MIN_AFFIX]
        # Lookups in fours, so a few statements serve every query, each compiled once per
        # process; a spare one, bound to NULL, finds nothing.
        affixed += [(_SPARE, None)] * (-len(affixed) % 4)
        values: dict[str, Any] = {"given": given, "phrases": phrases, "parts": sorted(parts)}
        for n, (i, stem) in enumerate(affixed):
            values |= {f"index_{n}": i, f"prefix_{n}": _escaped(stem), f"suffix_{n}": _escaped(stem, True)}
        for index, word, dutch, english in self.session.execute(_load_statement(len(affixed)), values):
            if index >= 0:  # a compound with query word ``index`` in it
                if word != words[index] and dutch:
                    self.affixed.setdefault(words[index], []).append(word)
                    self.queries[word] = [dutch]
                continue
            if index == _KNOWN:
                self.known.add(word)
            self.queries[word] = [q for q in dict.fromkeys((dutch, english)) if q]

    def _options(self, word: str, expand: bool = True, split: bool = True) -> Options:
        """The tsqueries any of which matches ``word``: its stems, the compounds it is part of,
        and (for a compound) its parts together."""
        texts = list(self.queries.get(word, []))
        if expand:
            texts += [q for compound in self.affixed.get(word, []) for q in self.queries.get(compound, [])]
        options = {q: self.statistics.lexemes_share(_LEXEME.findall(q)) for q in texts}
        parts = [self._options(p, expand=False) for p in self.parts.get(word, [])] if expand and split else []
        if parts and all(parts):
            options[" & ".join(map(_any, parts))] = math.prod(map(_share, parts))
        return options


_LEXEME = re.compile(r"'((?:[^']|'')*)'")  # a lexeme in a tsquery's text (plainto_ ANDs them)
_GIVEN, _KNOWN, _SPARE = -2, -1, -3  # what a row of QueryBuilder._load is, when it is no compound


def _tsqueries(value: SQLColumnExpression[str], phrase: bool = False) -> list[ColumnElement]:
    """``value`` as a tsquery text in each configuration: plainto_ for a word (a hyphenated one
    gives its parts ANDed), phraseto_ for a phrase."""
    function = func.phraseto_tsquery if phrase else func.plainto_tsquery
    return [cast(function(_regconfig(c), value), Text) for c in _CONFIGS]


@lru_cache(maxsize=64)
def _load_statement(affixed: int) -> Any:
    """The statement of :meth:`QueryBuilder._load` with ``affixed`` affix lookups: built once
    per number, its values bound when it runs."""
    values = [_unnest("given", phrase=False), _unnest("phrases", phrase=True)]
    known = select(literal(_KNOWN), SearchWord.word, *_tsqueries(SearchWord.word)).where(
        SearchWord.word == any_(bindparam("parts", type_=_TEXTS))  # one parameter, not ~100
    )
    return union_all(*values, known, *map(_affix_lookup, range(affixed)))


_TEXTS = postgresql.ARRAY(Text)


def _unnest(name: str, phrase: bool) -> Any:
    value = func.unnest(bindparam(name, type_=_TEXTS)).table_valued("value").render_derived().c.value
    return select(literal(_GIVEN), value, *_tsqueries(value, phrase))


def _escaped(text: str | None, reverse: bool = False) -> str | None:
    """``text`` (reversed) for a LIKE with escape character ``/``, as SQLAlchemy's autoescape
    makes it."""
    if text is None:
        return None
    return (text[::-1] if reverse else text).replace("/", "//").replace("%", "/%").replace("_", "/_")


def _without(text: str, excluded: Sequence[str]) -> str:
    """``text`` for documents that have none of the ``excluded`` parts."""
    return " & ".join([f"( {text} )", *(f"!{part}" for part in excluded)])


def _any(options: Options) -> str:
    return "( " + " | ".join(f"( {o} )" for o in options) + " )"


def _share(options: Options) -> float:
    return min(1.0, sum(options.values()))


def _regconfig(name: str) -> ColumnElement:
    return literal_column(f"'{name}'::regconfig")


def _affix_lookup(n: int) -> Any:
    """Up to ``MAX_AFFIXED`` words that start with a query word's stem (``prefix_n``) or whose
    Dutch stem ends in it (``suffix_n``: reversed), the shortest first (as the Whoosh backend
    picks them: the closest to the query word), with the query word's number (``index_n``)."""
    found = (
        select(SearchWord.word)
        .where(
            or_(
                SearchWord.word.startswith(bindparam(f"prefix_{n}", type_=Text), escape="/"),
                SearchWord.reversed_stem.startswith(bindparam(f"suffix_{n}", type_=Text), escape="/"),
            )
        )
        .order_by(func.length(SearchWord.word), SearchWord.word)
        .limit(MAX_AFFIXED + 1)  # the query word itself may be among them
        .subquery()
    )
    return select(bindparam(f"index_{n}", type_=Integer), found.c.word, *_tsqueries(found.c.word))


def as_tsquery(name: str) -> ColumnElement:
    """A tsquery text (:attr:`TsQuery.text`) as one ``tsquery`` value, bound as ``name`` when
    the statement runs."""
    return cast(bindparam(name, type_=Text), postgresql.TSQUERY)
