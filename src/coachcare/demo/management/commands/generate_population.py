import argparse
import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.demo.synthetic.population import population_generate


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date as YYYY-MM-DD, not {text!r}") from None


class Command(BaseCommand):
    help = (
        "Generate a synthetic country of young people with their care, allocations, declarations, sessions, "
        "messages and diary (deterministic for a seed), for benchmarks. Prints the time per phase and the rows "
        "created per table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--youths", type=int, required=True, help="number of young people")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed and --on, same data)")
        parser.add_argument(
            "--on",
            type=_date,
            default=None,
            help="the generated world's today, YYYY-MM-DD (default: today); fix it to get the same data on another day",
        )
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off (benchmark servers)")

    def handle(
        self,
        *args: object,
        youths: int,
        seed: int,
        on: datetime.date | None = None,
        force: bool = False,
        **options: object,
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "generate_population fills the database with synthetic people. It refuses to run with DEBUG off; "
                "use --force only on a benchmark or test server."
            )
        if youths < 1:
            raise CommandError("--youths must be at least 1.")
        started = time.perf_counter()
        result = population_generate(youths=youths, seed=seed, on=on, report=self.stdout.write)
        elapsed = time.perf_counter() - started
        self.stdout.write("Rows created per table:")
        width = max((len(label) for label in result.counts), default=0)
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>12,}")
        self.stdout.write(
            f"Generated {result.clients} young people ({result.trajectories} trajectories), {result.coaches} coaches, "
            f"{result.teams} teams, {result.providers} providers, {result.municipalities} municipalities "
            f"in {elapsed:.1f} s."
        )
