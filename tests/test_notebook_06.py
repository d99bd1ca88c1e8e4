"""Notebook 06 (customer value) as a researcher runs it: other seed, a user's data folder, small sizes; bad parameters."""

import pytest
from userdata import check_outputs, mtimes

from crm_lab import runner

pytestmark = pytest.mark.notebook


def test_customer_value_on_a_users_data_with_another_seed(run_nb, user_data, tmp_path):
    user, market = user_data(seed=5, n_exhibitors=1500, n_visitors=200, kano_respondents=10)
    before = mtimes(user)
    result = run_nb(
        "06_customer_value_and_segmentation", tmp_path / "out",
        seed=9, data_dir=str(user), alpha=0.1, n_boot=200, margin_rate=0.25, sim_reps=100, recovery_reps=3,
        recovery_customers=400,
    )  # fmt: skip
    res = result.results
    tables = market.tables
    edition = int(tables["survey"]["edition"].max())
    part = tables["participation"]
    assert res["n_exhibitors"] == int(((part["edition"] == edition) & (part["participated"] == 1)).sum())
    assert res["seed"] == 9 and res["rfm_sql_equal"] is True
    assert 0 < res["gini"]["table"][0]["estimate"] < 1
    assert res["gini"]["meta"]["confidence"] == pytest.approx(0.9)
    assert set(res["tier_counts"]) == {"low", "middle", "high"}
    assert res["break_even_lift"] > 0
    assert mtimes(user) == before, "the user's folder was written to"
    checks = check_outputs(result.output)  # the solutions stay right on another seed, alpha and a user's data
    assert sorted(checks) == ["06.1", "06.2", "06.3", "06.4", "06.5", "06.6", "06.7"]
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb("06_customer_value_and_segmentation", sim_reps=5)
    assert "parameter 'sim_reps' must be an integer >= 50 and <= 100000 (got 5)" in str(info.value)
