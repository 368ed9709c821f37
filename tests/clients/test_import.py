"""``manage.py import_clients``: young people with family members, gezag and contact details from
a CSV file; all or nothing with line-numbered errors; idempotent by BSN."""

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from coachcare.access import policy
from coachcare.access.consent import consent_parties
from coachcare.audit.models import AccessLogEntry
from coachcare.clients.models import Client, GezagRelation
from coachcare.core.dates import today
from coachcare.demo.installers import method_demo_package_install
from tests.conftest import World
from tests.factories import birth_date_for_age

HEADER = (
    "bsn;given_name;family_name;birth_date;municipality;email;mobile;referrer_kind;"
    "carer1_kind;carer1_given_name;carer1_family_name;carer1_organisation_name;carer1_has_gezag;"
    "carer1_gezag_from;carer1_gezag_source;carer1_mobile;carer1_bsn;carer1_uses_portal;"
    "carer2_kind;carer2_given_name;carer2_family_name;carer2_has_gezag"
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The errors are matched in English here; one test checks the Dutch (the default language)."""
    with translation.override("en"):
        yield


def born(age: int) -> str:
    return birth_date_for_age(age, today()).strftime("%d-%m-%Y")


def write(tmp_path: Path, lines: list[str], *, name: str = "clients.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_clients", str(path), "--as", "coach", *args, stdout=out)
    return out.getvalue()


def good_lines() -> list[str]:
    return [
        HEADER,
        f"111222333;Fleur;Import;{born(15)};0344;fleur@voorbeeld.nl;06 12345678;;"
        f"mother;Ingrid;Import;;ja;{born(15)};Uittreksel gezagsregister;0687654321;;nee;"
        "father;Peter;Import;nee",
        f"123456782;Bram;Import;{born(13)};344;;;huisarts;"
        f"gi;;;Samen Veilig Midden-Nederland;ja;01-12-2026;Beschikking voogdij;;;nee;"
        ";;;",
        f"111222345;Noor;Import;{born(17)};0344;;;;;;;;;;;;;;;;;",
    ]


def test_imports_young_people_with_family_gezag_and_contact_details(world: World, tmp_path: Path) -> None:
    method_demo_package_install()
    output = run(write(tmp_path, good_lines()))

    assert "line 2 of 4: registered" in output and "line 4 of 4: registered" in output
    assert "3 rows: 3 registered, 0 already registered, 3 family members added" in output
    fleur = Client.objects.get(given_name="Fleur")
    assert (fleur.email, fleur.mobile, fleur.coach) == ("fleur@voorbeeld.nl", "+31612345678", world.coach)
    mother = fleur.gezag_relations.get(kind="mother")
    assert mother.mobile == "+31687654321" and policy.gezag_on(mother, today())
    assert not policy.gezag_on(fleur.gezag_relations.get(kind="father"), today())
    assert [c.kind for c in consent_parties(client=fleur, on=today()).carers] == ["mother"]
    bram = Client.objects.get(given_name="Bram")
    assert bram.gezag_relations.get().organisation_name == "Samen Veilig Midden-Nederland"
    assert bram.trajectories.count() == 1 and fleur.trajectories.count() == 0
    assert "111222333" not in output  # no BSN in the progress lines
    assert AccessLogEntry.objects.filter(action="client.referral").count() == 3


def test_the_same_file_twice_changes_nothing_and_completes_what_is_missing(world: World, tmp_path: Path) -> None:
    method_demo_package_install()
    path = write(tmp_path, good_lines())
    run(path)
    counts = (Client.objects.count(), GezagRelation.objects.count())
    output = run(path)
    assert "3 rows: 0 registered, 3 already registered, 0 family members added, 0 contact details" in output
    assert (Client.objects.count(), GezagRelation.objects.count()) == counts

    lines = good_lines()
    lines[3] = f"111222345;Noor;Import;{born(17)};0344;noor@voorbeeld.nl;;;mother;Sara;Import;;nee;;;;;;;;;"
    output = run(write(tmp_path, lines, name="more.csv"))
    assert "1 family members added, 1 contact details completed" in output
    assert Client.objects.get(given_name="Noor").email == "noor@voorbeeld.nl"


def test_one_error_and_nothing_is_imported_with_every_error_by_line(world: World, tmp_path: Path) -> None:
    lines = [
        *good_lines(),
        f"123456789;Fout;Import;{born(15)};0344;;;;;;;;;;;;;;;;;",  # not 11-proof
        f"111222333;Dubbel;Import;{born(15)};0344;;;;;;;;;;;;;;;;;",  # same BSN as line 2
        f"111222357;Te;Jong;{born(10)};9999;geen-adres;;;mother;;;;misschien;;;;;;;;;",
    ]
    with pytest.raises(CommandError) as error:
        run(write(tmp_path, lines))
    message = str(error.value)
    assert message.startswith("Nothing imported")
    assert "line 5, bsn:" in message
    assert "line 6, bsn: the same BSN as on line 2" in message
    assert "line 7, municipality:" in message
    assert Client.objects.filter(family_name="Import").count() == 0
    assert not GezagRelation.objects.filter(family_name="Import").exists()


def test_errors_of_a_family_member_name_their_column(world: World, tmp_path: Path) -> None:
    lines = [HEADER, f"111222333;Fleur;Import;{born(15)};0344;;;;gi;;;;ja;;;12;111222333;ja;;;;"]
    with pytest.raises(CommandError) as error:
        run(write(tmp_path, lines))
    message = str(error.value)
    for column in ("carer1_organisation_name", "carer1_gezag_from", "carer1_gezag_source", "carer1_mobile"):
        assert f"line 2, {column}:" in message, column
    assert not Client.objects.filter(given_name="Fleur").exists()


def test_comma_separated_with_bom_and_header_errors(world: World, tmp_path: Path) -> None:
    path = tmp_path / "comma.csv"
    path.write_text(
        f"\ufeffbsn,given_name,family_name,birth_date,municipality\n111222333,Fleur,Import,{born(15)},0344\n",
        encoding="utf-8",
    )
    assert "1 rows: 1 registered" in run(path)
    bad = write(tmp_path, ["bsn;given_name;family_name;geboortedatum;municipality", "111222345;A;B;01-01-2012;0344"])
    with pytest.raises(CommandError) as error:
        run(bad)
    assert "unknown column geboortedatum" in str(error.value) and "column birth_date is missing" in str(error.value)


def test_not_utf8_and_not_a_professional_are_refused(world: World, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(
        "bsn;given_name;family_name;birth_date;municipality\n111222333;Zoë;Ü;01-01-2012;0344\n".encode("latin-1")
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        run(latin)
    with pytest.raises(CommandError):
        call_command("import_clients", str(write(tmp_path, good_lines())), "--as", "toegang", stdout=io.StringIO())
    assert not Client.objects.filter(family_name="Import").exists()


def test_errors_are_in_dutch_by_default(world: World, tmp_path: Path) -> None:
    lines = [HEADER, f"111222333;Fleur;Import;{born(15)};9999;;;;;;;;;;;;;;;;;"]
    with translation.override("nl"), pytest.raises(CommandError) as error:
        run(write(tmp_path, lines))
    assert "regel 2, municipality: Onbekende gemeentecode (CBS, 4 cijfers)." in str(error.value)


def test_invite_sends_the_portal_invitations_once(world: World, tmp_path: Path) -> None:
    header = (
        "bsn;given_name;family_name;birth_date;municipality;email;"
        "carer1_kind;carer1_given_name;carer1_family_name;carer1_has_gezag;carer1_gezag_from;carer1_gezag_source;"
        "carer1_email;carer1_uses_portal;"
        "carer2_kind;carer2_given_name;carer2_family_name;carer2_has_gezag;carer2_email;carer2_uses_portal"
    )
    lines = [
        header,
        f"111222333;Fleur;Import;{born(15)};0344;fleur@voorbeeld.nl;"
        f"mother;Ingrid;Import;ja;{born(15)};Uittreksel gezagsregister;ingrid@voorbeeld.nl;ja;"
        "father;Peter;Import;nee;peter@voorbeeld.nl;ja",
        f"123456782;Bram;Import;{born(13)};0344;;;;;;;;;;;;;;;",
    ]
    path = write(tmp_path, lines)
    assert "Invitations" not in run(path)
    assert not mail.outbox

    output = run(path, "--invite")
    assert "Invitations: 1 young people and 1 family members invited, 0 skipped" in output
    assert sorted(m.to[0] for m in mail.outbox) == ["fleur@voorbeeld.nl", "ingrid@voorbeeld.nl"]
    mother = GezagRelation.objects.get(given_name="Ingrid")
    assert mother.invitations.get().email == "ingrid@voorbeeld.nl"
    # The father has no gezag: no invitation. A second run invites nobody twice.
    assert not GezagRelation.objects.get(given_name="Peter").invitations.exists()
    output = run(path, "--invite")
    assert "Invitations: 0 young people and 0 family members invited, 2 skipped" in output
    assert len(mail.outbox) == 2
