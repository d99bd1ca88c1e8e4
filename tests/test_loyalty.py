"""Tests of crm_lab.loyalty: typologies on hand-built cases, published values, recovery, bad input."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.formula.api as smf
from scipy import stats as sps
from scipy.special import expit

from crm_lab import loyalty as ly
from crm_lab._checks import CrmLabError
from crm_lab.loyalty import LoyaltyError
from crm_lab.results import TABLE_COLUMNS, coef_table
from crm_lab.simulate import MarketParams, simulate_market


@pytest.fixture(scope="module")
def market():
    return simulate_market(1500, n_visitors=100, kano_respondents=10, rng=5)


@pytest.fixture(scope="module")
def frame(market):
    f = ly.exhibitor_frame(market.tables)
    return f.assign(attitude=f[list(ly.LAYERS)].mean(axis=1))


# ------------------------------------------------------------ typologies
def test_dick_basu_hand_built_cases_with_explicit_thresholds():
    t = ly.dick_basu(
        pd.Series([6.0, 6.0, 2.0, 2.0, 4.0], index=list("abcde")),
        pd.Series([5, 1, 5, 1, 3], index=list("abcde")),
        attitude_threshold=4,
        patronage_threshold=3,
    )
    # e sits exactly on both thresholds: "high" is strictly above, so e is low on both
    assert t.labels.tolist() == ["true", "latent", "spurious", "none", "none"]
    assert list(t.labels.index) == list("abcde")
    assert t.thresholds == {"attitude": 4.0, "patronage": 3.0}
    assert t.table["n"].tolist() == [1, 1, 1, 2]
    assert t.table["estimate"].sum() == pytest.approx(1)
    assert t.shares.tolist() == pytest.approx([0.2, 0.2, 0.2, 0.4])


def test_dick_basu_default_thresholds_are_the_medians():
    attitude = [1, 2, 3, 4, 5, 6]  # median 3.5
    patronage = [6, 1, 5, 2, 4, 3]  # median 3.5
    t = ly.dick_basu(attitude, patronage)
    assert t.thresholds == {"attitude": 3.5, "patronage": 3.5}
    assert t.labels.tolist() == ["spurious", "none", "spurious", "latent", "true", "latent"]
    # a user-set threshold moves the shares
    t2 = ly.dick_basu(attitude, patronage, attitude_threshold=0)
    assert set(t2.labels) == {"true", "latent"}


def test_jones_sasser_hand_built_cases():
    t = ly.jones_sasser([7, 7, 1, 1, 4], [7, 1, 7, 1, 4], satisfaction_threshold=4, loyalty_threshold=4)
    assert t.labels.tolist() == ["loyalist", "mercenary", "hostage", "terrorist", "terrorist"]
    assert list(t.labels.cat.categories) == ["loyalist", "mercenary", "hostage", "terrorist"]
    assert "thresholds: satisfaction > 4" in t.summary()
    assert "<table" in t._repr_html_()


def test_typology_table_has_wilson_intervals():
    t = ly.jones_sasser([7] * 81 + [1] * 182, [7] * 263, satisfaction_threshold=4, loyalty_threshold=4)
    row = t.table.loc["loyalist"]
    # Newcombe (1998), Table I, example 81/263: Wilson 0.2553 to 0.3662
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.2553, 0.3662), abs=1e-4)


@pytest.mark.parametrize(
    "x, y, kwargs, message",
    [
        ([1, np.nan, 3], [1, 2, 3], {}, "column 'attitude' has 1 missing or infinite values (rows 1)"),
        ([1, 2, 3], [1, 2], {}, "same length (got 3 and 2)"),
        (["a", "b"], [1, 2], {}, "column 'attitude' must be numeric: rows 0, 1 hold 'a', 'b'"),
        ([True, False], [1, 2], {}, "column 'attitude' must be numeric (got dtype bool)"),
        ([1], [1], {}, "needs at least 2 complete rows (got 1)"),
        ([1, 2], [1, 2], {"attitude_threshold": "high"}, "'attitude_threshold' must be a finite number"),
        ([1, 2], [1, 2], {"patronage_threshold": True}, "'patronage_threshold' must be a finite number"),
        ([1, 2], [1, 2], {"confidence": 1.5}, "'confidence' must be > 0 and < 1"),
        ([[1, 2]], [1, 2], {}, "must be one-dimensional"),
    ],
)
def test_dick_basu_bad_input(x, y, kwargs, message):
    with pytest.raises(LoyaltyError) as info:
        ly.dick_basu(x, y, **kwargs)
    assert message in str(info.value)


def test_typology_reports_every_bad_option_at_once():
    with pytest.raises(LoyaltyError) as info:
        ly.dick_basu([1, 2], [1, 2], attitude_threshold="high", confidence=95)
    assert "'confidence' must be > 0 and < 1 (got 95)" in str(info.value)
    assert "'attitude_threshold' must be a finite number (got 'high')" in str(info.value)
    assert issubclass(LoyaltyError, CrmLabError)


def test_typology_is_a_protocol_result():
    t = ly.dick_basu([6, 6, 2, 2, 4], [5, 1, 5, 1, 3], attitude_threshold=4, patronage_threshold=3, confidence=0.9)
    assert list(t.table.columns) == [*TABLE_COLUMNS, "n"]
    assert t.table.index.name == "type" and t.confidence == 0.9
    assert {"n", "confidence", "method", "citation"} <= set(t.meta) and t.meta["n"] == 5
    d = t.to_dict()
    assert d["meta"]["thresholds"] == {"attitude": 4.0, "patronage": 3.0}
    assert [row["type"] for row in d["table"]] == ["true", "latent", "spurious", "none"]
    assert "Dick, A. S., & Basu, K. (1994)" in t.summary()


def test_typology_refuses_series_of_different_exhibitors():
    with pytest.raises(LoyaltyError, match="same index"):
        ly.jones_sasser(pd.Series([1.0, 2.0], index=["E1", "E2"]), pd.Series([1.0, 2.0], index=["E2", "E1"]))


def test_threshold_sensitivity_matches_the_typology_and_sums_to_one(frame):
    sens = ly.threshold_sensitivity(frame["attitude"], frame["editions_attended"], quantiles=(0.25, 0.5, 0.75))
    assert len(sens) == 9
    assert sens[list(ly.DICK_BASU_TYPES)].sum(axis=1).to_numpy() == pytest.approx(np.ones(9))
    mid = sens[(sens.x_quantile == 0.5) & (sens.y_quantile == 0.5)].iloc[0]
    t = ly.dick_basu(frame["attitude"], frame["editions_attended"])
    for name in ly.DICK_BASU_TYPES:
        assert mid[name] == pytest.approx(t.table.loc[name, "estimate"])
    with pytest.raises(LoyaltyError, match="'kind'"):
        ly.threshold_sensitivity([1, 2], [1, 2], kind="kano")
    with pytest.raises(LoyaltyError, match="'quantiles'"):
        ly.threshold_sensitivity([1, 2], [1, 2], quantiles=(0.5, 1.0))


def test_loyalty_types_rules_on_hand_built_exhibitors():
    hi, lo = 7.0, 1.0
    rows = {
        # satisfaction, trust, switching_cost, financial_sc, affective, conative, attitude, editions, monopoly
        "monopoly_hostage": (lo, lo, hi, lo, lo, hi, lo, 1, 1),
        "inertia": (lo, lo, lo, lo, lo, lo, lo, 6, 0),
        "interest": (hi, lo, lo, hi, lo, hi, lo, 1, 0),
        "trust": (hi, hi, lo, lo, hi, hi, hi, 6, 0),
        "latent": (hi, lo, lo, lo, lo, lo, hi, 1, 0),
        "competitive_hostage": (lo, lo, hi, lo, lo, hi, lo, 1, 0),
    }
    cols = ["satisfaction", "trust", "switching_cost", "financial_sc", "affective", "conative", "attitude", "editions_attended", "monopoly"]
    df = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    flags = ly.loyalty_types(df, thresholds={c: 4 for c in cols[:-2]} | {"editions_attended": 3})
    expected = {
        "monopoly_hostage": {"monopoly"},
        "inertia": {"inertia"},
        "interest": {"interest"},
        "trust": {"trust"},
        "latent": {"latent"},
        "competitive_hostage": set(),
    }
    for who, types in expected.items():
        got = {t for t in ["monopoly", "inertia", "interest", "trust", "latent"] if flags.loc[who, t]}
        assert got == types, who
    assert flags["kinship"].isna().all()  # not observable in the data
    assert not ly.LOYALTY_TYPES.loc["kinship", "observable"]
    with pytest.raises(LoyaltyError, match="no column 'trust'"):
        ly.loyalty_types(df.drop(columns="trust"))
    with pytest.raises(LoyaltyError, match="unknown columns \\['sat'\\]"):
        ly.loyalty_types(df, thresholds={"sat": 4})


# ------------------------------------------------------------ NPS
def test_net_promoter_definition_and_trinomial_variance():
    scores = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5]
    r = ly.net_promoter(scores)
    assert (r.promoters, r.detractors, r.nps) == pytest.approx((0.4, 0.4, 0.0))
    # the +1/0/-1 score's variance from scipy's multinomial covariance
    p = np.array([0.4, 0.2, 0.4])
    cov = sps.multinomial(1, p).cov()
    w = np.array([1, 0, -1])
    assert r.se == pytest.approx(math.sqrt(w @ cov @ w / len(scores)))
    assert r.ci_low == pytest.approx(-1.959964 * r.se, rel=1e-6)
    # the protocol: one tidy row, meta, JSON-plain
    assert list(r.table.columns) == [*TABLE_COLUMNS, "promoters", "passives", "detractors", "n"]
    assert r.table.loc["nps", "estimate"] == r.nps and r.meta["n"] == r.n == 10
    assert r.to_dict()["table"][0]["promoters"] == pytest.approx(0.4)
    assert "Reichheld" in r.summary()


def test_nps_difference_is_a_wald_test():
    a, b = [10] * 30 + [5] * 10, [10] * 10 + [8] * 10 + [2] * 20
    res = ly.nps_difference(a, b, labels=("loyal", "other"))
    ra, rb = ly.net_promoter(a), ly.net_promoter(b)
    assert res.estimate == pytest.approx(0.5 - (-0.25))
    se = math.hypot(ra.se, rb.se)
    assert res.statistic == pytest.approx(res.estimate / se)
    assert res.p_value == pytest.approx(2 * sps.norm.sf(res.estimate / se))
    assert set(res.extra["groups"]) == {"loyal", "other"}
    assert res.extra["groups"]["loyal"]["nps"] == pytest.approx(0.5)


@pytest.mark.parametrize("scores, message", [([1, 11], "whole numbers from 0 to 10"), ([7.5, 9], "whole numbers from 0 to 10"), ([1, None], "missing")])
def test_net_promoter_bad_scores(scores, message):
    with pytest.raises(CrmLabError, match=message):  # satisfaction.nps, the one NPS, raises SatisfactionError
        ly.net_promoter(pd.Series(scores, dtype=float))


# ------------------------------------------------------------ ordinal regression
UCLA = Path(statsmodels.__file__).parent / "miscmodels" / "tests" / "results" / "ologit_ucla.csv"


@pytest.mark.skipif(not UCLA.is_file(), reason="statsmodels installed without its test data")
def test_ordinal_regression_matches_r_mass_polr_on_the_ucla_data():
    # R 3.4.4, MASS::polr(apply ~ pared + public + gpa, method = "logit"), as recorded in
    # statsmodels/miscmodels/tests/results/results_ordinal_model.py (UCLA IDRE ordinal logistic example)
    df = pd.read_csv(UCLA)
    df["apply"] = pd.Categorical(df["apply"], categories=["unlikely", "somewhat likely", "very likely"], ordered=True)
    fit = ly.ordinal_regression(df, tier="apply", predictors=["pared", "public", "gpa"], standardize=False)
    table = fit.table
    # polr stops its optimiser (BFGS) earlier than our Newton fit: agreement to 5e-4, 1/500 of an SE
    assert table["estimate"].to_numpy() == pytest.approx([1.04769011, -0.05878572, 0.61594057], abs=5e-4)
    assert table["se"].to_numpy() == pytest.approx([0.2658, 0.2979, 0.2606], abs=1e-3)
    assert fit.thresholds.to_numpy() == pytest.approx([2.203915, 4.299363], abs=1e-3)
    assert table.loc["pared", "odds_ratio"] == pytest.approx(2.851, abs=1e-3)  # UCLA: exp(1.0477)
    assert fit.meta["n"] == 400
    # the protocol: the coefficient table of the fitted statsmodels model, odds ratios beside it
    assert list(table.columns) == [*TABLE_COLUMNS, "odds_ratio", "or_low", "or_high"]
    pd.testing.assert_frame_equal(table[list(TABLE_COLUMNS)], coef_table(fit.model).loc[["pared", "public", "gpa"]],
                                  check_names=False)
    assert fit.to_dict()["thresholds"] == pytest.approx({"unlikely|somewhat likely": fit.thresholds.iloc[0],
                                                         "somewhat likely|very likely": fit.thresholds.iloc[1]})


def test_loyalty_tiers_and_bad_input():
    tiers = ly.loyalty_tiers(pd.Series([1.0, 2, 3, 4, 5, 6], index=list("abcdef")))
    assert tiers.tolist() == ["low", "low", "middle", "middle", "high", "high"]
    assert tiers.cat.ordered and list(tiers.index) == list("abcdef")
    with pytest.raises(LoyaltyError, match="'cuts'"):
        ly.loyalty_tiers([1, 2, 3], cuts=(0.7, 0.3))
    with pytest.raises(LoyaltyError, match="'labels' must be 3"):
        ly.loyalty_tiers([1, 2, 3], labels=("low", "high"))


def test_ordinal_regression_bad_input(frame):
    df = frame.assign(tier=ly.loyalty_tiers(frame["attitude"]))
    with pytest.raises(LoyaltyError, match="ordered categorical"):
        ly.ordinal_regression(df.assign(tier=df["tier"].astype(str)), tier="tier", predictors=["trust"])
    with pytest.raises(LoyaltyError, match=r"no column predictors\[0\]='trusts' \(did you mean 'trust'\?\)"):
        ly.ordinal_regression(df, tier="tier", predictors=["trusts"])
    with pytest.raises(LoyaltyError, match="do not vary"):
        ly.ordinal_regression(df.assign(c=1.0), tier="tier", predictors=["c"])


# ------------------------------------------------------------ the curve
def _logistic_sample(n, rng, b_int):
    gen = np.random.default_rng(rng)
    sat = gen.normal(5, 1, n)
    mono = gen.integers(0, 2, n)
    eta = -3 + 0.8 * sat + 1.5 * mono + b_int * sat * mono
    return pd.DataFrame({"satisfaction": sat, "monopoly": mono, "returned": (gen.random(n) < expit(eta)).astype(int)})


def test_return_curve_recovers_a_planted_interaction_and_matches_statsmodels_logit():
    d = _logistic_sample(6000, 1, b_int=-0.5)
    c = ly.fit_return_curve(d)
    ref = smf.logit("returned ~ satisfaction * monopoly", data=d).fit(disp=0)
    assert c.full.params.to_numpy() == pytest.approx(ref.params.to_numpy(), rel=1e-6)
    assert c.full.bse.to_numpy() == pytest.approx(ref.bse.to_numpy(), rel=1e-4)
    b, se = c.full.params["satisfaction:monopoly"], c.full.bse["satisfaction:monopoly"]
    assert abs(b - (-0.5)) < 4 * se
    restricted = smf.logit("returned ~ satisfaction + monopoly", data=d).fit(disp=0)
    assert c.test.statistic == pytest.approx(2 * (ref.llf - restricted.llf), rel=1e-6)
    assert c.test.df == 1 and c.test.p_value < 1e-6
    assert c.test.estimate > 0  # the competitive curve rises more
    # the curve is the mean prediction with everyone set to (s, structure)
    row = c.curve[c.curve.market_structure == "monopoly"].iloc[5]
    assert row["p"] == pytest.approx(ref.predict(d.assign(satisfaction=row["satisfaction"], monopoly=1)).mean())
    assert (c.curve["ci_low"] <= c.curve["p"]).all() and (c.curve["p"] <= c.curve["ci_high"]).all()
    # the protocol: the coefficients of the full model, the test and the curve in to_dict
    pd.testing.assert_frame_equal(c.table, coef_table(c.full))
    assert c.meta["n"] == 6000 and c.meta["confidence"] == 0.95
    d = c.to_dict()
    assert d["test"]["df"] == 1 and len(d["curve"]) == len(c.curve)
    assert "Likelihood-ratio test of satisfaction × market structure" in c.summary()


def test_return_curve_without_interaction_is_not_rejected_too_often():
    p = [ly.fit_return_curve(_logistic_sample(800, seed, b_int=0.0), n_grid=2).test.p_value for seed in range(40)]
    assert np.mean(np.array(p) < 0.05) <= 0.15  # about 5% expected; 40 replications


def test_return_curve_spline_and_dropped_rows():
    d = _logistic_sample(1500, 2, b_int=-0.5)
    d.loc[d.index[:7], "returned"] = np.nan
    c = ly.fit_return_curve(d, spline_df=4)
    assert c.test.df == 4 and c.test.extra["dropped"] == 7 and c.test.n == 1493 and c.meta["dropped"] == 7


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.assign(returned=d["returned"] * 2), "'returned' must be 0/1"),
        (lambda d: d.assign(monopoly=0), "both market structures"),
        (lambda d: d.assign(monopoly=d["monopoly"] + 1), "'monopoly' must be 0/1"),
        (lambda d: d.drop(columns="satisfaction"), "no column satisfaction='satisfaction'"),
    ],
)
def test_return_curve_bad_input(change, message):
    # (see also test_no_next_edition_is_named)
    with pytest.raises(LoyaltyError, match=message):
        ly.fit_return_curve(change(_logistic_sample(200, 3, b_int=0)))


# ------------------------------------------------------------ layers
def test_chain_regressions_recover_the_planted_paths_on_latent_scores():
    m = simulate_market(20000, n_visitors=100, kano_respondents=10, rng=3)
    est = ly.chain_regressions(m.truth.latent)
    planted = np.array([m.truth.path(lhs, rhs) for lhs, rhs in zip(est.lhs, est.rhs)])
    assert (np.abs(est["estimate"] - planted) < 4 * est["se"]).all()


def test_chain_regressions_on_observed_scores_are_attenuated(frame):
    table = ly.chain_regressions(frame)
    assert list(table.columns) == ["lhs", "rhs", *TABLE_COLUMNS]
    est = table.set_index(["lhs", "rhs"])["estimate"]
    assert 0 < est["cognitive", "satisfaction"] < 0.55


def test_action_stage_lr_test(frame):
    out = ly.action_stage(frame)
    assert out.test.statistic == pytest.approx(2 * (out.all_at_once.llf - out.chain.llf))
    assert out.test.df == 2
    assert out.dropped == 0 and out.meta["dropped"] == 0
    chain_or = out.table.loc[("chain", "conative"), "odds_ratio"]
    assert chain_or > 1  # coming back rises with conative loyalty
    assert chain_or == pytest.approx(math.exp(out.chain.params["conative"]))
    assert list(out.table.index) == [("chain", "conative"), *(("all_at_once", layer) for layer in ly.LAYERS)]
    assert out.to_dict()["test"]["df"] == 2


# ------------------------------------------------------------ the frame
def test_exhibitor_frame_counts_patronage_and_returns(market, frame):
    panel = market.tables["participation"]
    e = frame.index[0]
    survey_edition = int(frame.loc[e, "edition"])
    own = panel[panel.exhibitor_id == e]
    assert frame.loc[e, "editions_attended"] == own.loc[own.edition <= survey_edition, "participated"].sum()
    assert frame.loc[e, "returned"] == own.loc[own.edition == survey_edition + 1, "participated"].iloc[0]
    sectors = market.tables["sectors"].set_index("sector")["market_structure"]
    assert (frame["monopoly"] == (frame["sector"].map(sectors) == "monopoly")).all()
    assert len(frame) == len(market.tables["survey"])
    with pytest.raises(LoyaltyError, match="lacks the table\\(s\\) 'sectors'"):
        ly.exhibitor_frame({k: v for k, v in market.tables.items() if k != "sectors"})


def test_layer_scores_name_missing_items():
    survey = pd.DataFrame({"cog1": [1, 2], "cog2": [3, None], "cog3": [5, 6]})
    with pytest.raises(CrmLabError, match=r"column 'cog2' has 1 missing or infinite values \(rows 1\)"):
        ly.layer_scores(survey, scales={"cognitive": ("cog1", "cog2", "cog3")})
    with pytest.raises(CrmLabError, match="no column 'sat1'"):
        ly.layer_scores(survey)
    with pytest.warns(UserWarning, match="1 of 2 rows have a missing item"):
        kept = ly.layer_scores(survey, scales={"cognitive": ("cog1", "cog2", "cog3")}, missing="keep")
    assert kept["cognitive"].tolist()[0] == 3.0 and np.isnan(kept["cognitive"].iloc[1])


# ------------------------------------------------------------ competitor entry
def test_entry_simulation_stage_free_matches_the_geometric_survival():
    p = 0.8
    sim = ly.simulate_competitor_entry(np.full(400, np.log(p / (1 - p))), np.full(400, 0.0), n_editions=3, n_reps=200, rng=1)
    sq = sim[sim.scenario == "no rival"].set_index("edition_ahead")["mean"]
    en = sim[sim.scenario == "rival opens"].set_index("edition_ahead")["mean"]
    assert sq.to_numpy() == pytest.approx([1, p, p**2, p**3], abs=0.01)
    assert en.to_numpy() == pytest.approx([1, 0.5, 0.25, 0.125], abs=0.01)
    extra = sim[sim.scenario == "extra leavers"]
    assert (extra["low"] <= extra["mean"]).all() and (extra["mean"] <= extra["high"]).all()


def test_entry_simulation_with_stages_and_common_random_numbers():
    logits = np.array([[-1.0], [0.0], [3.0], [-3.0]]).repeat(50, axis=1)  # by stage
    same = ly.simulate_competitor_entry(logits, logits, stage=np.zeros(50, int), transition=np.eye(4), n_editions=4, n_reps=100, rng=2)
    extra = same[same.scenario == "extra leavers"]
    assert (extra[["mean", "low", "high"]].to_numpy() == 0).all()  # same logits, same draws: no difference
    stay = same[same.scenario == "no rival"]["mean"].to_numpy()
    assert stay == pytest.approx(expit(-1.0) ** np.arange(5), abs=0.02)  # stays in exploration
    again = ly.simulate_competitor_entry(logits, logits, stage=np.zeros(50, int), transition=np.eye(4), n_editions=4, n_reps=100, rng=2)
    pd.testing.assert_frame_equal(same, again)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"entry": np.zeros(3)}, "same shape"),
        ({"stage": np.zeros(4, int)}, "must have shape \\(4, 4\\)"),
        ({"status_quo": np.zeros((4, 4)), "entry": np.zeros((4, 4)), "stage": np.zeros(4, int), "transition": np.ones((4, 4))}, "rows summing to 1"),
        ({"status_quo": np.zeros((4, 4)), "entry": np.zeros((4, 4)), "stage": np.zeros(4, int)}, "'transition' is needed"),
        ({"confidence": 1.5}, r"'confidence' must be > 0 and < 1 \(got 1.5\)"),
        ({"n_reps": 0}, "'n_reps' must be an integer >= 1"),
        ({"status_quo": np.array([np.nan, 0.0, 0.0, 0.0])}, "finite logits"),
    ],
)
def test_entry_simulation_bad_input(kwargs, message):
    args = {"status_quo": np.zeros(4), "entry": np.zeros(4)} | kwargs
    with pytest.raises(LoyaltyError, match=message):
        ly.simulate_competitor_entry(args.pop("status_quo"), args.pop("entry"), **args)


def test_planted_entry_logits_follow_the_simulator():
    p = MarketParams()
    latent = pd.DataFrame({"satisfaction": [-1.0, 1.0, 0.0], "conative": [0.5, 0.5, 0.5]})
    sq, en = ly.planted_entry_logits(latent, [1, 1, 0], p)
    assert sq[:, 0] == pytest.approx(np.array(p.return_intercepts) + 0.5 + p.return_monopoly)
    # a rival removes the monopoly effect and the monopoly part of switching costs
    drop = p.sc_monopoly * (p.con_sc + p.con_sat_x_sc * -1.0)
    assert en[:, 0] == pytest.approx(np.array(p.return_intercepts) + p.return_conative * (0.5 - drop))
    assert en[0, 0] < en[0, 1] < sq[0, 1]  # the dissatisfied lose more
    assert sq[:, 2] == pytest.approx(en[:, 2])  # competitive sectors are unchanged


def test_layer_sequence_nested_models_on_the_sample():
    from crm_lab import datasets

    out = ly.layer_sequence(datasets.load("survey"))
    assert list(out.fits.index) == ["chain", "planted", "all_at_once"]
    dfs = out.fits["df"]
    assert dfs["chain"] - dfs["planted"] == 3 and dfs["planted"] - dfs["all_at_once"] == 3
    assert out.tests["chain vs all_at_once"].df == 6
    # the sample was simulated with direct satisfaction and commitment paths: the strict chain is rejected
    assert out.tests["chain vs all_at_once"].p_value < 1e-6
    assert set(out.models["planted"].paths["rhs"]) == {"satisfaction", "cognitive", "commitment", "affective"}
    # one row per comparison, the same numbers as the tests
    assert list(out.table.index) == ["chain vs planted", "chain vs all_at_once", "planted vs all_at_once"]
    assert out.table.loc["chain vs all_at_once", "statistic"] == out.tests["chain vs all_at_once"].statistic


def test_paths_beside_truth_and_worth_tests(frame, market):
    table = ly.paths_beside_truth(market.truth, {"observed": ly.chain_regressions(frame)})
    assert table.loc[("cognitive", "satisfaction"), "planted"] == pytest.approx(0.55)
    assert list(table.columns) == ["planted", "observed"]
    assert ly.paths_beside_truth(None, {"observed": ly.chain_regressions(frame)})["planted"].isna().all()
    loyal = frame["attitude"].gt(frame["attitude"].median()).to_numpy()
    worth = ly.worth_tests(frame, loyal)
    assert list(worth.tests) == ["nps", "price_sensitivity", "failure_tolerance", "complaints", "spend"]
    assert list(worth.table.index) == list(worth.tests)
    assert worth.tests["failure_tolerance"].estimate > 0 and worth.tests["price_sensitivity"].estimate < 0
    for name, test in worth.tests.items():
        row = worth.table.loc[name]
        assert (row["estimate"], row["ci_low"], row["p_value"], row["effect"]) == (test.estimate, test.ci_low, test.p_value, test.effect)
    assert worth.meta["n_loyal"] == int(loyal.sum()) and len(worth.to_dict()["table"]) == 5
    with pytest.raises(LoyaltyError, match="both loyal"):
        ly.worth_tests(frame, np.ones(len(frame), bool))
    with pytest.raises(LoyaltyError, match="booleans, one per row"):
        ly.worth_tests(frame, loyal[:5])


def test_no_next_edition_is_named(frame):
    unknown = frame.assign(returned=np.nan)
    with pytest.raises(LoyaltyError, match="known for only 0 rows"):
        ly.fit_return_curve(unknown)
    with pytest.raises(LoyaltyError, match="no next edition"):
        ly.action_stage(unknown)


# --------------------------------------------------------------------------
# split diagnostics, verdicts, response-style-corrected scores, paths figure
# --------------------------------------------------------------------------
def test_split_summary_counts_ties_as_low_and_flags_a_degenerate_axis():
    x, y = [4, 5, 5, 7], [1, 6, 6, 6]
    t = ly.jones_sasser(x, y, satisfaction_threshold=5, loyalty_threshold=6)
    s = ly.split_summary(t, x, y)
    assert s.loc["satisfaction", "share_high"] == 0.25 and s.loc["satisfaction", "share_at"] == 0.5
    assert s.loc["satisfaction", "largest_low"] == 5 and not s.loc["satisfaction", "degenerate"]
    assert s.loc["loyalty", "share_high"] == 0 and s.loc["loyalty", "degenerate"]  # threshold = the maximum


def test_degenerate_splits_names_the_quantile_that_falls_on_the_maximum(frame):
    sens = ly.threshold_sensitivity(frame["attitude"], frame["editions_attended"])
    assert {"x_high", "y_high"} <= set(sens.columns)
    notes = ly.degenerate_splits(sens, names=("attitude", "patronage"))
    expected = sorted(set(sens.loc[sens.y_high.isin([0, 1]), "y_quantile"])) + sorted(set(sens.loc[sens.x_high.isin([0, 1]), "x_quantile"]))
    assert len(notes) == len(expected)
    for r in sens.itertuples():
        if r.y_high == 0:
            assert r.true == 0 and r.spurious == 0
    with pytest.raises(LoyaltyError, match="x_high"):
        ly.degenerate_splits(sens.drop(columns="x_high"))


def test_interval_verdict_agrees_with_say_interval_and_say_covers():
    from crm_lab.results import interval_verdict, say_covers, say_interval

    assert ly.interval_verdict is interval_verdict  # one implementation, re-exported for notebook 04
    for est, lo, hi, planted in [(0.19, 0.02, 0.36, 0.05), (0.05, -0.02, 0.12, 0.2), (-0.3, -0.5, -0.1, None)]:
        v = interval_verdict((est, lo, hi), planted)
        assert v["excludes_null"] == ("excludes" in say_interval((est, lo, hi, 0.95), "x"))
        if planted is None:
            assert v["planted_covered"] is None and v["ratio_to_planted"] is None
        else:
            assert v["planted_covered"] == ("covers" in say_covers((est, lo, hi, 0.95), planted, "the planted value"))


def test_style_corrected_scores_shrink_the_planted_southern_reserve():
    from crm_lab.simulate import simulate_market

    market = simulate_market(1500, n_visitors=100, kano_respondents=10, rng=3)
    survey = market.tables["survey"].join(market.tables["exhibitors"].set_index("exhibitor_id")["region"], on="exhibitor_id")
    scores = ly.layer_scores(market.tables["survey"])
    corrected = ly.style_corrected_scores(survey)
    assert list(corrected.columns) == ["satisfaction", "conative"]

    def gap(values):
        z = (values - values.mean()) / values.std()
        return z[survey["region"].eq("south_china")].mean() - z[survey["region"].eq("north_china")].mean()

    assert gap(corrected["satisfaction"]) > gap(scores["satisfaction"])  # the reserve made the south look worse
    with pytest.raises(LoyaltyError, match="'scales'"):
        ly.style_corrected_scores(survey, scales=["sat"])


def test_plot_paths_draws_one_bar_set_per_method_and_the_planted_diamonds():
    import matplotlib.pyplot as plt

    paths = pd.DataFrame({"planted": [0.4, 0.3], "SEM": [0.38, 0.25], "OLS": [0.3, np.nan]},
                         index=pd.MultiIndex.from_tuples([("affective", "cognitive"), ("conative", "satisfaction:switching_cost")]))
    fig, ax = plt.subplots()
    ly.plot_paths(paths, ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[1].endswith("→ Conative loyalty (intention)") and "×" in labels[1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["planted value", "SEM", "OLS"]
    plt.close(fig)
