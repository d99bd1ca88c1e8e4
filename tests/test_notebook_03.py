"""Notebook 03 (relationship quality) as a researcher runs it: other seed, a user's data folder, bad parameters."""

import pytest
from userdata import mtimes

from crm_lab import runner

pytestmark = pytest.mark.notebook

NAME = "03_relationship_quality"
SMALL = {"n_boot": 200, "n_boot_sem": 20, "n_sims": 2, "sim_exhibitors": 1000, "power_sims": 10}


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


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb(NAME, n_boot=50)
    assert "parameter 'n_boot' must be" in str(info.value) and "(got 50)" in str(info.value)
