"""Tests of crm_lab.switching (scores, measurement models, hostages, levers, planted truth) and of the
moderation, Johnson-Neyman, batched-OLS, dominance and power functions it uses from crm_lab.regression and
crm_lab.power (moved there from switching; their reference tests stay here for now)."""

import io
import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as sps

from crm_lab import datasets, lifecycle, power, regression, schema
from crm_lab import switching as sw
from crm_lab.regression import RegressionError
from crm_lab.schema import SCALES

# R's datasets::state.x77 (U.S. Department of Commerce 1977), columns Income, Illiteracy, Murder, HS Grad;
# the data of the jtools / interactions vignette "Exploring interactions with continuous predictors".
STATE_X77 = """Income,Illiteracy,Murder,HSGrad
3624,2.1,15.1,41.3
6315,1.5,11.3,66.7
4530,1.8,7.8,58.1
3378,1.9,10.1,39.9
5114,1.1,10.3,62.6
4884,0.7,6.8,63.9
5348,1.1,3.1,56
4809,0.9,6.2,54.6
4815,1.3,10.7,52.6
4091,2,13.9,40.6
4963,1.9,6.2,61.9
4119,0.6,5.3,59.5
5107,0.9,10.3,52.6
4458,0.7,7.1,52.9
4628,0.5,2.3,59
4669,0.6,4.5,59.9
3712,1.6,10.6,38.5
3545,2.8,13.2,42.2
3694,0.7,2.7,54.7
5299,0.9,8.5,52.3
4755,1.1,3.3,58.5
4751,0.9,11.1,52.8
4675,0.6,2.3,57.6
3098,2.4,12.5,41
4254,0.8,9.3,48.8
4347,0.6,5,59.2
4508,0.6,2.9,59.3
5149,0.5,11.5,65.2
4281,0.7,3.3,57.6
5237,1.1,5.2,52.5
3601,2.2,9.7,55.2
4903,1.4,10.9,52.7
3875,1.8,11.1,38.5
5087,0.8,1.4,50.3
4561,0.8,7.4,53.2
3983,1.1,6.4,51.6
4660,0.6,4.2,60
4449,1,6.1,50.2
4558,1.3,2.4,46.4
3635,2.3,11.6,37.8
4167,0.5,1.7,53.3
3821,1.7,11,41.8
4188,2.2,12.2,47.4
4022,0.6,4.5,67.3
3907,0.6,5.5,57.1
4701,1.4,9.5,47.8
4864,0.6,4.3,63.5
3617,1.4,6.7,41.6
4468,0.7,3,54.5
4566,0.6,6.9,62.9
"""


@pytest.fixture(scope="module")
def states():
    return pd.read_csv(io.StringIO(STATE_X77))


@pytest.fixture(scope="module")
def sample():
    survey = datasets.load("survey")
    truth = datasets.load_truth()
    returns = lifecycle.next_edition_returns(datasets.load("participation"))
    returns = returns[returns["edition"] == truth.sizes["survey_edition"]]
    scores = sw.switching_scores(survey).merge(returns[["exhibitor_id", "returned"]], on="exhibitor_id", validate="one_to_one")
    return scores, truth


def _moderate(data, y, x, moderator, **kw):
    """The moderation of x on y by moderator, through the shared regression module."""
    return regression.moderation(data, x=x, moderator=moderator, y=y, **kw)


# ----------------------------------------------------------------------------- published values
def test_moderation_reproduces_the_published_jtools_example(states):
    # jtools vignette "Exploring interactions with continuous predictors in regression models" (Long 2018):
    # summ(lm(Income ~ Illiteracy * Murder, data = states)) and summ(..., center = TRUE).
    raw = _moderate(states, "Income", "Illiteracy", "Murder", center=False)
    t = raw.table
    assert t.loc["Illiteracy", ["estimate", "se"]].tolist() == pytest.approx([617.34, 434.85], abs=0.01)
    assert t.loc["Murder", ["estimate", "se"]].tolist() == pytest.approx([146.82, 50.33], abs=0.01)
    assert raw.interaction.estimate == pytest.approx(-117.10, abs=0.01)
    assert raw.interaction.se == pytest.approx(40.13, abs=0.01)
    centred = _moderate(states, "Income", "Illiteracy", "Murder")
    # centred: the coefficient of Illiteracy is its simple slope at mean Murder (published -246.59, SE 200.26)
    at_mean = centred.simple_slopes.loc["mean"]
    assert at_mean["estimate"] == pytest.approx(-246.59, abs=0.01)
    assert at_mean["se"] == pytest.approx(200.26, abs=0.01)
    assert centred.table.loc["Murder_c", "estimate"] == pytest.approx(9.82, abs=0.01)
    assert centred.table.loc["Murder_c", "se"] == pytest.approx(28.80, abs=0.01)


def test_moderation_with_a_covariate_matches_the_published_interactions_vignette(states):
    # interactions vignette (Long 2024): summ(lm(Income ~ Illiteracy * Murder + `HS Grad`, data = states))
    r = _moderate(states, "Income", "Illiteracy", "Murder", covariates=["HSGrad"], center=False)
    t = r.table
    assert t.loc["Illiteracy", ["estimate", "se"]].tolist() == pytest.approx([753.07, 385.90], abs=0.01)
    assert t.loc["HSGrad", ["estimate", "se"]].tolist() == pytest.approx([40.76, 10.92], abs=0.01)
    assert r.interaction.estimate == pytest.approx(-97.04, abs=0.01)
    assert r.interaction.se == pytest.approx(35.86, abs=0.01)


# ----------------------------------------------------------------------------- simple slopes: refit identity
@pytest.mark.parametrize("family", ["ols", "logit"])
def test_simple_slopes_equal_the_x_coefficient_after_recentring_the_moderator(sample, family):
    scores, _ = sample
    y = "conative" if family == "ols" else "returned"
    r = _moderate(scores, y, "satisfaction", "switching_cost", family=family, confidence=0.9)
    xc = scores["satisfaction"] - scores["satisfaction"].mean()
    for label, row in r.simple_slopes.iterrows():
        frame = pd.DataFrame({"y": scores[y], "x": xc, "w": scores["switching_cost"] - row["moderator"]})
        fit = (smf.ols if family == "ols" else smf.logit)("y ~ x * w", data=frame)
        fit = fit.fit() if family == "ols" else fit.fit(disp=0)
        ci = fit.conf_int(alpha=0.1).loc["x"]
        assert row["estimate"] == pytest.approx(fit.params["x"], rel=1e-6), label
        assert row["se"] == pytest.approx(fit.bse["x"], rel=1e-5), label
        assert [row["ci_low"], row["ci_high"]] == pytest.approx([ci[0], ci[1]], rel=1e-5), label
        assert row["p_value"] == pytest.approx(fit.pvalues["x"], rel=1e-4, abs=1e-12), label


def test_probes_are_mean_and_one_sd_either_side(sample):
    scores, _ = sample
    r = _moderate(scores, "conative", "satisfaction", "switching_cost")
    m, s = scores["switching_cost"].mean(), scores["switching_cost"].std()
    assert r.simple_slopes["moderator"].tolist() == pytest.approx([m - s, m, m + s])
    assert list(r.simple_slopes.index) == ["-1 SD", "mean", "+1 SD"]


# ----------------------------------------------------------------------------- Johnson-Neyman
def _grid_bounds(b, cov, crit, grid):
    slope = b[0] + b[1] * grid
    se = np.sqrt(cov[0, 0] + 2 * grid * cov[0, 1] + grid**2 * cov[1, 1])
    sig = np.abs(slope / se) > crit
    flips = np.flatnonzero(sig[1:] != sig[:-1])
    return grid[flips], sig


def test_johnson_neyman_bounds_match_a_brute_force_grid_and_a_refit(states):
    r = _moderate(states, "Income", "Illiteracy", "Murder", center=False)
    fit = r.model
    names = ["Illiteracy", "Illiteracy:Murder"]
    b, cov = fit.params[names].to_numpy(), fit.cov_params().loc[names, names].to_numpy()
    crit = sps.t.ppf(0.975, fit.df_resid)
    grid = np.linspace(-30, 40, 700_001)
    flips, sig = _grid_bounds(b, cov, crit, grid)
    assert r.jn.bounds == pytest.approx(flips, abs=2e-4)
    assert r.jn.significant == "outside" and not sig[np.argmin(np.abs(grid - np.mean(flips)))]
    # at each bound the refit with Murder re-centred there gives |t| of Illiteracy = the critical t
    for bound in r.jn.bounds:
        refit = smf.ols("Income ~ Illiteracy * w", data=states.assign(w=states["Murder"] - bound)).fit()
        assert abs(refit.tvalues["Illiteracy"]) == pytest.approx(crit, rel=1e-6)


def test_johnson_neyman_on_centred_models_reports_original_units(sample):
    scores, _ = sample
    r = _moderate(scores, "conative", "satisfaction", "switching_cost")
    raw = _moderate(scores, "conative", "satisfaction", "switching_cost", center=False)
    assert r.jn.bounds_original == pytest.approx(raw.jn.bounds, rel=1e-6)
    assert "switching_cost is" in r.jn.report(moderator="switching_cost")


@pytest.mark.parametrize(
    "b, cov, kind",
    [
        ((0.5, -0.01), [[0.01, 0.0], [0.0, 0.01]], "between"),  # the interaction is not significant
        ((0.01, 0.0), [[1.0, 0.0], [0.0, 1.0]], "nowhere"),
        ((2.0, 0.0), [[0.01, 0.0], [0.0, 0.0001]], "between"),  # no interaction: significant near the data only
        ((0.5, 1.0), [[0.01, 0.0], [0.0, 0.01]], "outside"),
    ],
)
def test_johnson_neyman_region_shapes_agree_with_the_grid(b, cov, kind):
    jn = regression.johnson_neyman(b, cov)
    assert jn.significant == kind
    grid = np.linspace(-200, 200, 400_001)
    flips, sig = _grid_bounds(np.asarray(b), np.asarray(cov), sps.norm.ppf(0.975), grid)
    assert np.asarray(jn.bounds) == pytest.approx(flips, abs=2e-3)
    inner = (grid > -150) & (grid < 150)
    assert (jn.is_significant(grid[inner]) == sig[inner]).mean() > 0.9999


def test_slope_inputs_are_checked():
    with pytest.raises(RegressionError, match="'cov' must be a symmetric"):
        regression.johnson_neyman((1, 2), [[1, 0.5], [0.2, 1]])
    with pytest.raises(RegressionError, match="2 finite coefficients"):
        regression.simple_slopes((1, 2, 3), np.eye(2), [0])
    with pytest.raises(RegressionError, match="'confidence'"):
        regression.simple_slopes((1, 2), np.eye(2), [0], confidence=95)


# ----------------------------------------------------------------------------- moderation: bad input
def test_moderation_names_bad_columns_and_rows(sample):
    scores, _ = sample
    with pytest.raises(RegressionError, match=r"no column y='loyalty'"):
        _moderate(scores, "loyalty", "satisfaction", "switching_cost")
    broken = scores.copy()
    broken.loc[[3, 7], "satisfaction"] = np.nan
    with pytest.raises(RegressionError, match=r"'satisfaction' has 2 missing or infinite values \(rows 3, 7\)"):
        _moderate(broken, "conative", "satisfaction", "switching_cost")
    with pytest.raises(RegressionError, match="'exhibitor_id' must be numeric"):
        _moderate(scores, "conative", "exhibitor_id", "switching_cost")
    with pytest.raises(RegressionError, match="needs y 'conative' coded 0/1"):
        _moderate(scores, "conative", "satisfaction", "switching_cost", family="logit")
    with pytest.raises(RegressionError, match=r"'family' must be one of \['ols', 'logit'\]"):
        _moderate(scores, "conative", "satisfaction", "switching_cost", family="probit")
    with pytest.raises(RegressionError, match=r"\['flat'\] are constant"):
        _moderate(scores.assign(flat=1.0), "conative", "satisfaction", "flat")
    with pytest.raises(RegressionError, match="must be different columns"):
        _moderate(scores, "conative", "satisfaction", "satisfaction")
    with pytest.raises(RegressionError, match="at least 7 rows"):
        _moderate(scores.head(5), "conative", "satisfaction", "switching_cost")
    with pytest.raises(RegressionError, match="must be a pandas DataFrame"):
        _moderate(scores.to_numpy(), "conative", "satisfaction", "switching_cost")


def test_standardized_interaction_equals_the_refit_on_z_scores(sample):
    scores, _ = sample
    r = _moderate(scores, "conative", "satisfaction", "switching_cost")
    z = scores[["conative", "satisfaction", "switching_cost"]]
    z = (z - z.mean()) / z.std()
    refit = smf.ols("conative ~ satisfaction * switching_cost", data=z).fit()
    assert r.interaction.extra["standardized"] == pytest.approx(refit.params["satisfaction:switching_cost"], rel=1e-9)


# ----------------------------------------------------------------------------- scores
def test_switching_scores_are_item_and_facet_means(sample):
    survey = datasets.load("survey")
    scores = sw.switching_scores(survey)
    row = survey.iloc[10]
    facets = {f: np.mean([row[i] for i in SCALES[f]]) for f in sw.FACETS}
    assert scores.loc[10, "learning"] == pytest.approx(facets["learning"])
    assert scores.loc[10, "financial"] == pytest.approx((facets["benefit_loss"] + facets["monetary_loss"]) / 2)
    types = [np.mean([facets[f] for f in fs]) for fs in sw.TYPES.values()]
    assert scores.loc[10, "switching_cost"] == pytest.approx(np.mean(types))
    assert scores["exhibitor_id"].tolist() == survey["exhibitor_id"].tolist()


def test_switching_types_match_the_simulator():
    from crm_lab.simulate import SWITCHING_TYPES

    assert sw.TYPES == SWITCHING_TYPES
    assert sw.TYPES is schema.SWITCHING_TYPES and sw.FACETS is schema.SWITCHING_FACETS  # one literal, in schema
    assert set(sw.FACETS) <= set(SCALES)


def test_switching_scores_refuse_missing_items_and_answers():
    survey = datasets.load("survey").head(20)
    with pytest.raises(sw.SwitchingError, match=r"switching_scores: no column 'sc_money2' .*'sc_brand1'"):
        sw.switching_scores(survey.drop(columns=["sc_money2", "sc_brand1"]))
    broken = survey.astype({"sc_learn2": float})
    broken.loc[4, "sc_learn2"] = np.nan
    with pytest.raises(sw.SwitchingError, match=r"'sc_learn2' has 1 missing or infinite values \(rows 4\)"):
        sw.switching_scores(broken)
    with pytest.raises(sw.SwitchingError, match="unknown scale"):
        sw.switching_scores(survey, extra=("happiness",))
    with pytest.raises(sw.SwitchingError, match="'missing' must be one of"):
        sw.switching_scores(survey, missing="maybe")


def test_switching_scores_missing_policies_keep_or_drop_the_incomplete_respondent():
    survey = datasets.load("survey").head(20).astype({"sc_learn2": float})
    survey.loc[4, "sc_learn2"] = np.nan
    with pytest.warns(UserWarning, match="1 of 20 rows"):
        kept = sw.switching_scores(survey, missing="keep")
    assert kept.loc[4, ["learning", "procedural", "switching_cost"]].isna().all()
    assert kept.loc[4, ["financial", "relational", "conative"]].notna().all()
    complete = sw.switching_scores(survey.drop(index=4))
    with pytest.warns(UserWarning, match="dropped 1 of 20 rows"):
        dropped = sw.switching_scores(survey, missing="drop")
    pd.testing.assert_frame_equal(dropped, complete)  # same rows, index labels and id column


def test_measurement_models_use_every_item_once():
    models = sw.measurement_models()
    items = [i for f in sw.FACETS for i in SCALES[f]]
    for name, model in models.items():
        used = [tok for line in model.splitlines() for tok in line.split("=~")[1].replace(" ", "").split("+")]
        used = [u for u in used if u not in sw.FACETS and u not in sw.TYPES]
        assert sorted(used) == sorted(items), name
    assert "procedural =~ economic_risk + evaluation + learning + setup" in models["second_order"]


def test_compare_models_tests_the_nested_pairs_of_the_typology():
    out = sw.compare_models(datasets.load("survey"))
    assert list(out.table.index) == ["one_factor vs three_types", "second_order vs eight_facets"]
    assert list(out.fits.index) == ["one_factor", "three_types", "eight_facets", "second_order"]
    for restricted, general in sw.NESTED_MODELS:
        row = out.table.loc[f"{restricted} vs {general}"]
        assert row["statistic"] == pytest.approx(out.fits.loc[restricted, "chi2"] - out.fits.loc[general, "chi2"], rel=1e-9)
        assert row["df"] == out.fits.loc[restricted, "df"] - out.fits.loc[general, "df"]
    assert set(out.models) == set(sw.measurement_models())


# ----------------------------------------------------------------------------- batched OLS and power
def test_batched_ols_matches_statsmodels_fit_by_fit():
    x, w, y = power.simulate_moderation(60, 5, b_x=0.4, b_m=0.2, b_xm=-0.15, r=0.3, reliability=0.8, rng=3)
    X = power._design(x, w)
    beta, se, df = regression.batched_ols(X, y)
    assert df == 56
    for k in range(5):
        fit = sm.OLS(y[k], X[k]).fit()
        assert beta[k] == pytest.approx(fit.params, rel=1e-9)
        assert se[k] == pytest.approx(fit.bse, rel=1e-9)


def test_power_under_the_null_is_the_significance_level():
    res = power.interaction_power(200, b_x=0.4, b_m=0.2, b_xm=0.0, reps=4000, alpha=0.05, rng=11)
    row = res.set_index("term").loc["x:moderator"]
    assert row["ci_low"] < 0.05 < row["ci_high"]


def test_power_matches_cohens_noncentral_f_with_perfect_measurement():
    # Cohen (1988, ch. 9): f2 = b_xm^2 Var(xw) / psi, lambda = f2 * n
    res = power.interaction_power(300, b_x=0.385, b_m=0.2, b_xm=-0.15, reps=4000, rng=5)
    sim = res.set_index("term").loc["x:moderator", "power"]
    assert sim == pytest.approx(power.analytic_power(300, b_x=0.385, b_m=0.2, b_xm=-0.15), abs=0.03)


def test_measurement_error_attenuates_the_interaction_by_root_reliabilities():
    rel = (0.7, 0.6, 0.75)
    res = power.interaction_power(500, b_x=0.3, b_m=0.2, b_xm=-0.2, reliability=rel, reps=2000, rng=8)
    est = res.set_index("term").loc["x:moderator", "mean_estimate"]
    assert est == pytest.approx(-0.2 * np.sqrt(rel[0] * rel[1] * rel[2]), abs=0.006)


def test_power_curve_is_reproducible_and_chunking_does_not_change_it():
    kw = dict(b_x=0.385, b_m=0.2, b_xm=-0.15, reps=300)
    a = power.power_curve([100, 400], rng=1, **kw)
    b = power.power_curve([100, 400], rng=1, **kw)
    pd.testing.assert_frame_equal(a, b)
    small = power.power_curve([100, 400], rng=1, max_cells=5_000, **kw)
    assert small["power"].tolist() != [] and list(small.columns) == list(a.columns)
    with pytest.raises(power.PowerError, match="explain"):
        power.interaction_power(100, b_x=0.9, b_m=0.5, b_xm=0.1)
    with pytest.raises(power.PowerError, match="'reliability'"):
        power.interaction_power(100, b_x=0.3, b_m=0.2, b_xm=0.1, reliability=(0.5, 1.2, 0.7))


# ----------------------------------------------------------------------------- dominance
def test_dominance_weights_sum_to_r2_and_match_subset_refits(sample):
    scores, _ = sample
    preds = ["procedural", "financial", "relational"]
    result = regression.dominance(scores, y="conative", predictors=preds, n_boot=200, rng=2)
    weights, pairs = result.table, result.pairs
    full = smf.ols("conative ~ " + " + ".join(preds), data=scores).fit().rsquared
    assert weights["estimate"].sum() == pytest.approx(full, rel=1e-9)
    # brute force with statsmodels: R2 of every subset, averaged as Budescu (1993) prescribes
    r2 = {(): 0.0}
    for size in (1, 2, 3):
        for subset in itertools.combinations(preds, size):
            r2[frozenset(subset)] = smf.ols("conative ~ " + " + ".join(subset), data=scores).fit().rsquared
    r2[frozenset()] = 0.0
    for p in preds:
        others = [q for q in preds if q != p]
        levels = [np.mean([r2[frozenset(s) | {p}] - r2[frozenset(s)] for s in itertools.combinations(others, k)]) for k in range(3)]
        assert weights.loc[p, "estimate"] == pytest.approx(np.mean(levels), rel=1e-9)
    assert (weights["ci_low"] <= weights["estimate"]).all() and (weights["estimate"] <= weights["ci_high"]).all()
    assert pairs.loc["procedural", "financial"] + pairs.loc["financial", "procedural"] == pytest.approx(1.0)
    with pytest.raises(RegressionError, match="2 to 8 different columns"):
        regression.dominance(scores, y="conative", predictors=["procedural"])


# ----------------------------------------------------------------------------- hostages, levers, planted truth
def test_barrier_groups_split_at_the_medians(sample):
    scores, _ = sample
    groups = sw.barrier_groups(scores)
    hostage = groups == "hostage"
    assert (scores.loc[hostage, "satisfaction"] <= scores["satisfaction"].median()).all()
    assert (scores.loc[hostage, "switching_cost"] > scores["switching_cost"].median()).all()
    assert groups.value_counts().sum() == len(scores)
    with pytest.raises(sw.SwitchingError, match="'cut' must be one of"):
        sw.barrier_groups(scores, cut="tercile")
    with pytest.raises(sw.SwitchingError, match="barrier_groups: no column switching_cost='barrier'"):
        sw.barrier_groups(scores, switching_cost="barrier")


def test_lever_effects_centre_on_the_point_prediction(sample):
    scores, _ = sample
    r = _moderate(scores, "returned", "satisfaction", "switching_cost", family="logit")
    out = sw.lever_effects(r, {"sat": {"satisfaction": 0.5}}, n_sims=4000, rng=4)
    frame = r.model.model.data.frame
    shifted = frame.assign(satisfaction_c=frame["satisfaction_c"] + 0.5 * scores["satisfaction"].std())
    point = r.model.predict(shifted).mean() - r.model.predict(frame).mean()
    assert out.table.loc["sat", "estimate"] == pytest.approx(point, abs=0.002)
    assert out.table.loc["sat", "ci_low"] < point < out.table.loc["sat", "ci_high"]
    assert out.table.loc["sat", "baseline"] == pytest.approx(r.model.predict(frame).mean(), rel=1e-12)
    with pytest.raises(sw.SwitchingError, match="only \\['satisfaction', 'switching_cost'\\] can be shifted"):
        sw.lever_effects(r, {"bad": {"price": 1.0}})


def test_lever_difference_comes_from_the_same_draws(sample):
    scores, _ = sample
    r = _moderate(scores, "returned", "satisfaction", "switching_cost", family="logit")
    levers = {"sat": {"satisfaction": 0.5}, "sc": {"switching_cost": 0.5}, "none": {}}
    out = sw.lever_effects(r, levers, n_sims=500, rng=4)
    assert list(out.table.columns[:7]) == ["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]
    assert out.draws.shape == (500, 3) and np.allclose(out.draws[:, 2], 0)
    gap = out.difference("sat", "sc")
    d = out.draws[:, 0] - out.draws[:, 1]
    assert gap.estimate == pytest.approx(np.median(d))
    assert gap.extra["p_first_larger"] == pytest.approx(np.mean(d > 0))
    assert gap.ci_low <= gap.estimate <= gap.ci_high
    assert out.difference("sat", "none").estimate == pytest.approx(out.table.loc["sat", "estimate"])
    assert set(out.to_dict()) >= {"table", "meta"}
    with pytest.raises(sw.SwitchingError, match="'price' is not a scenario"):
        out.difference("sat", "price")


def test_power_inputs_run_the_power_curve(sample):
    scores, truth = sample
    ols = _moderate(scores, "conative", "satisfaction", "switching_cost")
    inputs = sw.power_inputs(ols, survey=datasets.load("survey"))
    assert set(inputs) == {"b_x", "b_m", "b_xm", "r", "reliability"}
    assert all(0 < v < 1 for v in inputs["reliability"])
    # the observed (attenuated) interaction, corrected to the latent design the simulation attenuates again
    observed = ols.interaction.extra["standardized"]
    assert abs(inputs["b_xm"]) > abs(observed)
    assert inputs["b_xm"] == pytest.approx(
        power.latent_design(0.0, 0.0, observed, inputs["r"] * np.sqrt(np.prod(inputs["reliability"][:2])),
                            inputs["reliability"])["b_xm"])
    curve = power.power_curve([100], **inputs, reps=50, rng=0)
    assert list(curve["term"]) == ["x", "x:moderator"]
    targets = {"reliability_satisfaction": 0.8, "reliability_switching_cost": 0.6, "reliability_conative": 0.7}
    planted = sw.power_inputs(ols, truth=truth, targets=targets)
    assert planted["b_xm"] == truth.params.con_sat_x_sc and planted["reliability"] == (0.8, 0.6, 0.7)
    with pytest.raises(sw.SwitchingError, match="pass 'targets'"):
        sw.power_inputs(ols, truth=truth)


def test_planted_retention_matches_the_observed_return_rate(sample):
    _, truth = sample
    part = datasets.load("participation")
    planted = sw.planted_retention(truth, part, datasets.load("exhibitors"), datasets.load("sectors"))
    returns = lifecycle.next_edition_returns(part)
    observed = returns.loc[returns["edition"] == truth.sizes["survey_edition"], "returned"]
    se = np.sqrt(planted.mean() * (1 - planted.mean()) / len(observed))
    assert len(planted) == len(observed)
    assert abs(observed.mean() - planted.mean()) < 4 * se
    up = sw.planted_retention(truth, part, datasets.load("exhibitors"), datasets.load("sectors"), shift_satisfaction=0.5)
    assert (up.mean() - planted.mean()) > 0
    with pytest.raises(sw.SwitchingError, match="did not exhibit at the survey edition"):
        sw.planted_retention(truth, part, datasets.load("exhibitors"), datasets.load("sectors"), ids=["E999999"])


def test_interaction_targets_are_near_the_planted_value(sample):
    _, truth = sample
    out = sw.interaction_targets(truth, n_exhibitors=20_000, rng=1)
    assert out["planted"] == -0.15
    assert -0.25 < out["latent"] < -0.08
    assert out["observed"] > out["latent"] - 0.05  # attenuated towards 0
    assert abs(out["observed_without_interaction"]) < 0.08
    assert 0.4 < out["reliability_switching_cost"] < 0.9


def test_group_lever_effects_equal_lever_effects_per_group_with_the_same_draws(sample):
    scores, _ = sample
    r = regression.moderation(scores, x="satisfaction", moderator="switching_cost", y="returned", family="logit")
    groups = sw.barrier_groups(scores).astype(str).to_numpy()
    out = sw.group_lever_effects(r, {"switching_cost": -1.0}, groups, n_sims=300, rng=5)
    assert list(out.table.index) == list(sw.GROUP_ORDER)
    seed = np.random.default_rng(5).integers(2**63)
    for g in sw.GROUP_ORDER:
        one = sw.lever_effects(r, {"s": {"switching_cost": -1.0}}, mask=groups == g, n_sims=300,
                               rng=np.random.default_rng(seed))
        assert out.table.loc[g, "estimate"] == pytest.approx(one.table["estimate"].iloc[0])
        assert out.table.loc[g, "baseline"] == pytest.approx(one.table["baseline"].iloc[0])
    gap = out.difference("hostage", "at_risk")
    d = out.draws[:, 0] - out.draws[:, 1]
    assert gap.estimate == pytest.approx(np.median(d))
    with pytest.raises(sw.SwitchingError, match="one label per respondent"):
        sw.group_lever_effects(r, {"switching_cost": -1.0}, groups[:-1])


def test_moderator_slopes_equal_refits_with_x_recentred(sample):
    scores, _ = sample
    r = regression.moderation(scores, x="satisfaction", moderator="switching_cost", y="conative")
    out = sw.moderator_slopes(r, {"low": 4.0, "high": 6.5})
    for name, value in (("low", 4.0), ("high", 6.5)):
        d = scores.assign(s=scores["satisfaction"] - value,
                          w=scores["switching_cost"] - scores["switching_cost"].mean())
        fit = smf.ols("conative ~ s * w", data=d).fit()
        assert out.loc[name, "estimate"] == pytest.approx(fit.params["w"])
        assert out.loc[name, "se"] == pytest.approx(fit.bse["w"])
    zero = sw.moderator_slope_zero(r)
    assert sw.moderator_slopes(r, {"zero": zero}).loc["zero", "estimate"] == pytest.approx(0, abs=1e-10)


def test_design_t_gives_the_power_of_the_power_curve_and_places_a_sample():
    design = {"b_x": 0.4, "b_m": 0.2, "b_xm": -0.15, "r": 0.3, "reliability": 0.8}
    t = sw.design_t(300, **design, reps=3000, rng=1)
    curve = power.power_curve([300], **design, reps=3000, rng=2)
    at = sw.sample_against_design(-5.0, t, df=296)
    expected = float(curve.loc[curve.term == "x:moderator", "power"].iloc[0])
    assert at["power_ci_low"] - 0.03 <= expected <= at["power_ci_high"] + 0.03
    assert at["sample_rejects"] and at["share_as_extreme"] == pytest.approx(np.mean(np.abs(t) >= 5.0))
    assert at["sample_unusual"] == (at["share_as_extreme"] < 0.05)
    assert not sw.sample_against_design(0.5, t, df=296)["sample_rejects"]


@pytest.mark.parametrize("planted, reliability", [
    ({"b_x": 0.3, "b_m": -0.2, "b_xm": -0.15, "r": 0.35}, (0.8, 0.65, 0.75)),
    ({"b_x": 0.1, "b_m": 0.25, "b_xm": 0.2, "r": -0.2}, (0.7, 0.9, 0.6)),
])
def test_latent_design_recovers_the_planted_design_from_observed_scores(planted, reliability):
    """Regress the observed y on the observed, standardised scores of a large simulated survey, then undo the attenuation."""
    x, w, y = (v[0] for v in power.simulate_moderation(400_000, 1, **planted, reliability=reliability, rng=5))

    def z(v):
        return (v - v.mean()) / v.std()

    design = np.column_stack([np.ones_like(x), z(x), z(w), z(x) * z(w)])
    beta = np.linalg.lstsq(design, z(y), rcond=None)[0]
    observed = dict(zip(("b_x", "b_m", "b_xm"), beta[1:]), r=np.corrcoef(x, w)[0, 1])
    assert abs(observed["b_xm"]) < 0.8 * abs(planted["b_xm"])  # attenuated: the correction has work to do
    latent = power.latent_design(**observed, reliability=reliability)
    for key, value in planted.items():
        assert latent[key] == pytest.approx(value, abs=0.01), key
    assert latent["reliability"] == reliability


def test_latent_design_refuses_impossible_reliabilities():
    with pytest.raises(power.PowerError, match="impossible with reliabilities 0.30 and 0.30"):
        power.latent_design(0.2, 0.1, 0.05, 0.5, (0.3, 0.3, 0.8))
    with pytest.raises(power.PowerError, match="too low for these estimates"):
        power.latent_design(0.6, 0.5, 0.1, 0.1, (0.5, 0.5, 0.5))

