"""Similar questions of other organisations: on the question page, after posting, for coordinators."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from circular_platform.db import db
from circular_platform.demand import services as demand_services
from circular_platform.demand.figures import Scope
from circular_platform.matches import services as matches
from circular_platform.matches import similar
from circular_platform.matches.documents import question_document
from circular_platform.matches.store import store
from circular_platform.models import Question, QuestionStatus, SimilarQuestion
from circular_platform.questions import services as question_services
from circular_platform.regions import municipality_by_name

FRAMES = "Wij renoveren 120 woningen en zoeken hergebruikte kozijnen en deuren."
ASPHALT = "Wij leggen nieuwe fietspaden aan en zoeken gerecycled asfalt met een laag bitumengehalte."


@pytest.fixture
def others(make_organisation):
    """Housing corporations other than Woonstichting Hondsrug, by number."""
    return [make_organisation(f"Woonstichting {n}", municipality="Groningen") for n in range(1, 8)]


def _section(html: str, marker: str) -> str:
    """The part of the page from ``marker`` to the end of its section."""
    assert marker in html
    return html.split(marker, 1)[1].split("</section>", 1)[0]


def test_page_lists_a_similar_question_of_another_organisation_only(
    client, corporation, others, make_question
):
    own = make_question(corporation)
    other = make_question(
        others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES, municipality="Groningen"
    )
    make_question(corporation, "Hergebruikte kozijnen voor 60 woningen", description=FRAMES)
    make_question(others[1], "Gerecycled asfalt voor fietspaden", description=ASPHALT)

    page = client.get(f"/questions/{own.id}").text
    section = _section(page, "Vergelijkbare vragen van andere organisaties")
    assert f'href="/questions/{other.id}"' in section
    assert "Woonstichting 1" in section
    assert "Groningen" in section
    assert "Gedeelde woorden:" in section
    assert "kozijnen" in section.split("Gedeelde woorden:")[1]
    assert "60 woningen" not in section  # same organisation
    assert "asfalt" not in section  # unrelated


def test_no_section_without_similar_questions(client, corporation, others, make_question):
    own = make_question(corporation)
    make_question(others[0], "Gerecycled asfalt voor fietspaden", description=ASPHALT)
    assert "Vergelijkbare vragen" not in client.get(f"/questions/{own.id}").text


def test_the_saved_model_gives_the_same_list(
    app, client, corporation, company, others, make_question, make_solution
):
    make_solution(company)
    own = make_question(corporation)
    other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    with app.app_context():
        matches.rebuild(db.session)
        db.session.commit()
        assert store().get() is not None
    section = _section(client.get(f"/questions/{own.id}").text, "Vergelijkbare vragen van andere")
    assert f'href="/questions/{other.id}"' in section


def test_members_only_questions_are_not_listed_to_anonymous_visitors(
    client, auth, corporation, company, others, make_question
):
    own = make_question(corporation)
    hidden = make_question(
        others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES, visibility="members"
    )
    assert f'href="/questions/{hidden.id}"' not in client.get(f"/questions/{own.id}").text

    auth.login("info@hennepbouw.example")
    assert f'href="/questions/{hidden.id}"' in client.get(f"/questions/{own.id}").text


def test_at_most_five_are_listed(client, corporation, others, make_question):
    own = make_question(corporation)
    for n, organisation in enumerate(others):
        make_question(organisation, f"Hergebruikte kozijnen voor {100 + n} woningen", description=FRAMES)
    section = _section(client.get(f"/questions/{own.id}").text, "Vergelijkbare vragen van andere")
    assert section.count('href="/questions/') == 5


@pytest.fixture
def new_question(session, corporation):
    return {
        "organisation_id": corporation.id,
        "title": "Hergebruikte kozijnen voor 80 woningen",
        "description": "Wij renoveren 80 woningen en zoeken hergebruikte kozijnen.",
        "theme": "bouw",
        "sector": "WU",
        "municipality_id": municipality_by_name(session, "Emmen").id,
        "visibility": "public",
        "contact_id": corporation.active_members[0].id,
        "publish": "1",
    }


def test_after_posting_the_owner_learns_a_coordinator_can_bundle(
    client, auth, others, make_question, new_question
):
    make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    make_question(others[1], "Hergebruikte kozijnen voor 90 woningen", description=FRAMES)
    auth.login("marieke@hondsrug.example")
    page = client.post("/questions/new", data=new_question, follow_redirects=True).text
    assert "Er zijn 2 vergelijkbare vragen van andere organisaties." in page
    assert "Een coördinator kan ze bundelen, zodat u samen kunt inkopen." in page


def test_after_posting_a_unique_question_no_bundling_line(client, auth, others, make_question, new_question):
    make_question(others[0], "Gerecycled asfalt voor fietspaden", description=ASPHALT)
    auth.login("marieke@hondsrug.example")
    page = client.post("/questions/new", data=new_question, follow_redirects=True).text
    assert "Uw vraag is opgeslagen." in page
    assert "vergelijkbare vra" not in page


def test_a_coordinator_sees_the_pair_on_the_bundles_page(
    client, auth, coordinator, corporation, others, make_question
):
    own = make_question(corporation)
    other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    make_question(others[1], "Gerecycled asfalt voor fietspaden", description=ASPHALT)
    auth.login(coordinator.email)
    section = _section(client.get("/coordination/bundles").text, 'id="pairs"')
    assert f'href="/questions/{own.id}"' in section
    assert f'href="/questions/{other.id}"' in section
    assert "asfalt" not in section
    assert "kozijnen" in section


def test_bundled_questions_leave_the_pairs(
    client, auth, session, coordinator, corporation, others, make_question
):
    own = make_question(corporation)
    other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    demand_services.confirm_bundle(session, coordinator, [own.id, other.id], "Kozijnen", Scope())
    session.commit()
    auth.login(coordinator.email)
    section = _section(client.get("/coordination/bundles").text, 'id="pairs"')
    assert f'href="/questions/{other.id}"' not in section
    assert "Geen vergelijkbare paren" in section


def test_each_pair_is_listed_once_and_bundled_from_its_button(
    client, auth, session, coordinator, corporation, others, make_question
):
    own = make_question(corporation)
    other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    auth.login(coordinator.email)
    section = _section(client.get("/coordination/bundles").text, 'id="pairs"')
    assert section.split("<tbody>")[1].count("<tr>") == 1
    response = client.post("/coordination/bundles", data={"question_ids": [own.id, other.id], "label": ""})
    assert response.status_code == 302
    assert "/coordination/bundles/" in response.headers["Location"]


def test_the_bundling_line_in_english(client, auth, others, make_question, new_question):
    make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    auth.login("marieke@hondsrug.example")
    client.post("/language?next=/", data={"language": "en"})
    page = client.post("/questions/new", data=new_question, follow_redirects=True).text
    assert "There is 1 similar question from another organisation." in page
    assert "Similar questions of other organisations" in page


# -- the stored neighbours ----------------------------------------------------------------------


@pytest.fixture
def matching(app, session, company, corporation, make_solution, make_question):
    """A saved model that knows the tests' words. Questions posted or changed inside
    ``matching()`` (the app's context, as in a request) store their neighbours at once."""
    make_solution(company)
    make_question(corporation, "Kozijnen, deuren en asfalt", description=f"{FRAMES} {ASPHALT}")
    with app.app_context():
        matches.rebuild(db.session)
        db.session.commit()
    return app.app_context


def _listed(client, question) -> str:
    page = client.get(f"/questions/{question.id}").text
    return _section(page, "Vergelijkbare vragen van andere") if "Vergelijkbare vragen" in page else ""


def _edited(question: Question, **changes) -> dict:
    fields = ("title", "description", "theme", "sector", "municipality", "visibility")
    return {field: getattr(question, field) for field in fields} | changes


def _listing(question: Question):
    return select(SimilarQuestion).where(SimilarQuestion.other_id == question.id)


def test_a_new_question_joins_the_lists_of_those_it_resembles(
    client, session, matching, corporation, others, make_question
):
    with matching():
        own = make_question(corporation)
        other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    assert session.scalars(_listing(other)).all()  # stored, not ranked by the page
    assert f'href="/questions/{other.id}"' in _listed(client, own)
    assert f'href="/questions/{own.id}"' in _listed(client, other)


def test_a_question_deleted_from_the_database_leaves_no_neighbour_rows(
    client, session, matching, corporation, others, make_question
):
    """As an administrator's removal in the database would: the rows are derived and have no
    foreign keys, the trigger of the migration drops them both ways."""
    with matching():
        own = make_question(corporation)
        other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    assert session.scalars(_listing(other)).all()
    other_id = other.id
    session.execute(delete(Question).where(Question.id == other_id))
    session.commit()
    either_way = (SimilarQuestion.question_id == other_id) | (SimilarQuestion.other_id == other_id)
    assert not session.scalars(select(SimilarQuestion).where(either_way)).all()
    assert f'href="/questions/{other_id}"' not in client.get(f"/questions/{own.id}").text


def test_a_question_that_closes_leaves_the_lists_and_returns_when_reopened(
    client, session, matching, corporation, others, make_question
):
    with matching():
        own = make_question(corporation)
        other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
        question_services.change_status(session, other, None, QuestionStatus.WITHDRAWN)
        session.commit()
    assert f'href="/questions/{other.id}"' not in _listed(client, own)
    assert not session.scalars(_listing(other)).all()

    with matching():
        question_services.change_status(session, other, None, QuestionStatus.OPEN)
        session.commit()
    assert f'href="/questions/{other.id}"' in _listed(client, own)


def test_a_question_made_members_only_leaves_the_visitors_list(
    client, auth, session, matching, corporation, others, make_question
):
    with matching():
        own = make_question(corporation)
        other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
        question_services.update_question(session, other, None, _edited(other, visibility="members"))
        session.commit()
    assert f'href="/questions/{other.id}"' not in _listed(client, own)
    auth.login("info@hennepbouw.example")
    assert f'href="/questions/{other.id}"' in _listed(client, own)


def test_a_question_whose_text_changes_leaves_the_lists_it_no_longer_fits(
    client, session, matching, corporation, others, make_question
):
    with matching():
        own = make_question(corporation)
        other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
        asphalt = make_question(others[1], "Gerecycled asfalt voor fietspaden", description=ASPHALT)
        changed = _edited(other, title="Gerecycled asfalt voor nieuwe fietspaden", description=ASPHALT)
        question_services.update_question(session, other, None, changed)
        session.commit()
        assert store().get().changed_since_fit  # its own ranking replaced its rows: no rebuild ran
    assert f'href="/questions/{other.id}"' not in _listed(client, own)
    assert f'href="/questions/{other.id}"' in _listed(client, asphalt)


def test_a_question_that_is_not_open_still_shows_the_open_ones_like_it(
    client, auth, session, corporation, others, make_question
):
    own = make_question(corporation)
    other = make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
    question_services.change_status(session, own, None, QuestionStatus.WITHDRAWN)
    session.commit()
    auth.login("marieke@hondsrug.example")
    assert f'href="/questions/{other.id}"' in _listed(client, own)


def test_after_a_rebuild_each_question_has_the_neighbours_ranking_it_finds(
    session, matching, corporation, others, make_question
):
    for n, organisation in enumerate(others):
        make_question(organisation, f"Hergebruikte kozijnen voor {100 + n} woningen", description=FRAMES)
    make_question(corporation, "Gerecycled asfalt voor fietspaden", description=ASPHALT)
    with matching():
        matches.rebuild(db.session)
        db.session.commit()
        matcher = store().get().questions
    for question in session.scalars(select(Question).where(Question.status == QuestionStatus.OPEN)):
        ranked = matcher.rank(
            question_document(question),
            similar.STORED,
            min_score=similar.MIN_SIMILARITY,
            theme_boost=0.0,
            exclude={question.id},
            explain=False,
        )
        stored = session.scalars(
            select(SimilarQuestion.other_id)
            .where(SimilarQuestion.question_id == question.id)
            .order_by(SimilarQuestion.score.desc(), SimilarQuestion.other_id)
        ).all()
        assert stored == [r.id for r in ranked]


def test_after_posting_the_count_comes_from_the_stored_neighbours(
    client, auth, session, matching, others, make_question, new_question
):
    with matching():
        make_question(others[0], "Hergebruikte kozijnen voor 120 woningen", description=FRAMES)
        make_question(others[1], "Hergebruikte kozijnen voor 90 woningen", description=FRAMES)
    auth.login("marieke@hondsrug.example")
    page = client.post("/questions/new", data=new_question, follow_redirects=True).text
    assert "Er zijn 2 vergelijkbare vragen van andere organisaties." in page
    posted = session.scalars(select(Question).order_by(Question.id.desc())).first()
    assert session.scalars(_listing(posted)).all()
