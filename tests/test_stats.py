"""Tests of crm_lab.stats against published values, properties and bad input."""

import dataclasses
import doctest
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from crm_lab import stats
from crm_lab.stats import TestResult, chi_square, proportion_ci, two_proportions, welch_t

# Student (1908) / Cushny & Peebles sleep data, as in R's `datasets::sleep`.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

# Agresti, A. (2007). An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5:
# party identification (Democrat, Independent, Republican) by gender (female, male).
PARTY = [[762, 327, 468], [484, 239, 477]]


def make_result(**changes):
    fields = dict(
        test="Two-proportion z-test", statistic=3.2149, df=None, p_value=0.0013, effect="risk difference",
        estimate=0.0812, ci_low=0.0321, ci_high=0.1304, se=0.025, n=1204, statistic_name="z",
    )
    fields.update(changes)
    return TestResult(**fields)


# ---------------------------------------------------------------- TestResult
def test_table_has_exactly_the_fixed_columns():
    for result in (two_proportions(56, 70, 48, 80), welch_t(SLEEP_1, SLEEP_2), chi_square(PARTY)):
        table = result.table
        assert list(table.columns) == ["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]
        assert table.shape == (1, 7)
        assert list(table.index) == [result.effect]
        assert table["estimate"].iloc[0] == result.estimate
        assert (table.dtypes == float).all()


def test_table_turns_none_into_nan():
    table = make_result().table
    assert math.isnan(table["df"].iloc[0])
    assert math.isnan(make_result(se=None).table["se"].iloc[0])


def test_report_apa_line():
    assert make_result().report() == (
        "Two-proportion z-test: z = 3.21, p = .001; risk difference = 0.081, 95% CI [0.032, 0.130], n = 1,204"
    )


def test_report_small_p_df_and_decimals():
    r = make_result(p_value=2e-7, statistic=30.0701, df=2.0, statistic_name="χ²", confidence=0.9)
    assert r.report() == (
        "Two-proportion z-test: χ²(2) = 30.07, p < .001; risk difference = 0.081, 90% CI [0.032, 0.130], n = 1,204"
    )
    assert "p < .0001" in make_result(p_value=2e-7).report(decimals=4)
    assert "t(17.78) = -1.86" in welch_t(SLEEP_1, SLEEP_2).report()
    assert "p = .079" in welch_t(SLEEP_1, SLEEP_2).report()
    assert "p > .999" in make_result(p_value=0.99999).report()


def test_summary_and_html():
    r = two_proportions(56, 70, 48, 80)
    text = r.summary(decimals=2)
    assert "Two-proportion z-test" in text and "Newcombe" in text and "0.20" in text
    assert text.splitlines()[-1] == r.report(2)
    page = r._repr_html_()
    assert page.startswith("<div>") and "<table>" in page and "risk difference" in page
    assert "p &lt;" in make_result(p_value=1e-9)._repr_html_()


def test_to_dict_is_plain_json():
    r = two_proportions(56, 70, 48, 80, labels=("repeat", "new"))
    d = r.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["estimate"] == pytest.approx(0.2)
    assert type(d["statistic"]) is float and type(d["n"]) is int
    assert d["extra"]["groups"]["repeat"] == {"successes": 56, "n": 70, "proportion": 0.8}
    assert d["df"] is None


def test_result_is_frozen():
    r = make_result()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 1.0
    assert make_result().extra == {}


# ---------------------------------------------------------------- proportions
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    # Newcombe (1998), Stat Med 17:857-872, Table I, Wilson score interval (method 3).
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_proportion_ci_wilson_newcombe_table_1(successes, n, low, high):
    est, lo, hi = proportion_ci(successes, n)
    assert est == pytest.approx(successes / n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_proportion_ci_contains_the_estimate_at_the_extremes():
    # statsmodels' Wilson bound for 10 of 10 is 0.9999999999999999 (round-off), below the estimate 1.0
    for successes, n in ((10, 10), (0, 10), (1, 1), (0, 1), (999, 999)):
        estimate, low, high = proportion_ci(successes, n)
        assert low <= estimate <= high, (successes, n)
    assert proportion_ci(10, 10)[2] == 1.0 and proportion_ci(0, 10)[1] == 0.0


def test_proportion_ci_other_method_and_level():
    _, lo95, hi95 = proportion_ci(81, 263)
    _, lo90, hi90 = proportion_ci(81, 263, confidence=0.9)
    assert lo95 < lo90 < hi90 < hi95
    _, lo, hi = proportion_ci(81, 263, method="beta")  # Clopper-Pearson is wider
    assert lo < lo95 and hi > hi95


@pytest.mark.parametrize(
    ("xa", "na", "xb", "nb", "low", "high"),
    # Newcombe (1998), Stat Med 17:873-890, Table II, method 10 (hybrid score).
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_two_proportions_newcombe_table_2(xa, na, xb, nb, low, high):
    r = two_proportions(xa, na, xb, nb)
    assert r.estimate == pytest.approx(xa / na - xb / nb)
    assert r.ci_low == pytest.approx(low, abs=5e-5)
    assert r.ci_high == pytest.approx(high, abs=5e-5)


def test_two_proportions_z_by_hand_and_equals_pearson_chi2():
    r = two_proportions(56, 70, 48, 80)
    # By hand: pooled p = 104/150; SE = sqrt(p(1-p)(1/70 + 1/80)) = 0.075467; z = 0.2/SE = 2.6502.
    assert r.statistic == pytest.approx(2.6502, abs=1e-4)
    chi2 = sps.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert r.statistic**2 == pytest.approx(chi2.statistic, rel=1e-10)
    assert r.p_value == pytest.approx(chi2.pvalue, rel=1e-10)
    assert r.df is None and r.n == 150
    assert r.se == pytest.approx(math.sqrt(0.8 * 0.2 / 70 + 0.6 * 0.4 / 80))


def test_two_proportions_odds_ratio():
    r = two_proportions(56, 70, 48, 80)
    assert r.extra["odds_ratio"] == pytest.approx(56 * 32 / (14 * 48))
    # Gart (1966): 0.5 added to each cell, Woolf's logit interval.
    log_or = math.log(56.5 * 32.5 / (14.5 * 48.5))
    half = sps.norm.ppf(0.975) * math.sqrt(1 / 56.5 + 1 / 14.5 + 1 / 48.5 + 1 / 32.5)
    assert r.extra["odds_ratio_ci_low"] == pytest.approx(math.exp(log_or - half), rel=1e-9)
    assert r.extra["odds_ratio_ci_high"] == pytest.approx(math.exp(log_or + half), rel=1e-9)


@pytest.mark.parametrize(("xa", "na", "xb", "nb"), [(56, 70, 48, 80), (3, 40, 11, 35), (0, 12, 5, 9), (300, 1000, 280, 990)])
def test_two_proportions_properties(xa, na, xb, nb):
    r = two_proportions(xa, na, xb, nb, labels=("new", "repeat"))
    s = two_proportions(xb, nb, xa, na, labels=("repeat", "new"))
    assert r.ci_low <= r.estimate <= r.ci_high
    assert 0 <= r.p_value <= 1
    assert s.estimate == pytest.approx(-r.estimate)
    assert s.statistic == pytest.approx(-r.statistic)
    assert s.p_value == pytest.approx(r.p_value)
    assert (s.ci_low, s.ci_high) == pytest.approx((-r.ci_high, -r.ci_low))
    assert r.extra["groups"]["new"]["n"] == na
    narrow = two_proportions(xa, na, xb, nb, confidence=0.8)
    assert r.ci_low < narrow.ci_low and narrow.ci_high < r.ci_high


def test_two_proportions_degenerate_warns():
    with pytest.warns(UserWarning, match="both groups have proportion 0"):
        r = two_proportions(0, 10, 0, 12)
    assert math.isnan(r.statistic) and math.isnan(r.p_value)
    assert r.estimate == 0 and r.ci_low < 0 < r.ci_high


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((11, 10, 3, 10), "'successes_a' must be <= 'n_a' = 10 (got 11)"),
        ((1, 0, 3, 10), "'n_a' must be >= 1 (got 0)"),
        ((1, 10, -1, 10), "'successes_b' must be >= 0 (got -1)"),
        ((1.5, 10, 3, 10), "'successes_a' must be a whole number (got 1.5)"),
        ((True, 10, 3, 10), "'successes_a' must be a whole number (got True)"),
    ],
)
def test_two_proportions_bad_input(args, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        two_proportions(*args)


def test_two_proportions_reports_all_violations():
    with pytest.raises(ValueError) as info:
        two_proportions(11, 10, 3, 0)
    assert str(info.value) == "'successes_a' must be <= 'n_a' = 10 (got 11); 'n_b' must be >= 1 (got 0)"


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5, "0.95"])
def test_bad_confidence(confidence):
    with pytest.raises(ValueError, match="'confidence' must be > 0 and < 1"):
        two_proportions(5, 10, 3, 10, confidence=confidence)


def test_bad_labels():
    with pytest.raises(ValueError, match="'labels' must be two different names"):
        two_proportions(5, 10, 3, 10, labels=("a", "a"))
    with pytest.raises(ValueError, match="'labels'"):
        welch_t(SLEEP_1, SLEEP_2, labels="ab")


def test_proportion_ci_bad_input():
    with pytest.raises(ValueError, match="'successes' must be <= 'n' = 5"):
        proportion_ci(6, 5)
    with pytest.raises(ValueError, match="'n' must be >= 1"):
        proportion_ci(0, 0)


# ---------------------------------------------------------------- Welch
def test_welch_matches_r_t_test_on_sleep_data():
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95 percent confidence interval: -3.3654832 0.2054832 (R documentation example for t.test).
    r = welch_t(SLEEP_1, SLEEP_2)
    assert r.statistic == pytest.approx(-1.8608, abs=1e-4)
    assert r.df == pytest.approx(17.776, abs=1e-3)
    assert r.p_value == pytest.approx(0.07939, abs=1e-5)
    assert r.extra["mean_difference_ci_low"] == pytest.approx(-3.3654832, abs=1e-7)
    assert r.extra["mean_difference_ci_high"] == pytest.approx(0.2054832, abs=1e-7)
    assert r.extra["mean_difference"] == pytest.approx(0.75 - 2.33)


def test_welch_hand_worked():
    # R's t.test(ts1, ts2): t = -1.8325, df = 17.9, p-value = 0.08356.
    ts1 = np.array([11, 9, 10, 11, 10, 12, 9, 11, 12, 9])
    ts2 = np.array([11, 13, 10, 13, 12, 9, 11, 12, 12, 11])
    # By hand: means 10.4 and 11.4; variances 12.4/9 and 14.4/9.
    va, vb = 12.4 / 9 / 10, 14.4 / 9 / 10
    t = (10.4 - 11.4) / math.sqrt(va + vb)
    nu = (va + vb) ** 2 / (va**2 / 9 + vb**2 / 9)
    r = welch_t(ts1, ts2)
    assert r.statistic == pytest.approx(t, rel=1e-12) and r.statistic == pytest.approx(-1.8325, abs=1e-4)
    assert r.df == pytest.approx(nu, rel=1e-12) and r.df == pytest.approx(17.90, abs=5e-3)
    assert r.p_value == pytest.approx(0.08356, abs=1e-5)


def test_welch_matches_scipy():
    rng = np.random.default_rng(20240501)
    x, y = rng.normal(3.0, 1.0, 37), rng.normal(3.6, 2.5, 58)
    r = welch_t(pd.Series(x), y.tolist())
    ref = sps.ttest_ind(x, y, equal_var=False)
    assert (r.statistic, r.df, r.p_value) == pytest.approx((ref.statistic, ref.df, ref.pvalue), rel=1e-12)
    assert r.n == 95


def test_hedges_g_and_ci_independent_calculation():
    x, y = np.array(SLEEP_1), np.array(SLEEP_2)
    n1, n2 = 10, 10
    sp = math.sqrt((9 * np.var(x, ddof=1) + 9 * np.var(y, ddof=1)) / 18)
    d = (x.mean() - y.mean()) / sp
    j = math.gamma(9) / (math.sqrt(9) * math.gamma(8.5))  # exact J(m), m = 18
    assert j == pytest.approx(1 - 3 / (4 * 18 - 1), abs=2e-4)  # Hedges' approximation
    g = j * d
    se = math.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    r = welch_t(x, y)
    assert r.extra["cohens_d"] == pytest.approx(d, rel=1e-12)
    assert r.estimate == pytest.approx(g, rel=1e-12)
    assert r.se == pytest.approx(se, rel=1e-12)
    assert r.ci_low == pytest.approx(g - 1.959963984540054 * se, rel=1e-12)
    assert r.ci_high == pytest.approx(g + 1.959963984540054 * se, rel=1e-12)
    # By hand: sd 1.78901 and 2.00247, pooled SD 1.89876, d = -1.58 / 1.89876 = -0.8321,
    # J(18) = 0.95772, g = -0.7969.
    assert r.extra["cohens_d"] == pytest.approx(-0.8321, abs=1e-4)
    assert r.estimate == pytest.approx(-0.7969, abs=1e-4)


def test_welch_properties():
    rng = np.random.default_rng(7)
    x, y = rng.normal(0, 1, 25), rng.normal(0.8, 1.5, 30)
    r, s = welch_t(x, y, labels=("monopoly", "competitive")), welch_t(y, x)
    assert r.ci_low <= r.estimate <= r.ci_high and 0 <= r.p_value <= 1
    assert s.statistic == pytest.approx(-r.statistic) and s.p_value == pytest.approx(r.p_value)
    assert s.estimate == pytest.approx(-r.estimate)
    assert (s.ci_low, s.ci_high) == pytest.approx((-r.ci_high, -r.ci_low))
    assert r.extra["groups"]["monopoly"]["n"] == 25


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([1.0], [1.0, 2.0], "'x' must have at least 2 values (got 1)"),
        ([1.0, np.nan, 3.0], [1.0, 2.0], "'x' must hold finite values only (got 1 NaN or infinite of 3)"),
        ([1.0, 2.0], [np.inf, 2.0, 3.0], "'y' must hold finite values only"),
        ([1.0, 1.0], [2.0, 2.0], "both have zero variance"),
        (["a", "b"], [1.0, 2.0], "'x' must be numeric values"),
    ],
)
def test_welch_bad_input(x, y, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        welch_t(x, y)


def test_welch_nullable_series_missing_value_is_reported():
    x = pd.Series([1.0, None, 3.0], dtype="Float64")
    with pytest.raises(ValueError, match=r"'x' must hold finite values only \(got 1 NaN or infinite of 3\)"):
        welch_t(x, SLEEP_2)
    assert welch_t(pd.Series([1, 2, 4], dtype="Int64"), SLEEP_2).n == 13


def test_numpy_counts_are_accepted_and_reported_plainly():
    r = two_proportions(np.int64(56), np.int64(70), np.int64(48), np.int64(80))
    assert r.n == 150 and type(r.n) is int
    with pytest.raises(ValueError, match=r"^'successes_a' must be <= 'n_a' = 10 \(got 11\)$"):
        two_proportions(np.int64(11), np.int64(10), 3, 10)


def test_welch_does_not_modify_input():
    x = pd.Series(SLEEP_1)
    before = x.copy()
    welch_t(x, SLEEP_2)
    pd.testing.assert_series_equal(x, before)


# ---------------------------------------------------------------- chi-square
def test_chi_square_agresti_table_2_5():
    r = chi_square(pd.DataFrame(PARTY, index=["female", "male"], columns=["Dem", "Ind", "Rep"]))
    # Agresti (2007), Section 2.4.3: X^2 = 30.1, df = 2, P-value < 0.001.
    assert round(r.statistic, 1) == 30.1
    assert r.df == 2 and r.p_value < 0.001 and r.n == 2757
    ref = sps.chi2_contingency(PARTY, correction=False)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    # Classic V against scipy; the estimate is the noncentrality-corrected V.
    assert r.extra["cramers_v"] == pytest.approx(sps.contingency.association(PARTY), rel=1e-12)
    assert r.extra["cramers_v"] == pytest.approx(0.1044, abs=1e-4)
    assert r.estimate == pytest.approx(math.sqrt((ref.statistic - 2) / 2757), rel=1e-12)


def test_chi_square_ci_inverts_noncentral_chi2():
    r = chi_square(PARTY)
    scale = 2757 * 1
    lam_low, lam_high = r.ci_low**2 * scale, r.ci_high**2 * scale
    assert sps.ncx2.cdf(r.statistic, 2, lam_low) == pytest.approx(0.975, abs=1e-6)
    assert sps.ncx2.cdf(r.statistic, 2, lam_high) == pytest.approx(0.025, abs=1e-6)
    assert r.ci_low < r.estimate < r.ci_high


def test_chi_square_weak_association_lower_bound_zero():
    r = chi_square([[50, 52, 48], [49, 51, 50]])
    assert r.p_value > 0.9
    assert r.ci_low == 0 and r.estimate == 0 and r.ci_high > 0
    assert sps.ncx2.cdf(r.statistic, 2, r.ci_high**2 * r.n) == pytest.approx(0.025, abs=1e-6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chi_square_properties(seed):
    rng = np.random.default_rng(seed)
    table = rng.integers(5, 60, size=(3, 4))
    r = chi_square(table)
    t = chi_square(table.T)
    assert r.ci_low <= r.estimate <= r.ci_high <= 1
    assert 0 <= r.p_value <= 1 and r.df == 6
    assert (t.statistic, t.estimate, t.ci_low, t.ci_high) == pytest.approx((r.statistic, r.estimate, r.ci_low, r.ci_high))


def test_chi_square_cochran_warning_counts_cells():
    with pytest.warns(UserWarning, match=r"3 of 4 expected counts \(75%\) are below 5"):
        r = chi_square([[1, 2], [3, 20]])
    assert r.extra["expected_below_5"] == 3


def test_chi_square_no_warning_for_large_counts():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chi_square(PARTY)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, 2, 3]], "at least 2 rows and 2 columns"),
        ([1, 2, 3], "at least 2 rows and 2 columns"),
        ([[1, 2], [0, 0]], r"rows with a zero total \(row positions \[1\]\)"),
        ([[0, 2], [0, 3]], r"columns with a zero total \(column positions \[0\]\)"),
        ([[1, -2], [3, 4]], "non-negative whole counts"),
        ([[1.5, 2], [3, 4]], "non-negative whole counts"),
        ([[np.nan, 2], [3, 4]], "finite counts"),
        ([["a", "b"], ["c", "d"]], "non-numeric"),
    ],
)
def test_chi_square_bad_input(table, message):
    with pytest.raises(ValueError, match=message):
        chi_square(table)


def test_all_public_names_exist_and_docstrings_run():
    assert set(stats.__all__) == {"TestResult", "chi_square", "proportion_ci", "two_proportions", "welch_t"}
    assert doctest.testmod(stats).failed == 0
