"""Trajectory reads: the client file as a timeline."""

import datetime

from coachcare.audit.services import AccessPoint
from coachcare.clients.models import ClientNote
from coachcare.trajectories import selectors
from coachcare.trajectories.models import FollowUp, Trajectory
from tests.conftest import World
from tests.method.factories import MethodVersionFactory

AP = AccessPoint.command("tests")


def test_a_due_date_in_the_timeline_begins_at_midnight_in_amsterdam(world: World) -> None:
    """A note at 00:30 on 6 December in Amsterdam (23:30 UTC on the 5th) comes after a follow-up due that day."""
    trajectory = Trajectory.objects.create(
        client=world.own,
        municipality_id=world.own.municipality_id,
        coach=world.coach,
        referrer_kind="gemeente",
        referred_on=datetime.date(2026, 6, 1),
        method_version=MethodVersionFactory.create(),
        status="closed",
        end_reason="31",
        closed_on=datetime.date(2026, 6, 6),
    )
    follow_up = FollowUp.objects.create(trajectory=trajectory, months=6, due_on=datetime.date(2026, 12, 6))
    note = ClientNote.objects.create(client=world.own, author=world.coach, text="notitie")
    ClientNote.objects.filter(pk=note.pk).update(created_at=datetime.datetime(2026, 12, 5, 23, 30, tzinfo=datetime.UTC))

    timeline = selectors.client_timeline(actor=world.coach, public_id=world.own.public_id, access_point=AP)

    items = [event.item for event in timeline.events if event.kind in {"note", "follow_up"}]
    assert items == [note, follow_up]  # newest first
