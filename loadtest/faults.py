"""`make fault-test`: what happens when PostgreSQL restarts under load and when a task worker dies.

(a) PostgreSQL restart during load. The production run (``scripts/serve-prod.sh``) serves a scratch
    database; young people post messages (each with a unique marker) and read their portal, an API
    client reads its threads. PostgreSQL is restarted (``pg_ctlcluster <cluster> restart``). Checked:
    every answer during the outage is a 503 with ``Retry-After`` and the clean page or problem
    document, never a 500 or a dropped connection; every write acknowledged with a redirect is in the
    database, and no message exists without its read marker and its NEN 7513 log entry (no partial
    writes); requests succeed again by themselves within ``FAULT_RECOVERY_SECONDS``.
(b) A task worker killed during the monthly declaration run. ``declaration_run_all_task`` runs in a
    task worker (``scripts/task-worker.sh``), which is killed with SIGKILL after the first
    municipalities are declared. The task stays RUNNING; a new worker's start step
    (``tasks_requeue_stale``) requeues it and runs it again. Checked: the task ends SUCCESSFUL after two
    attempts, every delivered module is declared exactly once, every declaration is complete, and a
    third run declares nothing new.
(c) Two people saving the same evaluation decision: the existing test
    ``tests/trajectories/test_flow.py::test_two_people_saving_the_same_evaluation_decision``.

Prints one PASS or FAIL line per check; exit code 1 when any check failed. The scratch database
``FAULT_DB`` (default ``postgres://postgres@127.0.0.1:5432/coachcare_fault``) is dropped and made
again at the start and kept afterwards for inspection. ``FAULT_PG_CLUSTER`` (default ``15 main``) is
the cluster restarted in (a): the one serving ``FAULT_DB`` — the script refuses another. Restarting
it interrupts everything else on that cluster; on a shared machine, point both at a cluster of your
own (``pg_createcluster 15 fault --port 5433``). Only 127.0.0.1 is contacted.
"""

# ruff: noqa: S603, S607 - fixed commands (manage.py, pg_ctlcluster, createdb): no outside input

import datetime
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as common

from browser import CSRF_INPUT, Answer, Browser

ROOT = common.ROOT
PY = common.PY
OUT = ROOT / "var" / "faults"
FAULT_DB = os.environ.get("FAULT_DB") or "postgres://postgres@127.0.0.1:5432/coachcare_fault"
PG_CLUSTER = (os.environ.get("FAULT_PG_CLUSTER") or "15 main").split()
PORT = int(os.environ.get("LOAD_PORT") or 8000)
YOUTHS = int(os.environ.get("FAULT_YOUTHS") or 2000)
MODULES = int(os.environ.get("FAULT_MODULES") or 40000)
RECOVERY_SECONDS = float(os.environ.get("FAULT_RECOVERY_SECONDS") or 30)
PARTS = os.environ.get("FAULT_PARTS") or "abc"  # which of (a), (b), (c) to run
WRITERS = 6
PERIOD = "2025-06"
FIRST = datetime.date(2025, 6, 1)
UNAVAILABLE_PAGE = "Tijdelijk niet beschikbaar"

failures: list[str] = []


def check(ok: bool, text: str) -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {text}", flush=True)
    if not ok:
        failures.append(text)
    return ok


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def django_step(step: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``step`` of ``_django_main`` in a Django process on FAULT_DB; its last output line is JSON."""
    done = subprocess.run(
        [PY, __file__, "--django", step, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- (a) PostgreSQL restart ----------------------------------------------------------------------------


class Traffic:
    """Young people writing messages and reading, an API client reading; every answer is recorded."""

    def __init__(self, *, accounts: dict[str, Any], base: str, run_id: str) -> None:
        self.accounts, self.base, self.run_id = accounts, base, run_id
        self.records: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ready = threading.Semaphore(0)
        self.threads: list[threading.Thread] = []

    def record(self, kind: str, answer: Answer, started: float, **extra: Any) -> None:
        body = answer.body
        clean = (UNAVAILABLE_PAGE in body) or ('"status": 503' in body and "problem" in answer.headers.get(
            "Content-Type", ""
        ))  # fmt: skip
        with self.lock:
            self.records.append(
                {
                    "kind": kind,
                    "status": answer.status,
                    "at": started,
                    "seconds": answer.seconds,
                    "retry_after": answer.headers.get("Retry-After", ""),
                    "clean": clean,
                    "error": body[:200] if answer.status in {0, 500} else "",
                    **extra,
                }
            )

    def writer(self, index: int, account: dict[str, Any]) -> None:
        browser = Browser(self.base, timeout=60)
        thread_url = f"/messages/{account['thread']}/"
        page = ""
        for _attempt in range(5):  # logins are slow by design (password hashing): six at once take a while
            if browser.log_in(account["username"], self.accounts["password"]):
                page = browser.get(thread_url).body
                if CSRF_INPUT.search(page):
                    break
        else:
            raise SystemExit(f"{account['username']} could not log in and open their thread")
        self.ready.release()
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            marker = f"fault-{self.run_id}-{index}-{sequence}"
            started = time.monotonic()
            answer = browser.post_form(thread_url, {"body": marker}, page=page)
            self.record("write", answer, started, marker=marker)
            started = time.monotonic()
            self.record("read", browser.get("/portal/"), started)
            time.sleep(0.05)

    def api_reader(self, account: dict[str, Any]) -> None:
        browser = Browser(self.base)
        headers = {"Authorization": f"Bearer {account['token']}", "Accept": "application/json"}
        while not self.stop.is_set():
            started = time.monotonic()
            self.record("api", browser.get("/api/v1/threads?limit=5", headers=headers), started)
            time.sleep(0.1)

    def start(self) -> None:
        for index, account in enumerate(self.accounts["youths"][:WRITERS]):
            self.threads.append(threading.Thread(target=self.writer, args=(index, account), daemon=True))
        self.threads.append(threading.Thread(target=self.api_reader, args=(self.accounts["api"][0],), daemon=True))
        for thread in self.threads:
            thread.start()
        for _writer in range(WRITERS):  # every writer logged in before the fault
            if not self.ready.acquire(timeout=300):
                raise SystemExit("The writers could not log in within 5 minutes.")

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _cluster_port() -> int:
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, name, port, *_ = line.split()
        if [version, name] == PG_CLUSTER:
            return int(port)
    raise SystemExit(f"No PostgreSQL cluster {' '.join(PG_CLUSTER)} (pg_lsclusters).")


def postgres_restart(env: dict[str, str], accounts: dict[str, Any]) -> None:
    print("\n(a) PostgreSQL restart during load", flush=True)
    log = OUT / "server.log"
    server = subprocess.Popen(
        ["bash", "scripts/serve-prod.sh"],
        cwd=ROOT,
        env=env | {"ENV_FILE": str(common.ENV_FILE), "PORT": str(PORT), "WEB_CONCURRENCY": "3"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        common.wait_ready(f"{base}/readyz", server, timeout=300, log=log)
        traffic = Traffic(accounts=accounts, base=base, run_id=uuid.uuid4().hex[:8])
        traffic.start()
        time.sleep(6)
        restart_started = time.monotonic()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "restart"], check=True)
        restart_done = time.monotonic()
        took = restart_done - restart_started
        print(f"      PostgreSQL {' '.join(PG_CLUSTER)} restarted in {took:.1f} s", flush=True)
        deadline = restart_done + RECOVERY_SECONDS + 10
        while time.monotonic() < deadline:
            time.sleep(1)
            recent = [r for r in traffic.records if r["at"] > time.monotonic() - 3]
            if time.monotonic() > restart_done + 5 and recent and all(r["status"] in {200, 302} for r in recent):
                break
        time.sleep(2)
        traffic.finish()
    finally:
        common.stop_group(server)
    records = traffic.records
    (OUT / "restart-records.json").write_text(json.dumps(records, indent=0))
    during = [r for r in records if r["at"] >= restart_started]
    by_status: dict[int, int] = {}
    for item in records:
        by_status[item["status"]] = by_status.get(item["status"], 0) + 1
    print(f"      {len(records)} requests, by status: {dict(sorted(by_status.items()))}", flush=True)
    unavailable = [r for r in records if r["status"] == 503]
    web_bad = [r for r in records if r["kind"] != "api" and r["status"] not in {200, 302, 503}]
    api_bad = [r for r in records if r["kind"] == "api" and r["status"] not in {200, 503}]
    check(bool(unavailable), f"the outage was seen: {len(unavailable)} answers 503 during the restart")
    check(not web_bad, f"web pages: no 500 or dropped connection during the outage ({len(web_bad)} bad: "
          f"{sorted({r['status'] for r in web_bad})} {web_bad[0]['error'][:120] if web_bad else ''})")  # fmt: skip
    check(not api_bad, f"API: no 500 or dropped connection during the outage ({len(api_bad)} bad: "
          f"{sorted({r['status'] for r in api_bad})})")  # fmt: skip
    check(
        all(r["retry_after"] and r["clean"] for r in unavailable),
        "every 503 has Retry-After and the clean page (web) or problem document (API)",
    )
    failed_after = [r for r in during if r["status"] not in {200, 302}]
    last_failure = max((r["at"] + r["seconds"] for r in failed_after), default=restart_started)
    recovered_in = last_failure - restart_done
    tail_ok = [r for r in records if r["at"] > last_failure]
    check(
        recovered_in <= RECOVERY_SECONDS and len(tail_ok) > 10 and all(r["status"] in {200, 302} for r in tail_ok),
        f"service resumed by itself {max(0.0, recovered_in):.1f} s after PostgreSQL was back "
        f"(limit {RECOVERY_SECONDS:.0f} s; {len(tail_ok)} requests after that, all answered)",
    )
    markers = {
        "prefix": f"fault-{traffic.run_id}-",
        "acknowledged": [r["marker"] for r in records if r["kind"] == "write" and r["status"] == 302],
        "refused": [r["marker"] for r in records if r["kind"] == "write" and r["status"] != 302],
    }
    (OUT / "markers.json").write_text(json.dumps(markers))
    found = django_step("writes", str(OUT / "markers.json"), env=env)
    check(
        not found["missing"],
        f"every acknowledged write is stored: {len(markers['acknowledged'])} acknowledged, "
        f"{len(found['missing'])} missing",
    )
    check(
        not found["partial"],
        f"no partial writes: {found['stored']} stored messages, {len(found['partial'])} without their read "
        f"marker or access-log entry; {found['refused_but_stored']} of {len(markers['refused'])} refused writes "
        "were committed before the connection broke (the sender saw an error and may send again)",
    )
    print(f"      info: {found['without_notice_task']} stored messages have no notification task", flush=True)


# --- (b) task worker killed during the declaration run ---------------------------------------------------


def _worker(env: dict[str, str], name: str, *, stale_after: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["bash", "scripts/task-worker.sh"],
        cwd=ROOT,
        env=env | {"TASKS_STALE_AFTER": str(stale_after), "TASKS_WORKER_ID": name, "TASKS_WORKER_INTERVAL": "0.2"},
        stdout=(OUT / f"worker-{name}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def worker_killed(env: dict[str, str]) -> None:
    import psycopg

    print("\n(b) Task worker killed during the declaration run", flush=True)
    expected = django_step("delivered", env=env)["delivered"]
    task_id = django_step("enqueue", env=env)["task"]
    database = psycopg.connect(FAULT_DB, autocommit=True)

    def state() -> tuple[str, int, int]:
        row = database.execute(
            "SELECT status, (SELECT count(*) FROM declarations_declaration WHERE period_start = %s),"
            " (SELECT count(*) FROM declarations_declarationline l JOIN declarations_declaration d"
            "  ON d.id = l.declaration_id WHERE d.period_start = %s)"
            " FROM django_tasks_database_dbtaskresult WHERE id = %s",
            (FIRST, FIRST, task_id),
        ).fetchone()
        assert row is not None
        return str(row[0]), int(row[1]), int(row[2])

    first = _worker(env, "fault-worker-1", stale_after=900)
    killed_at: tuple[str, int, int] | None = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status, declarations, _lines = state()
        if status == "RUNNING" and declarations > 0:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            killed_at = state()
            break
        if status in {"SUCCESSFUL", "FAILED"}:
            break
        time.sleep(0.05)
    if not check(
        killed_at is not None,
        f"worker killed (SIGKILL) in the middle of the run: {killed_at[1] if killed_at else 0} declarations with "
        f"{killed_at[2] if killed_at else 0} of {expected} lines written",
    ):
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        return
    time.sleep(3)
    check(state()[0] == "RUNNING", "after the kill the task is left RUNNING (django-tasks-db cannot know)")
    second = _worker(env, "fault-worker-2", stale_after=2)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and state()[0] not in {"SUCCESSFUL", "FAILED"}:
        time.sleep(0.5)
    task = django_step("task", task_id, env=env)
    check(
        task["status"] == "SUCCESSFUL" and len(task["worker_ids"]) == 2,
        f"the new worker's start step requeued the task and ran it again: {task['status']}, "
        f"attempts by {task['worker_ids']}, second run {task['return_value']}",
    )
    totals = django_step("declarations", env=env)
    check(
        totals["lines"] == totals["distinct_runs"] == expected,
        f"each delivered module declared exactly once: {totals['lines']} lines, {totals['distinct_runs']} distinct "
        f"module runs, {expected} delivered",
    )
    check(
        totals["incomplete"] == 0 and totals["numbers"] == totals["declarations"],
        f"every declaration complete: {totals['declarations']} declarations, {totals['incomplete']} whose total "
        "differs from their lines or that have no lines, numbers unique",
    )
    rerun = django_step("enqueue", env=env)["task"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if django_step("task", rerun, env=env)["status"] in {"SUCCESSFUL", "FAILED"}:
            break
        time.sleep(1)
    again = django_step("task", rerun, env=env)
    check(
        again["status"] == "SUCCESSFUL" and again["return_value"]["lines_created"] == 0,
        f"a third run declares nothing new: {again['status']} {again['return_value']}",
    )
    os.killpg(second.pid, signal.SIGTERM)
    second.wait(timeout=30)
    database.close()


# --- (c) concurrent decision -----------------------------------------------------------------------------


def concurrent_decision() -> None:
    print("\n(c) Two people saving the same evaluation decision", flush=True)
    test = "tests/trajectories/test_flow.py::test_two_people_saving_the_same_evaluation_decision"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "pytest"), "-q", "-p", "no:xdist", test], cwd=ROOT, env=env, check=False
    )
    check(done.returncode == 0, f"{test} (the second save is refused, nothing overwritten)")


# --- in the Django process -------------------------------------------------------------------------------


def _django_main(step: str, args: list[str]) -> dict[str, Any]:
    import django

    django.setup()
    from django.db.models import Count, F, Q, Sum
    from django_tasks_db.models import DBTaskResult

    from coachcare.audit.models import AccessLogEntry
    from coachcare.declarations.models import Declaration, DeclarationLine
    from coachcare.declarations.services import DELIVERED_STATES
    from coachcare.declarations.tasks import declaration_run_all_task
    from coachcare.messaging.models import Message, ThreadRead
    from coachcare.trajectories.models import ModuleRun

    if step == "seed-declarations":
        path = ROOT / "benchmarks" / "bench_declarations.py"
        spec = importlib.util.spec_from_file_location("bench_declarations", path)
        assert spec is not None and spec.loader is not None
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        last = FIRST.replace(day=30)
        bench.generate(modules=MODULES, municipalities=342, providers=10, first=FIRST, last=last)
        return {"modules": MODULES}
    if step == "delivered":
        delivered = ModuleRun.objects.filter(
            state__in=DELIVERED_STATES, finished_on__range=(FIRST, FIRST.replace(day=30)), allocation__isnull=False
        ).count()
        return {"delivered": delivered}
    if step == "enqueue":
        return {"task": str(declaration_run_all_task.enqueue(PERIOD).id)}
    if step == "task":
        result = DBTaskResult.objects.get(pk=args[0])
        return {"status": result.status, "worker_ids": result.worker_ids, "return_value": result.return_value}
    if step == "declarations":
        lines = DeclarationLine.objects.filter(declaration__period_start=FIRST)
        declarations = Declaration.objects.filter(period_start=FIRST).annotate(
            line_total=Sum("lines__amount_cents"), line_count=Count("lines")
        )
        return {
            "lines": lines.count(),
            "distinct_runs": lines.values("module_run_id").distinct().count(),
            "declarations": declarations.count(),
            "numbers": declarations.values("declaratienummer").distinct().count(),
            "incomplete": declarations.filter(Q(line_count=0) | ~Q(total_cents=F("line_total"))).count(),
        }
    if step == "writes":
        markers = json.loads(Path(args[0]).read_text())
        prefix = markers["prefix"]
        stored = {}
        for message in Message.objects.select_related("thread__client").order_by("pk"):
            if message.body.startswith(prefix):
                stored[message.body] = message
        partial = []
        notice_tasks = {
            tuple(result.args_kwargs.get("args", []))
            for result in DBTaskResult.objects.filter(task_path__endswith="message_notify_task")
        }
        without_task = 0
        for body, message in stored.items():
            read = ThreadRead.objects.filter(
                thread=message.thread, user_id=message.author_id, last_read_at__gte=message.created_at
            ).exists()
            logged = AccessLogEntry.objects.filter(
                user_id=message.author_id,
                action="messaging.message",
                client_public_id=message.thread.client.public_id,
                timestamp__range=(
                    message.created_at - datetime.timedelta(seconds=30),
                    message.created_at + datetime.timedelta(seconds=30),
                ),
            ).exists()
            if not (read and logged):
                partial.append(body)
            if (message.pk,) not in notice_tasks:
                without_task += 1
        return {
            "stored": len(stored),
            "missing": [m for m in markers["acknowledged"] if m not in stored],
            "partial": partial,
            "refused_but_stored": sum(1 for m in markers["refused"] if m in stored),
            "without_notice_task": without_task,
        }
    raise SystemExit(f"unknown step {step}")


def main() -> int:
    if urllib.parse.urlsplit(FAULT_DB).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("FAULT_DB must be on this machine (127.0.0.1).")
    if _cluster_port() != (urllib.parse.urlsplit(FAULT_DB).port or 5432):
        raise SystemExit(f"FAULT_PG_CLUSTER {' '.join(PG_CLUSTER)} does not serve FAULT_DB {FAULT_DB}: refusing.")
    if not common.port_free(PORT):
        raise SystemExit(f"Port {PORT} on 127.0.0.1 is in use: stop that server or set LOAD_PORT.")
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | common.env_file() | {"DATABASE_URL": FAULT_DB}
    parts = urllib.parse.urlsplit(FAULT_DB)
    name = parts.path.lstrip("/")
    server_args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    server_args += ["-U", parts.username or "postgres"]
    print(f"Scratch database {FAULT_DB}: {YOUTHS} young people, {MODULES} delivered modules in {PERIOD} ...")
    subprocess.run(["dropdb", *server_args, "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", *server_args, name], check=True)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("generate_population", "--youths", str(YOUTHS), "--seed", "1", "--force", env=env)
    manage("loadtest_prepare", "--force", "--users", str(WRITERS), "--out", str(OUT / "accounts.json"), env=env)
    if "b" in PARTS:
        django_step("seed-declarations", env=env)
    accounts = json.loads((OUT / "accounts.json").read_text())
    if "a" in PARTS:
        postgres_restart(env, accounts)
    if "b" in PARTS:
        worker_killed(env)
    if "c" in PARTS:
        concurrent_decision()
    print(f"\n{'ALL PASSED' if not failures else f'{len(failures)} FAILED'}; files in {OUT}, database {FAULT_DB}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--django":
        sys.path.insert(0, str(ROOT / "src"))
        print(json.dumps(_django_main(sys.argv[2], sys.argv[3:]), default=str))
    else:
        sys.exit(main())
