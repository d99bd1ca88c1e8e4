"""The bootstrap, once: vectorised resampling with percentile and BCa intervals.

Every topic resamples through this module:

* :func:`bootstrap` — draws resamples in memory-bounded chunks, hands each
  chunk to a *vectorised* statistic (one call per chunk, no Python loop over
  resamples) and returns a :class:`Bootstrap` with the draws, the bootstrap
  SE and a percentile or BCa interval;
* :func:`draw_indices` / :func:`draw_counts` — the two ways a resample is
  given to a statistic: the row numbers it draws, or how often it draws each
  row (multinomial counts, for statistics built from weighted sums such as
  OLS normal equations);
* :func:`percentile_interval` and :func:`bca_interval` — the intervals, for
  callers whose draws come from elsewhere (a parametric bootstrap of counts,
  a loop of SEM refits);
* :func:`ols_jackknife` — exact leave-one-out OLS coefficients (the BCa
  acceleration of a regression statistic without n refits).

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the
American Statistical Association*, 82(397), 171–185.

Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
New York: Chapman & Hall.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from ._checks import CrmLabError, check_choice, check_confidence, check_integer, check_number, numeric_values

__all__ = [
    "Bootstrap",
    "bca_interval",
    "bootstrap",
    "draw_counts",
    "draw_indices",
    "ols_jackknife",
    "percentile_interval",
]

#: Numbers per resampled array in one chunk (bounds the memory of a vectorised statistic).
MAX_CELLS = 5_000_000


def draw_indices(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Row numbers of *n_boot* resamples of *n* rows, shape ``(n_boot, n)``."""
    n, n_boot = check_integer(n, "n", low=1), check_integer(n_boot, "n_boot", low=0)
    return rng.integers(0, n, size=(n_boot, n))


def draw_counts(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of *n* rows is drawn in each resample: float counts of shape ``(n_boot, n)``.

    Exactly the resamples of :func:`draw_indices` on the same generator
    state, counted per row (a multinomial with equal probabilities), for
    statistics that are weighted sums over the rows.  Counting drawn
    indices is ~6× faster than ``Generator.multinomial`` with *n*
    categories.

    >>> a, b = np.random.default_rng(1), np.random.default_rng(1)
    >>> counts, rows = draw_counts(5, 3, a), draw_indices(5, 3, b)
    >>> bool((counts == np.stack([np.bincount(r, minlength=5) for r in rows])).all())
    True
    """
    rows = draw_indices(n, n_boot, rng)
    n, n_boot = int(n), int(n_boot)
    rows += np.arange(0, n_boot * n, n, dtype=rows.dtype)[:, None]  # each resample counts into its own row
    return np.bincount(rows.ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(float)


def percentile_interval(draws: Any, confidence: float = 0.95, *, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval of bootstrap *draws* along *axis* (NaN draws ignored).

    Returns ``(low, high)``, floats for 1-D draws, arrays otherwise.

    >>> lo, hi = percentile_interval(np.arange(101.0), 0.9)
    >>> round(lo, 6), round(hi, 6)
    (5.0, 95.0)
    """
    confidence = check_confidence(confidence)
    draws = np.asarray(draws, dtype=float)
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column of NaN draws: NaN bounds
        low, high = np.nanquantile(draws, q, axis=axis)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def bca_interval(draws: Any, estimate: float, jackknife: Any, confidence: float = 0.95) -> tuple[float, float]:
    """Efron's (1987) bias-corrected and accelerated (BCa) interval of one statistic.

    Parameters
    ----------
    draws : 1-D array
        Bootstrap draws of the statistic.
    estimate : float
        The statistic on the original data.
    jackknife : 1-D array
        Leave-one-out values of the statistic (the acceleration).
    confidence : float

    Notes
    -----
    :math:`z_0 = \\Phi^{-1}(\\#\\{\\theta^* < \\hat\\theta\\} / B)` (ties count half),
    :math:`a = \\sum d_i^3 / (6 (\\sum d_i^2)^{3/2})` with
    :math:`d_i = \\bar\\theta_{(\\cdot)} - \\theta_{(i)}`, and the interval
    the draws' quantiles at
    :math:`\\Phi(z_0 + (z_0 + z_\\alpha) / (1 - a (z_0 + z_\\alpha)))`.
    Tested against ``scipy.stats.bootstrap(method="BCa")`` on the same draws.
    """
    confidence = check_confidence(confidence)
    draws = numeric_values(draws, "draws", missing="keep", min_size=0).to_numpy()
    jackknife = numeric_values(jackknife, "jackknife", min_size=2).to_numpy()
    check_number(estimate, "estimate")
    draws = draws[np.isfinite(draws)]
    if draws.size < 2:
        return float("nan"), float("nan")
    prop = np.mean(draws < estimate) + 0.5 * np.mean(draws == estimate)
    prop = np.clip(prop, 1 / draws.size, 1 - 1 / draws.size)
    z0 = sps.norm.ppf(prop)
    jack = np.asarray(jackknife, dtype=float)
    d = jack.mean() - jack
    accel = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5) if np.any(d) else 0.0
    z = sps.norm.ppf([(1 - confidence) / 2, (1 + confidence) / 2])
    alphas = sps.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    low, high = np.quantile(draws, alphas)
    return float(low), float(high)


def ols_jackknife(design: np.ndarray, y: np.ndarray, col: int) -> np.ndarray:
    """Leave-one-out OLS coefficient *col* for every row, by the closed-form deletion formula.

    :math:`\\hat\\beta_{(-i)} = \\hat\\beta - (X'X)^{-1} x_i e_i / (1 - h_{ii})`
    (Belsley, Kuh & Welsch 1980, eq. 2.1); tested against n refits.
    """
    design, y = np.asarray(design), np.asarray(y)
    if design.ndim != 2 or design.dtype.kind not in "iuf" or y.shape != design.shape[:1] or y.dtype.kind not in "iuf":
        raise CrmLabError(f"ols_jackknife: 'design' must be a numeric (rows x columns) array and 'y' one number per row "
                          f"(got shapes {design.shape} of {design.dtype} and {y.shape} of {y.dtype})")
    col = check_integer(col, "col", low=0, high=design.shape[1] - 1)
    try:
        xtx_inv = np.linalg.inv(design.T @ design)
    except np.linalg.LinAlgError:  # the only signal of collinear columns
        raise CrmLabError("ols_jackknife: the design is singular (a column is constant or a combination of others); "
                          "drop or merge the collinear predictors") from None
    beta = xtx_inv @ design.T @ y
    resid = y - design @ beta
    lever = np.einsum("ij,jk,ik->i", design, xtx_inv, design)
    change = (design @ xtx_inv[:, col]) * resid / (1 - lever)
    return beta[col] - change


@dataclass(frozen=True)
class Bootstrap:
    """Bootstrap draws of one or more statistics and their intervals.

    Attributes
    ----------
    draws : ndarray, shape (n_boot,) or (n_boot, k)
    estimate : ndarray or float or None
        The statistic on the original data (when given).
    se : ndarray or float
        Standard deviation of the draws (ddof 1).
    ci_low, ci_high : ndarray or float
    method : {"percentile", "bca"}
    confidence : float
    """

    draws: np.ndarray = field(repr=False)
    estimate: Any
    se: Any
    ci_low: Any
    ci_high: Any
    method: str
    confidence: float

    @property
    def n_boot(self) -> int:
        return int(self.draws.shape[0])


def bootstrap(
    statistic: Callable[[np.ndarray], Any],
    n: int,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    method: str = "percentile",
    resample: str = "indices",
    estimate: Any = None,
    jackknife: Any = None,
    rng: Any = None,
    cells_per_draw: int = 1,
) -> Bootstrap:
    """Bootstrap a vectorised statistic of *n* rows.

    Parameters
    ----------
    statistic : callable
        Takes a ``(b, n)`` array — row numbers (``resample="indices"``) or
        row counts (``"counts"``) of *b* resamples — and returns the
        statistic of each: shape ``(b,)`` or ``(b, k)``.
    n : int
        Number of rows resampled.
    n_boot : int, default 2000
    confidence : float, default 0.95
    method : {"percentile", "bca"}
        BCa needs *estimate* and *jackknife* (leave-one-out values, shape
        ``(n,)`` or ``(n, k)``).
    resample : {"indices", "counts"}
        See :func:`draw_indices` and :func:`draw_counts`.
    estimate : float or array, optional
        The statistic on the original data.
    jackknife : array, optional
    rng : int, Generator or None
        One generator for all draws (SPEC 7).
    cells_per_draw : int, default 1
        Numbers the statistic holds per resampled row (e.g. the columns of a
        design matrix); chunks are sized so that a chunk holds at most
        :data:`MAX_CELLS` of them.

    Returns
    -------
    Bootstrap

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=50)
    >>> b = bootstrap(lambda idx: x[idx].mean(axis=1), x.size, n_boot=500, rng=1)
    >>> b.draws.shape, bool(b.ci_low < x.mean() < b.ci_high)
    ((500,), True)
    """
    if not callable(statistic):
        raise CrmLabError(f"bootstrap: 'statistic' must be a function of the resampled rows (got {type(statistic).__name__})")
    n = check_integer(n, "n", low=1)
    n_boot = check_integer(n_boot, "n_boot", low=2)
    confidence = check_confidence(confidence)
    check_choice(method, "method", ("percentile", "bca"))
    check_choice(resample, "resample", ("indices", "counts"))
    if method == "bca" and (estimate is None or jackknife is None):
        raise CrmLabError("bootstrap: method='bca' needs 'estimate' and 'jackknife' (leave-one-out values)")
    rng = np.random.default_rng(rng)
    draw = draw_indices if resample == "indices" else draw_counts
    chunk = max(1, int(MAX_CELLS // (n * max(1, cells_per_draw))))
    parts = []
    for start in range(0, n_boot, chunk):
        parts.append(np.asarray(statistic(draw(n, min(chunk, n_boot - start), rng)), dtype=float))
    draws = np.concatenate(parts, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(draws, axis=0, ddof=1)
    if method == "percentile":
        low, high = percentile_interval(draws, confidence)
    else:
        est = np.atleast_1d(np.asarray(estimate, dtype=float))
        jack = np.asarray(jackknife, dtype=float).reshape(n, -1)
        flat = draws.reshape(n_boot, -1)
        bounds = np.array([bca_interval(flat[:, j], est[j], jack[:, j], confidence) for j in range(flat.shape[1])])
        low, high = bounds[:, 0], bounds[:, 1]
        if draws.ndim == 1:
            low, high = float(low[0]), float(high[0])
    if np.ndim(se) == 0:
        se = float(se)
    return Bootstrap(draws=draws, estimate=estimate, se=se, ci_low=low, ci_high=high, method=method,
                     confidence=confidence)
