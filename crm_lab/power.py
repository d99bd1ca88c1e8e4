"""Power by simulation, once: rejection rates with Monte Carlo intervals, and the smallest n that reaches a target.

* :func:`power_by_simulation` — runs a vectorised simulate-and-test function
  at each sample size with one random generator, and returns the share of
  rejections with its Wilson interval (the Monte Carlo uncertainty of the
  power itself) for each term tested;
* :func:`smallest_n` — the smallest simulated n whose power reaches a target
  (per scenario), used by every notebook that asks "how many respondents?";
* :func:`simulate_moderation`, :func:`interaction_power`, :func:`power_curve`
  and :func:`analytic_power` — power of the interaction test of a moderation
  model with measurement error (Jones, Mothersbaugh & Beatty 2000's
  switching-barrier design; Aiken & West 1991, ch. 8 on reliability).

References
----------
Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and
Interpreting Interactions*. Newbury Park, CA: Sage.

Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
(2nd ed.). Hillsdale, NJ: Erlbaum.

Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation
studies to evaluate statistical methods. *Statistics in Medicine*, 38(11),
2074–2102.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._checks import CrmLabError, check_columns, check_confidence, check_integer, check_number, numeric_columns
from .regression import batched_ols
from .stats import proportion_ci

__all__ = [
    "PowerError",
    "analytic_power",
    "interaction_power",
    "latent_design",
    "power_by_simulation",
    "power_curve",
    "simulate_moderation",
    "smallest_n",
]


class PowerError(CrmLabError):
    """Bad input to a :mod:`crm_lab.power` function."""


def power_by_simulation(
    simulate_test: Callable[[int, int, np.random.Generator], tuple[Any, Any]],
    sizes: Sequence[int] | int,
    *,
    reps: int = 1000,
    terms: Sequence[str] | None = None,
    confidence: float = 0.95,
    rng: Any = None,
    min_n: int = 2,
) -> pd.DataFrame:
    """Power at each sample size by simulation, with Monte Carlo intervals.

    Parameters
    ----------
    simulate_test : callable
        ``simulate_test(n, reps, rng) -> (rejected, estimates)``: simulates
        *reps* data sets of size *n* (vectorised) and tests each; *rejected*
        is a boolean array ``(reps,)`` or ``(reps, k)`` (one column per term),
        *estimates* the estimates of the same shape (or None).
    sizes : int or sequence of int
    reps : int, default 1000
        Replications per size.
    terms : sequence of str, optional
        Names of the k tested terms (default ``"term 0"``, ...).
    confidence : float, default 0.95
        Level of the Wilson interval of each power.
    rng : int, Generator or None
        One generator, used in turn by every size (SPEC 7).
    min_n : int, default 2
        Smallest admissible sample size.

    Returns
    -------
    DataFrame
        One row per size and term: ``n, term, power, ci_low, ci_high`` (the
        Wilson interval of the share of rejections), ``mean_estimate``,
        ``reps``.

    Examples
    --------
    >>> def t_test(n, reps, rng):
    ...     x = rng.normal(0.5, 1, size=(reps, n))
    ...     t = x.mean(axis=1) / (x.std(axis=1, ddof=1) / np.sqrt(n))
    ...     return np.abs(t) > sps.t.ppf(0.975, n - 1), x.mean(axis=1)
    >>> curve = power_by_simulation(t_test, [10, 40], reps=2000, rng=0)
    >>> curve["power"].round(2).tolist()  # exact: 0.29 and 0.87
    [0.29, 0.87]
    """
    confidence = check_confidence(confidence, error=PowerError)
    reps = check_integer(reps, "reps", low=1, error=PowerError)
    sizes = [check_integer(s, "sizes", low=min_n, error=PowerError) for s in np.atleast_1d(sizes).tolist()]
    if not sizes:
        raise PowerError("power_by_simulation: 'sizes' is empty")
    rng = np.random.default_rng(rng)
    rows = []
    for n in sizes:
        rejected, estimates = simulate_test(n, reps, rng)
        rejected = np.asarray(rejected, dtype=bool).reshape(reps, -1)
        est = None if estimates is None else np.asarray(estimates, dtype=float).reshape(reps, -1)
        names = list(terms) if terms is not None else [f"term {j}" for j in range(rejected.shape[1])]
        if len(names) != rejected.shape[1]:
            raise PowerError(f"power_by_simulation: {len(names)} term names for {rejected.shape[1]} tested terms")
        for j, term in enumerate(names):
            hits = int(rejected[:, j].sum())
            power, low, high = proportion_ci(hits, reps, confidence=confidence)
            rows.append({"n": n, "term": term, "power": power, "ci_low": low, "ci_high": high,
                         "mean_estimate": np.nan if est is None else float(est[:, j].mean()), "reps": reps})
    return pd.DataFrame(rows)


def smallest_n(curve: pd.DataFrame, *, target: float = 0.8, column: str = "power", by: str | None = None,
               n_column: str = "n") -> float | pd.Series:
    """The smallest simulated sample size whose *column* reaches *target* (NaN when none does).

    Parameters
    ----------
    curve : DataFrame
        A power curve: one row per size (and group).
    target : float, default 0.8
    column : str, default "power"
        The column compared with *target* (``"power"``, ``"mode_correct"``).
    by : str, optional
        Group column (``"scenario"``, ``"term"``): one answer per group, in
        the order the groups first appear.
    n_column : str, default "n"

    Returns
    -------
    float, or Series indexed by group (named ``n_for_<column>_<target>``)

    Notes
    -----
    Only simulated sizes are candidates: the answer is "the first size on
    the grid that reaches the target", not an interpolation.

    Examples
    --------
    >>> c = pd.DataFrame({"n": [50, 100, 200], "power": [0.4, 0.78, 0.93]})
    >>> smallest_n(c, target=0.8)
    200.0
    """
    target = check_number(target, "target", low=0, high=1, error=PowerError)
    check_columns(curve, {"n_column": n_column, "column": column, "by": by}, what="smallest_n", error=PowerError)
    numeric_columns(curve, {"n_column": n_column, "column": column}, what="smallest_n", missing="keep", error=PowerError)
    hit = curve[curve[column] >= target]
    if by is None:
        return float(hit[n_column].min()) if len(hit) else float("nan")
    out = hit.groupby(by, sort=False)[n_column].min().astype(float)
    return out.reindex(pd.unique(curve[by])).rename(f"n_for_{column}_{target:g}")


# --------------------------------------------------------------------------
# power of the interaction test of a moderation model
# --------------------------------------------------------------------------
def latent_design(b_x: float, b_m: float, b_xm: float, r: float, reliability: Any) -> dict[str, Any]:
    """The latent design of :func:`simulate_moderation` behind standardised estimates on observed scores.

    Inverts the attenuation that :func:`simulate_moderation` applies: with
    standard-normal latent scores and classical measurement error of
    reliabilities ``(rho_x, rho_m, rho_y)``, a regression of the observed y on
    the observed, standardised x, m and their product estimates

    * ``r_obs = sqrt(rho_x rho_m) r`` for the correlation of x and m;
    * main effects whose covariances with y are ``sqrt(rho_x rho_y) (b_x + b_m r)``
      and ``sqrt(rho_m rho_y) (b_x r + b_m)`` (the product is uncorrelated
      with x and m);
    * a product coefficient ``sqrt(rho_x rho_m rho_y) b_xm (1 + r^2) / (1 + r_obs^2)``
      (the product's reliability, Bohrnstedt & Marwell 1978; Busemeyer &
      Jones 1983).

    Parameters
    ----------
    b_x, b_m, b_xm, r : float
        Standardised estimates on observed scores (the product term as the
        coefficient of the product of the standardised scores) and the
        observed correlation of x and m.
    reliability : float or 3 floats
        Of x, moderator and y (Cronbach's alpha is a lower bound: the
        correction is then slightly too large).

    Returns
    -------
    dict
        ``b_x, b_m, b_xm, r`` of the latent model and ``reliability``, ready
        for :func:`power_curve` (``power_curve(sizes, **latent_design(...))``).

    Raises
    ------
    PowerError
        If the reliabilities are too low for the observed correlation or
        effects (the latent design would explain more than all of y).

    Notes
    -----
    Tested: the design recovered from a regression on 400,000 simulated
    observations of :func:`simulate_moderation` matches the planted one.

    References
    ----------
    Bohrnstedt, G. W., & Marwell, G. (1978). The reliability of products of
    two random variables. *Sociological Methodology*, 9, 254–273.

    Busemeyer, J. R., & Jones, L. E. (1983). Analysis of multiplicative
    combination rules when the causal variables are measured with error.
    *Psychological Bulletin*, 93(3), 549–562.

    Examples
    --------
    >>> d = latent_design(0.24, 0.12, 0.05, 0.16, (0.8, 0.8, 0.8))
    >>> round(d["r"], 3), round(d["b_xm"], 3)
    (0.2, 0.069)
    """
    rho_x, rho_m, rho_y = _check_reliability(reliability)
    r_obs = float(r)
    r_lat = r_obs / math.sqrt(rho_x * rho_m)
    if not -1 < r_lat < 1:
        raise PowerError(
            f"an observed correlation of {r_obs:.3f} between x and the moderator is impossible with reliabilities "
            f"{rho_x:.2f} and {rho_m:.2f} (the latent correlation would be {r_lat:.2f}); check the reliabilities"
        )
    cov_x = b_x + b_m * r_obs  # covariances of the observed x and m with the observed y
    cov_m = b_x * r_obs + b_m
    a, b = cov_x / math.sqrt(rho_x * rho_y), cov_m / math.sqrt(rho_m * rho_y)
    latent = {
        "b_x": (a - r_lat * b) / (1 - r_lat**2),
        "b_m": (b - r_lat * a) / (1 - r_lat**2),
        "b_xm": float(b_xm) * (1 + r_obs**2) / (math.sqrt(rho_x * rho_m * rho_y) * (1 + r_lat**2)),
        "r": r_lat,
    }
    try:
        _residual_variance(latent["b_x"], latent["b_m"], latent["b_xm"], r_lat)
    except PowerError:
        raise PowerError(
            f"corrected for reliabilities {rho_x:.2f}, {rho_m:.2f}, {rho_y:.2f}, the observed effects would explain "
            "more than all of the outcome; the reliabilities are too low for these estimates"
        ) from None
    return {**{k: float(v) for k, v in latent.items()}, "reliability": (rho_x, rho_m, rho_y)}


def _residual_variance(b_x: float, b_m: float, b_xm: float, r: float) -> float:
    explained = b_x**2 + b_m**2 + 2 * b_x * b_m * r + b_xm**2 * (1 + r**2)
    if explained >= 1:
        raise PowerError(
            f"the effects (b_x={b_x}, b_m={b_m}, b_xm={b_xm}, r={r}) explain {explained:.2f} >= 1 of the "
            "outcome's unit variance; make them smaller"
        )
    return 1.0 - explained


def _check_reliability(reliability: Any) -> tuple[float, float, float]:
    rel = tuple(float(v) for v in np.atleast_1d(reliability))
    if len(rel) == 1:
        rel = rel * 3
    if len(rel) != 3 or not all(0 < v <= 1 for v in rel):
        raise PowerError(f"'reliability' must be one or three values in (0, 1] for (x, moderator, y) (got {reliability!r})")
    return rel  # type: ignore[return-value]


def simulate_moderation(
    n: int,
    reps: int,
    *,
    b_x: float,
    b_m: float,
    b_xm: float,
    r: float = 0.0,
    reliability: Any = 1.0,
    rng=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate *reps* data sets of a latent moderation model, observed with error.

    Latent :math:`\\xi, \\omega` are standard bivariate normal with
    correlation *r*; :math:`\\eta = b_x\\xi + b_m\\omega + b_{xm}\\xi\\omega + \\zeta`
    with :math:`Var(\\zeta)` making :math:`Var(\\eta) = 1`; each observed
    score is :math:`\\sqrt{\\rho}\\,\\text{latent} + \\sqrt{1-\\rho}\\,\\delta`
    with reliability :math:`\\rho` (x, moderator, y).

    Returns
    -------
    x, w, y : arrays (reps, n)
    """
    n = check_integer(n, "n", low=10, error=PowerError)
    reps = check_integer(reps, "reps", low=1, error=PowerError)
    if not -1 < r < 1:
        raise PowerError(f"'r' must be a correlation in (-1, 1) (got {r!r})")
    rel = _check_reliability(reliability)
    psi = _residual_variance(b_x, b_m, b_xm, r)
    rng = np.random.default_rng(rng)
    noisy = [j for j in range(3) if rel[j] < 1]  # a perfectly measured score needs no error draw
    z = rng.standard_normal((3 + len(noisy), reps, n))
    xi = z[0]
    om = r * z[0] + math.sqrt(1 - r**2) * z[1]
    eta = b_x * xi + b_m * om + b_xm * xi * om + math.sqrt(psi) * z[2]
    observed = [xi, om, eta]
    for k, j in enumerate(noisy):
        observed[j] = math.sqrt(rel[j]) * observed[j] + math.sqrt(1 - rel[j]) * z[3 + k]
    return observed[0], observed[1], observed[2]


def _design(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Designs ``[1, x_c, w_c, x_c w_c]`` of shape (reps, n, 4), laid out so that X' is contiguous."""
    xc = x - x.mean(axis=1, keepdims=True)
    wc = w - w.mean(axis=1, keepdims=True)
    return np.stack([np.ones_like(xc), xc, wc, xc * wc], axis=1).transpose(0, 2, 1)


def _moderation_test(*, b_x, b_m, b_xm, r, reliability, alpha, max_cells):
    """A ``simulate_test`` for :func:`power_by_simulation`: t tests of x and x·moderator, in chunks."""

    def simulate_test(n, reps, rng):
        chunk = max(1, int(max_cells // (n * 4)))
        rejected, estimates = [], []
        for start in range(0, reps, chunk):
            k = min(chunk, reps - start)
            x, w, y = simulate_moderation(n, k, b_x=b_x, b_m=b_m, b_xm=b_xm, r=r, reliability=reliability, rng=rng)
            beta, se, df = batched_ols(_design(x, w), y)
            t = beta[:, [1, 3]] / se[:, [1, 3]]
            rejected.append(np.abs(t) > sps.t.ppf(1 - alpha / 2, df))
            estimates.append(beta[:, [1, 3]])
        return np.concatenate(rejected), np.concatenate(estimates)

    return simulate_test


def power_curve(
    sizes: Any,
    *,
    b_x: float,
    b_m: float,
    b_xm: float,
    r: float = 0.0,
    reliability: Any = 1.0,
    reps: int = 1000,
    alpha: float = 0.05,
    rng=None,
    max_cells: int = 4_000_000,
) -> pd.DataFrame:
    """Power of the t-tests of the interaction and of x's main effect at each sample size in *sizes*.

    Simulates *reps* data sets per size (:func:`simulate_moderation`), fits
    ``y ~ x_c * w_c`` to all of them with
    :func:`crm_lab.regression.batched_ols` in chunks of at most *max_cells*
    numbers per array, and counts two-sided rejections at level *alpha*
    (:func:`power_by_simulation`; one generator used in turn by all sizes).

    Returns
    -------
    DataFrame
        Two rows per size (terms ``"x"`` and ``"x:moderator"``): ``n, term,
        power, ci_low, ci_high`` (Wilson interval of the Monte Carlo share),
        ``mean_estimate`` (the average coefficient: the observed-score
        target, attenuated when reliabilities are below 1), ``reps``.

    Notes
    -----
    Checked against Cohen's (1988) noncentral-F power
    (:func:`analytic_power`) with perfect measurement, and against a loop
    of statsmodels fits (``benchmarks/bench_switching.py``).
    """
    alpha = check_number(alpha, "alpha", low=0, high=1, low_open=True, high_open=True, error=PowerError)
    _check_reliability(reliability)
    _residual_variance(b_x, b_m, b_xm, r)
    test = _moderation_test(b_x=b_x, b_m=b_m, b_xm=b_xm, r=r, reliability=reliability, alpha=alpha,
                            max_cells=max_cells)
    return power_by_simulation(test, sizes, reps=reps, terms=("x", "x:moderator"), rng=rng, min_n=10)


def interaction_power(n: int, **kwargs) -> pd.DataFrame:
    """:func:`power_curve` at one sample size *n* (same keywords)."""
    return power_curve([n], **kwargs)


def analytic_power(n: int, *, b_x: float, b_m: float, b_xm: float, r: float = 0.0, alpha: float = 0.05) -> float:
    """Approximate power of the interaction test with perfectly measured normal predictors.

    Cohen's (1988, ch. 9) noncentral F with :math:`f^2 = b_{xm}^2 (1 + r^2) / \\psi`
    (the product's unique variance over the residual variance), one
    numerator df, :math:`n - 4` denominator df and noncentrality
    :math:`\\lambda = f^2 n`.  Used to check :func:`interaction_power`.
    """
    psi = _residual_variance(b_x, b_m, b_xm, r)
    f2 = b_xm**2 * (1 + r**2) / psi
    df2 = n - 4
    crit = sps.f.ppf(1 - alpha, 1, df2)
    return float(sps.ncf.sf(crit, 1, df2, f2 * n))


