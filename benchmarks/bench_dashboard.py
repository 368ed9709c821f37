"""Server time of the monitoring dashboards on a national-scale database, and the same aggregate as raw SQL.

Usage (PostgreSQL, after ``generate_population --youths 500000``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachcare_national \
        .venv/bin/python benchmarks/bench_dashboard.py [--repeat 20]

Requests the municipality dashboard of the largest municipality (as its policy officer) and the
provider dashboard of the busiest team in-process with Django's test client (server time:
middleware, view, queries, template), then times the parts alone: the outcome aggregate through
the ORM and as hand-written SQL over the outcome summary (``monitoring_trajectoryoutcome``, the
same numbers: checked), the gate aggregate, the forecast as stored by the nightly
``forecast_check`` and as computed by it, and for comparison the outcome aggregate straight from
the source tables (as before the summary). Prints p50/p95 and query counts. It does not generate
data: run ``generate_population`` first (see benchmarks/README.md); the summary must be filled
(``manage.py outcomes_rebuild``, which the generator runs at its end; it fills the waiting
summary too, and migration ``monitoring.0009_waiting_summary`` fills it on an older database).
The waiting times are read cold: there is no cache in front of them. When the measured
municipality has no stored forecast yet, it stores one first (what ``forecast_check`` does).
"""

import argparse
import datetime
import os
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

#: The outcome aggregate of ``indicators.outcome_rows`` by hand, over the summary table (what the
#: dashboard reads since the summary exists).
RAW_SQL = """
SELECT date_trunc('quarter', o.closed_on) AS quarter,
       count(*) AS closed,
       count(*) FILTER (WHERE o.end_reason IN ('32', '33', '34', '35')) AS dropout,
       count(o.satisfaction_score), sum(o.satisfaction_score), sum(o.satisfaction_score * o.satisfaction_score),
       count(*) FILTER (WHERE o.satisfaction_score >= 4),
       count(o.fu6), count(*) FILTER (WHERE o.fu6), count(o.fu12), count(*) FILTER (WHERE o.fu12),
       count(*) FILTER (WHERE o.end_reason = '31' AND o.fu6 = false),
       count(*) FILTER (WHERE o.final_gbo_mean IS NOT NULL AND o.intake_gbo_mean IS NOT NULL),
       count(*) FILTER (WHERE o.final_gbo_mean > o.intake_gbo_mean),
       count(o.final_gas_t), count(*) FILTER (WHERE o.final_gas_t >= 50),
       sum(o.duration_days), sum(o.n_modules), sum(o.cost_cents),
       count(*) FILTER (WHERE NOT o.has_intake), count(*) FILTER (WHERE o.satisfaction_score IS NULL),
       count(*) FILTER (WHERE o.fu6_open_due < %(on)s) + count(*) FILTER (WHERE o.fu12_open_due < %(on)s)
FROM monitoring_trajectoryoutcome o
WHERE o.municipality_id = %(municipality)s AND o.closed_on BETWEEN %(start)s AND %(end)s
GROUP BY 1 ORDER BY 1
"""

#: The same aggregate straight from the source tables (how it was computed before the summary):
#: for comparison only.
SOURCE_SQL = """
WITH t AS (
    SELECT t.id, t.closed_on, t.referred_on, t.end_reason, t.satisfaction_score, t.final_gas_t, t.final_gbo_mean
    FROM trajectories_trajectory t JOIN clients_client c ON c.id = t.client_id
    WHERE c.municipality_id = %(municipality)s AND t.closed_on BETWEEN %(start)s AND %(end)s
), intake AS (
    SELECT g.trajectory_id, avg(s.gbo) AS gbo, count(*) AS n
    FROM trajectories_goal g JOIN trajectories_goalscore s ON s.goal_id = g.id AND s.module_run_id IS NULL
    WHERE g.trajectory_id IN (SELECT id FROM t) GROUP BY g.trajectory_id
), runs AS (
    SELECT r.trajectory_id, count(*) AS n,
           sum(CASE WHEN d.status IN ('submitted', 'answered') THEN l.amount_cents ELSE p.tariff_cents END) AS cost
    FROM trajectories_modulerun r
    LEFT JOIN declarations_declarationline l ON l.module_run_id = r.id
    LEFT JOIN declarations_declaration d ON d.id = l.declaration_id
    LEFT JOIN contracts_allocation a ON a.id = r.allocation_id
    LEFT JOIN contracts_contractproduct p ON p.id = a.product_id
    WHERE r.trajectory_id IN (SELECT id FROM t) GROUP BY r.trajectory_id
), fu AS (
    SELECT trajectory_id,
           bool_or(needed_care_again) FILTER (WHERE months = 6) AS fu6,
           bool_or(needed_care_again) FILTER (WHERE months = 12) AS fu12,
           count(*) FILTER (WHERE due_on < %(on)s AND needed_care_again IS NULL) AS missing
    FROM trajectories_followup WHERE trajectory_id IN (SELECT id FROM t) GROUP BY trajectory_id
)
SELECT date_trunc('quarter', t.closed_on) AS quarter,
       count(*) AS closed,
       count(*) FILTER (WHERE t.end_reason IN ('32', '33', '34', '35')) AS dropout,
       count(t.satisfaction_score), sum(t.satisfaction_score),
       count(*) FILTER (WHERE t.satisfaction_score >= 4),
       count(fu.fu6), count(*) FILTER (WHERE fu.fu6), count(fu.fu12), count(*) FILTER (WHERE fu.fu12),
       count(*) FILTER (WHERE t.end_reason = '31' AND fu.fu6 = false),
       count(*) FILTER (WHERE t.final_gbo_mean IS NOT NULL AND intake.gbo IS NOT NULL),
       count(*) FILTER (WHERE t.final_gbo_mean > intake.gbo),
       count(t.final_gas_t), count(*) FILTER (WHERE t.final_gas_t >= 50),
       sum(t.closed_on - t.referred_on), coalesce(sum(runs.n), 0), coalesce(sum(runs.cost), 0),
       count(*) FILTER (WHERE intake.n IS NULL), count(*) FILTER (WHERE t.satisfaction_score IS NULL),
       coalesce(sum(fu.missing), 0)
FROM t
LEFT JOIN intake ON intake.trajectory_id = t.id
LEFT JOIN runs ON runs.trajectory_id = t.id
LEFT JOIN fu ON fu.trajectory_id = t.id
GROUP BY 1 ORDER BY 1
"""


#: The waiting-time aggregate of ``indicators.waiting_rows`` by hand over the waiting summary
#: (``monitoring_trajectorywaiting``, issue 17.8): per quarter of referral the medians, within the
#: norm, and the ones still waiting past it (the ORM reads a histogram instead of the medians, so
#: it runs on SQLite too).
WAITING_SQL = """
SELECT date_trunc('quarter', w.referred_on) AS quarter,
       count(*) FILTER (WHERE w.first_contact_at <= now()) AS wc_reached,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY w.contact_days) FILTER (WHERE w.first_contact_at <= now()),
       count(*) FILTER (WHERE w.first_contact_at <= now() AND w.contact_days <= %(norm)s) AS wc_ok,
       count(*) FILTER (WHERE (w.first_contact_at IS NULL OR w.first_contact_at > now())
                        AND w.referred_on <= %(cutoff)s) AS wc_waiting,
       count(w.module_days) AS wm_reached,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY w.module_days),
       count(*) FILTER (WHERE w.module_days <= %(norm)s) AS wm_ok,
       count(*) FILTER (WHERE w.module_days IS NULL AND w.referred_on <= %(cutoff)s) AS wm_waiting
FROM monitoring_trajectorywaiting w
WHERE w.municipality_id = %(municipality)s AND w.referred_on BETWEEN %(start)s AND %(end)s
GROUP BY 1 ORDER BY 1
"""

#: The same from the source tables (how ``waiting_rows`` read them before the summary: every
#: referral's first started appointment and first module; the working days were then counted in
#: Python): for comparison only, database time alone.
WAITING_SOURCE_SQL = """
SELECT t.referred_on,
       (SELECT a.starts_at FROM coaching_appointment a
        WHERE a.trajectory_id = t.id AND a.starts_at <= now() AND a.cancelled_at IS NULL
        ORDER BY a.starts_at LIMIT 1),
       (SELECT r.started_on FROM trajectories_modulerun r WHERE r.trajectory_id = t.id ORDER BY r.started_on LIMIT 1)
FROM trajectories_trajectory t JOIN clients_client c ON c.id = t.client_id
WHERE c.municipality_id = %(municipality)s AND t.referred_on BETWEEN %(start)s AND %(end)s
"""


def _pdf_pages(pdf: bytes) -> str:
    """The page count by poppler's ``pdfinfo`` (Debian package poppler-utils), or "?" without it."""
    import shutil
    import subprocess
    import tempfile

    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        return "?"

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        try:
            # S603: a fixed program on a temporary file this function wrote.
            info = subprocess.run([pdfinfo, file.name], capture_output=True, text=True, check=True).stdout  # noqa: S603
        except (OSError, subprocess.CalledProcessError):
            return "?"
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--report-repeat", type=int, default=3, help="runs of the evidence report (PDF + CSV); 0 leaves it out"
    )
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
    from coachcare.core.dates import today
    from coachcare.monitoring import indicators as ind
    from coachcare.monitoring import selectors, services
    from coachcare.monitoring.forms import FilterForm
    from coachcare.monitoring.models import ForecastFigure, TrajectoryOutcome, TrajectoryWaiting
    from coachcare.trajectories.models import Trajectory

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: hashed static names
    youths = Client.objects.count()
    if youths == 0:
        sys.exit("empty database: run generate_population first")

    def logged_in(user: User) -> HttpClient:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        http = HttpClient()
        http.force_login(user)
        session = http.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return http

    def timed(label: str, call: Callable[[], object]) -> None:
        times, queries = [], 0
        call()  # warm-up (plans, caches)
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            queries = len(captured.captured_queries)
        p50, p95 = percentiles(times)
        print(f"{label:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {queries} queries")

    biggest = Client.objects.values("municipality_id").annotate(n=Count("id")).order_by("-n").first()
    assert biggest is not None
    municipality_id = biggest["municipality_id"]
    beleid = User.objects.filter(role=Role.GEMEENTE_BELEID, municipality_id=municipality_id).first()
    if beleid is None:
        beleid = User.objects.create(
            username=f"bench-beleid-{municipality_id}", role=Role.GEMEENTE_BELEID,
            municipality_id=municipality_id, password="!",
        )  # fmt: skip
    busiest_team = Client.objects.values("team_id").annotate(n=Count("id")).order_by("-n").first()
    assert busiest_team is not None
    teamleider = User.objects.filter(role=Role.TEAMLEIDER, team_id=busiest_team["team_id"]).first()
    if teamleider is None:
        from coachcare.providers.models import Team

        team = Team.objects.get(pk=busiest_team["team_id"])
        teamleider = User.objects.create(
            username=f"bench-teamleider-{team.pk}", role=Role.TEAMLEIDER, team=team, provider_id=team.provider_id,
            password="!",
        )  # fmt: skip

    date_from, date_to = FilterForm(None, modules=[]).period(today())
    scope = ind.Scope(date_from=date_from, date_to=date_to, municipality_id=municipality_id)
    closed = ind.closed_outcomes(scope).count()
    summarised = TrajectoryOutcome.objects.count()
    if summarised != Trajectory.objects.filter(closed_on__isnull=False).count():
        sys.exit("the outcome summary is not filled: run `manage.py outcomes_rebuild` first")
    if TrajectoryWaiting.objects.count() != Trajectory.objects.count():
        sys.exit("the waiting summary is not filled: run `manage.py outcomes_rebuild` first")
    print(
        f"database: {connection.vendor}, {youths} young people, {Trajectory.objects.count()} trajectories "
        f"({summarised} closed, in the summary); largest municipality {biggest['n']} residents, {closed} "
        f"trajectories closed {date_from} – {date_to}; {args.repeat} runs each"
    )
    if not ForecastFigure.objects.filter(municipality_id=municipality_id).exists():
        services.forecast_store(municipality_id=municipality_id)
        print("stored the forecast of the measured municipality, as the nightly `forecast_check` does")
    municipality_http = logged_in(beleid)
    provider_http = logged_in(teamleider)

    def page(http: HttpClient, url: str) -> Callable[[], object]:
        def call() -> object:
            response = http.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    timed("municipality dashboard (server time)", page(municipality_http, "/monitoring/municipality/"))
    timed("provider dashboard, busiest team", page(provider_http, "/monitoring/provider/"))
    timed("outcome aggregate, ORM (1 grouped query)", lambda: ind.outcome_rows(scope))
    if connection.vendor == "postgresql":

        def raw(sql: str) -> Callable[[], list[tuple[object, ...]]]:
            def call() -> list[tuple[object, ...]]:
                with connection.cursor() as cursor:
                    cursor.execute(
                        sql, {"municipality": municipality_id, "start": date_from, "end": date_to, "on": today()}
                    )
                    return cursor.fetchall()

            return call

        orm_closed = [row["closed"] for row in ind.outcome_rows(scope)]
        raw_closed = [row[1] for row in raw(RAW_SQL)()]
        assert orm_closed == raw_closed, (orm_closed, raw_closed)
        timed("outcome aggregate, raw SQL (summary table)", raw(RAW_SQL))
    else:
        print("raw SQL comparison: PostgreSQL only")
    timed("gate aggregate, ORM (1 grouped query)", lambda: ind.gate_rows(scope))
    # Issue 17.8: the waiting times, over the waiting summary (the dashboard reads whole quarters).
    waiting_scope = selectors.whole_quarters(scope)
    timed("waiting aggregate, ORM (1 query, summary)", lambda: ind.waiting_rows(waiting_scope))
    if connection.vendor == "postgresql":
        norm = ind.waiting_norm()
        waiting_params = {
            "municipality": municipality_id, "start": waiting_scope.date_from, "end": waiting_scope.date_to,
            "norm": norm, "cutoff": ind.waiting_cutoff(on=today(), norm=norm),
        }  # fmt: skip

        def waiting_raw(sql: str) -> Callable[[], list[tuple[object, ...]]]:
            def call() -> list[tuple[object, ...]]:
                with connection.cursor() as cursor:
                    cursor.execute(sql, waiting_params)
                    return cursor.fetchall()

            return call

        orm_ok = [(row["wc_ok"], row["wc_n"], row["wm_ok"], row["wm_n"]) for row in ind.waiting_rows(waiting_scope)]
        raw_ok = [(r[3], r[1] + r[4], r[7], r[5] + r[8]) for r in waiting_raw(WAITING_SQL)()]
        assert orm_ok == raw_ok, (orm_ok, raw_ok)
        timed("waiting aggregate, raw SQL (summary table)", waiting_raw(WAITING_SQL))
        timed("waiting read, raw SQL (source tables)", waiting_raw(WAITING_SOURCE_SQL))
    timed("forecast as stored by forecast_check", lambda: selectors.forecast_of(municipality_id=municipality_id))
    timed("forecast computed (by forecast_check)", lambda: selectors.forecast_build(municipality_id=municipality_id))
    if connection.vendor == "postgresql":
        timed("outcome aggregate, raw SQL (source tables)", raw(SOURCE_SQL))
    if args.report_repeat:
        # Issue 17.8: the evidence report of the largest municipality (what `manage.py evidence_report`
        # does: every figure, the charts, the PDF through WeasyPrint and the CSV), over the last full
        # year of closing dates; target 20 s or less.
        from coachcare.monitoring.services import evidence_report_build
        from coachcare.municipalities.models import Municipality

        municipality = Municipality.objects.get(pk=municipality_id)
        report_end = today().replace(day=1) - datetime.timedelta(days=1)
        report_start = report_end.replace(year=report_end.year - 1) + datetime.timedelta(days=1)
        report_times, report_cpu, report_queries = [], [], 0
        for _ in range(args.report_repeat):
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                report = evidence_report_build(municipality=municipality, date_from=report_start, date_to=report_end)
                report_times.append(time.perf_counter() - started)
                report_cpu.append(time.process_time() - cpu_started)
            report_queries = len(captured.captured_queries)
        pages = _pdf_pages(report.pdf)
        print(
            f"evidence report, {municipality.name} {report_start} – {report_end} (PDF {len(report.pdf) // 1024} KB, "
            f"{pages} pages, CSV {len(report.csv) // 1024} KB): best {min(report_times):.1f} s, "
            f"worst {max(report_times):.1f} s of {args.report_repeat} runs (this process's CPU: best "
            f"{min(report_cpu):.1f} s), {report_queries} queries (target 20 s)"
        )


if __name__ == "__main__":
    main()
