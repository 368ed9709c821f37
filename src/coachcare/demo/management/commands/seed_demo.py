import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.demo.seed import DEMO_HISTORY_YOUTHS, DEMO_MUNICIPALITY_CODE, DEMO_PASSWORD, seed_demo
from coachcare.monitoring.models import TrajectoryOutcome
from coachcare.municipalities.models import Municipality


class Command(BaseCommand):
    help = (
        "Load the deterministic demo data and demo accounts, with two years of history of the demo municipality "
        "(never on a production system)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (only for a demo or test server)."
        )
        parser.add_argument(
            "--history",
            type=int,
            default=DEMO_HISTORY_YOUTHS,
            help=f"young people in the demo municipality's history (default {DEMO_HISTORY_YOUTHS}; 0: none). "
            "Loaded once: a second run adds nothing.",
        )

    def handle(self, *args: object, force: bool = False, history: int = DEMO_HISTORY_YOUTHS, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password. It refuses to run with DEBUG off; "
                "use --force only on a demo or test server."
            )
        if history < 0:
            raise CommandError("--history must be 0 or more.")
        started = time.perf_counter()
        result = seed_demo(history=history, report=lambda line: self.stdout.write(f"  {line}"))
        demo_municipality = Municipality.objects.filter(code=DEMO_MUNICIPALITY_CODE).values("id")
        closed = TrajectoryOutcome.objects.filter(municipality_id__in=demo_municipality).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {time.perf_counter() - started:.1f} s: {result['clients_created']} new demo "
                f"clients, {result['history_clients_created']} new young people in the history "
                f"({result['clients']} clients, {closed} closed trajectories in Utrecht), {result['users']} accounts. "
                f"Password for every demo account: {DEMO_PASSWORD}"
            )
        )
