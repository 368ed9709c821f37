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
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
WORKERS=${WEB_CONCURRENCY:-$(( $(nproc) * 2 + 1 ))}
"$VENV/bin/python" manage.py migrate --noinput
"$VENV/bin/python" manage.py collectstatic --noinput -v0
"$VENV/bin/python" manage.py db_worker --queue-name '*' --interval 1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "coachcare on http://127.0.0.1:8000 with $WORKERS gunicorn workers and one task worker (pid $WORKER)"
"$VENV/bin/gunicorn" coachcare.wsgi:application --pythonpath src --bind 127.0.0.1:8000 \
  --workers "$WORKERS" --max-requests 2000 --max-requests-jitter 200 --timeout 30 --access-logfile - &
GUNICORN=$!
trap 'kill $WORKER $GUNICORN 2>/dev/null || true' EXIT INT TERM
wait $GUNICORN
