"""Schemathesis against the OpenAPI document: generated requests, anonymous and with a read-write
token, get no server error and no response the document does not describe.

Examples are few per operation and derandomized, so the suite stays fast and repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from circular_platform.api import tokens
from circular_platform.models import TokenScope

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FEW_EXAMPLES = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    # the app and its data are made once per operation, not per example: that is the point
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def api_schema(app, session, corporation, company, make_question, make_solution, make_passport):
    """The document of an app holding a public, a members-only and a draft question, a solution, and
    a published and a private building passport."""
    make_question(
        corporation, material_lines=[{"material": "houten kozijnen", "quantity": 180, "unit": "stuk"}]
    )
    make_question(corporation, "Dakpannen voor leden alleen", visibility="members")
    make_question(corporation, "Concept: zonnepanelen hergebruiken", status="concept")
    make_solution(company)
    make_passport(corporation)
    make_passport(corporation, "Kantoor nog niet gedeeld", published=False)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def token_headers(session, corporation) -> dict[str, str]:
    member = corporation.active_members[0]
    _token, secret = tokens.create_token(session, member, "schemathesis", TokenScope.READ_WRITE)
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def check_every_operation(schema, headers: dict[str, str] | None = None) -> None:
    """Each operation with its own generated cases. (schemathesis' pytest loader reads a pytest
    attribute that pytest 9.2 no longer has, so the operations are walked here.)"""
    for result in schema.get_all_operations():
        operation = result.ok()

        cases = st.one_of(operation.as_strategy(mode) for mode in GenerationMode)  # valid and invalid

        @given(case=cases)
        @FEW_EXAMPLES
        def call(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        call()


def test_anonymous_requests_keep_to_the_document(api_schema):
    check_every_operation(api_schema)


def test_requests_with_a_token_keep_to_the_document(api_schema, token_headers):
    check_every_operation(api_schema, token_headers)
