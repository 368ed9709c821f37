"""``manage.py declaration_run --municipality 0344 --period 2026-03`` (or ``--all-municipalities``).

Creates the month's declarations (JW323, in draft) from the delivered modules; the iJw export
writes the files. Re-running adds only modules delivered since, or reports that nothing is new.
Every client declared (or whose module was refused) gets an entry in the NEN 7513 access log
(who: system, on behalf of the OS user; ``declarations.system_log``).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.audit.services import AccessPoint
from coachcare.declarations.system_log import declaration_run_logged
from coachcare.municipalities.models import Municipality


class Command(BaseCommand):
    help = "Declare the modules delivered in a month (iJw JW323), per municipality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", help="municipality code (4 digits)")
        parser.add_argument("--period", required=True, help="calendar month, YYYY-MM")
        parser.add_argument("--all-municipalities", action="store_true", help="every municipality with a contract")

    def handle(
        self,
        *args: object,
        municipality: str | None,
        period: str,
        all_municipalities: bool = False,
        **options: object,
    ) -> None:
        if bool(municipality) == all_municipalities:
            raise CommandError("Give either --municipality CODE or --all-municipalities.")
        found = None
        if not all_municipalities:
            found = Municipality.objects.filter(code=municipality).first()
            if found is None:
                raise CommandError(f"No municipality with code {municipality}.")
        try:
            results = declaration_run_logged(
                municipality=found, period=period, access_point=AccessPoint.system("declaration_run")
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for result in results:
            item = result.municipality
            if result.nothing_new:
                self.stdout.write(f"{item.code} {item.name} {period}: nothing new to declare.")
            for declaration in result.declarations:
                self.stdout.write(
                    f"{item.code} {item.name} {period}: declaration {declaration.declaratienummer}, "
                    f"total {declaration.total_cents / 100:.2f} EUR."
                )
            self.stdout.write(f"  lines created: {result.lines_created}; refused: {len(result.refusals)}")
            for refusal in result.refusals:
                self.stdout.write(f"  module run {refusal.module_run_id} not declared ({refusal.rule})")
            for run_id in result.awaiting:
                self.stdout.write(f"  module run {run_id} held: waits for the municipality's allocation (JW301)")
