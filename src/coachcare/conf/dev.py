"""Local development and `make demo`: safe defaults so nothing needs configuring."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-secret-key-do-not-use-in-production")
# Development keys only; production must set its own (see docs/configuration.md).
os.environ.setdefault("COACHCARE_ENCRYPTION_KEYS", "ZGV2LW9ubHktY29hY2hjYXJlLWtleS0zMi1ieXRlcyE=")
os.environ.setdefault("COACHCARE_HASH_KEY", "dev-only-hash-key")
os.environ.setdefault("COACHCARE_RESEARCH_KEY", "dev-only-research-key")
os.environ.setdefault("EMAIL_URL", "console://")

from coachcare.conf.base import *  # noqa: F403
