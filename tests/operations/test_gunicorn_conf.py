"""scripts/gunicorn.conf.py: each new worker freezes the preloaded app and sets the collector's thresholds."""

import gc
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "scripts" / "gunicorn.conf.py"


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_post_fork_freezes_and_sets_thresholds(collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GC_THRESHOLD", "12345,7,3")
    hooks = runpy.run_path(str(CONF))
    hooks["post_fork"](server=None, worker=None)
    assert gc.get_threshold() == (12345, 7, 3)
    assert gc.get_freeze_count() > 0  # the objects loaded before the fork are out of the collector's way


def test_default_thresholds(collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GC_THRESHOLD", raising=False)
    hooks = runpy.run_path(str(CONF))
    assert hooks["GC_THRESHOLD"] == (20000, 20, 20)
