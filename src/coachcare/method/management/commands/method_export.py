import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.method.services import method_package_export


class Command(BaseCommand):
    help = "Export a method version as a method package (JSON, see docs/method-package.md)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Django's own --version (the Django version) gives way to --version (the method version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="File to write; '-' writes to standard output.")
        parser.add_argument("--version", dest="method_version", help="Version to export (default: the current one).")

    def handle(self, *args: object, out: str, method_version: str | None, **options: object) -> None:
        try:
            data = method_package_export(version=method_version)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if out == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}") from exc
        package = data["package"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {package['name']} {package['version']} ({len(data['modules'])} modules) to {out}."
            )
        )
