"""The coach's step screens, the client file as a timeline, the caseload and the team lead's queue."""

import datetime
from collections.abc import Callable
from unittest import mock

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.contracts import services as contract_services
from coachcare.core.dates import today
from coachcare.trajectories import services
from coachcare.trajectories.models import Agreement, Evaluation, FollowUp, Goal, Status, Trajectory
from tests.clients.factories import ClientFactory, ClientNoteFactory
from tests.conftest import World
from tests.factories import birth_date_for_age
from tests.pages import shows
from tests.trajectories.conftest import MODULES
from tests.trajectories.ratings import intake_baseline

Login = Callable[[User], HttpClient]
AP = AccessPoint(channel="web", address="127.0.0.1")
GOAL_TEXT = "Ik ga elke dag op tijd naar school"
SCALE = {
    "goal-level_p2": "Elke dag op tijd, ook zonder wekker",
    "goal-level_p1": "Elke dag op tijd",
    "goal-level_0": "Vier van de vijf dagen op tijd",
    "goal-level_m1": "Twee dagen per week op tijd (zoals nu)",
    "goal-level_m2": "Nog minder dan nu",
}


def url(name: str, trajectory: Trajectory, **kwargs: object) -> str:
    return reverse(f"trajectories:{name}", kwargs={"public_id": trajectory.public_id, **kwargs})


def file_url(client: Client) -> str:
    return reverse("clients:detail", kwargs={"public_id": client.public_id})


def refresh(trajectory: Trajectory) -> Trajectory:
    return Trajectory.objects.get(pk=trajectory.pk)


def errors(response: object) -> str:
    """Every error the step page shows (non-field and field errors), as one text."""
    form = response.context["form"]  # type: ignore[attr-defined]
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


def grant_first_module(world: World, trajectory: Trajectory) -> None:
    allocation = trajectory.client.allocations.get(status="requested")
    contract_services.allocation_approve(
        actor=world.toegang,
        allocation=allocation,
        volume=1,
        start_date=today(),
        end_date=today() + datetime.timedelta(days=180),
        access_point=AP,
    )


def parent_choice(world: World) -> str:
    """The consent form's choice for the parent with gezag: their family member record."""
    return str(world.own.gezag_relations.get(parent=world.ouder).pk)


def to_intake(world: World, http: HttpClient) -> Trajectory:
    """Through the screens: open, request the allocation, grant it, consent, start the intake."""
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    assert http.post(url("request_allocation", trajectory), {"allocation-module_code": MODULES[0]}).status_code == 302
    grant_first_module(world, trajectory)
    assert http.post(url("allocate", trajectory)).status_code == 302
    for given_by in ("jongere", parent_choice(world)):
        response = http.post(
            url("agreement", trajectory),
            {"consent-kind": "care", "consent-given_by": given_by, "consent-given_how": "in_person"},
        )
        assert response.status_code == 302
    assert http.post(url("start_intake", trajectory)).status_code == 302
    return refresh(trajectory)


def plan_agreed(world: World, http: HttpClient, trajectory: Trajectory) -> Goal:
    assert http.post(url("goal_add", trajectory), {"goal-text": GOAL_TEXT, "goal-kind": "personal",
                                                   "goal-domain": "dagritme",
                                                   "goal-weight": "1", **SCALE}).status_code == 302  # fmt: skip
    goal = Goal.objects.get(trajectory=trajectory)
    # The baseline: the young person's own mark from the portal, the coach's GAS level on the form.
    services.goal_ratings_submit(
        actor=world.jongere, trajectory=refresh(trajectory), ratings={goal.pk: 3}, access_point=AP
    )
    form = http.get(url("intake_scores", trajectory)).content.decode()
    assert f"scores-gbo_{goal.pk}" not in form and "coachcare-youth-ratings" in form
    response = http.post(url("intake_scores", trajectory), {f"scores-gas_{goal.pk}": "-1"})
    assert response.status_code == 302
    for given_by in ("jongere", parent_choice(world)):
        response = http.post(
            url("agreement", trajectory),
            {"consent-kind": "plan", "consent-given_by": given_by, "consent-given_how": "in_person"},
        )
        assert response.status_code == 302
    return goal


def evaluated(world: World, http: HttpClient, gas: int, gbo: int) -> Trajectory:
    trajectory = to_intake(world, http)
    goal = plan_agreed(world, http, trajectory)
    assert http.post(url("module_start", trajectory), {"module-module_code": MODULES[0]}).status_code == 302
    assert http.post(url("module_finish", trajectory), {"confirmed": "yes"}).status_code == 302
    # The young person gives their own mark in the portal; the coach scores the GAS level only.
    services.goal_ratings_submit(
        actor=world.jongere, trajectory=refresh(trajectory), ratings={goal.pk: gbo}, access_point=AP
    )
    form = http.get(url("evaluation", trajectory)).content.decode()
    assert f"scores-gbo_{goal.pk}" not in form and GOAL_TEXT in form
    response = http.post(url("evaluation", trajectory), {f"scores-gas_{goal.pk}": str(gas)})
    assert response.status_code == 302
    return refresh(trajectory)


# --- the steps ------------------------------------------------------------------------------------------


def test_referral_screen_opens_the_trajectory_with_its_referrer(contracted: World, login: Login) -> None:
    response = login(contracted.coach).post(
        reverse("clients:refer"),
        {
            "bsn": "111222333",
            "given_name": "Fenna",
            "family_name": "Verwezen",
            "birth_date": birth_date_for_age(16, today()).isoformat(),
            "municipality": str(contracted.municipality_a.pk),
            "referrer_kind": "huisarts",
            "referrer_name": "Dokter Jansen",
        },
    )

    client = Client.objects.get(family_name="Verwezen")
    assert response.status_code == 302 and response["Location"] == file_url(client)
    trajectory = client.trajectories.get()
    assert (trajectory.status, trajectory.referrer_kind, trajectory.referrer_name) == (
        Status.REFERRED,
        "huisarts",
        "Dokter Jansen",
    )
    page = login(contracted.coach).get(file_url(client)).content.decode()
    assert "Dokter Jansen" in page
    assert reverse("trajectories:request_allocation", kwargs={"public_id": trajectory.public_id}) in page


def test_allocation_and_intake_refused_with_reasons_then_allowed(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )

    assert http.post(url("request_allocation", trajectory), {"allocation-module_code": MODULES[0]}).status_code == 302
    assert refresh(trajectory).next_action == "await_allocation"
    refused = http.post(url("allocate", trajectory))
    assert refused.status_code == 200
    assert MODULES[0] in errors(refused)  # no allocation covers the first module yet
    assert refresh(trajectory).status == Status.REFERRED

    grant_first_module(world, trajectory)
    assert http.post(url("allocate", trajectory)).status_code == 302
    assert refresh(trajectory).status == Status.ALLOCATED

    refused = http.post(url("start_intake", trajectory))
    assert refused.status_code == 200 and world.ouder.display_name in errors(refused)
    http.post(
        url("agreement", trajectory),
        {"consent-kind": "care", "consent-given_by": "jongere", "consent-given_how": "in_person"},
    )
    http.post(
        url("agreement", trajectory),
        {"consent-kind": "care", "consent-given_by": parent_choice(world), "consent-given_how": "in_person"},
    )
    assert http.post(url("start_intake", trajectory)).status_code == 302
    assert refresh(trajectory).status == Status.INTAKE
    agreements = Agreement.objects.filter(trajectory=trajectory, kind="care")
    assert sorted(agreements.values_list("given_as", flat=True)) == ["jongere", "ouder"]


def test_the_form_of_a_new_trajectory_posts_its_version_zero(contracted: World, login: Login) -> None:
    """A trajectory starts at version 0: the hidden field the page renders is accepted (no 400), and
    the same version posted again after the change is refused as stale instead of overwriting."""
    world = contracted
    http = login(world.coach)
    trajectory = services.trajectory_open(
        actor=world.coach, client=world.own, referrer_kind="gemeente", access_point=AP
    )
    assert trajectory.version == 0
    page = http.get(file_url(world.own)).content.decode()
    assert 'name="trajectory_version" value="0"' in page

    form = {"trajectory_version": "0", "allocation-module_code": MODULES[0]}
    assert http.post(url("request_allocation", trajectory), form).status_code == 302
    grant_first_module(world, trajectory)
    assert http.post(url("allocate", trajectory), {"trajectory_version": "0"}).status_code == 302
    assert (refresh(trajectory).status, refresh(trajectory).version) == (Status.ALLOCATED, 1)

    # A second tab still showing version 0: refused as stale, the trajectory stays where it is.
    stale = http.post(url("allocate", trajectory), {"trajectory_version": "0"})
    assert stale.status_code == 200 and "Iemand anders heeft dit traject" in errors(stale)
    assert (refresh(trajectory).status, refresh(trajectory).version) == (Status.ALLOCATED, 1)


def test_goal_form_needs_every_level_of_the_scale(contracted: World, login: Login) -> None:
    http = login(contracted.coach)
    trajectory = to_intake(contracted, http)

    response = http.post(url("goal_add", trajectory), {"goal-text": GOAL_TEXT, "goal-kind": "personal",
                                                       "goal-weight": "1", **SCALE, "goal-level_0": ""})  # fmt: skip

    assert response.status_code == 200
    assert "level_0" in response.context["form"].errors
    assert not Goal.objects.filter(trajectory=trajectory).exists()


def test_starting_a_module_without_an_allocation_shows_the_reason(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = to_intake(world, http)
    plan_agreed(world, http, trajectory)

    refused = http.post(url("module_start", trajectory), {"module-module_code": MODULES[1]})

    assert refused.status_code == 200
    assert MODULES[1] in errors(refused)
    assert refresh(trajectory).status == Status.INTAKE


def test_whole_way_through_the_screens_to_closure_and_follow_up(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = evaluated(world, http, gas=1, gbo=9)
    assert trajectory.status == Status.MODULE_EVALUATION

    page = http.get(file_url(world.own)).content.decode()
    evaluation = Evaluation.objects.get(module_run__trajectory=trajectory)
    assert (evaluation.advice, evaluation.advice_rule) == ("stop", "goals_reached")
    assert str(services_rule_text("goals_reached")) in page
    assert url("decide", trajectory) in page

    response = http.post(url("decide", trajectory), {"decision-decision": "stop", "decision-reason": "Doel bereikt"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.decision == "stop" and evaluation.approval == Evaluation.Approval.NOT_NEEDED

    # The closing form asks no satisfaction answers: it shows that the young person has not filled
    # in the questionnaire yet and asks the coach why, and the coach's own judgement (3.1).
    refused = http.post(url("close", trajectory), {"close-end_reason": "31"})
    assert refused.status_code == 200
    form = refused.context["form"]
    assert set(form.errors) == {"without_help", "not_answered_reason"}
    assert not any(name.startswith("satisfaction") for name in form.fields)
    assert [answer.answered for answer in form.answers] == [False, False]
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda func, **kw: func()):
        response = http.post(
            url("close", trajectory),
            {
                "close-end_reason": "31",
                "close-without_help": "yes",
                "close-not_answered_reason": "Niet bereikbaar",
                "confirmed": "yes",
            },
        )
        assert response.status_code == 302
    trajectory = refresh(trajectory)
    assert (trajectory.status, trajectory.end_reason) == (Status.CLOSED, "31")
    assert (trajectory.without_help_professional, trajectory.not_answered_reason) == (True, "Niet bereikbaar")
    follow_ups = list(FollowUp.objects.filter(trajectory=trajectory).order_by("months"))
    assert [f.months for f in follow_ups] == [6, 12]

    # The closing summary: held back until the young person and the parent consent.
    summary = http.get(url("summary", trajectory))
    assert summary.status_code == 200 and not summary.context["summary"].released
    for given_by in ("jongere", parent_choice(world)):
        http.post(
            url("agreement", trajectory),
            {"consent-kind": "summary", "consent-given_by": given_by, "consent-given_how": "in_person"},
        )
    summary = http.get(url("summary", trajectory))
    assert summary.context["summary"].released
    assert shows(world.own.full_name, summary.content.decode())

    # Not yet due: refused with a reason. Once due: recorded.
    early = http.post(url("follow_up", trajectory, months=6), {"follow_up_6-needed_care_again": "no"})
    assert early.status_code == 200 and errors(early)
    services.follow_up_mark_due(follow_up_id=follow_ups[0].pk, on=follow_ups[0].due_on)
    response = http.post(url("follow_up", trajectory, months=6), {"follow_up_6-needed_care_again": "no"})
    assert response.status_code == 302
    follow_ups[0].refresh_from_db()
    assert follow_ups[0].state == FollowUp.State.DONE and follow_ups[0].needed_care_again is False


def services_rule_text(rule: str) -> str:
    from coachcare.trajectories.selectors import advice_rule_text

    return advice_rule_text(rule)


def test_deviating_decision_waits_for_the_team_lead(contracted: World, login: Login) -> None:
    world = contracted
    trajectory = evaluated(world, login(world.coach), gas=1, gbo=9)
    # Continuing against a stop advice needs approval only where the provider says so.
    provider = trajectory.client.provider
    provider.gate_approval_required = ["continue_against_stop"]
    provider.save(update_fields=["gate_approval_required"])
    http = login(world.coach)

    missing_reason = http.post(url("decide", trajectory), {"decision-decision": "continue",
                                                           "decision-next_module_code": MODULES[1]})  # fmt: skip
    assert missing_reason.status_code == 200 and "reason" in missing_reason.context["form"].errors
    http.post(url("decide", trajectory), {"decision-decision": "continue", "decision-next_module_code": MODULES[1],
                                          "decision-reason": "Nog niet stabiel"})  # fmt: skip
    evaluation = Evaluation.objects.get(module_run__trajectory=trajectory)
    assert evaluation.approval == Evaluation.Approval.PENDING
    assert refresh(trajectory).next_action == "await_approval"

    http = login(world.teamleider)
    home = http.get(reverse("core:home"))
    assert home.context["approvals_waiting"] == 1
    queue = http.get(reverse("trajectories:approvals"))
    assert queue.status_code == 200
    assert "Nog niet stabiel" in queue.content.decode()
    field = f"approval_{evaluation.pk}-note"
    assert http.post(url("approve", trajectory), {"outcome": "reject", field: ""}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.approval == Evaluation.Approval.PENDING  # a rejection needs a note
    http.post(url("approve", trajectory), {"outcome": "approve", field: ""})
    evaluation.refresh_from_db()
    assert evaluation.approval == Evaluation.Approval.APPROVED and evaluation.approved_by == world.teamleider
    assert refresh(trajectory).next_action == "start_module"

    # Another team's lead and a coach have no queue and cannot approve.
    assert login(world.coach).get(reverse("trajectories:approvals")).status_code == 404


def test_outsiders_get_404_on_every_step(contracted: World, login: Login) -> None:
    trajectory = services.trajectory_open(
        actor=contracted.coach, client=contracted.own, referrer_kind="gemeente", access_point=AP
    )
    for outsider in (contracted.coach_other_team, contracted.toegang, contracted.ouder_zonder_gezag):
        http = login(outsider)
        for name in ("request_allocation", "allocate", "agreement", "start_intake", "goal_add", "close", "summary"):
            method = http.get if name == "summary" else http.post
            assert method(url(name, trajectory)).status_code == 404, (outsider.username, name)
    assert refresh(trajectory).status == Status.REFERRED


def test_navigation_shows_the_approval_queue_to_team_leads_only(world: World, login: Login) -> None:
    def nav(user: User) -> list[str]:
        return [name for name, _label in login(user).get(reverse("core:home")).context["nav_items"]]

    assert "trajectories:approvals" in nav(world.teamleider)
    assert "trajectories:approvals" not in nav(world.coach)
    assert "trajectories:approvals" not in nav(world.toegang)


# --- privacy ----------------------------------------------------------------------------------------------


def test_municipality_sees_only_the_administrative_file(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = to_intake(world, http)
    plan_agreed(world, http, trajectory)
    ClientNoteFactory.create(client=world.own, author=world.coach, text="Vertrouwelijke notitie")

    coach_page = http.get(file_url(world.own)).content.decode()
    assert GOAL_TEXT in coach_page and "Vertrouwelijke notitie" in coach_page

    response = login(world.toegang).get(file_url(world.own))
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["timeline"].events == []
    assert "panel" not in response.context
    for clinical in (GOAL_TEXT, "Vertrouwelijke notitie", SCALE["goal-level_p2"], 'id="timeline"', 'id="next-step"'):
        assert clinical not in page


# --- query counts -------------------------------------------------------------------------------------------


def _count(http: HttpClient, target: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = http.get(target)
    assert response.status_code == 200, target
    return len(context.captured_queries)


def test_caseload_queries_do_not_grow_with_trajectories(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)

    def add(n: int) -> None:
        for i in range(n):
            client = ClientFactory.create(
                coach=world.coach if i % 2 else world.colleague, municipality=world.municipality_a
            )
            services.trajectory_open(actor=world.coach, client=client, referrer_kind="gemeente", access_point=AP)
            if i % 3 == 0:  # some overdue
                Trajectory.objects.filter(client=client).update(next_action_due=today() - datetime.timedelta(days=3))

    add(3)
    http.get(reverse("core:home"))
    few = _count(http, reverse("core:home"))
    add(27)
    many = _count(http, reverse("core:home"))

    assert few == many
    page = http.get(reverse("core:home"))
    rows = list(page.context["page"])
    assert len(rows) == 30
    overdue = [row.overdue for row in rows]
    assert overdue == sorted(overdue, reverse=True)  # overdue rows first


def test_team_caseload_with_the_coach_column_does_not_load_per_row(contracted: World, login: Login) -> None:
    """The caseload loads only the columns it shows (``.only``): the team lead's coach column too."""
    world = contracted
    for i in range(3):
        client = ClientFactory.create(
            coach=world.coach if i % 2 else world.colleague, municipality=world.municipality_a
        )
        services.trajectory_open(actor=world.coach, client=client, referrer_kind="gemeente", access_point=AP)
    http = login(world.teamleider)
    http.get(reverse("core:home"))
    few = _count(http, reverse("core:home"))
    for i in range(12):
        client = ClientFactory.create(
            coach=world.coach if i % 2 else world.colleague, municipality=world.municipality_a
        )
        services.trajectory_open(actor=world.coach, client=client, referrer_kind="gemeente", access_point=AP)
    assert _count(http, reverse("core:home")) == few
    page = http.get(reverse("core:home")).content.decode()
    assert shows(world.coach.display_name, page) and shows(world.colleague.display_name, page)


def test_client_file_queries_do_not_grow_with_events(contracted: World, login: Login) -> None:
    world = contracted
    http = login(world.coach)
    trajectory = to_intake(world, http)

    def add(n: int) -> None:
        for i in range(n):
            services.goal_add(actor=world.coach, trajectory=refresh(trajectory), text=f"Doel {i}",
                              scale={-2: "a", -1: "b", 0: "c", 1: "d", 2: "e"}, access_point=AP)  # fmt: skip
            services.agreement_record(actor=world.coach, trajectory=refresh(trajectory), kind="plan",
                                      given_by=world.ouder, access_point=AP)  # fmt: skip
            ClientNoteFactory.create(client=world.own, author=world.coach if i % 2 else world.colleague)
        goals = Goal.objects.filter(trajectory=trajectory)
        intake_baseline(actor=world.coach, trajectory=refresh(trajectory),
                                    scores={goal.pk: (-1, 3) for goal in goals},
                                    access_point=AP)  # fmt: skip

    add(3)
    target = file_url(world.own)
    http.get(target)
    few = _count(http, target)
    add(27)
    many = _count(http, target)

    assert few == many
