import pytest

from tests.trajectories.conftest import contracted  # noqa: F401  (fixture)
from tests.trajectories.test_move import moving  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _english_ui(settings) -> None:  # type: ignore[no-untyped-def]
    """These tests read English UI text; the Dutch default is covered by tests/core and the browser tests."""
    settings.LANGUAGE_CODE = "en"
