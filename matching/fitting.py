"""What :meth:`matching.matcher.Matcher.fit` derives from the corpus besides the index: the
glossary, the IDF (scaled down or up for glossary concepts) and the word people wrote most often
for each stem, which explanations show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from matching.analysis import LANGUAGES, display_form, most_frequent_forms, stem, token_words
from matching.concepts import Concepts, is_concept
from matching.features import TokenCounts

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
