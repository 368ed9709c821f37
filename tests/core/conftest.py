"""The URL walk's data (``tests/core/url_walk.py``): a client file with every kind of content."""

from pathlib import Path

import pytest
import weasyprint

from tests.conftest import World
from tests.core.url_walk import WalkData, build_walk_data


@pytest.fixture
def walk(world: World, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WalkData:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    # The walk checks what every page does (access, log, headers, errors), not how a PDF looks:
    # WeasyPrint's layout (seconds per page) is left out. The PDFs are tested in their own apps.
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.7\n% walk\n")
    return build_walk_data(world)
