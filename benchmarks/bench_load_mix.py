"""Server CPU per request of the load-test mix, in-process, page by page (and where it goes).

Usage (PostgreSQL, on the database the load test uses):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachcare_national \
        .venv/bin/python benchmarks/bench_load_mix.py [--repeat 40] [--profile NAME] [--only TEXT]

``make loadtest`` measures the whole system over HTTP; this script tells what each request of the
same mix (``loadtest/locustfile.py``: the same pages, the same kinds of account, prepared by the
same ``loadtest_accounts_prepare``) costs the app server on its own: CPU time of this process
(``time.process_time``: Python, template rendering, decryption; not PostgreSQL's own CPU) and wall
time per request, the CPU time of its PostgreSQL backend (``/proc/<pid>/schedstat``, when the
server runs on this machine) and the number of queries. Requests go through the whole middleware stack with
Django's test client (sessions in Redis when ``CACHE_URL`` points there, the default here when
Redis answers). At the end it weighs the pages as the Locust mix does and prints the mean CPU per
request of the mix, which bounds what two cores can serve.

``--profile NAME`` (a substring of a page's label) prints the 30 most expensive functions of that
page under cProfile (cumulative time); ``--queries NAME`` prints its queries with their times.
"""

import argparse
import cProfile
import os
import pstats
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachcare.conf.dev")
os.environ.setdefault("DEBUG", "false")
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ.setdefault("AXES_ENABLED", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


if "CACHE_URL" not in os.environ and _redis_answers():
    os.environ["CACHE_URL"] = "redis://127.0.0.1:6379/2"

#: Requests per pacing slot of the Locust mix: (label, weight within its user class).
#: Coach 8, young person 8, API 3, policy officer 1 at a fifth of the pace (locustfile.py).
COACH_WEIGHT, YOUTH_WEIGHT, API_WEIGHT, POLICY_WEIGHT = 8, 8, 3, 1 / 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--profile", default="")
    parser.add_argument(
        "--profile-out",
        default="",
        help="write the statistics of every --profile page, weighted as the mix, to this file (pstats)",
    )
    parser.add_argument("--only", default="")
    parser.add_argument("--queries", default="", help="print every query (time, SQL) of the pages matching this")
    parser.add_argument(
        "--calls",
        action="store_true",
        help="also count the Python function calls of one request per page (cProfile): a measure of the "
        "app's work that, unlike CPU time, does not vary with what else the machine is doing",
    )
    args = parser.parse_args()
    mix_profiler = cProfile.Profile()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from coachcare.accounts.models import User
    from coachcare.demo.loadtest import loadtest_accounts_prepare

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: hashed static names
    accounts = loadtest_accounts_prepare(users=2)

    def logged_in(username: str) -> HttpClient:
        user = User.objects.get(username=username)
        http = HttpClient()
        http.force_login(user)
        if user.is_professional:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            assert device is not None
            session = http.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return http

    coach = accounts.coaches[0]
    youth = accounts.youths[0]
    coach_http = logged_in(coach["username"])
    youth_http = logged_in(youth["username"])
    policy_http = logged_in(accounts.policy[0]["username"])
    api_http = HttpClient(headers={"Authorization": f"Bearer {accounts.api[0]['token']}"})
    coach_thread = coach["threads"][0] if coach["threads"] else youth["thread"]
    client_id = coach["clients"][0]
    trajectory_id = coach["trajectories"][0]

    def last_message_after(http: HttpClient, thread: str) -> str:
        html = http.get(f"/messages/{thread}/").content.decode()
        marker = 'hx-get="'
        start = html.index(marker, html.index('id="message-poll"')) + len(marker)
        return html[start : html.index('"', start)].replace("&amp;", "&")

    coach_poll = last_message_after(coach_http, coach_thread)
    youth_poll = last_message_after(youth_http, youth["thread"])

    # (label, client, url, requests per pacing slot of its user class). Every simulated user starts
    # a task per slot, so a class sends requests in proportion to its weight (divided by its pace),
    # and a task in proportion to its weight within the class (locustfile.py). A message post
    # (coach: weight 1, three times in ten; young person: weight 1) is a POST and the thread again.
    coach_pages: list[tuple[str, HttpClient, str, float]] = [
        ("coach: caseload", coach_http, "/", 4),
        ("coach: caseload page 2", coach_http, "/?page=2", 1),
        ("coach: client file", coach_http, f"/clients/{client_id}/", 4),
        ("coach: inbox", coach_http, "/messages/", 2),
        ("coach: coaching overview", coach_http, "/portal/coach/", 1),
        ("coach: thread", coach_http, f"/messages/{coach_thread}/", 2 + 0.3),
        ("coach: poll", coach_http, coach_poll, 3),
    ]
    youth_pages: list[tuple[str, HttpClient, str, float]] = [
        ("youth: portal", youth_http, "/portal/", 3),
        ("youth: module", youth_http, "/portal/module/", 1),
        ("youth: inbox", youth_http, "/messages/", 1),
        ("youth: thread", youth_http, f"/messages/{youth['thread']}/", 2 + 1),
        ("youth: poll", youth_http, youth_poll, 5),
    ]
    policy_pages: list[tuple[str, HttpClient, str, float]] = [
        ("policy: dashboard", policy_http, "/monitoring/municipality/", 3),
        ("policy: start page", policy_http, "/", 1),
    ]
    api_pages: list[tuple[str, HttpClient, str, float]] = [
        (f"api: {url.split('?')[0][:40]}", api_http, url, weight)
        for url, weight in [
            ("/api/v1/clients?limit=25", 2),
            (f"/api/v1/clients/{client_id}", 2),
            ("/api/v1/trajectories?limit=25", 1),
            (f"/api/v1/trajectories/{trajectory_id}", 1),
            ("/api/v1/module-runs?limit=25", 1),
            ("/api/v1/threads?limit=25", 1),
            (f"/api/v1/threads/{coach_thread}/messages?limit=25", 1),
            ("/api/v1/appointments?limit=25", 1),
            (f"/fhir/r4/Patient/{client_id}", 1),
            (f"/fhir/r4/Task?patient={client_id}", 1),
        ]
    ]
    task_weights = {"coach": 18, "youth": 13, "policy": 4, "api": 12}  # sum of the task weights per class
    pages: list[tuple[str, HttpClient, str, float]] = []
    for kind, class_weight, listed in [
        ("coach", COACH_WEIGHT, coach_pages),
        ("youth", YOUTH_WEIGHT, youth_pages),
        ("policy", POLICY_WEIGHT, policy_pages),
        ("api", API_WEIGHT, api_pages),
    ]:
        pages += [(label, http, url, class_weight * w / task_weights[kind]) for label, http, url, w in listed]
    if args.only:
        pages = [page for page in pages if args.only in page[0]]

    def one(http: HttpClient, url: str) -> int:
        return http.get(url).status_code

    def backend_cpu_ms() -> float:
        """CPU time of this connection's PostgreSQL backend so far (its /proc schedstat, in ns), or
        0.0 when the server is not on this machine (or not PostgreSQL)."""
        if connection.vendor != "postgresql":
            return 0.0
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid  # type: ignore[union-attr]
        try:
            return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
        except (OSError, ValueError, IndexError):
            return 0.0

    def run(label: str, call: Callable[[], int]) -> tuple[float, float, float, int, float]:
        call()  # warm: caches, connection, templates
        cpu, wall, database = [], [], []
        queries = 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started_database = backend_cpu_ms()
                started_cpu, started = time.process_time(), time.perf_counter()
                status = call()
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
                database.append(backend_cpu_ms() - started_database)
            assert status in (200, 204), (label, status)  # 204: a poll with nothing new
            queries = len(captured.captured_queries)
        wall.sort()
        return (
            statistics.median(cpu),
            statistics.median(wall),
            wall[int(len(wall) * 0.95) - 1],
            queries,
            statistics.median(database),
        )

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, {accounts.data['young_people']} young "
        f"people, {accounts.data['messages']} messages; cache {os.environ.get('CACHE_URL', 'locmem')}; "
        f"{args.repeat} requests per page"
    )

    def calls_of(http: HttpClient, url: str) -> int:
        profiler = cProfile.Profile()
        profiler.enable()
        one(http, url)
        profiler.disable()
        return int(pstats.Stats(profiler).total_calls)  # type: ignore[attr-defined]

    print(
        f"{'request':<46} {'CPU p50':>8} {'PG CPU':>7} {'wall p50':>9} {'wall p95':>9} {'queries':>8} {'weight':>7}"
        + (f" {'calls':>7}" if args.calls else "")
    )
    weighted_cpu = weighted_wall = weighted_database = weighted_calls = total_weight = 0.0
    for label, http, url, weight in pages:
        cpu, wall, wall95, queries, database = run(label, lambda http=http, url=url: one(http, url))
        calls = calls_of(http, url) if args.calls else 0
        print(
            f"{label:<46} {cpu:7.1f}  {database:6.1f}  {wall:8.1f}  {wall95:8.1f}  {queries:>7}  {weight:6.1f}"
            + (f" {calls:>7}" if args.calls else "")
        )
        weighted_cpu += cpu * weight
        weighted_wall += wall * weight
        weighted_database += database * weight
        weighted_calls += calls * weight
        total_weight += weight
        if args.queries and args.queries in label:
            with CaptureQueriesContext(connection) as captured:
                one(http, url)
            for query in captured.captured_queries:
                print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql']}")
        if args.profile and args.profile in label:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                one(http, url)
            profiler.disable()
            if args.profile_out:  # all profiled pages, each weighted as the mix: one request × its weight
                mix_profiler.enable()
                for _ in range(max(1, round(weight * 10))):
                    one(http, url)
                mix_profiler.disable()
                mix_profiler.dump_stats(args.profile_out)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    if total_weight:
        mean_cpu = weighted_cpu / total_weight
        mean_wall = weighted_wall / total_weight
        mean_database = weighted_database / total_weight
        print(
            f"mix (weighted as locustfile.py): app CPU {mean_cpu:.1f} ms per request, PostgreSQL CPU "
            f"{mean_database:.1f} ms, wall {mean_wall:.1f} ms; two cores bound app and database together at "
            f"{2000 / (mean_cpu + mean_database):.0f} requests per second (before the load generator, HTTP and "
            "queueing)"
        )
        if args.calls:
            print(f"mix: {weighted_calls / total_weight:,.0f} Python function calls per request")


if __name__ == "__main__":
    main()
