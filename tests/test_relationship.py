"""Tests of crm_lab.relationship: model strings, planted truth, mediation, antecedents, simulations."""

import inspect

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.mediation import Mediation

from crm_lab import measurement as ms
from crm_lab import regression
from crm_lab import relationship as rel
from crm_lab.regression import RegressionError
from crm_lab.simulate import simulate_market


@pytest.fixture(scope="module")
def market():
    return simulate_market(3000, n_visitors=60, kano_respondents=10, rng=2024)


def _mediation_data(n=400, a=0.5, b=0.4, c=0.1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    w = rng.standard_normal(n)
    m = a * x + 0.3 * w + rng.standard_normal(n)
    y = b * m + c * x + 0.2 * w + rng.standard_normal(n)
    return pd.DataFrame({"x": x, "m": m, "y": y, "w": w})


# ---------------------------------------------------------------- model strings
def test_measurement_model_lines_follow_schema_scales():
    text = rel.measurement_model(["benevolence", "commitment"])
    assert text.splitlines() == ["benevolence =~ ben1 + ben2 + ben3", "commitment =~ com1 + com2 + com3"]
    with pytest.raises(rel.RelationshipError, match="unknown: \\['loyalty'\\]"):
        rel.measurement_model(["loyalty"])


def test_structural_model_has_second_order_trust_and_the_regressions():
    lines = rel.structural_model().splitlines()
    assert "trust =~ benevolence + integrity + ability" in lines
    assert "commitment ~ trust + satisfaction" in lines
    assert "conative =~ con1 + con2 + con3" in lines
    assert not any(line.startswith("trust =~ ben1") for line in lines)
    models = rel.rq_models()
    assert set(models) == {"first_order", "trust_second_order", "rq_higher_order", "rq_single"}
    assert models["rq_single"].endswith("relationship_quality =~ benevolence + integrity + ability + satisfaction + commitment")
    with pytest.raises(rel.RelationshipError, match="unknown constructs \\['loyalty'\\]"):
        rel.structural_model({"loyalty": ("trust",)})


# ---------------------------------------------------------------- planted truth
def test_planted_indirect_is_the_product_of_the_planted_paths(market):
    p = market.truth.params
    got = rel.planted_indirect(market.truth)
    # a = com_trust (satisfaction controlled); b = con_com + aff_com * con_aff (affective left out of the model)
    assert got["a"] == pytest.approx(p.com_trust)
    assert got["b"] == pytest.approx(p.con_com + p.aff_com * p.con_aff)
    assert got["indirect"] == pytest.approx(p.com_trust * (p.con_com + p.aff_com * p.con_aff))


def test_latent_covariance_matches_the_simulated_latent_scores():
    market = simulate_market(40_000, n_visitors=60, kano_respondents=10, rng=5)
    latent = market.truth.latent[["trust", "satisfaction", "commitment", "affective", "conative"]]
    implied = rel.latent_covariance(market.truth).loc[latent.columns, latent.columns]
    # sampling SD of a correlation at n = 40,000 is about 0.005
    np.testing.assert_allclose(latent.cov().to_numpy(), implied.to_numpy(), atol=0.025)
    # the planted regression is the population OLS of the latent scores
    ols = smf.ols("conative ~ commitment + satisfaction + trust", data=latent).fit().params
    planted = rel.planted_regression(market.truth, "conative", ["commitment", "satisfaction", "trust"])
    np.testing.assert_allclose(ols[planted.index].to_numpy(), planted.to_numpy(), atol=0.03)


# ---------------------------------------------------------------- mediation
def test_mediation_point_estimates_match_statsmodels_mediation():
    """Independent computation: statsmodels.stats.mediation.Mediation (Imai, Keele & Tingley 2010), OLS models."""
    df = _mediation_data()
    res = regression.mediation(df, x="x", m="m", y="y", covariates=["w"], n_boot=500, rng=1)
    one = np.ones(len(df))
    outcome = sm.OLS(df.y.to_numpy(), np.column_stack([one, df.m, df.x, df.w]))
    mediator = sm.OLS(df.m.to_numpy(), np.column_stack([one, df.x, df.w]))
    # exposure: column 2 of the outcome design, column 1 of the mediator design; mediator: column 1
    fit = Mediation(outcome, mediator, (2, 1), 1).fit
    if "rng" in inspect.signature(fit).parameters:  # statsmodels >= 0.15
        sm_res = fit(method="parametric", n_rep=300, rng=np.random.default_rng(3))
    else:  # statsmodels 0.14 draws from numpy's global generator
        np.random.seed(3)
        sm_res = fit(method="parametric", n_rep=300)
    tab = sm_res.summary()
    # statsmodels reports the mean over its parameter draws (Monte Carlo error ~ se / sqrt(300)); ours is the sample estimate
    assert res.indirect == pytest.approx(tab.loc["ACME (average)", "Estimate"], abs=0.01)
    assert res.table.loc["direct", "estimate"] == pytest.approx(tab.loc["ADE (average)", "Estimate"], abs=0.01)
    assert res.table.loc["total", "estimate"] == pytest.approx(tab.loc["Total effect", "Estimate"], abs=0.01)
    # its quasi-Bayesian interval and our BCa bootstrap estimate the same sampling distribution
    assert res.table.loc["indirect", "ci_low"] == pytest.approx(tab.loc["ACME (average)", "Lower CI bound"], abs=0.03)
    assert res.table.loc["indirect", "ci_high"] == pytest.approx(tab.loc["ACME (average)", "Upper CI bound"], abs=0.03)


def test_mediation_paths_equal_ols_and_total_is_direct_plus_indirect():
    df = _mediation_data(seed=4)
    res = regression.mediation(df, x="x", m="m", y="y", covariates=["w"], n_boot=200, rng=0)
    fy = smf.ols("y ~ m + x + w", df).fit()
    fm = smf.ols("m ~ x + w", df).fit()
    assert res.table.loc["a", "estimate"] == pytest.approx(fm.params["x"])
    assert res.table.loc["a", "se"] == pytest.approx(fm.bse["x"])
    assert res.table.loc["b", "estimate"] == pytest.approx(fy.params["m"])
    assert res.table.loc["b", "p_value"] == pytest.approx(fy.pvalues["m"])
    t = res.table["estimate"]
    assert t["total"] == pytest.approx(t["direct"] + t["indirect"])
    # Sobel (1982): z = ab / sqrt(b^2 se_a^2 + a^2 se_b^2)
    sobel = t["a"] * t["b"] / np.sqrt(t["b"] ** 2 * fm.bse["x"] ** 2 + t["a"] ** 2 * fy.bse["m"] ** 2)
    assert res.table.loc["indirect", "statistic"] == pytest.approx(sobel)
    assert res.test.report().startswith("Mediation of x -> y by m: z = ")


def test_bca_interval_matches_scipy_bootstrap():
    """BCa against scipy.stats.bootstrap(method='BCa') on the same statistic (paired resampling)."""
    df = _mediation_data(n=300, seed=7)
    ours = regression.mediation(df, x="x", m="m", y="y", n_boot=8000, ci="bca", rng=11)

    def ab(x, m, y, axis=-1):
        x, m, y = (np.moveaxis(v, axis, -1) for v in (x, m, y))
        def slope(design_cols, target, col):
            one = np.ones_like(target)
            Z = np.stack([one, *design_cols], axis=-1)
            xty = np.einsum("...ij,...i->...j", Z, target)[..., None]
            return np.linalg.solve(np.einsum("...ij,...ik->...jk", Z, Z), xty)[..., col, 0]
        return slope([x], m, 1) * slope([m, x], y, 1)

    # scipy >= 1.15 names the generator 'rng', scipy 1.14 'random_state'
    seed = "rng" if "rng" in inspect.signature(sps.bootstrap).parameters else "random_state"
    ref = sps.bootstrap((df.x.to_numpy(), df.m.to_numpy(), df.y.to_numpy()), ab, paired=True, vectorized=True,
                        n_resamples=8000, method="BCa", **{seed: np.random.default_rng(12)})
    assert ours.table.loc["indirect", "ci_low"] == pytest.approx(ref.confidence_interval.low, abs=0.012)
    assert ours.table.loc["indirect", "ci_high"] == pytest.approx(ref.confidence_interval.high, abs=0.012)


def test_mediation_is_reproducible_and_detects_no_effect_when_there_is_none():
    df = _mediation_data(a=0.0, b=0.0, seed=1)
    r1 = regression.mediation(df, x="x", m="m", y="y", n_boot=300, ci="percentile", rng=5)
    r2 = regression.mediation(df, x="x", m="m", y="y", n_boot=300, ci="percentile", rng=5)
    np.testing.assert_array_equal(r1.draws, r2.draws)
    assert r1.table.loc["indirect", "ci_low"] < 0 < r1.table.loc["indirect", "ci_high"]


def test_mediation_bad_input_names_the_problem():
    df = _mediation_data(n=50)
    with pytest.raises(RegressionError, match="no column y='z'"):
        regression.mediation(df, x="x", m="m", y="z")
    bad = df.assign(m=df.m.where(df.index != 3))
    with pytest.raises(RegressionError, match="column 'm' has 1 missing or infinite values \\(rows 3\\)"):
        regression.mediation(bad, x="x", m="m", y="y")
    with pytest.raises(RegressionError, match="'n_boot' must be an integer >= 100 \\(got 5\\)"):
        regression.mediation(df, x="x", m="m", y="y", n_boot=5)
    with pytest.raises(RegressionError, match="'ci' must be one of"):
        regression.mediation(df, x="x", m="m", y="y", ci="normal")


# ---------------------------------------------------------------- SEM paths
def test_sem_of_an_observed_path_model_equals_ols():
    """A saturated recursive path model: ML estimates are the OLS coefficients (Bollen 1989, ch. 4)."""
    df = _mediation_data(seed=3)
    paths = ms.sem(df, "m ~ x + w\ny ~ m + x + w").paths.set_index(["lhs", "rhs"])
    ols = smf.ols("y ~ m + x + w", df).fit()
    for rhs in ("m", "x", "w"):
        assert paths.loc[("y", rhs), "estimate"] == pytest.approx(ols.params[rhs], rel=1e-3)
        std = ols.params[rhs] * df[rhs].std(ddof=0) / df["y"].std(ddof=0)
        assert paths.loc[("y", rhs), "std_estimate"] == pytest.approx(std, rel=1e-3)
    # ML SEs divide by n, OLS by n - p: equal up to sqrt(n / (n - p)) and the exogenous-x treatment
    assert paths.loc[("y", "m"), "se"] == pytest.approx(ols.bse["m"], rel=0.02)


def test_structural_model_recovers_the_planted_paths_on_one_large_survey():
    market = simulate_market(12_000, n_visitors=60, kano_respondents=10, rng=8)
    paths = rel._std_paths(ms.sem(rel._structural_data(market["survey"]), rel.structural_model()))
    planted = rel.planted_structural(market.truth).set_index(["lhs", "rhs"])["planted"]
    z = (paths.loc[planted.index, "std_estimate"] - planted) / paths.loc[planted.index, "std_se"]
    assert (z.abs() < 4).all(), z


# ---------------------------------------------------------------- antecedents
def test_trust_antecedents_by_hand():
    survey = pd.DataFrame({"exhibitor_id": ["A", "B"], "edition": [3, 3], "reputation": [5, 3]})
    participation = pd.DataFrame({
        "exhibitor_id": ["A", "A", "A", "A", "B"],
        "edition": [1, 2, 3, 4, 3],
        "participated": [1, 1, 1, 1, 1],
        "contacts": [2, 4, 6, 100, 3],
        "special_requests": [1, 0, 3, 9, 0],
        "requests_met": [1, 0, 2, 0, 0],
    })
    exhibitors = pd.DataFrame({"exhibitor_id": ["A", "B"], "size_class": ["large", "small"], "first_edition": [1, 3]})
    out = rel.trust_antecedents(survey, participation, exhibitors).set_index("exhibitor_id")
    assert out.loc["A", "contacts"] == pytest.approx(4.0)  # editions after the survey do not count
    assert out.loc["A", "met_share"] == pytest.approx(3 / 4)
    assert out.loc["B", "met_share"] == pytest.approx(3 / 4)  # never asked: the pooled share, flagged
    assert out["no_requests"].tolist() == [0.0, 1.0]
    assert out["tenure"].tolist() == [3.0, 1.0] and out["large"].tolist() == [1.0, 0.0]
    assert out["no_requests"].sum() == 1 and not out.attrs  # the count is the column's sum, no attrs
    with pytest.raises(rel.RelationshipError, match="trust_antecedents \\(participation\\): no column 'contacts'"):
        rel.trust_antecedents(survey, participation.drop(columns="contacts"), exhibitors)


def test_trust_drivers_with_error_free_traits_cover_the_planted_values(market):
    ante = rel.trust_antecedents(market["survey"], market["participation"], market["exhibitors"])
    drivers = rel.trust_drivers(rel.true_traits(ante, market.truth), rel.TRUE_TRAITS, truth=market.truth).table
    z = (drivers["estimate"] - drivers["planted"]) / drivers["se"]
    assert (z.abs() < 3.5).all(), drivers
    result = rel.trust_drivers(ante, truth=market.truth)
    assert result.fit.model is not None and result.meta["n"] == len(ante)
    observed = result.table
    assert np.isnan(observed.loc["no_requests", "planted"])
    assert observed.loc["reputation_z", "planted"] == market.truth.params.trust_reputation


# ---------------------------------------------------------------- return
def test_return_model_is_statsmodels_logit_and_checks_outcome():
    rng = np.random.default_rng(2)
    n = 2000
    df = pd.DataFrame({"conative": rng.standard_normal(n), "monopoly": rng.integers(0, 2, n),
                       "stage": rng.choice(["exploration", "stability"], n)})
    df["returned"] = (rng.random(n) < 1 / (1 + np.exp(-(0.5 + 1.0 * df.conative + 0.3 * df.monopoly)))).astype(int)
    res = rel.return_model(df, reliability=0.81)
    table, fit = res.table, res.fit
    assert list(table.columns[:7]) == ["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]
    assert table.loc["intention", "estimate"] == pytest.approx(fit.params["intention"])
    assert table.loc["intention", "corrected"] == pytest.approx(table.loc["intention", "estimate"] / 0.9)
    assert abs(table.loc["intention", "estimate"] - 1.0) < 4 * table.loc["intention", "se"]
    with pytest.raises(rel.RelationshipError, match="'returned' must be 0/1"):
        rel.return_model(df.assign(returned=df.returned * 2))


# ---------------------------------------------------------------- simulations
def test_recovery_simulation_and_summary():
    run = rel.simulate_recovery(3, n_exhibitors=1500, rng=4)
    rec = run.replications
    assert rec["sim"].nunique() + run.n_failed == run.n_sims == 3
    assert set(rec["path"]) >= {"commitment ~ trust", "indirect trust→commitment→conative"}
    again = rel.simulate_recovery(3, n_exhibitors=1500, rng=4)
    pd.testing.assert_frame_equal(rec, again.replications)
    summary = rel.recovery_summary(run)
    pd.testing.assert_frame_equal(summary, run.summary_table())
    assert (summary["n_sims"] == rec["sim"].nunique()).all()
    row = summary.loc["commitment ~ trust"]
    assert row["planted"] == pytest.approx(0.35)
    assert row["bias"] == pytest.approx(row["mean_estimate"] - 0.35)


def test_recovery_summary_by_hand():
    rec = pd.DataFrame({"path": ["p"] * 4, "planted": [1.0] * 4, "estimate": [0.9, 1.1, 1.3, 1.1],
                        "se": [0.1] * 4, "covered": [True, True, False, True]})
    s = rel.recovery_summary(rec).loc["p"]
    assert s["bias"] == pytest.approx(0.1)
    assert s["rmse"] == pytest.approx(np.sqrt((0.01 + 0.01 + 0.09 + 0.01) / 4))
    assert s["coverage"] == pytest.approx(0.75)
    # Wilson interval for 3 of 4 (statsmodels proportion_confint, method='wilson')
    assert (s["coverage_low"], s["coverage_high"]) == pytest.approx((0.3006418, 0.9544127), abs=1e-6)
    # the bias's Monte Carlo t interval: 0.1 ± t(0.975, 3) · sd / √4, sd = 0.16330 (by hand)
    half = 3.182446305 * np.std([0.9, 1.1, 1.3, 1.1], ddof=1) / 2
    assert (s["bias_low"], s["bias_high"]) == pytest.approx((0.1 - half, 0.1 + half), abs=1e-6)
    near_zero = rec.assign(planted=0.01, estimate=rec["estimate"] - 0.99)
    assert np.isnan(rel.recovery_summary(near_zero).loc["p", "rel_bias"])  # no ratio to a near-zero value


def test_recovery_verdicts_read_the_monte_carlo_intervals():
    summary = pd.DataFrame({"bias": [0.001, 0.03, -0.02], "bias_low": [-0.01, 0.02, -0.05],
                            "bias_high": [0.012, 0.04, 0.01], "coverage": [0.95, 0.85, 0.99],
                            "coverage_low": [0.91, 0.79, 0.96], "coverage_high": [0.97, 0.89, 1.0]},
                           index=["a ~ b", "c ~ d", "e ~ f"])
    v = rel.recovery_verdicts(summary, nominal=0.95)
    assert v["unbiased"].tolist() == [True, False, True]
    assert v["coverage_ok"].tolist() == [True, False, True]
    assert "excludes 0 (the estimates run high)" in v.loc["c ~ d", "verdict"]
    assert "is above the nominal 0.95" in v.loc["e ~ f", "verdict"]
    with pytest.raises(rel.RelationshipError, match="recovery_verdicts: no column 'bias_low'"):
        rel.recovery_verdicts(summary.drop(columns="bias_low"))


def test_say_power_follows_the_numbers():
    curve = pd.DataFrame({"n": [100, 200], "power": [0.5, 0.78], "ci_low": [0.44, 0.73], "ci_high": [0.56, 0.82],
                          "reps": [300, 300]})
    lines = rel.say_power(curve, n=200)
    assert lines[0].startswith("no size tried (up to n = 200) reaches power 0.8")
    assert lines[-1] == "at n = 200: power 0.78 [0.73, 0.82]."
    sure = curve.assign(power=[0.85, 0.95], ci_low=[0.81, 0.92], ci_high=[0.89, 0.97])
    assert rel.say_power(sure)[0].endswith("its whole interval lies above 0.8.")
    with pytest.raises(rel.RelationshipError, match="n = 150 is not among the sizes"):
        rel.say_power(curve, n=150)


def test_merged_model_puts_the_merged_items_on_one_factor():
    model = rel.merged_model(("satisfaction", "commitment"))
    assert model.splitlines()[-1] == "satisfaction_commitment =~ sat1 + sat2 + sat3 + com1 + com2 + com3"
    assert len(model.splitlines()) == 4  # three trust facets and the merged factor
    with pytest.raises(rel.RelationshipError, match="merge must name two or more"):
        rel.merged_model(("satisfaction",))


def test_mediation_power_rises_with_n_and_holds_size_under_the_null():
    strong = _mediation_data(n=3000, a=0.5, b=0.5, seed=1)
    power = rel.mediation_power(strong, [20, 200], x="x", m="m", y="y", covariates=(), reps=30, n_boot=200, rng=3)
    assert list(power.columns) == ["n", "term", "power", "ci_low", "ci_high", "mean_estimate", "reps"]
    assert power["power"].iloc[1] == 1.0 and power["power"].iloc[0] < power["power"].iloc[1]
    # a = 0.5; b = 0.5 + 0.2 Cov(w, m | x) / Var(m | x) = 0.5 + 0.06 / 1.09 (w is left out of the model)
    assert power["mean_estimate"].iloc[1] == pytest.approx(0.5 * (0.5 + 0.06 / 1.09), abs=0.03)
    null = _mediation_data(n=3000, a=0.0, b=0.0, seed=2)
    size = rel.mediation_power(null, [100], x="x", m="m", y="y", covariates=(), reps=40, n_boot=200, rng=3)
    assert size["power"].iloc[0] <= 0.1
    with pytest.raises(rel.RelationshipError, match="largest size 5000 exceeds the pool's 3000 rows"):
        rel.mediation_power(strong, [5000], x="x", m="m", y="y", covariates=())


# ---------------------------------------------------------------- planted measurement, SEM bootstrap, plot
def test_planted_omega_by_mcdonalds_formula_and_against_measurement_omega():
    market = simulate_market(200, n_visitors=60, kano_respondents=10, rng=3)
    lam = np.array(market.truth.params.item_loadings)
    # McDonald (1999): omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)); (.80, .75, .70) -> 5.0625 / 6.37
    assert rel.planted_omega(market.truth, "satisfaction") == pytest.approx(5.0625 / 6.37)
    rng = np.random.default_rng(0)
    f = rng.standard_normal(100_000)
    items = pd.DataFrame({f"i{k}": lk * f + np.sqrt(1 - lk**2) * rng.standard_normal(f.size) for k, lk in enumerate(lam)})
    assert ms.reliability(items).omega == pytest.approx(5.0625 / 6.37, abs=0.005)


def test_planted_correlations_match_the_latent_facet_scores():
    market = simulate_market(40_000, n_visitors=60, kano_respondents=10, rng=6)
    names = list(rel.RQ_CONSTRUCTS)
    observed = market.truth.latent[names].corr()
    np.testing.assert_allclose(observed.to_numpy(), rel.planted_correlations(market.truth).to_numpy(), atol=0.025)
    loads = rel.planted_loadings(market.truth)
    assert loads.query("factor == 'trust'")["planted"].tolist() == list(market.truth.params.trust_facet_loadings)
    assert loads.query("item == 'com3'")["planted"].item() == market.truth.params.item_loadings[2]


def _latent_mediation_data(n=400, seed=5):
    """Three factors x -> m -> y (and x -> y), three items each."""
    rng = np.random.default_rng(seed)
    fx = rng.standard_normal(n)
    fm = 0.5 * fx + np.sqrt(0.75) * rng.standard_normal(n)
    fy = 0.4 * fm + 0.1 * fx + 0.85 * rng.standard_normal(n)
    items = {f"{v}{k}": f * lam + np.sqrt(1 - lam**2) * rng.standard_normal(n)
             for v, f in (("x", fx), ("m", fm), ("y", fy)) for k, lam in enumerate((0.8, 0.75, 0.7), 1)}
    return pd.DataFrame(items)


LATENT_MODEL = "fx =~ x1 + x2 + x3\nfm =~ m1 + m2 + m3\nfy =~ y1 + y2 + y3\nfm ~ fx\nfy ~ fm + fx"


def test_sem_indirect_is_the_path_algebra_of_the_implied_factor_correlations():
    """Standardised a = r_xm and b = (r_my - r_xm r_xy) / (1 - r_xm^2) (Bollen 1989, ch. 4), from the implied correlations."""
    df = _latent_mediation_data()
    out = rel.sem_indirect(df, LATENT_MODEL, x="fx", m="fm", y="fy", n_boot=20, rng=1)
    r = out.fit.factor_correlations
    a = r.loc["fx", "fm"]
    b = (r.loc["fm", "fy"] - r.loc["fx", "fm"] * r.loc["fx", "fy"]) / (1 - r.loc["fx", "fm"] ** 2)
    assert out.table.loc["a", "estimate"] == pytest.approx(a, rel=1e-3)
    assert out.table.loc["b", "estimate"] == pytest.approx(b, rel=1e-3)
    assert out.indirect == pytest.approx(a * b, rel=1e-3)
    assert out.meta["n_failed"] == 0 and out.draws.size == out.meta["n_boot"] == 20
    assert out.table.loc["indirect", "ci_low"] < out.indirect < out.table.loc["indirect", "ci_high"]
    assert list(out.table.columns) == ["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]
    assert out.to_dict()["meta"]["n_boot"] == 20 and out.test.report().startswith("Latent mediation of fx -> fy by fm")
    again = rel.sem_indirect(df, LATENT_MODEL, x="fx", m="fm", y="fy", n_boot=20, rng=1)
    np.testing.assert_array_equal(out.draws, again.draws)
    with pytest.raises(rel.RelationshipError, match="the model has no regression fx ~ fm"):
        rel.sem_indirect(df, LATENT_MODEL, x="fm", m="fx", y="fy")


def test_plot_estimates_draws_estimates_and_planted_values():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = pd.DataFrame({"estimate": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6], "planted": [0.25, 0.45]},
                         index=["a", "b"])
    fig, ax = plt.subplots()
    assert rel.plot_estimates(table, ax=ax) is ax
    labels = {round(pos): t.get_text() for pos, t in zip(ax.get_yticks(), ax.get_yticklabels())}
    assert labels == {1: "A", 0: "B"}  # the first row on top, human labels
    planted = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(np.asarray(planted), [[0.25, 1], [0.45, 0]])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "estimate, interval" in legend  # the bars say what they are
    plt.close(fig)
    fig, ax = plt.subplots()
    rel.plot_estimates(table.rename(index={"a": "commitment ~ trust"}), bars="± 1 SD", ax=ax)
    assert "estimate, ± 1 SD" in [t.get_text() for t in ax.get_legend().get_texts()]
    labels = {round(pos): t.get_text() for pos, t in zip(ax.get_yticks(), ax.get_yticklabels())}
    assert labels[1] == "Trust → Commitment / belonging"  # human path labels
    plt.close(fig)
    curve = pd.DataFrame({"n": [50, 100], "power": [0.4, 0.9], "ci_low": [0.3, 0.85], "ci_high": [0.5, 0.94],
                          "reps": [200, 200]})
    fig, ax = plt.subplots()
    assert rel.plot_power(curve, mark=100, mark_label="this survey", ax=ax) is ax
    assert "power, 95% Monte Carlo interval (200 surveys per size)" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    with pytest.raises(rel.RelationshipError, match="plot_estimates: no column 'ci_low'"):
        rel.plot_estimates(table.drop(columns="ci_low"))
