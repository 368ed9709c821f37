"""Loading questionnaire definitions: the service, the command, no-op reloads and conflicts."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from coachcare.measures.models import QuestionnaireDefinition
from coachcare.measures.selectors import questionnaire_definition_get, questionnaire_definition_list
from coachcare.measures.services import BUILTIN_FILES, questionnaire_builtin_install, questionnaire_load
from tests.measures.factories import LICENSED_FIXTURE, definition_data, licensed_data

pytestmark = pytest.mark.django_db


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_stores_the_definition() -> None:
    result = questionnaire_load(data=definition_data())

    assert (result.code, result.version, result.created) == ("test-lijst", "1", True)
    stored = QuestionnaireDefinition.objects.get()
    assert (stored.code, stored.version, stored.name, stored.respondent, stored.is_active) == (
        "test-lijst",
        "1",
        "Testlijst",
        "jongere",
        True,
    )
    assert stored.definition == definition_data()


def test_loading_the_same_content_again_changes_nothing() -> None:
    questionnaire_load(data=definition_data())
    before = QuestionnaireDefinition.objects.get()
    reordered = dict(reversed(list(definition_data().items())))  # key order does not matter

    result = questionnaire_load(data=reordered)

    assert result.created is False
    assert result.summary == "Questionnaire test-lijst 1: already present, unchanged."
    assert QuestionnaireDefinition.objects.get().loaded_at == before.loaded_at


def test_same_version_with_different_content_is_refused() -> None:
    questionnaire_load(data=definition_data())
    changed = definition_data()
    changed["cutoffs"][0]["value"] = 7

    with pytest.raises(ValidationError, match="already loaded with different content"):
        questionnaire_load(data=changed)

    assert QuestionnaireDefinition.objects.get().definition["cutoffs"][0]["value"] == 6


def test_a_new_version_is_stored_next_to_the_old_one_and_becomes_the_latest() -> None:
    questionnaire_load(data=definition_data(version="2"))
    questionnaire_load(data=definition_data(version="10"))
    questionnaire_load(data=definition_data(version="9"))

    assert questionnaire_definition_get(code="test-lijst").version == "10"  # numeric, not alphabetic
    assert questionnaire_definition_get(code="test-lijst", version="2").version == "2"
    QuestionnaireDefinition.objects.filter(version="10").update(is_active=False)
    assert questionnaire_definition_get(code="test-lijst").version == "9"
    assert questionnaire_definition_list().count() == 2


def test_unknown_questionnaire() -> None:
    with pytest.raises(QuestionnaireDefinition.DoesNotExist):
        questionnaire_definition_get(code="bestaat-niet")


def test_invalid_definition_saves_nothing() -> None:
    data = definition_data()
    data["items"][0]["id"] = "q2"

    with pytest.raises(ValidationError) as caught:
        questionnaire_load(data=data)

    assert caught.value.messages == ["items: item id 'q2' is used more than once"]
    assert not QuestionnaireDefinition.objects.exists()


def test_command_loads_an_organisations_own_licensed_instrument() -> None:
    assert run("questionnaire_load", str(LICENSED_FIXTURE)).strip() == "Questionnaire voorbeeld-instrument 1.0: loaded."
    assert "already present, unchanged" in run("questionnaire_load", str(LICENSED_FIXTURE))
    stored = questionnaire_definition_get(code="voorbeeld-instrument")
    assert stored.definition == licensed_data()
    assert stored.name == "Voorbeeldinstrument (gelicenseerd)"


def test_command_lists_every_problem_and_saves_nothing(tmp_path: Path) -> None:
    data = definition_data()
    data["respondent"] = "docent"
    data["cutoffs"][0]["value"] = 99
    path = write(tmp_path / "lijst.json", data)

    with pytest.raises(CommandError) as caught:
        run("questionnaire_load", str(path))

    assert str(caught.value) == (
        f"Nothing loaded: {path} has 2 problem(s):\n"
        "- respondent: 'docent' is not one of ['jongere', 'ouder', 'coach']\n"
        "- cutoffs[0].value: 99 is outside the range of total (2 to 14)"
    )
    assert not QuestionnaireDefinition.objects.exists()


def test_command_reports_a_conflict(tmp_path: Path) -> None:
    run("questionnaire_load", str(write(tmp_path / "v1.json", definition_data())))
    changed = definition_data(name={"nl": "Andere naam", "en": "Other name"})

    with pytest.raises(CommandError, match=r"1 problem\(s\):\n- version: test-lijst 1 is already loaded"):
        run("questionnaire_load", str(write(tmp_path / "v1-changed.json", changed)))


def test_command_on_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "lijst.json"
    path.write_text('{"code": ', encoding="utf-8")

    with pytest.raises(CommandError, match=r"Nothing loaded: .* is not valid JSON \(line 1, column 10"):
        run("questionnaire_load", str(path))


def test_command_on_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        run("questionnaire_load", str(tmp_path / "bestaat-niet.json"))


def test_builtin_questionnaires_install_once() -> None:
    first = questionnaire_builtin_install()
    second = questionnaire_builtin_install()

    assert [result.code for result in first] == ["gbo", "sessie-feedback", "tevredenheid", "tevredenheid-ouder"]
    assert len(first) == len(BUILTIN_FILES)
    assert all(result.created for result in first)
    assert not any(result.created for result in second)
    assert QuestionnaireDefinition.objects.count() == 4


def test_seed_demo_loads_the_shipped_questionnaires() -> None:
    call_command("seed_demo", "--force", "--history", "0")
    call_command("seed_demo", "--force", "--history", "0")

    assert sorted(QuestionnaireDefinition.objects.values_list("code", flat=True)) == [
        "gbo",
        "sessie-feedback",
        "tevredenheid",
        "tevredenheid-ouder",
    ]
