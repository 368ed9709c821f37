"""Test runs: fast hashing, immediate tasks, in-memory e-mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("COACHCARE_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWNvYWNoY2FyZS1rZXktMzItYnl0ZSE=")
os.environ.setdefault("COACHCARE_HASH_KEY", "test-only-hash-key")
os.environ.setdefault("COACHCARE_RESEARCH_KEY", "test-only-research-key")
os.environ.setdefault("EMAIL_URL", "locmem://")
# Tasks are recorded, not run: tests call the task functions themselves (deferred tasks need a
# backend that supports run_after; the immediate backend does not).
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.dummy.DummyBackend")

from coachcare.conf.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing directory
COACHCARE_FHIR_VALIDATE = True  # every FHIR resource is validated at run time in tests too

# One process: the identity cache is exercised by every test (accounts.identity).
IDENTITY_CACHE_SECONDS = 300
