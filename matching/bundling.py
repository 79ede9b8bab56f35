"""Demand bundles: groups of similar questions asked by different organisations.

Clustering is average-linkage agglomerative clustering on the cosine distance (1 - similarity)
of the matcher's TF-IDF vectors, cut at ``1 - threshold``: two groups merge only while the
average similarity between their questions is at least ``threshold``. Average linkage rather
than single linkage (connected components) because a chain of pairwise-similar questions
(asfalt - fietspad - bermmaaisel) would otherwise end up as one bundle. Two questions with
different themes are never similar: a bundle is one kind of purchase.

Only clusters with at least two questions from at least two organisations are returned; one
organisation's questions alone are not joint demand.

The label is made of up to three terms that occur in at least half of the cluster's questions
(and in at least two of them), strongest summed TF-IDF weight first, as people wrote them;
numbers are left out.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from matching.explain import readable
from matching.matcher import Document, Matcher

LABEL_TERMS = 3


@dataclass(frozen=True)
class Candidate:
    """A question that may join a bundle, with the organisation that asks it."""

    document: Document
    organisation_id: Hashable


@dataclass(frozen=True)
class Cluster:
    ids: tuple[Hashable, ...]  # question ids, in input order
    terms: tuple[str, ...]  # shared words, strongest first
    cohesion: float  # mean pairwise cosine similarity of the members, 0..1

    @property
    def label(self) -> str:
        return label(self.terms)


def label(terms: Sequence[str]) -> str:
    """Shared words as a capitalised list, e.g. ``Isolatie, kozijnen, biobased``."""
    text = ", ".join(terms)
    return text[:1].upper() + text[1:]


def bundles(
    candidates: Sequence[Candidate], matcher: Matcher, threshold: float, most: int | None = None
) -> list[Cluster]:
    """Clusters of similar questions of two or more organisations; biggest first, the ``most``
    biggest when given (only those are labelled).

    ``threshold`` is the minimum average cosine similarity (0..1) within a cluster.
    """
    if len(candidates) < 2:
        return []
    vectors = matcher.vectors([c.document for c in candidates])
    similarity = _similarity(vectors, [c.document for c in candidates])
    groups = [
        (rows, _cohesion(similarity, rows))
        for rows in _groups(similarity, threshold)
        if len(rows) >= 2 and len({candidates[r].organisation_id for r in rows}) >= 2
    ]
    groups.sort(key=lambda group: (-len(group[0]), -group[1]))
    return [
        Cluster(
            tuple(candidates[r].document.id for r in rows), shared_terms(vectors[rows], matcher), cohesion
        )
        for rows, cohesion in groups[:most]
    ]


def _similarity(vectors: sp.csr_matrix, documents: Sequence[Document]) -> np.ndarray:
    """Dense pairwise cosine similarities; 0 between questions that share no theme."""
    similarity = np.clip((vectors @ vectors.T).toarray(), 0.0, 1.0)
    similarity[_other_themes(documents)] = 0.0
    return similarity


def _other_themes(documents: Sequence[Document]) -> np.ndarray:
    """Pairs of documents that both have themes and share none: a matrix product of theme
    indicators, not a loop over the pairs (112 million at 15,000 questions, 90 s)."""
    themes = sorted(set().union(*(d.themes for d in documents)))
    column = {theme: c for c, theme in enumerate(themes)}
    indicator = np.zeros((len(documents), len(themes)), dtype=np.float32)
    for row, document in enumerate(documents):
        indicator[row, [column[t] for t in document.themes]] = 1.0
    shared = indicator @ indicator.T > 0
    themed = indicator.any(axis=1)
    return ~shared & np.outer(themed, themed)


def _groups(similarity: np.ndarray, threshold: float) -> list[list[int]]:
    distance = 1.0 - similarity
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(int(label), []).append(row)
    return list(groups.values())


def _cohesion(similarity: np.ndarray, rows: list[int]) -> float:
    block = similarity[np.ix_(rows, rows)]
    n = len(rows)
    return float((block.sum() - np.trace(block)) / (n * (n - 1)))


def shared_terms(vectors: sp.csr_matrix, matcher: Matcher, n: int = LABEL_TERMS) -> tuple[str, ...]:
    """Surface words of the terms most of these rows share, strongest summed weight first."""
    present = np.asarray((vectors > 0).sum(axis=0)).ravel()
    weight = np.asarray(vectors.sum(axis=0)).ravel()
    needed = max(2, math.ceil(vectors.shape[0] / 2))
    columns = [int(c) for c in np.argsort(-weight, kind="stable") if present[c] >= needed]
    words: list[str] = []
    for word in matcher.surface_words(columns):
        if readable(word) and not any(ch.isdigit() for ch in word) and word not in words:
            words.append(word)
        if len(words) == n:
            break
    return tuple(words)
