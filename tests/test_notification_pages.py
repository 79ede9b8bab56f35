"""The pages of issue 12: Meldingen on the account, saved searches, Mijn overzicht, the coordinators'
queue of questions without a fit with its invitation, and the age of items on list cards."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, select

from circular_platform.db import db
from circular_platform.models import (
    Feedback,
    Frequency,
    Match,
    MatchStatus,
    Membership,
    NotificationSetting,
    QuestionStatus,
    SavedSearch,
    User,
)
from circular_platform.notifications import escalation
from circular_platform.review import services as review
from tests.conftest import link_in

MARIEKE = "marieke@hondsrug.example"
HENNEP = "info@hennepbouw.example"


@pytest.fixture
def no_matches(session):
    """Remove the matches the matcher made when the fixtures were posted: each test makes its own."""

    def clear() -> None:
        session.execute(delete(Match))
        session.commit()

    return clear


def add_match(session, question, solution, score=0.5, created_at=None, **fields) -> Match:
    match = Match(
        question=question,
        solution=solution,
        score=score,
        terms=["hennep"],
        created_at=created_at or datetime.now(UTC),
        **fields,
    )
    session.add(match)
    session.commit()
    return match


# -- Meldingen: frequency per organisation ------------------------------------------------------------


def test_notification_choice_is_saved_per_organisation(
    client, auth, session, corporation, make_organisation, make_user
):
    other = make_organisation("Gemeente Assen", kind="gemeente", municipality="Assen")
    marieke = session.scalar(select(User).where(User.email == MARIEKE))
    session.add(Membership(user=marieke, organisation=other, approved=True))
    session.commit()
    auth.login(MARIEKE)

    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Woonstichting Hondsrug" in page
    assert "Gemeente Assen" in page
    assert "Overzicht van mijn provincies" not in page  # not a coordinator
    response = client.post(
        "/account/notifications", data={f"org_{corporation.id}": "direct", f"org_{other.id}": "nooit"}
    )
    assert response.status_code == 302

    rows = session.scalars(select(NotificationSetting).where(NotificationSetting.user_id == marieke.id))
    assert {row.organisation_id: row.frequency for row in rows} == {
        corporation.id: Frequency.IMMEDIATELY,
        other.id: Frequency.NEVER,
    }
    page = client.get("/account/notifications").get_data(as_text=True)
    assert re.search(r'<option selected value="direct"|<option value="direct" selected', page)


def test_coordinator_chooses_a_daily_or_weekly_digest_of_their_provinces(client, auth, session, coordinator):
    auth.login(coordinator.email)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Overzicht van mijn provincies" in page
    digest = page[page.index('name="provinces"') :].split("</select>")[0]
    assert "dagelijks" in digest
    assert "wekelijks" in digest
    assert "direct" not in digest

    assert client.post("/account/notifications", data={"provinces": "dagelijks"}).status_code == 302
    row = session.scalar(select(NotificationSetting).where(NotificationSetting.user_id == coordinator.id))
    assert row.organisation_id is None
    assert row.frequency == Frequency.DAILY
    assert client.post("/account/notifications", data={"provinces": "direct"}).status_code == 400


def test_account_page_links_to_notifications(client, auth, corporation):
    auth.login(MARIEKE)
    assert "/account/notifications" in client.get("/account/").get_data(as_text=True)


# -- saved searches -----------------------------------------------------------------------------------


def test_search_page_offers_to_save_the_search_only_when_logged_in(client, auth, corporation, make_question):
    make_question(corporation)
    assert "Bewaar deze zoekopdracht" not in client.get("/search/?q=kozijnen").get_data(as_text=True)
    auth.login(MARIEKE)
    assert "Bewaar deze zoekopdracht" in client.get("/search/?q=kozijnen&kind=question").get_data(
        as_text=True
    )


def test_save_list_and_delete_a_saved_search(client, auth, session, corporation):
    auth.login(MARIEKE)
    response = client.post("/account/saved-searches", data={"q": "hennep isolatie", "kind": "solution"})
    assert response.status_code == 302
    assert "/search/" in response.headers["Location"]
    assert "kind=solution" in response.headers["Location"]
    client.post("/account/saved-searches", data={"q": "hennep isolatie", "kind": "solution"})  # kept once

    saved = session.scalars(select(SavedSearch)).all()
    assert [(s.query, s.filters) for s in saved] == [("hennep isolatie", {"kind": "solution"})]
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "hennep isolatie" in page
    assert "Oplossing</span>" in page  # the filter as the search page names it

    assert client.post(f"/account/saved-searches/{saved[0].id}/delete").status_code == 302
    session.expire_all()
    assert session.scalars(select(SavedSearch)).all() == []
    assert "hennep isolatie" not in client.get("/account/notifications").get_data(as_text=True)


def test_another_user_cannot_delete_a_saved_search(client, auth, session, corporation, company):
    auth.login(MARIEKE)
    client.post("/account/saved-searches", data={"q": "kozijnen"})
    saved = session.scalar(select(SavedSearch))
    auth.logout()

    auth.login(HENNEP)
    assert client.post(f"/account/saved-searches/{saved.id}/delete").status_code == 404
    assert "kozijnen" not in client.get("/account/notifications").get_data(as_text=True)
    session.expire_all()
    assert session.get(SavedSearch, saved.id) is not None


# -- Mijn overzicht ------------------------------------------------------------------------------------


def test_dashboard_marks_suggestions_new_since_the_last_visit(
    client, auth, session, corporation, company, make_question, make_solution, no_matches
):
    question = make_question(corporation)
    solution = make_solution(company)
    no_matches()
    add_match(session, question, solution, created_at=datetime.now(UTC) - timedelta(days=3))
    marieke = session.scalar(select(User).where(User.email == MARIEKE))
    marieke.overview_seen_at = datetime.now(UTC) - timedelta(days=1)
    session.commit()
    auth.login(MARIEKE)

    page = client.get("/dashboard").get_data(as_text=True)
    assert question.title in page
    assert "1 suggestie" in page
    assert "nieuw" not in page

    other = make_solution(company, "Gekeurde kozijnen uit sloop")
    no_matches()
    add_match(session, question, solution, created_at=datetime.now(UTC) - timedelta(days=3))
    add_match(session, question, other)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "2 suggesties" in page
    assert "1 nieuw" in page
    assert "1 nieuw" not in client.get("/dashboard").get_data(as_text=True)  # seen now


def test_company_dashboard_lists_fitting_open_questions_best_first(
    client, auth, session, corporation, company, make_question, make_solution, no_matches
):
    weak = make_question(corporation, "Isolatie voor een schoolgebouw")
    strong = make_question(corporation, "Biobased isolatie voor 40 woningen")
    closed = make_question(corporation, "Afgeronde isolatievraag", status="afgerond")
    first = make_solution(company)
    second = make_solution(company, "Hennepblokken")
    no_matches()
    add_match(session, weak, first, score=0.3)
    add_match(session, strong, first, score=0.4)
    add_match(session, strong, second, score=0.8)  # the best of its solutions counts, once
    add_match(session, closed, first, score=0.9)
    auth.login(HENNEP)

    page = client.get("/dashboard").get_data(as_text=True)
    section = page[page.index("Vragen die passen bij uw aanbod") :]
    assert section.index(strong.title) < section.index(weak.title)
    assert section.count(strong.title) == 1
    assert "Sterke match" in section  # 0.8: above the default threshold of a strong match
    assert closed.title not in section


def test_dashboard_shows_introductions_and_what_waits(
    client, auth, session, corporation, company, make_question, make_solution, no_matches
):
    question = make_question(corporation)
    expired = make_question(corporation, "Verlopen vraag naar dakpannen", status="verlopen")
    solution = make_solution(company)
    no_matches()
    add_match(session, question, solution, status=MatchStatus.INTRODUCED)
    auth.login(MARIEKE)

    page = client.get("/dashboard").get_data(as_text=True)
    waiting = page[page.index("Wacht op u") :]
    assert expired.title in waiting
    assert "Verlengen" in waiting
    assert "U bent in contact gebracht" in waiting
    assert "Lopende introducties" in page


def test_dashboard_shows_each_introductions_latest_move_and_who_waits(
    client, auth, session, corporation, company, coordinator, make_question, make_solution, no_matches
):
    solution = make_solution(company)
    waiting_on_us = make_question(corporation, "Kozijnen waar de coördinator op wacht")
    answered = make_question(corporation, "Kozijnen waar wij al op reageerden")
    no_matches()
    first = add_match(session, waiting_on_us, solution)
    second = add_match(session, answered, solution)
    review.introduce(session, first, coordinator, "", notify=False)
    review.introduce(session, second, coordinator, "", notify=False)
    marieke = session.scalar(select(User).where(User.email == MARIEKE))
    review.add_note(session, second, marieke, "We bellen volgende week.")
    session.commit()
    auth.login(MARIEKE)

    page = client.get("/dashboard").get_data(as_text=True)
    waiting = page[page.index("Wacht op u") :]
    waiting = waiting[: waiting.index("</section>")]
    assert waiting_on_us.title in waiting
    assert answered.title not in waiting  # we moved last
    introductions = page[page.index("Lopende introducties") :]
    assert "bracht u met elkaar in contact" in introductions
    assert "schreef een notitie" in introductions


def test_dashboard_takes_a_fixed_number_of_queries(
    client, auth, session, corporation, company, make_question, make_solution, no_matches
):
    def count_queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        with client.application.app_context():
            engine = db.session.get_bind().engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            client.get("/dashboard")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    def add_questions(numbers) -> None:
        questions = [make_question(corporation, f"Vraag nummer {n} naar isolatie") for n in numbers]
        no_matches()  # only the matches below, two of each kind
        for n, question in enumerate(questions):
            status = MatchStatus.INTRODUCED if n % 2 else MatchStatus.PROPOSED
            add_match(session, question, solution, status=status)

    solution = make_solution(company)
    add_questions(range(2))
    auth.login(HENNEP)
    few = count_queries()
    add_questions(range(2, 8))
    many = count_queries()
    assert many == few


# -- Vragen zonder passend aanbod -----------------------------------------------------------------------


@pytest.fixture
def aged(session):
    def age(question, days: int):
        question.created_at = datetime.now(UTC) - timedelta(days=days)
        session.commit()
        return question

    return age


def test_unanswered_queue_lists_old_questions_without_a_fit(
    client, auth, session, coordinator, corporation, company, make_question, make_solution, no_matches, aged
):
    waiting = aged(make_question(corporation, "Al lang open: hergebruikte dakpannen"), 31)
    recent = aged(make_question(corporation, "Pas geplaatst: hergebruikte stenen"), 29)
    introduced = aged(make_question(corporation, "Al lang open maar geïntroduceerd"), 40)
    liked = aged(make_question(corporation, "Al lang open met interessante match"), 40)
    solution = make_solution(company)
    no_matches()
    add_match(session, waiting, solution, score=0.42)
    add_match(session, introduced, solution, status=MatchStatus.INTRODUCED)
    add_match(session, liked, solution, question_feedback=Feedback.INTERESTING)

    found = escalation.questions_without_fit(session, None, datetime.now(UTC))
    assert [q.id for q in found] == [waiting.id]

    auth.login(coordinator.email)
    assert "/coordination/unanswered" in client.get("/coordination/").get_data(as_text=True)
    page = client.get("/coordination/unanswered").get_data(as_text=True)
    assert waiting.title in page
    assert "Sterke match" in page  # 0.42, above the default threshold of a strong match
    assert solution.title in page
    for title in (recent.title, introduced.title, liked.title):
        assert title not in page


def test_unanswered_queue_is_oldest_first_and_for_coordinators(
    client, auth, session, corporation, make_question, aged, coordinator
):
    newer = aged(make_question(corporation, "Dertig dagen en een beetje"), 35)
    older = aged(make_question(corporation, "Al twee maanden open"), 60)
    found = escalation.questions_without_fit(session, None, datetime.now(UTC))
    assert [q.id for q in found] == [older.id, newer.id]
    auth.login(MARIEKE)
    assert client.get("/coordination/unanswered").status_code == 403


def test_invite_sends_a_registration_link_that_lands_on_the_question(
    client, auth, session, coordinator, corporation, make_question, outbox, aged
):
    question = aged(make_question(corporation), 31)
    auth.login(coordinator.email)
    response = client.post(
        f"/coordination/unanswered/{question.id}/invite",
        data={
            "email": "info@kozijnhergebruik.example",
            "name": "Jan",
            "note": "Jullie doen dit al in Emmen.",
        },
    )
    assert response.status_code == 302
    (mail,) = outbox("info@kozijnhergebruik.example")
    assert question.title in mail.subject
    assert "Beste Jan" in mail.body
    assert "Jullie doen dit al" in mail.body
    assert mail.reply_to == coordinator.email
    assert link_in(mail) == f"/register?next=/questions/{question.id}"

    assert (
        client.post(f"/coordination/unanswered/{question.id}/invite", data={"email": "geen"}).status_code
        == 400
    )


def test_confirming_after_an_invitation_leads_to_the_question(
    client, session, outbox, corporation, make_question
):
    question = make_question(corporation)
    target = f"/questions/{question.id}"
    response = client.post(
        f"/register?next={target}",
        data={
            "organisation-name": "Kozijnhergebruik Noord",
            "organisation-kind": "bedrijf",
            "organisation-municipality_id": str(question.municipality_id),
            "email": "jan@kozijnhergebruik.example",
            "name": "Jan",
            "password": "een lang wachtwoord voor tests",
            "password_repeat": "een lang wachtwoord voor tests",
            "language": "nl",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (mail,) = outbox("jan@kozijnhergebruik.example")
    confirmed = client.get(link_in(mail))
    assert confirmed.headers["Location"].endswith(f"/login?next={target}")
    login = client.post(
        confirmed.headers["Location"],
        data={"email": "jan@kozijnhergebruik.example", "password": "een lang wachtwoord voor tests"},
    )
    assert login.headers["Location"] == target


# -- age on list cards, and renewing an expired question ---------------------------------------------------


def test_list_cards_show_how_old_an_item_is(client, corporation, make_question, aged):
    aged(make_question(corporation), 21)
    assert "3 weken geleden geplaatst" in client.get("/questions/").get_data(as_text=True)


def test_owner_renews_an_expired_question_from_the_list(client, auth, session, corporation, make_question):
    question = make_question(corporation, status="verlopen")
    auth.login(MARIEKE)
    page = client.get("/mine").get_data(as_text=True)
    assert "Verlopen" in page
    assert "Verlengen" in page
    client.post(f"/questions/{question.id}/status", data={"status": "open"})
    session.expire_all()
    assert session.get(type(question), question.id).status == QuestionStatus.OPEN
