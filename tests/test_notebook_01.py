"""Notebook 01 (customer data and satisfaction) as a researcher runs it: another seed, a user's CSV folder, a user's
DuckDB and SQLite database file; every exercise check stays right; the user's data are never written; bad parameters."""

import pytest
from userdata import check_outputs, mtimes

from crm_lab import datasets, runner, simulate_market

pytestmark = pytest.mark.notebook

NAME = "01_customer_data_and_satisfaction"
SMALL = {"n_boot": 200, "ipa_reps": 40, "sim_exhibitors": 5000}
IDS = ["01.1", "01.2", "01.3", "01.4", "01.5", "01.6"]


def _common(res, market, alpha):
    survey = market.tables["survey"]
    assert res["n_respondents"] == int((survey["edition"] == survey["edition"].max()).sum())
    assert res["has_truth"] is False and res["response_style_planted"] is None  # no truth in a user's data
    assert res["alpha"] == pytest.approx(alpha)
    assert res["disconfirmation"]["meta"]["confidence"] == pytest.approx(1 - alpha)
    assert len(res["disconfirmation"]["table"]) == 8
    assert -1 <= res["nps"]["table"][0]["estimate"] <= 1
    assert {r["quadrant"] for r in res["ipa_stated"]["table"]} <= {
        "concentrate here", "keep up the good work", "low priority", "possible overkill"}
    assert len(res["relative_return_by_structure"]["table"]) == 3


def test_on_a_users_csv_folder_with_another_seed(run_nb, user_data, tmp_path):
    user, market = user_data(seed=5, n_exhibitors=1500, n_visitors=200, kano_respondents=10)
    before = mtimes(user)
    result = run_nb(NAME, tmp_path / "out", seed=9, data_dir=str(user), alpha=0.1, **SMALL)
    _common(result.results, market, 0.1)
    assert result.results["seed"] == 9
    assert mtimes(user) == before, "the user's folder was written to"
    checks = check_outputs(result.output)  # the solutions stay right on another seed, alpha and a user's data
    assert sorted(checks) == IDS
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


@pytest.mark.parametrize("suffix", [".duckdb", ".sqlite"])
def test_on_a_users_database_file(run_nb, tmp_path, suffix):
    market = simulate_market(1200, n_visitors=150, kano_respondents=10, rng=21)
    path = datasets.write_database(market, tmp_path / f"my_crm{suffix}")
    before = path.stat().st_mtime_ns
    result = run_nb(NAME, tmp_path / "out", data_dir=str(path), **SMALL)
    _common(result.results, market, 0.05)
    assert path.stat().st_mtime_ns == before, "the user's database file was written to"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("my_crm")) == [path.name]  # no side files
    checks = check_outputs(result.output)
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


def test_the_committed_notebook_shows_every_check_right():
    checks = check_outputs(runner.resolve_notebook("01"))
    assert sorted(checks) == IDS
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb(NAME, sim_exhibitors=10)
    assert "parameter 'sim_exhibitors' must be an integer >= 2000 and <= 500000 (got 10)" in str(info.value)
