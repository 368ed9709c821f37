"""The synthetic country: valid and consistent data, deterministic for a seed, refused on production.

Runs on SQLite (the Python path) and on PostgreSQL (the set-based path; with
``DATABASE_URL=postgres://...``), where one more test loads through the parallel bulk path.
"""

import datetime
import itertools
import statistics
from collections import Counter
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.db.models import Count, F, Sum
from django.test import override_settings
from django.utils import timezone
from stdnum.nl import bsn as stdnum_bsn

from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client, ClientNote
from coachcare.coaching.models import Appointment, DiaryEntry
from coachcare.contracts.models import Allocation, Contract, ContractProduct, FundingModel, NumberSequence
from coachcare.contracts.selectors import contract_remaining_cents, regional_budget_shares
from coachcare.contracts.services import TOEWIJZING_SEQUENCE
from coachcare.core.dates import age_on, today
from coachcare.declarations.models import CareStart, CareStop, Declaration, DeclarationLine
from coachcare.declarations.services import care_events_sync, declaration_run_all
from coachcare.demo.synthetic import texts
from coachcare.demo.synthetic.plan import STATUS_MIX, SYNTHETIC_CODE_START, SYNTHETIC_MUNICIPALITIES
from coachcare.demo.synthetic.population import REGIONS, PopulationResult, population_generate
from coachcare.messaging.models import Message, Thread
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Team
from coachcare.trajectories.models import (
    Evaluation,
    FollowUp,
    Goal,
    GoalScore,
    ModuleRun,
    Trajectory,
    TrajectoryTransition,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk path is PostgreSQL's")


@pytest.fixture
def country() -> PopulationResult:
    return population_generate(youths=250, seed=1)


def snapshot() -> dict[str, list[str]]:
    """The generated content, without database ids (PostgreSQL's sequences do not roll back)."""
    queries = {
        "clients": Client.objects.values_list(
            "bsn", "given_name", "family_name", "birth_date", "municipality__code", "referred_on", "team__name",
            "provider__agb_code", "user__role",
        ),
        "trajectories": Trajectory.objects.values_list(
            "client__bsn", "status", "referrer_kind", "referred_on", "closed_on", "end_reason", "final_gas_t",
            "final_gbo_mean", "satisfaction_score", "next_action", "next_action_due", "version", "plan_revision",
        ),
        "runs": ModuleRun.objects.values_list(
            "trajectory__client__bsn", "sequence", "module__code", "state", "started_on", "due_on", "finished_on",
            "allocation__toewijzing_nummer",
        ),
        "goals": Goal.objects.values_list("trajectory__client__bsn", "order", "kind", "text", "scale"),
        "scores": GoalScore.objects.values_list(
            "goal__trajectory__client__bsn", "goal__order", "module_run__sequence", "gas", "gbo"
        ),
        "evaluations": Evaluation.objects.values_list(
            "module_run__trajectory__client__bsn", "module_run__sequence", "advice", "advice_rule", "decision",
            "decision_reason", "approval", "decided_at",
        ),
        "transitions": TrajectoryTransition.objects.values_list("trajectory__client__bsn", "name", "at", "reason"),
        "follow_ups": FollowUp.objects.values_list("trajectory__client__bsn", "months", "state", "needed_care_again"),
        "allocations": Allocation.objects.values_list(
            "client__bsn", "status", "toewijzing_nummer", "start_date", "end_date", "budget_cents", "via_mandate"
        ),
        "declarations": Declaration.objects.values_list("declaratienummer", "status", "total_cents", "awarded_cents"),
        "lines": DeclarationLine.objects.values_list(
            "reference", "client__bsn", "amount_cents", "retourcode", "begindatum", "einddatum"
        ),
        "stops": CareStop.objects.values_list("module_run__trajectory__client__bsn", "reden", "einddatum"),
        "messages": Message.objects.values_list("thread__client__bsn", "author__role", "body", "created_at"),
        "sessions": Appointment.objects.values_list("client__bsn", "starts_at", "ends_at", "kind", "location", "title"),
        "diary": DiaryEntry.objects.values_list("client__bsn", "mood", "text", "created_at"),
        "notes": ClientNote.objects.values_list("client__bsn", "text", "created_at"),
    }  # fmt: skip
    return {name: sorted(map(repr, query)) for name, query in queries.items()}


def test_same_seed_same_data() -> None:
    with transaction.atomic():
        population_generate(youths=80, seed=7)
        first = snapshot()
        transaction.set_rollback(True)
    population_generate(youths=80, seed=7)
    second = snapshot()
    for name, rows in first.items():
        assert rows, name
        assert second[name] == rows, name


def test_a_fixed_day_gives_the_same_data_on_another_day() -> None:
    """``--on`` fixes the generated world's today: the same seed and day give the same data tomorrow."""
    on = today() - datetime.timedelta(days=40)
    with transaction.atomic():
        population_generate(youths=40, seed=7, on=on)
        first = snapshot()
        transaction.set_rollback(True)
    tomorrow = today() + datetime.timedelta(days=1)
    with mock.patch("coachcare.demo.synthetic.population.today", return_value=tomorrow):
        call_command(
            "generate_population", "--youths=40", "--seed=7", f"--on={on.isoformat()}", "--force", stdout=StringIO()
        )
    second = snapshot()
    for name, rows in first.items():
        assert second[name] == rows, name
    latest = Trajectory.objects.aggregate(latest=models.Max("referred_on"))["latest"]
    assert latest is not None and latest <= on


def test_a_bad_day_is_refused() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("generate_population", "--youths=5", "--on=1-12-2026", "--force", stdout=StringIO())


def test_another_seed_other_people() -> None:
    with transaction.atomic():
        population_generate(youths=30, seed=7)
        first = snapshot()["clients"]
        transaction.set_rollback(True)
    population_generate(youths=30, seed=8)
    assert snapshot()["clients"] != first


def test_people_are_valid_and_marked_synthetic(country: PopulationResult) -> None:
    assert country.clients == Client.objects.count() == 250
    bsns = [client.bsn for client in Client.objects.all()]
    assert len(set(bsns)) == len(bsns)
    assert all(stdnum_bsn.is_valid(bsn) and bsn.startswith("9") for bsn in bsns)
    assert not Client.objects.filter(municipality__code__lt=str(SYNTHETIC_CODE_START)).exists()
    for birth_date, referred_on in Trajectory.objects.values_list("client__birth_date", "referred_on"):
        assert 12 <= age_on(birth_date, referred_on) <= 23
    for client in Client.objects.all():  # the client's referral date is the first one
        assert client.referred_on == min(t.referred_on for t in client.trajectories.all())
    # Zipf-like: the biggest municipality has many more residents than the median one
    residents = sorted(Counter(Client.objects.values_list("municipality_id", flat=True)).values(), reverse=True)
    assert residents[0] >= 5 * statistics.median(residents)


def test_care_is_plausible(country: PopulationResult) -> None:
    on = today()
    trajectories = Trajectory.objects.count()
    assert country.trajectories == trajectories
    assert 1.1 * 250 <= trajectories <= 1.35 * 250  # one each, one in five an earlier closed one too
    assert set(Trajectory.objects.values_list("status", flat=True)) == {status for status, _share in STATUS_MIX}
    assert not Trajectory.objects.exclude(municipality_id=F("client__municipality_id")).exists()
    closed = Trajectory.objects.filter(closed_on__isnull=False)
    reasons = Counter(closed.values_list("end_reason", flat=True))
    assert set(reasons) <= {"31", "32", "33", "34", "35"} and reasons.most_common(1)[0][0] == "31"
    per_closed = closed.filter(end_reason="31").annotate(n=Count("module_runs")).aggregate(Sum("n"))["n__sum"]
    assert 2.7 <= per_closed / closed.filter(end_reason="31").count() <= 4  # about three modules
    assert not closed.filter(goals__isnull=False, final_gbo_mean__isnull=True).exists()
    assert closed.filter(satisfaction_score__isnull=False).count() >= closed.count() // 2
    assert not Trajectory.objects.filter(closed_on__isnull=True).exclude(end_reason="").exists()
    assert GoalScore.objects.filter(module_run__isnull=True).count() == Goal.objects.count()
    assert Evaluation.objects.filter(module_run__state=ModuleRun.State.EVALUATED).count() == Evaluation.objects.count()
    # every transition of a trajectory, the last one leading to where it stands
    for trajectory in Trajectory.objects.exclude(status="referred").prefetch_related("transitions")[:100]:
        steps = sorted(trajectory.transitions.all(), key=lambda t: (t.at, t.id))
        assert len(steps) == trajectory.version and steps[-1].to_status == trajectory.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(steps))
    # follow-ups at 6 and 12 months of every closed trajectory, some answered
    assert FollowUp.objects.count() == 2 * closed.count()
    assert FollowUp.objects.filter(needed_care_again__isnull=False).exists()
    assert not FollowUp.objects.filter(trajectory__status="archived").exclude(state="done").exists()
    # sessions (10 per module), messages (30 per module, only those already sent), diary
    runs = Counter(ModuleRun.objects.values_list("trajectory_id", flat=True))
    sessions = Counter(Appointment.objects.values_list("trajectory_id", flat=True))
    assert all(sessions[trajectory] <= 10 * count for trajectory, count in runs.items())
    assert 8 * runs.total() <= sessions.total() <= 10 * runs.total()
    assert Appointment.objects.filter(starts_at__gt=timezone.now()).exists()  # planned sessions of running modules
    assert 15 * runs.total() <= Message.objects.count() <= 30 * runs.total()
    assert not Message.objects.filter(
        created_at__gt=timezone.make_aware(datetime.datetime.combine(on, datetime.time(7)))
    )
    assert Message.objects.filter(author__role=Role.JONGERE).exists()
    assert Message.objects.filter(author__role=Role.COACH).exists()
    assert Thread.objects.count() == Client.objects.filter(trajectories__module_runs__isnull=False).distinct().count()
    assert DiaryEntry.objects.count() > Client.objects.filter(user__isnull=False).count()
    assert not DiaryEntry.objects.exclude(created_by=F("client__user")).exists()
    assert set(DiaryEntry.objects.values_list("mood", flat=True)) <= {1, 2, 3, 4, 5}


def test_bodies_are_encrypted_and_decrypt(country: PopulationResult) -> None:
    tables = {
        "messaging_message": "body", "coaching_diaryentry": "text", "clients_clientnote": "text",
        "trajectories_goal": "text", "clients_client": "bsn", "trajectories_trajectorytransition": "reason",
    }  # fmt: skip
    with connection.cursor() as cursor:
        for table, column in tables.items():
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' LIMIT 200")
            values = [value for (value,) in cursor.fetchall()]
            assert values and all(value.startswith("gAAAAA") for value in values), table
    coach_texts = {
        " ".join(part for part in (opening, body, closing) if part).replace(" ,", ",")
        for opening in texts.COACH_OPENINGS
        for body in texts.COACH_BODIES
        for closing in texts.COACH_CLOSINGS
    }
    youth_texts = {message + addition for message in texts.YOUTH_MESSAGES for addition in texts.YOUTH_ADDITIONS}
    for body, role in Message.objects.values_list("body", "author__role"):
        assert body in (youth_texts if role == Role.JONGERE else coach_texts)
    diary = {f"{text} {addition}".strip() for text in texts.DIARY_TEXTS for addition in texts.DIARY_ADDITIONS}
    assert set(DiaryEntry.objects.values_list("text", flat=True)) - {""} <= diary
    assert set(ClientNote.objects.values_list("text", flat=True)) <= set(texts.NOTE_TEXTS)
    assert set(Goal.objects.values_list("text", flat=True)) <= set(texts.GOAL_TEXTS + texts.PARENTING_GOAL_TEXTS)
    assert set(Evaluation.objects.exclude(decision="").values_list("decision_reason", flat=True)) <= set(
        texts.DECISION_REASONS
    )


def test_allocations_and_declarations_are_consistent(country: PopulationResult) -> None:
    # every funding model occurs (issue 18.1), all products of a contract under the same one (a
    # member's part of a regional contract has none: it grants under the regional tariff list)
    models_per_contract = {
        contract_id: {model for other, model in ContractProduct.objects.values_list("contract_id", "funding_model")
                      if other == contract_id}
        for contract_id in Contract.objects.filter(part_of=None).values_list("pk", flat=True)
    }  # fmt: skip
    assert all(len(models) == 1 for models in models_per_contract.values())
    assert set().union(*models_per_contract.values()) == set(FundingModel.values)
    task_runs = ModuleRun.objects.filter(allocation__isnull=True)
    assert task_runs.exists()
    for run in task_runs.select_related("care_start__product", "trajectory__client"):
        product = run.care_start.product
        assert product is not None and product.funding_model == FundingModel.TASK
        municipality_id = run.trajectory.client.municipality_id
        assert (
            product.contract.municipality_id == municipality_id
            or product.contract.parts.filter(municipality_id=municipality_id).exists()
        )
        assert product.module_code == run.module.code
    assert not DeclarationLine.objects.filter(module_run__allocation__isnull=True).exists()
    assert not Allocation.objects.filter(product__funding_model=FundingModel.TASK).exists()
    for contract in Contract.objects.filter(products__funding_model=FundingModel.TASK).distinct():
        planned = list(contract.budget_years.order_by("year").values_list("planned_cents", flat=True))
        assert planned and planned == sorted(planned, reverse=True)  # a declining path
        assert contract.instalments.filter(status="paid").exists()
    for run in ModuleRun.objects.filter(allocation__isnull=False).select_related(
        "allocation__contract", "allocation__product", "trajectory__client"
    ):
        allocation, client = run.allocation, run.trajectory.client
        assert allocation is not None and allocation.client_id == client.pk
        effort = allocation.product.funding_model == FundingModel.EFFORT
        assert allocation.status == "approved" and allocation.volume_used == (0 if effort else 1) <= allocation.volume
        if effort:
            assert (allocation.product.unit, allocation.volume) == ("04", allocation.product.volume_per_module)
        assert allocation.contract.municipality_id == client.municipality_id
        assert allocation.contract.provider_id == client.provider_id
        assert allocation.product.module_code == run.module.code
        assert allocation.start_date is not None and allocation.end_date is not None
        assert allocation.start_date <= run.started_on and (run.finished_on or run.due_on) <= allocation.end_date
    lines = list(
        DeclarationLine.objects.select_related(
            "module_run__allocation", "allocation__contract", "client", "declaration"
        )
    )
    assert lines
    for line in lines:
        assert line.module_run.allocation_id == line.allocation_id
        assert line.allocation.client_id == line.client_id == line.module_run.trajectory.client_id
        assert line.client.municipality_id == line.allocation.contract.municipality_id
        assert line.declaration.municipality_id == line.client.municipality_id
        assert line.declaration.provider_id == line.allocation.contract.provider_id == line.client.provider_id
        assert line.amount_cents == line.volume * line.tariff_cents
        assert line.tariff_cents == line.allocation.product.tariff_cents
        assert line.unit == line.allocation.product.unit
        assert line.declaration.period_start <= line.begindatum <= line.einddatum <= line.declaration.period_end
        assert line.module_run.finished_on == line.einddatum
    assert len({line.module_run_id for line in lines}) == len(lines)  # no module run declared twice
    for declaration in Declaration.objects.annotate(total=Sum("lines__amount_cents")):
        assert declaration.total_cents == declaration.total
        if declaration.status == "answered":
            assert declaration.awarded_cents == declaration.lines.aggregate(s=Sum("awarded_cents"))["s"]
    last_period = (today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert Declaration.objects.filter(status="answered").exists()  # older months: answered (JW325)
    assert not Declaration.objects.filter(period_start__gte=last_period, status="answered").exists()
    # starts and stops exactly as the app derives them; last month was declared completely
    assert CareStart.objects.count() == ModuleRun.objects.count()
    result = care_events_sync()
    assert (result.starts_created, result.stops_created) == (0, 0)
    last_month = today().replace(day=1) - datetime.timedelta(days=1)
    assert all(r.nothing_new for r in declaration_run_all(period=f"{last_month:%Y-%m}"))
    # budgets cover what was granted, allocation numbers continue after the generated ones
    for contract in Contract.objects.exclude(yearly_budget_cents=None):
        years = {day.year for day in contract.allocations.values_list("start_date", flat=True) if day is not None}
        assert all((contract_remaining_cents(contract=contract, year=year) or 0) >= 0 for year in years)
    # two jeugdregio's, each with a regional contract: one tariff list, budget shares that add up
    regional = list(Contract.objects.filter(region__isnull=False).select_related("region"))
    assert {contract.region.name for contract in regional if contract.region} == {name for name, _m in REGIONS}
    for contract in regional:
        parts = list(contract.parts.all())
        assert len(parts) >= 2 and not any(part.products.exists() for part in parts)
        assert all(part.yearly_budget_cents is None and part.mandate == contract.mandate for part in parts)
        for year in range(contract.valid_from.year, today().year + 1):
            shares = regional_budget_shares(contract=contract, year=year)
            assert set(shares) == {part.municipality_id for part in parts}
            assert sum(shares.values()) == contract.yearly_budget_cents
            for part in parts:
                assert (contract_remaining_cents(contract=part, year=year) or 0) >= 0
    assert Allocation.objects.filter(contract__part_of__isnull=False, product__contract__region__isnull=False).exists()
    numbers = [int(n or "0") for n in Allocation.objects.values_list("toewijzing_nummer", flat=True)]
    assert NumberSequence.objects.get(name=TOEWIJZING_SEQUENCE).last_value >= max(numbers)
    assert Allocation.objects.filter(status="requested").exists()


def test_the_nightly_forecast_check_has_run(country: PopulationResult) -> None:
    """The dashboards read a stored forecast: the synthetic country is generated as after a night."""
    from coachcare.monitoring.models import ForecastFigure
    from coachcare.monitoring.selectors import forecast_build

    # a regional contract has no municipality of its own: its members have their parts
    with_contracts = set(Contract.objects.exclude(municipality=None).values_list("municipality_id", flat=True))
    assert with_contracts
    assert set(ForecastFigure.objects.values_list("municipality_id", flat=True)) == with_contracts
    municipality_id = min(with_contracts)
    stored = ForecastFigure.objects.filter(municipality_id=municipality_id).order_by("month")
    computed = forecast_build(municipality_id=municipality_id)
    assert [(f.month, f.expected_cents, f.actual_cents) for f in stored] == [
        (m.month, m.expected_cents, m.actual_cents) for m in computed.months
    ]
    assert any(f.actual_cents for f in stored)  # declared and delivered modules show up as spending


def test_accounts_for_screens_and_load_tests(country: PopulationResult) -> None:
    coaches = User.objects.filter(role=Role.COACH)
    assert coaches.count() == country.coaches and not coaches.filter(team=None).exists()
    assert not coaches.filter(provider=None).exists()
    for team in Team.objects.all():
        assert team.members.filter(role=Role.TEAMLEIDER).count() == 1
    synthetic = Municipality.objects.filter(code__gte=str(SYNTHETIC_CODE_START))
    assert synthetic.count() == SYNTHETIC_MUNICIPALITIES
    for municipality in synthetic:
        roles = Counter(municipality.staff.values_list("role", flat=True))
        assert roles[Role.GEMEENTE_TOEGANG] == 2 and roles[Role.GEMEENTE_BELEID] == 1
    youth = User.objects.filter(role=Role.JONGERE)
    assert youth.count() == Client.objects.filter(user__isnull=False).count() > 100
    assert all(not user.has_usable_password() for user in User.objects.filter(username__startswith="synth-"))


def test_a_second_call_adds_another_population() -> None:
    population_generate(youths=40, seed=1)
    population_generate(youths=30, seed=41)
    assert Client.objects.count() == 70
    assert Municipality.objects.filter(code__gte=str(SYNTHETIC_CODE_START)).count() == SYNTHETIC_MUNICIPALITIES
    assert User.objects.filter(role=Role.GEMEENTE_BELEID).count() == SYNTHETIC_MUNICIPALITIES
    assert len(set(Declaration.objects.values_list("declaratienummer", flat=True))) == Declaration.objects.count()
    result = care_events_sync()
    assert (result.starts_created, result.stops_created) == (0, 0)


@override_settings(DEBUG=False)
def test_command_refuses_without_debug_unless_forced() -> None:
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("generate_population", youths=5)
    out = StringIO()
    call_command("generate_population", youths=5, force=True, stdout=out)
    assert Client.objects.count() == 5
    assert "Rows created per table" in out.getvalue() and "messaging.Message" in out.getvalue()


#: Emptied after the test that commits: every app but the append-only audit log (it refuses TRUNCATE,
#: and the generator writes nothing there).
COMMITTING_APPS = [app for app in settings.INSTALLED_APPS if app != "coachcare.audit"]


@postgres_only
@pytest.mark.django_db(transaction=True, available_apps=COMMITTING_APPS)
def test_bulk_load_on_postgresql_keeps_indexes_and_keys() -> None:
    def definitions() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid::regclass::text LIKE ANY (ARRAY['clients_%%', 'trajectories_%%', 'messaging_%%', "
                "'coaching_%%', 'declarations_%%', 'contracts_%%', 'accounts_%%']) "
                "UNION ALL SELECT conname, pg_get_constraintdef(oid) || convalidated::text FROM pg_constraint "
                "WHERE contype IN ('f', 'u')"
            )
            return set(cursor.fetchall())

    before = definitions()
    result = population_generate(youths=60, seed=2, bulk=True)
    assert definitions() == before
    assert result.counts["messaging.Message"] == Message.objects.count() > 0
    assert result.counts["coaching.Appointment"] == Appointment.objects.count() > 0
    sync = care_events_sync()
    assert (sync.starts_created, sync.stops_created) == (0, 0)
