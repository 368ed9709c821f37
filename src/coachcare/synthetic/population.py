"""Generate a synthetic country: municipalities, providers, teams, coaches and young people.

Deterministic for a seed. Bulk inserts in batches, so hundreds of thousands of young people load
in minutes. BSNs are valid (11-proof) but drawn from numbers starting with 9, and every generated
name is from Faker nl_NL; accounts get an unusable password. This module grows with the domain
(trajectories, sessions, messages, declarations: issue 8).
"""

import dataclasses
import datetime
import json
import random
from collections.abc import Iterator

from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client
from coachcare.clients.services import bsn_hash
from coachcare.core.dates import today
from coachcare.municipalities.models import Municipality
from coachcare.providers.models import Provider, Team

BATCH = 5000
CLIENTS_PER_COACH = 40
COACHES_PER_TEAM = 8
TEAMS_PER_PROVIDER = 6
SYNTHETIC_MUNICIPALITIES = 342
SYNTHETIC_CODE_START = 5000  # real CBS codes stay below; synthetic municipalities are 5000 and up


@dataclasses.dataclass(frozen=True, kw_only=True)
class PopulationResult:
    municipalities: int
    providers: int
    teams: int
    coaches: int
    clients: int
    trajectories: int


def _synthetic_bsns(rng: random.Random, count: int) -> Iterator[str]:
    """Distinct 11-proof BSNs starting with 9 (the test range), in a seeded random order."""
    seen: set[str] = set()
    while len(seen) < count:
        digits = [9, *(rng.randrange(10) for _ in range(7))]
        total = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2), strict=True))
        check = total % 11
        if check == 10:
            continue
        candidate = "".join(map(str, digits)) + str(check)
        if candidate not in seen:
            seen.add(candidate)
            yield candidate


#: Where trajectories stand, with their share (a year's national picture, scale.md).
STATUS_MIX: list[tuple[str, float]] = [
    ("referred", 0.05),
    ("allocated", 0.05),
    ("intake", 0.08),
    ("module_running", 0.35),
    ("module_evaluation", 0.07),
    ("closed", 0.12),
    ("follow_up", 0.18),
    ("archived", 0.10),
]
SCALE = json.dumps({"-2": "veel minder dan verwacht", "-1": "zoals bij de start", "0": "verwacht", "1": "beter",
                    "2": "veel beter"})  # fmt: skip


def _care_history(clients: list[Client], *, rng: random.Random, on: datetime.date) -> int:
    """One trajectory per young person with goals, scores, modules, evaluations and transitions."""
    from coachcare.trajectories.models import (
        Evaluation,
        FollowUp,
        Goal,
        GoalScore,
        ModuleRun,
        Trajectory,
        TrajectoryTransition,
    )

    method_version_id, modules = _method_modules()
    if method_version_id is None:
        return 0
    statuses, shares = zip(*STATUS_MIX, strict=True)
    trajectories = []
    for client in clients:
        status = rng.choices(statuses, weights=shares)[0]
        due = on + datetime.timedelta(days=rng.randint(-20, 60))
        closed = status in {"closed", "follow_up", "archived"}
        trajectories.append(
            Trajectory(
                client=client, coach=client.coach, status=status, referrer_kind=rng.choice(REFERRERS),
                referred_on=client.referred_on, method_version_id=method_version_id,
                next_action="" if status == "archived" else "evaluate_module", next_action_due=due,
                end_reason=rng.choice(["31", "31", "31", "32", "34"]) if closed else "",
                closed_on=on - datetime.timedelta(days=rng.randint(1, 300)) if closed else None,
            )
        )  # fmt: skip
    Trajectory.objects.bulk_create(trajectories, batch_size=BATCH)
    goals, runs, transitions, follow_ups = [], [], [], []
    now = timezone.now()
    for trajectory in trajectories:
        if trajectory.status in {"referred", "allocated"}:
            continue
        for order in range(1, rng.randint(1, 3) + 1):
            goals.append(Goal(trajectory=trajectory, order=order, text=f"Synthetisch doel {order}", scale=SCALE))
        done = {"intake": 0, "module_running": 1, "module_evaluation": 1}.get(trajectory.status, rng.randint(1, 4))
        for sequence in range(1, min(done, len(modules)) + 1):
            started = trajectory.referred_on + datetime.timedelta(weeks=6 * (sequence - 1) + 2)
            runs.append(
                ModuleRun(
                    trajectory=trajectory, module_id=modules[sequence - 1], sequence=sequence,
                    state="running" if trajectory.status == "module_running" and sequence == done else "evaluated",
                    started_on=started, due_on=started + datetime.timedelta(weeks=6),
                )
            )  # fmt: skip
        for name, source, target in TRANSITION_PATH[: rng.randint(2, len(TRANSITION_PATH))]:
            transitions.append(
                TrajectoryTransition(
                    trajectory=trajectory, name=name, from_status=source, to_status=target, by=trajectory.coach,
                    by_role="coach", at=now,
                )
            )  # fmt: skip
        if trajectory.status in {"closed", "follow_up", "archived"}:
            for months in (6, 12):
                follow_ups.append(
                    FollowUp(trajectory=trajectory, months=months, due_on=on + datetime.timedelta(days=30 * months),
                             state="done" if trajectory.status == "archived" else "scheduled")
                )  # fmt: skip
    Goal.objects.bulk_create(goals, batch_size=BATCH)
    ModuleRun.objects.bulk_create(runs, batch_size=BATCH)
    TrajectoryTransition.objects.bulk_create(transitions, batch_size=BATCH)
    FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    runs_by_trajectory: dict[int, list[ModuleRun]] = {}
    for run in runs:
        runs_by_trajectory.setdefault(run.trajectory_id, []).append(run)
    coach_of = {t.pk: t.coach_id for t in trajectories if t.coach_id is not None}
    scores, evaluations = [], []
    for goal in goals:
        gbo = rng.randint(1, 5)
        scorer = coach_of[goal.trajectory_id]
        scores.append(
            GoalScore(goal=goal, module_run=None, gas=-1, gbo=gbo, convention="standard", scored_by_id=scorer)
        )
        for run in runs_by_trajectory.get(goal.trajectory_id, []):
            if run.state == "evaluated":
                gbo = min(10, max(0, gbo + rng.randint(-1, 3)))
                scores.append(
                    GoalScore(goal=goal, module_run=run, gas=rng.choice([-1, 0, 0, 1]), gbo=gbo,
                              convention="standard", scored_by_id=scorer)
                )  # fmt: skip
    for run in runs:
        if run.state == "evaluated":
            advice = rng.choice(["continue", "continue", "stop", "step_up"])
            evaluations.append(
                Evaluation(module_run=run, advice=advice, advice_rule="synthetic", decision=advice,
                           decided_by_id=coach_of[run.trajectory_id], decided_at=now)
            )  # fmt: skip
    GoalScore.objects.bulk_create(scores, batch_size=BATCH)
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH)
    return len(trajectories)


REFERRERS = ["huisarts", "school", "wijkteam", "jeugdarts", "zelf"]
TRANSITION_PATH = [
    ("allocate", "referred", "allocated"),
    ("start_intake", "allocated", "intake"),
    ("start_module", "intake", "module_running"),
    ("finish_module", "module_running", "module_evaluation"),
    ("close", "module_evaluation", "closed"),
]


def _method_modules() -> tuple[int | None, list[int]]:
    from coachcare.method.selectors import method_version_current
    from coachcare.method.services import method_demo_package_install

    if method_version_current() is None:
        method_demo_package_install()
    version = method_version_current()
    if version is None:
        return None, []
    return version.pk, list(version.modules.order_by("sequence").values_list("pk", flat=True))


def _municipality_weights(count: int) -> list[float]:
    """A few large cities and a long tail of small towns (Zipf-like), as in the Netherlands."""
    return [1.0 / (rank**0.9) for rank in range(1, count + 1)]


@transaction.atomic
def population_generate(*, youths: int, seed: int) -> PopulationResult:
    rng = random.Random(seed)
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    on = today()

    existing = set(Municipality.objects.values_list("code", flat=True))
    new_municipalities = [
        Municipality(code=str(SYNTHETIC_CODE_START + i), name=f"Synthetische gemeente {i + 1:03d}")
        for i in range(SYNTHETIC_MUNICIPALITIES)
        if str(SYNTHETIC_CODE_START + i) not in existing
    ]
    Municipality.objects.bulk_create(new_municipalities, batch_size=BATCH)
    municipalities = list(
        Municipality.objects.filter(code__gte=str(SYNTHETIC_CODE_START)).order_by("code")[:SYNTHETIC_MUNICIPALITIES]
    )
    weights = _municipality_weights(len(municipalities))

    coaches_needed = max(1, youths // CLIENTS_PER_COACH)
    teams_needed = max(1, coaches_needed // COACHES_PER_TEAM)
    providers_needed = max(1, teams_needed // TEAMS_PER_PROVIDER)
    provider_offset = Provider.objects.filter(agb_code__startswith="97").count()
    providers = Provider.objects.bulk_create(
        [
            Provider(agb_code=f"97{provider_offset + i:06d}", name=f"Synthetische aanbieder {provider_offset + i + 1}")
            for i in range(providers_needed)
        ],
        batch_size=BATCH,
    )
    teams = Team.objects.bulk_create(
        [Team(provider=providers[i % providers_needed], name=f"Team {i + 1}") for i in range(teams_needed)],
        batch_size=BATCH,
    )
    user_offset = User.objects.filter(username__startswith="synth-coach-").count()
    coaches = User.objects.bulk_create(
        [
            User(
                username=f"synth-coach-{user_offset + i}",
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                role=Role.COACH,
                team=teams[i % teams_needed],
                provider=teams[i % teams_needed].provider,
                password="!",  # unusable: synthetic accounts cannot log in
            )
            for i in range(coaches_needed)
        ],
        batch_size=BATCH,
    )

    bsns = _synthetic_bsns(rng, youths)
    existing_hashes = set(Client.objects.values_list("bsn_hash", flat=True)) if Client.objects.exists() else set()
    created = trajectories = 0
    batch: list[Client] = []
    for index in range(youths):
        bsn = next(bsns)
        hashed = bsn_hash(bsn)
        if hashed in existing_hashes:
            continue
        age_days = rng.randint(12 * 365 + 3, 23 * 365)
        coach = coaches[index % coaches_needed]
        batch.append(
            Client(
                bsn=bsn,
                bsn_hash=hashed,
                given_name=fake.first_name(),
                family_name=fake.last_name(),
                birth_date=on - datetime.timedelta(days=age_days),
                municipality=rng.choices(municipalities, weights=weights)[0],
                provider=coach.provider,
                team=coach.team,
                coach=coach,
                referred_on=on - datetime.timedelta(days=rng.randint(0, 365)),
            )
        )
        if len(batch) >= BATCH:
            trajectories += _care_history(Client.objects.bulk_create(batch), rng=rng, on=on)
            created += len(batch)
            batch = []
    if batch:
        trajectories += _care_history(Client.objects.bulk_create(batch), rng=rng, on=on)
        created += len(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics after a bulk load, or the planner guesses
            cursor.execute("ANALYZE")
    return PopulationResult(
        municipalities=len(new_municipalities),
        providers=len(providers),
        teams=len(teams),
        coaches=len(coaches),
        clients=created,
        trajectories=trajectories,
    )


__all__ = ["PopulationResult", "population_generate"]
