"""The story behind the numbers shared with the municipality (issue 17.5)."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.utils import timezone

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors, services
from coachcare.monitoring.models import Annotation
from tests.conftest import World
from tests.pages import shows

pytestmark = pytest.mark.django_db


def _period() -> dict[str, object]:
    today = timezone.localdate()
    return {"indicator_code": "dropout", "period_from": today.replace(day=1), "period_to": today}


def test_provider_shares_a_comment_with_a_contracted_municipality(
    contracted: World, login: Callable[[User], HttpClient]
) -> None:
    world = contracted
    lead = login(world.teamleider)
    form_page = lead.get("/monitoring/provider/").content.decode()
    assert 'name="shared_with"' in form_page and shows(world.municipality_a.name, form_page)
    assert world.municipality_b.name not in form_page.split('name="shared_with"')[1].split("</select>")[0]
    response = lead.post(
        "/monitoring/annotations/provider/",
        {**_period(), "text": "Two coaches left in March", "shared_with": world.municipality_a.pk},
    )
    assert response.status_code == 302
    annotation = Annotation.objects.get()
    assert annotation.provider_id == world.provider.pk and annotation.shared_with == world.municipality_a
    page = login(world.beleid).get("/monitoring/municipality/").content.decode()
    assert "Two coaches left in March" in page
    assert shows(world.teamleider.display_name, page) and shows(world.provider.name, page)
    assert "Two coaches left" not in login(world.toegang_other).get("/monitoring/municipality/").content.decode()
    # not shared: stays with the provider
    lead.post("/monitoring/annotations/provider/", {**_period(), "text": "Internal remark"})
    assert "Internal remark" not in login(world.beleid).get("/monitoring/municipality/").content.decode()


def test_sharing_needs_a_contract_and_a_provider_comment(contracted: World) -> None:
    world = contracted
    with pytest.raises(policy.Refused):
        services.annotation_create(
            actor=world.teamleider,
            provider_id=world.provider.pk,
            shared_with=world.municipality_b,  # no contract with B
            text="x",
            **_period(),  # type: ignore[arg-type]
        )
    with pytest.raises(ValidationError):
        services.annotation_create(
            actor=world.beleid,
            municipality=world.municipality_a,
            shared_with=world.municipality_a,
            text="x",
            **_period(),  # type: ignore[arg-type]
        )


def test_shared_annotations_in_the_municipality_scope_cost_one_query(contracted: World) -> None:
    world = contracted
    for i in range(3):
        services.annotation_create(
            actor=world.teamleider,
            provider_id=world.provider.pk,
            shared_with=world.municipality_a,
            text=f"shared {i}",
            **_period(),  # type: ignore[arg-type]
        )
    today = timezone.localdate()
    scope = ind.Scope(date_from=today.replace(day=1), date_to=today)
    outcome_scope = selectors.municipality_outcome_scope(municipality_id=world.municipality_a.pk)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        shown = [(a.text, a.author.display_name, a.provider.name if a.provider else "") for a in
                 selectors.annotations_for(scope=scope, outcome_scope=outcome_scope)]  # fmt: skip
    assert len(queries) == 1 and len(shown) == 3
