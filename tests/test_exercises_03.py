"""Exercises of notebook 03 (relationship quality): the instructor's solutions pass, typical mistakes get a hint
and never the expected value, and the checks stay right on another market and without a planted truth."""

import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from crm_lab import datasets, exercises
from crm_lab import measurement as ms
from crm_lab import relationship as rel
from crm_lab.exercises import nb03
from crm_lab.schema import SCALES

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_relationship_quality.ipynb"
PARAMS = {"seed": 2024, "alpha": 0.05, "n_boot": 2000}
CHECKED = ["03.1", "03.2", "03.3", "03.4", "03.5", "03.6", "03.7"]


# --------------------------------------------------------------------------
# The notebook's solutions, recomputed as its solution cells compute them
# --------------------------------------------------------------------------
def notebook_solutions(tables, truth, params, *, latent_boot=20):
    """``{id: answer}`` computed by the notebook's solution code (the notebook's own objects rebuilt first)."""
    survey = tables["survey"]
    confidence = 1 - params["alpha"]
    cfa = ms.cfa(survey, rel.rq_models()["first_order"])
    htmt = ms.htmt(survey, rel.rq_models()["first_order"])
    scores = ms.scale_scores(survey, rel.measurement_model(list(rel.RQ_CONSTRUCTS) + ["conative"]))
    scores["trust"] = scores[list(rel.TRUST_FACETS)].mean(axis=1)
    z_scores = (scores - scores.mean()) / scores.std()
    med = nb03.scale_mediation(z_scores, n_boot=params["n_boot"], confidence=confidence, rng=params["seed"])
    planted_ind = None if truth is None else rel.planted_indirect(truth)
    out = {}
    # 03.1
    items = survey[list(SCALES["benevolence"])]
    k = items.shape[1]
    cov = items.cov().to_numpy()
    out["03.1"] = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    # 03.2
    out["03.2"] = cfa.loadings.groupby("factor")["std_estimate"].apply(lambda lam: (lam**2).mean())
    # 03.3
    r = survey[list(SCALES["satisfaction"]) + list(SCALES["commitment"])].corr().to_numpy()
    upper = np.triu_indices(3, 1)
    out["03.3"] = r[:3, 3:].mean() / np.sqrt(r[:3, :3][upper].mean() * r[3:, 3:][upper].mean())
    # 03.4
    top = htmt.where(~np.eye(len(htmt), dtype=bool)).max().max()
    out["03.4"] = "a" if top < 0.85 else ("b" if top < 0.90 else "c")
    # 03.5
    indirect, direct = med.table.loc["indirect"], med.table.loc["direct"]
    excludes_0 = indirect["ci_low"] > 0 or indirect["ci_high"] < 0
    out["03.5"] = "d" if not excludes_0 else ("c" if direct["p_value"] < params["alpha"] else "b")
    # 03.6: the prediction
    out["03.6"] = "b"
    # 03.7
    interval = med.table.loc["indirect"]
    if planted_ind is not None:
        reference = planted_ind["indirect"]
    else:
        latent_ind = rel.sem_indirect(survey, rel.structural_model(), n_boot=latent_boot, confidence=confidence,
                                      rng=params["seed"])
        reference = latent_ind.table.loc["indirect", "estimate"]
    out["03.7"] = "b" if interval["ci_high"] < reference else ("d" if interval["ci_low"] > reference else "c")
    return out


@pytest.fixture(scope="module")
def truth():
    return datasets.load_truth()


@pytest.fixture(scope="module")
def wb(sample_tables, truth):
    return exercises.workbook("03", tables=sample_tables, params=PARAMS, truth=truth)


@pytest.fixture(scope="module")
def solutions(sample_tables, truth):
    return notebook_solutions(sample_tables, truth, PARAMS)


def _same(value, expected):
    if isinstance(expected, pd.Series):
        return np.allclose(value.reindex(expected.index).to_numpy(float), expected.to_numpy(float))
    if isinstance(expected, str):
        return value == expected
    return math.isclose(float(value), float(expected), rel_tol=1e-9)


def _leaks(message, expected):
    """Does *message* show the expected value (a number rounded to 2-4 decimals, or a choice's statement)?"""
    values = expected.to_numpy(float) if isinstance(expected, pd.Series) else (
        [] if isinstance(expected, str) else [float(expected)])
    for v in values:
        for k in (2, 3, 4):
            text = str(round(v, k))
            if len(text.strip("0.-")) >= 2 and text in message:
                return True
    return False


# --------------------------------------------------------------------------
# (a) the instructor's answers pass, and the notebook's hand computation equals the expected value
# --------------------------------------------------------------------------
def test_eight_exercises_of_five_kinds():
    reg = exercises.registry("03")
    assert sorted(reg) == [*CHECKED, "03.8"]
    assert {e.kind for e in reg.values()} == {"compute", "interpret", "predict", "truth", "open"}


@pytest.mark.parametrize("eid", CHECKED)
def test_instructor_answer_passes_and_matches_the_notebook_solution(wb, solutions, eid):
    expected = wb.solution_value(eid)
    assert wb.check(eid, expected).correct
    assert _same(solutions[eid], expected), (eid, solutions[eid], expected)
    assert wb.check(eid, solutions[eid]).correct


def test_the_sample_gives_the_expected_readings(wb):
    # the shipped sample: all HTMT below .85, indirect-only mediation, scale scores attenuated below the truth
    assert [wb.solution_value(e) for e in ("03.4", "03.5", "03.6", "03.7")] == ["a", "b", "b", "b"]


def test_predict_simulation_is_the_notebooks_loop(sample_tables):
    z = nb03.z_scores(sample_tables["survey"])
    split_rng = np.random.default_rng(PARAMS["seed"])
    half_widths = []
    for _ in range(3):  # the notebook's simulation cell
        order = split_rng.permutation(len(z))
        for half in np.array_split(order, 2):
            m = nb03.scale_mediation(z.iloc[half], n_boot=1000, confidence=0.95, rng=split_rng)
            half_widths.append(m.table.loc["indirect", "ci_high"] - m.table.loc["indirect", "ci_low"])
    np.testing.assert_allclose(half_widths, nb03.half_sample_widths(z, confidence=0.95, rng=PARAMS["seed"]))


def test_checks_are_fast(sample_tables, truth):
    import time

    fresh = exercises.workbook("03", tables=sample_tables, params=PARAMS, truth=truth)
    for eid in CHECKED:
        t0 = time.perf_counter()
        fresh.solution_value(eid)
        assert time.perf_counter() - t0 < 1.5, eid  # < 0.5 s on an idle machine; margin for a busy one


# --------------------------------------------------------------------------
# (b) typical wrong answers: a hint, no exception, never the expected value
# --------------------------------------------------------------------------
@pytest.mark.parametrize("eid", ["03.1", "03.2", "03.3"])
def test_recognised_mistakes_get_their_hint(wb, eid):
    expected = wb.solution_value(eid)
    mistakes = wb.mistakes(eid)
    assert len(mistakes) >= 3
    for m in mistakes:
        fb = wb.check(eid, m.value)
        assert not fb.correct and fb.answered, m.name
        assert fb.mistake == m.name and fb.message == m.hint
        assert not _leaks(str(fb), expected), (m.name, str(fb))


@pytest.mark.parametrize("eid", ["03.1", "03.3"])
def test_numbers_wrong_type_percent_and_rounding(wb, eid):
    expected = wb.solution_value(eid)
    for answer in ([0.5, 0.6], "about point seven", {"alpha": 0.7}, pd.DataFrame({"x": [1, 2]})):
        fb = wb.check(eid, answer)
        assert not fb.correct and fb.answered and fb.mistake == "type" and fb.message
        assert not _leaks(str(fb), expected)
    fb = wb.check(eid, expected * 100)
    assert not fb.correct and fb.mistake == "percent"
    fb = wb.check(eid, round(expected, 2))
    assert not fb.correct and fb.mistake == "rounding" and not _leaks(str(fb), expected)


def test_alpha_read_off_the_rounded_table_is_not_enough(wb):
    fb = wb.check("03.1", round(wb.solution_value("03.1"), 3))  # the reliability table shows 3 decimals
    assert not fb.correct and fb.mistake == "rounding"


def test_ave_wrong_shapes(wb):
    expected = wb.solution_value("03.2")
    cases = {
        "length": [0.5, 0.5],
        "type": "benevolence",
        "labels": pd.Series([0.5] * 5, index=["a", "b", "c", "d", "e"]),
        "wrong": expected.rename(lambda f: f.upper()) + 0.05,
    }
    for name, answer in cases.items():
        fb = wb.check("03.2", answer)
        assert not fb.correct and fb.answered and fb.mistake == name, (name, fb)
        assert not _leaks(str(fb), expected)
    # upper-case labels and a numpy array in the table's order are accepted
    assert wb.check("03.2", expected.rename(lambda f: f.upper())).correct
    assert wb.check("03.2", expected.to_numpy()).correct


@pytest.mark.parametrize("eid", ["03.4", "03.5", "03.6", "03.7"])
def test_wrong_letters_and_types_get_a_hint(wb, eid):
    ex = wb.exercises[eid]
    right = wb.solution_value(eid)
    for letter in ex.choices:
        if letter == right:
            assert wb.check(eid, f"({letter.upper()})").correct
            continue
        fb = wb.check(eid, letter)
        assert not fb.correct and fb.answered and fb.message
        assert ex.choices[right] not in fb.message
    for answer in (2, ["a"], "e", "full mediation", None):
        fb = wb.check(eid, answer)
        assert not fb.correct and fb.message
        assert fb.answered == (answer is not None)


def test_full_mediation_is_never_the_reading(wb):
    fb = wb.check("03.5", "a")
    assert not fb.correct and "Zhao" in fb.message


def test_open_exercise_is_not_checked(wb):
    for answer in (None, "my essay", 3):
        fb = wb.check("03.8", answer)
        assert not fb.correct and not fb.answered and "open exercise" in fb.message


# --------------------------------------------------------------------------
# (c) another market, no planted truth, a smaller survey
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def other_params():
    return {"seed": 5, "alpha": 0.1, "n_boot": 500}


def test_solutions_pass_on_another_market(small_market, other_params):
    wb = exercises.workbook("03", tables=small_market.tables, params=other_params, truth=small_market.truth)
    solutions = notebook_solutions(small_market.tables, small_market.truth, other_params)
    for eid in CHECKED:
        assert wb.check(eid, solutions[eid]).correct, (eid, solutions[eid])
        assert _same(solutions[eid], wb.solution_value(eid))


def test_solutions_pass_without_truth_and_on_a_smaller_survey(sample_tables, other_params):
    tables = dict(sample_tables)
    tables["survey"] = sample_tables["survey"].sample(frac=0.5, random_state=3).sort_index()
    wb = exercises.workbook("03", tables=tables, params=other_params, truth=None)
    solutions = notebook_solutions(tables, None, other_params)
    for eid in CHECKED:
        assert wb.check(eid, solutions[eid]).correct, (eid, solutions[eid])
    # without truth the reference is the latent estimate (the notebook's latent_ind estimate)
    assert wb.solution_value("03.7") in {"b", "c", "d"}
    assert wb.ctx.cached("reference", lambda: None) == pytest.approx(
        rel.sem_indirect(tables["survey"], rel.structural_model(), n_boot=20, rng=1).table.loc["indirect", "estimate"])


# --------------------------------------------------------------------------
# The notebook: its statements are the module's, its checks are one line, nothing leaks
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_shows_the_modules_choices(notebook):
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    for eid, ex in exercises.registry("03").items():
        assert f"### Exercise {eid} — " in text
        for letter, statement in ex.choices.items():
            assert f"- **{letter}**: {statement}" in text, (eid, letter)


def test_notebook_checks_are_one_line_and_solutions_marked(notebook):
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert not any("teaching.check" in s for s in code)
    checks = [s for s in code if "ex.check(" in s]
    assert checks == [f'ex.check("{e}", answer_{e[-1]})' for e in CHECKED]
    for e in CHECKED:
        solution = [s for s in code if f"answer_{e[-1]} =" in s]
        assert len(solution) == 1 and solution[0].startswith("### BEGIN SOLUTION")
        assert solution[0].rstrip().endswith("### END SOLUTION")
    rubric = [c for c in notebook.cells if "solution" in c.metadata.get("tags", [])]
    assert len(rubric) == 1 and "Rubric" in rubric[0].source


def test_committed_notebook_checks_all_pass(notebook):
    outputs = [o for c in notebook.cells if c.cell_type == "code" and "ex.check(" in c.source for o in c.outputs]
    shown = [o.get("data", {}).get("text/plain", "") for o in outputs]
    assert len(shown) == len(CHECKED) and all(s.startswith("✓ Correct") for s in shown), json.dumps(shown)
