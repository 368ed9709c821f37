"""A real OpenID Connect provider for tests: oidc-provider-mock, started as its own process.

The test talks to it over HTTP like a DigiD broker: ``provider.set_user(sub, claims)`` decides what
the next login of ``sub`` asserts (BSN, level of assurance), ``provider.authorize(url, sub)`` is the
person clicking "Authorize" at the broker and returns where the broker sends the browser back.
"""

import dataclasses
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import requests

_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@dataclasses.dataclass(frozen=True)
class OidcProvider:
    url: str
    process: subprocess.Popen[bytes]

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        response = requests.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, sub: str) -> str:
        """Submit the provider's authorization form as ``sub``; the redirect back to the client."""
        assert authorization_url.startswith(f"{self.url}/oauth2/authorize?"), authorization_url
        response = requests.post(authorization_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def deny(self, authorization_url: str) -> str:
        response = requests.post(authorization_url, data={"action": "deny"}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def _oidc_provider_mock_command() -> list[str]:
    script = Path(sys.executable).with_name("oidc-provider-mock")
    if script.exists():
        return [str(script)]
    found = shutil.which("oidc-provider-mock")
    assert found, "oidc-provider-mock is not installed (requirements/dev.txt)"
    return [found]


@contextmanager
def oidc_provider_running(*, startup_seconds: float = 20) -> Iterator[OidcProvider]:
    """Start oidc-provider-mock on 127.0.0.1 on a free port (port 0: the OS picks), nonces required."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*_oidc_provider_mock_command(), "--host", "127.0.0.1", "--port", "0", "--require-nonce"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        )
        try:
            url = _wait_until_listening(process, log, startup_seconds)
            requests.get(f"{url}/.well-known/openid-configuration", timeout=10).raise_for_status()
            yield OidcProvider(url=url, process=process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], log: IO[bytes], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log.seek(0)
        output = log.read().decode(errors="replace")
        found = _LISTENING.search(output)
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider-mock exited ({process.returncode}):\n{output}")
        time.sleep(0.05)
    raise RuntimeError("oidc-provider-mock did not start in time")
