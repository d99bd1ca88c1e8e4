"""Customer satisfaction (客户满意): C = b/a, disconfirmation, IPA, ACSI, NPS, response styles.

THEORY.md §3 and §10 as pure functions over the exhibitor survey (and the
participation panel, for who came back):

* the material's **satisfaction index** C = b / a, perceived over expected,
  and its four levels (:func:`index`, :func:`index_table`);
* **expectation–disconfirmation** (Oliver 1980) and the **service gap**
  perception − expectation (Parasuraman, Zeithaml & Berry 1985), one paired
  test per attribute with d_z and a Holm correction (:func:`disconfirmation`);
* **importance–performance analysis** (Martilla & James 1977) with stated or
  derived importance and either crosshair (:func:`ipa`,
  :func:`compare_importance`), its bootstrap quadrant stability
  (:func:`ipa_stability`) and the respondents it needs
  (:func:`ipa_sample_size`);
* an **ACSI-style 0–100 index** (Fornell et al. 1996; :func:`acsi_index`);
* the **Net Promoter Score** (Reichheld 2003) with Rocks' (2016) Wald and
  adjusted-Wald intervals (:func:`nps`, :func:`nps_from_counts`) — the one
  NPS implementation of the package;
* the **three rising levels** of satisfaction statements and who of each
  level came back (:func:`satisfaction_levels`, :func:`return_by_level`), the
  "six times as likely to buy again" claim as a relative risk
  (:func:`relative_return`) and its dependence on market structure by
  simulation (:func:`structure_scenarios`,
  :func:`relative_return_by_structure`), complaints and return
  (:func:`complaints_return`);
* **response-style bias** between regions and its correction
  (:func:`response_style_correction`, :func:`planted_group_difference`);
* **segment differences** with the test the data allow (:func:`segment_test`);
* the planted truth of a simulated market on the survey's scale
  (:func:`planted_attribute_means`), and axes-level figures
  (:func:`plot_ipa`, :func:`plot_gaps`, :func:`plot_estimates`,
  :func:`plot_response_style`).

Every analysis returns a :class:`SatisfactionResult` (the package's result
protocol: ``table`` with the fixed columns, ``meta``, ``summary()``,
``to_dict()``), an :class:`NPSResult`, a :class:`~crm_lab.stats.TestResult`
or a documented DataFrame.  Bad input raises :class:`SatisfactionError` (a
:class:`~crm_lab._checks.CrmLabError`) naming the argument, column and rows.

References
----------
Oliver, R. L. (1980). A cognitive model of the antecedents and consequences
of satisfaction decisions. *Journal of Marketing Research*, 17(4), 460–469.

Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1985). A conceptual model
of service quality and its implications for future research. *Journal of
Marketing*, 49(4), 41–50.

Martilla, J. A., & James, J. C. (1977). Importance-performance analysis.
*Journal of Marketing*, 41(1), 77–79.

Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E.
(1996). The American Customer Satisfaction Index: Nature, purpose, and
findings. *Journal of Marketing*, 60(4), 7–18.

Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
Review*, 81(12), 46–54.

Rocks, B. (2016). Interval estimation for the "net promoter score". *The
American Statistician*, 70(4), 365–372.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from ._checks import (
    CrmLabError,
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    check_integer,
    check_number,
    numeric_columns,
    numeric_values,
    raise_problems,
    rows_text,
)
from .lifecycle import next_edition_returns
from .power import power_by_simulation, smallest_n
from .resampling import bootstrap
from .results import Result, coef_table, tidy_table
from .schema import LIKERT_MAX, LIKERT_MIN, REGIONS, SATISFACTION_ATTRIBUTES, TABLES
from .stats import TestResult, chi_square, proportion_ci, two_proportions, welch_t

__all__ = [
    "IPA_QUADRANTS",
    "LEVELS",
    "NPSResult",
    "SatisfactionError",
    "SatisfactionResult",
    "acsi_index",
    "attribute_columns",
    "compare_importance",
    "complaints_return",
    "disconfirmation",
    "index",
    "index_table",
    "ipa",
    "ipa_sample_size",
    "ipa_stability",
    "nps",
    "nps_categories",
    "nps_from_counts",
    "planted_attribute_means",
    "planted_group_difference",
    "plot_gaps",
    "plot_ipa",
    "plot_estimates",
    "plot_response_style",
    "relative_return",
    "relative_return_by_structure",
    "response_style_correction",
    "return_by_level",
    "satisfaction_levels",
    "segment_test",
    "structure_scenarios",
]

# --------------------------------------------------------------------------
# the survey's declarations (schema), checked once at import
# --------------------------------------------------------------------------
_SURVEY = TABLES["survey"]
#: Column prefix of each role of a service attribute (``imp_venue``, ``exp_venue``, ``perc_venue``).
_ROLE_PREFIX = {"importance": "imp", "expectation": "exp", "perception": "perc"}
_OVERALL, _INTENT, _NPS, _COMPLAINTS = "overall_sat", "intent_return", "nps", "complaints"
for _attr in SATISFACTION_ATTRIBUTES:
    for _prefix in _ROLE_PREFIX.values():
        _SURVEY.column(f"{_prefix}_{_attr}")  # KeyError at import if the schema and this module disagree
for _name in (_OVERALL, _INTENT, _NPS, _COMPLAINTS):
    _SURVEY.column(_name)
_SCALE = (LIKERT_MIN, LIKERT_MAX)
_NPS_LOW, _NPS_HIGH = int(_SURVEY.column(_NPS).low), int(_SURVEY.column(_NPS).high)
#: Likert items of the survey (1-7), the default anchors of a response-style correction.
_LIKERT_ITEMS = tuple(c.name for c in _SURVEY.columns if c.unit == "1-7 Likert")

#: The four levels of C = b/a (THEORY.md §3), lowest first.
LEVELS = ("extremely dissatisfied", "dissatisfied", "satisfied", "highly satisfied")
#: Importance-performance quadrants (Martilla & James 1977), by (high importance, high performance).
IPA_QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}
_QUADRANT_ORDER = ("concentrate here", "keep up the good work", "low priority", "possible overkill")

_CITE = {
    "oliver": "Oliver, R. L. (1980). Journal of Marketing Research, 17(4), 460-469",
    "pzb": "Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1985). Journal of Marketing, 49(4), 41-50",
    "ipa": "Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. Journal of Marketing, 41(1), 77-79",
    "acsi": "Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). Journal of Marketing, 60(4), 7-18",
    "nps": ("Reichheld, F. F. (2003). Harvard Business Review, 81(12), 46-54; Rocks, B. (2016). Interval estimation "
            "for the 'net promoter score'. The American Statistician, 70(4), 365-372"),
    "holm": "Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Statistics, 6, 65-70",
    "dz": "Cumming, G. (2012). Understanding the New Statistics. Routledge; Steiger, J. H. (2004). Psychological Methods, 9(2), 164-182",
    "katz": "Katz, D., Baptista, J., Azen, S. P., & Pike, M. C. (1978). Biometrics, 34(3), 469-474",
    "fischer": "Fischer, R. (2004). Standardization to account for cross-cultural response bias. J. Cross-Cultural Psychology, 35(3), 263-282",
    "ordinal": "McCullagh, P. (1980). Regression models for ordinal data. JRSS B, 42(2), 109-142",
}


class SatisfactionError(CrmLabError):
    """Bad input to a :mod:`crm_lab.satisfaction` function: names the argument, column and rows."""


# --------------------------------------------------------------------------
# result types
# --------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class SatisfactionResult(Result):
    """The result of a satisfaction analysis (the package's result protocol).

    Attributes
    ----------
    table : DataFrame
        ``estimate, se, ci_low, ci_high, statistic, df, p_value`` then the
        analysis' own columns (see each function's Returns).
    meta : dict
        ``n, confidence, method, citation``, ``title`` and what the analysis
        adds (crosshairs, thresholds, weights, units).
    model : object, optional
        A fitted statsmodels model where one was fitted.
    details : DataFrame, optional
        A second table where the analysis has one (per-respondent scores, a
        simulation curve).
    """

    table: pd.DataFrame
    meta: dict = field(default_factory=dict)
    model: Any = field(default=None, repr=False, compare=False)
    details: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def _summary_lines(self, decimals: int) -> list[str]:
        notes = self.meta.get("notes") or []
        return [*notes, ""] if notes else []

    def __repr__(self) -> str:
        return self.summary()


@dataclass(frozen=True, repr=False)
class NPSResult(Result):
    """The Net Promoter Score of one group (see :func:`nps`).

    Attributes
    ----------
    table : DataFrame
        One row ``nps``: ``estimate`` (share of promoters minus share of
        detractors, −1..1), ``se``, ``ci_low, ci_high``, then ``promoters``,
        ``passives``, ``detractors`` (shares) and ``n``.
    meta : dict
        n, confidence, method (``"wald"`` or ``"adjusted_wald"`` and how), citation.
    """

    table: pd.DataFrame
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return "Net Promoter Score"

    def _value(self, column: str) -> float:
        return float(self.table.iloc[0][column])

    @property
    def nps(self) -> float:
        """Share of promoters (9–10) minus share of detractors (0–6), −1..1 (×100 for points)."""
        return self._value("estimate")

    estimate = nps

    @property
    def se(self) -> float:
        return self._value("se")

    @property
    def ci_low(self) -> float:
        return self._value("ci_low")

    @property
    def ci_high(self) -> float:
        return self._value("ci_high")

    @property
    def promoters(self) -> float:
        return self._value("promoters")

    @property
    def passives(self) -> float:
        return self._value("passives")

    @property
    def detractors(self) -> float:
        return self._value("detractors")

    @property
    def n(self) -> int:
        return int(self.meta["n"])

    def _summary_lines(self, decimals: int) -> list[str]:
        dec = max(decimals - 2, 0)
        return [f"NPS = {100 * self.nps:.{dec}f} points, {self.meta['confidence']:.0%} CI "
                f"[{100 * self.ci_low:.{dec}f}, {100 * self.ci_high:.{dec}f}] ({100 * self.promoters:.1f}% promoters, "
                f"{100 * self.detractors:.1f}% detractors)", ""]

    def __repr__(self) -> str:
        return self.summary()


def _result(rows: Mapping[str, Any] | pd.DataFrame, *, index: Any, name: str, extras: Sequence[str], n: int,
            confidence: float | None, method: str, citation: str, title: str, model: Any = None,
            details: pd.DataFrame | None = None, **meta: Any) -> SatisfactionResult:
    table = tidy_table(rows, index=index, name=name, extras=extras)
    return SatisfactionResult(table=table, meta={"n": int(n), "confidence": confidence, "method": method,
                                                 "citation": citation, "title": title, **meta},
                              model=model, details=details)


# --------------------------------------------------------------------------
# checks (one helper per kind)
# --------------------------------------------------------------------------
def _check_scale(scale: Any) -> tuple[float, float]:
    ok = (isinstance(scale, (tuple, list)) and len(scale) == 2
          and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in scale)
          and scale[0] < scale[1])
    if not ok:
        raise SatisfactionError(f"'scale' must be (min, max) with min < max (got {scale!r})")
    return float(scale[0]), float(scale[1])


def attribute_columns(attributes: Sequence[str] | str | None = None, role: str = "perception") -> list[str]:
    """The survey columns of *role* for *attributes* (default: every attribute of the schema).

    Parameters
    ----------
    attributes : str or sequence of str, optional
        Attribute names of :data:`crm_lab.schema.SATISFACTION_ATTRIBUTES`
        (``"venue"``), or your own attribute names with the same prefixes.
    role : {"importance", "expectation", "perception"}

    Examples
    --------
    >>> attribute_columns(["venue", "staff"], "expectation")
    ['exp_venue', 'exp_staff']
    """
    check_choice(role, "role", tuple(_ROLE_PREFIX), error=SatisfactionError)
    return [f"{_ROLE_PREFIX[role]}_{a}" for a in _attributes(attributes)]


def _attributes(attributes: Sequence[str] | str | None) -> list[str]:
    if attributes is None:
        return list(SATISFACTION_ATTRIBUTES)
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    if not names or not all(isinstance(a, str) and a for a in names):
        raise SatisfactionError(f"'attributes' must be attribute names such as {SATISFACTION_ATTRIBUTES[:2]} "
                                f"(got {attributes!r})")
    if len(set(names)) != len(names):
        raise SatisfactionError(f"'attributes' names an attribute twice (got {names})")
    return names


def _scores(data: Any, columns: Sequence[str], *, scale: tuple[float, float], what: str,
            missing: str = "raise", min_rows: int = 2, integer: bool = False) -> pd.DataFrame:
    """*columns* as floats, every value on *scale*: columns with no answers, off-scale values, all at once."""
    check_frame(data, what, error=SatisfactionError)
    check_choice(missing, "missing", ("raise", "drop"), error=SatisfactionError)
    columns = list(dict.fromkeys(columns))
    check_columns(data, columns, what=what, error=SatisfactionError)
    values = numeric_columns(data, columns, what=what, missing="keep", min_rows=0, error=SatisfactionError)
    low, high = scale
    problems = []
    for col in columns:
        x = values[col]
        if x.notna().sum() == 0:
            problems.append(f"column {col!r} has no answers (all {len(x)} rows empty)")
            continue
        bad = x.notna() & ((x < low) | (x > high) | ((x != np.round(x)) if integer else False))
        if bad.any():
            kind = "whole numbers" if integer else "values"
            problems.append(f"column {col!r} must hold {kind} from {low:g} to {high:g}: rows {rows_text(x.index[bad])} "
                            f"hold {', '.join(f'{v:g}' for v in pd.unique(x[bad])[:3])}")
        gaps = x.isna()
        if missing == "raise" and gaps.any():
            problems.append(f"column {col!r} has {int(gaps.sum())} missing values (rows {rows_text(x.index[gaps])})")
    if problems:
        hint = " — drop or impute them first, or pass missing='drop'" if any("missing" in p for p in problems) else ""
        raise SatisfactionError(f"{what}: " + "; ".join(problems) + hint)
    if len(values) < min_rows:
        raise SatisfactionError(f"{what}: needs at least {min_rows} rows (got {len(values)})")
    return values


def _t_interval(x: np.ndarray, confidence: float) -> tuple[float, float, float, float, float]:
    """Mean, se, t interval and df of a 1-D sample."""
    n = x.size
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    crit = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) if n > 1 else math.nan
    return mean, se, mean - crit * se, mean + crit * se, float(n - 1)


def _label(name: str) -> str:
    """Human label of an attribute or group: the suite's one label map (:func:`crm_lab.plots.label`)."""
    from .plots import label

    return label(name)


# --------------------------------------------------------------------------
# C = b / a
# --------------------------------------------------------------------------
def index(perceived: Any, expected: Any, *, cuts: Sequence[float] = (0.5, 0.9, 1.1)) -> pd.DataFrame:
    """The satisfaction index C = b / a of the material, with its level.

    Parameters
    ----------
    perceived : array-like or Series
        b, the perceived value (感知值), e.g. ``survey["perc_venue"]``.
    expected : array-like or Series
        a, the expected value (期望值), same length; must be > 0.
    cuts : (float, float, float), default (0.5, 0.9, 1.1)
        The cut-points between the four levels, increasing (see Notes).

    Returns
    -------
    DataFrame
        One row per answer (the index of *perceived* when it is a Series):
        ``perceived, expected, index`` (C) and ``level`` (ordered categorical
        of :data:`LEVELS`).

    Raises
    ------
    SatisfactionError
        Different lengths, missing values, or zero or negative expectations
        (naming the rows).

    Notes
    -----
    :math:`C = b / a`.  THEORY.md §3 names four levels: C = 0 (expectation
    wholly unmet) extremely dissatisfied, C < 1 dissatisfied, C ≈ 1
    satisfied, C > 1 highly satisfied.  "≈" and "= 0" need explicit
    cut-points; with ``cuts = (c1, c2, c3)`` the levels are the half-open
    intervals

    * extremely dissatisfied: :math:`0 \\le C < c_1` (less than half the
      expectation met, by default),
    * dissatisfied: :math:`c_1 \\le C < c_2`,
    * satisfied: :math:`c_2 \\le C < c_3` (within ±10 % of the expectation),
    * highly satisfied: :math:`C \\ge c_3`.

    On a 1–7 scale no ratio of two different answers lies in [0.9, 1.1)
    (the closest are 6/7 ≈ 0.857 and 7/6 ≈ 1.167), so "satisfied" means
    b = a exactly; and C is a ratio of ordinal scores whose value depends on
    where the scale starts (1–7 vs 0–6) and explodes for small a — the
    weaknesses the notebook discusses.  Tested against hand-computed ratios
    and levels at each cut-point.

    References
    ----------
    Oliver, R. L. (1980). A cognitive model of the antecedents and
    consequences of satisfaction decisions. *Journal of Marketing
    Research*, 17(4), 460–469.

    Examples
    --------
    >>> index([7, 5, 2, 4], [5, 5, 6, 4])[["index", "level"]].round(3).values.tolist()
    [[1.4, 'highly satisfied'], [1.0, 'satisfied'], [0.333, 'extremely dissatisfied'], [1.0, 'satisfied']]
    """
    cuts = tuple(cuts) if isinstance(cuts, (tuple, list)) else cuts
    if (not isinstance(cuts, tuple) or len(cuts) != 3
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and c > 0 for c in cuts)
            or not cuts[0] < cuts[1] < cuts[2]):
        raise SatisfactionError(f"'cuts' must be three increasing positive numbers (got {cuts!r})")
    b = numeric_values(perceived, "perceived", error=SatisfactionError)
    a = numeric_values(expected, "expected", error=SatisfactionError)
    if len(a) != len(b):
        raise SatisfactionError(f"'perceived' and 'expected' must have the same length (got {len(b)} and {len(a)})")
    a.index = b.index
    problems = []
    if (b < 0).any():
        problems.append(f"'perceived' must be >= 0: rows {rows_text(b.index[b < 0])}")
    if (a <= 0).any():
        problems.append(f"'expected' must be > 0 (C = b/a divides by it): rows {rows_text(a.index[a <= 0])} "
                        f"hold {', '.join(f'{v:g}' for v in pd.unique(a[a <= 0])[:3])}")
    raise_problems(problems, what="index", error=SatisfactionError)
    c = b / a
    level = pd.cut(c, [-np.inf, *cuts, np.inf], right=False, labels=list(LEVELS))
    return pd.DataFrame({"perceived": b, "expected": a, "index": c, "level": level}, index=b.index)


def index_table(data: pd.DataFrame, attributes: Sequence[str] | None = None, *,
                cuts: Sequence[float] = (0.5, 0.9, 1.1), scale: tuple[float, float] = _SCALE) -> pd.DataFrame:
    """C = b / a per service attribute: its mean, the ratio of means, and the share at each level.

    Parameters
    ----------
    data : DataFrame
        The survey: ``exp_<attribute>`` and ``perc_<attribute>`` columns.
    attributes : sequence of str, optional
        Default every attribute of :data:`crm_lab.schema.SATISFACTION_ATTRIBUTES`.
    cuts : (float, float, float)
        Level cut-points, as in :func:`index`.
    scale : (min, max), default (1, 7)

    Returns
    -------
    DataFrame
        One row per attribute (index ``attribute``): ``mean_index`` (mean of
        the respondents' C), ``ratio_of_means`` (mean b / mean a, which is
        not the same), ``n`` and one column per level of :data:`LEVELS` (share
        of respondents).  Tested against :func:`index` applied column by column.

    Examples
    --------
    >>> d = pd.DataFrame({"exp_venue": [5, 5, 4], "perc_venue": [5, 6, 2]})
    >>> index_table(d, ["venue"]).loc["venue", ["mean_index", "ratio_of_means"]].round(3).tolist()
    [0.9, 0.929]
    """
    names = _attributes(attributes)
    scale = _check_scale(scale)
    exp, perc = attribute_columns(names, "expectation"), attribute_columns(names, "perception")
    values = _scores(data, exp + perc, scale=scale, what="index_table", missing="drop")
    rows = []
    for attr, e, p in zip(names, exp, perc):
        pair = values[[e, p]].dropna()
        c = index(pair[p], pair[e], cuts=cuts)
        shares = c["level"].value_counts(normalize=True).reindex(list(LEVELS), fill_value=0.0)
        rows.append({"attribute": attr, "mean_index": float(c["index"].mean()),
                     "ratio_of_means": float(pair[p].mean() / pair[e].mean()), "n": len(pair), **shares.to_dict()})
    return pd.DataFrame(rows).set_index("attribute")


# --------------------------------------------------------------------------
# expectation-disconfirmation: the service gap per attribute
# --------------------------------------------------------------------------
def _dz_interval(t: float, df: float, n: int, confidence: float) -> tuple[float, float]:
    """Exact interval of d_z = t / sqrt(n) by inverting the noncentral t (Steiger & Fouladi 1997)."""
    alpha = 1 - confidence

    def bound(target: float) -> float:
        def f(ncp: float) -> float:
            p = float(sps.nct.cdf(t, df, ncp))
            if math.isnan(p):  # far tails, where scipy's nct can fail: the cdf is there 0 or 1
                p = 0.0 if ncp > t else 1.0
            return p - target

        width = 8 * math.sqrt(1 + t**2 / (2 * df)) + 1  # the normal approximation's SD of t, times 8
        return optimize.brentq(f, t - width, t + width, xtol=1e-10)

    return bound(1 - alpha / 2) / math.sqrt(n), bound(alpha / 2) / math.sqrt(n)


def disconfirmation(data: pd.DataFrame, attributes: Sequence[str] | None = None, *, confidence: float = 0.95,
                    adjust: str = "holm", scale: tuple[float, float] = _SCALE,
                    missing: str = "raise") -> SatisfactionResult:
    """The service gap perception − expectation per attribute: paired t, d_z, adjusted p.

    Parameters
    ----------
    data : DataFrame
        The survey: ``exp_<attribute>`` and ``perc_<attribute>`` columns on *scale*.
    attributes : sequence of str, optional
        Default every attribute of :data:`crm_lab.schema.SATISFACTION_ATTRIBUTES`.
    confidence : float, default 0.95
    adjust : str, default "holm"
        Any ``method`` of :func:`statsmodels.stats.multitest.multipletests`
        (``"holm"``, ``"bonferroni"``, ``"fdr_bh"``), or ``"none"``.
    scale : (min, max), default (1, 7)
        Answers outside it are an error.
    missing : {"raise", "drop"}, default "raise"
        ``"drop"`` uses, per attribute, the respondents who answered both
        questions (pairwise deletion; ``n`` says how many).

    Returns
    -------
    SatisfactionResult
        One row per attribute (index ``attribute``): ``estimate`` = mean gap
        (perception − expectation, scale points), ``se``, ``ci_low, ci_high``
        (paired t interval), ``statistic`` = t, ``df`` = n − 1, ``p_value``
        (unadjusted, two-sided); then ``p_adjusted``, ``d_z`` with
        ``d_z_ci_low, d_z_ci_high``, ``expectation``, ``perception`` (means)
        and ``n``.

    Notes
    -----
    Oliver's (1980) expectation–disconfirmation: satisfaction follows the
    comparison of performance with expectation; a negative gap is the
    "service gap" of Parasuraman, Zeithaml & Berry (1985) as customers see
    it (their gap 5).  With :math:`g_i = b_i - a_i`,
    :math:`t = \\bar g / (s_g / \\sqrt n)` on n − 1 df, and the
    standardised effect :math:`d_z = \\bar g / s_g = t / \\sqrt n`, whose
    exact interval inverts the noncentral t distribution (Steiger & Fouladi
    1997; Cumming 2012).  Testing eight attributes at once, the p-values are
    adjusted by Holm's (1979) step-down method, which controls the
    family-wise error rate without Bonferroni's loss of power.  Tested
    against :func:`scipy.stats.ttest_rel` and a hand-computed Holm
    adjustment, and on a simulated market against the planted gaps
    (:func:`planted_attribute_means`).

    References
    ----------
    Oliver, R. L. (1980). A cognitive model of the antecedents and
    consequences of satisfaction decisions. *Journal of Marketing
    Research*, 17(4), 460–469.

    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1985). A conceptual
    model of service quality and its implications for future research.
    *Journal of Marketing*, 49(4), 41–50.

    Holm, S. (1979). A simple sequentially rejective multiple test
    procedure. *Scandinavian Journal of Statistics*, 6(2), 65–70.

    Steiger, J. H., & Fouladi, R. T. (1997). Noncentrality interval
    estimation and the evaluation of statistical models. In L. L. Harlow et
    al. (Eds.), *What If There Were No Significance Tests?* (pp. 221–257).
    Mahwah, NJ: Erlbaum.

    Examples
    --------
    >>> d = pd.DataFrame({"exp_venue": [5, 6, 4, 5, 6], "perc_venue": [6, 6, 5, 7, 6]})
    >>> r = disconfirmation(d, ["venue"])
    >>> r.table.loc["venue", ["estimate", "statistic", "df"]].round(3).tolist()
    [0.8, 2.138, 4.0]
    """
    from statsmodels.stats.multitest import multipletests

    confidence = check_confidence(confidence, error=SatisfactionError)
    names = _attributes(attributes)
    scale = _check_scale(scale)
    if adjust != "none":
        try:
            multipletests([0.5], method=adjust)
        except ValueError:
            raise SatisfactionError(f"'adjust' must be 'none' or a method of statsmodels' multipletests such as "
                                    f"'holm', 'bonferroni', 'fdr_bh' (got {adjust!r})") from None
    exp, perc = attribute_columns(names, "expectation"), attribute_columns(names, "perception")
    values = _scores(data, exp + perc, scale=scale, what="disconfirmation", missing=missing)
    rows, short = [], []
    for attr, e, p in zip(names, exp, perc):
        pair = values[[e, p]].dropna()
        if len(pair) < 3:
            short.append(f"attribute {attr!r} has {len(pair)} complete pairs of {e!r} and {p!r} (needs 3)")
            continue
        gap = (pair[p] - pair[e]).to_numpy()
        mean, se, low, high, df = _t_interval(gap, confidence)
        if not se > 0:
            short.append(f"attribute {attr!r}: every respondent has the same gap ({mean:g}); t is undefined")
            continue
        t = mean / se
        dz_low, dz_high = _dz_interval(t, df, gap.size, confidence)
        rows.append({"attribute": attr, "estimate": mean, "se": se, "ci_low": low, "ci_high": high, "statistic": t,
                     "df": df, "p_value": float(2 * sps.t.sf(abs(t), df)), "d_z": t / math.sqrt(gap.size),
                     "d_z_ci_low": dz_low, "d_z_ci_high": dz_high, "expectation": float(pair[e].mean()),
                     "perception": float(pair[p].mean()), "n": gap.size})
    raise_problems(short, what="disconfirmation", error=SatisfactionError)
    frame = pd.DataFrame(rows).set_index("attribute")
    p = frame["p_value"].to_numpy()
    frame["p_adjusted"] = p if adjust == "none" else multipletests(p, method=adjust)[1]
    extras = ("p_adjusted", "d_z", "d_z_ci_low", "d_z_ci_high", "expectation", "perception", "n")
    return _result(frame, index=frame.index, name="attribute", extras=extras, n=len(values), confidence=confidence,
                   method=(f"paired t-test of perception - expectation per attribute; d_z with noncentral-t interval; "
                           f"p adjusted for {len(frame)} tests by {adjust}"),
                   citation=f"{_CITE['oliver']}; {_CITE['pzb']}; {_CITE['holm']}; {_CITE['dz']}",
                   title="Expectation-disconfirmation: service gap per attribute", adjust=adjust,
                   units="scale points (perception - expectation)")


# --------------------------------------------------------------------------
# importance-performance analysis
# --------------------------------------------------------------------------
def _quadrant_names(high_imp: np.ndarray, high_perf: np.ndarray) -> np.ndarray:
    return np.where(high_imp, np.where(high_perf, _QUADRANT_ORDER[1], _QUADRANT_ORDER[0]),
                    np.where(high_perf, _QUADRANT_ORDER[3], _QUADRANT_ORDER[2]))


def _quadrant_codes(imp: np.ndarray, perf: np.ndarray, imp_cross: Any, perf_cross: Any) -> np.ndarray:
    """Quadrant codes 0..3 in :data:`_QUADRANT_ORDER` (ties count as high), broadcasting over leading axes."""
    hi, hp = imp >= imp_cross, perf >= perf_cross
    return np.where(hi, np.where(hp, 1, 0), np.where(hp, 3, 2))


def _row_corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of x (..., n, k) with y (..., n), over the n axis."""
    xc = x - x.mean(axis=-2, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    num = np.einsum("...nk,...n->...k", xc, yc)
    den = np.sqrt((xc**2).sum(axis=-2) * (yc**2).sum(axis=-1)[..., None])
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _crosshairs(imp: np.ndarray, perf: np.ndarray, crosshair: str, importance: str,
                scale: tuple[float, float]) -> tuple[Any, Any]:
    """(importance, performance) crosshairs; works on the last axis (attributes) of stacked arrays."""
    if crosshair == "mean":
        return imp.mean(axis=-1, keepdims=imp.ndim > 1), perf.mean(axis=-1, keepdims=perf.ndim > 1)
    mid = (scale[0] + scale[1]) / 2
    if importance == "stated":
        return mid, mid
    lo, hi = imp.min(axis=-1, keepdims=imp.ndim > 1), imp.max(axis=-1, keepdims=imp.ndim > 1)
    return (lo + hi) / 2, mid


def _ipa_inputs(data, names, importance, outcome, scale, what):
    perc = attribute_columns(names, "perception")
    cols = perc + (attribute_columns(names, "importance") if importance == "stated" else [outcome])
    values = _scores(data, cols, scale=scale, what=what, missing="raise", min_rows=3)
    x = values[perc].to_numpy()
    y = values[cols[len(perc):]].to_numpy()
    return x, (y if importance == "stated" else y[:, 0]), len(values)


def ipa(data: pd.DataFrame, attributes: Sequence[str] | None = None, *, importance: str = "stated",
        crosshair: str = "mean", scale: tuple[float, float] = _SCALE, outcome: str = _OVERALL,
        confidence: float = 0.95) -> SatisfactionResult:
    """Importance–performance analysis: each attribute's quadrant (Martilla & James 1977).

    Parameters
    ----------
    data : DataFrame
        The survey: ``perc_<attribute>`` (performance) and, for stated
        importance, ``imp_<attribute>`` columns; for derived importance the
        *outcome* column.  No missing values.
    attributes : sequence of str, optional
        Default every attribute of :data:`crm_lab.schema.SATISFACTION_ATTRIBUTES`.
    importance : {"stated", "derived"}, default "stated"
        ``"stated"``: the mean answer to the importance question;
        ``"derived"``: the Pearson correlation of the attribute's perception
        with *outcome* (overall satisfaction).
    crosshair : {"mean", "midpoint"}, default "mean"
        Where the grid is split: the grand means of the attributes'
        importance and performance (the "data-centred" convention), or the
        middle of the rating scale (Martilla & James' original placement).
        For derived importance, ``"midpoint"`` splits the importance axis
        half-way between the smallest and largest correlation (a correlation
        has no scale midpoint).
    scale : (min, max), default (1, 7)
    outcome : str, default "overall_sat"
        The overall-satisfaction column for derived importance.
    confidence : float, default 0.95

    Returns
    -------
    SatisfactionResult
        One row per attribute (index ``attribute``): ``estimate`` =
        performance (mean perception), ``se``, ``ci_low, ci_high`` (t
        interval); then ``importance`` with ``importance_ci_low,
        importance_ci_high`` (t interval of the mean, or Fisher-z interval
        of the correlation), ``quadrant`` and ``n``.  ``meta`` holds the
        crosshairs used (``importance_crosshair``, ``performance_crosshair``)
        and both conventions' values (``crosshairs``), for :func:`plot_ipa`.

    Notes
    -----
    Quadrants (importance, performance): high, low — *concentrate here*;
    high, high — *keep up the good work*; low, low — *low priority*; low,
    high — *possible overkill*.  A value exactly on a crosshair counts as
    high.  Derived importance is the zero-order correlation, not a multiple
    regression weight: the perceptions are correlated (a halo of overall
    satisfaction), so regression weights are unstable and can turn
    negative, while the correlation answers "how closely does this
    attribute move with overall satisfaction".  Tested against hand-computed
    means, correlations and quadrants, and on a simulated market against
    the quadrants of the planted means (:func:`planted_attribute_means`).

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance
    analysis. *Journal of Marketing*, 41(1), 77–79.

    Examples
    --------
    >>> d = pd.DataFrame({"imp_venue": [7, 6, 7], "perc_venue": [3, 4, 3],
    ...                   "imp_staff": [3, 4, 3], "perc_staff": [6, 6, 7]})
    >>> ipa(d, ["venue", "staff"]).table["quadrant"].tolist()
    ['concentrate here', 'possible overkill']
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    check_choice(importance, "importance", ("stated", "derived"), error=SatisfactionError)
    check_choice(crosshair, "crosshair", ("mean", "midpoint"), error=SatisfactionError)
    names = _attributes(attributes)
    scale = _check_scale(scale)
    x, y, n = _ipa_inputs(data, names, importance, outcome, scale, "ipa")
    perf = x.mean(axis=0)
    crit = sps.t.ppf(0.5 + confidence / 2, n - 1)
    perf_se = x.std(axis=0, ddof=1) / math.sqrt(n)
    if importance == "stated":
        imp = y.mean(axis=0)
        imp_se = y.std(axis=0, ddof=1) / math.sqrt(n)
        imp_low, imp_high = imp - crit * imp_se, imp + crit * imp_se
    else:
        imp = _row_corr(x, y)
        if not np.isfinite(imp).all():
            flat = [a for a, r in zip(names, imp) if not np.isfinite(r)]
            raise SatisfactionError(f"ipa: derived importance is undefined for {flat}: the perception or "
                                    f"{outcome!r} does not vary")
        z = np.arctanh(np.clip(imp, -0.999999, 0.999999))
        zc = sps.norm.ppf(0.5 + confidence / 2) / math.sqrt(n - 3) if n > 3 else np.nan
        imp_low, imp_high = np.tanh(z - zc), np.tanh(z + zc)
    both = {c: [float(v) for v in np.ravel(_crosshairs(imp, perf, c, importance, scale))] for c in ("mean", "midpoint")}
    imp_cross, perf_cross = both[crosshair]
    quadrant = _quadrant_names(imp >= imp_cross, perf >= perf_cross)
    rows = {"estimate": perf, "se": perf_se, "ci_low": perf - crit * perf_se, "ci_high": perf + crit * perf_se,
            "df": float(n - 1), "importance": imp, "importance_ci_low": imp_low, "importance_ci_high": imp_high,
            "quadrant": quadrant, "n": n}
    how = ("mean stated importance" if importance == "stated"
           else f"derived importance: Pearson correlation of perception with {outcome!r} (Fisher-z interval)")
    return _result(rows, index=names, name="attribute",
                   extras=("importance", "importance_ci_low", "importance_ci_high", "quadrant", "n"), n=n,
                   confidence=confidence,
                   method=f"importance-performance grid; {how}; crosshair at the {'grand means' if crosshair == 'mean' else 'scale midpoint'}",
                   citation=_CITE["ipa"], title="Importance-performance analysis", importance=importance,
                   crosshair=crosshair, importance_crosshair=imp_cross, performance_crosshair=perf_cross,
                   crosshairs=both, scale=list(scale), outcome=outcome if importance == "derived" else None)


def compare_importance(data: pd.DataFrame, attributes: Sequence[str] | None = None, *, crosshair: str = "mean",
                       scale: tuple[float, float] = _SCALE, outcome: str = _OVERALL) -> pd.DataFrame:
    """Stated against derived importance: ranks and quadrants side by side, and where they disagree.

    Parameters
    ----------
    data, attributes, crosshair, scale, outcome
        As in :func:`ipa` (both importance columns and *outcome* needed).

    Returns
    -------
    DataFrame
        One row per attribute (index ``attribute``): ``performance``,
        ``stated``, ``derived`` (the two importances), ``rank_stated``,
        ``rank_derived`` (1 = most important), ``quadrant_stated``,
        ``quadrant_derived`` and ``agree`` (same quadrant).  ``attrs``
        holds the Spearman correlation of the two importances
        (``"spearman"``).

    Notes
    -----
    Customers tend to call every attribute important (stated importance is
    compressed near the top of the scale), while derived importance says
    which attributes actually move with overall satisfaction; attributes
    on which the two disagree are the interesting ones.  Tested against two
    :func:`ipa` calls.

    Examples
    --------
    >>> d = pd.DataFrame({"imp_venue": [7, 6, 7, 6], "perc_venue": [3, 4, 3, 5],
    ...                   "imp_staff": [3, 4, 3, 4], "perc_staff": [6, 6, 7, 5], "overall_sat": [5, 4, 6, 3]})
    >>> compare_importance(d, ["venue", "staff"])["agree"].tolist()
    [False, False]
    """
    stated = ipa(data, attributes, importance="stated", crosshair=crosshair, scale=scale)
    derived = ipa(data, attributes, importance="derived", crosshair=crosshair, scale=scale, outcome=outcome)
    out = pd.DataFrame({
        "performance": stated.table["estimate"],
        "stated": stated.table["importance"],
        "derived": derived.table["importance"],
    })
    out["rank_stated"] = out["stated"].rank(ascending=False, method="min").astype(int)
    out["rank_derived"] = out["derived"].rank(ascending=False, method="min").astype(int)
    out["quadrant_stated"] = stated.table["quadrant"]
    out["quadrant_derived"] = derived.table["quadrant"]
    out["agree"] = out["quadrant_stated"] == out["quadrant_derived"]
    out.attrs["spearman"] = float(sps.spearmanr(out["stated"], out["derived"]).statistic) if len(out) > 2 else math.nan
    return out


def _ipa_codes(x: np.ndarray, y: np.ndarray, importance: str, crosshair: str, scale) -> np.ndarray:
    """Quadrant codes of stacked samples x (..., n, k), y (..., n[, k])."""
    perf = x.mean(axis=-2)
    imp = y.mean(axis=-2) if importance == "stated" else _row_corr(x, y)
    imp_cross, perf_cross = _crosshairs(imp, perf, crosshair, importance, scale)
    return _quadrant_codes(imp, perf, imp_cross, perf_cross)


def ipa_stability(data: pd.DataFrame, attributes: Sequence[str] | None = None, *, importance: str = "stated",
                  crosshair: str = "mean", scale: tuple[float, float] = _SCALE, outcome: str = _OVERALL,
                  n_boot: int = 1000, confidence: float = 0.95, rng: Any = None) -> SatisfactionResult:
    """How often each attribute stays in its IPA quadrant when the respondents are resampled.

    Parameters
    ----------
    data, attributes, importance, crosshair, scale, outcome
        As in :func:`ipa`.
    n_boot : int, default 1000
        Bootstrap resamples.
    confidence : float, default 0.95
        Level of the Wilson interval of each share (its Monte Carlo
        uncertainty).
    rng : int, Generator or None
        Seed or generator (SPEC 7).

    Returns
    -------
    SatisfactionResult
        One row per attribute: ``estimate`` = share of resamples in which
        the attribute falls in its full-sample quadrant, ``se`` (binomial),
        ``ci_low, ci_high`` (Wilson); then ``quadrant`` (full sample), one
        column per quadrant (share of resamples there) and ``n``.  ``meta``
        holds ``all_stable``: the share of resamples in which every
        attribute keeps its quadrant.

    Notes
    -----
    Each resample recomputes the performance means, the importances and —
    for ``crosshair="mean"`` — the crosshairs themselves, so an attribute
    near a crosshair flips often.  The statistic is vectorised over the
    resamples of each chunk (:func:`crm_lab.resampling.bootstrap`).  Tested
    against a loop of :func:`ipa` calls on the same resampled rows.

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance
    analysis. *Journal of Marketing*, 41(1), 77–79.

    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the
    Bootstrap*. New York: Chapman & Hall.

    Examples
    --------
    >>> d = pd.DataFrame({"imp_venue": [7, 6, 7, 6], "perc_venue": [3, 4, 3, 2],
    ...                   "imp_staff": [3, 4, 3, 2], "perc_staff": [6, 6, 7, 6]})
    >>> ipa_stability(d, ["venue", "staff"], n_boot=200, rng=1).table["estimate"].tolist()
    [1.0, 1.0]
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    n_boot = check_integer(n_boot, "n_boot", low=10, error=SatisfactionError)
    full = ipa(data, attributes, importance=importance, crosshair=crosshair, scale=scale, outcome=outcome)
    names = list(full.table.index)
    x, y, n = _ipa_inputs(data, names, importance, outcome, _check_scale(scale), "ipa_stability")
    ref = np.array([_QUADRANT_ORDER.index(q) for q in full.table["quadrant"]])
    k = len(names)

    def statistic(idx: np.ndarray) -> np.ndarray:
        return _ipa_codes(x[idx], y[idx], importance, crosshair, scale)

    boot = bootstrap(statistic, n, n_boot=n_boot, rng=rng, cells_per_draw=2 * k if importance == "stated" else k + 1)
    codes = boot.draws.astype(int)  # (n_boot, k)
    stay = codes == ref
    rows = []
    for j in range(k):
        hits = int(stay[:, j].sum())
        share, low, high = proportion_ci(hits, n_boot, confidence=confidence)
        rows.append({"estimate": share, "se": math.sqrt(share * (1 - share) / n_boot), "ci_low": low, "ci_high": high,
                     "quadrant": full.table["quadrant"].iloc[j], "n": n,
                     **{q: float(np.mean(codes[:, j] == i)) for i, q in enumerate(_QUADRANT_ORDER)}})
    return _result(pd.DataFrame(rows), index=names, name="attribute", extras=("quadrant", *_QUADRANT_ORDER, "n"),
                   n=n, confidence=confidence,
                   method=(f"bootstrap of respondents ({n_boot} resamples): share of resamples in the full-sample "
                           f"quadrant ({importance} importance, {crosshair} crosshair); Wilson interval"),
                   citation=_CITE["ipa"], title="IPA quadrant stability", n_boot=n_boot,
                   all_stable=float(stay.all(axis=1).mean()))


def ipa_sample_size(data: pd.DataFrame, attributes: Sequence[str] | None = None, *, sizes: Sequence[int],
                    reps: int = 200, target: float = 0.8, importance: str = "stated", crosshair: str = "mean",
                    scale: tuple[float, float] = _SCALE, outcome: str = _OVERALL, confidence: float = 0.95,
                    rng: Any = None) -> SatisfactionResult:
    """How many respondents an IPA needs before each attribute's quadrant is stable, by subsampling.

    Parameters
    ----------
    data, attributes, importance, crosshair, scale, outcome
        As in :func:`ipa`.  The full sample's quadrants serve as the truth.
    sizes : sequence of int
        Subsample sizes to simulate, each smaller than the number of respondents.
    reps : int, default 200
        Subsamples per size.
    target : float, default 0.8
        The share of subsamples that must reproduce the quadrant.
    confidence : float, default 0.95
        Level of the Wilson interval of each share.
    rng : int, Generator or None

    Returns
    -------
    SatisfactionResult
        One row per attribute and a last row ``all`` (every attribute at
        once): ``estimate`` = the smallest simulated size whose stability
        reaches *target* (NaN when none does), then ``quadrant`` and
        ``stability_at_max`` (the share at the largest size).  ``details``
        is the curve: ``n, attribute, stability, ci_low, ci_high,
        mean_estimate, reps``.

    Notes
    -----
    Each subsample draws *n* respondents without replacement and redoes the
    IPA (:func:`crm_lab.power.power_by_simulation` runs the sizes, with
    the share of subsamples that keep the full-sample quadrant in place of
    a rejection rate, and :func:`crm_lab.power.smallest_n` reads off the
    answer).  Subsamples of a finite sample agree with it more and more as
    *n* approaches its size, so keep *sizes* well below it (at most about
    half); the answer is then a lower bound for a fresh sample of the same
    market.  Tested on a simulated market: stability grows with n.

    References
    ----------
    Politis, D. N., Romano, J. P., & Wolf, M. (1999). *Subsampling*. New
    York: Springer.

    Examples
    --------
    >>> d = pd.DataFrame({"imp_venue": [7, 6, 7, 6] * 10, "perc_venue": [3, 4, 3, 2] * 10,
    ...                   "imp_staff": [3, 4, 3, 2] * 10, "perc_staff": [6, 6, 7, 6] * 10})
    >>> ipa_sample_size(d, ["venue", "staff"], sizes=[5, 10], reps=50, rng=0).table["estimate"].tolist()
    [5.0, 5.0, 5.0]
    """
    reps = check_integer(reps, "reps", low=10, error=SatisfactionError)
    target = check_number(target, "target", low=0, high=1, low_open=True, error=SatisfactionError)
    confidence = check_confidence(confidence, error=SatisfactionError)
    full = ipa(data, attributes, importance=importance, crosshair=crosshair, scale=scale, outcome=outcome)
    names = list(full.table.index)
    x, y, n_all = _ipa_inputs(data, names, importance, outcome, _check_scale(scale), "ipa_sample_size")
    sizes = [check_integer(s, "sizes", low=4, high=n_all - 1, error=SatisfactionError) for s in np.atleast_1d(sizes).tolist()]
    ref = np.array([_QUADRANT_ORDER.index(q) for q in full.table["quadrant"]])

    def simulate_test(n: int, reps: int, rng: np.random.Generator):
        idx = np.argsort(rng.random((reps, n_all)), axis=1)[:, :n]
        stay = _ipa_codes(x[idx], y[idx], importance, crosshair, scale) == ref
        return np.column_stack([stay, stay.all(axis=1)]), None

    terms = [*names, "all"]
    curve = power_by_simulation(simulate_test, sizes, reps=reps, terms=terms, confidence=confidence, rng=rng, min_n=4)
    curve = curve.rename(columns={"term": "attribute", "power": "stability"})
    needed = smallest_n(curve, target=target, column="stability", by="attribute")
    at_max = curve[curve["n"] == max(sizes)].set_index("attribute")["stability"]
    rows = {"estimate": needed.reindex(terms).to_numpy(),
            "quadrant": [*full.table["quadrant"], "(all attributes)"],
            "stability_at_max": at_max.reindex(terms).to_numpy()}
    return _result(rows, index=terms, name="attribute", extras=("quadrant", "stability_at_max"), n=n_all,
                   confidence=confidence,
                   method=(f"subsampling without replacement ({reps} subsamples per size): share keeping the "
                           f"full-sample quadrant; smallest simulated size reaching {target:g}"),
                   citation=_CITE["ipa"], title="Respondents needed for a stable IPA", target=target, sizes=sizes,
                   details=curve)


# --------------------------------------------------------------------------
# ACSI-style index
# --------------------------------------------------------------------------
def acsi_index(data: pd.DataFrame, items: Sequence[str], *, weights: Any = None, scale: tuple[float, float] = _SCALE,
               outcome: str | None = None, confidence: float = 0.95, missing: str = "raise") -> SatisfactionResult:
    """An ACSI-style 0–100 satisfaction index: 100 · Σ wᵢ (x̄ᵢ − min) / (max − min).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : sequence of str
        The item columns (e.g. the ``perc_*`` columns, or ``overall_sat``).
    weights : None, mapping, sequence or "regression"
        ``None``: equal weights; a mapping item -> weight or a sequence in
        the order of *items* (non-negative, rescaled to sum to 1);
        ``"regression"``: the OLS coefficients of *outcome* on the items,
        negative ones set to 0 (with a warning), rescaled to sum to 1.
    scale : (min, max), default (1, 7)
    outcome : str, optional
        The outcome column for ``weights="regression"`` (e.g. ``"overall_sat"``).
    confidence : float, default 0.95
    missing : {"raise", "drop"}
        ``"drop"`` drops respondents with a missing item (listwise).

    Returns
    -------
    SatisfactionResult
        First row ``index``: ``estimate`` (0–100), ``se``, ``ci_low,
        ci_high`` (t interval, df n − 1); then one row per item with its own
        0–100 score and interval.  Extra columns ``weight`` and ``n``.
        ``meta["weights"]`` repeats the weights and how they were set;
        ``model`` is the statsmodels fit for ``weights="regression"``.

    Notes
    -----
    The index is the mean over respondents of
    :math:`s_r = 100\\sum_i w_i (x_{ri} - \\min)/(\\max - \\min)`, so its
    standard error is that of a mean.  The ACSI itself (Fornell et al.
    1996) estimates the weights of its satisfaction items with PLS in a
    structural model; "regression" is the simple stand-in, and the
    notebook shows how much the weights move the index.  Tested against a
    hand-computed index with equal and with given weights.

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E.
    (1996). The American Customer Satisfaction Index: Nature, purpose, and
    findings. *Journal of Marketing*, 60(4), 7–18.

    Examples
    --------
    >>> d = pd.DataFrame({"a": [7, 4], "b": [1, 4]})
    >>> float(acsi_index(d, ["a", "b"]).table.loc["index", "estimate"])
    50.0
    >>> round(float(acsi_index(d, ["a", "b"], weights=[3, 1]).table.loc["index", "estimate"]), 2)
    62.5
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    scale = _check_scale(scale)
    items = _attributes(items)
    if isinstance(weights, str):
        check_choice(weights, "weights", ("regression",), error=SatisfactionError)
        if outcome is None:
            raise SatisfactionError("acsi_index: weights='regression' needs 'outcome' (e.g. 'overall_sat')")
    cols = items + ([outcome] if isinstance(weights, str) else [])
    values = _scores(data, cols, scale=scale if not isinstance(weights, str) else (-np.inf, np.inf),
                     what="acsi_index", missing=missing)
    if isinstance(weights, str):
        _scores(data, items, scale=scale, what="acsi_index", missing=missing)
    values = values.dropna()
    if len(values) < 2:
        raise SatisfactionError(f"acsi_index: needs at least 2 complete respondents (got {len(values)})")
    model, how = None, "equal"
    if weights is None:
        w = np.full(len(items), 1 / len(items))
    elif isinstance(weights, str):
        import statsmodels.api as sm

        model = sm.OLS(values[outcome], sm.add_constant(values[items])).fit()
        raw = model.params[items].to_numpy()
        if (raw < 0).any():
            warnings.warn(f"acsi_index: negative regression weights set to 0 for "
                          f"{[i for i, r in zip(items, raw) if r < 0]}", UserWarning, stacklevel=2)
        raw = np.clip(raw, 0, None)
        if raw.sum() <= 0:
            raise SatisfactionError("acsi_index: every regression weight is <= 0; no index can be formed")
        w, how = raw / raw.sum(), f"OLS coefficients of {outcome!r} on the items, rescaled to sum to 1"
    else:
        if isinstance(weights, Mapping):
            unknown = sorted(set(weights) - set(items))
            absent = [i for i in items if i not in weights]
            if unknown or absent:
                raise SatisfactionError(f"acsi_index: 'weights' must name exactly the items {items} "
                                        f"(unknown: {unknown}, missing: {absent})")
            raw = np.array([weights[i] for i in items], dtype=float)
        else:
            raw = np.asarray(weights, dtype=float).ravel()
            if raw.size != len(items):
                raise SatisfactionError(f"acsi_index: 'weights' needs {len(items)} values, one per item (got {raw.size})")
        if not np.isfinite(raw).all() or (raw < 0).any() or raw.sum() <= 0:
            raise SatisfactionError(f"acsi_index: 'weights' must be non-negative and not all 0 (got {raw.tolist()})")
        w, how = raw / raw.sum(), "given, rescaled to sum to 1"
    low, high = scale
    rescaled = 100 * (values[items].to_numpy() - low) / (high - low)
    score = rescaled @ w
    rows = [_t_interval(score, confidence)] + [_t_interval(rescaled[:, j], confidence) for j in range(len(items))]
    frame = pd.DataFrame(rows, columns=["estimate", "se", "ci_low", "ci_high", "df"])
    frame["weight"] = [1.0, *w]
    frame["n"] = len(values)
    return _result(frame, index=["index", *items], name="term", extras=("weight", "n"), n=len(values),
                   confidence=confidence,
                   method=f"100 * sum w_i (mean_i - {low:g}) / ({high:g} - {low:g}); weights {how}; t interval",
                   citation=_CITE["acsi"], title="ACSI-style satisfaction index (0-100)", model=model,
                   weights={i: float(v) for i, v in zip(items, w)}, weighting=how)


# --------------------------------------------------------------------------
# the Net Promoter Score
# --------------------------------------------------------------------------
_NPS_PSEUDO = (0.75, 1.5, 0.75)  # Rocks (2016): detractors, passives, promoters


def nps_categories(scores: Any) -> pd.Series:
    """Detractor (0–6), passive (7–8) or promoter (9–10) for each 0–10 answer (ordered categorical).

    >>> nps_categories([0, 6, 7, 9, 10]).tolist()
    ['detractor', 'detractor', 'passive', 'promoter', 'promoter']
    """
    s = _nps_scores(scores, "scores")
    return pd.cut(s, [-0.5, 6.5, 8.5, 10.5], labels=["detractor", "passive", "promoter"])


def _nps_scores(scores: Any, name: str) -> pd.Series:
    s = numeric_values(scores, name, error=SatisfactionError)
    bad = (s < _NPS_LOW) | (s > _NPS_HIGH) | (s != np.round(s))
    if bad.any():
        raise SatisfactionError(f"{name!r} must be whole numbers from {_NPS_LOW} to {_NPS_HIGH}: rows "
                                f"{rows_text(s.index[bad])} hold {', '.join(f'{v:g}' for v in pd.unique(s[bad])[:3])}")
    return s


def nps(scores: Any, *, confidence: float = 0.95, method: str = "wald") -> NPSResult:
    """The Net Promoter Score with its standard error and a Wald or adjusted-Wald interval.

    Parameters
    ----------
    scores : array-like or Series of int 0–10
        Answers to "How likely is it that you would recommend the show to a
        peer?"; no missing values.
    confidence : float, default 0.95
    method : {"wald", "adjusted_wald"}, default "wald"
        See Notes; Rocks (2016) recommends ``"adjusted_wald"``, above all
        for small samples or scores near ±1.

    Returns
    -------
    NPSResult
        ``nps`` (= ``estimate``: share of promoters 9–10 minus share of
        detractors 0–6, on −1..1; ×100 for "points"), ``se``, ``ci_low``,
        ``ci_high``, ``promoters``, ``passives``, ``detractors``, ``n``.

    Notes
    -----
    NPS is the mean of a score that is +1 for a promoter, 0 for a passive
    and −1 for a detractor, so with shares :math:`p_+, p_-` its variance per
    respondent is :math:`(p_+ + p_-) - (p_+ - p_-)^2` (Rocks 2016, eq. 2)
    and :math:`SE = \\sqrt{\\operatorname{Var}/n}`.

    * ``"wald"``: :math:`NPS \\pm z\\,SE`.
    * ``"adjusted_wald"``: add pseudo-counts of 0.75 detractors, 1.5
      passives and 0.75 promoters (n + 3 answers), recompute the shares,
      the NPS and the SE from them, and centre the Wald interval on the
      adjusted NPS (Rocks 2016, the "Adjusted Wald" with 3/4, 3/2, 3/4).
      ``estimate`` stays the observed NPS; ``se`` is the adjusted one.

    Both intervals are clipped to [−1, 1].  Tested against the formulas of
    Rocks (2016) on a hand-computed case and against the covariance of
    :class:`scipy.stats.multinomial`.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard
    Business Review*, 81(12), 46–54.

    Rocks, B. (2016). Interval estimation for the "net promoter score".
    *The American Statistician*, 70(4), 365–372.

    Examples
    --------
    >>> r = nps([10, 9, 8, 7, 3, 0, 10, 10])
    >>> round(r.nps, 3), round(r.se, 4), r.n
    (0.25, 0.2932, 8)
    """
    s = _nps_scores(scores, "scores")
    return nps_from_counts(int((s <= 6).sum()), int(((s >= 7) & (s <= 8)).sum()), int((s >= 9).sum()),
                           confidence=confidence, method=method)


def nps_from_counts(detractors: int, passives: int, promoters: int, *, confidence: float = 0.95,
                    method: str = "wald") -> NPSResult:
    """The Net Promoter Score from published counts of detractors, passives and promoters.

    Parameters
    ----------
    detractors, passives, promoters : int
        Counts (answers 0–6, 7–8, 9–10), non-negative, at least one answer.
    confidence : float, default 0.95
    method : {"wald", "adjusted_wald"}, default "wald"

    Returns
    -------
    NPSResult
        As :func:`nps`.

    Notes
    -----
    See :func:`nps`.  Tested against a hand-computed case (the variance
    formula and the pseudo-counts of Rocks 2016).

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "net promoter score".
    *The American Statistician*, 70(4), 365–372.

    Examples
    --------
    >>> r = nps_from_counts(20, 30, 50, method="adjusted_wald")
    >>> round(r.nps, 2), round(r.ci_low, 4), round(r.ci_high, 4)
    (0.3, 0.1405, 0.442)
    """
    problems: list[str] = []
    counts = [check_integer(v, name, low=0, error=SatisfactionError, problems=problems)
              for name, v in (("detractors", detractors), ("passives", passives), ("promoters", promoters))]
    level = check_confidence(confidence, error=SatisfactionError, problems=problems)
    check_choice(method, "method", ("wald", "adjusted_wald"), error=SatisfactionError, problems=problems)
    raise_problems(problems, what="nps", error=SatisfactionError)
    n = sum(counts)
    if n < 1:
        raise SatisfactionError("nps: needs at least one answer (got 0 detractors, passives and promoters)")
    det, pas, pro = (c / n for c in counts)
    score = pro - det
    if method == "wald":
        centre, m = score, n
        var = (pro + det) - score**2
    else:
        adj = [c + a for c, a in zip(counts, _NPS_PSEUDO)]
        m = n + sum(_NPS_PSEUDO)
        a_det, a_pro = adj[0] / m, adj[2] / m
        centre = a_pro - a_det
        var = (a_pro + a_det) - centre**2
    se = math.sqrt(max(var, 0.0) / m)
    z = float(sps.norm.ppf(0.5 + level / 2))
    table = tidy_table({"estimate": [score], "se": [se], "ci_low": [max(centre - z * se, -1.0)],
                        "ci_high": [min(centre + z * se, 1.0)], "promoters": [pro], "passives": [pas],
                        "detractors": [det], "n": [n]},
                       index=["nps"], name="score", extras=("promoters", "passives", "detractors", "n"))
    how = ("Wald interval, variance (p+ + p-) - (p+ - p-)^2 per respondent" if method == "wald" else
           "adjusted Wald: 0.75 detractors, 1.5 passives, 0.75 promoters added (n + 3); interval centred on the adjusted NPS")
    meta = {"n": n, "confidence": level, "method": f"share of promoters (9-10) minus share of detractors (0-6); {how}",
            "citation": _CITE["nps"], "interval": method, "counts": {"detractors": counts[0], "passives": counts[1],
                                                                       "promoters": counts[2]}}
    return NPSResult(table=table, meta=meta)


# --------------------------------------------------------------------------
# the three rising levels, and who came back
# --------------------------------------------------------------------------
def _levels_frame(data: pd.DataFrame, satisfied_min: float, return_min: float, promoter_min: int,
                  what: str) -> pd.DataFrame:
    likert = _scores(data, [_OVERALL, _INTENT], scale=_SCALE, what=what, missing="raise")
    rec = _scores(data, [_NPS], scale=(_NPS_LOW, _NPS_HIGH), what=what, missing="raise", integer=True)[_NPS]
    sat = likert[_OVERALL] >= satisfied_min
    again = sat & (likert[_INTENT] >= return_min)
    recommend = again & (rec >= promoter_min)
    return pd.DataFrame({"satisfied": sat, "will exhibit again": again, "will recommend": recommend})


def _check_thresholds(satisfied_min, return_min, promoter_min):
    problems: list[str] = []
    check_number(satisfied_min, "satisfied_min", low=LIKERT_MIN, high=LIKERT_MAX, error=SatisfactionError, problems=problems)
    check_number(return_min, "return_min", low=LIKERT_MIN, high=LIKERT_MAX, error=SatisfactionError, problems=problems)
    check_integer(promoter_min, "promoter_min", low=_NPS_LOW, high=_NPS_HIGH, error=SatisfactionError, problems=problems)
    raise_problems(problems, what="thresholds", error=SatisfactionError)


def satisfaction_levels(data: pd.DataFrame, *, satisfied_min: float = 5, return_min: float = 5, promoter_min: int = 9,
                        confidence: float = 0.95) -> SatisfactionResult:
    """The three rising levels of satisfaction statements: satisfied; … will exhibit again; … will recommend.

    Parameters
    ----------
    data : DataFrame
        The survey: ``overall_sat``, ``intent_return`` (1–7) and ``nps`` (0–10).
    satisfied_min : float, default 5
        "I am satisfied": ``overall_sat >= satisfied_min`` (5 = somewhat
        satisfied on the 1–7 scale).
    return_min : float, default 5
        "… and I will exhibit again": also ``intent_return >= return_min``.
    promoter_min : int, default 9
        "… and I will recommend it": also ``nps >= promoter_min`` (a promoter).
    confidence : float, default 0.95

    Returns
    -------
    SatisfactionResult
        Three nested rows (each a subset of the one before): ``estimate`` =
        share of all respondents, ``ci_low, ci_high`` (Wilson); then
        ``count``, ``share_of_previous`` (the step's conditional share) and
        ``n``.  ``details`` holds the per-respondent flags.

    Notes
    -----
    THEORY.md §3: only the later statements separate loyal from merely
    satisfied customers.  Tested against hand-counted flags.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard
    Business Review*, 81(12), 46–54.

    Examples
    --------
    >>> d = pd.DataFrame({"overall_sat": [7, 6, 5, 2], "intent_return": [7, 3, 6, 7], "nps": [10, 9, 8, 10]})
    >>> satisfaction_levels(d).table["count"].tolist()
    [3, 2, 1]
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    _check_thresholds(satisfied_min, return_min, promoter_min)
    flags = _levels_frame(data, satisfied_min, return_min, promoter_min, "satisfaction_levels")
    n = len(flags)
    rows, previous = [], n
    for level in flags.columns:
        count = int(flags[level].sum())
        share, low, high = proportion_ci(count, n, confidence=confidence)
        rows.append({"estimate": share, "ci_low": low, "ci_high": high, "count": count,
                     "share_of_previous": count / previous if previous else math.nan, "n": n})
        previous = count
    return _result(pd.DataFrame(rows), index=list(flags.columns), name="level",
                   extras=("count", "share_of_previous", "n"), n=n, confidence=confidence,
                   method=(f"nested shares: overall_sat >= {satisfied_min:g}; and intent_return >= {return_min:g}; "
                           f"and nps >= {promoter_min}; Wilson intervals"),
                   citation=_CITE["nps"].split(";")[0], title="Three rising levels of satisfaction", details=flags,
                   thresholds={"satisfied_min": satisfied_min, "return_min": return_min, "promoter_min": promoter_min})


def _with_returns(survey: pd.DataFrame, participation: pd.DataFrame, what: str) -> pd.DataFrame:
    check_columns(survey, ["exhibitor_id", "edition"], what=what, error=SatisfactionError)
    numeric_columns(survey, ["edition"], what=f"{what}: survey", error=SatisfactionError)
    returns = next_edition_returns(participation)[["exhibitor_id", "edition", "returned"]]
    out = survey.reset_index().merge(returns, on=["exhibitor_id", "edition"], how="left", validate="one_to_one")
    out = out.set_index(out.columns[0])
    out.index.name = survey.index.name
    lost = out["returned"].isna()
    if lost.all():
        raise SatisfactionError(f"{what}: no surveyed exhibitor has a next edition in 'participation' "
                                f"(survey edition(s) {sorted(pd.unique(survey['edition']))[:3]})")
    if lost.any():
        warnings.warn(f"{what}: {int(lost.sum())} surveyed exhibitors have no next edition in 'participation' "
                      f"and are left out (rows {rows_text(out.index[lost])})", UserWarning, stacklevel=3)
    return out.loc[~lost].astype({"returned": int})


def return_by_level(survey: pd.DataFrame, participation: pd.DataFrame, *, satisfied_min: float = 5,
                    return_min: float = 5, promoter_min: int = 9, confidence: float = 0.95) -> SatisfactionResult:
    """What share of each satisfaction level actually exhibited at the next edition.

    Parameters
    ----------
    survey : DataFrame
        The survey (``exhibitor_id, edition, overall_sat, intent_return, nps``).
    participation : DataFrame
        The participation panel; "came back" is
        :func:`crm_lab.lifecycle.next_edition_returns` (the one definition).
    satisfied_min, return_min, promoter_min : thresholds
        As in :func:`satisfaction_levels`.
    confidence : float, default 0.95

    Returns
    -------
    SatisfactionResult
        Rows ``all respondents``, ``not satisfied`` and the three levels:
        ``estimate`` = share who came back, ``ci_low, ci_high`` (Wilson);
        then ``returned`` and ``n``.

    Notes
    -----
    Stated satisfaction and intention against behaviour: the gap between
    "will exhibit again" and coming back is the point (Jones & Sasser
    1995: satisfied customers defect).  Tested against hand-counted returns.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    _check_thresholds(satisfied_min, return_min, promoter_min)
    merged = _with_returns(survey, participation, "return_by_level")
    flags = _levels_frame(merged, satisfied_min, return_min, promoter_min, "return_by_level")
    groups = {"all respondents": pd.Series(True, index=flags.index), "not satisfied": ~flags["satisfied"],
              **{c: flags[c] for c in flags.columns}}
    rows, names = [], []
    for name, mask in groups.items():
        k = int(mask.sum())
        if k == 0:
            continue
        came = int(merged.loc[mask, "returned"].sum())
        share, low, high = proportion_ci(came, k, confidence=confidence)
        rows.append({"estimate": share, "ci_low": low, "ci_high": high, "returned": came, "n": k})
        names.append(name)
    return _result(pd.DataFrame(rows), index=names, name="group", extras=("returned", "n"), n=len(merged),
                   confidence=confidence, method="share exhibiting at the next edition (next_edition_returns); Wilson intervals",
                   citation="Jones, T. O., & Sasser, W. E. (1995). Harvard Business Review, 73(6), 88-99",
                   title="Who came back, by satisfaction level")


def relative_return(survey: pd.DataFrame, participation: pd.DataFrame, *, column: str = _OVERALL,
                    satisfied_min: float = 6, dissatisfied_max: float = 3, confidence: float = 0.95) -> SatisfactionResult:
    """"A satisfied customer is about six times as likely to buy again", as a relative risk with its interval.

    Parameters
    ----------
    survey : DataFrame
        The survey (``exhibitor_id, edition`` and *column*).
    participation : DataFrame
        The participation panel (who came back: :func:`crm_lab.lifecycle.next_edition_returns`).
    column : str, default "overall_sat"
    satisfied_min : float, default 6
        Satisfied: ``column >= satisfied_min`` (6–7 on the 1–7 scale).
    dissatisfied_max : float, default 3
        Dissatisfied: ``column <= dissatisfied_max`` (1–3).  Respondents in
        between are left out.
    confidence : float, default 0.95

    Returns
    -------
    SatisfactionResult
        Row ``relative risk``: ``estimate`` = P(return | satisfied) /
        P(return | dissatisfied), ``se`` of its log, ``ci_low, ci_high`` (log
        method); row ``relative risk of not returning`` (dissatisfied over
        satisfied); row ``odds ratio``.  Extras ``p_satisfied``,
        ``p_dissatisfied``, ``n_satisfied``, ``n_dissatisfied``.

    Notes
    -----
    With return rates :math:`p_1 = a/n_1` (satisfied) and :math:`p_2 = c/n_2`
    (dissatisfied), :math:`RR = p_1/p_2` and
    :math:`SE(\\log RR) = \\sqrt{1/a - 1/n_1 + 1/c - 1/n_2}` (Katz et al.
    1978); the interval is :math:`\\exp(\\log RR \\pm z\\,SE)`.  Computed by
    statsmodels' ``Table2x2``.  When most customers come back anyway, RR
    cannot be large (it is at most :math:`1/p_2`): "six times" can only
    hold where dissatisfied customers rarely return, i.e. where they have
    somewhere else to go — which is why it depends on market structure.
    The churn ratio (dissatisfied over satisfied) is often the more
    telling number.  A ratio whose numerator or denominator count is 0 (and
    an odds ratio with any empty cell) gets 0.5 added to each empty cell
    (statsmodels' ``shift_zeros``), so that it stays finite.  Tested against a hand-computed 2×2 table.

    References
    ----------
    Katz, D., Baptista, J., Azen, S. P., & Pike, M. C. (1978). Obtaining
    confidence intervals for the risk ratio in cohort studies.
    *Biometrics*, 34(3), 469–474.
    """
    from statsmodels.stats.contingency_tables import Table2x2

    confidence = check_confidence(confidence, error=SatisfactionError)
    if not dissatisfied_max < satisfied_min:
        raise SatisfactionError(f"'dissatisfied_max' must be below 'satisfied_min' (got {dissatisfied_max!r} and "
                                f"{satisfied_min!r})")
    merged = _with_returns(survey, participation, "relative_return")
    x = _scores(merged, [column], scale=_SCALE, what="relative_return")[column]
    sat, dis = x >= satisfied_min, x <= dissatisfied_max
    ret = merged["returned"]
    a, n1, c, n2 = int(ret[sat].sum()), int(sat.sum()), int(ret[dis].sum()), int(dis.sum())
    problems = []
    if n1 == 0 or n2 == 0:
        problems.append(f"no {'satisfied' if n1 == 0 else 'dissatisfied'} respondents with {column!r} "
                        f"{'>= ' + format(satisfied_min, 'g') if n1 == 0 else '<= ' + format(dissatisfied_max, 'g')}")
    raise_problems(problems, what="relative_return", error=SatisfactionError)
    alpha = 1 - confidence
    rows = []
    for tab in ([[a, n1 - a], [c, n2 - c]], [[n2 - c, c], [n1 - a, a]]):
        t = Table2x2(np.asarray(tab, dtype=float), shift_zeros=tab[0][0] == 0 or tab[1][0] == 0)
        low, high = t.riskratio_confint(alpha=alpha, method="normal")
        rows.append({"estimate": t.riskratio, "se": t.log_riskratio_se, "ci_low": low, "ci_high": high,
                     "statistic": t.log_riskratio / t.log_riskratio_se, "p_value": t.log_riskratio_pvalue()})
    t = Table2x2(np.asarray([[a, n1 - a], [c, n2 - c]], dtype=float), shift_zeros=True)
    low, high = t.oddsratio_confint(alpha=alpha, method="normal")
    rows.append({"estimate": t.oddsratio, "se": t.log_oddsratio_se, "ci_low": low, "ci_high": high,
                 "statistic": t.log_oddsratio / t.log_oddsratio_se, "p_value": t.log_oddsratio_pvalue()})
    frame = pd.DataFrame(rows).assign(p_satisfied=a / n1, p_dissatisfied=c / n2, n_satisfied=n1, n_dissatisfied=n2)
    return _result(frame, index=["relative risk", "relative risk of not returning", "odds ratio"], name="effect",
                   extras=("p_satisfied", "p_dissatisfied", "n_satisfied", "n_dissatisfied"), n=n1 + n2,
                   confidence=confidence,
                   method=(f"satisfied: {column} >= {satisfied_min:g}; dissatisfied: {column} <= {dissatisfied_max:g}; "
                           "came back at the next edition; log-method (Katz) interval, statsmodels Table2x2"),
                   citation=_CITE["katz"], title="Satisfied vs dissatisfied: relative chance of coming back",
                   thresholds={"satisfied_min": satisfied_min, "dissatisfied_max": dissatisfied_max})


def complaints_return(survey: pd.DataFrame, participation: pd.DataFrame, *, confidence: float = 0.95) -> SatisfactionResult:
    """Return rates of exhibitors who complained and who did not, with intervals and their difference.

    Parameters
    ----------
    survey : DataFrame
        The survey (``exhibitor_id, edition, complaints, overall_sat``).
    participation : DataFrame
        The participation panel.
    confidence : float, default 0.95

    Returns
    -------
    SatisfactionResult
        Rows ``complained`` (complaints >= 1) and ``did not complain``:
        ``estimate`` = share who came back, ``ci_low, ci_high`` (Wilson),
        extras ``returned``, ``n``, ``mean_overall_sat``; row ``difference``
        (complained − did not) from :func:`crm_lab.stats.two_proportions`
        (z, Newcombe interval).

    Notes
    -----
    Honest limits: the survey counts complaints but records neither how
    each was handled nor whether the exhibitor was content with the
    handling, so the material's "China model" (handling decides whether the
    relationship ends) cannot be tested here; complainers are less
    satisfied on average (``mean_overall_sat``), so a lower return rate
    among them says nothing about complaining itself; the data are
    observational and one edition long; and exhibitors who left silently
    are the ones a complaint count cannot see.  Tested against hand-counted
    returns.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions. *Statistics in Medicine*, 17(8), 873–890.
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    merged = _with_returns(survey, participation, "complaints_return")
    c = _scores(merged, [_COMPLAINTS], scale=(0, np.inf), what="complaints_return", integer=True)[_COMPLAINTS]
    sat = _scores(merged, [_OVERALL], scale=_SCALE, what="complaints_return")[_OVERALL]
    rows = []
    groups = (("complained", c >= 1), ("did not complain", c == 0))
    for name, mask in groups:
        k, came = int(mask.sum()), int(merged.loc[mask, "returned"].sum())
        if k == 0:
            raise SatisfactionError(f"complaints_return: no respondent {'complained' if name == 'complained' else 'without complaints'}")
        share, low, high = proportion_ci(came, k, confidence=confidence)
        rows.append({"estimate": share, "ci_low": low, "ci_high": high, "returned": came, "n": k,
                     "mean_overall_sat": float(sat[mask].mean())})
    diff = two_proportions(rows[0]["returned"], rows[0]["n"], rows[1]["returned"], rows[1]["n"],
                           labels=("complained", "did not complain"), confidence=confidence)
    rows.append({"estimate": diff.estimate, "se": diff.se, "ci_low": diff.ci_low, "ci_high": diff.ci_high,
                 "statistic": diff.statistic, "p_value": diff.p_value, "n": diff.n})
    notes = ["Limits: complaint handling is not recorded; complainers are less satisfied (confounding); "
             "observational, one edition."]
    return _result(pd.DataFrame(rows), index=["complained", "did not complain", "difference"], name="group",
                   extras=("returned", "n", "mean_overall_sat"), n=len(merged), confidence=confidence,
                   method="return rates with Wilson intervals; difference by two-proportion z-test, Newcombe interval",
                   citation="Newcombe, R. G. (1998). Statistics in Medicine, 17(8), 873-890",
                   title="Complaints and coming back", notes=notes)


def structure_scenarios(pull: float = 3.0, base: Any = None) -> dict[str, Any]:
    """Three market structures for the "six times as likely" simulation: no, some, or only monopoly sectors.

    Parameters
    ----------
    pull : float, default 3.0
        How hard a rival show pulls exhibitors away, on the logit of coming
        back: every ``return_intercepts`` is lowered by *pull*, and a sector
        without a rival show gets it back (``return_monopoly = pull``).
        With ``pull=0`` the structure changes nothing.
    base : crm_lab.MarketParams, optional
        The other planted numbers (default ``MarketParams()``, the sample's).

    Returns
    -------
    dict
        Name -> :class:`crm_lab.MarketParams`, differing only in
        ``monopoly_sectors``: ``"every sector competitive"`` (none),
        ``"the sample's mix"`` (*base*'s monopoly sectors) and ``"every
        sector a monopoly"`` (all of :data:`crm_lab.schema.SECTORS`).

    Examples
    --------
    >>> s = structure_scenarios()
    >>> list(s), len(s["every sector a monopoly"].monopoly_sectors)
    (['every sector competitive', "the sample's mix", 'every sector a monopoly'], 8)
    """
    import dataclasses

    from .schema import SECTORS
    from .simulate import MarketParams

    pull = check_number(pull, "pull", low=0, high=10, error=SatisfactionError)
    base = MarketParams() if base is None else base
    if not isinstance(base, MarketParams):
        raise SatisfactionError(f"'base' must be a MarketParams (got {type(base).__name__})")
    common = {"return_intercepts": tuple(float(v) - pull for v in base.return_intercepts), "return_monopoly": pull}
    return {name: dataclasses.replace(base, monopoly_sectors=tuple(sectors), **common)
            for name, sectors in (("every sector competitive", ()), ("the sample's mix", base.monopoly_sectors),
                                  ("every sector a monopoly", SECTORS))}


def relative_return_by_structure(scenarios: Mapping[str, Any], *, n_exhibitors: int = 8000, rng: Any = None,
                                 satisfied_min: float = 6, dissatisfied_max: float = 3,
                                 confidence: float = 0.95) -> SatisfactionResult:
    """The relative risk of coming back (satisfied vs dissatisfied) in simulated markets of several structures.

    Parameters
    ----------
    scenarios : mapping
        Name -> :class:`crm_lab.MarketParams` (e.g. :func:`structure_scenarios`).
    n_exhibitors : int, default 8000
        Exhibitors of each simulated market (its survey holds about a
        quarter to a half of them, depending on how many are still there).
    rng : int, Generator or None
        One generator draws every market, in the order of *scenarios*.
    satisfied_min, dissatisfied_max, confidence
        As in :func:`relative_return`.

    Returns
    -------
    SatisfactionResult
        One row per scenario: ``estimate`` = relative risk with ``se`` (of
        its log), ``ci_low, ci_high`` (Katz; the Monte Carlo uncertainty of
        one simulated market), ``statistic``, ``p_value``; then
        ``p_satisfied``, ``p_dissatisfied``, ``max_rr`` = 1 / p_dissatisfied
        (the largest relative risk the market allows), ``monopoly_share``
        (planted share of exhibitors in monopoly sectors), ``n_satisfied``
        and ``n_dissatisfied``.

    Notes
    -----
    The claim "a satisfied customer is about six times as likely to buy
    again" is a relative risk, and RR = p₁/p₂ ≤ 1/p₂: where dissatisfied
    customers come back anyway (a monopoly show: nowhere else to go), it is
    near 1 whatever satisfaction does.  Each scenario simulates one market
    (:func:`crm_lab.simulate_market`) and applies :func:`relative_return`.
    Tested on :func:`structure_scenarios`: the RR falls from the
    competitive to the monopoly market.
    """
    from .simulate import MarketParams, simulate_market

    if not isinstance(scenarios, Mapping) or not scenarios or not all(
            isinstance(v, MarketParams) for v in scenarios.values()):
        raise SatisfactionError("'scenarios' must map names to MarketParams (e.g. structure_scenarios())")
    n_exhibitors = check_integer(n_exhibitors, "n_exhibitors", low=500, high=2_000_000, error=SatisfactionError)
    gen = np.random.default_rng(rng)
    rows = []
    for params in scenarios.values():
        market = simulate_market(n_exhibitors, n_visitors=50, kano_respondents=10, params=params, rng=gen)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # respondents without a next edition: none at the survey edition
            rr = relative_return(market["survey"], market["participation"], satisfied_min=satisfied_min,
                                 dissatisfied_max=dissatisfied_max, confidence=confidence).table.loc["relative risk"]
        p_mono = float(np.asarray(params.sector_shares) @ np.isin(np.asarray(_sectors()), params.monopoly_sectors))
        rows.append({**{c: float(rr[c]) for c in ("estimate", "se", "ci_low", "ci_high", "statistic", "p_value")},
                     "p_satisfied": float(rr["p_satisfied"]), "p_dissatisfied": float(rr["p_dissatisfied"]),
                     "max_rr": 1 / float(rr["p_dissatisfied"]) if rr["p_dissatisfied"] > 0 else math.inf,
                     "monopoly_share": p_mono, "n_satisfied": int(rr["n_satisfied"]),
                     "n_dissatisfied": int(rr["n_dissatisfied"])})
    return _result(pd.DataFrame(rows), index=list(scenarios), name="structure",
                   extras=("p_satisfied", "p_dissatisfied", "max_rr", "monopoly_share", "n_satisfied", "n_dissatisfied"),
                   n=sum(r["n_satisfied"] + r["n_dissatisfied"] for r in rows), confidence=confidence,
                   method=(f"one simulated market of {n_exhibitors} exhibitors per structure; relative risk of coming "
                           f"back, satisfied (>= {satisfied_min:g}) vs dissatisfied (<= {dissatisfied_max:g}); Katz interval"),
                   citation=_CITE["katz"], title="Relative chance of coming back, by market structure",
                   n_exhibitors=n_exhibitors)


def _sectors() -> tuple[str, ...]:
    from .schema import SECTORS

    return tuple(SECTORS)


# --------------------------------------------------------------------------
# response styles
# --------------------------------------------------------------------------
def _groups(data: pd.DataFrame, group: str, reference: Any, what: str) -> tuple[pd.Series, Any, list]:
    check_columns(data, [group], what=what, error=SatisfactionError)
    g = data[group]
    if g.isna().any():
        raise SatisfactionError(f"{what}: column {group!r} has missing values (rows {rows_text(g.index[g.isna()])})")
    present = [v for v in (REGIONS if group == "region" else ()) if v in set(g)] or sorted(pd.unique(g), key=str)
    present += [v for v in sorted(pd.unique(g), key=str) if v not in present]
    if len(present) < 2:
        raise SatisfactionError(f"{what}: column {group!r} needs at least 2 groups to compare "
                                f"(got {present} in {len(g)} rows)")
    if reference is None:
        reference = present[0]
    if reference not in present:
        raise SatisfactionError(f"{what}: 'reference' must be a value of {group!r}: one of {present} (got {reference!r})")
    return g, reference, [v for v in present if v != reference]


def response_style_correction(data: pd.DataFrame, items: Sequence[str], *, group: str = "region",
                              method: str = "within", anchors: Sequence[str] | None = None, reference: Any = None,
                              confidence: float = 0.95) -> SatisfactionResult:
    """Group differences in a satisfaction score, naive and corrected for response style.

    Parameters
    ----------
    data : DataFrame
        The survey with a *group* column (join ``region`` from the
        exhibitors table); no missing values in the items used.
    items : sequence of str
        The items whose mean is the score compared (e.g. ``["overall_sat"]``
        or the ``perc_*`` columns), on the 1–7 scale.
    group : str, default "region"
    method : {"within", "ordinal"}, default "within"
        ``"within"``: within-respondent standardisation against the
        *anchors*; ``"ordinal"``: a cumulative probit model whose group
        effect on the anchors is the response style (see Notes).
    anchors : sequence of str, optional
        Items that carry the respondent's response style but not the group
        difference to be measured; default every other 1–7 item of the
        survey schema present in *data* (for ``"ordinal"`` the first ten of
        them — reputation and the trust items —, since the stacked model
        grows with every anchor: about 3 s for 1,400 respondents).
    reference : optional
        The reference group (default the first: ``north_china`` for regions).
    confidence : float, default 0.95

    Returns
    -------
    SatisfactionResult
        One row per non-reference group: ``estimate`` = the corrected
        difference from the reference, ``se``, ``ci_low, ci_high``,
        ``statistic``, ``df``, ``p_value``; then ``naive`` with
        ``naive_ci_low, naive_ci_high`` (Hedges' g of the raw item mean,
        :func:`crm_lab.stats.welch_t`), ``style_shift`` (ordinal only: the
        group's threshold shift on the anchors), ``n_group`` and
        ``n_reference``.  ``meta["units"]`` says the estimate's units.
        ``details`` (within) holds each respondent's naive and corrected score.

    Notes
    -----
    *within* (ipsatisation; Fischer 2004): respondent r's answers to the
    items and anchors have mean :math:`m_r` and SD :math:`s_r`; the
    corrected score is the mean of :math:`(x_{ri} - m_r)/s_r` over the items,
    compared between groups by Welch's t with Hedges' g (units: SD of the
    corrected score).  It removes any shift that moves all of a
    respondent's answers alike — and also any true difference that is
    shared by the anchors, which is why the anchors must be items the groups
    do not really differ on.  Respondents who give one answer to everything
    (:math:`s_r = 0`) are left out with a warning.

    *ordinal*: the items and anchors stacked long, a cumulative probit
    (:class:`statsmodels.miscmodels.ordinal_model.OrderedModel`) with item
    fixed effects, a group shift on every answer (the response style: a
    regional shift of the thresholds) and a group × item-of-interest term —
    the latent difference net of style, in units of the latent residual SD.
    Its standard errors treat the stacked answers as independent and are
    too small; read the interval as a lower bound on the uncertainty.

    Tested on a simulated market: with the planted southern reserve
    (``MarketParams.response_shift``) and no planted regional difference
    in satisfaction, the naive difference is clearly negative and the
    corrected one covers the planted zero
    (:func:`planted_group_difference`).

    References
    ----------
    Fischer, R. (2004). Standardization to account for cross-cultural
    response bias: A classification of score adjustment procedures and
    review of research in JCCP. *Journal of Cross-Cultural Psychology*,
    35(3), 263–282.

    Baumgartner, H., & Steenkamp, J.-B. E. M. (2001). Response styles in
    marketing research: A cross-national investigation. *Journal of
    Marketing Research*, 38(2), 143–156.

    McCullagh, P. (1980). Regression models for ordinal data. *Journal of
    the Royal Statistical Society, Series B*, 42(2), 109–142.
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    check_choice(method, "method", ("within", "ordinal"), error=SatisfactionError)
    items = _attributes(items)
    check_frame(data, "response_style_correction", min_rows=1, error=SatisfactionError)
    if anchors is None:
        anchors = [c for c in _LIKERT_ITEMS if c in data.columns and c not in items]
        anchors = anchors[:10] if method == "ordinal" else anchors
    anchors = [a for a in _attributes(anchors) if a not in items]
    if len(anchors) < 2:
        raise SatisfactionError(f"response_style_correction: needs at least 2 anchor items besides {items} "
                                f"(got {anchors})")
    g, reference, others = _groups(data, group, reference, "response_style_correction")
    values = _scores(data, items + anchors, scale=_SCALE, what="response_style_correction")
    naive = values[items].mean(axis=1)
    rows = []
    details = None
    if method == "within":
        allv = values[items + anchors]
        sd = allv.std(axis=1, ddof=1)
        flat = sd == 0
        if flat.any():
            warnings.warn(f"response_style_correction: {int(flat.sum())} respondents gave one answer to every item "
                          f"and are left out (rows {rows_text(sd.index[flat])})", UserWarning, stacklevel=2)
        corrected = ((values[items].sub(allv.mean(axis=1), axis=0)).div(sd.where(~flat), axis=0)).mean(axis=1)
        details = pd.DataFrame({group: g, "naive": naive, "corrected": corrected})
        for other in others:
            a, b = corrected[(g == other) & ~flat], corrected[(g == reference) & ~flat]
            na, nb = naive[g == other], naive[g == reference]
            r, rn = welch_t(a, b, confidence=confidence), welch_t(na, nb, confidence=confidence)
            rows.append({"estimate": r.estimate, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high,
                         "statistic": r.statistic, "df": r.df, "p_value": r.p_value, "naive": rn.estimate,
                         "naive_ci_low": rn.ci_low, "naive_ci_high": rn.ci_high, "n_group": a.size,
                         "n_reference": b.size})
        units, how = "Hedges' g (SD units of the score)", "within-respondent standardisation (ipsatisation) over items and anchors; Welch t, Hedges' g"
        model = None
    else:
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        cols = items + anchors
        long = values[cols].stack().rename("y").reset_index(level=1).rename(columns={"level_1": "item"})
        long["group"] = g.reindex(long.index).to_numpy()
        is_item = long["item"].isin(items).to_numpy(dtype=float)
        exog = pd.get_dummies(long["item"], dtype=float).drop(columns=cols[0])
        for other in others:
            in_g = (long["group"] == other).to_numpy(dtype=float)
            exog[f"style[{other}]"] = in_g
            exog[f"diff[{other}]"] = in_g * is_item
        endog = pd.Series(pd.Categorical(long["y"].astype(int), ordered=True), index=long.index)
        model = OrderedModel(endog.reset_index(drop=True), exog.reset_index(drop=True), distr="probit").fit(
            method="bfgs", disp=False, maxiter=2000)
        coefs = coef_table(model, confidence=confidence)
        for other in others:
            row = coefs.loc[f"diff[{other}]"]
            na, nb = naive[g == other], naive[g == reference]
            rn = welch_t(na, nb, confidence=confidence)
            rows.append({**{c: row[c] for c in ("estimate", "se", "ci_low", "ci_high", "statistic", "p_value")},
                         "naive": rn.estimate, "naive_ci_low": rn.ci_low, "naive_ci_high": rn.ci_high,
                         "style_shift": coefs.loc[f"style[{other}]", "estimate"], "n_group": int((g == other).sum()),
                         "n_reference": int((g == reference).sum())})
        units = "latent residual SDs (probit scale)"
        how = "cumulative probit of items and anchors stacked: item effects, group threshold shift, group x item term"
    return _result(pd.DataFrame(rows), index=others, name=group,
                   extras=("naive", "naive_ci_low", "naive_ci_high", "style_shift", "n_group", "n_reference"),
                   n=len(values), confidence=confidence,
                   method=f"{how}; naive: Hedges' g of the raw item mean", title="Response-style correction",
                   citation=f"{_CITE['fischer']}; {_CITE['ordinal']}", model=model, details=details,
                   reference=reference, items=items, anchors=anchors, units=units, correction=method)


def planted_group_difference(data: pd.DataFrame, truth: Any, *, construct: str = "satisfaction",
                             group: str = "region", reference: Any = None) -> pd.DataFrame:
    """The planted (latent) group difference of a simulated market, beside the planted response shift.

    Parameters
    ----------
    data : DataFrame
        The analysed respondents: ``exhibitor_id`` and *group*.
    truth : crm_lab.Truth
        ``market.truth`` (or :func:`crm_lab.load_truth`).
    construct : str, default "satisfaction"
        A latent column of ``truth.latent``.
    group : str, default "region"
    reference : optional
        As in :func:`response_style_correction`.

    Returns
    -------
    DataFrame
        One row per non-reference group (index *group*): ``latent_difference``
        (mean of the construct among these respondents minus the reference
        group's, in latent SD units since the construct has variance 1),
        ``latent_d`` (the same over the pooled within-group SD, comparable
        with Hedges' g), ``response_shift`` (the planted shift of every
        answer relative to the reference, on the latent response scale;
        regions only, else NaN), ``n_group``, ``n_reference``.

    Examples
    --------
    >>> from crm_lab import simulate_market
    >>> m = simulate_market(400, n_visitors=100, rng=3)
    >>> d = m["survey"].merge(m["exhibitors"][["exhibitor_id", "region"]], on="exhibitor_id")
    >>> float(planted_group_difference(d, m.truth).loc["south_china", "response_shift"])
    -0.35
    """
    check_columns(data, ["exhibitor_id"], what="planted_group_difference", error=SatisfactionError)
    latent = truth.latent
    if construct not in latent.columns:
        raise SatisfactionError(f"planted_group_difference: 'construct' must be a latent of the truth: one of "
                                f"{[c for c in latent.columns if c != 'exhibitor_id']} (got {construct!r})")
    g, reference, others = _groups(data, group, reference, "planted_group_difference")
    score = data[["exhibitor_id"]].merge(latent[["exhibitor_id", construct]], on="exhibitor_id", how="left")[construct]
    score.index = data.index
    if score.isna().any():
        raise SatisfactionError(f"planted_group_difference: exhibitors not in the truth (rows {rows_text(score.index[score.isna()])})")
    shift = dict(truth.params.response_shift) if group == "region" else {}
    rows = []
    ref = score[g == reference]
    for other in others:
        x = score[g == other]
        pooled = math.sqrt(((x.size - 1) * x.var() + (ref.size - 1) * ref.var()) / (x.size + ref.size - 2))
        rows.append({group: other, "latent_difference": float(x.mean() - ref.mean()),
                     "latent_d": float((x.mean() - ref.mean()) / pooled),
                     "response_shift": (shift.get(other, 0.0) - shift.get(reference, 0.0)) if shift else math.nan,
                     "n_group": x.size, "n_reference": ref.size})
    return pd.DataFrame(rows).set_index(group)


# --------------------------------------------------------------------------
# planted truth of the attributes
# --------------------------------------------------------------------------
def planted_attribute_means(data: pd.DataFrame, truth: Any, attributes: Sequence[str] | None = None) -> pd.DataFrame:
    """The expected importance, expectation and perception of each attribute under the planted model.

    Parameters
    ----------
    data : DataFrame
        The analysed respondents (``exhibitor_id``); their region comes from
        the truth's response shift if *data* has a ``region`` column, else
        no shift is applied.
    truth : crm_lab.Truth
    attributes : sequence of str, optional

    Returns
    -------
    DataFrame
        One row per attribute: ``importance``, ``expectation``,
        ``perception`` (expected answers on the 1–7 scale, averaged over the
        respondents) and ``gap`` (perception − expectation) — the targets
        of :func:`disconfirmation` and :func:`ipa`.

    Notes
    -----
    The simulator (:func:`crm_lab.simulate_market`, step 6) cuts a latent
    response :math:`y^* = \\mu + \\lambda\\eta + \\sigma\\varepsilon + \\delta_{region}`
    at fixed thresholds :math:`c_1 < … < c_6`; given the respondent's
    latent :math:`\\eta` the expected answer is
    :math:`1 + \\sum_k \\Phi((\\mu + \\lambda\\eta + \\delta - c_k)/\\sigma)`.
    Perception loads on satisfaction, expectation on reputation, importance
    on nothing (``MarketParams.attribute_means``, ``perception_sat``,
    ``expectation_reputation``).
    """
    from .simulate import _CUTS7  # the simulator's thresholds: one definition

    names = _attributes(attributes)
    check_columns(data, ["exhibitor_id"], what="planted_attribute_means", error=SatisfactionError)
    p = truth.params
    lat = data[["exhibitor_id"]].merge(truth.latent[["exhibitor_id", "satisfaction", "reputation"]],
                                       on="exhibitor_id", how="left")
    if lat[["satisfaction", "reputation"]].isna().any().any():
        raise SatisfactionError("planted_attribute_means: some exhibitors of 'data' are not in the truth")
    shift = np.zeros(len(data))
    if "region" in data.columns:
        shift = data["region"].map(dict(p.response_shift)).fillna(0.0).to_numpy(dtype=float)
    means = dict(zip(SATISFACTION_ATTRIBUTES, p.attribute_means))
    unknown = [a for a in names if a not in means]
    if unknown:
        raise SatisfactionError(f"planted_attribute_means: no planted means for {unknown}")

    def expected(mu: float, signal: np.ndarray, lam: float) -> float:
        sd = math.sqrt(max(1.0 - lam**2, 0.2))
        z = (mu + signal + shift)[:, None] - _CUTS7[None, :]
        return float((1 + sps.norm.cdf(z / sd).sum(axis=1)).mean())

    rows = []
    for attr in names:
        imp, exp, perc = means[attr]
        e = expected(exp, p.expectation_reputation * lat["reputation"].to_numpy(), p.expectation_reputation)
        b = expected(perc, p.perception_sat * lat["satisfaction"].to_numpy(), p.perception_sat)
        rows.append({"attribute": attr, "importance": expected(imp, np.zeros(len(lat)), 0.0), "expectation": e,
                     "perception": b, "gap": b - e})
    return pd.DataFrame(rows).set_index("attribute")


# --------------------------------------------------------------------------
# segment differences
# --------------------------------------------------------------------------
def _eta_squared_ci(f: float, df1: float, df2: float, n: int, confidence: float) -> tuple[float, float]:
    """Interval of eta² by inverting the noncentral F in λ (Steiger 2004): eta² = λ / (λ + N)."""
    alpha = 1 - confidence

    def lam(target: float) -> float:
        if sps.f.cdf(f, df1, df2) <= target:
            return 0.0
        g = lambda nc: sps.ncf.cdf(f, df1, df2, nc) - target  # noqa: E731
        hi = max(10.0, f * df1 * 4)
        while g(hi) > 0:
            hi *= 2
        return optimize.brentq(g, 0.0, hi, xtol=1e-10)

    lo, hi = lam(1 - alpha / 2), lam(alpha / 2)
    return lo / (lo + n), hi / (hi + n)


def _kruskal_h(values: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    """Tie-corrected Kruskal-Wallis H for each row of (B, n) values with (B, n) group codes."""
    n = values.shape[-1]
    ranks = sps.rankdata(values, axis=-1)
    onehot = groups[..., None] == np.arange(k)
    sizes = onehot.sum(axis=-2)
    sums = np.einsum("bn,bnk->bk", ranks, onehot)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = 12 / (n * (n + 1)) * np.where(sizes > 0, sums**2 / sizes, 0).sum(axis=-1) - 3 * (n + 1)
    srt = np.sort(values, axis=-1)
    ties = np.zeros(values.shape[0])
    for b in range(values.shape[0]):
        _, t = np.unique(srt[b], return_counts=True)
        ties[b] = (t**3 - t).sum()
    return h / (1 - ties / (n**3 - n))


def segment_test(data: pd.DataFrame, value: str, group: str, *, kind: str = "auto", confidence: float = 0.95,
                 n_boot: int = 1000, rng: Any = None) -> TestResult:
    """Do segments differ? ANOVA, Kruskal–Wallis or χ², chosen by the data type, with an effect size.

    Parameters
    ----------
    data : DataFrame
    value : str
        The compared column: text, categorical or boolean → χ²; whole
        numbers with at most 11 distinct values (Likert, 0–10) → Kruskal–Wallis;
        other numbers → one-way ANOVA.
    group : str
        The segment column (``sector``, ``size_class``, ``region``).
    kind : {"auto", "anova", "kruskal", "chi2"}, default "auto"
        Override the choice.
    confidence : float, default 0.95
    n_boot : int, default 1000
        Bootstrap resamples for the interval of ε² (Kruskal–Wallis only).
    rng : int, Generator or None

    Returns
    -------
    TestResult
        ANOVA: F, eta² with its noncentral-F interval; Kruskal–Wallis: H,
        ε² with a percentile bootstrap interval; χ²: bias-corrected Cramér's
        V with its noncentral-χ² interval (:func:`crm_lab.stats.chi_square`).
        ``extra["assumption"]`` states what the test needs; ``extra["groups"]``
        the group sizes.

    Notes
    -----
    * **ANOVA** (:func:`scipy.stats.f_oneway`) assumes independent
      observations, roughly normal residuals and equal variances;
      :math:`\\eta^2 = SS_B/SS_T`, interval by inverting the noncentral F
      (Steiger 2004).
    * **Kruskal–Wallis** (:func:`scipy.stats.kruskal`, tie-corrected)
      assumes independent observations and compares mean ranks (a shift in
      location when the distributions have the same shape); it suits
      ordinal answers.  :math:`\\varepsilon^2 = H/(n-1)` (Tomczak & Tomczak
      2014), interval by a vectorised percentile bootstrap
      (:func:`crm_lab.resampling.bootstrap`).
    * **χ²** assumes independent observations and expected counts of at
      least 5 in most cells (a warning says when not).

    Tested against scipy's statistics and a hand-computed eta².

    References
    ----------
    Steiger, J. H. (2004). Beyond the F test: Effect size confidence
    intervals and tests of close fit in the analysis of variance and
    contrast analysis. *Psychological Methods*, 9(2), 164–182.

    Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion
    variance analysis. *JASA*, 47(260), 583–621.

    Tomczak, M., & Tomczak, E. (2014). The need to report effect size
    estimates revisited. *Trends in Sport Sciences*, 1(21), 19–25.

    Examples
    --------
    >>> d = pd.DataFrame({"x": [1.0, 2.1, 3.2, 4.0, 5.3, 6.1], "g": list("aabbcc")})
    >>> r = segment_test(d, "x", "g")
    >>> r.test, round(r.estimate, 3)
    ('One-way ANOVA', 0.933)
    """
    confidence = check_confidence(confidence, error=SatisfactionError)
    check_choice(kind, "kind", ("auto", "anova", "kruskal", "chi2"), error=SatisfactionError)
    n_boot = check_integer(n_boot, "n_boot", low=10, error=SatisfactionError)
    check_columns(data, {"value": value, "group": group}, what="segment_test", error=SatisfactionError)
    sub = data[[value, group]]
    gaps = sub.isna().any(axis=1)
    if gaps.any():
        raise SatisfactionError(f"segment_test: missing values in {value!r} or {group!r} (rows {rows_text(sub.index[gaps])})")
    v = sub[value]
    numeric = pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v)
    if kind == "auto":
        if not numeric:
            parsed = pd.to_numeric(v.astype(str), errors="coerce")
            text = parsed.isna()
            if text.any() and text.mean() <= 0.5:  # mostly numbers with a few stray texts: a data error, not categories
                shown = ", ".join(f"{v[i]!r}" for i in v.index[text][:3])
                raise SatisfactionError(
                    f"segment_test: {value!r} holds numbers and text (rows {rows_text(v.index[text])}: {shown}); "
                    "clean the column, or pass kind='chi2' to compare it as categories"
                )
            kind = "chi2"
        else:
            whole = bool((v == np.round(v)).all())
            kind = "kruskal" if whole and v.nunique() <= 11 else "anova"
    if kind != "chi2" and not numeric:
        raise SatisfactionError(f"segment_test: kind={kind!r} needs a numeric {value!r} (got dtype {v.dtype})")
    levels = sorted(pd.unique(sub[group]), key=str)
    if len(levels) < 2:
        raise SatisfactionError(f"segment_test: {group!r} needs at least 2 groups (got {levels})")
    sizes = {str(lv): int((sub[group] == lv).sum()) for lv in levels}
    if kind == "chi2":
        res = chi_square(pd.crosstab(sub[group], v), confidence=confidence)
        extra = {**res.extra, "groups": sizes,
                 "assumption": "independent observations; expected counts >= 5 in at least 80% of cells"}
        return TestResult(**{**{f: getattr(res, f) for f in ("test", "statistic", "df", "p_value", "effect", "estimate",
                                                              "ci_low", "ci_high", "se", "n", "confidence", "method",
                                                              "citation", "statistic_name")}, "extra": extra})
    samples = [v[sub[group] == lv].to_numpy(dtype=float) for lv in levels]
    small = [str(lv) for lv, s in zip(levels, samples) if s.size < 2]
    if small:
        raise SatisfactionError(f"segment_test: groups {small} of {group!r} have fewer than 2 observations")
    n, k = len(v), len(levels)
    if kind == "anova":
        res = sps.f_oneway(*samples)
        x = v.to_numpy(dtype=float)
        ss_t = ((x - x.mean()) ** 2).sum()
        ss_b = sum(s.size * (s.mean() - x.mean()) ** 2 for s in samples)
        eta = float(ss_b / ss_t) if ss_t > 0 else math.nan
        low, high = _eta_squared_ci(float(res.statistic), k - 1, n - k, n, confidence)
        return TestResult(test="One-way ANOVA", statistic=float(res.statistic), df=float(k - 1), p_value=float(res.pvalue),
                          effect="eta squared", estimate=eta, ci_low=low, ci_high=high, se=None, n=n,
                          confidence=confidence,
                          method=f"F test with ({k - 1}, {n - k}) df; eta² = SS_between / SS_total; noncentral-F interval",
                          citation="Steiger, J. H. (2004). Psychological Methods, 9(2), 164-182",
                          extra={"df2": float(n - k), "groups": sizes,
                                 "assumption": "independent observations, normal residuals, equal group variances"},
                          statistic_name="F")
    res = sps.kruskal(*samples)
    eps = float(res.statistic / (n - 1))
    x = v.to_numpy(dtype=float)
    codes = pd.Categorical(sub[group], categories=levels).codes.astype(int)
    n_boot = check_integer(n_boot, "n_boot", low=10, error=SatisfactionError)
    boot = bootstrap(lambda idx: _kruskal_h(x[idx], codes[idx], k) / (n - 1), n, n_boot=n_boot,
                     confidence=confidence, rng=rng, cells_per_draw=k + 2)
    return TestResult(test="Kruskal-Wallis test", statistic=float(res.statistic), df=float(k - 1),
                      p_value=float(res.pvalue), effect="epsilon squared", estimate=eps, ci_low=float(boot.ci_low),
                      ci_high=float(boot.ci_high), se=float(boot.se), n=n, confidence=confidence,
                      method=f"tie-corrected Kruskal-Wallis H on {k - 1} df; epsilon² = H / (n - 1); "
                             f"percentile bootstrap interval ({n_boot} resamples)",
                      citation="Kruskal, W. H., & Wallis, W. A. (1952). JASA, 47, 583-621; Tomczak, M., & Tomczak, E. (2014). "
                               "Trends in Sport Sciences, 1(21), 19-25",
                      extra={"groups": sizes,
                             "assumption": "independent observations; compares mean ranks (a location shift if shapes are alike)"},
                      statistic_name="H")


# --------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------
def plot_ipa(result: SatisfactionResult, *, ax: Any = None, both_crosshairs: bool = True, labels: bool = True) -> Any:
    """The importance–performance grid of an :func:`ipa` result, with both crosshairs and non-overlapping labels.

    Parameters
    ----------
    result : SatisfactionResult
        From :func:`ipa`.
    ax : matplotlib Axes, optional
        Default the current axes.
    both_crosshairs : bool, default True
        Draw the other convention's crosshair too (dashed grey) beside the
        one used for the quadrants (solid).
    labels : bool, default True
        Label each point with its attribute.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Performance on x, importance on y, quadrant names in the corners.
    Tested by a smoke test that also checks no two labels overlap.
    """
    import matplotlib.pyplot as plt

    from .plots import place_labels

    if not isinstance(result, SatisfactionResult) or "quadrant" not in result.table.columns:
        raise SatisfactionError(f"plot_ipa: 'result' must come from ipa() (got {type(result).__name__})")
    ax = plt.gca() if ax is None else ax
    t, m = result.table, result.meta
    ax.scatter(t["estimate"], t["importance"], color="C0", zorder=3)
    ax.errorbar(t["estimate"], t["importance"], xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
                fmt="none", ecolor="C0", alpha=0.4, lw=1)
    used = m["crosshair"]
    for conv, (ic, pc) in m["crosshairs"].items():
        if conv != used and not both_crosshairs:
            continue
        style = {"color": "0.2", "lw": 1.2, "ls": "-"} if conv == used else {"color": "0.6", "lw": 1, "ls": "--"}
        name = "grand means" if conv == "mean" else "scale midpoint"
        ax.axvline(pc, **style, label=f"crosshair: {name}{' (used)' if conv == used else ''}")
        ax.axhline(ic, **style)
    ax.margins(0.25)
    corners = {"concentrate here": (0.02, 0.98, "left", "top"), "keep up the good work": (0.98, 0.98, "right", "top"),
               "low priority": (0.02, 0.02, "left", "bottom"), "possible overkill": (0.98, 0.02, "right", "bottom")}
    for name, (x, y, ha, va) in corners.items():
        ax.text(x, y, name.capitalize(), transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="0.4", style="italic")
    ax.set_xlabel(f"Performance (mean perception, {m['confidence']:.0%} CI)")
    ax.set_ylabel("Importance (stated, mean)" if m["importance"] == "stated"
                  else "Importance (derived: r with overall satisfaction)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8, frameon=False)
    if labels:
        place_labels(ax, t["estimate"].to_numpy(), t["importance"].to_numpy(), [_label(a) for a in t.index], fontsize=9)
    return ax


def plot_gaps(result: SatisfactionResult, *, ax: Any = None, adjusted_marks: bool = True) -> Any:
    """The service gap per attribute with its interval (from :func:`disconfirmation`).

    Parameters
    ----------
    result : SatisfactionResult
        From :func:`disconfirmation`.
    ax : matplotlib Axes, optional
    adjusted_marks : bool, default True
        Fill the points whose adjusted p-value is below 1 − confidence.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    One horizontal bar per attribute, sorted by gap, a line at 0 (perception
    = expectation).  Tested by a smoke test (one error bar per attribute).
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, SatisfactionResult) or "p_adjusted" not in result.table.columns:
        raise SatisfactionError(f"plot_gaps: 'result' must come from disconfirmation() (got {type(result).__name__})")
    ax = plt.gca() if ax is None else ax
    t = result.table.sort_values("estimate")
    y = np.arange(len(t))
    alpha = 1 - result.meta["confidence"]
    sig = (t["p_adjusted"] < alpha).to_numpy() if adjusted_marks else np.ones(len(t), dtype=bool)
    ax.errorbar(t["estimate"], y, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]], fmt="none",
                ecolor="C0", capsize=3, label=f"{result.meta['confidence']:.0%} CI (paired t)")
    ax.scatter(t["estimate"][sig], y[sig], color="C0", zorder=3, label=f"adjusted p < {alpha:g}")
    ax.scatter(t["estimate"][~sig], y[~sig], facecolor="white", edgecolor="C0", zorder=3,
               label=f"adjusted p ≥ {alpha:g}")
    ax.axvline(0, color="0.3", lw=1)
    ax.set_yticks(y, [_label(a) for a in t.index])
    ax.set_xlabel("Gap: perception − expectation (scale points)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_estimates(result: Any, *, ax: Any = None, xlabel: str = "estimate", null: float | None = None,
                   truth: Mapping[str, float] | None = None) -> Any:
    """Each row's estimate with its interval (a share, a relative risk), one line per row, top to bottom.

    Parameters
    ----------
    result : SatisfactionResult
        Any result with ``estimate, ci_low, ci_high`` (e.g. :func:`return_by_level`,
        :func:`relative_return_by_structure`).
    ax : matplotlib Axes, optional
    xlabel : str
        The human label of the estimate.
    null : float, optional
        A dashed reference line (1 for a relative risk).
    truth : mapping, optional
        Row -> a value drawn as a red diamond (a planted value or a bound).

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Rows without an interval (NaN) are left out.  Tested by a smoke test
    (one error bar per row).
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, SatisfactionResult):
        raise SatisfactionError(f"plot_estimates: 'result' must be a SatisfactionResult (got {type(result).__name__})")
    ax = plt.gca() if ax is None else ax
    t = result.table.dropna(subset=["estimate", "ci_low", "ci_high"])
    y = np.arange(len(t))[::-1]
    level = result.meta.get("confidence") or 0.95
    ax.errorbar(t["estimate"], y, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]], fmt="o",
                color="C0", capsize=4, label=f"estimate, {level:.0%} CI")
    if truth:
        pts = [(truth[k], yy) for k, yy in zip(t.index, y) if k in truth and truth[k] is not None]
        if pts:
            ax.plot(*zip(*pts), "D", color="C3", label="planted / bound")
    if null is not None:
        ax.axvline(null, color="0.4", ls="--", lw=1)
    ax.set_yticks(y, [_label(i) for i in t.index])
    ax.set_xlabel(xlabel)
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_response_style(result: SatisfactionResult, *, planted: pd.DataFrame | None = None, ax: Any = None) -> Any:
    """Naive and corrected group differences (Hedges' g) with intervals, and the planted latent difference.

    Parameters
    ----------
    result : SatisfactionResult
        From :func:`response_style_correction` with ``method="within"``.
    planted : DataFrame, optional
        From :func:`planted_group_difference`: its ``latent_d`` is drawn as
        a red diamond per group.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    One row per group (difference from the reference group), two points
    per row: naive (grey) and corrected (blue).  Tested by a smoke test.
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, SatisfactionResult) or "naive" not in result.table.columns:
        raise SatisfactionError(f"plot_response_style: 'result' must come from response_style_correction() "
                                f"(got {type(result).__name__})")
    ax = plt.gca() if ax is None else ax
    t = result.table
    y = np.arange(len(t))[::-1].astype(float)
    level = result.meta["confidence"]
    ax.errorbar(t["naive"], y + 0.15, xerr=[t["naive"] - t["naive_ci_low"], t["naive_ci_high"] - t["naive"]],
                fmt="s", color="0.55", capsize=3, label=f"naive (raw score), {level:.0%} CI")
    ax.errorbar(t["estimate"], y - 0.15, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
                fmt="o", color="C0", capsize=3, label=f"corrected ({result.meta['correction']}), {level:.0%} CI")
    if planted is not None:
        ax.plot(planted["latent_d"].reindex(t.index), y, "D", color="C3", label="planted (latent d)")
    ax.axvline(0, color="0.4", ls="--", lw=1)
    ax.set_yticks(y, [_label(g) for g in t.index])
    ax.set_xlabel(f"Difference from {_label(result.meta['reference'])} (standardised)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8, frameon=False)
    return ax
