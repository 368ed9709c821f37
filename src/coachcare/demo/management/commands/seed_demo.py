from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.demo.seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the deterministic demo data and demo accounts (never on a production system)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (only for a demo or test server)."
        )

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password. It refuses to run with DEBUG off; "
                "use --force only on a demo or test server."
            )
        result = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {result['clients_created']} new clients, {result['users']} accounts. "
                f"Password for every demo account: {DEMO_PASSWORD}"
            )
        )
