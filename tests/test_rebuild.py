"""The full rebuild (``flask matching rebuild``): what it keeps, and that reading plain rows and
storing a block at a time stores what the rebuild over ORM objects stored."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.orm import Session

from circular_platform.db import make_engine
from circular_platform.markdown import plain_description, plain_text
from circular_platform.matches import judgements
from circular_platform.matches import services as matches
from circular_platform.matches.bulk import BackgroundWrites, insert_rows
from circular_platform.matches.documents import question_document, solution_document
from circular_platform.matches.store import Models
from circular_platform.matches.work import RANK_BLOCK
from circular_platform.models import (
    MATCHABLE_QUESTIONS,
    MATCHABLE_SOLUTIONS,
    Feedback,
    Match,
    MatchStatus,
    Question,
    QuestionStatus,
    Solution,
    SolutionStatus,
)
from matching.matcher import Matcher


@pytest.fixture
def market(app, session, corporation, company, make_organisation, make_solution, make_question):
    """Questions and solutions in Markdown and prose, a paused solution and a withdrawn question,
    and matches people acted on next to proposals nobody touched."""
    far = make_organisation("Isolatie Nederland BV", kind="bedrijf", municipality="Groningen")
    hemp = make_solution(company, "Hennepvezel isolatie voor woningen")
    flax = make_solution(company, "Vlasisolatie voor daken", description="Isolatie van **vlas** voor daken.")
    walls = make_solution(far, "Isolatie van gevels en daken", area=["Nederland"])
    make_solution(far, "Houten kozijnen uit sloop", description="- hergebruikt hout\n- gekeurde kozijnen")
    leeuwarden = make_solution(far, "Cellulose isolatie in Leeuwarden", area=["Leeuwarden"])
    paused = make_solution(company, "Isolatieplaten van stro", description="Stro uit de regio, geperst.")
    roofs = make_question(corporation, "Isolatie van daken voor 180 woningen")
    frames = make_question(
        corporation,
        "Kozijnen en gevels",
        description="Wij zoeken:\n- kozijnen van tweedehands hout\n- isolatie van gevels",
        municipality="Assen",
    )
    withdrawn = make_question(corporation, "Hennep voor een schuur", description="Een schuur isoleren.")
    now = datetime.now(UTC)
    # not proposed (Leeuwarden does not serve Emmen), yet introduced: kept as it is
    match_of(session, roofs, leeuwarden).status = MatchStatus.INTRODUCED
    rejected = match_of(session, roofs, flax)
    rejected.status, rejected.reason = MatchStatus.REJECTED, "Al in contact"
    judged = match_of(session, roofs, hemp)
    judged.question_feedback, judged.feedback_at = Feedback.NOT_RELEVANT, now
    match_of(session, frames, walls).snoozed_until = now + timedelta(days=7)
    match_of(session, withdrawn, hemp)  # untouched, and the question is withdrawn: dropped
    match_of(session, roofs, paused)  # untouched, and the solution is paused: dropped
    withdrawn.status = QuestionStatus.WITHDRAWN
    paused.status = SolutionStatus.PAUSED
    session.commit()
    return roofs, leeuwarden, withdrawn, paused


def match_of(session, question, solution) -> Match:
    """The stored match of the pair; a new proposal when the matcher did not store one."""
    query = select(Match).where(Match.question_id == question.id, Match.solution_id == solution.id)
    match = session.scalar(query)
    if match is None:
        match = Match(question=question, solution=solution, score=0.4, terms=[], bridges=[])
        session.add(match)
    return match


@pytest.fixture
def rebuild(app, session):
    """``flask matching rebuild`` on the test's session."""

    def run(progress=None) -> int:
        with app.app_context():
            return matches.rebuild(session, progress) if progress else matches.rebuild(session)

    return run


def stored(session) -> list[tuple]:
    """Every match as people and pages see it, in the order the rows were written."""
    columns = (Match.question_id, Match.solution_id, Match.score, Match.terms, Match.bridges, Match.status)
    extra = (Match.reason, Match.question_feedback, Match.snoozed_until)
    return [tuple(row) for row in session.execute(select(*columns, *extra).order_by(Match.id))]


def orm_rebuild(session) -> int:
    """The rebuild as it was before plain rows and blocks: every item an ORM object, every pair
    in one dict, stored by the ORM; the oracle of the rebuild's results."""
    questions = session.scalars(
        select(Question).where(Question.status.in_(MATCHABLE_QUESTIONS)).order_by(Question.id)
    ).all()
    solutions = session.scalars(
        select(Solution).where(Solution.status.in_(MATCHABLE_SOLUTIONS)).order_by(Solution.id)
    ).all()
    question_documents = [question_document(q) for q in questions]
    solution_documents = [solution_document(s) for s in solutions]
    models = Models(solutions=Matcher.fit(solution_documents), questions=Matcher.fit(question_documents))
    judged = judgements.by_question(judgements.load(session))
    pairs = {}
    for question, results in zip(questions, matches.solutions_for(models, question_documents), strict=True):
        results = matches._own_judgements(models, results, judged.get(question.id))
        pairs.update({(question.id, int(r.id)): r for r in results})
    found = defaultdict(list)  # question id -> the solutions that found it
    ranked = models.questions.rank_many(solution_documents, matches.TOP_K, min_score=matches.MIN_SCORE)
    for solution, results in zip(solutions, ranked, strict=True):
        for r in results:
            if (int(r.id), solution.id) not in pairs:
                found[int(r.id)].append(solution.id)
    documents = {q.id: d for q, d in zip(questions, question_documents, strict=True)}
    pairs.update(matches._scored_for_questions(models, documents, found, judged))
    matches._replace_proposals(session, pairs, session.scalars(select(Match)).all())
    return len(pairs)


@pytest.mark.parametrize("block", [1, RANK_BLOCK])
def test_the_rebuild_stores_what_the_orm_rebuild_stored(session, market, rebuild, monkeypatch, block):
    monkeypatch.setattr("circular_platform.matches.work.RANK_BLOCK", block)  # one question a block too
    with session.begin_nested() as before:
        pairs = orm_rebuild(session)
        expected = stored(session)
        before.rollback()
    session.expire_all()
    assert rebuild() == pairs
    assert sorted(stored(session)) == sorted(expected)


def test_a_rebuild_keeps_verdicts_and_decisions_and_drops_stale_proposals(session, market, rebuild):
    roofs, leeuwarden, withdrawn, paused = market
    acted_on = {row[:2]: row for row in stored(session) if row[5] != MatchStatus.PROPOSED or any(row[7:])}
    assert len(acted_on) == 4  # introduced, rejected, "niet relevant", snoozed
    rebuild()
    after = {row[:2]: row for row in stored(session)}
    for key, row in acted_on.items():
        assert after[key][5:] == row[5:]  # status, reason, feedback and snooze as people left them
    assert after[(roofs.id, leeuwarden.id)][2] == 0.4  # not proposed again: the score is the old one
    assert not [key for key in after if key[0] == withdrawn.id or key[1] == paused.id]


def test_a_rebuild_that_changes_nothing_leaves_the_rows_alone(session, market, rebuild):
    rebuild()
    session.commit()
    written = dict(session.execute(select(Match.id, Match.updated_at)).all())
    rebuild()
    assert dict(session.execute(select(Match.id, Match.updated_at)).all()) == written


def test_a_rebuild_whose_writing_fails_says_so_and_leaves_the_matches_as_they_were(
    session, market, rebuild, monkeypatch
):
    """The new proposals are written by a second thread: its failure must reach the rebuild
    (and the command), not vanish with the thread, and the rebuild's transaction then undoes it all."""
    roofs = market[0]
    roofs.description = "Isolatie van daken en gevels, met hennep of vlas."  # new proposals to write
    session.commit()
    before = stored(session)

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("circular_platform.matches.proposals.insert_rows", disk_full)
    with pytest.raises(OSError, match="No space left"):
        rebuild()
    session.rollback()
    assert stored(session) == before


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///{tmp}/own.sqlite"])
def test_rows_written_in_the_background_reach_the_database(url, tmp_path):
    """Also SQLite in memory, whose connection no second thread may use: written in place."""
    engine = make_engine(url.format(tmp=tmp_path))
    pairs = Table("pair", MetaData(), Column("a", Integer), Column("b", Integer))
    pairs.create(engine)
    with Session(engine) as session:
        with BackgroundWrites(session) as background:
            background.submit(partial(insert_rows, table=pairs, columns=("a", "b"), rows=[(1, 2), (3, 4)]))
        assert session.execute(select(pairs.c.a, pairs.c.b)).all() == [(1, 2), (3, 4)]


def test_a_new_proposal_reads_as_one_the_orm_wrote(session, market, rebuild):
    """New proposals bypass SQLAlchemy's parameter handling: their columns still read back typed."""
    roofs = market[0]
    started = datetime.now(UTC)
    rebuild()
    session.commit()
    session.expire_all()
    new = session.scalars(
        select(Match).where(Match.question_id == roofs.id, Match.created_at >= started)
    ).all()
    assert new
    for match in new:
        assert (match.status, match.reason, match.question_feedback) == (MatchStatus.PROPOSED, "", None)
        assert started <= match.created_at.astimezone(UTC) <= datetime.now(UTC)
        assert match.created_at == match.updated_at == match.last_change_at
        assert isinstance(match.terms, list)
        assert all(isinstance(t, str) for t in match.terms)
        assert all(isinstance(b, list) and len(b) == 2 for b in match.bridges)
    assert any(match.terms for match in new)


def test_a_new_proposal_keeps_the_accents_and_backslashes_of_its_words(
    session, corporation, company, make_solution, make_question, rebuild
):
    """JSON escapes accents with a backslash (``caf\\u00e9``), which PostgreSQL's COPY reads as an
    escape of its own unless it is doubled: the words must read back as written."""
    make_solution(company, "Meubels voor een café", description="Gerecyclede meubels voor café en crèche.")
    question = make_question(
        corporation, "Inrichting café", description="Meubels voor ons café en de crèche."
    )
    rebuild()
    session.commit()
    session.expire_all()
    match = session.scalars(select(Match).where(Match.question_id == question.id)).one()
    assert {"café", "crèche"} <= set(match.terms)


def test_the_rebuild_leaves_the_connection_s_page_cache_as_it_found_it(session, market, rebuild):
    """The rebuild widens SQLite's page cache while it writes; the pool's connection gets it back."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("a page cache setting of SQLite")
    usual = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
    rebuild()
    assert session.connection().exec_driver_sql("PRAGMA cache_size").scalar() == usual


def test_the_rebuild_tells_its_progress_up_to_the_last_unit(session, market, rebuild):
    told: list[tuple[str, int, int]] = []
    rebuild(lambda stage, done, total: told.append((stage, done, total)))
    totals = {total for _, _, total in told}
    assert len(totals) == 1
    assert [done for _, done, _ in told] == sorted(done for _, done, _ in told)
    assert told[-1][1:] == (totals.pop(),) * 2
    stages = list(dict.fromkeys(stage for stage, _, _ in told))
    assert stages == [
        "reading questions",
        "reading solutions",
        "fitting solutions",
        "fitting questions",
        "ranking similar questions",
        "ranking solutions",
        "ranking questions",
        "saving the models",
        "done",
    ]


@pytest.mark.parametrize("seed", range(3))
def test_prose_is_read_without_the_markdown_parser_and_reads_the_same(seed):
    pieces = ["isolatie", "van", "hennep", " ", "  ", "\n", "\n\n", ".", ",", "2030", "é", "(", ")", "'", '"']
    pieces += ["- ", "* ", "1. ", "# ", "> ", "**", "_", "`", "[a](b)", "<b>", "&amp;", "|", "    ", "\t"]
    rng = random.Random(seed)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert plain_description(text) == plain_text(text, limit=len(text) + 1), text
