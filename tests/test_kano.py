"""The Kano evaluation table, cell by cell.

Expected values: Berger et al. (1993), "Kano's methods for understanding
customer-defined quality", Center for Quality of Management Journal 2(4),
the evaluation table (functional answer in rows, dysfunctional in columns;
1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike).  Written out here as
the published 25 pairs, independently of crm_lab.kano.EVALUATION_TABLE.
"""

import doctest
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from crm_lab import datasets, kano, plots, power, resampling, schema, stats
from crm_lab._checks import CrmLabError
from crm_lab.kano import CATEGORIES, KanoInputError, analyze, analyze_continuous, analyze_counts, classify
from crm_lab.results import TABLE_COLUMNS

BERGER_1993 = {
    (1, 1): "Q", (1, 2): "A", (1, 3): "A", (1, 4): "A", (1, 5): "O",
    (2, 1): "R", (2, 2): "I", (2, 3): "I", (2, 4): "I", (2, 5): "M",
    (3, 1): "R", (3, 2): "I", (3, 3): "I", (3, 4): "I", (3, 5): "M",
    (4, 1): "R", (4, 2): "I", (4, 3): "I", (4, 4): "I", (4, 5): "M",
    (5, 1): "R", (5, 2): "R", (5, 3): "R", (5, 4): "R", (5, 5): "Q",
}  # fmt: skip


@pytest.mark.parametrize(("pair", "expected"), sorted(BERGER_1993.items()))
def test_every_cell_of_the_evaluation_table(pair, expected):
    assert classify([pair[0]], [pair[1]]).tolist() == [expected]


def test_vectorised_over_all_pairs_at_once():
    pairs = np.array(sorted(BERGER_1993))
    got = classify(pairs[:, 0], pairs[:, 1])
    assert got.tolist() == [BERGER_1993[tuple(p)] for p in pairs]
    assert set(got) == set(CATEGORIES)


def test_codes_outside_1_to_5_name_positions_and_values():
    with pytest.raises(ValueError, match=r"functional answers must be codes 1-5; 2 are not, at positions 1, 3 \(values \[0, 6\]\)"):
        classify([1, 0, 3, 6], [5, 5, 5, 5])


def test_unequal_lengths_are_an_error():
    with pytest.raises(ValueError, match="same length"):
        classify([1, 2, 3], [5, 5])


# ===========================================================================
# The analysis: crm_lab.kano.analyze, analyze_counts, analyze_continuous, ...
# ===========================================================================


def test_the_shared_core_is_used():
    assert issubclass(KanoInputError, CrmLabError)
    assert kano.CATEGORIES is schema.KANO_CATEGORIES

# Published by an established tool: the R package stp25kano (Wolfgang Peter),
# README.md "Kano Analyse" (2024-05-11), the results table of five attributes,
# n = 296 each.  Counts as printed; expected values as printed (CS plus / CS minus
# to 3 decimals, Total / Category Strength in whole percent, Fong's test
# "|m1 - m2| < critical" with the critical value to 1 decimal and sig./ns,
# the chi-squared statistic to 2 decimals, the "max Category" and the
# "M>O>A>I" evaluation-rule column).
STP25KANO = pd.DataFrame(
    {
        "A": [45, 54, 121, 93, 83],
        "O": [123, 54, 24, 87, 18],
        "M": [95, 101, 15, 65, 9],
        "I": [33, 81, 124, 51, 177],
        "R": [0, 3, 6, 0, 6],
        "Q": [0, 3, 6, 0, 3],
    },
    index=["Service app", "Excellent service", "Hotline", "Loan machine", "Ready-to-use return"],
)
STP25KANO_REPORTED = pd.DataFrame(
    {
        "cs_plus": [0.568, 0.372, 0.511, 0.608, 0.352],
        "cs_minus": [-0.736, -0.534, -0.137, -0.514, -0.094],
        "total_strength_pct": [89, 71, 54, 83, 37],
        "category_strength_pct": [9, 7, 1, 2, 32],
        "fong_diff": [28, 20, 3, 6, 94],
        "fong_critical": [19.4, 18.5, 19.8, 18.5, 19.9],
        "fong_sig": [True, True, False, False, True],
        "chi2": [72.49, 21.64, 150.06, 15.41, 251.30],
        "max_category": ["O", "M", "I", "A", "I"],
        "rule_category": ["O", "M", "A", "O", "I"],
    },
    index=STP25KANO.index,
)


def test_analyze_counts_reproduces_the_stp25kano_table():
    got = analyze_counts(STP25KANO)
    rep = STP25KANO_REPORTED
    assert got["n"].tolist() == [296] * 5
    np.testing.assert_allclose(got["better"].round(3), rep["cs_plus"], atol=1e-9)
    np.testing.assert_allclose(got["worse"].round(3), rep["cs_minus"], atol=1e-9)
    np.testing.assert_array_equal((100 * got["total_strength"]).round(), rep["total_strength_pct"])
    np.testing.assert_array_equal((100 * got["category_strength"]).round(), rep["category_strength_pct"])
    np.testing.assert_array_equal(got["fong_difference"], rep["fong_diff"])
    np.testing.assert_allclose(got["fong_critical"].round(1), rep["fong_critical"], atol=1e-9)
    assert got["fong_significant"].tolist() == rep["fong_sig"].tolist()
    np.testing.assert_allclose(got["chi2"].round(2), rep["chi2"], atol=1e-9)
    assert got["mode"].tolist() == rep["max_category"].tolist()
    assert got["rule_category"].tolist() == rep["rule_category"].tolist()
    # not significant -> mixed label, the rule's pick first
    assert got["category"].tolist() == ["O", "M", "A/I", "O/A", "I"]


def test_better_worse_strengths_by_hand_on_a_typed_table():
    # Definitions: Better = (A+O)/(A+O+M+I), Worse = -(O+M)/(A+O+M+I) (Timko, in
    # Berger et al. 1993, CQM Journal 2(4)); category strength = share of the top
    # category minus the second, total strength = share of A+O+M (Lee & Newcomb 1997).
    t = analyze_counts(pd.DataFrame({"A": [10], "O": [20], "M": [40], "I": [25], "R": [3], "Q": [2]}, index=["x"]))
    row = t.loc["x"]
    assert row["n"] == 100
    assert row["better"] == pytest.approx(30 / 95)
    assert row["worse"] == pytest.approx(-60 / 95)
    assert row["category_strength"] == pytest.approx(0.15)
    assert row["total_strength"] == pytest.approx(0.70)
    # Fong (1996): |40 - 25| = 15 vs 1.65 * sqrt(65 * 135 / 200)
    assert row["fong_critical"] == pytest.approx(1.65 * math.sqrt(65 * 135 / 200))
    assert bool(row["fong_significant"]) is (15 >= 1.65 * math.sqrt(65 * 135 / 200))
    # exact binomial test of the top two given their sum (scipy.stats.binomtest)
    assert row["binom_p_value"] == pytest.approx(sps.binomtest(40, 65, 0.5).pvalue)


def test_fong_test_is_vectorised_and_matches_the_formula():
    diff, crit, sig = kano.fong_test([50, 30], [20, 29], [100, 100])
    assert diff.tolist() == [30, 1]
    np.testing.assert_allclose(crit, [1.65 * math.sqrt(70 * 130 / 200), 1.65 * math.sqrt(59 * 141 / 200)])
    assert sig.tolist() == [True, False]


@pytest.mark.parametrize(
    ("counts", "mode", "category", "rule"),
    [
        ({"A": 30, "O": 30, "M": 0, "I": 0}, "O", "O/A", "O"),  # exact tie: O > A
        ({"A": 25, "O": 0, "M": 25, "I": 25}, "M", "M/A", "M"),  # three-way tie: M first, then A
        ({"A": 0, "O": 0, "M": 10, "I": 12}, "I", "M/I", "M"),  # weak lead of I: the rule says M
        ({"A": 80, "O": 5, "M": 5, "I": 10}, "A", "A", "A"),  # a clear lead
        ({"A": 5, "O": 5, "M": 5, "I": 5, "R": 60}, "R", "R", "R"),  # reverse can be the category
        ({"A": 10, "O": 5, "M": 5, "I": 5, "Q": 60}, "A", "M/A", "M"),  # Q is never a category; M wins the tie for second
    ],
)
def test_mode_ties_and_mixed_labels(counts, mode, category, rule):
    row = analyze_counts(pd.DataFrame([{**dict.fromkeys(kano.CATEGORIES, 0), **counts}], index=["x"])).loc["x"]
    assert (row["mode"], row["category"], row["rule_category"]) == (mode, category, rule)


def test_analyze_counts_bad_input_names_attribute_and_category():
    bad = STP25KANO.copy().astype(object)
    bad.loc["Hotline", "M"] = -1
    bad.loc["Loan machine", "O"] = 2.5
    with pytest.raises(KanoInputError, match=r"'Hotline' M = -1, 'Loan machine' O = 2.5"):
        analyze_counts(bad)
    with pytest.raises(KanoInputError, match=r"Kano counts: no column 'Q'; the data has: A, O, M, I, R"):
        analyze_counts(STP25KANO.drop(columns="Q"))
    missing = STP25KANO.astype(float)
    missing.loc["Hotline", "A"] = np.nan
    with pytest.raises(KanoInputError, match=r"column 'A' has 1 missing .*rows Hotline"):
        analyze_counts(missing)
    zero = STP25KANO.copy()
    zero.loc["Hotline"] = 0
    with pytest.raises(KanoInputError, match=r"\['Hotline'\] have no answers"):
        analyze_counts(zero)


# ---------------------------------------------------------------- answers in
def test_labels_english_chinese_and_codes_classify_alike():
    f_codes = [1, 1, 2, 3, 4, 5, 1]
    d_codes = [5, 3, 5, 3, 1, 1, 1]
    en = {1: "like", 2: "must-be", 3: "neutral", 4: "live-with", 5: "dislike"}
    zh = {1: "喜欢", 2: "理应如此", 3: "无所谓", 4: "能忍受", 5: "不喜欢"}
    want = classify(f_codes, d_codes).tolist()
    assert want == ["O", "A", "M", "I", "R", "R", "Q"]
    assert classify([en[c] for c in f_codes], [en[c] for c in d_codes]).tolist() == want
    assert classify([zh[c] for c in f_codes], [zh[c] for c in d_codes]).tolist() == want
    assert classify([" Like", "LIKE", "must be", "neutral", "live_with", "dislike", "1"],
                    [5.0, "3", "Dis-Like", "无所谓", "喜欢", "like", "1"]).tolist() == want  # fmt: skip


def test_missing_answers_classify_as_empty_not_as_a_category():
    assert classify([1, None, 2], [5, 5, np.nan]).tolist() == ["O", "", ""]


def test_unknown_labels_are_named():
    with pytest.raises(KanoInputError, match=r"dysfunctional answers must be codes 1-5; 2 are not, at positions 0, 2 \(values \['maybe', 'hate'\]\)"):
        classify([1, 1, 1], ["maybe", 5, "hate"])


def _answers():
    return pd.DataFrame(
        {
            "respondent_id": ["r1", "r1", "r2", "r2", "r3", "r3", "r4", "r4"],
            "segment": ["a", "a", "a", "a", "b", "b", "b", "b"],
            "attribute": ["wifi", "bus"] * 4,
            "functional": pd.array([1, 3, 1, 3, 2, 1, 1, pd.NA], dtype="Int64"),
            "dysfunctional": pd.array([5, 3, 5, 4, 5, 3, 5, 3], dtype="Int64"),
        }
    )


def test_long_answers_with_missing_values_report_the_dropped_count():
    t = analyze(_answers(), n_boot=0)
    assert t.loc["bus", ["A", "I", "n", "n_missing"]].tolist() == [1, 2, 3, 1]
    assert t.loc["wifi", ["O", "M", "n", "n_missing"]].tolist() == [3, 1, 4, 0]
    assert t["n_missing"].sum() == 1 and not t.attrs  # metadata in the columns, never in .attrs
    assert t["confidence"].isna().all()  # no bootstrap, no interval level
    assert analyze(_answers(), n_boot=20, confidence=0.9, rng=0)["confidence"].eq(0.9).all()
    assert t.index.name == "attribute"


def test_bad_long_answers_name_rows_and_attributes():
    data = _answers()
    data.loc[[2, 5], "functional"] = pd.NA
    data["functional"] = data["functional"].astype(object)
    data.loc[2, "functional"] = 9
    data.loc[5, "functional"] = "sometimes"
    with pytest.raises(KanoInputError) as info:
        analyze(data, n_boot=0)
    msg = str(info.value)
    assert "column 'functional': answers must be codes 1-5; 2 are not, at rows 2, 5" in msg
    assert "values [9, 'sometimes']" in msg and "attribute(s) ['wifi', 'bus']" in msg


def test_an_attribute_without_valid_answers_is_named_with_its_rows():
    data = _answers()
    data.loc[data["attribute"] == "bus", "dysfunctional"] = pd.NA
    with pytest.raises(KanoInputError, match=r"no valid answer pair .* for attribute\(s\) 'bus' \(4 rows: 1, 3, 5, 7\)"):
        analyze(data, n_boot=0)


def test_missing_columns_and_bad_options_are_named():
    with pytest.raises(KanoInputError, match=r"Kano answers: no column by\[0\]='edition'"):
        analyze(_answers(), by="edition")
    # every bad option at once, through the shared checks (crm_lab._checks)
    with pytest.raises(KanoInputError, match=r"analyze: 'n_boot' must be an integer >= 0 \(got -1\); "
                                             r"'confidence' must be > 0 and < 1 \(got 1.5\); "
                                             r"'fong_z' must be a finite number > 0 \(got 0\); "
                                             r"'layout' must be one of \['auto', 'long', 'wide'\] \(got 'wdie'\); did you mean 'wide'\?"):
        analyze(_answers(), n_boot=-1, confidence=1.5, fong_z=0, layout="wdie")
    with pytest.raises(KanoInputError, match="must be a pandas DataFrame"):
        analyze([[1, 5]])


def test_wide_and_long_layouts_give_the_same_table():
    long = _answers()
    wide = long.pivot(index="respondent_id", columns="attribute", values=["functional", "dysfunctional"])
    wide.columns = [f"{attr}_{q}" for q, attr in wide.columns]
    wide["segment"] = long.groupby("respondent_id")["segment"].first()
    a = analyze(long, by="segment", n_boot=0)
    b = analyze(wide, by="segment", n_boot=0)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert kano.to_long(wide, keep=["segment"]).shape == (8, 5)


def test_wide_data_with_a_lonely_column_is_an_error():
    wide = pd.DataFrame({"wifi_functional": [1], "wifi_dysfunctional": [5], "bus_functional": [3]})
    with pytest.raises(KanoInputError, match=r"attribute\(s\) \['bus'\] have only one of the columns"):
        analyze(wide)


def test_input_is_not_modified():
    data = _answers()
    before = data.copy()
    analyze(data, by="segment", n_boot=50, rng=1)
    analyze_continuous(data)
    pd.testing.assert_frame_equal(data, before)


# ---------------------------------------------------------------- bootstrap
def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    data = datasets.load("kano")
    a = analyze(data, n_boot=300, rng=5)
    b = analyze(data, n_boot=300, rng=5)
    pd.testing.assert_frame_equal(a, b)
    assert (a["better_low"] <= a["better"]).all() and (a["better"] <= a["better_high"]).all()
    assert (a["worse_low"] <= a["worse"]).all() and (a["worse"] <= a["worse_high"]).all()


def test_multinomial_bootstrap_matches_resampling_rows():
    # The intervals come from multinomial counts; resampling the rows themselves
    # must give the same percentile limits up to Monte Carlo error.
    rng = np.random.default_rng(0)
    pairs = rng.choice([(1, 3), (1, 5), (2, 5), (3, 3), (5, 1)], p=[0.3, 0.25, 0.2, 0.2, 0.05], size=300)
    data = pd.DataFrame({"attribute": "x", "functional": pairs[:, 0], "dysfunctional": pairs[:, 1]})
    fast = analyze(data, n_boot=4000, rng=1).loc["x"]
    cat = kano.classify_codes(pairs[:, 0], pairs[:, 1])
    idx = rng.integers(0, len(cat), size=(4000, len(cat)))
    counts = np.stack([(cat[idx] == k).sum(axis=1) for k in range(4)], axis=1)  # A, O, M, I
    better = (counts[:, 0] + counts[:, 1]) / counts.sum(axis=1)
    worse = -(counts[:, 1] + counts[:, 2]) / counts.sum(axis=1)
    np.testing.assert_allclose([fast["better_low"], fast["better_high"]], np.percentile(better, [2.5, 97.5]), atol=0.012)
    np.testing.assert_allclose([fast["worse_low"], fast["worse_high"]], np.percentile(worse, [2.5, 97.5]), atol=0.012)


def test_bootstrap_interval_is_the_shared_percentile_interval_of_multinomial_draws():
    # analyze draws each attribute's category counts as multinomial(n, observed shares), then takes
    # crm_lab.resampling.percentile_interval of the draws: the same draws give the same limits
    counts = STP25KANO.sort_index()  # analyze orders the attributes
    pairs = {"A": (1, 3), "O": (1, 5), "M": (3, 5), "I": (3, 3), "R": (5, 1), "Q": (1, 1)}
    rows = [(attr, *pairs[c]) for attr in counts.index for c in kano.CATEGORIES for _ in range(counts.loc[attr, c])]
    data = pd.DataFrame(rows, columns=["attribute", "functional", "dysfunctional"])
    got = analyze(data, n_boot=500, confidence=0.9, rng=7)
    c = counts.to_numpy()
    draws = np.random.default_rng(7).multinomial(c.sum(axis=1), c / c.sum(axis=1, keepdims=True), size=(500, len(c)))
    a, o, m, i = (draws[..., k].astype(float) for k in range(4))
    np.testing.assert_array_equal(got[["better_low", "better_high"]].to_numpy().T,
                                  resampling.percentile_interval((a + o) / (a + o + m + i), 0.9, axis=0))
    np.testing.assert_array_equal(got[["worse_low", "worse_high"]].to_numpy().T,
                                  resampling.percentile_interval(-(o + m) / (a + o + m + i), 0.9, axis=0))
    assert got["confidence"].eq(0.9).all()


def test_bootstrap_interval_covers_the_true_better_about_95_percent():
    p = np.array([0.3, 0.2, 0.25, 0.2, 0.03, 0.02])  # A O M I R Q
    true_better = (p[0] + p[1]) / p[:4].sum()
    rng = np.random.default_rng(11)
    hits = 0
    n_sets = 200
    counts = rng.multinomial(150, p, size=n_sets)
    for i in range(n_sets):
        pairs = np.repeat(np.array([(1, 3), (1, 5), (2, 5), (3, 3), (5, 1), (1, 1)]), counts[i], axis=0)
        data = pd.DataFrame({"attribute": "x", "functional": pairs[:, 0], "dysfunctional": pairs[:, 1]})
        row = analyze(data, n_boot=400, rng=i).loc["x"]
        hits += row["better_low"] <= true_better <= row["better_high"]
    # 95% nominal; binomial SD of the rate over 200 sets is 1.5 points
    assert 0.89 <= hits / n_sets <= 0.99


# ---------------------------------------------------------------- continuous
def test_continuous_scores_are_dumouchels_scale():
    # Berger et al. (1993), CQM Journal 2(4), section IV (DuMouchel): functional
    # like 4, must-be 2, neutral 0, live-with -1, dislike -2; dysfunctional
    # like -2, must-be -1, neutral 0, live-with 2, dislike 4 (the same scale as
    # listed by Kano+, kano.plus/about-kano).
    assert kano.CONTINUOUS_SCORES == {1: (4, -2), 2: (2, -1), 3: (0, 0), 4: (-1, 2), 5: (-2, 4)}


def test_continuous_means_by_hand_and_rq_dropped():
    data = pd.DataFrame(
        {
            "attribute": ["x"] * 5,
            "functional": [1, 2, 4, 5, 1],  # like, must-be, live-with, dislike (R), like
            "dysfunctional": [5, 5, 3, 1, 1],  # dislike, dislike, neutral, like, like (Q)
        }
    )
    c = analyze_continuous(data).loc["x"]
    f = [4, 2, -1]  # the R and Q pairs are left out
    d = [4, 4, 0]
    assert (c["n"], c["n_dropped_rq"]) == (3, 2)
    assert c["functional_mean"] == pytest.approx(np.mean(f))
    assert c["dysfunctional_mean"] == pytest.approx(np.mean(d))
    assert c["functional_sd"] == pytest.approx(np.std(f, ddof=1))
    assert c["quadrant"] == "M"  # functional 5/3 < 2, dysfunctional 8/3 >= 2
    kept = analyze_continuous(data, drop_rq=False).loc["x"]
    assert kept["functional_mean"] == pytest.approx(np.mean([4, 2, -1, -2, 4]))


# ---------------------------------------------------------------- segments
def test_segment_test_is_the_chi_square_of_the_crosstab():
    data = datasets.load("kano")
    data = data[data["attribute"] == "matchmaking"].dropna(subset=["functional", "dysfunctional"])
    cat = classify(data["functional"].to_numpy(int), data["dysfunctional"].to_numpy(int))
    table = pd.crosstab(data["segment"].to_numpy(), cat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        want = stats.chi_square(table)
        got = kano.segment_test(data, "matchmaking")
    assert got.statistic == pytest.approx(want.statistic)
    assert got.estimate == pytest.approx(want.estimate)
    assert got.df == want.df
    # the planted categories differ by segment (A/O for SMEs, O for large firms, A for visitors)
    assert got.p_value < 1e-6 and got.extra["attribute"] == "matchmaking"


def test_compare_segments_warns_once_naming_attributes_and_adjusts_with_holm():
    from statsmodels.stats.multitest import multipletests

    data = datasets.load("kano")
    data = data[data["edition"] == 7]
    with pytest.warns(UserWarning, match=r"expected counts are below 5 for \d+ attribute\(s\) \['catering'"):
        out = kano.compare_segments(data)
    assert out.index.name == "attribute" and len(out) == 10
    np.testing.assert_allclose(out["p_holm"], multipletests(out["p_value"], method="holm")[1])
    # the result protocol's columns first; each row is that attribute's segment_test
    assert out.columns.tolist() == [*TABLE_COLUMNS, *kano.SEGMENT_COLUMNS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        one = kano.segment_test(data, "matchmaking")
    pd.testing.assert_frame_equal(out.loc[["matchmaking"], list(TABLE_COLUMNS)], one.table.rename_axis("attribute")
                                  .set_axis(["matchmaking"]), check_names=False)
    assert out.loc["matchmaking", "report"] == one.report()
    # about 15 large firms per edition: small expected counts for every attribute
    assert out["small_expected"].all()


def test_segment_test_unknown_attribute():
    with pytest.raises(KanoInputError, match=r"attribute 'parking' not in column 'attribute'"):
        kano.segment_test(_answers(), "parking")


# ---------------------------------------------------------------- the sample and its planted truth
def test_the_planted_categories_are_recovered_at_the_ends_of_the_drift():
    data = datasets.load("kano")
    truth = datasets.load_truth().kano.set_index(["edition", "segment", "attribute"])
    table = analyze(data, by=["edition", "segment"], n_boot=0)
    ends = table.loc[[1, 7]]
    ends = ends[ends.index.get_level_values("segment") != "exhibitor_large"]  # ~15 large firms per edition
    planted = truth.loc[ends.index, "category"]
    assert (ends["mode"] == planted).all()


# ---------------------------------------------------------------- simulation
def test_fong_calls_a_tie_clear_more_often_than_its_nominal_ten_percent():
    # With p_a = p_b = p, Var(N_a - N_b) = 2np (multinomial), but Fong's formula
    # estimates 2np(1 - p): the false "clear" rate is 2(1 - Phi(1.65 sqrt(1 - p))).
    p = 0.3675
    shares = {"tie": [p, p, (1 - 2 * p - 0.08) / 2, (1 - 2 * p - 0.08) / 2, 0.04, 0.04]}
    out = kano.simulate_decisions(shares, [2000], n_sims=3000, rng=3).iloc[0]
    expected = 2 * (1 - sps.norm.cdf(1.65 * math.sqrt(1 - p)))
    assert out["truth"] == "O/A"
    assert out["fong_clear"] == pytest.approx(expected, abs=0.025)
    assert out["binom_clear"] == pytest.approx(0.05, abs=0.015)  # the exact test keeps its level


def test_recovery_grows_with_sample_size_and_required_n():
    shares = {"lead": [0.45, 0.30, 0.1, 0.07, 0.04, 0.04]}
    curve = kano.simulate_decisions(shares, [10, 40, 160], n_sims=800, rng=4)
    assert curve["truth"].eq("A").all()
    assert curve["mode_correct"].is_monotonic_increasing
    assert curve["mode_correct"].iloc[-1] > 0.97
    assert (curve["mode_low"] <= curve["mode_correct"]).all()
    need = power.smallest_n(curve, target=0.9, column="mode_correct", by="scenario")
    assert need["lead"] in (40, 160)
    again = kano.simulate_decisions(shares, [10, 40, 160], n_sims=800, rng=4)
    pd.testing.assert_frame_equal(curve, again)


def test_every_simulated_share_has_its_wilson_interval():
    curve = kano.simulate_decisions({"tie": [0.3, 0.3, 0.16, 0.16, 0.04, 0.04]}, [30, 120], n_sims=250, rng=2)
    for share, prefix in kano.DECISIONS.items():
        for _, row in curve.iterrows():
            want = stats.proportion_ci(round(row[share] * 250), 250)  # Wilson (1927)
            np.testing.assert_allclose([row[share], row[f"{prefix}_low"], row[f"{prefix}_high"]], want, rtol=1e-12)
    assert curve["n_sims"].eq(250).all()


def test_simulate_decisions_checks_shares():
    with pytest.raises(KanoInputError, match="summing to 1"):
        kano.simulate_decisions({"x": [0.5, 0.5, 0.5, 0, 0, 0]}, [10])
    with pytest.raises(KanoInputError, match=r"'n_sims' must be an integer >= 1 \(got 0\); 'sizes' must be an integer >= 2 \(got 1\)"):
        kano.simulate_decisions({"x": [0.5, 0.5, 0, 0, 0, 0]}, [1, 10], n_sims=0)


# ---------------------------------------------------------------- docs and figures
def test_docstring_examples_run():
    result = doctest.testmod(kano, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 6


def test_plots_draw_and_return_the_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = datasets.load("kano")
    fig, axes = plt.subplots(1, 3)
    t = analyze(data, n_boot=50, rng=0)
    assert kano.plot_better_worse(t, ax=axes[0]) is axes[0]
    assert kano.plot_continuous(analyze_continuous(data), ax=axes[1]) is axes[1]
    assert kano.plot_category_shares(t, ax=axes[2]) is axes[2]
    assert len(axes[0].texts) >= 10
    plt.close(fig)


def test_pair_counting_equals_classifying_every_pair():
    rng = np.random.default_rng(8)
    f = rng.integers(0, 6, size=(500, 4), dtype=np.int8)
    d = rng.integers(0, 6, size=(500, 4), dtype=np.int8)
    cat = kano.classify_codes(f, d)
    direct = np.stack([np.bincount(cat[:, j], minlength=7) for j in range(4)])
    np.testing.assert_array_equal(kano.count_categories_wide(f, d), direct)
    groups = np.broadcast_to(np.arange(4), f.shape)
    np.testing.assert_array_equal(kano.count_categories(f, d, groups, 4), direct)


# --------------------------------------------------------------------------
# Issue 12: small expected counts, effect sizes, reverse services on the diagrams
# --------------------------------------------------------------------------
def test_monte_carlo_p_value_matches_scipys_and_the_asymptotic_test_on_a_large_table():
    small = np.array([[3, 0, 1, 2], [0, 4, 1, 0], [1, 1, 5, 0]])
    ours = kano.monte_carlo_p_value(small, n_resamples=20000, rng=1)
    if "method" in sps.chi2_contingency.__code__.co_varnames:  # SciPy >= 1.15
        ref = sps.chi2_contingency(small, correction=False,
                                   method=sps.MonteCarloMethod(n_resamples=20000, rng=np.random.default_rng(2))).pvalue
        assert abs(ours - ref) < 4 * math.sqrt(ref * (1 - ref) / 20000) + 0.002
    big = np.array([[120, 90, 60], [100, 110, 70]])
    asym = sps.chi2_contingency(big, correction=False).pvalue
    mc = kano.monte_carlo_p_value(big, n_resamples=20000, rng=3)
    assert abs(mc - asym) < 4 * math.sqrt(asym * (1 - asym) / 20000) + 0.002
    assert kano.monte_carlo_p_value([[50, 0], [0, 50]], n_resamples=99, rng=0) == pytest.approx(1 / 100)


def test_compare_segments_with_monte_carlo_p_values_does_not_warn_and_keeps_the_asymptotic_p():
    data = datasets.load("kano")
    data = data[data["edition"] == 7]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = kano.compare_segments(data, n_resamples=999, rng=0)
    assert out.columns.tolist() == [*TABLE_COLUMNS, *kano.SEGMENT_COLUMNS]
    assert (out["n_resamples"] == 999).all() and out["small_expected"].all()
    assert ((out["p_value"] >= 1 / 1000) & (out["p_value"] <= 1)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        one = kano.segment_test(data, "free_wifi")
    assert out.loc["free_wifi", "p_asymptotic"] == pytest.approx(one.p_value)
    assert out["size"].tolist() == [kano.cramers_v_size(v, k) for v, k in zip(out["estimate"], out["k"])]
    assert out["modes"].str.contains("exhibitor_sme: ").all()
    text = kano.say_segment_tests(out, alpha=0.05)
    for name, row in out.iterrows():
        line = next(s for s in text.splitlines() if s.startswith(plots.label(name)))
        assert ("the segments differ" in line) == (row["p_holm"] < 0.05)


def test_cramers_v_size_follows_cohens_w_benchmarks():
    assert [kano.cramers_v_size(v, 2) for v in (0.05, 0.1, 0.29, 0.3, 0.5)] == \
        ["negligible", "small", "small", "medium", "large"]
    # with k = 3, w = V * sqrt(2): V = 0.36 is large
    assert kano.cramers_v_size(0.36, 3) == "large" and kano.cramers_v_size(0.2, 3) == "small"


def test_reverse_services_are_flagged_and_left_off_the_diagrams():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = datasets.load("kano")
    sme = data[(data["segment"] == "exhibitor_sme") & (data["edition"] == 7)]
    t = analyze(sme, n_boot=50, rng=0)
    flagged = kano.rq_dominant(t)
    assert flagged.tolist() == (t["mode"].eq("R") | (t["R"] + t["Q"] >= 0.5 * t[list(CATEGORIES)].sum(axis=1))).tolist()
    assert flagged["promo_calls"] and flagged.sum() == 1
    cont = analyze_continuous(sme)
    assert cont.loc["promo_calls", "quadrant"] == "R/Q" and cont["rq_dominant"].sum() == 1
    assert cont.loc["promo_calls", "n_reverse"] == t.loc["promo_calls", "R"]
    fig, axes = plt.subplots(1, 3, figsize=(18, 5))
    kano.plot_better_worse(t, ax=axes[0])
    kano.plot_continuous(cont, ax=axes[1])
    kano.plot_better_worse(t, reverse="flag", ax=axes[2])
    for ax in axes[:2]:
        placed = [a.get_text() for a in ax.texts if not a.get_text().startswith("Not placed")]
        assert "Promo calls" not in placed and "Mobile app" in placed
        assert any(a.get_text().startswith("Not placed") and "Promo calls" in a.get_text() for a in ax.texts)
    assert any(a.get_text() == "Promo calls (mostly R/Q)" for a in axes[2].texts)
    with pytest.raises(KanoInputError, match="'reverse' must be one of"):
        kano.plot_better_worse(t, reverse="hide", ax=axes[0])
    plt.close(fig)


def test_better_worse_labels_do_not_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = datasets.load("kano")
    t = analyze(data[(data["segment"] == "exhibitor_sme") & (data["edition"] == 7)], n_boot=0)
    fig, ax = plt.subplots(figsize=(9.5, 6))
    kano.plot_better_worse(t, ax=ax)
    fig.canvas.draw()
    names = {plots.label(n) for n in t.index}
    boxes = [a.get_window_extent() for a in ax.texts if a.get_text() in names]
    assert len(boxes) == 9
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    plt.close(fig)


# --------------------------------------------------------------------------
# Issue 18: two Series are paired by respondent (index label), not by position
# --------------------------------------------------------------------------
def test_classify_aligns_two_series_by_their_index():
    functional = pd.Series([1, 1, 3], index=["r1", "r2", "r3"])
    dysfunctional = pd.Series([3, 5, 5], index=["r3", "r1", "r2"])  # same respondents, another order
    # r1: (like, dislike) = O; r2: (like, dislike) = O; r3: (neutral, neutral) = I
    assert classify(functional, dysfunctional).tolist() == ["O", "O", "I"]
    # arrays (and a Series with an array) are paired by position
    assert classify(functional.to_numpy(), dysfunctional.to_numpy()).tolist() == ["A", "O", "M"]
    assert classify(functional, dysfunctional.to_numpy()).tolist() == ["A", "O", "M"]
    with pytest.raises(KanoInputError, match=r"different indexes.*1 label\(s\) only in functional \(r3\); "
                                             r"1 label\(s\) only in dysfunctional \(r9\)"):
        classify(functional, pd.Series([5, 5, 5], index=["r1", "r2", "r9"]))
    with pytest.raises(KanoInputError, match="repeat labels"):
        classify(functional, pd.Series([5, 5, 5], index=["r1", "r1", "r2"]))
