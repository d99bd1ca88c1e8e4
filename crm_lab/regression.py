"""Regression machinery shared by the topics: OLS, moderation, simple slopes, Johnson–Neyman, dominance, mediation.

General statistics that more than one topic needs live here once; a topic
module (switching costs, relationship quality, loyalty, ...) holds only its
theory and calls these.

* :func:`moderation` — does a moderator change the effect of x on y?  OLS
  or logistic regression through statsmodels' formula API with centred
  predictors (the fit stays on the result), the interaction with its
  interval, :func:`simple_slopes` (Aiken & West 1991) and the
  :func:`johnson_neyman` region (Johnson & Neyman 1936; Bauer & Curran 2005);
  :func:`slope_band` and :func:`predicted_lines` for the plots;
* :func:`mediation` — x -> m -> y with statsmodels OLS paths and a
  vectorised BCa bootstrap of the indirect effect (Preacher & Hayes 2008);
* :func:`dominance` — general dominance weights (Budescu 1993; Azen &
  Budescu 2003) with bootstrap intervals;
* :func:`batched_ols` — OLS of many data sets at once (power simulations).

Every function takes the data first and the column roles as keywords
(``moderation(data, x=, moderator=, y=)``, ``mediation(data, x=, m=, y=)``)
and returns a result of the :class:`crm_lab.results.Result` protocol.

References
----------
Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and
Interpreting Interactions*. Newbury Park, CA: Sage.

Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for
comparing predictors in multiple regression. *Psychological Methods*, 8(2),
129–148.

Bauer, D. J., & Curran, P. J. (2005). Probing interactions in fixed and
multilevel regression: Inferential and graphical techniques. *Multivariate
Behavioral Research*, 40(3), 373–400.

Budescu, D. V. (1993). Dominance analysis: A new approach to the problem of
relative importance of predictors in multiple regression. *Psychological
Bulletin*, 114(3), 542–551.

Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the
American Statistical Association*, 82(397), 171–185.

Johnson, P. O., & Neyman, J. (1936). Tests of certain linear hypotheses and
their application to some educational problems. *Statistical Research
Memoirs*, 1, 57–93.

Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling
strategies for assessing and comparing indirect effects in multiple mediator
models. *Behavior Research Methods*, 40(3), 879–891.

Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in
structural equation models. *Sociological Methodology*, 13, 290–312.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as sps
from threadpoolctl import threadpool_limits

from ._checks import (
    CrmLabError,
    check_choice,
    check_confidence,
    check_integer,
    numeric_array,
    numeric_columns,
    raise_problems,
)
from .resampling import bootstrap, ols_jackknife
from .results import Result, coef_table, tidy_table
from .stats import TestResult

__all__ = [
    "DominanceResult",
    "IndirectEffect",
    "JohnsonNeyman",
    "MediationResult",
    "ModerationResult",
    "RegressionError",
    "batched_ols",
    "dominance",
    "johnson_neyman",
    "mediation",
    "moderation",
    "predicted_lines",
    "simple_slopes",
    "slope_band",
]

_JN_CITATION = (
    "Johnson, P. O., & Neyman, J. (1936). Statistical Research Memoirs, 1, 57-93; "
    "Bauer, D. J., & Curran, P. J. (2005). Multivariate Behavioral Research, 40, 373-400."
)
_AW_CITATION = ("Aiken, L. S., & West, S. G. (1991). Multiple Regression: Testing and Interpreting Interactions. Sage")
_MEDIATION_CITATION = (
    "Preacher, K. J., & Hayes, A. F. (2008). Behavior Research Methods, 40, 879-891; "
    "Efron, B. (1987). JASA, 82, 171-185; Sobel, M. E. (1982). Sociological Methodology, 13, 290-312."
)
_DOMINANCE_CITATION = (
    "Budescu, D. V. (1993). Psychological Bulletin, 114, 542-551; "
    "Azen, R., & Budescu, D. V. (2003). Psychological Methods, 8, 129-148."
)


class RegressionError(CrmLabError):
    """Bad input to a :mod:`crm_lab.regression` function (names what and what was expected)."""


def _critical(confidence: float, df: float | None) -> float:
    q = 0.5 + confidence / 2
    return float(sps.norm.ppf(q) if df is None else sps.t.ppf(q, df))


# --------------------------------------------------------------------------
# simple slopes and Johnson-Neyman (pure functions on coefficients)
# --------------------------------------------------------------------------
def _check_full_rank(x: np.ndarray, names: Sequence[str], what: str) -> None:
    """Predictors (columns of *x*) that are constant or a combination of the others: a clear error before any fit."""
    design = np.column_stack([np.ones(len(x)), x])
    if np.linalg.matrix_rank(design) == design.shape[1]:
        return
    constant = [str(c) for c, col in zip(names, x.T) if np.ptp(col) == 0]
    if constant:
        raise RegressionError(f"{what}: predictor(s) {constant} are constant; a slope needs variation")
    redundant = [str(names[j]) for j in range(1, len(names))
                 if np.linalg.matrix_rank(design[:, : j + 2]) < j + 2]
    raise RegressionError(f"{what}: predictor(s) {redundant} are a linear combination of the other predictors "
                          f"{[str(c) for c in names]} (perfectly collinear); drop or merge them")


def _slope_inputs(b: Any, cov: Any) -> tuple[float, float, np.ndarray]:
    b = numeric_array(b, "b", missing="keep", error=RegressionError).ravel()
    cov = numeric_array(cov, "cov", missing="keep", error=RegressionError)
    if b.shape != (2,) or cov.shape != (2, 2) or not np.isfinite(b).all() or not np.isfinite(cov).all():
        raise RegressionError(
            f"'b' must be the 2 finite coefficients (x, x:moderator) and 'cov' their finite 2x2 covariance "
            f"(got shapes {b.shape} and {cov.shape})"
        )
    if cov[0, 0] < 0 or cov[1, 1] < 0 or not np.isclose(cov[0, 1], cov[1, 0]):
        raise RegressionError(f"'cov' must be a symmetric covariance matrix with non-negative variances (got {cov.tolist()})")
    return float(b[0]), float(b[1]), cov


def simple_slopes(
    b: Any,
    cov: Any,
    at: Any,
    *,
    df: float | None = None,
    confidence: float = 0.95,
    labels: Any = None,
) -> pd.DataFrame:
    """Conditional (simple) slopes of x at values of the moderator.

    Parameters
    ----------
    b : (float, float)
        The coefficients of x and of the product x·moderator.
    cov : 2x2 array
        Their covariance matrix (from the fitted model's ``cov_params()``).
    at : array-like
        Moderator values, *in the coding of the model* (centred values if
        the model used a centred moderator).
    df : float, optional
        Residual degrees of freedom for t-based tests and intervals (OLS);
        None for normal-theory z (logistic regression).
    confidence : float, default 0.95
    labels : sequence of str, optional
        Row labels (default the values).

    Returns
    -------
    DataFrame
        Index the labels; ``moderator, estimate, se, ci_low, ci_high,
        statistic, df, p_value``.

    Notes
    -----
    With :math:`y = b_0 + b_1 x + b_2 w + b_3 xw + \\dots`, the slope of x
    at :math:`w` is :math:`b_1 + b_3 w` with variance
    :math:`V_{11} + 2wV_{13} + w^2V_{33}` (Aiken & West 1991, eq. 2.4–2.5).
    Tested against refits with the moderator re-centred at each probe value
    (where the slope is the coefficient of x) and against the centred model
    published in the jtools/interactions vignette (state.x77 data).
    """
    confidence = check_confidence(confidence, error=RegressionError)
    b1, b3, cov = _slope_inputs(b, cov)
    w = np.atleast_1d(numeric_array(at, "at", missing="keep", error=RegressionError))
    if not np.isfinite(w).all():
        raise RegressionError(f"'at' must hold finite moderator values (got {w.tolist()})")
    est = b1 + b3 * w
    se = np.sqrt(np.maximum(cov[0, 0] + 2 * w * cov[0, 1] + w**2 * cov[1, 1], 0.0))
    crit = _critical(confidence, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    p = 2 * (sps.norm.sf(np.abs(stat)) if df is None else sps.t.sf(np.abs(stat), df))
    index = [f"{v:g}" for v in w] if labels is None else list(labels)
    if len(index) != w.size:
        raise RegressionError(f"'labels' needs {w.size} names (got {len(index)})")
    return pd.DataFrame(
        {
            "moderator": w,
            "estimate": est,
            "se": se,
            "ci_low": est - crit * se,
            "ci_high": est + crit * se,
            "statistic": stat,
            "df": np.nan if df is None else float(df),
            "p_value": p,
        },
        index=pd.Index(index, name="probe"),
    )


@dataclass(frozen=True)
class JohnsonNeyman:
    """The Johnson–Neyman region: where the slope of x is significant.

    Attributes
    ----------
    bounds : tuple of float
        The moderator values where the slope's test statistic equals the
        critical value (0, 1 or 2 values, sorted), in the model's coding.
    significant : {"outside", "between", "above", "below", "everywhere", "nowhere"}
        Where the slope is significant relative to ``bounds``.
    critical : float
        The critical t (or z) value.
    df : float or None
    confidence : float
    observed : (float, float) or None
        The observed range of the moderator, in the model's coding.
    shift : float
        Added to the bounds to show them in the moderator's original units
        (the centring constant; 0 when uncentred).
    """

    bounds: tuple[float, ...]
    significant: str
    critical: float
    df: float | None
    confidence: float
    observed: tuple[float, float] | None = None
    shift: float = 0.0

    @property
    def bounds_original(self) -> tuple[float, ...]:
        """The bounds in the moderator's original units."""
        return tuple(b + self.shift for b in self.bounds)

    def is_significant(self, at: Any) -> np.ndarray:
        """Whether the slope is significant at moderator values *at* (model coding)."""
        w = np.asarray(at, dtype=float)
        lo, hi = self.bounds if len(self.bounds) == 2 else (np.nan, np.nan)
        rule = {
            "outside": lambda: (w < lo) | (w > hi),
            "between": lambda: (w > lo) & (w < hi),
            "above": lambda: w > self.bounds[0],
            "below": lambda: w < self.bounds[0],
            "everywhere": lambda: np.ones_like(w, dtype=bool),
            "nowhere": lambda: np.zeros_like(w, dtype=bool),
        }
        return rule[self.significant]()

    def report(self, decimals: int = 2, moderator: str = "the moderator", x: str = "x") -> str:
        """One sentence, bounds in original units."""
        b = [f"{v:.{decimals}f}" for v in self.bounds_original]
        level = f"p < {1 - self.confidence:.2g}".replace("0.", ".")
        where = {
            "outside": f"outside [{b[0] if b else ''}, {b[-1] if b else ''}]",
            "between": f"between {b[0] if b else ''} and {b[-1] if b else ''}",
            "above": f"above {b[0] if b else ''}",
            "below": f"below {b[0] if b else ''}",
            "everywhere": "at every value",
            "nowhere": "at no value",
        }[self.significant]
        text = f"The slope of {x} is significant ({level}) when {moderator} is {where}"
        if self.observed is not None:
            lo, hi = (v + self.shift for v in self.observed)
            text += f"; observed range [{lo:.{decimals}f}, {hi:.{decimals}f}]"
        return text + "."


def johnson_neyman(
    b: Any,
    cov: Any,
    *,
    df: float | None = None,
    confidence: float = 0.95,
    observed: tuple[float, float] | None = None,
    shift: float = 0.0,
) -> JohnsonNeyman:
    """Johnson–Neyman bounds: moderator values where the slope of x turns significant.

    Parameters
    ----------
    b, cov, df, confidence
        As in :func:`simple_slopes`.
    observed : (float, float), optional
        The observed range of the moderator (model coding), kept for the report.
    shift : float, default 0
        The centring constant, to report bounds in original units.

    Returns
    -------
    JohnsonNeyman

    Notes
    -----
    The slope :math:`b_1 + b_3 w` is significant where
    :math:`(b_1 + b_3 w)^2 > t^2_{crit}(V_{11} + 2wV_{13} + w^2 V_{33})`, i.e.
    where the quadratic :math:`a w^2 + b w + c > 0` with

    .. math:: a = b_3^2 - t^2 V_{33},\\quad b = 2(b_1 b_3 - t^2 V_{13}),\\quad c = b_1^2 - t^2 V_{11}

    (Johnson & Neyman 1936; Bauer & Curran 2005, eq. 8).  Its real roots are
    the bounds.  With :math:`a > 0` (the interaction itself is significant)
    the region is *outside* the roots; with :math:`a < 0` it lies *between*
    them.  Tested against a brute-force grid of conditional t statistics.
    """
    confidence = check_confidence(confidence, error=RegressionError)
    b1, b3, cov = _slope_inputs(b, cov)
    t = _critical(confidence, df)
    a = b3**2 - t**2 * cov[1, 1]
    bb = 2 * (b1 * b3 - t**2 * cov[0, 1])
    c = b1**2 - t**2 * cov[0, 0]
    scale = max(abs(a), abs(bb), abs(c), 1e-300)
    if abs(a) <= 1e-12 * scale:  # linear: one bound
        if abs(bb) <= 1e-12 * scale:
            kind, bounds = ("everywhere" if c > 0 else "nowhere"), ()
        else:
            root = -c / bb
            kind, bounds = ("above" if bb > 0 else "below"), (root,)
    else:
        disc = bb**2 - 4 * a * c
        if disc <= 0:
            kind, bounds = ("everywhere" if a > 0 else "nowhere"), ()
        else:
            sq = math.sqrt(disc)
            # numerically stable roots
            q = -0.5 * (bb + math.copysign(sq, bb))
            roots = sorted((q / a, c / q) if q != 0 else (-sq / (2 * a), sq / (2 * a)))
            kind, bounds = ("outside" if a > 0 else "between"), tuple(float(r) for r in roots)
    obs = None if observed is None else (float(observed[0]), float(observed[1]))
    return JohnsonNeyman(bounds=bounds, significant=kind, critical=t, df=None if df is None else float(df),
                         confidence=confidence, observed=obs, shift=float(shift))

# --------------------------------------------------------------------------
# moderation
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ModerationResult(Result):
    """A moderation analysis: y on x, moderator and their product.

    Attributes
    ----------
    table : DataFrame
        The coefficients: ``estimate, se, ci_low, ci_high, statistic, df, p_value``.
    interaction : TestResult
        The product term, with its interval; ``extra["standardized"]`` holds
        the coefficient in SD units of x, moderator (and y, for OLS).
    simple_slopes : DataFrame
        Slopes of x at the probe values (:func:`simple_slopes`); the
        ``moderator`` column is in original units.
    jn : JohnsonNeyman
    model : statsmodels results
        The fitted model (``model.model.formula`` shows the formula).
    meta : dict
        n, confidence, method, citation, family, x, moderator, y,
        covariates, centres and SDs, names of the model terms.
    """

    table: pd.DataFrame
    interaction: TestResult
    simple_slopes: pd.DataFrame
    jn: JohnsonNeyman
    model: Any = field(repr=False)
    meta: dict = field(default_factory=dict)

    _dict_fields = ("interaction", "simple_slopes", "jn")

    @property
    def title(self) -> str:
        m = self.meta
        return (f"Moderation ({m['family']}): {m['y']} ~ {m['x']} × {m['moderator']}"
                + (f" + {' + '.join(m['covariates'])}" if m["covariates"] else ""))

    @property
    def standardized(self) -> TestResult:
        """The interaction in SD units (see :func:`moderation`'s Notes), as a TestResult."""
        e = self.interaction.extra
        return replace(self.interaction, effect=self.interaction.effect + " (standardised)", estimate=e["standardized"],
                       ci_low=e["standardized_ci_low"], ci_high=e["standardized_ci_high"], se=None)

    def _summary_lines(self, decimals: int) -> list[str]:
        from .results import format_table

        m = self.meta
        return [
            "Simple slopes of " + m["x"] + ":",
            format_table(self.simple_slopes, decimals).to_string(),
            "",
            self.jn.report(max(decimals - 1, 0), m["moderator"], m["x"]),
            self.interaction.report(decimals),
            "",
        ]


def moderation(
    data: pd.DataFrame,
    *,
    x: str,
    moderator: str,
    y: str,
    covariates: tuple[str, ...] | list[str] = (),
    family: str = "ols",
    center: bool = True,
    probes: Any = None,
    confidence: float = 0.95,
) -> ModerationResult:
    """Does the moderator change the effect of x on y?  Fit, probe and bound it.

    Parameters
    ----------
    data : DataFrame
    y : str
        The outcome: a numeric column (``family="ols"``) or 0/1 (``"logit"``).
    x, moderator : str
        The focal predictor and the moderator (numeric, not constant).
    covariates : sequence of str
        Further numeric predictors (centred too when ``center``).
    family : {"ols", "logit"}
        statsmodels ``smf.ols`` or ``smf.logit``.
    center : bool, default True
        Mean-centre x, the moderator and covariates, so that the coefficient
        of x is its slope at the moderator's mean (Aiken & West 1991).
    probes : array-like, optional
        Moderator values (original units) for simple slopes; default
        mean − 1 SD, mean, mean + 1 SD.
    confidence : float, default 0.95

    Returns
    -------
    ModerationResult

    Raises
    ------
    RegressionError
        A column missing, non-numeric or with missing values (named with
        rows), a constant predictor, a non-0/1 outcome for ``logit``, too
        few rows, or a name that is not a Python identifier.

    Notes
    -----
    Model: :math:`y = b_0 + b_1 x + b_2 w + b_3 xw + \\gamma' c + e` (OLS) or
    :math:`\\operatorname{logit} P(y=1) = \\dots` (logit, slopes on the
    log-odds scale).  The slope of x at moderator value w and its interval
    come from :func:`simple_slopes`; the Johnson–Neyman region from
    :func:`johnson_neyman` (t with the residual df for OLS, z for logit).
    The standardised interaction is :math:`b_3 s_x s_w / s_y` (OLS) or
    :math:`b_3 s_x s_w` (logit): the coefficient of the product of z-scores
    in the refit on standardised variables.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"x": rng.normal(size=300), "w": rng.normal(size=300)})
    >>> d["y"] = 0.5 * d.x + 0.2 * d.w - 0.3 * d.x * d.w + rng.normal(size=300)
    >>> r = moderation(d, x="x", moderator="w", y="y")
    >>> round(r.interaction.estimate, 2)
    -0.4
    """
    func = "moderation"
    confidence = check_confidence(confidence, error=RegressionError)
    problems: list[str] = []
    check_choice(family, "family", ("ols", "logit"), error=RegressionError, problems=problems)
    raise_problems(problems, what=func, error=RegressionError)
    covariates = list(covariates)
    names = [y, x, moderator, *covariates]
    bad_names = [n for n in names if not (isinstance(n, str) and n.isidentifier())]
    if bad_names:
        raise RegressionError(f"{func}: column names must be Python identifiers for the formula (got {bad_names})")
    if len(set(names)) != len(names):
        raise RegressionError(f"{func}: y, x, moderator and covariates must be different columns (got {names})")
    checked = numeric_columns(data, {"y": y, "x": x, "moderator": moderator,
                                     **{f"covariates[{i}]": c for i, c in enumerate(covariates)}}, what=func,
                              error=RegressionError)
    p = 4 + len(covariates)
    if len(data) < p + 3:
        raise RegressionError(f"{func}: needs at least {p + 3} rows for {p} coefficients (got {len(data)})")
    constant = [c for c in (x, moderator, *covariates) if data[c].nunique() < 2]
    if constant:
        raise RegressionError(f"{func}: predictor(s) {constant} are constant; a slope needs variation")
    _check_full_rank(checked[[x, moderator, *covariates]].to_numpy(), [x, moderator, *covariates], func)
    yv = data[y].to_numpy(dtype=float)
    if family == "logit":
        odd = np.flatnonzero((yv != 0) & (yv != 1))
        if odd.size:
            raise RegressionError(
                f"{func}: family 'logit' needs y {y!r} coded 0/1 (got {odd.size} other values, rows {data.index[odd[:5]].tolist()})"
            )
        if yv.min() == yv.max():
            raise RegressionError(f"{func}: y {y!r} is all {int(yv[0])}; a logistic model needs both outcomes")

    means = {c: float(data[c].mean()) if center else 0.0 for c in (x, moderator, *covariates)}
    sds = {c: float(data[c].std(ddof=1)) for c in (y, x, moderator)}
    work = pd.DataFrame({y: yv})
    term = {}
    for c in (x, moderator, *covariates):
        term[c] = f"{c}_c" if center else c
        work[term[c]] = data[c].to_numpy(dtype=float) - means[c]
    product = f"{term[x]}:{term[moderator]}"
    formula = f"{y} ~ {term[x]} * {term[moderator]}" + "".join(f" + {term[c]}" for c in covariates)
    if family == "ols":
        fit = smf.ols(formula, data=work).fit()
        df = float(fit.df_resid)
    else:
        fit = smf.logit(formula, data=work).fit(disp=0)
        df = None
    table = coef_table(fit, confidence=confidence)
    cov = fit.cov_params().loc[[term[x], product], [term[x], product]].to_numpy()
    b = fit.params[[term[x], product]].to_numpy()

    if probes is None:
        m, s = float(data[moderator].mean()), sds[moderator]
        probe_values = np.array([m - s, m, m + s])
        labels = ["-1 SD", "mean", "+1 SD"]
    else:
        probe_values = np.atleast_1d(np.asarray(probes, dtype=float))
        labels = [f"{v:g}" for v in probe_values]
    shift = means[moderator]
    slopes = simple_slopes(b, cov, probe_values - shift, df=df, confidence=confidence, labels=labels)
    slopes["moderator"] = probe_values
    wv = data[moderator].to_numpy(dtype=float) - shift
    jn = johnson_neyman(b, cov, df=df, confidence=confidence, observed=(float(wv.min()), float(wv.max())), shift=shift)

    row = table.loc[product]
    scale = sds[x] * sds[moderator] / (sds[y] if family == "ols" else 1.0)
    interaction = TestResult(
        test=f"Moderation ({'OLS' if family == 'ols' else 'logistic regression'}): {x} × {moderator} -> {y}",
        statistic=float(row["statistic"]),
        df=df,
        p_value=float(row["p_value"]),
        effect=f"interaction {x} × {moderator}",
        estimate=float(row["estimate"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        se=float(row["se"]),
        n=int(fit.nobs),
        confidence=confidence,
        method=(
            f"statsmodels {'OLS' if family == 'ols' else 'Logit (ML)'} with "
            f"{'mean-centred' if center else 'raw'} predictors; {'t' if df else 'Wald z'} test of the product term"
        ),
        citation=_AW_CITATION,
        extra={
            "standardized": float(row["estimate"]) * scale,
            "standardized_ci_low": float(row["ci_low"]) * scale,
            "standardized_ci_high": float(row["ci_high"]) * scale,
        },
        statistic_name="t" if df else "z",
    )
    meta = {
        "n": int(fit.nobs),
        "family": family,
        "y": y,
        "x": x,
        "moderator": moderator,
        "covariates": covariates,
        "centres": means,
        "sds": sds,
        "confidence": confidence,
        "terms": {"x": term[x], "moderator": term[moderator], "product": product,
                  "covariates": [term[c] for c in covariates]},
        "jn_share_significant": float(np.mean(jn.is_significant(wv))),
        "method": interaction.method,
        "citation": interaction.citation + " " + _JN_CITATION,
    }
    return ModerationResult(table=table, interaction=interaction, simple_slopes=slopes, jn=jn, model=fit, meta=meta)


def slope_band(result: ModerationResult, *, n_points: int = 200) -> pd.DataFrame:
    """The slope of x with its confidence band over the moderator's observed range (for a JN plot)."""
    lo, hi = result.jn.observed
    grid = np.linspace(lo, hi, n_points)
    terms = result.meta["terms"]
    fit = result.model
    cov = fit.cov_params().loc[[terms["x"], terms["product"]], [terms["x"], terms["product"]]].to_numpy()
    b = fit.params[[terms["x"], terms["product"]]].to_numpy()
    band = simple_slopes(b, cov, grid, df=result.jn.df, confidence=result.jn.confidence)
    band["moderator"] = grid + result.jn.shift
    band["significant"] = result.jn.is_significant(grid)
    return band.reset_index(drop=True)


def predicted_lines(result: ModerationResult, *, n_points: int = 50) -> pd.DataFrame:
    """Predicted y over the range of x at each probe value of the moderator (an interaction plot).

    Covariates are held at their means; for ``logit`` the prediction is the
    probability.  Columns: ``probe, moderator, x, predicted``.
    """
    m = result.meta
    fit = result.model
    data = fit.model.data.frame
    xs = data[m["terms"]["x"]]
    grid = np.linspace(xs.min(), xs.max(), n_points)
    rows = []
    for label, value in result.simple_slopes["moderator"].items():
        frame = pd.DataFrame({m["terms"]["x"]: grid, m["terms"]["moderator"]: value - m["centres"][m["moderator"]]})
        for c in m["terms"]["covariates"]:
            frame[c] = float(data[c].mean())
        rows.append(pd.DataFrame({"probe": label, "moderator": value, "x": grid + m["centres"][m["x"]],
                                  "predicted": np.asarray(fit.predict(frame))}))
    return pd.concat(rows, ignore_index=True)

# --------------------------------------------------------------------------
# OLS of many data sets at once
# --------------------------------------------------------------------------
def batched_ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS for a batch of data sets at once.

    Parameters
    ----------
    X : array (reps, n, p)
        Design matrices (with the intercept column).
    y : array (reps, n)

    Returns
    -------
    beta, se : arrays (reps, p)
        Coefficients and their classical standard errors.
    df : int
        Residual degrees of freedom, n − p.

    Notes
    -----
    Forms :math:`X'X`, :math:`X'y` and :math:`y'y` for all replications with
    batched matrix products (one pass over the data each), inverts the small
    :math:`p \\times p` matrices in one call and takes the residual sum of
    squares as :math:`y'y - \\hat\\beta' X'y` (no residual vector is formed);
    :math:`SE = \\sqrt{SSE/(n-p) \\operatorname{diag}(X'X)^{-1}}`.  Meant for
    well-conditioned designs such as centred predictors in a power
    simulation.  Tested against statsmodels OLS fit by fit.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([np.ones((2, 50, 1)), rng.normal(size=(2, 50, 1))], axis=2)
    >>> beta, se, df = batched_ols(X, 1 + 2 * X[..., 1] + rng.normal(size=(2, 50)))
    >>> beta.shape, df
    ((2, 2), 48)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 3 or y.shape != X.shape[:2]:
        raise RegressionError(f"batched_ols: X must be (reps, n, p) and y (reps, n) (got {X.shape} and {y.shape})")
    reps, n, p = X.shape
    if n <= p:
        raise RegressionError(f"batched_ols: needs more rows than columns (got n={n}, p={p})")
    Xt = X.transpose(0, 2, 1)
    xtx = Xt @ X  # batched BLAS matrix products
    xty = (Xt @ y[..., None])[..., 0]
    inv = np.linalg.inv(xtx)
    beta = np.einsum("rij,rj->ri", inv, xty)
    sse = np.einsum("rn,rn->r", y, y) - np.einsum("ri,ri->r", beta, xty)
    se = np.sqrt(np.maximum(sse, 0.0)[:, None] / (n - p) * np.diagonal(inv, axis1=1, axis2=2))
    return beta, se, n - p


# --------------------------------------------------------------------------
# dominance analysis
# --------------------------------------------------------------------------
def _subset_r2(corr: np.ndarray, k: int) -> dict[tuple[int, ...], np.ndarray]:
    """R² of every subset of the k predictors from (B, k+1, k+1) correlation matrices (y last)."""
    out = {(): np.zeros(corr.shape[0])}
    for size in range(1, k + 1):
        for subset in itertools.combinations(range(k), size):
            idx = list(subset)
            rxx = corr[:, idx][:, :, idx]
            rxy = corr[:, idx, k]
            out[subset] = np.einsum("bi,bi->b", rxy, np.linalg.solve(rxx, rxy[..., None])[..., 0])
    return out


def _general_dominance(r2: dict[tuple[int, ...], np.ndarray], k: int) -> np.ndarray:
    weights = np.zeros((k, next(iter(r2.values())).shape[0]))
    for i in range(k):
        others = [j for j in range(k) if j != i]
        per_size = []
        for size in range(k):
            gains = [r2[tuple(sorted(s + (i,)))] - r2[s] for s in itertools.combinations(others, size)]
            per_size.append(np.mean(gains, axis=0))
        weights[i] = np.mean(per_size, axis=0)
    return weights


@dataclass(frozen=True)
class DominanceResult(Result):
    """General dominance weights of the predictors of y (see :func:`dominance`).

    Attributes
    ----------
    table : DataFrame
        Index the predictors: ``estimate`` (the general dominance weight),
        ``ci_low, ci_high`` (percentile bootstrap; NaN without resamples),
        ``se`` (bootstrap SD), then ``share`` (of the full R²) and ``rank``.
    pairs : DataFrame
        For each ordered pair, the share of resamples in which the row
        predictor's weight exceeds the column predictor's.
    draws : ndarray (n_boot, k)
        The bootstrap draws of the weights.
    meta : dict
        n, confidence, method, citation, y, r2 (the full model's R²), n_boot.
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    meta: dict = field(default_factory=dict)

    _dict_fields = ("pairs",)

    @property
    def title(self) -> str:
        return f"General dominance weights of the predictors of {self.meta['y']}"

    def _summary_lines(self, decimals: int) -> list[str]:
        return [f"Full-model R² = {self.meta['r2']:.{decimals}f} (the weights add up to it)", ""]


def _dominance_weights(values: np.ndarray, k: int) -> np.ndarray:
    """Weights (k, B) from (B, n, k+1) samples (y last), through their correlation matrices."""
    centred = values - values.mean(axis=1, keepdims=True)
    cov = np.einsum("bni,bnj->bij", centred, centred)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    return _general_dominance(_subset_r2(corr, k), k)


def dominance(
    data: pd.DataFrame,
    *,
    y: str,
    predictors: Sequence[str],
    n_boot: int = 1000,
    confidence: float = 0.95,
    rng=None,
) -> DominanceResult:
    """General dominance weights of the predictors of *y*, with bootstrap intervals.

    Parameters
    ----------
    data : DataFrame
    y : str
    predictors : list of str
        2 to 8 numeric predictors.
    n_boot : int, default 1000
        Bootstrap resamples of the rows (0: no intervals).
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    DominanceResult
        ``table`` with ``estimate`` (general dominance weight: the average
        increase in R² the predictor brings over all subsets of the others,
        averaged within then across subset sizes), its percentile bootstrap
        interval, ``share`` (of the full R²) and ``rank``; ``pairs``.

    Notes
    -----
    Budescu (1993); Azen & Budescu (2003).  The weights sum to the full
    model's R² (tested), and equal the LMG measure of ``relaimpo``
    (Grömping 2006).  All subset R² come from the correlation matrix
    (:math:`R^2_S = r_{Sy}' R_{SS}^{-1} r_{Sy}`), batched over resamples
    (:func:`crm_lab.resampling.bootstrap`).

    References
    ----------
    Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for
    comparing predictors in multiple regression. *Psychological Methods*,
    8(2), 129–148.

    Budescu, D. V. (1993). Dominance analysis: A new approach to the problem
    of relative importance of predictors in multiple regression.
    *Psychological Bulletin*, 114(3), 542–551.

    Grömping, U. (2006). Relative importance for linear regression in R: The
    package relaimpo. *Journal of Statistical Software*, 17(1), 1–27.
    """
    func = "dominance"
    confidence = check_confidence(confidence, error=RegressionError)
    n_boot = check_integer(n_boot, "n_boot", low=0, error=RegressionError)
    predictors = list(predictors)
    if not 2 <= len(predictors) <= 8 or len(set(predictors)) != len(predictors) or y in predictors:
        raise RegressionError(f"{func}: 'predictors' must be 2 to 8 different columns other than y (got {predictors})")
    k = len(predictors)
    values = numeric_columns(data, {"y": y, **{f"predictors[{i}]": c for i, c in enumerate(predictors)}},
                             what=func, min_rows=k + 3, error=RegressionError)[[*predictors, y]].to_numpy()
    _check_full_rank(values[:, :k], predictors, func)
    point = _dominance_weights(values[None], k)[:, 0]
    full = float(point.sum())
    pairs = pd.DataFrame(np.nan, index=pd.Index(predictors, name="predictor"), columns=predictors)
    if n_boot:
        boot = bootstrap(lambda idx: _dominance_weights(values[idx], k).T, len(values), n_boot=n_boot,
                         confidence=confidence, rng=rng, cells_per_draw=k + 1)
        draws, low, high, se = boot.draws, boot.ci_low, boot.ci_high, boot.se
        for i, a in enumerate(predictors):
            for j, c in enumerate(predictors):
                if i != j:
                    pairs.loc[a, c] = float(np.mean(draws[:, i] > draws[:, j]))
    else:
        draws = np.empty((0, k))
        low = high = se = np.full(k, np.nan)
    table = tidy_table({"estimate": point, "se": se, "ci_low": low, "ci_high": high, "share": point / full,
                        "rank": pd.Series(point).rank(ascending=False).astype(int).to_numpy()},
                       index=predictors, name="predictor", extras=("share", "rank"))
    meta = {"n": len(values), "confidence": confidence, "y": y, "r2": full, "n_boot": n_boot,
            "method": "general dominance (average R² gain over all subsets of the other predictors); "
                      f"percentile bootstrap of the rows ({n_boot} resamples)",
            "citation": _DOMINANCE_CITATION}
    return DominanceResult(table=table, pairs=pairs, draws=draws, meta=meta)


# --------------------------------------------------------------------------
# Mediation with a vectorised bootstrap
# --------------------------------------------------------------------------
class IndirectEffect(Result):
    """Mixin of results whose ``table`` has the rows ``a``, ``b`` and ``indirect`` (a·b).

    Gives :attr:`indirect` and :attr:`test`, the indirect effect as a
    :class:`crm_lab.stats.TestResult` (its bootstrap SE and interval, Sobel's
    z as the statistic); the other rows' estimates and the meta keys named in
    ``_test_meta`` go to its ``extra``.  Used by :class:`MediationResult` and
    :class:`crm_lab.relationship.IndirectResult`.
    """

    _test_name = "Mediation"
    _effect = "indirect effect a·b"
    _test_meta: tuple[str, ...] = ()

    @property
    def indirect(self) -> float:
        return float(self.table.loc["indirect", "estimate"])

    @property
    def test(self) -> TestResult:
        """The indirect effect as a :class:`crm_lab.stats.TestResult` (bootstrap CI, Sobel z)."""
        row, m = self.table.loc["indirect"], self.meta
        extra = {name: float(self.table.loc[name, "estimate"]) for name in self.table.index if name != "indirect"}
        extra.update({key: m[key] for key in self._test_meta})
        return TestResult(
            test=f"{self._test_name} of {m['x']} -> {m['y']} by {m['m']}",
            statistic=float(row["statistic"]), df=None, p_value=float(row["p_value"]), effect=self._effect,
            estimate=float(row["estimate"]), ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
            se=float(row["se"]), n=int(m["n"]), confidence=float(m["confidence"]), method=m["method"],
            citation=m["citation"], extra=extra, statistic_name="z",
        )


@dataclass(frozen=True)
class MediationResult(IndirectEffect):
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
    fits : dict
        The statsmodels OLS fits: ``"mediator"`` (m ~ x), ``"outcome"``
        (y ~ m + x) and ``"total"`` (y ~ x), covariates in each.
    meta : dict
        n, confidence, method, citation, x, m, y, covariates, n_boot, ci,
        Sobel interval, proportion mediated.
    """

    table: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    fits: dict = field(repr=False, default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Mediation: {self.meta['x']} -> {self.meta['m']} -> {self.meta['y']}"

    _test_meta = ("proportion_mediated",)

    def _summary_lines(self, decimals: int) -> list[str]:
        cov = ", ".join(self.meta["covariates"]) or "none"
        return [f"covariates: {cov}; proportion mediated {self.meta['proportion_mediated']:.{decimals}f}",
                self.test.report(decimals), ""]


def _weighted_coef(design: np.ndarray, y: np.ndarray, counts: np.ndarray, col: int) -> np.ndarray:
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
    covariates + e2`` by OLS (statsmodels; the fits are kept on the result);
    indirect effect ``a·b``, total ``c = c' + a·b`` (exact for OLS),
    Sobel's (1982) ``SE = sqrt(b² SE_a² + a² SE_b²)``.  The bootstrap
    (:func:`crm_lab.resampling.bootstrap`) draws a resample as multinomial
    counts of the rows; all resamples' normal equations come from one matrix
    product of the (B, n) counts with the rows' cross-products, solved as
    one (B, p, p) batch.  Tested against statsmodels' ``Mediation`` (Imai,
    Keele & Tingley 2010) and ``scipy.stats.bootstrap`` (BCa) on the same
    data.

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the
    American Statistical Association*, 82(397), 171–185.

    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling
    strategies for assessing and comparing indirect effects in multiple
    mediator models. *Behavior Research Methods*, 40(3), 879–891.

    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects
    in structural equation models. *Sociological Methodology*, 13, 290–312.

    Zhao, X., Lynch, J. G., & Chen, Q. (2010). Reconsidering Baron and
    Kenny: Myths and truths about mediation analysis. *Journal of Consumer
    Research*, 37(2), 197–206.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> d = pd.DataFrame({"x": rng.normal(size=200)})
    >>> d["m"] = 0.5 * d.x + rng.normal(size=200)
    >>> d["y"] = 0.4 * d.m + rng.normal(size=200)
    >>> r = mediation(d, x="x", m="m", y="y", n_boot=500, rng=1)
    >>> bool(r.table.loc["indirect", "ci_low"] > 0)
    True
    """
    what = "mediation"
    covariates = list(covariates)
    names = [x, m, y, *covariates]
    if len(set(names)) != len(names):
        raise RegressionError(f"{what}: x, m, y and covariates must be distinct columns (got {names})")
    n_boot = check_integer(n_boot, "n_boot", low=100, error=RegressionError)
    confidence = check_confidence(confidence, error=RegressionError)
    check_choice(ci, "ci", ("bca", "percentile"), error=RegressionError)
    frame = numeric_columns(data, {"x": x, "m": m, "y": y, **{f"covariates[{i}]": c for i, c in enumerate(covariates)}},
                            what=what, min_rows=len(names) + 3, error=RegressionError)
    values = frame.to_numpy()
    _check_full_rank(values[:, [0, 1, *range(3, values.shape[1])]], [x, m, *covariates], what)
    n = values.shape[0]
    xv, mv, yv, cv = values[:, 0], values[:, 1], values[:, 2], values[:, 3:]
    one = np.ones((n, 1))
    dm = np.column_stack([one, xv, cv])  # m ~ 1 + x + C
    dy = np.column_stack([one, mv, xv, cv])  # y ~ 1 + m + x + C
    cov_names = [f"{c}" for c in covariates]
    fits = {
        "mediator": sm.OLS(mv, pd.DataFrame(dm, columns=["Intercept", x, *cov_names])).fit(),
        "outcome": sm.OLS(yv, pd.DataFrame(dy, columns=["Intercept", m, x, *cov_names])).fit(),
        "total": sm.OLS(yv, pd.DataFrame(dm, columns=["Intercept", x, *cov_names])).fit(),
    }
    paths = {"a": coef_table(fits["mediator"], confidence=confidence).loc[x],
             "b": coef_table(fits["outcome"], confidence=confidence).loc[m],
             "direct": coef_table(fits["outcome"], confidence=confidence).loc[x],
             "total": coef_table(fits["total"], confidence=confidence).loc[x]}
    a, se_a, b, se_b = paths["a"]["estimate"], paths["a"]["se"], paths["b"]["estimate"], paths["b"]["se"]
    indirect = float(a * b)
    sobel_se = math.sqrt(b**2 * se_a**2 + a**2 * se_b**2)
    jack = ols_jackknife(dm, mv, 1) * ols_jackknife(dy, yv, 1) if ci == "bca" else None
    # small (B, p, p) systems: a multi-threaded BLAS only adds contention (3x slower on a busy 2-core machine)
    with threadpool_limits(limits=1, user_api="blas"):
        boot = bootstrap(lambda counts: _weighted_coef(dm, mv, counts, 1) * _weighted_coef(dy, yv, counts, 1), n,
                         n_boot=n_boot, confidence=confidence, method=ci, resample="counts", estimate=indirect,
                         jackknife=jack, rng=rng)
    z = indirect / sobel_se
    rows = [paths[k].to_numpy() for k in ("a", "b", "direct", "total")]
    rows.append(np.array([indirect, boot.se, boot.ci_low, boot.ci_high, z, np.nan, 2 * sps.norm.sf(abs(z))]))
    table = tidy_table(pd.DataFrame(rows, columns=paths["a"].index), index=["a", "b", "direct", "total", "indirect"],
                       name="effect")
    zq = sps.norm.ppf((1 + confidence) / 2)
    total = paths["total"]["estimate"]
    meta = {
        "n": n, "confidence": confidence, "x": x, "m": m, "y": y, "covariates": covariates, "n_boot": n_boot,
        "ci": ci, "sobel_ci": (indirect - zq * sobel_se, indirect + zq * sobel_se),
        "proportion_mediated": indirect / total if total != 0 else float("nan"),
        "method": f"OLS paths (statsmodels); {ci} bootstrap interval of a·b ({n_boot} resamples); Sobel z",
        "citation": _MEDIATION_CITATION,
    }
    return MediationResult(table=table, draws=boot.draws, fits=fits, meta=meta)
