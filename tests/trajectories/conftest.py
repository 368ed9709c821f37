from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_reasons() -> Iterator[None]:
    """The service tests match the reasons in English; the Dutch screens are tested through HTTP
    (where the locale middleware picks the language) and in the browser tests."""
    with translation.override("en"):
        yield
