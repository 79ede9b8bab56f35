"""The fitted models on disk (``MATCHING_MODEL_PATH``): a cache of the database that every
process loads once and reloads when another process wrote a newer one.

Next to the two matchers: ``.ranker``, the learned ranker of ``flask matching learn`` (absent:
no learned ranking), and ``.learning.json``, the figures of the last fit and the strength
thresholds calibrated on the judgements (absent: the defaults).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from matching.learning import LearnedRanker
from matching.matcher import Document, Matcher

log = logging.getLogger(__name__)


@dataclass
class Models:
    solutions: Matcher  # ranks solutions for a question
    questions: Matcher  # ranks questions for a solution
    ranker: LearnedRanker | None = None  # reorders the solutions for a question, once learned

    @property
    def changed_since_fit(self) -> int:
        return self.solutions.changed_since_fit + self.questions.changed_since_fit

    @property
    def size(self) -> int:
        return self.solutions.size + self.questions.size


class ModelStore:
    """The fitted models of one file, loaded once per process and reloaded when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.models: Models | None = None
        self._loaded_mtime = 0.0
        self.lock = threading.Lock()  # one rebuild at a time in this process
        self._report: dict | None = None
        self._report_mtime = 0.0

    @property
    def ranker_path(self) -> Path:
        return self.path.with_suffix(".ranker")

    @property
    def report_path(self) -> Path:
        return self.path.with_suffix(".learning.json")

    def get(self) -> Models | None:
        """The current models, or None when there are none yet or the stored ones are unusable."""
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if mtime and mtime != self._loaded_mtime:
            self._loaded_mtime = mtime
            self.models = self._load()
        return self.models

    def _load(self) -> Models | None:
        # A model written by an older version of the engine may load and still fail on use:
        # try it once, and let a rebuild replace it rather than fail a user's request.
        try:
            models = Models(
                Matcher.load(self.path.with_suffix(".solutions")),
                Matcher.load(self.path.with_suffix(".questions")),
            )
            models.solutions.rank(_PROBE, 1)
            models.questions.rank(_PROBE, 1)
        except Exception as error:  # noqa: BLE001 - any failure means: rebuild
            log.warning("The stored matcher at %s cannot be used (%s); it will be rebuilt.", self.path, error)
            return None
        models.ranker = self.load_ranker(models.solutions)
        return models

    def load_ranker(self, solutions: Matcher) -> LearnedRanker | None:
        """The saved learned ranker bound to ``solutions``; None when there is none or it fails."""
        if not self.ranker_path.exists():
            return None
        try:
            ranker = LearnedRanker.load(self.ranker_path, solutions)
            ranker.rank(_PROBE, 1)
        except Exception as error:  # noqa: BLE001 - without it the matcher's own ranking applies
            log.warning(
                "The learned ranker at %s cannot be used (%s); ranking without it.", self.ranker_path, error
            )
            return None
        return ranker

    def save_ranker(self, ranker: LearnedRanker | None) -> None:
        """Store ``ranker`` for every process (None: remove the stored one); the caller saves the models."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if ranker is None:
            self.ranker_path.unlink(missing_ok=True)
        else:
            ranker.save(self.ranker_path)

    def report(self) -> dict:
        """The figures of the last fit and the strength thresholds; empty when none were written."""
        mtime = self.report_path.stat().st_mtime if self.report_path.exists() else 0.0
        if mtime != self._report_mtime:
            self._report_mtime = mtime
            try:
                self._report = json.loads(self.report_path.read_text("utf-8")) if mtime else {}
            except (OSError, ValueError):
                self._report = {}
        return dict(self._report or {})

    def update_report(self, **values: object) -> None:
        """Merge ``values`` into the report, written whole (a reader never sees half a file)."""
        report = self.report() | values
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.report_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
        os.replace(temporary, self.report_path)
        self._report, self._report_mtime = report, self.report_path.stat().st_mtime

    def save(self, models: Models) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        models.solutions.save(self.path.with_suffix(".solutions"))
        models.questions.save(self.path.with_suffix(".questions"))
        self.path.touch()  # written last: a reader sees both halves or neither
        self.models = models
        self._loaded_mtime = self.path.stat().st_mtime


_PROBE = Document(id="probe", title="isolatie", location=("Assen", "Drenthe"))
_stores: dict[str, ModelStore] = {}


def store() -> ModelStore:
    """The store of the current app's ``MATCHING_MODEL_PATH``, shared by the whole process."""
    path = current_app.config["MATCHING_MODEL_PATH"]
    return _stores.setdefault(path, ModelStore(Path(path)))
