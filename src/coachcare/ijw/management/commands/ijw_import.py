import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.ijw.services import IjwRejected, ijw_reply_write
from coachcare.ijw.system_log import ijw_import_logged
from coachcare.ijw.validation import Violation


class Command(BaseCommand):
    help = (
        "Read an incoming iJw 3.2 message (JW301, JW319, JW325, retour): validated first, all or nothing; "
        "with --reply-dir the JW301/JW319 is answered with a JW302/JW320. "
        "Every client whose data changes gets an entry in the access log (who: system, on behalf of the OS user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--reply-dir",
            type=Path,
            default=None,
            help=(
                "write the retour on a JW301 (JW302) or JW319 (JW320) here, also when the file is refused "
                "(with the rule codes of what was wrong); created (or made) 0700, files written 0600"
            ),
        )

    def handle(self, *args: object, file: Path, reply_dir: Path | None = None, **options: object) -> None:
        file = Path(file)
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        data = file.read_bytes()
        try:
            result = ijw_import_logged(data=data, access_point=AccessPoint.system("ijw_import"))
        except IjwRejected as rejected:
            for violation in rejected.violations:
                self.stdout.write(str(violation))
            self._reply(data, rejected.violations, reply_dir)
            self.stderr.write("not imported")
            sys.exit(1)
        if result.already_imported:
            self.stdout.write(f"{result.name} {result.identification} was imported before: nothing changed")
        else:
            for note in result.notes:
                self.stdout.write(note)
            self.stdout.write(f"imported {result.name} {result.identification}")
        self._reply(data, [], reply_dir)

    def _reply(self, data: bytes, violations: list[Violation], reply_dir: Path | None) -> None:
        if reply_dir is None:
            return
        try:
            path = ijw_reply_write(data=data, violations=violations, out_dir=Path(reply_dir))
        except IjwRejected as rejected:
            self.stderr.write("no reply written: the reply itself breaks a rule")
            for violation in rejected.violations:
                self.stderr.write(f"{violation.rule} {violation.path}")
            return
        if path is not None:
            self.stdout.write(f"reply {path}")
