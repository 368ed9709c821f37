"""``core.http``: parameters that are ids, and the malformed ones the issue named (400, not 500)."""

import uuid

import pytest
from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils.http import urlencode

from coachcare.core.http import int_param, text_param, uuid_param
from coachcare.privacy import services
from coachcare.privacy.models import DestructionRequest
from tests.conftest import World
from tests.core.url_walk import AP


@pytest.mark.parametrize("raw", ["not-a-uuid", "9" * 25, "\x00", "é☃", "x" * 5000])
def test_uuid_param_refuses_anything_but_a_uuid(raw: str) -> None:
    with pytest.raises(BadRequest):
        uuid_param(QueryDict(urlencode({"request": raw})), "request")


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1.5", "9" * 25, "2147483648", "٣", "\x00"])
def test_int_param_refuses_anything_but_a_positive_database_integer(raw: str) -> None:
    with pytest.raises(BadRequest):
        int_param(QueryDict(urlencode({"relation": raw})), "relation")


@pytest.mark.parametrize("raw", ["-1", "abc", "2147483648"])
def test_int_param_from_zero_still_refuses_negative_and_too_large(raw: str) -> None:
    with pytest.raises(BadRequest):
        int_param(QueryDict(urlencode({"trajectory_version": raw})), "trajectory_version", minimum=0)


def test_int_param_from_zero_accepts_zero() -> None:
    assert int_param(QueryDict("trajectory_version=0"), "trajectory_version", minimum=0) == 0


def test_params_absent_or_empty_are_none_and_valid_ones_parse() -> None:
    value = uuid.uuid4()
    data = QueryDict(f"request={value}&relation=42&empty=")

    assert uuid_param(data, "request") == value and int_param(data, "relation") == 42
    assert uuid_param(data, "empty") is None and int_param(data, "missing") is None


@pytest.mark.parametrize("value", ["not-a-uuid", "9" * 25])
def test_destruction_request_with_a_malformed_id_is_a_400(world: World, login, value: str) -> None:  # type: ignore[no-untyped-def]
    http = login(world.teamleider)

    assert http.post(f"/privacy/destruction/requests/?request={value}", {"request": value}).status_code == 400
    assert http.post("/privacy/destruction/requests/", {"request": ""}).status_code == 404


def test_destruction_request_with_a_valid_id_still_works(world: World, login) -> None:  # type: ignore[no-untyped-def]
    item = services.destruction_request_create(actor=world.jongere, client=world.own, access_point=AP)
    http = login(world.teamleider)

    response = http.post("/privacy/destruction/requests/", {"request": str(item.public_id), "action": "refuse"})

    assert response.status_code == 200  # the refusal form again: a reason is needed
    assert DestructionRequest.objects.get(pk=item.pk).status == "open"


def test_parent_thread_with_a_malformed_relation_is_a_400(world: World, login) -> None:  # type: ignore[no-untyped-def]
    http = login(world.coach)
    url = f"/messages/open/{world.own.public_id}/"

    assert http.post(url + "?relation=abc", {"kind": "parent", "relation": "abc"}).status_code == 400
    assert http.post(url, {"kind": "parent", "relation": ""}).status_code == 404


def test_parent_consent_with_a_malformed_relation_is_a_400(world: World, login) -> None:  # type: ignore[no-untyped-def]
    http = login(world.jongere)

    assert http.post("/privacy/consent/parents/?relation=abc", {"relation": "abc"}).status_code == 400
    assert http.post("/privacy/consent/parents/", {"relation": "9" * 25}).status_code == 400


def test_text_param_cuts_long_text_and_refuses_a_nul() -> None:
    assert text_param(QueryDict("q=" + "a" * 150), "q") == "a" * 100
    assert text_param(QueryDict(""), "q") == ""
    with pytest.raises(BadRequest):
        text_param(QueryDict(urlencode({"q": "de\x00vries"})), "q")


@pytest.mark.parametrize("role", ["coach", "toegang", "ouder"])
def test_a_search_with_a_nul_is_a_400_not_a_database_error(world: World, login, role: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL cannot compare with a NUL: the start pages' search refuses it before the query."""
    http = login(world.user(role))
    assert http.get("/?" + urlencode({"q": "de\x00vries"})).status_code == 400
    assert http.get("/?" + urlencode({"q": "de vries"})).status_code == 200
