"""The municipality access team's portal: allocation requests, decisions, and nothing clinical."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.contracts.models import Allocation, AllocationStatus, AllocationSystem, FundingModel
from coachcare.contracts.selectors import AllocationDecision, allocation_decision_for
from coachcare.contracts.services import allocation_request
from coachcare.core.dates import today
from tests.clients.factories import ClientFactory, ClientNoteFactory, ParentAccessDecisionFactory
from tests.contracts.conftest import FIRST, NEXT, Contracted
from tests.contracts.factories import AllocationFactory
from tests.contracts.test_services import WEB
from tests.pages import shows

Login = Callable[[User], HttpClient]
MARKER = "KLINISCH-MARKER-5e2b9c"
LIST_URL = reverse("contracts:allocation_list")


def detail_url(allocation: Allocation, action: str = "detail") -> str:
    return reverse(f"contracts:allocation_{action}", kwargs={"public_id": allocation.public_id})


@pytest.fixture
def requested(contracted: Contracted) -> Allocation:
    world = contracted.world
    ClientNoteFactory.create(client=world.own, author=world.coach, text=f"Gesprek {MARKER} over thuis")
    ParentAccessDecisionFactory.create(client=world.own, parent=world.ouder, reason=f"Reden {MARKER}")
    return allocation_request(actor=world.coach, client=world.own, module_code=FIRST, access_point=WEB)


def test_toegang_sees_requests_without_clinical_content_or_bsn(
    contracted: Contracted, requested: Allocation, login: Login
) -> None:
    http = login(contracted.world.toegang)

    for url in (LIST_URL, detail_url(requested)):
        response = http.get(url)
        content = response.content.decode()
        assert response.status_code == 200, url
        assert shows(contracted.world.own.full_name, content)
        assert "Kennismaken" in content
        assert MARKER not in content
        assert contracted.world.own.bsn not in content


def test_amounts_are_shown_in_euros_the_dutch_way(contracted: Contracted, requested: Allocation, login: Login) -> None:
    response = login(contracted.world.toegang).get(detail_url(requested))

    assert "€\u00a01.250,00" in response.content.decode()


def test_the_portal_is_dutch_by_default(contracted: Contracted, requested: Allocation, login: Login) -> None:
    content = login(contracted.world.toegang).get(LIST_URL).content.decode()

    assert "Toewijzingsverzoeken" in content


def test_navigation_links_the_portal_for_toegang_only(contracted: Contracted, login: Login) -> None:
    def nav(user: User) -> list[str]:
        return [name for name, _label in login(user).get(reverse("core:home")).context["nav_items"]]

    assert "contracts:allocation_list" in nav(contracted.world.toegang)
    assert "contracts:allocation_list" not in nav(contracted.world.coach)
    assert "contracts:allocation_list" not in nav(contracted.world.beleid)


@pytest.mark.parametrize("actor_key", ["coach", "beleid", "jongere", "beheerder"])
def test_other_roles_cannot_open_the_portal(
    contracted: Contracted, requested: Allocation, login: Login, actor_key: str
) -> None:
    http = login(contracted.world.user(actor_key))

    assert http.get(LIST_URL).status_code == 403
    assert http.get(detail_url(requested)).status_code == 404
    assert http.post(detail_url(requested, "approve"), {"volume": 1}).status_code == 404


def test_toegang_of_another_municipality_gets_404(contracted: Contracted, requested: Allocation, login: Login) -> None:
    http = login(contracted.world.toegang_other)

    assert http.get(detail_url(requested)).status_code == 404
    assert http.post(detail_url(requested, "reject"), {"reason": "Nee."}).status_code == 404
    assert MARKER not in http.get(LIST_URL).content.decode()
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.REQUESTED


def test_toegang_approves_with_a_dutch_amount(contracted: Contracted, requested: Allocation, login: Login) -> None:
    start = today()
    response = login(contracted.world.toegang).post(
        detail_url(requested, "approve"),
        {"volume": "2", "start_date": start.isoformat(), "end_date": start.isoformat(), "budget": "2500,00"},
    )

    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.APPROVED
    assert requested.volume == 2
    assert requested.budget_cents == 250_000
    assert requested.toewijzing_nummer


def test_approve_errors_are_shown_on_the_form(contracted: Contracted, requested: Allocation, login: Login) -> None:
    start = today()
    response = login(contracted.world.toegang).post(
        detail_url(requested, "approve"),
        {"volume": "1", "start_date": start.isoformat(), "end_date": start.isoformat(), "budget": "10,00"},
    )

    assert response.status_code == 400
    assert response.context["approve_form"].errors["budget"]
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.REQUESTED


def test_toegang_rejects_with_a_reason(contracted: Contracted, requested: Allocation, login: Login) -> None:
    http = login(contracted.world.toegang)

    empty = http.post(detail_url(requested, "reject"), {"reason": ""})
    done = http.post(detail_url(requested, "reject"), {"reason": "Geen indicatie voor deze module."})

    assert empty.status_code == 400
    assert done.status_code == 302
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.REJECTED
    decided = http.get(detail_url(requested))
    assert "approve_form" not in decided.context


def test_list_query_count_is_the_same_for_3_and_30_allocations(contracted: Contracted, login: Login) -> None:
    world = contracted.world
    http = login(world.toegang)

    def add(n: int) -> None:
        for i in range(n):
            client = ClientFactory.create(municipality=world.municipality_a, coach=world.coach)
            product = contracted.first if i % 2 else contracted.next
            AllocationFactory.create(client=client, product=product, approved=bool(i % 3 == 0))

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            response = http.get(LIST_URL)
        assert response.status_code == 200
        return len(context.captured_queries)

    add(3)
    http.get(LIST_URL)  # warm caches (content types, sessions)
    few = count()
    add(27)
    many = count()

    assert few == many
    # the budget per funding model, the budget path and the lump-sum instalments: a few fixed queries
    assert many <= 16


# --- where allocations are decided (issue 18.3) -------------------------------------------------


def test_in_external_mode_the_forms_are_hidden_and_a_post_is_refused(
    contracted: Contracted, requested: Allocation, login: Login
) -> None:
    contracted.contract.allocation_system = AllocationSystem.MUNICIPALITY
    contracted.contract.save(update_fields=["allocation_system"])
    http = login(contracted.world.toegang)

    page = http.get(detail_url(requested)).content.decode()
    assert detail_url(requested, "approve") not in page
    assert detail_url(requested, "reject") not in page
    assert "eigen systeem van de gemeente" in page
    data = {"volume": "1", "start_date": today().isoformat(), "end_date": today().isoformat()}
    response = http.post(detail_url(requested, "approve"), data)
    assert response.status_code == 400
    assert "eigen systeem van de gemeente" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == AllocationStatus.REQUESTED


def test_toegang_sees_and_confirms_a_mandate_start(mandated: Contracted, login: Login) -> None:
    world = mandated.world
    AllocationFactory.create(approved=True, client=world.own, product=mandated.first)
    started = allocation_request(actor=world.coach, client=world.own, module_code=NEXT, access_point=WEB)
    http = login(world.toegang)

    listed = http.get(LIST_URL, {"status": "mandate"}).content.decode()
    assert detail_url(started) in listed
    assert "wacht op uw toewijzing" in listed
    page = http.get(detail_url(started)).content.decode()
    assert detail_url(started, "approve") in page
    assert detail_url(started, "reject") not in page
    data = {"volume": "1", "start_date": today().isoformat(), "end_date": today().isoformat()}
    assert http.post(detail_url(started, "approve"), data).status_code == 302
    started.refresh_from_db()
    assert started.toewijzing_nummer and not started.awaits_municipality_number


def test_the_screen_asks_the_selector_what_it_offers(contracted: Contracted, requested: Allocation) -> None:
    """``allocation_decision_for`` answers what the template used to decide itself (issue 15
    follow-up, item 6): the forms, the "decided elsewhere" notice and how the product is priced."""

    toegang = contracted.world.toegang
    assert allocation_decision_for(actor=toegang, allocation=requested) == AllocationDecision(
        decide=True, confirm_mandate_start=False, decided_elsewhere=False, priced_per_unit=False
    )
    requested.contract.allocation_system = AllocationSystem.MUNICIPALITY  # decided in its own system
    requested.product.funding_model = FundingModel.EFFORT
    answer = allocation_decision_for(actor=toegang, allocation=requested)
    assert (answer.decide, answer.decided_elsewhere, answer.priced_per_unit) == (False, True, True)
    requested.status = AllocationStatus.REJECTED
    assert not allocation_decision_for(actor=toegang, allocation=requested).decided_elsewhere
