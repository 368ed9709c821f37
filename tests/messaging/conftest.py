from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from coachcare.accounts.models import User
from coachcare.audit.services import AccessPoint
from coachcare.messaging import services
from coachcare.messaging.models import Message, Thread
from tests.conftest import World

POINT = AccessPoint(channel="web", address="127.0.0.1")

Login = Callable[[User], HttpClient]


@pytest.fixture(autouse=True)
def _media_root(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


@pytest.fixture
def youth_thread(world: World) -> Thread:
    return services.thread_for(actor=world.coach, client=world.own, kind=Thread.Kind.YOUTH)


@pytest.fixture
def parent_thread(world: World) -> Thread:
    return services.thread_for(actor=world.coach, client=world.own, kind=Thread.Kind.PARENT, parent=world.ouder)


def post(actor: User, thread: Thread, body: str) -> Message:
    return services.message_post(actor=actor, thread=thread, body=body, access_point=POINT)


@pytest.fixture(autouse=True)
def _english_ui(settings) -> None:  # type: ignore[no-untyped-def]
    """These tests read English UI text; the Dutch default is covered by tests/core and the browser tests."""
    settings.LANGUAGE_CODE = "en"
