"""Exercises of notebook 06 (customer value): the instructor's solutions pass, typical mistakes get hints.

For every exercise: (a) the expected value computed inside ``crm_lab`` passes its own check and equals what the
notebook's solution code computes by hand (recomputed here the way the solution cell does it); (b) typical wrong
answers and wrong types get "not yet", a hint, no exception and never the expected value; (c) the same on another
simulated market (another seed and parameters) and on a user's data without a planted truth.
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
from crm_lab import value as cv
from crm_lab.exercises import nb06

IDS = ("06.1", "06.2", "06.3", "06.4", "06.5", "06.6", "06.7")
NUMBERS = ("06.1", "06.2", "06.7")
CHOICES = ("06.3", "06.4", "06.5", "06.6")

SAMPLE_PARAMS = {"seed": 2024, "alpha": 0.05, "bins": 5, "margin_rate": 0.3, "discount": 0.1, "cost_ratio": 0.2,
                 "sim_reps": 500, "recovery_reps": 4, "recovery_customers": 500}
OTHER_PARAMS = {"seed": 7, "alpha": 0.1, "bins": 5, "margin_rate": 0.25, "discount": 0.08, "cost_ratio": 0.3,
                "sim_reps": 200, "recovery_reps": 3, "recovery_customers": 400}


# --------------------------------------------------------------------------
# the notebook's cells and solution cells, recomputed as they are written there
# --------------------------------------------------------------------------
def by_hand(tables, P):
    """The notebook's answers, id -> value (its cells, then its solution cells)."""
    tx, editions = tables["transactions"], tables["editions"]
    edition = int(tables["survey"]["edition"].max())
    as_of = pd.Timestamp(editions.set_index("edition").loc[edition, "end_date"])
    profile = cv.exhibitor_value_table(tables["participation"], tables["survey"], tables["exhibitors"], edition=edition)
    rfm_table = cv.rfm(tx, as_of=as_of, bins=P["bins"])
    revenue = rfm_table["monetary"]
    rfm_table["tier"] = cv.membership_tiers(rfm_table, cuts=(7, 11))
    tiered = profile.join(rfm_table["tier"].astype(str), how="inner")
    tier_profile = cv.profile_tiers(tiered, "tier", ["sector", "size_class", "region", "satisfaction"],
                                    confidence=1 - P["alpha"], n_boot=200, rng=1)
    stages = profile.groupby("stage")[["returned", "spend"]].mean().rename(columns={"returned": "retention"})
    stages["margin"] = stages["spend"] * P["margin_rate"]
    cal_hold = cv.calibration_and_holdout(tx, calibration_end=as_of, freq="W")
    bgnbd = cv.fit_bgnbd(cal_hold["frequency_cal"], cal_hold["recency_cal"], cal_hold["T_cal"])
    validation = cv.calibration_holdout_table(bgnbd, cal_hold, max_frequency=10)
    old, new = profile[profile["stage"] != "exploration"], stages.loc["exploration"]
    recovery = cv.bgnbd_recovery(**nb06.PLANTED, n_customers=P["recovery_customers"], reps=P["recovery_reps"], T=52.0,
                                 confidence=1 - P["alpha"], rng=P["seed"])
    out = {}
    m, r = profile["spend"].mean() * P["margin_rate"], profile["returned"].mean()
    out["06.1"] = m * r / (1 + P["discount"] - r)
    x = np.sort(revenue.to_numpy())
    n = x.size
    out["06.2"] = float(((2 * np.arange(1, n + 1) - n - 1) * x).sum() / (n * x.sum()))
    t = tier_profile.table
    largest = t.loc[["sector", "size_class", "region"], "estimate"].idxmax()
    out["06.3"] = "c" if largest != "size_class" else ("a" if t.loc["satisfaction", "p_value"] < P["alpha"] else "b")
    out["06.4"] = "b"
    row = recovery.loc["a"]
    out["06.5"] = "a" if abs(row["bias"]) <= 2 * row["sd"] / np.sqrt(row["fits"]) else "b"
    a = validation.loc["all"]
    rel = a["predicted"] / a["actual"] - 1
    out["06.6"] = "a" if rel > 0.1 else ("b" if rel < -0.1 else "c")
    r_old = old["returned"].mean()
    d = P["discount"]
    v_old = old["spend"].mean() * P["margin_rate"] * (1 + d) / (1 + d - r_old)
    v_new = new["margin"] * (1 + d) / (1 + d - new["retention"])
    out["06.7"] = P["cost_ratio"] * v_new / v_old
    return out, recovery


@pytest.fixture(scope="module")
def sample_case(sample_tables):
    hand, recovery = by_hand(sample_tables, SAMPLE_PARAMS)
    wb = exercises.workbook("06", tables=sample_tables, params=SAMPLE_PARAMS, truth=datasets.load_truth())
    wb.update(recovery=recovery)
    return wb, hand


@pytest.fixture(scope="module")
def other_case(small_market):
    hand, _ = by_hand(small_market.tables, OTHER_PARAMS)
    wb = exercises.workbook("06", tables=small_market.tables, params=OTHER_PARAMS, truth=small_market.truth)
    return wb, hand  # no recovery table handed over: 06.5 reruns the same simulation


@pytest.fixture(scope="module")
def user_case(small_market):
    hand, recovery = by_hand(small_market.tables, OTHER_PARAMS)
    wb = exercises.workbook("06", tables=small_market.tables, params=OTHER_PARAMS, truth=None, recovery=recovery)
    return wb, hand


def test_the_notebook_declares_eight_exercises_of_five_kinds():
    reg = exercises.registry("06")
    assert sorted(reg) == [*IDS, "06.8"]
    assert {e.kind for e in reg.values()} == {"compute", "interpret", "truth", "predict", "open"}


# --------------------------------------------------------------------------
# (a) and (c): the instructor's answer passes, and equals the solution cell's
# --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["sample_case", "other_case", "user_case"])
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_passes_and_equals_the_notebook_solution(request, case, exercise_id):
    wb, hand = request.getfixturevalue(case)
    assert_solution_passes(wb, exercise_id, hand[exercise_id])


def test_the_predict_letter_follows_the_simulation(sample_case):
    wb, _ = sample_case
    ratio = nb06.uncertainty_ratio(wb.ctx)
    assert 0.55 <= ratio < 0.9  # the shrinking cohort: less than the 1/sqrt(4) of four times the data
    assert wb.solution_value("06.4") == "b"


def test_the_notebook_uses_the_planted_values_and_editions_the_checks_use():
    nb = nbformat.read(runner.resolve_notebook("06"), as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    line = next(line for line in text.splitlines() if line.startswith("planted = "))
    assert eval(line.split("=", 1)[1]) == nb06.PLANTED
    assert f"editions={nb06.SIM_EDITIONS!r}" in text
    assert "ex.update(recovery=recovery)" in text


@pytest.mark.parametrize("exercise_id", IDS)
def test_each_check_is_fast(sample_case, exercise_id):
    wb = exercises.workbook("06", tables=sample_case[0].ctx.tables, params=SAMPLE_PARAMS, truth=None,
                            recovery=sample_case[0].ctx.extra["recovery"])
    start = time.perf_counter()
    wb.solution_value(exercise_id)
    assert time.perf_counter() - start < 3.0  # < 1 s on an idle machine; headroom for a shared one


# --------------------------------------------------------------------------
# (b): typical wrong answers get a hint, never an exception or the answer
# --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["sample_case", "other_case"])
@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_recognised_mistakes_get_their_hint(request, case, exercise_id):
    wb, _ = request.getfixturevalue(case)
    assert_mistakes_get_hints(wb, exercise_id)


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("answer", WRONG_TYPES, ids=lambda a: type(a).__name__)
def test_a_wrong_type_is_a_hint_not_an_exception(sample_case, exercise_id, answer):
    assert_wrong_type_is_a_hint(sample_case[0], exercise_id, answer)

@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_sign_and_rounding_slips(sample_case, exercise_id):
    assert_slips_caught(sample_case[0], exercise_id, bump=1.01, shift=0.0)

@pytest.mark.parametrize("case", ["sample_case", "other_case", "user_case"])
@pytest.mark.parametrize("exercise_id", CHOICES)
def test_every_wrong_letter_gets_a_reason(request, case, exercise_id):
    assert_every_wrong_letter_explained(request.getfixturevalue(case)[0], exercise_id)

def test_known_mistakes_on_the_sample(sample_case):
    wb, _ = sample_case
    names = {"06.1": "no discount", "06.2": "top 20 %", "06.7": "the ratio alone"}
    for exercise_id, name in names.items():
        value = next(m.value for m in wb.mistakes(exercise_id) if m.name == name)
        assert wb.check(exercise_id, value).mistake == name
    assert "effect sizes" in wb.check("06.3", "d").message


def test_no_answer_and_the_open_exercise_say_not_answered(sample_case):
    wb, _ = sample_case
    for exercise_id in IDS:
        assert not wb.check(exercise_id, ...).answered
    for answer in (..., None, "weights matter", 0.5):
        feedback = wb.check("06.8", answer)
        assert not feedback.correct and not feedback.answered
    assert wb.solution_value("06.8") is None
