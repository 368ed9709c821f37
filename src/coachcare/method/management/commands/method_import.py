import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.method.services import method_package_import


class Command(BaseCommand):
    help = (
        "Import a method package (JSON, see docs/method-package.md) as a new method version. "
        "Nothing is saved unless the whole package is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package_file", type=Path)
        parser.add_argument(
            "--make-current",
            action="store_true",
            help="Make this version current even if it is not newer than the current one (for example to roll back).",
        )

    def handle(self, *args: object, package_file: Path, make_current: bool, **options: object) -> None:
        try:
            text = package_file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {package_file}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"Nothing imported: {package_file} is not valid JSON "
                f"(line {exc.lineno}, column {exc.colno}: {exc.msg})."
            ) from exc
        try:
            result = method_package_import(data=data, make_current=make_current)
        except ValidationError as exc:
            problems = exc.messages
            raise CommandError(
                f"Nothing imported: {package_file} has {len(problems)} problem(s):\n"
                + "\n".join(f"- {problem}" for problem in problems)
            ) from exc
        self.stdout.write(self.style.SUCCESS(result.summary))
