"""Tests of crm_lab.value: RFM (pandas = SQL), concentration, simple CLV, BG/NBD and Gamma–Gamma.

The probabilistic models are tested hardest: against the estimates published
for the CDNOW sample (Fader, Hardie & Lee 2005; the data in tests/data, see
its README), against values from Bruce Hardie's spreadsheets (as used by
lifetimes' tests), by analytic vs numerical gradients, and by recovering the
parameters of simulated customer bases.
"""

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from crm_lab import datasets, value
from crm_lab._checks import CrmLabError
from crm_lab.value import ConvergenceError, CustomerValueError

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow():
    """The CDNOW summary (2,357 customers), as lifetimes ships it."""
    return pd.read_csv(DATA / "cdnow_customers_summary.csv", index_col="ID")


@pytest.fixture(scope="module")
def cdnow_spend():
    """The CDNOW summary with the mean spend of repeat purchases (zbar)."""
    return pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")


@pytest.fixture(scope="module")
def bgnbd_cdnow(cdnow):
    return value.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def gg_cdnow(cdnow_spend):
    return value.fit_gamma_gamma(cdnow_spend["x"], cdnow_spend["zbar"])


@pytest.fixture(scope="module")
def transactions():
    return datasets.load("transactions")


def _paper_bgnbd():
    """A fitter holding the published CDNOW estimates (FHL 2005)."""
    f = value.BetaGeoFitter()
    f.params_ = pd.Series([0.243, 4.414, 0.793, 2.426], index=["r", "alpha", "a", "b"])
    return f


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def test_cdnow_files_complete(cdnow, cdnow_spend):
    assert len(cdnow) == 2357 and len(cdnow_spend) == 2357
    assert cdnow.index.tolist() == list(range(1, 2358))
    np.testing.assert_array_equal(cdnow.to_numpy(), cdnow_spend[["x", "t_x", "T"]].to_numpy())
    assert int((cdnow_spend["x"] > 0).sum()) == 946  # the repeat buyers of the Gamma–Gamma fit


# --------------------------------------------------------------------------
# BG/NBD against published values
# --------------------------------------------------------------------------
def test_bgnbd_cdnow_estimates_fader_hardie_lee_2005(bgnbd_cdnow):
    """Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 280: r = 0.243, α = 4.414, a = 0.793, b = 2.426."""
    got = bgnbd_cdnow.params_
    np.testing.assert_allclose(got[["r", "alpha", "a", "b"]].to_numpy(), [0.243, 4.414, 0.793, 2.426], atol=5e-4)


def test_bgnbd_cdnow_log_likelihood_fader_hardie_lee_2005(bgnbd_cdnow):
    """Fader, Hardie & Lee (2005): LL = −9582.4 at the maximum."""
    assert bgnbd_cdnow.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert bgnbd_cdnow.summary.meta["log_likelihood"] == bgnbd_cdnow.log_likelihood_


def test_bgnbd_cdnow_standard_errors_match_lifetimes(bgnbd_cdnow):
    """lifetimes 0.11.3 BetaGeoFitter on the same data: se(r, α, a, b) = 0.012557, 0.378221, 0.185719, 0.705345."""
    np.testing.assert_allclose(bgnbd_cdnow.standard_errors_.to_numpy(), [0.012557, 0.378221, 0.185719, 0.705345],
                               rtol=2e-3)


def test_bgnbd_expected_purchases_hardie_spreadsheet(bgnbd_cdnow):
    """Hardie's BG/NBD spreadsheet (the values lifetimes' tests use), at the CDNOW maximum-likelihood estimates.

    The spreadsheet holds the unrounded estimates: with the three-decimal published ones E[X(78)] is
    1.8605, 0.003 off, so the check uses our fit (which reproduces the published estimates).
    """
    times = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00])
    expected = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    np.testing.assert_allclose(bgnbd_cdnow.expected_purchases(times), expected, atol=5e-4)


def test_bgnbd_conditional_expectation_hardie_spreadsheet(bgnbd_cdnow):
    """Hardie's spreadsheet / FHL 2005: customer with x = 2, t_x = 30.43, T = 38.86 buys 1.226 times in 39 weeks."""
    for fitter in (_paper_bgnbd(), bgnbd_cdnow):
        got = fitter.conditional_expected_purchases(39, 2, 30.43, 38.86)
        assert isinstance(got, float)
        assert got == pytest.approx(1.226, abs=1e-3)


def test_bgnbd_euler_form_equals_direct_formula():
    """The Euler-transformed 2F1 used in the code equals FHL's eq. 10 written directly (moderate x)."""
    from scipy.special import hyp2f1

    f = _paper_bgnbd()
    r, alpha, a, b = f.params_.to_numpy()
    x = np.array([0, 1, 2, 5, 10])
    tx = np.array([0.0, 5.0, 30.43, 20.0, 35.0])
    T = np.full(5, 38.86)
    t = 39.0
    z = t / (alpha + T + t)
    direct = ((a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                          * hyp2f1(r + x, b + x, a + b + x - 1, z))
              / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)))
    np.testing.assert_allclose(f.conditional_expected_purchases(t, x, tx, T), direct, rtol=1e-9)


def test_bgnbd_large_frequency_is_finite():
    """No overflow for heavy buyers (the #NUM! problem of Fader & Hardie 2013)."""
    f = _paper_bgnbd()
    x = np.array([50, 200, 1000])
    tx = np.array([38.0, 38.5, 38.8])
    T = np.full(3, 38.86)
    e = f.conditional_expected_purchases(39, x, tx, T)
    assert np.all(np.isfinite(e)) and np.all(np.diff(e) > 0)
    assert np.all(np.isfinite(f.p_alive(x, tx, T)))


def test_bgnbd_p_alive_bounds_and_monotone(bgnbd_cdnow, cdnow):
    p = bgnbd_cdnow.p_alive(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(p[cdnow["frequency"].to_numpy() == 0] == 1)  # no repeat purchase: cannot have dropped out
    # the longer ago the last purchase, the less likely alive
    q = bgnbd_cdnow.p_alive(np.full(5, 3), np.array([35.0, 30, 20, 10, 1]), np.full(5, 38.0))
    assert np.all(np.diff(q) < 0)


def test_bgnbd_expected_purchases_monotone(bgnbd_cdnow):
    t = np.linspace(0, 200, 101)
    e = bgnbd_cdnow.expected_purchases(t)
    assert e[0] == 0 and np.all(np.diff(e) > 0)
    c = bgnbd_cdnow.conditional_expected_purchases(t, np.full(101, 2), np.full(101, 30.43), np.full(101, 38.86))
    assert c[0] == 0 and np.all(np.diff(c) > 0)


def test_bgnbd_expected_purchases_match_observed_cdnow(bgnbd_cdnow, cdnow):
    """The model's mean repeat purchases over the customers' ages equals the observed mean (FHL 2005, Fig. 1)."""
    expected = bgnbd_cdnow.expected_purchases(cdnow["T"].to_numpy()).sum()
    assert expected == pytest.approx(cdnow["frequency"].sum(), rel=0.02)


def _numeric_gradient(fitter, params, data, h=1e-6):
    out = np.empty(params.size)
    for j in range(params.size):
        up, down = params.copy(), params.copy()
        up[j] += h * params[j]
        down[j] -= h * params[j]
        out[j] = (fitter._loglik(up, data) - fitter._loglik(down, data)) / (2 * h * params[j])
    return out


def test_bgnbd_analytic_gradient(cdnow):
    f = value.BetaGeoFitter()
    data = tuple(cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    for params in (np.array([0.243, 4.414, 0.793, 2.426]), np.array([1.3, 0.7, 2.5, 0.4])):
        np.testing.assert_allclose(f._gradient(params, data), _numeric_gradient(f, params, data), rtol=1e-5, atol=1e-3)


def test_bgnbd_summary_protocol(bgnbd_cdnow):
    s = bgnbd_cdnow.summary
    assert s.table.columns[:7].tolist() == ["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]
    assert s.table.index.tolist() == ["r", "alpha", "a", "b"]
    assert np.all(s.table["ci_low"] < s.table["estimate"]) and np.all(s.table["estimate"] < s.table["ci_high"])
    assert np.all(s.table["ci_low"] > 0)
    assert s.meta["n"] == 2357 and {"n", "confidence", "method", "citation"} <= set(s.meta)
    text = s.summary(3)
    assert "log-likelihood = -9582.4" in text and "Fader" in text
    assert s.to_dict()["meta"]["n"] == 2357
    assert "<table" in s._repr_html_() and "r=0.243" in repr(bgnbd_cdnow)
    # the covariance is the inverse observed information: symmetric, SEs its diagonal
    cov = bgnbd_cdnow.covariance_.to_numpy()
    np.testing.assert_allclose(cov, cov.T)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), bgnbd_cdnow.standard_errors_.to_numpy())


def test_bgnbd_fit_returns_self_and_is_pure(cdnow):
    data = cdnow.copy()
    f = value.BetaGeoFitter(confidence=0.9)
    assert f.fit(data["frequency"], data["recency"], data["T"]) is f
    pd.testing.assert_frame_equal(data, cdnow)
    assert f.summary.meta["confidence"] == 0.9


def test_bgnbd_per_customer_log_likelihood(bgnbd_cdnow, cdnow):
    ll = bgnbd_cdnow.log_likelihood(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert ll.shape == (2357,) and ll.sum() == pytest.approx(bgnbd_cdnow.log_likelihood_)


# --------------------------------------------------------------------------
# BG/NBD on simulated markets: recovery and calibration
# --------------------------------------------------------------------------
TRUE = {"r": 0.6, "alpha": 6.0, "a": 0.7, "b": 2.8}


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(20240601)
    ages = rng.uniform(26.0, 52.0, 40_000)
    return value.simulate_bgnbd(40_000, **TRUE, T=ages, t_holdout=26.0, rng=rng)


def test_simulate_bgnbd_is_seeded_and_consistent():
    a = value.simulate_bgnbd(500, **TRUE, T=40.0, t_holdout=10.0, rng=5)
    b = value.simulate_bgnbd(500, **TRUE, T=40.0, t_holdout=10.0, rng=5)
    pd.testing.assert_frame_equal(a.data, b.data)
    d = a.data
    assert np.all(d["recency"] <= d["T"]) and np.all(d.loc[d["frequency"] == 0, "recency"] == 0)
    assert np.all(d.loc[d["frequency"] > 0, "recency"] > 0)
    assert np.all(d.loc[~a.customers["alive"], "frequency_holdout"] == 0)  # the dead buy nothing
    assert a.truth == {**TRUE, "t_holdout": 10.0}


def test_bgnbd_recovers_planted_parameters(simulated):
    d = simulated.data
    fit = value.fit_bgnbd(d["frequency"], d["recency"], d["T"])
    for name, truth in TRUE.items():
        est, se = fit.params_[name], fit.standard_errors_[name]
        assert abs(est - truth) < 4 * se, (name, est, se, truth)
    # jointly (a and b are strongly correlated): the Wald distance of the truth is a plausible chi-square(4) draw
    diff = fit.params_.to_numpy() - np.array(list(TRUE.values()))
    wald = diff @ np.linalg.solve(fit.covariance_.to_numpy(), diff)
    assert wald < sps.chi2.ppf(0.999, 4)


def test_bgnbd_p_alive_calibrated_at_truth(simulated):
    """Among simulated customers, the mean P(alive) at the true parameters equals the share alive."""
    f = value.BetaGeoFitter()
    f.params_ = pd.Series(TRUE)
    d = simulated.data
    p = f.p_alive(d["frequency"], d["recency"], d["T"])
    alive = simulated.customers["alive"].to_numpy()
    assert p.mean() == pytest.approx(alive.mean(), abs=4 * np.sqrt(alive.mean() * (1 - alive.mean()) / alive.size))
    repeat = d["frequency"].to_numpy() > 0  # and among repeat buyers, where P(alive) < 1
    assert p[repeat].mean() == pytest.approx(alive[repeat].mean(), abs=0.01)


def test_bgnbd_conditional_expectation_matches_holdout(simulated):
    """The holdout check of FHL 2005 (Fig. 3) on a simulated market: predicted = actual purchases in (T, T + 26]."""
    f = value.BetaGeoFitter()
    f.params_ = pd.Series(TRUE)
    d = simulated.data
    pred = f.conditional_expected_purchases(26.0, d["frequency"], d["recency"], d["T"])
    actual = d["frequency_holdout"].to_numpy()
    se = actual.std() / np.sqrt(actual.size)
    assert pred.mean() == pytest.approx(actual.mean(), abs=4 * se)
    for k in (0, 1, 3):  # also by calibration frequency
        sel = d["frequency"].to_numpy() == k
        assert pred[sel].mean() == pytest.approx(actual[sel].mean(), abs=4 * actual[sel].std() / np.sqrt(sel.sum()) + 0.01)


# --------------------------------------------------------------------------
# Gamma–Gamma
# --------------------------------------------------------------------------
def test_gamma_gamma_cdnow_estimates_fader_hardie_lee_2005(gg_cdnow):
    """Fader, Hardie & Lee (2005, JMR) / Fader & Hardie (2013): p = 6.25, q = 3.74, v (γ) = 15.44.

    On CDNOW's 946 repeat buyers.
    """
    np.testing.assert_allclose(gg_cdnow.params_[["p", "q", "v"]].to_numpy(), [6.25, 3.74, 15.44], atol=0.01)
    assert gg_cdnow.n_ == 946 and gg_cdnow.summary.meta["n_excluded"] == 1411


def test_gamma_gamma_conditional_spend_hardie_note(gg_cdnow, cdnow_spend):
    """Fader & Hardie (2013) spreadsheet values for the first ten CDNOW customers (as in lifetimes' tests)."""
    head = cdnow_spend.head(10)
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    got = gg_cdnow.conditional_expected_average_profit(head["x"], head["zbar"])
    np.testing.assert_allclose(got, expected, atol=0.01)


def test_gamma_gamma_analytic_gradient(cdnow_spend):
    f = value.GammaGammaFitter()
    keep = cdnow_spend["x"] > 0
    data = (cdnow_spend.loc[keep, "x"].to_numpy(float), cdnow_spend.loc[keep, "zbar"].to_numpy(float))
    for params in (np.array([6.25, 3.74, 15.44]), np.array([2.0, 1.5, 40.0])):
        np.testing.assert_allclose(f._gradient(params, data), _numeric_gradient(f, params, data), rtol=1e-5, atol=1e-3)


def test_gamma_gamma_recovers_planted_parameters():
    rng = np.random.default_rng(77)
    n, p, q, v = 20_000, 4.0, 3.0, 20.0
    x = rng.integers(1, 8, n)
    nu = rng.gamma(q, 1 / v, n)
    m = rng.gamma(p * x, 1 / (nu * x))  # the mean of x Gamma(p, ν) amounts
    fit = value.GammaGammaFitter().fit(x, m)
    for name, truth in zip("pqv", (p, q, v)):
        assert abs(fit.params_[name] - truth) < 4 * fit.standard_errors_[name], name


def test_customer_lifetime_value_one_period(bgnbd_cdnow, gg_cdnow, cdnow_spend):
    d = cdnow_spend.head(5)
    clv = gg_cdnow.customer_lifetime_value(bgnbd_cdnow, d["x"], d["t_x"], d["T"], d["zbar"], periods=1,
                                           period_length=4.0, discount=0.01, margin=0.3)
    by_hand = (0.3 * gg_cdnow.conditional_expected_average_profit(d["x"], d["zbar"])
               * bgnbd_cdnow.conditional_expected_purchases(4.0, d["x"], d["t_x"], d["T"]) / 1.01)
    np.testing.assert_allclose(clv, by_hand)
    longer = gg_cdnow.customer_lifetime_value(bgnbd_cdnow, d["x"], d["t_x"], d["T"], d["zbar"], periods=12,
                                              period_length=4.0)
    assert np.all(longer > clv)


# --------------------------------------------------------------------------
# fitter errors
# --------------------------------------------------------------------------
def test_bgnbd_fails_loudly_when_not_identified():
    # nobody ever comes back: the dropout process (a, b) is not in the likelihood
    with pytest.raises(ConvergenceError, match="not identified|edge of the parameter space"):
        value.fit_bgnbd(np.zeros(200), np.zeros(200), np.full(200, 30.0))


def test_bgnbd_fails_loudly_when_optimiser_stops(cdnow):
    with pytest.raises(ConvergenceError, match="did not converge"):
        value.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], maxiter=2)


def test_convergence_error_is_a_value_error():
    assert issubclass(ConvergenceError, CustomerValueError) and issubclass(CustomerValueError, CrmLabError)
    assert issubclass(CustomerValueError, ValueError)


def test_predict_before_fit():
    with pytest.raises(CustomerValueError, match="fit"):
        value.BetaGeoFitter().p_alive(1, 1.0, 2.0)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "pattern"),
    [
        ([1, -1, 2], [1.0, 0.0, 3.0], [5.0, 5.0, 5.0], r"'frequency' must be >= 0.*rows 1 hold -1"),
        ([1, 1.5, 2], [1.0, 2.0, 3.0], [5.0, 5.0, 5.0], r"'frequency' must be a whole number.*rows 1 hold 1.5"),
        ([1, 2, 2], [1.0, 6.0, 3.0], [5.0, 5.0, 5.0], r"'recency' must be <= 'T'.*rows 1 hold 6"),
        ([0, 2, 2], [1.0, 2.0, 3.0], [5.0, 5.0, 5.0], r"'recency' must be 0 where 'frequency' is 0.*rows 0"),
        ([1, 2, 2], [1.0, 2.0, -3.0], [5.0, 5.0, 5.0], r"'recency' must be >= 0.*rows 2"),
        ([1, 2, 2], [1.0, 2.0, 3.0], [5.0, 0.0, 5.0], r"'T' must be > 0"),
        ([1, 2], [1.0, 2.0, 3.0], [5.0, 5.0, 5.0], "same length"),
        ([1, None, 2], [1.0, 2.0, 3.0], [5.0, 5.0, 5.0], "missing"),
    ],
)
def test_bgnbd_bad_input(frequency, recency, T, pattern):
    with pytest.raises(CustomerValueError, match=pattern):
        value.fit_bgnbd(frequency, recency, T)


def test_bgnbd_bad_input_names_index_labels_and_all_problems():
    idx = pd.Index(["E1", "E2", "E3"])
    f = pd.Series([1, -2, 3], index=idx)
    r = pd.Series([1.0, 0.0, 9.0], index=idx)
    t = pd.Series([5.0, 5.0, 5.0], index=idx)
    with pytest.raises(CustomerValueError) as err:
        value.fit_bgnbd(f, r, t)
    message = str(err.value)
    assert "rows E2 hold -2" in message and "rows E3 hold 9" in message


def test_gamma_gamma_bad_input():
    with pytest.raises(CustomerValueError, match=r"'monetary_value' must be >= 0.*rows 1 hold -5"):
        value.fit_gamma_gamma([1, 2, 3, 1], [10.0, -5.0, 7.0, 3.0])
    with pytest.raises(CustomerValueError, match=r"'monetary_value' must be > 0 where 'frequency' > 0.*rows 2"):
        value.fit_gamma_gamma([1, 2, 3, 1], [10.0, 5.0, 0.0, 3.0])
    with pytest.raises(CustomerValueError, match="at least 3 customers"):
        value.fit_gamma_gamma([0, 0, 1, 1], [0.0, 0.0, 3.0, 4.0])


# --------------------------------------------------------------------------
# summaries from transactions
# --------------------------------------------------------------------------
def _toy():
    return pd.DataFrame({
        "exhibitor_id": ["a", "a", "a", "a", "b", "c", "c"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-29",
                                "2024-01-15", "2024-01-03", "2024-02-10"]),
        "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 100.0, 50.0],
    }, index=[10, 11, 12, 13, 14, 15, 16])


def test_summary_from_transactions_by_hand():
    t = _toy()
    s = value.summary_from_transactions(t, observation_end="2024-02-05", freq="W")
    # c's purchase of 10 February is after the end: ignored
    assert s.loc["a"].tolist() == pytest.approx([2, 28 / 7, 35 / 7, 30.0])  # same-day purchases are one occasion
    assert s.loc["b"].tolist() == pytest.approx([0, 0.0, 21 / 7, 0.0])
    assert s.loc["c"].tolist() == pytest.approx([0, 0.0, 33 / 7, 0.0])
    assert s["frequency"].dtype == np.int64 and s.index.name == "exhibitor_id"
    pd.testing.assert_frame_equal(t, _toy())  # pure
    assert "monetary_value" not in value.summary_from_transactions(t, amount=None).columns


def test_summary_from_transactions_on_sample_feeds_the_fitters(transactions):
    s = value.summary_from_transactions(transactions, freq="Y")
    assert len(s) == transactions["exhibitor_id"].nunique()
    assert np.all(s["recency"] <= s["T"])
    f = value.fit_bgnbd(s["frequency"], s["recency"], s["T"])
    assert np.all(np.isfinite(f.standard_errors_))


def test_calibration_and_holdout_by_hand():
    out = value.calibration_and_holdout(_toy(), calibration_end="2024-01-10", observation_end="2024-02-10")
    assert out.index.tolist() == ["a", "c"]  # b first bought in the holdout
    assert out.loc["a", ["frequency_cal", "recency_cal", "T_cal"]].tolist() == [1, 7.0, 9.0]
    assert out.loc["a", "monetary_value_cal"] == 20.0
    assert out.loc["a", "frequency_holdout"] == 1 and out.loc["a", "monetary_value_holdout"] == 40.0
    assert out.loc["c", "frequency_holdout"] == 1 and out["duration_holdout"].iloc[0] == 31.0


def test_calibration_and_holdout_dates_out_of_order():
    with pytest.raises(CustomerValueError, match="out of order"):
        value.calibration_and_holdout(_toy(), calibration_end="2024-03-01", observation_end="2024-02-01")
    with pytest.raises(CustomerValueError, match="out of order"):
        value.calibration_and_holdout(_toy(), calibration_end="2023-03-01")


def test_transactions_bad_input_every_problem_at_once():
    t = _toy().astype({"date": object, "amount": object})
    t.loc[11, "amount"] = -5.0
    t.loc[12, "date"] = "not a date"
    t.loc[14, "amount"] = "abc"
    t.loc[15, "exhibitor_id"] = None
    with pytest.raises(CustomerValueError) as err:
        value.summary_from_transactions(t)
    message = str(err.value)
    assert "column 'amount' must be >= 0 (money paid): rows 11 hold -5" in message
    assert "column 'date' must hold dates: rows 12 hold 'not a date'" in message
    assert "column 'amount' must be numeric: rows 14 hold 'abc'" in message
    assert "column 'exhibitor_id' has 1 missing customer ids (rows 15)" in message


def test_transactions_unknown_customers_and_dates():
    with pytest.raises(CustomerValueError, match=r"customers not in 'customers' \('c'\): rows 15, 16"):
        value.rfm(_toy(), customers=["a", "b"])
    with pytest.raises(CustomerValueError, match="'observation_end' .* is before the first purchase"):
        value.summary_from_transactions(_toy(), observation_end="2020-01-01")
    with pytest.raises(CustomerValueError, match="'as_of' .* is before the first purchase"):
        value.rfm(_toy(), as_of="2020-01-01")
    with pytest.raises(CustomerValueError, match="no column date='day'"):
        value.rfm(_toy(), date="day")


# --------------------------------------------------------------------------
# RFM: by hand, and pandas = SQL
# --------------------------------------------------------------------------
def test_rfm_by_hand():
    out = value.rfm(_toy(), bins=3)
    assert out.index.tolist() == ["a", "b", "c"]
    assert out["recency"].tolist() == [12, 26, 0]
    assert out["frequency"].tolist() == [4, 1, 2]
    assert out["monetary"].tolist() == [75.0, 7.0, 150.0]
    assert out["r_score"].tolist() == [2, 1, 3]
    assert out["f_score"].tolist() == [3, 1, 2]
    assert out["m_score"].tolist() == [2, 1, 3]
    assert out["rfm_cell"].tolist() == ["232", "111", "323"]
    assert out["rfm_score"].tolist() == [7, 3, 8]


def test_rfm_tie_rule_is_by_customer_id_and_order_free():
    # ten customers, all with one purchase of the same amount on the same day: ties everywhere
    t = pd.DataFrame({"exhibitor_id": [f"E{i:02d}" for i in range(10)], "date": pd.Timestamp("2024-05-01"),
                      "amount": 1.0})
    out = value.rfm(t, bins=5)
    assert out["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]  # ties broken by customer id
    assert out["r_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    shuffled = t.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(value.rfm(shuffled, bins=5), out)
    # NTILE sizes: 11 customers in 5 groups -> 3, 2, 2, 2, 2
    t11 = pd.concat([t, t.iloc[[0]].assign(exhibitor_id="E10")], ignore_index=True)
    assert np.bincount(value.rfm(t11)["m_score"])[1:].tolist() == [3, 2, 2, 2, 2]


def _sql_frame(df):
    con = duckdb.connect()
    con.register("transactions", df)
    return con


def test_rfm_pandas_equals_sql_on_the_customer_database(transactions):
    con = datasets.connect(tables=["transactions"])
    try:
        for kwargs in ({}, {"bins": 10}, {"as_of": "2022-06-30", "bins": 4}):
            pd.testing.assert_frame_equal(value.rfm(transactions, **kwargs), value.rfm_sql(con, **kwargs))
    finally:
        con.close()


def test_rfm_pandas_equals_sql_with_ties_and_cents():
    rng = np.random.default_rng(8)
    n = 20_000
    t = pd.DataFrame({
        "customer": rng.integers(0, 3000, n),
        "when": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
        "paid": rng.choice([0.1, 0.2, 0.3, 9.99, 100.0], n),  # sums that are not exact in binary
    })
    con = _sql_frame(t)
    try:
        ours = value.rfm(t, customer="customer", date="when", amount="paid")
        sql = value.rfm_sql(con, customer="customer", date="when", amount="paid")
        pd.testing.assert_frame_equal(ours, sql)
        assert ours["frequency"].duplicated().any()  # ties were there to break
    finally:
        con.close()


def test_rfm_sql_bad_input():
    t = _toy()
    t.loc[12, "amount"] = -3.0
    con = _sql_frame(t)
    try:
        with pytest.raises(CustomerValueError, match=r"must be >= 0.*1 rows are negative \('a': -3\)"):
            value.rfm_sql(con)
        with pytest.raises(CustomerValueError, match="no table 'sales'"):
            value.rfm_sql(con, table="sales")
        with pytest.raises(CustomerValueError, match="no column amount='paid'"):
            value.rfm_sql(con, amount="paid")
    finally:
        con.close()


def test_rfm_bad_input():
    t = _toy()
    t.loc[13, "amount"] = -40.0
    with pytest.raises(CustomerValueError, match=r"column 'amount' must be >= 0 \(money paid\): rows 13 hold -40"):
        value.rfm(t)
    with pytest.raises(CustomerValueError, match="'bins'"):
        value.rfm(_toy(), bins=1)


# --------------------------------------------------------------------------
# Lorenz, Gini, pyramid
# --------------------------------------------------------------------------
def test_gini_hand_cases():
    # sum |xi - xj| over all ordered pairs of (1, 2, 3, 4) = 20; / (2 n² mean) = 20 / 80
    assert value.gini([1, 2, 3, 4], n_boot=0).estimate == pytest.approx(0.25)
    assert value.gini([5, 5, 5], n_boot=0).estimate == pytest.approx(0.0)
    assert value.gini([0, 0, 0, 1], n_boot=0).estimate == pytest.approx(0.75)  # (n - 1) / n
    x = np.random.default_rng(1).exponential(size=300)
    pairs = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert value.gini(x, n_boot=0).estimate == pytest.approx(pairs)


@pytest.mark.parametrize(
    ("draw", "expected"),
    [
        (lambda rng, n: rng.uniform(0, 1, n), 1 / 3),
        (lambda rng, n: rng.exponential(1.0, n), 1 / 2),
        (lambda rng, n: rng.lognormal(0.0, 1.0, n), 2 * sps.norm.cdf(1 / np.sqrt(2)) - 1),
        (lambda rng, n: (rng.pareto(4.0, n) + 1), 1 / (2 * 4.0 - 1)),
    ],
    ids=["uniform", "exponential", "lognormal", "pareto"],
)
def test_gini_closed_forms(draw, expected):
    x = draw(np.random.default_rng(12), 400_000)
    assert value.gini(x, n_boot=0).estimate == pytest.approx(expected, abs=0.004)


def test_gini_bootstrap_interval():
    x = np.random.default_rng(4).exponential(size=2000)
    res = value.gini(x, n_boot=1000, rng=9)
    row = res.table.loc["gini"]
    assert row["ci_low"] < res.estimate < row["ci_high"]
    assert row["ci_low"] < 0.5 < row["ci_high"]
    assert row["se"] == pytest.approx(0.0075, rel=0.35)  # about sqrt(1/(3n))·... for the exponential
    assert res.draws.shape == (1000,)
    again = value.gini(x, n_boot=1000, rng=9)
    assert again.table.equals(res.table)
    assert res.meta["n"] == 2000 and "bootstrap" in res.meta["method"]
    assert "top 20 %" in res.summary()


def test_lorenz_and_gini_agree():
    x = np.random.default_rng(2).lognormal(size=501)
    lc = value.lorenz(x)
    assert lc.iloc[0].tolist() == [0.0, 0.0] and lc.iloc[-1].tolist() == [1.0, 1.0]
    area = np.trapezoid(lc["value_share"], lc["customer_share"])
    assert 1 - 2 * area == pytest.approx(value.gini(x, n_boot=0).estimate)


def test_concentration_bad_input():
    with pytest.raises(CustomerValueError, match=r"'values' must be >= 0: rows 1 hold -2"):
        value.gini([1, -2, 3], n_boot=0)
    with pytest.raises(CustomerValueError, match="sum to 0"):
        value.lorenz([0, 0])
    with pytest.raises(CustomerValueError, match="'shares' must be"):
        value.pyramid([1, 2, 3], shares=(0.5, 0.6))


def test_pyramid_textbook_shares():
    x = pd.Series(np.arange(1000.0), index=[f"E{i}" for i in range(1000)])
    tiers = value.pyramid_tier(x)
    assert tiers.cat.categories.tolist() == ["VIP", "major", "ordinary", "small"]
    assert tiers.value_counts(sort=False).tolist() == [10, 40, 150, 800]
    assert tiers["E999"] == "VIP" and tiers["E0"] == "small"
    table = value.pyramid(x)
    assert table["customers"].tolist() == [10, 40, 150, 800]
    assert table["value_share"].sum() == pytest.approx(1.0)
    assert table.loc["VIP", "value"] == pytest.approx(sum(range(990, 1000)))
    assert table.loc["VIP", "min_value"] >= table.loc["major", "max_value"]


def test_pyramid_ties_keep_input_order():
    tiers = value.pyramid_tier(np.ones(100))
    assert tiers.iloc[0] == "VIP" and tiers.iloc[1:5].eq("major").all()


# --------------------------------------------------------------------------
# simple CLV
# --------------------------------------------------------------------------
def test_margin_multiple_by_hand():
    # r / (1 + d - r), computed by hand for the grid of retention 60-90 % and discount 10-16 %
    r = np.array([0.6, 0.7, 0.8, 0.9])
    assert value.margin_multiple(0.9, 0.12) == pytest.approx(0.9 / 0.22)
    np.testing.assert_allclose(value.margin_multiple(r, 0.10), [1.2, 1.75, 8 / 3, 4.5])
    np.testing.assert_allclose(np.round(value.margin_multiple(r, 0.16), 2), [1.07, 1.52, 2.22, 3.46])
    assert value.margin_multiple(0.0, 0.1) == 0.0


def _brute_clv(m, r, d, g, horizon, timing):
    t = np.arange(1, horizon + 1) if timing == "end" else np.arange(0, horizon)
    growth = (1 + g) ** (t - 1) if timing == "end" else (1 + g) ** t
    return float(np.sum(m * growth * r**t / (1 + d) ** t))


@pytest.mark.parametrize("timing", ["end", "start"])
@pytest.mark.parametrize("growth", [0.0, 0.05])
def test_clv_simple_equals_period_sum(timing, growth):
    for horizon in (1, 5, 40):
        got = value.clv_simple(120.0, 0.75, 0.1, horizon=horizon, growth=growth, timing=timing)
        assert got == pytest.approx(_brute_clv(120.0, 0.75, 0.1, growth, horizon, timing))
    infinite = value.clv_simple(120.0, 0.75, 0.1, growth=growth, timing=timing)
    assert infinite == pytest.approx(_brute_clv(120.0, 0.75, 0.1, growth, 2000, timing))


def test_clv_simple_margin_multiple_and_acquisition():
    assert value.clv_simple(150.0, 0.55, 0.10, acquisition_cost=100.0) == pytest.approx(150 * 0.55 / 0.55 - 100)
    np.testing.assert_allclose(value.clv_simple(np.array([10.0, 20.0]), 0.8, 0.12),
                               np.array([10.0, 20.0]) * value.margin_multiple(0.8, 0.12))


def test_clv_simple_bad_input():
    with pytest.raises(CustomerValueError, match="'retention' must be >= 0.0 and < 1.0"):
        value.clv_simple(100.0, 1.2, 0.1)
    with pytest.raises(CustomerValueError, match="diverges"):
        value.clv_simple(100.0, 0.95, 0.0, growth=0.1)
    with pytest.raises(CustomerValueError, match="'timing'"):
        value.clv_simple(100.0, 0.5, 0.1, timing="middle")
    with pytest.raises(CustomerValueError, match="'discount'"):
        value.margin_multiple(0.5, -0.1)


# --------------------------------------------------------------------------
# the four-indicator value score, tiers and their profile
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def value_profile(sample_tables):
    t = sample_tables
    return value.exhibitor_value_table(t["participation"], t["survey"], t["exhibitors"])


def test_exhibitor_value_table_counts_editions_spend_and_survey(sample_tables, value_profile):
    part = sample_tables["participation"]
    edition = int(sample_tables["survey"]["edition"].max())
    now = part[(part["edition"] == edition) & (part["participated"] == 1)]
    assert len(value_profile) == len(now) and value_profile.index.is_monotonic_increasing
    some = value_profile.index[0]
    took = part[(part["exhibitor_id"] == some) & (part["participated"] == 1) & (part["edition"] <= edition)]
    assert value_profile.loc[some, "editions"] == len(took)
    row = now.set_index("exhibitor_id").loc[some]
    assert value_profile.loc[some, "spend"] == pytest.approx(row["booth_spend"] + row["services_spend"])
    survey = sample_tables["survey"]
    assert value_profile["responded"].sum() == survey["exhibitor_id"].isin(value_profile.index).sum()
    rid = value_profile.index[value_profile["responded"]][0]
    answers = survey.set_index("exhibitor_id").loc[rid]
    assert value_profile.loc[rid, "satisfaction"] == pytest.approx(answers[["sat1", "sat2", "sat3"]].mean())
    assert set(value_profile["returned"].dropna().unique()) <= {0.0, 1.0}


def test_value_score_by_hand_and_weights():
    d = pd.DataFrame({"satisfaction": [6, 4, 5, 2], "loyalty": [6, 3, 5, 2], "editions": [1, 5, 3, 2],
                      "spend": [10.0, 90.0, 50.0, 5.0]})
    s = value.value_score(d)
    pct = d.rank(pct=True)
    assert np.allclose(s["score"], pct.mean(axis=1))
    money = value.value_score(d, weights={"satisfaction": 0, "loyalty": 0, "retention": 0, "contribution": 2})
    assert np.allclose(money["score"], pct["spend"]) and money["rank"].tolist() == [3, 1, 2, 4]
    with pytest.raises(CustomerValueError, match="'weights' must give one number"):
        value.value_score(d, weights={"satisfaction": 1})
    with pytest.raises(CustomerValueError, match="missing or non-numeric"):
        value.value_score(d.assign(spend=[1.0, np.nan, 2.0, 3.0]))


def test_weight_sensitivity_baseline_and_overlap(value_profile):
    resp = value_profile[value_profile["responded"]]
    w = {"equal": None, "money": {"satisfaction": 0, "loyalty": 0, "retention": 0, "contribution": 1}}
    out = value.weight_sensitivity(resp, w, top=0.2)
    assert out.loc["equal", "spearman"] == pytest.approx(1) and out.loc["equal", "top_overlap"] == 1
    assert 0 <= out.loc["money", "top_overlap"] < 1
    assert out.loc["money", "top_mean_contribution"] > out.loc["equal", "top_mean_contribution"]


def test_membership_tiers_cuts():
    t = value.membership_tiers(pd.DataFrame({"rfm_score": [3, 7, 8, 11, 12, 15]}))
    assert t.tolist() == ["low", "low", "middle", "middle", "high", "high"] and t.cat.ordered
    with pytest.raises(CustomerValueError, match="increasing 'cuts'"):
        value.membership_tiers(pd.DataFrame({"rfm_score": [3]}), cuts=(11, 7))


def test_profile_tiers_uses_segment_tests(value_profile, sample_tables):
    from crm_lab.satisfaction import segment_test

    rfm = value.rfm(sample_tables["transactions"])
    data = value_profile.join(value.membership_tiers(rfm).astype(str), how="inner")
    prof = value.profile_tiers(data, "tier", ["size_class", "satisfaction"], n_boot=100, rng=1)
    direct = segment_test(data, "size_class", "tier")
    assert prof.table.loc["size_class", "estimate"] == pytest.approx(direct.estimate)
    assert prof.table.loc["satisfaction", "n"] == data["satisfaction"].notna().sum()
    assert np.allclose(prof.shares["size_class"].sum(axis=1), 1)
    assert "satisfaction" in prof.summary()


# --------------------------------------------------------------------------
# purchase cycles
# --------------------------------------------------------------------------
def _windows_by_hand(t, as_of, coverage, min_gaps, episode_days):
    """Customer by customer, with numpy.quantile (the loop the vectorised function avoids)."""
    days = t.assign(day=t["date"].dt.normalize()).drop_duplicates(["exhibitor_id", "day"]).sort_values(["exhibitor_id", "day"])
    days = days[days["day"] <= as_of]
    own = {c: np.diff(g["day"].to_numpy()) / np.timedelta64(1, "D") for c, g in days.groupby("exhibitor_id")}
    own = {c: g[g > episode_days] for c, g in own.items()}
    pooled = np.concatenate(list(own.values()))
    out = {}
    for c, g in days.groupby("exhibitor_id"):
        last = g["day"].max()
        e = (as_of - last).days
        mine = own[c][own[c] > e]
        pool = pooled[pooled > e]
        use = mine if mine.size >= min_gaps else pool
        if use.size == 0:
            out[c] = (pd.NaT, pd.NaT)
            continue
        lo, hi = np.quantile(use, [(1 - coverage) / 2, (1 + coverage) / 2])
        out[c] = (last + pd.Timedelta(days=round(lo)), last + pd.Timedelta(days=round(hi)))
    return out


@pytest.mark.parametrize("episode_days", [0, 90])
def test_purchase_cycle_equals_a_loop_over_customers(sample_tables, episode_days):
    tx = sample_tables["transactions"]
    services = tx[(tx["service"] != "booth_rental") & tx["exhibitor_id"].isin(tx["exhibitor_id"].unique()[:300])]
    as_of = pd.Timestamp("2024-04-11")
    w = value.purchase_cycle(services, as_of=as_of, coverage=0.8, min_gaps=3, episode_days=episode_days)
    hand = _windows_by_hand(services, as_of, 0.8, 3, episode_days)
    assert set(hand) == set(w.index)
    for c, (start, end) in hand.items():
        assert (pd.isna(start) and pd.isna(w.loc[c, "window_start"])) or (
            abs((w.loc[c, "window_start"] - start).days) <= 1 and abs((w.loc[c, "window_end"] - end).days) <= 1), c


def test_purchase_windows_checked_on_later_orders():
    t = pd.DataFrame({"exhibitor_id": ["a"] * 5 + ["b"] * 2, "date": pd.to_datetime(
        ["2024-01-01", "2024-01-21", "2024-02-10", "2024-03-01", "2024-03-21", "2024-01-01", "2024-02-01"])})
    w = value.purchase_cycle(t, as_of="2024-03-05", min_gaps=2)
    # a waited 4 days, her own gaps (20, 20, 20) are longer; b waited 33 days, longer than every gap seen
    assert w["source"].to_dict() == {"a": "own", "b": "none"}
    assert str(w.loc["a", "expected_next"].date()) == "2024-03-21" and pd.isna(w.loc["b", "window_start"])
    res = value.check_purchase_windows(w, t)
    assert res.table.loc["bought_again", "count"] == 1 and res.table.loc["in_window", "estimate"] == 1
    assert res.meta["outcomes"].to_dict() == {"a": "in window", "b": "no window"}
    assert "outcomes" not in res.to_dict()["meta"]
    with pytest.raises(CustomerValueError, match="must come from purchase_cycle"):
        value.check_purchase_windows(pd.DataFrame({"window_start": [], "window_end": []}), t)
    with pytest.raises(CustomerValueError, match="no order on or before"):
        value.purchase_cycle(t, as_of="2020-01-01")


# --------------------------------------------------------------------------
# calibration/holdout table, CLV decomposition, retention vs acquisition, simulations
# --------------------------------------------------------------------------
def test_calibration_holdout_table_means(sample_tables):
    ch = value.calibration_and_holdout(sample_tables["transactions"], calibration_end="2024-04-11", freq="W")
    fit = value.fit_bgnbd(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    table = value.calibration_holdout_table(fit, ch, max_frequency=5)
    assert table.index.tolist() == ["0", "1", "2", "3", "4", "5+", "all"]
    assert table.loc["all", "customers"] == len(ch)
    assert table.loc["all", "actual"] == pytest.approx(ch["frequency_holdout"].mean())
    assert table.loc["0", "actual"] == pytest.approx(ch.loc[ch["frequency_cal"] == 0, "frequency_holdout"].mean())
    pred = fit.conditional_expected_purchases(ch["duration_holdout"].iloc[0], ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    assert table.loc["all", "predicted"] == pytest.approx(np.mean(pred))


def test_clv_components_by_hand():
    d = pd.DataFrame({"spend": [1000.0, 3000.0], "nps": [10, np.nan], "responded": [True, False],
                      "special_requests": [2, 0], "leads": [10, 40]})
    parts = value.clv_components(d, margin_rate=0.5, retention=0.5, discount=0.0)
    factor = 2.0  # 1 + r / (1 + d - r) with r = 0.5, d = 0
    u = value.CLV_UNIT_VALUES
    assert parts["CPV"].tolist() == pytest.approx([500 * factor, 1500 * factor])
    assert parts.loc[0, "PPV"] == pytest.approx(u["referral_rate"] * 1000 * factor) and parts.loc[1, "PPV"] == 0
    assert parts["CIV"].tolist() == pytest.approx([u["feedback_value"] * factor, 0])
    assert parts.loc[0, "CKV"] == pytest.approx(2 * u["request_value"] * factor)
    assert parts.loc[1, "CTV"] == pytest.approx(40 * u["lead_value"] * factor)
    assert np.allclose(parts["CLV"], parts.drop(columns="CLV").sum(axis=1))
    with pytest.raises(CustomerValueError, match="unknown unit value"):
        value.clv_components(d, margin_rate=0.5, retention=0.5, discount=0.0, unit_values={"magic": 1.0})


def test_retention_vs_acquisition_break_even_by_hand():
    kw = dict(customers=500, retention=0.8, margin=200.0, acquisition_cost=1000.0, discount=0.1, cost_ratio=0.2,
              retention_new=0.6, margin_new=150.0)
    v_old = 200 * 1.1 / (1.1 - 0.8)
    v_new = 150 * 1.1 / (1.1 - 0.6)
    s = value.retention_vs_acquisition(lift=0.1, **kw)
    assert s.meta["break_even_lift"] == pytest.approx(0.2 * v_new / v_old)
    at = value.retention_vs_acquisition(lift=s.meta["break_even_lift"], **kw)
    assert at.table.loc["retain", "estimate"] == pytest.approx(at.table.loc["acquire", "estimate"])
    assert s.table.loc["retain", "cost"] == s.table.loc["acquire", "cost"] == pytest.approx(500 * 0.2 * 1000)
    assert s.grid["lift"].max() == pytest.approx(0.2)
    with pytest.raises(CustomerValueError, match="'lift' must be <= 1 - retention"):
        value.retention_vs_acquisition(lift=0.3, **kw)


def test_clv_uncertainty_shrinks_and_centres_on_the_truth():
    seg = pd.DataFrame({"customers": [50, 1000], "retention": [0.7, 0.7], "spend": [1000.0, 1000.0]},
                       index=["small", "big"])
    sim = value.simulate_clv_uncertainty(seg, editions=(1, 4), reps=2000, rng=3)
    assert sim["true_clv"].iloc[0] == pytest.approx(0.3 * 1000 * 1.1 / 0.4)
    assert np.allclose(sim.loc["big", "mean_clv"], sim.loc["big", "true_clv"], rtol=0.02)
    # CLV is convex in the retention rate: a noisy estimate from a small cohort overshoots a little (Jensen)
    assert np.allclose(sim.loc["small", "mean_clv"], sim.loc["small", "true_clv"], rtol=0.06)
    for name in ("small", "big"):
        assert sim.loc[(name, 4), "sd_clv"] < sim.loc[(name, 1), "sd_clv"]
    assert sim.loc[("small", 4), "relative_sd"] > sim.loc[("big", 4), "relative_sd"]


def test_bgnbd_recovery_is_unbiased_enough():
    rec = value.bgnbd_recovery(r=0.5, alpha=5.0, a=0.8, b=3.0, n_customers=1500, reps=6, rng=5)
    assert rec["fits"].iloc[0] >= 5
    assert (rec["bias"].abs() < 3 * rec["sd"]).all()
    assert rec.loc["r", "relative_bias"] == pytest.approx(0, abs=0.1)


def test_gini_result_is_json_plain():
    from crm_lab.results import plain

    out = plain(value.gini([1.0, 2.0, 5.0, 9.0], n_boot=50, rng=1))
    assert out["table"][0]["coefficient"] == "gini" and 0 < out["table"][0]["estimate"] < 1
