"""A national month of declarations (iJw JW323): the monthly run over every municipality.

Usage: DATABASE_URL=postgres://... python benchmarks/bench_declarations.py --modules 150000
       [--municipalities 342] [--providers 10] [--period 2025-06] [--out DIR] [--workers 2]

Data generation (not measured): bulk-inserts the minimal rows the run needs, tagged so a second
run reuses them: synthetic municipalities (codes 7000+), providers, one contract with one product
per municipality-provider pair, and per delivered module a young person, a trajectory and an
evaluated module run finished inside --period. The contracts cover the three funding models
(docs/contracts.md), drawn per pair with the shares of ``FUNDING_SHARES``: output-based (an
approved allocation of one module, declared per module), effort-based (an approved allocation of
``EFFORT_HOURS`` hours, declared per hour of the sessions held: ``EFFORT_SESSIONS`` attended
appointments of an hour each between the module's start and its delivery) and task-based (no
allocation and no declaration: the lump sum pays; only the care-event sync's start and stop).

Declarations, starts and stops of the period from a previous run are deleted first with raw SQL
(not measured; the audit log is never touched), so every run does the full work.

Measured, and printed separately:

1. The care-event sync (``care_events_sync``: JW305 starts and JW307 stops). Here it is a FIRST
   sync of a whole month at once (300,000 events). In production it runs incrementally: the
   trajectory services enqueue ``care_events_sync_task`` on commit after every module start and
   stop, so by the time of the monthly run the events exist and the run's own sync is a no-op.
2. "Generate, validate and write the month's declarations": ``declaration_run_all`` (which still
   calls the sync, now a no-op, so correctness does not depend on the task having run; then it
   selects the delivered modules, checks the rules, creates the declarations and their lines),
   then per declaration building the JW323 message, validating it with
   ``coachcare.ijw.validation.validate`` (every file), rendering it with ``coachcare.ijw.xml.render``
   and writing the file; this part runs in ``--workers`` processes (default 2, one per core).

The target (60 s or less) applies to part 2; the total of both is printed as well.
"""

import argparse
import calendar
import datetime
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachcare.conf.dev")
os.environ.setdefault("DEBUG", "false")

BATCH = 5000
CODE_START = 7000
AGB_START = 77_000_000
MODULE_CODE = "CC-BENCH"
TARIFF_CENTS = 125_000
#: Shares of the municipality-provider pairs per funding model (output-based, effort-based, task-based).
FUNDING_SHARES = (("outputgericht", 0.6), ("inspanningsgericht", 0.25), ("taakgericht", 0.15))
EFFORT_HOURS = 10  # hours allocated per effort-based module (unit 04, per hour)
EFFORT_SESSIONS = 3  # sessions of an hour held per effort-based module: 3 hours declared
HOURLY_CENTS = 12_500


def _bsns(rng: random.Random, count: int) -> list[str]:
    """Valid (11-proof) BSNs starting with 9, distinct."""
    seen: set[str] = set()
    while len(seen) < count:
        digits = [9] + [rng.randrange(10) for _ in range(7)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if total == 10:
            continue
        seen.add("".join(map(str, digits)) + str(total))
    return sorted(seen)


def generate(*, modules: int, municipalities: int, providers: int, first: datetime.date, last: datetime.date) -> None:
    from django.db import transaction
    from django.utils import timezone

    from coachcare.accounts.models import Role, User
    from coachcare.clients.models import Client
    from coachcare.clients.services import bsn_hash
    from coachcare.coaching.models import Appointment, Attendance
    from coachcare.contracts.models import Allocation, AllocationStatus, Contract, ContractProduct
    from coachcare.method.models import MethodVersion, Module
    from coachcare.municipalities.models import Municipality
    from coachcare.providers.models import Provider, Team
    from coachcare.trajectories.models import ModuleRun, Trajectory

    rng = random.Random(5)
    now = timezone.now()
    with transaction.atomic():
        version, _ = MethodVersion.objects.get_or_create(
            name="coach-and-care-bench", version="bench.1", defaults={"description": "benchmark", "is_current": False}
        )
        module, _ = Module.objects.get_or_create(
            method_version=version,
            code=MODULE_CODE,
            defaults={
                "name": "Benchmark module",
                "purpose": "benchmark",
                "kind": Module.Kind.BLENDED,
                "expected_sessions": 6,
                "expected_weeks": 8,
                "ijw_product_category": "45",
                "ijw_product_code": "45B01",
                "sequence": 1,
            },
        )
        towns = [
            Municipality.objects.get_or_create(code=f"{CODE_START + i}", defaults={"name": f"Benchgemeente {i}"})[0]
            for i in range(municipalities)
        ]
        sellers = [
            Provider.objects.get_or_create(agb_code=f"{AGB_START + i}", defaults={"name": f"Benchaanbieder {i}"})[0]
            for i in range(providers)
        ]
        teams = [Team.objects.get_or_create(provider=p, name="Bench team")[0] for p in sellers]
        coaches = []
        for p, team in zip(sellers, teams, strict=True):
            coach, _ = User.objects.get_or_create(
                username=f"bench-coach-{p.agb_code}",
                defaults={"role": Role.COACH, "team": team, "provider": p, "first_name": "Bench"},
            )
            coaches.append(coach)
        products: dict[tuple[int, int], ContractProduct] = {}
        for town in towns:
            for index in rng.sample(range(providers), min(2, providers)):
                contract, _ = Contract.objects.get_or_create(
                    municipality=town,
                    provider=sellers[index],
                    defaults={"valid_from": datetime.date(first.year, 1, 1)},
                )
                draw, funding = rng.random(), FUNDING_SHARES[-1][0]
                for model, share in FUNDING_SHARES:
                    if draw < share:
                        funding = model
                        break
                    draw -= share
                product_fields = {
                    "outputgericht": {"unit": "82", "tariff_cents": TARIFF_CENTS, "volume_per_module": 1},
                    "inspanningsgericht": {
                        "unit": "04",
                        "tariff_cents": HOURLY_CENTS,
                        "volume_per_module": EFFORT_HOURS,
                    },
                    "taakgericht": {"unit": "82", "tariff_cents": 0, "volume_per_module": 1},
                }[funding]
                product, _ = ContractProduct.objects.get_or_create(
                    contract=contract,
                    module_code=MODULE_CODE,
                    defaults={
                        "ijw_product_category": "45",
                        "ijw_product_code": "45B01",
                        "funding_model": funding,
                        **product_fields,
                    },
                )
                products[(town.pk, index)] = product
    pairs = sorted(products)
    bsns = _bsns(rng, modules)
    days = (last - first).days
    for start in range(0, modules, BATCH):
        chunk = range(start, min(start + BATCH, modules))
        with transaction.atomic():
            picks = [pairs[rng.randrange(len(pairs))] for _ in chunk]
            clients = Client.objects.bulk_create(
                [
                    Client(
                        bsn=bsns[i],
                        bsn_hash=bsn_hash(bsns[i]),
                        given_name="Bench",
                        family_name=f"Jongere {i}",
                        birth_date=datetime.date(2008, 1, 1) + datetime.timedelta(days=i % 2000),
                        municipality_id=town_id,
                        provider_id=sellers[index].pk,
                        team_id=teams[index].pk,
                        coach_id=coaches[index].pk,
                        referred_on=first - datetime.timedelta(days=90),
                    )
                    for i, (town_id, index) in zip(chunk, picks, strict=True)
                ],
                batch_size=BATCH,
            )
            # task-based: no allocation (the lump sum pays); effort-based: the hours of the module
            allocated = [
                (i, client, pick)
                for i, client, pick in zip(chunk, clients, picks, strict=True)
                if products[pick].funding_model != "taakgericht"
            ]
            created = Allocation.objects.bulk_create(
                [
                    Allocation(
                        client=client,
                        contract_id=products[pick].contract_id,
                        product=products[pick],
                        status=AllocationStatus.APPROVED,
                        toewijzing_nummer=f"{8_000_000_000 + i:010d}",
                        volume=products[pick].volume_per_module,
                        volume_used=1 if products[pick].funding_model == "outputgericht" else 0,
                        start_date=first - datetime.timedelta(days=90),
                        end_date=last + datetime.timedelta(days=90),
                        budget_cents=products[pick].volume_per_module * products[pick].tariff_cents,
                        requested_by_id=coaches[pick[1]].pk,
                        requested_at=now,
                    )
                    for i, client, pick in allocated
                ],
                batch_size=BATCH,
            )
            allocation_of = {
                client.pk: allocation for (_i, client, _p), allocation in zip(allocated, created, strict=True)
            }
            allocations = [allocation_of.get(client.pk) for client in clients]
            trajectories = Trajectory.objects.bulk_create(
                [
                    Trajectory(
                        client=client,
                        municipality_id=client.municipality_id,
                        coach_id=client.coach_id,
                        status="module_evaluation",
                        referrer_kind="gemeente",
                        referred_on=client.referred_on,
                        method_version=version,
                    )
                    for client in clients
                ],
                batch_size=BATCH,
            )
            ModuleRun.objects.bulk_create(
                [
                    ModuleRun(
                        trajectory=trajectory,
                        module=module,
                        sequence=1,
                        allocation=allocation,
                        state=ModuleRun.State.EVALUATED,
                        started_on=first - datetime.timedelta(days=56),
                        due_on=first,
                        finished_on=first + datetime.timedelta(days=i % (days + 1)),
                    )
                    for i, trajectory, allocation in zip(chunk, trajectories, allocations, strict=True)
                ],
                batch_size=BATCH,
            )
            # effort-based: the sessions held (attended) between the module's start and its delivery
            Appointment.objects.bulk_create(
                [
                    Appointment(
                        client=client,
                        trajectory=trajectory,
                        starts_at=starts,
                        ends_at=starts + datetime.timedelta(hours=1),
                        title="Sessie",
                        attendance=Attendance.ATTENDED,
                        created_by_id=client.coach_id,
                    )
                    for client, trajectory, pick in zip(clients, trajectories, picks, strict=True)
                    if products[pick].funding_model == "inspanningsgericht"
                    for session in range(EFFORT_SESSIONS)
                    for starts in [
                        timezone.make_aware(
                            datetime.datetime.combine(
                                first - datetime.timedelta(days=50 - 14 * session), datetime.time(10)
                            )
                        )
                    ]
                ],
                batch_size=BATCH,
            )


def write_messages(declaration_ids: list[int], out: str) -> tuple[int, int, int, int]:
    """Build, validate, render and write the JW323 files of these declarations (in a worker
    process); returns files, bytes, lines and violations."""
    from coachcare.core.dates import today
    from coachcare.declarations import selectors
    from coachcare.declarations.models import Declaration
    from coachcare.ijw.services import declaration_message_build
    from coachcare.ijw.validation import validate
    from coachcare.ijw.xml import render

    declarations = list(
        Declaration.objects.filter(pk__in=declaration_ids).select_related("municipality", "provider").order_by("pk")
    )
    files = size = lines = violations = 0
    on = today()
    for values in selectors.declaration_values_build(declarations=declarations):
        message = declaration_message_build(declaration=values, on=on)
        lines += len(message.lines)
        violations += len(validate(message))
        data = render(message)
        (Path(out) / f"JW323_{message.header.afzender}_{message.declaratienummer}.xml").write_bytes(data)
        files += 1
        size += len(data)
    return files, size, lines, violations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=150_000, help="delivered modules in the month")
    parser.add_argument("--municipalities", type=int, default=342)
    parser.add_argument("--providers", type=int, default=10)
    parser.add_argument("--period", default="2025-06")
    parser.add_argument("--out", help="directory for the JW323 files (default: a temporary directory)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the JW323 messages")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count

    from coachcare.declarations import services
    from coachcare.declarations.models import CareStart, CareStop, Declaration, DeclarationLine
    from coachcare.trajectories.models import ModuleRun

    call_command("migrate", verbosity=0)
    year, month = map(int, args.period.split("-"))
    first = datetime.date(year, month, 1)
    last = first.replace(day=calendar.monthrange(year, month)[1])
    bench_runs = ModuleRun.objects.filter(module__code=MODULE_CODE, finished_on__gte=first, finished_on__lte=last)
    have = bench_runs.count()
    if have < args.modules:
        started = time.perf_counter()
        generate(
            modules=args.modules - have,
            municipalities=args.municipalities,
            providers=args.providers,
            first=first,
            last=last,
        )
        print(f"generated {args.modules - have} delivered modules in {time.perf_counter() - started:.1f} s")
    line_table = connection.ops.quote_name(DeclarationLine._meta.db_table)
    declaration_table = connection.ops.quote_name(Declaration._meta.db_table)
    with connection.cursor() as cursor:  # raw SQL: the ORM's cascade collection of 300k rows is slow
        delete_lines = f"DELETE FROM {line_table} WHERE declaration_id IN (SELECT id FROM {declaration_table} WHERE period_start = %s)"  # noqa: S608, E501
        cursor.execute(delete_lines, [first])
        cursor.execute(f"DELETE FROM {declaration_table} WHERE period_start = %s", [first])  # noqa: S608
        for model in (CareStop, CareStart):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(f"database: {connection.vendor}; delivered modules in {args.period}: {bench_runs.count()}")

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="jw323-"))
    out.mkdir(parents=True, exist_ok=True)
    on = last + datetime.timedelta(days=1)

    started = time.perf_counter()
    synced = services.care_events_sync(on=on)
    sync_done = time.perf_counter()
    print(
        f"care-event sync (JW305/JW307; first sync of the whole month — in production incremental, "
        f"after every module start/stop via care_events_sync_task): {synced.starts_created} starts, "
        f"{synced.stops_created} stops: {sync_done - started:.1f} s"
    )

    results = services.declaration_run_all(period=args.period, on=on)  # its sync is a no-op now
    run_done = time.perf_counter()
    ids = [declaration.pk for result in results for declaration in result.declarations]
    chunks = [ids[start : start + 25] for start in range(0, len(ids), 25)]
    files = size = lines = violations = 0
    if args.workers > 1:
        connections.close_all()  # the workers are forked: each opens its own connection
        with ProcessPoolExecutor(max_workers=args.workers, mp_context=get_context("fork")) as pool:
            outcomes = list(pool.map(write_messages, chunks, [str(out)] * len(chunks)))
    else:
        outcomes = [write_messages(chunk, str(out)) for chunk in chunks]
    for chunk_files, chunk_size, chunk_lines, chunk_violations in outcomes:
        files += chunk_files
        size += chunk_size
        lines += chunk_lines
        violations += chunk_violations
    done = time.perf_counter()
    refused = sum(len(result.refusals) for result in results)
    print(
        f"declaration run: {len(results)} municipalities, {len(ids)} declarations, "
        f"{sum(r.lines_created for r in results)} lines, {refused} refused, "
        f"{CareStart.objects.count()} starts, {CareStop.objects.count()} stops: {run_done - sync_done:.1f} s"
    )
    print(
        f"JW323 messages ({args.workers} workers): {files} files ({size / 1_000_000:.1f} MB, {lines} lines) built, "
        f"validated ({violations} violations), rendered and written to {out}: {done - run_done:.1f} s"
    )
    per_model = dict(
        DeclarationLine.objects.filter(declaration__period_start=first)
        .values_list("allocation__product__funding_model")
        .annotate(count=Count("pk"))
        .values_list("allocation__product__funding_model", "count")
    )
    print(
        "declaration lines per funding model: "
        + ", ".join(f"{model} {per_model.get(model, 0)}" for model, _share in FUNDING_SHARES)
        + " (task-based modules are never declared: the lump sum pays)"
    )
    print(f"generate, validate and write the month's declarations: {done - sync_done:.1f} s (target: 60 s or less)")
    print(f"total with the first care-event sync: {done - started:.1f} s")


if __name__ == "__main__":
    main()
