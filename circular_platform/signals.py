"""Signals other features listen to, so the marketplace need not know about matching or search.

Each is sent with the session as sender, inside the transaction, after the change is flushed.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

question_changed = _signals.signal("question-changed")  # kwargs: question, previous_status (None: posted)
solution_changed = _signals.signal("solution-changed")  # kwargs: solution, previous_status
