"""Notebook 07 (the relationship lifecycle) as a researcher runs it: other seed, a user's data folder, small sizes; bad parameters."""

import pytest
from userdata import check_outputs, mtimes

from crm_lab import runner

pytestmark = pytest.mark.notebook


def test_lifecycle_on_a_users_data_with_another_seed(run_nb, user_data, tmp_path):
    user, market = user_data(seed=5, n_exhibitors=1500, n_visitors=400, kano_respondents=10)
    before = mtimes(user)
    result = run_nb(
        "07_relationship_lifecycle", tmp_path / "out",
        seed=9, data_dir=str(user), alpha=0.1, n_boot=200, margin_rate=0.25, discount=0.15, retention_gain=0.1,
        horizon=6, recovery_reps=5, recovery_size=400,
    )  # fmt: skip
    res = result.results
    assert res["n_exhibitors"] == market.tables["participation"]["exhibitor_id"].nunique()
    assert res["seed"] == 9
    assert res["planted_chain"] is None and res["returned_recovered"] is None  # no truth in a user's folder
    assert res["transition_matrix"]["meta"]["confidence"] == pytest.approx(0.9)
    assert res["transition_matrix"]["meta"]["n_boot"] == 200
    assert res["best_target"] in ("exploration", "formation", "stability", "decline")
    assert len(res["interventions"]) == 4 and len(res["value_by_stage"]) == 4
    assert {r["model"] for r in res["recovery"]} == {"sBG", "BG/BB"}
    assert mtimes(user) == before, "the user's folder was written to"
    checks = check_outputs(result.output)  # the solutions stay right on another seed, alpha and a user's data
    assert sorted(checks) == ["07.1", "07.2", "07.3", "07.4", "07.5", "07.6"]
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb("07_relationship_lifecycle", discount=1.5)
    assert "parameter 'discount' must be > 0 and < 1 (got 1.5)" in str(info.value)
