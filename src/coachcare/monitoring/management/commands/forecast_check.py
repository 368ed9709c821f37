from django.core.management.base import BaseCommand

from coachcare.monitoring.services import forecast_check_run


class Command(BaseCommand):
    help = (
        "For every municipality with contracts: store the forecast against actual that its dashboard shows, "
        "and alert the budget holders (once per month that deviates). Schedule it nightly: the dashboards only read."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = forecast_check_run()
        self.stdout.write(f"{result.municipalities} forecast(s) stored, {len(result.alerts)} new forecast alert(s)")
