"""Property-based test of the REST API against its own OpenAPI schema (schemathesis, in-process WSGI).

A handful of generated requests per operation, with a valid token: no server error (5xx) and every
response conforms to the schema (status codes, content types, bodies).
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from coachcare.api.services import api_token_create
from tests.api.conftest import ApiWorld

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def token(api_world: ApiWorld) -> Iterator[str]:
    """A coach's token. Like django.test.Client, the WSGI requests must not close the test's
    database connection (PostgreSQL: close_old_connections on request_finished)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield api_token_create(user=api_world.world.coach, name="schemathesis").raw
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any], token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.text
    # Missing and bad tokens are tested in test_auth.py (this check would replay with our token);
    # a random string is a schema-valid cursor that the server rightly refuses with 400.
    case.validate_response(response, excluded_checks=[ignored_auth, positive_data_acceptance])
