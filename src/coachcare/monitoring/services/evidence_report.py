"""The evidence report of one municipality: PDF (WeasyPrint) and CSV tables."""

import csv
import dataclasses
import datetime
import io
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coachcare.contracts.money import format_euros
from coachcare.core.dates import today
from coachcare.monitoring import charts, selectors
from coachcare.monitoring import indicators as ind
from coachcare.monitoring.models import Pilot, ReferenceCost
from coachcare.monitoring.services.pilots import pilot_frozen_intact
from coachcare.municipalities.models import Municipality


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvidenceReport:
    pdf: bytes
    csv: str
    html: str  # what the PDF was made from (page 1 is its first ``section.page-one``)


# --- page 1: the answer ---------------------------------------------------------------------------

#: The primary outcome the verdict is taken from: agreed goals achieved (NJi/CBS 3.4).
VERDICT_PRIMARY = "goal_3_4"
#: The reference share for the primary outcome: a final GAS T-score of 50 means "goals met as
#: expected" by construction (Kiresuk and Sherman), so half of the young people at or above it is
#: what the scale itself expects. docs/indicators.md ("Page 1: the verdict").
VERDICT_REFERENCE = 0.5
#: Below this many trajectories with a final goal score there is no verdict.
VERDICT_MIN_N = 20
#: An interval wider than this (in shares: 0.30 = 30 percentage points) gives no verdict.
VERDICT_MAX_WIDTH = 0.30
#: The key figures of page 1 (shares with a 95% interval), with the short label the chart uses.
KEY_FIGURES: tuple[tuple[str, Any], ...] = (
    ("goal_3_4", gettext_lazy("Goals achieved")),
    ("goal_3_3", gettext_lazy("Problems reduced")),
    ("satisfied_youth", gettext_lazy("Help was useful (young person)")),
    ("dropout", gettext_lazy("Drop-out (lower is better)")),
    ("wait_contact_norm", gettext_lazy("First contact within the norm")),
)


class VerdictKind:
    WORKS = "works"  # the interval of the primary outcome lies above the reference
    FALLS_SHORT = "falls_short"  # it lies below the reference
    UNCLEAR = "unclear"  # it contains the reference
    TOO_LITTLE = "too_little"  # suppressed, fewer than VERDICT_MIN_N, or wider than VERDICT_MAX_WIDTH


@dataclasses.dataclass(frozen=True, kw_only=True)
class Verdict:
    kind: str
    headline: str
    explanation: str


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def evidence_verdict(*, row: selectors.IndicatorRow, reference: float = VERDICT_REFERENCE) -> Verdict:
    """The answer to "werkt het?" from the 95% interval of the primary outcome (rules above and in
    docs/indicators.md). A suppressed figure gives no verdict: the verdict never reveals a hidden one."""
    figure = row.figure
    reference_text = _percent(reference)
    if (
        row.total.suppressed
        or figure.value is None
        or figure.low is None
        or figure.high is None
        or figure.denominator < VERDICT_MIN_N
        or figure.high - figure.low > VERDICT_MAX_WIDTH
    ):
        return Verdict(
            kind=VerdictKind.TOO_LITTLE,
            headline=_("Too little data to say this."),
            explanation=_(
                "A verdict needs at least %(minimum)s closed trajectories with a final goal score and a 95%% "
                "interval of at most %(width)s percentage points. Wait for more closed trajectories, or take "
                "a longer period."
            )
            % {"minimum": VERDICT_MIN_N, "width": f"{VERDICT_MAX_WIDTH * 100:.0f}"},
        )
    explanation = _(
        "%(share)s of the %(n)s young people with a final goal score reached their agreed goals (95%% interval "
        "%(low)s to %(high)s). The reference is %(reference)s: a final goal score of 50 means goals met as "
        "expected."
    ) % {
        "share": _percent(figure.value),
        "n": figure.denominator,
        "low": _percent(figure.low),
        "high": _percent(figure.high),
        "reference": reference_text,
    }
    if figure.low > reference:
        kind, headline = VerdictKind.WORKS, _("Yes: more young people reach their goals than the reference.")
    elif figure.high < reference:
        kind, headline = VerdictKind.FALLS_SHORT, _("No: fewer young people reach their goals than the reference.")
    else:
        kind, headline = VerdictKind.UNCLEAR, _("Not clear yet: the result may lie above or below the reference.")
    return Verdict(kind=kind, headline=headline, explanation=explanation)


def _cost_sentence(*, row: selectors.IndicatorRow, reference: ReferenceCost | None) -> str:
    figure = row.figure
    if row.total.suppressed or figure.value is None:
        return _("Too few successful trajectories to compare with the reference cost.")
    cost = format_euros(round(figure.value))
    if reference is None:
        return _("One successful trajectory costs %(cost)s. The municipality has not entered a reference cost.") % {
            "cost": cost
        }
    difference = round(figure.value) - reference.amount_cents
    values = {
        "cost": cost,
        "reference": format_euros(reference.amount_cents),
        "difference": format_euros(abs(difference)),
    }
    if difference <= 0:
        return (
            _("One successful trajectory costs %(cost)s: %(difference)s less than the reference cost of %(reference)s.")
            % values
        )
    return (
        _("One successful trajectory costs %(cost)s: %(difference)s more than the reference cost of %(reference)s.")
        % values
    )


def evidence_report_page_one_context(
    *, municipality: Municipality, figures: selectors.Figures, reference: ReferenceCost | None
) -> dict[str, Any]:
    """Everything page 1 of the report (and the summary on the municipality dashboard) shows: the
    question, the verdict, the key figures with their intervals (chart and table), the cost per
    successful trajectory against the reference cost, and the trend of the primary outcome per
    quarter. Built from ``figures`` only (no query): every suppressed figure stays hidden, and a
    hidden figure is not drawn. Later report sections (the pilot) extend the returned dict."""
    key_rows = []
    bars = []
    for code, label in KEY_FIGURES:
        row = figures.row(code)
        figure = row.figure
        shown = not row.total.suppressed and figure.value is not None
        interval = ""
        if shown and figure.low is not None and figure.high is not None:
            interval = f"{_percent(figure.low)} – {_percent(figure.high)}"
        text = row.total.text if not interval else f"{row.total.text} ({interval})"
        key_rows.append({"label": str(label), "row": row, "interval": interval})
        bars.append(
            charts.IntervalBar(
                label=str(label),
                text=text,
                value=figure.value if shown else None,
                low=figure.low if shown else None,
                high=figure.high if shown else None,
            )
        )
    key_chart = charts.interval_chart(
        title=_("Key figures over the period, with their 95% interval"),
        bars=bars,
        chart_id="chart-key-figures",
        reference=VERDICT_REFERENCE,
        reference_label=_("Reference for goals achieved: %(reference)s") % {"reference": _percent(VERDICT_REFERENCE)},
    )
    cost_row = figures.row("cost_success")
    cost_rows: list[tuple[str, float | None, str]] = [
        (
            _("Coach & Care"),
            None if cost_row.total.suppressed else cost_row.figure.value,
            cost_row.total.text,
        )
    ]
    if reference is not None:
        cost_rows.append((_("Reference cost"), float(reference.amount_cents), format_euros(reference.amount_cents)))
    cost_chart = None  # nothing to draw: the sentence says why
    if any(value is not None for _label, value, _text in cost_rows):
        cost_chart = charts.amount_chart(
            title=_("Cost per successful trajectory against the reference cost"), rows=cost_rows, chart_id="chart-cost"
        )
    primary = figures.row(VERDICT_PRIMARY)
    trend_chart = charts.bar_chart(
        title=_("Goals achieved per quarter of closure"),
        labels=figures.quarter_labels,
        values=[None if cell.suppressed else cell.value for cell in primary.cells],
        texts=[cell.text for cell in primary.cells],
        chart_id="chart-trend",
        tick_label=charts.percent,
        top=1.0,
    )
    return {
        "question": _("Does Coach & Care work in %(name)s, and what does it cost?") % {"name": municipality.name},
        "verdict": evidence_verdict(row=primary),
        "cost_sentence": _cost_sentence(row=cost_row, reference=reference),
        "reference": reference,
        "key_rows": key_rows,
        "key_chart": key_chart,
        "cost_row": cost_row,
        "cost_chart": cost_chart,
        "trend": list(zip(figures.quarter_labels, primary.cells, strict=True)),
        "trend_chart": trend_chart,
        "wait_contact": figures.row("wait_contact"),
        "wait_module": figures.row("wait_module"),
        "waiting_norm": figures.waiting_norm,
    }


def waiting_chart(*, figures: selectors.Figures) -> SafeString:
    """First contact within the norm per quarter of referral (suppressed quarters not drawn)."""
    row = figures.row("wait_contact_norm")
    return charts.bar_chart(
        title=_("First contact within the norm per quarter of referral"),
        labels=figures.quarter_labels,
        values=[None if cell.suppressed else cell.value for cell in row.cells],
        texts=[cell.text for cell in row.cells],
        chart_id="chart-waiting",
        tick_label=charts.percent,
        top=1.0,
    )


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
        "page_one": evidence_report_page_one_context(municipality=municipality, figures=figures, reference=reference),
        "waiting_chart": waiting_chart(figures=figures),
        "pilots": _pilot_context(municipality=municipality),
        "reviews": selectors.quarterly_reviews_for_report(municipality_id=municipality.pk, date_to=date_to),
    }


def pilot_section(*, pilot: Pilot) -> dict[str, Any]:
    """One started pilot as the report's pilot section shows it (docs/pilots.md): its definition
    with the hash, the comparison and the outcomes (aggregated, small groups not shown)."""
    return {
        "pilot": pilot,
        "owner_name": selectors.pilot_owner_name(pilot=pilot),
        "intact": pilot_frozen_intact(pilot=pilot),
        "primary_names": [str(ind.BY_CODE[code].name) for code in pilot.primary_outcomes],
        "secondary_names": [str(ind.BY_CODE[code].name) for code in pilot.secondary_outcomes],
        "reference_cost": format_euros(pilot.reference_cost_cents) if pilot.reference_cost_cents else "",
        "comparison_count": pilot.comparison_trajectories.count(),
        "outcomes": selectors.pilot_outcomes(pilot=pilot),
    }


def _pilot_context(*, municipality: Municipality) -> list[dict[str, Any]]:
    """The started pilots of the municipality for the report's pilot section (docs/pilots.md)."""
    return [pilot_section(pilot=pilot) for pilot in selectors.pilots_started_of(municipality_id=municipality.pk)]


def pilot_report_build(*, pilot: Pilot) -> EvidenceReport:
    """The report of one started pilot (a municipality's or a region's): the pilot section of the
    evidence report on its own, as a PDF, with its table as CSV. Aggregated figures with the
    pilot section's small-group rule only (no client data, so no access-log entry)."""
    if pilot.started_at is None:
        raise ValueError("Only a started pilot has a report: its definition is fixed at the start.")
    section = pilot_section(pilot=pilot)
    context = {"pilots": [section], "item": section, "generated_on": today()}
    html = render_to_string("monitoring/pilot_report.html", context)
    pdf = _pdf_of(html)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("outcome"), _("code"), _("primary"), _("pilot"), _("n pilot"), _("comparison"), _("n comparison"),
         _("difference"), _("interval low (95 percent)"), _("interval high (95 percent)")]
    )  # fmt: skip
    for outcome in section["outcomes"]:
        shown = outcome.shown
        writer.writerow(
            [outcome.name, outcome.code, _("yes") if outcome.primary else _("no"),
             outcome.pilot_value if shown else "x", outcome.n_pilot if shown else "x",
             outcome.comparison_value if shown else "x", outcome.n_comparison if shown else "x",
             outcome.difference if shown else "x", outcome.low if shown else "x", outcome.high if shown else "x"]
        )  # fmt: skip
    return EvidenceReport(pdf=pdf, csv=out.getvalue(), html=html)


def _csv_of(context: dict[str, Any]) -> str:
    """The report's (suppressed) tables as CSV: one block per table."""
    figures: selectors.Figures = context["figures"]
    out = io.StringIO()
    writer = csv.writer(out)
    # Column headers, table names and labels in the reader's language (Dutch by default); the
    # "code" column keeps the indicator's code for programs.
    header = [
        _("table"),
        _("indicator"),
        _("code"),
        *figures.quarter_labels,
        _("total"),
        _("total: numerator/denominator"),
    ]
    writer.writerow(header)
    for table, rows in (
        (_("outcomes"), figures.outcomes),
        (_("gate decisions"), figures.gates),
        (_("waiting times"), figures.waiting),
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
        writer.writerow([_("cohort by age band"), label, "", *[""] * len(figures.quarters), count, ""])
    for label, count in context["cohort_end"]:
        writer.writerow([_("cohort by end reason"), label, "", *[""] * len(figures.quarters), count, ""])
    quality_labels = {
        "no_intake": _("Closed trajectories without intake scores"),
        "no_satisfaction": _("Closures without a satisfaction score"),
        "fu_missing": _("Follow-ups past their date and not recorded"),
    }
    for key, cell in figures.data_quality.items():
        row_label = quality_labels.get(key, key)
        writer.writerow([_("data quality"), row_label, key, *[""] * len(figures.quarters), cell.text, cell.detail])
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
    context = _report_context(
        municipality=municipality, date_from=date_from, date_to=date_to, module_code=module_code, age_band=age_band
    )
    html = render_to_string("monitoring/report.html", context)
    return EvidenceReport(pdf=_pdf_of(html), csv=_csv_of(context), html=html)


def _pdf_of(html: str) -> bytes:
    """The report's HTML as a PDF (WeasyPrint) with the print stylesheet."""
    import weasyprint

    stylesheet = finders.find("coachcare/css/monitoring-print.css")
    stylesheets = [weasyprint.CSS(filename=str(stylesheet))] if stylesheet else []
    pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=stylesheets)
    return bytes(pdf or b"")
