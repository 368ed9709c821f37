"""CBS Beleidsinformatie Jeugd (issue 18.6): one test per field rule, the export end to end (all
or nothing, the access log per client, the file 0600, nothing personal in the output)."""

import dataclasses
import datetime
import io
import stat
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coachcare.audit.models import AccessLogEntry
from coachcare.ijw import cbs
from coachcare.ijw.selectors import cbs_records_for
from coachcare.trajectories.models import ModuleRun, Trajectory
from tests.contracts.conftest import Contracted

FIRST, LAST = datetime.date(2025, 1, 1), datetime.date(2025, 6, 30)
VALID = cbs.CbsRecord(
    client_public_id=uuid.uuid4(),
    aanbieder_agb="12345678",
    verslagperiode="2025-H1",
    bsn="111222333",
    geboortedatum=datetime.date(2010, 5, 6),
    geslacht="O",
    gemeentecode="0344",
    traject_id=uuid.uuid4(),
    verwijzer="01",
    productcategorie="45",
    hulpvorm="04",
    gestart_met_crisis="2",
    datum_aanvang=datetime.date(2025, 2, 1),
    datum_einde=datetime.date(2025, 5, 1),
    reden_beeindiging="01",
    beeindiging_volgens_plan="1",
    tevredenheid_nut="1",
    tevredenheid_informant="1",
    zonder_hulp_verder="2",
    zonder_hulp_verder_informant="3",
)


def rules_of(**changes: object) -> set[str]:
    record = dataclasses.replace(VALID, **changes)  # type: ignore[arg-type]
    return {violation.rule for violation in cbs.cbs_validate([record], first=FIRST, last=LAST)}


def test_the_valid_record_passes() -> None:
    assert rules_of() == set()


def test_bsn_must_pass_the_elfproef() -> None:
    assert rules_of(bsn="111222334") == {"BSN"}
    assert rules_of(bsn="12345") == {"BSN"}


def test_agb_has_8_digits() -> None:
    assert rules_of(aanbieder_agb="1234567") == {"AGB"}


def test_date_of_birth_and_gender_come_with_every_record() -> None:
    """Protocol 2.3, 2.4 and 6.5: with every BSN its date of birth and gender (V, M or O)."""
    assert rules_of(geboortedatum=None) == {"GEBOORTEDATUM"}
    assert rules_of(geboortedatum=datetime.date(2025, 3, 1)) == {"GEBOORTEDATUM"}  # born after the start
    assert rules_of(geslacht="0") == {"GESLACHT"}
    assert rules_of(geslacht="V") == set()


def test_municipality_code_has_4_digits() -> None:
    assert rules_of(gemeentecode="344") == {"GEMEENTE"}


def test_verwijzer_comes_from_its_code_list() -> None:
    assert rules_of(verwijzer="09") == {"VERWIJZER"}
    assert rules_of(verwijzer="") == {"VERWIJZER"}


def test_product_category_comes_from_jz020() -> None:
    assert "CATEGORIE" in rules_of(productcategorie="99")


def test_hulpvorm_follows_the_product_category() -> None:
    assert set(cbs.HULPVORMEN) == {"01", "02", "03", "04", "11", "12", "13", "14"}  # protocol 3.3
    assert rules_of(hulpvorm="11") == {"HULPVORM"}
    assert rules_of(hulpvorm="1") == {"HULPVORM"}
    assert rules_of(productcategorie="40", hulpvorm="") == {"HULPVORM"}


def test_started_with_crisis_is_yes_or_no() -> None:
    assert rules_of(gestart_met_crisis="") == {"CRISIS"}


def test_start_date_is_required_and_not_after_the_period() -> None:
    assert rules_of(datum_aanvang=None) == {"AANVANG"}
    assert "AANVANG" in rules_of(datum_aanvang=datetime.date(2025, 7, 1))


def test_end_date_lies_in_the_period_and_after_the_start() -> None:
    assert rules_of(datum_einde=datetime.date(2025, 7, 1)) == {"EINDE"}
    assert rules_of(datum_einde=datetime.date(2025, 1, 15)) == {"EINDE"}


def test_end_reason_with_every_end_date_and_from_the_protocol_list() -> None:
    assert "REDEN" in rules_of(reden_beeindiging="")
    assert "REDEN" in rules_of(reden_beeindiging="99")
    assert "REDEN" in rules_of(reden_beeindiging="31")  # a JZ588 code is not the CBS list (3.6)


def test_every_jz588_end_reason_has_a_cbs_reason() -> None:
    from coachcare.ijw.codes import END_REASONS

    assert set(cbs.REDEN_BY_END_REASON) == END_REASONS
    assert set(cbs.REDEN_BY_END_REASON.values()) <= set(cbs.REDENEN)
    assert (cbs.reden_for("31"), cbs.reden_for("32"), cbs.reden_for("33")) == ("01", "03", "04")
    assert (cbs.reden_for("34"), cbs.reden_for("35"), cbs.reden_for("02")) == ("02", "05", "05")


def test_according_to_plan_follows_the_end_reason() -> None:
    assert rules_of(beeindiging_volgens_plan="2") == {"VOLGENS_PLAN"}
    assert rules_of(reden_beeindiging="04", beeindiging_volgens_plan="2") == set()
    assert rules_of(reden_beeindiging="04", beeindiging_volgens_plan="") == {"VOLGENS_PLAN"}
    assert rules_of(reden_beeindiging="02", beeindiging_volgens_plan="") == set()  # e.g. a step-up (38)
    assert rules_of(reden_beeindiging="02", beeindiging_volgens_plan="1") == {"VOLGENS_PLAN"}


def test_satisfaction_is_yes_no_or_empty() -> None:
    assert rules_of(tevredenheid_nut="5") == {"TEVREDENHEID"}


def test_without_help_is_yes_no_or_empty() -> None:
    assert rules_of(zonder_hulp_verder="0") == {"ZONDER_HULP"}


def test_an_outcome_only_for_an_ended_trajectory() -> None:
    open_record = {"datum_einde": None, "reden_beeindiging": "", "beeindiging_volgens_plan": ""}
    assert rules_of(**open_record) == {"TEVREDENHEID", "ZONDER_HULP"}


def test_type_informant_with_every_outcome_and_from_its_list() -> None:
    assert rules_of(tevredenheid_informant="") == {"INFORMANT"}
    assert rules_of(zonder_hulp_verder_informant="7") == {"INFORMANT"}
    assert rules_of(zonder_hulp_verder="", zonder_hulp_verder_informant="3") == {"INFORMANT"}


def test_a_violation_never_shows_the_value() -> None:
    [violation] = cbs.cbs_validate([dataclasses.replace(VALID, bsn="111222334")], first=FIRST, last=LAST)
    assert "111222334" not in str(violation) and str(VALID.traject_id) in str(violation)


def test_the_period_is_a_half_year() -> None:
    assert cbs.cbs_period_parse("2025-H2") == (datetime.date(2025, 7, 1), datetime.date(2025, 12, 31))
    with pytest.raises(cbs.CbsPeriodError):
        cbs.cbs_period_parse("2025-Q1")


def test_the_file_has_a_header_row_and_one_row_per_record() -> None:
    lines = cbs.cbs_render([VALID]).decode().splitlines()
    assert lines[0].split(";") == cbs.COLUMNS
    row = dict(zip(cbs.COLUMNS, lines[1].split(";"), strict=True))
    assert row["bsn"] == VALID.bsn
    # dates as JJJJMMDD (protocol 2.3, 3.4, 3.5)
    assert (row["geboortedatum"], row["datum_aanvang"], row["datum_einde"]) == ("20100506", "20250201", "20250501")
    assert (row["geslacht"], row["hulpvorm"], row["reden_beeindiging"]) == ("O", "04", "01")


# --- from the database ---------------------------------------------------------------------------


def _trajectory(contracted: Contracted, **fields: object) -> Trajectory:
    client = contracted.world.own
    trajectory = Trajectory.objects.create(
        client=client,
        municipality_id=client.municipality_id,
        coach=client.coach,
        referrer_kind=str(fields.pop("referrer_kind", "huisarts")),
        referred_on=datetime.date(2025, 1, 10),
        method_version=contracted.modules[0].method_version,
        **fields,
    )
    ModuleRun.objects.create(
        trajectory=trajectory,
        module=contracted.modules[0],
        sequence=1,
        state=ModuleRun.State.EVALUATED,
        started_on=datetime.date(2025, 2, 1),
        due_on=datetime.date(2025, 4, 1),
        finished_on=datetime.date(2025, 4, 1),
    )
    return trajectory


def test_a_closed_trajectory_gives_a_record_with_its_outcome(contracted: Contracted) -> None:
    trajectory = _trajectory(
        contracted,
        status="closed",
        closed_on=datetime.date(2025, 5, 1),
        end_reason="31",
        useful_parent=4.0,
        without_help_youth=False,
        without_help_professional=True,
    )

    [record] = cbs_records_for(provider=contracted.world.provider, period="2025-H1")

    assert record.traject_id == trajectory.public_id
    assert (record.verwijzer, record.productcategorie, record.hulpvorm) == ("02", "45", "04")
    assert (record.datum_aanvang, record.datum_einde, record.reden_beeindiging) == (
        datetime.date(2025, 2, 1),
        datetime.date(2025, 5, 1),
        "01",  # JZ588 31 is the protocol's 01 "beëindigd volgens plan"
    )
    assert (record.geboortedatum, record.geslacht) == (contracted.world.own.birth_date, "O")
    assert record.beeindiging_volgens_plan == "1"
    assert (record.tevredenheid_nut, record.tevredenheid_informant) == ("1", "2")  # a parent's answer
    assert (record.zonder_hulp_verder, record.zonder_hulp_verder_informant) == ("2", "1")  # the young person's own
    assert cbs_records_for(provider=contracted.world.provider, period="2025-H2") == []  # closed before H2


def test_a_trajectory_closed_after_the_period_is_reported_as_running(contracted: Contracted) -> None:
    _trajectory(contracted, status="closed", closed_on=datetime.date(2025, 8, 1), end_reason="31", useful_youth=5.0)

    [record] = cbs_records_for(provider=contracted.world.provider, period="2025-H1")

    assert record.datum_einde is None and record.reden_beeindiging == "" and record.tevredenheid_nut == ""


def test_the_command_writes_the_file_and_logs_every_client(contracted: Contracted, tmp_path: Path) -> None:
    _trajectory(contracted, status="closed", closed_on=datetime.date(2025, 5, 1), end_reason="32")
    out = tmp_path / "cbs.csv"
    stdout = io.StringIO()

    call_command("cbs_export", period="2025-H1", out=str(out), stdout=stdout)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert contracted.world.own.bsn in out.read_text()
    entries = AccessLogEntry.objects.filter(action="cbs.export")
    assert list(entries.values_list("client_public_id", "event", "username")) == [
        (contracted.world.own.public_id, AccessLogEntry.Event.EXPORT, "system")
    ]
    printed = stdout.getvalue()
    assert "1/4" in printed and "4/4" in printed
    assert "done: 1 records, 1 persons, period 2025-H1" in printed
    assert contracted.world.own.bsn not in printed


def test_one_invalid_record_writes_nothing_and_logs_nothing(contracted: Contracted, tmp_path: Path) -> None:
    _trajectory(contracted)
    _trajectory(contracted, referrer_kind="onbekend")  # not a legal referrer: no verwijzer code
    out = tmp_path / "cbs.csv"
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("cbs_export", period="2025-H1", out=str(out), stderr=stderr)

    assert not out.exists() and not AccessLogEntry.objects.filter(action="cbs.export").exists()
    assert "VERWIJZER record" in stderr.getvalue() and contracted.world.own.bsn not in stderr.getvalue()


def test_a_period_that_has_not_ended_is_refused(contracted: Contracted, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not ended"):
        call_command("cbs_export", period="2999-H1", out=str(tmp_path / "x.csv"))
