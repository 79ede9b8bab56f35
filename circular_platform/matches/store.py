"""The fitted models: published in the database, cached on disk (``MATCHING_MODEL_PATH``).

The process that fits them (the queue's worker, or the background runner of the embedded
default) saves the files and publishes them in one zip as a ``matcher_model`` row, in the
transaction that stores the matches. Every other process, on this host or another, downloads
the newest row when it is newer than its files (checked at most every
``MATCHING_MODEL_CHECK_SECONDS``), and loads the files once, again when they change.
Several hosts so need no shared disk; processes on one host share the files. The files are
pickles: whoever may write the ``matcher_model`` table can run code in the app, so the database
account is as trusted as the code (as it already is for every other table the app believes).

Next to the two matchers: ``.ranker``, the learned ranker of ``flask matching learn`` (absent:
no learned ranking), and ``.learning.json``, the figures of the last fit and the strength
thresholds calibrated on the judgements (absent: the defaults). The file ``MATCHING_MODEL_PATH``
itself, written last, holds the id of the published version the files belong to.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from circular_platform.db import db
from circular_platform.models import MatcherModel
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

    def __init__(self, path: Path, check_seconds: float | None = 10.0) -> None:
        self.path = path
        self.check_seconds = check_seconds
        self.models: Models | None = None
        self.freeze_loaded = False  # set in a web server's worker: see load_at_start
        self._loaded_mtime = 0.0
        self._checked_at = -float("inf")
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
        self._sync_when_due()
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if mtime and mtime != self._loaded_mtime:
            self._loaded_mtime = mtime
            self.models = self._load()
            if self.freeze_loaded:  # see load_at_start
                gc.freeze()
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
        self._sync_when_due()
        return self._read_report()

    def _read_report(self) -> dict:
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
        report = self._read_report() | values  # no download here: it would replace what is being written
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.report_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
        os.replace(temporary, self.report_path)
        self._report, self._report_mtime = report, self.report_path.stat().st_mtime

    def save(self, session: Session, models: Models) -> None:
        """Write the files and publish them (with the ranker and the report) in ``session``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        models.solutions.save(self.path.with_suffix(".solutions"))
        models.questions.save(self.path.with_suffix(".questions"))
        version = self._publish(session)
        self.path.write_text(str(version))  # written last: a reader sees both halves or neither
        self.models = models
        self._loaded_mtime = self.path.stat().st_mtime

    @property
    def version(self) -> int:
        """The published version the files on disk belong to; 0 for none (or never published)."""
        try:
            return int(self.path.read_text() or 0)
        except (OSError, ValueError):
            return 0

    def _files(self) -> dict[str, Path]:
        """The files of a version by their name in the zip (what follows ``model``)."""
        return {suffix: self.path.with_suffix(suffix) for suffix in _SUFFIXES}

    def _publish(self, session: Session) -> int:
        """Add the files as the newest version and drop the older ones; returns its id."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
            for name, file in self._files().items():
                if file.exists():
                    bundle.write(file, name)
        published = MatcherModel(data=buffer.getvalue())
        session.add(published)
        session.flush()
        session.execute(delete(MatcherModel).where(MatcherModel.id < published.id))
        return published.id

    def _sync_when_due(self) -> None:
        # None: only when asked (tests count the queries of a page and must get the same number)
        if self.check_seconds is not None and time.monotonic() - self._checked_at >= self.check_seconds:
            self.sync()

    def sync(self) -> None:
        """Replace the files with the newest published version when it is newer than they are.
        Without the database (or its table) the files on disk stay in use."""
        self._checked_at = time.monotonic()
        try:
            with db.reading_session() as session:
                newest = session.scalar(select(func.max(MatcherModel.id)))
                if newest and newest != self.version:
                    self._unpack(*session.execute(_NEWEST).one())
        except SQLAlchemyError as error:
            log.warning("Cannot read the published matcher (%s); using the files on disk.", error)

    def _unpack(self, version: int, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.path.parent) as folder:
            with zipfile.ZipFile(io.BytesIO(data)) as bundle:
                bundle.extractall(folder)  # our own zip: the names are the fixed suffixes
            for name, file in self._files().items():
                unpacked = Path(folder) / name
                if unpacked.exists():
                    os.replace(unpacked, file)
                elif name == ".ranker":  # that version ranks without a learned ranker
                    file.unlink(missing_ok=True)
            self.path.write_text(str(version))


_PROBE = Document(id="probe", title="isolatie", location=("Assen", "Drenthe"))
_SUFFIXES = (".solutions", ".questions", ".ranker", ".learning.json")
_NEWEST = select(MatcherModel.id, MatcherModel.data).order_by(MatcherModel.id.desc()).limit(1)
_stores: dict[str, ModelStore] = {}


def load_at_start(app: Flask) -> None:
    """Download and load the newest models now, so that no request waits for them; in a web
    server's worker (gunicorn.conf.py).

    Each model it loads from then on is left out of the garbage collector's full passes
    (``gc.freeze``): its 390,000 tables and tuples live until the next model replaces it, and a
    full pass over them took 230-350 ms, a stall of whichever request set it off (one in 1,500
    question pages, in process); the passes that remain take 30-45 ms. A replaced model is still
    freed: it holds no reference cycle, so its reference counts free it. What a request holds in a
    cycle when a newer model loads is never collected, once per model. A model this process fitted
    itself (the embedded default's background thread) is not frozen: the rebuild's session, full
    of rows in cycles, is still open when it is saved."""
    with app.app_context():
        store().freeze_loaded = True
        store().get()


def store() -> ModelStore:
    """The store of the current app's ``MATCHING_MODEL_PATH``, shared by the whole process."""
    path = current_app.config["MATCHING_MODEL_PATH"]
    if path not in _stores:
        _stores[path] = ModelStore(Path(path), current_app.config["MATCHING_MODEL_CHECK_SECONDS"])
    return _stores[path]
