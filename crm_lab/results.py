"""The result protocol shared by every analysis, and the key results of a notebook run.

Every analysis function of crm_lab returns either a documented DataFrame or a
*result*: a frozen dataclass deriving from :class:`Result`, which gives it

* ``table`` — a tidy DataFrame whose first columns are always
  :data:`TABLE_COLUMNS` (``estimate, se, ci_low, ci_high, statistic, df,
  p_value``), then named extras (:func:`tidy_table` builds one);
* ``meta`` — a dict with at least ``n``, ``confidence``, ``method`` and
  ``citation``;
* ``summary(decimals=3)``, ``_repr_html_`` for notebooks, ``__str__``;
* ``to_dict()`` — everything JSON-plain (:func:`plain`), for a notebook's
  key-results cell and for sweeps.

Fitted statsmodels or semopy models stay reachable on the result (``model``).
:func:`coef_table` turns any fitted statsmodels model into the tidy table.
:func:`save_results` writes a notebook's key results as JSON.

This follows lifelines' ``StatisticalResult`` and statsmodels' ``Summary``
(see ``shared/STYLE.md``, "Results").
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "META_KEYS",
    "TABLE_COLUMNS",
    "Result",
    "coef_table",
    "interval_verdict",
    "plain",
    "save_results",
    "say_compare",
    "say_covers",
    "say_interval",
    "tidy_table",
]

#: The fixed leading columns of every result table, in order.
TABLE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value")

#: The keys every result's ``meta`` holds (others may follow).
META_KEYS = ("n", "confidence", "method", "citation")


def plain(value):
    """*value* as plain JSON-ready Python: numpy numbers become int/float, NaN and
    infinities None, tuples and arrays lists, mapping keys strings.

    Raises TypeError for anything else that is not text or None.
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, pd.DataFrame):
        return plain(value.reset_index().to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return plain(value.to_dict())
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return plain(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # a dataclass without to_dict: its shown fields (a fitted model has repr=False)
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr}
    raise TypeError(f"results must be numbers, text, lists or dicts; got {type(value).__name__} ({value!r:.60})")


def save_results(results: dict, output_dir: str | Path) -> Path | None:
    """Write *results* to ``<output_dir>/results.json``; ``""`` writes nothing.

    numpy numbers become plain JSON numbers, NaN becomes null; keys are
    sorted, so the same results give the same file.  The folder is created
    if needed.  Returns the path written, or None.

    Examples
    --------
    >>> save_results({"rate": np.float64(0.5)}, "") is None
    True
    """
    if output_dir is None or str(output_dir) == "":
        return None
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    path.write_text(json.dumps(plain(results), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# The tidy table
# --------------------------------------------------------------------------
def tidy_table(columns: Mapping[str, Any] | pd.DataFrame, *, index: Any = None, name: str | None = None,
               extras: Sequence[str] = ()) -> pd.DataFrame:
    """A result table: :data:`TABLE_COLUMNS` first (absent ones NaN), then *extras* in order.

    Parameters
    ----------
    columns : mapping or DataFrame
        Column name -> values.  Unknown names not listed in *extras* are an
        error (a typo must not become a silent extra column).
    index : array-like, optional
        Row labels (default those of *columns* when it is a DataFrame).
    name : str, optional
        Name of the index (``"term"``, ``"effect"``, ``"attribute"``).
    extras : sequence of str
        Further columns kept after the fixed ones.

    Examples
    --------
    >>> tidy_table({"estimate": [0.5], "n": [20]}, index=["a"], name="effect", extras=["n"]).columns.tolist()
    ['estimate', 'se', 'ci_low', 'ci_high', 'statistic', 'df', 'p_value', 'n']
    """
    frame = columns.copy() if isinstance(columns, pd.DataFrame) else pd.DataFrame(dict(columns))
    unknown = [c for c in frame.columns if c not in TABLE_COLUMNS and c not in extras]
    if unknown:
        raise ValueError(f"tidy_table: column(s) {unknown} are neither {list(TABLE_COLUMNS)} nor named in 'extras'")
    if index is not None:
        frame.index = pd.Index(list(index))
    for column in TABLE_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
        else:
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype(float)
    if name is not None:
        frame.index.name = name
    return frame[[*TABLE_COLUMNS, *[e for e in extras if e in frame.columns]]]


def coef_table(fit: Any, *, confidence: float = 0.95) -> pd.DataFrame:
    """The coefficients of a fitted statsmodels model as a tidy table.

    Works for any statsmodels results object with ``params``, ``bse``,
    ``tvalues``, ``pvalues`` and ``conf_int`` (OLS/WLS/GLM, Logit, Probit,
    OrderedModel, ...).  ``df`` is the residual degrees of freedom for
    t-based inference (``fit.use_t``), NaN for z-based.  The index holds the
    term names (``"term"``).

    Examples
    --------
    >>> import statsmodels.formula.api as smf
    >>> d = pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [1.1, 1.9, 3.2, 3.9, 5.1]})
    >>> coef_table(smf.ols("y ~ x", d).fit()).round(3).loc["x", ["estimate", "df"]].tolist()
    [1.0, 3.0]
    """
    from ._checks import check_confidence

    confidence = check_confidence(confidence)
    ci = np.asarray(fit.conf_int(alpha=1 - confidence), dtype=float)
    use_t = bool(getattr(fit, "use_t", False))
    df = float(fit.df_resid) if use_t else np.nan
    params = pd.Series(fit.params)
    return tidy_table(
        {
            "estimate": params.to_numpy(dtype=float),
            "se": np.asarray(fit.bse, dtype=float),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "statistic": np.asarray(fit.tvalues, dtype=float),
            "df": df,
            "p_value": np.asarray(fit.pvalues, dtype=float),
        },
        index=params.index,
        name="term",
    )


# --------------------------------------------------------------------------
# Formatting (rounding is always an argument)
# --------------------------------------------------------------------------
def fmt_number(x: Any, decimals: int) -> str:
    """Fixed-point text; NaN/None as ``NaN``, never ``-0.000``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NaN"
    if isinstance(x, numbers.Real) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        return str(x)
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def fmt_p(p: Any, decimals: int) -> str:
    """APA p-value: no leading zero; ``p < .001`` below the shown precision."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p = NaN"
    smallest = 10.0 ** (-decimals)
    if p < smallest:
        return "p < " + f"{smallest:.{decimals}f}".lstrip("0")
    if round(p, decimals) >= 1:
        return "p > " + f"{1 - smallest:.{decimals}f}".lstrip("0")
    return "p = " + f"{p:.{decimals}f}".lstrip("0")


def fmt_cell(column: str, value: Any, decimals: int) -> str:
    """A table cell: p-values in APA style (``< .001``), whole df as integers, the rest fixed-point."""
    if column == "p_value" and isinstance(value, numbers.Real):
        text = fmt_p(value, decimals)
        return text[len("p = "):] if text.startswith("p = ") else text[len("p "):]
    if column == "df" and isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        if float(value).is_integer() and column in ("n", "k", "count", "reps", "rank"):
            return str(int(value))
        return fmt_number(float(value), decimals)
    return str(value)


def format_table(table: pd.DataFrame, decimals: int = 3) -> pd.DataFrame:
    """*table* as text cells (see :func:`fmt_cell`), for printing with a fixed rounding."""
    shown = table.astype(object).copy()
    for column in shown.columns:
        shown[column] = [fmt_cell(str(column), v, decimals) for v in table[column]]
    return shown


# --------------------------------------------------------------------------
# The protocol
# --------------------------------------------------------------------------
class Result:
    """Mixin of every crm_lab result: ``table`` and ``meta`` in, the rest derived.

    A subclass is a frozen dataclass with (at least) the fields ``table``
    (a :func:`tidy_table`) and ``meta`` (a dict holding :data:`META_KEYS`).
    It may override :attr:`title` and :meth:`_summary_lines` (extra lines
    printed under the table) and add fields of its own; fields named in
    ``_dict_fields`` are added to :meth:`to_dict`.
    """

    _dict_fields: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or type(self).__name__)

    def _summary_lines(self, decimals: int) -> list[str]:
        return []

    def _meta_lines(self) -> list[str]:
        m = self.meta
        lines = []
        head = [f"{k} = {m[k]:,}" if k == "n" and isinstance(m.get(k), numbers.Integral) else f"{k} = {m[k]:g}"
                for k in ("n", "confidence") if isinstance(m.get(k), numbers.Real)]
        if head:
            lines.append("; ".join(head))
        if m.get("method"):
            lines.append(f"Method: {m['method']}")
        if m.get("citation"):
            lines.append(f"Reference: {m['citation']}")
        return lines

    def summary(self, decimals: int = 3) -> str:
        """Title, the table with *decimals* decimals, what the result adds, n, method and citation."""
        lines = [self.title, "=" * len(self.title), format_table(self.table, decimals).to_string(), ""]
        lines += self._summary_lines(decimals)
        lines += self._meta_lines()
        return "\n".join(lines).rstrip()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self, decimals: int = 3) -> str:
        extra = "".join(f"<p>{html.escape(line)}</p>" for line in self._summary_lines(decimals) if line)
        meta = "".join(f"<p><small>{html.escape(line)}</small></p>" for line in self._meta_lines())
        return (f"<div><strong>{html.escape(self.title)}</strong>"
                f"{format_table(self.table, decimals).to_html()}{extra}{meta}</div>")

    def to_dict(self) -> dict[str, Any]:
        """``table`` (a list of records, index included), ``meta`` and the ``_dict_fields``, JSON-plain."""
        out = {"table": plain(self.table), "meta": plain(self.meta)}
        for name in self._dict_fields:
            out[name] = plain(getattr(self, name))
        return out


# --------------------------------------------------------------------------
# Conclusions that stay true: sentences printed from the numbers
# --------------------------------------------------------------------------
def _bounds(low: float, high: float, decimals: int) -> str:
    return f"[{fmt_number(float(low), decimals)}, {fmt_number(float(high), decimals)}]"


def _row(result: Any, row: Any = None) -> tuple[float, float, float, float]:
    """(estimate, ci_low, ci_high, confidence) of a result, one of its table rows, or a 4-tuple."""
    if isinstance(result, tuple):
        return tuple(float(v) for v in result)  # type: ignore[return-value]
    table = result.table
    line = table.iloc[0] if row is None else table.loc[row]
    confidence = float(result.meta.get("confidence", float("nan")))
    return float(line["estimate"]), float(line["ci_low"]), float(line["ci_high"]), confidence


def say_interval(result: Any, what: str, *, row: Any = None, null: float = 0.0, decimals: int = 3,
                 supported: str = "", unsupported: str = "") -> str:
    """One sentence on whether an interval excludes the null value, written from the numbers.

    Parameters
    ----------
    result : Result, or (estimate, ci_low, ci_high, confidence)
    what : str
        What the estimate is ("the indirect effect").
    row : label, optional
        The table row (default the first).
    null : float, default 0
    supported, unsupported : str
        What follows in each case (", so the effect is supported").

    Examples
    --------
    >>> say_interval((0.07, 0.04, 0.10, 0.95), "the indirect effect", supported="the mediation is supported")
    'the indirect effect is 0.070, 95% CI [0.040, 0.100], which excludes 0: the mediation is supported.'
    >>> say_interval((0.02, -0.01, 0.05, 0.95), "the indirect effect", unsupported="the data cannot tell")
    'the indirect effect is 0.020, 95% CI [-0.010, 0.050], which includes 0: the data cannot tell.'
    """
    est, low, high, confidence = _row(result, row)
    level = f"{confidence * 100:g}% CI " if confidence == confidence else "CI "
    excludes = not (low <= null <= high)
    tail = supported if excludes else unsupported
    verdict = f"which {'excludes' if excludes else 'includes'} {null:g}"
    return (f"{what} is {fmt_number(est, decimals)}, {level}{_bounds(low, high, decimals)}, {verdict}"
            + (f": {tail}" if tail else "") + ".")


def say_covers(result: Any, truth: float | None, what: str, *, row: Any = None, decimals: int = 3) -> str:
    """Does the interval cover the planted value?  A sentence from the numbers (or why it cannot say).

    >>> say_covers((0.31, 0.25, 0.36, 0.95), 0.30, "the planted path")
    'the 95% CI [0.250, 0.360] covers the planted path, 0.300.'
    >>> say_covers((0.31, 0.25, 0.36, 0.95), 0.40, "the planted path")
    'the 95% CI [0.250, 0.360] misses the planted path, 0.400 (the estimate is below it).'
    >>> say_covers((0.31, 0.25, 0.36, 0.95), None, "the planted path")
    'there is no planted path to compare with (your own data have no planted truth).'
    """
    if truth is None or (isinstance(truth, float) and math.isnan(truth)):
        return f"there is no {what.removeprefix('the ')} to compare with (your own data have no planted truth)."
    est, low, high, confidence = _row(result, row)
    level = f"{confidence * 100:g}% CI" if confidence == confidence else "interval"
    if low <= truth <= high:
        return f"the {level} {_bounds(low, high, decimals)} covers {what}, {fmt_number(float(truth), decimals)}."
    side = "below" if est < truth else "above"
    return (f"the {level} {_bounds(low, high, decimals)} misses {what}, {fmt_number(float(truth), decimals)} "
            f"(the estimate is {side} it).")


def interval_verdict(result: Any, planted: float | None = None, *, row: Any = None, null: float = 0.0,
                     alpha: float | None = None) -> dict[str, Any]:
    """The numbers of an interval and the verdicts a notebook prints from them, as one dict for ``results.json``.

    Parameters
    ----------
    result : Result (a ``table`` with ``estimate, ci_low, ci_high``), or (estimate, ci_low, ci_high)
    planted : float, optional
        The planted value (None: no planted truth).
    row : label, optional
        The table row (default the first).
    null : float, default 0
    alpha : float, optional
        With a ``p_value`` in the row: ``significant`` = p < alpha.

    Returns
    -------
    dict
        ``estimate, ci_low, ci_high, excludes_null`` (the interval excludes
        *null*), ``planted``, ``planted_covered`` (None without a planted
        value), ``ratio_to_planted`` (estimate / planted, None when undefined)
        and, with *alpha*, ``p_value`` and ``significant``.

    Notes
    -----
    The same rule as :func:`say_interval` and :func:`say_covers`, so a
    sentence and its verdict agree.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions. *Statistics in Medicine*, 17(8), 873–890.

    Examples
    --------
    >>> v = interval_verdict((0.19, 0.02, 0.36), 0.05)
    >>> v["excludes_null"], v["planted_covered"], round(v["ratio_to_planted"], 1)
    (True, True, 3.8)
    """
    p_value = None
    if isinstance(result, tuple):
        est, low, high = (float(v) for v in result[:3])
    else:
        est, low, high, _ = _row(result, row)
        line = result.table.iloc[0] if row is None else result.table.loc[row]
        p_value = float(line["p_value"]) if "p_value" in line.index else None
    out: dict[str, Any] = {"estimate": est, "ci_low": low, "ci_high": high, "excludes_null": not (low <= null <= high),
                           "planted": None if planted is None else float(planted)}
    out["planted_covered"] = None if planted is None else bool(low <= planted <= high)
    out["ratio_to_planted"] = None if planted is None or planted == 0 else est / float(planted)
    if alpha is not None and p_value is not None:
        out["p_value"], out["significant"] = p_value, bool(p_value < alpha)
    return out


def say_compare(a: float, b: float, names: tuple[str, str], *, decimals: int = 3, what: str = "") -> str:
    """Which of two numbers is larger, in words ("a (0.41) is larger than b (0.37)").

    >>> say_compare(0.41, 0.37, ("hostages", "loyalists"), what="the drop in return")
    'the drop in return is larger for hostages (0.410) than for loyalists (0.370).'
    """
    (first, fa), (second, fb) = sorted(((names[0], a), (names[1], b)), key=lambda t: -t[1])
    if fa == fb:
        return f"{what or 'the value'} is the same for {names[0]} and {names[1]} ({fmt_number(a, decimals)})."
    return (f"{what or 'the value'} is larger for {first} ({fmt_number(fa, decimals)}) than for {second} "
            f"({fmt_number(fb, decimals)}).")
