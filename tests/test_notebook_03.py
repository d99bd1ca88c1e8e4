"""Notebook 03 (relationship quality) as a researcher runs it: other seed, a user's data folder, bad parameters."""

import nbformat
import pytest
from userdata import mtimes

from crm_lab import runner

pytestmark = pytest.mark.notebook

NAME = "03_relationship_quality"
SMALL = {"n_boot": 200, "n_boot_sem": 20, "n_sims": 2, "sim_exhibitors": 1000, "power_sims": 10}
EXERCISES = ["03.1", "03.2", "03.3", "03.4", "03.5", "03.6", "03.7"]


def assert_exercises_correct(result):
    """Every exercise check in the executed notebook shows "✓ Correct" (the solutions stay right on this data)."""
    nb = nbformat.read(result.output, as_version=4)
    shown = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("ex.check("):
            eid = cell.source.split('"')[1]
            shown[eid] = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    assert sorted(shown) == EXERCISES
    wrong = {k: v for k, v in shown.items() if not v.startswith("✓ Correct")}
    assert not wrong, wrong


def test_relationship_quality_on_a_users_data_with_another_seed(run_nb, user_data, tmp_path):
    user, market = user_data(seed=31, n_exhibitors=1200, n_visitors=300, kano_respondents=20)
    before = mtimes(user)
    result = run_nb(NAME, tmp_path / "out", seed=9, data_dir=str(user), alpha=0.1, **SMALL)
    res = result.results
    assert res["n_respondents"] == len(market["survey"])
    assert res["planted_indirect"] is None  # no truth for a user's data
    assert all("planted" not in row for row in res["trust_drivers"].values())
    assert res["indirect_scale_scores"]["confidence"] == pytest.approx(0.9)
    assert res["indirect_latent"]["meta"]["n_boot"] == 20
    # the simulations still run (on simulated markets) and use the small sizes
    assert {row["n_sims"] for row in res["recovery"].values()} <= {2}
    assert [row["n"] for row in res["power"]] == [40, 80, 120, 160, 240]
    assert set(res["reliability"]) == {"benevolence", "integrity", "ability", "satisfaction", "commitment", "conative"}
    assert mtimes(user) == before, "the user's folder was written to"
    assert_exercises_correct(result)


def test_relationship_quality_on_a_smaller_survey(run_nb, tmp_path, sample_tables):
    # exercise 03.8's rerun: a random half of the sample's respondents, another seed; the truth is kept
    result = run_nb(NAME, tmp_path / "half", seed=5, survey_share=0.5, **SMALL)
    res = result.results
    assert res["n_respondents"] == round(0.5 * len(sample_tables["survey"]))
    assert res["planted_indirect"] is not None
    assert_exercises_correct(result)


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb(NAME, n_boot=50)
    assert "parameter 'n_boot' must be" in str(info.value) and "(got 50)" in str(info.value)
