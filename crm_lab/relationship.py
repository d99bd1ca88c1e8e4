"""Relationship quality (关系质量): trust, satisfaction, commitment — and what drives them.

Relationship quality is the buyer–seller pair's trust (信任感), satisfaction
(满意感) and commitment / belonging (归属感) (Crosby, Evans & Cowles 1990;
Palmatier et al. 2006); commitment and trust are the two key mediators of
commitment–trust theory (Morgan & Hunt 1994), which has no satisfaction.
Mayer, Davis & Schoorman (1995) name the partner's ability (能力),
benevolence (善意) and integrity (诚信) as the factors of its perceived
trustworthiness, antecedents of trust; here, as the survey asks about them as
beliefs about the organizer, they are modelled as reflective facets of a
second-order trust factor (a modelling choice, not Mayer et al.'s model).

This module holds only the theory of relationship quality; the statistics
come from the shared core (:mod:`crm_lab.measurement` for CFA/SEM,
:mod:`crm_lab.regression` for mediation, :mod:`crm_lab.resampling` for the
bootstrap, :mod:`crm_lab.power` for power by simulation):

* the model specifications in lavaan syntax, built from
  :data:`crm_lab.schema.SCALES` (:func:`measurement_model`,
  :func:`trust_model`, :func:`rq_models`, :func:`structural_model`,
  :func:`mimic_model`);
* the planted truth of a simulated market as population regression
  coefficients of the latent constructs (:func:`latent_covariance`,
  :func:`planted_regression`, :func:`planted_indirect`, ...);
* the latent (SEM) indirect effect with a percentile bootstrap
  (:func:`sem_indirect`); mediation on scale scores is
  :func:`crm_lab.regression.mediation`;
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
Carroll, R. J., Ruppert, D., Stefanski, L. A., & Crainiceanu, C. M. (2006).
*Measurement Error in Nonlinear Models* (2nd ed.). Chapman & Hall.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps
from threadpoolctl import threadpool_limits

from . import measurement as ms
from . import schema
from . import simulate as _simulate
from ._checks import CrmLabError, check_columns, check_confidence, check_integer, check_number, numeric_columns
from .power import power_by_simulation
from .regression import IndirectEffect, _weighted_coef
from .resampling import bootstrap, draw_indices, percentile_interval
from .results import Result, coef_table, tidy_table
from .schema import SCALES
from .stats import proportion_ci

__all__ = [
    "TRUST_FACETS",
    "RQ_CONSTRUCTS",
    "ANTECEDENTS",
    "TRUE_TRAITS",
    "RelationshipError",
    "IndirectResult",
    "TrustDrivers",
    "ReturnModel",
    "Recovery",
    "measurement_model",
    "trust_model",
    "rq_models",
    "merged_model",
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
    "sem_indirect",
    "trust_antecedents",
    "true_traits",
    "trust_drivers",
    "return_model",
    "simulate_recovery",
    "recovery_summary",
    "recovery_verdicts",
    "say_power",
    "plot_htmt",
    "plot_loadings",
    "plot_indirect_draws",
    "plot_power",
    "simulated_scores",
    "mediation_power",
]

#: Trust's three roots (Mayer, Davis & Schoorman 1995), the facets of the second-order trust factor.
TRUST_FACETS = schema.TRUST_FACETS
#: The first-order factors of relationship quality in the survey.
RQ_CONSTRUCTS: tuple[str, ...] = TRUST_FACETS + ("satisfaction", "commitment")
#: The structural model's regressions (after Morgan & Hunt 1994, with satisfaction added as in Crosby et al.
#: 1990 and Palmatier et al. 2006): lhs -> its predictors.
STRUCTURAL_PATHS: dict[str, tuple[str, ...]] = {
    "satisfaction": ("trust",),
    "commitment": ("trust", "satisfaction"),
    "conative": ("commitment", "satisfaction", "trust"),
}

_MAYER = ("Mayer, R. C., Davis, J. H., & Schoorman, F. D. (1995). An integrative model of organizational trust. "
          "Academy of Management Review, 20(3), 709–734.")
_CARROLL = ("Carroll, R. J., Ruppert, D., Stefanski, L. A., & Crainiceanu, C. M. (2006). Measurement Error in "
            "Nonlinear Models (2nd ed.). Chapman & Hall.")


class RelationshipError(CrmLabError):
    """Bad input to a relationship-quality function (names what and what was expected)."""


def _one_thread(iterable):
    """Iterate with BLAS limited to one thread.

    A loop of small SEM fits (21 observed variables) gains nothing from a
    multi-threaded BLAS and loses to its contention: on the 2-core machine
    one structural-model fit takes 0.04 s with one thread against 0.14 s with
    the default (``benchmarks/bench_relationship.py``).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield from iterable


def _std_paths(fit: ms.SEMResult) -> pd.DataFrame:
    """The ``~`` regressions of a fitted SEM indexed by (lhs, rhs), with ``std_se``.

    ``std_se`` rescales the SE by the factor that standardises the estimate
    (``std_estimate / estimate``), treating the variances as known: an
    approximation of lavaan's delta-method SE of ``std.all``.
    """
    paths = fit.paths.set_index(["lhs", "rhs"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(paths["estimate"] != 0, paths["std_estimate"] / paths["estimate"], np.nan)
    return paths.assign(std_se=np.abs(paths["se"].to_numpy() * ratio))


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

    References
    ----------
    Crosby, L. A., Evans, K. R., & Cowles, D. (1990). Relationship quality
    in services selling: An interpersonal influence perspective. *Journal of
    Marketing*, 54(3), 68–81.
    """
    scales = SCALES if scales is None else scales
    unknown = [c for c in constructs if c not in scales]
    if unknown or not len(constructs):
        raise RelationshipError(f"constructs must be non-empty names among {list(scales)} (unknown: {unknown})")
    return "\n".join(f"{c} =~ " + " + ".join(scales[c]) for c in constructs)


def trust_model(others: Sequence[str] = ("satisfaction", "commitment")) -> str:
    """Trust as a second-order factor over its facets, beside the first-order *others*.

    Parameters
    ----------
    others : sequence of str
        First-order constructs of :data:`crm_lab.schema.SCALES` beside trust.

    Returns
    -------
    str
        lavaan syntax: the facets' and *others*' item lines, then
        ``trust =~ benevolence + integrity + ability``.

    References
    ----------
    Mayer, R. C., Davis, J. H., & Schoorman, F. D. (1995). An integrative
    model of organizational trust. *Academy of Management Review*, 20(3),
    709–734.

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

    Notes
    -----
    A dict of model strings (not an analysis result), the *models* argument
    of :func:`crm_lab.measurement.compare_models`.

    References
    ----------
    Palmatier, R. W., Dant, R. P., Grewal, D., & Evans, K. R. (2006).
    Factors influencing the effectiveness of relationship marketing: A
    meta-analysis. *Journal of Marketing*, 70(4), 136–153.

    Examples
    --------
    >>> list(rq_models())
    ['first_order', 'trust_second_order', 'rq_higher_order', 'rq_single']
    """
    first = measurement_model(RQ_CONSTRUCTS)
    return {
        "first_order": first,
        "trust_second_order": trust_model(),
        "rq_higher_order": trust_model() + "\nrelationship_quality =~ trust + satisfaction + commitment",
        "rq_single": first + "\nrelationship_quality =~ " + " + ".join(RQ_CONSTRUCTS),
    }


def merged_model(merge: Sequence[str] = ("satisfaction", "commitment"), constructs: Sequence[str] = RQ_CONSTRUCTS,
                 *, name: str | None = None) -> str:
    """A deliberately misspecified measurement model: the items of *merge* load on one factor.

    Beside :func:`measurement_model` it shows what misfit looks like: a model
    that treats two distinct constructs as one (their correlation fixed at 1)
    misses the covariances of their items, and the χ² test and the fit
    indices say so.

    Parameters
    ----------
    merge : sequence of str
        Two or more constructs of *constructs* whose items get one factor.
    constructs : sequence of str
        All first-order constructs of the model.
    name : str, optional
        The merged factor's name (default the names joined by ``_``).

    Returns
    -------
    str
        lavaan syntax.

    Examples
    --------
    >>> print(merged_model(("satisfaction", "commitment"), ("ability", "satisfaction", "commitment")))
    ability =~ abl1 + abl2 + abl3
    satisfaction_commitment =~ sat1 + sat2 + sat3 + com1 + com2 + com3

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation
    models with unobservable variables and measurement error. *Journal of
    Marketing Research*, 18(1), 39–50.
    """
    merge = list(merge)
    if len(merge) < 2 or any(c not in constructs for c in merge):
        raise RelationshipError(f"merge must name two or more of {list(constructs)} (got {merge})")
    kept = [c for c in constructs if c not in merge]
    lines = [measurement_model(kept)] if kept else []
    lines.append(f"{name or '_'.join(merge)} =~ " + " + ".join(i for c in merge for i in SCALES[c]))
    return "\n".join(lines)


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

    Returns
    -------
    str
        lavaan syntax: the item lines, second-order trust, the regressions.

    References
    ----------
    Morgan, R. M., & Hunt, S. D. (1994). The commitment–trust theory of
    relationship marketing. *Journal of Marketing*, 58(3), 20–38.

    Examples
    --------
    >>> structural_model().splitlines()[-1]
    'conative ~ commitment + satisfaction + trust'
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
    """Second-order trust regressed on observed antecedents (a MIMIC model, Jöreskog & Goldberger 1975).

    Parameters
    ----------
    antecedents : sequence of str
        Observed columns (e.g. :data:`ANTECEDENTS`).

    Returns
    -------
    str
        :func:`trust_model` without other factors, plus ``trust ~ antecedents``.

    References
    ----------
    Jöreskog, K. G., & Goldberger, A. S. (1975). Estimation of a model with
    multiple indicators and multiple causes of a single latent variable.
    *Journal of the American Statistical Association*, 70(351), 631–639.

    Examples
    --------
    >>> mimic_model(["tenure"]).splitlines()[-1]
    'trust ~ tenure'
    """
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

    Notes
    -----
    Tested against the covariance of the simulated latent scores of a
    market of 40,000 exhibitors.

    References
    ----------
    Bollen, K. A. (1989). *Structural Equations with Latent Variables*.
    New York: Wiley.
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
    out).  Computed from ``truth.paths``, never hard-coded.  Tested against
    OLS on the simulated latent scores of 40,000 exhibitors.

    References
    ----------
    Bollen, K. A. (1989). *Structural Equations with Latent Variables*.
    New York: Wiley.

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
    """The planted value of every regression of the structural model.

    Returns
    -------
    DataFrame
        ``lhs, rhs, planted``: one row per regression of *paths* (default
        :data:`STRUCTURAL_PATHS`), from :func:`planted_regression`.

    Notes
    -----
    Tested by recovering these values with the structural model fitted to
    one large simulated survey.

    References
    ----------
    Morgan, R. M., & Hunt, S. D. (1994). The commitment–trust theory of
    relationship marketing. *Journal of Marketing*, 58(3), 20–38.
    """
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
        ``total`` (``direct + indirect``): planted numbers, not an estimate.

    Notes
    -----
    Tested against the products of the simulator's planted parameters.

    References
    ----------
    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling
    strategies for assessing and comparing indirect effects in multiple
    mediator models. *Behavior Research Methods*, 40(3), 879–891.
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

    Notes
    -----
    Tested against the simulator's parameters.

    References
    ----------
    Mayer, R. C., Davis, J. H., & Schoorman, F. D. (1995). An integrative
    model of organizational trust. *Academy of Management Review*, 20(3),
    709–734.
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

    Returns
    -------
    DataFrame
        Symmetric, indexed and labelled by *constructs*.

    Notes
    -----
    Tested against the correlations of the simulated latent facet scores of
    40,000 exhibitors.

    References
    ----------
    Bollen, K. A. (1989). *Structural Equations with Latent Variables*.
    New York: Wiley.
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
    Tested against the formula by hand and against
    :func:`crm_lab.measurement.reliability` on 100,000 simulated answers.

    References
    ----------
    McDonald, R. P. (1999). *Test Theory: A Unified Treatment*. Mahwah, NJ:
    Erlbaum.
    """
    lam = planted_loadings(truth, [construct]).query("factor == @construct")["planted"].to_numpy()
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2)))


# --------------------------------------------------------------------------
# The latent (SEM) indirect effect and its bootstrap
# --------------------------------------------------------------------------
_INDIRECT_CITATION = ("Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling strategies for assessing "
                      "and comparing indirect effects in multiple mediator models. Behavior Research Methods, 40(3), "
                      "879–891; Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in "
                      "structural equation models. Sociological Methodology, 13, 290–312.")


@dataclass(frozen=True)
class IndirectResult(IndirectEffect):
    """The standardised latent indirect effect of *x* on *y* through *m* (see :func:`sem_indirect`).

    Attributes
    ----------
    table : DataFrame
        Rows ``a`` (x -> m), ``b`` (m -> y) and ``indirect`` (a·b), all
        completely standardised; columns ``estimate, se, ci_low, ci_high,
        statistic, df, p_value``.  The paths have Wald z tests and intervals
        from the approximate standardised SEs; the indirect effect has the
        bootstrap SE and percentile interval, with Sobel's z and p.
    draws : ndarray
        The bootstrap draws of a·b of the resamples whose fit succeeded.
    fit : crm_lab.measurement.SEMResult
        The model fitted to all rows (its semopy model is ``fit.model``).
    meta : dict
        n, confidence, method, citation, x, m, y, n_boot, n_failed
        (resamples whose fit failed), n_improper (resamples with a
        variance at or below zero), sobel_ci.
    """

    table: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    fit: Any = field(repr=False)
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Latent indirect effect (standardised): {self.meta['x']} -> {self.meta['m']} -> {self.meta['y']}"

    _test_name = "Latent mediation"
    _effect = "standardised indirect effect a·b"
    _test_meta = ("n_boot", "n_failed")

    def _summary_lines(self, decimals: int) -> list[str]:
        lo, hi = self.meta["sobel_ci"]
        return [f"{self.meta['n_boot']} resamples, {self.meta['n_failed']} failed, {self.meta['n_improper']} improper; "
                f"Sobel interval [{lo:.{decimals}f}, {hi:.{decimals}f}]", ""]


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
) -> IndirectResult:
    """The standardised latent indirect effect of *x* on *y* through *m*, with a percentile bootstrap.

    Parameters
    ----------
    data : DataFrame
        The items the model names (rows with a missing item are dropped by
        :func:`crm_lab.measurement.sem`, with a warning).
    model : str
        lavaan syntax with the regressions ``m ~ x`` and ``y ~ m`` (and
        usually ``y ~ x``), e.g. :func:`structural_model`.
    x, m, y : str
        Cause, mediator and outcome (factors or observed variables).
    n_boot : int, default 200
        Bootstrap resamples (>= 20).
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    IndirectResult

    Notes
    -----
    ``a`` and ``b`` are the completely standardised paths (lavaan's
    ``std.all``) of the model fitted with :func:`crm_lab.measurement.sem`.
    Each resample (rows drawn by :func:`crm_lab.resampling.draw_indices`)
    refits the model — a loop, since an SEM fit cannot be batched, with BLAS
    on one thread; resamples whose fit fails are counted in
    ``meta['n_failed']``, not hidden.  The interval is the percentile
    interval of the draws (:func:`crm_lab.resampling.percentile_interval`,
    failed resamples left out).  Tested against the path algebra of the
    model-implied factor correlations (``a = r_xm``,
    ``b = (r_my − r_xm r_xy) / (1 − r_xm²)``).

    References
    ----------
    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling
    strategies for assessing and comparing indirect effects in multiple
    mediator models. *Behavior Research Methods*, 40(3), 879–891.

    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects
    in structural equation models. *Sociological Methodology*, 13, 290–312.
    """
    n_boot = check_integer(n_boot, "n_boot", low=20, error=RelationshipError)
    confidence = check_confidence(confidence, error=RelationshipError)
    pairs = set(ms.regressions(model))
    missing = [f"{lhs} ~ {rhs}" for lhs, rhs in ((m, x), (y, m)) if (lhs, rhs) not in pairs]
    if missing:
        raise RelationshipError(f"sem_indirect: the model has no regression {' or '.join(missing)} "
                                f"(its regressions: {sorted(f'{a} ~ {b}' for a, b in pairs)})")
    rng = np.random.default_rng(rng)
    full = ms.sem(data, model)
    paths = _std_paths(full)
    pa, pb = paths.loc[(m, x)], paths.loc[(y, m)]
    observed = list(full.model.vars["observed"])
    frame = data[observed].dropna().astype(float).reset_index(drop=True)
    n = len(frame)
    draws = np.full(n_boot, np.nan)
    improper = 0
    for b, rows in _one_thread(enumerate(draw_indices(n, n_boot, rng))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            try:
                p = _std_paths(ms.sem(frame.iloc[rows], model))
            except (ms.ConvergenceError, np.linalg.LinAlgError):
                continue
        improper += any("Heywood" in str(w.message) for w in caught)
        draws[b] = p.loc[(m, x), "std_estimate"] * p.loc[(y, m), "std_estimate"]
    failed = int(np.isnan(draws).sum())
    draws = draws[~np.isnan(draws)]
    a, b = float(pa["std_estimate"]), float(pb["std_estimate"])
    ind = a * b
    zq = sps.norm.ppf((1 + confidence) / 2)
    sobel = math.sqrt(b**2 * pa["std_se"] ** 2 + a**2 * pb["std_se"] ** 2)
    low, high = percentile_interval(draws, confidence)
    z_ind = ind / sobel
    table = tidy_table({
        "estimate": [a, b, ind],
        "se": [pa["std_se"], pb["std_se"], float(np.nanstd(draws, ddof=1))],
        "ci_low": [a - zq * pa["std_se"], b - zq * pb["std_se"], low],
        "ci_high": [a + zq * pa["std_se"], b + zq * pb["std_se"], high],
        "statistic": [pa["z"], pb["z"], z_ind],
        "p_value": [pa["p_value"], pb["p_value"], 2 * sps.norm.sf(abs(z_ind))],
    }, index=["a", "b", "indirect"], name="effect")
    meta = {"n": full.n, "confidence": confidence, "x": x, "m": m, "y": y, "n_boot": n_boot, "n_failed": failed,
            "n_improper": int(improper), "sobel_ci": (ind - zq * sobel, ind + zq * sobel),
            "method": f"ML SEM (semopy), completely standardised paths; percentile bootstrap of a·b refitting the "
                      f"model on each of {n_boot} resamples; Sobel z",
            "citation": _INDIRECT_CITATION}
    return IndirectResult(table=table, draws=draws, fit=full, meta=meta)


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
        asked get the pooled share of the sample), ``no_requests`` (1 = never
        asked: the missing-indicator method; its sum counts them),
        ``tenure`` (editions since the first, the survey's included).

    Notes
    -----
    Tested against a hand-computed example (later editions ignored, the
    pooled share for those who never asked).

    References
    ----------
    Mayer, R. C., Davis, J. H., & Schoorman, F. D. (1995). An integrative
    model of organizational trust. *Academy of Management Review*, 20(3),
    709–734.

    Doney, P. M., & Cannon, J. P. (1997). An examination of the nature of
    trust in buyer–seller relationships. *Journal of Marketing*, 61(2),
    35–51.
    """
    check_columns(survey, ["exhibitor_id", "edition", "reputation"], what="trust_antecedents (survey)",
                  error=RelationshipError)
    check_columns(participation, ["exhibitor_id", "edition", "participated", "contacts", "special_requests",
                                  "requests_met"], what="trust_antecedents (participation)", error=RelationshipError)
    check_columns(exhibitors, ["exhibitor_id", "size_class", "first_edition"], what="trust_antecedents (exhibitors)",
                  error=RelationshipError)
    numeric_columns(survey, ["edition"], what="trust_antecedents (survey)", error=RelationshipError)
    numeric_columns(participation, ["edition", "participated", "contacts", "special_requests", "requests_met"],
                    what="trust_antecedents (participation)", missing="keep", error=RelationshipError)
    numeric_columns(exhibitors, ["first_edition"], what="trust_antecedents (exhibitors)", error=RelationshipError)
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
    return out.drop(columns=["requests", "met"])


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

    Returns
    -------
    DataFrame
        ``exhibitor_id``, the trust items, ``large`` and
        :data:`TRUE_TRAITS` but ``large`` (same rows as *antecedents*).

    References
    ----------
    Carroll, R. J., Ruppert, D., Stefanski, L. A., & Crainiceanu, C. M.
    (2006). *Measurement Error in Nonlinear Models* (2nd ed.). Chapman &
    Hall.
    """
    check_columns(antecedents, ["exhibitor_id", "large"], what="true_traits", error=RelationshipError)
    items = [i for f in TRUST_FACETS for i in SCALES[f]]
    latent = truth.latent.set_index("exhibitor_id")
    out = antecedents[["exhibitor_id", *items, "large"]].copy()
    for trait in TRUE_TRAITS[:-1]:
        out[trait] = antecedents["exhibitor_id"].map(latent[trait]).to_numpy()
    if out[list(TRUE_TRAITS[:-1])].isna().any().any():
        raise RelationshipError("true_traits: some surveyed exhibitors are missing from truth.latent")
    return out


@dataclass(frozen=True)
class TrustDrivers(Result):
    """Second-order latent trust regressed on its antecedents (see :func:`trust_drivers`).

    Attributes
    ----------
    table : DataFrame
        Index antecedent; ``estimate`` (change in trust, in SDs of trust, per
        unit of the antecedent), ``se``, ``ci_low``, ``ci_high``,
        ``statistic`` (Wald z), ``df`` (NaN), ``p_value``, then
        ``std_estimate`` (per SD of the antecedent) and, with a truth,
        ``planted`` (NaN for a record with no planted counterpart).
    fit : crm_lab.measurement.SEMResult
        The fitted MIMIC model (its semopy model is ``fit.model``).
    meta : dict
        n, confidence, method, citation, antecedents.
    """

    table: pd.DataFrame
    fit: Any = field(repr=False)
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return "Antecedents of trust (MIMIC model; estimates in SDs of trust per unit)"


def trust_drivers(data: pd.DataFrame, antecedents: Sequence[str] = ANTECEDENTS, *, truth=None,
                  confidence: float = 0.95) -> TrustDrivers:
    """Regress second-order latent trust on its antecedents (a MIMIC model fitted with semopy).

    Parameters
    ----------
    data : DataFrame
        The nine trust-facet items and the *antecedents* columns, numeric,
        without missing values (they raise, naming column and rows), e.g.
        :func:`trust_antecedents` or :func:`true_traits`.
    antecedents : sequence of str
        Default :data:`ANTECEDENTS`.
    truth : crm_lab.simulate.Truth, optional
        Adds the planted coefficients.
    confidence : float, default 0.95

    Returns
    -------
    TrustDrivers

    Notes
    -----
    :func:`mimic_model` fitted with :func:`crm_lab.measurement.sem`.  The
    per-unit estimate is the standardised coefficient divided by the
    antecedent's SD: the scale on which the simulator plants its
    coefficients (latent trust with unit variance).  The records are noisy
    stand-ins for the traits (a few contacts a year for a contact rate, a
    handful of requests for a share met), so their coefficients are
    attenuated towards zero (errors in variables; Carroll et al. 2006).
    Tested against the planted coefficients of a simulated market, with the
    simulator's error-free traits.

    References
    ----------
    Jöreskog, K. G., & Goldberger, A. S. (1975). Estimation of a model with
    multiple indicators and multiple causes of a single latent variable.
    *Journal of the American Statistical Association*, 70(351), 631–639.

    Carroll, R. J., Ruppert, D., Stefanski, L. A., & Crainiceanu, C. M.
    (2006). *Measurement Error in Nonlinear Models* (2nd ed.). Chapman &
    Hall.
    """
    confidence = check_confidence(confidence, error=RelationshipError)
    antecedents = list(antecedents)
    items = [i for f in TRUST_FACETS for i in SCALES[f]]
    frame = numeric_columns(data, items + antecedents, what="trust_drivers", error=RelationshipError)
    fit = ms.sem(frame, mimic_model(antecedents))
    paths = _std_paths(fit).loc["trust"].reindex(antecedents)
    sd = frame[antecedents].std(ddof=0).to_numpy()
    est = paths["std_estimate"].to_numpy() / sd
    se = paths["std_se"].to_numpy() / sd
    z = sps.norm.ppf((1 + confidence) / 2)
    columns = {"estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
               "statistic": paths["z"].to_numpy(), "p_value": paths["p_value"].to_numpy(),
               "std_estimate": paths["std_estimate"].to_numpy()}
    if truth is not None:
        columns["planted"] = [truth.path("trust", _PLANTED_NAME[a]) if a in _PLANTED_NAME else np.nan
                              for a in antecedents]
    table = tidy_table(columns, index=antecedents, name="antecedent", extras=("std_estimate", "planted"))
    meta = {"n": fit.n, "confidence": confidence, "antecedents": antecedents,
            "method": "MIMIC model (second-order trust on observed antecedents), ML with semopy; Wald intervals "
                      "from the standardised SEs, per unit of each antecedent",
            "citation": "Jöreskog, K. G., & Goldberger, A. S. (1975). Estimation of a model with multiple indicators "
                        "and multiple causes of a single latent variable. Journal of the American Statistical "
                        "Association, 70(351), 631–639; " + _MAYER}
    return TrustDrivers(table=table, fit=fit, meta=meta)


# --------------------------------------------------------------------------
# From intention to actual return
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ReturnModel(Result):
    """Actual return regressed on intention (see :func:`return_model`).

    Attributes
    ----------
    table : DataFrame
        Rows ``intention`` (per SD of the intention score) and ``monopoly``:
        ``estimate, se, ci_low, ci_high, statistic`` (z), ``df`` (NaN),
        ``p_value``, and with a reliability ``corrected`` (the intention
        slope divided by √reliability).
    fit : statsmodels LogitResults
        The fitted logit (stage intercepts included).
    meta : dict
        n, confidence, method, citation, reliability.
    """

    table: pd.DataFrame
    fit: Any = field(repr=False)
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return "Return at the next edition on intention (logit)"


def return_model(data: pd.DataFrame, *, intention: str = "conative", returned: str = "returned",
                 stage: str = "stage", monopoly: str = "monopoly", reliability: float | None = None,
                 confidence: float = 0.95) -> ReturnModel:
    """Logistic regression of actual return at the next edition on the intention score.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with a next edition.
    intention, returned, stage, monopoly : str
        Columns: the intention scale score, return (0/1), the lifecycle
        stage (categorical) and the monopoly flag (0/1).
    reliability : float in (0, 1], optional
        Reliability of the intention score (e.g. McDonald's ω).
    confidence : float, default 0.95

    Returns
    -------
    ReturnModel

    Notes
    -----
    ``logit P(returned) = stage intercept + β · intention_z + γ · monopoly``,
    the form of the simulator's return decision, fitted with statsmodels
    (``smf.logit``).  The intention scale score is standardised; with its
    *reliability*, β is also corrected for measurement error by regression
    calibration: ``β / sqrt(reliability)`` (the latent intention's best
    linear predictor from the standardised score has slope
    ``sqrt(reliability)``; Carroll et al. 2006, ch. 4).  Tested against the
    slope planted in simulated data and statsmodels' own fit.

    References
    ----------
    Carroll, R. J., Ruppert, D., Stefanski, L. A., & Crainiceanu, C. M.
    (2006). *Measurement Error in Nonlinear Models* (2nd ed.). Chapman &
    Hall.

    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(special issue), 33–44.
    """
    confidence = check_confidence(confidence, error=RelationshipError)
    values = numeric_columns(data, {"intention": intention, "returned": returned, "monopoly": monopoly},
                             what="return_model", min_rows=5, error=RelationshipError)
    check_columns(data, {"stage": stage}, what="return_model", error=RelationshipError)
    if not values[returned].isin([0, 1]).all():
        raise RelationshipError(f"return_model: column {returned!r} must be 0/1 "
                                f"(got {sorted(values[returned].unique())[:5]})")
    if reliability is not None:
        reliability = check_number(reliability, "reliability", low=0, high=1, low_open=True, error=RelationshipError)
    score = values[intention]
    frame = pd.DataFrame({
        "returned": values[returned],
        "intention": (score - score.mean()) / score.std(ddof=1),
        "monopoly": values[monopoly],
        "stage": data[stage].astype(str),
    })
    fit = smf.logit("returned ~ 0 + C(stage) + intention + monopoly", data=frame).fit(disp=False)
    table = coef_table(fit, confidence=confidence).loc[["intention", "monopoly"]]
    if reliability is not None:
        table = table.assign(corrected=table["estimate"] / np.where(table.index == "intention",
                                                                    math.sqrt(reliability), 1.0))
    meta = {"n": int(fit.nobs), "confidence": confidence, "reliability": reliability,
            "method": "logit with stage intercepts (statsmodels); intention standardised"
                      + ("; slope corrected by regression calibration (÷ √reliability)" if reliability else ""),
            "citation": _CARROLL}
    return ReturnModel(table=table, fit=fit, meta=meta)


# --------------------------------------------------------------------------
# Simulations
# --------------------------------------------------------------------------
def _structural_data(survey: pd.DataFrame) -> pd.DataFrame:
    items = [i for c in RQ_CONSTRUCTS + ("conative",) for i in SCALES[c]]
    return survey[items].astype(float)


@dataclass(frozen=True)
class Recovery:
    """The replications of a parameter-recovery study (see :func:`simulate_recovery`).

    Attributes
    ----------
    replications : DataFrame
        One row per successful replication and path: ``sim, n, path,
        planted, estimate, se, ci_low, ci_high, covered``.
    n_sims : int
        Replications run.
    n_failed : int
        Replications whose fit failed (left out of *replications*).
    confidence : float
        Level of the intervals.
    """

    replications: pd.DataFrame
    n_sims: int
    n_failed: int
    confidence: float

    def summary_table(self) -> pd.DataFrame:
        """:func:`recovery_summary` of the replications, at the study's confidence."""
        return recovery_summary(self.replications, confidence=self.confidence)


def simulate_recovery(n_sims: int = 50, *, n_exhibitors: int = 3000, params=None, confidence: float = 0.95,
                      rng=None) -> Recovery:
    """Parameter recovery of the structural model over simulated markets.

    Each replication simulates a market (:func:`crm_lab.simulate.simulate_market`
    with *n_exhibitors*, small visitor and Kano sizes), fits
    :func:`structural_model` to its survey with :func:`crm_lab.measurement.sem`,
    and records each standardised path and the standardised indirect effect
    trust -> commitment -> intention beside its planted value
    (:func:`planted_structural`, :func:`planted_indirect`).

    Returns
    -------
    Recovery
        The replications (``sim, n, path, planted, estimate, se, ci_low,
        ci_high, covered``) and the count of failed fits.

    Notes
    -----
    Tested: the same seed gives the same replications, and the summary
    reports the planted path 0.35 of commitment on trust.

    References
    ----------
    Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation
    studies to evaluate statistical methods. *Statistics in Medicine*,
    38(11), 2074–2102.
    """
    n_sims = check_integer(n_sims, "n_sims", low=2, error=RelationshipError)
    confidence = check_confidence(confidence, error=RelationshipError)
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
            paths = _std_paths(ms.sem(data, model))
        except (ms.ConvergenceError, np.linalg.LinAlgError):
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
    return Recovery(replications=out, n_sims=n_sims, n_failed=failed, confidence=confidence)


def recovery_summary(recovery: pd.DataFrame | Recovery, *, confidence: float = 0.95) -> pd.DataFrame:
    """Bias, RMSE and interval coverage (with its Wilson interval) per path of :func:`simulate_recovery`.

    Parameters
    ----------
    recovery : Recovery or DataFrame
        The result of :func:`simulate_recovery`, or its ``replications``
        (columns ``path, planted, estimate, se, covered``).
    confidence : float, default 0.95
        Level of the coverage's Wilson interval.

    Returns
    -------
    DataFrame
        Index path; ``planted, mean_estimate, bias, bias_low, bias_high,
        rel_bias, rmse, mean_se, sd_estimate, coverage, coverage_low,
        coverage_high, n_sims``.  ``bias_low, bias_high``: the Monte Carlo
        t interval of the bias (bias ± t · sd_estimate / √n_sims);
        ``coverage_low, coverage_high``: the Wilson interval of the coverage.
        ``rel_bias`` is NaN where the planted value is within 0.05 of 0 (a
        ratio to a near-zero value says nothing).  A sound estimator has a
        bias interval that contains 0, ``mean_se`` near ``sd_estimate`` and
        a coverage interval that contains the nominal level
        (:func:`recovery_verdicts`).

    Notes
    -----
    Tested against hand-computed bias, its t interval and RMSE and
    statsmodels' ``proportion_confint(method="wilson")``.

    References
    ----------
    Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation
    studies to evaluate statistical methods. *Statistics in Medicine*,
    38(11), 2074–2102.
    """
    if isinstance(recovery, Recovery):
        recovery = recovery.replications
    check_columns(recovery, ["path", "planted", "estimate", "se", "covered"], what="recovery_summary",
                  error=RelationshipError)
    confidence = check_confidence(confidence, error=RelationshipError)
    numeric_columns(recovery, ["planted", "estimate", "se"], what="recovery_summary", missing="keep",
                    error=RelationshipError)
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
    half = sps.t.ppf((1 + confidence) / 2, (out["n_sims"] - 1).clip(lower=1)) * out["sd_estimate"] / np.sqrt(out["n_sims"])
    out["bias_low"], out["bias_high"] = out["bias"] - half, out["bias"] + half
    out["rel_bias"] = out["bias"] / out["planted"].where(out["planted"].abs() >= 0.05)
    out["rmse"] = g.apply(lambda d: float(np.sqrt(np.mean((d["estimate"] - d["planted"]) ** 2))), include_groups=False)
    cov = [proportion_ci(int(h), int(n), confidence=confidence) for h, n in zip(out["hits"], out["n_sims"])]
    out["coverage"], out["coverage_low"], out["coverage_high"] = zip(*cov)
    cols = ["planted", "mean_estimate", "bias", "bias_low", "bias_high", "rel_bias", "rmse", "mean_se", "sd_estimate",
            "coverage", "coverage_low", "coverage_high", "n_sims"]
    return out[cols]


def recovery_verdicts(summary: pd.DataFrame, *, nominal: float = 0.95, decimals: int = 3) -> pd.DataFrame:
    """Per path of :func:`recovery_summary`: is the bias distinguishable from 0, does coverage reach the nominal level?

    Both verdicts are read from the Monte Carlo intervals, not the point
    values, so a small simulation says "cannot tell" rather than a false
    "recovered".

    Parameters
    ----------
    summary : DataFrame
        :func:`recovery_summary`'s table.
    nominal : float, default 0.95
        The intervals' nominal coverage.
    decimals : int, default 3

    Returns
    -------
    DataFrame
        Index path; ``unbiased`` (the bias interval contains 0),
        ``coverage_ok`` (the coverage interval contains *nominal*, or lies
        above it), ``verdict`` (a sentence from the numbers).  ``unbiased``
        is None where the bias has no interval (a single replication).

    Examples
    --------
    >>> s = pd.DataFrame({"bias": [0.001, 0.03], "bias_low": [-0.01, 0.02], "bias_high": [0.012, 0.04],
    ...                   "coverage": [0.95, 0.85], "coverage_low": [0.91, 0.79], "coverage_high": [0.97, 0.89],
    ...                   "n_sims": [150, 150]}, index=["a ~ b", "c ~ d"])
    >>> v = recovery_verdicts(s)
    >>> v["unbiased"].tolist(), v["coverage_ok"].tolist()
    ([True, False], [True, False])
    >>> print(v.loc["c ~ d", "verdict"])
    c ~ d: bias 0.030 [0.020, 0.040] excludes 0 (the estimates run high); coverage 0.850 [0.790, 0.890] is below the nominal 0.95.

    References
    ----------
    Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation
    studies to evaluate statistical methods. *Statistics in Medicine*,
    38(11), 2074–2102.
    """
    numeric_columns(summary, ["bias", "bias_low", "bias_high", "coverage", "coverage_low", "coverage_high"],
                    what="recovery_verdicts", missing="keep", error=RelationshipError)
    nominal = check_confidence(nominal, error=RelationshipError)
    f = f"{{:.{decimals}f}}"
    rows = {}
    for path, r in summary.iterrows():
        coverage_ok = bool(r["coverage_high"] >= nominal)
        if not (np.isfinite(r["bias_low"]) and np.isfinite(r["bias_high"])):  # one replication: no spread, no interval
            unbiased = None
            bias = f"bias {f.format(r['bias'])} without an interval (fewer than 2 replications): no verdict on bias"
        else:
            unbiased = bool(r["bias_low"] <= 0 <= r["bias_high"])
            bias = (f"bias {f.format(r['bias'])} [{f.format(r['bias_low'])}, {f.format(r['bias_high'])}] "
                    + ("includes 0" if unbiased else
                       f"excludes 0 (the estimates run {'high' if r['bias'] > 0 else 'low'})"))
        cov = f"coverage {f.format(r['coverage'])} [{f.format(r['coverage_low'])}, {f.format(r['coverage_high'])}] "
        if r["coverage_low"] <= nominal <= r["coverage_high"]:
            cov += f"includes the nominal {nominal:g}"
        else:
            cov += f"is {'below' if r['coverage_high'] < nominal else 'above'} the nominal {nominal:g}"
        rows[path] = (unbiased, coverage_ok, f"{path}: {bias}; {cov}.")
    return pd.DataFrame.from_dict(rows, orient="index", columns=["unbiased", "coverage_ok", "verdict"])


def simulated_scores(n_exhibitors: int = 20_000, *, params=None, rng=None) -> pd.DataFrame:
    """Standardised scale scores of a large simulated survey: a population to draw survey samples from.

    Returns
    -------
    DataFrame
        The scale score (mean of the items) of each construct of
        :data:`RQ_CONSTRUCTS` and ``conative``, and ``trust`` (the mean of
        the nine trust-facet items), each standardised.

    References
    ----------
    Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation
    studies to evaluate statistical methods. *Statistics in Medicine*,
    38(11), 2074–2102.
    """
    n_exhibitors = check_integer(n_exhibitors, "n_exhibitors", low=1000, error=RelationshipError)
    survey = _simulate.simulate_market(n_exhibitors, n_visitors=50, kano_respondents=10, params=params, rng=rng)["survey"]
    scores = ms.scale_scores(survey, measurement_model(RQ_CONSTRUCTS + ("conative",)))
    scores["trust"] = scores[list(TRUST_FACETS)].mean(axis=1)
    return (scores - scores.mean()) / scores.std(ddof=1)


def _indirect_statistic(dm: np.ndarray, dy: np.ndarray, mv: np.ndarray, yv: np.ndarray):
    """a·b of each count-resample: x's coefficient in ``m ~ dm`` times m's in ``y ~ dy`` (column 1 of each)."""
    return lambda counts: _weighted_coef(dm, mv, counts, 1) * _weighted_coef(dy, yv, counts, 1)


def mediation_power(
    pool: pd.DataFrame,
    sizes: Sequence[int],
    *,
    x: str = "trust",
    m: str = "commitment",
    y: str = "conative",
    covariates: Sequence[str] = ("satisfaction",),
    reps: int = 100,
    n_boot: int = 500,
    confidence: float = 0.95,
    rng=None,
) -> pd.DataFrame:
    """Power of the percentile-bootstrap mediation test by sample size.

    Parameters
    ----------
    pool : DataFrame
        The population to draw samples from (e.g. :func:`simulated_scores`),
        with numeric *x*, *m*, *y* and *covariates*.
    sizes : sequence of int
        Sample sizes (>= 10, at most the pool's rows).
    x, m, y, covariates : str
        The mediation model, as in :func:`crm_lab.regression.mediation`.
    reps : int, default 100
        Samples per size.
    n_boot : int, default 500
        Bootstrap resamples per sample (>= 100).
    confidence : float, default 0.95
        Level of the bootstrap interval and of the power's Wilson interval.
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        :func:`crm_lab.power.power_by_simulation`'s columns, one row per
        size: ``n, term`` (``"indirect"``), ``power, ci_low, ci_high``
        (Wilson interval over the *reps* samples), ``mean_estimate`` (the
        average indirect effect a·b), ``reps``.

    Notes
    -----
    Samples of each size are drawn without replacement from *pool*; in
    each, the indirect effect's percentile interval is computed as in
    :func:`crm_lab.regression.mediation` — resamples as multinomial counts
    (:func:`crm_lab.resampling.bootstrap`), the OLS fits of all resamples
    batched by :func:`crm_lab.regression._weighted_coef` — and the test
    counts as a detection when the interval excludes zero.  Tested: power
    rises with n to 1 under a strong mediation and stays at the nominal
    size under none.

    References
    ----------
    Fritz, M. S., & MacKinnon, D. P. (2007). Required sample size to detect
    the mediated effect. *Psychological Science*, 18(3), 233–239.

    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling
    strategies for assessing and comparing indirect effects in multiple
    mediator models. *Behavior Research Methods*, 40(3), 879–891.
    """
    sizes = [check_integer(s, "sizes", low=10, error=RelationshipError) for s in np.atleast_1d(sizes).tolist()]
    reps = check_integer(reps, "reps", low=2, error=RelationshipError)
    n_boot = check_integer(n_boot, "n_boot", low=100, error=RelationshipError)
    confidence = check_confidence(confidence, error=RelationshipError)
    covariates = list(covariates)
    roles = {"x": x, "m": m, "y": y, **{f"covariates[{i}]": c for i, c in enumerate(covariates)}}
    values = numeric_columns(pool, roles, what="mediation_power", error=RelationshipError).to_numpy()
    if max(sizes) > len(values):
        raise RelationshipError(f"mediation_power: the largest size {max(sizes)} exceeds the pool's {len(values)} rows")

    def simulate_test(n, k, gen):
        rejected, estimates = np.zeros(k, dtype=bool), np.zeros(k)
        for r in range(k):  # one sample per replication; its resamples are batched
            s = values[gen.choice(len(values), size=n, replace=False)]
            one = np.ones((n, 1))
            dm = np.column_stack([one, s[:, 0], s[:, 3:]])  # m ~ 1 + x + C
            dy = np.column_stack([one, s[:, 1], s[:, 0], s[:, 3:]])  # y ~ 1 + m + x + C
            ab = _indirect_statistic(dm, dy, s[:, 1], s[:, 2])
            boot = bootstrap(ab, n, n_boot=n_boot, confidence=confidence, resample="counts", rng=gen,
                             cells_per_draw=dy.shape[1] ** 2)
            rejected[r] = boot.ci_low > 0 or boot.ci_high < 0
            estimates[r] = ab(np.ones((1, n)))[0]
        return rejected, estimates

    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: one BLAS thread is fastest
        return power_by_simulation(simulate_test, sizes, reps=reps, terms=["indirect"], confidence=confidence,
                                   rng=rng, min_n=10)


def say_power(curve: pd.DataFrame, *, target: float = 0.8, n: int | None = None, confidence: float = 0.95,
              decimals: int = 2) -> list[str]:
    """Sentences on a power curve from the numbers, with the Monte Carlo intervals.

    Parameters
    ----------
    curve : DataFrame
        :func:`mediation_power`'s table (``n, power, ci_low, ci_high, reps``).
    target : float, default 0.8
        The power aimed at.
    n : int, optional
        A survey size of interest (e.g. the show's own respondents), one of
        ``curve["n"]``: its power is reported too.
    confidence : float, default 0.95
        The level of the curve's Monte Carlo intervals (its ``confidence``).

    Returns
    -------
    list of str
        The smallest size whose estimated power reaches *target*, the
        smallest whose whole Monte Carlo interval lies above it (or that no
        size tried reaches it), and the power at *n*.

    Examples
    --------
    >>> c = pd.DataFrame({"n": [100, 200, 400], "power": [0.5, 0.82, 0.97], "ci_low": [0.45, 0.78, 0.95],
    ...                   "ci_high": [0.55, 0.86, 0.98], "reps": [300] * 3})
    >>> for line in say_power(c, n=400): print(line)
    power reaches 0.8 at n = 200 (0.82, 95% Monte Carlo interval [0.78, 0.86], 300 simulated surveys); its interval includes 0.8, so the simulation cannot tell whether 200 suffices.
    the whole interval lies above 0.8 from n = 400 (0.97 [0.95, 0.98]).
    at n = 400: power 0.97 [0.95, 0.98].

    References
    ----------
    Fritz, M. S., & MacKinnon, D. P. (2007). Required sample size to detect
    the mediated effect. *Psychological Science*, 18(3), 233–239.
    """
    numeric_columns(curve, ["n", "power", "ci_low", "ci_high"], what="say_power", error=RelationshipError)
    confidence = check_confidence(confidence, error=RelationshipError)
    f = f"{{:.{decimals}f}}"
    c = curve.sort_values("n").reset_index(drop=True)

    def cell(r):
        return f"{f.format(r['power'])} [{f.format(r['ci_low'])}, {f.format(r['ci_high'])}]"

    reps = f", {int(c['reps'].iloc[0])} simulated surveys" if "reps" in c else ""
    reached, sure = c[c["power"] >= target], c[c["ci_low"] > target]
    if reached.empty:
        lines = [f"no size tried (up to n = {int(c['n'].max())}) reaches power {target:g}: the largest gives "
                 f"{cell(c.iloc[-1])}{reps}."]
    else:
        r = reached.iloc[0]
        first = (f"power reaches {target:g} at n = {int(r['n'])} ({f.format(r['power'])}, {confidence * 100:g}% Monte Carlo interval "
                 f"[{f.format(r['ci_low'])}, {f.format(r['ci_high'])}]{reps})")
        if r["ci_low"] > target:
            lines = [first + f"; its whole interval lies above {target:g}."]
        else:
            lines = [first + f"; its interval includes {target:g}, so the simulation cannot tell whether "
                     f"{int(r['n'])} suffices."]
            lines.append(f"the whole interval lies above {target:g} from n = {int(sure.iloc[0]['n'])} "
                         f"({cell(sure.iloc[0])})." if not sure.empty else
                         f"no size tried has its whole interval above {target:g}.")
    if n is not None:
        at = c[c["n"] == n]
        if at.empty:
            raise RelationshipError(f"say_power: n = {n} is not among the sizes of the curve")
        lines.append(f"at n = {n}: power {cell(at.iloc[0])}.")
    return lines


# --------------------------------------------------------------------------
# Plot
# --------------------------------------------------------------------------
#: Labels of this module's names that the suite's label map (:data:`crm_lab.plots.LABELS`) holds otherwise or not
#: at all: ``large`` is a firm-size dummy here, not the size class; the indirect path.
_LABELS = {
    "large": "Large firm", "indirect trust→commitment→conative": "Indirect: trust → commitment → intention",
}


def _label(name: Any) -> str:
    """Human label: a path ``"y ~ x"`` reads ``"X → Y"``; else the suite's label map."""
    from .plots import label

    text = str(name)
    if text in _LABELS:
        return _LABELS[text]
    if " ~ " in text:
        lhs, rhs = text.split(" ~ ", 1)
        return f"{_label(rhs)} → {_label(lhs)}"
    return label(text)

def plot_estimates(table: pd.DataFrame | Result, *, estimate: str = "estimate", low: str = "ci_low",
                   high: str = "ci_high", planted: str | None = "planted", bars: str | None = None,
                   planted_label: str = "planted", legend: str = "right", ax=None):
    """Estimates with their intervals, one row per index label, and the planted values as diamonds.

    Axes-level: draws into *ax* (or the current axes) and returns it.

    Parameters
    ----------
    table : DataFrame or Result
        One row per estimate (a result's ``table`` is used).
    estimate, low, high, planted : str
        Columns of the estimate, the interval and the planted value
        (``planted=None`` or a column of NaN: no diamonds).
    bars : str, optional
        What the bars are, for the legend ("95% CI", "± 1 SD"); default the
        result's confidence level ("95% CI"), or "interval" for a table.
    planted_label : str, default "planted"
        The diamonds' legend entry.
    legend : {"right", "below"}, default "right"
        Where the legend goes, outside the data either way.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    References
    ----------
    Cumming, G., & Finch, S. (2005). Inference by eye: Confidence intervals
    and how to read pictures of data. *American Psychologist*, 60(2),
    170–180.
    """
    import matplotlib.pyplot as plt

    if bars is None:
        level = table.meta.get("confidence") if isinstance(table, Result) else None
        bars = f"{level * 100:g}% CI" if level else "interval"
    table = table.table if isinstance(table, Result) else table
    check_columns(table, [c for c in (estimate, low, high) if c], what="plot_estimates", error=RelationshipError)
    if legend not in ("right", "below"):
        raise RelationshipError(f"plot_estimates: legend must be 'right' or 'below' (got {legend!r})")
    ax = plt.gca() if ax is None else ax
    y = np.arange(len(table))[::-1]
    est = table[estimate].to_numpy(dtype=float)
    # clip: an interval end equal to the estimate can differ from it by a rounding error
    err = np.clip(np.vstack([est - table[low].to_numpy(dtype=float), table[high].to_numpy(dtype=float) - est]), 0, None)
    ax.errorbar(est, y, xerr=err, fmt="o", color="C0", capsize=3, label=f"estimate, {bars}")
    if planted and planted in table and table[planted].notna().any():
        ax.scatter(table[planted], y, marker="D", color="C3", zorder=3, label=planted_label)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_yticks(y, [_label(i) for i in table.index])
    if legend == "below":
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1, fontsize="small", frameon=False)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return ax


def plot_htmt(htmt: pd.DataFrame, *, thresholds: tuple[float, float] = (0.85, 0.90), ax=None):
    """Heat map of the heterotrait–monotrait ratios, each cell labelled, the diagonal left blank.

    Axes-level: draws into *ax* (or the current axes) and returns it.

    Parameters
    ----------
    htmt : DataFrame
        Square HTMT matrix (:func:`crm_lab.measurement.htmt`).
    thresholds : (float, float)
        The conservative and liberal thresholds, named in the colour bar.
    ax : matplotlib Axes, optional

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for
    assessing discriminant validity in variance-based structural equation
    modeling. *Journal of the Academy of Marketing Science*, 43(1), 115–135.
    """
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    names = [_label(c) for c in htmt.columns]
    off = htmt.where(~np.eye(len(htmt), dtype=bool))
    im = ax.imshow(off, vmin=0, vmax=1, cmap="viridis")
    ax.grid(False)
    ax.set_xticks(range(len(htmt)), names, rotation=35, ha="right")
    ax.set_yticks(range(len(htmt)), names)
    for (i, j), v in np.ndenumerate(htmt.to_numpy()):
        if i != j:
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if v < 0.6 else "black")
    ax.figure.colorbar(im, ax=ax, label=f"HTMT (thresholds {thresholds[0]:g} / {thresholds[1]:g})")
    ax.set_title("Heterotrait–monotrait ratios")
    return ax


def plot_loadings(loadings: pd.DataFrame, *, estimate: str = "std_estimate", planted: str = "planted", ax=None):
    """Estimated standardised loadings against the planted ones, one colour per factor, with the line y = x.

    Axes-level: draws into *ax* (or the current axes) and returns it.

    References
    ----------
    Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation
    studies to evaluate statistical methods. *Statistics in Medicine*,
    38(11), 2074–2102.
    """
    import matplotlib.pyplot as plt

    check_columns(loadings, ["factor", estimate, planted], what="plot_loadings", error=RelationshipError)
    ax = plt.gca() if ax is None else ax
    for k, (factor, g) in enumerate(loadings.groupby("factor", sort=False)):
        ax.scatter(g[planted], g[estimate], color=f"C{k}", label=_label(factor))
    lo = float(np.nanmin(loadings[[planted, estimate]].to_numpy())) - 0.05
    hi = float(np.nanmax(loadings[[planted, estimate]].to_numpy())) + 0.05
    ax.plot([lo, hi], [lo, hi], color="0.5", lw=1, label="estimate = planted")
    ax.set(xlabel="Planted loading", ylabel="Estimated standardised loading", title="Loadings against the truth")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return ax


def plot_indirect_draws(draws: dict[str, np.ndarray], *, planted: float | None = None, ax=None):
    """Histograms of bootstrap draws of an indirect effect (one per method), with the planted value as a line.

    Axes-level: draws into *ax* (or the current axes) and returns it.

    References
    ----------
    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling
    strategies for assessing and comparing indirect effects in multiple
    mediator models. *Behavior Research Methods*, 40(3), 879–891.
    """
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    for k, (name, values) in enumerate(draws.items()):
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        ax.hist(values, bins=min(50, max(10, len(values) // 20)), density=True, alpha=0.55, color=f"C{k}",
                label=f"{name} ({len(values)} resamples)")
    if planted is not None:
        ax.axvline(planted, color="C3", lw=2, label="planted")
    ax.set(xlabel="Indirect effect a·b (SD units)", ylabel="Density of bootstrap resamples")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return ax


def plot_power(curve: pd.DataFrame, *, target: float = 0.8, mark: int | None = None, mark_label: str = "",
               confidence: float = 0.95, ax=None):
    """Power by sample size with its Monte Carlo (Wilson) interval, the target as a dashed line.

    Axes-level: draws into *ax* (or the current axes) and returns it.

    Parameters
    ----------
    curve : DataFrame
        :func:`mediation_power`'s table.
    target : float, default 0.8
    mark : int, optional
        A size to mark with a vertical line (e.g. the show's own respondents).
    mark_label : str
        Its legend entry.
    confidence : float, default 0.95
        The level of the curve's Monte Carlo intervals, for the legend.
    ax : matplotlib Axes, optional

    References
    ----------
    Fritz, M. S., & MacKinnon, D. P. (2007). Required sample size to detect
    the mediated effect. *Psychological Science*, 18(3), 233–239.
    """
    import matplotlib.pyplot as plt

    check_columns(curve, ["n", "power", "ci_low", "ci_high"], what="plot_power", error=RelationshipError)
    ax = plt.gca() if ax is None else ax
    c = curve.sort_values("n")
    err = np.clip([c["power"] - c["ci_low"], c["ci_high"] - c["power"]], 0, None)
    reps = f" ({int(c['reps'].iloc[0])} surveys per size)" if "reps" in c else ""
    ax.errorbar(c["n"], c["power"], yerr=err, fmt="o-", capsize=3, label=f"power, {confidence * 100:g}% Monte Carlo interval{reps}")
    ax.axhline(target, color="C3", ls="--", lw=1, label=f"target {target:g}")
    if mark is not None:
        ax.axvline(mark, color="0.4", ls=":", lw=1.2, label=mark_label or f"n = {mark}")
    ax.set(xlabel="Respondents", ylabel="Power", ylim=(0, 1.02))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return ax
