"""Notebook 05 (switching costs) as a researcher runs it: other seed, a user's data folder, small sizes; bad parameters."""

import nbformat
import pytest
from userdata import mtimes

from crm_lab import runner

pytestmark = pytest.mark.notebook


def check_outputs(executed):
    """The text of every exercise check cell (``ex.check(...)``) of an executed notebook, by exercise id."""
    nb = nbformat.read(executed, as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip().startswith("ex.check("):
            exercise_id = cell.source.split('"')[1]
            out[exercise_id] = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs
                                       if o.get("output_type") in ("execute_result", "display_data"))
    return out


def test_switching_costs_on_a_users_data_with_another_seed(run_nb, user_data, tmp_path):
    user, market = user_data(seed=5, n_exhibitors=1500, n_visitors=200, kano_respondents=10)
    before = mtimes(user)
    result = run_nb(
        "05_switching_costs", tmp_path / "out",
        seed=9, data_dir=str(user), alpha=0.1, n_boot=100, n_sims=200, power_reps=60, truth_size=5000,
    )  # fmt: skip
    res = result.results
    survey = market.tables["survey"]
    assert res["n_respondents"] == int((survey["edition"] == survey["edition"].max()).sum())
    assert res["interaction_targets"] is None  # no truth in a user's folder
    assert res["interaction_ols"]["confidence"] == pytest.approx(0.9)
    assert res["interaction_ols"]["n"] == res["n_respondents"]
    assert set(res["cfa_fit"]) == {"one_factor", "three_types", "eight_facets", "second_order"}
    assert set(res["dominance"]) == {"procedural", "financial", "relational"}
    assert res["seed"] == 9
    assert mtimes(user) == before, "the user's folder was written to"
    checks = check_outputs(result.output)  # the solutions stay right on another seed, alpha and a user's data
    assert sorted(checks) == ["05.1", "05.2", "05.3", "05.4", "05.5", "05.6"]
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb("05_switching_costs", power_reps=5)
    assert "parameter 'power_reps' must be an integer >= 50 and <= 100000 (got 5)" in str(info.value)
