"""``seed_demo``'s history: two years of the demo municipality with real figures, loaded once."""

import datetime

import pytest
from django.core.management import call_command

from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.dates import today
from coachcare.demo.seed import (
    DEMO_COMPARISON_SIZE,
    DEMO_HISTORY_YOUTHS,
    DEMO_MUNICIPALITY_CODE,
    DEMO_PILOT_NAME,
    DEMO_PROVIDER_AGB,
    demo_comparison_csv,
)
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import selectors, services
from coachcare.monitoring.models import Pilot, TrajectoryOutcome
from coachcare.municipalities.models import Municipality
from coachcare.trajectories.models import Trajectory
from tests.pages import shows

pytestmark = pytest.mark.django_db

#: The indicators the municipality's dashboard and evidence report lead with. Not here: renewed
#: demand (3.2; a rare event, and not due yet for the last two quarters) and problems reduced (3.3;
#: in the synthetic history nearly everyone's GBO improves, so its complement is small).
PARENT_INDICATORS = ("satisfied_parent", "goal_3_1_parent")
MAIN_INDICATORS = (
    "closed",
    "dropout",
    "satisfied_youth",
    "goal_3_1_youth",
    "goal_3_1_professional",
    "goal_3_4",
    "duration",
    "modules",
    "cost",
    "cost_success",
)


def _last_four_quarters(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The four complete quarters before ``on``'s quarter (the current one is still filling up)."""
    current = ind.quarter_start(on)
    first = current
    for _ in range(4):
        first = ind.quarter_start(first - datetime.timedelta(days=1))
    return first, current - datetime.timedelta(days=1)


def test_the_demo_municipality_has_two_years_of_real_figures() -> None:
    call_command("seed_demo", "--force")
    utrecht = Municipality.objects.get(code=DEMO_MUNICIPALITY_CODE)
    clients = Client.objects.count()
    trajectories = Trajectory.objects.count()
    assert clients >= DEMO_HISTORY_YOUTHS
    assert Client.objects.filter(provider__agb_code=DEMO_PROVIDER_AGB, municipality=utrecht).count() >= 800

    call_command("seed_demo", "--force")  # idempotent: nothing is added the second time

    assert (Client.objects.count(), Trajectory.objects.count()) == (clients, trajectories)
    # the named demo accounts keep their own small caseload and current trajectories
    coach = User.objects.get(username="coach")
    assert Client.objects.filter(coach=coach).count() <= 11
    assert Trajectory.objects.filter(client__user__username="jongere15", closed_on__isnull=True).exists()
    # two years of closures, in every quarter
    on = today()
    two_years = TrajectoryOutcome.objects.filter(municipality=utrecht, closed_on__gte=on - datetime.timedelta(days=730))
    closed_per_quarter = {ind.quarter_start(day) for day in two_years.values_list("closed_on", flat=True)}
    assert len(closed_per_quarter) >= 8

    date_from, date_to = _last_four_quarters(on)
    scope = ind.Scope(date_from=date_from, date_to=date_to, municipality_id=utrecht.pk)
    outcome_scope = selectors.municipality_outcome_scope(municipality_id=utrecht.pk)
    assert outcome_scope.suppress
    figures = selectors.figures_build(scope=scope, suppress=outcome_scope.suppress)

    assert len(figures.quarters) == 4
    for code in MAIN_INDICATORS:
        row = figures.row(code)
        hidden = [label for label, cell in zip(figures.quarter_labels, row.cells, strict=True) if cell.suppressed]
        assert hidden == [], (code, hidden)
        assert not row.total.suppressed, code
        assert all(cell.value is not None for cell in row.cells), code
        if row.figure.unit == ind.Unit.RATE:  # a real interval: computed, and narrower than 30 points
            assert row.figure.low is not None and row.figure.high is not None, code
            assert row.figure.high - row.figure.low < 0.3, code
    # A parent answers at about half of the closures, so one quarter's parent figures can rightly be
    # hidden by the complementary suppression (a handful of "not useful" answers); over the four
    # quarters they are shown, with an interval.
    for code in PARENT_INDICATORS:
        row = figures.row(code)
        assert not row.total.suppressed, code
        assert row.figure.low is not None and row.figure.high is not None, code
    closed = figures.row("closed").total.value
    assert closed is not None and closed >= 200

    _the_demo_pilot_compares_with_real_intervals(utrecht=utrecht, date_from=date_from, date_to=date_to)


def _the_demo_pilot_compares_with_real_intervals(
    *, utrecht: Municipality, date_from: datetime.date, date_to: datetime.date
) -> None:
    """The demo pilot (issue 17.7): frozen at its start, a synthetic usual-care group, every outcome
    shown with its 95% interval, and the pilot section in the report."""
    pilot = Pilot.objects.get(municipality=utrecht, name=DEMO_PILOT_NAME)  # once, after two runs
    assert pilot.started_at is not None and services.pilot_frozen_intact(pilot=pilot)
    assert pilot.comparison_trajectories.count() == DEMO_COMPARISON_SIZE
    assert demo_comparison_csv(on=today()) == demo_comparison_csv(on=today())  # deterministic
    outcomes = selectors.pilot_outcomes(pilot=pilot)
    assert [o.code for o in outcomes] == ["dropout", "duration", "cost"]
    for outcome in outcomes:
        assert outcome.comparable and outcome.shown, outcome.code  # no figure suppressed
        assert outcome.low and outcome.high and outcome.n_pilot >= 200, outcome.code
    assert any(not outcome.includes_zero for outcome in outcomes)  # a real difference
    html = services.evidence_report_build(municipality=utrecht, date_from=date_from, date_to=date_to).html
    assert shows(DEMO_PILOT_NAME, html) and "Vooraf vastgelegd" in html and pilot.definition_sha256 in html
    assert "synthetisch" in html
