"""The coordinators' review queue, introductions, the pipeline after them, and the quality figures."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest
import time_machine
from sqlalchemy import delete, select

from circular_platform.db import db
from circular_platform.demo import pipeline
from circular_platform.models import Match, MatchEvent, MatchStatus, OutboxMessage, Province
from circular_platform.review import services as review
from tests.conftest import link_in


@pytest.fixture
def market(make_organisation, make_user, make_question, make_solution, session):
    """Two askers and two companies; the matcher's proposals are replaced by ones with known scores."""
    corporation = make_organisation("Woonstichting Hondsrug", municipality="Emmen")
    marieke = make_user("marieke@hondsrug.example", corporation)
    municipality = make_organisation("Gemeente Leeuwarden", kind="gemeente", municipality="Leeuwarden")
    make_user("jan@leeuwarden.example", municipality)
    frames = make_organisation("Kozijnbank", kind="bedrijf", municipality="Assen")
    pieter = make_user("pieter@kozijnbank.example", frames, language="en")
    plastics = make_organisation("Plastic Noord", kind="bedrijf", municipality="Groningen")
    make_user("info@plasticnoord.example", plastics, role="admin")
    items = {
        "frames_q": make_question(corporation, "Hergebruikte kozijnen voor 180 woningen", contact=marieke),
        "plastic_q": make_question(
            municipality,
            "Inzameling van landbouwplastic",
            theme="kunststoffen",
            municipality="Leeuwarden",
            description="Wij zoeken een partij die landbouwplastic inzamelt en verwerkt.",
        ),
        "frames_s": make_solution(frames, "Gekeurde kozijnen uit sloop", contact=pieter),
        "plastic_s": make_solution(
            plastics, "Landbouwplastic recyclen", themes=["kunststoffen"], area=["Nederland"]
        ),
    }
    session.execute(delete(Match))
    session.commit()
    return items


@pytest.fixture
def make_match(session, market):
    def make(question: str, solution: str, score: float = 0.5, age_days: int = 0, **fields) -> Match:
        created = datetime.now(UTC) - timedelta(days=age_days)
        match = Match(
            question=market[question],
            solution=market[solution],
            score=score,
            terms=["kozijnen"],
            created_at=created,
            **fields,
        )
        session.add(match)
        session.commit()
        return match

    return make


def queue_order(html: str) -> list[tuple[str, str]]:
    return re.findall(r'aria-label="Match (.*?) en (.*?)"', html)


# -- the queue --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "status"), [(None, 302), ("marieke@hondsrug.example", 403), ("sanne@nice.example", 200)]
)
def test_review_pages_are_for_coordinators(client, auth, market, coordinator, email, status):
    if email:
        auth.login(email)
    for path in ("/coordination/", "/coordination/pipeline", "/coordination/quality"):
        assert client.get(path).status_code == status


def test_queue_shows_best_match_first_and_hides_snoozed(client, auth, coordinator, make_match):
    make_match("frames_q", "frames_s", 0.3)
    make_match("frames_q", "plastic_s", 0.6, age_days=40)
    make_match("plastic_q", "plastic_s", 0.45, solution_feedback="interessant")
    make_match("plastic_q", "frames_s", 0.9, snoozed_until=datetime.now(UTC) + timedelta(days=3))
    auth.login("sanne@nice.example")
    html = client.get("/coordination/").text
    assert queue_order(html) == [
        ("Hergebruikte kozijnen voor 180 woningen", "Landbouwplastic recyclen"),
        ("Inzameling van landbouwplastic", "Landbouwplastic recyclen"),
        ("Hergebruikte kozijnen voor 180 woningen", "Gekeurde kozijnen uit sloop"),
    ]
    assert "3 voorstellen te beoordelen" in " ".join(html.split()).replace("</div><div>", " ")
    assert "Eigenaar: interessant" in html
    assert "<mark>kozijnen</mark>" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=kunststoffen", ["Inzameling van landbouwplastic"]),
        ("province=Fryslân", ["Inzameling van landbouwplastic"]),
        ("strength=strong", ["Hergebruikte kozijnen voor 180 woningen", "Inzameling van landbouwplastic"]),
        (  # the default thresholds of the cosine: strong from 0.35, good from 0.2
            "strength=good",
            [
                "Hergebruikte kozijnen voor 180 woningen",
                "Inzameling van landbouwplastic",
                "Hergebruikte kozijnen voor 180 woningen",
            ],
        ),
        ("age=week", ["Inzameling van landbouwplastic", "Hergebruikte kozijnen voor 180 woningen"]),
        ("age=older", ["Hergebruikte kozijnen voor 180 woningen"]),
    ],
)
def test_queue_filters(client, auth, session, coordinator, make_match, query, expected):
    make_match("frames_q", "frames_s", 0.3)
    make_match("frames_q", "plastic_s", 0.6, age_days=40)
    make_match("plastic_q", "plastic_s", 0.45)
    if query.startswith("province="):
        province = session.scalar(select(Province).where(Province.name == query.split("=")[1]))
        query = f"province={province.id}"
    auth.login("sanne@nice.example")
    html = client.get(f"/coordination/?{query}").text
    assert [question for question, _ in queue_order(html)] == expected


# -- introductions ----------------------------------------------------------------------------------


def test_introduce_mails_both_contacts_each_others_details(client, auth, coordinator, make_match, outbox):
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    response = client.post(
        f"/coordination/matches/{match.id}/introduce",
        data={"note": "Kozijnbank heeft 200 kozijnen op voorraad."},
        follow_redirects=True,
    )
    assert (
        "De introductie is verstuurd aan marieke@hondsrug.example, pieter@kozijnbank.example" in response.text
    )
    (to_asker,) = outbox("marieke@hondsrug.example")
    assert to_asker.subject == "Kennismaking via Circulair Noord: Kozijnbank"
    assert "Pieter, pieter@kozijnbank.example" in to_asker.body
    assert "Kozijnbank heeft 200 kozijnen op voorraad." in to_asker.body
    assert f"http://localhost/solutions/{match.solution_id}" in to_asker.body
    assert to_asker.reply_to == "sanne@nice.example"
    (to_company,) = outbox("pieter@kozijnbank.example")
    assert to_company.body.startswith("Dear Pieter,")  # his own language
    assert "Marieke, marieke@hondsrug.example" in to_company.body
    assert f"http://localhost/questions/{match.question_id}" in to_company.body
    assert link_in(to_company).startswith("/questions/")


def test_introduction_is_recorded(client, auth, session, coordinator, make_match):
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    client.post(f"/coordination/matches/{match.id}/introduce", data={"note": ""})
    session.refresh(match)
    assert match.status == MatchStatus.INTRODUCED
    (event,) = session.scalars(select(MatchEvent).where(MatchEvent.match_id == match.id))
    assert (event.user.email, event.from_status, event.to_status) == (
        "sanne@nice.example",
        MatchStatus.PROPOSED,
        MatchStatus.INTRODUCED,
    )
    again = client.post(f"/coordination/matches/{match.id}/introduce", follow_redirects=True)
    assert "al behandeld" in again.text


def test_introduce_falls_back_to_the_organisations_admins(client, auth, coordinator, make_match, outbox):
    match = make_match("frames_q", "plastic_s")  # Plastic Noord has no contact person, one admin
    auth.login("sanne@nice.example")
    client.post(f"/coordination/matches/{match.id}/introduce")
    assert len(outbox("info@plasticnoord.example")) == 1
    assert len(outbox("marieke@hondsrug.example")) == 1


def test_introduce_refused_without_anyone_to_write_to(client, auth, session, coordinator, make_match, outbox):
    match = make_match("plastic_q", "frames_s")  # Gemeente Leeuwarden: no contact, no admin
    auth.login("sanne@nice.example")
    response = client.post(f"/coordination/matches/{match.id}/introduce", follow_redirects=True)
    assert "Gemeente Leeuwarden heeft geen contactpersoon en geen beheerder" in response.text
    assert outbox("pieter@kozijnbank.example") == []
    session.refresh(match)
    assert match.status == MatchStatus.PROPOSED


def test_introduce_refused_to_owners(client, auth, session, make_match, outbox):
    match = make_match("frames_q", "frames_s")
    auth.login("marieke@hondsrug.example")
    assert client.post(f"/coordination/matches/{match.id}/introduce").status_code == 403
    assert outbox("pieter@kozijnbank.example") == []
    session.refresh(match)
    assert match.status == MatchStatus.PROPOSED


def test_reject_needs_text_for_other_reasons_and_leaves_the_queue(
    client, auth, session, coordinator, make_match
):
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    refused = client.post(
        f"/coordination/matches/{match.id}/reject", data={"reason": "anders"}, follow_redirects=True
    )
    assert "beschrijf kort waarom" in refused.text
    client.post(f"/coordination/matches/{match.id}/reject", data={"reason": "regio_past_niet"})
    session.refresh(match)
    assert (match.status, match.reason) == (MatchStatus.REJECTED, "regio_past_niet")
    assert queue_order(client.get("/coordination/").text) == []


def test_snooze_hides_until_the_date(client, auth, session, coordinator, make_match):
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    past = client.post(
        f"/coordination/matches/{match.id}/snooze", data={"until": "2020-01-01"}, follow_redirects=True
    )
    assert "Kies een datum in de toekomst" in past.text
    until = (datetime.now(UTC) + timedelta(days=14)).date()
    client.post(f"/coordination/matches/{match.id}/snooze", data={"until": until.isoformat()})
    assert queue_order(client.get("/coordination/").text) == []
    session.refresh(match)
    assert match.acted_on


# -- the pipeline -----------------------------------------------------------------------------------


@pytest.fixture
def introduced(make_match):
    return make_match("frames_q", "frames_s", status=MatchStatus.INTRODUCED)


def move(client, match, status: str, **data):
    return client.post(
        f"/coordination/matches/{match.id}/move", data={"status": status, **data}, follow_redirects=True
    )


def test_owners_move_the_pipeline_step_by_step(client, auth, session, introduced):
    auth.login("pieter@kozijnbank.example")
    assert "My matches" in client.get("/").text  # in his own language
    assert "Hergebruikte kozijnen voor 180 woningen" in client.get("/coordination/mine").text
    move(client, introduced, "in_gesprek", note="Eerste gesprek op 3 december.")
    move(client, introduced, "pilot_opdracht")
    response = move(client, introduced, "afgerond")
    assert "The stage has been changed to: Completed." in response.text
    events = session.scalars(select(MatchEvent).order_by(MatchEvent.id)).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        ("geintroduceerd", "in_gesprek"),
        ("in_gesprek", "pilot_opdracht"),
        ("pilot_opdracht", "afgerond"),
    ]
    assert {e.user.email for e in events} == {"pieter@kozijnbank.example"}
    assert "Eerste gesprek op 3 december." in response.text


@pytest.mark.parametrize("status", ["afgerond", "pilot_opdracht", "voorgesteld", "afgewezen", "onzin"])
def test_skipping_or_going_back_is_refused(client, auth, session, introduced, status):
    auth.login("marieke@hondsrug.example")
    move(client, introduced, status)
    session.refresh(introduced)
    assert introduced.status == MatchStatus.INTRODUCED
    assert session.scalars(select(MatchEvent)).all() == []


def test_stopping_needs_a_reason_and_can_be_resumed(client, auth, session, introduced):
    auth.login("marieke@hondsrug.example")
    assert "Geef aan waarom het niet is doorgegaan." in move(client, introduced, "niet_doorgegaan").text
    move(client, introduced, "niet_doorgegaan", reason="Budget is naar 2027 geschoven.")
    session.refresh(introduced)
    assert (introduced.status, introduced.reason) == (
        MatchStatus.DISCONTINUED,
        "Budget is naar 2027 geschoven.",
    )
    move(client, introduced, "in_gesprek")
    session.refresh(introduced)
    assert introduced.status == MatchStatus.IN_TALKS


def test_others_neither_see_nor_move_a_match(client, auth, session, make_user, make_organisation, introduced):
    outsider = make_organisation("Ander Bedrijf", kind="bedrijf", municipality="Assen")
    make_user("iemand@ander.example", outsider)
    auth.login("iemand@ander.example")
    assert client.get(f"/coordination/matches/{introduced.id}").status_code == 404
    assert move(client, introduced, "in_gesprek").status_code == 404
    session.refresh(introduced)
    assert introduced.status == MatchStatus.INTRODUCED


def test_owners_do_not_see_proposals_before_an_introduction(client, auth, make_match):
    match = make_match("frames_q", "frames_s")
    auth.login("marieke@hondsrug.example")
    assert client.get(f"/coordination/matches/{match.id}").status_code == 404


def test_notes_are_logged_with_who_and_when(client, auth, introduced):
    auth.login("marieke@hondsrug.example")
    client.post(f"/coordination/matches/{introduced.id}/note", data={"note": "Offerte aangevraagd."})
    html = client.get(f"/coordination/matches/{introduced.id}").text
    assert "Offerte aangevraagd." in html
    assert "Marieke" in html


def test_no_notes_on_untouched_proposals(client, auth, session, coordinator, make_match):
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    response = client.post(
        f"/coordination/matches/{match.id}/note", data={"note": "Bellen"}, follow_redirects=True
    )
    assert "Notities zijn mogelijk na een introductie of afwijzing." in response.text
    assert session.scalars(select(MatchEvent)).all() == []


def test_stalled_introductions_are_listed(client, auth, session, coordinator, make_match):
    """Stalled: no change for 14 days; the latest change counts, not the introduction."""
    stuck = make_match("frames_q", "frames_s")
    moving = make_match("plastic_q", "plastic_s")
    with time_machine.travel(datetime.now(UTC) - timedelta(days=20), tick=False):
        review.introduce(session, stuck, coordinator, "", notify=False)
        review.introduce(session, moving, coordinator, "", notify=False)
    review.move(session, moving, coordinator, MatchStatus.IN_TALKS, notify=False)
    session.commit()
    auth.login("sanne@nice.example")
    html = client.get("/coordination/").text
    stalled = html[html.index('id="vastgelopen"') : html.index('id="wachtrij"')]
    assert "Hergebruikte kozijnen voor 180 woningen" in stalled
    assert "(20 dagen geleden)" in stalled
    assert "Inzameling van landbouwplastic" not in stalled


# -- quality figures --------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")
    return [line.split(";") for line in response.data.decode("utf-8-sig").splitlines()]


def test_quality_counts_introductions_pilots_and_owner_feedback(client, auth, coordinator, make_match):
    make_match("frames_q", "frames_s", status=MatchStatus.PILOT_OR_CONTRACT, question_feedback="interessant")
    make_match("frames_q", "plastic_s", question_feedback="niet_relevant", solution_feedback="niet_relevant")
    make_match("plastic_q", "plastic_s", status=MatchStatus.INTRODUCED)
    auth.login("sanne@nice.example")
    response = client.get("/coordination/quality.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["Indeling", "Groep", "Voorstellen"]
    assert ["Thema", "Bouw", "2", "1", "50,0", "1", "50,0", "1", "2"] in rows
    assert ["Thema", "Kunststoffen", "1", "1", "100,0", "0", "0,0", "0", "0"] in rows
    assert rows[-1] == ["Totaal", "Totaal", "3", "2", "66,7", "1", "33,3", "1", "2"]
    month = datetime.now(UTC).strftime("%Y-%m")
    assert ["Maand", month, "3", "2", "66,7", "1", "33,3", "1", "2"] in rows
    html = client.get("/coordination/quality").text
    assert "66,7%" in html


def test_feedback_given_by_an_owner_shows_in_the_figures(client, auth, coordinator, make_match):
    match = make_match("frames_q", "frames_s")
    auth.login("marieke@hondsrug.example")
    client.post(f"/matches/{match.id}/feedback", data={"feedback": "interessant"})
    auth.logout()
    auth.login("sanne@nice.example")
    rows = csv_rows(client.get("/coordination/quality.csv"))
    assert rows[-1][-2:] == ["1", "0"]


def test_a_stopped_pilot_still_counts_as_reached(client, auth, coordinator, introduced):
    auth.login("sanne@nice.example")
    move(client, introduced, "in_gesprek")
    move(client, introduced, "pilot_opdracht")
    move(client, introduced, "niet_doorgegaan", reason="Leverancier failliet.")
    rows = csv_rows(client.get("/coordination/quality/funnel.csv"))
    assert rows == [
        ["Fase", "Aantal matches", "Aandeel van de voorstellen (%)"],
        ["Voorgesteld", "1", "100,0"],
        ["Geïntroduceerd", "1", "100,0"],
        ["In gesprek", "1", "100,0"],
        ["Pilot of opdracht", "1", "100,0"],
        ["Afgerond", "0", "0,0"],
    ]


def test_funnel_chart_is_a_script_free_svg(client, auth, coordinator, make_match):
    make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    response = client.get("/coordination/quality/funnel.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.text.lstrip().startswith("<svg")
    assert "<script" not in response.text
    assert "Pilot of opdracht" in response.text


def test_demo_history_fills_the_coordinators_screens(app, session, market, coordinator):
    with app.app_context():
        moved = pipeline.load(db.session, "sanne@nice.example")
        db.session.commit()
    assert moved >= 1
    events = session.scalars(select(MatchEvent).order_by(MatchEvent.id)).all()
    assert events
    assert events[0].user.email == "sanne@nice.example"  # the coordinator's introduction comes first
    assert all(event.created_at.date() < date.today() for event in events)  # dated in the past
    assert session.scalars(select(OutboxMessage)).all() == []  # the history sends no mail


# -- what coordinators tripped over in the first week ----------------------------------------------


def test_reject_keeps_the_note_next_to_a_listed_reason(client, auth, session, coordinator, make_match):
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    client.post(
        f"/coordination/matches/{match.id}/reject",
        data={"reason": "al_in_contact", "text": "Ze bellen al sinds oktober."},
    )
    event = session.scalars(select(MatchEvent).where(MatchEvent.match_id == match.id)).one()
    assert (event.reason, event.note) == ("al_in_contact", "Ze bellen al sinds oktober.")
    html = client.get(f"/coordination/matches/{match.id}").text
    assert "Partijen zijn al met elkaar in contact" in html
    assert "Ze bellen al sinds oktober." in html


def test_other_without_text_comes_back_open_with_the_choice_kept(
    client, auth, session, coordinator, make_match
):
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    response = client.post(
        f"/coordination/matches/{match.id}/reject?next=/coordination/", data={"reason": "anders"}
    )
    assert response.status_code == 400
    html = response.text
    assert re.search(r"<details open>\s*<summary[^>]*>Afwijzen", html)
    assert re.search(r'value="anders" id="reason-\d+-anders" required checked', html)
    assert "U koos Anders: beschrijf kort waarom deze match niet past." in html
    assert f'action="/coordination/matches/{match.id}/reject?next=/coordination/"' in html
    session.refresh(match)
    assert match.status == MatchStatus.PROPOSED


def test_line_breaks_in_notes_survive_and_stay_escaped(client, auth, introduced):
    auth.login("marieke@hondsrug.example")
    note = "Offerte aangevraagd.\nVolgende week <b>bellen</b>."
    client.post(f"/coordination/matches/{introduced.id}/note", data={"note": note})
    html = client.get(f"/coordination/matches/{introduced.id}").text
    shown = r"Offerte aangevraagd.\r?\nVolgende week &lt;b&gt;bellen&lt;/b&gt;."
    assert re.search(rf'<div class="[^"]*\bpre-wrap\b[^"]*">{shown}</div>', html)


def test_funnel_shows_every_stage_next_to_hundreds_of_proposals(app):
    from circular_platform.review.quality import Figures, Quality, funnel_svg

    counts = [292, 6, 4, 2, 1]
    with app.test_request_context():
        svg = funnel_svg(Quality(Figures("Totaal", stages=counts), [], []))
    tree = ElementTree.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    bars = [
        float(rect.get("width"))
        for rect in tree.iterfind(".//svg:rect[@class='rect reactive tooltip-trigger']", ns)
    ]
    values = [text.text for text in tree.iterfind(".//svg:text[@class]", ns) if "value" in text.get("class")]
    assert len(bars) == len(counts)
    assert min(bars) > max(bars) / 10  # the one completed match is a bar, not a hairline
    assert values == [str(count) for count in reversed(counts)]  # bottom to top: afgerond first


def test_an_organisation_name_ending_in_a_full_stop_gets_no_second_one(
    client, auth, session, coordinator, make_match, market, outbox
):
    market["frames_s"].organisation.name = "Tweede Kozijn B.V."
    match = make_match("frames_q", "frames_s")
    auth.login("sanne@nice.example")
    client.post(f"/coordination/matches/{match.id}/introduce")
    (to_asker,) = outbox("marieke@hondsrug.example")
    assert "Graag breng ik u in contact met Tweede Kozijn B.V., want" in to_asker.body
    assert ".." not in to_asker.body
