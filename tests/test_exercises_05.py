"""Exercises of notebook 05 (switching costs): the instructor's solutions pass, typical mistakes get hints.

For every exercise: (a) the expected value computed inside ``crm_lab`` passes its own check and equals what the
notebook's solution code computes by hand (recomputed here the way the solution cell does it); (b) the typical
wrong answers and wrong types get "not yet", a hint, no exception and never the expected value; (c) the same on
another simulated market (another seed and alpha) and on a user's data without a planted truth.
"""

import time

import nbformat
import numpy as np
import pandas as pd
import pytest
from exercise_props import (
    WRONG_TYPES,
    assert_every_wrong_letter_explained,
    assert_mistakes_get_hints,
    assert_slips_caught,
    assert_solution_passes,
    assert_wrong_type_is_a_hint,
)
from scipy import stats as sps

from crm_lab import datasets, exercises, regression, runner
from crm_lab import switching as sw
from crm_lab.exercises import nb05

IDS = ("05.1", "05.2", "05.3", "05.4", "05.5", "05.6")
NUMBERS = ("05.1", "05.2", "05.4")
CHOICES = ("05.3", "05.5", "05.6")


# --------------------------------------------------------------------------
# the notebook's solution cells, recomputed as they are written there
# --------------------------------------------------------------------------
def notebook_objects(tables, alpha):
    """``survey``, ``edition``, ``scores`` and ``ols`` as the notebook builds them."""
    survey = tables["survey"]
    edition = int(survey["edition"].max())
    scores = sw.switching_scores(survey[survey["edition"] == edition])
    ols = regression.moderation(scores, x="satisfaction", moderator="switching_cost", y="conative",
                                confidence=1 - alpha)
    return survey, edition, scores, ols


def solution_1(survey, edition):
    now = survey[survey["edition"] == edition]
    financial = {"benefit_loss": ["sc_benefit1", "sc_benefit2", "sc_benefit3"],
                 "monetary_loss": ["sc_money1", "sc_money2", "sc_money3"]}
    facet_scores = pd.DataFrame({facet: now[items].mean(axis=1) for facet, items in financial.items()})
    return facet_scores.mean(axis=1).mean()


def solution_2(ols, scores):
    b = ols.model.params
    w = 2 * scores["switching_cost"].std()
    return b["satisfaction_c"] + b["satisfaction_c:switching_cost_c"] * w


def solution_3(ols):
    i = ols.interaction
    return "c" if i.ci_low <= 0 <= i.ci_high else ("a" if i.estimate < 0 else "b")


def solution_4(ols, scores, alpha):
    b, V = ols.model.params, ols.model.cov_params()
    x, xw = "satisfaction_c", "satisfaction_c:switching_cost_c"
    w = scores["switching_cost"] - scores["switching_cost"].mean()
    slope = b[x] + b[xw] * w
    se = np.sqrt(V.loc[x, x] + 2 * w * V.loc[x, xw] + w**2 * V.loc[xw, xw])
    t_crit = sps.t.ppf(1 - alpha / 2, ols.model.df_resid)
    return float((np.abs(slope / se) > t_crit).mean())


def solution_5(ols, targets):
    est = ols.interaction.extra
    covers = tuple(targets is not None and est["standardized_ci_low"] <= targets[k] <= est["standardized_ci_high"]
                   for k in ("planted", "observed"))
    return "f" if targets is None else {(True, True): "b", (False, True): "c", (True, False): "d",
                                        (False, False): "e"}[covers]


def solution_6():
    return "a"


def by_hand(tables, params, targets):
    """The notebook's answers, id -> value."""
    survey, edition, scores, ols = notebook_objects(tables, params["alpha"])
    return {"05.1": solution_1(survey, edition), "05.2": solution_2(ols, scores), "05.3": solution_3(ols),
            "05.4": solution_4(ols, scores, params["alpha"]), "05.5": solution_5(ols, targets), "05.6": solution_6()}


# --------------------------------------------------------------------------
# workbooks: the sample, another market, a user's data
# --------------------------------------------------------------------------
SAMPLE_PARAMS = {"seed": 2024, "alpha": 0.05, "truth_size": 5000}
OTHER_PARAMS = {"seed": 7, "alpha": 0.1, "truth_size": 5000}


@pytest.fixture(scope="module")
def sample_case(sample_tables):
    truth = datasets.load_truth()
    targets = sw.interaction_targets(truth, n_exhibitors=5000, rng=1)
    wb = exercises.workbook("05", tables=sample_tables, params=SAMPLE_PARAMS, truth=truth, targets=targets)
    return wb, by_hand(sample_tables, SAMPLE_PARAMS, targets)


@pytest.fixture(scope="module")
def other_case(small_market):
    targets = sw.interaction_targets(small_market.truth, n_exhibitors=5000, rng=3)
    wb = exercises.workbook("05", tables=small_market.tables, params=OTHER_PARAMS, truth=small_market.truth,
                            targets=targets)
    return wb, by_hand(small_market.tables, OTHER_PARAMS, targets)


@pytest.fixture(scope="module")
def user_case(small_market):
    """A user's data: the same tables, no planted truth, no targets."""
    wb = exercises.workbook("05", tables=small_market.tables, params=OTHER_PARAMS, truth=None, targets=None)
    return wb, by_hand(small_market.tables, OTHER_PARAMS, None)


def test_the_notebook_declares_seven_exercises_of_five_kinds():
    reg = exercises.registry("05")
    assert sorted(reg) == [*IDS, "05.7"]
    assert {e.kind for e in reg.values()} == {"compute", "interpret", "truth", "predict", "open"}


# --------------------------------------------------------------------------
# (a) and (c): the instructor's answer passes, and equals the solution cell's
# --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["sample_case", "other_case", "user_case"])
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_passes_and_equals_the_notebook_solution(request, case, exercise_id):
    wb, hand = request.getfixturevalue(case)
    assert_solution_passes(wb, exercise_id, hand[exercise_id])


def test_the_planted_truth_letter_follows_the_interval(sample_tables, user_case):
    truth = datasets.load_truth()
    _, _, _, ols = notebook_objects(sample_tables, SAMPLE_PARAMS["alpha"])
    lo, hi = ols.interaction.extra["standardized_ci_low"], ols.interaction.extra["standardized_ci_high"]
    inside, outside = (lo + hi) / 2, hi + (hi - lo)
    for planted, observed, letter in ((inside, inside, "b"), (outside, inside, "c"), (inside, outside, "d"),
                                      (outside, outside, "e")):
        targets = {"planted": planted, "observed": observed}
        wb = exercises.workbook("05", tables=sample_tables, params=SAMPLE_PARAMS, truth=truth, targets=targets)
        assert wb.solution_value("05.5") == letter == solution_5(ols, targets)
        assert wb.check("05.5", letter).correct and not wb.check("05.5", "a").correct
    assert user_case[0].solution_value("05.5") == "f"


def test_without_targets_the_truth_exercise_simulates_its_own(small_market):
    wb = exercises.workbook("05", tables=small_market.tables, params=OTHER_PARAMS, truth=small_market.truth)
    assert wb.solution_value("05.5") in set("bcde")


def test_the_predict_simulation_shows_a_larger_sample_with_measurement_error():
    curve = nb05.predict_simulation(2024, 0.05)
    from crm_lab import power

    needed = power.smallest_n(curve, target=0.8, by="reliability")
    assert needed[0.7] > needed[1.0]
    means = curve.groupby("reliability")["mean_estimate"].mean()
    assert abs(means[0.7]) < abs(means[1.0])  # attenuated toward 0


def test_the_notebook_simulates_the_design_the_check_uses():
    nb = nbformat.read(runner.resolve_notebook("05"), as_version=4)
    cell = next(c.source for c in nb.cells if c.cell_type == "code" and c.source.startswith("design = "))
    namespace = {}
    exec(cell.splitlines()[0] + "\n" + cell.splitlines()[1], namespace)
    assert namespace["design"] == nb05.PREDICT_DESIGN
    assert tuple(namespace["grid"]) == nb05.PREDICT_SIZES
    assert f"reps={nb05.PREDICT_REPS}" in cell and "(1.0, 0.7)" in cell


@pytest.mark.parametrize("exercise_id", IDS)
def test_each_check_is_fast(sample_tables, exercise_id):
    wb = exercises.workbook("05", tables=sample_tables, params=SAMPLE_PARAMS, truth=None)
    wb.solution_value("05.2")  # warm the shared fit
    start = time.perf_counter()
    wb.solution_value(exercise_id)
    assert time.perf_counter() - start < 2.0  # < 0.5 s on an idle machine; headroom for a shared one


# --------------------------------------------------------------------------
# (b): typical wrong answers get a hint, never an exception or the answer
# --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["sample_case", "other_case"])
@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_recognised_mistakes_get_their_hint(request, case, exercise_id):
    wb, _ = request.getfixturevalue(case)
    assert_mistakes_get_hints(wb, exercise_id, first_match=True)


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("answer", WRONG_TYPES, ids=lambda a: type(a).__name__)
def test_a_wrong_type_is_a_hint_not_an_exception(sample_case, exercise_id, answer):
    assert_wrong_type_is_a_hint(sample_case[0], exercise_id, answer)

@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_percent_sign_and_rounding_slips(sample_case, exercise_id):
    assert_slips_caught(sample_case[0], exercise_id, bump=1.003)

@pytest.mark.parametrize("case", ["sample_case", "other_case", "user_case"])
@pytest.mark.parametrize("exercise_id", CHOICES)
def test_every_wrong_letter_gets_a_reason(request, case, exercise_id):
    assert_every_wrong_letter_explained(request.getfixturevalue(case)[0], exercise_id)

def test_known_mistakes_on_the_sample(sample_case):
    wb, _ = sample_case
    names = {"05.1": "economic risk", "05.2": "raw moderator", "05.4": "raw moderator"}
    for exercise_id, name in names.items():
        value = next(m.value for m in wb.mistakes(exercise_id) if m.name == name)
        assert wb.check(exercise_id, value).mistake == name
    assert wb.check("05.3", "d").mistake == "choice d"  # the interaction read as a main effect
    assert "main effect" in wb.check("05.3", "d").message
    assert "covering a value is not recovering it" in wb.check("05.5", "a").message


def test_no_answer_and_the_open_exercise_say_not_answered(sample_case):
    wb, _ = sample_case
    for exercise_id in IDS:
        feedback = wb.check(exercise_id, ...)
        assert not feedback.answered and str(feedback).startswith("…")
    for answer in (..., None, "the bounds moved", 0.5):
        feedback = wb.check("05.7", answer)
        assert not feedback.correct and not feedback.answered
    assert wb.solution_value("05.7") is None
