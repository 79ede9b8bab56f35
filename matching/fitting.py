"""What :meth:`matching.matcher.Matcher.fit` derives from the corpus besides the index: the
glossary, the IDF (scaled down or up for glossary concepts), the word people wrote most often
for each stem, which explanations show, and how much a shared theme says (:func:`theme_lift`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sparse_dot_topn import sp_matmul_topn

from matching.analysis import LANGUAGES, display_form, most_frequent_forms, stem, token_words
from matching.concepts import Concepts, is_concept
from matching.features import TokenCounts
from matching.filters import FilterKey

if TYPE_CHECKING:
    from matching.matcher import Document


@cache
def glossary() -> Concepts:
    return Concepts.load()


def unique(documents: Iterable[Document]) -> list[Document]:
    """Last document wins per id, like repeated upserts."""
    return list({d.id: d for d in documents}.values())


def fit_tfidf(counts: sp.csr_matrix, scale: np.ndarray) -> tuple[sp.csr_matrix, TfidfTransformer | None]:
    """Fitted transformer whose IDF is multiplied by ``scale`` per column."""
    if 0 in counts.shape:  # empty corpus: nothing to learn, every query matches nothing
        return counts, None
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    tfidf.idf_ = tfidf.idf_ * scale
    return tfidf.transform(counts), tfidf


def concept_scale(vocabulary: dict[str, int], concept_weight: float) -> np.ndarray:
    scale = np.ones(len(vocabulary))
    scale[[c for t, c in vocabulary.items() if is_concept(t)]] = concept_weight
    return scale


def corpus_surfaces(counts: TokenCounts) -> dict[str, str]:
    """Stem -> the most frequent raw word form across the corpus."""
    forms: Counter[tuple[str, str]] = Counter()
    for lang in LANGUAGES:
        for token, n in counts.frequencies(lang).items():
            for word in token_words(token, lang):
                forms[stem(word, lang), display_form(token, word)] += n
    return most_frequent_forms(forms)


def theme_lift(
    matrix: sp.csr_matrix, postings: sp.csr_matrix, keys: Sequence[FilterKey], neighbours: int, probes: int
) -> float | None:
    """How many times more often a document's nearest text neighbours share a theme with it
    than documents in general do: ``P(shared theme | among the top neighbours) / P(shared
    theme)``, on documents that name themes. The top ``neighbours`` of up to ``probes`` evenly
    spread documents are measured (one sparse top-n product with the index's ``postings``, so
    fitting stays linear). None when the corpus has fewer than two themes or no neighbour pairs
    to count."""
    themed = np.array([i for i, key in enumerate(keys) if key.themes], dtype=np.int64)
    sizes = Counter(theme for i in themed for theme in keys[i].themes)
    if len(sizes) < 2 or len(themed) < 2:
        return None
    chance = _shared_theme_chance([keys[i].themes for i in themed])
    probe = themed[np.linspace(0, len(themed) - 1, min(probes, len(themed))).astype(np.int64)]
    best = sp_matmul_topn(matrix[probe], postings, top_n=neighbours + 1)
    shared = total = 0
    for row, i in enumerate(probe.tolist()):
        for other in best.indices[best.indptr[row] : best.indptr[row + 1]].tolist():
            if other != i and keys[other].themes:
                total += 1
                shared += bool(keys[i].themes & keys[other].themes)
    if not total or not chance:
        return None
    return (shared / total) / chance


def _shared_theme_chance(themes: Sequence[frozenset[str]]) -> float:
    """The share of ordered pairs of distinct documents that share a theme (exact, by counting
    documents per set of themes)."""
    groups = Counter(themes)
    n = len(themes)
    shared = sum(
        a_count * (b_count - (a == b))
        for a, a_count in groups.items()
        for b, b_count in groups.items()
        if a & b
    )
    return shared / (n * (n - 1))
