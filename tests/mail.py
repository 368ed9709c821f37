"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, with Django pointed at it.

``smtp_server`` starts the server, points ``MAILERS["default"]`` at it through the same ``EMAIL_URL``
parser the settings use (``smtp://127.0.0.1:<port>``) and yields an ``SmtpInbox`` that reads what the
server received: the message as it crossed the wire, parsed with the standard library.
"""

import dataclasses
import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from coachcare.conf.env import mailer_config


@dataclasses.dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "no text/plain part"
        return str(part.get_content())

    def link(self) -> str:
        """The one http(s) link in the body."""
        links = re.findall(r"https?://\S+", self.body)
        assert len(links) == 1, links
        return str(links[0])


class _Handler:
    def __init__(self, inbox: "SmtpInbox") -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd calls handle_<SMTP verb>)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.inbox.lock:
            self.inbox.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclasses.dataclass
class SmtpInbox:
    port: int
    messages: list[Received] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def wait_for(self, count: int = 1, *, timeout: float = 5.0) -> list[Received]:
        """The first ``count`` messages, waiting up to ``timeout`` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s), the SMTP server received {len(self.messages)}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox(port=_free_port())
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        with override_settings(MAILERS={"default": mailer_config(f"smtp://127.0.0.1:{inbox.port}?timeout=5")}):
            yield inbox
    finally:
        controller.stop()
