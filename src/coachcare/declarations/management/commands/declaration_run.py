"""``manage.py declaration_run --municipality 0344 --period 2026-03`` (or ``--all-municipalities``).

Creates the month's declarations (JW323, in draft) from the delivered modules; the iJw export
writes the files. Re-running adds only modules delivered since, or reports that nothing is new.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.declarations import services
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
        try:
            if all_municipalities:
                results = services.declaration_run_all(period=period, actor=None)
            else:
                found = Municipality.objects.filter(code=municipality).first()
                if found is None:
                    raise CommandError(f"No municipality with code {municipality}.")
                results = [services.declaration_run(municipality=found, period=period, actor=None)]
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
