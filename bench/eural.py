"""Eural suggestion accuracy on the list itself: each entry's description as input, its own code as answer.

    python bench/eural.py [--language nl|en|both]

The description is passed as the material name, as a user would type it. Top-1 and top-5 are the
shares of entries whose own code is the first, or among the first five, suggestions. Mirror pairs
("... die gevaarlijke stoffen bevatten" / "niet onder ... vallende ...") share most words, so
this measures how well the wording itself separates the entries.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.eural import EuralEntry, default_suggester  # noqa: E402


def accuracy(descriptions: dict[str, str]) -> tuple[float, float, int]:
    suggester = default_suggester()
    top1 = top5 = 0
    for code, description in descriptions.items():
        codes = [s.entry.code for s in suggester.suggest(description, limit=5)]
        top1 += codes[:1] == [code]
        top5 += code in codes
    return top1 / len(descriptions), top5 / len(descriptions), len(descriptions)


def inputs(entries: list[EuralEntry], language: str) -> dict[str, str]:
    texts = {
        "nl": lambda e: e.description_nl,
        "en": lambda e: e.description_en,
        "both": lambda e: f"{e.description_nl} {e.description_en}",
    }[language]
    return {e.code: texts(e) for e in entries if texts(e).strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=("nl", "en", "both"), nargs="*", default=["nl", "en"])
    entries = default_suggester().entries
    for language in parser.parse_args().language:
        top1, top5, count = accuracy(inputs(entries, language))
        print(f"{language:5} entries {count:4}  top-1 {top1:.1%}  top-5 {top5:.1%}")


if __name__ == "__main__":
    main()
