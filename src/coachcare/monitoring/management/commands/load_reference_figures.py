from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.monitoring.models import Pilot
from coachcare.monitoring.services import (
    ReferenceFiguresError,
    pilot_reference_choose,
    reference_figures_load,
    reference_figures_unverified,
)


class Command(BaseCommand):
    help = (
        "Load a set of national reference figures (a JSON file with publisher, title, url, year and figures; "
        "docs/pilots.md). All or nothing; loading the same source and year again replaces its figures. "
        "With --pilot, that pilot is compared with these figures instead of an imported group."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="JSON file (UTF-8)")
        parser.add_argument("--pilot", type=int, help="the id of a pilot to compare with these figures")

    def handle(self, *args: object, file: Path, pilot: int | None = None, **options: object) -> None:
        found = None
        if pilot is not None:
            found = Pilot.objects.filter(pk=pilot).first()
            if found is None:
                raise CommandError(f"There is no pilot with id {pilot}.")
        if not file.is_file():
            raise CommandError(f"There is no file {file}.")
        data = file.read_bytes()
        for indicator, why in reference_figures_unverified(data=data):
            self.stdout.write(f"No verified national figure for {indicator}, not loaded: {why}")
        try:
            figure_set, created = reference_figures_load(data=data)
        except ReferenceFiguresError as error:
            for where, message in error.problems:
                self.stderr.write(f"{where}: {message}")
            raise CommandError(f"{len(error.problems)} problem(s) in {file}; nothing was loaded.") from None
        count = figure_set.figures.count()
        action = "loaded" if created else "replaced (same source and year)"
        label = " EXAMPLE, not real figures:" if figure_set.example else ""
        self.stdout.write(f"{count} reference figures {action}:{label} {figure_set} [set {figure_set.pk}].")
        if found is not None:
            pilot_reference_choose(pilot=found, figure_set=figure_set)
            self.stdout.write(f"Pilot {found.pk} ({found.name}) is now compared with these figures.")
