"""The enum vocabularies: stored values, the labels and colours they carry, the status sets."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from circular_platform.history import FIELD_LABELS
from circular_platform.models import (
    LISTED_SOLUTIONS,
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    OPEN_DEMAND,
    PUBLISHED_QUESTIONS,
    BundleStatus,
    Feedback,
    MatchStatus,
    Maturity,
    MembershipRole,
    OrganisationKind,
    Question,
    QuestionStatus,
    SolutionStatus,
    Visibility,
)

LABELLED = (
    QuestionStatus,
    SolutionStatus,
    Visibility,
    Maturity,
    MatchStatus,
    Feedback,
    OrganisationKind,
    MembershipRole,
    BundleStatus,
)


def test_a_member_is_its_stored_value():
    assert QuestionStatus("open") is QuestionStatus.OPEN
    assert QuestionStatus("in_gesprek") == "in_gesprek"
    assert f"{QuestionStatus.DRAFT}" == "concept"
    assert QuestionStatus.labels()["afgerond"] == QuestionStatus.COMPLETED.label
    with pytest.raises(ValueError, match="onbekend"):
        QuestionStatus("onbekend")


@pytest.mark.parametrize("vocabulary", LABELLED, ids=lambda e: e.__name__)
def test_every_member_has_a_label_and_a_bootstrap_colour(app, vocabulary):
    colours = {"primary", "secondary", "success", "info", "warning", "danger", "light", "dark"}
    with app.test_request_context():
        for member in vocabulary:
            assert str(member.label)
            assert member.colour in colours


def test_labels_are_translated_when_shown(app):
    with app.test_request_context(), force_locale("en"):
        assert str(QuestionStatus.IN_TALKS.label) == "In talks"
        assert str(BundleStatus.JOINT_TENDER.label) == "Joint tender"
    with app.test_request_context(), force_locale("nl"):
        assert str(QuestionStatus.IN_TALKS.label) == "In gesprek"


def test_the_database_stores_the_value(session, make_organisation, make_question):
    question = make_question(make_organisation(), status="in_gesprek")
    stored = session.execute(text("SELECT status FROM question WHERE id = :id"), {"id": question.id})
    assert stored.scalar_one() == "in_gesprek"
    session.expire_all()
    loaded = session.scalar(select(Question.status).where(Question.id == question.id))
    assert loaded is QuestionStatus.IN_TALKS


def test_the_status_sets_nest():
    assert set(MATCHABLE_QUESTIONS) < set(OPEN_DEMAND) < set(PUBLISHED_QUESTIONS)
    assert QuestionStatus.DRAFT not in PUBLISHED_QUESTIONS
    assert QuestionStatus.WITHDRAWN not in PUBLISHED_QUESTIONS
    assert set(MATCHABLE_SOLUTIONS) < set(LISTED_SOLUTIONS)
    assert SolutionStatus.ARCHIVED not in LISTED_SOLUTIONS


def test_history_labels_come_from_the_forms(app):
    with app.test_request_context(), force_locale("nl"):
        assert str(FIELD_LABELS["title"]) == "Titel"
        assert str(FIELD_LABELS["municipality"]) == "Gemeente"
        assert str(FIELD_LABELS["maturity"]) == "Hoe ver is de oplossing?"
        assert str(FIELD_LABELS["status"]) == "Status"
