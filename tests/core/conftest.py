"""The URL walk's data (``tests/core/url_walk.py``): a client file with every kind of content."""

from pathlib import Path

import pytest

from tests.conftest import World
from tests.core.url_walk import WalkData, build_walk_data


@pytest.fixture
def walk(world: World, settings, tmp_path: Path) -> WalkData:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_walk_data(world)
