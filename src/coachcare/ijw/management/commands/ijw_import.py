import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.ijw.services import IjwRejected
from coachcare.ijw.system_log import ijw_import_logged


class Command(BaseCommand):
    help = (
        "Read an incoming iJw 3.2 message (JW301, JW319, JW325, retour): validated first, all or nothing. "
        "Every client whose data changes gets an entry in the access log (who: system, on behalf of the OS user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        file = Path(file)
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            result = ijw_import_logged(data=file.read_bytes(), access_point=AccessPoint.system("ijw_import"))
        except IjwRejected as rejected:
            for violation in rejected.violations:
                self.stdout.write(str(violation))
            self.stderr.write("not imported")
            sys.exit(1)
        if result.already_imported:
            self.stdout.write(f"{result.name} {result.identification} was imported before: nothing changed")
            return
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(f"imported {result.name} {result.identification}")
