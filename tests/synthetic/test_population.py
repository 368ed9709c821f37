"""The synthetic population: valid data, deterministic for a seed, refused on production by default."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from stdnum.nl import bsn as stdnum_bsn

from coachcare.clients.models import Client
from coachcare.core.dates import age_on, today
from coachcare.synthetic.population import population_generate
from coachcare.trajectories.models import Goal, GoalScore, Trajectory

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[str, str, datetime.date, str]]:
    return list(
        Client.objects.order_by("id").values_list("given_name", "family_name", "birth_date", "municipality__code")
    )


def test_same_seed_same_people() -> None:
    with transaction.atomic():
        population_generate(youths=60, seed=7)
        first = snapshot()
        first_bsns = [client.bsn for client in Client.objects.order_by("id")]
        transaction.set_rollback(True)
    population_generate(youths=60, seed=7)
    assert snapshot() == first
    assert [client.bsn for client in Client.objects.order_by("id")] == first_bsns


def test_people_are_valid_and_marked_synthetic() -> None:
    result = population_generate(youths=120, seed=1)
    assert result.clients == 120 and result.trajectories == 120
    on = today()
    for client in Client.objects.all():
        assert stdnum_bsn.is_valid(client.bsn) and client.bsn.startswith("9")
        assert 12 <= age_on(client.birth_date, on) <= 23
        assert client.municipality.code >= "5000"
    assert Trajectory.objects.count() == 120
    assert GoalScore.objects.filter(module_run__isnull=True).count() == Goal.objects.count()


@override_settings(DEBUG=False)
def test_command_refuses_without_debug_unless_forced() -> None:
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_population", youths=5)
    call_command("generate_population", youths=5, force=True)
    assert Client.objects.count() == 5
