#!/usr/bin/env bash
# Production run on this machine: PostgreSQL, gunicorn with several workers, a separate
# django.tasks worker, static files from WhiteNoise (compressed, cache-busted). See docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
ENV_FILE=${ENV_FILE:-var/prod.env}
mkdir -p var
if [ ! -f "$ENV_FILE" ]; then
  # Local keys, made once. A real deployment sets these in its own secret store.
  "$VENV/bin/python" - > "$ENV_FILE" <<'PY'
import secrets
from cryptography.fernet import Fernet
print("DJANGO_SETTINGS_MODULE=coachcare.conf.production")
print(f"SECRET_KEY={secrets.token_urlsafe(64)}")
print(f"COACHCARE_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
print(f"COACHCARE_HASH_KEY={secrets.token_urlsafe(32)}")
print("DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachcare")
print("ALLOWED_HOSTS=127.0.0.1,localhost")
print("# Local run without TLS on 127.0.0.1 only; never in a real deployment:")
print("SECURE_SSL_REDIRECT=false")
print("SESSION_COOKIE_SECURE=false")
print("CSRF_COOKIE_SECURE=false")
print("SECURE_HSTS_SECONDS=0")
print("TASKS_BACKEND=django_tasks_db.DatabaseBackend")
PY
  chmod 600 "$ENV_FILE"
  echo "Wrote $ENV_FILE (local keys)."
fi
# The file's values are defaults: a variable already set in the environment wins, so
# `DATABASE_URL=postgres://.../other make serve-prod` serves another database with the same keys.
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  name=${line%%=*}
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
  if [ -z "${!name+x}" ]; then export "$line"; fi
done < "$ENV_FILE"
WORKERS=${WEB_CONCURRENCY:-$(( $(nproc) * 2 + 1 ))}
PORT=${PORT:-8000}
# 127.0.0.1 by default; `make cluster-test` binds each node to its network namespace's address.
BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}
ACCESS_LOG=${ACCESS_LOG:--}
# Workers are recycled after this many requests (a leak cannot grow for ever); with --preload a new
# worker is a fork of the loaded app, so recycling costs little.
MAX_REQUESTS=${GUNICORN_MAX_REQUESTS:-20000}
"$VENV/bin/python" manage.py migrate --noinput
# collectstatic post-processes every file on every run (content hashes, gzip and Brotli): it was most
# of the start-up time (docs/performance.md). Skip it when the static sources and the installed
# packages (their names carry their versions) are those of the last collection; COLLECTSTATIC=always
# forces it.
STATIC_DIR=${STATIC_ROOT:-var/static}
STATIC_STAMP=$( { find src -path '*/static/*' -type f -printf '%P %s %T@\n' | sort; ls "$VENV"/lib/python*/site-packages; } \
  | sha256sum | cut -d' ' -f1)
if [ "${COLLECTSTATIC:-}" = always ] || [ ! -f "$STATIC_DIR/staticfiles.json" ] \
  || [ "$(cat "$STATIC_DIR/.collected" 2>/dev/null)" != "$STATIC_STAMP" ]; then
  "$VENV/bin/python" manage.py collectstatic --noinput -v0
  echo "$STATIC_STAMP" > "$STATIC_DIR/.collected"
fi
# The daily retention job (Jeugdwet 7.3.8) is a task that queues its own next run; make sure one
# run is queued (idempotent: a run already waiting is left alone). See docs/operations.md.
"$VENV/bin/python" manage.py retention_schedule
# The daily "something is waiting for you" reminder queues its own next run the same way.
"$VENV/bin/python" manage.py reminders_schedule
# The task worker first requeues tasks of a worker that died (scripts/task-worker.sh).
bash scripts/task-worker.sh &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "coachcare on http://$BIND_ADDRESS:$PORT with $WORKERS gunicorn workers and one task worker (pid $WORKER)"
"$VENV/bin/gunicorn" coachcare.wsgi:application --config scripts/gunicorn.conf.py --pythonpath src --bind "$BIND_ADDRESS:$PORT" \
  --workers "$WORKERS" --preload --max-requests "$MAX_REQUESTS" --max-requests-jitter $(( MAX_REQUESTS / 10 )) \
  --timeout 30 --access-logfile "$ACCESS_LOG" &
GUNICORN=$!
trap 'kill $WORKER $GUNICORN 2>/dev/null || true' EXIT INT TERM
wait $GUNICORN
