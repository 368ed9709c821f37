"""Trajectory reads: the client file as a timeline, the caseload."""

import datetime

import pytest

from coachcare.audit.services import AccessPoint
from coachcare.clients.models import ClientNote
from coachcare.trajectories import selectors
from coachcare.trajectories.models import FollowUp, Status, Trajectory
from tests.clients.factories import ClientFactory
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


@pytest.mark.parametrize("actor_key", ["coach", "teamleider", "coach_other_team", "ouder"])
def test_the_caseload_statement_gives_the_pages_the_orm_gives(
    world: World, actor_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``caseload_list`` reads a page in range with one statement (rows and count together); a
    page out of range and a search go through the ORM and ``Paginator.get_page``. Both give the
    same rows, order (due date, none last, then id), page number and number of pages."""
    monkeypatch.setattr(selectors, "CASELOAD_PAGE_SIZE", 3)
    method_version = MethodVersionFactory.create()
    clients = [world.own, world.team, world.other_team] + [
        ClientFactory.create(coach=world.coach, municipality=world.municipality_a) for _ in range(5)
    ]
    dues = [None, datetime.date(2026, 3, 1), datetime.date(2026, 1, 5), None, datetime.date(2026, 1, 5)]
    for index, client in enumerate(clients):
        Trajectory.objects.create(
            client=client,
            municipality_id=client.municipality_id,
            coach=None if index == 2 else client.coach,
            referrer_kind="gemeente",
            referred_on=datetime.date(2026, 1, 1),
            method_version=method_version,
            status=Status.ARCHIVED if index == 4 else Status.INTAKE,
            next_action="intake",
            next_action_due=dues[index % len(dues)],
        )
    actor = world.user(actor_key)

    for number in [0, 1, 2, 3, 4, 99]:
        page = selectors.caseload_list(actor=actor, access_point=AP, page=number)
        expected = selectors._caseload_page_orm(actor=actor, page=number, search="")
        assert [row.public_id for row in page] == [row[0] for row in expected]
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            expected.number,
            expected.paginator.count,
            expected.paginator.num_pages,
        )
        fast = selectors._caseload_page_rows(actor=actor, number=number) if number >= 1 else None
        if fast is not None:
            assert fast == (list(expected.object_list), expected.paginator.count)
    assert selectors.caseload_list(actor=world.coach, access_point=AP).paginator.count == 6  # not the archived one


def test_a_caseload_without_visible_clients_is_an_empty_page(world: World) -> None:
    """The policy's ``none()`` (here: an account deactivated while it is in use) has no SQL to write
    into the statement: the ORM gives the empty page."""
    world.teamleider.is_active = False

    page = selectors.caseload_list(actor=world.teamleider, access_point=AP)

    assert (list(page), page.number, page.paginator.num_pages) == ([], 1, 1)
