"""Server time of the client pages on a large database.

Usage: DATABASE_URL=postgres://... python benchmarks/bench_client_pages.py --clients 100000 [--repeat 50]

Fills the database up to --clients young people with the synthetic generator, then requests the
pages in-process with Django's test client (so the time is server time: middleware, view,
queries, template) and prints p50/p95 per page with the number of queries.
"""

import argparse
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
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from coachcare.accounts.models import Role, User
    from coachcare.clients.models import Client
    from coachcare.demo.synthetic.population import population_generate

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: hashed static names
    have = Client.objects.count()
    if have < args.clients:
        started = time.perf_counter()
        population_generate(youths=args.clients - have, seed=args.seed + have)
        print(f"generated {args.clients - have} young people in {time.perf_counter() - started:.1f} s")
    total = Client.objects.count()

    def logged_in(user: User) -> HttpClient:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        http = HttpClient()
        http.force_login(user)
        session = http.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return http

    def measure(label: str, http: HttpClient, url: str) -> None:
        times = []
        queries = 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = http.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured.captured_queries)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{label:<32} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   {queries} queries")

    busiest_team = Client.objects.values("team_id").annotate(n=Count("id")).order_by("-n").first()
    coach = User.objects.filter(role=Role.COACH, team_id=busiest_team["team_id"]).first() if busiest_team else None
    if coach is None:
        sys.exit("no coach found")
    team_size = Client.objects.filter(team_id=coach.team_id).count()
    client = Client.objects.filter(team_id=coach.team_id).first()
    biggest = Client.objects.values("municipality_id").annotate(n=Count("id")).order_by("-n").first()
    toegang = User.objects.filter(role=Role.GEMEENTE_TOEGANG, municipality_id=biggest["municipality_id"]).first()
    if toegang is None:
        toegang = User.objects.create(
            username=f"bench-toegang-{biggest['municipality_id']}",
            role=Role.GEMEENTE_TOEGANG,
            municipality_id=biggest["municipality_id"],
            password="!",
        )

    print(
        f"database: {connection.vendor}, {total} young people; coach's team caseload {team_size}; "
        f"largest municipality {biggest['n']} residents; {args.repeat} requests per page"
    )
    coach_http = logged_in(coach)
    measure("coach caseload (page 1)", coach_http, "/")
    measure("coach caseload (search)", coach_http, "/?q=de")
    measure("client file", coach_http, f"/clients/{client.public_id}/")
    measure("municipality residents (page 1)", logged_in(toegang), "/")
    measure("municipality residents (page 100)", logged_in(toegang), "/?page=100")


if __name__ == "__main__":
    main()
