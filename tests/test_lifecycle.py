"""Tests of crm_lab.lifecycle: textbook chains, published estimates, recovery of planted values, bad input."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special as sp

from crm_lab import lifecycle as lc
from crm_lab._checks import CrmLabError
from crm_lab.lifecycle import LifecycleError
from crm_lab.results import TABLE_COLUMNS, plain
from crm_lab.simulate import simulate_market

DATA = Path(__file__).parent / "data"

#: Fader & Hardie (2007), Table 1: survivors per 1,000 over years 0-7.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def _panel():
    return pd.DataFrame(
        {
            "exhibitor_id": ["a", "a", "a", "b", "b", "c", "c"],
            "edition": [1, 2, 3, 1, 2, 2, 3],
            "participated": [1, 1, 0, 1, 0, 1, 1],
            "stage": ["exploration", "formation", "lapsed", "exploration", "lapsed", "exploration", "exploration"],
        }
    )


@pytest.fixture(scope="module")
def market():
    return simulate_market(6000, n_visitors=60, kano_respondents=10, rng=21)


@pytest.fixture(scope="module")
def donations():
    return pd.read_csv(DATA / "donations.csv")


# ------------------------------------------------------------ who came back
def test_next_edition_returns_by_hand():
    r = lc.next_edition_returns(_panel())
    got = {(x, e): k for x, e, k in r[["exhibitor_id", "edition", "returned"]].itertuples(index=False)}
    # a: ed1 -> back at 2, ed2 -> not at 3; b: ed1 -> not back; c: ed2 -> back at 3
    assert got == {("a", 1): 1, ("b", 1): 0, ("a", 2): 0, ("c", 2): 1}


# ------------------------------------------------------------ transition matrix
def test_transition_matrix_of_a_hand_panel():
    tm = lc.transition_matrix(_panel(), n_boot=0)
    m = tm.matrix
    assert list(m.index) == list(lc.STATES) and list(m.columns) == list(lc.STATES)
    # from exploration: a -> formation, b -> ended, c -> exploration; from formation: a -> ended
    assert m.loc["exploration", ["exploration", "formation", "ended"]].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert m.loc["formation", "ended"] == 1.0
    assert m.loc["ended"].tolist() == [0, 0, 0, 0, 1]
    assert np.allclose(m.sum(axis=1), 1)
    # stability and decline were never left: their rows are the pooled destinations
    assert tm.meta["pooled_rows"] == ["stability", "decline"]
    assert m.loc["stability"].tolist() == pytest.approx([0.25, 0.25, 0, 0, 0.5])
    assert tm.counts.loc["exploration"].sum() == 3 and tm.meta["n_moves"] == 4 and tm.meta["n"] == 3
    assert tm.table["se"].isna().all() and list(tm.table.columns[:7]) == list(TABLE_COLUMNS)


def test_transition_matrix_returned_part_sums_to_one_and_counts_every_move(sample_tables):
    part = sample_tables["participation"]
    tm = lc.transition_matrix(part, n_boot=0)
    np.testing.assert_allclose(tm.returned.sum(axis=1).to_numpy(), 1.0)
    # the move to ended is "did not come back" of next_edition_returns
    back = lc.next_edition_returns(part)
    assert tm.counts["ended"].sum() == int((back["returned"] == 0).sum())
    assert tm.counts.to_numpy().sum() == len(back)


def test_transition_matrix_long_panels_take_the_sorting_path():
    # 40 editions in stability: a count of 39 does not fit the packed 64-bit pattern key
    n_ed = 40
    panel = pd.DataFrame({"exhibitor_id": ["a"] * n_ed + ["b", "b"], "edition": [*range(1, n_ed + 1), 1, 2],
                          "stage": ["stability"] * n_ed + ["stability", "lapsed"]})
    tm = lc.transition_matrix(panel, n_boot=50, rng=0)
    assert tm.meta["patterns"] == 2 and tm.counts.loc["stability", "stability"] == n_ed - 1
    assert tm.matrix.loc["stability", "ended"] == pytest.approx(1 / n_ed)
    assert set(np.round(tm.draws[:, 2, 4], 6)) <= {0.0, round(1 / n_ed, 6), round(2 / (n_ed + 1), 6), 1.0}


def test_transition_matrix_recovers_the_planted_moves(market):
    tm = lc.transition_matrix(market.tables["participation"], n_boot=400, rng=3)
    planted = lc.planted_transitions(market.truth)
    est = tm.returned_table["estimate"].to_numpy()
    truth = planted.to_numpy().ravel()
    low, high = tm.returned_table["ci_low"].to_numpy(), tm.returned_table["ci_high"].to_numpy()
    cover = (low <= truth + 1e-12) & (truth - 1e-12 <= high)
    assert cover.mean() >= 14 / 16  # 95% intervals; zero cells are estimated exactly
    assert np.abs(est - truth).max() < 0.05


def test_bootstrap_se_matches_binomial_and_is_reproducible():
    n = 4000
    rng = np.random.default_rng(0)
    back = rng.random(n) < 0.7
    panel = pd.DataFrame({
        "exhibitor_id": np.repeat(np.arange(n), 2),
        "edition": np.tile([1, 2], n),
        "stage": np.column_stack([np.full(n, "stability"), np.where(back, "stability", "lapsed")]).ravel(),
    })
    a = lc.transition_matrix(panel, n_boot=2000, rng=9)
    b = lc.transition_matrix(panel, n_boot=2000, rng=9)
    np.testing.assert_array_equal(a.draws, b.draws)
    p = a.matrix.loc["stability", "stability"]
    se = a.table.loc[("stability", "stability"), "se"]
    assert se == pytest.approx(np.sqrt(p * (1 - p) / n), rel=0.1)
    assert a.draws.shape == (2000, 5, 5) and np.allclose(a.draws.sum(axis=2), 1)


def test_transition_matrix_apply_gives_intervals_of_derived_quantities(sample_tables):
    tm = lc.transition_matrix(sample_tables["participation"], n_boot=200, rng=1)
    t = tm.apply(lambda P: lc.absorption_times(P).table["estimate"].to_numpy(), index=list(lc.STAGES))
    assert list(t.index) == list(lc.STAGES)
    assert (t["ci_low"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_high"]).all()
    json.dumps(tm.to_dict())  # JSON-plain
    assert "Lifecycle transition matrix" in tm.summary()


def test_transition_matrix_bad_input():
    bad = _panel().assign(stage=["exploration", "fromation", "lapsed", "exploration", None, "x", "x"])
    with pytest.raises(LifecycleError, match=r"'fromation'.*missing values") as info:
        lc.transition_matrix(bad, n_boot=0)
    assert isinstance(info.value, CrmLabError)
    with pytest.raises(LifecycleError, match="repeat an"):
        lc.transition_matrix(pd.concat([_panel(), _panel().iloc[:1]]), n_boot=0)
    with pytest.raises(LifecycleError, match="'n_boot'"):
        lc.transition_matrix(_panel(), n_boot=1)
    with pytest.raises(LifecycleError, match="no column"):
        lc.transition_matrix(_panel().drop(columns="stage"))
    with pytest.raises(LifecycleError, match="Truth"):
        lc.planted_transitions(None)


def test_transitions_by_satisfaction_shifts_the_ended_column(market):
    part = market.tables["participation"]
    sat = market.truth.latent.set_index("exhibitor_id")["satisfaction"]
    groups = pd.qcut(sat, 2, labels=["low", "high"]).rename("satisfaction")
    res = lc.transitions_by(part, groups)
    assert list(res.matrices) == ["low", "high"]
    # planted: satisfaction raises loyalty and so the return probability; moves given return are not shifted
    for stage in ("exploration", "stability"):
        assert res.matrices["high"].loc[stage, "ended"] < res.matrices["low"].loc[stage, "ended"]
    assert res.table.loc["all", "p_value"] < 1e-6
    assert res.table.loc["all", "df"] == res.table.loc[list(lc.STAGES), "df"].sum()
    assert "by satisfaction" in res.title


def test_transitions_by_identical_groups_are_not_different():
    base = _panel()
    twin = base.assign(exhibitor_id=base["exhibitor_id"] + "2")
    groups = pd.Series({"a": "g1", "b": "g1", "c": "g1", "a2": "g2", "b2": "g2", "c2": "g2"})
    res = lc.transitions_by(pd.concat([base, twin], ignore_index=True), groups)
    assert res.table.loc["exploration", "statistic"] == pytest.approx(0.0)
    with pytest.raises(LifecycleError, match="Series"):
        lc.transitions_by(base, {"a": 1})


# ------------------------------------------------------------ chains: stationary, absorption, value
def test_stationary_land_of_oz():
    # Kemeny, Snell & Thompson's Land of Oz (Grinstead & Snell 1997, Example 11.1): w = (2/5, 1/5, 2/5)
    oz = pd.DataFrame([[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]], index=list("RNS"), columns=list("RNS"))
    pi = lc.stationary(oz)
    assert pi.name == "stationary" and pi.tolist() == pytest.approx([0.4, 0.2, 0.4])


def test_stationary_transient_state_gets_zero_and_absorbing_chain_is_quasi_stationary():
    pi = lc.stationary([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.5, 0.5]])
    assert pi.tolist() == pytest.approx([0.0, 0.5, 0.5])
    # absorbing chain: Q = [[.4, .2], [.2, .4]] has Perron root 0.6 and left vector (1/2, 1/2)
    q = lc.stationary([[0.4, 0.2, 0.4], [0.2, 0.4, 0.4], [0.0, 0.0, 1.0]])
    assert q.name == "quasi_stationary" and q.tolist() == pytest.approx([0.5, 0.5])
    assert q.attrs["survival"] == pytest.approx(0.6)
    # triangular Q: the slower-leaving state 1 holds the long-run survivors
    q = lc.stationary([[0.5, 0.3, 0.2], [0.0, 0.8, 0.2], [0.0, 0.0, 1.0]])
    assert q.tolist() == pytest.approx([0.0, 1.0]) and q.attrs["survival"] == pytest.approx(0.8)
    with pytest.raises(LifecycleError, match="2 closed classes"):
        lc.stationary(np.eye(2))


def test_absorption_times_drunkards_walk():
    # Grinstead & Snell (1997), Section 11.2, the drunkard's walk on 0..4 with 0 and 4 absorbing
    walk = np.array([[1, 0, 0, 0, 0], [0.5, 0, 0.5, 0, 0], [0, 0.5, 0, 0.5, 0], [0, 0, 0.5, 0, 0.5], [0, 0, 0, 0, 1]])
    res = lc.absorption_times(walk)
    np.testing.assert_allclose(res.fundamental.to_numpy(), [[1.5, 1, 0.5], [1, 2, 1], [0.5, 1, 1.5]])
    assert res.table["estimate"].tolist() == pytest.approx([3, 4, 3])
    np.testing.assert_allclose(res.absorption.to_numpy(), [[0.75, 0.25], [0.5, 0.5], [0.25, 0.75]])
    # the variance against the exact distribution of the time: P(T > k) = (Q^k 1)
    Q = walk[1:4, 1:4]
    tail = np.array([np.linalg.matrix_power(Q, k).sum(axis=1) for k in range(400)])
    mean = tail.sum(axis=0)
    second = ((2 * np.arange(400) + 1)[:, None] * tail).sum(axis=0)
    assert res.table["estimate"].to_numpy() == pytest.approx(mean)
    assert res.table["variance"].to_numpy() == pytest.approx(second - mean**2)


def test_absorption_times_bad_chains():
    with pytest.raises(LifecycleError, match="no absorbing state"):
        lc.absorption_times([[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(LifecycleError, match="never left"):
        lc.absorption_times([[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    with pytest.raises(LifecycleError, match="rows must sum to 1"):
        lc.absorption_times([[0.5, 0.4], [0, 1]])
    with pytest.raises(LifecycleError, match="square"):
        lc.stationary([[1.0, 0.0]])


def test_markov_clv_retention_closed_form_and_hand_case():
    # Gupta & Lehmann (2003): retained with r, margin m per period -> m (1 + d) / (1 + d - r)
    r, m, d = 0.75, 120.0, 0.12
    v = lc.markov_clv([[r, 1 - r], [0, 1]], [m, 0], d)
    assert v.iloc[0] == pytest.approx(m * (1 + d) / (1 + d - r)) and v.iloc[1] == 0
    # hand-solved: V = R + P V / (1 + d), states A, B, end
    P = pd.DataFrame([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0, 0, 1]], index=["A", "B", "end"], columns=["A", "B", "end"])
    v = lc.markov_clv(P, {"B": 20.0, "A": 10.0, "end": 0.0}, 0.1)
    lhs = v.to_numpy() - P.to_numpy() @ v.to_numpy() / 1.1
    assert lhs == pytest.approx([10, 20, 0])
    # no discount: solved on the transient states (expected total reward)
    v0 = lc.markov_clv(P, [10.0, 20.0, 0.0], 0)
    N = np.linalg.inv(np.eye(2) - P.to_numpy()[:2, :2])
    assert v0.to_numpy()[:2] == pytest.approx(N @ [10, 20])
    with pytest.raises(LifecycleError, match="reward"):
        lc.markov_clv(P, {"A": 1.0}, 0.1)
    with pytest.raises(LifecycleError, match="'discount'"):
        lc.markov_clv(P, [1.0, 1.0, 0.0], -0.1)
    with pytest.raises(LifecycleError, match="absorbing"):
        lc.markov_clv(P, [1.0, 1.0, 5.0], 0)


# ------------------------------------------------------------ Kaplan-Meier
#: (first edition, editions exhibited in a row, ended); the panel's last edition is 6.
KM_ROWS = [(1, 1, 1), (1, 1, 1), (1, 2, 1), (1, 3, 1), (1, 3, 1), (1, 4, 1), (1, 6, 0), (1, 6, 0), (1, 2, 1), (1, 5, 1),
           (2, 1, 1), (2, 1, 1), (2, 1, 1), (2, 2, 1), (2, 4, 1), (2, 5, 0), (2, 5, 0), (2, 3, 1),
           (3, 1, 1), (3, 2, 1), (3, 4, 0), (3, 4, 0), (3, 4, 0), (3, 1, 1), (3, 3, 1)]


def _km_panel(rows=KM_ROWS, last=6):
    parts = []
    for i, (first, k, ended) in enumerate(rows):
        eds = np.arange(first, last + 1)
        took = (eds < first + k).astype(int)
        assert ended == (first + k - 1 < last)
        parts.append(pd.DataFrame({"exhibitor_id": f"E{i:02d}", "edition": eds, "participated": took}))
    return pd.concat(parts, ignore_index=True)


def test_kaplan_meier_against_lifelines():
    res = lc.kaplan_meier(_km_panel())
    c = res.curves
    # lifelines 0.30.0 (KaplanMeierFitter, exponential Greenwood interval) on the same durations
    ref = {
        1: ([1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.2], [1, 0.4086907816, 0.252668897, 0.1226931658, 0.0711344923, 0.0309090243,
                                                0.0309090243], [1, 0.9458726458, 0.827220967, 0.6702046374, 0.5778673306,
                                                                0.4747146904, 0.4747146904]),
        2: ([1, 0.625, 0.5, 0.375, 0.25, 0.25], [1, 0.2293333224, 0.1520358903, 0.0870062251, 0.0370668816, 0.0370668816],
            [1, 0.8606982769, 0.7748650121, 0.6743633266, 0.5580841913, 0.5580841913]),
        3: ([1, 0.7142857143, 0.5714285714, 0.4285714286, 0.4285714286],
            [1, 0.2581536655, 0.1718660155, 0.0977522021, 0.0977522021],
            [1, 0.919797456, 0.8370827803, 0.7343734171, 0.7343734171]),
    }
    for cohort, (s, low, high) in ref.items():
        mine = c[c["cohort"] == cohort]
        assert mine["survival"].tolist() == pytest.approx(s)
        assert mine["ci_low"].tolist() == pytest.approx(low, rel=1e-7)
        assert mine["ci_high"].tolist() == pytest.approx(high, rel=1e-7)
    lr = res.table.loc["log-rank"]
    # lifelines.statistics.multivariate_logrank_test: 0.2542837950, p = 0.8806087076, df = 2
    assert lr["statistic"] == pytest.approx(0.2542837950, rel=1e-6)
    assert lr["p_value"] == pytest.approx(0.8806087076, rel=1e-6) and lr["df"] == 2
    assert res.table.loc[1, "estimate"] == pytest.approx(0.8) and res.table.loc[1, "n"] == 10


def test_kaplan_meier_durations_and_unobserved_cohort():
    panel = pd.concat([_km_panel(), pd.DataFrame({"exhibitor_id": ["Z"], "edition": [6], "participated": [1]})])
    res = lc.kaplan_meier(panel, horizon=4)
    assert res.meta["unobserved_cohorts"] == [6] and 6 not in res.table.index
    d = res.durations.set_index("exhibitor_id")
    assert d.loc["E06", ["editions", "ended"]].tolist() == [6, 0]
    assert d.loc["E00", ["editions", "ended"]].tolist() == [1, 1]
    # cohort 3 can reach 4 editions beyond its first only at edition 7: not observed yet
    assert np.isnan(res.table.loc[3, "estimate"]) and not np.isnan(res.table.loc[2, "estimate"])


def test_cohort_survivors_feed_fit_sbg(sample_tables):
    surv = lc.cohort_survivors(sample_tables["participation"])
    assert surv.index.name == "first_edition" and (surv[0] > 0).all()
    assert (surv.diff(axis=1).iloc[:, 1:].fillna(0) <= 0).all().all()
    km = lc.kaplan_meier(sample_tables["participation"])
    # the survivors of a cohort are the KM curve times the cohort size (no censoring inside a cohort)
    c1 = km.curves[km.curves["cohort"] == 1]["survival"].to_numpy()
    s1 = surv.loc[1].dropna().to_numpy()
    assert s1 / s1[0] == pytest.approx(c1[: s1.size])
    m = lc.fit_sbg(surv.loc[1].dropna())
    assert 0 < m.alpha_ and 0 < m.beta_


def test_kaplan_meier_bad_input():
    panel = _km_panel().assign(participated=lambda d: d["participated"].replace(0, 2))
    with pytest.raises(LifecycleError, match="'participated' 0 or 1"):
        lc.kaplan_meier(panel)
    with pytest.raises(LifecycleError, match="'horizon'"):
        lc.kaplan_meier(_km_panel(), horizon=0)
    late = _km_panel().query("not (exhibitor_id == 'E00' and edition == 1)")
    with pytest.raises(LifecycleError, match="first row must be an edition it exhibited at"):
        lc.kaplan_meier(late)


# ------------------------------------------------------------ sBG
@pytest.mark.parametrize(
    "survivors, alpha, beta, loglik",
    [(REGULAR, 0.704, 1.182, -1680.3), (HIGH_END, 0.668, 3.806, -1611.2)],
    ids=["regular", "high end"],
)
def test_sbg_reproduces_fader_hardie_2007(survivors, alpha, beta, loglik):
    # Fader & Hardie (2007), "How to project customer retention", the regular and high-end cohorts, years 0-7
    m = lc.fit_sbg(survivors)
    assert round(m.alpha_, 3) == alpha and round(m.beta_, 3) == beta
    assert round(m.log_likelihood_, 1) == loglik
    assert (m.standard_errors_ > 0).all() and list(m.table.index) == ["alpha", "beta"]
    assert m.table["ci_low"].lt(m.table["estimate"]).all()
    # fitted counts are close to the data, and the retention rate rises with tenure
    assert np.abs(m.predict_survivors(np.arange(8)) - survivors).max() < 20
    r = m.retention(np.arange(1, 13))
    assert np.all(np.diff(r) > 0)
    assert m.survival(np.arange(1, 13)) == pytest.approx(np.cumprod(r))
    assert m.churn_probability(3) == pytest.approx(m.survival(2) - m.survival(3))


def test_sbg_derl_against_the_direct_sum():
    m = lc.fit_sbg(HIGH_END)
    t = np.arange(0, 5000)
    for n_ren in (0, 3):
        n = n_ren + 1
        direct = np.sum(m.survival(n + t) / m.survival(n - 1) / 1.1**t)
        assert m.derl(0.1, n_ren) == pytest.approx(direct, rel=1e-8)
    assert m.derl(0.1, [0, 3]).shape == (2,)
    assert m.derl(0.1, 3) > m.derl(0.1, 0)  # survivors are the better customers
    with pytest.raises(LifecycleError, match="'discount'"):
        m.derl(0)
    with pytest.raises(LifecycleError, match="renewals"):
        m.derl(0.1, 1.5)


def test_sbg_parameter_recovery():
    rng = np.random.default_rng(2024)
    hits = 0
    for alpha, beta in ((0.7, 1.2), (0.67, 3.8), (2.0, 5.0)):
        s = lc.simulate_sbg(alpha, beta, 20_000, 8, rng=rng)
        m = lc.fit_sbg(s)
        ok = np.abs(m.params_.to_numpy() - [alpha, beta]) < 3 * m.standard_errors_.to_numpy()
        hits += int(ok.all())
        assert m.params_.to_numpy() == pytest.approx([alpha, beta], rel=0.25)
    assert hits >= 2
    np.testing.assert_array_equal(lc.simulate_sbg(1, 2, 100, 3, rng=5), lc.simulate_sbg(1, 2, 100, 3, rng=5))


def test_sbg_bad_input():
    with pytest.raises(LifecycleError, match=r"never rise: 468 at period 2 -> 470 at period 3"):
        lc.fit_sbg([1000, 631, 468, 470])
    with pytest.raises(LifecycleError, match=r"whole counts: 2 \(468.5\)"):
        lc.fit_sbg([1000, 631, 468.5])
    with pytest.raises(LifecycleError, match="period b"):
        lc.fit_sbg(pd.Series([10, 8, 9], index=["a", "b", "c"]))
    with pytest.raises(LifecycleError, match="cohort size"):
        lc.fit_sbg([1000])
    with pytest.raises(LifecycleError, match="> 0"):
        lc.fit_sbg([0, 0])
    with pytest.raises(LifecycleError, match="no churn"):
        lc.fit_sbg([50, 50, 50])
    with pytest.raises(LifecycleError, match="fit"):
        lc.ShiftedBetaGeometricFitter().survival(1)


# ------------------------------------------------------------ BG/BB
def test_donations_data_file():
    d = pd.read_csv(DATA / "donations.csv")
    assert len(d) == 22 and d["n_custs"].sum() == 11_104 and (d["n"] == 6).all()


def test_bgbb_reproduces_fader_hardie_shang_2010(donations):
    # Fader, Hardie & Shang (2010): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33,225.6
    m = lc.fit_bgbb(donations["frequency"], donations["recency"], donations["n"], weights=donations["n_custs"])
    assert m.params_.round(3).tolist() == [1.204, 0.750, 0.657, 2.783]
    assert round(m.log_likelihood_, 1) == -33225.6
    assert m.meta["n"] == 11_104 and (m.standard_errors_ > 0).all()
    # lifetimes 0.11.3 (BetaGeoBetaBinomFitter) on the same data, rows (x, t_x, n)
    x, tx, n = np.array([0, 1, 3, 6, 2]), np.array([0, 1, 6, 6, 3]), np.full(5, 6)
    assert m.p_alive(x, tx, n) == pytest.approx([0.10813328, 0.06946181, 0.93043358, 0.93043358, 0.29890366], rel=1e-4)
    assert m.conditional_expected_transactions(5, x, tx, n) == pytest.approx(
        [0.07286334, 0.08569571, 2.1897487, 3.75254425, 0.53611077], rel=1e-4)
    assert m.p_alive().shape == (22,)


def test_bgbb_expectations_against_direct_sums(donations):
    m = lc.fit_bgbb(donations["frequency"], donations["recency"], donations["n"], weights=donations["n_custs"])
    a, b, g, d = m.params_.to_numpy()
    t = np.arange(1, 11)
    alive = np.exp(sp.betaln(g, d + t) - sp.betaln(g, d))
    assert m.expected_transactions(10) == pytest.approx(a / (a + b) * alive.sum())
    closed = a / (a + b) * d / (g - 1) * (1 - np.exp(sp.gammaln(g + d) - sp.gammaln(g + d + 10)
                                                     + sp.gammaln(1 + d + 10) - sp.gammaln(1 + d)))
    assert m.expected_transactions(10) == pytest.approx(closed)  # FHS 2010, eq. 7
    # conditional: E[p | data, alive] times the opportunities alive, given the data
    x, tx, n, ns = 2, 3, 6, 4
    L = np.exp(m.log_likelihood([x], [tx], [n]))[0]
    future = np.arange(n + 1, n + ns + 1)
    alive_given = np.exp(sp.betaln(a + x, b + n - x) - sp.betaln(a, b) + sp.betaln(g, d + future) - sp.betaln(g, d)) / L
    direct = (a + x) / (a + b + n) * alive_given.sum()
    assert m.conditional_expected_transactions(ns, [x], [tx], [n])[0] == pytest.approx(direct)
    assert m.p_alive([x], [tx], [n])[0] == pytest.approx(alive_given[0])


def test_bgbb_parameter_recovery_and_holdout():
    truth = np.array([1.2, 0.75, 0.66, 2.8])
    sim = lc.simulate_bgbb(*truth, 40_000, 10, rng=7)
    attended = sim.attrs["attended"]
    cal = attended[:, :6]
    x = cal.sum(axis=1)
    tx = np.where(x > 0, 6 - np.argmax(cal[:, ::-1], axis=1), 0)
    m = lc.fit_bgbb(x, tx, 6)
    assert np.all(np.abs(m.params_.to_numpy() - truth) < 4 * m.standard_errors_.to_numpy())
    # calibration/holdout: the predicted attendances in opportunities 7..10 match the simulated ones
    pred = m.conditional_expected_transactions(4, x, tx, 6)
    actual = attended[:, 6:].sum(axis=1)
    assert pred.sum() == pytest.approx(actual.sum(), rel=0.03)
    full = lc.fit_bgbb(sim["frequency"], sim["recency"], sim["n_periods"])
    assert full.params_.to_numpy() == pytest.approx(truth, rel=0.2)


def test_bgbb_bad_input_reports_every_problem():
    with pytest.raises(LifecycleError) as info:
        lc.fit_bgbb([3, 0, 1, 2], [2, 1, 1, 7], [6, 6, 6, 6], weights=[1, 1, 0, 1])
    text = str(info.value)
    assert "'frequency' cannot exceed 'recency'" in text and "rows 0 (x=3, t_x=2, n=6)" in text
    assert "'recency' must be 0 when 'frequency' is 0: rows 1" in text
    assert "periods < recency" in text and "3 (x=2, t_x=7, n=6)" in text
    assert "'weights' must be > 0: rows 2 (0)" in text
    with pytest.raises(LifecycleError, match=r"'frequency' must hold whole counts: 1 \(1.5\)"):
        lc.fit_bgbb([0, 1.5], [0, 2], 6)
    with pytest.raises(LifecycleError, match="same non-zero length"):
        lc.fit_bgbb([0, 1], [0], 6)
    with pytest.raises(LifecycleError, match="'n_periods' must be >= 1"):
        lc.fit_bgbb([0], [0], 0)


def test_bgbb_failed_fit_is_an_error_not_a_warning():
    # everybody attends every opportunity: beta runs to 0 and the optimum is on the bound
    with pytest.raises(LifecycleError, match="fit_bgbb: the (maximum-likelihood optimiser did not converge|estimate of)"):
        lc.fit_bgbb([6] * 50, [6] * 50, 6)


def test_recency_frequency_by_hand():
    visits = pd.DataFrame({"visitor_id": ["a", "a", "a", "b", "c", "c"], "edition": [1, 2, 4, 3, 2, 6]})
    rf = lc.recency_frequency(visits, end=4, holdout_end=6)
    assert rf.loc["a", ["first", "frequency", "recency", "n_periods", "holdout"]].tolist() == [1, 2, 3, 3, 0]
    assert rf.loc["b", ["frequency", "recency", "n_periods"]].tolist() == [0, 0, 1]
    assert rf.loc["c", ["frequency", "recency", "n_periods", "holdout"]].tolist() == [0, 0, 2, 1]
    with pytest.raises(LifecycleError, match="'holdout_end'"):
        lc.recency_frequency(visits, end=4, holdout_end=3)


def test_fitters_follow_the_result_protocol(donations):
    m = lc.fit_sbg(REGULAR)
    assert "Shifted-beta-geometric" in m.summary() and "alpha" in m._repr_html_()
    out = m.to_dict()
    json.dumps(out)
    assert out["meta"]["log_likelihood"] == pytest.approx(m.log_likelihood_)
    assert plain(m.table)[0]["parameter"] == "alpha"
    assert repr(lc.BetaGeoBetaBinomialFitter()) == "BetaGeoBetaBinomialFitter(unfitted)"


# ------------------------------------------------------------ decisions, projections, recovery, figures
def test_planted_chain_matches_the_estimate_of_a_large_market(market):
    t = market.tables
    planted = lc.planted_chain(market.truth, t["participation"], t["exhibitors"], t["sectors"])
    assert list(planted.index) == list(lc.STATES) and np.allclose(planted.sum(axis=1), 1)
    np.testing.assert_allclose(planted.loc[list(lc.STAGES), lc.STAGES].div(1 - planted["ended"].iloc[:4], axis=0),
                               lc.planted_transitions(market.truth))
    tm = lc.transition_matrix(t["participation"], n_boot=0)
    assert np.abs(tm.matrix["ended"] - planted["ended"]).max() < 0.03
    with pytest.raises(LifecycleError, match="Truth"):
        lc.planted_chain(None, t["participation"], t["exhibitors"], t["sectors"])


def test_constant_retention_and_projection_of_fader_hardie_regular():
    # homogeneous MLE: 1 - lost / exposure
    s = np.array(REGULAR, dtype=float)
    assert lc.constant_retention(REGULAR) == pytest.approx(1 - (s[0] - s[-1]) / s[:-1].sum())
    proj = lc.project_survivors(REGULAR, calibration=3)
    hold = proj[proj["holdout"]]
    # Fader & Hardie (2007): the sBG tracks the holdout, one constant rate falls far below it
    assert (hold["sbg"] - hold["actual"]).abs().max() < 15
    assert (hold["constant"] < hold["actual"] - 40).all()
    with pytest.raises(LifecycleError, match="calibration"):
        lc.project_survivors(REGULAR, calibration=7)


def test_improve_retention_and_cohort_forward_by_hand():
    P = pd.DataFrame([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0, 0, 1]], index=["a", "b", "ended"],
                     columns=["a", "b", "ended"])
    new = lc.improve_retention(P, "b", 0.1)
    assert new.loc["b"].tolist() == pytest.approx([0.1 + 0.1 / 7, 0.6 + 0.6 / 7, 0.2])
    assert new.loc["a"].tolist() == P.loc["a"].tolist()
    assert lc.improve_retention(P, "a", 0.5).loc["a", "ended"] == 0  # at most the probability of ending
    fwd = lc.cohort_forward(P, start="a", editions=2)
    np.testing.assert_allclose(fwd.loc[2].to_numpy(), np.array([1, 0, 0]) @ P.to_numpy() @ P.to_numpy())
    with pytest.raises(LifecycleError, match="stage"):
        lc.improve_retention(P, "ended", 0.1)


def test_compare_interventions_against_hand_solved_values(sample_tables):
    part = sample_tables["participation"]
    tm = lc.transition_matrix(part, n_boot=50, rng=3)
    R = lc.stage_margins(part, margin_rate=0.3)
    iv = lc.compare_interventions(tm, R, discount=0.1, points=0.05, horizon=5, base={"stability": 10})
    P = tm.matrix
    for stage in lc.STAGES:
        gain = lc.markov_clv(lc.improve_retention(P, stage, 0.05), R, 0.1) - lc.markov_clv(P, R, 0.1)
        assert iv.table.loc[stage, "estimate"] == pytest.approx(gain["exploration"])
        n = lc.absorption_times(P).fundamental.loc["exploration", stage]
        assert iv.table.loc[stage, "per_edition"] == pytest.approx(gain["exploration"] / n)
        assert iv.base.loc[stage, "estimate"] == pytest.approx(10 * gain["stability"])
    assert iv.table["p_best"].sum() == pytest.approx(1) and (iv.table["ci_low"] <= iv.table["estimate"]).all()
    base = iv.bands[iv.bands["scenario"] == "no intervention"]["estimate"].to_numpy()
    np.testing.assert_allclose(base, 1 - lc.cohort_forward(P, editions=5)["ended"].to_numpy())
    assert iv.best() in lc.STAGES and json.dumps(plain(iv.to_dict()))
    with pytest.raises(LifecycleError, match="discount"):
        lc.compare_interventions(tm, R, discount=0)


def test_stage_margins(sample_tables):
    part = sample_tables["participation"]
    R = lc.stage_margins(part, margin_rate=0.5)
    took = part[part["participated"] == 1]
    assert R["stability"] == pytest.approx(0.5 * took.loc[took["stage"] == "stability", ["booth_spend", "services_spend"]]
                                           .sum(axis=1).mean())
    assert R["ended"] == 0 and list(R.index) == list(lc.STATES)
    with pytest.raises(LifecycleError, match="margin_rate"):
        lc.stage_margins(part, margin_rate=1.5)


def test_parameter_recovery_of_both_models():
    sbg = lc.parameter_recovery("sbg", {"alpha": 0.704, "beta": 1.182}, n_customers=2000, n_periods=7, reps=10, rng=4)
    assert (sbg["bias"].abs() < 0.1).all() and (sbg["failed"] == 0).all()
    bgbb = lc.parameter_recovery("bgbb", {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}, n_customers=2000,
                                 n_periods=6, reps=5, rng=4)
    assert list(bgbb.index) == ["alpha", "beta", "gamma", "delta"] and (bgbb["coverage"] >= 0.6).all()
    with pytest.raises(LifecycleError, match="model"):
        lc.parameter_recovery("bgnbd", {}, n_customers=10, n_periods=2)


def test_sbg_fit_accepts_a_line_search_stop_at_the_optimum():
    # simulate_sbg(rng=32) once ended in L-BFGS-B's ABNORMAL stop at the optimum (gradient at rounding noise)
    fit = lc.fit_sbg(lc.simulate_sbg(0.7, 1.2, 1000, 7, rng=32))
    assert fit.alpha_ == pytest.approx(np.exp(-0.279), rel=1e-3) and fit.beta_ == pytest.approx(np.exp(0.346), rel=1e-3)


def test_bgbb_holdout_against_the_simulated_future():
    sim = lc.simulate_bgbb(1.2, 0.75, 0.66, 2.8, 4000, 6, rng=8)
    att = sim.attrs["attended"]
    cal = pd.DataFrame({"frequency": att[:, :4].sum(axis=1), "n_periods": 4, "holdout": att[:, 4:].sum(axis=1)})
    cal["recency"] = np.where(cal["frequency"] > 0, 4 - np.argmax(att[:, :4][:, ::-1], axis=1), 0)
    fit = lc.fit_bgbb(cal["frequency"], cal["recency"], cal["n_periods"])
    table = lc.bgbb_holdout(fit, cal, n_future=2)
    assert table.loc["all", "customers"] == 4000
    assert table.loc["all", "predicted"] == pytest.approx(table.loc["all", "actual"], rel=0.1)


def test_plots_draw_and_return_their_axes(sample_tables):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    part = sample_tables["participation"]
    tm = lc.transition_matrix(part, n_boot=20, rng=1)
    iv = lc.compare_interventions(tm, lc.stage_margins(part, margin_rate=0.3), discount=0.1, horizon=4)
    surv = lc.cohort_survivors(part).iloc[0].dropna().to_numpy()
    for draw in (lambda ax: lc.plot_transitions(tm, ax=ax), lambda ax: lc.plot_survival(lc.kaplan_meier(part), ax=ax),
                 lambda ax: lc.plot_retention(surv, lc.fit_sbg(surv), ax=ax), lambda ax: lc.plot_fan(iv, ax=ax)):
        fig, ax = plt.subplots()
        assert draw(ax) is ax and (ax.lines or ax.images)
        plt.close(fig)
