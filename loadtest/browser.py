"""A minimal browser for scripts (standard library only): cookies, CSRF tokens, login with TOTP.

Used by ``loadtest/faults.py`` and for probing single pages; only ever talks to 127.0.0.1.
"""

import base64
import hashlib
import hmac
import http.client
import http.cookiejar
import re
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(secret: str, *, at: float | None = None, step: int = 30) -> str:
    """RFC 6238 TOTP (HMAC-SHA1, 6 digits), the django-otp TOTPDevice defaults."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    seconds: float


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    def __init__(self, base: str, *, timeout: float = 15) -> None:
        parts = urllib.parse.urlsplit(base)
        if parts.hostname != "127.0.0.1":
            raise ValueError("Scripts only talk to http://127.0.0.1.")
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})  # noqa: S310
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8", "replace")
                return Answer(response.status, text, dict(response.headers), time.monotonic() - started)
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            return Answer(error.code, text, dict(error.headers or {}), time.monotonic() - started)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            return Answer(0, f"{type(error).__name__}: {error}", {}, time.monotonic() - started)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict[str, str], page: str = "") -> Answer:
        """POST a form with the CSRF token of ``page`` (or of a fresh GET of ``path``)."""
        html = page or self.get(path).body
        found = CSRF_INPUT.search(html)
        return self.request("POST", path, {**fields, "csrfmiddlewaretoken": found.group(1) if found else ""})

    def log_in(self, username: str, password: str, *, totp_secret: str | None = None) -> bool:
        answer = self.post_form("/accounts/login/", {"username": username, "password": password})
        if answer.status != 302:
            return False
        if totp_secret is None:
            return True
        return self.post_form("/accounts/verify/", {"token": totp(totp_secret)}).status == 302
