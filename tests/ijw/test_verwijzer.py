"""JW315 Verwijzer: the legal referrer (JZ021) from the trajectory, round trip and the rules it can break."""

import dataclasses
import datetime
import pathlib

import pytest

from coachcare.audit.services import AccessPoint
from coachcare.ijw import services
from coachcare.ijw.codes import VERWIJZER_TYPE, VERWIJZER_TYPES
from coachcare.ijw.messages import AllocationRequest, Verwijzer
from coachcare.ijw.models import HeldMessage
from coachcare.ijw.validation import validate
from coachcare.ijw.xml import parse, render
from coachcare.trajectories.models import ReferralRoute, ReferrerKind, Trajectory
from tests.contracts.conftest import Contracted
from tests.contracts.factories import AllocationFactory
from tests.ijw import samples

pytestmark = pytest.mark.django_db
AP = AccessPoint.system("test")


def _request() -> AllocationRequest:
    [message] = [m for m in samples.all_messages() if isinstance(m, AllocationRequest)]
    return message


def _with_verwijzer(verwijzer: Verwijzer) -> AllocationRequest:
    message = _request()
    return dataclasses.replace(message, items=[dataclasses.replace(message.items[0], verwijzer=verwijzer)])


def test_every_referrer_kind_has_a_legal_jz021_code_and_no_other() -> None:
    assert set(VERWIJZER_TYPE) == set(ReferrerKind.values)
    assert set(VERWIJZER_TYPE.values()) == set(VERWIJZER_TYPES)
    assert not set(ReferralRoute.values) & set(ReferrerKind.values)  # school, wijkteam, ... are routes


@pytest.mark.parametrize("code", sorted(VERWIJZER_TYPES))
def test_jw315_with_verwijzer_round_trips(code: str) -> None:
    message = _with_verwijzer(Verwijzer(type=code, naam="J. de Vries" if code != "01" else ""))
    data = render(message)
    assert b"<Verwijzer>" in data or b":Verwijzer>" in data
    assert parse(data) == message
    assert validate(data) == []


@pytest.mark.parametrize("code", ["", "06", "07", "09", "school"])
def test_a_verwijzer_type_outside_jz021_is_refused(code: str) -> None:
    violations = validate(render(_with_verwijzer(Verwijzer(type=code))))
    assert [v.rule for v in violations] == ["XSD"]
    assert violations[0].path.startswith("/Bericht/Client/AangevraagdeProducten/AangevraagdProduct")
    assert violations[0].path.endswith("/Verwijzer/Type")


def test_a_verwijzer_name_longer_than_200_is_refused() -> None:
    violations = validate(_with_verwijzer(Verwijzer(type="02", naam="x" * 201)))
    assert [v.path for v in violations] == [
        "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]/Verwijzer/Naam"
    ]


def _trajectory(contracted: Contracted, *, kind: str, route: str = "", name: str = "") -> Trajectory:
    return Trajectory.objects.create(
        client=contracted.world.own,
        municipality_id=contracted.world.own.municipality_id,
        referrer_kind=kind,
        referral_route=route,
        referrer_name=name,
        referred_on=datetime.date(2025, 2, 1),
        method_version=contracted.modules[0].method_version,
    )


def _export_jw315(contracted: Contracted, out: pathlib.Path) -> tuple[list[pathlib.Path], services.ExportResult]:
    AllocationFactory.create(
        client=contracted.world.own,
        product=contracted.first,
        requested_at=datetime.datetime(2025, 2, 3, 10, tzinfo=datetime.UTC),
    )
    result = services.ijw_export(
        municipality=contracted.world.municipality_a, period="2025-02", out_dir=out, access_point=AP
    )
    return [path for path in result.files if path.name.startswith("446_")], result


@pytest.mark.parametrize(
    ("kind", "route", "code"),
    [("huisarts", "", "02"), ("gemeente", "school", "01"), ("gi", "", "04"), ("rechter", "", "08")],
)
def test_the_export_carries_the_trajectory_referrer(
    contracted: Contracted, tmp_path: pathlib.Path, kind: str, route: str, code: str
) -> None:
    _trajectory(contracted, kind=kind, route=route, name="Dr. Jansen" if kind == "huisarts" else "")
    [path], _ = _export_jw315(contracted, tmp_path)
    message = parse(path.read_bytes())
    assert isinstance(message, AllocationRequest)
    assert message.items[0].verwijzer == Verwijzer(type=code, naam="Dr. Jansen" if kind == "huisarts" else "")
    assert b"school" not in path.read_bytes()  # the route is ours; the municipality gets the legal referrer


def test_a_request_for_a_client_without_a_referrer_is_held(contracted: Contracted, tmp_path: pathlib.Path) -> None:
    files, result = _export_jw315(contracted, tmp_path)
    assert files == []
    held = HeldMessage.objects.get(berichtcode="446")
    assert held.violations == [["XSD", "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct/Verwijzer/Type"]]
    assert result.held
