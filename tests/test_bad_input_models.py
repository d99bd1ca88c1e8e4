"""Bad input to the public analysis functions (issue 18): a clear CrmLabError, never a library traceback.

Each case changes one thing of an otherwise valid call built from small
slices of the sample: an empty table, a column holding text or only NaN,
``None`` instead of the frame, a single row or group, a numeric option given
as text or out of range, an array holding text.  Every case asserts the
topic module's error class and the key parts of the message: the argument
or column, the rows, and what was expected.

Classes (cases):
  panel      the participation panel: edition/participated text, NaN or out
             of range, no rows, missing ids (lifecycle's one panel check,
             reached through overview, satisfaction and value)
  edition    a survey or exhibitors table's edition column holding text
  frame      None or an empty table instead of the frame; one group only
  table      text or NaN in a numeric column of a result table fed back in
  array      arrays and matrices holding text, None or the wrong length
  kernel     the documented fast paths (codes, draws, jackknife): types and shapes
  collinear  a constant predictor or one that is a combination of the others
  option     a numeric option given as text or out of range
"""

import numpy as np
import pandas as pd
import pytest

from crm_lab import (
    datasets,
    kano,
    lifecycle,
    loyalty,
    overview,
    power,
    regression,
    relationship,
    resampling,
    satisfaction,
    switching,
    value,
)
from crm_lab._checks import CrmLabError

DATA = datasets.load_all()
_EX = DATA["exhibitors"]["exhibitor_id"].iloc[:40]
PANEL = DATA["participation"][DATA["participation"]["exhibitor_id"].isin(_EX)].copy()
SURVEY = DATA["survey"].iloc[:60].copy()
EXHIBITORS = DATA["exhibitors"].copy()
SECTORS = DATA["sectors"].copy()
TRANSACTIONS = DATA["transactions"].iloc[:200].copy()
KANO = DATA["kano"][DATA["kano"]["edition"] == DATA["kano"]["edition"].max()].iloc[:400].copy()


def with_value(frame, column, value, rows=slice(0, 1)):
    """*frame* with *value* in *column* at the first row (or *rows*); the column becomes object if needed."""
    out = frame.copy()
    if isinstance(value, str) or value is None:
        out[column] = out[column].astype(object)
    elif isinstance(value, float):
        out[column] = out[column].astype(float)
    out.iloc[rows, out.columns.get_loc(column)] = value
    return out


def shares():
    return pd.DataFrame({"A": [0.2, 0.3], "O": [0.3, 0.2], "M": [0.3, 0.3], "I": [0.2, 0.2]}, index=["x", "y"])


def segment_tests():
    return pd.DataFrame({"estimate": [0.2], "ci_low": [0.1], "ci_high": [0.3], "p_holm": [0.01], "k": [3],
                         "modes": ["a: A; b: O"]}, index=["wifi"])


def power_curve():
    return pd.DataFrame({"n": [100, 200, 300], "power": [0.5, 0.8, 0.9], "ci_low": [0.45, 0.75, 0.86],
                         "ci_high": [0.55, 0.85, 0.94]})


def recovery_table():
    return pd.DataFrame({"bias": [0.01], "bias_low": [-0.02], "bias_high": [0.04], "coverage": [0.95],
                         "coverage_low": [0.9], "coverage_high": [0.98]}, index=["trust -> commitment"])


def clv_segments():
    return pd.DataFrame({"customers": [100, 50], "retention": [0.7, 0.5], "spend": [1000.0, 500.0]}, index=["a", "b"])


def windows():
    w = pd.DataFrame({"window_start": pd.to_datetime(["2024-03-01"]), "window_end": pd.to_datetime(["2024-04-01"])},
                     index=["E000001"])
    w.attrs["as_of"] = pd.Timestamp("2024-01-01")
    return w


P3 = [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.5, 0.5]]

# (id, call, error class, message fragments)
CASES = [
    # ---- panel: lifecycle's participation check, wherever the panel goes in
    ("panel-edition-text", lambda: lifecycle.next_edition_returns(with_value(PANEL, "edition", "abc")),
     lifecycle.LifecycleError, ["participation", "'edition'", "must be numeric", "'abc'"]),
    ("panel-edition-nan", lambda: lifecycle.next_edition_returns(with_value(PANEL, "edition", np.nan)),
     lifecycle.LifecycleError, ["participation", "'edition'", "missing", "rows"]),
    ("panel-edition-fraction", lambda: lifecycle.next_edition_returns(with_value(PANEL, "edition", 1.5)),
     lifecycle.LifecycleError, ["'edition'", "whole numbers", "rows"]),
    ("panel-participated-2", lambda: lifecycle.next_edition_returns(with_value(PANEL, "participated", 2)),
     lifecycle.LifecycleError, ["'participated' 0 or 1", "rows", "hold 2"]),
    ("panel-id-missing", lambda: lifecycle.next_edition_returns(with_value(PANEL, "exhibitor_id", None)),
     lifecycle.LifecycleError, ["'exhibitor_id'", "missing", "rows"]),
    ("panel-empty", lambda: lifecycle.next_edition_returns(PANEL.iloc[:0]),
     lifecycle.LifecycleError, ["participation", "no rows"]),
    ("panel-empty-kaplan-meier", lambda: lifecycle.kaplan_meier(PANEL.iloc[:0]),
     lifecycle.LifecycleError, ["participation", "no rows"]),
    ("panel-empty-cohorts", lambda: lifecycle.cohort_survivors(PANEL.iloc[:0]),
     lifecycle.LifecycleError, ["participation", "no rows"]),
    ("panel-empty-stages", lambda: lifecycle.transition_matrix(PANEL.iloc[:0], n_boot=0),
     lifecycle.LifecycleError, ["participation", "no rows"]),
    ("panel-text-return-rates", lambda: overview.return_rates(with_value(PANEL, "edition", "abc")),
     CrmLabError, ["'edition'", "must be numeric", "'abc'"]),
    ("panel-nan-return-by-level",
     lambda: satisfaction.return_by_level(SURVEY, with_value(PANEL, "edition", np.nan)),
     CrmLabError, ["'edition'", "missing", "rows"]),
    ("panel-text-value-table",
     lambda: value.exhibitor_value_table(with_value(PANEL, "edition", "abc"), SURVEY, EXHIBITORS),
     value.CustomerValueError, ["participation", "'edition'", "must be numeric", "'abc'"]),
    ("attendance-empty", lambda: lifecycle.recency_frequency(DATA["visits"].iloc[:0]),
     lifecycle.LifecycleError, ["attendance", "no rows"]),
    # ---- edition: the survey's (or exhibitors') edition holding text
    ("survey-edition-text-return",
     lambda: satisfaction.complaints_return(with_value(SURVEY, "edition", "abc"), PANEL),
     satisfaction.SatisfactionError, ["survey", "'edition'", "must be numeric", "'abc'"]),
    ("survey-edition-text-value-table",
     lambda: value.exhibitor_value_table(PANEL, with_value(SURVEY, "edition", "abc"), EXHIBITORS),
     value.CustomerValueError, ["survey", "'edition'", "must be numeric"]),
    ("survey-edition-text-antecedents",
     lambda: relationship.trust_antecedents(with_value(SURVEY, "edition", "abc"), PANEL, EXHIBITORS),
     relationship.RelationshipError, ["survey", "'edition'", "must be numeric", "'abc'"]),
    ("exhibitors-first-edition-text",
     lambda: relationship.trust_antecedents(SURVEY, PANEL, with_value(EXHIBITORS, "first_edition", "abc")),
     relationship.RelationshipError, ["exhibitors", "'first_edition'", "must be numeric"]),
    ("panel-contacts-text-antecedents",
     lambda: relationship.trust_antecedents(SURVEY, with_value(PANEL, "contacts", "abc"), EXHIBITORS),
     relationship.RelationshipError, ["participation", "'contacts'", "must be numeric"]),
    # ---- frame: None, empty, a single group
    ("rq-dominant-none", lambda: kano.rq_dominant(None),
     kano.KanoInputError, ["rq_dominant", "must be a pandas DataFrame", "NoneType"]),
    ("compare-segments-empty", lambda: kano.compare_segments(KANO.iloc[:0]),
     kano.KanoInputError, ["Kano answers", "at least 1 rows", "got 0"]),
    ("worth-tests-none", lambda: loyalty.worth_tests(None, np.array([True, False])),
     loyalty.LoyaltyError, ["worth_tests", "must be a pandas DataFrame", "NoneType"]),
    ("style-none", lambda: satisfaction.response_style_correction(None, ["sat1"]),
     satisfaction.SatisfactionError, ["response_style_correction", "must be a pandas DataFrame"]),
    ("style-empty", lambda: satisfaction.response_style_correction(SURVEY.iloc[:0].assign(region=[]), ["sat1"]),
     satisfaction.SatisfactionError, ["response_style_correction", "at least 1 rows", "got 0"]),
    ("style-one-group",
     lambda: satisfaction.response_style_correction(SURVEY.assign(region="north"), ["sat1", "sat2"]),
     satisfaction.SatisfactionError, ["'region'", "at least 2 groups", "north"]),
    ("value-score-empty", lambda: value.value_score(pd.DataFrame(columns=list(value.VALUE_INDICATORS.values()))),
     value.CustomerValueError, ["value_score", "at least 1 rows", "got 0"]),
    ("clv-segments-empty", lambda: value.simulate_clv_uncertainty(clv_segments().iloc[:0]),
     value.CustomerValueError, ["simulate_clv_uncertainty", "at least 1 complete rows", "got 0"]),
    ("transactions-empty", lambda: value.check_purchase_windows(windows(), TRANSACTIONS.iloc[:0]),
     value.CustomerValueError, ["transactions", "at least 1 rows", "got 0"]),
    ("windows-empty", lambda: value.check_purchase_windows(windows().iloc[:0], TRANSACTIONS),
     value.CustomerValueError, ["windows", "at least 1 rows", "got 0"]),
    ("planted-retention-none", lambda: switching.planted_retention(None, None, EXHIBITORS, SECTORS),
     switching.SwitchingError, ["planted_retention: participation", "must be a pandas DataFrame"]),
    ("planted-retention-no-sector", lambda: switching.planted_retention(None, PANEL, EXHIBITORS, SECTORS[["sector"]]),
     switching.SwitchingError, ["sectors", "no column 'market_structure'"]),
    ("planted-retention-edition-text",
     lambda: switching.planted_retention(None, with_value(PANEL, "edition", "abc"), EXHIBITORS, SECTORS),
     switching.SwitchingError, ["participation", "'edition'", "must be numeric"]),
    ("entry-logits-empty", lambda: loyalty.planted_entry_logits(pd.DataFrame({"satisfaction": [], "conative": []}), [], None),
     loyalty.LoyaltyError, ["latent", "at least 1 complete rows", "got 0"]),
    ("entry-logits-text",
     lambda: loyalty.planted_entry_logits(pd.DataFrame({"satisfaction": ["abc"], "conative": [0.1]}), [1], None),
     loyalty.LoyaltyError, ["latent", "'satisfaction'", "must be numeric", "'abc'"]),
    # ---- table: text or NaN in a numeric column of a table fed back in
    ("shares-text", lambda: kano.coefficients_from_shares(with_value(shares(), "A", "abc")),
     kano.KanoInputError, ["shares", "'A'", "must be numeric", "rows x", "'abc'"]),
    ("rq-dominant-text",
     lambda: kano.rq_dominant(with_value(pd.DataFrame(1, index=["x"], columns=list(kano.CATEGORIES)), "R", "abc")),
     kano.KanoInputError, ["rq_dominant", "'R'", "must be numeric"]),
    ("segment-tests-text", lambda: kano.say_segment_tests(with_value(segment_tests(), "estimate", "abc")),
     kano.KanoInputError, ["say_segment_tests", "'estimate'", "must be numeric", "rows wifi"]),
    ("smallest-n-text", lambda: power.smallest_n(with_value(power_curve(), "power", "abc")),
     power.PowerError, ["smallest_n", "'power'", "must be numeric", "'abc'"]),
    ("say-power-empty", lambda: relationship.say_power(power_curve().iloc[:0]),
     relationship.RelationshipError, ["say_power", "at least 1 complete rows", "got 0"]),
    ("say-power-text", lambda: relationship.say_power(with_value(power_curve(), "n", "abc")),
     relationship.RelationshipError, ["say_power", "'n'", "must be numeric", "'abc'"]),
    ("say-power-nan", lambda: relationship.say_power(with_value(power_curve(), "n", np.nan)),
     relationship.RelationshipError, ["say_power", "'n'", "missing", "rows 0"]),
    ("verdicts-text", lambda: relationship.recovery_verdicts(with_value(recovery_table(), "bias", "abc")),
     relationship.RelationshipError, ["recovery_verdicts", "'bias'", "must be numeric"]),
    ("tiers-text", lambda: value.membership_tiers(with_value(pd.DataFrame({"rfm_score": [3, 9]}), "rfm_score", "abc")),
     value.CustomerValueError, ["membership_tiers", "'rfm_score'", "must be numeric", "'abc'"]),
    ("clv-segments-text", lambda: value.simulate_clv_uncertainty(with_value(clv_segments(), "customers", "abc")),
     value.CustomerValueError, ["'customers'", "must be numeric", "rows a"]),
    ("clv-segments-nan", lambda: value.simulate_clv_uncertainty(with_value(clv_segments(), "retention", np.nan)),
     value.CustomerValueError, ["'retention'", "missing", "rows a"]),
    # ---- array: arrays and matrices holding text, None or the wrong length
    ("fong-text", lambda: kano.fong_test(["abc", 30], [20, 29], [100, 100]),
     kano.KanoInputError, ["'a'", "must be numeric", "'abc'"]),
    ("fong-none", lambda: kano.fong_test(None, [20, 29], [100, 100]),
     kano.KanoInputError, ["'a'", "a number or an array of numbers", "got None"]),
    ("fong-lengths", lambda: kano.fong_test([50, 30], [20], [100, 100, 100]),
     kano.KanoInputError, ["fong_test", "same length", "(2,)", "(3,)"]),
    ("to-codes-none", lambda: kano.to_codes(None),
     kano.KanoInputError, ["'answers'", "list, array or Series", "NoneType"]),
    ("slopes-text", lambda: regression.simple_slopes(["abc", 0.2], np.eye(2), [0, 1]),
     regression.RegressionError, ["'b' must be numeric", "'abc'"]),
    ("slopes-at-text", lambda: regression.simple_slopes([0.1, 0.2], np.eye(2), ["abc"]),
     regression.RegressionError, ["'at' must be numeric", "'abc'"]),
    ("jn-cov-text", lambda: regression.johnson_neyman([0.1, 0.2], [[1, "abc"], [0, 1]]),
     regression.RegressionError, ["'cov' must be numeric", "'abc'"]),
    ("bca-text", lambda: resampling.bca_interval(["abc", 1.0, 2.0], 1.0, [1.0, 2.0, 3.0]),
     CrmLabError, ["'draws'", "must be numeric", "'abc'"]),
    ("bca-jackknife-none", lambda: resampling.bca_interval([0.0, 1.0, 2.0], 1.0, None),
     CrmLabError, ["'jackknife'", "one-dimensional"]),
    ("bca-jackknife-nan", lambda: resampling.bca_interval([0.0, 1.0, 2.0], 1.0, [np.nan, np.nan]),
     CrmLabError, ["'jackknife'", "missing", "rows 0, 1"]),
    ("entry-sim-text", lambda: loyalty.simulate_competitor_entry(np.array([["abc", 0.1]], dtype=object), np.zeros((1, 2))),
     loyalty.LoyaltyError, ["'status_quo'", "must be numeric", "'abc'"]),
    ("design-t-text", lambda: switching.sample_against_design(2.0, ["abc", 1.0, 2.0], df=100),
     switching.SwitchingError, ["'t_design'", "must be numeric", "'abc'"]),
    ("design-t-none", lambda: switching.sample_against_design(2.0, None, df=100),
     switching.SwitchingError, ["'t_design'", "one-dimensional"]),
    ("chain-text", lambda: lifecycle.stationary([[0.5, "abc", 0.0], [0.0, 0.5, 0.5], [0.0, 0.5, 0.5]]),
     lifecycle.LifecycleError, ["'P'", "square matrix of probabilities", "'abc'"]),
    ("bgbb-weights-text", lambda: lifecycle.fit_bgbb([3, 0, 1, 2], [3, 0, 1, 2], 6, weights=[1, "abc", 1, 1]),
     lifecycle.LifecycleError, ["'weights'", "must be numeric", "rows 1", "'abc'"]),
    ("rewards-text", lambda: lifecycle.compare_interventions(lifecycle.transition_matrix(PANEL, n_boot=0),
                                                             [1.0, "abc", 1.0, 1.0, 0.0], discount=0.1),
     lifecycle.LifecycleError, ["'rewards'", "must be numeric", "rows formation", "'abc'"]),
    ("rewards-none", lambda: lifecycle.compare_interventions(lifecycle.transition_matrix(PANEL, n_boot=0), None,
                                                             discount=0.1),
     lifecycle.LifecycleError, ["'rewards'", "one value per state"]),
    # ---- kernel: the documented fast paths check types and shapes (constant time), not values
    ("classify-codes-none", lambda: kano.classify_codes(None, None),
     kano.KanoInputError, ["classify_codes", "'functional' (NoneType)", "integer codes", "to_codes"]),
    ("classify-codes-text", lambda: kano.classify_codes(np.array(["abc"]), np.array([1])),
     kano.KanoInputError, ["'functional'", "integer codes"]),
    ("count-categories-shapes", lambda: kano.count_categories(np.array([1, 2]), np.array([1]), np.array([0, 0]), 1),
     kano.KanoInputError, ["count_categories", "one shape", "(2,)", "(1,)"]),
    ("count-categories-n-groups", lambda: kano.count_categories(np.array([1]), np.array([1]), np.array([0]), "1"),
     kano.KanoInputError, ["'n_groups'", "integer >= 1", "'1'"]),
    ("draw-indices-n-boot", lambda: resampling.draw_indices(10, -1, np.random.default_rng(1)),
     CrmLabError, ["'n_boot'", "integer >= 0", "-1"]),
    ("draw-counts-n-text", lambda: resampling.draw_counts("10", 5, np.random.default_rng(1)),
     CrmLabError, ["'n'", "integer >= 1", "'10'"]),
    ("jackknife-shapes", lambda: resampling.ols_jackknife(np.ones((5, 2)), np.ones(4), 1),
     CrmLabError, ["ols_jackknife", "one number per row", "(5, 2)", "(4,)"]),
    ("jackknife-singular", lambda: resampling.ols_jackknife(np.ones((5, 2)), np.arange(5.0), 1),
     CrmLabError, ["ols_jackknife", "singular", "collinear"]),
    ("bootstrap-statistic-none", lambda: resampling.bootstrap(None, 10),
     CrmLabError, ["bootstrap", "'statistic'", "function", "NoneType"]),
    # ---- collinear: a predictor that is constant or a combination of others, before any fit
    ("mediation-collinear", lambda: regression.mediation(SURVEY.assign(dup=SURVEY["sat1"]), x="sat1", m="dup", y="con1",
                                                         n_boot=100),
     regression.RegressionError, ["mediation", "['dup']", "linear combination", "drop or merge"]),
    ("mediation-constant", lambda: regression.mediation(SURVEY.assign(one=1.0), x="one", m="com1", y="con1", n_boot=100),
     regression.RegressionError, ["mediation", "['one']", "constant"]),
    ("dominance-collinear",
     lambda: regression.dominance(SURVEY.assign(both=SURVEY["sat1"] + SURVEY["sat2"]), y="con1",
                                  predictors=["sat1", "sat2", "both"], n_boot=0),
     regression.RegressionError, ["dominance", "['both']", "linear combination"]),
    ("moderation-collinear",
     lambda: regression.moderation(SURVEY.assign(both=SURVEY["sat1"] + SURVEY["sat2"]), x="sat1", moderator="sat2",
                                   y="con1", covariates=["both"]),
     regression.RegressionError, ["moderation", "['both']", "linear combination"]),
    ("table-overview-none", lambda: overview.table_overview(None),
     overview.OverviewError, ["table_overview", "'tables'", "dict", "NoneType"]),
    ("segment-test-stray-text",
     lambda: satisfaction.segment_test(SURVEY.assign(overall_sat=SURVEY["overall_sat"].astype(object).where(
         SURVEY.index != SURVEY.index[3], "abc")), "overall_sat", "edition"),
     satisfaction.SatisfactionError, ["'overall_sat' holds numbers and text", "'abc'", "kind='chi2'"]),
    # ---- option: numbers given as text or out of range
    ("segment-test-n-boot-text", lambda: satisfaction.segment_test(SURVEY, "overall_sat", "edition", n_boot="100"),
     satisfaction.SatisfactionError, ["'n_boot'", "integer >= 10", "'100'"]),
    ("segment-test-n-boot-negative", lambda: satisfaction.segment_test(SURVEY, "overall_sat", "edition", n_boot=-1),
     satisfaction.SatisfactionError, ["'n_boot'", "integer >= 10", "-1"]),
    ("profile-n-boot-negative",
     lambda: value.profile_tiers(SURVEY.assign(tier="a"), "tier", ["overall_sat"], n_boot=-1),
     value.CustomerValueError, ["'n_boot'", "integer >= 10", "-1"]),
    ("profile-confidence-text",
     lambda: value.profile_tiers(SURVEY.assign(tier="a"), "tier", ["overall_sat"], confidence="0.95"),
     value.CustomerValueError, ["'confidence'", "> 0 and < 1", "'0.95'"]),
    ("recovery-confidence-text",
     lambda: relationship.recovery_summary(pd.DataFrame({"path": ["p"], "planted": [0.1], "estimate": [0.1],
                                                          "se": [0.01], "covered": [True]}), confidence="0.95"),
     relationship.RelationshipError, ["'confidence'", "> 0 and < 1", "'0.95'"]),
    ("design-alpha-range", lambda: switching.sample_against_design(2.0, [0.0, 1.0, 2.0], df=100, alpha=1.5),
     switching.SwitchingError, ["'alpha'", "> 0 and < 1", "1.5"]),
]


@pytest.mark.parametrize(("call", "error", "parts"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error(call, error, parts):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def test_recovery_verdict_of_a_single_replication_gives_no_bias_verdict():
    """One successful simulation has no spread: no bias interval, so no verdict either way (not 'excludes 0')."""
    summary = pd.DataFrame({"bias": [0.03], "bias_low": [np.nan], "bias_high": [np.nan], "coverage": [1.0],
                            "coverage_low": [0.21], "coverage_high": [1.0], "n_sims": [1]}, index=["a ~ b"])
    verdict = relationship.recovery_verdicts(summary)
    assert verdict.loc["a ~ b", "unbiased"] is None
    assert "no verdict on bias" in verdict.loc["a ~ b", "verdict"] and "excludes" not in verdict.loc["a ~ b", "verdict"]
