"""A national month of declarations (iJw JW323): the monthly run over every municipality.

Usage: DATABASE_URL=postgres://... python benchmarks/bench_declarations.py --modules 150000
       [--municipalities 342] [--providers 10] [--period 2025-06] [--out DIR]

Data generation (not measured): bulk-inserts the minimal rows the run needs, tagged so a second
run reuses them: synthetic municipalities (codes 7000+), providers, one contract with one product
per municipality-provider pair, and per delivered module a young person, an approved allocation,
a trajectory and an evaluated module run finished inside --period.

Measured: ``declaration_run_all`` (syncing the starts and stops of care, selecting the delivered
modules, checking the rules, creating the declarations and their lines), then per declaration
building the JW323 message, validating it with ``coachcare.ijw.validation.validate``, rendering
it with ``coachcare.ijw.xml.render`` and writing the file. Declarations, starts and stops of the
period from a previous run are deleted first (not measured), so every run does the full work.
"""

import argparse
import calendar
import datetime
import os
import random
import sys
import tempfile
import time
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
                    defaults={"funding_model": "per_module", "valid_from": datetime.date(first.year, 1, 1)},
                )
                product, _ = ContractProduct.objects.get_or_create(
                    contract=contract,
                    module_code=MODULE_CODE,
                    defaults={
                        "ijw_product_category": "45",
                        "ijw_product_code": "45B01",
                        "unit": "82",
                        "tariff_cents": TARIFF_CENTS,
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
            allocations = Allocation.objects.bulk_create(
                [
                    Allocation(
                        client=client,
                        contract_id=products[pick].contract_id,
                        product=products[pick],
                        status=AllocationStatus.APPROVED,
                        toewijzing_nummer=f"{8_000_000_000 + i:010d}",
                        volume=1,
                        volume_used=1,
                        start_date=first - datetime.timedelta(days=90),
                        end_date=last + datetime.timedelta(days=90),
                        budget_cents=TARIFF_CENTS,
                        requested_by_id=coaches[pick[1]].pk,
                        requested_at=now,
                    )
                    for i, client, pick in zip(chunk, clients, picks, strict=True)
                ],
                batch_size=BATCH,
            )
            trajectories = Trajectory.objects.bulk_create(
                [
                    Trajectory(
                        client=client,
                        coach_id=client.coach_id,
                        status="module_evaluation",
                        referrer_kind="school",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=150_000, help="delivered modules in the month")
    parser.add_argument("--municipalities", type=int, default=342)
    parser.add_argument("--providers", type=int, default=10)
    parser.add_argument("--period", default="2025-06")
    parser.add_argument("--out", help="directory for the JW323 files (default: a temporary directory)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coachcare.declarations import selectors, services
    from coachcare.declarations.models import CareStart, CareStop, Declaration, DeclarationLine
    from coachcare.ijw.validation import validate
    from coachcare.ijw.xml import render
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
    DeclarationLine.objects.filter(declaration__period_start=first).delete()
    Declaration.objects.filter(period_start=first).delete()
    CareStop.objects.all().delete()
    CareStart.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {connection.vendor}; delivered modules in {args.period}: {bench_runs.count()}")

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="jw323-"))
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = services.declaration_run_all(period=args.period, on=last + datetime.timedelta(days=1))
    run_done = time.perf_counter()
    declarations = [declaration for result in results for declaration in result.declarations]
    lines = violations = files = size = 0
    for batch in range(0, len(declarations), 50):
        for message in selectors.declaration_messages_build(declarations=declarations[batch : batch + 50]):
            lines += len(message.lines)
            violations += len(validate(message))
            data = render(message)
            path = out / f"JW323_{message.header.afzender}_{message.declaratienummer}.xml"
            path.write_bytes(data)
            files += 1
            size += len(data)
    done = time.perf_counter()
    refused = sum(len(result.refusals) for result in results)
    print(
        f"declaration run: {len(results)} municipalities, {len(declarations)} declarations, "
        f"{sum(r.lines_created for r in results)} lines, {refused} refused, "
        f"{CareStart.objects.count()} starts, {CareStop.objects.count()} stops: {run_done - started:.1f} s"
    )
    print(
        f"JW323 messages: {files} files ({size / 1_000_000:.1f} MB, {lines} lines) built, validated "
        f"({violations} violations), rendered and written to {out}: {done - run_done:.1f} s"
    )
    print(f"total: {done - started:.1f} s (target: 60 s or less)")


if __name__ == "__main__":
    main()
