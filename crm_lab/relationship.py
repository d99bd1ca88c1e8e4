"""Relationship quality (关系质量): trust, satisfaction, commitment — and what drives them.

Relationship quality is the buyer–seller pair's trust (信任感), satisfaction
(满意感) and commitment / belonging (归属感) (Crosby, Evans & Cowles 1990;
Morgan & Hunt 1994; Palmatier et al. 2006).  Trust rests on the partner's
benevolence (善意), integrity (诚信) and ability (能力) (Mayer, Davis &
Schoorman 1995), so here it is a second-order factor over those three facets.

This module holds what the relationship-quality notebook needs beyond the
shared psychometrics of :mod:`crm_lab.measurement`:

* the model specifications in lavaan syntax, built from
  :data:`crm_lab.schema.SCALES` (:func:`measurement_model`,
  :func:`trust_model`, :func:`structural_model`, ...);
* the planted truth of a simulated market as population regression
  coefficients of the latent constructs (:func:`latent_covariance`,
  :func:`planted_regression`, :func:`planted_indirect`);
* mediation with a vectorised bootstrap of the indirect effect *a·b*
  (:func:`mediation`, Preacher & Hayes 2008; BCa after Efron 1987) and its
  latent (SEM) counterpart (:func:`sem_indirect`);
* the antecedents of trust from the show's own records
  (:func:`trust_antecedents`, :func:`trust_drivers`) and the link from
  intention to actual return (:func:`return_model`);
* simulations: parameter recovery of the structural model
  (:func:`simulate_recovery`, :func:`recovery_summary`) and the power of the
  mediation test by sample size (:func:`mediation_power`).

References
----------
Crosby, L. A., Evans, K. R., & Cowles, D. (1990). Relationship quality in
services selling: An interpersonal influence perspective. *Journal of
Marketing*, 54(3), 68–81.
Morgan, R. M., & Hunt, S. D. (1994). The commitment–trust theory of
relationship marketing. *Journal of Marketing*, 58(3), 20–38.
Palmatier, R. W., Dant, R. P., Grewal, D., & Evans, K. R. (2006). Factors
influencing the effectiveness of relationship marketing: A meta-analysis.
*Journal of Marketing*, 70(4), 136–153.
Mayer, R. C., Davis, J. H., & Schoorman, F. D. (1995). An integrative model of
organizational trust. *Academy of Management Review*, 20(3), 709–734.
Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling strategies
for assessing and comparing indirect effects in multiple mediator models.
*Behavior Research Methods*, 40(3), 879–891.
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in
structural equation models. *Sociological Methodology*, 13, 290–312.
Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the
American Statistical Association*, 82(397), 171–185.
MacKinnon, D. P., Lockwood, C. M., Hoffman, J. M., West, S. G., & Sheets, V.
(2002). A comparison of methods to test mediation and other intervening
variable effects. *Psychological Methods*, 7(1), 83–104.
Carroll, R. J., Ruppert, D., Stefanski, L. A., & Crainiceanu, C. M. (2006).
*Measurement Error in Nonlinear Models* (2nd ed.). Chapman & Hall.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import semopy
import statsmodels.formula.api as smf
from scipy import stats as sps
from threadpoolctl import threadpool_limits  # via semopy -> scikit-learn

from . import simulate as _simulate
from .results import plain
from .schema import SCALES
from .stats import TestResult, proportion_ci

__all__ = [
    "TRUST_FACETS",
    "RQ_CONSTRUCTS",
    "RelationshipError",
    "MediationResult",
    "measurement_model",
    "trust_model",
    "rq_models",
    "structural_model",
    "mimic_model",
    "latent_covariance",
    "planted_regression",
    "planted_structural",
    "planted_indirect",
    "planted_loadings",
    "planted_correlations",
    "planted_omega",
    "plot_estimates",
    "mediation",
    "sem_paths",
    "sem_indirect",
    "trust_antecedents",
    "true_traits",
    "trust_drivers",
    "return_model",
    "simulate_recovery",
    "recovery_summary",
    "simulated_scores",
    "mediation_power",
]

#: Trust's three roots (Mayer, Davis & Schoorman 1995), the facets of the second-order trust factor.
TRUST_FACETS: tuple[str, ...] = ("benevolence", "integrity", "ability")
#: The first-order factors of relationship quality in the survey.
RQ_CONSTRUCTS: tuple[str, ...] = TRUST_FACETS + ("satisfaction", "commitment")
#: The structural model's regressions (Morgan & Hunt 1994): lhs -> its predictors.
STRUCTURAL_PATHS: dict[str, tuple[str, ...]] = {
    "satisfaction": ("trust",),
    "commitment": ("trust", "satisfaction"),
    "conative": ("commitment", "satisfaction", "trust"),
}


class RelationshipError(ValueError):
    """Bad input to a relationship-quality function (names what and what was expected)."""


# --------------------------------------------------------------------------
# Input checks (one helper per kind)
# --------------------------------------------------------------------------
def _check_columns(data: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise RelationshipError(f"{what}: 'data' must be a pandas DataFrame (got {type(data).__name__})")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise RelationshipError(f"{what}: data lacks the columns {missing} (it has {list(data.columns)})")


def _numeric_block(data: pd.DataFrame, columns: Sequence[str], what: str) -> np.ndarray:
    """The columns as a float array; non-numeric or missing values raise, naming the columns and rows."""
    _check_columns(data, columns, what)
    problems = []
    block = data[list(columns)]
    for col in columns:
        values = pd.to_numeric(block[col], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if bad.size:
            problems.append(f"column {col!r} has {bad.size} missing or non-numeric values (rows {bad[:5].tolist()})")
    if problems:
        raise RelationshipError(f"{what}: " + "; ".join(problems) + " — drop or impute them first")
    return block.to_numpy(dtype=float)


def _check_int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise RelationshipError(f"'{name}' must be an int >= {low} (got {value!r})")
    return int(value)


def _check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise RelationshipError(f"'confidence' must be > 0 and < 1 (got {confidence!r})")
    return float(confidence)


# --------------------------------------------------------------------------
# Model specifications (lavaan syntax)
# --------------------------------------------------------------------------
def measurement_model(constructs: Sequence[str] = RQ_CONSTRUCTS, *, scales: dict | None = None) -> str:
    """The first-order measurement model of *constructs* in lavaan syntax.

    Parameters
    ----------
    constructs : sequence of str
        Names of :data:`crm_lab.schema.SCALES` (or of *scales*).
    scales : dict, optional
        construct -> item names; default :data:`crm_lab.schema.SCALES`.

    Returns
    -------
    str
        One ``factor =~ item1 + item2 + item3`` line per construct.

    Examples
    --------
    >>> print(measurement_model(["satisfaction"]))
    satisfaction =~ sat1 + sat2 + sat3
    """
    scales = SCALES if scales is None else scales
    unknown = [c for c in constructs if c not in scales]
    if unknown or not len(constructs):
        raise RelationshipError(f"constructs must be non-empty names among {list(scales)} (unknown: {unknown})")
    return "\n".join(f"{c} =~ " + " + ".join(scales[c]) for c in constructs)


def trust_model(others: Sequence[str] = ("satisfaction", "commitment")) -> str:
    """Trust as a second-order factor over its facets, beside the first-order *others*.

    Examples
    --------
    >>> print(trust_model(()).splitlines()[-1])
    trust =~ benevolence + integrity + ability
    """
    return measurement_model(TRUST_FACETS + tuple(others)) + "\ntrust =~ " + " + ".join(TRUST_FACETS)


def rq_models() -> dict[str, str]:
    """The competing measurement models of relationship quality.

    Returns
    -------
    dict
        ``first_order``: the five correlated first-order factors;
        ``trust_second_order``: trust over its facets, correlated with
        satisfaction and commitment (the planted structure);
        ``rq_higher_order``: relationship quality over trust, satisfaction and
        commitment (with three first-order indicators the higher-order part
        is just-identified, so it fits exactly as ``trust_second_order``);
        ``rq_single``: one relationship-quality factor directly over all five
        first-order factors (the facets of trust no closer to each other than
        to satisfaction and commitment).
    """
    first = measurement_model(RQ_CONSTRUCTS)
    return {
        "first_order": first,
        "trust_second_order": trust_model(),
        "rq_higher_order": trust_model() + "\nrelationship_quality =~ trust + satisfaction + commitment",
        "rq_single": first + "\nrelationship_quality =~ " + " + ".join(RQ_CONSTRUCTS),
    }


def structural_model(paths: dict[str, Sequence[str]] | None = None) -> str:
    """The structural model of relationship quality and intention, in lavaan syntax.

    Trust (second-order over benevolence, integrity and ability) drives
    satisfaction; trust and satisfaction drive commitment (Morgan & Hunt
    1994); commitment, satisfaction and trust drive the intention to exhibit
    again (conative loyalty, items ``con1..3``).  The direct paths of trust
    and satisfaction to intention are kept so that commitment's mediation can
    be partial.

    Parameters
    ----------
    paths : dict, optional
        lhs -> predictors; default :data:`STRUCTURAL_PATHS`.
    """
    paths = STRUCTURAL_PATHS if paths is None else paths
    latent = {v for lhs, rhs in paths.items() for v in (lhs, *rhs)} - {"trust"}
    constructs = [c for c in SCALES if c in latent]
    unknown = sorted(latent - set(SCALES))
    if unknown:
        raise RelationshipError(f"structural_model: unknown constructs {unknown} (known: trust, {', '.join(SCALES)})")
    lines = [measurement_model(TRUST_FACETS + tuple(constructs)), "trust =~ " + " + ".join(TRUST_FACETS)]
    lines += [f"{lhs} ~ " + " + ".join(rhs) for lhs, rhs in paths.items()]
    return "\n".join(lines)


def mimic_model(antecedents: Sequence[str]) -> str:
    """Second-order trust regressed on observed antecedents (a MIMIC model, Jöreskog & Goldberger 1975)."""
    if not len(antecedents):
        raise RelationshipError("mimic_model: give at least one antecedent column")
    return trust_model(()) + "\ntrust ~ " + " + ".join(antecedents)


# --------------------------------------------------------------------------
# The planted truth as population regressions
# --------------------------------------------------------------------------
def latent_covariance(truth) -> pd.DataFrame:
    """Population covariance of the latent constructs and exogenous traits implied by ``truth.paths``.

    The latent constructs have unit variance by construction (the simulator
    chooses each residual variance so).  The covariances follow the
    recursive structural equations in generation order; the satisfaction ×
    switching-cost product term adds variance but (for centred, normal
    constructs) no covariance with the linear terms, so it is left out here.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth

    Returns
    -------
    DataFrame
        Symmetric, indexed and labelled by :data:`crm_lab.simulate.LATENTS`
        then :data:`crm_lab.simulate.TRAITS`.
    """
    latents, traits = _simulate.LATENTS, _simulate.TRAITS
    names = list(latents) + list(traits)
    ix = {n: i for i, n in enumerate(names)}
    _, var = _simulate._trait_moments(truth.sizes["n_editions"], truth.sizes["survey_edition"], truth.params)
    cov = np.zeros((len(names), len(names)))
    for t in traits:
        cov[ix[t], ix[t]] = var[t]
    reg = truth.paths[(truth.paths.op == "~") & truth.paths.rhs.isin(names)]
    for name in latents:
        coef = np.zeros(len(names))
        rows = reg[reg.lhs == name]
        coef[[ix[r] for r in rows.rhs]] = rows.value.to_numpy(dtype=float)
        cross = coef @ cov
        cov[ix[name], :] = cross
        cov[:, ix[name]] = cross
        cov[ix[name], ix[name]] = 1.0
    return pd.DataFrame(cov, index=names, columns=names)


def planted_regression(truth, y: str, xs: Sequence[str]) -> pd.Series:
    """Population coefficients of latent *y* regressed on latent *xs* (all unit variance).

    What a consistent estimator of the regression ``y ~ xs`` among the latent
    constructs converges to — the planted direct paths when *xs* are exactly
    *y*'s causes, otherwise their projection (e.g. commitment's effect on
    intention includes its path through affective loyalty when that is left
    out).  Computed from ``truth.paths``, never hard-coded.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_market
    >>> truth = simulate_market(100, n_visitors=60, kano_respondents=10, rng=1).truth
    >>> planted_regression(truth, "satisfaction", ["trust"]).round(2).tolist()
    [0.45]
    """
    cov = latent_covariance(truth)
    unknown = [v for v in (y, *xs) if v not in cov.index]
    if unknown:
        raise RelationshipError(f"planted_regression: unknown constructs {unknown} (known: {list(cov.index)})")
    xs = list(xs)
    beta = np.linalg.solve(cov.loc[xs, xs].to_numpy(), cov.loc[xs, y].to_numpy())
    return pd.Series(beta, index=xs, name=y)


def planted_structural(truth, paths: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """The planted value of every regression of the structural model: ``lhs, rhs, planted``."""
    paths = STRUCTURAL_PATHS if paths is None else paths
    rows = [
        (lhs, rhs, value)
        for lhs, rhs_list in paths.items()
        for rhs, value in planted_regression(truth, lhs, rhs_list).items()
    ]
    return pd.DataFrame(rows, columns=["lhs", "rhs", "planted"])


def planted_indirect(truth, *, x: str = "trust", m: str = "commitment", y: str = "conative",
                     covariates: Sequence[str] = ("satisfaction",)) -> dict[str, float]:
    """The planted indirect effect of *x* on *y* through *m*, controlling for *covariates*.

    ``a`` is *x*'s coefficient in ``m ~ x + covariates``, ``b`` is *m*'s in
    ``y ~ m + x + covariates`` (population values from
    :func:`planted_regression`); the indirect effect is ``a * b``.

    Returns
    -------
    dict
        ``a``, ``b``, ``indirect``, ``direct`` (x in the y equation) and
        ``total`` (``direct + indirect``).
    """
    a = planted_regression(truth, m, [x, *covariates])[x]
    yb = planted_regression(truth, y, [m, x, *covariates])
    b, direct = yb[m], yb[x]
    return {"a": float(a), "b": float(b), "indirect": float(a * b), "direct": float(direct), "total": float(direct + a * b)}


def planted_loadings(truth, constructs: Sequence[str] = RQ_CONSTRUCTS) -> pd.DataFrame:
    """The planted loadings of the items of *constructs*, and of the trust facets on trust.

    Returns
    -------
    DataFrame
        ``factor, item, planted`` (``=~`` rows of ``truth.paths``).  The
        planted item loading is the correlation of the item's continuous
        latent response with its construct; the 7-point answers coarsen it a
        little, so standardised estimates fall slightly below.
    """
    loads = truth.paths[truth.paths.op == "=~"]
    items = {i for c in constructs for i in SCALES[c]}
    rows = loads[(loads.lhs.isin(constructs) & loads.rhs.isin(items)) | ((loads.lhs == "trust") & loads.rhs.isin(TRUST_FACETS))]
    return rows.rename(columns={"lhs": "factor", "rhs": "item", "value": "planted"})[["factor", "item", "planted"]].reset_index(drop=True)


def planted_correlations(truth, constructs: Sequence[str] = RQ_CONSTRUCTS) -> pd.DataFrame:
    """The planted correlations of first-order factors, trust facets included.

    A facet's correlation with another construct is its loading on trust
    times trust's correlation with that construct; two facets correlate as
    the product of their loadings (:func:`latent_covariance` for the rest).
    """
    cov = latent_covariance(truth)
    facet = dict(zip(TRUST_FACETS, truth.params.trust_facet_loadings))
    names = list(constructs)
    out = np.eye(len(names))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                la, lb = facet.get(a, 1.0), facet.get(b, 1.0)
                ca, cb = ("trust" if a in facet else a), ("trust" if b in facet else b)
                out[i, j] = la * lb * (1.0 if ca == cb else cov.loc[ca, cb])
    return pd.DataFrame(out, index=names, columns=names)


def planted_omega(truth, construct: str) -> float:
    """McDonald's ω the planted item loadings imply (continuous responses, unit variance).

    ``ω = (Σλ)² / ((Σλ)² + Σ(1 − λ²))`` (McDonald 1999, eq. 6.20b).
    """
    lam = planted_loadings(truth, [construct]).query("factor == @construct")["planted"].to_numpy()
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2)))


# --------------------------------------------------------------------------
# Mediation with a vectorised bootstrap
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class MediationResult:
    """The mediation of *x* -> *y* by *m*: paths, indirect effect and its bootstrap.

    Attributes
    ----------
    table : DataFrame
        Rows ``a`` (x -> m), ``b`` (m -> y | x), ``direct`` (c'), ``total``
        (c) and ``indirect`` (a·b); columns ``estimate, se, ci_low, ci_high,
        statistic, df, p_value``.  The paths have OLS t tests and intervals;
        the indirect effect has the bootstrap SE and interval, with Sobel's z
        and p as its statistic.
    draws : ndarray
        The bootstrap draws of a·b.
    meta : dict
        n, n_boot, confidence, ci method, variables, Sobel interval, citation.
    """

    table: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    meta: dict = field(default_factory=dict)

    @property
    def indirect(self) -> float:
        return float(self.table.loc["indirect", "estimate"])

    @property
    def test(self) -> TestResult:
        """The indirect effect as a :class:`crm_lab.stats.TestResult` (bootstrap CI, Sobel z)."""
        row = self.table.loc["indirect"]
        return TestResult(
            test=f"Mediation of {self.meta['x']} -> {self.meta['y']} by {self.meta['m']}",
            statistic=float(row["statistic"]),
            df=None,
            p_value=float(row["p_value"]),
            effect="indirect effect a·b",
            estimate=float(row["estimate"]),
            ci_low=float(row["ci_low"]),
            ci_high=float(row["ci_high"]),
            se=float(row["se"]),
            n=int(self.meta["n"]),
            confidence=float(self.meta["confidence"]),
            method=f"OLS paths; {self.meta['ci']} bootstrap interval ({self.meta['n_boot']} resamples); Sobel z",
            citation="Preacher & Hayes (2008); Efron (1987); Sobel (1982)",
            extra={"a": self.table.loc["a", "estimate"], "b": self.table.loc["b", "estimate"],
                   "direct": self.table.loc["direct", "estimate"], "total": self.table.loc["total", "estimate"],
                   "proportion_mediated": self.meta["proportion_mediated"]},
            statistic_name="z",
        )

    def summary(self, decimals: int = 3) -> str:
        head = f"Mediation: {self.meta['x']} -> {self.meta['m']} -> {self.meta['y']}"
        cov = ", ".join(self.meta["covariates"]) or "none"
        lines = [head, "=" * len(head), self.table.round(decimals).to_string(), "",
                 f"n = {self.meta['n']:,}; covariates: {cov}; {self.meta['ci']} bootstrap, "
                 f"{self.meta['n_boot']} resamples; proportion mediated {self.meta['proportion_mediated']:.{decimals}f}",
                 self.test.report(decimals)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return (f"<div><strong>{html.escape(self.summary().splitlines()[0])}</strong>"
                f"{self.table.round(3).to_html()}<p>{html.escape(self.test.report())}</p></div>")

    def to_dict(self) -> dict:
        return plain({"table": self.table.reset_index().to_dict(orient="records"), "meta": self.meta})


def _ols(design: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS coefficients, classical SEs and residual df."""
    n, p = design.shape
    xtx_inv = np.linalg.inv(design.T @ design)
    beta = xtx_inv @ design.T @ y
    resid = y - design @ beta
    sigma2 = resid @ resid / (n - p)
    return beta, np.sqrt(np.diag(xtx_inv) * sigma2), n - p


def _batched_coef(design: np.ndarray, y: np.ndarray, counts: np.ndarray, col: int) -> np.ndarray:
    """Coefficient *col* of OLS on each bootstrap resample, without a Python loop.

    A resample is given by how often it draws each row (``counts[b, i]``), so
    its normal equations are weighted sums over the rows:
    ``X'X_b = sum_i counts[b, i] x_i x_i'`` — one matrix product for all
    resamples — then one batched solve.
    """
    n, p = design.shape
    outer = (design[:, :, None] * design[:, None, :]).reshape(n, p * p)
    xtx = (counts @ outer).reshape(-1, p, p)
    xty = counts @ (design * y[:, None])
    return np.linalg.solve(xtx, xty[..., None])[:, col, 0]


def _jackknife_coef(design: np.ndarray, y: np.ndarray, col: int) -> np.ndarray:
    """Leave-one-out OLS coefficient *col* for every row, by the closed-form deletion formula."""
    xtx_inv = np.linalg.inv(design.T @ design)
    beta = xtx_inv @ design.T @ y
    resid = y - design @ beta
    lever = np.einsum("ij,jk,ik->i", design, xtx_inv, design)
    # beta_(-i) = beta - (X'X)^-1 x_i e_i / (1 - h_i)
    change = (design @ xtx_inv[:, col]) * resid / (1 - lever)
    return beta[col] - change


def _indirect_draws(dm: np.ndarray, dy: np.ndarray, mv: np.ndarray, yv: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """Bootstrap draws of a·b: resamples as multinomial row counts, in chunks that bound the memory."""
    n = dm.shape[0]
    chunk = max(1, int(5e6 // n))
    out = []
    for start in range(0, n_boot, chunk):
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=min(chunk, n_boot - start)).astype(float)
        out.append(_batched_coef(dm, mv, counts, 1) * _batched_coef(dy, yv, counts, 1))
    return np.concatenate(out)


def _bca_interval(draws: np.ndarray, estimate: float, jack: np.ndarray, confidence: float) -> tuple[float, float]:
    """Efron's (1987) bias-corrected and accelerated percentile interval."""
    prop = np.clip(np.mean(draws < estimate) + 0.5 * np.mean(draws == estimate), 1 / draws.size, 1 - 1 / draws.size)
    z0 = sps.norm.ppf(prop)
    d = jack.mean() - jack
    accel = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5) if np.any(d) else 0.0
    z = sps.norm.ppf([(1 - confidence) / 2, (1 + confidence) / 2])
    alphas = sps.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    low, high = np.quantile(draws, alphas)
    return float(low), float(high)


def mediation(
    data: pd.DataFrame,
    *,
    x: str,
    m: str,
    y: str,
    covariates: Sequence[str] = (),
    n_boot: int = 2000,
    confidence: float = 0.95,
    ci: str = "bca",
    rng=None,
) -> MediationResult:
    """Simple mediation of *x* -> *y* by *m* with a bootstrap interval for the indirect effect.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; *x*, *m*, *y* and *covariates* numeric,
        without missing values (they raise, naming column and rows).
    x, m, y : str
        Columns of the cause, mediator and outcome.
    covariates : sequence of str
        Columns controlled for in both equations.
    n_boot : int, default 2000
        Bootstrap resamples (>= 100).
    confidence : float, default 0.95
    ci : {"bca", "percentile"}
        Bias-corrected and accelerated (Efron 1987; the acceleration from the
        exact leave-one-out OLS coefficients) or plain percentile interval.
    rng : int, Generator or None

    Returns
    -------
    MediationResult

    Notes
    -----
    ``m = i1 + a x + covariates + e1`` and ``y = i2 + c' x + b m +
    covariates + e2`` by OLS; indirect effect ``a·b``, total ``c = c' +
    a·b`` (exact for OLS), Sobel's (1982) ``SE = sqrt(b² SE_a² + a² SE_b²)``.
    A resample is drawn as multinomial counts of the rows; all resamples'
    normal equations come from one matrix product of the (B, n) counts with
    the rows' cross-products, and are solved as one (B, p, p) batch, in
    chunks that bound the memory.  Tested against statsmodels' ``Mediation`` (Imai, Keele &
    Tingley 2010) on the same data.
    """
    what = "mediation"
    names = [x, m, y, *covariates]
    if len(set(names)) != len(names):
        raise RelationshipError(f"{what}: x, m, y and covariates must be distinct columns (got {names})")
    n_boot = _check_int(n_boot, "n_boot", 100)
    confidence = _check_confidence(confidence)
    if ci not in ("bca", "percentile"):
        raise RelationshipError(f"'ci' must be 'bca' or 'percentile' (got {ci!r})")
    values = _numeric_block(data, names, what)
    n = values.shape[0]
    if n < len(names) + 3:
        raise RelationshipError(f"{what}: needs at least {len(names) + 3} rows (got {n})")
    rng = np.random.default_rng(rng)
    xv, mv, yv, cv = values[:, 0], values[:, 1], values[:, 2], values[:, 3:]
    one = np.ones((n, 1))
    dm = np.column_stack([one, xv, cv])  # m ~ 1 + x + C
    dy = np.column_stack([one, mv, xv, cv])  # y ~ 1 + m + x + C
    dc = np.column_stack([one, xv, cv])  # y ~ 1 + x + C (total)
    (bm, sm, dfm), (by, sy, dfy), (bc, sc, dfc) = _ols(dm, mv), _ols(dy, yv), _ols(dc, yv)
    a, se_a, b, se_b = bm[1], sm[1], by[1], sy[1]
    indirect = a * b
    sobel_se = math.sqrt(b**2 * se_a**2 + a**2 * se_b**2)
    draws = _indirect_draws(dm, dy, mv, yv, n_boot, rng)
    if ci == "bca":
        jack = _jackknife_coef(dm, mv, 1) * _jackknife_coef(dy, yv, 1)
        low, high = _bca_interval(draws, indirect, jack, confidence)
    else:
        low, high = (float(q) for q in np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2]))
    tq = {d: sps.t.ppf((1 + confidence) / 2, d) for d in (dfm, dfy, dfc)}

    def row(est, se, df):
        t = est / se
        return [est, se, est - tq[df] * se, est + tq[df] * se, t, df, 2 * sps.t.sf(abs(t), df)]

    z = indirect / sobel_se
    table = pd.DataFrame(
        [row(a, se_a, dfm), row(b, se_b, dfy), row(by[2], sy[2], dfy), row(bc[1], sc[1], dfc),
         [indirect, float(draws.std(ddof=1)), low, high, z, np.nan, 2 * sps.norm.sf(abs(z))]],
        index=pd.Index(["a", "b", "direct", "total", "indirect"], name="effect"),
        columns=["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"],
    )
    zq = sps.norm.ppf((1 + confidence) / 2)
    meta = {
        "x": x, "m": m, "y": y, "covariates": list(covariates), "n": n, "n_boot": n_boot,
        "confidence": confidence, "ci": ci,
        "sobel_ci": (indirect - zq * sobel_se, indirect + zq * sobel_se),
        "proportion_mediated": indirect / bc[1] if bc[1] != 0 else float("nan"),
        "citation": "Preacher & Hayes (2008); Efron (1987); Sobel (1982)",
    }
    return MediationResult(table=table, draws=draws, meta=meta)


# --------------------------------------------------------------------------
# Latent (SEM) paths, their bootstrap
# --------------------------------------------------------------------------
def sem_paths(data: pd.DataFrame, model: str) -> pd.DataFrame:
    """Fit *model* with semopy (ML) and return its regressions, standardised.

    Returns
    -------
    DataFrame
        ``lhs, rhs, estimate, se, std_estimate, std_se, p_value`` for each
        ``~`` regression between latent constructs or observed variables.
        ``std_estimate`` is semopy's completely standardised estimate (both
        sides unit variance, lavaan's ``std.all``); ``std_se`` rescales the
        SE by the same factor, treating the variances as known (an
        approximation of lavaan's delta-method SE).

    Raises
    ------
    RuntimeError
        When the optimiser does not converge.
    """
    model_obj = semopy.Model(model)
    observed = sorted(model_obj.vars["observed"])
    data = pd.DataFrame(_numeric_block(data, observed, "sem_paths"), columns=observed)
    # small matrices: a multi-threaded BLAS only adds contention (10x slower on a busy 2-core machine)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        res = model_obj.fit(data)
        if not getattr(res, "success", True):
            raise RuntimeError(f"sem_paths: semopy did not converge ({getattr(res, 'message', res)})")
        est = model_obj.inspect(std_est=True)
    regressed = _regressed(model)
    reg = est[(est["op"] == "~") & est["lval"].isin(regressed)]
    se = pd.to_numeric(reg["Std. Err"], errors="coerce").to_numpy()
    estimate = reg["Estimate"].to_numpy(dtype=float)
    std = reg["Est. Std"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_se = np.abs(np.where(estimate != 0, se * std / estimate, np.nan))
    return pd.DataFrame({
        "lhs": reg["lval"].to_numpy(), "rhs": reg["rval"].to_numpy(), "estimate": estimate, "se": se,
        "std_estimate": std, "std_se": std_se, "p_value": pd.to_numeric(reg["p-value"], errors="coerce").to_numpy(),
    })


def _one_thread(iterable):
    """Iterate with BLAS limited to one thread (loops of small fits; see :func:`sem_paths`)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield from iterable


def _regressed(model: str) -> set[str]:
    """Left-hand sides of the ``~`` regressions of a lavaan-syntax model."""
    return {line.split("~")[0].strip() for line in model.splitlines() if "~" in line and "=~" not in line and "~~" not in line}


def sem_indirect(
    data: pd.DataFrame,
    model: str,
    *,
    x: str = "trust",
    m: str = "commitment",
    y: str = "conative",
    n_boot: int = 200,
    confidence: float = 0.95,
    rng=None,
) -> dict:
    """The standardised latent indirect effect of *x* on *y* through *m*, with a percentile bootstrap.

    Each resample refits *model* with semopy (a loop over resamples: an SEM
    fit cannot be batched); resamples whose fit fails are counted, not hidden.

    Returns
    -------
    dict
        ``a``, ``b`` (standardised paths x -> m and m -> y), ``indirect``,
        ``ci_low``, ``ci_high``, ``se`` (bootstrap SD), ``sobel_ci`` (from the
        approximate standardised SEs), ``n_boot``, ``n_failed``, ``draws``.
    """
    n_boot = _check_int(n_boot, "n_boot", 20)
    confidence = _check_confidence(confidence)
    rng = np.random.default_rng(rng)

    def ab(frame):
        p = sem_paths(frame, model).set_index(["lhs", "rhs"])
        return p.loc[(m, x)], p.loc[(y, m)]

    pa, pb = ab(data)
    draws, failed = [], 0
    n = len(data)
    for _ in _one_thread(range(n_boot)):
        sample = data.iloc[rng.integers(0, n, n)].reset_index(drop=True)
        try:
            ra, rb = ab(sample)
        except (RuntimeError, np.linalg.LinAlgError):
            failed += 1
            continue
        draws.append(ra["std_estimate"] * rb["std_estimate"])
    draws = np.asarray(draws)
    a, b = float(pa["std_estimate"]), float(pb["std_estimate"])
    z = sps.norm.ppf((1 + confidence) / 2)
    sobel = math.sqrt(b**2 * pa["std_se"] ** 2 + a**2 * pb["std_se"] ** 2)
    low, high = np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2])
    return {"a": a, "b": b, "indirect": a * b, "ci_low": float(low), "ci_high": float(high),
            "se": float(draws.std(ddof=1)), "sobel_ci": (a * b - z * sobel, a * b + z * sobel),
            "n_boot": n_boot, "n_failed": failed, "confidence": confidence, "draws": draws}


# --------------------------------------------------------------------------
# Antecedents of trust from the show's records
# --------------------------------------------------------------------------
def trust_antecedents(survey: pd.DataFrame, participation: pd.DataFrame, exhibitors: pd.DataFrame) -> pd.DataFrame:
    """The show's records of each surveyed exhibitor that theory says build trust (THEORY.md §5).

    Parameters
    ----------
    survey : DataFrame
        The survey (``exhibitor_id, edition, reputation`` and the items).
    participation : DataFrame
        The panel (``exhibitor_id, edition, participated, contacts,
        special_requests, requests_met``).
    exhibitors : DataFrame
        ``exhibitor_id, size_class, first_edition``.

    Returns
    -------
    DataFrame
        The survey rows (same order) with added columns:
        ``reputation_z`` (the perceived-reputation item, standardised),
        ``large`` (1 = large firm), ``contacts`` (account-manager contacts per
        edition exhibited, up to the survey edition), ``met_share`` (share of
        special requests met up to the survey edition; exhibitors who never
        asked get the sample share and ``no_requests = 1`` — the
        missing-indicator method, their count in ``attrs['no_requests']``),
        ``tenure`` (editions since the first, the survey's included).
    """
    _check_columns(survey, ["exhibitor_id", "edition", "reputation"], "trust_antecedents (survey)")
    _check_columns(participation, ["exhibitor_id", "edition", "participated", "contacts", "special_requests",
                                   "requests_met"], "trust_antecedents (participation)")
    _check_columns(exhibitors, ["exhibitor_id", "size_class", "first_edition"], "trust_antecedents (exhibitors)")
    unknown = ~survey["exhibitor_id"].isin(exhibitors["exhibitor_id"])
    if unknown.any():
        raise RelationshipError(f"trust_antecedents: {int(unknown.sum())} survey rows name exhibitors not in the "
                                f"exhibitors table, e.g. {survey.loc[unknown, 'exhibitor_id'].head(3).tolist()}")
    keys = survey[["exhibitor_id", "edition"]].rename(columns={"edition": "survey_edition"})
    history = participation.merge(keys, on="exhibitor_id", how="inner")
    history = history[(history["edition"] <= history["survey_edition"]) & (history["participated"] == 1)]
    agg = history.groupby(["exhibitor_id", "survey_edition"]).agg(
        contacts=("contacts", "mean"), requests=("special_requests", "sum"), met=("requests_met", "sum"))
    out = survey.merge(agg, left_on=["exhibitor_id", "edition"], right_index=True, how="left")
    if out["contacts"].isna().any():
        lost = out.loc[out["contacts"].isna(), "exhibitor_id"].head(3).tolist()
        raise RelationshipError(f"trust_antecedents: {int(out['contacts'].isna().sum())} surveyed exhibitors did not "
                                f"exhibit at or before their survey edition in the participation table, e.g. {lost}")
    ex = exhibitors.set_index("exhibitor_id")
    out["large"] = (out["exhibitor_id"].map(ex["size_class"]) == "large").astype(float)
    out["tenure"] = (out["edition"] - out["exhibitor_id"].map(ex["first_edition"]) + 1).clip(lower=1).astype(float)
    no_req = out["requests"] == 0
    pooled = out["met"].sum() / max(out["requests"].sum(), 1)
    out["met_share"] = np.where(no_req, pooled, out["met"] / out["requests"].where(~no_req, 1))
    out["no_requests"] = no_req.astype(float)
    rep = out["reputation"].astype(float)
    out["reputation_z"] = (rep - rep.mean()) / rep.std(ddof=1)
    out = out.drop(columns=["requests", "met"])
    out.attrs["no_requests"] = int(no_req.sum())
    return out


#: The antecedent columns of :func:`trust_antecedents`, in the order of the planted parameters.
ANTECEDENTS = ("reputation_z", "contacts", "met_share", "tenure", "large", "no_requests")
#: The simulator's traits behind the show's records (what the truth knows without error).
TRUE_TRAITS = ("reputation", "contact_rate", "met_share", "tenure", "large")
_PLANTED_NAME = {"reputation_z": "reputation", "contacts": "contact_rate", "met_share": "met_share",
                 "tenure": "tenure", "large": "large", **{t: t for t in TRUE_TRAITS}}


def true_traits(antecedents: pd.DataFrame, truth) -> pd.DataFrame:
    """The trust items of *antecedents* with the simulator's error-free traits in place of the records.

    Only for simulated data: joins ``truth.latent`` (reputation, contact
    rate, share of requests met, tenure) by ``exhibitor_id``; ``large`` is
    kept from the records (it is observed without error).
    """
    _check_columns(antecedents, ["exhibitor_id", "large"], "true_traits")
    items = [i for f in TRUST_FACETS for i in SCALES[f]]
    latent = truth.latent.set_index("exhibitor_id")
    out = antecedents[["exhibitor_id", *items, "large"]].copy()
    for trait in TRUE_TRAITS[:-1]:
        out[trait] = antecedents["exhibitor_id"].map(latent[trait]).to_numpy()
    if out[list(TRUE_TRAITS[:-1])].isna().any().any():
        raise RelationshipError("true_traits: some surveyed exhibitors are missing from truth.latent")
    return out


def trust_drivers(data: pd.DataFrame, antecedents: Sequence[str] = ANTECEDENTS, *, truth=None,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Regress second-order latent trust on its antecedents (a MIMIC model fitted with semopy).

    Returns
    -------
    DataFrame
        Index antecedent; ``estimate`` (change in trust, in SDs of trust, per
        unit of the antecedent), ``se``, ``ci_low``, ``ci_high``, ``p_value``,
        ``std_estimate`` (per SD of the antecedent) and, with *truth*,
        ``planted`` (the simulator's coefficient on the trait the record
        stands for; NaN for a record with no planted counterpart).

    Notes
    -----
    The per-unit estimate is semopy's standardised coefficient divided by
    the antecedent's SD: the scale on which the simulator plants its
    coefficients (latent trust with unit variance).  The records are noisy
    stand-ins for the traits (a few contacts a year for a contact rate, a
    handful of requests for a share met), so their coefficients are
    attenuated towards zero (errors in variables; Carroll et al. 2006).
    """
    confidence = _check_confidence(confidence)
    antecedents = list(antecedents)
    items = [i for f in TRUST_FACETS for i in SCALES[f]]
    values = _numeric_block(data, items + antecedents, "trust_drivers")
    frame = pd.DataFrame(values, columns=items + antecedents)
    paths = sem_paths(frame, mimic_model(antecedents))
    paths = paths[(paths["lhs"] == "trust") & paths["rhs"].isin(antecedents)].set_index("rhs").reindex(antecedents)
    sd = frame[antecedents].std(ddof=0).to_numpy()
    est = paths["std_estimate"].to_numpy() / sd
    se = paths["std_se"].to_numpy() / sd
    z = sps.norm.ppf((1 + confidence) / 2)
    out = pd.DataFrame({"estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
                        "p_value": paths["p_value"].to_numpy(), "std_estimate": paths["std_estimate"].to_numpy()},
                       index=pd.Index(antecedents, name="antecedent"))
    if truth is not None:
        out["planted"] = [truth.path("trust", _PLANTED_NAME[a]) if a in _PLANTED_NAME else np.nan for a in antecedents]
    return out


# --------------------------------------------------------------------------
# From intention to actual return
# --------------------------------------------------------------------------
def return_model(data: pd.DataFrame, *, intention: str = "conative", returned: str = "returned",
                 stage: str = "stage", monopoly: str = "monopoly", reliability: float | None = None,
                 confidence: float = 0.95):
    """Logistic regression of actual return at the next edition on the intention score.

    ``logit P(returned) = stage intercept + β · intention_z + γ · monopoly``,
    the form of the simulator's return decision, fitted with statsmodels
    (``smf.logit``).  The intention scale score is standardised; with its
    *reliability* (e.g. McDonald's ω), β is also corrected for measurement
    error by regression calibration: ``β / sqrt(reliability)`` (the latent
    intention's best linear predictor from the standardised score has slope
    ``sqrt(reliability)``; Carroll et al. 2006, ch. 4).

    Returns
    -------
    (DataFrame, statsmodels results)
        Table with rows ``intention`` and ``monopoly`` (``estimate, se,
        ci_low, ci_high, p_value`` and, for intention, ``corrected``), and
        the fitted statsmodels model.
    """
    confidence = _check_confidence(confidence)
    _numeric_block(data, [intention, returned, monopoly], "return_model")
    _check_columns(data, [stage], "return_model")
    if not data[returned].isin([0, 1]).all():
        raise RelationshipError(f"return_model: column {returned!r} must be 0/1 (got {sorted(data[returned].unique())[:5]})")
    if reliability is not None and not 0 < reliability <= 1:
        raise RelationshipError(f"'reliability' must be in (0, 1] (got {reliability!r})")
    frame = pd.DataFrame({
        "returned": data[returned].astype(float),
        "intention": (data[intention] - data[intention].mean()) / data[intention].std(ddof=1),
        "monopoly": data[monopoly].astype(float),
        "stage": data[stage].astype(str),
    })
    fit = smf.logit("returned ~ 0 + C(stage) + intention + monopoly", data=frame).fit(disp=False)
    ci = fit.conf_int(1 - confidence)
    rows = ["intention", "monopoly"]
    table = pd.DataFrame({"estimate": fit.params[rows], "se": fit.bse[rows], "ci_low": ci.loc[rows, 0],
                          "ci_high": ci.loc[rows, 1], "p_value": fit.pvalues[rows]})
    if reliability is not None:
        table["corrected"] = table["estimate"] / np.where(table.index == "intention", math.sqrt(reliability), 1.0)
    return table, fit


# --------------------------------------------------------------------------
# Simulations
# --------------------------------------------------------------------------
def _structural_data(survey: pd.DataFrame) -> pd.DataFrame:
    items = [i for c in RQ_CONSTRUCTS + ("conative",) for i in SCALES[c]]
    return survey[items].astype(float)


def simulate_recovery(n_sims: int = 50, *, n_exhibitors: int = 3000, params=None, confidence: float = 0.95,
                      rng=None) -> pd.DataFrame:
    """Parameter recovery of the structural model over simulated markets.

    Each replication simulates a market (:func:`crm_lab.simulate.simulate_market`
    with *n_exhibitors*, small visitor and Kano sizes), fits
    :func:`structural_model` to its survey with semopy, and records each
    standardised path and the standardised indirect effect trust ->
    commitment -> intention beside its planted value
    (:func:`planted_structural`, :func:`planted_indirect`).

    Returns
    -------
    DataFrame
        One row per replication and path: ``sim, n, path, planted, estimate,
        se, ci_low, ci_high, covered``.  Replications whose fit fails are left
        out and counted in ``attrs['n_failed']``.
    """
    n_sims = _check_int(n_sims, "n_sims", 2)
    confidence = _check_confidence(confidence)
    streams = np.random.default_rng(rng).spawn(n_sims)
    model = structural_model()
    z = sps.norm.ppf((1 + confidence) / 2)
    rows, failed, planted = [], 0, None
    for sim, stream in _one_thread(enumerate(streams)):  # one market and one SEM fit per replication
        market = _simulate.simulate_market(n_exhibitors, n_visitors=50, kano_respondents=10, params=params, rng=stream)
        if planted is None:
            truth = market.truth
            planted = planted_structural(truth).set_index(["lhs", "rhs"])["planted"]
            planted_ind = planted_indirect(truth)["indirect"]
        data = _structural_data(market["survey"])
        try:
            paths = sem_paths(data, model).set_index(["lhs", "rhs"])
        except (RuntimeError, np.linalg.LinAlgError):
            failed += 1
            continue
        for (lhs, rhs), value in planted.items():
            est, se = paths.loc[(lhs, rhs), "std_estimate"], paths.loc[(lhs, rhs), "std_se"]
            rows.append((sim, len(data), f"{lhs} ~ {rhs}", value, est, se))
        a, b = paths.loc[("commitment", "trust")], paths.loc[("conative", "commitment")]
        ind_se = math.sqrt(b.std_estimate**2 * a.std_se**2 + a.std_estimate**2 * b.std_se**2)
        rows.append((sim, len(data), "indirect trust→commitment→conative", planted_ind,
                     a.std_estimate * b.std_estimate, ind_se))
    out = pd.DataFrame(rows, columns=["sim", "n", "path", "planted", "estimate", "se"])
    out["ci_low"] = out["estimate"] - z * out["se"]
    out["ci_high"] = out["estimate"] + z * out["se"]
    out["covered"] = (out["ci_low"] <= out["planted"]) & (out["planted"] <= out["ci_high"])
    out.attrs["n_failed"] = failed
    out.attrs["confidence"] = confidence
    return out


def recovery_summary(recovery: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Bias, RMSE and interval coverage (with its Wilson interval) per path of :func:`simulate_recovery`.

    Returns
    -------
    DataFrame
        Index path; ``planted, mean_estimate, bias, rel_bias, rmse, mean_se,
        sd_estimate, coverage, coverage_low, coverage_high, n_sims``.  A sound
        estimator has bias near 0, ``mean_se`` near ``sd_estimate`` and a
        coverage interval that contains the nominal level.
    """
    _check_columns(recovery, ["path", "planted", "estimate", "se", "covered"], "recovery_summary")
    g = recovery.groupby("path", sort=False)
    out = pd.DataFrame({
        "planted": g["planted"].first(),
        "mean_estimate": g["estimate"].mean(),
        "sd_estimate": g["estimate"].std(ddof=1),
        "mean_se": g["se"].mean(),
        "n_sims": g.size(),
        "hits": g["covered"].sum(),
    })
    out["bias"] = out["mean_estimate"] - out["planted"]
    out["rel_bias"] = out["bias"] / out["planted"].where(out["planted"].abs() > 1e-9)
    out["rmse"] = g.apply(lambda d: float(np.sqrt(np.mean((d["estimate"] - d["planted"]) ** 2))), include_groups=False)
    cov = [proportion_ci(int(h), int(n), confidence=confidence) for h, n in zip(out["hits"], out["n_sims"])]
    out["coverage"], out["coverage_low"], out["coverage_high"] = zip(*cov)
    cols = ["planted", "mean_estimate", "bias", "rel_bias", "rmse", "mean_se", "sd_estimate",
            "coverage", "coverage_low", "coverage_high", "n_sims"]
    return out[cols]


def simulated_scores(n_exhibitors: int = 20_000, *, params=None, rng=None) -> pd.DataFrame:
    """Standardised scale scores of a large simulated survey: a population to draw survey samples from.

    Columns: the scale score (mean of the items) of each construct of
    :data:`RQ_CONSTRUCTS` and ``conative``, and ``trust`` (the mean of the
    nine trust-facet items), each standardised.
    """
    from . import measurement as ms

    n_exhibitors = _check_int(n_exhibitors, "n_exhibitors", 1000)
    survey = _simulate.simulate_market(n_exhibitors, n_visitors=50, kano_respondents=10, params=params, rng=rng)["survey"]
    scores = ms.scale_scores(survey, measurement_model(RQ_CONSTRUCTS + ("conative",)))
    scores["trust"] = scores[list(TRUST_FACETS)].mean(axis=1)
    return (scores - scores.mean()) / scores.std(ddof=1)


def mediation_power(
    pool: pd.DataFrame,
    sizes: Sequence[int],
    *,
    x: str = "trust",
    m: str = "commitment",
    y: str = "conative",
    covariates: Sequence[str] = ("satisfaction",),
    n_sims: int = 100,
    n_boot: int = 500,
    confidence: float = 0.95,
    rng=None,
) -> pd.DataFrame:
    """Power of the percentile-bootstrap mediation test by sample size.

    Samples of each size are drawn without replacement from *pool* (e.g. the
    scale scores of a large simulated survey, standing for the population of
    exhibitors); in each, the indirect effect's bootstrap interval is
    computed as in :func:`mediation` (batched over resamples) and the test
    counts as a detection when the interval excludes zero.

    Returns
    -------
    DataFrame
        ``n, power, power_low, power_high`` (Wilson interval over the
        *n_sims* samples), ``mean_indirect``.
    """
    sizes = [_check_int(s, "sizes", 10) for s in sizes]
    n_sims = _check_int(n_sims, "n_sims", 2)
    n_boot = _check_int(n_boot, "n_boot", 100)
    confidence = _check_confidence(confidence)
    names = [x, m, y, *covariates]
    values = _numeric_block(pool, names, "mediation_power")
    if max(sizes) > len(values):
        raise RelationshipError(f"mediation_power: the largest size {max(sizes)} exceeds the pool's {len(values)} rows")
    rng = np.random.default_rng(rng)
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    rows = []
    for n in _one_thread(sizes):
        hits, est = 0, []
        for _ in range(n_sims):  # one sample per replication; its resamples are batched
            s = values[rng.choice(len(values), size=n, replace=False)]
            one = np.ones((n, 1))
            dm = np.column_stack([one, s[:, 0], s[:, 3:]])
            dy = np.column_stack([one, s[:, 1], s[:, 0], s[:, 3:]])
            draws = _indirect_draws(dm, dy, s[:, 1], s[:, 2], n_boot, rng)
            low, high = np.quantile(draws, q)
            hits += int(low > 0 or high < 0)
            est.append(_ols(dm, s[:, 1])[0][1] * _ols(dy, s[:, 2])[0][1])
        p, lo, hi = proportion_ci(hits, n_sims, confidence=confidence)
        rows.append((n, p, lo, hi, float(np.mean(est))))
    return pd.DataFrame(rows, columns=["n", "power", "power_low", "power_high", "mean_indirect"])


# --------------------------------------------------------------------------
# Plot
# --------------------------------------------------------------------------
def plot_estimates(table: pd.DataFrame, *, estimate: str = "estimate", low: str = "ci_low", high: str = "ci_high",
                   planted: str | None = "planted", ax=None):
    """Estimates with their intervals, one row per index label, and the planted values as diamonds.

    Axes-level: draws into *ax* (or the current axes) and returns it.
    """
    import matplotlib.pyplot as plt

    _check_columns(table, [c for c in (estimate, low, high) if c], "plot_estimates")
    ax = plt.gca() if ax is None else ax
    y = np.arange(len(table))[::-1]
    est = table[estimate].to_numpy(dtype=float)
    # clip: an interval end equal to the estimate can differ from it by a rounding error
    err = np.clip(np.vstack([est - table[low].to_numpy(dtype=float), table[high].to_numpy(dtype=float) - est]), 0, None)
    ax.errorbar(est, y, xerr=err, fmt="o", color="C0", capsize=3, label="estimate (CI)")
    if planted and planted in table and table[planted].notna().any():
        ax.scatter(table[planted], y, marker="D", color="C3", zorder=3, label="planted")
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.legend(loc="best", fontsize="small")
    return ax
