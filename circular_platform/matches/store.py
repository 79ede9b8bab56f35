"""The fitted models on disk (``MATCHING_MODEL_PATH``): a cache of the database that every
process loads once and reloads when another process wrote a newer one."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from matching.matcher import Document, Matcher

log = logging.getLogger(__name__)


@dataclass
class Models:
    solutions: Matcher  # ranks solutions for a question
    questions: Matcher  # ranks questions for a solution

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
        return models

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
