import time

from django.core.management.base import BaseCommand

from coachcare.monitoring.services import trajectory_outcomes_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the outcome summary (one row per closed trajectory) from the source tables. "
        "Run it once after migrating to it and after a bulk load; the services keep it current otherwise."
    )

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        rows = trajectory_outcomes_rebuild()
        self.stdout.write(f"{rows} closed trajectories summarised in {time.perf_counter() - started:.1f} s")
