"""What a scanner, a busy database and careless input do to the site: never a server error.

Malformed query strings on every GET page give a 400 with a message or are ignored; writers
wait for SQLite's lock instead of failing; the error page renders after a database error;
form, import and API share one set of text rules.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from circular_platform.models import Organisation

HUGE_ID = "1" + "0" * 22  # 23 digits: beyond every integer column, also PostgreSQL's BIGINT
MALFORMED_ARGS = {
    "status": "nonsense",
    "kind": "nonsense",
    "theme": "nonsense",
    "sector": "nonsense",
    "maturity": "nonsense",
    "procurement": "nonsense",
    "sort": "nonsense",
    "age": "²",
    "province": "²",
    "municipality": "²",
    "organisation": HUGE_ID,
    "page": HUGE_ID,
    "membership_id": "abc",
    "min_score": "²",
    "threshold": "²",
    "year": "²",
    "quarter": "²",
    "endpoint": "x",
    "_method": "POST",
    "q": "a\x00b",
    "next": "//evil.example",
    "place": "²",
}
CASES = [{name: value} for name, value in MALFORMED_ARGS.items()] + [
    {"page": "-3"},
    {"page": "²"},
    {"province": HUGE_ID, "municipality": HUGE_ID},
    MALFORMED_ARGS,
]


def get_routes(app: Flask) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.endpoint.endswith("static")
    ]


def path_for(rule, ids: dict[str, str]) -> str:
    values = {name: ids.get(name, "x") for name in rule.arguments}
    if "kind" in values:
        values["kind"] = "questions"
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", value)
        for converter in ("int", "any(questions, solutions)"):
            path = path.replace(f"<{converter}:{name}>", value)
    return path


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)  # collect every 500 instead of stopping at one
@pytest.mark.parametrize("role", ["anonymous", "member", "coordinator"])
def test_malformed_query_strings_on_every_page_give_no_server_error(
    app: Flask,
    client: FlaskClient,
    auth,
    role: str,
    corporation: Organisation,
    company: Organisation,
    coordinator,
    make_question,
    make_solution,
):
    question = make_question(corporation)
    solution = make_solution(company)
    existing = {
        "question_id": str(question.id),
        "solution_id": str(solution.id),
        "organisation_id": str(corporation.id),
        "bundle_id": "1",
        "match_id": "1",
    }
    huge = dict.fromkeys(existing, HUGE_ID)
    if role == "member":
        auth.login("marieke@hondsrug.example")
    elif role == "coordinator":
        auth.login(coordinator.email)
    failures = []
    for rule in get_routes(app):
        paths = {path_for(rule, existing), path_for(rule, huge)}
        for path in sorted(paths):
            for args in CASES if path == path_for(rule, existing) else [{}, MALFORMED_ARGS]:
                status = client.get(path, query_string=args).status_code
                if status >= 500:
                    failures.append((path, sorted(args), status))
    assert not failures, "\n".join(map(str, failures))


def test_malformed_values_are_ignored_or_refused_with_a_message(client, corporation, make_question):
    for n in range(21):
        make_question(corporation, title=f"Vraag nummer {n} over kozijnen")
    assert client.get(f"/questions/{HUGE_ID}").status_code == 404
    listed = client.get("/questions/", query_string={"status": "nonsense", "province": "²", "page": "999"})
    assert "Pagina 2 van 2" in listed.text  # the last page, the malformed filters ignored
    assert "Pagina 1 van 2" in client.get("/questions/", query_string={"page": HUGE_ID}).text
    paged = client.get("/questions/", query_string={"endpoint": "x", "_method": "POST"})
    assert 'href="/questions/?page=2"' in paged.text
    refused = client.get("/search/", query_string={"q": "kozijn\x00"})
    assert refused.status_code == 400
    assert "ongeldige tekens" in refused.text
