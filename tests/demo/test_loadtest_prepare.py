"""loadtest_prepare: accounts per role with a known password, TOTP secret and tokens, in a mode-600 file."""

import json
import stat
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from loadtest.browser import totp

from coachcare.accounts.models import Role, User
from coachcare.api.services import api_token_authenticate
from coachcare.clients.models import Client
from coachcare.messaging.models import Thread
from tests.conftest import World

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_refuses_with_debug_off_unless_forced(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("loadtest_prepare", "--users", "2", "--out", str(tmp_path / "accounts.json"))
    assert not (tmp_path / "accounts.json").exists()


@override_settings(DEBUG=False, AXES_ENABLED=False)
def test_accounts_per_role_in_a_private_file(world: World, tmp_path: Path) -> None:
    out = tmp_path / "accounts.json"
    call_command("loadtest_prepare", "--users", "3", "--out", str(out), "--force")

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    accounts = json.loads(out.read_text())
    password, secret = accounts["password"], accounts["totp_secret"]
    request = RequestFactory().post("/accounts/login/")

    # Coaches with a caseload, each with client files from their own caseload.
    assert [row["username"] for row in accounts["coaches"]] == ["coach", "colleague", "coach_other_team"]
    for row in accounts["coaches"]:
        coach = User.objects.get(username=row["username"])
        assert authenticate(request, username=coach.username, password=password) == coach
        device = TOTPDevice.objects.get(user=coach, confirmed=True)
        assert device.verify_token(totp(secret))  # the code the Locust file computes is accepted
        assert row["clients"]
        assert set(Client.objects.filter(public_id__in=row["clients"]).values_list("coach", flat=True)) == {coach.pk}

    # Young people: the existing accounts, and one new account linked to a client of the chosen coaches.
    youths = {row["username"] for row in accounts["youths"]}
    assert {"jongere", "jongere_other"} <= youths and len(youths) == 3
    (created,) = youths - {"jongere", "jongere_other"}
    assert Client.objects.get(user__username=created).coach == world.colleague
    for row in accounts["youths"]:
        youth = User.objects.get(username=row["username"])
        assert youth.role == Role.JONGERE
        assert authenticate(request, username=youth.username, password=password) == youth
        thread = Thread.objects.get(public_id=row["thread"])
        assert thread.client.user == youth and thread.kind == Thread.Kind.YOUTH
        assert thread.thread_messages.count() >= 30

    # Policy staff of the municipality with the most residents (Utrecht: 2 of the 3), topped up to 3.
    assert {row["municipality"] for row in accounts["policy"]} == {"0344"}
    assert len(accounts["policy"]) == 3 and "beleid" in {row["username"] for row in accounts["policy"]}
    for row in accounts["policy"]:
        officer = User.objects.get(username=row["username"])
        assert officer.role == Role.GEMEENTE_BELEID and officer.municipality == world.municipality_a
        assert TOTPDevice.objects.get(user=officer, confirmed=True).verify_token(totp(secret))

    # One API token per coach; they work.
    assert [api_token_authenticate(raw=row["token"]) for row in accounts["api"]] == [
        User.objects.get(username=row["username"]) for row in accounts["coaches"]
    ]
    assert accounts["data"]["young_people"] == 3


@override_settings(DEBUG=True)
def test_a_second_run_reuses_the_accounts_and_revokes_old_tokens(world: World, tmp_path: Path) -> None:
    call_command("loadtest_prepare", "--users", "3", "--out", str(tmp_path / "first.json"))
    users = User.objects.count()
    first = json.loads((tmp_path / "first.json").read_text())
    call_command("loadtest_prepare", "--users", "3", "--out", str(tmp_path / "second.json"))
    second = json.loads((tmp_path / "second.json").read_text())
    assert User.objects.count() == users
    assert {row["username"] for row in second["youths"]} == {row["username"] for row in first["youths"]}
    assert second["password"] != first["password"]
    assert api_token_authenticate(raw=first["api"][0]["token"]) is None
    assert api_token_authenticate(raw=second["api"][0]["token"]) is not None
    assert Thread.objects.filter(kind=Thread.Kind.YOUTH).count() == 3
