"""The module gate's advice rules (trajectories.gate), one test per rule and their order."""

import pytest

from coachcare.trajectories.gate import (
    Catalogue,
    GateAdvice,
    Measurement,
    ReliableChange,
    gate_advise,
    gate_deviations,
)

ORDER = ["KENNIS", "DAGRITME", "THUIS", "ZELFSTANDIG"]


def m(gas: list[int], gbo: list[int]) -> Measurement:
    return Measurement(gas=gas, gbo=gbo, weights=[1.0] * len(gas))


def advise(measurements: list[Measurement], done: list[str], final: bool = False):  # type: ignore[no-untyped-def]
    return gate_advise(measurements=measurements, modules_done=done, current_is_final=final, catalogue_order=ORDER)


def test_progress_without_reaching_goals_continues_with_next_module() -> None:
    advice = advise([m([-1, -1], [2, 3]), m([0, -1], [5, 5])], ["KENNIS"])
    assert (advice.advice, advice.rule, advice.next_module_code) == ("continue", "next_module", "DAGRITME")


def test_goals_reached_stops() -> None:
    advice = advise([m([-1], [3]), m([1], [9])], ["KENNIS"])
    assert (advice.advice, advice.rule) == ("stop", "goals_reached")


def test_a_goal_dropping_by_the_reliable_change_in_gbo_steps_up() -> None:
    advice = advise([m([-1, -1], [4, 4]), m([0, 0], [6, 1])], ["KENNIS"])
    assert (advice.advice, advice.rule) == ("step_up", "deterioration")


def test_a_gbo_drop_below_the_reliable_change_does_not_step_up() -> None:
    # 4 -> 2 is two points: within the measurement error of GBO (threshold 3 by default).
    advice = advise([m([-1, -1], [4, 4]), m([0, 0], [6, 2])], ["KENNIS"])
    assert (advice.advice, advice.rule, advice.next_module_code) == ("continue", "next_module", "DAGRITME")


def test_a_gas_t_drop_below_the_reliable_change_does_not_step_up() -> None:
    # Two goals, one level down on one of them: T drops by 10/sqrt(2.6) = 6.2 < 10.
    advice = advise([m([0, 0], [5, 5]), m([0, -1], [5, 5])], ["KENNIS"])
    assert (advice.advice, advice.rule) == ("continue", "next_module")


def test_the_thresholds_are_the_method_packages() -> None:
    measurements = [m([-1, -1], [4, 4]), m([0, 0], [6, 3])]
    strict = gate_advise(
        measurements=measurements,
        modules_done=["KENNIS"],
        current_is_final=False,
        catalogue_order=ORDER,
        reliable_change=ReliableChange(gbo=1, gas_t=10),
    )
    assert (strict.advice, strict.rule) == ("step_up", "deterioration")
    assert advise(measurements, ["KENNIS"]).advice == "continue"


def test_lower_gas_t_score_steps_up_even_if_gbo_holds() -> None:
    advice = advise([m([0, 0], [5, 5]), m([-1, -1], [5, 5])], ["KENNIS"])
    assert (advice.advice, advice.rule) == ("step_up", "deterioration")


def test_no_progress_over_two_modules_steps_up() -> None:
    measurements = [m([-1], [4]), m([-1], [4]), m([-1], [4])]
    advice = advise(measurements, ["KENNIS", "DAGRITME"])
    assert (advice.advice, advice.rule) == ("step_up", "no_progress")


def test_progress_over_two_modules_is_not_flagged() -> None:
    measurements = [m([-1], [4]), m([-1], [4]), m([0], [6])]
    advice = advise(measurements, ["KENNIS", "DAGRITME"])
    assert (advice.advice, advice.next_module_code) == ("continue", "THUIS")


def test_final_module_stops() -> None:
    advice = advise([m([-1], [3]), m([0], [6])], ["ZELFSTANDIG"], final=True)
    assert (advice.advice, advice.rule) == ("stop", "final_module")


def test_no_module_left_steps_up() -> None:
    measurements = [m([-1], [2]), m([-1], [3]), m([-1], [4]), m([0], [5]), m([0], [6])]
    advice = advise(measurements, ORDER)
    assert (advice.advice, advice.rule) == ("step_up", "no_module_left")


def test_deterioration_wins_over_goals_reached() -> None:
    advice = advise([m([2], [10]), m([0], [8])], ["KENNIS"])
    assert advice.rule == "deterioration"


def test_figures_are_reported() -> None:
    advice = advise([m([-1, -1], [2, 3]), m([0, 1], [5, 7])], ["KENNIS"])
    assert advice.gas_t == pytest.approx(56.2, abs=0.05)
    assert advice.gbo_mean == 6.0


def test_needs_a_measurement() -> None:
    with pytest.raises(ValueError):
        advise([], [])


@pytest.mark.parametrize(
    ("advice", "advice_next", "decision", "decision_next", "kinds"),
    [
        ("continue", "DAGRITME", "continue", "DAGRITME", set()),
        ("continue", "DAGRITME", "continue", "THUIS", {"other_module"}),
        ("continue", "DAGRITME", "stop", "", {"stop_against_advice"}),
        ("step_up", "", "continue", "THUIS", {"skip_step_up"}),
        ("step_up", "", "stop", "", {"skip_step_up", "stop_against_advice"}),
        ("stop", "", "continue", "THUIS", {"continue_against_stop"}),
        ("stop", "", "step_up", "", {"step_up_against_advice"}),
        ("continue", "DAGRITME", "step_up", "", {"step_up_against_advice"}),
    ],
)
def test_deviation_kinds(advice: str, advice_next: str, decision: str, decision_next: str, kinds: set[str]) -> None:
    assert (
        gate_deviations(advice=advice, advice_next=advice_next, decision=decision, decision_next=decision_next) == kinds
    )


# --- the module that fits the open goals (issue 16.6) -------------------------------------------------

CATALOGUE = Catalogue(
    order=ORDER,
    final={"ZELFSTANDIG"},
    serves={"KENNIS": (), "DAGRITME": ("dagritme",), "THUIS": ("thuis",), "ZELFSTANDIG": ("zelfstandig",)},
)


def fits(measurements: list[Measurement], done: list[str], domains: list[str]) -> GateAdvice:
    return gate_advise(
        measurements=measurements, modules_done=done, current_is_final=False, catalogue=CATALOGUE, goal_domains=domains
    )


@pytest.mark.parametrize(
    ("domains", "current", "done", "expected", "open_goals", "fitting"),
    [
        # One open goal at home: "Dagritme" serves it not and is skipped.
        (["thuis"], m([-1], [5]), ["KENNIS"], "THUIS", (1,), ("THUIS",)),
        (["dagritme"], m([-1], [5]), ["KENNIS"], "DAGRITME", (1,), ("DAGRITME",)),
        # The goal on daily rhythm is reached (GAS 0, GBO 8): only the home goal is open.
        (["dagritme", "thuis"], m([0, -1], [8, 5]), ["KENNIS"], "THUIS", (2,), ("THUIS",)),
        # Two open goals at home, one on rhythm: the module serving most open goals comes first.
        (
            ["dagritme", "thuis", "thuis"],
            m([-1, -1, -1], [5, 5, 5]),
            ["KENNIS"],
            "THUIS",
            (2, 3),
            ("THUIS", "DAGRITME"),
        ),
        # A tie goes by suggested order.
        (["thuis", "dagritme"], m([-1, -1], [5, 5]), ["KENNIS"], "DAGRITME", (2,), ("DAGRITME", "THUIS")),
        # A module followed already is not proposed again.
        (["dagritme", "thuis"], m([-1, -1], [5, 5]), ["KENNIS", "THUIS"], "DAGRITME", (1,), ("DAGRITME",)),
    ],
)
def test_the_advice_proposes_the_module_that_serves_the_open_goals(
    domains: list[str],
    current: Measurement,
    done: list[str],
    expected: str,
    open_goals: tuple[int, ...],
    fitting: tuple[str, ...],
) -> None:
    baseline = m([-1] * len(domains), [3] * len(domains))
    advice = fits([baseline, current], done, domains)
    assert (advice.advice, advice.rule, advice.next_module_code) == ("continue", "fits_open_goals", expected)
    assert (advice.open_goals, advice.fitting_modules) == (open_goals, fitting)


def test_no_module_serves_the_open_goals_then_the_final_module() -> None:
    advice = fits([m([-1], [3]), m([-1], [5])], ["KENNIS", "DAGRITME"], ["dagritme"])
    assert (advice.advice, advice.rule, advice.next_module_code) == ("continue", "final_next", "ZELFSTANDIG")


def test_nothing_left_steps_up() -> None:
    done = ["KENNIS", "DAGRITME", "THUIS", "ZELFSTANDIG"]
    advice = fits([m([-1], [3]), m([-1], [5])], done, ["thuis"])
    assert (advice.advice, advice.rule) == ("step_up", "no_module_left")


def test_a_missing_gbo_rating_counts_on_gas_alone() -> None:
    """The young person did not rate a goal: it is open when its GAS level is below 0, and it
    neither triggers nor blocks the GBO rules."""
    advice = fits([m([-1, -1], [3, 6]), Measurement(gas=[0, -1], gbo=[9, None], weights=[1.0, 1.0])], ["KENNIS"],
                  ["dagritme", "thuis"])  # fmt: skip
    assert (advice.rule, advice.next_module_code, advice.gbo_mean) == ("fits_open_goals", "THUIS", 9.0)
    reached = fits([m([-1], [3]), Measurement(gas=[1], gbo=[None], weights=[1.0])], ["KENNIS"], ["thuis"])
    assert (reached.advice, reached.gbo_mean) == ("stop", None)


def test_another_fitting_module_is_no_deviation() -> None:
    assert gate_deviations(
        advice="continue", advice_next="THUIS", decision="continue", decision_next="DAGRITME",
        fitting=("THUIS", "DAGRITME"),
    ) == set()  # fmt: skip
    assert gate_deviations(
        advice="continue", advice_next="THUIS", decision="continue", decision_next="ZELFSTANDIG",
        fitting=("THUIS", "DAGRITME"),
    ) == {"other_module"}  # fmt: skip
