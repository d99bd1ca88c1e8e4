"""Switching costs (转换成本): facets, moderation of satisfaction -> return, power, levers.

Porter (1980) calls switching costs the one-time costs a buyer faces when
moving from one supplier to another.  Burnham, Frels & Mahajan (2003) split
them into eight facets of three types — *procedural* (economic risk,
evaluation, learning, set-up), *financial* (benefit loss, monetary loss) and
*relational* (personal-relationship loss, brand-relationship loss) — and
Jones, Mothersbaugh & Beatty (2000) showed that switching barriers
*moderate* the satisfaction -> repurchase link: when barriers are high,
satisfaction matters less, and dissatisfied customers stay (hostages).

This module holds what the switching-cost notebook computes:

* :func:`switching_scores` — facet, type and overall scores from the survey
  items (:data:`crm_lab.schema.SCALES`); :func:`measurement_models` — the
  one-factor, three-type, eight-facet and second-order CFA models (fitted with
  :mod:`crm_lab.measurement`) and :func:`compare_models`;
* :func:`moderation` — OLS (statsmodels formula API) or logistic regression
  with centred predictors, the interaction with its interval, simple slopes
  (:func:`simple_slopes`, Aiken & West 1991) and the Johnson–Neyman region
  (:func:`johnson_neyman`, Johnson & Neyman 1936; Bauer & Curran 2005);
* :func:`batched_ols` and :func:`power_curve` — power of the interaction test
  by simulation, vectorised over replications;
* :func:`dominance` — general dominance weights (Budescu 1993; Azen &
  Budescu 2003) with bootstrap intervals;
* :func:`barrier_groups`, :func:`lever_effects` and :func:`planted_retention`
  — hostages and what-if levers, estimated and planted;
* :func:`interaction_targets` — what an observed-score interaction converges
  to in the planted market (attenuation by measurement error).

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

Burnham, T. A., Frels, J. K., & Mahajan, V. (2003). Consumer switching
costs: A typology, antecedents, and consequences. *Journal of the Academy of
Marketing Science*, 31(2), 109–126.

Johnson, P. O., & Neyman, J. (1936). Tests of certain linear hypotheses and
their application to some educational problems. *Statistical Research
Memoirs*, 1, 57–93.

Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching
barriers and repurchase intentions in services. *Journal of Retailing*,
76(2), 259–274.

King, G., Tomz, M., & Wittenberg, J. (2000). Making the most of statistical
analyses: Improving interpretation and presentation. *American Journal of
Political Science*, 44(2), 347–361.

Porter, M. E. (1980). *Competitive Strategy*. New York: Free Press.
"""

from __future__ import annotations

import html
import itertools
import math
import numbers
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps
from scipy.special import expit

from .schema import SCALES
from .stats import TestResult

__all__ = [
    "TYPES",
    "FACETS",
    "SwitchingError",
    "switching_scores",
    "measurement_models",
    "compare_models",
    "ModerationResult",
    "JohnsonNeyman",
    "moderation",
    "slope_band",
    "predicted_lines",
    "simple_slopes",
    "johnson_neyman",
    "batched_ols",
    "simulate_moderation",
    "interaction_power",
    "power_curve",
    "analytic_power",
    "dominance",
    "barrier_groups",
    "lever_effects",
    "lever_difference",
    "total_satisfaction_effect",
    "power_inputs",
    "planted_retention",
    "interaction_targets",
    "plot_interaction",
    "plot_johnson_neyman",
    "plot_power_curve",
]

#: Burnham, Frels & Mahajan's (2003) three types and their eight facets
#: (names of :data:`crm_lab.schema.SCALES`).
TYPES: dict[str, tuple[str, ...]] = {
    "procedural": ("economic_risk", "evaluation", "learning", "setup"),
    "financial": ("benefit_loss", "monetary_loss"),
    "relational": ("personal_loss", "brand_loss"),
}
#: The eight facets, in the order of :data:`TYPES`.
FACETS: tuple[str, ...] = tuple(f for facets in TYPES.values() for f in facets)

_JN_CITATION = (
    "Johnson, P. O., & Neyman, J. (1936). Statistical Research Memoirs, 1, 57-93; "
    "Bauer, D. J., & Curran, P. J. (2005). Multivariate Behavioral Research, 40, 373-400."
)


class SwitchingError(ValueError):
    """Bad input to a :mod:`crm_lab.switching` function (names what and what was expected)."""


# --------------------------------------------------------------------------
# checks (one small helper per kind)
# --------------------------------------------------------------------------
def _check_frame(data: Any, func: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise SwitchingError(f"{func}: 'data' must be a pandas DataFrame (got {type(data).__name__})")
    if len(data) == 0:
        raise SwitchingError(f"{func}: 'data' has no rows")
    return data


def _check_columns(data: pd.DataFrame, columns: list[str], func: str, what: str = "column") -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        shown = ", ".join(map(str, data.columns[:30])) + (" ..." if data.shape[1] > 30 else "")
        raise SwitchingError(f"{func}: missing {what}(s) {missing}; the data has: {shown}")


def _check_numeric(data: pd.DataFrame, columns: list[str], func: str) -> None:
    problems = []
    for c in columns:
        col = data[c]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            problems.append(f"column {c!r} must be numeric (got dtype {col.dtype})")
            continue
        values = col.to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            rows = data.index[bad[:5]].tolist()
            problems.append(f"column {c!r} has {bad.size} missing or infinite values (rows {rows}{' ...' if bad.size > 5 else ''})")
    if problems:
        raise SwitchingError(f"{func}: " + "; ".join(problems))


def _check_confidence(confidence: Any) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise SwitchingError(f"'confidence' must be > 0 and < 1 (got {confidence!r})")
    return float(confidence)


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise SwitchingError(f"{name!r} must be an integer >= {low} (got {value!r})")
    return int(value)


def _critical(confidence: float, df: float | None) -> float:
    q = 0.5 + confidence / 2
    return float(sps.norm.ppf(q) if df is None else sps.t.ppf(q, df))


# --------------------------------------------------------------------------
# scores and measurement models
# --------------------------------------------------------------------------
def switching_scores(
    survey: pd.DataFrame,
    *,
    id_column: str = "exhibitor_id",
    extra: tuple[str, ...] = ("satisfaction", "conative"),
) -> pd.DataFrame:
    """Facet, type and overall switching-cost scores from the survey items.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent with the items of :data:`crm_lab.schema.SCALES`
        (``sc_econ1`` .. ``sc_brand3`` and the items of each ``extra`` scale).
    id_column : str, default "exhibitor_id"
        Respondent identifier, copied to the result ("" for none).
    extra : tuple of str
        Further scales of :data:`~crm_lab.schema.SCALES` to score the same
        way (default satisfaction and conative loyalty, the moderation model).

    Returns
    -------
    DataFrame
        ``id_column``, the eight facet scores (mean of their three items), the
        three type scores (mean of their facet scores), ``switching_cost``
        (mean of the three type scores, so each type weighs equally as in the
        second-order model) and the ``extra`` scale scores; same row order
        as *survey*.

    Raises
    ------
    SwitchingError
        Missing item columns (all are named), non-numeric items, or missing
        answers (named with their counts; a score needs every item).

    Examples
    --------
    >>> from crm_lab import datasets
    >>> scores = switching_scores(datasets.load("survey"))
    >>> list(scores.columns[9:13])
    ['procedural', 'financial', 'relational', 'switching_cost']
    """
    func = "switching_scores"
    _check_frame(survey, func)
    unknown = [s for s in extra if s not in SCALES]
    if unknown:
        raise SwitchingError(f"{func}: unknown scale(s) {unknown} in 'extra' (scales: {', '.join(SCALES)})")
    scales = list(FACETS) + [s for s in extra if s not in FACETS]
    items = [i for s in scales for i in SCALES[s]]
    _check_columns(survey, items + ([id_column] if id_column else []), func, "item column")
    _check_numeric(survey, items, func)
    out = pd.DataFrame(index=survey.index)
    if id_column:
        out[id_column] = survey[id_column].to_numpy()
    for facet in FACETS:
        out[facet] = survey[list(SCALES[facet])].to_numpy(dtype=float).mean(axis=1)
    for type_name, facets in TYPES.items():
        out[type_name] = out[list(facets)].to_numpy().mean(axis=1)
    out["switching_cost"] = out[list(TYPES)].to_numpy().mean(axis=1)
    for scale in extra:
        if scale not in FACETS:
            out[scale] = survey[list(SCALES[scale])].to_numpy(dtype=float).mean(axis=1)
    return out.reset_index(drop=True)


def measurement_models() -> dict[str, str]:
    """The competing measurement models of the 24 switching-cost items (lavaan syntax).

    Returns
    -------
    dict
        ``one_factor`` (all items on one switching-cost factor),
        ``three_types`` (items directly on procedural, financial, relational),
        ``eight_facets`` (eight correlated first-order facets) and
        ``second_order`` (the eight facets as first-order factors loading on
        the three types, Burnham, Frels & Mahajan 2003, and the types on one
        general switching cost — with three types this third level only
        re-expresses the three type correlations, so the fit is that of
        correlated types, and the type loadings can be set beside the
        planted ones).

    Notes
    -----
    ``one_factor`` is nested in ``three_types`` (type correlations fixed at
    1) and ``second_order`` in ``eight_facets`` (the 28 facet correlations
    reproduced by 8 second-order loadings and 3 type correlations), so the
    χ² difference test applies to those pairs.  With only two facets, a
    type's two loadings are not separately identified from its variance
    alone; the type correlations identify them (Kline 2016, ch. 12).
    """
    def lines(groups: dict[str, tuple[str, ...]]) -> str:
        return "\n".join(f"{name} =~ " + " + ".join(parts) for name, parts in groups.items())

    facet_items = {f: SCALES[f] for f in FACETS}
    type_items = {t: tuple(i for f in facets for i in SCALES[f]) for t, facets in TYPES.items()}
    all_items = tuple(i for f in FACETS for i in SCALES[f])
    return {
        "one_factor": lines({"switching_cost": all_items}),
        "three_types": lines(type_items),
        "eight_facets": lines(facet_items),
        "second_order": lines(facet_items) + "\n" + lines(TYPES)
        + "\nswitching_cost =~ " + " + ".join(TYPES),
    }


def compare_models(data: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, TestResult], dict]:
    """Fit the models of :func:`measurement_models` and compare them.

    Parameters
    ----------
    data : DataFrame
        The survey (the 24 switching-cost items).

    Returns
    -------
    fit : DataFrame
        One row per model: ``n, chi2, df, p_value, cfi, tli, rmsea, srmr, aic, bic``.
    tests : dict
        χ² difference tests (:func:`crm_lab.measurement.chi2_difference`):
        ``"one_factor vs three_types"`` and ``"second_order vs eight_facets"``.
    fitted : dict
        The :class:`crm_lab.measurement.SEMResult` of each model.
    """
    from . import measurement as ms

    _check_frame(data, "compare_models")
    fitted = {name: ms.cfa(data, model) for name, model in measurement_models().items()}
    keys = ["n", "chi2", "df", "p_value", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]
    fit = pd.DataFrame({name: {k: r.fit.get(k, np.nan) for k in keys} for name, r in fitted.items()}).T
    fit.index.name = "model"
    tests = {
        "one_factor vs three_types": ms.chi2_difference(fitted["one_factor"], fitted["three_types"]),
        "second_order vs eight_facets": ms.chi2_difference(fitted["second_order"], fitted["eight_facets"]),
    }
    return fit, tests, fitted


# --------------------------------------------------------------------------
# simple slopes and Johnson-Neyman (pure functions on coefficients)
# --------------------------------------------------------------------------
def _slope_inputs(b: Any, cov: Any) -> tuple[float, float, np.ndarray]:
    b = np.asarray(b, dtype=float).ravel()
    cov = np.asarray(cov, dtype=float)
    if b.shape != (2,) or cov.shape != (2, 2) or not np.isfinite(b).all() or not np.isfinite(cov).all():
        raise SwitchingError(
            f"'b' must be the 2 finite coefficients (x, x:moderator) and 'cov' their finite 2x2 covariance "
            f"(got shapes {b.shape} and {cov.shape})"
        )
    if cov[0, 0] < 0 or cov[1, 1] < 0 or not np.isclose(cov[0, 1], cov[1, 0]):
        raise SwitchingError(f"'cov' must be a symmetric covariance matrix with non-negative variances (got {cov.tolist()})")
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
    confidence = _check_confidence(confidence)
    b1, b3, cov = _slope_inputs(b, cov)
    w = np.atleast_1d(np.asarray(at, dtype=float))
    if not np.isfinite(w).all():
        raise SwitchingError(f"'at' must hold finite moderator values (got {w.tolist()})")
    est = b1 + b3 * w
    se = np.sqrt(np.maximum(cov[0, 0] + 2 * w * cov[0, 1] + w**2 * cov[1, 1], 0.0))
    crit = _critical(confidence, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    p = 2 * (sps.norm.sf(np.abs(stat)) if df is None else sps.t.sf(np.abs(stat), df))
    index = [f"{v:g}" for v in w] if labels is None else list(labels)
    if len(index) != w.size:
        raise SwitchingError(f"'labels' needs {w.size} names (got {len(index)})")
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
    confidence = _check_confidence(confidence)
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
class ModerationResult:
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
        n, family, x, moderator, y, covariates, centres and SDs, confidence,
        method, citation, names of the model terms.
    """

    table: pd.DataFrame
    interaction: TestResult
    simple_slopes: pd.DataFrame
    jn: JohnsonNeyman
    model: Any = field(repr=False)
    meta: dict = field(default_factory=dict)

    @property
    def standardized(self) -> TestResult:
        """The interaction in SD units (see :func:`moderation`'s Notes), as a TestResult."""
        e = self.interaction.extra
        return replace(self.interaction, effect=self.interaction.effect + " (standardised)", estimate=e["standardized"],
                       ci_low=e["standardized_ci_low"], ci_high=e["standardized_ci_high"], se=None)

    def summary(self, decimals: int = 3) -> str:
        m = self.meta
        lines = [
            f"Moderation ({m['family']}): {m['y']} ~ {m['x']} × {m['moderator']}"
            + (f" + {' + '.join(m['covariates'])}" if m["covariates"] else ""),
            self.table.round(decimals).to_string(),
            "",
            "Simple slopes of " + m["x"] + ":",
            self.simple_slopes.round(decimals).to_string(),
            "",
            self.jn.report(decimals, m["moderator"], m["x"]),
            self.interaction.report(decimals),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        m = self.meta
        return (
            f"<div><strong>Moderation ({html.escape(m['family'])}): {html.escape(m['y'])} ~ "
            f"{html.escape(m['x'])} × {html.escape(m['moderator'])}</strong>"
            f"{self.table.round(3).to_html()}<p>Simple slopes of {html.escape(m['x'])}:</p>"
            f"{self.simple_slopes.round(3).to_html()}"
            f"<p>{html.escape(self.jn.report(2, m['moderator'], m['x']))}</p>"
            f"<p>{html.escape(self.interaction.report(3))}</p></div>"
        )


def _coef_table(fit, df: float | None, confidence: float) -> pd.DataFrame:
    ci = np.asarray(fit.conf_int(alpha=1 - confidence))
    return pd.DataFrame(
        {
            "estimate": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "statistic": fit.tvalues.to_numpy(),
            "df": np.nan if df is None else df,
            "p_value": fit.pvalues.to_numpy(),
        },
        index=pd.Index(fit.params.index, name="term"),
    )


def moderation(
    data: pd.DataFrame,
    y: str,
    x: str,
    moderator: str,
    *,
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
    SwitchingError
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
    >>> r = moderation(d, "y", "x", "w")
    >>> round(r.interaction.estimate, 2)
    -0.28
    """
    func = "moderation"
    _check_frame(data, func)
    confidence = _check_confidence(confidence)
    if family not in ("ols", "logit"):
        raise SwitchingError(f"{func}: 'family' must be 'ols' or 'logit' (got {family!r})")
    covariates = list(covariates)
    names = [y, x, moderator, *covariates]
    bad_names = [n for n in names if not (isinstance(n, str) and n.isidentifier())]
    if bad_names:
        raise SwitchingError(f"{func}: column names must be Python identifiers for the formula (got {bad_names})")
    if len(set(names)) != len(names):
        raise SwitchingError(f"{func}: y, x, moderator and covariates must be different columns (got {names})")
    _check_columns(data, names, func)
    _check_numeric(data, names, func)
    p = 4 + len(covariates)
    if len(data) < p + 3:
        raise SwitchingError(f"{func}: needs at least {p + 3} rows for {p} coefficients (got {len(data)})")
    constant = [c for c in (x, moderator, *covariates) if data[c].nunique() < 2]
    if constant:
        raise SwitchingError(f"{func}: predictor(s) {constant} are constant; a slope needs variation")
    yv = data[y].to_numpy(dtype=float)
    if family == "logit":
        odd = np.flatnonzero((yv != 0) & (yv != 1))
        if odd.size:
            raise SwitchingError(
                f"{func}: family 'logit' needs y {y!r} coded 0/1 (got {odd.size} other values, rows {data.index[odd[:5]].tolist()})"
            )
        if yv.min() == yv.max():
            raise SwitchingError(f"{func}: y {y!r} is all {int(yv[0])}; a logistic model needs both outcomes")

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
    table = _coef_table(fit, df, confidence)
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
        citation="Aiken, L. S., & West, S. G. (1991). Multiple Regression: Testing and Interpreting Interactions. Sage; "
        "Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Journal of Retailing, 76, 259-274.",
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
# power by simulation, vectorised over replications
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
    Forms :math:`X'X` and :math:`X'y` for all replications with batched
    matrix products and inverts the small :math:`p \\times p` matrices in one
    call (the conditioning of a centred four-column design makes the
    explicit inverse safe, and its diagonal gives the SEs); :math:`\\hat\\sigma^2 = e'e/(n-p)`
    and :math:`SE = \\sqrt{\\hat\\sigma^2 \\operatorname{diag}(X'X)^{-1}}`.
    Tested against statsmodels OLS fit by fit.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 3 or y.shape != X.shape[:2]:
        raise SwitchingError(f"batched_ols: X must be (reps, n, p) and y (reps, n) (got {X.shape} and {y.shape})")
    reps, n, p = X.shape
    if n <= p:
        raise SwitchingError(f"batched_ols: needs more rows than columns (got n={n}, p={p})")
    Xt = X.transpose(0, 2, 1)
    xtx = Xt @ X  # batched BLAS matrix products
    inv = np.linalg.inv(xtx)
    beta = (inv @ (Xt @ y[..., None]))[..., 0]
    resid = y - (X @ beta[..., None])[..., 0]
    sigma2 = np.einsum("rn,rn->r", resid, resid) / (n - p)
    se = np.sqrt(sigma2[:, None] * np.diagonal(inv, axis1=1, axis2=2))
    return beta, se, n - p


def _residual_variance(b_x: float, b_m: float, b_xm: float, r: float) -> float:
    explained = b_x**2 + b_m**2 + 2 * b_x * b_m * r + b_xm**2 * (1 + r**2)
    if explained >= 1:
        raise SwitchingError(
            f"the effects (b_x={b_x}, b_m={b_m}, b_xm={b_xm}, r={r}) explain {explained:.2f} >= 1 of the "
            "outcome's unit variance; make them smaller"
        )
    return 1.0 - explained


def _check_reliability(reliability: Any) -> tuple[float, float, float]:
    rel = tuple(float(v) for v in np.atleast_1d(reliability))
    if len(rel) == 1:
        rel = rel * 3
    if len(rel) != 3 or not all(0 < v <= 1 for v in rel):
        raise SwitchingError(f"'reliability' must be one or three values in (0, 1] for (x, moderator, y) (got {reliability!r})")
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
    n = _check_int(n, "n", 10)
    reps = _check_int(reps, "reps", 1)
    if not -1 < r < 1:
        raise SwitchingError(f"'r' must be a correlation in (-1, 1) (got {r!r})")
    rel = _check_reliability(reliability)
    psi = _residual_variance(b_x, b_m, b_xm, r)
    rng = np.random.default_rng(rng)
    z = rng.standard_normal((5, reps, n))
    xi = z[0]
    om = r * z[0] + math.sqrt(1 - r**2) * z[1]
    eta = b_x * xi + b_m * om + b_xm * xi * om + math.sqrt(psi) * z[2]
    e = rng.standard_normal((3, reps, n))
    x = math.sqrt(rel[0]) * xi + math.sqrt(1 - rel[0]) * e[0]
    w = math.sqrt(rel[1]) * om + math.sqrt(1 - rel[1]) * e[1]
    y = math.sqrt(rel[2]) * eta + math.sqrt(1 - rel[2]) * e[2]
    return x, w, y


def _design(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=1, keepdims=True)
    wc = w - w.mean(axis=1, keepdims=True)
    return np.stack([np.ones_like(xc), xc, wc, xc * wc], axis=-1)


def interaction_power(
    n: int,
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
    """Power of the t-tests of the interaction and of x's main effect at sample size *n*.

    Simulates *reps* data sets (:func:`simulate_moderation`), fits
    ``y ~ x_c * w_c`` to all of them with :func:`batched_ols` in chunks of
    at most *max_cells* numbers per array, and counts two-sided rejections
    at level *alpha*.

    Returns
    -------
    DataFrame
        One row per term (``"x"``, ``"x:moderator"``): ``n, term, power,
        ci_low, ci_high`` (Wilson interval of the Monte Carlo share),
        ``mean_estimate`` (the average coefficient: the observed-score
        target, attenuated when reliabilities are below 1), ``reps``.
    """
    from .stats import proportion_ci

    n = _check_int(n, "n", 10)
    reps = _check_int(reps, "reps", 1)
    if not 0 < alpha < 1:
        raise SwitchingError(f"'alpha' must be > 0 and < 1 (got {alpha!r})")
    rng = np.random.default_rng(rng)
    chunk = max(1, int(max_cells // (n * 4)))
    hits = np.zeros(2, dtype=np.int64)
    sums = np.zeros(2)
    done = 0
    while done < reps:
        k = min(chunk, reps - done)
        x, w, y = simulate_moderation(n, k, b_x=b_x, b_m=b_m, b_xm=b_xm, r=r, reliability=reliability, rng=rng)
        beta, se, df = batched_ols(_design(x, w), y)
        crit = sps.t.ppf(1 - alpha / 2, df)
        t = beta[:, [1, 3]] / se[:, [1, 3]]
        hits += (np.abs(t) > crit).sum(axis=0)
        sums += beta[:, [1, 3]].sum(axis=0)
        done += k
    rows = []
    for j, term in enumerate(("x", "x:moderator")):
        est, lo, hi = proportion_ci(int(hits[j]), reps)
        rows.append({"n": n, "term": term, "power": est, "ci_low": lo, "ci_high": hi,
                     "mean_estimate": sums[j] / reps, "reps": reps})
    return pd.DataFrame(rows)


def power_curve(sizes: Any, **kwargs) -> pd.DataFrame:
    """:func:`interaction_power` at each sample size in *sizes* (one generator, used in turn).

    Keyword arguments are those of :func:`interaction_power`; ``rng`` is
    turned into one :class:`numpy.random.Generator` shared by all sizes.
    """
    sizes = [int(s) for s in np.atleast_1d(sizes)]
    if not sizes:
        raise SwitchingError("power_curve: 'sizes' is empty")
    rng = np.random.default_rng(kwargs.pop("rng", None))
    return pd.concat([interaction_power(n, rng=rng, **kwargs) for n in sizes], ignore_index=True)


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


def dominance(
    data: pd.DataFrame,
    y: str,
    predictors: list[str] | tuple[str, ...],
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    rng=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    weights : DataFrame
        Index the predictors: ``estimate`` (general dominance weight: the
        average increase in R² the predictor brings over all subsets of the
        others, averaged within then across subset sizes), ``share`` (of the
        full R²), ``ci_low, ci_high`` (percentile bootstrap), ``rank``.
    pairs : DataFrame
        For each ordered pair, the bootstrap share of resamples in which the
        first predictor's weight exceeds the second's.

    Notes
    -----
    Budescu (1993); Azen & Budescu (2003).  The weights sum to the full
    model's R² (tested), and equal the LMG measure of ``relaimpo``
    (Grömping 2006).  All subset R² come from the correlation matrix
    (:math:`R^2_S = r_{Sy}' R_{SS}^{-1} r_{Sy}`), batched over resamples.
    """
    func = "dominance"
    _check_frame(data, func)
    confidence = _check_confidence(confidence)
    predictors = list(predictors)
    if not 2 <= len(predictors) <= 8 or len(set(predictors)) != len(predictors):
        raise SwitchingError(f"{func}: 'predictors' must be 2 to 8 different columns (got {predictors})")
    _check_columns(data, [y, *predictors], func)
    _check_numeric(data, [y, *predictors], func)
    n_boot = _check_int(n_boot, "n_boot", 0)
    k = len(predictors)
    values = data[[*predictors, y]].to_numpy(dtype=float)
    if len(values) < k + 3:
        raise SwitchingError(f"{func}: needs at least {k + 3} rows (got {len(values)})")
    point = _general_dominance(_subset_r2(np.corrcoef(values, rowvar=False)[None], k), k)[:, 0]
    full = float(_subset_r2(np.corrcoef(values, rowvar=False)[None], k)[tuple(range(k))][0])
    weights = pd.DataFrame({"estimate": point, "share": point / full}, index=pd.Index(predictors, name="predictor"))
    pairs = pd.DataFrame(index=pd.Index(predictors, name="predictor"), columns=predictors, dtype=float)
    if n_boot:
        rng = np.random.default_rng(rng)
        boot = []
        chunk = max(1, 2_000_000 // (len(values) * (k + 1)))
        for start in range(0, n_boot, chunk):
            b = min(chunk, n_boot - start)
            idx = rng.integers(0, len(values), size=(b, len(values)))
            sample = values[idx]
            centred = sample - sample.mean(axis=1, keepdims=True)
            cov = np.einsum("bni,bnj->bij", centred, centred)
            sd = np.sqrt(np.einsum("bii->bi", cov))
            corr = cov / (sd[:, :, None] * sd[:, None, :])
            boot.append(_general_dominance(_subset_r2(corr, k), k))
        boot = np.concatenate(boot, axis=1)
        q = (1 - confidence) / 2
        weights["ci_low"] = np.quantile(boot, q, axis=1)
        weights["ci_high"] = np.quantile(boot, 1 - q, axis=1)
        for i, a in enumerate(predictors):
            for j, c in enumerate(predictors):
                pairs.loc[a, c] = np.nan if i == j else float(np.mean(boot[i] > boot[j]))
    else:
        weights["ci_low"] = weights["ci_high"] = np.nan
    weights["rank"] = weights["estimate"].rank(ascending=False).astype(int)
    weights.attrs["r2"] = full  # a float, safe in attrs
    return weights, pairs


# --------------------------------------------------------------------------
# hostages and levers
# --------------------------------------------------------------------------
BARRIER_GROUPS = ("bonded", "hostage", "free", "at_risk")


def barrier_groups(
    data: pd.DataFrame,
    *,
    satisfaction: str = "satisfaction",
    switching_cost: str = "switching_cost",
    cut: str = "median",
) -> pd.Series:
    """The satisfaction × switching-barrier grid: who is a hostage?

    Parameters
    ----------
    data : DataFrame
    satisfaction, switching_cost : str
        Score columns.
    cut : {"median", "midpoint"}
        Split each score at its sample median (high = above it), or at the
        Likert midpoint 4.

    Returns
    -------
    Series (categorical)
        ``bonded`` (satisfied, high barrier), ``hostage`` (dissatisfied,
        high barrier: stays because leaving costs too much), ``free``
        (satisfied, low barrier) and ``at_risk`` (dissatisfied, low
        barrier); same index as *data*.

    Notes
    -----
    The hostage (囚禁者) of Jones & Sasser (1995) is loyal but dissatisfied;
    Jones, Mothersbaugh & Beatty (2000) trace such loyalty to switching
    barriers, so the grid here crosses satisfaction with the barrier itself.
    """
    func = "barrier_groups"
    _check_frame(data, func)
    _check_columns(data, [satisfaction, switching_cost], func)
    _check_numeric(data, [satisfaction, switching_cost], func)
    if cut not in ("median", "midpoint"):
        raise SwitchingError(f"{func}: 'cut' must be 'median' or 'midpoint' (got {cut!r})")
    s, c = data[satisfaction], data[switching_cost]
    s_hi = s > (s.median() if cut == "median" else 4.0)
    c_hi = c > (c.median() if cut == "median" else 4.0)
    labels = np.select([s_hi & c_hi, ~s_hi & c_hi, s_hi & ~c_hi], list(BARRIER_GROUPS[:3]), BARRIER_GROUPS[3])
    return pd.Series(pd.Categorical(labels, categories=list(BARRIER_GROUPS)), index=data.index, name="group")


def lever_effects(
    result: ModerationResult,
    shifts: dict[str, dict[str, float]],
    *,
    mask: Any = None,
    n_sims: int = 2000,
    confidence: float = 0.95,
    rng=None,
) -> pd.DataFrame:
    """What-if: the change in the mean predicted outcome when x or the moderator shifts.

    Parameters
    ----------
    result : ModerationResult
        A fitted moderation (typically ``family="logit"`` on next-edition
        return, so the outcome is a probability).
    shifts : dict
        Scenario name -> ``{column: shift in SD units}``, columns among x
        and the moderator, e.g. ``{"satisfaction +0.5 SD": {"satisfaction": 0.5}}``.
    mask : boolean array, optional
        Respondents to average over (default all), e.g. the hostages.
    n_sims : int, default 2000
        Draws of the coefficients from their asymptotic normal distribution.
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        Index the scenarios: ``baseline`` (mean predicted outcome),
        ``estimate`` (median change from baseline over the draws),
        ``ci_low, ci_high``.  Compare two scenarios with :func:`lever_difference`.

    Notes
    -----
    Simulation of the quantities of interest (King, Tomz & Wittenberg 2000):
    draw :math:`\\beta^{(s)} \\sim N(\\hat\\beta, \\hat V)`, recompute each
    respondent's prediction with the shifted values, average, difference;
    the percentile interval of the draws.  Vectorised over draws.
    """
    draws, baseline, names = _lever_draws(result, shifts, mask=mask, n_sims=n_sims, rng=rng)
    confidence = _check_confidence(confidence)
    q = (1 - confidence) / 2
    return pd.DataFrame(
        {
            "baseline": baseline,
            "estimate": [float(np.median(d)) for d in draws],
            "ci_low": [float(np.quantile(d, q)) for d in draws],
            "ci_high": [float(np.quantile(d, 1 - q)) for d in draws],
        },
        index=pd.Index(names, name="scenario"),
    )


def lever_difference(
    result: ModerationResult,
    first: dict[str, float],
    second: dict[str, float],
    *,
    mask: Any = None,
    n_sims: int = 2000,
    confidence: float = 0.95,
    rng=None,
) -> dict[str, float]:
    """The first lever's effect minus the second's, with its simulation interval and P(first > second)."""
    draws, _, _ = _lever_draws(result, {"first": first, "second": second}, mask=mask, n_sims=n_sims, rng=rng)
    d = draws[0] - draws[1]
    q = (1 - _check_confidence(confidence)) / 2
    return {"estimate": float(np.median(d)), "ci_low": float(np.quantile(d, q)),
            "ci_high": float(np.quantile(d, 1 - q)), "p_first_larger": float(np.mean(d > 0))}


def _exog(result: ModerationResult, x_shift: float, w_shift: float) -> np.ndarray:
    fit = result.model
    t = result.meta["terms"]
    frame = fit.model.data.frame
    xv = frame[t["x"]].to_numpy() + x_shift
    wv = frame[t["moderator"]].to_numpy() + w_shift
    cols = []
    for name in fit.model.exog_names:
        if name == "Intercept":
            cols.append(np.ones_like(xv))
        elif name == t["x"]:
            cols.append(xv)
        elif name == t["moderator"]:
            cols.append(wv)
        elif name == t["product"]:
            cols.append(xv * wv)
        else:
            cols.append(frame[name].to_numpy())
    return np.column_stack(cols)


def _lever_draws(result, shifts, *, mask, n_sims, rng):
    if not isinstance(result, ModerationResult):
        raise SwitchingError(f"'result' must be a ModerationResult (got {type(result).__name__})")
    n_sims = _check_int(n_sims, "n_sims", 10)
    m = result.meta
    allowed = {m["x"]: "x", m["moderator"]: "moderator"}
    if not isinstance(shifts, dict) or not shifts:
        raise SwitchingError("'shifts' must be a non-empty dict: scenario -> {column: shift in SD}")
    for name, shift in shifts.items():
        bad = [c for c in shift if c not in allowed]
        if bad:
            raise SwitchingError(f"scenario {name!r} shifts {bad}; only {list(allowed)} can be shifted")
    fit = result.model
    n = int(fit.nobs)
    sel = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if sel.shape != (n,) or not sel.any():
        raise SwitchingError(f"'mask' must be {n} booleans with at least one True (got shape {sel.shape}, {int(sel.sum())} True)")
    rng = np.random.default_rng(rng)
    beta = rng.multivariate_normal(fit.params.to_numpy(), fit.cov_params().to_numpy(), size=n_sims, method="cholesky")
    link = expit if m["family"] == "logit" else (lambda v: v)

    def mean_pred(X):
        return link(X[sel] @ beta.T).mean(axis=0)

    base_X = _exog(result, 0.0, 0.0)
    base = mean_pred(base_X)
    point_base = float(link(base_X[sel] @ fit.params.to_numpy()).mean())
    draws = []
    for shift in shifts.values():
        X = _exog(result, shift.get(m["x"], 0.0) * m["sds"][m["x"]], shift.get(m["moderator"], 0.0) * m["sds"][m["moderator"]])
        draws.append(mean_pred(X) - base)
    return draws, point_base, list(shifts)


def total_satisfaction_effect(p) -> float:
    """Planted total effect of satisfaction on conative loyalty (all paths, at switching cost 0).

    The sum over the paths of :class:`crm_lab.simulate.MarketParams`:
    direct (``con_sat``), through commitment (``com_sat · con_com``) and
    through cognitive and affective loyalty and commitment
    (``con_aff · (aff_cog · cog_sat + aff_com · com_sat)``).
    """
    com = p.com_sat
    aff = p.aff_cog * p.cog_sat + p.aff_com * com
    return p.con_sat + p.con_com * com + p.con_aff * aff


def power_inputs(
    ols: ModerationResult,
    *,
    truth=None,
    targets: dict | None = None,
    survey: pd.DataFrame | None = None,
) -> tuple[dict[str, float], tuple[float, float, float]]:
    """Effect sizes and reliabilities for :func:`power_curve`.

    With a planted truth: the planted total effect of satisfaction
    (:func:`total_satisfaction_effect`), the direct effect of switching cost,
    the planted interaction, the latent correlation of satisfaction and
    switching cost, and the reliabilities of :func:`interaction_targets`
    (*targets*).  Without one: the standardised estimates of the OLS
    moderation *ols* and Cronbach's α of the three scales in *survey*
    (:func:`crm_lab.measurement.reliability`).

    Returns
    -------
    effects : dict
        ``b_x, b_m, b_xm, r``.
    reliability : (float, float, float)
        Of satisfaction, switching cost and intention.
    """
    names = ("satisfaction", "switching_cost", "conative")
    if truth is not None:
        if targets is None:
            raise SwitchingError("power_inputs: with a truth, pass 'targets' from interaction_targets(truth)")
        p = truth.params
        corr = float(truth.latent[["satisfaction", "switching_cost"]].corr().iloc[0, 1])
        effects = {"b_x": total_satisfaction_effect(p), "b_m": float(p.con_sc), "b_xm": float(p.con_sat_x_sc), "r": corr}
        return effects, tuple(float(targets[f"reliability_{k}"]) for k in names)  # type: ignore[return-value]
    from . import measurement as ms

    if survey is None:
        raise SwitchingError("power_inputs: without a truth, pass the 'survey' for Cronbach's alpha")
    m = ols.meta
    sd = m["sds"]
    t = ols.model.params
    data = ols.model.model.data.frame
    effects = {
        "b_x": float(t[m["terms"]["x"]] * sd[m["x"]] / sd[m["y"]]),
        "b_m": float(t[m["terms"]["moderator"]] * sd[m["moderator"]] / sd[m["y"]]),
        "b_xm": float(ols.interaction.extra["standardized"]),
        "r": float(np.corrcoef(data[m["terms"]["x"]], data[m["terms"]["moderator"]])[0, 1]),
    }
    items = {"satisfaction": list(SCALES["satisfaction"]), "conative": list(SCALES["conative"]),
             "switching_cost": [i for f in FACETS for i in SCALES[f]]}
    rel = tuple(float(ms.reliability(survey[items[k]]).alpha) for k in names)
    return effects, rel  # type: ignore[return-value]


def planted_retention(
    truth,
    participation: pd.DataFrame,
    exhibitors: pd.DataFrame,
    sectors: pd.DataFrame,
    *,
    ids: Any = None,
    shift_satisfaction: Any = 0.0,
    shift_switching_cost: Any = 0.0,
    rival_enters: bool = False,
) -> pd.Series:
    """Each exhibitor's planted probability of exhibiting at the next edition, under a what-if.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
    participation, exhibitors, sectors : DataFrame
        The market's tables (stage at the survey edition, sector, market structure).
    ids : sequence of str, optional
        Exhibitors to return (default all who exhibited at the survey edition).
    shift_satisfaction, shift_switching_cost : float or array
        Shifts of the latent constructs in SD units (scalar or one per id).
    rival_enters : bool, default False
        A rival show opens in the monopoly sectors: their switching cost
        loses its planted monopoly component (``sc_monopoly``) and the
        direct monopoly effect on returning (``return_monopoly``) goes.

    Returns
    -------
    Series
        Index exhibitor_id: the planted probability of returning.

    Notes
    -----
    Uses the planted model of :func:`crm_lab.simulate.simulate_market`:
    a shift :math:`\\delta_S, \\delta_C` of satisfaction and switching cost
    moves conative loyalty by :math:`\\tau\\delta_S + c_{sc}\\delta_C +
    c_{sat\\times sc}[(S+\\delta_S)(C+\\delta_C) - SC]` (τ the total effect of
    satisfaction through commitment, cognitive and affective loyalty), and
    the return probability is
    logistic(return_intercepts[stage] + return_conative · conative +
    return_monopoly · monopoly).
    """
    p = truth.params
    survey_edition = truth.sizes["survey_edition"]
    part = participation[(participation["edition"] == survey_edition) & (participation["participated"] == 1)]
    stage = part.set_index("exhibitor_id")["stage"]
    if ids is None:
        ids = stage.index.to_numpy()
    ids = np.asarray(ids)
    missing = np.setdiff1d(ids, stage.index.to_numpy())
    if missing.size:
        raise SwitchingError(f"planted_retention: {missing.size} ids did not exhibit at the survey edition, e.g. {missing[:5].tolist()}")
    lat = truth.latent.set_index("exhibitor_id").loc[ids]
    mono_sectors = sectors.set_index("sector")["market_structure"].eq("monopoly")
    monopoly = exhibitors.set_index("exhibitor_id").loc[ids, "sector"].map(mono_sectors).to_numpy(dtype=float)
    s, c = lat["satisfaction"].to_numpy(), lat["switching_cost"].to_numpy()
    ds = np.broadcast_to(np.asarray(shift_satisfaction, dtype=float), s.shape)
    dc = np.broadcast_to(np.asarray(shift_switching_cost, dtype=float), s.shape)
    if rival_enters:
        dc = dc - p.sc_monopoly * monopoly
    con = (lat["conative"].to_numpy() + total_satisfaction_effect(p) * ds + p.con_sc * dc
           + p.con_sat_x_sc * ((s + ds) * (c + dc) - s * c))
    stage_index = {name: i for i, name in enumerate(("exploration", "formation", "stability", "decline"))}
    intercept = np.asarray(p.return_intercepts)[stage.loc[ids].map(stage_index).to_numpy()]
    logit = intercept + p.return_conative * con + (0.0 if rival_enters else p.return_monopoly) * monopoly
    return pd.Series(expit(logit), index=pd.Index(ids, name="exhibitor_id"), name="p_return")


def interaction_targets(truth, *, n_exhibitors: int = 60_000, rng=None) -> dict[str, float]:
    """What the survey's interaction estimates converge to in the planted market.

    Simulates a large market with the planted parameters (and once more with
    the interaction set to 0), scores its survey with :func:`switching_scores`
    and fits ``conative ~ satisfaction × switching_cost`` on standardised
    scores.

    Returns
    -------
    dict
        ``planted`` (the latent-scale coefficient), ``latent`` (fitted on
        the respondents' latent scores), ``observed`` (fitted on observed
        scores: attenuated by measurement error, shaped by the 7-point
        ceiling), ``observed_without_interaction`` (the same with no
        planted interaction: what item ceilings alone produce),
        ``reliability_satisfaction``, ``reliability_switching_cost``,
        ``reliability_conative`` (squared correlations of the scores with
        their latent constructs) and ``n_respondents``.
    """
    from .simulate import simulate_market

    n_exhibitors = _check_int(n_exhibitors, "n_exhibitors", 1000)
    rng = np.random.default_rng(rng)
    out = {"planted": float(truth.params.con_sat_x_sc)}
    for key, params in (("observed", truth.params), ("observed_without_interaction", replace(truth.params, con_sat_x_sc=0.0))):
        big = simulate_market(n_exhibitors, n_visitors=100, n_editions=truth.sizes["n_editions"],
                              survey_edition=truth.sizes["survey_edition"], kano_respondents=10, params=params, rng=rng)
        scores = switching_scores(big.tables["survey"])
        z = scores[["satisfaction", "switching_cost", "conative"]]
        z = (z - z.mean()) / z.std()
        fit = smf.ols("conative ~ satisfaction * switching_cost", data=z).fit()
        out[key] = float(fit.params["satisfaction:switching_cost"])
        if key == "observed":
            lat = big.truth.latent.set_index("exhibitor_id").loc[scores["exhibitor_id"]].reset_index()
            zl = lat[["satisfaction", "switching_cost", "conative"]]
            zl = (zl - zl.mean()) / zl.std()
            out["latent"] = float(smf.ols("conative ~ satisfaction * switching_cost", data=zl).fit().params["satisfaction:switching_cost"])
            for name in ("satisfaction", "switching_cost", "conative"):
                out[f"reliability_{name}"] = float(np.corrcoef(scores[name], lat[name])[0, 1] ** 2)
            out["n_respondents"] = int(len(scores))
    return out


# --------------------------------------------------------------------------
# figures (axes-level: draw into ax, return it)
# --------------------------------------------------------------------------
def plot_interaction(result: ModerationResult, *, ax=None, n_points: int = 50):
    """Predicted y against x at each probe value of the moderator (the interaction plot)."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    lines = predicted_lines(result, n_points=n_points)
    for label, part in lines.groupby("probe", sort=False):
        ax.plot(part["x"], part["predicted"], label=f"{result.meta['moderator']} {label} ({part['moderator'].iloc[0]:.2f})")
    ax.set(xlabel=result.meta["x"], ylabel=("P(" + result.meta["y"] + ")") if result.meta["family"] == "logit" else result.meta["y"])
    ax.legend(fontsize="small")
    return ax


def plot_johnson_neyman(result: ModerationResult, *, ax=None, n_points: int = 200):
    """The slope of x with its confidence band over the moderator; significant part shaded, bounds dashed."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    band = slope_band(result, n_points=n_points)
    ax.plot(band["moderator"], band["estimate"], color="C0")
    ax.fill_between(band["moderator"], band["ci_low"], band["ci_high"], color="C0", alpha=0.15,
                    label=f"{result.jn.confidence:.0%} CI")
    sig = band["significant"].to_numpy()
    ax.fill_between(band["moderator"], band["ci_low"], band["ci_high"], where=sig, color="C2", alpha=0.3,
                    label="slope significant")
    lo, hi = band["moderator"].min(), band["moderator"].max()
    for bound in result.jn.bounds_original:
        if lo <= bound <= hi:
            ax.axvline(bound, color="C3", linestyle="--", linewidth=1)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(xlabel=result.meta["moderator"], ylabel=f"slope of {result.meta['x']}")
    ax.legend(fontsize="small")
    return ax


def plot_power_curve(curve: pd.DataFrame, *, ax=None, target: float = 0.8, mark_n: float | None = None):
    """Power against sample size, one line per scenario/term, with Monte Carlo intervals."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    group = "scenario" if "scenario" in curve else "term"
    for i, (label, part) in enumerate(curve.groupby(group, sort=False)):
        ax.plot(part["n"], part["power"], marker="o", color=f"C{i}", label=str(label))
        ax.fill_between(part["n"], part["ci_low"], part["ci_high"], color=f"C{i}", alpha=0.15)
    ax.axhline(target, color="grey", linestyle=":", linewidth=1)
    if mark_n is not None:
        ax.axvline(mark_n, color="grey", linestyle="--", linewidth=1)
    ax.set(xscale="log", xlabel="respondents (n)", ylabel="power", ylim=(0, 1.02))
    ax.legend(fontsize="small")
    return ax
