"""`make cluster-test`: two app nodes behind HAProxy, sharing PostgreSQL and Redis; one is killed under load.

Needs root (network namespaces), iproute2, HAProxy (installed with apt-get when missing) and Locust
(``.venv-load``). Steps:

1. a scratch database ``CLUSTER_DB`` (default ``coachcare_cluster``), made, migrated and filled with
   ``generate_population --youths CLUSTER_YOUTHS`` (500) and ``loadtest_prepare``;
2. two network namespaces ``ccl-a`` and ``ccl-b``, each joined to the host by a veth pair
   (10.77.1.1 <-> 10.77.1.2, 10.77.2.1 <-> 10.77.2.2);
3. HAProxy on the host (``loadtest/clusterconf.py``): 127.0.0.1:8090 round robin over both nodes with a
   health check on ``/readyz`` every 0.5 s; 127.0.0.1:8091 and :8092 reach node a or b only; and on
   each host-side veth address TCP forwards to PostgreSQL and Redis (both listen on 127.0.0.1 only);
4. in each namespace ``scripts/serve-prod.sh`` (production settings, its own gunicorn with
   ``CLUSTER_WORKERS`` workers and its own task worker), Redis as cache and session cache
   (``cached_db``), the django-tasks-db queue in the shared database; the time from start to
   ``/readyz`` 200 is printed per node;
5. Locust (the day's mix of ``loadtest/locustfile.py``) through HAProxy: ``CLUSTER_USERS`` users
   offering ``CLUSTER_RPS`` req/s, measured for ``CLUSTER_TIME`` seconds. During the measured part:
   - a session made on node a is used on node b and the other way round; a logout on node b ends the
     session on node a (a per-process cache would still hold it: the cache is shared);
   - a message posted on node a appears in the coach's poll on node b (seconds printed, limit 5);
   - ``CLUSTER_TASKS`` idempotent tasks (``message_notify_task``) are enqueued at once: each is run by
     exactly one of the two task workers (its ``worker_ids``), both workers take part;
   - after ``CLUSTER_KILL_AFTER`` seconds node a (gunicorn master, workers and task worker: its process
     group) gets SIGKILL; the time until HAProxy marks it DOWN is read from its stats socket;
6. afterwards: every message whose POST was acknowledged (Locust's and the driver's) is in PostgreSQL;
   the failed requests are only those in flight on node a (counted by Locust and by HAProxy, all in
   the window between the kill and the DOWN mark); req/s before and after the kill; tasks left
   RUNNING by the killed worker are requeued (``tasks_requeue_stale``) and run on node b; e-mails
   counted in the nodes' logs match the tasks' results; resident memory per gunicorn worker and per
   task worker under load (from /proc).

Prints PASS or FAIL per check and exits 1 when any failed. Cleans up on exit (also on Ctrl-C):
processes, namespaces, the Redis database ``CLUSTER_REDIS_DB`` (3) and the scratch database (kept with
``CLUSTER_KEEP_DB=1``). Files in ``var/cluster/``. Not in CI (root, minutes): docs/operations.md.
"""

# ruff: noqa: S603, S607 - fixed commands (ip, haproxy, manage.py, createdb, Locust): no outside input

import atexit
import contextlib
import csv
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as common
from clusterconf import Node, haproxy_config, node_processes, parse_stat, process_table, rate

from browser import Browser

ROOT = common.ROOT
PY = common.PY
OUT = ROOT / "var" / "cluster"
DB = os.environ.get("CLUSTER_DB") or "postgres://postgres@127.0.0.1:5432/coachcare_cluster"
YOUTHS = int(os.environ.get("CLUSTER_YOUTHS") or 500)
USERS = int(os.environ.get("CLUSTER_USERS") or 20)
RPS = float(os.environ.get("CLUSTER_RPS") or 30)
MEASURE = int(os.environ.get("CLUSTER_TIME") or 120)
KILL_AFTER = int(os.environ.get("CLUSTER_KILL_AFTER") or 60)
AFTER_KILL_MIN = 20  # seconds of the measured part that must be left after node a is DOWN
WORKERS = int(os.environ.get("CLUSTER_WORKERS") or 3)
TASKS = int(os.environ.get("CLUSTER_TASKS") or 100)
REDIS_DB = int(os.environ.get("CLUSTER_REDIS_DB") or 3)
KEEP_DB = os.environ.get("CLUSTER_KEEP_DB") == "1"
FRONT_PORT = 8090
POLL_LIMIT = 5.0
NODES = [
    Node("a", "10.77.1.1", "10.77.1.2", direct_port=8091),
    Node("b", "10.77.2.1", "10.77.2.2", direct_port=8092),
]
SOCKET = OUT / "haproxy.sock"
POLL_URL = re.compile(r'id="message-poll" hx-get="([^"]+)"')

failures: list[str] = []


def check(ok: bool, text: str) -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {text}", flush=True)
    if not ok:
        failures.append(text)
    return ok


def info(text: str) -> None:
    print(f"      {text}", flush=True)


def namespace(node: Node) -> str:
    return f"ccl-{node.name}"


# --- set-up and clean-up -----------------------------------------------------------------------------


class Cleanup:
    """Everything this run started, undone once on exit (normal, error, Ctrl-C or SIGTERM)."""

    def __init__(self) -> None:
        self.groups: list[subprocess.Popen[bytes]] = []
        self.done = False

    def group(self, process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        self.groups.append(process)
        return process

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        for process in reversed(self.groups):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=20)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for node in NODES:
            subprocess.run(["ip", "netns", "del", namespace(node)], capture_output=True, check=False)
        subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True, check=False)
        if not KEEP_DB:
            drop_database()
        print("Cleaned up: processes, namespaces, Redis database "
              f"{REDIS_DB}{'' if KEEP_DB else ', ' + DB}.", flush=True)  # fmt: skip


cleanup = Cleanup()


def _server_args() -> tuple[list[str], str]:
    parts = urllib.parse.urlsplit(DB)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return args, parts.path.lstrip("/")


def drop_database() -> None:
    args, name = _server_args()
    subprocess.run(["dropdb", *args, "--if-exists", "--force", name], capture_output=True, check=False)


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def django_step(step: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``step`` of ``_django_main`` in a Django process on the scratch database (from the host)."""
    done = subprocess.run(
        [PY, __file__, "--django", step, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def database_prepare(env: dict[str, str]) -> dict[str, Any]:
    args, name = _server_args()
    drop_database()
    subprocess.run(["createdb", *args, name], check=True)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("generate_population", "--youths", str(YOUTHS), "--seed", "1", "--force", env=env)
    manage("loadtest_prepare", "--force", "--users", str(USERS + 4), "--out", str(OUT / "accounts.json"), env=env)
    return json.loads((OUT / "accounts.json").read_text())


def network_up() -> None:
    for node in NODES:
        ns = namespace(node)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)  # a leftover of a killed run
        host_end, node_end = f"{ns}-h", f"{ns}-n"
        for command in (
            ["ip", "netns", "add", ns],
            ["ip", "link", "add", host_end, "type", "veth", "peer", "name", node_end],
            ["ip", "link", "set", node_end, "netns", ns],
            ["ip", "addr", "add", f"{node.host_ip}/24", "dev", host_end],
            ["ip", "link", "set", host_end, "up"],
            ["ip", "netns", "exec", ns, "ip", "addr", "add", f"{node.node_ip}/24", "dev", node_end],
            ["ip", "netns", "exec", ns, "ip", "link", "set", node_end, "up"],
            ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"],
        ):
            subprocess.run(command, check=True)


def haproxy_start() -> None:
    if not shutil.which("haproxy"):
        print("Installing HAProxy (Debian package) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "haproxy"], check=True)
    config = OUT / "haproxy.cfg"
    SOCKET.unlink(missing_ok=True)
    config.write_text(haproxy_config(nodes=NODES, front_port=FRONT_PORT, stats_socket=SOCKET))
    subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
    cleanup.group(
        subprocess.Popen(
            ["haproxy", "-db", "-f", str(config)],
            stdout=(OUT / "haproxy.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    deadline = time.monotonic() + 10
    while not SOCKET.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"HAProxy did not start; see {OUT / 'haproxy.log'}")
        time.sleep(0.1)


def haproxy_stat() -> dict[tuple[str, str], dict[str, str]]:
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(2)
        connection.connect(str(SOCKET))
        connection.sendall(b"show stat\n")
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return parse_stat(b"".join(chunks).decode())


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return 0


def node_start(node: Node, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], float]:
    """``scripts/serve-prod.sh`` in the node's namespace; returns it and the seconds until /readyz said 200."""
    node_env = env | {
        "ENV_FILE": str(common.ENV_FILE),
        "BIND_ADDRESS": node.node_ip,
        "PORT": str(node.port),
        "WEB_CONCURRENCY": str(WORKERS),
        "TASKS_WORKER_ID": f"node-{node.name}-worker",
        "DATABASE_URL": _node_database_url(node),
        "CACHE_URL": f"redis://{node.host_ip}:6379/{REDIS_DB}",
        "ACCESS_LOG": str(OUT / f"access-{node.name}.log"),
    }
    started = time.monotonic()
    process = cleanup.group(
        subprocess.Popen(
            ["ip", "netns", "exec", namespace(node), "bash", "scripts/serve-prod.sh"],
            cwd=ROOT,
            env=node_env,
            stdout=(OUT / f"node-{node.name}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    deadline = started + 300
    while http_status(f"http://127.0.0.1:{node.direct_port}/readyz") != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"node {node.name} did not become ready; see {OUT / f'node-{node.name}.log'}")
        time.sleep(0.1)
    return process, time.monotonic() - started


def _node_database_url(node: Node) -> str:
    parts = urllib.parse.urlsplit(DB)
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}@{node.host_ip}:5432"))


# --- sampling during the run -------------------------------------------------------------------------


class Sampler(threading.Thread):
    """HAProxy's counters every 0.1 s; resident memory of the nodes' processes every 2 s."""

    def __init__(self, groups: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.stop = threading.Event()
        self.stats: list[tuple[float, dict[tuple[str, str], dict[str, str]]]] = []
        self.memory: dict[str, dict[str, list[int]]] = {name: {} for name in groups}
        self.measuring = threading.Event()
        self.dead: set[str] = set()

    def run(self) -> None:
        last_memory = 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            with contextlib.suppress(OSError):
                self.stats.append((now, haproxy_stat()))
            if self.measuring.is_set() and now - last_memory >= 2:
                last_memory = now
                table = process_table()
                for name, pgid in self.groups.items():
                    if name in self.dead:
                        continue
                    for role, found in node_processes(table, pgid=pgid).items():
                        self.memory[name].setdefault(role, []).extend(rss for _pid, rss in found if rss)
            time.sleep(0.1)

    def counter(self, proxy: str, server: str, field: str) -> list[tuple[float, int]]:
        return [(at, int(stat[(proxy, server)][field] or 0)) for at, stat in self.stats if (proxy, server) in stat]


# --- the checks during the run -----------------------------------------------------------------------


def node_url(node: Node) -> str:
    return f"http://127.0.0.1:{node.direct_port}"


def sessions_across_nodes(accounts: dict[str, Any]) -> None:
    node_a, node_b = NODES
    youth = accounts["youths"][-1]
    browser = Browser(node_url(node_a))
    logged_in = browser.log_in(youth["username"], accounts["password"])
    browser.base = node_url(node_b)
    on_b = browser.get("/portal/")
    check(logged_in and on_b.status == 200, f"session made on node a is used on node b: portal answered {on_b.status}")
    coach = accounts["coaches"][-1]
    browser_b = Browser(node_url(node_b))
    verified = browser_b.log_in(coach["username"], accounts["password"], totp_secret=accounts["totp_secret"])
    browser_b.base = node_url(node_a)
    on_a = browser_b.get("/")
    check(
        verified and on_a.status == 200,
        f"session with second factor made on node b is used on node a: caseload answered {on_a.status}",
    )
    browser.base = node_url(node_b)
    logout = browser.post_form("/accounts/logout/", {}, page=on_b.body)
    browser.base = node_url(node_a)
    after = browser.get("/portal/")
    location = next((value for key, value in after.headers.items() if key.lower() == "location"), "")
    check(
        logout.status == 302 and after.status == 302 and "/accounts/login/" in location,
        f"logout on node b ends the session on node a (shared cache): logout {logout.status}, then node a "
        f"answers {after.status} to {location or after.headers}",
    )


def message_across_nodes(accounts: dict[str, Any], writes: Path) -> None:
    node_a, node_b = NODES
    # Not the coach of sessions_across_nodes (a TOTP code is accepted once per 30 s step), and from the
    # end of the list: Locust's users take theirs from the start.
    coach = next((c for c in reversed(accounts["coaches"][:-1]) if c["threads"]), None)
    if coach is None:
        check(False, "a coach with a youth thread in the accounts file")
        return
    thread = coach["threads"][-1]
    youth = next((y for y in accounts["youths"] if y["thread"] == thread), None)
    writer = Browser(node_url(node_a))
    if youth is not None:
        writer.log_in(youth["username"], accounts["password"])
    else:  # the coach writes on node a, a second session of the coach polls on node b
        writer.log_in(coach["username"], accounts["password"], totp_secret=accounts["totp_secret"])
    reader = Browser(node_url(node_b))
    time.sleep(0 if youth is not None else 31)  # a TOTP code is accepted once per 30 s step
    reader.log_in(coach["username"], accounts["password"], totp_secret=accounts["totp_secret"])
    page = reader.get(f"/messages/{thread}/").body
    found = POLL_URL.search(page)
    if not check(found is not None, f"the coach's thread page on node b has its poll ({thread})"):
        return
    assert found is not None
    poll = found.group(1).replace("&amp;", "&")
    marker = f"cluster-{uuid.uuid4().hex[:12]}"
    posted = writer.post_form(f"/messages/{thread}/", {"body": marker})
    acknowledged = time.monotonic()
    if posted.status == 302:
        with writes.open("a", encoding="utf-8") as handle:
            handle.write(marker + "\n")
    seen = None
    while time.monotonic() - acknowledged < POLL_LIMIT + 5:
        answer = reader.get(poll)
        if marker in answer.body:
            seen = time.monotonic() - acknowledged
            break
        time.sleep(0.2)
    check(
        posted.status == 302 and seen is not None and seen <= POLL_LIMIT,
        f"message posted on node a ({posted.status}) appears in the coach's poll on node b after "
        f"{'never' if seen is None else f'{seen:.2f} s'} (limit {POLL_LIMIT:.0f} s)",
    )


def tasks_exactly_once(env: dict[str, str]) -> None:
    enqueued = django_step("enqueue-notify", str(TASKS), env=env)
    ids_file = OUT / "tasks.json"
    ids_file.write_text(json.dumps(enqueued["tasks"]))
    deadline = time.monotonic() + 120
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = django_step("tasks", str(ids_file), env=env)
        if state["finished"] == len(enqueued["tasks"]):
            break
        time.sleep(1)
    took = time.monotonic() - (deadline - 120)
    info(f"{TASKS} tasks: {state.get('by_status')} after {took:.1f} s; run by {state.get('by_worker')}")
    check(
        state.get("by_status") == {"SUCCESSFUL": TASKS} and state.get("claimed_more_than_once") == 0,
        f"each of {TASKS} idempotent tasks ran exactly once: {state.get('by_status')}, "
        f"{state.get('claimed_more_than_once')} claimed by more than one worker, "
        f"{state.get('messages_notified')} of {TASKS} messages marked notified, {state.get('sent')} e-mails sent",
    )
    check(
        set(state.get("by_worker", {})) == {f"node-{node.name}-worker" for node in NODES},
        f"both nodes' task workers took part: {state.get('by_worker')}",
    )


# --- the run -----------------------------------------------------------------------------------------


def main() -> int:
    if os.geteuid() != 0:
        raise SystemExit("make cluster-test needs root (network namespaces).")
    if urllib.parse.urlsplit(DB).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("CLUSTER_DB must be on this machine (127.0.0.1).")
    locust = common.LOAD_VENV / "bin" / "locust"
    if not locust.exists():
        raise SystemExit(f"{locust} is missing: `make cluster-test` installs it (requirements/load.txt).")
    for port in (FRONT_PORT, *(node.direct_port for node in NODES)):
        if not common.port_free(port):
            raise SystemExit(f"Port {port} on 127.0.0.1 is in use.")
    if KILL_AFTER + AFTER_KILL_MIN + 5 > MEASURE:
        raise SystemExit(f"CLUSTER_TIME must be at least CLUSTER_KILL_AFTER + {AFTER_KILL_MIN + 5} s.")
    atexit.register(cleanup)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: sys.exit(130))
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.glob("*"):
        if stale.is_file() and stale.name != "accounts.json":
            stale.unlink()
    env = dict(os.environ) | common.env_file() | {"DATABASE_URL": DB, "CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}"}
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True, check=True)
    print(f"Scratch database {DB}: {YOUTHS} young people, accounts for {USERS} load users ...", flush=True)
    accounts = database_prepare(env)
    data = accounts["data"]
    print("Network namespaces and HAProxy ...", flush=True)
    network_up()
    haproxy_start()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for node in NODES:  # one after the other: both run migrate and collectstatic at start
        processes[node.name], ready_after = node_start(node, env)
        info(f"node {node.name} ({namespace(node)}, {node.node_ip}): `scripts/serve-prod.sh` to /readyz 200 in "
             f"{ready_after:.1f} s ({WORKERS} gunicorn workers, 1 task worker)")  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if all(haproxy_stat()[("app", node.name)]["status"] == "UP" for node in NODES):
            break
        time.sleep(0.2)
    check(all(haproxy_stat()[("app", n.name)]["status"] == "UP" for n in NODES), "HAProxy sees both nodes UP")

    sampler = Sampler({name: process.pid for name, process in processes.items()})
    sampler.start()
    prefix, logins, writes = OUT / "run", OUT / "logins.json", OUT / "writes.txt"
    writes.touch()
    started_wall = time.time()
    command = [
        str(locust), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless", "--only-summary",
        "-u", str(USERS), "-r", "4", "-t", f"{MEASURE + 400}s", "--stop-timeout", "10",
        "--host", f"http://127.0.0.1:{FRONT_PORT}", "--csv", str(prefix),
    ]  # fmt: skip
    print(f"Locust: {USERS} users offering {RPS:.0f} req/s through HAProxy; {MEASURE} s measured after the logins; "
          f"node a killed after {KILL_AFTER} s", flush=True)  # fmt: skip
    runner = cleanup.group(
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env
            | {
                "LOADTEST_ACCOUNTS": str(OUT / "accounts.json"),
                "LOAD_RPS": str(RPS),
                "LOAD_SETTLE": "5",
                "LOAD_MEASURE_SECONDS": str(MEASURE),
                "LOAD_LOGIN_STATS": str(logins),
                "LOAD_WRITES_FILE": str(writes),
            },
            stdout=(OUT / "locust.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    while not logins.exists():
        if runner.poll() is not None:
            raise SystemExit(f"Locust ended before the measured part; see {OUT / 'locust.log'}")
        time.sleep(0.2)
    measure_start = time.monotonic()
    sampler.measuring.set()
    print(f"\nMeasured part started; checks under load ({data.get('young_people')} young people, "
          f"{data.get('messages')} messages, {data.get('database_size', '?')}):", flush=True)  # fmt: skip
    sessions_across_nodes(accounts)
    message_across_nodes(accounts, writes)
    tasks_exactly_once(env)

    checks_took = time.monotonic() - measure_start
    if checks_took + 2 > KILL_AFTER:
        info(f"the checks took {checks_took:.0f} s (a busy machine): node a is killed 2 s after them")
    time.sleep(max(2.0, measure_start + KILL_AFTER - time.monotonic()))
    node_a = NODES[0]
    before_kill = [stat[("app", node_a.name)] for at, stat in sampler.stats[-10:]]
    in_flight = max((int(row["scur"] or 0) + int(row["qcur"] or 0) for row in before_kill), default=0)
    killed_at = time.monotonic()
    os.killpg(processes[node_a.name].pid, signal.SIGKILL)
    sampler.dead.add(node_a.name)
    down_at = None
    while time.monotonic() - killed_at < 30:
        if haproxy_stat()[("app", node_a.name)]["status"].startswith("DOWN"):
            down_at = time.monotonic()
            break
        time.sleep(0.02)
    print(f"\nNode a killed (SIGKILL to its process group) {killed_at - measure_start:.1f} s into the run:", flush=True)
    check(
        down_at is not None,
        f"HAProxy marked node a DOWN {'never' if down_at is None else f'{down_at - killed_at:.2f} s'} after the kill "
        "(health check every 0.5 s, down after 2 failures)",
    )
    runner.wait(timeout=MEASURE + 300)
    ended = time.monotonic()
    check(
        ended - (down_at or ended) >= AFTER_KILL_MIN,
        f"{ended - (down_at or ended):.0f} s of the measured part were left after node a was DOWN (at least "
        f"{AFTER_KILL_MIN} s; on a busy machine raise CLUSTER_TIME)",
    )
    time.sleep(0.5)
    sampler.stop.set()
    sampler.join()

    print("\nAfter the run:", flush=True)
    down = down_at or killed_at + 30
    requests = sampler.counter("web", "FRONTEND", "req_tot")
    before_rps = rate(requests, measure_start + 3, killed_at)
    after_rps = rate(requests, down + 2, ended - 1)
    served_b = sampler.counter("app", NODES[1].name, "stot")
    b_before, b_after = rate(served_b, measure_start + 3, killed_at), rate(served_b, down + 2, ended - 1)
    # 5-second windows: on a busy machine the sampler itself may miss a second.
    windows = [rate(requests, start, start + 5) for start in range(int(down + 2), int(ended - 6), 5)]
    info(f"node b alone served {b_before:.1f} req/s before the kill and {b_after:.1f} req/s after; the slowest "
         f"5 s after the DOWN mark: {min(windows, default=0):.1f} req/s")  # fmt: skip
    check(
        after_rps >= 0.5 * before_rps > 0 and b_after > b_before and min(windows, default=0) > 0,
        f"the run continued on node b: {before_rps:.1f} req/s through HAProxy before the kill, {after_rps:.1f} req/s "
        "after node a was DOWN, requests in every 5 s (at least half: one of two nodes left, and the offered load "
        "exceeds what this machine serves, so each node runs at its limit)",
    )
    errors = sampler.counter("web", "FRONTEND", "hrsp_5xx")

    def errors_between(start: float, end: float) -> int:
        inside = [count for at, count in errors if start <= at <= end]
        return inside[-1] - inside[0] if len(inside) >= 2 else 0

    at_kill = next((count for at, count in reversed(errors) if at <= killed_at), 0)
    first_error = next((at for at, count in errors if at > killed_at and count > at_kill), None)
    before_errors = errors_between(measure_start, killed_at)
    window_errors = errors_between(killed_at - 0.2, down + 1)
    after_errors = errors_between(down + 1, ended)
    stats_rows = list(csv.DictReader((OUT / "run_stats.csv").open()))
    total = next(row for row in stats_rows if row["Name"] == "Aggregated")
    locust_failures, locust_requests = int(total["Failure Count"]), int(total["Request Count"])
    broken = sampler.counter("app", node_a.name, "eresp")
    broken_on_a = (broken[-1][1] - broken[0][1]) if broken else 0
    info(f"Locust: {locust_requests} requests, {locust_failures} failed, {float(total['Requests/s']):.1f} req/s "
         f"overall, p50 {total['50%']} ms, p95 {total['95%']} ms")  # fmt: skip
    info(f"HAProxy 5xx answers: {before_errors} before the kill, {window_errors} between the kill and DOWN + 1 s, "
         f"{after_errors} after; {broken_on_a} responses broken off by node a; in flight on node a just before "
         f"the kill: {in_flight} (plus up to {WORKERS} in its workers)")  # fmt: skip
    check(
        before_errors == 0 and after_errors == 0 and locust_failures == window_errors
        and window_errors <= in_flight + WORKERS,
        f"only requests in flight on node a failed: {locust_failures} failed requests (Locust), all "
        f"{window_errors} of HAProxy's 5xx in the {down - killed_at:.2f} s between the kill and the DOWN mark"
        + (f" (first at +{first_error - killed_at:.2f} s)" if first_error else ""),
    )  # fmt: skip

    manage("tasks_requeue_stale", "--older-than", "5", env=env)
    deadline = time.monotonic() + 90
    summary: dict[str, Any] = {}
    while time.monotonic() < deadline:
        summary = django_step("notify-summary", str(started_wall), env=env)
        if summary["unfinished"] == 0:
            break
        time.sleep(1)
    mails = sum(
        line.startswith("Subject: ")
        for node in NODES
        for line in (OUT / f"node-{node.name}.log").read_text(errors="replace").splitlines()
    )
    info(f"message notifications since the start: {summary.get('by_status')}, requeued after the kill and run "
         f"again: {summary.get('requeued')}; e-mails sent {summary.get('sent')} by the tasks' results, {mails} "
         "in the nodes' logs")  # fmt: skip
    check(
        summary.get("unfinished") == 0
        and summary.get("failed") == 0
        and summary["sent"] <= mails <= summary["sent"] + summary["requeued"],
        "every notification task finished on the surviving node; no e-mail lost, duplicates only for a task "
        "whose worker was killed mid-task (at most one each)",
    )
    stored = django_step("writes", str(writes), str(started_wall), env=env)
    check(
        not stored["missing"],
        f"no acknowledged write lost: {stored['acknowledged']} acknowledged messages, {len(stored['missing'])} "
        f"missing in PostgreSQL",
    )

    print("\nMemory under load (VmRSS from /proc every 2 s; node a until the kill):", flush=True)
    for name, roles in sampler.memory.items():
        for role, values in roles.items():
            if values:
                info(f"node {name} {role:<16} mean {statistics.mean(values) / 1024:6.1f} MiB, max "
                     f"{max(values) / 1024:6.1f} MiB ({len(values)} samples)")  # fmt: skip
    common.LOAD_DB = DB  # the database whose PostgreSQL settings are printed
    print(f"\nMachine: {common._machine()}", flush=True)
    print(f"Data: {json.dumps(data)}", flush=True)
    print(f"\n{'ALL PASSED' if not failures else f'{len(failures)} FAILED'}; files in {OUT}", flush=True)
    return 1 if failures else 0


# --- in the Django process (on the host) -------------------------------------------------------------


def _django_main(step: str, args: list[str]) -> dict[str, Any]:
    import datetime

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import F, Value
    from django.db.models.functions import Concat
    from django_tasks_db.models import DBTaskResult

    from coachcare.messaging.models import Message
    from coachcare.messaging.tasks import message_notify_task

    if step == "enqueue-notify":
        count = int(args[0])
        ids = list(Message.objects.order_by("-pk").values_list("pk", flat=True)[:count])
        coaches = Message.objects.filter(pk__in=ids).values("thread__client__coach_id")
        with transaction.atomic():
            # Synthetic coaches have no e-mail address: give these an address (scratch database) so
            # that each notification sends an e-mail, a side effect counted in the nodes' logs.
            get_user_model().objects.filter(pk__in=coaches, email="").update(
                email=Concat(Value("cluster-"), F("username"), Value("@example.invalid"))
            )
            Message.objects.filter(pk__in=ids).update(notified_at=None)
            tasks = [str(message_notify_task.enqueue(pk).id) for pk in ids]
        return {"tasks": tasks, "messages": ids}
    if step == "tasks":
        ids = json.loads(Path(args[0]).read_text())
        results = list(DBTaskResult.objects.filter(pk__in=ids))
        by_status: dict[str, int] = {}
        by_worker: dict[str, int] = {}
        for result in results:
            by_status[result.status] = by_status.get(result.status, 0) + 1
            for worker in result.worker_ids:
                by_worker[worker] = by_worker.get(worker, 0) + 1
        messages = [result.args_kwargs["args"][0] for result in results]
        return {
            "finished": sum(1 for r in results if r.status in {"SUCCESSFUL", "FAILED"}),
            "by_status": by_status,
            "by_worker": by_worker,
            "claimed_more_than_once": sum(1 for r in results if len(r.worker_ids) > 1),
            "messages_notified": Message.objects.filter(pk__in=messages, notified_at__isnull=False).count(),
            "sent": sum(int(r.return_value or 0) for r in results if r.status == "SUCCESSFUL"),
        }
    if step == "notify-summary":
        since = datetime.datetime.fromtimestamp(float(args[0]), tz=datetime.UTC)
        results = list(DBTaskResult.objects.filter(task_path__endswith="message_notify_task", enqueued_at__gte=since))
        by_status = {}
        for result in results:
            by_status[result.status] = by_status.get(result.status, 0) + 1
        return {
            "by_status": by_status,
            "unfinished": sum(1 for r in results if r.status not in {"SUCCESSFUL", "FAILED"}),
            "failed": by_status.get("FAILED", 0),
            "requeued": sum(1 for r in results if len(r.worker_ids) > 1),
            "sent": sum(int(r.return_value or 0) for r in results if r.status == "SUCCESSFUL"),
        }
    if step == "writes":
        markers = [line for line in Path(args[0]).read_text().splitlines() if line]
        since = datetime.datetime.fromtimestamp(float(args[1]), tz=datetime.UTC)
        bodies = {message.body for message in Message.objects.filter(created_at__gte=since)}
        return {"acknowledged": len(markers), "missing": [m for m in markers if m not in bodies]}
    raise SystemExit(f"unknown step {step}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--django":
        sys.path.insert(0, str(ROOT / "src"))
        print(json.dumps(_django_main(sys.argv[2], sys.argv[3:]), default=str))
    else:
        sys.exit(main())
