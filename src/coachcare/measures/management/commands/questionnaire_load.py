import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.measures.services import questionnaire_load


class Command(BaseCommand):
    help = (
        "Load a questionnaire definition (JSON, see docs/measures.md) as a new questionnaire version. "
        "Nothing is saved unless the whole definition is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("definition_file", type=Path)

    def handle(self, *args: object, definition_file: Path, **options: object) -> None:
        try:
            text = definition_file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {definition_file}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"Nothing loaded: {definition_file} is not valid JSON "
                f"(line {exc.lineno}, column {exc.colno}: {exc.msg})."
            ) from exc
        try:
            result = questionnaire_load(data=data)
        except ValidationError as exc:
            problems = exc.messages
            raise CommandError(
                f"Nothing loaded: {definition_file} has {len(problems)} problem(s):\n"
                + "\n".join(f"- {problem}" for problem in problems)
            ) from exc
        self.stdout.write(self.style.SUCCESS(result.summary))
