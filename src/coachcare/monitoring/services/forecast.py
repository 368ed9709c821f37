"""Forecast alerts: stored forecast figures, alerts raised and notified by e-mail."""

import dataclasses
import datetime
import functools

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coachcare.accounts.models import Role, User
from coachcare.contracts.money import format_euros
from coachcare.core.dates import today
from coachcare.monitoring import selectors
from coachcare.monitoring.models import (
    ForecastAlert,
    ForecastFigure,
)
from coachcare.municipalities.models import Municipality


def forecast_alerts_raise(*, municipality_id: int, on: datetime.date | None = None) -> list[ForecastAlert]:
    """Record an alert for every complete month of the last quarter whose spending deviates more
    than ``COACHCARE_FORECAST_DEVIATION`` from the forecast, and e-mail the budget holders (on
    commit). Idempotent: one alert (and one e-mail) per municipality per month."""
    forecast = selectors.forecast_build(municipality_id=municipality_id, on=on, months_back=3, months_ahead=0)
    created_alerts = []
    for month in forecast.deviations:
        alert, created = ForecastAlert.objects.get_or_create(
            municipality_id=municipality_id,
            month=month.month,
            defaults={
                "expected_cents": month.expected_cents,
                "actual_cents": month.actual_cents,
                "deviation": month.deviation or 0.0,
            },
        )
        if created:
            from coachcare.monitoring.tasks import forecast_alert_notify_task  # late: the task imports services

            transaction.on_commit(functools.partial(forecast_alert_notify_task.enqueue, alert.pk))
            created_alerts.append(alert)
    return created_alerts


def forecast_store(*, municipality_id: int, on: datetime.date | None = None) -> selectors.Forecast:
    """Compute the municipality's forecast against actual and store it for the dashboard
    (``ForecastFigure``: its months replace the ones stored before)."""
    on = on or today()
    forecast = selectors.forecast_build(municipality_id=municipality_id, on=on)
    with transaction.atomic():
        ForecastFigure.objects.filter(municipality_id=municipality_id).delete()
        ForecastFigure.objects.bulk_create(
            ForecastFigure(
                municipality_id=municipality_id,
                month=month.month,
                expected_cents=month.expected_cents,
                actual_cents=month.actual_cents,
                complete=month.complete,
                completion_rate=forecast.completion_rate,
                computed_on=on,
            )
            for month in forecast.months
        )
    return forecast


@dataclasses.dataclass(frozen=True, kw_only=True)
class ForecastCheck:
    municipalities: int
    alerts: list[ForecastAlert]


def forecast_check_run(*, on: datetime.date | None = None) -> ForecastCheck:
    """The scheduled check (``manage.py forecast_check``, nightly): for every municipality with a
    contract, store the forecast its dashboard shows and raise the alerts. The dashboards only read."""
    municipality_ids = list(
        Municipality.objects.filter(contracts__isnull=False).values_list("pk", flat=True).distinct()
    )
    raised: list[ForecastAlert] = []
    for municipality_id in municipality_ids:
        forecast_store(municipality_id=municipality_id, on=on)
        raised += forecast_alerts_raise(municipality_id=municipality_id, on=on)
    return ForecastCheck(municipalities=len(municipality_ids), alerts=raised)


def forecast_alert_notify(*, alert_id: int) -> int:
    """Send the alert's e-mail to the municipality's policy staff. Returns the number of e-mails;
    0 when already sent (idempotent). Only money and a month: never anything about a client."""
    with transaction.atomic():
        alert = ForecastAlert.objects.select_for_update().select_related("municipality").filter(pk=alert_id).first()
        if alert is None or alert.notified_at is not None:
            return 0
        recipients = list(
            User.objects.filter(role=Role.GEMEENTE_BELEID, municipality_id=alert.municipality_id, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        month = formats.date_format(alert.month, "F Y")  # "december 2025"
        subject = _("Spending deviates from the forecast (%(month)s)") % {"month": month}
        body = _(
            "In %(month)s the spending on Coach & Care modules for %(municipality)s was %(actual)s, "
            "against a forecast of %(expected)s (%(deviation)s).\n\n"
            "Log in and open the municipality dashboard for the figures: %(link)s\n\n"
            "This e-mail was sent automatically."
        ) % {
            "month": month,
            "municipality": alert.municipality.name,
            "actual": format_euros(alert.actual_cents),
            "expected": format_euros(alert.expected_cents),
            "deviation": f"{alert.deviation * 100:+.0f}%",
            "link": reverse("monitoring:municipality"),
        }
        for email in recipients:
            send_mail(subject, body, None, [email])
        alert.notified_at = timezone.now()
        alert.save(update_fields=["notified_at"])
    return len(recipients)
