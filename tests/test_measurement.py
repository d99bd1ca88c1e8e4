"""crm_lab.measurement against published values of the classic SEM example.

The reference example is Holzinger & Swineford (1939), nine ability tests of
301 children, three factors (visual, textual, speed) — the example of
lavaan's CFA tutorial.  Sources of the reference numbers:

* lavaan 0.6 ``summary(cfa(HS.model, data = HolzingerSwineford1939),
  fit.measures = TRUE, standardized = TRUE)`` as printed in the lavaan
  tutorial (https://lavaan.ugent.be/tutorial/cfa.html) and in
  r-statistics.co "SEM and CFA in R With lavaan": χ² = 85.306, df = 24,
  CFI = .931, TLI = .896, RMSEA = .092 [.071, .114], SRMR = .065,
  AIC = 7517.490, BIC = 7595.339, loglik = −3737.745; std.all loadings and
  factor correlations as below;
* lavaan ``cfa(..., orthogonal = TRUE)``: χ²(27) = 153.527; the one-factor
  model: χ²(27) = 312.264;
* R 4.6.0 with psych::alpha (raw_alpha), semTools::compRelSEM,
  semTools::htmt and lavInspect(fit, "cor.lv") on the same data (values to
  10 digits as recorded in a public test fixture, 2026-06-19).
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from semopy.examples import holzinger39

from crm_lab import measurement as ms
from crm_lab.datasets import load
from crm_lab.schema import SCALES

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
FACTORS = ["visual", "textual", "speed"]


@pytest.fixture(scope="module")
def hs_data():
    return holzinger39.get_data()


@pytest.fixture(scope="module")
def hs(hs_data):
    return ms.cfa(hs_data, HS)


# --------------------------------------------------------------------------
# CFA against lavaan
# --------------------------------------------------------------------------
def test_fit_indices_equal_lavaan(hs):
    f = hs.fit
    assert f["n"] == 301 and f["df"] == 24 and f["npar"] == 21
    assert f["chi2"] == pytest.approx(85.306, abs=5e-4)
    assert f["cfi"] == pytest.approx(0.931, abs=5e-4)
    assert f["tli"] == pytest.approx(0.896, abs=5e-4)
    assert f["rmsea"] == pytest.approx(0.092, abs=5e-4)
    assert f["rmsea_low"] == pytest.approx(0.071, abs=5e-4)
    assert f["rmsea_high"] == pytest.approx(0.114, abs=5e-4)
    assert f["srmr"] == pytest.approx(0.065, abs=5e-4)
    assert f["loglik"] == pytest.approx(-3737.745, abs=5e-3)
    assert f["aic"] == pytest.approx(7517.490, abs=5e-3)
    assert f["bic"] == pytest.approx(7595.339, abs=5e-3)
    assert f["baseline_chi2"] == pytest.approx(918.852, abs=5e-3) and f["baseline_df"] == 36
    assert hs.report() == (
        "χ²(24) = 85.31, p < .001; CFI = .931, TLI = .896, RMSEA = .092 [.071, .114], SRMR = .065; n = 301"
    )


def test_standardised_loadings_and_factor_correlations_equal_lavaan(hs):
    # lavaan std.all column of the tutorial's summary
    std = hs.loadings.set_index("item")["std_estimate"]
    published = [0.772, 0.424, 0.581, 0.852, 0.855, 0.838, 0.570, 0.723, 0.665]
    np.testing.assert_allclose(std[[f"x{i}" for i in range(1, 10)]], published, atol=1.5e-3)
    raw = hs.loadings.set_index("item")["estimate"]
    np.testing.assert_allclose(raw[["x2", "x3", "x5", "x6", "x8", "x9"]], [0.554, 0.729, 1.113, 0.926, 1.180, 1.082], atol=2.5e-3)
    assert list(hs.loadings["factor"].unique()) == FACTORS
    corr = hs.factor_correlations
    # lavInspect(fit, "cor.lv")
    assert corr.loc["visual", "textual"] == pytest.approx(0.4585093004, abs=1e-3)
    assert corr.loc["visual", "speed"] == pytest.approx(0.4705345445, abs=1e-3)
    assert corr.loc["textual", "speed"] == pytest.approx(0.2829847304, abs=1e-3)
    np.testing.assert_allclose(np.diag(corr), 1)


def test_nested_models_and_the_difference_test_equal_lavaan(hs_data, hs):
    orth = ms.cfa(hs_data, HS + "\nvisual ~~ 0*textual\nvisual ~~ 0*speed\ntextual ~~ 0*speed")
    one = ms.cfa(hs_data, "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9")
    assert orth.fit["df"] == 27 and orth.fit["chi2"] == pytest.approx(153.527, abs=5e-4)
    assert one.fit["df"] == 27 and one.fit["chi2"] == pytest.approx(312.264, abs=5e-4)
    test = ms.chi2_difference(orth, hs)
    # lavaan anova(fit, fit.orth): Δχ² = 153.527 − 85.306 = 68.221 on 3 df
    assert test.statistic == pytest.approx(68.221, abs=1e-3) and test.df == 3
    assert test.p_value == pytest.approx(sps.chi2.sf(68.221, 3), rel=1e-3)
    # RMSEA_D = sqrt((Δχ² − Δdf) / (Δdf · N)) (Savalei et al. 2023)
    assert test.estimate == pytest.approx(math.sqrt((68.221 - 3) / (3 * 301)), abs=1e-4)
    assert test.ci_low < test.estimate < test.ci_high
    assert test.extra["delta_cfi"] > 0
    with pytest.raises(ms.MeasurementError, match="more degrees of freedom"):
        ms.chi2_difference(hs, orth)
    small = ms.cfa(hs_data.iloc[:200], HS)
    with pytest.raises(ms.MeasurementError, match="different data"):
        ms.chi2_difference(orth, small)


# --------------------------------------------------------------------------
# Validity and reliability against semTools / psych / the formulas
# --------------------------------------------------------------------------
def test_cr_and_ave_follow_fornell_larcker_from_lavaans_loadings(hs):
    published = {"visual": [0.772, 0.424, 0.581], "textual": [0.852, 0.855, 0.838], "speed": [0.570, 0.723, 0.665]}
    for factor, lam in published.items():
        lam = np.array(lam)
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        ave = np.mean(lam**2)
        row = hs.validity.loc[factor]
        assert row["cr"] == pytest.approx(cr, abs=2e-3), factor
        assert row["ave"] == pytest.approx(ave, abs=2e-3), factor
        assert row["sqrt_ave"] == pytest.approx(math.sqrt(row["ave"]))
        assert row["level"] == 1 and row["k"] == 3
    fl = hs.fornell_larcker
    np.testing.assert_allclose(np.diag(fl), hs.validity["sqrt_ave"])
    assert fl.loc["visual", "speed"] == pytest.approx(hs.factor_correlations.loc["visual", "speed"])
    assert hs.validity["fornell_larcker_ok"].all()
    assert hs.validity.loc["visual", "max_r"] == pytest.approx(hs.factor_correlations.loc["visual", ["textual", "speed"]].max())


def test_omega_from_the_cfa_equals_semtools_comprelsem(hs):
    # semTools::compRelSEM(fit) (observed total variance in the denominator)
    ref = {"visual": 0.6120051511, "textual": 0.8850607732, "speed": 0.6858416922}
    for factor, value in ref.items():
        assert hs.validity.loc[factor, "omega"] == pytest.approx(value, abs=1e-3), factor


def test_htmt2_equals_semtools_and_htmt_follows_henseler(hs_data):
    h2 = ms.htmt(hs_data, HS, method="htmt2")  # semTools::htmt (htmt2 = TRUE, its default)
    assert h2.loc["visual", "textual"] == pytest.approx(0.3840885639, abs=1e-6)
    assert h2.loc["visual", "speed"] == pytest.approx(0.3867729305, abs=1e-6)
    assert h2.loc["textual", "speed"] == pytest.approx(0.2796835510, abs=1e-6)
    h = ms.htmt(hs_data, HS)
    # Henseler et al. (2015), eq. 6, written out pair by pair with scipy's Pearson r
    items = ms.parse_model(HS)

    def r(a, b):
        return abs(sps.pearsonr(hs_data[a], hs_data[b])[0])

    def within(f):
        cols = items[f]
        return np.mean([r(cols[i], cols[j]) for i in range(3) for j in range(i + 1, 3)])

    for a, b in [("visual", "textual"), ("visual", "speed"), ("textual", "speed")]:
        between = np.mean([r(x, y) for x in items[a] for y in items[b]])
        assert h.loc[a, b] == pytest.approx(between / math.sqrt(within(a) * within(b)), abs=1e-12)
        assert h.loc[b, a] == h.loc[a, b]
    np.testing.assert_array_equal(np.diag(h), 1.0)
    with pytest.raises(ms.MeasurementError, match="method"):
        ms.htmt(hs_data, HS, method="htmt3")


def test_alpha_equals_psych_and_the_feldt_interval(hs_data):
    ref = {"visual": 0.6261171319, "textual": 0.8827069129, "speed": 0.6884550230}  # psych::alpha raw_alpha
    table = ms.reliability_table(hs_data, HS)
    for factor, value in ref.items():
        assert table.loc[factor, "alpha"] == pytest.approx(value, abs=1e-9)
    # Feldt, Woodruff & Salih (1987, p. 95, formulas 6 and 7), as cocron::cronbach.alpha.CI computes them
    a, n, k = ref["visual"], 301, 3
    low = 1 - (1 - a) * sps.f.ppf(0.975, n - 1, (n - 1) * (k - 1))
    high = 1 - (1 - a) * sps.f.ppf(0.025, n - 1, (n - 1) * (k - 1))
    assert table.loc["visual", ["alpha_low", "alpha_high"]].tolist() == pytest.approx([low, high], abs=1e-9)
    assert list(table.columns) == ["k", "n", "alpha", "alpha_low", "alpha_high", "omega"]


def test_feldt_interval_covers_at_its_level_for_parallel_items():
    # 2000 samples of n = 60 respondents on k = 4 parallel items (loading .7): the population α is known
    rng = np.random.default_rng(3)
    k, n, reps, lam = 4, 60, 2000, 0.7
    f = rng.normal(size=(reps, n, 1))
    x = lam * f + math.sqrt(1 - lam**2) * rng.normal(size=(reps, n, k))
    true = k * lam**2 / (k * lam**2 + (1 - lam**2))
    covs = np.einsum("rni,rnj->rij", x - x.mean(1, keepdims=True), x - x.mean(1, keepdims=True)) / (n - 1)
    alphas = k / (k - 1) * (1 - np.trace(covs, axis1=1, axis2=2) / covs.sum(axis=(1, 2)))
    bounds = np.array([ms._feldt_ci(a, n, k, 0.95) for a in alphas])
    coverage = np.mean((bounds[:, 0] <= true) & (true <= bounds[:, 1]))
    assert 0.935 <= coverage <= 0.965


def test_item_statistics_and_omega(hs_data):
    rel = ms.reliability(hs_data[["x4", "x5", "x6"]], name="textual")
    sub = hs_data[["x5", "x6"]]
    a2 = 2 * (1 - sub.var().sum() / sub.sum(axis=1).var())
    assert rel.items.loc["x4", "alpha_if_dropped"] == pytest.approx(a2)
    rest = hs_data["x5"] + hs_data["x6"]
    assert rel.items.loc["x4", "item_total_r"] == pytest.approx(hs_data["x4"].corr(rest))
    assert rel.items.loc["x4", "mean"] == pytest.approx(hs_data["x4"].mean())
    # a 3-item one-factor model is saturated: ω = (Σλ)² / (1'S1) with the loadings that reproduce S exactly
    s = hs_data[["x4", "x5", "x6"]].cov(ddof=0).to_numpy()
    lam = np.sqrt([s[0, 1] * s[0, 2] / s[1, 2], s[0, 1] * s[1, 2] / s[0, 2], s[0, 2] * s[1, 2] / s[0, 1]])
    assert rel.omega == pytest.approx(lam.sum() ** 2 / s.sum(), abs=1e-4)
    assert rel.report(2).startswith("textual: α = .88, 95% CI [.86, .90], ω = .89, k = 3, n = 301")


def test_omega_equals_alpha_for_tau_equivalent_items_and_exceeds_it_for_congeneric():
    rng = np.random.default_rng(5)
    f = rng.normal(size=(20_000, 1))
    tau = pd.DataFrame(0.7 * f + 0.7 * rng.normal(size=(20_000, 4)), columns=list("abcd"))
    rel = ms.reliability(tau)
    assert rel.omega == pytest.approx(rel.alpha, abs=2e-3)
    lam = np.array([0.9, 0.7, 0.5, 0.3])
    cong = pd.DataFrame(f * lam + rng.normal(size=(20_000, 4)) * np.sqrt(1 - lam**2), columns=list("abcd"))
    rel = ms.reliability(cong)
    true_omega = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert rel.omega == pytest.approx(true_omega, abs=0.01)
    assert rel.omega > rel.alpha + 0.01


# --------------------------------------------------------------------------
# The exhibition survey: second-order trust, planted loadings recovered
# --------------------------------------------------------------------------
def test_second_order_trust_recovers_the_planted_facet_loadings():
    survey = load("survey")
    model = "\n".join(f"{f} =~ " + " + ".join(SCALES[name]) for f, name in
                      (("ben", "benevolence"), ("integ", "integrity"), ("abl", "ability")))
    res = ms.cfa(survey, model + "\ntrust =~ ben + integ + abl")
    second = res.loadings[res.loadings["factor"] == "trust"].set_index("item")["std_estimate"]
    # planted: .85 / .80 / .75 (MarketParams); 684 respondents
    np.testing.assert_allclose(second[["ben", "integ", "abl"]], [0.85, 0.80, 0.75], atol=0.1)
    assert res.validity.loc["trust", "level"] == 2 and math.isnan(res.validity.loc["trust", "omega"])
    assert res.fit["cfi"] > 0.95 and 0 <= res.fit["tli"] <= 1
    scores = ms.scale_scores(survey, model)
    assert list(scores.columns) == ["ben", "integ", "abl"]
    np.testing.assert_allclose(scores["ben"], survey[list(SCALES["benevolence"])].mean(axis=1))


def test_structural_paths_are_reported(hs_data):
    res = ms.sem(hs_data, HS + "\nspeed ~ visual + textual")
    paths = res.paths
    assert set(zip(paths["lhs"], paths["rhs"])) == {("speed", "visual"), ("speed", "textual")}
    assert ms.regressions(HS + "\nspeed ~ visual + textual") == [("speed", "visual"), ("speed", "textual")]
    # a saturated structural part: same fit as the CFA
    assert res.fit["chi2"] == pytest.approx(85.306, abs=1e-3)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------
def test_a_missing_column_is_named_with_a_suggestion(hs_data):
    with pytest.raises(ms.MeasurementError, match=r"no column 'x_1' \(did you mean 'x1'\?\)"):
        ms.cfa(hs_data, "visual =~ x_1 + x2 + x3")


def test_non_numeric_items_name_the_rows(hs_data):
    bad = hs_data[["x1", "x2", "x3"]].astype(object).copy()
    bad.loc[[3, 7], "x2"] = "n/a"
    with pytest.raises(ms.MeasurementError, match=r"column 'x2' must be numeric: rows 3, 7 hold 'n/a'"):
        ms.reliability(bad)
    with pytest.raises(ms.MeasurementError, match="column 'x2' must be numeric"):
        ms.cfa(bad, "visual =~ x1 + x2 + x3")


def test_constant_items_and_too_few_cases(hs_data):
    const = hs_data[["x1", "x2", "x3"]].copy()
    const["x3"] = 4.0
    with pytest.raises(ms.MeasurementError, match="'x3' are constant"):
        ms.reliability(const)
    with pytest.raises(ms.MeasurementError, match="too few complete cases: 8"):
        ms.cfa(hs_data.iloc[:8], HS)
    with pytest.raises(ms.MeasurementError, match="at least 2 items"):
        ms.reliability(hs_data[["x1"]])


def test_missing_answers_are_dropped_with_a_count(hs_data):
    gaps = hs_data[["x1", "x2", "x3"]].copy()
    gaps.loc[gaps.index[[0, 5, 9]], "x1"] = np.nan
    with pytest.warns(UserWarning, match="dropped 3 of 301 rows with a missing value"):
        rel = ms.reliability(gaps)
    assert rel.n == 298
    with pytest.warns(UserWarning, match="3 of 301 rows have a missing item"):
        scores = ms.scale_scores(gaps, {"visual": ["x1", "x2", "x3"]})
    assert scores["visual"].isna().sum() == 3


def test_malformed_models_are_refused(hs_data):
    with pytest.raises(ms.MeasurementError, match="defines no factor"):
        ms.cfa(hs_data, "x1 ~ x2")
    with pytest.raises(ms.MeasurementError, match="non-empty string"):
        ms.parse_model("")
    with pytest.raises(ms.MeasurementError, match="fewer than 2 indicators"):
        ms.cfa(hs_data, "visual =~ x1\ntextual =~ x4 + x5 + x6")
    with pytest.raises(ms.MeasurementError, match="also columns of the data"):
        ms.cfa(hs_data.rename(columns={"x9": "speed"}), "speed =~ x7 + x8 + x1")
    with pytest.raises(ms.MeasurementError, match="cannot read"):
        ms.parse_model("visual =~ x1 + x2 x3")
    assert ms.parse_model("v =~ 1*x1 + NA*x2 + x3  # a comment") == {"v": ["x1", "x2", "x3"]}


def test_a_failed_optimisation_raises_instead_of_printing_numbers(hs_data, monkeypatch):
    import semopy
    from semopy.solver import SolverResult

    def failing_fit(self, data, obj="MLW", **kwargs):
        return SolverResult(fun=np.nan, success=False, n_it=1000, x=None, message="Iteration limit reached",
                            name_method="SLSQP", name_obj=obj)

    monkeypatch.setattr(semopy.Model, "fit", failing_fit)
    with pytest.raises(ms.ConvergenceError, match="did not converge \\(Iteration limit reached\\)"):
        ms.cfa(hs_data, HS)


def test_an_improper_solution_warns(hs_data):
    # x4 and its copy: a near-perfect pair forces a residual variance to the zero boundary
    data = hs_data.copy()
    data["x4b"] = data["x4"] + 1e-6 * np.arange(len(data))
    with pytest.warns(UserWarning, match="Heywood"):
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            ms.cfa(data, "textual =~ x4 + x4b + x5 + x6")


# --------------------------------------------------------------------------
# The result protocol, and the fast path against semopy's own numbers
# --------------------------------------------------------------------------
def test_standard_errors_equal_lavaan(hs):
    # lavaan tutorial summary: Std.Err of the free loadings and the factor covariances
    se = dict(zip(zip(hs.table["lhs"], hs.table["op"], hs.table["rhs"]), hs.table["se"]))
    published = {("visual", "=~", "x2"): 0.100, ("visual", "=~", "x3"): 0.109, ("textual", "=~", "x5"): 0.065,
                 ("textual", "=~", "x6"): 0.055, ("speed", "=~", "x8"): 0.165, ("speed", "=~", "x9"): 0.151,
                 ("visual", "~~", "textual"): 0.074, ("visual", "~~", "speed"): 0.056,
                 ("textual", "~~", "speed"): 0.049}
    for key, value in published.items():
        assert se[key] == pytest.approx(value, abs=1e-3), key
    assert math.isnan(se[("visual", "=~", "x1")])  # fixed to 1


def test_estimates_and_fit_equal_semopys_inspect_and_calc_stats(hs):
    import semopy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = hs.model.inspect(std_est=True)
        stats = semopy.calc_stats(hs.model).loc["Value"]
    ref = ref[ref["Std. Err"] != "-"]
    est = {key: row for key, (_, row) in zip(zip(hs.table["lhs"], hs.table["op"], hs.table["rhs"]), hs.table.iterrows())}
    for _, row in ref.iterrows():
        a, op, b = row["lval"], row["op"], row["rval"]
        key = next(k for k in [(b, "=~", a), (a, op, b), (b, op, a)] if k in est)
        got = est[key]
        assert got["estimate"] == pytest.approx(float(row["Estimate"]), rel=1e-12)
        assert got["std_estimate"] == pytest.approx(float(row["Est. Std"]), rel=1e-9)
        assert got["se"] == pytest.approx(float(row["Std. Err"]), rel=1e-8)
        assert got["statistic"] == pytest.approx(float(row["z-value"]), rel=1e-8)
    assert len(ref) == hs.table["se"].notna().sum() == hs.fit["npar"]
    # the closed-form baseline χ² equals semopy's fitted baseline model
    assert hs.fit["baseline_chi2"] == pytest.approx(float(stats["chi2 Baseline"]), rel=1e-6)
    assert hs.fit["baseline_df"] == int(stats["DoF Baseline"])
    assert hs.fit["chi2"] == pytest.approx(float(stats["chi2"]), rel=1e-12)
    assert hs.fit["cfi"] == pytest.approx(float(stats["CFI"]), rel=1e-6)


def test_baseline_with_an_observed_exogenous_variable_equals_semopys(hs_data):
    import semopy

    res = ms.sem(hs_data, "visual =~ x1 + x2 + x3\nx4 ~ visual + x5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = semopy.calc_stats(res.model).loc["Value"]
    assert res.fit["baseline_df"] == int(stats["DoF Baseline"])
    assert res.fit["baseline_chi2"] == pytest.approx(float(stats["chi2 Baseline"]), rel=1e-6)


def test_rmsea_interval_equals_root_finding_on_the_noncentral_chi2():
    from crm_lab.stats import _ncx2_bound

    for chi2, df, n in [(85.306, 24, 301), (10.0, 24, 301), (30.0, 24, 500), (400.0, 3, 100)]:
        lo, hi = ms._rmsea_interval(chi2, df, n)
        assert lo == pytest.approx(math.sqrt(_ncx2_bound(chi2, df, 0.95) / (df * n)), abs=1e-7)
        assert hi == pytest.approx(math.sqrt(_ncx2_bound(chi2, df, 0.05) / (df * n)), abs=1e-7)


def test_sem_result_follows_the_result_protocol(hs):
    import json

    from crm_lab.results import TABLE_COLUMNS

    assert tuple(hs.table.columns[:7]) == TABLE_COLUMNS
    assert list(hs.table.columns[7:]) == ["lhs", "op", "rhs", "std_estimate"]
    assert hs.table.index.name == "parameter" and "visual =~ x2" in hs.table.index
    row = hs.table.loc["visual =~ x2"]
    z = sps.norm.ppf(0.975)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((row["estimate"] - z * row["se"], row["estimate"] + z * row["se"]))
    assert row["p_value"] == pytest.approx(2 * sps.norm.sf(abs(row["statistic"])))
    assert math.isnan(row["df"])
    assert {"n", "confidence", "method", "citation"} <= set(hs.meta) and hs.meta["n"] == hs.n == 301
    assert hs.model_text == HS
    assert list(hs.estimates.columns) == list(ms.ESTIMATE_COLUMNS)
    out = json.loads(json.dumps(hs.to_dict()))
    assert out["fit"]["df"] == 24 and len(out["table"]) == 24 and out["validity"][0]["factor"] == "visual"
    text = hs.summary()
    assert hs.report() in text and "Hu & Bentler" in text
    assert "<table" in hs._repr_html_()


def test_reliability_follows_the_result_protocol(hs_data):
    import json

    rel = ms.reliability(hs_data[["x4", "x5", "x6"]], confidence=0.9, name="textual")
    assert list(rel.table.index) == ["alpha", "omega"] and rel.table.index.name == "coefficient"
    assert rel.table.loc["alpha", ["ci_low", "ci_high"]].tolist() == pytest.approx(list(rel.alpha_ci))
    assert rel.meta["confidence"] == 0.9 and rel.meta["k"] == 3 and rel.meta["n"] == 301
    assert rel.meta["citation"].startswith("Cronbach")
    out = json.loads(json.dumps(rel.to_dict()))
    assert out["table"][0]["coefficient"] == "alpha" and len(out["items"]) == 3
    assert rel.report(2) in rel.summary(2)
    with pytest.raises(ms.MeasurementError, match="'confidence' must be > 0 and < 1"):
        ms.reliability(hs_data[["x4", "x5", "x6"]], confidence=95)


def test_compare_models_equals_lavaan(hs_data):
    orth = HS + "\nvisual ~~ 0*textual\nvisual ~~ 0*speed\ntextual ~~ 0*speed"
    out = ms.compare_models(hs_data, {"one": "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9",
                                      "orthogonal": orth, "three": HS}, pairs=[("orthogonal", "three"), ("one", "three")])
    assert out.fits.loc["one", "chi2"] == pytest.approx(312.264, abs=5e-4)
    assert out.fits.loc["orthogonal", "chi2"] == pytest.approx(153.527, abs=5e-4)
    assert out.table.loc["orthogonal vs three", "statistic"] == pytest.approx(68.221, abs=1e-3)
    assert out.table.loc["orthogonal vs three", "df"] == 3
    assert out.models["three"].fit["chi2"] == pytest.approx(85.306, abs=5e-4)
    assert out.meta["n"] == 301


def test_clean_and_messy_items_give_the_same_frame(hs_data):
    messy = hs_data[["x1", "x2", "x3"]].astype(object)
    clean = ms._items(hs_data, ["x1", "x2", "x3"], what="t")
    pd.testing.assert_frame_equal(ms._items(messy, ["x1", "x2", "x3"], what="t"), clean)
    with pytest.raises(ms.MeasurementError, match="must be numeric \\(got dtype bool\\)"):
        ms._items(hs_data.assign(x1=hs_data["x1"] > 4), ["x1", "x2"], what="t")


def test_sem_accepts_a_path_model_of_observed_variables(hs_data):
    import statsmodels.formula.api as smf

    res = ms.sem(hs_data, "x4 ~ x1 + x2")
    ols = smf.ols("x4 ~ x1 + x2", hs_data).fit()  # a saturated path model: ML = OLS (Bollen 1989, ch. 4)
    paths = res.paths.set_index("rhs")["estimate"]
    assert paths["x1"] == pytest.approx(ols.params["x1"], abs=1e-3)
    assert paths["x2"] == pytest.approx(ols.params["x2"], abs=1e-3)
    assert res.validity.empty and res.factor_correlations.empty and res.fit["chi2"] == pytest.approx(0, abs=1e-3)
    with pytest.raises(ms.MeasurementError, match="defines no factor"):
        ms.cfa(hs_data, "x4 ~ x1 + x2")


# --------------------------------------------------------------------------
# Issue 18: identification before the fit, admissibility after, lavaan syntax faithfully or refused
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def survey():
    return load("survey")


def test_a_lone_two_indicator_factor_is_refused_before_fitting(survey):
    # was χ²(−1), CFI .997 and an SE of 3·10⁶ with no error
    with pytest.raises(ms.MeasurementError, match=r"factor 'f' is not identified: a factor alone needs at least 3 "
                                                  r"indicators, or 2 with a correlated partner factor"):
        ms.cfa(survey, "f =~ ben1 + ben2")
    # two indicators with a correlated partner factor are identified
    ok = ms.cfa(survey, "f =~ ben1 + ben2\ng =~ int1 + int2 + int3")
    assert ok.fit["df"] == 4
    # ... but not when the partner is made orthogonal
    with pytest.raises(ms.MeasurementError, match="factor 'f' is not identified"):
        ms.cfa(survey, "f =~ ben1 + ben2\ng =~ int1 + int2 + int3\nf ~~ 0*g")
    # both loadings fixed: identified alone (ψ, θ1, θ2 from 3 moments)
    assert ms.cfa(survey, "f =~ 1*ben1 + 1*ben2").fit["df"] == 0


def test_negative_degrees_of_freedom_are_refused_before_fitting(hs_data):
    with pytest.raises(ms.MeasurementError, match=r"not identified: it has 9 free parameters but the 3 observed "
                                                  r"variables give only 6 .*df = -3 < 0"):
        ms.sem(hs_data, "f =~ x1 + x2 + x3\nx1 ~~ x2\nx1 ~~ x3\nx2 ~~ x3")


def test_an_item_rescaled_by_1e9_is_refused_with_a_remedy(survey):
    # was χ²(0) = 56.6 and CFI .928: impossible at df 0
    data = survey.assign(ben1=survey["ben1"] * 1e9)
    with pytest.raises(ms.MeasurementError, match=r"very different scales: 'ben1' has SD .*standardise the variables"):
        ms.cfa(data, "f =~ ben1 + ben2 + ben3")


def test_impossible_solutions_are_refused_after_the_fit(survey, monkeypatch):
    # with the scale check switched off, the two failures it prevents are caught after the fit
    monkeypatch.setattr(ms, "MAX_SD_RATIO", 1e12)
    data = survey.assign(ben1=survey["ben1"] * 1e9)
    with pytest.raises(ms.ConvergenceError, match=r"saturated \(df = 0\).*yet χ² = .*standardise"):
        ms.cfa(data, "f =~ ben1 + ben2 + ben3")
    with pytest.raises(ms.MeasurementError, match=r"absurdly large standard error\(s\): f =~ ben2"):
        ms.cfa(data, "f =~ ben1 + ben2 + ben3\ng =~ int1 + int2 + int3")


def test_perfectly_collinear_items_are_named(survey):
    data = survey.assign(ben3=2 * survey["ben1"] + survey["ben2"])
    with pytest.raises(ms.MeasurementError, match=r"the items 'ben1', 'ben2', 'ben3' are perfectly collinear") as err:
        ms.cfa(data, "f =~ ben1 + ben2 + ben3 + int1")
    assert "int1" not in str(err.value) and "drop one of them" in str(err.value)
    with pytest.raises(ms.MeasurementError, match=r"'int1', 'int2' are perfectly collinear"):
        ms.sem(survey.assign(int2=survey["int1"] * 3 + 1), "f =~ ben1 + ben2 + ben3\ng =~ int1 + int2 + int3")


def test_na_frees_the_first_loading_and_fixes_the_variance_as_lavaans_std_lv(hs_data, hs):
    res = ms.cfa(hs_data, "visual =~ NA*x1 + x2 + x3\ntextual =~ NA*x4 + x5 + x6\nspeed =~ NA*x7 + x8 + x9")
    # lavaan cfa(HS.model, std.lv = TRUE): the same fit, loadings in the factors' SD units
    assert res.fit["chi2"] == pytest.approx(85.306, abs=5e-4) and res.fit["df"] == 24
    lam = res.loadings.set_index("item")
    np.testing.assert_allclose(lam.loc[[f"x{i}" for i in range(1, 10)], "estimate"],
                               [0.900, 0.498, 0.656, 0.990, 1.102, 0.917, 0.619, 0.731, 0.670], atol=1.5e-3)
    np.testing.assert_allclose(lam.loc[[f"x{i}" for i in range(1, 10)], "se"],
                               [0.081, 0.077, 0.074, 0.057, 0.063, 0.054, 0.070, 0.066, 0.065], atol=1.5e-3)
    variances = res.table.loc[[f"{f} ~~ {f}" for f in FACTORS]]
    assert (variances["estimate"] == 1).all() and variances["se"].isna().all()
    assert res.meta["std_lv"] == FACTORS
    # NA is not a label shared across factors: the first loadings are not forced equal
    assert lam.loc["x1", "estimate"] != pytest.approx(lam.loc["x4", "estimate"], abs=0.05)
    # the factor correlations are those of the marker parameterisation
    np.testing.assert_allclose(res.factor_correlations, hs.factor_correlations, atol=1e-3)


def test_a_labelled_first_loading_stays_fixed_to_1_as_in_lavaan(hs_data, hs):
    res = ms.cfa(hs_data, "visual =~ a*x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9")
    assert res.table.loc["visual =~ x1", "estimate"] == 1 and math.isnan(res.table.loc["visual =~ x1", "se"])
    assert res.fit["chi2"] == pytest.approx(hs.fit["chi2"], rel=1e-6)
    # shared labels still constrain loadings equal, and a starting value is only a start
    eq = ms.cfa(hs_data, "visual =~ x1 + b*x2 + b*x3 + start(0.5)*x2")
    assert eq.table.loc["visual =~ x2", "estimate"] == pytest.approx(eq.table.loc["visual =~ x3", "estimate"])


def test_a_factor_with_no_scale_is_refused(hs_data):
    with pytest.raises(ms.MeasurementError, match=r"factor 'visual' is not scaled.*'visual ~~ 1\*visual'"):
        ms.cfa(hs_data, "visual =~ NA*x1 + x2 + x3\nvisual ~~ v*visual")


def test_defined_parameters_get_delta_method_standard_errors(hs_data):
    res = ms.sem(hs_data, HS + "\ntextual ~ a*visual\nspeed ~ b*textual + visual\nab := a*b\ntwice_a := 2*a")
    t = res.table
    a, b = t.loc["textual ~ visual", "estimate"], t.loc["speed ~ textual", "estimate"]
    assert t.loc["ab := a*b", "estimate"] == pytest.approx(a * b, rel=1e-12)
    assert t.loc["ab := a*b", ["lhs", "op", "rhs"]].tolist() == ["ab", ":=", "a*b"]
    assert t.loc["twice_a := 2*a", "se"] == pytest.approx(2 * t.loc["textual ~ visual", "se"], rel=1e-6)
    # the delta method: var(ab) = b² var(a) + a² var(b) + 2ab cov(a, b), from the estimates' covariance
    m = res.model
    sigma, (lc, c) = m.calc_sigma()
    _, cov = ms._standard_errors(m, sigma, lc, c)
    names = [k for k, p in m.parameters.items() if p.active]
    i, j = names.index("a"), names.index("b")
    want = math.sqrt(b**2 * cov[i, i] + a**2 * cov[j, j] + 2 * a * b * cov[i, j])
    assert t.loc["ab := a*b", "se"] == pytest.approx(want, rel=1e-5)
    assert t.loc["ab := a*b", "p_value"] == pytest.approx(2 * sps.norm.sf(a * b / want), rel=1e-4)
    assert res.fit["chi2"] == pytest.approx(85.306, abs=1e-3)  # defined parameters do not change the fit
    with pytest.raises(ms.MeasurementError, match=r"'c' is not a label of the model"):
        ms.sem(hs_data, HS + "\ntextual ~ a*visual\nac := a*c")
    with pytest.raises(ms.MeasurementError, match="a defined parameter must be arithmetic"):
        ms.sem(hs_data, HS + "\ntextual ~ a*visual\nx := __import__('os')")


@pytest.mark.parametrize("line, match", [
    ("f <~ x4 + x5", r"formative .*'<~'"),
    ("x1 ~ 1", r"intercepts and means"),
    ("x1 | t1", r"thresholds"),
    ("a == b", r"equality constraints \('=='\).*same label"),
    ("a > 0", r"inequality constraints"),
    ("f =~ c(a, b)*x1 + x2 + x3", r"modifier 'c\(a, b\)' of 'x1' is not supported"),
    ("DEFINE(latent) f", r"cannot read the model line .*supported operators: =~, ~, ~~, :="),
])
def test_unsupported_lavaan_syntax_is_refused_clearly(hs_data, line, match):
    with pytest.raises(ms.MeasurementError, match=match):
        ms.sem(hs_data, HS + "\n" + line)


def test_a_reverse_keyed_item_warns_naming_it_and_the_remedy(survey):
    items = survey[["ben1", "ben2", "ben3"]].assign(ben2=8 - survey["ben2"])
    with pytest.warns(UserWarning, match=r"α = -0\.\d\d; item\(s\) 'ben2' \(corrected item-total r = -0\.\d\d\) "
                                         r"correlate negatively .*LIKERT_MAX \+ LIKERT_MIN - x \(= 8 - x") as record:
        rel = ms.reliability(items)
    assert rel.alpha < 0 and "'ben1'" not in str(record[0].message) and "'ben3'" not in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ms.reliability(survey[["ben1", "ben2", "ben3"]]).alpha > 0.7
