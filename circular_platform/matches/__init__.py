"""Matches between questions and solutions: the adapter between the marketplace and ``matching/``.

:mod:`.documents` turns items into text, :mod:`.store` keeps the fitted models and the learned
ranker, :mod:`.judgements` reads what people said of matches, :mod:`.services`
ranks, stores and reads matches, :mod:`.views` takes owners' feedback.
"""

from __future__ import annotations

from flask import Flask

from circular_platform.matches import services, views
from circular_platform.signals import question_changed, solution_changed


def init_app(app: Flask) -> None:
    """Rank a question or solution again whenever it is saved, and show explanations in templates."""
    question_changed.connect(services.question_changed)
    solution_changed.connect(services.solution_changed)
    app.add_template_filter(views.highlight, "highlight")
    app.add_template_filter(views.strength_label, "strength_label")
    app.add_template_filter(views.bridge, "bridge")
