"""The access policy as a table: role × relation to the client × kind of data → allowed or not."""

import datetime
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from coachcare.access import policy
from coachcare.access.policy import DataKind
from coachcare.accounts.models import User
from coachcare.clients.models import Client, ParentAccessDecision
from tests.accounts.factories import UserFactory
from tests.clients.factories import ClientFactory, GezagRelationFactory, ParentAccessDecisionFactory
from tests.conftest import World
from tests.contracts.factories import AllocationFactory
from tests.factories import birth_date_for_age

A, ID, C, L = DataKind.ADMINISTRATIVE, DataKind.IDENTITY, DataKind.CLINICAL, DataKind.ACCESS_LOG
EVERYTHING = {A, ID, C, L}
FILE = {A, ID, C}  # the whole file, without the access log
NOTHING: set[DataKind] = set()

#: (actor, client, kinds the actor may see). Every client in the world is 15 today.
MATRIX = [
    ("jongere", "own", EVERYTHING),
    ("jongere", "other_team", NOTHING),
    ("ouder", "own", FILE),
    ("ouder", "team", NOTHING),
    ("ouder_zonder_gezag", "own", NOTHING),
    ("coach", "own", FILE),
    ("coach", "team", FILE),
    ("coach", "other_team", NOTHING),
    ("teamleider", "own", FILE),
    ("teamleider", "team", FILE),
    ("teamleider", "other_team", NOTHING),
    ("teamleider_other_team", "own", NOTHING),
    ("toegang", "own", {A, ID}),
    ("toegang", "team", {A, ID}),
    ("toegang", "other_team", NOTHING),
    ("toegang_other", "other_team", {A, ID}),
    ("beleid", "own", NOTHING),
    ("beleid", "other_team", NOTHING),
    ("beheerder", "own", {A, L}),
    ("beheerder", "other_team", {A, L}),
    ("anonymous", "own", NOTHING),
    ("inactive_coach", "own", NOTHING),
    ("inactive_coach", "team", NOTHING),
]


def _actor(world: World, key: str) -> Any:
    """The user for ``key``; the policy functions are typed for ``User`` but must also refuse the
    anonymous user, which the matrix checks too."""
    return AnonymousUser() if key == "anonymous" else world.user(key)


@pytest.mark.parametrize("kind", list(DataKind), ids=str)
@pytest.mark.parametrize(("actor_key", "client_key", "allowed"), MATRIX, ids=[f"{a}-{c}" for a, c, _ in MATRIX])
def test_access_matrix(world: World, actor_key: str, client_key: str, allowed: set[DataKind], kind: DataKind) -> None:
    actor = _actor(world, actor_key)
    client = world.client(client_key)

    assert policy.can_see(actor, client, kind) is (kind in allowed)


@pytest.mark.parametrize(("actor_key", "client_key", "allowed"), MATRIX, ids=[f"{a}-{c}" for a, c, _ in MATRIX])
def test_require_raises_exactly_for_missing_kinds(
    world: World, actor_key: str, client_key: str, allowed: set[DataKind]
) -> None:
    actor = _actor(world, actor_key)
    client = world.client(client_key)

    policy.require(actor, client, allowed)
    for kind in set(DataKind) - allowed:
        with pytest.raises(policy.AccessDenied):
            policy.require(actor, client, [kind])


ACTORS = sorted({actor for actor, _client, _allowed in MATRIX})


@pytest.mark.parametrize("actor_key", ACTORS)
def test_clients_visible_to_agrees_with_kinds_visible(world: World, actor_key: str) -> None:
    actor = _actor(world, actor_key)
    expected = {client.pk for client in world.clients if DataKind.ADMINISTRATIVE in policy.kinds_visible(actor, client)}

    assert set(policy.clients_visible_to(actor).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize(
    ("actor_key", "expected"),
    [
        ("coach", {"own", "team"}),
        ("colleague", {"own", "team"}),
        ("coach_other_team", {"other_team"}),
        ("teamleider", {"own", "team"}),
        ("teamleider_other_team", {"other_team"}),
        ("toegang", {"own", "team"}),
        ("toegang_other", {"other_team"}),
        ("beleid", set()),
        ("beheerder", {"own", "team", "other_team"}),
        ("jongere", {"own"}),
        ("jongere_other", {"other_team"}),
        ("ouder", {"own"}),
        ("ouder_zonder_gezag", set()),
        ("inactive_coach", set()),
        ("anonymous", set()),
    ],
)
def test_clients_visible_to_per_role(world: World, actor_key: str, expected: set[str]) -> None:
    actor = _actor(world, actor_key)

    assert set(policy.clients_visible_to(actor)) == {world.client(key) for key in expected}


def test_coach_sees_own_caseload_client_in_another_team(world: World) -> None:
    client = ClientFactory.create(coach=world.coach, team=world.team_2)

    assert policy.kinds_visible(world.coach, client) == FILE
    assert client in policy.clients_visible_to(world.coach)
    assert policy.kinds_visible(world.teamleider, client) == NOTHING


def test_only_treating_professionals_write_clinical(world: World) -> None:
    writers = {"coach", "colleague", "teamleider"}
    for key in ["coach", "colleague", "teamleider", "coach_other_team", "toegang", "beheerder", "jongere", "ouder"]:
        assert policy.can_write_clinical(world.user(key), world.own) is (key in writers), key


def test_who_may_refer_and_see_aggregates(world: World) -> None:
    assert policy.can_refer(world.coach)
    assert policy.can_refer(world.teamleider)
    for key in ["toegang", "beleid", "beheerder", "jongere", "ouder"]:
        assert not policy.can_refer(world.user(key)), key
    assert not policy.can_refer(AnonymousUser())  # type: ignore[arg-type]
    for key in ["beleid", "toegang", "teamleider", "beheerder"]:
        assert policy.can_see_aggregates(world.user(key)), key
    for key in ["coach", "jongere", "ouder"]:
        assert not policy.can_see_aggregates(world.user(key)), key


#: Who sees the dashboard of a region led by municipality A (Utrecht), of which B is a member too.
REGION_DASHBOARD = [
    ("beleid", True),
    ("toegang", True),
    ("toegang_other", False),  # a member municipality that does not lead the region
    ("coach", False),
    ("teamleider", False),
    ("beheerder", False),
    ("jongere", False),
    ("ouder", False),
    ("anonymous", False),
]


@pytest.mark.parametrize(("actor_key", "allowed"), REGION_DASHBOARD)
def test_who_sees_a_region_s_dashboard(world: World, actor_key: str, allowed: bool) -> None:
    actor = _actor(world, actor_key)
    assert policy.can_view_region_dashboard(actor, world.municipality_a.pk) is allowed


# --- Parents: the rules change with the young person's age on the day of access -----------------

ON = datetime.date(2026, 6, 15)
FULL = {A, ID, C}


def _child_with_parent(age: int, on: datetime.date = ON) -> tuple[Client, User]:
    client = ClientFactory.create(birth_date=birth_date_for_age(age, on))
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)
    return client, parent


def _kinds(parent: User, client: Client, on: datetime.date = ON) -> set[DataKind]:
    return set(policy.kinds_visible(parent, client, on=on))


@pytest.mark.django_db
@pytest.mark.parametrize(("age", "expected"), [(11, FULL), (12, FULL), (15, FULL), (16, {A}), (17, {A}), (18, NOTHING)])
def test_parent_by_age_without_decisions(age: int, expected: set[DataKind]) -> None:
    client, parent = _child_with_parent(age)

    assert _kinds(parent, client) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("age", [12, 13, 15])
def test_restriction_limits_parent_of_12_to_15_to_administrative(age: int) -> None:
    client, parent = _child_with_parent(age)
    ParentAccessDecisionFactory.create(client=client, parent=parent, kind=ParentAccessDecision.Kind.RESTRICTED)

    assert _kinds(parent, client) == {A}


@pytest.mark.django_db
def test_restriction_does_not_apply_under_12() -> None:
    client, parent = _child_with_parent(11)
    ParentAccessDecisionFactory.create(client=client, parent=parent, kind=ParentAccessDecision.Kind.RESTRICTED)

    assert _kinds(parent, client) == FULL


@pytest.mark.django_db
def test_restriction_of_another_parent_does_not_count() -> None:
    client, parent = _child_with_parent(14)
    ParentAccessDecisionFactory.create(client=client, kind=ParentAccessDecision.Kind.RESTRICTED)

    assert _kinds(parent, client) == FULL


@pytest.mark.django_db
def test_revoked_restriction_gives_full_access_again() -> None:
    client, parent = _child_with_parent(14)
    ParentAccessDecisionFactory.create(
        client=client,
        parent=parent,
        kind=ParentAccessDecision.Kind.RESTRICTED,
        revoked_at=datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC),
    )

    assert _kinds(parent, client) == FULL


@pytest.mark.django_db
@pytest.mark.parametrize("age", [16, 17, 18, 22])
def test_consent_of_young_person_gives_parent_full_access(age: int) -> None:
    client, parent = _child_with_parent(age)
    ParentAccessDecisionFactory.create(client=client, parent=parent, kind=ParentAccessDecision.Kind.CONSENTED)

    assert _kinds(parent, client) == FULL
    assert client in policy.clients_visible_to(parent, on=ON)


@pytest.mark.django_db
def test_revoked_consent_counts_no_more() -> None:
    client, parent = _child_with_parent(17)
    ParentAccessDecisionFactory.create(
        client=client,
        parent=parent,
        kind=ParentAccessDecision.Kind.CONSENTED,
        revoked_at=datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC),
    )

    assert _kinds(parent, client) == {A}


@pytest.mark.django_db
def test_adult_without_consent_is_invisible_to_parent_also_in_lists() -> None:
    client, parent = _child_with_parent(18)

    assert _kinds(parent, client) == NOTHING
    assert client not in policy.clients_visible_to(parent, on=ON)
    assert client in policy.clients_visible_to(parent, on=ON - datetime.timedelta(days=365))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("birth_date", "birthday"),
    [
        (datetime.date(2010, 5, 20), datetime.date(2026, 5, 20)),
        (datetime.date(2012, 2, 29), datetime.date(2028, 2, 29)),  # 29 February, a leap year again at 16
    ],
    ids=["ordinary", "29-february"],
)
def test_birthday_16_ends_parent_clinical_access_that_day(birth_date: datetime.date, birthday: datetime.date) -> None:
    client = ClientFactory.create(birth_date=birth_date)
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)
    day_before = birthday - datetime.timedelta(days=1)

    assert C in policy.kinds_visible(parent, client, on=day_before)
    assert ID in policy.kinds_visible(parent, client, on=day_before)
    assert C not in policy.kinds_visible(parent, client, on=birthday)
    assert policy.kinds_visible(parent, client, on=birthday) == {A}


@pytest.mark.django_db
def test_born_29_february_comes_of_age_on_1_march_in_a_common_year() -> None:
    client = ClientFactory.create(birth_date=datetime.date(2008, 2, 29))
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)

    assert policy.kinds_visible(parent, client, on=datetime.date(2026, 2, 28)) == {A}
    assert client in policy.clients_visible_to(parent, on=datetime.date(2026, 2, 28))
    assert policy.kinds_visible(parent, client, on=datetime.date(2026, 3, 1)) == NOTHING
    assert client not in policy.clients_visible_to(parent, on=datetime.date(2026, 3, 1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on", "birth_date", "visible"),
    [
        # On 29 February of a leap year, who was born on 28 February 18 years ago is 18.
        (datetime.date(2028, 2, 29), datetime.date(2010, 2, 28), False),
        (datetime.date(2028, 2, 29), datetime.date(2010, 3, 1), True),
        (datetime.date(2028, 2, 29), datetime.date(2010, 2, 27), False),
    ],
)
def test_parent_list_on_29_february(on: datetime.date, birth_date: datetime.date, visible: bool) -> None:
    client = ClientFactory.create(birth_date=birth_date)
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)

    assert (client in policy.clients_visible_to(parent, on=on)) is visible
    assert (A in policy.kinds_visible(parent, client, on=on)) is visible


@pytest.mark.django_db
def test_default_date_is_today_in_amsterdam() -> None:
    client = ClientFactory.create(birth_date=datetime.date(2010, 5, 20))
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)

    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 5, 19)):
        assert C in policy.kinds_visible(parent, client)
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 5, 20)):
        assert C not in policy.kinds_visible(parent, client)


@pytest.mark.django_db
def test_the_sixteenth_birthday_starts_at_midnight_in_amsterdam() -> None:
    """Born 20 May 2010: at 00:30 on 20 May 2026 in Amsterdam (22:30 UTC on 19 May) she is 16."""
    client = ClientFactory.create(birth_date=datetime.date(2010, 5, 20))
    parent = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=parent)

    before = datetime.datetime(2026, 5, 19, 21, 59, tzinfo=datetime.UTC)  # 23:59 on 19 May in Amsterdam
    after = datetime.datetime(2026, 5, 19, 22, 30, tzinfo=datetime.UTC)  # 00:30 on 20 May in Amsterdam
    with mock.patch("django.utils.timezone.now", return_value=before):
        assert C in policy.kinds_visible(parent, client)
    with mock.patch("django.utils.timezone.now", return_value=after), timezone.override(datetime.UTC):
        assert C not in policy.kinds_visible(parent, client)


@pytest.mark.django_db
def test_parent_list_without_gezag_or_for_other_children_is_empty() -> None:
    client, parent = _child_with_parent(14)
    GezagRelationFactory.create(client=ClientFactory.create(), parent=UserFactory.create(ouder=True))
    no_gezag = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=no_gezag, has_gezag=False)

    assert list(policy.clients_visible_to(parent, on=ON)) == [client]
    assert list(policy.clients_visible_to(no_gezag, on=ON)) == []


# --- family and gezag: dated gezag, a change takes effect that day ---------------------------------

#: (gezag from, gezag ends on, the day asked, whether the parent has gezag that day), relative to ON.
GEZAG_DAYS = [
    (None, None, 0, True),
    (None, 5, 4, True),
    (None, 5, 5, False),  # the day gezag ends, it no longer counts
    (3, None, 2, False),  # gezag recorded from a later day
    (3, None, 3, True),
    (-10, 5, 6, False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end", "day", "has"), GEZAG_DAYS)
def test_gezag_counts_on_its_days_in_every_access_question(
    start: int | None, end: int | None, day: int, has: bool
) -> None:
    client, _parent = _child_with_parent(14)
    parent = UserFactory.create(ouder=True)
    shift = datetime.timedelta
    relation = GezagRelationFactory.create(
        client=client,
        parent=parent,
        gezag_from=None if start is None else ON + shift(days=start),
        gezag_ends_on=None if end is None else ON + shift(days=end),
    )
    on = ON + shift(days=day)

    assert policy.gezag_on(relation, on) is has
    assert (relation in policy.gezag_relations_on(client=client, on=on)) is has
    assert policy.parent_has_gezag(parent=parent, client=client, on=on) is has
    assert policy.parent_has_any_gezag(parent=parent, on=on) is has
    assert (policy.kinds_visible(parent, client, on=on) == FILE) is has
    assert (client in policy.clients_visible_to(parent, on=on)) is has
    if not has:
        assert policy.kinds_visible(parent, client, on=on) == NOTHING


@pytest.mark.django_db
def test_a_parent_without_gezag_never_sees_the_file_nor_may_consent_or_message() -> None:
    """BW 1:377c: a parent without gezag gets general information from the coach, not the file."""
    client, _parent = _child_with_parent(13)
    no_gezag = UserFactory.create(ouder=True)
    GezagRelationFactory.create(client=client, parent=no_gezag, has_gezag=False)

    assert policy.kinds_visible(no_gezag, client) == NOTHING
    assert not policy.can_give_consent(no_gezag, client)
    assert not policy.can_export_client_data(no_gezag, client)
    assert not policy.can_message_about(no_gezag, client, policy.THREAD_PARENT, parent=no_gezag)


def test_family_management_is_for_the_treating_professionals(world: World) -> None:
    for key in ("coach", "colleague", "teamleider"):
        assert policy.can_manage_family(world.user(key), world.own), key
    for key in ("coach_other_team", "toegang", "beheerder", "jongere", "ouder", "beleid"):
        assert not policy.can_manage_family(world.user(key), world.own), key
    assert policy.can_record_consent_exception(world.coach, world.own)
    assert not policy.can_decide_consent_exception(world.coach, world.own)
    assert policy.can_decide_consent_exception(world.teamleider, world.own)
    assert not policy.can_decide_consent_exception(world.teamleider_other_team, world.own)


#: Who records a move to another municipality (woonplaatsbeginsel, the screen ``clients:move``):
#: the professionals who treat the young person, nobody else.
MOVE_MATRIX = [
    ("coach", "own", True),
    ("colleague", "own", True),
    ("teamleider", "own", True),
    ("coach", "other_team", False),
    ("teamleider_other_team", "own", False),
    ("inactive_coach", "own", False),
    ("toegang", "own", False),
    ("toegang_other", "other_team", False),
    ("beleid", "own", False),
    ("beheerder", "own", False),
    ("jongere", "own", False),
    ("ouder", "own", False),
    ("anonymous", "own", False),
]


@pytest.mark.parametrize(("actor_key", "client_key", "allowed"), MOVE_MATRIX)
def test_who_records_a_move(world: World, actor_key: str, client_key: str, allowed: bool) -> None:
    assert policy.can_move_client(_actor(world, actor_key), world.client(client_key)) is allowed


# --- Role facts and gates that views, selectors and the navigation ask (never ``user.role``) ------

#: function → the world's users for whom it is true (all others, and anonymous, get False).
ROLE_GATES: dict[Callable[[User | AnonymousUser | None], bool], set[str]] = {
    policy.is_young_person: {"jongere"},
    policy.is_parent: {"ouder", "ouder_zonder_gezag"},
    policy.is_family: {"jongere", "ouder", "ouder_zonder_gezag"},
    policy.is_coach: {"coach", "inactive_coach"},
    policy.is_team_lead: {"teamleider", "teamleider_other_team"},
    policy.is_care_professional: {"coach", "inactive_coach", "teamleider", "teamleider_other_team"},
    policy.is_municipality_user: {"toegang", "toegang_other", "beleid"},
    policy.can_see_own_access_log: {"jongere"},
    policy.can_use_data_rights: {"jongere", "ouder", "ouder_zonder_gezag"},
    policy.can_review_destruction_requests: {"coach", "inactive_coach", "teamleider", "teamleider_other_team"},
    policy.can_use_admin_site: {"beheerder"},
}
WORLD_USERS = sorted({actor for actor, _client, _allowed in MATRIX} - {"anonymous"} | {"beleid", "beheerder"})


@pytest.mark.parametrize("gate", list(ROLE_GATES), ids=lambda gate: gate.__name__)
def test_role_gates(world: World, gate: Callable[[User | AnonymousUser | None], bool]) -> None:
    allowed = {key for key in WORLD_USERS if gate(world.user(key))}
    assert allowed == ROLE_GATES[gate]
    assert not gate(AnonymousUser())
    assert not gate(None)


@pytest.mark.parametrize("actor_key", ACTORS)
def test_clinical_clients_visible_to_agrees_with_can_see(world: World, actor_key: str) -> None:
    actor = _actor(world, actor_key)
    if actor_key == "anonymous":
        return
    expected = {c.pk for c in world.clients if policy.can_see(actor, c, DataKind.CLINICAL)}
    assert set(policy.clinical_clients_visible_to(actor).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize(
    ("actor_key", "expected"),
    [
        ("coach", {"own", "team"}),
        ("teamleider", {"own", "team"}),
        ("teamleider_other_team", {"other_team"}),
        ("toegang", set()),
        ("beheerder", set()),
        ("jongere", set()),
        ("ouder", set()),
    ],
)
def test_destruction_request_clients(world: World, actor_key: str, expected: set[str]) -> None:
    visible = set(policy.destruction_request_clients(world.user(actor_key)).values_list("pk", flat=True))
    assert visible == {world.client(key).pk for key in expected}


def test_provider_figures_owner(world: World) -> None:
    assert policy.provider_figures_owner(world.teamleider) == {"team_id": world.teamleider.team_id}
    assert policy.provider_figures_owner(world.coach) == {"provider_id": world.coach.provider_id}


def test_the_production_statement_is_for_the_providers_administration(world: World) -> None:
    """Issue 18.7: the provider's team leads (its administration), as for the iJw worklist."""
    allowed = {key for key in WORLD_USERS if policy.can_download_production_statement(world.user(key))}
    assert allowed == {"teamleider", "teamleider_other_team"}
    assert not policy.can_download_production_statement(AnonymousUser())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("system", "allowed"),
    [
        ("coachcare", {"toegang"}),
        ("municipality", set()),
    ],
)
def test_deciding_an_allocation_in_coachcare(world: World, system: str, allowed: set[str]) -> None:
    """Only the access team of the client's municipality, and only where it decides in coachcare
    (``Contract.allocation_system``); otherwise the decision arrives as a JW301."""
    allocation = AllocationFactory.create(
        client=world.own,
        product__contract__municipality=world.municipality_a,
        product__contract__allocation_system=system,
    )
    deciders = {key for key in WORLD_USERS if policy.can_decide_allocation_in_app(world.user(key), allocation)}
    assert deciders == allowed
    assert not policy.can_decide_allocation_in_app(AnonymousUser(), allocation)  # type: ignore[arg-type]
