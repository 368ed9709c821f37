"""The evidence report of one municipality: PDF (WeasyPrint) and CSV tables."""

import csv
import dataclasses
import datetime
import io
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from coachcare.contracts.money import format_euros
from coachcare.core.dates import today
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors
from coachcare.municipalities.models import Municipality


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvidenceReport:
    pdf: bytes
    csv: str


def _report_context(
    *, municipality: Municipality, date_from: datetime.date, date_to: datetime.date, module_code: str, age_band: str
) -> dict[str, Any]:
    scope = ind.Scope(
        date_from=date_from,
        date_to=date_to,
        municipality_id=municipality.pk,
        module_code=module_code,
        age_band=age_band,
    )
    outcome_scope = selectors.municipality_outcome_scope(municipality_id=municipality.pk)
    annotations = selectors.annotations_for(scope=scope, outcome_scope=outcome_scope)
    figures = selectors.figures_build(scope=scope, suppress=outcome_scope.suppress, annotations=annotations)
    reference = selectors.reference_cost_of(municipality_id=municipality.pk)
    cost_success_row = figures.row("cost_success")
    cost_success = cost_success_row.figure
    comparison = None
    if reference is not None and cost_success.value is not None and not cost_success_row.total.suppressed:
        comparison = {
            "reference": format_euros(reference.amount_cents),
            "description": reference.description,
            "difference": format_euros(round(cost_success.value) - reference.amount_cents),
            "ratio": f"{cost_success.value / reference.amount_cents:.2f}",
        }
    intervals = []
    for row in figures.outcomes:
        figure = row.figure
        if figure.low is None or figure.high is None or row.total.suppressed:
            continue  # an interval reveals its figure: only beside a figure that is shown
        if figure.unit == ind.Unit.RATE:
            low, high = f"{figure.low * 100:.0f}%", f"{figure.high * 100:.0f}%"
        else:
            low, high = f"{figure.low:.2f}", f"{figure.high:.2f}"
        intervals.append({"indicator": row.indicator, "value": row.total, "low": low, "high": high})
    return {
        "municipality": municipality,
        # the period as counted: whole quarters (``selectors.whole_quarters``)
        "date_from": figures.scope.date_from,
        "date_to": figures.scope.date_to,
        "module_code": module_code,
        "age_band": age_band,
        "figures": figures,
        "intervals": intervals,
        "reference": reference,
        "comparison": comparison,
        "cohort_age": [(label, cell.text) for label, cell in figures.cohort_age],
        "cohort_end": [(label, cell.text) for label, cell in figures.cohort_end],
        "annotations": annotations,
        "indicators": ind.INDICATORS,
        "generated_on": today(),
        "pilots": _pilot_context(municipality=municipality),
        "reviews": selectors.quarterly_reviews_for_report(municipality_id=municipality.pk, date_to=date_to),
    }


def _pilot_context(*, municipality: Municipality) -> list[dict[str, Any]]:
    """The started pilots of the municipality for the report's pilot section (docs/pilots.md)."""
    from coachcare.monitoring.services.pilots import pilot_frozen_intact

    sections = []
    for pilot in selectors.pilots_started_of(municipality_id=municipality.pk):
        sections.append(
            {
                "pilot": pilot,
                "intact": pilot_frozen_intact(pilot=pilot),
                "primary_names": [str(ind.BY_CODE[code].name) for code in pilot.primary_outcomes],
                "secondary_names": [str(ind.BY_CODE[code].name) for code in pilot.secondary_outcomes],
                "reference_cost": format_euros(pilot.reference_cost_cents) if pilot.reference_cost_cents else "",
                "comparison_count": pilot.comparison_trajectories.count(),
                "outcomes": selectors.pilot_outcomes(pilot=pilot),
            }
        )
    return sections


def _csv_of(context: dict[str, Any]) -> str:
    """The report's (suppressed) tables as CSV: one block per table."""
    figures: selectors.Figures = context["figures"]
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["table", "indicator", "code", *figures.quarter_labels, "total", "total numerator/denominator"]
    writer.writerow(header)
    for table, rows in (
        ("outcomes", figures.outcomes),
        ("gate decisions", figures.gates),
        ("waiting times", figures.waiting),
    ):
        for row in rows:
            writer.writerow(
                [
                    table,
                    str(row.indicator.name),
                    row.indicator.code,
                    *[c.text for c in row.cells],
                    row.total.text,
                    row.total.detail,
                ]
            )
    for label, count in context["cohort_age"]:
        writer.writerow(["cohort by age band", label, "", *[""] * len(figures.quarters), count, ""])
    for label, count in context["cohort_end"]:
        writer.writerow(["cohort by end reason", label, "", *[""] * len(figures.quarters), count, ""])
    for key, cell in figures.data_quality.items():
        writer.writerow(["data quality", key, key, *[""] * len(figures.quarters), cell.text, cell.detail])
    return out.getvalue()


def evidence_report_build(
    *,
    municipality: Municipality,
    date_from: datetime.date,
    date_to: datetime.date,
    module_code: str = "",
    age_band: str = "",
) -> EvidenceReport:
    """The evidence report of one municipality over a period: PDF (WeasyPrint) and CSV tables.

    ``module_code`` and ``age_band`` narrow it as the dashboard's filters do (the button passes
    what is on screen); the report says which filters it was made with.

    Aggregated figures with small-cell suppression only: no client data, so no access-log entry.
    """
    import weasyprint

    context = _report_context(
        municipality=municipality, date_from=date_from, date_to=date_to, module_code=module_code, age_band=age_band
    )
    html = render_to_string("monitoring/report.html", context)
    stylesheet = finders.find("coachcare/css/monitoring-print.css")
    stylesheets = [weasyprint.CSS(filename=str(stylesheet))] if stylesheet else []
    pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=stylesheets)
    return EvidenceReport(pdf=bytes(pdf or b""), csv=_csv_of(context))
