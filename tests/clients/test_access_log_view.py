""" "Who opened my file": the whole log page by page, filtered by role or person and period, the
young person's own visits grouped into one line; a fixed number of queries whatever its size."""

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coachcare.accounts.models import User
from coachcare.audit.models import AccessLogEntry
from coachcare.audit.selectors import ACCESS_LOG_PAGE_SIZE
from coachcare.clients.models import Client
from tests.conftest import World

Login = Callable[[User], HttpClient]
NOW = timezone.now()


@pytest.fixture(autouse=True)
def _english_ui(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"


def _log(client: Client, user: User, count: int, *, days_ago: int = 0, action: str = "client.file") -> None:
    """``count`` entries of ``user`` on ``client``'s file, one minute apart, ``days_ago`` days back."""
    start = NOW - datetime.timedelta(days=days_ago)
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            timestamp=start - datetime.timedelta(minutes=i),
            event="read",
            action=action,
            client_public_id=client.public_id,
            user_id=user.pk,
            username=user.username,
            user_display_name=user.display_name,
            role=user.role,
            channel="web",
            access_point="127.0.0.1",
        )
        for i in range(count)
    )


def _url(world: World) -> str:
    return reverse("clients:access_log", kwargs={"public_id": world.own.public_id})


def test_the_whole_log_page_by_page_with_own_visits_grouped(world: World, login: Login) -> None:
    _log(world.own, world.coach, 230, days_ago=1)  # more than the 200 the page used to stop at
    _log(world.own, world.jongere, 58)
    http = login(world.jongere)
    first = http.get(_url(world))
    assert first.status_code == 200
    page = " ".join(first.content.decode().split())
    assert len(first.context["entries"]) == ACCESS_LOG_PAGE_SIZE
    assert all(entry.username == "coach" for entry in first.context["entries"])
    assert "You yourself: 58 times" in page
    assert "230 times someone else looked at or changed your file." in page
    assert 'rel="next" href="?page=2"' in page and "Page 1 of 5" in page
    last = http.get(_url(world), {"page": 5})
    oldest = AccessLogEntry.objects.filter(username="coach").order_by("timestamp").first()
    assert oldest is not None and last.context["entries"][-1].pk == oldest.pk  # nothing cut off
    assert len(last.context["entries"]) == 230 - 4 * ACCESS_LOG_PAGE_SIZE
    assert http.get(_url(world), {"page": "abc"}).context["page"].number == 1  # a bad page number is page 1


def test_filter_by_role_person_and_period(world: World, login: Login) -> None:
    _log(world.own, world.coach, 3, days_ago=40)
    _log(world.own, world.teamleider, 2, days_ago=10)
    _log(world.own, world.beheerder, 1, days_ago=1)
    _log(world.own, world.jongere, 4, days_ago=1)
    http = login(world.jongere)

    def names(**params: str) -> list[str]:
        response = http.get(_url(world), params)
        assert response.status_code == 200
        return [entry.username for entry in response.context["entries"]]

    assert names(who="role:teamleider") == ["teamleider", "teamleider"]
    assert names(who="person:coach") == ["coach"] * 3
    today = timezone.localdate()
    recent = {"date_from": (today - datetime.timedelta(days=20)).isoformat(), "date_to": today.isoformat()}
    assert sorted(set(names(**recent))) == ["beheerder", "teamleider"]
    old = names(date_to=(today - datetime.timedelta(days=30)).isoformat())
    assert old == ["coach"] * 3
    # The filter is kept in the page links, and the own visits follow the period.
    _log(world.own, world.coach, ACCESS_LOG_PAGE_SIZE, days_ago=2)
    response = http.get(_url(world), {"who": "role:coach", "page": "1"})
    assert 'value="role:coach" selected' in response.content.decode()
    assert 'rel="next" href="?who=role%3Acoach&amp;page=2"' in response.content.decode()
    before_own_visits = http.get(_url(world), {"date_to": recent["date_from"]}).content.decode()
    assert "You yourself" not in before_own_visits
    assert "You yourself:" in http.get(_url(world), recent).content.decode()  # 4, and each look since


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-05-01", "date_to": "2026-04-01"},
        {"date_from": "yesterday"},
        {"who": "person:somebody-else"},
        {"who": "role:"},
    ],
)
def test_bad_filter_input_is_a_form_error(world: World, login: Login, params: dict[str, str]) -> None:
    _log(world.own, world.coach, 2)
    response = login(world.jongere).get(_url(world), params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert len(response.context["entries"]) == 2  # nothing narrowed on bad input


def test_the_security_officer_sees_every_line_and_the_filter(world: World, login: Login) -> None:
    _log(world.own, world.coach, 60)
    _log(world.own, world.jongere, 5)
    response = login(world.beheerder).get(_url(world), {"who": "role:jongere"})
    assert [entry.username for entry in response.context["entries"]] == ["jongere"] * 5
    assert "65 entries." not in response.content.decode()
    assert "5 entries." in response.content.decode()


def test_query_count_does_not_grow_with_the_log(world: World, login: Login) -> None:
    http = login(world.jongere)

    def queries(**params: str) -> int:
        http.get(_url(world), params)  # session, badge caches
        with CaptureQueriesContext(connection) as captured:
            assert http.get(_url(world), params).status_code == 200
        return len(captured)

    _log(world.own, world.coach, 3)
    _log(world.own, world.jongere, 2)
    small = queries()
    small_filtered = queries(who="role:coach", date_from=timezone.localdate().isoformat())
    _log(world.own, world.coach, 300, days_ago=2)
    _log(world.own, world.teamleider, 40)
    _log(world.own, world.jongere, 100)
    assert queries() == small
    assert queries(who="role:coach", date_from=timezone.localdate().isoformat()) == small_filtered
    assert queries(page="3") == small
