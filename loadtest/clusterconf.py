"""Pure helpers of ``make cluster-test`` (``loadtest/cluster.py``): the HAProxy configuration, the
parsing of HAProxy's ``show stat`` answer, and resident memory per process from ``/proc``.

Standard library only, no side effects except reading ``/proc``: unit-tested in
``tests/loadtest/test_clusterconf.py``.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Node:
    """One app node in its own network namespace: ``host_ip`` is the host's end of the veth pair,
    ``node_ip`` the namespace's end (gunicorn listens there)."""

    name: str
    host_ip: str
    node_ip: str
    port: int = 8000
    direct_port: int = 0  # 127.0.0.1:<direct_port> on the host reaches this node only (0: none)


def haproxy_config(
    *,
    nodes: list[Node],
    front_port: int,
    stats_socket: Path,
    postgres: tuple[str, int] = ("127.0.0.1", 5432),
    redis: tuple[str, int] = ("127.0.0.1", 6379),
    check_interval_ms: int = 500,
    health_path: str = "/readyz",
) -> str:
    """HAProxy in front of the app nodes, and the nodes' way to PostgreSQL and Redis.

    - ``frontend web`` on 127.0.0.1:``front_port``: round robin over every node, health check
      ``GET health_path`` every ``check_interval_ms`` (down after 2 failures, up after 1 success); a
      request whose connection is refused is retried on another node (``option redispatch``);
    - per node with a ``direct_port``: a listener that reaches that node only (the driver's
      "request through node B directly");
    - per node: TCP forwards on the host's end of its veth pair to PostgreSQL and Redis, which listen
      on 127.0.0.1 only; idle database connections (``CONN_MAX_AGE``) stay open for an hour.
    """
    if not nodes:
        raise ValueError("at least one node")
    lines = [
        "global",
        f"    stats socket {stats_socket} mode 600 level admin",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout queue 30s",
        # A busy node answers its health check late (the check waits behind requests in the sync
        # workers' backlog): that is not a reason to take it out. A dead node refuses at once.
        "    timeout check 5s",
        "    retries 3",
        "    option redispatch 1",
        "",
        "frontend web",
        f"    bind 127.0.0.1:{front_port}",
        "    default_backend app",
        "",
        "backend app",
        "    balance roundrobin",
        "    option httpchk",
        f"    http-check send meth GET uri {health_path} ver HTTP/1.1 hdr Host 127.0.0.1",
        "    http-check expect status 200",
        f"    default-server inter {check_interval_ms} fastinter {check_interval_ms} downinter {check_interval_ms}"
        " fall 2 rise 1",
    ]
    lines += [f"    server {node.name} {node.node_ip}:{node.port} check" for node in nodes]
    for node in nodes:
        if node.direct_port:
            lines += [
                "",
                f"listen direct_{node.name}",
                f"    bind 127.0.0.1:{node.direct_port}",
                f"    server {node.name} {node.node_ip}:{node.port}",
            ]
    for node in nodes:
        for service, (address, port) in (("postgres", postgres), ("redis", redis)):
            lines += [
                "",
                f"listen {service}_{node.name}",
                "    mode tcp",
                f"    bind {node.host_ip}:{port}",
                "    timeout client 1h",
                "    timeout server 1h",
                f"    server {service} {address}:{port}",
            ]
    return "\n".join(lines) + "\n"


def parse_stat(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """HAProxy's ``show stat`` CSV (first line ``# pxname,svname,...``) keyed by (proxy, server)."""
    lines = text.strip().splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValueError("not a 'show stat' answer")
    reader = csv.DictReader(io.StringIO("\n".join([lines[0][2:], *lines[1:]])))
    return {(row["pxname"], row["svname"]): dict(row) for row in reader}


def process_rss_kib(status_text: str) -> int:
    """Resident memory (VmRSS, KiB) from the text of ``/proc/<pid>/status``; 0 when absent (a zombie)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def private_kib(pid: int, proc: Path = Path("/proc")) -> int:
    """Memory of this process alone (USS, KiB): Private_Clean + Private_Dirty of
    ``/proc/<pid>/smaps_rollup``; pages shared with the gunicorn master after the fork are not in it.
    0 when the process is gone."""
    try:
        text = (proc / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    return sum(
        int(line.split()[1]) for line in text.splitlines() if line.startswith(("Private_Clean:", "Private_Dirty:"))
    )


def process_table(proc: Path = Path("/proc")) -> dict[int, tuple[int, int, str, int]]:
    """Every process: pid -> (parent pid, process group, command line, VmRSS KiB)."""
    table = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            rest = stat[stat.rindex(")") + 2 :].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            rss = process_rss_kib((entry / "status").read_text())
        except (OSError, ValueError, IndexError):
            continue
        table[int(entry.name)] = (int(rest[1]), int(rest[2]), command, rss)
    return table


def node_processes(table: dict[int, tuple[int, int, str, int]], *, pgid: int) -> dict[str, list[tuple[int, int]]]:
    """The processes of one node (one process group), by role, each as (pid, VmRSS KiB):
    ``gunicorn master``, ``gunicorn worker`` (a gunicorn whose parent is the master) and
    ``task worker`` (``manage.py db_worker``)."""
    roles: dict[str, list[tuple[int, int]]] = {"gunicorn master": [], "gunicorn worker": [], "task worker": []}
    gunicorns = {
        pid: parent for pid, (parent, group, command, _) in table.items() if group == pgid and "gunicorn" in command
    }
    for pid, (_parent, group, command, rss) in table.items():
        if group != pgid:
            continue
        if pid in gunicorns:
            role = "gunicorn worker" if gunicorns[pid] in gunicorns else "gunicorn master"
            roles[role].append((pid, rss))
        elif "db_worker" in command:
            roles["task worker"].append((pid, rss))
    return roles


def rate(samples: list[tuple[float, int]], start: float, end: float) -> float:
    """Requests per second between ``start`` and ``end`` from (time, cumulative count) samples: the
    first sample at or after ``start`` and the last at or before ``end``."""
    inside = [sample for sample in samples if start <= sample[0] <= end]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return 0.0
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])
