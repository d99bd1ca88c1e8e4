"""Tests of crm_lab.simulate: reproducibility, schema, planted truth, parameter checks.

The statistical tests use one large market (20,000 exhibitors, fixed seed) and
tolerances derived from standard errors: an estimate passes when it is within
4 standard errors of the planted value (4.5 where many cells are compared at
once, a Bonferroni-style allowance).  Everything else uses small markets.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

# statsmodels.api cannot be imported with statsmodels 0.14.4 and pandas 3.0
# (the lower bounds of pyproject.toml), so the models are imported directly
from statsmodels.discrete.discrete_model import Logit
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from crm_lab import kano as kano_mod
from crm_lab.datasets import load_all, write_tables
from crm_lab.schema import KANO_SEGMENTS, REGIONS, STAGES, TABLES
from crm_lab.simulate import _KANO_PAIRS, LATENTS, MarketParams, Truth, simulate_market

SMALL = dict(n_visitors=400)
Z = 4.0  # tolerance in standard errors


@pytest.fixture(scope="module")
def small():
    return simulate_market(400, **SMALL, rng=11)


@pytest.fixture(scope="module")
def big():
    """A large market for the statistical recovery tests (about 1 s)."""
    return simulate_market(20_000, n_visitors=20_000, kano_respondents=1500, rng=20240)


def _ols(y, X: pd.DataFrame):
    return OLS(np.asarray(y, dtype=float), add_constant(X.astype(float))).fit()


def _within(estimate, se, planted, z=Z, what=""):
    estimate, se, planted = np.asarray(estimate), np.asarray(se), np.asarray(planted)
    off = np.abs(estimate - planted) > z * se
    assert not off.any(), (
        f"{what}: estimates {np.round(estimate[off], 4).tolist()} differ from planted {np.round(planted[off], 4).tolist()} "
        f"by more than {z} SE (SE {np.round(se[off], 4).tolist()})"
    )


# --------------------------------------------------------------------------
# reproducibility and randomness
# --------------------------------------------------------------------------


def _assert_same_market(a, b):
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)
    for name in ("paths", "latent", "kano", "transition"):
        pd.testing.assert_frame_equal(getattr(a.truth, name), getattr(b.truth, name), obj=f"truth.{name}")
    assert a.truth.params == b.truth.params
    assert a.truth.sizes == b.truth.sizes


def test_same_seed_gives_identical_tables_and_truth(small):
    again = simulate_market(400, **SMALL, rng=11)
    _assert_same_market(small, again)
    assert small.truth.seed == again.truth.seed == 11


def test_numpy_integer_seed_equals_int_seed(small):
    _assert_same_market(small, simulate_market(400, **SMALL, rng=np.int64(11)))


def test_different_seed_gives_different_data(small):
    other = simulate_market(400, **SMALL, rng=12)
    for name in ("exhibitors", "participation", "transactions", "visitors", "visits", "survey", "kano"):
        assert not small.tables[name].equals(other.tables[name]), name
    assert not np.allclose(small.truth.latent["trust"], other.truth.latent["trust"])
    # what does not depend on the seed is the same
    pd.testing.assert_frame_equal(small.tables["editions"], other.tables["editions"])
    pd.testing.assert_frame_equal(small.truth.paths, other.truth.paths)


def test_generator_is_accepted_and_reproducible():
    a = simulate_market(400, **SMALL, rng=np.random.default_rng(5))
    b = simulate_market(400, **SMALL, rng=np.random.default_rng(5))
    _assert_same_market(a, b)
    assert a.truth.seed is None
    # the generator is the only source of randomness: using it again gives new data
    gen = np.random.default_rng(5)
    first = simulate_market(400, **SMALL, rng=gen)
    second = simulate_market(400, **SMALL, rng=gen)
    assert not first.tables["exhibitors"].equals(second.tables["exhibitors"])


def test_global_random_state_is_not_touched():
    before, py_before = np.random.get_state(), random.getstate()
    simulate_market(400, **SMALL, rng=1)
    simulate_market(400, **SMALL, rng=None)
    after, py_after = np.random.get_state(), random.getstate()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]
    assert py_before == py_after


def test_rng_none_gives_fresh_data_and_no_seed():
    a = simulate_market(400, **SMALL)
    b = simulate_market(400, **SMALL)
    assert a.truth.seed is None
    assert not a.tables["exhibitors"].equals(b.tables["exhibitors"])


# --------------------------------------------------------------------------
# schema and validation
# --------------------------------------------------------------------------


def test_tables_have_exactly_the_schema_columns_in_order(small):
    assert set(small.tables) == set(TABLES)
    for name, table in TABLES.items():
        assert list(small[name].columns) == list(table.column_names), name
        assert small[name].index.equals(pd.RangeIndex(len(small[name]))), name
        assert len(small[name]) > 0, name


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n_exhibitors=400, n_visitors=400, n_editions=3, rng=1),
        dict(n_exhibitors=400, n_visitors=400, n_editions=12, rng=2),
        dict(n_exhibitors=1000, n_visitors=300, n_editions=7, rng=3),
        dict(n_exhibitors=300, n_visitors=800, n_editions=5, survey_edition=1, kano_respondents=10, rng=4),
        dict(n_exhibitors=200, n_visitors=200, n_editions=30, rng=5),
    ],
    ids=["3-editions", "12-editions", "1000-exhibitors", "survey-at-1", "30-editions"],
)
def test_written_tables_validate_and_round_trip(tmp_path, kwargs):
    market = simulate_market(**kwargs)
    write_tables(market, tmp_path)
    loaded = load_all(tmp_path)  # every column rule, row rule and reference holds
    assert set(loaded) == set(TABLES)
    for name, df in market.tables.items():
        back = loaded[name]
        assert len(back) == len(df), name
        for col in df.columns:
            if df[col].dtype.kind == "M":  # datetime resolution may differ (s vs us)
                assert (back[col].to_numpy() == df[col].to_numpy()).all(), f"{name}.{col}"
            else:
                pd.testing.assert_series_equal(back[col], df[col], obj=f"{name}.{col}", check_dtype=False)
    assert loaded["editions"]["edition"].tolist() == list(range(1, kwargs["n_editions"] + 1))
    survey_edition = kwargs.get("survey_edition", kwargs["n_editions"] - 1)
    assert set(loaded["survey"]["edition"]) == {survey_edition}


def test_tables_are_coherent(small):
    t = small.tables
    part, exh, trans, ed = t["participation"], t["exhibitors"], t["transactions"], t["editions"]
    n_editions = len(ed)
    # one participation row per exhibitor and edition from its first edition on
    expected_rows = (n_editions - exh["first_edition"] + 1).sum()
    assert len(part) == expected_rows
    first = part.groupby("exhibitor_id")["edition"].min()
    assert (first.reindex(exh["exhibitor_id"]).to_numpy() == exh["first_edition"].to_numpy()).all()
    at_first = part.merge(exh[["exhibitor_id", "first_edition"]]).query("edition == first_edition")
    assert (at_first["participated"] == 1).all() and (at_first["stage"] == "exploration").all()
    # lapsed for good: participation never goes from 0 back to 1
    jumps = part.groupby("exhibitor_id")["participated"].diff()
    assert (jumps.dropna() <= 0).all()
    # booth spend = area x price; booth rentals and services match the transactions
    priced = part.merge(ed[["edition", "price_per_sqm"]])
    np.testing.assert_allclose(priced["booth_spend"], (priced["booth_sqm"] * priced["price_per_sqm"]).round(2))
    keyed = part.set_index(["exhibitor_id", "edition"])
    rentals = trans[trans["service"] == "booth_rental"].set_index(["exhibitor_id", "edition"])["amount"]
    took_part = keyed[keyed["participated"] == 1]
    assert rentals.index.is_unique and len(rentals) == len(took_part)
    np.testing.assert_allclose(rentals.reindex(took_part.index), took_part["booth_spend"])
    services = trans[trans["service"] != "booth_rental"].groupby(["exhibitor_id", "edition"])["amount"].sum()
    np.testing.assert_allclose(services.reindex(keyed.index).fillna(0), keyed["services_spend"], atol=1e-6)
    dated = trans.merge(ed[["edition", "start_date"]])
    assert (dated["date"] <= dated["start_date"]).all()
    # visitors' first edition is their first visit
    first_visit = t["visits"].groupby("visitor_id")["edition"].min()
    assert (first_visit.reindex(t["visitors"]["visitor_id"]).to_numpy() == t["visitors"]["first_edition"].to_numpy()).all()
    # survey respondents exhibited at the survey edition
    survey = t["survey"].merge(part, on=["exhibitor_id", "edition"], how="left")
    assert (survey["participated"] == 1).all()
    # Kano respondents: exhibitors who exhibited / visitors who visited that edition, in their segment
    k = t["kano"]
    size = exh.set_index("exhibitor_id")["size_class"]
    is_ex = k["segment"] != "visitor"
    expected_seg = np.where(size.reindex(k.loc[is_ex, "respondent_id"]).to_numpy() == "large", "exhibitor_large", "exhibitor_sme")
    assert (k.loc[is_ex, "segment"].to_numpy() == expected_seg).all()
    assert k.loc[~is_ex, "respondent_id"].isin(t["visitors"]["visitor_id"]).all()
    ex_k = k.loc[is_ex, ["respondent_id", "edition"]].drop_duplicates()
    joined = ex_k.merge(part, left_on=["respondent_id", "edition"], right_on=["exhibitor_id", "edition"], how="left")
    assert (joined["participated"] == 1).all()
    vi_k = k.loc[~is_ex, ["respondent_id", "edition"]].drop_duplicates()
    visited = vi_k.merge(t["visits"], left_on=["respondent_id", "edition"], right_on=["visitor_id", "edition"], how="left")
    assert visited["days"].notna().all()
    # the truth describes the same exhibitors
    latent = small.truth.latent
    assert latent["exhibitor_id"].tolist() == exh["exhibitor_id"].tolist()
    survey_edition = small.truth.sizes["survey_edition"]
    np.testing.assert_array_equal(latent["tenure"], np.clip(survey_edition - exh["first_edition"] + 1, 1, None))


def test_kano_respondents_per_edition_capped(small):
    k = small.tables["kano"]
    per = k.assign(ex=k["segment"] != "visitor").groupby(["edition", "ex"])["respondent_id"].nunique()
    assert (per <= small.truth.sizes["kano_respondents"]).all()
    assert k.groupby(["respondent_id", "edition"])["attribute"].nunique().eq(10).all()


# --------------------------------------------------------------------------
# planted truth is recoverable
# --------------------------------------------------------------------------


def test_latent_constructs_have_mean_0_and_variance_1(big):
    latent = big.truth.latent
    names = [c for c in latent.columns if c not in ("exhibitor_id", "reputation", "contact_rate", "met_share", "tenure")]
    assert set(LATENTS) <= set(names) and len(names) == 7 + 3 + 3 + 8
    x = latent[names].to_numpy()
    n = x.shape[0]
    mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
    centred = x - mean
    se_mean = np.sqrt(var / n)
    se_var = np.sqrt(((centred**4).mean(axis=0) - var**2) / n)
    _within(mean, se_mean, 0.0, what="latent means")
    _within(var, se_var, 1.0, what="latent variances")


def _traits(market) -> pd.DataFrame:
    """Every regressor a latent construct has in truth.paths: traits and latent scores."""
    latent = market.truth.latent.set_index("exhibitor_id")
    exh = market.tables["exhibitors"].set_index("exhibitor_id").reindex(latent.index)
    out = latent.copy()
    out["large"] = (exh["size_class"] == "large").astype(float)
    out["monopoly"] = exh["sector"].isin(market.truth.params.monopoly_sectors).astype(float)
    return out


def test_conative_paths_recovered_by_ols(big):
    d = _traits(big)
    X = pd.DataFrame(
        {
            "satisfaction": d["satisfaction"],
            "switching_cost": d["switching_cost"],
            "satisfaction:switching_cost": d["satisfaction"] * d["switching_cost"],
            "affective": d["affective"],
            "commitment": d["commitment"],
        }
    )
    fit = _ols(d["conative"], X)
    planted = [big.truth.path("conative", rhs) for rhs in X.columns]
    assert planted[2] == pytest.approx(-0.15)
    _within(fit.params[X.columns], fit.bse[X.columns], planted, what="conative paths")
    _within(fit.params["const"], fit.bse["const"], 0.0, what="conative intercept")
    psi = big.truth.paths.query("lhs == 'conative' and op == '~~'")["value"].item()
    se_psi = psi * np.sqrt(2 / fit.df_resid)
    _within(fit.mse_resid, se_psi, psi, what="conative residual variance")


@pytest.mark.parametrize("lhs", [name for name in LATENTS if name != "conative"])
def test_other_structural_paths_recovered_by_ols(big, lhs):
    d = _traits(big)
    paths = big.truth.paths.query("lhs == @lhs and op == '~'")
    assert len(paths) >= 1
    fit = _ols(d[lhs], d[paths["rhs"].tolist()])
    _within(fit.params[paths["rhs"]], fit.bse[paths["rhs"]], paths["value"], what=f"paths into {lhs}")
    psi = big.truth.paths.query("lhs == @lhs and op == '~~'")["value"].item()
    _within(fit.mse_resid, psi * np.sqrt(2 / fit.df_resid), psi, what=f"residual variance of {lhs}")


def test_facet_loadings_recovered(big):
    latent = big.truth.latent
    # second-order facets (lhs == rhs is the survey item 'reputation' of the trait reputation)
    loadings = big.truth.paths.query("op == '=~' and lhs in @latent.columns and rhs in @latent.columns and lhs != rhs")
    assert len(loadings) == 3 + 3 + 8
    for row in loadings.itertuples():
        fit = _ols(latent[row.rhs], latent[[row.lhs]])
        _within(fit.params[row.lhs], fit.bse[row.lhs], row.value, what=f"{row.lhs} =~ {row.rhs}")


def _consecutive(part: pd.DataFrame) -> pd.DataFrame:
    """Rows at edition e joined with the same exhibitor's row at e + 1."""
    nxt = part[["exhibitor_id", "edition", "participated", "stage"]].assign(edition=lambda d: d["edition"] - 1)
    return part.merge(nxt, on=["exhibitor_id", "edition"], suffixes=("", "_next"))


def test_stage_transitions_estimate_the_planted_matrix(big):
    pairs = _consecutive(big.tables["participation"]).query("participated == 1 and participated_next == 1")
    counts = pd.crosstab(pairs["stage"], pairs["stage_next"]).reindex(index=list(STAGES), columns=list(STAGES), fill_value=0)
    planted = big.truth.transition.loc[list(STAGES), list(STAGES)].to_numpy()
    n = counts.sum(axis=1).to_numpy()[:, None]
    assert (n >= 500).all(), f"too few transitions to test: {n.ravel()}"
    share = counts.to_numpy() / n
    # impossible moves never happen
    assert (counts.to_numpy()[planted == 0] == 0).all()
    se = np.sqrt(planted * (1 - planted) / n)
    _within(share[planted > 0], se[planted > 0], planted[planted > 0], what="transition probabilities")
    # and a chi-square goodness-of-fit test per row
    for i, stage in enumerate(STAGES):
        keep = planted[i] > 0
        p = stats.chisquare(counts.to_numpy()[i, keep], n[i, 0] * planted[i, keep]).pvalue
        assert p > 1e-4, f"transitions from {stage}: chi-square p = {p:.2g}"


def test_return_logit_recovered(big):
    part = big.tables["participation"]
    pairs = _consecutive(part).query("participated == 1")
    d = _traits(big)
    X = pd.get_dummies(pairs["stage"]).reindex(columns=list(STAGES), fill_value=False).astype(float)
    X["conative"] = d["conative"].reindex(pairs["exhibitor_id"]).to_numpy()
    X["monopoly"] = d["monopoly"].reindex(pairs["exhibitor_id"]).to_numpy()
    y = pairs["participated_next"].to_numpy()
    fit = Logit(y, X.reset_index(drop=True)).fit(disp=0)
    p = big.truth.params
    planted = [*(big.truth.path("return", s, "~1") for s in STAGES), big.truth.path("return", "conative"), big.truth.path("return", "monopoly")]
    assert planted == [*p.return_intercepts, p.return_conative, p.return_monopoly]
    _within(fit.params, fit.bse, planted, what="return logit")


def test_kano_answers_classify_to_their_pairs_categories():
    for category, pairs in _KANO_PAIRS.items():
        f, d = np.array(list(pairs)).T
        assert set(kano_mod.classify(f, d)) == {category}, category
        assert sum(pairs.values()) == pytest.approx(1.0)


def test_generated_kano_answers_are_valid_pairs(big):
    k = big.tables["kano"]
    answered = k.dropna(subset=["functional", "dysfunctional"])
    f, d = answered["functional"].to_numpy(int), answered["dysfunctional"].to_numpy(int)
    cats = kano_mod.classify(f, d)  # raises on a code outside 1-5
    assert set(np.unique(cats)) == set(kano_mod.CATEGORIES)
    table_pairs = {(a, b) for pairs in _KANO_PAIRS.values() for (a, b) in pairs}
    assert set(zip(f.tolist(), d.tolist())) == table_pairs
    # about kano_missing of each question is unanswered
    p, n = big.truth.params.kano_missing, len(k)
    for col in ("functional", "dysfunctional"):
        _within(k[col].isna().mean(), np.sqrt(p * (1 - p) / n), p, what=f"missing share of {col}")


def test_kano_category_shares_match_planted(big):
    k = big.tables["kano"].dropna(subset=["functional", "dysfunctional"])
    k = k.assign(category=kano_mod.classify(k["functional"].to_numpy(int), k["dysfunctional"].to_numpy(int)))
    keys = ["edition", "segment", "attribute"]
    counts = pd.crosstab([k[c] for c in keys], k["category"]).reindex(columns=list(kano_mod.CATEGORIES), fill_value=0)
    truth = big.truth.kano.set_index(keys)
    assert len(truth) == len(big.tables["editions"]) * len(KANO_SEGMENTS) * 10
    counts = counts.reindex(truth.index)
    assert not counts.isna().any().any(), "a planted (edition, segment, attribute) cell has no answers"
    p = truth[[f"p_{c}" for c in kano_mod.CATEGORIES]].to_numpy()
    n = counts.sum(axis=1).to_numpy()[:, None]
    assert n.min() >= 100
    share = counts.to_numpy() / n
    # 1260 cells: 4.5 SE keeps the family-wise false-alarm rate near 1 %
    _within(share.ravel(), np.sqrt(p * (1 - p) / n).ravel(), p.ravel(), z=4.5, what="Kano shares")
    chi2 = (((counts.to_numpy() - n * p) ** 2) / (n * p)).sum()
    dof = counts.size - len(counts)
    assert stats.chi2.sf(chi2, dof) > 1e-4, f"Kano shares: chi-square {chi2:.0f} on {dof} df"
    # the planted modal category is the most frequent answer where it dominates clearly
    clear = np.sort(p, axis=1)[:, -1] - np.sort(p, axis=1)[:, -2] > 0.3
    observed_mode = np.asarray(kano_mod.CATEGORIES)[share.argmax(axis=1)]
    assert (observed_mode[clear] == truth["category"].to_numpy()[clear]).all()


def _survey_with_latent(market) -> pd.DataFrame:
    latent = market.truth.latent.set_index("exhibitor_id")
    s = market.tables["survey"].merge(market.tables["exhibitors"][["exhibitor_id", "region"]], on="exhibitor_id")
    return s.assign(satisfaction_latent=latent["satisfaction"].reindex(s["exhibitor_id"]).to_numpy())


def test_southern_respondents_answer_lower_at_equal_latent_level(big):
    s = _survey_with_latent(big)
    dummies = pd.get_dummies(s["region"]).reindex(columns=list(REGIONS), fill_value=False).drop(columns="north_china")
    X = pd.concat([s[["satisfaction_latent"]], dummies], axis=1)
    for item in ("sat1", "sat2", "overall_sat"):
        fit = _ols(s[item], X)
        # answers are lower in the south than in the north at the same latent satisfaction
        assert fit.params["south_china"] < 0 and fit.tvalues["south_china"] < -4, (item, fit.params["south_china"])
        # and the south answers lower than the east (shift -0.35 vs -0.10)
        diff = fit.params["south_china"] - fit.params["east_china"]
        se = np.sqrt(fit.cov_params().loc[["south_china", "east_china"], ["south_china", "east_china"]].to_numpy() @ [1, -1] @ [1, -1])
        assert diff / se < -3, (item, diff, se)
        # regions without a planted shift do not differ from the north
        for region in ("central_west_china", "overseas"):
            assert abs(fit.tvalues[region]) < Z, (item, region, fit.params[region])
    # the raw means differ the same way (the latent level is equal across regions)
    means = s.groupby("region")["sat1"].mean()
    assert means["south_china"] < means["north_china"]


def test_response_shift_recovered_by_ordered_probit(big):
    """sat1 = cut(0.4 + 0.8 S + shift + 0.6 e): an ordered probit recovers (0.8, shift) / 0.6."""
    s = _survey_with_latent(big)
    dummies = pd.get_dummies(s["region"]).reindex(columns=list(REGIONS), fill_value=False).drop(columns="north_china")
    X = pd.concat([s[["satisfaction_latent"]], dummies], axis=1).astype(float)
    fit = OrderedModel(s["sat1"].to_numpy(), X, distr="probit").fit(method="bfgs", disp=0, maxiter=500)
    p = big.truth.params
    loading = big.truth.path("satisfaction", "sat1", "=~")
    sd = np.sqrt(1 - loading**2)
    shift = dict(p.response_shift)
    planted = [loading / sd] + [shift.get(r, 0.0) / sd for r in dummies.columns]
    cols = list(X.columns)
    _within(fit.params[cols], fit.bse[cols], planted, what="ordered probit of sat1")


# --------------------------------------------------------------------------
# parameter checks
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_exhibitors=10), "n_exhibitors"),
        (dict(n_exhibitors=400.0), "n_exhibitors"),
        (dict(n_exhibitors=True), "n_exhibitors"),
        (dict(n_exhibitors="400"), "n_exhibitors"),
        (dict(n_visitors=49), "n_visitors"),
        (dict(n_visitors=1.5), "n_visitors"),
        (dict(n_editions=2), "n_editions"),
        (dict(n_editions=31), "n_editions"),
        (dict(n_editions=7.0), "n_editions"),
        (dict(n_editions=False), "n_editions"),
        (dict(n_editions=7, survey_edition=7), "survey_edition"),
        (dict(n_editions=7, survey_edition=0), "survey_edition"),
        (dict(survey_edition=3.0), "survey_edition"),
        (dict(kano_respondents=9), "kano_respondents"),
        (dict(kano_respondents=True), "kano_respondents"),
    ],
)
def test_bad_sizes_raise_naming_the_parameter(kwargs, name):
    args = dict(n_exhibitors=400, n_visitors=400, rng=0) | kwargs
    with pytest.raises(ValueError, match=name) as info:
        simulate_market(**args)
    bad = next(iter(kwargs.values())) if name != "survey_edition" else kwargs["survey_edition"]
    assert repr(bad) in str(info.value) or str(bad) in str(info.value)


def test_several_bad_sizes_are_reported_at_once():
    with pytest.raises(ValueError) as info:
        simulate_market(10, n_visitors=10, n_editions=2, rng=0)
    assert all(name in str(info.value) for name in ("n_exhibitors", "n_visitors", "n_editions"))


def test_bool_survey_edition_is_rejected():
    with pytest.raises(ValueError, match="survey_edition"):
        simulate_market(400, **SMALL, survey_edition=True, rng=0)


def test_numpy_integer_sizes_are_accepted(tmp_path):
    market = simulate_market(np.int64(400), n_visitors=np.int32(400), n_editions=np.int64(5), rng=0)
    assert len(market["exhibitors"]) == 400 and len(market["editions"]) == 5


def test_numpy_integer_sizes_can_be_written(tmp_path):
    market = simulate_market(np.int64(400), n_visitors=400, n_editions=np.int64(5), rng=0)
    write_tables(market, tmp_path)
    assert Truth.from_files(tmp_path).sizes["n_exhibitors"] == 400


@pytest.mark.parametrize(
    "change, name",
    [
        (dict(sector_shares=(0.2,) * 8), "sector_shares"),
        (dict(sector_shares=(0.5, 0.5)), "sector_shares"),
        (dict(region_shares=(0.3, 0.3, 0.3, 0.2, -0.1)), "region_shares"),
        (dict(size_shares=(0.5, 0.3, 0.1)), "size_shares"),
        (dict(transition=((0.5, 0.5, 0, 0),) * 3 + ((0.5, 0.6, 0, 0),)), "transition"),
        (dict(transition=((1.2, -0.2, 0, 0),) + MarketParams().transition[1:]), "transition"),
        (dict(transition=((0.5, 0.5, 0), (0.5, 0.5, 0), (0.5, 0.5, 0))), "transition"),
        (dict(monopoly_sectors=("textiles", "toys")), "monopoly_sectors"),
        (dict(incumbent_share=1.5), "incumbent_share"),
        (dict(survey_response_rate=-0.1), "survey_response_rate"),
        (dict(kano_dominance=0.95), "kano_dominance"),
        (dict(kano_plan={"matchmaking": (("A", "O"),) * 3}), "kano_plan"),
        (dict(attribute_means=((0.0, 0.0, 0.0),)), "attribute_means"),
    ],
)
def test_bad_market_params_raise(change, name):
    with pytest.raises(ValueError, match=name):
        replace(MarketParams(), **change)


def test_market_params_reports_all_problems_at_once():
    with pytest.raises(ValueError) as info:
        MarketParams(sector_shares=(1.0,), monopoly_sectors=("toys",), incumbent_share=2.0)
    for name in ("sector_shares", "monopoly_sectors", "incumbent_share", "toys"):
        assert name in str(info.value)


@pytest.mark.parametrize(
    "change, construct",
    [
        (dict(sat_trust=1.0), "satisfaction"),
        (dict(con_aff=0.6, con_com=0.6), "conative"),
        (dict(trust_per_met_share=8.0), "trust"),
        (dict(sc_monopoly=2.5), "switching_cost"),
    ],
)
def test_too_large_paths_raise(change, construct):
    params = replace(MarketParams(), **change)
    with pytest.raises(ValueError, match=f"paths into '{construct}'"):
        simulate_market(400, **SMALL, params=params, rng=0)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
@pytest.mark.parametrize("change", [dict(trust_facet_loadings=(1.2, 0.8, 0.75)), dict(sc_facet_loading=1.1)])
def test_loadings_above_one_raise(change):
    with pytest.raises(ValueError, match=next(iter(change))):
        simulate_market(400, **SMALL, params=replace(MarketParams(), **change), rng=0)


def test_unknown_response_shift_region_raises():
    with pytest.raises(ValueError, match="response_shift"):
        replace(MarketParams(), response_shift=(("south", -0.35),))


def test_negative_kano_noise_raises():
    with pytest.raises(ValueError, match="kano_noise_rq"):
        replace(MarketParams(), kano_noise_rq=-0.05)


def test_default_params_are_the_documented_ones(small):
    p = small.truth.params
    assert p == MarketParams()
    assert small.truth.path("conative", "satisfaction:switching_cost") == p.con_sat_x_sc == -0.15
    with pytest.raises(KeyError, match="no planted path"):
        small.truth.path("conative", "price")


def test_changed_params_reach_the_data():
    params = replace(MarketParams(), kano_missing=0.0, survey_response_rate=1.0, monopoly_sectors=())
    m = simulate_market(400, **SMALL, params=params, rng=3)
    assert m.tables["kano"][["functional", "dysfunctional"]].notna().all().all()
    survey_edition = m.truth.sizes["survey_edition"]
    part = m.tables["participation"]
    present = part[(part["edition"] == survey_edition) & (part["participated"] == 1)]
    assert sorted(m.tables["survey"]["exhibitor_id"]) == sorted(present["exhibitor_id"])
    assert (m.tables["sectors"]["market_structure"] == "competitive").all()
    assert m.truth.params is params


# --------------------------------------------------------------------------
# truth round trip
# --------------------------------------------------------------------------


def test_truth_round_trip(small, tmp_path):
    written = small.truth.to_files(tmp_path)
    assert sorted(p.name for p in written) == ["truth.json", "truth_kano.csv", "truth_latent.csv"]
    back = Truth.from_files(tmp_path)
    truth = small.truth
    assert back.seed == truth.seed == 11
    assert back.sizes == truth.sizes
    assert back.params == truth.params
    pd.testing.assert_frame_equal(back.paths, truth.paths)
    pd.testing.assert_frame_equal(back.kano, truth.kano, check_exact=False, atol=5e-5, rtol=0)
    pd.testing.assert_frame_equal(back.latent, truth.latent, check_exact=False, atol=5e-5, rtol=0)
    # the transition matrix, compared by labels
    pd.testing.assert_frame_equal(back.transition.loc[list(STAGES)], truth.transition)


def test_truth_round_trip_of_changed_params(tmp_path):
    params = replace(MarketParams(), response_shift=(("south_china", -0.5),), con_sat_x_sc=-0.1, kano_plan={
        **MarketParams().kano_plan, "catering": (("A", "A"), ("M", "O"), ("I", "R"))})
    m = simulate_market(200, n_visitors=200, params=params, rng=4)
    m.truth.to_files(tmp_path)
    assert Truth.from_files(tmp_path).params == params


def test_truth_round_trip_keeps_the_transition_order(small, tmp_path):
    small.truth.to_files(tmp_path)
    pd.testing.assert_frame_equal(Truth.from_files(tmp_path).transition, small.truth.transition)


# --------------------------------------------------------------------------
# vectorisation sanity (not a timing assertion)
# --------------------------------------------------------------------------


def test_doubling_exhibitors_doubles_their_rows():
    one = simulate_market(2000, n_visitors=400, rng=8)
    two = simulate_market(4000, n_visitors=400, rng=8)
    assert len(two["exhibitors"]) == 2 * len(one["exhibitors"]) == 4000
    for name in ("participation", "transactions", "survey"):
        ratio = len(two[name]) / len(one[name])
        assert 1.8 < ratio < 2.2, (name, ratio)
    assert len(two["visitors"]) == len(one["visitors"])
    assert len(two.truth.latent) == 4000


# --------------------------------------------------------------------------
# research scale: the vectorised bookkeeping keeps every draw
# --------------------------------------------------------------------------


def test_random_stream_is_pinned_beyond_the_shipped_sample(tmp_path):
    """Another size, edition count and seed than the sample give the bytes the simulator always gave.

    The digest was computed with the simulator and pandas' CSV writer as they
    were before the research-scale work (issue 17): a change of any draw's
    order or value, or of the writer's bytes, changes it.
    """
    import hashlib

    from crm_lab.simulate import simulate_market as simulate

    market = simulate(700, n_visitors=500, n_editions=5, kano_respondents=15, rng=11)
    write_tables(market, tmp_path)
    digest = hashlib.sha256()
    for name in [t.filename for t in TABLES.values()] + ["truth_latent.csv", "truth_kano.csv"]:
        digest.update((tmp_path / name).read_bytes())
    assert digest.hexdigest() == "0a381f863f820ba49d0cb0807e08e0997780ca185fb96252c65d32ff8ad0b0bc"


@pytest.mark.parametrize("prefix, n, width", [("E", 3000, 6), ("T", 61227, 7), ("V", 9, 6), ("E", 10**6, 7), ("X", 12345, 9)])
def test_ids_are_the_zero_padded_sequence(prefix, n, width):
    from crm_lab.simulate import _ids

    ids = _ids(prefix, n, width).to_pylist()
    assert len(ids) == n
    step = max(1, n // 500)
    assert ids[::step] == [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)][::step]
    assert ids[-1] == f"{prefix}{n:0{width}d}"


def test_ids_refuse_a_width_too_small():
    from crm_lab.simulate import _ids

    with pytest.raises(ValueError, match="more than 6 digits"):
        _ids("E", 10**6, 6)


def test_draw_rows_by_index_equals_the_matrix_draw():
    from crm_lab.simulate import _draw_rows

    cum = np.cumsum(np.asarray(MarketParams().transition), axis=1)
    which = np.random.default_rng(3).integers(0, 4, 5000)
    by_matrix = _draw_rows(np.random.default_rng(8), cum[which])
    by_index = _draw_rows(np.random.default_rng(8), cum, which)
    assert np.array_equal(by_matrix, by_index)


def test_text_columns_have_pandas_default_text_dtype(small):
    for name, df in small.tables.items():
        for col, dtype in df.dtypes.items():
            if TABLES[name].column(col).dtype == "str":
                assert dtype == pd.Series(["x"]).dtype, (name, col, dtype)
