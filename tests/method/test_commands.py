import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coachcare.method.models import MethodVersion, Module
from tests.method.factories import package_data

pytestmark = pytest.mark.django_db


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_import_reports_what_it_did(tmp_path: Path) -> None:
    path = write(tmp_path / "package.json", package_data())

    assert run("method_import", str(path)).strip() == (
        "Method package coach-and-care 2026.1: imported (current); 4 modules, 8 lessons, 8 assignments."
    )
    assert "already present, unchanged" in run("method_import", str(path))
    assert MethodVersion.objects.count() == 1


def test_import_lists_every_problem_and_saves_nothing(tmp_path: Path) -> None:
    data = package_data()
    data["modules"][2]["ijw_product_category"] = "99x"
    data["modules"][3]["kind"] = "hybrid"
    path = write(tmp_path / "package.json", data)

    with pytest.raises(CommandError) as caught:
        run("method_import", str(path))

    assert str(caught.value) == (
        f"Nothing imported: {path} has 2 problem(s):\n"
        "- modules[2].ijw_product_category: '99x' does not match '^[0-9]{2}$'\n"
        "- modules[3].kind: 'hybrid' is not one of ['online', 'offline', 'blended']"
    )
    assert not Module.objects.exists()


def test_import_of_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('{"format": ', encoding="utf-8")

    with pytest.raises(CommandError, match=r"is not valid JSON \(line 1, column 12"):
        run("method_import", str(path))


def test_import_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        run("method_import", str(tmp_path / "missing.json"))


def test_make_current_option(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", package_data(version="2026.1"))
    new = write(tmp_path / "new.json", package_data(version="2026.2"))
    run("method_import", str(new))

    assert "(not current)" in run("method_import", str(old))
    assert "already present, unchanged (current)" in run("method_import", str(old), "--make-current")
    assert MethodVersion.objects.get(is_current=True).version == "2026.1"


def test_export_writes_the_package_and_round_trips(tmp_path: Path) -> None:
    write(tmp_path / "in.json", package_data())
    run("method_import", str(tmp_path / "in.json"))
    out = tmp_path / "out.json"

    message = run("method_export", "--out", str(out))

    assert message.strip() == f"Exported coach-and-care 2026.1 (4 modules) to {out}."
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["package"]["version"] == "2026.1"
    assert "already present, unchanged" in run("method_import", str(out))


def test_export_of_a_named_version_to_standard_output(tmp_path: Path) -> None:
    run("method_import", str(write(tmp_path / "a.json", package_data(version="2026.1"))))
    run("method_import", str(write(tmp_path / "b.json", package_data(version="2026.2", modules=1))))

    exported = json.loads(run("method_export", "--out", "-", "--version", "2026.1"))

    assert exported["package"]["version"] == "2026.1"
    assert len(exported["modules"]) == 4


def test_export_errors() -> None:
    with pytest.raises(CommandError, match="no current method version"):
        run("method_export", "--out", "-")
    with pytest.raises(CommandError, match=r"'9\.9' is not installed"):
        run("method_export", "--out", "-", "--version", "9.9")
