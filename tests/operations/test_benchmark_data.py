"""The data the declaration benchmark (and the fault test that reuses it) generates is valid for the
current models: a model change that the benchmark's bulk inserts miss fails here, not in a 150,000-row
run on a national database."""

import datetime
import importlib.util
import os
from pathlib import Path

import pytest
from django.db.models import F

from coachcare.trajectories.models import ModuleRun, Trajectory

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_declarations.py"


@pytest.mark.django_db
def test_declaration_benchmark_generates_valid_rows() -> None:
    spec = importlib.util.spec_from_file_location("bench_declarations", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    environment = dict(os.environ)
    try:
        spec.loader.exec_module(bench)  # as a script it sets DEBUG and the settings module by default
    finally:
        os.environ.clear()
        os.environ.update(environment)  # later tests start subprocesses with this environment
    first, last = datetime.date(2025, 6, 1), datetime.date(2025, 6, 30)
    bench.generate(modules=12, municipalities=2, providers=1, first=first, last=last)
    assert Trajectory.objects.count() == 12
    assert not Trajectory.objects.exclude(municipality_id=F("client__municipality_id")).exists()
    assert ModuleRun.objects.filter(finished_on__range=(first, last)).count() == 12
