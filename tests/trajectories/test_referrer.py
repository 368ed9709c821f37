"""The legal referrer (ReferrerKind = iJw Verwijzer) and the route through the municipality."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from coachcare.audit.services import AccessPoint
from coachcare.method import selectors as method_selectors
from coachcare.trajectories import services
from coachcare.trajectories.models import Trajectory
from tests.conftest import World

pytestmark = pytest.mark.django_db
AP = AccessPoint.command("test")


def test_the_municipality_referring_through_school_records_the_route(contracted: World) -> None:
    world = contracted
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", referral_route="school", access_point=AP
    )
    assert (trajectory.referrer_kind, trajectory.referral_route) == ("gemeente", "school")


@pytest.mark.parametrize(
    ("kind", "route", "field"),
    [
        ("school", "", "referrer_kind"),
        ("zelf", "", "referrer_kind"),
        ("huisarts", "school", "referral_route"),
        ("gemeente", "buurman", "referral_route"),
    ],
)
def test_no_route_as_referrer_and_a_route_only_for_the_municipality(
    contracted: World, kind: str, route: str, field: str
) -> None:
    world = contracted
    with pytest.raises(ValidationError) as error:
        services.trajectory_open(
            actor=world.coach, client=world.own, referrer_kind=kind, referral_route=route, access_point=AP
        )
    assert field in error.value.message_dict
    assert not Trajectory.objects.filter(client=world.own).exists()


def test_the_data_migration_moves_old_routes_under_the_municipality(contracted: World) -> None:
    migration = importlib.import_module("coachcare.trajectories.migrations.0005_referrer_legal_verwijzer_and_route")
    world = contracted
    version = method_selectors.method_version_current()
    assert version is not None
    old = {}
    for kind in ("school", "wijkteam", "zelf", "other", "huisarts", "jeugdarts"):
        old[kind] = Trajectory.objects.create(
            client=world.own,
            municipality_id=world.own.municipality_id,
            referrer_kind=kind,
            referred_on=datetime.date(2025, 1, 1),
            method_version=version,
            status="archived",
        ).pk
    migration.forwards(apps, None)
    now = dict(Trajectory.objects.values_list("pk", "referrer_kind"))
    routes = dict(Trajectory.objects.values_list("pk", "referral_route"))
    for kind in ("school", "wijkteam", "zelf", "other"):
        assert (now[old[kind]], routes[old[kind]]) == ("gemeente", kind)
    for kind in ("huisarts", "jeugdarts"):
        assert (now[old[kind]], routes[old[kind]]) == (kind, "")
