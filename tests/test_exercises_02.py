"""Exercises of notebook 02 (the Kano model): the instructor's solutions pass, typical mistakes get a hint.

Every solution is recomputed here the way the notebook's solution cell computes it (by hand, from the
notebook's objects), on the shipped sample, on another simulated market, and on a user's data (no truth).
"""

import re
import time

import numpy as np
import pandas as pd
import pytest

from crm_lab import datasets, exercises, kano
from crm_lab.exercises import nb02

DEFAULT = {"seed": 2024, "segment": "exhibitor_sme", "edition": 0}
IDS = ["02.1", "02.2", "02.3", "02.4", "02.5", "02.6", "02.7"]
CHECKED = IDS[:-1]


# --------------------------------------------------------------------------
# The notebook's solution cells, replayed on a notebook's objects
# --------------------------------------------------------------------------
def notebook_objects(answers, truth, params):
    """What the notebook has built when the exercises start: survey, edition, table, by_edition."""
    edition = params["edition"] or int(answers["edition"].max())
    survey = answers[(answers["segment"] == params["segment"]) & (answers["edition"] == edition)]
    return {
        "answers": answers, "truth": truth, "edition": edition, "survey": survey,
        "table": kano.analyze(survey, n_boot=0),
        "by_edition": kano.analyze(answers[answers["segment"] == params["segment"]], by="edition", n_boot=0),
    }  # fmt: skip


def solutions(answers, truth, params):
    """The answers the notebook's solution blocks compute (same code, same order)."""
    o = notebook_objects(answers, truth, params)
    survey, edition, by_edition = o["survey"], o["edition"], o["by_edition"]
    out = {}
    # 02.1
    pairs = survey.dropna(subset=["functional", "dysfunctional"])
    pair_category = kano.EVALUATION_TABLE[pairs["functional"].to_numpy(int) - 1, pairs["dysfunctional"].to_numpy(int) - 1]
    out["02.1"] = pairs.loc[pair_category == "Q", "respondent_id"].nunique()
    # 02.2
    pooled = answers[answers["edition"] == edition].dropna(subset=["functional", "dysfunctional"])
    pooled = pooled.assign(category=kano.classify(pooled["functional"], pooled["dysfunctional"]))
    by_service = pd.crosstab(pooled["attribute"], pooled["category"]).reindex(columns=list(kano.CATEGORIES), fill_value=0)
    c = by_service.loc[by_service["R"].idxmax()]
    out["02.2"] = pd.Series({"better": (c["A"] + c["O"]) / (c["A"] + c["O"] + c["M"] + c["I"]),
                             "worse": -(c["O"] + c["M"]) / (c["A"] + c["O"] + c["M"] + c["I"])})
    # 02.3, 02.4: fixed readings
    out["02.3"], out["02.4"] = "c", "b"
    # 02.5
    planted_all = (None if truth is None
                   else truth.kano[truth.kano["segment"] == params["segment"]].set_index(["edition", "attribute"]))
    differs = (by_edition["category"].str.contains("/") if planted_all is None
               else by_edition["mode"].ne(planted_all["category"].reindex(by_edition.index)))
    out["02.5"] = sorted(differs[differs].index.get_level_values("attribute").unique())

    # 02.6
    def why_missed(planted):
        if planted is None:
            return "e"
        planted = planted.reindex(by_edition.index)
        missed = planted.loc[by_edition["mode"].ne(planted["category"]), ["p_A", "p_O", "p_M", "p_I", "p_R"]]
        first_two = np.sort(missed.to_numpy(float), axis=1)[:, -2:]
        tie = first_two[:, 1] - first_two[:, 0] < 1e-6
        return "d" if len(tie) == 0 else "a" if tie.all() else "b" if not tie.any() else "c"

    out["02.6"] = why_missed(planted_all)
    return out


def same(a, b):
    if isinstance(b, pd.Series):
        return np.allclose(pd.Series(a).reindex(b.index).to_numpy(float), b.to_numpy(float))
    if isinstance(b, list):
        return sorted(a) == sorted(b)
    return a == b


# --------------------------------------------------------------------------
# The settings: the sample with the notebook's defaults, other segments/editions, another market, user data
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_truth():
    return datasets.load_truth()


SETTINGS = {
    "sample, defaults": ("sample", True, DEFAULT),
    "sample, large firms, edition 4": ("sample", True, {"seed": 3, "segment": "exhibitor_large", "edition": 4}),
    "another market, visitors": ("market", True, {"seed": 7, "segment": "visitor", "edition": 3}),
    "user data (no truth)": ("market", False, {"seed": 7, "segment": "exhibitor_large", "edition": 0}),
}


@pytest.fixture(params=list(SETTINGS), scope="module")
def setting(request, sample_tables, sample_truth, small_market):
    data, with_truth, params = SETTINGS[request.param]
    tables, truth = (sample_tables, sample_truth) if data == "sample" else (small_market.tables, small_market.truth)
    truth = truth if with_truth else None
    wb = exercises.workbook("02", tables={"kano": tables["kano"]}, params=params, truth=truth)
    return wb, solutions(tables["kano"], truth, params)


def test_the_notebook_has_seven_exercises_of_five_kinds():
    reg = exercises.registry("02")
    assert sorted(reg) == IDS
    assert {e.kind for e in reg.values()} == {"compute", "interpret", "predict", "truth", "open"}


@pytest.mark.parametrize("exercise_id", CHECKED)
def test_the_instructors_answer_passes_and_equals_the_notebooks_solution(setting, exercise_id):
    wb, solved = setting
    expected = wb.solution_value(exercise_id)
    assert wb.check(exercise_id, expected).correct
    assert same(solved[exercise_id], expected), (solved[exercise_id], expected)
    feedback = wb.check(exercise_id, solved[exercise_id])
    assert feedback.correct and str(feedback).startswith("✓")


def test_a_correct_value_rounded_to_three_digits_is_accepted(setting):
    wb, solved = setting
    assert wb.check("02.2", solved["02.2"].round(3)).correct
    assert wb.check("02.2", {"Worse": solved["02.2"]["worse"], "Better": solved["02.2"]["better"]}).correct


# --------------------------------------------------------------------------
# Wrong answers: a hint, never the expected value, never an exception
# --------------------------------------------------------------------------
def leaks(message, value):
    """Whether *message* shows *value* (numbers at 2-4 decimals, names, letters' statements)."""
    if isinstance(value, pd.Series):
        return any(leaks(message, v) for v in value)
    if isinstance(value, (int, np.integer)):  # a count: as a whole word (a one-digit count is in any text)
        return value >= 10 and re.search(rf"\b{int(value)}\b", message) is not None
    if isinstance(value, (float, np.floating)):
        return any(str(round(float(value), k)) in message for k in (2, 3, 4))
    if isinstance(value, list):
        return any(name in message for name in value)
    return False


def assert_hint(feedback, expected):
    assert feedback.answered and not feedback.correct
    assert str(feedback).startswith("✗ Not yet") and feedback.message.strip()
    assert not leaks(feedback.message, expected), feedback.message


@pytest.mark.parametrize("exercise_id", CHECKED)
def test_each_recognised_mistake_gets_its_hint(setting, exercise_id):
    wb, _ = setting
    expected = wb.solution_value(exercise_id)
    for mistake in wb.mistakes(exercise_id):
        feedback = wb.check(exercise_id, mistake.value)
        assert_hint(feedback, expected)
        assert feedback.mistake == mistake.name and feedback.message.startswith(mistake.hint[:20])


def test_the_typical_mistakes_are_recognised_on_the_sample(sample_tables, sample_truth):
    wb = exercises.workbook("02", tables={"kano": sample_tables["kano"]}, params=DEFAULT, truth=sample_truth)
    assert {m.name for m in wb.mistakes("02.1")} == {"pairs", "R and Q", "like-like only"}
    assert {m.name for m in wb.mistakes("02.2")} == {"all answers", "no minus", "swapped", "one segment"}
    assert {m.name for m in wb.mistakes("02.5")} >= {"category", "rule"}
    better_worse = wb.solution_value("02.2")
    assert wb.check("02.2", better_worse * 100).mistake == "percent"
    assert wb.check("02.1", wb.solution_value("02.1") + 0.4).mistake == "rounding"


WRONG_TYPES = {
    "02.1": [[1, 2], "many", {"n": 3}],
    "02.2": [[0.5], "better", 0.5, pd.Series({"better": 0.5})],
    "02.3": [3, ["c"], "z"],
    "02.4": [True, "fewer", 2],
    "02.5": [3, {"a": 1}],
    "02.6": [["a", "b"], 1.0, "f"],
}


@pytest.mark.parametrize("exercise_id", CHECKED)
def test_a_wrong_type_or_letter_gets_not_yet_without_an_exception(setting, exercise_id):
    wb, _ = setting
    expected = wb.solution_value(exercise_id)
    for answer in WRONG_TYPES[exercise_id]:
        assert_hint(wb.check(exercise_id, answer), expected)
    if exercise_id in ("02.3", "02.4", "02.6"):  # every wrong letter explains itself
        for letter in wb.exercises[exercise_id].choices:
            if letter != expected:
                feedback = wb.check(exercise_id, letter.upper())
                assert_hint(feedback, expected)
                assert feedback.message.strip() != wb.exercises[exercise_id].hint
    for answer in (None, ...):
        feedback = wb.check(exercise_id, answer)
        assert not feedback.answered and not feedback.correct


def test_the_open_exercise_is_not_checked(setting):
    wb, _ = setting
    feedback = wb.check("02.7", "my findings")
    assert not feedback.answered and not feedback.correct
    assert str(feedback).startswith("… Not answered yet")


# --------------------------------------------------------------------------
# The predict exercise: its judge runs the notebook's simulation
# --------------------------------------------------------------------------
def test_the_simulation_judging_02_4_is_the_notebooks_and_is_fast(sample_tables):
    o = notebook_objects(sample_tables["kano"], None, DEFAULT)
    table, survey = o["table"], o["survey"]
    # the notebook's simulation cell
    seen = table[list(kano.CATEGORIES)].div(table["n"], axis=0).to_numpy()
    n_full = survey["respondent_id"].nunique()
    sim_rng = np.random.default_rng(DEFAULT["seed"])
    clear = {}
    for n in (n_full, max(2, n_full // 4)):
        counts = np.stack([sim_rng.multinomial(n, p, size=400) for p in seen])
        top = np.sort(counts[..., :5], axis=-1)
        clear[n] = kano.fong_test(top[..., -1], top[..., -2], n)[2].sum(axis=0)
    shared = nb02.clear_counts(table, [n_full, max(2, n_full // 4)], DEFAULT["seed"])
    assert all(np.array_equal(clear[n], shared[n]) for n in clear)
    full, quarter = clear.values()
    assert quarter.mean() < full.mean()  # "fewer", as the exercise expects on the sample

    wb = exercises.workbook("02", tables={"kano": sample_tables["kano"]}, params=DEFAULT)
    start = time.perf_counter()
    for exercise_id in CHECKED:
        wb.solution_value(exercise_id)
    assert time.perf_counter() - start < 1.5
