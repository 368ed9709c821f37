from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    """Also guards against migrations that depend on set order (hash seed) and so flap between runs."""
    out = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
