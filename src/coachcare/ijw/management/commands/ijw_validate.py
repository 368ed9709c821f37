import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.ijw.services import ijw_validate_file


class Command(BaseCommand):
    help = "Validate an iJw 3.2 XML file: one line per violation (RULE path: message), exit 1 if any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        file = Path(file)
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        violations = ijw_validate_file(data=file.read_bytes())
        for violation in violations:
            self.stdout.write(str(violation))
        if violations:
            sys.exit(1)
        self.stdout.write("valid")
