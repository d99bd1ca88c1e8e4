"""The shared core: input checks, the result protocol, the bootstrap, power by simulation.

Reference values are named in each test: scipy's bootstrap (BCa), statsmodels
OLS (coefficient tables, leave-one-out refits), Cohen's (1988) noncentral-t
power of the one-sample t-test.
"""

import inspect
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as sps

from crm_lab import _checks, power, resampling, results
from crm_lab._checks import CrmLabError


# ---------------------------------------------------------------- checks
def test_every_topic_error_derives_from_the_one_base():
    from crm_lab import kano, loyalty, measurement, regression, relationship, stats, switching

    classes = [kano.KanoInputError, loyalty.LoyaltyError, measurement.MeasurementError, regression.RegressionError,
               relationship.RelationshipError, stats.StatsError, switching.SwitchingError, power.PowerError]
    assert all(issubclass(c, CrmLabError) and issubclass(c, ValueError) for c in classes)


@pytest.mark.parametrize("value", [0, 1, 95, -0.1, True, "0.95", None, float("nan")])
def test_confidence_outside_the_open_unit_interval_is_refused(value):
    with pytest.raises(CrmLabError, match=r"'confidence' must be > 0 and < 1 \(got "):
        _checks.check_confidence(value)


def test_integer_and_number_checks_name_the_bounds():
    assert _checks.check_integer(np.int64(5), "n", low=1) == 5
    with pytest.raises(CrmLabError, match=r"'n' must be an integer >= 1 and <= 9 \(got 10\)"):
        _checks.check_integer(10, "n", low=1, high=9)
    with pytest.raises(CrmLabError, match=r"'n' must be an integer >= 0 \(got 2.0\)"):
        _checks.check_integer(2.0, "n", low=0)
    with pytest.raises(CrmLabError, match=r"'alpha' must be a finite number > 0 and < 0.5 \(got 0.5\)"):
        _checks.check_number(0.5, "alpha", low=0, high=0.5, low_open=True, high_open=True)


def test_problems_are_collected_and_reported_at_once():
    problems = []
    _checks.check_integer(-1, "n_boot", low=0, problems=problems)
    _checks.check_confidence(2, problems=problems)
    _checks.check_choice("bcaa", "ci", ("bca", "percentile"), problems=problems)
    with pytest.raises(CrmLabError) as info:
        _checks.raise_problems(problems, what="demo")
    text = str(info.value)
    assert text.startswith("demo: 'n_boot'") and "'confidence'" in text and "did you mean 'bca'?" in text


def test_missing_columns_are_all_named_with_the_role_and_a_suggestion():
    df = pd.DataFrame({"trust": [1.0], "commitment": [2.0]})
    with pytest.raises(CrmLabError) as info:
        _checks.check_columns(df, {"x": "trsut", "m": "comitment", "y": "loyalty"}, what="mediation")
    text = str(info.value)
    assert "x='trsut' (did you mean 'trust'?)" in text
    assert "m='comitment' (did you mean 'commitment'?)" in text
    assert "y='loyalty'" in text and text.endswith("the data has: trust, commitment")


def test_not_a_frame_is_a_clear_error():
    with pytest.raises(CrmLabError, match="survey: 'data' must be a pandas DataFrame \\(got list\\)"):
        _checks.check_columns([1, 2], ["a"], what="survey")


def test_numeric_columns_names_rows_by_index_label_and_reports_every_column():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.inf], "b": ["1", "x", "3", "4"], "c": [True, False, True, True]},
                      index=[101, 102, 103, 104])
    with pytest.raises(CrmLabError) as info:
        _checks.numeric_columns(df, ["a", "b", "c"], what="demo")
    text = str(info.value)
    assert "column 'a' has 2 missing or infinite values (rows 102, 104)" in text
    assert "column 'b' must be numeric: rows 102 hold 'x'" in text
    assert "column 'c' must be numeric (got dtype bool)" in text


def test_missing_value_policies():
    df = pd.DataFrame({"a": [1.0, None, 3.0], "b": [1, 2, 3]}, index=["p", "q", "r"])
    kept = _checks.numeric_columns(df, ["a", "b"], missing="keep")
    assert kept["a"].isna().tolist() == [False, True, False] and kept.dtypes.eq(float).all()
    with pytest.warns(UserWarning, match=r"dropped 1 of 3 rows .* rows q"):
        dropped = _checks.numeric_columns(df, ["a", "b"], missing="drop")
    assert dropped.index.tolist() == ["p", "r"]
    with pytest.raises(CrmLabError, match="needs at least 3 complete rows \\(got 2\\)"):
        with pytest.warns(UserWarning):
            _checks.numeric_columns(df, ["a"], missing="drop", min_rows=3)
    with pytest.raises(CrmLabError, match="'missing' must be one of"):
        _checks.numeric_columns(df, ["a"], missing="ignore")
    assert df["a"].isna().sum() == 1  # the input is never modified


def test_the_fast_path_for_clean_tables_gives_what_the_full_check_gives():
    rng = np.random.default_rng(0)
    clean = pd.DataFrame(rng.integers(1, 8, size=(50, 3)), columns=list("abc"), index=range(100, 150))
    fast = _checks.numeric_columns(clean, ["c", "a"])
    slow = _checks.numeric_columns(clean.astype(object), ["c", "a"])
    pd.testing.assert_frame_equal(fast, slow)
    assert list(fast.columns) == ["c", "a"] and fast.index.equals(clean.index)


def test_numeric_values_accepts_lists_arrays_and_series():
    assert _checks.numeric_values([1, 2, 3], "x").tolist() == [1.0, 2.0, 3.0]
    s = pd.Series([4, 5], index=["a", "b"], name="nps")
    assert _checks.numeric_values(s, "nps").index.tolist() == ["a", "b"]
    with pytest.raises(CrmLabError, match="one-dimensional"):
        _checks.numeric_values(np.ones((2, 2)), "x")


def test_one_definition_of_each_check_in_the_package():
    """The per-module copies the shared core replaced stay gone (grep, as the issue asks)."""
    from pathlib import Path

    package = Path(_checks.__file__).parent
    pattern = ("def _check_confidence", "def _confidence(", "def _check_int(", "def _positive_int(",
               "def _require_columns(", "def _numeric_block(", "def _check_numeric(")
    found = [(p.name, pat) for p in package.glob("*.py") for pat in pattern if pat in p.read_text(encoding="utf-8")]
    allowed = {("stats.py", "def _check_confidence")}  # a one-line wrapper binding StatsError
    assert set(found) <= allowed, found


# ---------------------------------------------------------------- results
def test_coef_table_matches_statsmodels_for_ols_and_logit():
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"x": rng.normal(size=200)})
    d["y"] = 1 + 0.5 * d.x + rng.normal(size=200)
    d["z"] = (d.y > 1).astype(int)
    ols = smf.ols("y ~ x", d).fit()
    t = results.coef_table(ols, confidence=0.9)
    assert list(t.columns) == list(results.TABLE_COLUMNS) and t.index.name == "term"
    np.testing.assert_allclose(t["estimate"], ols.params)
    np.testing.assert_allclose(t[["ci_low", "ci_high"]], ols.conf_int(alpha=0.1))
    np.testing.assert_allclose(t["p_value"], ols.pvalues)
    assert (t["df"] == 198).all()
    logit = smf.logit("z ~ x", d).fit(disp=0)
    tl = results.coef_table(logit)
    np.testing.assert_allclose(tl["statistic"], logit.tvalues)
    assert tl["df"].isna().all()  # z-based


def test_tidy_table_refuses_unknown_columns_and_orders_extras():
    t = results.tidy_table({"p_value": [0.5], "estimate": [1.0], "share": [0.2]}, index=["a"], extras=("share",))
    assert list(t.columns) == [*results.TABLE_COLUMNS, "share"]
    with pytest.raises(ValueError, match="'stimate'"):
        results.tidy_table({"stimate": [1.0]})


def test_a_result_prints_summarises_and_serialises():
    from crm_lab.stats import two_proportions

    r = two_proportions(56, 70, 48, 80)
    assert {"n", "confidence", "method", "citation"} <= set(r.meta)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["estimate"] == pytest.approx(0.2)
    med = _mediation_result()
    text = med.summary(decimals=2)
    assert text.startswith("Mediation: x -> m -> y") and "Reference:" in text and "n = 200" in text
    as_json = json.loads(json.dumps(med.to_dict()))
    assert [row["effect"] for row in as_json["table"]] == ["a", "b", "direct", "total", "indirect"]
    assert as_json["meta"]["n_boot"] == 500
    assert "<table" in med._repr_html_()


def _mediation_result():
    from crm_lab import regression

    rng = np.random.default_rng(3)
    d = pd.DataFrame({"x": rng.normal(size=200)})
    d["m"] = 0.5 * d.x + rng.normal(size=200)
    d["y"] = 0.4 * d.m + 0.1 * d.x + rng.normal(size=200)
    return regression.mediation(d, x="x", m="m", y="y", n_boot=500, rng=1)


def test_mediation_keeps_the_statsmodels_fits_and_their_numbers():
    med = _mediation_result()
    fits = med.fits
    assert med.table.loc["a", "estimate"] == pytest.approx(fits["mediator"].params["x"])
    assert med.table.loc["direct", "se"] == pytest.approx(fits["outcome"].bse["x"])
    # total = direct + indirect exactly for OLS
    assert med.table.loc["total", "estimate"] == pytest.approx(
        med.table.loc["direct", "estimate"] + med.table.loc["indirect", "estimate"])


# ---------------------------------------------------------------- resampling
def test_bca_matches_scipy_on_the_same_draws():
    """Our BCa bounds from scipy.stats.bootstrap's own bootstrap distribution equal scipy's BCa interval."""
    x = np.random.default_rng(8).gamma(2.0, size=60)
    seed = "rng" if "rng" in inspect.signature(sps.bootstrap).parameters else "random_state"
    ref = sps.bootstrap((x,), np.mean, method="BCa", n_resamples=4000, confidence_level=0.9, **{seed: 5})
    jack = (x.sum() - x) / (x.size - 1)
    low, high = resampling.bca_interval(ref.bootstrap_distribution, x.mean(), jack, 0.9)
    assert low == pytest.approx(ref.confidence_interval.low, rel=1e-9)
    assert high == pytest.approx(ref.confidence_interval.high, rel=1e-9)


def test_ols_jackknife_equals_refits_without_each_row():
    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(30), rng.normal(size=(30, 2))])
    y = X @ [1.0, 0.5, -0.3] + rng.normal(size=30)
    loo = resampling.ols_jackknife(X, y, 1)
    refits = [sm.OLS(np.delete(y, i), np.delete(X, i, axis=0)).fit().params[1] for i in range(30)]
    np.testing.assert_allclose(loo, refits, rtol=1e-10)


def test_bootstrap_is_reproducible_chunk_independent_and_covers():
    x = np.random.default_rng(0).normal(1.0, 2.0, size=400)
    stat = lambda idx: x[idx].mean(axis=1)  # noqa: E731
    a = resampling.bootstrap(stat, x.size, n_boot=1000, rng=3)
    b = resampling.bootstrap(stat, x.size, n_boot=1000, rng=3)
    np.testing.assert_array_equal(a.draws, b.draws)
    # bootstrap SE of a mean ~ s / sqrt(n)
    assert a.se == pytest.approx(x.std(ddof=1) / np.sqrt(x.size), rel=0.1)
    assert a.ci_low < x.mean() < a.ci_high
    counts = resampling.bootstrap(lambda c: c @ x / x.size, x.size, n_boot=1000, resample="counts", rng=3)
    assert counts.se == pytest.approx(a.se, rel=0.15)


def test_bootstrap_bca_needs_the_jackknife():
    with pytest.raises(ValueError, match="needs 'estimate' and 'jackknife'"):
        resampling.bootstrap(lambda idx: idx.mean(axis=1), 10, method="bca")


def test_percentile_interval_ignores_nan_draws_per_column():
    draws = np.column_stack([np.arange(101.0), np.full(101, np.nan)])
    low, high = resampling.percentile_interval(draws, 0.9)
    assert low[0] == pytest.approx(5.0) and high[0] == pytest.approx(95.0) and np.isnan(low[1])


# ---------------------------------------------------------------- power
def _t_test(n, reps, rng, d=0.5):
    x = rng.normal(d, 1, size=(reps, n))
    t = x.mean(axis=1) / (x.std(axis=1, ddof=1) / np.sqrt(n))
    return np.abs(t) > sps.t.ppf(0.975, n - 1), x.mean(axis=1)


def test_power_by_simulation_matches_the_noncentral_t_power():
    """Cohen (1988): power of the two-sided one-sample t-test, d = 0.5, from the noncentral t."""
    curve = power.power_by_simulation(_t_test, [10, 30, 60], reps=4000, rng=1, terms=["mean"])
    for n, row in zip((10, 30, 60), curve.itertuples()):
        crit = sps.t.ppf(0.975, n - 1)
        exact = sps.nct.sf(crit, n - 1, 0.5 * np.sqrt(n)) + sps.nct.cdf(-crit, n - 1, 0.5 * np.sqrt(n))
        assert row.ci_low - 0.01 <= exact <= row.ci_high + 0.01
        assert row.mean_estimate == pytest.approx(0.5, abs=0.03)
    assert list(curve.columns) == ["n", "term", "power", "ci_low", "ci_high", "mean_estimate", "reps"]


def test_power_by_simulation_holds_its_size_under_the_null():
    curve = power.power_by_simulation(lambda n, r, g: _t_test(n, r, g, d=0.0), [25], reps=4000, rng=2)
    assert curve.loc[0, "ci_low"] <= 0.05 <= curve.loc[0, "ci_high"]


def test_smallest_n_per_group_and_overall():
    curve = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, "n": [50, 100, 200] * 2,
                          "power": [0.5, 0.81, 0.95, 0.2, 0.4, 0.6]})
    by = power.smallest_n(curve, target=0.8, by="scenario")
    assert by["a"] == 100 and np.isnan(by["b"]) and by.name == "n_for_power_0.8"
    assert power.smallest_n(curve[curve.scenario == "a"], target=0.9) == 200
    with pytest.raises(CrmLabError, match="column='mode_correct'"):
        power.smallest_n(curve, column="mode_correct")


def test_moderation_power_is_reproducible_and_matches_cohen_with_perfect_measurement():
    a = power.power_curve([150, 300], b_x=0.385, b_m=0.2, b_xm=-0.15, reps=3000, rng=5)
    b = power.power_curve([150, 300], b_x=0.385, b_m=0.2, b_xm=-0.15, reps=3000, rng=5)
    pd.testing.assert_frame_equal(a, b)  # same seed, same numbers
    inter = a[a.term == "x:moderator"].reset_index(drop=True)
    for i, n in enumerate((150, 300)):
        exact = power.analytic_power(n, b_x=0.385, b_m=0.2, b_xm=-0.15)
        assert inter.loc[i, "ci_low"] - 0.02 <= exact <= inter.loc[i, "ci_high"] + 0.02
