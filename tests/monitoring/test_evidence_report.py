"""Page 1 of the evidence report: the question, a verdict from the intervals, key figures, cost, trend."""

import datetime
import html
import re
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.utils import translation

from coachcare.accounts.models import User
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors, services
from coachcare.monitoring.models import ReferenceCost
from coachcare.monitoring.services.evidence_report import VERDICT_MIN_N
from tests.conftest import World
from tests.monitoring.test_monitoring import FROM, TO, _appointment, make_trajectory

D = datetime.date


def _page_one(html: str) -> str:
    match = re.search(r'<section class="page-one".*?</section>', html, re.S)
    assert match, "no page 1 in the report"
    return match.group(0)


def _text(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def _success_set(world: World) -> None:
    """40 closed trajectories in two quarters of 20: 28 reached their goals (GAS T 55, 14 a quarter),
    12 did not (45)."""
    for number in range(40):
        closed_on = D(2025, 2, 10) if number % 2 else D(2025, 5, 12)
        make_trajectory(
            world,
            closed_on=closed_on,
            final_gas_t=55 if number < 28 else 45,
            satisfaction=5 if number < 30 else 2,
            modules=1,
            tariff_cents=100_000,
        )


def test_page_one_answers_the_question_with_enough_data(world: World) -> None:
    _success_set(world)
    ReferenceCost.objects.create(
        municipality=world.municipality_a, amount_cents=500_000, description="regio 2024", updated_by=world.beleid
    )
    with translation.override("nl"):
        report = services.evidence_report_build(municipality=world.municipality_a, date_from=FROM, date_to=TO)
    assert report.pdf.startswith(b"%PDF")
    page = _text(_page_one(report.html))
    assert f"Werkt Coach & Care in {world.municipality_a.name}, en wat kost het?" in page
    # 28 of 40: 70%, Wilson 95% interval 55% to 82% (27 points wide), above the reference of 50%
    assert "Ja: meer jongeren halen hun doelen dan de referentie." in page
    assert "70% van de 40 jongeren" in page and "55% tot 82%" in page
    assert "Te weinig gegevens" not in page
    # the key figures as a chart (SVG with title) and as a table, with their intervals
    raw = _page_one(report.html)
    assert raw.count("<svg") == 3 and '<title id="chart-key-figures-title">' in raw
    assert "70% (55% – 82%)" in raw and "28 van 40" in page
    # cost: 40 × € 1.000 / 28 successes = € 1.428,57 against € 5.000
    cost = selectors.figures_build(
        scope=ind.Scope(date_from=FROM, date_to=TO, municipality_id=world.municipality_a.pk), suppress=True
    ).row("cost_success")
    assert cost.total.text.replace("\xa0", " ") in page and "minder dan de referentiekosten van" in page
    # the trend per quarter: both quarters have 20 closed trajectories, 14 of them with goals achieved
    assert "2025 Q1" in page and "2025 Q2" in page and page.count("14 van 20") == 2
    trend = raw[raw.index('id="chart-trend-title"') :]
    assert trend.count("<rect") == 2


def test_page_one_says_too_little_data(world: World) -> None:
    for number in range(VERDICT_MIN_N - 8):
        make_trajectory(world, final_gas_t=55 if number < 8 else 45)
    with translation.override("nl"):
        report = services.evidence_report_build(municipality=world.municipality_a, date_from=FROM, date_to=TO)
    page = _text(_page_one(report.html))
    assert "Te weinig gegevens om dit te zeggen." in page
    assert "Ja:" not in page and "Nee:" not in page
    assert "De gemeente heeft geen referentiekosten ingevuld." in page


def test_suppressed_figures_are_not_drawn_and_give_no_verdict(world: World) -> None:
    for number in range(7):  # 7 closed, 3 with goals: every share is hidden
        make_trajectory(world, final_gas_t=55 if number < 3 else 45)
    figures = selectors.figures_build(
        scope=ind.Scope(date_from=FROM, date_to=TO, municipality_id=world.municipality_a.pk), suppress=True
    )
    context = services.evidence_report_page_one_context(
        municipality=world.municipality_a, figures=figures, reference=None
    )
    assert context["verdict"].kind == services.VerdictKind.TOO_LITTLE
    chart = str(context["key_chart"])
    assert "<rect" not in chart  # no bar and no whisker for a hidden figure
    assert "3 of 7" not in chart and "43%" not in chart
    trend = str(context["trend_chart"])
    assert "<rect" not in trend


@pytest.mark.parametrize(
    ("successes", "trials", "kind"),
    [
        (34, 40, "works"),
        (6, 40, "falls_short"),
        (22, 40, "unclear"),
        (12, 15, "too_little"),  # fewer than VERDICT_MIN_N
    ],
)
def test_verdict_rules(successes: int, trials: int, kind: str) -> None:
    figure = ind._rate("goal_3_4", successes, trials)
    row = selectors.IndicatorRow(
        indicator=ind.BY_CODE["goal_3_4"],
        cells=[],
        total=selectors.Cell(text="", value=figure.value),
        figure=figure,
        annotations=[],
    )
    assert services.evidence_verdict(row=row).kind == kind


def test_waiting_times_on_page_one_the_dashboard_and_the_report(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    """17.6: time from referral to first contact and to the first module per quarter of referral,
    with suppression: 12 referred on a Friday, 6 seen after 1 working day and 6 after 15."""
    for number in range(12):
        trajectory = make_trajectory(world, closed_on=None, referred_on=D(2025, 1, 3), modules=1)
        _appointment(world, trajectory, D(2025, 1, 6) if number < 6 else D(2025, 1, 24))
    report = services.evidence_report_build(municipality=world.municipality_a, date_from=FROM, date_to=TO)
    page = _text(_page_one(report.html))
    assert "Waiting time to first contact (median) 8 working days" in page
    assert "First contact within the norm 50% (" in page  # 6 of 12, with its interval
    # the chart per quarter of referral: Q1 drawn (6 of 12), Q2 (nobody referred) not drawn
    chart = report.html[report.html.index('id="chart-waiting-title"') :]
    chart = chart[: chart.index("</svg>")]
    assert chart.count("<rect") == 1 and "2025 Q1: 50%" in chart
    dashboard = login(world.beleid).get(f"/monitoring/municipality/?date_from={FROM}&date_to={TO}").content.decode()
    assert (
        'id="chart-waiting-title"' in dashboard and "First contact within the norm per quarter of referral" in dashboard
    )
    # the module: 12 of 12 within the norm, so no share is shown anywhere (0 outside the norm)
    assert (
        services.evidence_report_page_one_context(
            municipality=world.municipality_a,
            figures=selectors.figures_build(
                scope=ind.Scope(date_from=FROM, date_to=TO, municipality_id=world.municipality_a.pk), suppress=True
            ),
            reference=None,
        )["wait_module"].total.text
        == "0 working days"
    )
