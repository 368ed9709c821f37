"""loadtest/clusterconf.py: the pure helpers of `make cluster-test` and `make footprint`."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from loadtest.clusterconf import (
    Node,
    haproxy_config,
    node_processes,
    parse_stat,
    private_kib,
    process_rss_kib,
    process_table,
    rate,
)

NODES = [
    Node("a", "10.77.1.1", "10.77.1.2", direct_port=8091),
    Node("b", "10.77.2.1", "10.77.2.2", direct_port=8092),
]


def _sections(config: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in config.splitlines():
        if line and not line.startswith(" "):
            current = line
            sections[current] = []
        elif line.strip():
            sections[current].append(line.strip())
    return sections


def test_haproxy_config_balances_over_every_node_with_a_readiness_check(tmp_path: Path) -> None:
    sections = _sections(haproxy_config(nodes=NODES, front_port=8090, stats_socket=tmp_path / "s.sock"))
    assert "bind 127.0.0.1:8090" in sections["frontend web"]
    backend = sections["backend app"]
    assert "balance roundrobin" in backend
    assert "http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1" in backend
    assert "server a 10.77.1.2:8000 check" in backend
    assert "server b 10.77.2.2:8000 check" in backend
    assert f"stats socket {tmp_path / 's.sock'} mode 600 level admin" in sections["global"]
    assert "option redispatch 1" in sections["defaults"]


def test_haproxy_config_direct_listeners_and_forwards_per_node(tmp_path: Path) -> None:
    sections = _sections(
        haproxy_config(nodes=NODES, front_port=8090, stats_socket=tmp_path / "s.sock", redis=("127.0.0.1", 6380))
    )
    assert sections["listen direct_b"] == ["bind 127.0.0.1:8092", "server b 10.77.2.2:8000"]
    assert "bind 10.77.1.1:5432" in sections["listen postgres_a"]
    assert "server postgres 127.0.0.1:5432" in sections["listen postgres_a"]
    assert "mode tcp" in sections["listen redis_b"]
    assert "bind 10.77.2.1:6380" in sections["listen redis_b"]
    assert "server redis 127.0.0.1:6380" in sections["listen redis_b"]
    assert not any(name.startswith("listen direct") for name in _sections(
        haproxy_config(nodes=[Node("c", "10.0.0.1", "10.0.0.2")], front_port=1, stats_socket=tmp_path / "t")
    ))  # fmt: skip


def test_haproxy_config_needs_a_node(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        haproxy_config(nodes=[], front_port=8090, stats_socket=tmp_path / "s.sock")


@pytest.mark.skipif(not shutil.which("haproxy"), reason="HAProxy (Debian package) is not installed")
def test_haproxy_accepts_the_config(tmp_path: Path) -> None:
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(nodes=NODES, front_port=8090, stats_socket=tmp_path / "s.sock"))
    done = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_parse_stat() -> None:
    text = (
        "# pxname,svname,qcur,scur,stot,status,\nweb,FRONTEND,,3,120,OPEN,\napp,a,0,2,60,UP,\napp,b,0,1,60,DOWN 1/2,\n"
    )
    stat = parse_stat(text)
    assert stat[("app", "b")]["status"] == "DOWN 1/2"
    assert stat[("web", "FRONTEND")]["stot"] == "120"
    with pytest.raises(ValueError):
        parse_stat("Unknown command\n")


def test_process_rss_kib() -> None:
    assert process_rss_kib("Name:\tpython\nVmRSS:\t  123456 kB\nThreads: 1\n") == 123456
    assert process_rss_kib("Name:\tzombie\n") == 0


def test_node_processes_sorts_one_process_group_by_role() -> None:
    table = {
        10: (1, 10, "bash scripts/serve-prod.sh", 3000),
        11: (10, 10, "python manage.py db_worker --queue-name *", 90000),
        12: (10, 10, ".venv/bin/python .venv/bin/gunicorn coachcare.wsgi:application", 80000),
        13: (12, 10, ".venv/bin/python .venv/bin/gunicorn coachcare.wsgi:application", 95000),
        14: (12, 10, ".venv/bin/python .venv/bin/gunicorn coachcare.wsgi:application", 97000),
        20: (1, 20, ".venv/bin/python .venv/bin/gunicorn other", 50000),
    }
    roles = node_processes(table, pgid=10)
    assert roles["gunicorn master"] == [(12, 80000)]
    assert sorted(roles["gunicorn worker"]) == [(13, 95000), (14, 97000)]
    assert roles["task worker"] == [(11, 90000)]


def test_process_table_and_private_memory_of_this_process() -> None:
    table = process_table()
    parent, group, _command, rss = table[os.getpid()]
    assert parent == os.getppid() and group == os.getpgrp() and rss > 0
    assert 0 < private_kib(os.getpid()) <= rss
    assert private_kib(2**22 + 1) == 0  # no such process


def test_rate() -> None:
    samples = [(0.0, 0), (1.0, 10), (2.0, 30), (3.0, 60), (4.0, 60)]
    assert rate(samples, 1.0, 3.0) == 25.0
    assert rate(samples, 3.5, 4.0) == 0.0  # one sample: no rate
    assert rate(samples, 3.0, 4.0) == 0.0  # nothing happened
