"""Fuzzing the API from its committed schema (docs/openapi.yaml) with schemathesis, as two personas and a department's
system.

Every operation of the schema is called with generated requests (valid and invalid ones) by a township window user
and a county payment officer; the department clients' operations (``/api/v1/exchange/``) also by a department's
system allowed to request verifications, signed in with its key. Straight through the WSGI application inside the
test's transaction. Checks: no answer is a server error, every status code is one the schema documents, every body
and content type matches the schema. Bounded for CI: ``FUZZ_EXAMPLES`` requests per operation, mode and persona, with
Hypothesis derandomised (the same requests every run). Marker ``fuzz``; `make test` runs it on SQLite and again on
PostgreSQL in CI.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from minsheng.accounts.roles import Role
from minsheng.testing import Personas, make_household, make_person

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
PERSONAS = (Role.TOWNSHIP_WINDOW, Role.COUNTY_PAYMENT_OFFICER)
# The operations of the departments' systems (key authentication, not a session), fuzzed as such a system too.
CLIENT_PATHS = "/api/v1/exchange/"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


class InTransactionApp:
    """Django's WSGI application, kept from closing the test's database connection after each answer.

    Django closes a connection whose autocommit is off when a request starts and finishes, and inside the test's
    transaction it is off; the test client disconnects the same signal receiver for the same reason.
    """

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response: Any = self.handler(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]


schema = schemathesis.openapi.from_path(SCHEMA_PATH)
schema.app = InTransactionApp()
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=FUZZ_EXAMPLES, deterministic=True
)


def _registry(p: Personas) -> None:
    """A few households, persons and a payroll batch in the reference area, so that ids and searches find rows."""
    from minsheng.payments.services import payroll_generate
    from minsheng.payments.tests.factories import enrol, payee

    head = make_person(p.village, "王芳", phone="13900001111", phone_masked="139****1111")
    household = make_household(p.village, head, (make_person(p.village, "李强"), "spouse"))
    member = household.memberships.get(relation="spouse")
    member.living_together, member.exclusion = False, "detained"
    member.save()
    make_household(p.township, make_person(p.township, "张伟"))
    enrol(payee(p.village, "赵敏"))
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    payroll_generate(actor=officer, county=p.county, programme="dibao", period=dt.date(2026, 2, 1))


def _department_key(p: Personas) -> str:
    """The key of a department's system that sends property feeds and may request verifications, with a request of
    its own already made (so that its list answers a row)."""
    from minsheng.exchange.services import client_create
    from minsheng.exchange.tests.factories import authorise, family, source
    from minsheng.exchange.verification import client_verification_request

    client, key = client_create(
        actor=p[Role.CITY_ADMIN],
        name="住建局公租房系统",
        area_code=p.city.code,
        sources=[source("property")],
        may_verify=True,
    )
    household, head, spouse, _child = family(p)
    authorise(p, household, [head, spouse])
    client_verification_request(
        client=client, id_number=head.id_number, name=head.name, serial="SQ2026-0001", purpose="housing"
    )
    return key


@pytest.fixture
def department_key(personas: Personas) -> str:
    _registry(personas)
    return _department_key(personas)


@pytest.fixture(params=PERSONAS)
def signed_in(request: pytest.FixtureRequest, personas: Personas) -> Iterator[dict[str, Any]]:
    """The persona's session cookie and a CSRF token (the API checks it on a signed-in session's writes)."""
    _registry(personas)
    client = Client()
    client.force_login(personas[request.param])
    token = secrets.token_hex(16)  # a CSRF secret is 32 characters; the header may carry it unmasked
    yield {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
        "headers": {"X-CSRFToken": token},
    }


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_as_its_schema_says(case: Any, signed_in: dict[str, Any]) -> None:
    case.call_and_validate(checks=CHECKS, cookies=signed_in["cookies"], headers=signed_in["headers"])


@schema.include(path_regex=f"^{CLIENT_PATHS}").parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_a_department_systems_operations_answer_as_their_schema_says(case: Any, department_key: str) -> None:
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {department_key}"})
