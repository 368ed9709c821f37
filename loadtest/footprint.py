"""`make footprint`: resident memory per gunicorn worker and per task worker under load, and the time
from starting `make serve-prod` (``scripts/serve-prod.sh``) to ``/readyz`` answering 200.

Steps: a scratch database ``FOOTPRINT_DB`` (default ``coachcare_footprint``) is made, migrated and
filled with ``generate_population --youths FOOTPRINT_YOUTHS`` (500) and ``loadtest_prepare``;
``scripts/serve-prod.sh`` is started on it (production settings, Redis cache when it answers) and timed
until ``/readyz`` says 200, split into the steps before gunicorn (migrate, collectstatic, the two
schedule commands) and gunicorn's own start (``--preload``: the app imported once, then the workers
forked); then Locust (the day's mix, ``FOOTPRINT_USERS`` users offering ``FOOTPRINT_RPS`` req/s for
``FOOTPRINT_TIME`` seconds) while VmRSS of every process of the server is read from ``/proc`` every
2 s. Prints the figures (mean and max per role), the machine and the data size. The server is
stopped and the scratch database dropped at the end (``FOOTPRINT_KEEP_DB=1`` keeps it).
Files in ``var/footprint/``. Memory is counted as the kernel reports it: VmRSS includes the pages a
worker still shares with the gunicorn master after the fork (``--preload``, ``gc.freeze()``), so the
sum over workers overstates what they use together; ``USS`` (pages of this process only, from
``/proc/<pid>/smaps_rollup``: Private_Clean + Private_Dirty) is printed beside it.
"""

# ruff: noqa: S603, S607 - fixed commands (manage.py, serve-prod.sh, Locust, createdb): no outside input

import csv
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as common
from cluster import http_status
from clusterconf import node_processes, private_kib, process_table

ROOT = common.ROOT
PY = common.PY
OUT = ROOT / "var" / "footprint"
DB = os.environ.get("FOOTPRINT_DB") or "postgres://postgres@127.0.0.1:5432/coachcare_footprint"
YOUTHS = int(os.environ.get("FOOTPRINT_YOUTHS") or 500)
USERS = int(os.environ.get("FOOTPRINT_USERS") or 20)
RPS = float(os.environ.get("FOOTPRINT_RPS") or 30)
SECONDS = int(os.environ.get("FOOTPRINT_TIME") or 60)
PORT = int(os.environ.get("LOAD_PORT") or 8000)
WORKERS = os.environ.get("LOAD_WORKERS") or ""
KEEP_DB = os.environ.get("FOOTPRINT_KEEP_DB") == "1"
READY_LINE = "coachcare on http://"


def _server_args() -> tuple[list[str], str]:
    parts = urllib.parse.urlsplit(DB)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return args, parts.path.lstrip("/")


def _manage(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def main() -> int:
    if urllib.parse.urlsplit(DB).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("FOOTPRINT_DB must be on this machine (127.0.0.1).")
    locust = common.LOAD_VENV / "bin" / "locust"
    if not locust.exists():
        raise SystemExit(f"{locust} is missing: `make footprint` installs it (requirements/load.txt).")
    if not common.port_free(PORT):
        raise SystemExit(f"Port {PORT} on 127.0.0.1 is in use: stop that server or set LOAD_PORT.")
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | common.env_file() | {"DATABASE_URL": DB} | common.cache_env()
    args, name = _server_args()
    print(f"Scratch database {DB}: {YOUTHS} young people ...", flush=True)
    subprocess.run(["dropdb", *args, "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", *args, name], check=True)
    server = None
    try:
        _manage("migrate", "--noinput", "-v0", env=env)
        _manage("generate_population", "--youths", str(YOUTHS), "--seed", "1", "--force", env=env)
        accounts_file = OUT / "accounts.json"
        _manage("loadtest_prepare", "--force", "--users", str(USERS), "--out", str(accounts_file), env=env)
        data = json.loads(accounts_file.read_text())["data"]
        server_env = env | {"ENV_FILE": str(common.ENV_FILE), "PORT": str(PORT), "ACCESS_LOG": str(OUT / "access.log")}
        if WORKERS:
            server_env["WEB_CONCURRENCY"] = WORKERS
        log_path = OUT / "server.log"
        started = time.monotonic()
        server = subprocess.Popen(
            ["bash", "scripts/serve-prod.sh"], cwd=ROOT, env=server_env, stdout=log_path.open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        gunicorn_started = None
        while http_status(f"http://127.0.0.1:{PORT}/readyz") != 200:
            if server.poll() is not None or time.monotonic() - started > 300:
                raise SystemExit(f"The server did not become ready; see {log_path}.")
            if gunicorn_started is None and READY_LINE in log_path.read_text(errors="replace"):
                gunicorn_started = time.monotonic()
            time.sleep(0.05)
        ready = time.monotonic() - started
        before_gunicorn = (gunicorn_started or started) - started
        print(f"serve-prod to /readyz 200: {ready:.1f} s ({before_gunicorn:.1f} s migrate, collectstatic and the "
              f"schedule commands; {ready - before_gunicorn:.1f} s gunicorn with --preload)", flush=True)  # fmt: skip
        logins = OUT / "logins.json"
        logins.unlink(missing_ok=True)
        command = [
            str(locust), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "--only-summary",
            "-u", str(USERS), "-r", "4", "-t", f"{SECONDS + 400}s", "--stop-timeout", "10",
            "--host", f"http://127.0.0.1:{PORT}", "--csv", str(OUT / "run"),
        ]  # fmt: skip
        runner = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env
            | {
                "LOADTEST_ACCOUNTS": str(accounts_file),
                "LOAD_RPS": str(RPS),
                "LOAD_SETTLE": "5",
                "LOAD_MEASURE_SECONDS": str(SECONDS),
                "LOAD_LOGIN_STATS": str(logins),
            },
            stdout=(OUT / "locust.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        rss: dict[str, list[int]] = {}
        uss: dict[str, list[int]] = {}
        idle = node_processes(process_table(), pgid=server.pid)
        while runner.poll() is None:
            if logins.exists():
                for role, found in node_processes(process_table(), pgid=server.pid).items():
                    rss.setdefault(role, []).extend(value for _pid, value in found if value)
                    uss.setdefault(role, []).extend(private_kib(pid) for pid, value in found if value)
            time.sleep(2)
        total = next(row for row in csv.DictReader((OUT / "run_stats.csv").open()) if row["Name"] == "Aggregated")
        common.LOAD_DB = DB  # the database whose PostgreSQL settings are printed (before it is dropped)
        machine = common._machine()
    finally:
        if server is not None:
            common.stop_group(server)
        if not KEEP_DB:
            subprocess.run(["dropdb", *args, "--if-exists", "--force", name], check=False)
    print(f"\nUnder load: Locust, {USERS} users offering {RPS:.0f} req/s for {SECONDS} s: "
          f"{total['Request Count']} requests, {float(total['Requests/s']):.1f} req/s, p95 {total['95%']} ms, "
          f"{total['Failure Count']} failed")  # fmt: skip
    print("Resident memory per process (VmRSS; USS = pages of that process alone), sampled every 2 s:")
    for role, values in rss.items():
        if not values:
            continue
        at_idle = [value for _pid, value in idle.get(role, []) if value]
        print(
            f"  {role:<16} idle {f'{statistics.mean(at_idle) / 1024:6.1f} MiB' if at_idle else 'not started'}; "
            f"under load mean "
            f"{statistics.mean(values) / 1024:6.1f} MiB, max {max(values) / 1024:6.1f} MiB; USS mean "
            f"{statistics.mean(uss[role]) / 1024:6.1f} MiB ({len(values)} samples)"
        )
    print(f"Machine: {machine}")
    print(f"Data: {', '.join(f'{key} {value}' for key, value in data.items())}")
    print(f"Command: FOOTPRINT_YOUTHS={YOUTHS} FOOTPRINT_USERS={USERS} FOOTPRINT_RPS={RPS:g} "
          f"FOOTPRINT_TIME={SECONDS} make footprint")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
