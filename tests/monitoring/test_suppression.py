"""Small-cell suppression, attacked: everything a municipality gets for one period (the dashboard
HTML, the evidence report's CSV, which holds the PDF's tables, ``/api/v1/outcomes`` and
``/api/v1/indicators``) is collected and every hidden or small cell is reconstructed where possible
by every linear relation the attacker knows from docs/indicators.md: quarters sum to the period,
complements (closed = drop-out + the rest), end reasons and age bands sum to the closed
trajectories, gate advice sums to the decisions, a rate times its denominator. Exact linear algebra
over all relations together, plus bounds from "no count is negative" (and "<5" where an output
says so). Nothing small may come out exactly.
"""

import csv
import datetime
import io
import random
import re
from collections.abc import Callable
from fractions import Fraction
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.translation import gettext

from coachcare.accounts.models import User
from coachcare.api.services import api_token_create
from coachcare.coaching.models import Appointment
from coachcare.core import suppression
from coachcare.monitoring import indicators as ind
from coachcare.monitoring import services
from coachcare.trajectories.models import EndReason, Evaluation, Trajectory
from tests.conftest import World
from tests.monitoring.test_monitoring import FROM, TO, make_trajectory, scope_a

D = datetime.date
Var = tuple[str, str]  # (cell, column): column "0", "1", ... per quarter, "T" for the period

#: What the attacker knows from the definitions: rate -> (numerator, denominator) and the mean's denominator.
RATES = {
    "dropout": ("dropout", "closed"),
    "satisfied_youth": ("useful_youth_yes", "useful_youth_n"),
    "satisfied_parent": ("useful_parent_yes", "useful_parent_n"),
    "goal_3_1_youth": ("wh_youth_yes", "wh_youth_n"),
    "goal_3_1_parent": ("wh_parent_yes", "wh_parent_n"),
    "goal_3_1_professional": ("wh_pro_yes", "wh_pro_n"),
    "goal_3_2_6": ("fu6_again", "fu6_n"),
    "goal_3_2_12": ("fu12_again", "fu12_n"),
    "goal_3_3": ("gbo_up", "gbo_n"),
    "goal_3_4": ("gas_ok", "gas_n"),
    "gate_stop": ("advice_stop", "decided"),
    "gate_continue": ("advice_continue", "decided"),
    "gate_step_up": ("advice_step_up", "decided"),
    "gate_deviated": ("deviated", "decided"),
    "wait_contact_norm": ("wc_ok", "wc_n"),
    "wait_module_norm": ("wm_ok", "wm_n"),
}
MEANS = {
    "wait_contact": "wc_n_days",
    "wait_module": "wm_n_days",
    "duration": "closed",
    "modules": "closed",
    "cost": "closed",
    "cost_success": "gas_ok",
}
DROP_OUT = ("32", "33", "34", "35")


# --- the data: one municipality with small cells --------------------------------------------------


def _build(world: World) -> None:
    """Q1 2025: 9 closed, 1 drop-out ("Uitval 11% — <5 van 9"); Q2: 7 closed, 1 drop-out; small gate
    and follow-up counts, a few end reasons and ages."""
    for number in range(8):
        make_trajectory(
            world, end_reason="31", satisfaction=4 if number else 2, final_gas_t=55, follow_up_6=False,
            # per informant: small cells (a parent's answers: 3; one young person who cannot go on alone)
            useful_parent=5 if number < 3 else None, without_help=(number != 0, True if number < 3 else None, True),
        )  # fmt: skip
    make_trajectory(world, end_reason="32", satisfaction=3, follow_up_6=True, without_help=(False, None, False))
    for number in range(6):
        make_trajectory(
            world, end_reason="31", closed_on=D(2025, 5, 1), satisfaction=5, final_gas_t=40 if number < 2 else 60,
            birth_date=D(2006, 1, 1) if number < 3 else D(2010, 6, 1), useful_parent=2 if number < 4 else None,
            without_help=(True, None, number < 5),
        )  # fmt: skip
    trajectory = make_trajectory(world, end_reason="34", closed_on=D(2025, 5, 1), modules=3)
    decided = timezone.make_aware(datetime.datetime(2025, 5, 2, 12))
    for run, (advice, decision) in zip(
        trajectory.module_runs.all(), [("continue", "continue"), ("continue", "stop"), ("stop", "stop")], strict=True
    ):
        Evaluation.objects.create(
            module_run=run, advice=advice, advice_rule="r", decision=decision, decided_at=decided,
            deviates=advice != decision,
        )  # fmt: skip
    services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])
    make_trajectory(world, municipality="b", end_reason="32")  # another municipality: not counted
    # first appointments: 9 within the norm (10 working days), 3 after it (all referred on 1 January)
    for number, trajectory in enumerate(Trajectory.objects.filter(client__municipality=world.municipality_a)[:12]):
        starts = timezone.make_aware(datetime.datetime(2025, 1, 6 if number < 9 else 27, 10))
        Appointment.objects.create(
            client=trajectory.client, trajectory=trajectory, starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1), title="kennismaking", created_by=world.coach,
        )  # fmt: skip
        services.trajectory_outcomes_refresh(trajectory_ids=[trajectory.pk])  # as appointment_create does


# --- the truth and the relations the attacker knows ------------------------------------------------


def _truth(world: World) -> tuple[dict[Var, int], list[tuple[Var, list[Var]]], list[str]]:
    """Every cell's exact value (provider side), the relations, the column names."""
    scope = scope_a(world)
    rows = {row["quarter"]: row for row in ind.outcome_rows(scope)}
    gates = {row["quarter"]: row for row in ind.gate_rows(scope)}
    quarters = [D(2025, 1, 1), D(2025, 4, 1)]
    columns = [str(i) for i in range(len(quarters))]
    values: dict[Var, int] = {}
    for column, quarter in zip(columns, quarters, strict=True):
        row, gate = rows.get(quarter, {}), gates.get(quarter, {})
        for name in ("closed", "dropout", *(c for rate in ind.INFORMANT_RATES.values() for c in rate), "fu6_n",
                     "fu6_again", "fu12_n", "fu12_again", "gbo_n", "gbo_up", "gas_n", "gas_ok", "no_intake",
                     "no_satisfaction", "fu_missing"):  # fmt: skip
            values[(name, column)] = int(row.get(name, 0))
        for name in ("decided", "advice_stop", "advice_continue", "advice_step_up", "deviated"):
            values[(name, column)] = int(gate.get(name, 0))
    waiting = {row["quarter"]: row for row in ind.waiting_rows(scope)}
    for column, quarter in zip(columns, quarters, strict=True):
        row = waiting.get(quarter, {})
        for name in ("wc_n", "wc_ok", "wm_n", "wm_ok"):
            values[(name, column)] = int(row.get(name, 0))
        values[("wc_n_days", column)] = len(row.get("wc_days", []))
        values[("wm_n_days", column)] = len(row.get("wm_days", []))
    # cells per quarter that the outputs only publish for the period: counted here from the truth
    from coachcare.monitoring.models import TrajectoryOutcome

    closed = TrajectoryOutcome.objects.filter(
        municipality_id=world.municipality_a.pk, closed_on__gte=FROM, closed_on__lte=TO
    )
    for column, quarter in zip(columns, quarters, strict=True):
        in_quarter = [o for o in closed if ind.quarter_start(o.closed_on) == quarter]
        for code in [*EndReason.values, ""]:
            values[(f"er_{code or 'blank'}", column)] = sum(1 for o in in_quarter if o.end_reason == code)
        for code, (_label, low, high) in ind.AGE_BANDS.items():
            values[(f"age_{code}", column)] = sum(1 for o in in_quarter if low <= o.age_at_referral <= high)
        values[("age_other", column)] = values[("closed", column)] - sum(
            values[(f"age_{code}", column)] for code in ind.AGE_BANDS
        )
    relations = _relations(values, columns)
    return values, relations, columns


def _relations(values: dict[Var, int], columns: list[str]) -> list[tuple[Var, list[Var]]]:
    """The relations the attacker knows between the cells of each quarter and the period; adds the
    complements and the period's cells to ``values``."""
    relations: list[tuple[Var, list[Var]]] = []
    for column in columns:
        v = {name: (name, column) for name, col in values if col == column}

        def complement(total: str, part: str, column: str = column) -> None:
            rest = (f"{total}-{part}", column)
            values[rest] = values[(total, column)] - values[(part, column)]
            relations.append(((total, column), [(part, column), rest]))

        for numerator, denominator in RATES.values():
            complement(denominator, numerator)
        complement("closed", "no_intake")
        relations.append((v["closed"], [v["useful_youth_n"], v["no_satisfaction"]]))
        for denominator in ("useful_youth_n", "useful_parent_n", "wh_youth_n", "wh_parent_n", "wh_pro_n"):
            complement("closed", denominator)  # the informants who did not answer
        relations.append((v["decided"], [v["advice_stop"], v["advice_continue"], v["advice_step_up"]]))
        complement("wc_n", "wc_n_days")
        complement("wm_n", "wm_n_days")
        relations.append((v["closed"], [(f"er_{c or 'blank'}", column) for c in [*EndReason.values, ""]]))
        relations.append((v["dropout"], [(f"er_{c}", column) for c in DROP_OUT]))
        relations.append((v["closed"], [*((f"age_{c}", column) for c in ind.AGE_BANDS), ("age_other", column)]))
    for name in {name for name, _col in values}:
        values[(name, "T")] = sum(values[(name, column)] for column in columns)
        relations.append(((name, "T"), [(name, column) for column in columns]))
    # the period's relations hold too (sums of the quarter relations; listed for the bounds)
    for total, parts in list(relations):
        if total[1] == columns[0]:
            relations.append(((total[0], "T"), [(part[0], "T") for part in parts]))
    return relations


# --- what the outputs publish ----------------------------------------------------------------------


class Published:
    """What the attacker read: exact values, upper bounds ("<5") and rates (value in %, denominator)."""

    def __init__(self) -> None:
        self.exact: dict[Var, int] = {}
        self.below: dict[Var, int] = {}
        self.rates: list[tuple[Var, Var, float]] = []
        self.hidden: set[Var] = set()

    def count(self, var: Var, text: str) -> None:
        text = text.strip()
        if re.fullmatch(r"\d+", text):
            value = int(text)
            assert self.exact.setdefault(var, value) == value, f"two outputs disagree on {var}"
        elif text == "<5":
            self.below[var] = 4
            self.hidden.add(var)
        elif text in (suppression.MARK, "", "–", "-"):
            if text == suppression.MARK:
                self.hidden.add(var)
        else:
            raise AssertionError(f"cannot read {text!r} for {var}")

    def figure(self, code: str, column: str, text: str, detail: str) -> None:
        """One cell of an indicator table: text (value) and detail ("a of b", "n = b")."""
        text, detail = text.strip(), detail.strip()
        if code == "closed":
            self.count(("closed", column), text)
            return
        if code in RATES:
            numerator, denominator = RATES[code]
            match = re.fullmatch(r"(\S+) of (\S+)", detail)
            if match:
                self.count((numerator, column), match.group(1))
                self.count((denominator, column), match.group(2))
            if text.endswith("%"):
                self.rates.append(((numerator, column), (denominator, column), float(text[:-1])))
            elif text in (suppression.MARK, "<5"):
                self.hidden.add((numerator, column))
            return
        match = re.fullmatch(r"n = (\S+)", detail)
        if match:
            self.count((MEANS[code], column), match.group(1))

    def api_figure(self, row: dict[str, Any]) -> None:
        code = row["code"]
        if row["suppressed"]:
            if code in RATES:
                self.hidden.add((RATES[code][0], "T"))
            return
        if code == "closed":
            self.count(("closed", "T"), str(int(row["numerator"])))
        elif code in RATES:
            self.count((RATES[code][0], "T"), str(int(row["numerator"])))
            self.count((RATES[code][1], "T"), str(int(row["denominator"])))
        elif row["denominator"] is not None:
            self.count((MEANS[code], "T"), str(int(row["denominator"])))


class _Tables(HTMLParser):
    """The dashboard's tables (by caption id) as rows of cells, each cell a list of its text parts;
    and the list items (data quality)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.items: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[list[str]] | None = None
        self._item: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "caption" and attributes.get("id", "").endswith("-caption"):  # type: ignore[union-attr]
            self._table = str(attributes["id"]).removesuffix("-caption")
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = [""]
        elif tag == "br" and self._cell is not None:
            self._cell.append("")
        elif tag == "li":
            self._item = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
            self._table = None
        elif tag == "li" and self._item is not None:
            self.items.append(" ".join(self._item).strip())
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[-1] += data
        if self._item is not None:
            self._item[-1] += data


def _columns_of(count: int, columns: list[str]) -> list[str]:
    return [*columns, "T"][:count] if count == len(columns) + 1 else []


def _read_dashboard(page: str, published: Published, columns: list[str]) -> None:
    parser = _Tables()
    parser.feed(page)
    for table, codes in (("outcomes", ind.OUTCOME_CODES), ("gates", ind.GATE_CODES), ("waiting", ind.WAITING_CODES)):
        rows = parser.tables[table]
        assert len(rows) == len(codes)
        for code, cells in zip(codes, rows, strict=True):
            assert len(cells) == len(columns) + 1
            for column, parts in zip([*columns, "T"], cells, strict=True):
                published.figure(code, column, parts[0], parts[1] if len(parts) > 1 else "")
    quality = {
        "Closed trajectories without intake scores": "no_intake",
        "Closures without the young person's own satisfaction answer": "no_satisfaction",
        "Follow-ups past their date and not recorded": "fu_missing",
    }
    for item in parser.items:
        for label, name in quality.items():
            if item.startswith(label + ":"):
                words = item.removeprefix(label + ":").split()
                published.count((name, "T"), words[0])
                if len(words) >= 3 and words[1] == "of":
                    published.count(("closed", "T"), words[2])


def _read_csv(text: str, published: Published, columns: list[str]) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    quarters = len(header) - 5
    assert quarters == len(columns)
    end_reasons = {str(EndReason(code).label): f"er_{code}" for code in EndReason.values}
    # The age bands' labels are translated, as the end reasons': read in the language of the report.
    age_labels = {str(label): f"age_{code}" for code, (label, _lo, _hi) in ind.AGE_BANDS.items()}
    for row in body:
        table, label, code = row[0], row[1], row[2]
        cells, total, detail = row[3 : 3 + quarters], row[3 + quarters], row[4 + quarters]
        if table in (gettext("outcomes"), gettext("gate decisions"), gettext("waiting times")):
            for column, text in zip(columns, cells, strict=True):
                published.figure(code, column, text, "")
            published.figure(code, "T", total, detail)
        elif table == gettext("cohort by age band"):
            published.count((age_labels.get(label, "age_other"), "T"), total)
        elif table == gettext("cohort by end reason"):
            published.count((end_reasons.get(label, "er_blank"), "T"), total)
        elif table == gettext("data quality"):
            published.count((code, "T"), total)
            match = re.fullmatch(gettext("of %(total)s") % {"total": r"(\S+)"}, detail)
            if match:
                published.count(("closed", "T"), match.group(1))


# --- the attack ------------------------------------------------------------------------------------


def _attack(
    values: dict[Var, int], relations: list[tuple[Var, list[Var]]], published: Published
) -> dict[Var, tuple[int, int]]:
    """Bounds of every cell from the published numbers: exact linear algebra, then interval
    propagation with "no count is negative". Returns var -> (lowest, highest) possible."""
    known = dict(published.exact)
    # a rate with a known denominator gives the numerator where only one count rounds to that rate
    for _round in range(3):
        for numerator, denominator, percent in published.rates:
            if denominator in known and numerator not in known:
                fits = [
                    n
                    for n in range(known[denominator] + 1)
                    if f"{100 * n / known[denominator]:.0f}" == f"{percent:.0f}"
                ]
                if len(fits) == 1:
                    known[numerator] = fits[0]
        known.update(_solve(values, relations, known))
    low = {var: known.get(var, 0) for var in values}
    high: dict[Var, float] = {var: known.get(var, float("inf")) for var in values}
    for var, bound in published.below.items():
        high[var] = min(high[var], bound)
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            new_low_total = sum(low[p] for p in parts)
            new_high_total = sum(high[p] for p in parts)
            if new_low_total > low[total]:
                low[total], changed = int(new_low_total), True
            if new_high_total < high[total]:
                high[total], changed = new_high_total, True
            for part in parts:
                others_high = sum(high[p] for p in parts if p != part)
                others_low = sum(low[p] for p in parts if p != part)
                if high[total] - others_low < high[part]:
                    high[part], changed = high[total] - others_low, True
                if low[total] - others_high > low[part]:
                    low[part], changed = int(low[total] - others_high), True
    for var in values:
        assert low[var] <= values[var] <= high[var], f"the attack is wrong about {var}"
    return {var: (low[var], int(high[var]) if high[var] != float("inf") else 10**9) for var in values}


def attacker_name(name: str) -> str:
    """The attacker's name of an engine cell (the blank ethnicity ``er_`` reads as ``er_blank``)."""
    return "er_blank" if name == "er_" else name


def column_values(rows: list[dict[str, int]], columns: list[str]) -> dict[Var, int]:
    """The attacker's cells of the engine's quarter rows, one column per row, with the derived
    ``age_other`` (closed minus the age bands)."""
    values: dict[Var, int] = {}
    for column, row in zip(columns, rows, strict=True):
        values |= {(attacker_name(name), column): value for name, value in row.items()}
        values[("age_other", column)] = row["closed"] - sum(row[f"age_{band}"] for band in ind.AGE_BANDS)
    return values


def publish_column(
    published: Published,
    protection: suppression.Protection,
    values: dict[Var, int],
    *,
    engine_column: int | str,
    column: str,
    with_period: bool,
) -> None:
    """What one dashboard column publishes, the way the dashboards decide it: a count where
    ``count_visible``, a mean's denominator where ``mean_visible``, a rate's two counts where
    ``rate_visible``; the rest hidden. ``with_period``: the period-only counts too (the total)."""
    from coachcare.monitoring import selectors

    def show(name: str) -> None:
        var = (attacker_name(name), column)
        if protection.count_visible((name, engine_column)):
            published.exact[var] = values[var]
        else:
            published.hidden.add(var)

    for numerator, denominator in selectors.COUNTS_OF.values():
        if numerator is None:
            if protection.mean_visible((denominator, engine_column)):
                show(denominator)
        elif numerator == denominator:
            show(numerator)
        elif protection.rate_visible((numerator, engine_column), (denominator, engine_column)):
            show(numerator)
            show(denominator)
        else:
            published.hidden.add((attacker_name(numerator), column))
    if with_period:
        for name in selectors.PERIOD_COUNTS:
            show(name)


def reconstructed(
    values: dict[Var, int], relations: list[tuple[Var, list[Var]]], published: Published
) -> dict[Var, int]:
    """The cells the attack pins to one value that should not be known: a small count, or a hidden
    non-zero one (hidden cells that were also published exactly elsewhere are not hidden)."""
    published.hidden -= set(published.exact)
    bounds = _attack(values, relations, published)
    return {
        var: values[var]
        for var, (low, high) in bounds.items()
        if low == high and (suppression.small(values[var]) or (var in published.hidden and values[var] > 0))
    }


def _solve(values: dict[Var, int], relations: list[tuple[Var, list[Var]]], known: dict[Var, int]) -> dict[Var, int]:
    """The unknown cells that the relations determine (Gauss-Jordan over the rationals)."""
    unknown = sorted({v for total, parts in relations for v in (total, *parts) if v not in known})
    index = {var: i for i, var in enumerate(unknown)}
    size = len(unknown)
    matrix: list[list[Fraction]] = []
    for total, parts in relations:
        row = [Fraction(0)] * (size + 1)
        for var, sign in ((total, -1), *((p, 1) for p in parts)):
            if var in index:
                row[index[var]] += sign
            else:
                row[size] -= sign * known[var]
        if any(row[:size]):
            matrix.append(row)
    pivot_row = 0
    pivots: list[int] = []
    for column in range(size):
        found = next((r for r in range(pivot_row, len(matrix)) if matrix[r][column]), None)
        if found is None:
            continue
        matrix[pivot_row], matrix[found] = matrix[found], matrix[pivot_row]
        scale = matrix[pivot_row][column]
        matrix[pivot_row] = [x / scale for x in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][column]:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)]
        pivots.append(column)
        pivot_row += 1
    solved = {}
    for r, column in enumerate(pivots):
        if sum(1 for x in matrix[r][:size] if x) == 1:
            solved[unknown[column]] = int(matrix[r][size])
    return solved


def _api(user: User, url: str) -> dict[str, Any]:
    token = api_token_create(user=user, name="attack").raw
    response = HttpClient().get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_no_small_cell_can_be_reconstructed_from_everything_published(
    world: World, login: Callable[[User], HttpClient]
) -> None:
    _build(world)
    values, relations, columns = _truth(world)
    assert sum(suppression.small(value) for value in values.values()) > 20  # the data has small cells
    query = f"date_from={FROM.isoformat()}&date_to={TO.isoformat()}"
    published = Published()
    http = login(world.beleid)
    _read_dashboard(http.get(f"/monitoring/municipality/?{query}").content.decode(), published, columns)
    csv_response = http.get(f"/monitoring/municipality/report.csv?{query}")
    assert csv_response.status_code == 200
    _read_csv(csv_response.content.decode(), published, columns)
    for row in (body := _api(world.beleid, f"/api/v1/outcomes?{query}"))["outcomes"] + body["gate_decisions"]:
        published.api_figure(row)
    for var, value in published.exact.items():  # every output tells the truth
        assert values[var] == value, var

    bounds = _attack(values, relations, published)
    # An empty cell (0) may be known (docs/indicators.md); a count of 1 to 4 may not, nor any
    # hidden cell with people in it.
    leaks = {
        var: values[var]
        for var, (low, high) in bounds.items()
        if low == high and (suppression.small(values[var]) or (var in published.hidden and values[var] > 0))
    }
    assert not leaks, f"reconstructed small or hidden cells: {leaks}"
    # and what is shown is not nothing: the period's closed trajectories and most large cells
    assert published.exact[("closed", "T")] == 16


def test_api_indicators_publish_no_small_count(world: World) -> None:
    _build(world)
    body = _api(world.beleid, "/api/v1/indicators")
    assert body["suppressed_below"] == suppression.COUNT_BELOW
    numbers = [*body["trajectories_by_status"].values(), *body["young_people_by_age_band"].values()]
    assert all(n is None or n >= suppression.COUNT_BELOW for n in numbers)


@pytest.mark.parametrize("code", ["dropout", "satisfied_youth"])
def test_a_rate_over_fewer_than_10_is_not_shown(world: World, code: str) -> None:
    for number in range(9):
        make_trajectory(world, end_reason="32" if number < 5 else "31", satisfaction=4 if number < 5 else 2)
    from coachcare.monitoring import selectors

    figures = selectors.figures_build(scope=scope_a(world), suppress=True)
    assert figures.row("closed").total.text == "9"
    assert figures.row(code).total.text == suppression.MARK  # 5 of 9: numerator and rest ≥ 5, but n < 10
    make_trajectory(world, end_reason="31", satisfaction=2)
    figures = selectors.figures_build(scope=scope_a(world), suppress=True)
    assert figures.row(code).total.text == "50%" and figures.row(code).total.detail == "5 of 10"


# --- the engine alone ------------------------------------------------------------------------------


def test_protect_hides_a_second_cell_in_every_relation_of_a_small_one() -> None:
    """A 2 × 2 table with margins: one small cell must take three more with it (its row, its column
    and the cell across), never a margin when a cell will do."""
    values: dict[suppression.Key, int] = {("a", 1): 3, ("a", 2): 20, ("b", 1): 30, ("b", 2): 40}
    values |= {("a", "T"): 23, ("b", "T"): 70, ("T", 1): 33, ("T", 2): 60, ("T", "T"): 93}
    relations = [
        suppression.Relation(("a", "T"), (("a", 1), ("a", 2))),
        suppression.Relation(("b", "T"), (("b", 1), ("b", 2))),
        suppression.Relation(("T", 1), (("a", 1), ("b", 1))),
        suppression.Relation(("T", 2), (("a", 2), ("b", 2))),
        suppression.Relation(("T", "T"), (("a", "T"), ("b", "T"))),
        suppression.Relation(("T", "T"), (("T", 1), ("T", 2))),
    ]
    protection = suppression.protect(
        values=values,
        published=set(values),
        relations=relations,
        keep=lambda cell: "T" in cell,  # type: ignore[operator]
    )
    assert protection.hidden == {("a", 1), ("a", 2), ("b", 1), ("b", 2)}
    assert protection.count_visible(("T", "T")) and not protection.count_visible(("a", 1))


def test_protect_sees_a_cell_determined_by_relations_together() -> None:
    """x + y, x + z and y + z shown: every relation has two unknowns, so the one-relation rule sees
    nothing, but x = (t1 + t2 - t3) / 2. The exact check over all relations finds it."""
    values: dict[suppression.Key, int] = {"x": 2, "y": 10, "z": 10, "t1": 12, "t2": 12, "t3": 20}
    relations = [
        suppression.Relation("t1", ("x", "y")),
        suppression.Relation("t2", ("x", "z")),
        suppression.Relation("t3", ("y", "z")),
    ]
    protection = suppression.protect(values=values, published={"t1", "t2", "t3"}, relations=relations)
    assert len(protection.hidden) == 1  # one of the three is enough, and needed


def test_rates_and_means_need_ten_and_five_on_either_side() -> None:
    values: dict[suppression.Key, int] = {"n": 12, "yes": 8, "no": 4, "m": 9}
    protection = suppression.Protection(values=values, published=frozenset(values), hidden=frozenset())
    assert not protection.rate_visible("yes", "n")  # 4 on the other side
    assert protection.rate_visible("yes", "yes") is False  # nothing on the other side (100%)
    assert protection.mean_visible("n") and not protection.mean_visible("m")
    assert suppression.count_shown(0) is None and suppression.count_shown(5) == 5
    assert not suppression.small(0) and suppression.small(1) and not suppression.small(5)


def _random_quarter(rng: random.Random) -> dict[str, int]:
    """One quarter of a small municipality's aggregates, consistent with each other."""

    def split(total: int, parts: int, heavy: int = 0) -> list[int]:
        counts = [0] * parts
        for _ in range(total):
            counts[heavy if rng.random() < 0.6 else rng.randrange(parts)] += 1
        return counts

    closed = rng.randint(0, 30)
    row: dict[str, int] = {"closed": closed}
    codes = list(ind.END_REASON_CODES)
    for code, count in zip(codes, split(closed, len(codes), heavy=codes.index("31")), strict=True):
        row[f"er_{code}"] = count
    row["dropout"] = sum(row[f"er_{code}"] for code in DROP_OUT)
    bands = [*ind.AGE_BANDS, "other"]
    for band, count in zip(bands, split(closed, len(bands)), strict=True):
        if band != "other":
            row[f"age_{band}"] = count
    for numerator, denominator in ind.INFORMANT_RATES.values():
        row[denominator] = rng.randint(0, closed)
        row[numerator] = rng.randint(0, row[denominator])
    row["no_satisfaction"] = closed - row["useful_youth_n"]
    row["no_intake"] = rng.randint(0, closed)
    row["fu6_n"] = rng.randint(0, closed)
    row["fu6_again"] = rng.randint(0, row["fu6_n"])
    for prefix, part in (("fu12", "fu12_again"), ("gbo", "gbo_up"), ("gas", "gas_ok")):
        row[f"{prefix}_n"] = rng.randint(0, closed)
        row[part] = rng.randint(0, row[f"{prefix}_n"])
    row["fu_missing"] = rng.randint(0, 6)
    row["decided"] = rng.randint(0, 20)
    row["advice_stop"], row["advice_continue"], row["advice_step_up"] = split(row["decided"], 3, heavy=1)
    row["deviated"] = rng.randint(0, row["decided"])
    for prefix in ("wc", "wm"):
        row[f"{prefix}_n"] = rng.randint(0, 30)
        row[f"{prefix}_n_days"] = rng.randint(0, row[f"{prefix}_n"])
        row[f"{prefix}_ok"] = rng.randint(0, row[f"{prefix}_n_days"])
    return row


@pytest.mark.parametrize("seed", range(12))
def test_no_small_cell_can_be_reconstructed_from_random_small_municipalities(seed: int) -> None:
    """The same attack on the engine with the dashboard's table layout, on random small numbers."""
    from coachcare.monitoring import selectors

    rng = random.Random(seed)
    quarters = [_random_quarter(rng) for _ in range(4)]
    total = {key: sum(row[key] for row in quarters) for key in quarters[0]}
    protection = selectors.tables_protect(quarter_rows=[dict(row) for row in quarters], total=total)

    columns = [str(index) for index in range(len(quarters))]
    values = column_values(quarters, columns)
    relations = _relations(values, columns)
    published = Published()
    layout: list[tuple[int | str, str]] = [*enumerate(columns), (selectors.TOTAL, "T")]
    for engine_column, column in layout:
        publish_column(
            published, protection, values, engine_column=engine_column, column=column, with_period=column == "T"
        )
    leaks = reconstructed(values, relations, published)
    assert not leaks, f"seed {seed}: reconstructed {leaks}"
    assert published.exact.get(("closed", "T"), 0) >= suppression.COUNT_BELOW or total["closed"] < 40


# --- the pilot section of the report (docs/pilots.md) ----------------------------------------------


class _PilotRows(HTMLParser):
    """The rows of the report's pilot tables: the row header and the cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section" and ("class", "pilot") in attrs:
            self._depth = 1
        elif self._depth and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._depth = 0
        elif tag in ("th", "td") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _read_pilot(html: str, published: Published) -> int:
    """The drop-out, duration and cost rows of the pilot table; returns the rows read."""
    read = 0
    names = {str(ind.BY_CODE[code].name): code for code in ("dropout", "duration", "cost")}
    for row in _pilot_rows(html):
        code = next((c for name, c in names.items() if row[0].startswith(name)), None)
        if code is None or len(row) < 3:
            continue
        read += 1
        for var_n, var_events, cell in (("pilot_n", "pilot_dropout", row[1]), ("cmp_n", "cmp_dropout", row[2])):
            match = re.fullmatch(r"(.+?)(%?) \(n=(\d+)\)", cell)
            if match is None:
                if cell == "x" and code == "dropout":
                    published.hidden.add((var_events, "P"))
                continue
            published.count((var_n, "P"), match.group(3))
            if code == "dropout":
                published.rates.append(((var_events, "P"), (var_n, "P"), float(match.group(1))))
    return read


def _pilot_rows(html: str) -> list[list[str]]:
    parser = _PilotRows()
    parser.feed(html)
    return parser.rows


def test_the_pilot_section_reveals_no_small_cell(world: World, login: Callable[[User], HttpClient]) -> None:
    """A started pilot over the period's closed trajectories and 10 closed before it (5 drop-outs, so
    the pilot's drop-out is shown), against a comparison group with 3 drop-outs in 40: from the
    report's pilot table beside everything else published, neither the period's 2 drop-outs nor the
    comparison group's 3 can be derived."""
    from django.template.loader import render_to_string

    from coachcare.monitoring.services.evidence_report import _report_context

    _build(world)
    values, relations, columns = _truth(world)
    pilot = services.pilot_create(
        actor=world.beleid, municipality=world.municipality_a, provider=world.provider, name="Lektest",
        period_from=D(2024, 1, 1), period_to=D(2025, 12, 31), target_group="alle jongeren",
        planned_young_people=40, primary_outcomes=["dropout"], secondary_outcomes=["duration", "cost"],
        planned_effects={"dropout": -0.05},
    )  # fmt: skip
    services.pilot_confirm(actor=world.beleid, pilot=pilot)
    services.pilot_confirm(actor=world.teamleider, pilot=pilot)
    pilot = services.pilot_start(actor=world.teamleider, pilot=pilot)
    rows = ["start,end,end_reason,product_category,cost"]
    rows += [f"2025-01-01,2025-04-01,{'33' if i < 3 else '31'},45,4000" for i in range(40)]
    services.pilot_comparison_import(pilot=pilot, data="\n".join(rows).encode())
    for number in range(10):  # closed before the period, in the pilot: not on the period's dashboard
        reason = "32" if number < 5 else "31"
        make_trajectory(world, referred_on=D(2024, 9, 1), closed_on=D(2024, 11, 1), end_reason=reason)
    # the truth of the pilot's cells, and what the attacker knows: the pilot group is the period's
    # closed trajectories of the municipality (one provider) and those closed before the period
    values[("before_n", "P")], values[("before_dropout", "P")] = 10, 5
    values[("pilot_n", "P")] = values[("closed", "T")] + 10
    values[("pilot_dropout", "P")] = values[("dropout", "T")] + 5
    values[("cmp_n", "P")], values[("cmp_dropout", "P")] = 40, 3
    values[("pilot_rest", "P")] = values[("pilot_n", "P")] - values[("pilot_dropout", "P")]
    values[("cmp_rest", "P")] = 37
    relations += [
        (("pilot_n", "P"), [("closed", "T"), ("before_n", "P")]),
        (("pilot_dropout", "P"), [("dropout", "T"), ("before_dropout", "P")]),
        (("pilot_n", "P"), [("pilot_dropout", "P"), ("pilot_rest", "P")]),
        (("cmp_n", "P"), [("cmp_dropout", "P"), ("cmp_rest", "P")]),
    ]

    query = f"date_from={FROM.isoformat()}&date_to={TO.isoformat()}"
    published = Published()
    http = login(world.beleid)
    _read_dashboard(http.get(f"/monitoring/municipality/?{query}").content.decode(), published, columns)
    _read_csv(http.get(f"/monitoring/municipality/report.csv?{query}").content.decode(), published, columns)
    context = _report_context(
        municipality=world.municipality_a, date_from=FROM, date_to=TO, module_code="", age_band=""
    )
    assert _read_pilot(render_to_string("monitoring/report.html", context), published) == 3
    assert published.exact[("pilot_n", "P")] == 26 and published.exact[("cmp_n", "P")] == 40  # shown
    assert ("cmp_dropout", "P") in published.hidden  # 3 of 40 hides the row (before the fix: shown, leaked)
    for var, value in published.exact.items():
        assert values[var] == value, var

    bounds = _attack(values, relations, published)
    leaks = {
        var: values[var]
        for var, (low, high) in bounds.items()
        if low == high and (suppression.small(values[var]) or (var in published.hidden and values[var] > 0))
    }
    assert not leaks, f"reconstructed small or hidden cells: {leaks}"


def test_the_shared_attack_reconstructs_small_cells_when_nothing_is_hidden() -> None:
    """The attack of ``publish_column`` + ``reconstructed`` (used by this file and ``test_region``)
    is not vacuous: with every cell published, it finds the small counts."""
    from coachcare.monitoring import selectors

    rng = random.Random(0)
    quarters = [_random_quarter(rng) for _ in range(4)]
    total = {key: sum(row[key] for row in quarters) for key in quarters[0]}
    protection = selectors.tables_protect(quarter_rows=[dict(row) for row in quarters], total=total)
    everything = suppression.Protection(
        values=protection.values, published=protection.published | protection.hidden, hidden=frozenset()
    )
    columns = [str(index) for index in range(len(quarters))]
    values = column_values(quarters, columns)
    relations = _relations(values, columns)  # adds the period column "T"
    published = Published()
    layout: list[tuple[int | str, str]] = [*enumerate(columns), (selectors.TOTAL, "T")]
    for engine_column, column in layout:
        publish_column(
            published, everything, values, engine_column=engine_column, column=column, with_period=column == "T"
        )
    assert reconstructed(values, relations, published)


def test_tables_protect_remembers_its_outcome_by_its_whole_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's suppression is computed once per distinct set of tables: the same tables give
    the same hidden cells without running the engine again; other tables run it again."""
    from coachcare.monitoring import selectors

    rng = random.Random(3)
    quarters = [_random_quarter(rng) for _ in range(4)]
    total = {key: sum(row[key] for row in quarters) for key in quarters[0]}
    first = selectors.tables_protect(quarter_rows=[dict(row) for row in quarters], total=total)
    runs: list[int] = []
    engine = suppression.protect

    def counted(**kwargs: Any) -> suppression.Protection:
        runs.append(1)
        return engine(**kwargs)

    monkeypatch.setattr(suppression, "protect", counted)
    again = selectors.tables_protect(quarter_rows=[dict(row) for row in quarters], total=total)
    assert runs == []
    assert again.hidden == first.hidden and again.published == first.published and again.hidden
    changed = [dict(row) for row in quarters]
    changed[0]["closed"] += 1
    selectors.tables_protect(quarter_rows=changed, total={**total, "closed": total["closed"] + 1})
    assert runs == [1]
