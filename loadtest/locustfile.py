"""Load test of the production run (``make loadtest``; docs/performance.md).

Four kinds of user, in the proportions of a working day (weights below):

- coach (8): logs in with password and TOTP; the caseload, client files of their own clients, the
  inbox, a thread with the coach's poll for new messages, the coaching overview; now and then a reply;
- young person (8): logs in; the portal, the module, the inbox, their thread with its poll
  (htmx, every 3 s while the thread is open), and now and then a message;
- municipality policy officer (1): logs in with TOTP; the municipality dashboard and the start page,
  at a fifth of the pace (a dashboard is read, not clicked through);
- API client (3): a provider's planning system with a bearer token: REST lists and details, FHIR.

Each simulated user stands in for many people: the pace is set by ``LOAD_RPS`` (the offered load
in requests per second over all users, default 220), so the run measures the server at a known load
rather than at whatever load its own latency allows. Accounts, the password, the TOTP secret and
tokens come from ``LOADTEST_ACCOUNTS`` (default ``var/loadtest-accounts.json``, written by
``manage.py loadtest_prepare``); TOTP codes are computed here (RFC 6238, as django-otp checks them).

Steady state: once every user has logged in, and ``LOAD_SETTLE`` seconds (default 15) later, the
statistics are reset and the measured part runs for ``LOAD_MEASURE_SECONDS``; so the figures cover
the steady load, not the ramp-up, whose logins (password hashing costs much CPU by design) are
reported separately: at the reset their figures are written to ``LOAD_LOGIN_STATS`` (JSON), which
also tells ``loadtest/run.py`` that the measured part has begun.

``LOAD_MIX`` chooses what the users do: ``day`` (default) the working day above; the two others
measure the ceiling of this machine and stack, not the target: ``ceiling-poll``, young people
who only poll their open thread (with nothing new: the cheapest signed-in request of the day's
mix, through the whole middleware, session and user lookup) and ``ceiling-health``, ``/healthz``
only (the middleware, no session, no database).

Safety: only ``http://127.0.0.1:<port>`` is accepted as host, and the run stops by itself after
``--run-time`` or, without one, after ``LOAD_MAX_SECONDS`` (default 1800).
"""

import itertools
import json
import os
import random
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust.runners import Runner

from browser import totp  # loadtest/browser.py (Locust puts this file's folder on sys.path)

ALLOWED_HOST = "127.0.0.1"
ACCOUNTS_FILE = Path(os.environ.get("LOADTEST_ACCOUNTS", "var/loadtest-accounts.json"))
OFFERED_RPS = float(os.environ.get("LOAD_RPS", "220"))
MAX_SECONDS = int(os.environ.get("LOAD_MAX_SECONDS", "1800"))
SETTLE_SECONDS = float(os.environ.get("LOAD_SETTLE", "15"))
LOGIN_STATS = os.environ.get("LOAD_LOGIN_STATS", "")
MEASURE_SECONDS = int(os.environ.get("LOAD_MEASURE_SECONDS", "0"))  # 0: until --run-time
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
POLL_URL = re.compile(r'id="message-poll" hx-get="([^"]+)"')
TOTP_STEP = 30
# `make cluster-test`: every message whose POST was acknowledged (302) is appended here (its text), so
# the driver can check afterwards that no acknowledged write was lost.
WRITES_FILE = os.environ.get("LOAD_WRITES_FILE", "")
MIX = os.environ.get("LOAD_MIX", "day")
if MIX not in ("day", "ceiling-poll", "ceiling-health"):
    raise SystemExit(f"LOAD_MIX={MIX!r}: choose day, ceiling-poll or ceiling-health")
DAY = MIX == "day"


def _accounts() -> dict[str, Any]:
    if not ACCOUNTS_FILE.is_file():
        raise SystemExit(f"{ACCOUNTS_FILE} is missing: run `manage.py loadtest_prepare --force` (make loadtest does).")
    return json.loads(ACCOUNTS_FILE.read_text(encoding="utf-8"))


ACCOUNTS = _accounts()
_POOLS: dict[str, Iterator[dict[str, Any]]] = {
    kind: itertools.cycle(ACCOUNTS[kind]) for kind in ("coaches", "youths", "policy", "api") if ACCOUNTS[kind]
}
_LAST_TOTP_STEP: dict[str, int] = {}


def _next_account(kind: str) -> dict[str, Any]:
    if kind not in _POOLS:
        raise SystemExit(f"No {kind} in {ACCOUNTS_FILE}: run loadtest_prepare with more users.")
    return next(_POOLS[kind])


def _fresh_totp(username: str) -> str:
    """A code for a time step this account has not used yet (django-otp refuses a replayed step)."""
    while True:
        step = int(time.time()) // TOTP_STEP
        if step > _LAST_TOTP_STEP.get(username, -1):
            _LAST_TOTP_STEP[username] = step
            return totp(ACCOUNTS["totp_secret"], at=step * TOTP_STEP)
        gevent.sleep(TOTP_STEP - time.time() % TOTP_STEP + 0.1)


@events.init.add_listener
def _refuse_other_hosts(environment: Environment, **kwargs: Any) -> None:
    host = environment.host or ""
    parts = urlsplit(host)
    if parts.scheme != "http" or parts.hostname != ALLOWED_HOST or parts.path not in {"", "/"}:
        raise SystemExit(f"Refusing host {host!r}: the load test runs only against http://{ALLOWED_HOST}:<port>.")


@events.test_start.add_listener
def _stop_by_itself(environment: Environment, **kwargs: Any) -> None:
    runner: Runner | None = environment.runner
    if runner is not None:
        gevent.spawn_later(MAX_SECONDS, runner.quit)


def _start_measuring(environment: Environment) -> None:
    """Write the ramp-up's login figures, then reset the statistics: from here on it is steady load."""
    stats = environment.stats
    logins = [
        {
            "name": entry.name,
            "method": entry.method,
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "max": entry.max_response_time,
        }
        for entry in stats.entries.values()
        if entry.name.startswith("login:")
    ]
    if LOGIN_STATS:
        Path(LOGIN_STATS).write_text(json.dumps({"logins": logins, "started": time.time()}))
    stats.reset_all()


@events.spawning_complete.add_listener
def _measure_steady_state(user_count: int, **kwargs: Any) -> None:
    gevent.spawn(_after_logins, user_count)


def _after_logins(user_count: int) -> None:
    """Wait until every user has logged in (at most 5 minutes), let the load settle, then measure
    for ``LOAD_MEASURE_SECONDS`` and stop."""
    deadline = time.monotonic() + 300
    while len(_LOGGED_IN) < user_count and time.monotonic() < deadline:
        gevent.sleep(0.5)
    gevent.sleep(SETTLE_SECONDS)
    environment = _ENVIRONMENT[0]
    _start_measuring(environment)
    if MEASURE_SECONDS and environment.runner is not None:
        gevent.spawn_later(MEASURE_SECONDS, environment.runner.quit)


_ENVIRONMENT: list[Environment] = []
_LOGGED_IN: set[int] = set()


@events.init.add_listener
def _remember_environment(environment: Environment, **kwargs: Any) -> None:
    _ENVIRONMENT.append(environment)


class PacedUser(FastHttpUser):
    """A user whose tasks start at a steady pace: ``LOAD_RPS`` spread over all users (× ``pace``)."""

    abstract = True
    pace = 1.0  # multiple of the common interval between two tasks
    _last_start = 0.0
    thread_html = ""
    poll_url = ""

    def wait_time(self) -> float:
        users = max(1, int(getattr(self.environment.parsed_options, "num_users", 1) or 1))
        interval = users / OFFERED_RPS * self.pace * random.uniform(0.8, 1.2)
        now = time.monotonic()
        wait = max(0.0, self._last_start + interval - now)
        self._last_start = now + wait
        return wait

    def _csrf(self, html: str) -> str:
        found = CSRF_INPUT.search(html)
        return found.group(1) if found else ""

    def log_in(self, username: str, *, professional: bool) -> bool:
        page = self.client.get("/accounts/login/", name="login: form")
        response = self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": ACCOUNTS["password"],
                "csrfmiddlewaretoken": self._csrf(page.text or ""),
            },
            name="login: password",
            allow_redirects=False,
        )
        if response.status_code != 302:
            return False
        if not professional:
            return True
        verify = self.client.get("/accounts/verify/", name="login: TOTP form")
        with self.client.post(
            "/accounts/verify/",
            data={"token": _fresh_totp(username), "csrfmiddlewaretoken": self._csrf(verify.text or "")},
            name="login: TOTP",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"TOTP refused ({answer.status_code})")
                return False
        return True

    def sign_in(self, kind: str, *, professional: bool) -> bool:
        """Take the next ``kind`` account and log in with it; the measurement waits for every user
        to have tried, and a user whose login failed stops."""
        self.account = _next_account(kind)
        logged_in = self.log_in(self.account["username"], professional=professional)
        _LOGGED_IN.add(id(self))  # done trying: the measurement waits for every user
        if not logged_in:
            self.stop()
        return logged_in

    def get_page(self, url: str, name: str, *, empty_ok: bool = False) -> str:
        """GET one page, as a browser would; a redirect (to the login page) counts as a failure.

        ``empty_ok``: a 204 (the poll with nothing new) is an answer too.
        """
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code == 204 and empty_ok:
                return ""
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return ""
            return response.text or ""

    def open_thread(self, thread: str, name: str) -> None:
        """The thread page; remembers its form token and its poll URL (``?after=`` the last message)."""
        html = self.get_page(f"/messages/{thread}/", name)
        self.thread_html = html
        found = POLL_URL.search(html)
        self.poll_url = found.group(1).replace("&amp;", "&") if found else ""

    def poll(self) -> None:
        """The htmx poll of an open thread; a new message moves ``after`` forward (out-of-band poller)."""
        if self.poll_url:
            html = self.get_page(self.poll_url, "/messages/[thread]/new/ (poll)", empty_ok=True)
            if found := POLL_URL.search(html):
                self.poll_url = found.group(1).replace("&amp;", "&")

    def post_message(self, thread: str, name: str) -> None:
        """Post a message and follow the redirect back to the thread, as the browser does."""
        body = f"Loadtest-bericht {uuid.uuid4()}"
        with self.client.post(
            f"/messages/{thread}/",
            data={"body": body, "csrfmiddlewaretoken": self._csrf(self.thread_html)},
            name="/messages/[thread]/ POST",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        if WRITES_FILE:
            with open(WRITES_FILE, "a", encoding="utf-8") as writes:
                writes.write(body + "\n")
        self.open_thread(thread, name)


class Coach(PacedUser):
    abstract = not DAY
    weight = 8

    def on_start(self) -> None:
        self.thread_id = ""
        self.sign_in("coaches", professional=True)

    @task(4)
    def caseload(self) -> None:
        self.get_page("/", "/ (caseload)")

    @task(1)
    def caseload_page_2(self) -> None:
        self.get_page("/?page=2", "/?page=2 (caseload)")

    @task(4)
    def client_file(self) -> None:
        if self.account["clients"]:
            self.get_page(f"/clients/{random.choice(self.account['clients'])}/", "/clients/[id]/")

    @task(2)
    def inbox(self) -> None:
        self.get_page("/messages/", "/messages/ (coach)")

    @task(1)
    def overview(self) -> None:
        self.get_page("/portal/coach/", "/portal/coach/")

    @task(2)
    def thread(self) -> None:
        if self.account["threads"]:
            self.thread_id = random.choice(self.account["threads"])
            self.open_thread(self.thread_id, "/messages/[thread]/ (coach)")

    @task(3)
    def thread_poll(self) -> None:
        self.poll()

    @task(1)
    def reply(self) -> None:
        if self.thread_html and random.random() < 0.3:
            self.post_message(self.thread_id, "/messages/[thread]/ (coach)")


class YoungPerson(PacedUser):
    abstract = not DAY
    weight = 8

    def on_start(self) -> None:
        self.sign_in("youths", professional=False)

    @task(3)
    def portal(self) -> None:
        self.get_page("/portal/", "/portal/")

    @task(1)
    def module(self) -> None:
        self.get_page("/portal/module/", "/portal/module/")

    @task(1)
    def inbox(self) -> None:
        self.get_page("/messages/", "/messages/ (young person)")

    @task(2)
    def thread(self) -> None:
        self.open_thread(self.account["thread"], "/messages/[thread]/ (young person)")

    @task(5)
    def thread_poll(self) -> None:
        self.poll()

    @task(1)
    def write(self) -> None:
        if self.thread_html:
            self.post_message(self.account["thread"], "/messages/[thread]/ (young person)")


class PolicyOfficer(PacedUser):
    abstract = not DAY
    weight = 1
    pace = 5.0

    def on_start(self) -> None:
        self.sign_in("policy", professional=True)

    @task(3)
    def dashboard(self) -> None:
        self.get_page("/monitoring/municipality/", "/monitoring/municipality/")

    @task(1)
    def home(self) -> None:
        self.get_page("/", "/ (policy start page)")


class ApiClient(PacedUser):
    abstract = not DAY
    weight = 3

    def on_start(self) -> None:
        self.account = _next_account("api")
        self.headers = {"Authorization": f"Bearer {self.account['token']}", "Accept": "application/json"}
        _LOGGED_IN.add(id(self))

    def api_get(self, url: str, name: str) -> None:
        self.client.get(url, name=name, headers=self.headers)

    def _one(self, key: str) -> str | None:
        return random.choice(self.account[key]) if self.account[key] else None

    @task(2)
    def clients(self) -> None:
        self.api_get("/api/v1/clients?limit=25", "API /api/v1/clients")

    @task(2)
    def client(self) -> None:
        if client := self._one("clients"):
            self.api_get(f"/api/v1/clients/{client}", "API /api/v1/clients/[id]")

    @task(1)
    def trajectories(self) -> None:
        self.api_get("/api/v1/trajectories?limit=25", "API /api/v1/trajectories")

    @task(1)
    def trajectory(self) -> None:
        if trajectory := self._one("trajectories"):
            self.api_get(f"/api/v1/trajectories/{trajectory}", "API /api/v1/trajectories/[id]")

    @task(1)
    def module_runs(self) -> None:
        self.api_get("/api/v1/module-runs?limit=25", "API /api/v1/module-runs")

    @task(1)
    def threads(self) -> None:
        self.api_get("/api/v1/threads?limit=25", "API /api/v1/threads")

    @task(1)
    def thread_messages(self) -> None:
        if thread := self._one("threads"):
            self.api_get(f"/api/v1/threads/{thread}/messages?limit=25", "API /api/v1/threads/[id]/messages")

    @task(1)
    def appointments(self) -> None:
        self.api_get("/api/v1/appointments?limit=25", "API /api/v1/appointments")

    @task(1)
    def fhir_patient(self) -> None:
        if client := self._one("clients"):
            self.api_get(f"/fhir/r4/Patient/{client}", "FHIR /fhir/r4/Patient/[id]")

    @task(1)
    def fhir_tasks(self) -> None:
        if client := self._one("clients"):
            self.api_get(f"/fhir/r4/Task?patient={client}", "FHIR /fhir/r4/Task?patient=")


class PollingYoungPerson(PacedUser):
    """``LOAD_MIX=ceiling-poll``: logs in, opens their thread once, then only polls it."""

    abstract = MIX != "ceiling-poll"

    def on_start(self) -> None:
        if self.sign_in("youths", professional=False):
            self.open_thread(self.account["thread"], "/messages/[thread]/ (young person)")

    @task
    def thread_poll(self) -> None:
        self.poll()


class HealthProbe(PacedUser):
    """``LOAD_MIX=ceiling-health``: ``/healthz`` only."""

    abstract = MIX != "ceiling-health"

    def on_start(self) -> None:
        _LOGGED_IN.add(id(self))

    @task
    def healthz(self) -> None:
        self.get_page("/healthz", "/healthz")
