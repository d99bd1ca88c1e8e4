"""Notebook 02 (the Kano model) as a researcher runs it: other parameters, a user's data folder, bad parameters.

(nbval checks the committed notebook with its default parameters.)
"""

import nbformat
import pytest
from userdata import mtimes

from crm_lab import runner

pytestmark = pytest.mark.notebook

NOTEBOOK = "02_kano_model"


def exercise_checks(executed):
    """The text output of each exercise check cell (``ex.check("02.k", ...)``) of an executed notebook, by cell."""
    nb = nbformat.read(executed, as_version=4)
    return {
        cell.source.strip(): "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in cell.outputs)
        for cell in nb.cells
        if cell.cell_type == "code" and cell.source.strip().startswith("ex.check(")
    }


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
    checks = exercise_checks(result.output)  # the instructor's solutions stay right on a user's data
    assert len(checks) == 6
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


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
