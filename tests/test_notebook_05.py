"""Notebook 05 (switching costs) as a researcher runs it: other seed, a user's data folder, small sizes; bad parameters."""

import pytest
from userdata import check_outputs, mtimes

from crm_lab import datasets, runner
from crm_lab.simulate import simulate_market

pytestmark = pytest.mark.notebook


def _excludes(r, null=0.0):
    return not (r["ci_low"] <= null <= r["ci_high"])


def check_verdicts(res):
    """Every printed conclusion saved in results.json agrees with the numbers beside it."""
    assert res["interaction_ols_excludes_zero"] == _excludes(res["interaction_ols"])
    assert res["interaction_logit_excludes_zero"] == _excludes(res["interaction_logit"])
    assert res["barrier_dissatisfied_excludes_zero"] == _excludes(res["barrier_dissatisfied"])
    assert res["barrier_drop_gap_excludes_zero"] == _excludes(res["barrier_drop_gap"])
    assert res["lever_gap_excludes_zero"] == _excludes(res["lever_gap"])
    drop = res["barrier_drop"]
    assert res["barrier_drop_most_lost"] == min(drop, key=lambda g: drop[g]["estimate"])
    assert set(drop) == {"hostage", "at_risk", "bonded", "free"}
    assert all(drop[g]["ci_low"] <= drop[g]["estimate"] <= drop[g]["ci_high"] for g in drop)
    for g, slope in res["barrier_slopes"].items():
        assert res["barrier_slopes_exclude_zero"][g] == _excludes(slope)
    dominance = res["dominance"]
    assert res["dominance_top"] == max(dominance, key=lambda t: dominance[t]["estimate"])
    at = res["power_at_n"]
    assert at["power_ci_low"] <= at["power"] <= at["power_ci_high"]
    assert at["sample_rejects"] == (abs(at["sample_t"]) > at["critical_t"])
    assert at["sample_unusual"] == (at["share_as_extreme"] < res["alpha"])
    assert at["sample_t"] == pytest.approx(res["interaction_ols"]["statistic"])
    targets, std = res["interaction_targets"], res["interaction_standardized"]
    if targets is None:
        assert res["target_covered"] is None and res["planted_covered"] is None
    else:
        assert res["target_covered"] == (std["ci_low"] <= targets["observed"] <= std["ci_high"])
        assert res["planted_covered"] == (std["ci_low"] <= targets["planted"] <= std["ci_high"])


@pytest.mark.parametrize("where", ["shipped sample", "another market with its truth"])
def test_printed_conclusions_agree_with_the_numbers_on_other_seeds(run_nb, tmp_path, where):
    data_dir = ""
    if where != "shipped sample":
        data_dir = tmp_path / "market31"
        datasets.write_tables(simulate_market(1500, n_visitors=200, kano_respondents=10, rng=31), data_dir)
    result = run_nb(
        "05_switching_costs", tmp_path / "out",
        seed=7 if where == "shipped sample" else 31, data_dir=str(data_dir), n_boot=100, n_sims=300, power_reps=60,
        truth_size=5000,
    )  # fmt: skip
    res = result.results
    assert res["interaction_targets"] is not None  # the truth branches ran
    check_verdicts(res)


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
    check_verdicts(res)
    checks = check_outputs(result.output)  # the solutions stay right on another seed, alpha and a user's data
    assert sorted(checks) == ["05.1", "05.2", "05.3", "05.4", "05.5", "05.6"]
    assert all(text.startswith("✓ Correct") for text in checks.values()), checks


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb("05_switching_costs", power_reps=5)
    assert "parameter 'power_reps' must be an integer >= 50 and <= 100000 (got 5)" in str(info.value)
