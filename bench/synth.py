"""Synthetic corpora for the speed benchmark.

With the labelled benchmark present, each synthetic text copies the length of a random real
text of the same kind (solution or question) and draws 70% of its words from that text and 30%
from the whole benchmark, so topicality, stop-word rate and document frequencies resemble the
real data; 3% of the words are drawn from 50,000 compounds of two benchmark words, giving the
long vocabulary tail of a large Dutch corpus. Without the data a built-in Dutch word list is
sampled with a Zipf distribution instead.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from matching.analysis import STOP_WORDS, tokens
from matching.matcher import Document

DATA = Path(__file__).resolve().parent / "quality" / "data"
PROVINCES = {
    "groningen": [
        "groningen",
        "eemsdelta",
        "midden-groningen",
        "westerkwartier",
        "het hogeland",
        "oldambt",
        "veendam",
        "stadskanaal",
        "pekela",
        "westerwolde",
    ],
    "friesland": [
        "leeuwarden",
        "smallingerland",
        "heerenveen",
        "súdwest-fryslân",
        "harlingen",
        "de fryske marren",
        "dantumadiel",
        "waadhoeke",
        "opsterland",
        "tytsjerksteradiel",
    ],
    "drenthe": [
        "assen",
        "emmen",
        "hoogeveen",
        "meppel",
        "coevorden",
        "midden-drenthe",
        "tynaarlo",
        "aa en hunze",
        "borger-odoorn",
        "noordenveld",
    ],
}
N_COMPOUNDS = 50_000  # distinct synthetic compounds: the vocabulary's long tail
COMPOUND_RATE = 0.03
THEMES = ["bouw", "energie", "textiel", "voedsel", "kunststof", "water", "mobiliteit", "afval"]
_BUILTIN_TEXT = """
circulair circulaire hergebruik hergebruikt recycling gerecycled grondstof grondstoffen
materiaal materialen isolatie woning woningen corporatie gemeente gemeenten bouw renovatie
sloop kozijn kozijnen hout houten beton staal glas dak daken gevel gevels vloer vloeren
installatie installaties warmtepomp zonnepaneel zonnepanelen energie besparing duurzaam
duurzame afval afvalstromen restafval textiel kleding vezel vezels plastic kunststof
verpakking verpakkingen voedsel voedselverspilling compost biomassa water regenwater riool
meubilair meubels kantoor kantoren school scholen onderhoud levensduur reparatie lease
inkoop aanbesteding leverancier leveranciers product producten oplossing oplossingen vraag
project projecten pilot proef wijk wijken buurt bewoners huurders eigenaren bedrijf
bedrijven ondernemer ondernemers innovatie techniek systeem systemen modulair demontabel
losmaakbaar paspoort registratie inventarisatie ketens keten samenwerking partners regio
provincie transport logistiek vervoer elektrisch fiets fietsen auto deelauto laadpaal
asfalt wegen bermen groen bomen natuur biodiversiteit stikstof co2 uitstoot emissie 2030
2050 100 50
"""
BUILTIN = _BUILTIN_TEXT.split()


def vocabulary(rng: random.Random, compounds: int = 20_000) -> tuple[list[str], list[float]]:
    counts = _data_word_counts() or Counter(BUILTIN)
    stops = STOP_WORDS["nl"]
    content = [w for w, _ in counts.most_common() if w not in stops and len(w) > 2]
    alpha = [w for w in content if w.isalpha()]
    extra = {rng.choice(alpha) + rng.choice(alpha) for _ in range(compounds)}
    head, tail = content[: len(content) // 4], content[len(content) // 4 :]
    tail += sorted(extra - set(content))
    rng.shuffle(tail)  # the most frequent real words stay frequent; compounds spread out
    words = head + tail
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(words))]
    return words, weights


def _data_word_counts() -> Counter[str]:
    counts: Counter[str] = Counter()
    for name in ("questions.jsonl", "solutions.jsonl"):
        path = DATA / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    counts.update(tokens(f"{row.get('title', '')} {row.get('description', '')}"))
    return counts


class Generator:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words, weights = vocabulary(self.rng)
        self.cum = _cumulative(weights)
        self.stops = sorted(STOP_WORDS["nl"])
        self.templates = {kind: _templates(kind) for kind in ("solutions", "questions")}
        self.pool = [w for texts in self.templates.values() for t in texts for w in t[0] + t[1]]
        alpha = sorted(w for w in set(self.pool) if w.isalpha() and len(w) > 3)
        self.compounds = (
            sorted({self.rng.choice(alpha) + self.rng.choice(alpha) for _ in range(N_COMPOUNDS)})
            if alpha
            else []
        )

    def text(self, n: int) -> str:
        picks = self.rng.choices(self.words, cum_weights=self.cum, k=n)
        out = [w if self.rng.random() > 0.4 else self.rng.choice(self.stops) for w in picks]
        return " ".join(out)

    def pair(self, kind: str, title_len: int, desc_len: int) -> tuple[str, str]:
        """(title, description) modelled on a real text of ``kind`` when the data exists."""
        if not self.templates[kind]:
            return self.text(title_len), self.text(desc_len)
        title, desc = self.rng.choice(self.templates[kind])
        return self._like(title), self._like(desc)

    def _like(self, words: list[str]) -> str:
        out = []
        for _ in words:
            r = self.rng.random()
            if r < COMPOUND_RATE:
                out.append(self.rng.choice(self.compounds))
            else:
                out.append(self.rng.choice(words if r < 0.7 else self.pool))
        return " ".join(out)

    def solution(self, i: int) -> Document:
        regions = self.rng.choice(
            [["nederland"], [self.rng.choice(list(PROVINCES))], self.rng.sample(list(PROVINCES), 2)]
        )
        title, desc = self.pair("solutions", self.rng.randint(3, 8), self.rng.randint(40, 140))
        return Document(
            i,
            title,
            desc,
            themes=frozenset(self.rng.sample(THEMES, self.rng.randint(1, 2))),
            regions=frozenset(regions),
        )

    def question(self, i: int) -> Document:
        province = self.rng.choice(list(PROVINCES))
        title, desc = self.pair("questions", self.rng.randint(3, 8), self.rng.randint(30, 120))
        return Document(
            f"q{i}",
            title,
            desc,
            themes=frozenset({self.rng.choice(THEMES)}),
            location=(self.rng.choice(PROVINCES[province]), province),
        )


def _templates(kind: str) -> list[tuple[list[str], list[str]]]:
    path = DATA / f"{kind}.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(tokens(r.get("title", "")), tokens(r.get("description", ""))) for r in rows]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out
