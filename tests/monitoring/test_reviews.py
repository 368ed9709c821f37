"""The kwartaalgesprek (issue 17.5): recorded by the parties, actions followed up, in the next report."""

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.monitoring import services
from coachcare.monitoring.models import QuarterlyReview, ReviewAction
from coachcare.monitoring.services.evidence_report import _report_context
from tests.conftest import World

pytestmark = pytest.mark.django_db

D = datetime.date


def _record(world: World, held_on: datetime.date, n_actions: int = 1) -> QuarterlyReview:
    return services.quarterly_review_record(
        actor=world.beleid,
        municipality=world.municipality_a,
        provider=world.provider,
        held_on=held_on,
        participants="A. Beleid (gemeente), T. Leider (aanbieder)",
        summary="Uitval in Q1 besproken",
        actions=[
            services.AgreedAction(description=f"Actie {i}", owner="Aanbieder", due_on=held_on + datetime.timedelta(30))
            for i in range(n_actions)
        ],
    )


def test_recorded_through_the_page_and_followed_up(contracted: World, login: Callable[[User], HttpClient]) -> None:
    world = contracted
    lead = login(world.teamleider)
    page = lead.get("/monitoring/reviews/").content.decode()
    assert world.municipality_a.name in page and 'name="action_1"' in page
    response = lead.post(
        "/monitoring/reviews/",
        {
            "counterpart": world.municipality_a.pk,
            "held_on": "2025-04-02",
            "participants": "A. Beleid, T. Leider",
            "summary": "Wachttijden",
            "action_1": "Extra intakeplek",
            "owner_1": "Aanbieder",
            "due_1": "2025-06-01",
            "action_2": "Cijfers Q2 delen",
            "owner_2": "",  # incomplete: refused as a whole
            "due_2": "",
        },
    )
    assert response.status_code == 200 and not QuarterlyReview.objects.exists()
    response = lead.post(
        "/monitoring/reviews/",
        {"counterpart": world.municipality_a.pk, "held_on": "2025-04-02", "participants": "A. Beleid, T. Leider",
         "action_1": "Extra intakeplek", "owner_1": "Aanbieder", "due_1": "2025-06-01"},
    )  # fmt: skip
    assert response.status_code == 302
    review = QuarterlyReview.objects.get()
    assert (review.municipality, review.provider) == (world.municipality_a, world.provider)
    action = review.actions.get()
    beleid = login(world.beleid)
    assert "Extra intakeplek" in beleid.get("/monitoring/reviews/").content.decode()
    response = beleid.post(
        f"/monitoring/reviews/actions/{action.pk}/",
        {f"action{action.pk}-status": "done", f"action{action.pk}-follow_up": "Plek per 1 mei"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ReviewAction.Status.DONE and action.follow_up == "Plek per 1 mei"
    # access staff read, do not follow up; another municipality sees nothing
    toegang = login(world.toegang)
    assert "Extra intakeplek" in toegang.get("/monitoring/reviews/").content.decode()
    assert (
        toegang.post(f"/monitoring/reviews/actions/{action.pk}/", {f"action{action.pk}-status": "open"}).status_code
        == 403
    )
    other = login(world.toegang_other)
    assert "Extra intakeplek" not in other.get("/monitoring/reviews/").content.decode()
    assert (
        other.post(f"/monitoring/reviews/actions/{action.pk}/", {f"action{action.pk}-status": "open"}).status_code
        == 404
    )
    assert login(world.coach).get("/monitoring/reviews/").status_code == 403


def test_only_contract_parties_record(contracted: World) -> None:
    world = contracted
    with pytest.raises(policy.Refused):
        services.quarterly_review_record(
            actor=world.toegang, municipality=world.municipality_a, provider=world.provider,
            held_on=D(2025, 4, 1), participants="x", actions=[],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.quarterly_review_record(
            actor=world.beleid, municipality=world.municipality_a, provider=world.provider, held_on=D(2025, 4, 1),
            participants="x", actions=[services.AgreedAction(description="a", owner="b", due_on=D(2025, 3, 1))],
        )  # fmt: skip


def test_review_list_query_count_does_not_grow(contracted: World, login: Callable[[User], HttpClient]) -> None:
    world = contracted
    http = login(world.beleid)
    _record(world, D(2025, 1, 10), n_actions=2)
    http.get("/monitoring/reviews/")
    with CaptureQueriesContext(connection) as small:
        assert http.get("/monitoring/reviews/").status_code == 200
    for month in range(2, 8):
        _record(world, D(2025, month, 10), n_actions=3)
    with CaptureQueriesContext(connection) as large:
        assert http.get("/monitoring/reviews/").status_code == 200
    assert len(large) == len(small)


def test_reviews_show_in_the_next_report(contracted: World) -> None:
    world = contracted
    _record(world, D(2025, 3, 20))
    later = _record(world, D(2026, 1, 15))
    later.actions.update(description="Later actie")
    context = _report_context(
        municipality=world.municipality_a, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), module_code="", age_band=""
    )
    html = render_to_string("monitoring/report.html", context)
    assert "Actie 0" in html and "A. Beleid (gemeente)" in html
    assert "Later actie" not in html  # held after the report's period
    other = _report_context(
        municipality=world.municipality_b, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), module_code="", age_band=""
    )
    assert other["reviews"] == []
