"""Exercises of notebook 01 (customer data and satisfaction): the instructor's solutions pass, typical mistakes get hints.

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

from crm_lab import datasets, exercises, runner
from crm_lab import satisfaction as sat
from crm_lab.exercises import nb01
from crm_lab.schema import SATISFACTION_ATTRIBUTES

IDS = ("01.1", "01.2", "01.3", "01.4", "01.5", "01.6")
NUMBERS = ("01.1", "01.2")
CHOICES = ("01.3", "01.5", "01.6")


# --------------------------------------------------------------------------
# the notebook's solution cells, recomputed as they are written there
# --------------------------------------------------------------------------
def notebook_respondents(tables):
    """``resp`` as the notebook builds it."""
    survey = tables["survey"]
    edition = int(survey["edition"].max())
    segments = tables["exhibitors"][["exhibitor_id", "region", "sector", "size_class"]]
    return survey[survey["edition"] == edition].merge(segments, on="exhibitor_id", how="left")


def by_hand(tables, params, truth):
    """The notebook's answers, id -> value."""
    resp = notebook_respondents(tables)
    level = 1 - params["alpha"]
    attributes = list(SATISFACTION_ATTRIBUTES)
    out = {"01.1": (resp["perc_price_value"] / resp["exp_price_value"]).mean()}
    x = resp["nps"]
    pro, det = (x >= 9).mean(), (x <= 6).mean()
    out["01.2"] = np.sqrt(((pro + det) - (pro - det) ** 2) / len(x))
    rr = sat.relative_return(resp, tables["participation"], confidence=level)
    r = rr.table.loc["relative risk"]
    out["01.3"] = "b" if r["ci_low"] <= 1 else ("a" if r["ci_high"] < 6 else ("d" if r["ci_low"] > 6 else "c"))
    perf = pd.Series({a: resp[f"perc_{a}"].mean() for a in attributes})
    imp = pd.Series({a: resp[f"imp_{a}"].mean() for a in attributes})
    out["01.4"] = [a for a in attributes if imp[a] >= imp.mean() and perf[a] < perf.mean()]
    out["01.5"] = "a"
    if truth is None:
        out["01.6"] = "e"
    else:
        style = sat.response_style_correction(resp, ["overall_sat"], confidence=level)
        planted = sat.planted_group_difference(resp, truth)
        r, t = style.table.loc["south_china"], planted.loc["south_china", "latent_d"]
        covers = (r["naive_ci_low"] <= t <= r["naive_ci_high"], r["ci_low"] <= t <= r["ci_high"])
        out["01.6"] = {(False, True): "a", (True, True): "b", (True, False): "c", (False, False): "d"}[covers]
    return out


# --------------------------------------------------------------------------
# workbooks: the sample, another market, a user's data
# --------------------------------------------------------------------------
SAMPLE_PARAMS = {"seed": 2024, "alpha": 0.05, "sim_exhibitors": 20_000}
OTHER_PARAMS = {"seed": 7, "alpha": 0.1, "sim_exhibitors": 20_000}


@pytest.fixture(scope="module")
def sample_case(sample_tables):
    truth = datasets.load_truth()
    wb = exercises.workbook("01", tables=sample_tables, params=SAMPLE_PARAMS, truth=truth)
    return wb, by_hand(sample_tables, SAMPLE_PARAMS, truth)


@pytest.fixture(scope="module")
def other_case(small_market):
    wb = exercises.workbook("01", tables=small_market.tables, params=OTHER_PARAMS, truth=small_market.truth)
    return wb, by_hand(small_market.tables, OTHER_PARAMS, small_market.truth)


@pytest.fixture(scope="module")
def user_case(small_market):
    """A user's data: the same tables, no planted truth."""
    wb = exercises.workbook("01", tables=small_market.tables, params=OTHER_PARAMS, truth=None)
    return wb, by_hand(small_market.tables, OTHER_PARAMS, None)


def test_the_notebook_declares_seven_exercises_of_five_kinds():
    reg = exercises.registry("01")
    assert sorted(reg) == [*IDS, "01.7"]
    assert {e.kind for e in reg.values()} == {"compute", "interpret", "truth", "predict", "open"}


# --------------------------------------------------------------------------
# (a) and (c): the instructor's answer passes, and equals the solution cell's
# --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["sample_case", "other_case", "user_case"])
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_passes_and_equals_the_notebook_solution(request, case, exercise_id):
    wb, hand = request.getfixturevalue(case)
    assert_solution_passes(wb, exercise_id, hand[exercise_id])


def test_the_relative_risk_letter_follows_the_interval(sample_tables):
    resp = notebook_respondents(sample_tables)
    r = sat.relative_return(resp, sample_tables["participation"]).table.loc["relative risk"]
    # on the sample the interval excludes 1 and lies below 6 (RR <= 1 / p_dissatisfied < 6)
    assert r["ci_low"] > 1 and r["ci_high"] < 6
    wb = exercises.workbook("01", tables=sample_tables, params=SAMPLE_PARAMS)
    assert wb.solution_value("01.3") == "a"
    assert "association" in wb.check("01.3", "e").message  # the causal reading is named


def test_the_predict_simulation_is_the_notebooks_and_falls_toward_monopoly():
    res = nb01.structure_simulation(2024, 20_000, 0.05)
    again = sat.relative_return_by_structure(sat.structure_scenarios(), n_exhibitors=20_000,
                                             rng=np.random.default_rng(2024), confidence=0.95)
    pd.testing.assert_frame_equal(res.table, again.table)  # the notebook's cell draws the same markets
    assert res.table["estimate"].iloc[0] > res.table["estimate"].iloc[-1]
    nb = nbformat.read(runner.resolve_notebook("01"), as_version=4)
    cell = next(c.source for c in nb.cells if c.cell_type == "code" and "structure_scenarios()" in c.source)
    assert "n_exhibitors=P.sim_exhibitors" in cell and "rng=np.random.default_rng(P.seed)" in cell


def test_the_truth_exercise_letters(sample_tables, user_case):
    truth = datasets.load_truth()
    wb = exercises.workbook("01", tables=sample_tables, params=SAMPLE_PARAMS, truth=truth)
    assert wb.solution_value("01.6") in set("abcd")
    assert user_case[0].solution_value("01.6") == "e"
    assert "planted truth" in user_case[0].check("01.6", "a").message or not user_case[0].check("01.6", "a").correct


@pytest.mark.parametrize("exercise_id", IDS)
def test_each_check_is_fast(sample_tables, exercise_id):
    wb = exercises.workbook("01", tables=sample_tables, params=SAMPLE_PARAMS, truth=datasets.load_truth())
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


@pytest.mark.parametrize("case", ["sample_case", "other_case"])
def test_the_ipa_labels_recognise_swapped_axes_and_gaps(request, case):
    wb, _ = request.getfixturevalue(case)
    right = wb.solution_value("01.4")
    mistakes = wb.mistakes("01.4")
    assert len(mistakes) >= 2
    for m in mistakes:
        feedback = wb.check("01.4", m.value)
        assert not feedback.correct and feedback.answered and feedback.mistake == m.name
        assert not any(name in feedback.message for name in right)  # no right name given away
    assert wb.check("01.4", [a.upper() for a in right]).correct  # case does not matter
    assert wb.check("01.4", tuple(reversed(right))).correct  # nor order


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("answer", WRONG_TYPES, ids=lambda a: type(a).__name__)
def test_a_wrong_type_is_a_hint_not_an_exception(sample_case, exercise_id, answer):
    assert_wrong_type_is_a_hint(sample_case[0], exercise_id, answer)

@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_percent_sign_and_rounding_slips(sample_case, exercise_id):
    assert_slips_caught(sample_case[0], exercise_id, bump=1.01)

@pytest.mark.parametrize("case", ["sample_case", "other_case", "user_case"])
@pytest.mark.parametrize("exercise_id", CHOICES)
def test_every_wrong_letter_gets_a_reason(request, case, exercise_id):
    assert_every_wrong_letter_explained(request.getfixturevalue(case)[0], exercise_id)

def test_known_mistakes_on_the_sample(sample_case):
    wb, _ = sample_case
    names = {"01.1": "ratio of means", "01.2": "independent proportions"}
    for exercise_id, name in names.items():
        value = next(m.value for m in wb.mistakes(exercise_id) if m.name == name)
        assert wb.check(exercise_id, value).mistake == name
    assert wb.check("01.4", ["staff", "venue"]).mistake == "overkill"


def test_no_answer_and_the_open_exercise_say_not_answered(sample_case):
    wb, _ = sample_case
    for exercise_id in IDS:
        feedback = wb.check(exercise_id, ...)
        assert not feedback.answered and str(feedback).startswith("…")
    for answer in (..., None, "about 200 respondents", 0.5):
        feedback = wb.check("01.7", answer)
        assert not feedback.correct and not feedback.answered
    assert wb.solution_value("01.7") is None
