"""Factories for trajectories and their module runs (tests/<app>/factories.py)."""

import datetime

import factory

from coachcare.core.dates import today
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.clients.factories import ClientFactory
from tests.method.factories import MethodVersionFactory, ModuleFactory


class TrajectoryFactory(factory.django.DjangoModelFactory[Trajectory]):
    """A trajectory referred by the municipality today, in the client's municipality; ``closed=True``
    for one closed with end reason 31 (``closed_on`` to set the day)."""

    class Meta:
        model = Trajectory

    class Params:
        closed = factory.Trait(status="closed", end_reason="31", closed_on=factory.LazyFunction(today))

    client = factory.SubFactory(ClientFactory)
    municipality_id = factory.SelfAttribute("client.municipality_id")
    referrer_kind = "gemeente"
    referred_on = factory.LazyFunction(today)
    method_version = factory.SubFactory(MethodVersionFactory)


class ModuleRunFactory(factory.django.DjangoModelFactory[ModuleRun]):
    """The first module run of a trajectory, started today and due in twelve weeks."""

    class Meta:
        model = ModuleRun

    trajectory = factory.SubFactory(TrajectoryFactory)
    module = factory.SubFactory(ModuleFactory, method_version=factory.SelfAttribute("..trajectory.method_version"))
    sequence = 1
    started_on = factory.LazyFunction(today)
    due_on = factory.LazyAttribute(lambda run: run.started_on + datetime.timedelta(weeks=12))
