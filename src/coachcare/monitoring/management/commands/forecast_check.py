from django.core.management.base import BaseCommand

from coachcare.monitoring.services import forecast_alerts_raise
from coachcare.municipalities.models import Municipality


class Command(BaseCommand):
    help = "Compare spending with the forecast for every municipality with contracts; alert budget holders once."

    def handle(self, *args: object, **options: object) -> None:
        raised = 0
        for municipality_id in (
            Municipality.objects.filter(contracts__isnull=False).values_list("pk", flat=True).distinct()
        ):
            raised += len(forecast_alerts_raise(municipality_id=municipality_id))
        self.stdout.write(f"{raised} new forecast alert(s)")
