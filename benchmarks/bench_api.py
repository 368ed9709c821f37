"""Server time of the main REST and FHIR endpoints on a large database.

Usage: DATABASE_URL=postgres://... python benchmarks/bench_api.py --clients 100000 [--repeat 50]

Migrates, fills the database up to --clients young people with the synthetic generator, creates
API tokens for a coach of the busiest team and for the largest municipality's access team, then
requests the endpoints in-process with Django's test client and the Bearer header (server time:
middleware, authentication, queries, serialisation) and prints p50/p95 and the number of queries.
The endpoints are requested in rounds (each round asks every endpoint once), so a burst of load
from elsewhere on a shared machine spreads over all of them instead of spoiling one. Production
settings: DEBUG off, so no run-time FHIR validation (COACHCARE_FHIR_VALIDATE follows DEBUG).
Target: p95 <= 50 ms.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachcare.conf.dev")
os.environ.setdefault("DEBUG", "false")
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ.setdefault("AXES_ENABLED", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="measure only the endpoints whose label contains this text")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from coachcare.accounts.models import Role, User
    from coachcare.api.pagination import _encode as encode_cursor
    from coachcare.api.services import api_token_create
    from coachcare.clients.models import Client
    from coachcare.coaching.models import Appointment
    from coachcare.demo.synthetic.population import population_generate
    from coachcare.messaging.models import Message, Thread
    from coachcare.trajectories.models import ModuleRun, Trajectory

    call_command("migrate", verbosity=0)
    have = Client.objects.count()
    if have < args.clients:
        started = time.perf_counter()
        population_generate(youths=args.clients - have, seed=args.seed + have)
        print(f"generated {args.clients - have} young people in {time.perf_counter() - started:.1f} s")
    total = Client.objects.count()

    busiest_team = Client.objects.values("team_id").annotate(n=Count("id")).order_by("-n").first()
    coach = User.objects.filter(role=Role.COACH, team_id=busiest_team["team_id"]).first() if busiest_team else None
    if coach is None:
        sys.exit("no coach found")
    biggest = Client.objects.values("municipality_id").annotate(n=Count("id")).order_by("-n").first()
    toegang = User.objects.filter(role=Role.GEMEENTE_TOEGANG, municipality_id=biggest["municipality_id"]).first()
    if toegang is None:
        toegang = User.objects.create(
            username=f"bench-toegang-{biggest['municipality_id']}",
            role=Role.GEMEENTE_TOEGANG,
            municipality_id=biggest["municipality_id"],
            password="!",
        )
    coach_headers = {"Authorization": f"Bearer {api_token_create(user=coach, name='bench', days=1).raw}"}
    toegang_headers = {"Authorization": f"Bearer {api_token_create(user=toegang, name='bench', days=1).raw}"}
    client = Client.objects.filter(team_id=coach.team_id, trajectories__isnull=False).first() or (
        Client.objects.filter(team_id=coach.team_id).first()
    )
    assert client is not None
    trajectory = Trajectory.objects.filter(client=client).first()
    # The generator makes no appointments or messages: give every client of the coach's team a few
    # appointments and a youth thread with a conversation (once; later runs reuse them).
    team_clients = list(Client.objects.filter(team_id=coach.team_id).order_by("id"))
    if not Appointment.objects.filter(client__team_id=coach.team_id).exists():
        now = timezone.now()
        Appointment.objects.bulk_create(
            Appointment(
                client=c,
                starts_at=now + datetime.timedelta(days=7 * week, hours=i % 8),
                ends_at=now + datetime.timedelta(days=7 * week, hours=i % 8 + 1),
                title="Gesprek",
                created_by=coach,
            )
            for i, c in enumerate(team_clients)
            for week in range(3)
        )
        threads = Thread.objects.bulk_create(Thread(client=c, kind=Thread.Kind.YOUTH) for c in team_clients)
        Message.objects.bulk_create(
            Message(thread=t, author=coach, body=f"Bericht {n}", created_at=now - datetime.timedelta(hours=40 - n))
            for t in threads
            for n in range(40)
        )
        if connection.vendor == "postgresql":  # fresh statistics, as autovacuum would gather them
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE coaching_appointment, messaging_thread, messaging_message")
    thread = Thread.objects.filter(client=client).first()
    run = ModuleRun.objects.filter(trajectory__client__team_id=coach.team_id).select_related("trajectory").first()
    http = HttpClient()

    endpoints: list[tuple[str, str, dict[str, str], bool]] = []

    def measure(label: str, url: str, headers: dict[str, str], *, uncached: bool = False) -> None:
        if args.only in label:
            endpoints.append((label, url, headers, uncached))

    def second_page(url: str, headers: dict[str, str]) -> str:
        cursor = http.get(url, headers=headers).json()["next_cursor"]
        return f"{url}&cursor={cursor}" if cursor else url

    team_size = Client.objects.filter(team_id=coach.team_id).count()
    print(
        f"database: {connection.vendor}, {total} young people; coach's team {team_size} clients; "
        f"largest municipality {biggest['n']} residents; {args.repeat} requests per endpoint; "
        f"DEBUG={settings.DEBUG}, FHIR validation at run time={settings.COACHCARE_FHIR_VALIDATE}"
    )
    measure("GET /api/v1/clients (coach)", "/api/v1/clients?limit=50", coach_headers)
    measure("GET /api/v1/clients page 2 (coach)", second_page("/api/v1/clients?limit=50", coach_headers), coach_headers)
    measure("GET /api/v1/clients/{id}", f"/api/v1/clients/{client.public_id}", coach_headers)
    measure("GET /api/v1/trajectories (coach)", "/api/v1/trajectories?limit=50", coach_headers)
    if trajectory is not None:
        measure("GET /api/v1/trajectories/{id}", f"/api/v1/trajectories/{trajectory.public_id}", coach_headers)
        measure(
            "GET /api/v1/trajectories/{id}/goals", f"/api/v1/trajectories/{trajectory.public_id}/goals", coach_headers
        )
    measure("GET /api/v1/module-runs (coach)", "/api/v1/module-runs?limit=50", coach_headers)
    measure("GET /api/v1/modules", "/api/v1/modules", coach_headers)
    measure("GET /api/v1/appointments (coach)", "/api/v1/appointments?limit=50", coach_headers)
    measure(
        "GET /api/v1/appointments page 2 (coach)",
        second_page("/api/v1/appointments?limit=50", coach_headers),
        coach_headers,
    )
    measure("GET /api/v1/appointments?client=", f"/api/v1/appointments?client={client.public_id}", coach_headers)
    measure("GET /api/v1/threads (coach)", "/api/v1/threads?limit=50", coach_headers)
    measure("GET /api/v1/threads page 2 (coach)", second_page("/api/v1/threads?limit=50", coach_headers), coach_headers)
    if thread is not None:
        messages = f"/api/v1/threads/{thread.public_id}/messages?limit=25"
        measure("GET /api/v1/threads/{id}/messages", messages, coach_headers)
        measure("GET /api/v1/threads/{id}/messages p2", second_page(messages, coach_headers), coach_headers)
    measure("GET /api/v1/clients (municipality)", "/api/v1/clients?limit=50", toegang_headers)
    measure(
        "GET /api/v1/clients page 2 (municipality)",
        second_page("/api/v1/clients?limit=50", toegang_headers),
        toegang_headers,
    )
    # A deep page: the cursor of the 10,000th resident (keyset: as cheap as page 2).
    deep = (
        Client.objects.filter(municipality_id=biggest["municipality_id"])
        .order_by("family_name", "given_name", "id")
        .values_list("family_name", "given_name", "id")[min(10_000, biggest["n"] - 51)]
    )
    measure(
        "GET /api/v1/clients deep page (municipality)",
        f"/api/v1/clients?limit=50&cursor={encode_cursor(list(deep))}",
        toegang_headers,
    )
    measure("GET /api/v1/allocations (municipality)", "/api/v1/allocations?limit=50", toegang_headers)
    measure("GET /api/v1/indicators (municipality)", "/api/v1/indicators", toegang_headers)
    measure("GET /api/v1/indicators (not cached)", "/api/v1/indicators", toegang_headers, uncached=True)
    measure("GET /fhir/r4/Patient/{id}", f"/fhir/r4/Patient/{client.public_id}", coach_headers)
    measure("GET /fhir/r4/Task?patient=", f"/fhir/r4/Task?patient={client.public_id}", coach_headers)
    measure("GET /fhir/r4/Task (coach, 50)", "/fhir/r4/Task?_count=50", coach_headers)
    if run is not None:
        measure("GET /fhir/r4/Task/{id}", f"/fhir/r4/Task/{run.trajectory.public_id}-{run.sequence}", coach_headers)

    times: dict[str, list[float]] = {label: [] for label, *_ in endpoints}
    queries: dict[str, int] = {}
    load_before = os.getloadavg()[0]
    for _ in range(args.repeat):
        for label, url, headers, uncached in endpoints:
            if uncached:
                cache.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = http.get(url, headers=headers)
                times[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            queries[label] = len(captured.captured_queries)
    for label, measured in times.items():
        measured.sort()
        p95 = measured[min(len(measured) - 1, int(len(measured) * 0.95))]
        print(f"{label:<46} p50 {statistics.median(measured):7.1f} ms   p95 {p95:7.1f} ms   {queries[label]} queries")
    print(f"load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
