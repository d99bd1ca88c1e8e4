"""Exercises of notebook 07 (the relationship lifecycle): the instructor's solutions pass, typical mistakes get hints.

For every exercise: (a) the expected value computed inside ``crm_lab`` passes its own check and equals what the
notebook's solution code computes by hand (recomputed here the way the solution cell does it); (b) the typical
wrong answers and wrong types get "not yet", a hint, no exception and never the expected value; (c) the same on
another simulated market (another seed, alpha and discount) and on a user's data without a planted truth.
"""

import time

import numpy as np
import pandas as pd
import pytest
from exercise_props import assert_solution_passes

from crm_lab import datasets, exercises
from crm_lab import lifecycle as lc
from crm_lab.exercises import nb07

IDS = ("07.1", "07.2", "07.3", "07.4", "07.5", "07.6")
NUMBERS = ("07.1", "07.5")
CHOICES = ("07.2", "07.3", "07.4", "07.6")


# --------------------------------------------------------------------------
# the notebook's solution cells, recomputed as they are written there
# --------------------------------------------------------------------------
def by_hand(tables, params, truth):
    """The notebook's answers, id -> value (its objects built as the notebook builds them)."""
    part = tables["participation"]
    tm = lc.transition_matrix(part, n_boot=params["n_boot"], confidence=1 - params["alpha"], rng=params["seed"])
    # 07.1
    rows = part[["exhibitor_id", "edition", "stage"]]
    nxt = rows.assign(edition=rows["edition"] - 1).rename(columns={"stage": "next"})
    moves = rows.merge(nxt, on=["exhibitor_id", "edition"], how="inner")
    a1 = (moves.loc[moves["stage"] == "stability", "next"] == "lapsed").mean()
    # 07.2
    if truth is None:
        a2 = "d"
    else:
        planted = lc.planted_transitions(truth).stack()
        rec = tm.returned_table[["estimate", "ci_low", "ci_high"]].assign(planted=planted.reindex(tm.returned_table.index))
        covered = (rec["ci_low"] <= rec["planted"] + 1e-12) & (rec["planted"] - 1e-12 <= rec["ci_high"])
        misses = int((~covered).sum())
        a2 = "a" if misses == 0 else "b" if misses <= 2 else "c"
    # 07.3
    survey = tables["survey"]
    now = survey[survey["edition"] == survey["edition"].max()]
    thirds = pd.qcut(now[["sat1", "sat2", "sat3"]].mean(axis=1).rank(method="first"), 3, labels=["low", "mid", "high"])
    groups = pd.Series(thirds.to_numpy(), index=now["exhibitor_id"].to_numpy(), name="satisfaction")
    by_sat = lc.transitions_by(part, groups, confidence=1 - params["alpha"])
    counts = by_sat.counts.groupby(level="group", observed=True).sum()
    ended_share = counts["ended"] / counts.sum(axis=1)
    rejects = by_sat.table.loc["all", "p_value"] < params["alpha"]
    a3 = "c" if not rejects else ("a" if ended_share["low"] > ended_share["high"] else "b")
    # 07.5
    margins = lc.stage_margins(part, margin_rate=params["margin_rate"])
    P, r = tm.matrix.to_numpy(), margins.reindex(tm.matrix.index).to_numpy()
    a5 = np.linalg.solve(np.eye(len(r)) - P / (1 + params["discount"]), r)[0]
    # 07.6
    iv = lc.compare_interventions(tm, margins, discount=params["discount"], points=params["retention_gain"],
                                  horizon=params["horizon"])
    t = iv.table
    lead = t["per_edition"].idxmax()
    a6 = "a" if t.loc[lead, "p_best"] >= 1 - params["alpha"] else "c"
    return {"07.1": a1, "07.2": a2, "07.3": a3, "07.4": "a", "07.5": a5, "07.6": a6}


SAMPLE_PARAMS = {"seed": 2024, "alpha": 0.05, "n_boot": 300, "margin_rate": 0.3, "discount": 0.1,
                 "retention_gain": 0.05, "horizon": 10}
OTHER_PARAMS = {"seed": 7, "alpha": 0.1, "n_boot": 200, "margin_rate": 0.2, "discount": 0.15,
                "retention_gain": 0.1, "horizon": 6}


@pytest.fixture(scope="module")
def sample_case(sample_tables):
    truth = datasets.load_truth()
    wb = exercises.workbook("07", tables=sample_tables, params=SAMPLE_PARAMS, truth=truth)
    return wb, by_hand(sample_tables, SAMPLE_PARAMS, truth)


@pytest.fixture(scope="module")
def other_case(small_market):
    wb = exercises.workbook("07", tables=small_market.tables, params=OTHER_PARAMS, truth=small_market.truth)
    return wb, by_hand(small_market.tables, OTHER_PARAMS, small_market.truth)


@pytest.fixture(scope="module")
def user_case(small_market):
    """A user's data: the same tables, no planted truth."""
    wb = exercises.workbook("07", tables=small_market.tables, params=OTHER_PARAMS, truth=None)
    return wb, by_hand(small_market.tables, OTHER_PARAMS, None)


def test_the_notebook_declares_seven_exercises_of_five_kinds():
    reg = exercises.registry("07")
    assert sorted(reg) == [*IDS, "07.7"]
    assert {e.kind for e in reg.values()} == {"compute", "interpret", "truth", "predict", "open"}


# --------------------------------------------------------------------------
# (a) and (c): the instructor's answer passes, and equals the solution cell's
# --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["sample_case", "other_case", "user_case"])
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_passes_and_equals_the_notebook_solution(request, case, exercise_id):
    wb, hand = request.getfixturevalue(case)
    assert_solution_passes(wb, exercise_id, hand[exercise_id])


def test_the_truth_exercise_needs_the_truth(user_case, sample_case):
    assert user_case[0].solution_value("07.2") == "d"
    assert sample_case[0].solution_value("07.2") in ("a", "b", "c")


def test_the_predict_simulation_rises():
    r = nb07.predict_simulation(2024)
    assert (np.diff(r) > 0).all()


# --------------------------------------------------------------------------
# (b) typical wrong answers: a hint, no exception, never the expected value
# --------------------------------------------------------------------------
def _leaks(message, value):
    return any(str(round(float(value), k)) in message for k in (2, 3, 4))


@pytest.mark.parametrize("case", ["sample_case", "other_case"])
@pytest.mark.parametrize("exercise_id", NUMBERS)
def test_recognised_mistakes_get_their_hint(request, case, exercise_id):
    wb, _ = request.getfixturevalue(case)
    expected = wb.solution_value(exercise_id)
    mistakes = wb.mistakes(exercise_id)
    assert len(mistakes) >= 2
    for m in mistakes:
        fb = wb.check(exercise_id, m.value)
        assert not fb.correct and fb.answered and fb.mistake == m.name, (m.name, str(fb))
        assert fb.message and not _leaks(str(fb), expected)


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("wrong", [[0.1, 0.2], "seven", {"a": 1}, pd.Series([1.0, 2.0]), 12345.678, "z"])
def test_wrong_types_are_not_yet_never_an_exception(sample_case, exercise_id, wrong):
    wb, _ = sample_case
    fb = wb.check(exercise_id, wrong)
    assert not fb.correct and fb.answered and fb.message
    value = wb.solution_value(exercise_id)
    if not isinstance(value, str):
        assert not _leaks(str(fb), value)


@pytest.mark.parametrize("exercise_id", CHOICES)
def test_every_wrong_letter_gets_a_reason(sample_case, exercise_id):
    wb, _ = sample_case
    right = wb.solution_value(exercise_id)
    for letter in wb.exercises[exercise_id].choices:
        fb = wb.check(exercise_id, letter.upper())
        assert fb.correct == (letter == right) and fb.answered
        if letter != right:
            assert fb.message and f"({right})" not in fb.message


def test_a_percentage_for_a_share_is_recognised(sample_case):
    wb, _ = sample_case
    fb = wb.check("07.1", 100 * wb.solution_value("07.1"))
    assert not fb.correct and fb.mistake == "percent"


def test_the_open_exercise_and_an_unanswered_one_are_not_errors(sample_case):
    wb, _ = sample_case
    fb = wb.check("07.7", "anything")
    assert not fb.answered and not fb.correct
    fb = wb.check("07.1", ...)
    assert not fb.answered and "not answered" in str(fb).lower()


def test_each_check_is_fast(sample_case):
    wb, _ = sample_case
    for exercise_id in IDS:
        wb.ctx._cache.clear()
        start = time.perf_counter()
        wb.solution_value(exercise_id)
        assert time.perf_counter() - start < 1.5, exercise_id
