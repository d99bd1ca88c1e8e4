"""Tests of crm_lab.satisfaction: hand-computed formulas, published definitions, planted truth, bad input."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from crm_lab import satisfaction as sat  # noqa: E402
from crm_lab import simulate_market  # noqa: E402
from crm_lab._checks import CrmLabError  # noqa: E402
from crm_lab.results import TABLE_COLUMNS  # noqa: E402
from crm_lab.satisfaction import SatisfactionError  # noqa: E402


@pytest.fixture(scope="module")
def market():
    """A large simulated market (about 1,400 survey respondents), built once."""
    return simulate_market(6000, n_visitors=300, rng=11)


@pytest.fixture(scope="module")
def survey(market):
    return market["survey"].merge(market["exhibitors"][["exhibitor_id", "region", "sector", "size_class"]],
                                  on="exhibitor_id")


def _small():
    return pd.DataFrame({
        "exp_venue": [5, 6, 4, 5, 6, 3], "perc_venue": [6, 6, 5, 7, 6, 5],
        "exp_staff": [6, 6, 5, 7, 5, 6], "perc_staff": [5, 4, 5, 6, 3, 5],
        "imp_venue": [7, 6, 7, 6, 7, 6], "imp_staff": [3, 4, 3, 2, 4, 3],
        "overall_sat": [6, 5, 6, 7, 4, 5],
    })


# ------------------------------------------------------------ C = b / a
def test_index_hand_computed_ratios_and_levels_at_cut_points():
    # hand-computed: 7/5 = 1.4, 5/5 = 1, 2/6 = 0.333, 4.5/5 = 0.9 (exactly on c2), 2.5/5 = 0.5 (on c1), 5.5/5 = 1.1 (on c3)
    r = sat.index([7, 5, 2, 4.5, 2.5, 5.5, 4], [5, 5, 6, 5, 5, 5, 5])
    assert r["index"].round(6).tolist() == [1.4, 1.0, 0.333333, 0.9, 0.5, 1.1, 0.8]
    assert r["level"].tolist() == ["highly satisfied", "satisfied", "extremely dissatisfied", "satisfied",
                                   "dissatisfied", "highly satisfied", "dissatisfied"]
    assert list(r["level"].cat.categories) == list(sat.LEVELS) and r["level"].cat.ordered
    # zero perceived value: C = 0, extremely dissatisfied
    assert sat.index([0], [4])["level"].tolist() == ["extremely dissatisfied"]


def test_index_keeps_the_series_index_and_custom_cuts():
    b, a = pd.Series([6, 3], index=["E1", "E2"]), pd.Series([6, 6], index=["E1", "E2"])
    r = sat.index(b, a, cuts=(0.4, 0.6, 1.0))
    assert list(r.index) == ["E1", "E2"] and r["level"].tolist() == ["highly satisfied", "dissatisfied"]


def test_index_zero_or_negative_expectation_names_rows():
    with pytest.raises(SatisfactionError, match=r"'expected' must be > 0.*rows E2, E4"):
        sat.index(pd.Series([5, 5, 5, 5], index=["E1", "E2", "E3", "E4"]), pd.Series([5, 0, 4, -1], index=["E1", "E2", "E3", "E4"]))
    with pytest.raises(SatisfactionError, match="same length"):
        sat.index([1, 2], [3])
    with pytest.raises(SatisfactionError, match="'cuts' must be three increasing"):
        sat.index([1], [1], cuts=(1.1, 0.9, 0.5))


def test_index_table_matches_index_per_attribute():
    d = _small()
    t = sat.index_table(d, ["venue", "staff"])
    c = sat.index(d["perc_venue"], d["exp_venue"])
    assert t.loc["venue", "mean_index"] == pytest.approx(c["index"].mean())
    assert t.loc["venue", "ratio_of_means"] == pytest.approx(d["perc_venue"].mean() / d["exp_venue"].mean())
    assert t.loc["staff", list(sat.LEVELS)].sum() == pytest.approx(1.0)


# ------------------------------------------------------------ disconfirmation
def test_disconfirmation_against_scipy_paired_t_and_hand_holm():
    d = _small()
    r = sat.disconfirmation(d, ["venue", "staff"])
    assert list(r.table.columns[:7]) == list(TABLE_COLUMNS)
    for attr in ("venue", "staff"):
        ref = sps.ttest_rel(d[f"perc_{attr}"], d[f"exp_{attr}"])
        ci = ref.confidence_interval(0.95)
        row = r.table.loc[attr]
        gap = d[f"perc_{attr}"] - d[f"exp_{attr}"]
        assert row["estimate"] == pytest.approx(gap.mean())
        assert row["statistic"] == pytest.approx(ref.statistic) and row["p_value"] == pytest.approx(ref.pvalue)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
        assert row["d_z"] == pytest.approx(gap.mean() / gap.std(ddof=1))
    # Holm (1979) by hand: sort p, multiply by (m - rank + 1), running maximum, cap at 1
    p = r.table["p_value"].to_numpy()
    order = np.argsort(p)
    adj = np.minimum(np.maximum.accumulate(p[order] * np.array([2, 1])), 1)
    expected = np.empty(2)
    expected[order] = adj
    assert r.table["p_adjusted"].to_numpy() == pytest.approx(expected)
    assert sat.disconfirmation(d, ["venue"], adjust="none").table["p_adjusted"].iloc[0] == pytest.approx(
        r.table.loc["venue", "p_value"])


def test_dz_interval_inverts_the_noncentral_t():
    # Steiger & Fouladi (1997): the bounds are the noncentralities putting t at the 97.5th / 2.5th percentile
    d = _small()
    row = sat.disconfirmation(d, ["venue"]).table.loc["venue"]
    n, t, df = 6, row["statistic"], row["df"]
    assert sps.nct.cdf(t, df, row["d_z_ci_low"] * math.sqrt(n)) == pytest.approx(0.975, abs=1e-7)
    assert sps.nct.cdf(t, df, row["d_z_ci_high"] * math.sqrt(n)) == pytest.approx(0.025, abs=1e-7)


def test_disconfirmation_recovers_the_planted_gaps(survey, market):
    r = sat.disconfirmation(survey)
    planted = sat.planted_attribute_means(survey, market.truth)
    z = (r.table["estimate"] - planted["gap"]) / r.table["se"]
    assert (z.abs() < 3.5).all(), z
    # the planted signs of the clear gaps are recovered, and significant after Holm
    clear = planted["gap"].abs() > 0.3
    assert (np.sign(r.table.loc[clear, "estimate"]) == np.sign(planted.loc[clear, "gap"])).all()
    assert (r.table.loc[clear, "p_adjusted"] < 0.05).all()
    assert "Oliver" in r.summary() and "holm" in r.meta["method"]


def test_disconfirmation_bad_input():
    d = _small()
    with pytest.raises(SatisfactionError, match=r"column 'perc_venue' must hold values from 1 to 7: rows 2 hold 9"):
        sat.disconfirmation(d.assign(perc_venue=[6, 6, 9, 7, 6, 5]), ["venue", "staff"])
    with pytest.raises(SatisfactionError, match="no column 'exp_stage'"):
        sat.disconfirmation(d, ["stage"])
    with pytest.raises(SatisfactionError, match="column 'perc_staff' has no answers"):
        sat.disconfirmation(d.assign(perc_staff=np.nan), ["venue", "staff"])
    with pytest.raises(SatisfactionError, match=r"column 'exp_venue' has 1 missing values \(rows 3\)"):
        sat.disconfirmation(d.assign(exp_venue=[5, 6, 4, np.nan, 6, 3]), ["venue"])
    # missing='drop': pairwise per attribute
    r = sat.disconfirmation(d.assign(exp_venue=[5, 6, 4, np.nan, 6, 3]), ["venue", "staff"], missing="drop")
    assert r.table["n"].tolist() == [5, 6]
    with pytest.raises(SatisfactionError, match="'adjust' must be"):
        sat.disconfirmation(d, ["venue"], adjust="hom")
    with pytest.raises(CrmLabError, match="must be numeric"):
        sat.disconfirmation(d.assign(perc_venue=["a", 6, 5, 7, 6, 5]), ["venue"])


# ------------------------------------------------------------ IPA
def test_ipa_hand_computed_quadrants_both_crosshairs():
    d = _small()
    r = sat.ipa(d, ["venue", "staff"])
    # performance = mean perception: venue 35/6, staff 28/6; importance 39/6 and 19/6
    assert r.table["estimate"].tolist() == pytest.approx([35 / 6, 28 / 6])
    assert r.table["importance"].tolist() == pytest.approx([39 / 6, 19 / 6])
    assert r.meta["crosshairs"]["mean"] == pytest.approx([29 / 6, 31.5 / 6])
    assert r.table["quadrant"].tolist() == ["keep up the good work", "low priority"]
    mid = sat.ipa(d, ["venue", "staff"], crosshair="midpoint")
    assert mid.meta["performance_crosshair"] == 4.0
    assert mid.table["quadrant"].tolist() == ["keep up the good work", "possible overkill"]


def test_ipa_derived_importance_is_the_pearson_correlation():
    d = _small()
    r = sat.ipa(d, ["venue", "staff"], importance="derived")
    for attr in ("venue", "staff"):
        assert r.table.loc[attr, "importance"] == pytest.approx(np.corrcoef(d[f"perc_{attr}"], d["overall_sat"])[0, 1])
    z = np.arctanh(r.table.loc["venue", "importance"])
    assert r.table.loc["venue", "importance_ci_high"] == pytest.approx(np.tanh(z + 1.959964 / math.sqrt(3)), rel=1e-6)
    cmp = sat.compare_importance(d, ["venue", "staff"])
    assert cmp["quadrant_derived"].tolist() == r.table["quadrant"].tolist()
    assert set(cmp.columns) >= {"stated", "derived", "agree", "rank_stated", "rank_derived"}


def test_ipa_recovers_the_planted_quadrants(survey, market):
    r = sat.ipa(survey)
    planted = sat.planted_attribute_means(survey, market.truth)
    imp_c, perf_c = planted["importance"].mean(), planted["perception"].mean()
    truth = [sat.IPA_QUADRANTS[(i >= imp_c, p >= perf_c)] for i, p in zip(planted["importance"], planted["perception"])]
    # attributes clearly away from both planted crosshairs must land in the planted quadrant
    clear = ((planted["importance"] - imp_c).abs() > 0.1) & ((planted["perception"] - perf_c).abs() > 0.1)
    assert clear.sum() >= 3
    assert (r.table.loc[clear, "quadrant"] == pd.Series(truth, index=planted.index)[clear]).all()


def test_ipa_stability_equals_a_loop_of_ipa_on_the_same_resamples():
    rng = np.random.default_rng(5)
    d = pd.DataFrame({f"{p}_{a}": rng.integers(1, 8, 40) for p in ("imp", "perc") for a in ("venue", "staff", "price_value")})
    st = sat.ipa_stability(d, ["venue", "staff", "price_value"], n_boot=60, rng=9)
    idx = np.random.default_rng(9).integers(0, 40, size=(60, 40))  # what resampling.draw_indices draws
    ref = sat.ipa(d, ["venue", "staff", "price_value"]).table["quadrant"]
    stay = np.array([(sat.ipa(d.iloc[i].reset_index(drop=True), ["venue", "staff", "price_value"]).table["quadrant"]
                      == ref).to_numpy() for i in idx])
    assert st.table["estimate"].to_numpy() == pytest.approx(stay.mean(axis=0))
    # reproducible with the same seed
    again = sat.ipa_stability(d, ["venue", "staff", "price_value"], n_boot=60, rng=9)
    pd.testing.assert_frame_equal(st.table, again.table)


def test_ipa_sample_size_grows_with_n_and_uses_smallest_n(survey):
    r = sat.ipa_sample_size(survey, sizes=[30, 120, 480], reps=60, rng=2)
    curve = r.details
    assert set(curve.columns) >= {"n", "attribute", "stability", "ci_low", "ci_high"}
    all_rows = curve[curve["attribute"] == "all"].sort_values("n")["stability"].to_numpy()
    assert all_rows[-1] >= all_rows[0]
    for attr, needed in r.table["estimate"].items():
        if np.isfinite(needed):
            hit = curve[(curve["attribute"] == attr) & (curve["stability"] >= 0.8)]["n"].min()
            assert needed == hit
    with pytest.raises(SatisfactionError, match="'sizes' must be an integer"):
        sat.ipa_sample_size(survey, sizes=[len(survey)], reps=10)


# ------------------------------------------------------------ ACSI
def test_acsi_index_hand_computed_equal_given_and_regression_weights():
    d = pd.DataFrame({"a": [7, 4, 1], "b": [1, 4, 7], "c": [7, 7, 4]})
    # equal weights: item means 4, 4, 6 -> (3 + 3 + 5) / 6 / 3 * 100 = 61.11
    r = sat.acsi_index(d, ["a", "b", "c"])
    assert r.table.loc["index", "estimate"] == pytest.approx(100 * 11 / 18)
    assert r.table.loc["c", "estimate"] == pytest.approx(100 * 5 / 6)
    assert r.table.loc[["a", "b", "c"], "weight"].tolist() == pytest.approx([1 / 3] * 3)
    # given weights rescaled to sum 1: (2*0.5 + 1*0.5 + 1*5/6) / 4 * 100
    g = sat.acsi_index(d, ["a", "b", "c"], weights={"a": 2, "b": 1, "c": 1})
    assert g.table.loc["index", "estimate"] == pytest.approx(100 * (2 * 0.5 + 0.5 + 5 / 6) / 4)
    assert g.meta["weights"] == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.25})
    # the standard error is that of the mean of the per-respondent scores
    s = 100 * (d.to_numpy() - 1) / 6 @ np.array([0.5, 0.25, 0.25])
    assert g.table.loc["index", "se"] == pytest.approx(s.std(ddof=1) / math.sqrt(3))
    with pytest.raises(SatisfactionError, match="must be non-negative"):
        sat.acsi_index(d, ["a", "b", "c"], weights=[1, -1, 1])
    with pytest.raises(SatisfactionError, match="needs 'outcome'"):
        sat.acsi_index(d, ["a", "b"], weights="regression")


def test_acsi_regression_weights_on_the_market(survey):
    items = sat.attribute_columns(role="perception")
    r = sat.acsi_index(survey, items, weights="regression", outcome="overall_sat")
    assert sum(r.meta["weights"].values()) == pytest.approx(1.0) and r.model is not None
    assert 0 < r.table.loc["index", "estimate"] < 100


# ------------------------------------------------------------ NPS
def test_nps_wald_matches_rocks_variance_hand_computed():
    # Hand-computed case (Rocks 2016, eq. for the trinomial variance): 20 detractors, 30 passives, 50 promoters.
    # p+ = .5, p- = .2, NPS = .3; Var = (.5 + .2) - .3**2 = .61 per respondent; SE = sqrt(.61 / 100) = .0781025
    r = sat.nps_from_counts(20, 30, 50)
    assert r.nps == pytest.approx(0.3) and r.se == pytest.approx(math.sqrt(0.61 / 100))
    assert (r.ci_low, r.ci_high) == pytest.approx((0.3 - 1.959964 * 0.0781025, 0.3 + 1.959964 * 0.0781025), abs=1e-6)
    # the same from raw 0-10 answers, and the variance equals the multinomial covariance of the +1/0/-1 score
    scores = [3] * 20 + [7] * 15 + [8] * 15 + [9] * 25 + [10] * 25
    r2 = sat.nps(scores)
    assert r2.table.equals(r.table)
    cov = sps.multinomial(1, [0.2, 0.3, 0.5]).cov()
    w = np.array([-1, 0, 1])
    assert r.se == pytest.approx(math.sqrt(w @ cov @ w / 100))
    assert list(r.table.columns) == [*TABLE_COLUMNS, "promoters", "passives", "detractors", "n"]
    assert "Rocks" in r.summary()


def test_nps_adjusted_wald_pseudo_counts_hand_computed():
    # Rocks (2016) adjusted Wald: add 0.75 detractors, 1.5 passives, 0.75 promoters (n + 3).
    # Hand-computed: 20.75, 31.5, 50.75 of 103 -> p- = .201456, p+ = .492718, NPS~ = .291262,
    # Var = .694175 - .084834 = .609341, SE = sqrt(.609341 / 103) = .076915; interval .291262 -/+ 1.959964 * SE.
    r = sat.nps_from_counts(20, 30, 50, method="adjusted_wald")
    pm, pp = 20.75 / 103, 50.75 / 103
    centre, se = pp - pm, math.sqrt(((pp + pm) - (pp - pm) ** 2) / 103)
    assert se == pytest.approx(0.076915, abs=1e-6)
    assert r.nps == pytest.approx(0.3) and r.se == pytest.approx(se)
    assert (r.ci_low, r.ci_high) == pytest.approx((centre - 1.959964 * se, centre + 1.959964 * se), abs=1e-6)
    # where the Wald interval collapses (everyone a promoter) the adjusted one does not
    assert sat.nps_from_counts(0, 0, 10).se == 0
    adj = sat.nps_from_counts(0, 0, 10, method="adjusted_wald")
    assert adj.se > 0 and adj.ci_low < 1 and adj.ci_high == 1.0


def test_nps_categories_and_the_market_score(survey):
    cats = sat.nps_categories(survey["nps"])
    r = sat.nps(survey["nps"])
    assert r.promoters == pytest.approx((cats == "promoter").mean())
    assert r.n == len(survey) and -1 <= r.ci_low < r.nps < r.ci_high <= 1


@pytest.mark.parametrize("scores, message", [
    ([1, 11], r"whole numbers from 0 to 10: rows 1 hold 11"),
    ([7.5, 9], r"whole numbers from 0 to 10: rows 0 hold 7.5"),
    ([-1, 9], "whole numbers from 0 to 10"),
    ([1, None], "missing"),
])
def test_nps_bad_scores(scores, message):
    with pytest.raises(SatisfactionError, match=message):
        sat.nps(pd.Series(scores, dtype=float))


def test_nps_from_counts_bad_input_reports_everything():
    with pytest.raises(SatisfactionError, match=r"'detractors' must be an integer >= 0.*'method' must be one of"):
        sat.nps_from_counts(-1, 2, 3, method="wilson")
    with pytest.raises(SatisfactionError, match="at least one answer"):
        sat.nps_from_counts(0, 0, 0)


# ------------------------------------------------------------ levels, returns, complaints
def _panel():
    survey = pd.DataFrame({"exhibitor_id": ["A", "B", "C", "D", "E"], "edition": 1,
                           "overall_sat": [7, 6, 2, 3, 5], "intent_return": [7, 3, 6, 2, 5], "nps": [10, 9, 5, 3, 8],
                           "complaints": [0, 1, 2, 0, 0]})
    participation = pd.DataFrame({"exhibitor_id": list("ABCDE") * 2, "edition": [1] * 5 + [2] * 5,
                                  "participated": [1] * 5 + [1, 1, 0, 1, 0]})
    return survey, participation


def test_satisfaction_levels_hand_counted():
    survey, _ = _panel()
    r = sat.satisfaction_levels(survey)
    # satisfied (>= 5): A, B, E; and intent >= 5: A, E; and promoter: A
    assert r.table["count"].tolist() == [3, 2, 1]
    assert r.table["estimate"].tolist() == pytest.approx([0.6, 0.4, 0.2])
    assert r.table["share_of_previous"].tolist() == pytest.approx([0.6, 2 / 3, 0.5])
    with pytest.raises(SatisfactionError, match="'promoter_min' must be an integer >= 0 and <= 10"):
        sat.satisfaction_levels(survey, promoter_min=11)


def test_return_by_level_uses_next_edition_returns():
    survey, participation = _panel()
    r = sat.return_by_level(survey, participation)
    # came back: A, B, D; satisfied A, B, E -> 2 of 3; not satisfied C, D -> 1 of 2
    assert r.table.loc["satisfied", ["returned", "n"]].tolist() == [2, 3]
    assert r.table.loc["not satisfied", ["returned", "n"]].tolist() == [1, 2]
    assert r.table.loc["all respondents", "estimate"] == pytest.approx(0.6)


def test_relative_return_hand_computed_log_method():
    survey, participation = _panel()
    # satisfied (>= 6): A, B both returned (2/2); dissatisfied (<= 3): C no, D yes (1/2)
    r = sat.relative_return(survey, participation)
    row = r.table.loc["relative risk"]
    assert row["estimate"] == pytest.approx(2.0)
    se = math.sqrt(1 / 2 - 1 / 2 + 1 / 1 - 1 / 2)  # Katz et al. (1978)
    assert row["se"] == pytest.approx(se)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((2 * math.exp(-1.959964 * se), 2 * math.exp(1.959964 * se)),
                                                            rel=1e-6)
    # no satisfied exhibitor failed to return: 0.5 added to the empty cell: (1/2) / (0.5/2.5) = 2.5
    assert r.table.loc["relative risk of not returning", "estimate"] == pytest.approx(2.5)
    with pytest.raises(SatisfactionError, match="'dissatisfied_max' must be below"):
        sat.relative_return(survey, participation, satisfied_min=3, dissatisfied_max=4)


def test_relative_return_on_the_market(survey, market):
    r = sat.relative_return(survey, market["participation"])
    rr = r.table.loc["relative risk"]
    assert rr["ci_low"] < rr["estimate"] < rr["ci_high"] and rr["estimate"] > 1
    assert r.table.loc["relative risk of not returning", "estimate"] > 1


def test_complaints_return_counts_and_limits():
    survey, participation = _panel()
    r = sat.complaints_return(survey, participation)
    # complained: B (returned), C (not) -> 1/2; did not: A (yes), D (yes), E (no) -> 2/3
    assert r.table.loc["complained", ["returned", "n"]].tolist() == [1, 2]
    assert r.table.loc["difference", "estimate"] == pytest.approx(0.5 - 2 / 3)
    assert any("handling is not recorded" in n for n in r.meta["notes"])


def test_returns_need_a_next_edition():
    survey, participation = _panel()
    with pytest.raises(SatisfactionError, match="no surveyed exhibitor has a next edition"):
        sat.return_by_level(survey.assign(edition=2), participation)


# ------------------------------------------------------------ response styles
def test_within_correction_recovers_the_planted_zero(survey, market):
    r = sat.response_style_correction(survey, ["overall_sat"])
    planted = sat.planted_group_difference(survey, market.truth)
    south = r.table.loc["south_china"]
    # naive: the planted southern reserve shows as a clearly lower score
    assert south["naive_ci_high"] < 0
    # corrected: covers the planted latent difference (close to 0: region drives no latent construct)
    assert south["ci_low"] < planted.loc["south_china", "latent_d"] < south["ci_high"]
    assert planted.loc["south_china", "response_shift"] == pytest.approx(-0.35)
    assert r.meta["reference"] == "north_china" and len(r.meta["anchors"]) > 10


def test_ordinal_correction_estimates_the_planted_shift(survey):
    anchors = ["reputation", "ben1", "int1", "abl1"]
    r = sat.response_style_correction(survey, ["overall_sat"], method="ordinal", anchors=anchors)
    south = r.table.loc["south_china"]
    assert south["style_shift"] == pytest.approx(-0.35, abs=0.12)
    assert south["ci_low"] < 0 < south["ci_high"]


def test_response_style_bad_input(survey):
    with pytest.raises(SatisfactionError, match="'reference' must be a value of 'region'"):
        sat.response_style_correction(survey, ["overall_sat"], reference="mars")
    with pytest.raises(SatisfactionError, match="no column 'area'"):
        sat.response_style_correction(survey, ["overall_sat"], group="area")
    with pytest.raises(SatisfactionError, match="at least 2 anchor items"):
        sat.response_style_correction(survey, ["overall_sat"], anchors=["reputation"])


# ------------------------------------------------------------ segments
def test_segment_test_anova_eta_squared_hand_computed():
    d = pd.DataFrame({"x": [1.0, 2.1, 3.2, 4.0, 5.3, 6.1], "g": list("aabbcc")})
    r = sat.segment_test(d, "x", "g")
    x = d["x"].to_numpy()
    ss_t = ((x - x.mean()) ** 2).sum()
    ss_b = sum(2 * (d.loc[d.g == g, "x"].mean() - x.mean()) ** 2 for g in "abc")
    assert r.estimate == pytest.approx(ss_b / ss_t)
    assert r.statistic == pytest.approx(sps.f_oneway(x[:2], x[2:4], x[4:]).statistic)
    # Steiger (2004): the bounds put F at the 97.5th / 2.5th percentile of the noncentral F
    lam = r.ci_low * 6 / (1 - r.ci_low)
    assert sps.ncf.cdf(r.statistic, 2, 3, lam) == pytest.approx(0.975, abs=1e-6)
    assert "equal group variances" in r.extra["assumption"]


def test_segment_test_chooses_by_data_type(survey):
    k = sat.segment_test(survey, "overall_sat", "size_class", n_boot=200, rng=1)
    assert k.test == "Kruskal-Wallis test"
    ref = sps.kruskal(*[survey.loc[survey.size_class == s, "overall_sat"] for s in sorted(survey.size_class.unique())])
    assert k.statistic == pytest.approx(ref.statistic) and k.estimate == pytest.approx(ref.statistic / (len(survey) - 1))
    assert k.ci_low <= k.estimate <= k.ci_high
    again = sat.segment_test(survey, "overall_sat", "size_class", n_boot=200, rng=1)
    assert (again.ci_low, again.ci_high) == (k.ci_low, k.ci_high)
    c = sat.segment_test(survey, "size_class", "region")
    assert c.test == "Chi-square test of independence" and "expected counts" in c.extra["assumption"]
    with pytest.raises(SatisfactionError, match="kind='anova' needs a numeric 'size_class'"):
        sat.segment_test(survey, "size_class", "region", kind="anova")


def test_kruskal_h_vectorised_matches_scipy_with_ties():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 8, 60).astype(float)
    g = rng.integers(0, 3, 60)
    idx = rng.integers(0, 60, size=(5, 60))
    h = sat._kruskal_h(x[idx], g[idx], 3)
    ref = [sps.kruskal(*[x[i][g[i] == k] for k in range(3)]).statistic for i in idx]
    assert h == pytest.approx(ref)


# ------------------------------------------------------------ plots (smoke)
def test_plot_ipa_draws_both_crosshairs_without_overlapping_labels(survey):
    fig, ax = plt.subplots()
    out = sat.plot_ipa(sat.ipa(survey), ax=ax)
    assert out is ax and len(ax.lines) >= 4  # two crosshairs of two lines each
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if hasattr(t, "xyann")]
    assert len(labels) == 8
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert not any(boxes[i].overlaps(boxes[j]) for i in range(8) for j in range(i + 1, 8))
    plt.close(fig)


def test_plot_gaps_one_bar_per_attribute(survey):
    fig, ax = plt.subplots()
    r = sat.disconfirmation(survey)
    assert sat.plot_gaps(r, ax=ax) is ax
    assert len(ax.get_yticklabels()) == len(r.table)
    with pytest.raises(SatisfactionError, match="must come from disconfirmation"):
        sat.plot_gaps(sat.ipa(survey), ax=ax)
    plt.close(fig)


def test_results_are_json_plain(survey):
    import json

    for r in (sat.disconfirmation(survey), sat.ipa(survey), sat.nps(survey["nps"]), sat.satisfaction_levels(survey)):
        json.dumps(r.to_dict())
        assert {"n", "confidence", "method", "citation"} <= set(r.meta)


# --------------------------------------------------------------------------
# market structure and the "six times" claim; the two added figures
# --------------------------------------------------------------------------
def test_structure_scenarios_differ_only_in_monopoly_sectors():
    from crm_lab import MarketParams
    from crm_lab.schema import SECTORS

    base = MarketParams()
    s = sat.structure_scenarios(pull=2.0)
    assert [len(p.monopoly_sectors) for p in s.values()] == [0, len(base.monopoly_sectors), len(SECTORS)]
    for p in s.values():
        assert p.return_monopoly == 2.0
        assert p.return_intercepts == pytest.approx([v - 2.0 for v in base.return_intercepts])
        assert p.sat_trust == base.sat_trust
    with pytest.raises(SatisfactionError, match="'pull'"):
        sat.structure_scenarios(pull=-1)
    with pytest.raises(SatisfactionError, match="'base' must be a MarketParams"):
        sat.structure_scenarios(base={"x": 1})


def test_relative_return_by_structure_falls_from_competitive_to_monopoly():
    r = sat.relative_return_by_structure(sat.structure_scenarios(), n_exhibitors=20000, rng=4)
    t = r.table
    assert list(t.index) == ["every sector competitive", "the sample's mix", "every sector a monopoly"]
    assert t["estimate"].iloc[0] > t["estimate"].iloc[-1]
    assert t["p_dissatisfied"].iloc[0] < t["p_dissatisfied"].iloc[-1]
    assert (t["estimate"] <= t["max_rr"] + 1e-12).all()  # RR <= 1 / p_dissatisfied
    assert t["monopoly_share"].tolist() == pytest.approx([0.0, 0.32, 1.0])
    assert (t["ci_low"] < t["estimate"]).all() and (t["estimate"] < t["ci_high"]).all()
    again = sat.relative_return_by_structure(sat.structure_scenarios(), n_exhibitors=20000, rng=4)
    pd.testing.assert_frame_equal(t, again.table)  # one seed, the same markets
    with pytest.raises(SatisfactionError, match="'scenarios'"):
        sat.relative_return_by_structure({"x": 1})
    with pytest.raises(CrmLabError, match="n_exhibitors"):
        sat.relative_return_by_structure(sat.structure_scenarios(), n_exhibitors=10)


def test_plot_estimates_and_response_style_smoke(survey, market):
    fig, axes = plt.subplots(1, 2)
    levels = sat.return_by_level(survey, market["participation"])
    assert sat.plot_estimates(levels, ax=axes[0], xlabel="share back", truth={"satisfied": 0.5}) is axes[0]
    assert len(axes[0].get_yticks()) == len(levels.table)
    rs = sat.response_style_correction(survey, ["overall_sat"])
    planted = sat.planted_group_difference(survey, market.truth)
    assert sat.plot_response_style(rs, planted=planted, ax=axes[1]) is axes[1]
    assert len(axes[1].get_yticks()) == len(rs.table)
    with pytest.raises(SatisfactionError, match="plot_response_style"):
        sat.plot_response_style(levels)
    with pytest.raises(SatisfactionError, match="plot_estimates"):
        sat.plot_estimates(levels.table)
    plt.close(fig)
