"""Notebook 02 (the Kano model) as a researcher runs it: other parameters, a user's data folder, bad parameters.

(nbval checks the committed notebook with its default parameters.)
"""

import math

import nbformat
import pytest
from userdata import check_outputs, mtimes

from crm_lab import runner
from crm_lab.plots import label

pytestmark = pytest.mark.notebook

NOTEBOOK = "02_kano_model"


def printed(executed, marker):
    """The stdout lines of the executed notebook that contain *marker*."""
    nb = nbformat.read(executed, as_version=4)
    return [line for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
            if o.get("output_type") == "stream" and o.get("name") == "stdout"
            for line in o.get("text", "").splitlines() if marker in line]  # fmt: skip


def cohen_size(v, k):
    w = v * math.sqrt(k - 1)
    return "large" if w >= 0.5 else "medium" if w >= 0.3 else "small" if w >= 0.1 else "negligible"


def assert_verdicts_agree_with_the_numbers(result, alpha):
    """Every verdict the notebook prints and saves follows from the numbers saved beside it."""
    res = result.results
    # reverse / questionable services are the ones left off the diagrams
    rq = sorted(name for name, c in res["counts"].items()
                if c["R"] > max(c["A"], c["O"], c["M"], c["I"]) or c["R"] + c["Q"] >= 0.5 * sum(c.values()))
    assert res["not_placed"] == rq and res["continuous_not_placed"] == rq
    assert all(name in rq for name, cat in res["category"].items() if cat == "R")  # an R category is never placed
    # Fong's verdicts
    for row in res["fong"].values():
        assert row["fong_significant"] == (row["fong_difference"] >= row["fong_critical"])
    # planted Better covered only when the interval covers it
    if res["better_check"] is not None:
        covered = [row["better_low"] <= row["planted_better"] <= row["better_high"] for row in res["better_check"].values()]
        assert [row["better_covered"] for row in res["better_check"].values()] == covered
        assert res["better_coverage"] == pytest.approx(sum(covered) / len(covered))
    # segment tests: "differ" only when the Holm-adjusted p is below alpha; sizes by Cohen's benchmarks
    lines = printed(result.output, "Holm-adjusted p")
    for tests in (res["segment_tests"], res["sme_vs_large"]):
        if tests is None:
            continue
        for row in tests.values():
            assert row["significant"] == (row["p_holm"] < alpha)
            assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
            assert row["size"] == cohen_size(row["estimate"], row["k"])
    sme_lines = lines[len(res["segment_tests"]):]
    for tests, block in ((res["segment_tests"], lines[:len(res["segment_tests"])]), (res["sme_vs_large"], sme_lines)):
        if tests is None:
            continue
        assert len(block) == len(tests)
        for line in block:
            significant = [row["significant"] for name, row in tests.items() if line.startswith(label(name) + ":")]
            assert len(significant) == 1, line
            assert ("the segments differ" in line) == significant[0], line
            assert ("no difference detected" in line) == (not significant[0]), line
    assert res["segment_tests_significant"] == sum(row["significant"] for row in res["segment_tests"].values())
    # Fong's false "clear" rate: "above 10%" only when the whole interval is above
    fc = res["fong_false_clear"]
    assert fc["above_nominal"] == (fc["ci_low"] > 0.10)
    (sentence,) = printed(result.output, "false 'clear' calls at n =")
    assert ("above Fong's nominal 10%" in sentence) == fc["above_nominal"]
    assert ("excludes 0.1" in sentence) == (not fc["ci_low"] <= 0.10 <= fc["ci_high"])


@pytest.mark.parametrize("params", [dict(seed=5, segment="visitor", alpha=0.1),
                                    dict(seed=11, segment="exhibitor_sme", edition=4)])
def test_printed_conclusions_agree_with_the_numbers_on_other_seeds(run_nb, tmp_path, params):
    result = run_nb(NOTEBOOK, tmp_path / "out", n_boot=200, n_sims=60, **params)
    assert result.results["better_check"] is not None  # the shipped sample has a planted truth
    assert_verdicts_agree_with_the_numbers(result, params.get("alpha", 0.05))


def test_kano_notebook_on_a_users_folder_with_another_segment_edition_and_seed(run_nb, user_data, tmp_path):
    user, market = user_data(seed=21, n_exhibitors=400, n_visitors=300, kano_respondents=25, name="my survey")
    before = mtimes(user)
    result = run_nb(
        NOTEBOOK, tmp_path / "out",
        data_dir=str(user), segment="visitor", edition=3, seed=7, n_boot=200, alpha=0.1, n_sims=60,
    )  # fmt: skip
    res = result.results
    kano = market.tables["kano"]
    visitors = kano[(kano["segment"] == "visitor") & (kano["edition"] == 3)]
    assert (res["segment"], res["edition"]) == ("visitor", 3)
    assert res["respondents"] == visitors["respondent_id"].nunique()
    assert res["n_missing"] == int((visitors["functional"].isna() | visitors["dysfunctional"].isna()).sum())
    assert set(res["category"]) == set(kano["attribute"])
    assert res["planted_agreement"] is None and res["better_coverage"] is None  # no truth for a user's data
    assert all(-1 <= w <= 0 for w in res["worse"].values())
    assert 0 <= res["fong_false_clear_rate"] <= 1
    assert mtimes(user) == before, "the user's folder was written to"
    checks = check_outputs(result.output)  # the instructor's solutions stay right on a user's data
    assert len(checks) == 6
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks
    assert_verdicts_agree_with_the_numbers(result, 0.1)


def test_an_unknown_segment_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb(NOTEBOOK, segment="martians")
    assert "parameter 'segment' must be one of ['exhibitor_large', 'exhibitor_sme', 'visitor'] (got 'martians')" in str(info.value)


def test_a_bad_parameter_value_stops_before_any_work(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb(NOTEBOOK, alpha=0.7, n_sims=5)
    message = str(info.value)
    assert "parameter 'alpha' must be > 0 and < 0.5 (got 0.7)" in message
    assert "parameter 'n_sims' must be an integer >= 20 and <= 20000 (got 5)" in message
