"""Accounts for the load test (``make loadtest``, ``docs/performance.md``) on a synthetic database.

Synthetic accounts cannot log in (unusable passwords) and professionals need a second factor, so
``loadtest_accounts_prepare`` picks ``users`` accounts per role from the synthetic population and
gives each a password and a confirmed TOTP device, both random for this run and written only to a
file of mode 600 that the Locust file reads:

- coaches with a caseload (the lowest ids, so a rerun picks the same ones);
- young people with an account; where there are not enough, accounts are created for clients in
  the caseloads of those coaches (``load-jongere-<client id>``, preferring a running module) and
  linked to the client (as ``seed_demo`` links its young people), and each
  gets a youth thread with a conversation (older messages, already notified: no e-mails);
- policy staff (gemeente-beleid) of the municipality with the most residents, created if absent
  (``load-beleid-<code>-<n>``);
- API tokens (one day) for the same coaches: the API user class acts as a provider's planning system.

Never on a production system: the command refuses unless DEBUG is on or ``--force`` is given.
"""

import base64
import dataclasses
import datetime
import json
import os
import secrets
from pathlib import Path
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from coachcare.accounts.models import Role, User
from coachcare.accounts.services import identity_forget, totp_device_set
from coachcare.api.models import ApiToken
from coachcare.api.services import api_token_create, api_token_revoke
from coachcare.audit.services import AccessPoint
from coachcare.clients.models import Client
from coachcare.messaging.models import Message, Thread
from coachcare.messaging.services import thread_for
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import Trajectory

TOKEN_NAME = "loadtest"
YOUTH_PREFIX = "load-jongere-"
POLICY_PREFIX = "load-beleid-"
#: Client files per coach the Locust coach opens (from their own caseload).
CLIENTS_PER_COACH = 20
#: Messages in every load-test youth thread before the test starts (a conversation of some weeks).
MESSAGES_PER_THREAD = 30


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoadtestAccounts:
    password: str
    totp_secret: str
    coaches: list[dict[str, Any]]
    youths: list[dict[str, Any]]
    policy: list[dict[str, Any]]
    api: list[dict[str, Any]]
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"created_at": timezone.now().isoformat()}


def _random_base32_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _credentials_set(*, users: list[User], password_hash: str, totp_secret: str) -> None:
    """The run's password (one hash for all) and a fresh TOTP device with the run's secret."""
    User.objects.filter(pk__in=[user.pk for user in users]).update(password=password_hash, is_active=True)
    identity_forget(user_ids=[user.pk for user in users])  # update() bypasses save(): no receiver hears it
    for user in users:
        if user.is_professional:
            totp_device_set(user=user, base32_secret=totp_secret)
    for user in users:  # a lock-out left by an earlier, failed run would refuse every login
        axes_reset(username=user.username)


def _coaches(*, count: int) -> list[User]:
    return list(
        User.objects.filter(role=Role.COACH, is_active=True, team__isnull=False)
        .filter(Exists(Client.objects.filter(coach=OuterRef("pk"))))
        .order_by("pk")[:count]
    )


def _youth_clients(*, coaches: list[User], count: int, password_hash: str) -> list[Client]:
    """Clients with an account in these caseloads, topped up with new accounts, spread over the coaches."""
    linked = list(
        Client.objects.filter(coach__in=coaches, user__isnull=False, user__is_active=True)
        .select_related("user", "coach")
        .order_by("pk")[:count]
    )
    missing = count - len(linked)
    if missing <= 0:
        return linked
    running = Trajectory.objects.filter(client=OuterRef("pk"), status="module_running")
    per_coach = max(1, -(-missing // max(1, len(coaches))))
    candidates: list[Client] = []
    for coach in coaches:
        candidates += list(
            Client.objects.filter(coach=coach, user__isnull=True)
            .annotate(running=Exists(running))
            .order_by("-running", "pk")[:per_coach]
        )
    picked = candidates[:missing]
    accounts = User.objects.bulk_create(
        User(
            username=f"{YOUTH_PREFIX}{client.pk}",
            role=Role.JONGERE,
            first_name=client.given_name,
            last_name=client.family_name,
            password=password_hash,
        )
        for client in picked
    )
    created: list[Client] = []
    for client, account in zip(picked, accounts, strict=True):
        if Client.objects.filter(pk=client.pk, user__isnull=True).update(user=account):
            client.user = account
            created.append(client)
    return linked + created


def _youth_thread(*, client: Client, access_point: AccessPoint) -> Thread:
    coach = client.coach
    assert coach is not None and client.user is not None
    thread = thread_for(actor=coach, client=client, kind=Thread.Kind.YOUTH, access_point=access_point)
    have = thread.thread_messages.count()
    if have < MESSAGES_PER_THREAD:
        now = timezone.now()
        Message.objects.bulk_create(
            Message(
                thread=thread,
                author=coach if index % 2 == 0 else client.user,
                body=f"Bericht {index + 1} in het gesprek (load test).",
                created_at=now - datetime.timedelta(hours=6 * (MESSAGES_PER_THREAD - index)),
                notified_at=now,
            )
            for index in range(have, MESSAGES_PER_THREAD)
        )
    return thread


def _largest_municipality() -> Municipality:
    row = Client.objects.values("municipality_id").annotate(n=Count("id")).order_by("-n", "municipality_id").first()
    if row is None:
        raise ValueError("The database has no young people: generate a population first.")
    return Municipality.objects.get(pk=row["municipality_id"])


def _policy_staff(*, municipality: Municipality, count: int, password_hash: str) -> list[User]:
    staff = list(
        User.objects.filter(role=Role.GEMEENTE_BELEID, municipality=municipality, is_active=True).order_by("pk")[:count]
    )
    taken = set(User.objects.filter(username__startswith=POLICY_PREFIX).values_list("username", flat=True))
    names = (f"{POLICY_PREFIX}{municipality.code}-{number}" for number in range(1, 10 * count + len(taken) + 2))
    missing = [name for name in names if name not in taken][: max(0, count - len(staff))]
    staff += User.objects.bulk_create(
        User(
            username=name,
            role=Role.GEMEENTE_BELEID,
            first_name="Load",
            last_name=name.rsplit("-", 1)[-1],
            municipality=municipality,
            password=password_hash,
        )
        for name in missing
    )
    return staff


def _api_tokens(*, coaches: list[User]) -> list[str]:
    for token in ApiToken.objects.filter(user__in=coaches, name=TOKEN_NAME, revoked_at__isnull=True):
        api_token_revoke(prefix=token.prefix)
    return [api_token_create(user=coach, name=TOKEN_NAME, days=1).raw for coach in coaches]


def _data_size() -> dict[str, Any]:
    size: dict[str, Any] = {
        "vendor": connection.vendor,
        "database": str(connection.settings_dict.get("NAME", "")),
        "young_people": Client.objects.count(),
        "coaches": User.objects.filter(role=Role.COACH).count(),
        "municipalities_with_residents": Client.objects.values("municipality_id").distinct().count(),
        "trajectories": Trajectory.objects.count(),
        "messages": Message.objects.count(),
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size["database_size"] = cursor.fetchone()[0]
    return size


@transaction.atomic
def loadtest_accounts_prepare(*, users: int) -> LoadtestAccounts:
    """``users`` accounts per role with a new random password and TOTP secret (see the module docstring)."""
    if users < 1:
        raise ValueError("At least one account per role.")
    password = secrets.token_urlsafe(18)
    totp_secret = _random_base32_secret()
    access_point = AccessPoint.command("loadtest_prepare")

    password_hash = make_password(password)  # once: hashing hundreds of passwords would take minutes

    coaches = _coaches(count=users)
    if not coaches:
        raise ValueError("No coach has a caseload: generate a population first (generate_population).")
    youth_clients = _youth_clients(coaches=coaches, count=users, password_hash=password_hash)
    municipality = _largest_municipality()
    policy_staff = _policy_staff(municipality=municipality, count=users, password_hash=password_hash)
    youth_users = [client.user for client in youth_clients if client.user is not None]
    _credentials_set(
        users=[*coaches, *youth_users, *policy_staff], password_hash=password_hash, totp_secret=totp_secret
    )

    threads = {client.pk: _youth_thread(client=client, access_point=access_point) for client in youth_clients}
    threads_of_coach: dict[int, list[str]] = {}
    for client in youth_clients:
        threads_of_coach.setdefault(int(client.coach_id or 0), []).append(str(threads[client.pk].public_id))
    coach_rows = []
    for coach in coaches:
        clients = list(
            Client.objects.filter(coach=coach).order_by("family_name", "given_name", "id")[:CLIENTS_PER_COACH]
        )
        trajectories = Trajectory.objects.filter(client__in=clients).values_list("public_id", flat=True)
        coach_rows.append(
            {
                "username": coach.username,
                "clients": [str(client.public_id) for client in clients],
                "trajectories": [str(public_id) for public_id in trajectories],
                "threads": threads_of_coach.get(coach.pk, []),
            }
        )
    tokens = _api_tokens(coaches=coaches)
    return LoadtestAccounts(
        password=password,
        totp_secret=totp_secret,
        coaches=coach_rows,
        youths=[
            {"username": client.user.username, "thread": str(threads[client.pk].public_id)}
            for client in youth_clients
            if client.user is not None
        ],
        policy=[{"username": user.username, "municipality": municipality.code} for user in policy_staff],
        api=[{"token": token, **row} for token, row in zip(tokens, coach_rows, strict=True)],
        data=_data_size() | {"largest_municipality": municipality.code},
    )


def loadtest_accounts_write(*, accounts: LoadtestAccounts, path: Path) -> None:
    """Write the accounts file readable by its owner only (mode 600): it holds passwords and tokens."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        json.dump(accounts.as_json(), handle, indent=1)
        handle.write("\n")
