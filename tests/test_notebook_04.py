"""Notebook 04 (loyalty layers) as a researcher runs it: other seed, other data, other thresholds; bad parameters."""

import nbformat
import pytest
from userdata import check_outputs, mtimes

from crm_lab import datasets, runner
from crm_lab.simulate import simulate_market

pytestmark = pytest.mark.notebook

#: The checked exercises of the notebook (04.7 is open: no check cell).
CHECKED = [f"04.{k}" for k in range(1, 7)]


def _interval_agrees(v, alpha=None):
    """A verdict dict of results.json agrees with its own numbers."""
    assert v["excludes_null"] == (v["ci_low"] > 0 or v["ci_high"] < 0), v
    if v["planted"] is None:
        assert v["planted_covered"] is None, v
    else:
        assert v["planted_covered"] == (v["ci_low"] <= v["planted"] <= v["ci_high"]), v
    if alpha is not None:
        assert v["significant"] == (v["p_value"] < alpha), v


def _check_verdicts(res, alpha, *, truth):
    """Every printed conclusion of the notebook, as written to results.json, agrees with the numbers beside it."""
    v = res["verdicts"]
    _interval_agrees(v["hostage_gap"])
    _interval_agrees(v["steepness"], alpha)
    if not truth:
        assert v["planted_spend_gap"] is None
    if v["planted_spend_gap"] is not None:
        _interval_agrees(v["planted_spend_gap"])
    if truth:
        assert v["hostage_gap"]["planted"] == pytest.approx(res["planted_hostage_gap"])
    for splits in (v["dick_basu_splits"], v["jones_sasser_splits"]):
        for row in splits.values():
            assert row["degenerate"] == (row["share_high"] in (0.0, 1.0)), row
            assert row["largest_low"] <= row["threshold"] + 1e-9, row
    # a degenerate note for each (axis, quantile) where no case, or every case, is high
    degenerate = {("x", r["x_quantile"]) for r in v["sensitivity"] if r["x_high"] in (0.0, 1.0)}
    degenerate |= {("y", r["y_quantile"]) for r in v["sensitivity"] if r["y_high"] in (0.0, 1.0)}
    assert len(v["degenerate_notes"]) == len(degenerate), (v["degenerate_notes"], degenerate)
    for r in v["sensitivity"]:
        if r["y_high"] == 0.0:
            assert r["true"] == 0 and r["spurious"] == 0, r
    assert v["terrorist_max_satisfaction"] <= res["thresholds"]["satisfaction"] + 1e-9
    answered = v["terrorists_by_region"]["as answered"]
    assert v["top_region"] == max(answered, key=answered.get)
    assert v["largest_odds_ratio"] in ("satisfaction", "trust", "switching_cost")


def _write_market_with_truth(folder, seed):
    """Another simulated market in the documented schema, with its planted truth (so the truth branches run)."""
    market = simulate_market(1000, n_visitors=200, kano_respondents=10, rng=seed)
    datasets.write_tables(market, folder)
    return market


def test_loyalty_notebook_with_other_seed_data_and_options(run_nb, tmp_path):
    data = tmp_path / "other market"
    market = _write_market_with_truth(data, seed=31)
    before = mtimes(data)
    result = run_nb(
        "04_loyalty_layers",
        tmp_path / "out",
        seed=7,
        data_dir=str(data),
        alpha=0.1,
        attitude_quantile=0.4,
        satisfaction_quantile=0.6,
        spline_df=4,
        truth_size=5000,
        n_reps=40,
        editions_ahead=3,
    )
    res = result.results
    assert res["n_surveyed"] == len(market.tables["survey"])
    assert res["curve_interaction"]["df"] == 4  # the B-spline interaction
    assert res["curve_interaction"]["confidence"] == pytest.approx(0.9)
    assert res["hostage_share_difference"]["confidence"] == pytest.approx(0.9)
    frame_att = market.tables["survey"][["cog1", "cog2", "cog3", "aff1", "aff2", "aff3", "con1", "con2", "con3"]].mean(axis=1)
    assert res["thresholds"]["attitude"] == pytest.approx(frame_att.quantile(0.4))
    assert sum(res["dick_basu_shares"].values()) == pytest.approx(1)
    assert set(res["extra_hostages_lost"]) == {"from the fitted curve", "planted truth"}
    assert list(res["extra_hostages_lost"]["planted truth"]) == ["0", "1", "2", "3"]
    assert res["planted_hostage_gap"] is not None
    assert mtimes(data) == before, "the data folder was written to"
    _check_verdicts(res, 0.1, truth=True)
    # the instructor's solutions stay right on another seed, other thresholds and another market
    checks = check_outputs(result.output)
    assert sorted(checks) == CHECKED
    for exercise_id, text in checks.items():
        assert text.startswith("✓ Correct"), (exercise_id, text)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"spline_df": 2}, "parameter 'spline_df' must be 0 or at least 3 (got 2)"),
        ({"loyalty_quantile": 1.5}, "parameter 'loyalty_quantile' must be > 0 and < 1 (got 1.5)"),
    ],
)
def test_loyalty_notebook_bad_parameter_stops_with_one_clear_line(run_nb, parameters, message):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb("04_loyalty_layers", **parameters)
    assert message in str(info.value)


def test_loyalty_notebook_exercises_on_a_users_data(run_nb, user_data, tmp_path):
    """A user's data folder (no planted truth): the truth branches of the exercises run and the checks still judge."""
    folder, _ = user_data(23, 400)
    result = run_nb("04_loyalty_layers", tmp_path / "out", data_dir=str(folder), seed=5, n_reps=40)
    _check_verdicts(result.results, 0.05, truth=False)
    assert result.results["verdicts"]["hostage_gap"]["planted_covered"] is None
    checks = check_outputs(result.output)
    assert sorted(checks) == CHECKED
    for exercise_id in CHECKED[:-1]:  # 04.1 answers "no planted path" (e); 04.2-04.5 do not need the truth
        assert checks[exercise_id].startswith("✓ Correct"), (exercise_id, checks[exercise_id])
    # 04.6 is a prediction from theory; on a user's data the check follows the fitted curve: judged, never an error
    assert checks["04.6"].startswith(("✓ Correct", "✗ Not yet")), checks["04.6"]


def test_loyalty_notebook_names_a_degenerate_grid_and_its_verdicts_agree(run_nb, tmp_path):
    """Shipped data, another seed, patronage split at its 0.75 quantile: the threshold is the maximum, and it is said."""
    result = run_nb("04_loyalty_layers", tmp_path / "out", seed=11, patronage_quantile=0.75, truth_size=5000, n_reps=40)
    res = result.results
    _check_verdicts(res, 0.05, truth=True)
    splits = res["verdicts"]["dick_basu_splits"]["patronage"]
    assert splits["degenerate"] and splits["threshold"] == splits["maximum"]
    assert res["dick_basu_shares"]["true"] == 0 and res["dick_basu_shares"]["spurious"] == 0
    assert res["worth"] is None  # no truly loyal exhibitor to compare: said, not an error
    text = "".join(o.get("text", "") for c in nbformat.read(result.output, as_version=4).cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "Degenerate split: no case is above the patronage threshold" in text
    assert "is the maximum: no case is strictly above it" in text
