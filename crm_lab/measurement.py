"""Measuring latent constructs: reliability, CFA/SEM, convergent and discriminant validity.

Relationship quality, loyalty layers and switching costs are latent
constructs measured by Likert items (THEORY.md §5–§7).  This module is the one
place the notebooks measure them:

* :func:`reliability` — Cronbach's (1951) α with the Feldt, Woodruff & Salih
  (1987) interval, McDonald's (1999) ω, corrected item–total correlations and
  α if an item is dropped;
* :func:`cfa` / :func:`sem` — a confirmatory factor analysis or structural
  equation model in lavaan syntax (``trust =~ ben + int + abl``), estimated by
  the maintained SEM library `semopy <https://semopy.com>`_ (Igolkina &
  Meshcheryakov 2020) with normal-theory maximum likelihood.  This module adds
  what semopy lacks or reports differently from lavaan: SRMR, RMSEA with its
  90% interval, CFI/TLI clipped to [0, 1], the log-likelihood / AIC / BIC on
  lavaan's scale, tidy tables, latent correlations, and the validity table;
* :func:`htmt` — the heterotrait–monotrait ratio (Henseler, Ringle & Sarstedt
  2015);
* :func:`chi2_difference` — the likelihood-ratio test of nested models, with
  the RMSEA of the difference (Savalei et al. 2023) as its effect size.

Validity follows Fornell & Larcker (1981): composite reliability (CR) and
average variance extracted (AVE) from standardised loadings, and the criterion
√AVE > every correlation with another factor.  Fit is read against the
cut-offs of Hu & Bentler (1999) — CFI, TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 —
which are rules of thumb from one simulation design, not tests
(Marsh, Hau & Wen 2004).

The results agree with lavaan 0.6, semTools and psych on the Holzinger &
Swineford (1939) data (see ``tests/test_measurement.py``).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
Psychometrika, 16, 297–334.
Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
coefficient alpha. Applied Psychological Measurement, 11, 93–103.
Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models
with unobservable variables and measurement error. Journal of Marketing
Research, 18(1), 39–50.
Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for
assessing discriminant validity in variance-based structural equation
modeling. Journal of the Academy of Marketing Science, 43, 115–135.
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance
structure analysis. Structural Equation Modeling, 6(1), 1–55.
McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). We need to change how we
compute RMSEA for nested model comparisons in structural equation modeling.
Psychological Methods.
"""

from __future__ import annotations

import difflib
import html
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._checks import CrmLabError
from .results import Result, tidy_table
from .stats import TestResult, _ncx2_bound

__all__ = [
    "ConvergenceError",
    "CUTOFFS",
    "MeasurementError",
    "Reliability",
    "SEMResult",
    "cfa",
    "chi2_difference",
    "compare_models",
    "ModelComparison",
    "htmt",
    "parse_model",
    "regressions",
    "reliability",
    "reliability_table",
    "scale_scores",
    "sem",
]

#: Hu & Bentler (1999) cut-offs: (index, direction, threshold).
CUTOFFS = {
    "cfi": (">=", 0.95),
    "tli": (">=", 0.95),
    "rmsea": ("<=", 0.06),
    "srmr": ("<=", 0.08),
}

#: The fewest complete cases a reliability or a model is computed on.
MIN_CASES = 10


class MeasurementError(CrmLabError):
    """Bad input to a measurement function: names what and where."""


class ConvergenceError(RuntimeError):
    """The optimiser did not converge; no estimates are reported."""


# --------------------------------------------------------------------------
# Model syntax (the lavaan subset the notebooks use)
# --------------------------------------------------------------------------
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_PREFIX = re.compile(r"^(?:[-+0-9.eE]+|NA|start\([^)]*\)|[A-Za-z_][A-Za-z0-9_]*)\*")


def _statements(model: str) -> list[str]:
    if not isinstance(model, str) or not model.strip():
        raise MeasurementError(f"the model must be lavaan syntax in a non-empty string (got {model!r})")
    out = []
    for raw in re.split(r"[\n;]", model):
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _terms(rhs: str, line: str) -> list[str]:
    names = []
    for term in rhs.split("+"):
        term = _PREFIX.sub("", term.strip())
        if not _NAME.match(term):
            raise MeasurementError(f"cannot read {term!r} in the model line {line!r}: expected variable names joined by '+'")
        names.append(term)
    return names


def parse_model(model: str) -> dict[str, list[str]]:
    """The measurement part of a lavaan model: factor → its indicators.

    Parameters
    ----------
    model : str
        lavaan syntax; lines ``f =~ a + b + c`` define factors (an indicator
        may itself be a factor, for second-order models).  Other lines
        (``~`` regressions, ``~~`` covariances) are ignored here; fixed or
        labelled terms such as ``1*a`` or ``NA*a`` are read as ``a``.

    Returns
    -------
    dict
        ``{factor: [indicator, ...]}`` in the order of the model.

    Examples
    --------
    >>> parse_model("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5")
    {'visual': ['x1', 'x2', 'x3'], 'textual': ['x4', 'x5']}
    """
    factors: dict[str, list[str]] = {}
    for line in _statements(model):
        if "=~" not in line:
            continue
        lhs, rhs = line.split("=~", 1)
        lhs = lhs.strip()
        if not _NAME.match(lhs):
            raise MeasurementError(f"cannot read the factor name {lhs!r} in the model line {line!r}")
        factors.setdefault(lhs, []).extend(_terms(rhs, line))
    if not factors:
        raise MeasurementError("the model defines no factor: expected at least one line 'factor =~ item1 + item2 + ...'")
    return factors


def regressions(model: str) -> list[tuple[str, str]]:
    """The structural part of a lavaan model: ``(outcome, predictor)`` pairs of its ``~`` lines."""
    pairs = []
    for line in _statements(model):
        if "=~" in line or "~~" in line or "~" not in line:
            continue
        lhs, rhs = line.split("~", 1)
        for outcome in _terms(lhs, line):
            pairs.extend((outcome, p) for p in _terms(rhs, line))
    return pairs


def _observed(model: str) -> list[str]:
    """Variables of the model that are not factors: the columns it needs."""
    factors = parse_model(model)
    names: list[str] = []
    for items in factors.values():
        names += items
    for outcome, predictor in regressions(model):
        names += [outcome, predictor]
    for line in _statements(model):
        if "~~" in line:
            lhs, rhs = line.split("~~", 1)
            names += _terms(lhs, line) + _terms(rhs, line)
    return list(dict.fromkeys(n for n in names if n not in factors))


def _scales(model_or_scales: str | Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """First-order factors and their items, from a model string or a mapping."""
    if isinstance(model_or_scales, str):
        factors = parse_model(model_or_scales)
    elif isinstance(model_or_scales, Mapping):
        factors = {str(k): list(v) for k, v in model_or_scales.items()}
    else:
        raise MeasurementError(
            f"expected a lavaan model string or a mapping factor -> items (got {type(model_or_scales).__name__})"
        )
    first = {f: items for f, items in factors.items() if not any(i in factors for i in items)}
    if not first:
        raise MeasurementError("the model has no first-order factor (one measured by observed items)")
    return first


# --------------------------------------------------------------------------
# Data checks: every problem named, nothing dropped silently
# --------------------------------------------------------------------------
def _rows(index: pd.Index, limit: int = 5) -> str:
    shown = ", ".join(str(i) for i in index[:limit])
    return shown + (f" … ({len(index)} rows)" if len(index) > limit else "")


def _numeric_frame(data: Any, columns: Sequence[str], *, what: str) -> pd.DataFrame:
    """The named columns as floats, listwise complete; clear errors otherwise.

    Rows with a missing value are dropped with a warning that counts them.
    """
    if not isinstance(data, pd.DataFrame):
        raise MeasurementError(f"{what}: expected a pandas DataFrame of item scores (got {type(data).__name__})")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, [str(c) for c in data.columns], n=1, cutoff=0.5)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise MeasurementError(f"{what}: the data has no column {', '.join(hints)}")
    frame = data.loc[:, list(columns)]
    errors = []
    out = {}
    for col in columns:
        values = frame[col]
        if pd.api.types.is_bool_dtype(values.dtype) or not (
            pd.api.types.is_numeric_dtype(values.dtype) or values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
        ):
            errors.append(f"column {col!r} must be numeric (got dtype {values.dtype})")
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & numbers.isna()
        if bad.any():
            examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
            errors.append(f"column {col!r} must be numeric: rows {_rows(values.index[bad])} hold {examples}")
            continue
        out[col] = numbers.astype(float)
    if errors:
        raise MeasurementError(f"{what}: " + "; ".join(errors))
    frame = pd.DataFrame(out, index=data.index)
    frame = frame.replace([np.inf, -np.inf], np.nan)
    incomplete = frame.isna().any(axis=1)
    if incomplete.any():
        warnings.warn(
            f"{what}: dropped {int(incomplete.sum())} of {len(frame)} rows with a missing value "
            f"(listwise deletion; rows {_rows(frame.index[incomplete])})",
            UserWarning,
            stacklevel=3,
        )
        frame = frame.loc[~incomplete]
    if len(frame) < max(MIN_CASES, len(columns) + 1):
        raise MeasurementError(
            f"{what}: too few complete cases: {len(frame)} (need at least {max(MIN_CASES, len(columns) + 1)} "
            f"for {len(columns)} variables)"
        )
    constant = [c for c in columns if frame[c].nunique() < 2]
    if constant:
        raise MeasurementError(
            f"{what}: column(s) {', '.join(map(repr, constant))} are constant (every complete row has the same "
            "value): a constant item carries no information about the construct"
        )
    return frame


# --------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------
def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def _feldt_ci(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987, p. 95, formulas 6–7)."""
    tail = (1 - confidence) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (
        float(1 - (1 - alpha) * sps.f.ppf(1 - tail, df1, df2)),
        float(1 - (1 - alpha) * sps.f.ppf(tail, df1, df2)),
    )


@dataclass(frozen=True)
class Reliability:
    """Internal consistency of one scale (see :func:`reliability`)."""

    alpha: float
    alpha_ci: tuple[float, float]
    omega: float
    n: int
    k: int
    confidence: float
    items: pd.DataFrame = field(repr=False, hash=False, compare=False)
    name: str = ""

    @property
    def table(self) -> pd.DataFrame:
        """One row: ``k, n, alpha, alpha_low, alpha_high, omega``."""
        row = {
            "k": self.k, "n": self.n, "alpha": self.alpha,
            "alpha_low": self.alpha_ci[0], "alpha_high": self.alpha_ci[1], "omega": self.omega,
        }
        return pd.DataFrame([row], index=pd.Index([self.name or "scale"], name="factor"))

    def report(self, decimals: int = 2) -> str:
        """One line: ``α = .85, 95% CI [.83, .87], ω = .86, k = 3, n = 684``."""
        def f(x: float) -> str:
            text = f"{x:.{decimals}f}"
            return text.replace("0.", ".", 1) if abs(x) < 1 else text

        level = f"{self.confidence * 100:g}%"
        label = f"{self.name}: " if self.name else ""
        return (
            f"{label}α = {f(self.alpha)}, {level} CI [{f(self.alpha_ci[0])}, {f(self.alpha_ci[1])}], "
            f"ω = {f(self.omega)}, k = {self.k}, n = {self.n:,}"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.report())}</p>" + self.items.round(3).to_html()


def _one_factor_omega(frame: pd.DataFrame) -> float:
    """McDonald's ω from a one-factor model: (Σλ)² / ((Σλ)² + Σθ)."""
    cols = list(frame.columns)
    if len(cols) == 2:  # a 2-item factor is not identified alone; ω reduces to the Spearman–Brown value
        r = float(np.corrcoef(frame.to_numpy(), rowvar=False)[0, 1])
        cov = np.cov(frame.to_numpy(), rowvar=False)
        lam = np.sqrt(np.clip(r, 0, None) * np.sqrt(np.diag(cov)) ** 2)
        theta = np.diag(cov) - lam**2
        return float(lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum()))
    fitted = _fit(frame, "f =~ " + " + ".join(cols), what="omega")
    var = pd.Series(np.diag(fitted._implied), index=list(fitted.model.vars["observed"])).reindex(cols).to_numpy()
    lam = fitted.loadings.set_index("item")["std_estimate"].reindex(cols).to_numpy() * np.sqrt(var)
    theta = var - lam**2
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum()))


def reliability(items: pd.DataFrame, *, confidence: float = 0.95, name: str = "") -> Reliability:
    """Cronbach's α with its interval, McDonald's ω, and item statistics.

    Parameters
    ----------
    items : DataFrame
        One column per item (at least 2), one row per respondent.  Rows with
        a missing answer are dropped with a warning that counts them.
    confidence : float, default 0.95
        Confidence level of the interval for α.
    name : str, optional
        The scale's name, shown in reports.

    Returns
    -------
    Reliability
        ``alpha``, ``alpha_ci`` (Feldt, Woodruff & Salih 1987), ``omega``
        (McDonald 1999; ω total from a one-factor model fitted by maximum
        likelihood), ``n``, ``k``, and ``items``: per item its mean, sd, the
        corrected item–total correlation (with the sum of the *other* items)
        and α if the item is dropped.

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k-1}\\Bigl(1 - \\frac{\\sum_i s_i^2}{s_X^2}\\Bigr)

    The interval uses :math:`(1-\\alpha)/(1-\\hat\\alpha) \\sim F(n-1, (n-1)(k-1))`
    (exact for parallel items under normality).  α is a lower bound of
    reliability unless the items are τ-equivalent; ω drops that assumption
    (only one common factor), so ω ≥ α is usual.
    """
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise MeasurementError(f"'confidence' must be > 0 and < 1 (got {confidence!r})")
    if not isinstance(items, pd.DataFrame):
        raise MeasurementError(f"reliability: expected a DataFrame with one column per item (got {type(items).__name__})")
    what = f"reliability of {name!r}" if name else "reliability"
    if items.shape[1] < 2:
        raise MeasurementError(f"{what}: needs at least 2 items (got {items.shape[1]}: {list(items.columns)})")
    frame = _numeric_frame(items, [c for c in items.columns], what=what)
    x = frame.to_numpy()
    n, k = x.shape
    cov = np.cov(x, rowvar=False)
    alpha = float(_alpha(cov))
    total = x.sum(axis=1)
    rest = total[:, None] - x
    item_total = np.array([np.corrcoef(x[:, j], rest[:, j])[0, 1] for j in range(k)])
    if k > 2:
        keep = ~np.eye(k, dtype=bool)
        dropped = np.array([_alpha(cov[np.ix_(keep[j], keep[j])]) for j in range(k)])
    else:
        dropped = np.full(k, np.nan)  # α of one item is undefined
    table = pd.DataFrame(
        {"mean": x.mean(axis=0), "sd": x.std(axis=0, ddof=1), "item_total_r": item_total, "alpha_if_dropped": dropped},
        index=pd.Index([str(c) for c in frame.columns], name="item"),
    )
    return Reliability(
        alpha=alpha,
        alpha_ci=_feldt_ci(alpha, n, k, confidence),
        omega=_one_factor_omega(frame),
        n=n,
        k=k,
        confidence=float(confidence),
        items=table,
        name=name,
    )


def reliability_table(
    data: pd.DataFrame, model_or_scales: str | Mapping[str, Sequence[str]], *, confidence: float = 0.95
) -> pd.DataFrame:
    """:func:`reliability` of every first-order factor: one row each (``k, n, alpha, alpha_low, alpha_high, omega``)."""
    scales = _scales(model_or_scales)
    rows = [reliability(_columns(data, items, f"reliability of {f!r}"), confidence=confidence, name=f).table
            for f, items in scales.items()]
    return pd.concat(rows)


def _columns(data: Any, items: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise MeasurementError(f"{what}: expected a pandas DataFrame (got {type(data).__name__})")
    absent = [i for i in items if i not in data.columns]
    if absent:
        _numeric_frame(data, items, what=what)  # raises with "did you mean"
    return data.loc[:, list(items)]


def scale_scores(data: pd.DataFrame, model_or_scales: str | Mapping[str, Sequence[str]], *,
                 missing: str = "keep") -> pd.DataFrame:
    """The mean item score of every first-order factor, one column each.

    Parameters
    ----------
    data : DataFrame
        Item scores.
    model_or_scales : str or mapping
        A lavaan-syntax model (its first-order factors) or ``name -> items``.
    missing : {"keep", "raise", "drop"}, default "keep"
        A respondent with a missing item gets NaN for that scale, with a
        warning that counts them (``"keep"``: a mean over fewer items is a
        different measure); ``"raise"`` names the columns and rows;
        ``"drop"`` drops the rows with any missing item of any scale (with a
        warning).  See :func:`crm_lab._checks.numeric_columns`.

    Returns
    -------
    DataFrame
        One float column per factor, the index of *data* (fewer rows with
        ``missing="drop"``).

    Examples
    --------
    >>> d = pd.DataFrame({"a1": [1, 2], "a2": [3, 4], "b1": [5, 6], "b2": [7, 8]})
    >>> scale_scores(d, {"a": ["a1", "a2"], "b": ["b1", "b2"]})["b"].tolist()
    [6.0, 7.0]
    """
    from ._checks import check_choice, numeric_columns

    check_choice(missing, "missing", ("keep", "raise", "drop"), error=MeasurementError)
    scales = _scales(model_or_scales)
    items = list(dict.fromkeys(i for its in scales.values() for i in its))
    frame = numeric_columns(data, items, what="scale scores", missing=missing, error=MeasurementError)
    out = {}
    for factor, its in scales.items():
        incomplete = frame[list(its)].isna().any(axis=1)
        if incomplete.any():
            warnings.warn(
                f"scale score of {factor!r}: {int(incomplete.sum())} of {len(frame)} rows have a missing item "
                "and get NaN", UserWarning, stacklevel=2,
            )
        out[factor] = frame[list(its)].mean(axis=1, skipna=False)
    return pd.DataFrame(out, index=frame.index)


# --------------------------------------------------------------------------
# CFA and SEM
# --------------------------------------------------------------------------
@dataclass
class SEMResult:
    """A fitted CFA or SEM (see :func:`cfa`).

    Attributes
    ----------
    model_text : str
        The lavaan syntax that was fitted.
    n : int
        Complete cases used.
    fit : dict
        ``n, npar, chi2, df, p_value, cfi, tli, rmsea, rmsea_low, rmsea_high,
        srmr, loglik, aic, bic, baseline_chi2, baseline_df``.
    estimates : DataFrame
        Every parameter: ``lhs, op, rhs, estimate, std_estimate, se, z,
        p_value`` with lavaan's operators (``=~`` loadings, ``~``
        regressions, ``~~`` (co)variances).
    loadings, paths, covariances : DataFrame
        The ``=~``, ``~`` and ``~~`` (between two variables) rows;
        ``loadings`` names its columns ``factor, item``.
    factor_correlations : DataFrame
        Model-implied correlations of the factors.
    validity : DataFrame
        Per factor: ``level`` (1 = measured by items, 2 = by factors), ``k``,
        ``cr``, ``ave``, ``sqrt_ave``, ``omega``, ``max_r`` (largest
        correlation with another factor) and ``fornell_larcker_ok``.
    model : semopy.Model
        The fitted semopy model.
    """

    model_text: str
    n: int
    fit: dict
    estimates: pd.DataFrame
    factor_correlations: pd.DataFrame
    validity: pd.DataFrame
    model: Any = field(repr=False)
    _implied: np.ndarray = field(repr=False, default=None)

    @property
    def loadings(self) -> pd.DataFrame:
        rows = self.estimates[self.estimates["op"] == "=~"]
        return rows.drop(columns="op").rename(columns={"lhs": "factor", "rhs": "item"}).reset_index(drop=True)

    @property
    def paths(self) -> pd.DataFrame:
        rows = self.estimates[self.estimates["op"] == "~"]
        return rows.drop(columns="op").reset_index(drop=True)

    @property
    def covariances(self) -> pd.DataFrame:
        est = self.estimates
        rows = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])]
        return rows.drop(columns="op").reset_index(drop=True)

    @property
    def fornell_larcker(self) -> pd.DataFrame:
        """√AVE on the diagonal, |factor correlations| off it (Fornell & Larcker 1981)."""
        names = list(self.validity.index)
        out = self.factor_correlations.loc[names, names].abs().copy()
        for f in names:
            out.loc[f, f] = self.validity.loc[f, "sqrt_ave"]
        return out

    @property
    def fit_table(self) -> pd.DataFrame:
        """The fit indices beside the Hu & Bentler (1999) cut-offs."""
        rows = []
        f = self.fit
        rows.append(("chi2", f["chi2"], f"df = {f['df']}, p = {f['p_value']:.3g}", "exact fit rejected" if f["p_value"] < 0.05 else "not rejected"))
        for key, label in (("cfi", "CFI"), ("tli", "TLI"), ("rmsea", "RMSEA"), ("srmr", "SRMR")):
            op, cut = CUTOFFS[key]
            ok = f[key] >= cut if op == ">=" else f[key] <= cut
            note = f"{op} {cut:g}"
            if key == "rmsea":
                note += f"; 90% CI [{f['rmsea_low']:.3f}, {f['rmsea_high']:.3f}]"
            rows.append((label, f[key], note, "meets" if ok else "misses"))
        return pd.DataFrame(rows, columns=["index", "value", "cut-off (Hu & Bentler 1999)", "verdict"]).set_index("index")

    def report(self) -> str:
        """One line: ``χ²(24) = 85.31, p < .001; CFI = .931, TLI = .896, RMSEA = .092 [.071, .114], SRMR = .065; n = 301``."""
        f = self.fit

        def d(x: float) -> str:
            return f"{x:.3f}".replace("0.", ".", 1)

        p = "p < .001" if f["p_value"] < 0.001 else f"p = {d(f['p_value'])}"
        return (
            f"χ²({f['df']}) = {f['chi2']:.2f}, {p}; CFI = {d(f['cfi'])}, TLI = {d(f['tli'])}, "
            f"RMSEA = {d(f['rmsea'])} [{d(f['rmsea_low'])}, {d(f['rmsea_high'])}], SRMR = {d(f['srmr'])}; n = {self.n:,}"
        )

    def __str__(self) -> str:
        return self.report()

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.report())}</p>" + self.fit_table.to_html(float_format=lambda x: f"{x:.3f}")


def _check_model_names(model: str, data: pd.DataFrame) -> list[str]:
    factors = parse_model(model)
    clash = [f for f in factors if f in data.columns]
    if clash:
        raise MeasurementError(
            f"factor name(s) {', '.join(map(repr, clash))} are also columns of the data: rename the factor(s)"
        )
    single = [f for f, items in factors.items() if len(items) < 2]
    if single:
        raise MeasurementError(f"factor(s) {', '.join(map(repr, single))} have fewer than 2 indicators")
    return _observed(model)


def _fit(data: pd.DataFrame, model: str, *, what: str) -> SEMResult:
    import semopy  # imported here: semopy is slow to import and only this path needs it

    observed = _check_model_names(model, data) if isinstance(data, pd.DataFrame) else []
    frame = _numeric_frame(data, observed, what=what)
    sem_model = semopy.Model(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # semopy's own numerical chatter; convergence is checked below
        result = sem_model.fit(frame, obj="MLW")
    if not result.success or not np.isfinite(result.fun):
        raise ConvergenceError(
            f"{what}: the optimiser did not converge ({result.message}); no estimates are reported. "
            "Check the model (identification, factor names) and the data (enough cases, items that vary)."
        )
    return _assemble(sem_model, frame, model)


def _implied_inner(m: Any) -> tuple[list[str], np.ndarray]:
    """Model-implied covariance of the inner (latent and structural) variables."""
    names = list(m.vars["inner"])
    b = np.asarray(m.mx_beta)
    inv = np.linalg.inv(np.eye(b.shape[0]) - b)
    return names, inv @ np.asarray(m.mx_psi) @ inv.T


def _loglik(s: np.ndarray, sigma: np.ndarray, n: int) -> float:
    p = s.shape[0]
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return math.nan
    return float(-n / 2 * (p * math.log(2 * math.pi) + logdet + np.trace(s @ np.linalg.inv(sigma))))


def _fit_indices(m: Any, frame: pd.DataFrame, n_free: int) -> tuple[dict, np.ndarray]:
    import semopy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = semopy.calc_stats(m).loc["Value"]
    obs = list(m.vars["observed"])
    s = frame[obs].cov(ddof=0).to_numpy()  # the ML (N-divisor) sample covariance, as lavaan
    sigma = np.asarray(m.calc_sigma()[0])
    n = len(frame)
    chi2, df = float(stats["chi2"]), int(round(float(stats["DoF"])))
    chi2_b, df_b = float(stats["chi2 Baseline"]), int(round(float(stats["DoF Baseline"])))
    d, d_b = max(chi2 - df, 0.0), max(chi2_b - df_b, 0.0)
    cfi = 1.0 if max(d, d_b) == 0 else 1 - d / max(d, d_b)
    if df > 0 and df_b > 0 and chi2_b / df_b > 1:
        tli = ((chi2_b / df_b) - (chi2 / df)) / ((chi2_b / df_b) - 1)
    else:
        tli = math.nan
    if df > 0:
        rmsea = math.sqrt(d / (df * n))
        lo = math.sqrt(_ncx2_bound(chi2, df, 0.95) / (df * n))
        hi = math.sqrt(_ncx2_bound(chi2, df, 0.05) / (df * n))
    else:
        rmsea = lo = hi = 0.0
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    tri = np.tril_indices_from(resid)
    srmr = float(np.sqrt(np.mean(resid[tri] ** 2)))
    loglik = _loglik(s, sigma, n)
    fit = {
        "n": n,
        "npar": n_free,
        "chi2": chi2,
        "df": df,
        "p_value": float(sps.chi2.sf(chi2, df)) if df > 0 else math.nan,
        "cfi": float(min(max(cfi, 0.0), 1.0)),
        "tli": float(min(max(tli, 0.0), 1.0)) if not math.isnan(tli) else math.nan,
        "rmsea": rmsea,
        "rmsea_low": lo,
        "rmsea_high": hi,
        "srmr": srmr,
        "loglik": loglik,
        "aic": -2 * loglik + 2 * n_free,
        "bic": -2 * loglik + math.log(n) * n_free,
        "baseline_chi2": chi2_b,
        "baseline_df": df_b,
    }
    return fit, sigma


def _tidy_estimates(m: Any, factors: dict[str, list[str]]) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = m.inspect(std_est=True)
    loading = raw.apply(lambda r: r["op"] == "~" and r["rval"] in factors and r["lval"] in factors[r["rval"]], axis=1)
    est = pd.DataFrame(
        {
            "lhs": np.where(loading, raw["rval"], raw["lval"]),
            "op": np.where(loading, "=~", raw["op"]),
            "rhs": np.where(loading, raw["lval"], raw["rval"]),
            "estimate": pd.to_numeric(raw["Estimate"], errors="coerce"),
            "std_estimate": pd.to_numeric(raw["Est. Std"], errors="coerce"),
            "se": pd.to_numeric(raw["Std. Err"], errors="coerce"),
            "z": pd.to_numeric(raw["z-value"], errors="coerce"),
            "p_value": pd.to_numeric(raw["p-value"], errors="coerce"),
        }
    )
    # lavaan's order: loadings (in model order), regressions, then (co)variances
    order = {"=~": 0, "~": 1, "~~": 2}
    rank = {name: i for i, name in enumerate([*factors, *[i for items in factors.values() for i in items]])}
    est["_o"] = est["op"].map(order)
    est["_l"] = est["lhs"].map(rank).fillna(len(rank))
    est["_r"] = est["rhs"].map(rank).fillna(len(rank))
    return est.sort_values(["_o", "_l", "_r"], kind="stable").drop(columns=["_o", "_l", "_r"]).reset_index(drop=True)


def _validity(est: pd.DataFrame, factors: dict[str, list[str]], corr: pd.DataFrame,
              implied: np.ndarray, observed: list[str], s: np.ndarray) -> pd.DataFrame:
    rows = {}
    idx = {name: i for i, name in enumerate(observed)}
    load = est[est["op"] == "=~"]
    for f, items in factors.items():
        lam = load[load["lhs"] == f].set_index("rhs")["std_estimate"].reindex(items).to_numpy(dtype=float)
        theta = 1 - lam**2
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
        ave = float(np.mean(lam**2))
        level = 2 if any(i in factors for i in items) else 1
        if level == 1:
            pos = [idx[i] for i in items]
            sd = np.sqrt(np.diag(implied)[pos])
            omega = float((lam * sd).sum() ** 2 / s[np.ix_(pos, pos)].sum())
        else:
            omega = math.nan
        others = corr.loc[f].drop(f).abs() if f in corr.index else pd.Series(dtype=float)
        others = others[[o for o in others.index if o in factors and o not in items and f not in factors.get(o, [])]]
        max_r = float(others.max()) if len(others) else math.nan
        rows[f] = {
            "level": level, "k": len(items), "cr": float(cr), "ave": ave, "sqrt_ave": math.sqrt(ave),
            "omega": omega, "max_r": max_r,
            "fornell_larcker_ok": bool(math.sqrt(ave) > max_r) if not math.isnan(max_r) else True,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "factor"
    return out


def _assemble(m: Any, frame: pd.DataFrame, model: str) -> SEMResult:
    factors = parse_model(model)
    n_free = len(m.param_vals)
    fit, sigma = _fit_indices(m, frame, n_free)
    est = _tidy_estimates(m, factors)
    names, cov = _implied_inner(m)
    sd = np.sqrt(np.diag(cov))
    corr = pd.DataFrame(cov / np.outer(sd, sd), index=names, columns=names)
    latent = [f for f in factors if f in names]
    corr = corr.loc[latent, latent]
    observed = list(m.vars["observed"])
    s = frame[observed].cov(ddof=0).to_numpy()
    validity = _validity(est, factors, corr, sigma, observed, s)
    variances = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"])]
    # at the zero boundary (semopy bounds variances at 0) or below: < 0.1% of the variable's variance
    improper = variances[(variances["estimate"] <= 0) | (variances["std_estimate"] < 1e-3)]
    if len(improper):
        warnings.warn(
            f"variance estimate(s) of {', '.join(improper['lhs'])} at or below zero (a Heywood case): the "
            "solution is improper; read the loadings and validity with care", UserWarning, stacklevel=3,
        )
    return SEMResult(model_text=model, n=len(frame), fit=fit, estimates=est, factor_correlations=corr,
                     validity=validity, model=m, _implied=sigma)


def cfa(data: pd.DataFrame, model: str) -> SEMResult:
    """Fit a confirmatory factor analysis (or any SEM) written in lavaan syntax.

    Parameters
    ----------
    data : DataFrame
        One column per observed variable the model names (others are
        ignored).  Rows with a missing value are dropped with a warning that
        counts them.
    model : str
        lavaan syntax: ``f =~ a + b + c`` (the first loading is fixed to 1,
        as in lavaan), ``y ~ x`` regressions, ``a ~~ b`` covariances.
        Exogenous factors covary freely.

    Returns
    -------
    SEMResult
        Fit indices (``result.fit``), standardised loadings, paths, the
        factor correlations and the validity table.

    Raises
    ------
    MeasurementError
        A column the model names is missing or not numeric, an item is
        constant, too few complete cases, a factor has fewer than 2
        indicators.
    ConvergenceError
        The optimiser failed: no numbers are reported.

    Notes
    -----
    Estimation is semopy's normal-theory maximum likelihood (``MLW``), whose
    χ² is :math:`N \\cdot F_{ML}` like lavaan's.  RMSEA uses N (lavaan's
    convention): :math:`\\sqrt{\\max(\\chi^2 - df, 0)/(df \\cdot N)}`, its 90%
    interval from the noncentral χ² (Steiger 1990).  SRMR is Bentler's: the
    root mean square of the residual covariances scaled by the observed SDs,
    over the :math:`p(p+1)/2` distinct elements.  CFI and TLI are clipped to
    [0, 1] (as lavaan and Mplus report them).

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> hs = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> cfa(holzinger39.get_data(), hs).report()
    'χ²(24) = 85.31, p < .001; CFI = .931, TLI = .896, RMSEA = .092 [.071, .114], SRMR = .065; n = 301'
    """
    return _fit(data, model, what="cfa")


def sem(data: pd.DataFrame, model: str) -> SEMResult:
    """Fit a structural equation model: :func:`cfa` with ``~`` regressions between factors."""
    return _fit(data, model, what="sem")


def htmt(data: pd.DataFrame, model: str | Mapping[str, Sequence[str]], *, method: str = "htmt") -> pd.DataFrame:
    """The heterotrait–monotrait ratio of correlations (Henseler, Ringle & Sarstedt 2015).

    For factors :math:`i, j`,

    .. math:: \\mathrm{HTMT}_{ij} = \\frac{\\overline{|r|}_{\\text{between } i,j}}
              {\\sqrt{\\overline{|r|}_{\\text{within } i}\\;\\overline{|r|}_{\\text{within } j}}}

    the mean absolute correlation of items across the two factors over the
    geometric mean of the mean correlations within each (within: the distinct
    pairs of items of one factor).  Values above .85 (strict) or .90
    (lenient) signal a lack of discriminant validity.

    Parameters
    ----------
    data : DataFrame
        The items; rows with a missing item are dropped with a warning.
    model : str or mapping
        lavaan syntax or ``{factor: items}``; the first-order factors are
        used (each needs 2+ items).
    method : {"htmt", "htmt2"}
        ``"htmt"``: arithmetic means (Henseler et al. 2015).  ``"htmt2"``:
        geometric means (Roemer, Schuberth & Henseler 2021), consistent for
        congeneric items; semTools' ``htmt()`` default since version 0.5-6.

    Returns
    -------
    DataFrame
        Factor × factor, symmetric, 1.0 on the diagonal.
    """
    if method not in ("htmt", "htmt2"):
        raise MeasurementError(f"htmt: method must be 'htmt' or 'htmt2' (got {method!r})")
    scales = _scales(model)
    short = [f for f, items in scales.items() if len(items) < 2]
    if short:
        raise MeasurementError(f"htmt: factor(s) {', '.join(map(repr, short))} need at least 2 items")
    if len(scales) < 2:
        raise MeasurementError("htmt: needs at least 2 factors")
    columns = list(dict.fromkeys(i for items in scales.values() for i in items))
    frame = _numeric_frame(data, columns, what="htmt")
    r = frame.corr().abs()
    if method == "htmt":
        mean = np.mean
    else:
        if (r.to_numpy() == 0).any():
            raise MeasurementError("htmt: 'htmt2' needs non-zero correlations (a geometric mean of a zero is 0)")

        def mean(values: np.ndarray) -> float:
            return float(np.exp(np.mean(np.log(values))))

    names = list(scales)
    within = {}
    for f in names:
        block = r.loc[scales[f], scales[f]].to_numpy()
        within[f] = mean(block[np.triu_indices_from(block, k=1)])
    out = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            fa, fb = names[a], names[b]
            between = mean(r.loc[scales[fa], scales[fb]].to_numpy().ravel())
            out.iloc[a, b] = out.iloc[b, a] = between / math.sqrt(within[fa] * within[fb])
    return out


def chi2_difference(restricted: SEMResult, general: SEMResult, *, confidence: float = 0.90) -> TestResult:
    """Likelihood-ratio (χ² difference) test of two nested models fitted to the same data.

    Parameters
    ----------
    restricted : SEMResult
        The simpler model (more degrees of freedom), e.g. one factor.
    general : SEMResult
        The model it is nested in, e.g. three correlated factors.
    confidence : float, default 0.90
        Level of the interval for RMSEA_D (90% as for RMSEA).

    Returns
    -------
    TestResult
        ``statistic`` = Δχ², ``df`` = Δdf; effect = RMSEA_D, the RMSEA of the
        difference test (Savalei, Brace & Fouladi 2023),
        :math:`\\sqrt{\\max(\\Delta\\chi^2 - \\Delta df, 0)/(\\Delta df \\cdot N)}`,
        with its noncentral-χ² interval.  ``extra`` holds ΔCFI and ΔAIC
        (general minus restricted).

    Notes
    -----
    That the models are nested is the caller's claim (not checked); the
    test needs normal-theory ML fits on the same rows.
    """
    for name, res in (("restricted", restricted), ("general", general)):
        if not isinstance(res, SEMResult):
            raise MeasurementError(f"chi2_difference: {name!r} must be a result of cfa() or sem() (got {type(res).__name__})")
    if restricted.n != general.n:
        raise MeasurementError(
            f"chi2_difference: the models were fitted to different data (n = {restricted.n} vs {general.n})"
        )
    d_df = restricted.fit["df"] - general.fit["df"]
    if d_df <= 0:
        raise MeasurementError(
            f"chi2_difference: the restricted model must have more degrees of freedom than the general one "
            f"(got {restricted.fit['df']} vs {general.fit['df']}); swap the arguments?"
        )
    d_chi2 = max(restricted.fit["chi2"] - general.fit["chi2"], 0.0)
    n = general.n
    est = math.sqrt(max(d_chi2 - d_df, 0.0) / (d_df * n))
    tail = (1 - confidence) / 2
    lo = math.sqrt(_ncx2_bound(d_chi2, d_df, 1 - tail) / (d_df * n))
    hi = math.sqrt(_ncx2_bound(d_chi2, d_df, tail) / (d_df * n))
    return TestResult(
        test="χ² difference test",
        statistic=d_chi2,
        df=float(d_df),
        p_value=float(sps.chi2.sf(d_chi2, d_df)),
        effect="RMSEA_D",
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        se=None,
        n=n,
        confidence=confidence,
        method="likelihood-ratio test of nested ML models; RMSEA of the difference with a noncentral-χ² interval",
        citation="Savalei, Brace & Fouladi (2023), Psychological Methods",
        extra={
            "delta_cfi": general.fit["cfi"] - restricted.fit["cfi"],
            "delta_aic": general.fit["aic"] - restricted.fit["aic"],
            "chi2_restricted": restricted.fit["chi2"],
            "chi2_general": general.fit["chi2"],
        },
        statistic_name="Δχ²",
    )


# --------------------------------------------------------------------------
# Nested models compared
# --------------------------------------------------------------------------
#: The fit columns of :attr:`ModelComparison.fits`.
FIT_COLUMNS = ("n", "npar", "chi2", "df", "p_value", "cfi", "tli", "rmsea", "rmsea_low", "rmsea_high", "srmr",
               "aic", "bic")


@dataclass(frozen=True)
class ModelComparison(Result):
    """Several CFA/SEM models fitted to the same rows and their χ² difference tests (see :func:`compare_models`).

    Attributes
    ----------
    table : DataFrame
        One row per comparison ``"restricted vs general"``: ``estimate``
        (RMSEA_D) with its interval, ``statistic`` (Δχ²), ``df`` (Δdf),
        ``p_value``, then ``delta_cfi`` and ``delta_aic`` (general minus
        restricted).
    fits : DataFrame
        One row per model: :data:`FIT_COLUMNS`.
    tests : dict
        ``"restricted vs general"`` -> :class:`~crm_lab.stats.TestResult`.
    models : dict
        Name -> :class:`SEMResult` (the fitted semopy models stay on them).
    meta : dict
        n, confidence, method, citation, the pairs compared.
    """

    table: pd.DataFrame
    fits: pd.DataFrame
    tests: dict = field(repr=False)
    models: dict = field(repr=False)
    meta: dict = field(default_factory=dict)

    _dict_fields = ("fits",)

    @property
    def title(self) -> str:
        return "Nested models compared: χ² difference tests (effect: RMSEA_D)"

    def _summary_lines(self, decimals: int) -> list[str]:
        from .results import format_table

        return ["Fit of each model:", format_table(self.fits, decimals).to_string(), ""]


def compare_models(data: pd.DataFrame, models: Mapping[str, str], *, pairs: Sequence[tuple[str, str]] | None = None,
                   kind: str = "cfa", confidence: float = 0.90) -> ModelComparison:
    """Fit nested CFA/SEM models to the same data and test each restricted model against a more general one.

    Parameters
    ----------
    data : DataFrame
        Item scores (the columns the models name).
    models : mapping
        Name -> lavaan-syntax model.
    pairs : sequence of (restricted, general), optional
        The comparisons; default every pair in the order given (each model
        against every later one), which suits models listed from the most
        restricted to the most general.  Nesting is the caller's claim.
    kind : {"cfa", "sem"}
        Fit with :func:`cfa` or :func:`sem`.
    confidence : float, default 0.90
        Level of the RMSEA_D interval (:func:`chi2_difference`).

    Returns
    -------
    ModelComparison

    Notes
    -----
    Every model is fitted to the same complete rows (the listwise-complete
    rows of all the models' items), so that the χ² differences are valid.

    References
    ----------
    Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). We need to change how
    we compute RMSEA for nested model comparisons in structural equation
    modeling. *Psychological Methods*. https://doi.org/10.1037/met0000537

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 1))
    >>> d = pd.DataFrame(f @ np.ones((1, 6)) * 0.7 + rng.normal(size=(300, 6)), columns=list("abcdef"))
    >>> out = compare_models(d, {"one": "g =~ a + b + c + d + e + f",
    ...                          "two": "f1 =~ a + b + c\\nf2 =~ d + e + f"})
    >>> list(out.table.index), int(out.table.loc["one vs two", "df"])
    (['one vs two'], 1)
    """
    from ._checks import check_choice, check_confidence

    confidence = check_confidence(confidence, error=MeasurementError)
    check_choice(kind, "kind", ("cfa", "sem"), error=MeasurementError)
    if not isinstance(models, Mapping) or len(models) < 2:
        raise MeasurementError(f"compare_models: 'models' must map at least two names to model strings (got {models!r:.80})")
    names = list(models)
    if pairs is None:
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    unknown = sorted({n for pair in pairs for n in pair} - set(names))
    if unknown:
        raise MeasurementError(f"compare_models: pairs name unknown model(s) {unknown}; the models are {names}")
    if isinstance(data, pd.DataFrame):
        items = sorted({i for model in models.values() for i in _observed(model) if i in data.columns})
        complete = _numeric_frame(data, items, what="compare_models")
        data = complete
    fit = cfa if kind == "cfa" else sem
    fitted = {name: fit(data, model) for name, model in models.items()}
    fits = pd.DataFrame({name: {k: r.fit.get(k, np.nan) for k in FIT_COLUMNS} for name, r in fitted.items()}).T
    fits.index.name = "model"
    tests = {f"{a} vs {b}": chi2_difference(fitted[a], fitted[b], confidence=confidence) for a, b in pairs}
    table = tidy_table(
        {
            "estimate": [t.estimate for t in tests.values()],
            "ci_low": [t.ci_low for t in tests.values()],
            "ci_high": [t.ci_high for t in tests.values()],
            "statistic": [t.statistic for t in tests.values()],
            "df": [t.df for t in tests.values()],
            "p_value": [t.p_value for t in tests.values()],
            "delta_cfi": [t.extra["delta_cfi"] for t in tests.values()],
            "delta_aic": [t.extra["delta_aic"] for t in tests.values()],
        },
        index=list(tests), name="comparison", extras=("delta_cfi", "delta_aic"),
    )
    n = int(next(iter(fitted.values())).n)
    meta = {"n": n, "confidence": confidence, "pairs": [list(p) for p in pairs], "kind": kind,
            "method": "ML fits (semopy) of nested models on the same rows; likelihood-ratio χ² difference tests "
                      "with RMSEA_D and its noncentral-χ² interval",
            "citation": "Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). Psychological Methods."}
    return ModelComparison(table=table, fits=fits, tests=tests, models=fitted, meta=meta)
