"""Lists count only a little past the page asked for, say "more than" what they counted, and page on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from circular_platform.models import Question
from circular_platform.pagination import paginate


@pytest.fixture
def twelve_questions(corporation, make_question) -> list[int]:
    return [make_question(corporation, f"Kozijnen partij {n}").id for n in range(12)]


def page(app, session, number: str):
    """Page ``number`` of the questions, two a page, counted up to three past the page's start."""
    with app.test_request_context(f"/questions/?page={number}"):
        return paginate(session, select(Question).order_by(Question.id), per_page=2, limit=3)


def test_a_list_counts_a_little_past_the_page_and_says_there_are_more(app, session, twelve_questions):
    first = page(app, session, "1")
    assert (first.total, first.more, first.has_next) == (3, True, True)  # "more than 3"
    assert [q.id for q in first.items] == twelve_questions[:2]
    third = page(app, session, "3")
    assert (third.number, third.total, third.more) == (3, 7, True)  # counted on from its start
    assert [q.id for q in third.items] == twelve_questions[4:6]


def test_the_last_page_knows_the_whole_count_and_a_page_beyond_shows_the_last(app, session, twelve_questions):
    last = page(app, session, "6")
    assert (last.total, last.more, last.has_next) == (12, False, False)
    assert [q.id for q in last.items] == twelve_questions[10:]
    beyond = page(app, session, "99999999")
    assert (beyond.number, [q.id for q in beyond.items]) == (6, twelve_questions[10:])
