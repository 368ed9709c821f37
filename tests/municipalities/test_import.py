"""``manage.py import_municipalities``: the CBS list, ',' or ';', all or nothing."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from coachcare.municipalities.models import Municipality
from coachcare.municipalities.services import municipalities_import_csv
from tests.municipalities.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, text: str, name: str = "gemeenten.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def names() -> dict[str, str]:
    return dict(Municipality.objects.values_list("code", "name"))


def test_imports_comma_separated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_municipalities", write(tmp_path, "code,name\nGM0344,Utrecht\nGM0363,Amsterdam\n"))

    assert names() == {"0344": "Utrecht", "0363": "Amsterdam"}
    assert "2 created" in capsys.readouterr().out


def test_imports_semicolon_separated_with_dutch_headers_and_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffGemeentecode;Gemeentenaam\n344;Utrecht\n0599;Rotterdam\n")

    call_command("import_municipalities", path)

    assert names() == {"0344": "Utrecht", "0599": "Rotterdam"}


def test_names_with_quotes_and_commas(tmp_path: Path) -> None:
    call_command(
        "import_municipalities",
        write(tmp_path, 'code,name\nGM0518,\'s-Gravenhage\nGM1900,"Súdwest-Fryslân, gemeente"\n'),
    )

    assert names() == {"0518": "'s-Gravenhage", "1900": "Súdwest-Fryslân, gemeente"}


def test_updates_names_and_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    MunicipalityFactory.create(code="0344", name="Utreg")
    MunicipalityFactory.create(code="0363", name="Amsterdam")

    call_command(
        "import_municipalities", write(tmp_path, "code;name\nGM0344;Utrecht\nGM0363;Amsterdam\nGM0599;Rotterdam\n")
    )

    assert names() == {"0344": "Utrecht", "0363": "Amsterdam", "0599": "Rotterdam"}
    assert "1 created, 1 updated, 1 unchanged" in capsys.readouterr().out


def test_bad_row_imports_nothing_and_names_the_line(tmp_path: Path) -> None:
    MunicipalityFactory.create(code="0344", name="Utreg")
    path = write(tmp_path, "code,name\nGM0344,Utrecht\nGM0363,Amsterdam\nGMXYZ,Nergenshuizen\n")

    with pytest.raises(CommandError) as exc_info:
        call_command("import_municipalities", path)

    assert "line 4" in str(exc_info.value)
    assert "Nothing imported" in str(exc_info.value)
    assert names() == {"0344": "Utreg"}


def test_every_bad_line_is_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "code,name\n12345,Te lang\nGM0363,\nGM0344,Utrecht\nGM0344,Utreg\n")

    with pytest.raises(CommandError) as exc_info:
        call_command("import_municipalities", path)

    message = str(exc_info.value)
    assert "line 2" in message
    assert "line 3" in message
    assert "line 5" in message
    assert not Municipality.objects.exists()


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    call_command("import_municipalities", write(tmp_path, "code,name\n\nGM0344,Utrecht\n,\n"))

    assert names() == {"0344": "Utrecht"}


def test_missing_column_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="column"):
        call_command("import_municipalities", write(tmp_path, "nummer,plaats\n0344,Utrecht\n"))


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_municipalities", tmp_path / "bestaat-niet.csv")


def test_same_code_twice_with_same_name_is_fine() -> None:
    result = municipalities_import_csv(text="code,name\n344,Utrecht\nGM0344,Utrecht\n")

    assert result.created == 1
    assert names() == {"0344": "Utrecht"}


def test_empty_csv_is_refused() -> None:
    with pytest.raises(ValidationError):
        municipalities_import_csv(text="")


def test_the_bundled_demo_list_imports() -> None:
    from coachcare.demo.seed import MUNICIPALITY_CSV

    result = municipalities_import_csv(text=MUNICIPALITY_CSV.read_text(encoding="utf-8"))

    assert result.created == Municipality.objects.count() >= 2
    assert Municipality.objects.get(code="0344").name == "Utrecht"


def test_one_column_file_gives_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no column named one of: name"):
        call_command("import_municipalities", write(tmp_path, "code\n0344\n0363\n"))
    assert names() == {}
