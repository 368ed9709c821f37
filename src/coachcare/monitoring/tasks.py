"""Background tasks of monitoring (django.tasks). Enqueued on commit; idempotent."""

from django.tasks import task

from coachcare.monitoring import services


@task()
def forecast_alert_notify_task(alert_id: int) -> int:
    """E-mail the budget holders about a forecast deviation (once per alert; no client data)."""
    return services.forecast_alert_notify(alert_id=alert_id)
