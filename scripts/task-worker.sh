#!/usr/bin/env bash
# One background-task worker (django-tasks-db), as `make serve-prod` runs it. Before it starts, tasks
# left RUNNING by a worker that died (killed, out of memory) for longer than TASKS_STALE_AFTER seconds
# go back to the queue (manage.py tasks_requeue_stale; every task is idempotent). See docs/operations.md.
# Uses the environment as given (DJANGO_SETTINGS_MODULE, DATABASE_URL, keys): serve-prod.sh sets it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/python" manage.py tasks_requeue_stale --older-than "${TASKS_STALE_AFTER:-900}"
exec "$VENV/bin/python" manage.py db_worker --queue-name '*' --interval "${TASKS_WORKER_INTERVAL:-1}" \
  --worker-id "${TASKS_WORKER_ID:-$(hostname)-$$}"
