"""Gunicorn hooks for ``scripts/serve-prod.sh`` (its command-line flags set workers, port and logs).

Garbage collection: with ``--preload`` the master imports Django, every app, the URL conf and the
templates' code before forking; the workers share those objects. ``gc.freeze()`` in each new worker
moves them to a permanent generation that collections no longer walk: a full collection then scans
only what the worker allocated itself (less CPU per request, and the shared pages are not written to
by the collector, so they stay shared). The young-generation threshold is raised because a page
builds thousands of short-lived objects (model instances, template nodes' contexts), which
reference counting frees anyway; at the default (2,000 allocations) the collector would run several
times per request for nothing. Override with ``GC_THRESHOLD`` (three integers, e.g. ``700,10,10``).
"""

import gc
import os
from typing import Any

GC_THRESHOLD = tuple(int(part) for part in os.environ.get("GC_THRESHOLD", "20000,20,20").split(","))


def post_fork(server: Any, worker: Any) -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
