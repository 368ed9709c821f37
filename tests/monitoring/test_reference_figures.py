"""National reference figures (issue 17.4): a documented JSON file, loaded all or nothing and once per
source and year; a pilot compares with them instead of an imported group; the report names the
source and year and says what such a comparison can and cannot show."""

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string

from coachcare.method.models import MethodVersion
from coachcare.monitoring import selectors, services, statistics
from coachcare.monitoring.models import (
    ComparisonTrajectory,
    Pilot,
    ReferenceFigure,
    ReferenceFigureSet,
    TrajectoryOutcome,
)
from coachcare.monitoring.services.evidence_report import _report_context
from coachcare.trajectories.models import Trajectory
from tests.clients.factories import ClientFactory
from tests.conftest import World
from tests.monitoring.test_pilots import GOOD, _started

pytestmark = pytest.mark.django_db

D = datetime.date
EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "reference-figures-example.json"


def _source(**overrides: Any) -> dict[str, Any]:
    return {
        "publisher": "Test publisher",
        "title": "Test figures",
        "url": "https://example.org/figures",
        "year": 2024,
        "figures": [
            {"indicator": "dropout", "value": 0.40, "denominator": 50},
            {"indicator": "cost", "value": 4000.00},
        ],
    } | overrides


def _load(**overrides: Any) -> ReferenceFigureSet:
    figure_set, _created = services.reference_figures_load(data=json.dumps(_source(**overrides)).encode())
    return figure_set


def _pilot_group(world: World, *, young_people: int = 20, dropped_out: int = 5) -> None:
    method = MethodVersion.objects.first()
    assert method is not None
    for i in range(young_people):
        referred = D(2025, 2, 1) + datetime.timedelta(days=i)
        trajectory = Trajectory.objects.create(
            client=ClientFactory.create(), municipality=world.municipality_a, coach=world.coach,
            referrer_kind="gemeente", referred_on=referred, method_version=method,
        )  # fmt: skip
        TrajectoryOutcome.objects.create(
            trajectory=trajectory, municipality=world.municipality_a, provider=world.provider, team=world.team_1,
            age_at_referral=14, referred_on=referred, closed_on=referred + datetime.timedelta(days=100),
            duration_days=100, end_reason="32" if i < dropped_out else "31", has_intake=True, n_modules=1,
            cost_cents=300000,
        )  # fmt: skip


def test_the_example_file_loads_once_per_source_and_year() -> None:
    out = io.StringIO()
    call_command("load_reference_figures", str(EXAMPLE), stdout=out)
    assert "EXAMPLE, not real figures" in out.getvalue()
    figure_set = ReferenceFigureSet.objects.get()
    assert figure_set.example and figure_set.year == 2024
    figures = {f.indicator_code: f for f in figure_set.figures.all()}
    assert figures["dropout"].value == 0.25 and figures["dropout"].denominator == 10000
    assert figures["cost"].value == 700000  # euros in the file, cents stored
    assert figures["duration"].denominator is None
    out = io.StringIO()
    call_command("load_reference_figures", str(EXAMPLE), stdout=out)  # again: replaced, not added
    assert "replaced" in out.getvalue()
    assert (ReferenceFigureSet.objects.count(), ReferenceFigure.objects.count()) == (1, 3)
    _load(year=2023)  # another year of the same source is another set
    assert ReferenceFigureSet.objects.count() == 2


def test_a_wrong_file_is_refused_whole(tmp_path: Path) -> None:
    _load()
    bad = _source(
        url="http://example.org",
        year=1800,
        bsn="123",
        figures=[
            {"indicator": "dropout", "value": 21},
            {"indicator": "closed", "value": 10},
            {"indicator": "cost", "value": 10, "denominator": 0},
            {"indicator": "duration", "value": 100},
        ],
    )
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_reference_figures", str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert "-: unknown keys: bsn" in lines
    assert any(line.startswith("url:") for line in lines) and any(line.startswith("year:") for line in lines)
    assert any(line.startswith("figures[0].value:") for line in lines)
    assert any(line.startswith("figures[1].indicator:") for line in lines)
    assert any(line.startswith("figures[2].denominator:") for line in lines)
    # nothing changed: the earlier set keeps its two figures, no duration was added
    assert ReferenceFigure.objects.count() == 2
    with pytest.raises(services.ReferenceFiguresError):
        services.reference_figures_load(data=b"not json")


def test_the_comparison_is_an_imported_group_or_reference_figures(world: World) -> None:
    pilot = _started(world)
    services.pilot_comparison_import(pilot=pilot, data=GOOD.encode())
    figure_set = _load()
    out = io.StringIO()
    call_command("load_reference_figures", str(EXAMPLE), "--pilot", str(pilot.pk), stdout=out)
    pilot.refresh_from_db()
    assert pilot.reference_set is not None and pilot.reference_set.example
    assert not ComparisonTrajectory.objects.filter(pilot=pilot).exists() and pilot.comparison_sha256 == ""
    services.pilot_reference_choose(pilot=pilot, figure_set=figure_set)
    services.pilot_comparison_import(pilot=pilot, data=GOOD.encode())
    pilot.refresh_from_db()
    assert pilot.reference_set is None and pilot.comparison_sha256
    with pytest.raises(CommandError, match="no pilot"):
        call_command("load_reference_figures", str(EXAMPLE), "--pilot", "999999")


def test_pilot_against_reference_figures(world: World, contracted: World) -> None:
    pilot = _started(world)  # primary drop-out (planned −10 points), secondary cost and goal 3.4
    _pilot_group(world)
    services.pilot_reference_choose(pilot=pilot, figure_set=_load())
    outcomes = {o.code: o for o in selectors.pilot_outcomes(pilot=Pilot.objects.get(pk=pilot.pk))}
    dropout = outcomes["dropout"]
    assert dropout.shown and (dropout.n_pilot, dropout.n_comparison) == (20, 50)
    # with its denominator the national figure is a second group: Newcombe, as against an imported one
    expected = statistics.proportion_difference(successes_a=5, trials_a=20, successes_b=20, trials_b=50)
    assert dropout.low.startswith(f"{expected.low * 100:.1f}")
    assert dropout.needed_per_group == statistics.sample_size_one_proportion(p_reference=0.40, difference=-0.10)
    cost = outcomes["cost"]  # no denominator: the figure is fixed, every pilot trajectory costs € 3,000
    assert cost.shown and cost.n_comparison == 0 and not cost.includes_zero
    assert cost.difference == cost.low == cost.high and "1.000" in cost.difference  # € 3,000 − € 4,000
    assert not outcomes["goal_3_4"].comparable


def test_report_names_source_and_year_and_what_it_can_show(world: World, contracted: World) -> None:
    pilot = _started(world)
    _pilot_group(world)
    figure_set, _created = services.reference_figures_load(data=EXAMPLE.read_bytes())
    services.pilot_reference_choose(pilot=pilot, figure_set=figure_set)
    context = _report_context(
        municipality=world.municipality_a, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), module_code="", age_band=""
    )
    html = render_to_string("monitoring/report.html", context)
    assert "EXAMPLE FIGURES, NOT REAL DATA" in html
    assert figure_set.publisher in html and "year 2024" in html and figure_set.url in html
    assert "National reference (2024)" in html
    assert "not whether the pilot works better than the municipality's usual care" in html
    assert "not assigned to the pilot or to usual care by chance" in html


def test_statistics_against_a_fixed_figure() -> None:
    d = statistics.proportion_against_reference(successes=8, trials=10, reference=0.5)
    assert (round(d.difference, 3), round(d.low, 3), round(d.high, 3)) == (0.3, -0.01, 0.443)
    m = statistics.mean_against_reference(values=[1, 2, 3, 4, 5], reference=2)
    assert (m.difference, round(m.low, 3), round(m.high, 3)) == (1.0, -0.386, 2.386)
    assert statistics.sample_size_one_proportion(p_reference=0.40, difference=0.10) == 191
    assert statistics.sample_size_one_mean(sd=1, difference=0.5) == 32


#: The national reference file coachcare ships (docs/pilots.md, "The national reference file").
NATIONAL = Path(settings.BASE_DIR) / "src" / "coachcare" / "monitoring" / "data" / "national-reference-cbs-2023.json"


def test_the_shipped_national_file_documents_every_source_and_invents_no_number() -> None:
    source = json.loads(NATIONAL.read_text(encoding="utf-8"))
    assert "example" not in source and source["url"].startswith("https://www.cbs.nl/")
    by_code = {figure["indicator"]: figure for figure in source["figures"]}
    assert set(by_code) == {"dropout", "duration", "goal_3_2_6", "cost"}
    for code, figure in by_code.items():
        assert figure["definition"] and figure["maps_to"], code
        # a number only where it can be quoted from its table: none could be, so each says why
        assert figure["value"] is None and figure["missing"], code
    assert by_code["dropout"]["table"] == by_code["duration"]["table"] == "85097NED"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_reference_figures", str(NATIONAL), stdout=out, stderr=err)
    assert "No verified national figure for dropout, not loaded:" in out.getvalue()
    assert "no figure has a verified value" in err.getvalue()
    assert not ReferenceFigureSet.objects.exists()


def test_a_figure_without_a_verified_value_is_checked_and_not_loaded() -> None:
    missing = {"indicator": "duration", "value": None, "table": "85097NED", "missing": "not quotable"}
    figure_set = _load(figures=[{"indicator": "dropout", "value": 0.30, "denominator": 100}, missing])
    assert [f.indicator_code for f in figure_set.figures.all()] == ["dropout"]
    with pytest.raises(services.ReferenceFiguresError) as caught:
        _load(figures=[{"indicator": "dropout", "value": None}])  # no reason given
    assert caught.value.problems[0][0] == "figures[0].missing"
    with pytest.raises(services.ReferenceFiguresError) as caught:
        _load(figures=[{"indicator": "dropout", "value": 0.3, "missing": "but it has a value"}])
    assert caught.value.problems[0][0] == "figures[0].missing"
