"""Notebook 03 (relationship quality) as a researcher runs it: other seed, a user's data folder, bad parameters."""

import pytest
from userdata import check_outputs, mtimes

from crm_lab import runner

pytestmark = pytest.mark.notebook

NAME = "03_relationship_quality"
SMALL = {"n_boot": 200, "n_boot_sem": 20, "n_sims": 2, "sim_exhibitors": 1000, "power_sims": 10}
EXERCISES = ["03.1", "03.2", "03.3", "03.4", "03.5", "03.6", "03.7"]


def assert_exercises_correct(result):
    """Every exercise check in the executed notebook shows "✓ Correct" (the solutions stay right on this data)."""
    shown = check_outputs(result.output)
    assert sorted(shown) == EXERCISES
    wrong = {k: v for k, v in shown.items() if not v.startswith("✓ Correct")}
    assert not wrong, wrong


def assert_verdicts_agree_with_numbers(res):
    """Every conclusion the notebook prints (and saves) is what its numbers imply, whatever the data."""
    alpha = res["alpha"]
    table = res["mediation_table"]
    ind, direct = table["indirect"], table["direct"]
    assert res["indirect_excludes_zero"] == (ind["ci_low"] > 0 or ind["ci_high"] < 0)
    assert res["direct_excludes_zero"] == (direct["ci_low"] > 0 or direct["ci_high"] < 0)
    expected_type = ("no mediation shown" if not res["indirect_excludes_zero"]
                     else "indirect-only" if not res["direct_excludes_zero"]
                     else "complementary" if (direct["estimate"] > 0) == (ind["estimate"] > 0) else "competitive")
    assert res["mediation_type"] == expected_type
    assert res["mediation_type"] != "full"  # never inferred from a non-significant direct effect
    assert res["merged_rejected"] == (res["merged_p"] < alpha)
    assert res["comparison_rejected"] == {k: p < alpha for k, p in res["comparison_p"].items()}
    rel_ok = all(min(r["alpha"], r["omega"]) >= 0.70 for r in res["reliability"].values())
    assert res["alpha_all_above_70"] == rel_ok
    if res["planted_indirect"] is None:
        assert res["planted_covered"] is None
    else:
        planted = res["planted_indirect"]["indirect"]
        assert res["planted_covered"] == {m: r["ci_low"] <= planted <= r["ci_high"]
                                          for m, r in res["indirect_summary"].items()}
    nominal = 1 - alpha
    for path, verdict in res["recovery_verdicts"].items():
        row = res["recovery"][path]
        assert verdict["unbiased"] == (row["bias_low"] <= 0 <= row["bias_high"]), path
        assert verdict["coverage_ok"] == (row["coverage_high"] >= nominal), path
    curve = sorted(res["power"], key=lambda r: r["n"])
    reached = [r for r in curve if r["power"] >= 0.8]
    first = res["power_text"][0]
    if not reached:
        assert first.startswith("no size tried")
    else:
        assert f"at n = {reached[0]['n']} " in first
        assert ("its whole interval lies above 0.8" in first) == (reached[0]["ci_low"] > 0.8)
    at_n = [r for r in curve if r["n"] == res["n_respondents"]]
    assert len(at_n) == 1 and res["power_text"][-1].startswith(f"at n = {res['n_respondents']}: power ")


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
    # the power curve includes the survey's own size
    assert [row["n"] for row in res["power"]] == sorted({40, 80, 120, 160, 240, res["n_respondents"]})
    assert set(res["reliability"]) == {"benevolence", "integrity", "ability", "satisfaction", "commitment", "conative"}
    assert mtimes(user) == before, "the user's folder was written to"
    assert_exercises_correct(result)
    assert_verdicts_agree_with_numbers(res)


def test_relationship_quality_on_a_smaller_survey(run_nb, tmp_path, sample_tables):
    # exercise 03.8's rerun: a random half of the sample's respondents, another seed; the truth is kept
    result = run_nb(NAME, tmp_path / "half", seed=5, survey_share=0.5, **SMALL)
    res = result.results
    assert res["n_respondents"] == round(0.5 * len(sample_tables["survey"]))
    assert res["planted_indirect"] is not None
    assert_exercises_correct(result)
    assert_verdicts_agree_with_numbers(res)


def test_a_bad_parameter_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb(NAME, n_boot=50)
    assert "parameter 'n_boot' must be" in str(info.value) and "(got 50)" in str(info.value)
