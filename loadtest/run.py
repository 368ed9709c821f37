"""`make loadtest`: Locust, headless, against the production run on 127.0.0.1, then a summary.

Steps: write ``var/loadtest.env`` once (production settings, fresh SECRET_KEY, the keys the load
database was generated with); ``manage.py loadtest_prepare --force`` on ``LOAD_DB``; start
``scripts/serve-prod.sh`` on that database in the background; wait for ``/readyz``; run Locust
(bounded in users and time) from its own virtualenv; stop the server; print the figures per request
type, the machine and the data size, and compare them with the target (200 requests per second or
more, p95 at most 250 ms, no errors). Exit code 1 when a request failed. Files in ``var/loadtest/``.

Settings (environment, or make variables of the same name): LOAD_DB, LOAD_USERS, LOAD_SPAWN_RATE,
LOAD_TIME, LOAD_RPS, LOAD_PORT, LOAD_WORKERS, LOAD_DATA_SETTINGS, LOAD_VENV; see docs/performance.md.
Standard library only: it runs with the project's Python but imports neither Django nor Locust.
"""

# ruff: noqa: S603, S607 - this script starts the server, manage.py and Locust: fixed commands, no user input

import csv
import datetime
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
OUT = VAR / "loadtest"
ENV_FILE = VAR / "loadtest.env"
ACCOUNTS = VAR / "loadtest-accounts.json"
PY = ROOT / os.environ.get("VENV", ".venv") / "bin" / "python"

LOAD_DB = os.environ.get("LOAD_DB") or "postgres://postgres@127.0.0.1:5432/coachcare_national"
USERS = int(os.environ.get("LOAD_USERS") or 60)
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE") or 2)
RUN_TIME = os.environ.get("LOAD_TIME") or "5m"
OFFERED_RPS = float(os.environ.get("LOAD_RPS") or 220)
PORT = int(os.environ.get("LOAD_PORT") or 8000)
WORKERS = os.environ.get("LOAD_WORKERS") or ""
DATA_SETTINGS = os.environ.get("LOAD_DATA_SETTINGS") or "coachcare.conf.dev"
LOAD_VENV = ROOT / (os.environ.get("LOAD_VENV") or ".venv-load")
CACHE_URL = os.environ.get("LOAD_CACHE_URL") or "redis://127.0.0.1:6379/1"
MIX = os.environ.get("LOAD_MIX") or "day"  # day: the target's mix; ceiling-poll, ceiling-health (locustfile.py)
SETTLE = 15  # seconds between the last user started and the start of the measurement

MAX_USERS = 1000
MAX_SECONDS = 30 * 60
TARGET_RPS = 200.0
TARGET_P95_MS = 250.0


def _seconds(text: str) -> int:
    """Locust's run-time syntax: 300, 300s, 5m, 1h30m."""
    if text.isdigit():
        return int(text)
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not parts or not any(parts.groups()):
        raise SystemExit(f"LOAD_TIME {text!r} is not a duration like 300s, 5m or 1h.")
    hours, minutes, seconds = (int(value or 0) for value in parts.groups())
    return hours * 3600 + minutes * 60 + seconds


def _data_keys() -> dict[str, str]:
    """The encryption and hash keys of the settings the load database was generated with
    (``generate_population`` runs with the development settings: its BSNs and texts use those keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACHCARE_") and k != "SECRET_KEY"}
    env |= {"DJANGO_SETTINGS_MODULE": DATA_SETTINGS, "PYTHONPATH": str(ROOT / "src")}
    code = (
        "import importlib, os, json; m = importlib.import_module(os.environ['DJANGO_SETTINGS_MODULE']); "
        "print(json.dumps({'keys': m.COACHCARE_ENCRYPTION_KEYS, 'hash': m.COACHCARE_HASH_KEY}))"
    )
    found = json.loads(subprocess.run([PY, "-c", code], env=env, check=True, capture_output=True, text=True).stdout)
    return {"COACHCARE_ENCRYPTION_KEYS": ",".join(found["keys"]), "COACHCARE_HASH_KEY": found["hash"]}


def env_file() -> dict[str, str]:
    if not ENV_FILE.exists():
        keys = _data_keys()
        lines = [
            "# make loadtest: production settings with the keys of the synthetic load database. Local only.",
            "DJANGO_SETTINGS_MODULE=coachcare.conf.production",
            f"SECRET_KEY={secrets.token_urlsafe(64)}",
            f"COACHCARE_ENCRYPTION_KEYS={keys['COACHCARE_ENCRYPTION_KEYS']}",
            f"COACHCARE_HASH_KEY={keys['COACHCARE_HASH_KEY']}",
            "ALLOWED_HOSTS=127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT=false",
            "SESSION_COOKIE_SECURE=false",
            "CSRF_COOKIE_SECURE=false",
            "SECURE_HSTS_SECONDS=0",
            "TASKS_BACKEND=django_tasks_db.DatabaseBackend",
            "LOG_LEVEL=WARNING",
            # No mail server here: message notices go to the console backend (the task still runs).
            "EMAIL_URL=console://",
        ]
        VAR.mkdir(exist_ok=True)
        descriptor = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write("\n".join(lines) + "\n")
    values = {}
    for line in ENV_FILE.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def cache_env() -> dict[str, str]:
    """CACHE_URL for the run: Redis when it answers (shared cache, cached sessions), else memory."""
    parts = urllib.parse.urlsplit(CACHE_URL)
    if parts.scheme.startswith("redis"):
        with socket.socket() as probe:
            probe.settimeout(2)
            if probe.connect_ex((parts.hostname or "127.0.0.1", parts.port or 6379)) != 0:
                print(f"Warning: no Redis at {CACHE_URL}; running with the per-process cache and database sessions.")
                return {"CACHE_URL": "locmem://"}
    return {"CACHE_URL": CACHE_URL}


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_ready(url: str, server: subprocess.Popen[bytes], *, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (exit {server.returncode}); see {log}.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s; see {log}.")


def stop_group(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _machine_busy() -> tuple[float, float, float]:
    """CPU seconds the whole machine has been busy, waiting for the disk (iowait) and in total (all
    cores), since boot."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / ticks, fields[4] / ticks, sum(fields) / ticks


def _page_cache_gib() -> float:
    """The operating system's page cache (GiB): how much of the database can be read without the disk."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("Cached:"):
                return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


class CpuSampler:
    """CPU seconds per process, sampled every second: the app server (gunicorn workers and the task
    worker: the server's process group), the PostgreSQL backends serving the load database, and
    Locust. A process that ends between two samples loses at most its last second."""

    def __init__(self, *, server_pgid: int, database: str, locust_pid: int) -> None:
        self.server_pgid, self.database, self.locust_pid = server_pgid, database, locust_pid
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.sample(initial=True)

    def sample(self, *, initial: bool = False) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                stat = (entry / "stat").read_text()
                rest = stat[stat.rindex(")") + 2 :].split()
                if int(rest[2]) == self.server_pgid:
                    kind = "server"
                elif pid == self.locust_pid:
                    kind = "locust"
                elif stat[stat.index("(") + 1 : stat.rindex(")")] == "postgres":
                    title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    if f" {self.database} " not in title:
                        continue
                    kind = "postgres"
                else:
                    continue
            except (OSError, ValueError, IndexError):
                continue
            used = (int(rest[11]) + int(rest[12])) / self.ticks
            if initial:
                self.first[pid] = used
            self.last[pid] = (kind, used)

    def totals(self) -> dict[str, float]:
        result = {"server": 0.0, "postgres": 0.0, "locust": 0.0}
        for pid, (kind, used) in self.last.items():
            result[kind] += used - self.first.get(pid, 0.0)
        return result


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    postgres = ""
    if shutil.which("psql"):
        found = subprocess.run(
            ["psql", LOAD_DB, "-At", "-c", "SHOW server_version", "-c", "SHOW shared_buffers", "-c", "SHOW autovacuum"],
            capture_output=True,
            text=True,
            check=False,
        )
        version, buffers, autovacuum = ([*found.stdout.split("\n"), "", "", ""])[:3]
        postgres = f"{version.strip()} (shared_buffers {buffers.strip()}, autovacuum {autovacuum.strip()})"
        if autovacuum.strip() == "off":
            postgres += " - autovacuum is off: dead rows pile up during and across runs (production runs it)"
    return f"{os.cpu_count()} cores ({model}), {memory}, PostgreSQL {postgres}, Python {platform.python_version()}"


def _summary(prefix: Path, *, cpu: dict[str, float], seconds: float, data: dict[str, object]) -> int:
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    lines = []
    header = (
        f"| {'request':<42} | {'count':>7} | {'req/s':>6} | {'p50 ms':>6} | {'p95 ms':>6} | {'p99 ms':>6} "
        f"| {'max ms':>6} | {'fail':>4} |"
    )
    lines += [header, "|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|"]
    measured = [row for row in rows if int(row["Request Count"]) > 0]  # logins were before the measurement
    for row in sorted(measured, key=lambda r: (r["Name"] == "Aggregated", -int(r["Request Count"]))):
        name = row["Name"] if row["Type"] in {"GET", ""} else f"{row['Name']}"
        if row["Type"] == "POST" and "POST" not in name:
            name += " (POST)"
        lines.append(
            f"| {name[:42]:<42} | {int(row['Request Count']):>7} | {float(row['Requests/s']):>6.1f} "
            f"| {row['50%']:>6} | {row['95%']:>6} | {row['99%']:>6} | {float(row['Max Response Time']):>6.0f} "
            f"| {int(row['Failure Count']):>4} |"
        )
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    rps = float(total["Requests/s"])
    p95 = float(total["95%"])
    ok_rps, ok_p95, ok_fail = rps >= TARGET_RPS, p95 <= TARGET_P95_MS, failures == 0
    server_cpu, postgres_cpu, locust_cpu = cpu["server"], cpu["postgres"], cpu["locust"]
    machine_busy = cpu["machine_busy"]
    others = max(0.0, machine_busy - server_cpu - locust_cpu - postgres_cpu)
    cores = os.cpu_count() or 1
    per_request_ms = 1000 * (server_cpu + postgres_cpu) / max(1, requests)
    login_lines = []
    login_failures = 0
    login_file = OUT / "logins.json"
    if login_file.exists():
        login_failures = sum(item["failures"] for item in json.loads(login_file.read_text())["logins"])
        login_lines.append("Logins during the ramp-up (not in the table: password hashing is slow by design):")
        for item in json.loads(login_file.read_text())["logins"]:
            login_lines.append(
                f"  {item['name']:<20} {item['count']:>4}  p50 {item['p50']:>6.0f} ms  p95 {item['p95']:>6.0f} ms  "
                f"max {item['max']:>6.0f} ms  failures {item['failures']}"
            )
        login_lines.append("")
    verdict = (
        []
        if MIX == "day"
        else [f"LOAD_MIX={MIX}: the ceiling of this machine and stack; the target is about the day's mix"]
    )
    verdict += [
        f"throughput {rps:.1f} req/s (target >= {TARGET_RPS:.0f}): {'met' if ok_rps else 'NOT met'}",
        f"p95 {p95:.0f} ms over all requests (target <= {TARGET_P95_MS:.0f}): {'met' if ok_p95 else 'NOT met'}",
        f"failures {failures} of {requests} (target 0): {'met' if ok_fail else 'NOT met'}"
        + (f"; {login_failures} failed logins during the ramp-up" if login_failures else ""),
    ]
    report = [
        f"Load test {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} (mix: {MIX}): {USERS} users "
        f"(spawn {SPAWN_RATE}/s), "
        f"{RUN_TIME} measured after the ramp-up, offered ~{OFFERED_RPS:.0f} req/s, gunicorn workers: "
        f"{WORKERS or '2 x cores + 1'}, cache {cache_env()['CACHE_URL']}",
        f"Machine: {_machine()}; load generator on the same machine",
        "Data: " + ", ".join(f"{key} {value}" for key, value in data.items()),
        "",
        *lines,
        "",
        *login_lines,
        f"CPU during the run ({seconds:.0f} s, {cores} cores = {seconds * cores:.0f} core-seconds): app server "
        f"{server_cpu:.0f} s, PostgreSQL (load database) {postgres_cpu:.0f} s, Locust {locust_cpu:.0f} s, everything "
        f"else on the machine {others:.0f} s; machine busy {100 * machine_busy / max(1.0, seconds * cores):.0f}%; "
        f"waiting for the disk (iowait) {cpu['iowait']:.0f} s; page cache {cpu['cache_before']:.1f} GiB at the "
        f"start, {cpu['cache_after']:.1f} GiB at the end (the database is {data.get('database_size', '?')}: what "
        "is not cached is read from the disk)",
        f"Server CPU per request (app + PostgreSQL): {per_request_ms:.1f} ms, so these {cores} cores serve at most "
        f"~{1000 * cores / max(0.1, per_request_ms):.0f} req/s of this mix with nothing else running",
        "",
        *verdict,
        f"Command: LOAD_MIX={MIX} LOAD_DB={LOAD_DB} LOAD_USERS={USERS} LOAD_SPAWN_RATE={SPAWN_RATE:g} "
        f"LOAD_TIME={RUN_TIME} LOAD_RPS={OFFERED_RPS:.0f} make loadtest",
        f"Files: {prefix}_stats.csv, {prefix}_failures.csv, {OUT / 'server.log'}, {OUT / 'summary.md'}",
    ]
    text = "\n".join(report)
    print("\n" + text)
    (OUT / "summary.md").write_text(text + "\n")
    return 0 if ok_fail and not login_failures else 1


def main() -> int:
    seconds = _seconds(RUN_TIME)
    if not 1 <= USERS <= MAX_USERS or not 1 <= seconds <= MAX_SECONDS:
        raise SystemExit(f"Bounded run: LOAD_USERS 1..{MAX_USERS} and LOAD_TIME at most {MAX_SECONDS // 60}m.")
    locust = LOAD_VENV / "bin" / "locust"
    if not locust.exists():
        raise SystemExit(f"{locust} is missing: `make loadtest` installs it (requirements/load.txt).")
    if not port_free(PORT):
        raise SystemExit(f"Port {PORT} on 127.0.0.1 is in use: stop that server or set LOAD_PORT.")
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | env_file() | {"DATABASE_URL": LOAD_DB} | cache_env()
    print(f"Preparing accounts on {LOAD_DB} ...", flush=True)
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )  # loadtest_prepare needs the current schema; serve-prod migrates again (a no-op)
    subprocess.run(
        [PY, "manage.py", "loadtest_prepare", "--force", "--users", str(USERS), "--out", str(ACCOUNTS)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    data = json.loads(ACCOUNTS.read_text())["data"]
    server_env = env | {"ENV_FILE": str(ENV_FILE), "PORT": str(PORT)}
    if WORKERS:
        server_env["WEB_CONCURRENCY"] = WORKERS
    log = (OUT / "server.log").open("wb")
    print(f"Starting the production run on http://127.0.0.1:{PORT} (log: {OUT / 'server.log'}) ...", flush=True)
    server = subprocess.Popen(
        ["bash", "scripts/serve-prod.sh"], cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_ready(f"http://127.0.0.1:{PORT}/readyz", server, timeout=600, log=OUT / "server.log")
        prefix = OUT / "run"
        logins = OUT / "logins.json"
        logins.unlink(missing_ok=True)
        ramp = math.ceil(USERS / SPAWN_RATE) + SETTLE
        limit = ramp + 300 + seconds  # logins under load may take longer: the Locust file stops the run itself
        command = [
            str(locust), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "--only-summary",
            "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{limit}s", "--stop-timeout", "10",
            "--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix),
        ]  # fmt: skip
        print("Running:", " ".join(command), flush=True)
        print(f"Ramp-up: {USERS} users log in (about {ramp} s), then {seconds} s measured.", flush=True)
        runner = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env
            | {
                "LOADTEST_ACCOUNTS": str(ACCOUNTS),
                "LOAD_RPS": str(OFFERED_RPS),
                "LOAD_SETTLE": str(SETTLE),
                "LOAD_MEASURE_SECONDS": str(seconds),
                "LOAD_LOGIN_STATS": str(logins),
            },
        )
        database = urllib.parse.urlsplit(LOAD_DB).path.lstrip("/")
        sampler: CpuSampler | None = None
        busy_before = iowait_before = started = cache_before = 0.0
        while runner.poll() is None:
            if sampler is None and logins.exists():  # the measured part has begun
                sampler = CpuSampler(server_pgid=server.pid, database=database, locust_pid=runner.pid)
                busy_before, iowait_before, _ = _machine_busy()
                started, cache_before = time.monotonic(), _page_cache_gib()
            elif sampler is not None:
                sampler.sample()
            time.sleep(1)
        if sampler is None:
            print("Locust ended before the measured part began.", file=sys.stderr)
            return 1
        elapsed = time.monotonic() - started
        busy_after, iowait_after, _ = _machine_busy()
        cpu = sampler.totals() | {
            "machine_busy": busy_after - busy_before,
            "iowait": iowait_after - iowait_before,
            "cache_before": cache_before,
            "cache_after": _page_cache_gib(),
        }
    finally:
        stop_group(server)
        log.close()
    if not (OUT / "run_stats.csv").exists():
        print("Locust wrote no statistics.", file=sys.stderr)
        return 1
    return _summary(prefix, cpu=cpu, seconds=elapsed, data=data)


if __name__ == "__main__":
    sys.exit(main())
