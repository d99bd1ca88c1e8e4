"""The Kano model (卡诺模型): classification, coefficients, tests and simulation.

A Kano questionnaire asks two questions per attribute — *functional* ("if the
show offers X, how do you feel?") and *dysfunctional* ("if it does not?") —
each answered like (喜欢), must-be (理应如此), neutral (无所谓), live-with
(能忍受) or dislike (不喜欢).  The evaluation table of Berger et al. (1993)
maps the answer pair to a category: attractive **A** (魅力), one-dimensional
**O** (期望), must-be **M** (必备), indifferent **I** (无差异), reverse **R**
(反向) or questionable **Q** (可疑).

This module holds the standard analysis, vectorised over respondents:

* :func:`classify` — the category of each answer pair (codes or labels);
* :func:`analyze` — one row per attribute from raw answers (long or wide):
  counts, the mode with the M > O > A > I rule, Fong's (1996) test of the
  top two categories, a mixed label when the lead is not significant,
  Better/Worse (Timko, in Berger et al. 1993) with bootstrap intervals,
  category and total strength (Lee & Newcomb 1997);
* :func:`analyze_counts` — the same table from published category counts;
* :func:`analyze_continuous` — DuMouchel's functional/dysfunctional scores
  (in Berger et al. 1993), averaged per attribute;
* :func:`segment_test` / :func:`compare_segments` — chi-square tests of the
  category distributions between groups, with Cramér's V;
* :func:`simulate_decisions` — how often a survey of n respondents recovers
  the planted category, and how often Fong's test calls a mix "clear" (with
  Wilson intervals; :func:`crm_lab.power.smallest_n` reads off the survey size
  that reaches a target);
* ``plot_*`` — the Better–Worse diagram, the continuous diagram, category
  shares.

The general machinery is shared: input checks from :mod:`crm_lab._checks`,
the percentile interval from :mod:`crm_lab.resampling`, the simulation loop
and its Wilson intervals from :mod:`crm_lab.power`, the chi-square test from
:mod:`crm_lab.stats`.  The analysis functions return documented DataFrames
(one row per attribute); :func:`segment_test` returns a
:class:`crm_lab.stats.TestResult`.

References
----------
Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and
must-be quality. *Journal of the Japanese Society for Quality Control*, 14(2),
39-48.

Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., & Walden, D.
(1993). Kano's methods for understanding customer-defined quality. *Center for
Quality of Management Journal*, 2(4), 3-36.

Fong, D. (1996). Using the self-stated importance questionnaire to interpret
Kano questionnaire results. *Center for Quality of Management Journal*, 5(3),
21-24.

Lee, M. C., & Newcomb, J. F. (1997). Applying the Kano methodology to meet
customer requirements: NASA's microgravity science program. *Quality
Management Journal*, 4(3), 95-106.

Matzler, K., Hinterhuber, H. H., Bailom, F., & Sauerwein, E. (1996). How to
delight your customers. *Journal of Product & Brand Management*, 5(2), 6-18.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import stats as _stats
from ._checks import (
    CrmLabError,
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    check_integer,
    check_number,
    numeric_array,
    numeric_columns,
    raise_problems,
    rows_text,
)
from .power import power_by_simulation
from .resampling import percentile_interval
from .results import tidy_table
from .schema import KANO_CATEGORIES

__all__ = [
    "ANSWERS",
    "CATEGORIES",
    "CONTINUOUS_SCORES",
    "DECISIONS",
    "EVALUATION_TABLE",
    "PRIORITY",
    "SEGMENT_COLUMNS",
    "KanoInputError",
    "analyze",
    "analyze_continuous",
    "analyze_counts",
    "classify",
    "classify_codes",
    "compare_segments",
    "coefficients_from_shares",
    "count_categories",
    "count_categories_wide",
    "fong_test",
    "plot_better_worse",
    "plot_category_shares",
    "plot_continuous",
    "plot_drift",
    "plot_drift_grid",
    "plot_recovery",
    "plot_false_clear",
    "monte_carlo_p_value",
    "cramers_v_size",
    "COHEN_W",
    "rq_dominant",
    "say_segment_tests",
    "segment_test",
    "simulate_decisions",
    "to_codes",
    "to_long",
]

#: The five answer options, coded 1-5, with their Chinese labels.
ANSWERS = {
    1: ("like", "喜欢"),
    2: ("must-be", "理应如此"),
    3: ("neutral", "无所谓"),
    4: ("live-with", "能忍受"),
    5: ("dislike", "不喜欢"),
}

#: Kano categories: attractive (魅力), one-dimensional (期望), must-be (必备),
#: indifferent (无差异), reverse (反向), questionable (可疑);
#: :data:`crm_lab.schema.KANO_CATEGORIES`, re-exported.
CATEGORIES = KANO_CATEGORIES

#: Berger et al. (1993), the Kano evaluation table.  Rows: the functional
#: answer (1 like ... 5 dislike); columns: the dysfunctional answer.
EVALUATION_TABLE = np.array(
    [
        # like  must  neut  live  dislike   <- dysfunctional
        ["Q", "A", "A", "A", "O"],  # functional: like
        ["R", "I", "I", "I", "M"],  # must-be
        ["R", "I", "I", "I", "M"],  # neutral
        ["R", "I", "I", "I", "M"],  # live-with
        ["R", "R", "R", "R", "Q"],  # dislike
    ]
)

#: The evaluation rule for ties and weak leads, most important first:
#: M > O > A > I (Berger et al. 1993; Matzler et al. 1996), then R.  Q is
#: never a category of an attribute (it flags a contradictory answer pair).
PRIORITY = ("M", "O", "A", "I", "R")

#: DuMouchel's asymmetric scores (Berger et al. 1993, section IVb): answer
#: code -> (functional score, dysfunctional score).  Positive answers weigh
#: more than negative ones.
CONTINUOUS_SCORES = {1: (4.0, -2.0), 2: (2.0, -1.0), 3: (0.0, 0.0), 4: (-1.0, 2.0), 5: (-2.0, 4.0)}

_CAT_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
_MISSING = len(CATEGORIES)  # category index of a pair with a missing answer
# 6 x 6 lookup on codes 0 (missing) .. 5; category index, 6 = missing
_LOOKUP = np.full((6, 6), _MISSING, dtype=np.int8)
_LOOKUP[1:, 1:] = np.vectorize(_CAT_INDEX.get)(EVALUATION_TABLE).astype(np.int8)
_CAT_ARRAY = np.array([*CATEGORIES, ""], dtype=object)
_RANKABLE = [_CAT_INDEX[c] for c in ("A", "O", "M", "I", "R")]  # Q excluded from the mode
_PRIORITY_RANK = {c: r for r, c in enumerate(PRIORITY)}

_LABELS: dict[str, int] = {}
for _code, (_en, _zh) in ANSWERS.items():
    _LABELS[_en.replace("-", "")] = _code
    _LABELS[_zh] = _code
    _LABELS[str(_code)] = _code

#: The columns of the per-attribute table, in order.
TABLE_COLUMNS = (
    "A", "O", "M", "I", "R", "Q", "n", "n_missing", "mode", "second", "category", "rule_category",
    "fong_difference", "fong_critical", "fong_significant", "binom_p_value",
    "better", "better_low", "better_high", "worse", "worse_low", "worse_high", "confidence",
    "category_strength", "total_strength", "chi2", "chi2_p_value",
)  # fmt: skip


class KanoInputError(CrmLabError):
    """Kano answers or counts that cannot be analysed; the message names what and where."""


# --------------------------------------------------------------------------
# Answers -> codes -> categories
# --------------------------------------------------------------------------
def _norm_label(text: str) -> str:
    return "".join(text.lower().split()).replace("_", "").replace("-", "")


def _codes_and_problems(values: Any, name: str, index: Any = None, context: Any = None) -> tuple[np.ndarray, str | None]:
    """int8 codes (0 = missing) and, if any value is not an answer, the message.

    The message names the offending rows by their index labels (a Series, or
    *index*) or, for a plain array, by their positions (:func:`rows_text`),
    the first values, and the attributes of *context* they belong to.
    """
    if isinstance(values, (pd.Series, pd.Index)):
        index = values.index if index is None and isinstance(values, pd.Series) else index
        if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
            arr = values.to_numpy(dtype=object)
        elif values.hasnans:
            arr = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = values.to_numpy()
    else:
        arr = np.asarray(values)
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.dtype.kind in "iu":  # fast path: plain integer codes
        bad = (arr < 1) | (arr > 5)
        codes = np.where(bad, 0, arr).astype(np.int8)
    elif arr.dtype.kind == "f":
        missing = np.isnan(arr)
        ok = ~missing & np.isin(arr, np.arange(1, 6))
        bad = ~missing & ~ok
        codes = np.where(ok, arr, 0).astype(np.int8)
    elif arr.dtype.kind == "b":
        bad = np.ones(arr.shape, bool)
        codes = np.zeros(arr.shape, np.int8)
    else:
        text = pd.Series(arr.astype(object)).astype("string").str.strip()  # NA stays NA
        missing = (text.isna() | text.eq("")).to_numpy(dtype=bool)
        codes = np.zeros(arr.shape, np.int8)
        bad = np.zeros(arr.shape, bool)
        inverse, uniques = pd.factorize(text[~missing])
        mapped = np.zeros(len(uniques), np.int8)
        for i, u in enumerate(uniques):  # a loop over distinct labels, not over respondents
            key = _norm_label(str(u))
            if key.endswith(".0") and key[:-2].isdigit():
                key = key[:-2]
            mapped[i] = _LABELS.get(key, 0)
        codes[~missing] = mapped[inverse]
        bad[~missing] = mapped[inverse] == 0
    if not bad.any():
        return codes, None
    pos = np.flatnonzero(bad)
    where = "positions" if index is None else "rows"
    labels = pos if index is None else pd.Index(index)[pos]
    vals = [v.item() if hasattr(v, "item") else v for v in arr[pos[:5]]]
    text = f"{name} answers must be codes 1-5; {pos.size} are not, at {where} {rows_text(labels)} (values {vals})"
    if context is not None:
        attrs = [a.item() if hasattr(a, "item") else a for a in pd.unique(np.asarray(context)[pos])]
        text += f" for attribute(s) {attrs[:5]}" + (f" and {len(attrs) - 5} more" if len(attrs) > 5 else "")
    return codes, text + f" (labels are accepted too: {_allowed_labels()})"


def _allowed_labels() -> str:
    return ", ".join(f"{en}/{zh}" for en, zh in ANSWERS.values())


def to_codes(values: Any, *, name: str = "answers") -> np.ndarray:
    """Kano answers as int8 codes 1-5, with 0 for a missing answer.

    Parameters
    ----------
    values : array-like or Series
        Codes 1-5 (int, float or text), English labels (``like``,
        ``must-be``, ``neutral``, ``live-with``, ``dislike``; case, spaces,
        hyphens and underscores do not matter) or Chinese labels (喜欢, 理应如此, 无所谓,
        能忍受, 不喜欢).  ``None``, NaN, ``pd.NA`` and ``""`` are missing.
    name : str, default "answers"
        Named in the error message.

    Returns
    -------
    numpy.ndarray of int8

    Raises
    ------
    KanoInputError
        Naming the positions (or Series index labels) and values that are
        neither a code nor a label.

    Notes
    -----
    Tested: English, Chinese and numeric labels give the same categories.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Examples
    --------
    >>> to_codes(["like", "理应如此", 3, None, "Live with"]).tolist()
    [1, 2, 3, 0, 4]
    """
    if values is None or isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        raise KanoInputError(f"{name!r} must be a list, array or Series of answers (got {type(values).__name__})")
    codes, problem = _codes_and_problems(values, name)
    if problem:
        raise KanoInputError(problem)
    return codes


def _code_arrays(what: str, **arrays: Any) -> None:
    """The fast paths take integer numpy arrays of one shape (values not checked: a constant-time check)."""
    bad = [f"{name!r} ({type(a).__name__}{'' if not isinstance(a, np.ndarray) else ' of ' + str(a.dtype)})"
           for name, a in arrays.items() if not isinstance(a, np.ndarray) or a.dtype.kind not in "iu"]
    if bad:
        raise KanoInputError(f"{what}: {', '.join(bad)} must be numpy arrays of integer codes "
                             f"(turn answers into codes with to_codes)")
    shapes = {name: a.shape for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        raise KanoInputError(f"{what}: the code arrays must have one shape (got {shapes})")


def classify_codes(functional: np.ndarray, dysfunctional: np.ndarray) -> np.ndarray:
    """Category index per pair from int codes 0-5 (0 missing); the fast path.

    Parameters
    ----------
    functional, dysfunctional : numpy.ndarray of int
        Codes 0 (missing) to 5, arrays of any (equal) shape; not checked.

    Returns
    -------
    numpy.ndarray of int8
        Indices into :data:`CATEGORIES`, with 6 for a pair with a missing
        answer.

    Notes
    -----
    A lookup in :data:`EVALUATION_TABLE`; tested through :func:`classify`
    against every cell of the table of Berger et al. (1993).

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Examples
    --------
    >>> classify_codes(np.array([1, 2, 0]), np.array([5, 5, 5])).tolist()
    [1, 2, 6]
    """
    _code_arrays("classify_codes", functional=functional, dysfunctional=dysfunctional)
    return _LOOKUP[functional, dysfunctional]


def classify(functional: Any, dysfunctional: Any) -> np.ndarray:
    """Kano category of each (functional, dysfunctional) answer pair.

    Parameters
    ----------
    functional, dysfunctional : array-like
        Answers as codes 1 (like), 2 (must-be), 3 (neutral), 4 (live-with),
        5 (dislike), or their English or Chinese labels (see
        :func:`to_codes`); equal lengths.  Two Series are paired by their
        index labels (the result follows *functional*'s order); arrays and
        lists by position.

    Returns
    -------
    numpy.ndarray of str
        One of ``A, O, M, I, R, Q`` per pair (:data:`EVALUATION_TABLE`), and
        ``""`` where an answer is missing.

    Raises
    ------
    KanoInputError
        If the lengths differ, two Series have different index labels, or an
        answer is neither a code 1-5 nor a label (the message names the
        positions and values).

    Notes
    -----
    Tested cell by cell against the evaluation table of Berger et al.
    (1993).

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive
    quality and must-be quality. *Journal of the Japanese Society for Quality
    Control*, 14(2), 39-48.

    Examples
    --------
    >>> classify([1, 1, 3, 2], [5, 3, 5, 3]).tolist()
    ['O', 'A', 'M', 'I']
    >>> classify(["喜欢", "like"], ["不喜欢", None]).tolist()
    ['O', '']
    """
    if isinstance(functional, pd.Series) and isinstance(dysfunctional, pd.Series):
        dysfunctional = _aligned(functional, dysfunctional)
    f = np.asarray(functional, dtype=object) if not isinstance(functional, (pd.Series, np.ndarray)) else functional
    d = np.asarray(dysfunctional, dtype=object) if not isinstance(dysfunctional, (pd.Series, np.ndarray)) else dysfunctional
    if np.shape(f) != np.shape(d):
        raise KanoInputError(
            f"functional and dysfunctional must have the same length (got {np.shape(f)} and {np.shape(d)})"
        )
    fc, fp = _codes_and_problems(_intlike(f), "functional")
    dc, dp = _codes_and_problems(_intlike(d), "dysfunctional")
    raise_problems([p for p in (fp, dp) if p], error=KanoInputError)
    out = _CAT_ARRAY[classify_codes(fc, dc)].astype(str)
    return out.reshape(np.shape(f))


def _aligned(functional: pd.Series, dysfunctional: pd.Series) -> pd.Series:
    """*dysfunctional* in the order of *functional*'s index: two Series are paired by label, not by position."""
    fi, di = functional.index, dysfunctional.index
    if fi.equals(di):
        return dysfunctional
    if fi.is_unique and di.is_unique:
        only_f, only_d = fi.difference(di), di.difference(fi)
        if only_f.empty and only_d.empty:
            return dysfunctional.reindex(fi)
        parts = [f"{len(only)} label(s) only in {name} ({rows_text(only)})"
                 for name, only in (("functional", only_f), ("dysfunctional", only_d)) if len(only)]
        raise KanoInputError(
            "functional and dysfunctional are Series with different indexes, so their answers cannot be paired by "
            f"respondent: {'; '.join(parts)}; align them (or pass arrays to pair them by position)"
        )
    raise KanoInputError(
        "functional and dysfunctional are Series whose indexes differ and repeat labels, so their answers cannot be "
        "paired by respondent; give them the same index (or pass arrays to pair them by position)"
    )


def _intlike(values: Any) -> Any:
    """An object array of plain ints as an int array (keeps the fast path and the values shown)."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.size:
        if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values.ravel()):
            return values.astype(np.int64)
    return values


# --------------------------------------------------------------------------
# Data layouts
# --------------------------------------------------------------------------
def to_long(
    wide: pd.DataFrame,
    *,
    suffixes: tuple[str, str] = ("_functional", "_dysfunctional"),
    pairs: Mapping[str, tuple[str, str]] | None = None,
    respondent: str | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Wide Kano answers (one column pair per attribute) in long format.

    Parameters
    ----------
    wide : DataFrame
        One row per respondent.  Not modified.
    suffixes : (str, str), default ("_functional", "_dysfunctional")
        The column pair of attribute ``x`` is ``x + suffixes[0]`` and
        ``x + suffixes[1]``; used when ``pairs`` is None.
    pairs : mapping, optional
        ``attribute -> (functional column, dysfunctional column)``.
    respondent : str, optional
        Column identifying the respondent; default the row index.
    keep : sequence of str
        Further columns to repeat on every row (e.g. ``"segment"``).

    Returns
    -------
    DataFrame
        Columns ``respondent, attribute, functional, dysfunctional`` plus
        ``keep``; one row per respondent and attribute.

    Raises
    ------
    KanoInputError
        When a column is missing, an attribute has only one of its two
        columns, no pair is found, or a respondent id is empty (or NaN).

    Notes
    -----
    Tested: :func:`analyze` gives the same table from the wide and the long
    layout of the same answers.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Examples
    --------
    >>> w = pd.DataFrame({"wifi_functional": [1, 2], "wifi_dysfunctional": [5, 5]})
    >>> to_long(w)[["attribute", "functional", "dysfunctional"]].values.tolist()
    [['wifi', 1, 5], ['wifi', 2, 5]]
    """
    check_columns(wide, {"respondent": respondent, **{f"keep[{i}]": c for i, c in enumerate(keep)}},
                  what="wide data", error=KanoInputError)
    if pairs is None:
        f_suf, d_suf = suffixes
        f_attrs = [c[: -len(f_suf)] for c in map(str, wide.columns) if c.endswith(f_suf)]
        d_attrs = [c[: -len(d_suf)] for c in map(str, wide.columns) if c.endswith(d_suf)]
        lonely = sorted(set(f_attrs) ^ set(d_attrs))
        if lonely:
            raise KanoInputError(
                f"wide data: attribute(s) {lonely} have only one of the columns '<attribute>{f_suf}' and '<attribute>{d_suf}'"
            )
        if not f_attrs:
            raise KanoInputError(
                f"wide data: no column pairs '<attribute>{f_suf}' / '<attribute>{d_suf}' found; columns: {list(wide.columns)}"
            )
        pairs = {a: (a + f_suf, a + d_suf) for a in f_attrs}
    check_columns(wide, {f"pairs[{a!r}][{j}]": c for a, fd in pairs.items() for j, c in enumerate(fd)},
                  what="wide data", error=KanoInputError)
    n, k = len(wide), len(pairs)
    resp = wide[respondent].to_numpy() if respondent else wide.index.to_numpy()
    empty = pd.isna(resp) | (pd.Series(resp, dtype=object).astype(str).str.strip() == "").to_numpy()
    if empty.any():
        raise KanoInputError(
            f"wide data: {'column respondent=' + repr(respondent) if respondent else 'the index'} has empty "
            f"respondent ids at rows {rows_text(wide.index[empty])}; ids must be non-empty"
        )
    out = {
        "respondent": np.repeat(resp, k),
        "attribute": np.tile(np.array(list(pairs), dtype=object), n),
        "functional": np.column_stack([wide[f].to_numpy(dtype=object) for f, _ in pairs.values()]).ravel(),
        "dysfunctional": np.column_stack([wide[d].to_numpy(dtype=object) for _, d in pairs.values()]).ravel(),
    }
    for col in keep:
        out[col] = np.repeat(wide[col].to_numpy(), k)
    long = pd.DataFrame(out)
    for col in ("functional", "dysfunctional"):
        converted = pd.to_numeric(long[col], errors="coerce")
        if converted.notna().sum() == long[col].notna().sum():
            long[col] = converted.astype("Int64")
    return long


def _group_codes(data: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.Index | pd.MultiIndex]:
    if len(keys) == 1:
        codes, uniques = pd.factorize(data[keys[0]], sort=True)
        return codes, pd.Index(uniques, name=keys[0])
    mi = pd.MultiIndex.from_frame(data[keys])
    codes, uniques = pd.factorize(mi, sort=True)
    return codes, pd.MultiIndex.from_tuples(list(uniques), names=keys)


# 36 answer-pair codes (6 functional x 6 dysfunctional, 0 = missing) -> 7 category columns
_PAIR_TO_CATEGORY = np.zeros((36, _MISSING + 1), dtype=np.int64)
_PAIR_TO_CATEGORY[np.arange(36), _LOOKUP.ravel()] = 1


def count_categories(
    functional: np.ndarray, dysfunctional: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Category counts per group from codes: an ``(n_groups, 7)`` int64 array.

    Columns are A, O, M, I, R, Q and the pairs with a missing answer.
    ``functional``/``dysfunctional`` are int codes 0-5 (0 missing), ``groups``
    ints ``0 .. n_groups - 1``; all of one shape.  One ``bincount`` of the 36
    answer-pair combinations per group, then the evaluation table applied to
    those 36 counts (the same result as classifying every pair, at a fraction
    of the memory traffic); no loop.  Tested against classifying every pair
    and counting.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Examples
    --------
    >>> count_categories(np.array([1, 1, 2]), np.array([5, 3, 5]), np.array([0, 0, 1]), 2).tolist()
    [[1, 1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0]]
    """
    _code_arrays("count_categories", functional=functional, dysfunctional=dysfunctional, groups=groups)
    n_groups = check_integer(n_groups, "n_groups", low=1, error=KanoInputError)
    key_type = np.int32 if n_groups * 36 < 2**31 else np.int64
    key = groups.astype(key_type) * key_type(36)
    key += functional.astype(key_type) * key_type(6)
    key += dysfunctional
    pairs = np.bincount(key.ravel(), minlength=n_groups * 36).reshape(n_groups, 36)
    return pairs @ _PAIR_TO_CATEGORY


def count_categories_wide(functional: np.ndarray, dysfunctional: np.ndarray) -> np.ndarray:
    """Category counts per column of (respondents x attributes) code arrays: ``(attributes, 7)``.

    The fast path for wide int8 codes (0 missing, 1-5 answers): the pair code
    ``6 f + d`` fits in int8, and each attribute is one ``bincount`` (a loop
    over attributes, not respondents).  Columns as :func:`count_categories`.
    Tested against classifying every pair and counting.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Examples
    --------
    >>> count_categories_wide(np.array([[1, 3], [1, 0]]), np.array([[5, 3], [3, 5]])).tolist()
    [[1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 1]]
    """
    pair = functional.astype(np.int8) * np.int8(6) + dysfunctional.astype(np.int8)  # 0..35
    pair = np.ascontiguousarray(pair.T)
    counts = np.stack([np.bincount(col, minlength=36) for col in pair])
    return counts @ _PAIR_TO_CATEGORY


def _long_counts(
    data: pd.DataFrame, *, attribute: str, functional: str, dysfunctional: str, by: list[str]
) -> tuple[pd.DataFrame, np.ndarray, pd.Index]:
    check_columns(
        data,
        {"attribute": attribute, "functional": functional, "dysfunctional": dysfunctional,
         **{f"by[{i}]": b for i, b in enumerate(by)}},
        what="Kano answers", error=KanoInputError,
    )  # fmt: skip
    check_frame(data, "Kano answers", min_rows=1, error=KanoInputError)
    keys = [*by, attribute]
    problems = []
    codes = {}
    for role, col in (("functional", functional), ("dysfunctional", dysfunctional)):
        codes[role], problem = _codes_and_problems(data[col], f"column {col!r}:", index=data.index, context=data[attribute])
        if problem:
            problems.append(problem)
    null_keys = [k for k in keys if data[k].isna().any()]
    for k in null_keys:
        rows = data.index[data[k].isna().to_numpy()]
        problems.append(f"column {k!r} is empty at rows {rows_text(rows)}")
    raise_problems(problems, error=KanoInputError)
    group, index = _group_codes(data, keys)
    counts = count_categories(codes["functional"], codes["dysfunctional"], group, len(index))
    empty = np.flatnonzero(counts[:, :_MISSING].sum(axis=1) == 0)
    if empty.size:
        parts = []
        for g in empty[:5]:
            rows = data.index[group == g]
            parts.append(f"{index[g]!r} ({rows.size} rows: {rows_text(rows)})")
        raise KanoInputError(
            "no valid answer pair (both answers given) for attribute(s) "
            + "; ".join(parts)
            + (f" and {empty.size - 5} more" if empty.size > 5 else "")
        )
    table = pd.DataFrame(counts[:, :_MISSING], index=index, columns=list(CATEGORIES))
    return table, counts[:, _MISSING], index


# --------------------------------------------------------------------------
# The per-attribute table
# --------------------------------------------------------------------------
def fong_test(a: Any, b: Any, n: Any, *, z: float = 1.65) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fong's (1996) test: do the two most frequent categories really differ?

    Parameters
    ----------
    a, b : int or array-like
        Counts of the most and second most frequent category.
    n : int or array-like
        All answers of the attribute (A + O + M + I + R + Q).
    z : float, default 1.65
        Fong's critical value.

    Returns
    -------
    difference, critical, significant : numpy.ndarray
        :math:`|a - b|`, the right-hand side below, and whether
        ``difference >= critical`` (a "clear" category).

    Notes
    -----
    The lead is *not* significant when

    .. math:: |a - b| < 1.65 \\sqrt{\\frac{(a + b)(2n - a - b)}{2n}}.

    Under :math:`p_a = p_b = p` the variance of :math:`N_a - N_b` is
    :math:`2np`, whereas Fong's expression estimates :math:`2np(1 - p)`;
    the test therefore calls a tie "clear" more often than the nominal 10%
    when :math:`p` is large (the notebook shows it by simulation).  The
    exact conditional binomial test is in :func:`analyze`
    (``binom_p_value``).  Tested against the values of the R package
    stp25kano (README table) and against the formula.

    References
    ----------
    Fong, D. (1996). Using the self-stated importance questionnaire to
    interpret Kano questionnaire results. *Center for Quality of Management
    Journal*, 5(3), 21-24.

    Examples
    --------
    >>> diff, critical, significant = fong_test(123, 95, 296)
    >>> print(f"{float(diff):.0f} {float(critical):.1f} {bool(significant)}")
    28 19.4 True
    """
    a, b, n = (numeric_array(x, name, missing="keep", error=KanoInputError) for x, name in ((a, "a"), (b, "b"), (n, "n")))
    try:
        np.broadcast_shapes(a.shape, b.shape, n.shape)
    except ValueError:
        raise KanoInputError(f"fong_test: 'a', 'b' and 'n' must have the same length or be single counts "
                             f"(got shapes {a.shape}, {b.shape}, {n.shape})") from None
    diff = np.abs(a - b)
    with np.errstate(invalid="ignore", divide="ignore"):
        critical = z * np.sqrt((a + b) * (2 * n - a - b) / (2 * n))
    return diff, critical, diff >= critical


def _ranked(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into CATEGORIES) of the first and second category: count, then M > O > A > I > R."""
    rankable = counts[:, _RANKABLE]
    prio = np.array([_PRIORITY_RANK[CATEGORIES[i]] for i in _RANKABLE])
    key = rankable.astype(float) * 8 + (len(PRIORITY) - prio)  # counts are integers
    order = np.argsort(-key, axis=1, kind="stable")
    rank_idx = np.asarray(_RANKABLE)
    return rank_idx[order[:, 0]], rank_idx[order[:, 1]]


def _table_from_counts(counts: pd.DataFrame, n_missing: np.ndarray, fong_z: float) -> pd.DataFrame:
    c = counts[list(CATEGORIES)].to_numpy(dtype=np.int64)
    A, O, M, I, R, Q = (c[:, i].astype(float) for i in range(6))
    n = c.sum(axis=1).astype(float)
    base = A + O + M + I
    first, second = _ranked(c)
    rows = np.arange(len(c))
    a, b = c[rows, first], c[rows, second]
    diff, critical, significant = fong_test(a, b, n, z=fong_z)
    cats = np.asarray(CATEGORIES)
    mode, runner = cats[first], cats[second]
    prio = np.vectorize(_PRIORITY_RANK.get)
    lead_first = prio(mode) <= prio(runner)
    x = np.where(lead_first, mode, runner)
    y = np.where(lead_first, runner, mode)
    category = np.where(significant, mode, np.char.add(np.char.add(x.astype(str), "/"), y.astype(str)))
    rule = np.where(significant, mode, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        better = (A + O) / base
        worse = -(O + M) / base
        expected = base / 4
        chi2 = ((np.column_stack([A, O, M, I]) - expected[:, None]) ** 2 / expected[:, None]).sum(axis=1)
    chi2 = np.where(base > 0, chi2, np.nan)
    binom_p = np.minimum(1.0, 2 * sps.binom.cdf(np.minimum(a, b), a + b, 0.5))
    binom_p = np.where(a + b > 0, binom_p, np.nan)
    out = pd.DataFrame(c, index=counts.index, columns=list(CATEGORIES))
    out["n"] = n.astype(np.int64)
    out["n_missing"] = np.asarray(n_missing, dtype=np.int64)
    out["mode"] = mode
    out["second"] = runner
    out["category"] = category
    out["rule_category"] = rule
    out["fong_difference"] = diff
    out["fong_critical"] = critical
    out["fong_significant"] = significant
    out["binom_p_value"] = binom_p
    out["better"] = better
    out["better_low"] = np.nan
    out["better_high"] = np.nan
    out["worse"] = worse
    out["worse_low"] = np.nan
    out["worse_high"] = np.nan
    out["confidence"] = np.nan
    out["category_strength"] = (a - b) / n
    out["total_strength"] = (A + O + M) / n
    out["chi2"] = chi2
    out["chi2_p_value"] = sps.chi2.sf(chi2, 3)
    return out[list(TABLE_COLUMNS)]


def _bootstrap(table: pd.DataFrame, n_boot: int, confidence: float, rng: np.random.Generator) -> None:
    """Percentile intervals of Better and Worse, in place.

    A respondent resample of an attribute's n pairs has multinomial(n,
    observed shares) category counts, so the counts are drawn directly (a
    parametric draw of exactly the nonparametric bootstrap distribution, at a
    cost independent of n); the interval is
    :func:`crm_lab.resampling.percentile_interval` (NaN draws — no A, O, M
    or I pair in a resample — are ignored).
    """
    c = table[list(CATEGORIES)].to_numpy(dtype=np.int64)
    n = c.sum(axis=1)
    p = c / n[:, None]
    draws = rng.multinomial(n, p, size=(n_boot, len(c)))  # (n_boot, groups, 6)
    A, O, M, I = (draws[..., _CAT_INDEX[k]].astype(float) for k in "AOMI")
    base = A + O + M + I
    with np.errstate(invalid="ignore", divide="ignore"):
        better = np.where(base > 0, (A + O) / base, np.nan)
        worse = np.where(base > 0, -(O + M) / base, np.nan)
    table["better_low"], table["better_high"] = percentile_interval(better, confidence, axis=0)
    table["worse_low"], table["worse_high"] = percentile_interval(worse, confidence, axis=0)
    table["confidence"] = confidence


def analyze(
    data: pd.DataFrame,
    *,
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    by: str | Sequence[str] | None = None,
    layout: str = "auto",
    suffixes: tuple[str, str] = ("_functional", "_dysfunctional"),
    n_boot: int = 2000,
    confidence: float = 0.95,
    fong_z: float = 1.65,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """The Kano table: one row per attribute (and per ``by`` group) from raw answers.

    Parameters
    ----------
    data : DataFrame
        Answers, not modified.  *Long*: one row per respondent and
        attribute, with columns ``attribute``, ``functional`` and
        ``dysfunctional`` (as the ``kano`` table).  *Wide*: one row per
        respondent and a column pair per attribute named by ``suffixes``
        (see :func:`to_long`).  Answers are codes 1-5 or labels, English or
        Chinese (:func:`to_codes`); missing answers are allowed.
    attribute, functional, dysfunctional : str
        Column names (long layout).
    by : str or list of str, optional
        Further grouping columns, e.g. ``"segment"`` or ``"edition"``; they
        lead the index.
    layout : {"auto", "long", "wide"}, default "auto"
        ``"auto"`` is long when the ``functional`` column exists, else wide.
    suffixes : (str, str)
        Column suffixes of the wide layout.
    n_boot : int, default 2000
        Bootstrap resamples for the Better/Worse intervals (0: none).
    confidence : float, default 0.95
        Level of the bootstrap intervals.
    fong_z : float, default 1.65
        Critical value of Fong's test.
    rng : int, Generator or None
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Index: ``by`` columns and the attribute.  Columns
        (:data:`TABLE_COLUMNS`): the counts ``A, O, M, I, R, Q``; ``n``
        (valid pairs) and ``n_missing`` (pairs dropped because an answer was
        missing — reported, never silently dropped); ``mode`` and ``second``
        (most and second most frequent of A, O, M, I, R; ties broken by
        :data:`PRIORITY`); ``category`` (the mode when Fong's test is
        significant, else the mixed label ``"x/y"`` of the top two in
        :data:`PRIORITY` order, e.g. ``"O/A"``); ``rule_category`` (the mode,
        or ``x`` of a mixed label: the M > O > A > I rule for weak leads);
        ``fong_difference``, ``fong_critical``, ``fong_significant``;
        ``binom_p_value`` (exact two-sided binomial test of the top two
        given their sum); ``better``, ``worse`` with percentile bootstrap
        limits ``*_low``/``*_high`` and their level ``confidence`` (NaN
        when ``n_boot=0``); ``category_strength``, ``total_strength``;
        ``chi2``, ``chi2_p_value`` (goodness of fit of A, O, M, I to equal
        shares, df 3).  Everything is in the columns (nothing in
        ``DataFrame.attrs``): the total of dropped pairs is
        ``table["n_missing"].sum()``.

    Raises
    ------
    KanoInputError
        Missing columns; answers that are neither codes 1-5 nor labels (rows
        and attributes named); empty attribute names; an attribute with no
        valid answer pair (named, with its rows).

    Notes
    -----
    .. math::
        \\text{Better} = \\frac{A + O}{A + O + M + I},\\qquad
        \\text{Worse} = -\\frac{O + M}{A + O + M + I}

    (Timko, in Berger et al. 1993).  Category strength is the share of the
    first minus that of the second category; total strength the share of A +
    O + M (Lee & Newcomb 1997); shares are of ``n``.  Fong's test: see
    :func:`fong_test`.

    The bootstrap resamples respondents of each attribute with replacement.
    Resampling n rows from the observed pairs gives category counts that are
    exactly multinomial(n, observed shares), so the counts are drawn directly
    — the same distribution as row resampling, at a cost independent of n.

    Tested against the values of the R package stp25kano (README table:
    counts, CS+, CS-, total and category strength, Fong's test, chi-square)
    and against hand computation from the definitions; the multinomial
    bootstrap against resampling the rows, and its coverage by simulation.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Fong, D. (1996). Using the self-stated importance questionnaire to
    interpret Kano questionnaire results. *Center for Quality of Management
    Journal*, 5(3), 21-24.

    Lee, M. C., & Newcomb, J. F. (1997). Applying the Kano methodology to
    meet customer requirements: NASA's microgravity science program.
    *Quality Management Journal*, 4(3), 95-106.

    Matzler, K., Hinterhuber, H. H., Bailom, F., & Sauerwein, E. (1996). How
    to delight your customers. *Journal of Product & Brand Management*, 5(2),
    6-18.

    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the
    Bootstrap*. New York: Chapman & Hall.

    Examples
    --------
    >>> answers = pd.DataFrame({"attribute": ["wifi"] * 4 + ["bus"] * 4,
    ...                         "functional": [1, 1, 2, 1, 3, 3, 1, 3],
    ...                         "dysfunctional": [5, 5, 5, 5, 3, 3, 3, 4]})
    >>> t = analyze(answers, n_boot=0)
    >>> t[["A", "O", "M", "I"]].to_dict("index")
    {'bus': {'A': 1, 'O': 0, 'M': 0, 'I': 3}, 'wifi': {'A': 0, 'O': 3, 'M': 1, 'I': 0}}
    >>> t["category"].tolist(), t["better"].tolist(), t["worse"].tolist()
    (['A/I', 'M/O'], [0.25, 0.75], [-0.0, -1.0])

    Four answers are too few for Fong's test to call the lead clear: the
    mixed labels put the category of the M > O > A > I rule first.
    """
    problems: list[str] = []
    check_integer(n_boot, "n_boot", low=0, problems=problems)
    check_confidence(confidence, problems=problems)
    check_number(fong_z, "fong_z", low=0, low_open=True, problems=problems)
    check_choice(layout, "layout", ("auto", "long", "wide"), problems=problems)
    raise_problems(problems, what="analyze", error=KanoInputError)
    check_frame(data, "Kano answers", error=KanoInputError)
    by_list = [by] if isinstance(by, str) else list(by or [])
    if layout == "wide" or (layout == "auto" and functional not in data.columns):
        data = to_long(data, suffixes=suffixes, keep=by_list)
        attribute, functional, dysfunctional = "attribute", "functional", "dysfunctional"
    counts, n_missing, _ = _long_counts(
        data, attribute=attribute, functional=functional, dysfunctional=dysfunctional, by=by_list
    )
    table = _table_from_counts(counts, n_missing, fong_z)
    if n_boot:
        _bootstrap(table, n_boot, confidence, np.random.default_rng(rng))
    return table


def analyze_counts(counts: pd.DataFrame, *, fong_z: float = 1.65) -> pd.DataFrame:
    """The Kano table from category counts (e.g. typed from a paper).

    Parameters
    ----------
    counts : DataFrame
        Index: attribute; columns ``A, O, M, I, R, Q`` (non-negative whole
        numbers; other columns are ignored).  Not modified.
    fong_z : float, default 1.65
        Critical value of Fong's test.

    Returns
    -------
    DataFrame
        As :func:`analyze`; the bootstrap limits and ``confidence`` are NaN
        (counts alone give no respondents to resample) and ``n_missing`` is
        0.

    Raises
    ------
    KanoInputError
        Missing category columns, or counts that are negative, not whole
        numbers, or all zero for an attribute (named).

    Notes
    -----
    Tested against the table published by the R package stp25kano.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Fong, D. (1996). Using the self-stated importance questionnaire to
    interpret Kano questionnaire results. *Center for Quality of Management
    Journal*, 5(3), 21-24.

    Lee, M. C., & Newcomb, J. F. (1997). Applying the Kano methodology to
    meet customer requirements: NASA's microgravity science program.
    *Quality Management Journal*, 4(3), 95-106.

    Peter, W. (2024). *stp25kano: Kano-Analyse* (R package). GitHub:
    stp4/stp25kano, README "Kano Analyse" results table.

    Examples
    --------
    >>> t = analyze_counts(pd.DataFrame({"A": [45], "O": [123], "M": [95], "I": [33], "R": [0], "Q": [0]},
    ...                                 index=["Service app"]))
    >>> print(f"{t['better'].iloc[0]:.3f} {t['worse'].iloc[0]:.3f} {t['category'].iloc[0]}")
    0.568 -0.736 O
    """
    fong_z = check_number(fong_z, "fong_z", low=0, low_open=True, error=KanoInputError)
    values = numeric_columns(counts, list(CATEGORIES), what="Kano counts", error=KanoInputError).to_numpy()
    bad = (values < 0) | (values != np.round(values))
    cells = [f"{counts.index[r]!r} {CATEGORIES[j]} = {counts.iloc[r][CATEGORIES[j]]!r}" for r, j in zip(*np.nonzero(bad))]
    if cells:
        raise KanoInputError(
            "Kano counts must be non-negative whole numbers; got " + ", ".join(cells[:10])
            + (f" and {len(cells) - 10} more" if len(cells) > 10 else "")
        )
    zero = np.flatnonzero(values.sum(axis=1) == 0)
    if zero.size:
        raise KanoInputError(f"Kano counts: attribute(s) {[counts.index[i] for i in zero]} have no answers (all counts 0)")
    table = pd.DataFrame(values.astype(np.int64), index=counts.index, columns=list(CATEGORIES))
    return _table_from_counts(table, np.zeros(len(table), np.int64), fong_z)


def coefficients_from_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """Better and Worse from category shares (or counts), e.g. the planted truth.

    ``shares`` has columns ``A .. I`` or ``p_A .. p_I`` (others are kept);
    returns a copy with ``better`` and ``worse`` added (Timko's formulas, as
    in :func:`analyze`).  Tested through :func:`analyze`'s Better and Worse
    against hand computation.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Examples
    --------
    >>> coefficients_from_shares(pd.DataFrame({"p_A": [0.1], "p_O": [0.5], "p_M": [0.2], "p_I": [0.2]}))[["better", "worse"]].round(2).values.tolist()
    [[0.6, -0.7]]
    """
    check_frame(shares, "shares", error=KanoInputError)
    cols = {c: (f"p_{c}" if f"p_{c}" in shares.columns else c) for c in "AOMI"}
    values = numeric_columns(shares, cols, what="shares", missing="keep", error=KanoInputError)
    a, o, m, i = (values[cols[c]].to_numpy() for c in "AOMI")
    out = shares.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["better"] = (a + o) / (a + o + m + i)
        out["worse"] = -(o + m) / (a + o + m + i)
    return out


# --------------------------------------------------------------------------
# Continuous analysis (DuMouchel)
# --------------------------------------------------------------------------
def analyze_continuous(
    data: pd.DataFrame,
    *,
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    by: str | Sequence[str] | None = None,
    drop_rq: bool = True,
    threshold: float = 2.0,
) -> pd.DataFrame:
    """DuMouchel's continuous Kano analysis: mean functional and dysfunctional scores.

    Parameters
    ----------
    data : DataFrame
        Long answers as for :func:`analyze` (wide data: :func:`to_long` first).
    attribute, functional, dysfunctional : str
        Column names.
    by : str or list of str, optional
        Further grouping columns.
    drop_rq : bool, default True
        Leave out pairs classified R or Q before averaging (their scores
        point the other way or contradict themselves).
    threshold : float, default 2.0
        Boundary of the quadrants on both axes.

    Returns
    -------
    DataFrame
        One row per attribute: ``n`` (pairs averaged), ``n_dropped_rq``,
        ``n_missing``, ``functional_mean``, ``functional_sd``,
        ``dysfunctional_mean``, ``dysfunctional_sd``, their standard errors
        ``functional_se``, ``dysfunctional_se``, and ``quadrant``: O when both
        means reach ``threshold``, A when only the functional one does, M
        when only the dysfunctional one does, else I (``""`` and NaN means,
        with a ``UserWarning``, for an attribute with only R or Q pairs);
        ``n_reverse``, ``n_questionable`` (the R and Q pairs) and
        ``rq_dominant`` (:func:`rq_dominant`: R is the mode, or R and Q are
        at least half of the pairs) — for such an attribute the means
        describe a minority, and ``quadrant`` is "R/Q", not a quadrant.

    Notes
    -----
    The scores (Berger et al. 1993, section IV, DuMouchel's scale) are,
    for like / must-be / neutral / live-with / dislike,
    functional 4, 2, 0, −1, −2 and dysfunctional −2, −1, 0, 2, 4
    (:data:`CONTINUOUS_SCORES`): "dislike" when the attribute is absent is
    the strongest dissatisfaction.  In the diagram, the dysfunctional mean
    is on the x axis and the functional mean on the y axis.  The quadrant
    boundary at 2 is the middle of the positive range 0–4.  Tested against
    hand computation from the published scale.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.

    Examples
    --------
    >>> answers = pd.DataFrame({"attribute": ["wifi"] * 3, "functional": [1, 2, 1],
    ...                         "dysfunctional": [5, 5, 3]})
    >>> c = analyze_continuous(answers)
    >>> print(f"{c.loc['wifi', 'functional_mean']:.3f} {c.loc['wifi', 'dysfunctional_mean']:.3f} {c.loc['wifi', 'quadrant']}")
    3.333 2.667 O
    """
    threshold = check_number(threshold, "threshold", error=KanoInputError)
    by_list = [by] if isinstance(by, str) else list(by or [])
    # the checks of analyze: columns, answer codes (rows named), attributes without a valid pair
    _long_counts(data, attribute=attribute, functional=functional, dysfunctional=dysfunctional, by=by_list)
    fc = to_codes(data[functional], name=f"column {functional!r}:")
    dc = to_codes(data[dysfunctional], name=f"column {dysfunctional!r}:")
    cat = classify_codes(fc, dc)
    fscore = np.array([np.nan] + [CONTINUOUS_SCORES[k][0] for k in range(1, 6)])[fc]
    dscore = np.array([np.nan] + [CONTINUOUS_SCORES[k][1] for k in range(1, 6)])[dc]
    missing = cat == _MISSING
    rq = np.isin(cat, [_CAT_INDEX["R"], _CAT_INDEX["Q"]])
    use = ~missing & ~(rq if drop_rq else False)
    keys = [*by_list, attribute]
    frame = pd.DataFrame({"f": np.where(use, fscore, np.nan), "d": np.where(use, dscore, np.nan),
                          "missing": missing, "rq": rq & drop_rq})  # fmt: skip
    for c in CATEGORIES:
        frame[f"is_{c}"] = cat == _CAT_INDEX[c]
    for k in keys:
        frame[k] = data[k].to_numpy()
    g = frame.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "n": g["f"].count(),
            "n_dropped_rq": g["rq"].sum().astype(np.int64),
            "n_missing": g["missing"].sum().astype(np.int64),
            "functional_mean": g["f"].mean(),
            "functional_sd": g["f"].std(ddof=1),
            "dysfunctional_mean": g["d"].mean(),
            "dysfunctional_sd": g["d"].std(ddof=1),
        }
    )
    empty = out.index[out["n"] == 0]
    if len(empty):
        warnings.warn(
            f"analyze_continuous: attribute(s) {list(empty)} have only R or Q answer pairs; their means are NaN",
            UserWarning,
            stacklevel=2,
        )
    out["functional_se"] = out["functional_sd"] / np.sqrt(out["n"])
    out["dysfunctional_se"] = out["dysfunctional_sd"] / np.sqrt(out["n"])
    hi_f = out["functional_mean"] >= threshold
    hi_d = out["dysfunctional_mean"] >= threshold
    out["quadrant"] = np.select([hi_f & hi_d, hi_f, hi_d], ["O", "A", "M"], "I")
    out["n_reverse"] = g["is_R"].sum().astype(np.int64)
    out["n_questionable"] = g["is_Q"].sum().astype(np.int64)
    counts = pd.DataFrame({c: g[f"is_{c}"].sum() for c in CATEGORIES})
    out["rq_dominant"] = rq_dominant(counts).to_numpy()
    out.loc[out["rq_dominant"], "quadrant"] = "R/Q"
    out.loc[out["n"] == 0, "quadrant"] = ""
    return out


# --------------------------------------------------------------------------
# Segments
# --------------------------------------------------------------------------
def segment_test(
    data: pd.DataFrame,
    attribute_name: Any,
    *,
    group: str = "segment",
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    categories: Sequence[str] = ("A", "O", "M", "I", "R", "Q"),
    confidence: float = 0.95,
    n_resamples: int = 0,
    rng: int | np.random.Generator | None = None,
) -> _stats.TestResult:
    """Do groups differ in the category distribution of one attribute?

    Parameters
    ----------
    data : DataFrame
        Long Kano answers (as for :func:`analyze`) with a group column.
    attribute_name : str
        The attribute tested (a value of the ``attribute`` column).
    group, attribute, functional, dysfunctional : str
        Column names.
    categories : sequence of str, default all six
        Categories kept in the table; those no group uses are dropped.
    confidence : float, default 0.95
        Level of the interval of Cramér's V.
    n_resamples : int, default 0
        0: the asymptotic χ² p-value.  Otherwise the p-value is a Monte Carlo
        estimate of the exact conditional p-value from ``n_resamples`` random
        tables with the observed margins (:func:`monte_carlo_p_value`), the
        remedy when expected counts are small; no small-count warning is then
        issued.
    rng : int, Generator or None
        Randomness of the Monte Carlo p-value.

    Returns
    -------
    crm_lab.stats.TestResult
        The chi-square test of independence of ``group`` × category
        (:func:`crm_lab.stats.chi_square`): ``statistic`` (χ²), ``df``,
        ``p_value``, ``estimate`` (bias-corrected Cramér's V) with its
        interval; ``extra`` adds the crosstab (``counts``), the
        ``attribute``, ``n_missing`` (pairs left out for a missing
        answer), ``p_asymptotic`` (the χ² p-value) and ``n_resamples``.
        The interval of V is the noncentral-χ² one in both cases
        (approximate when expected counts are small).

    Raises
    ------
    KanoInputError
        Missing columns, an unknown attribute, or fewer than two groups or
        two categories with answers.

    Warns
    -----
    UserWarning
        When more than 20% of the expected counts are below 5 (Cochran 1954)
        and ``n_resamples`` is 0.

    Notes
    -----
    Tested against :func:`crm_lab.stats.chi_square` of the crosstab of
    group and :func:`classify`'s categories (which is itself tested against
    R's ``chisq.test``).

    References
    ----------
    Cochran, W. G. (1954). Some methods for strengthening the common χ²
    tests. *Biometrics*, 10(4), 417-451.

    Bergsma, W. (2013). A bias-correction for Cramér's V and Tschuprow's T.
    *Journal of the Korean Statistical Society*, 42(3), 323-328.

    Examples
    --------
    >>> from crm_lab import datasets
    >>> r = segment_test(datasets.load("kano"), "mobile_app")
    >>> print(r.report(decimals=2))
    Chi-square test of independence (mobile_app: segment × category): χ²(10) = 219.0, p < .01; Cramér's V (bias-corrected) = 0.25, 95% CI [0.22, 0.29], n = 1,646
    """
    check_columns(data, {"group": group, "attribute": attribute}, what="Kano answers", error=KanoInputError)
    sub = data[data[attribute] == attribute_name]
    if sub.empty:
        known = sorted(map(str, pd.unique(data[attribute])))
        raise KanoInputError(f"attribute {attribute_name!r} not in column {attribute!r} (known: {known})")
    counts, n_missing, _ = _long_counts(sub, attribute=group, functional=functional, dysfunctional=dysfunctional, by=[])
    table = counts[[c for c in categories if counts[c].sum() > 0]]
    if len(table) < 2 or table.shape[1] < 2:
        raise KanoInputError(
            f"attribute {attribute_name!r}: need at least two {group!r} groups and two categories with answers "
            f"(got groups {list(table.index)} and categories {list(table.columns)})"
        )
    n_resamples = check_integer(n_resamples, "n_resamples", low=0, error=KanoInputError)
    if n_resamples == 0:
        res = _stats.chi_square(table, confidence=confidence)
    else:  # the remedy for small expected counts is applied: only that warning is handled, others pass
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = _stats.chi_square(table, confidence=confidence)
        for w in caught:
            if "expected counts" not in str(w.message):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    extra = dict(res.extra, counts={str(k): {c: int(v) for c, v in row.items()} for k, row in table.iterrows()},
                 attribute=str(attribute_name), n_missing=int(n_missing.sum()), p_asymptotic=float(res.p_value),
                 n_resamples=n_resamples)  # fmt: skip
    changes = {"extra": extra, "test": f"{res.test} ({attribute_name}: {group} × category)"}
    if n_resamples:
        changes.update(p_value=monte_carlo_p_value(table.to_numpy(), n_resamples=n_resamples, rng=rng),
                       method=f"{res.method}; p-value by Monte Carlo from {n_resamples:,} tables with the "
                              "observed margins",
                       citation=f"{res.citation}; Hope (1968); Patefield (1981)")  # fmt: skip
    return dataclasses.replace(res, **changes)


def monte_carlo_p_value(table: Any, *, n_resamples: int = 9999, rng: int | np.random.Generator | None = None) -> float:
    """Monte Carlo p-value of Pearson's χ² test of independence, conditional on the table's margins.

    Draws ``n_resamples`` tables with the observed row and column totals
    under independence (Patefield's algorithm, :func:`scipy.stats.random_table`)
    and returns :math:`(1 + \\#\\{X^2_{sim} \\ge X^2_{obs}\\}) / (1 + R)`
    (Hope 1968) — the estimate of the exact conditional p-value that R's
    ``chisq.test(simulate.p.value = TRUE)`` reports.  It needs no large
    expected counts; its own Monte Carlo standard error is about
    :math:`\\sqrt{p(1-p)/R}`, and the smallest value it can return is
    :math:`1/(R+1)`.

    Notes
    -----
    SciPy ≥ 1.15 offers the same test as
    ``chi2_contingency(table, correction=False, method=MonteCarloMethod(...))``;
    this function needs only ``scipy.stats.random_table`` (SciPy ≥ 1.10).
    Tested against SciPy's version and, for a large table, against the
    asymptotic χ² p-value.

    References
    ----------
    Hope, A. C. A. (1968). A simplified Monte Carlo significance test
    procedure. *Journal of the Royal Statistical Society B*, 30(3), 582-598.

    Patefield, W. M. (1981). Algorithm AS 159: An efficient method of
    generating random r × c tables with given row and column totals.
    *Applied Statistics*, 30(1), 91-97.

    Examples
    --------
    >>> p = monte_carlo_p_value([[3, 0, 1], [0, 4, 1]], n_resamples=999, rng=1)
    >>> 0.0 < p < 0.2
    True
    """
    counts = np.asarray(table, dtype=np.int64)
    n_resamples = check_integer(n_resamples, "n_resamples", low=1, error=KanoInputError)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    rows, cols = counts.sum(axis=1), counts.sum(axis=0)
    expected = np.outer(rows, cols) / counts.sum()
    observed = ((counts - expected) ** 2 / expected).sum()
    tables = sps.random_table(rows, cols).rvs(n_resamples, random_state=np.random.default_rng(rng))
    simulated = ((tables - expected) ** 2 / expected).sum(axis=(1, 2))
    return float((1 + np.count_nonzero(simulated >= observed * (1 - 1e-12))) / (1 + n_resamples))


#: Cohen's (1988) benchmarks for w (0.1 small, 0.3 medium, 0.5 large); V's are w / sqrt(min(r, c) - 1).
COHEN_W = (("small", 0.1), ("medium", 0.3), ("large", 0.5))


def cramers_v_size(v: float, k: int) -> str:
    """The size of a Cramér's V by Cohen's (1988) benchmarks for a table with min(r, c) = ``k``.

    Cohen's benchmarks are for :math:`w = V\\sqrt{k-1}`: 0.1 small, 0.3 medium, 0.5 large; below 0.1
    "negligible".

    >>> cramers_v_size(0.5, 2), cramers_v_size(0.25, 3), cramers_v_size(0.05, 2)
    ('large', 'medium', 'negligible')
    """
    w = float(v) * math.sqrt(max(int(k) - 1, 1))
    size = "negligible"
    for name, bound in COHEN_W:
        if w >= bound - 1e-12:
            size = name
    return size


#: The extra columns of :func:`compare_segments`, after :data:`crm_lab.results.TABLE_COLUMNS`.
SEGMENT_COLUMNS = ("p_holm", "p_asymptotic", "n_resamples", "cramers_v_classic", "k", "size", "n",
                   "expected_below_5", "small_expected", "modes", "report")


def compare_segments(
    data: pd.DataFrame,
    *,
    group: str = "segment",
    attribute: str = "attribute",
    functional: str = "functional",
    dysfunctional: str = "dysfunctional",
    categories: Sequence[str] = ("A", "O", "M", "I", "R", "Q"),
    confidence: float = 0.95,
    n_resamples: int = 0,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """:func:`segment_test` for every attribute, as one table with Holm-adjusted p-values.

    Parameters
    ----------
    data : DataFrame
        Long Kano answers with a group column.
    group, attribute, functional, dysfunctional, categories, confidence
        As :func:`segment_test`.
    n_resamples : int, default 0
        0: asymptotic χ² p-values; else Monte Carlo p-values from this many
        tables per attribute (:func:`monte_carlo_p_value`) — use it when
        expected counts are small.
    rng : int, Generator or None
        Randomness of the Monte Carlo p-values (one generator for all).

    Returns
    -------
    DataFrame
        Index ``attribute`` (named after the ``attribute`` column); the
        result-protocol columns :data:`crm_lab.results.TABLE_COLUMNS` — one
        row of each attribute's :attr:`TestResult.table
        <crm_lab.stats.TestResult.table>`: ``estimate`` (bias-corrected
        Cramér's V), ``se`` (NaN), ``ci_low, ci_high`` (its interval),
        ``statistic`` (χ²), ``df``, ``p_value`` — then
        (:data:`SEGMENT_COLUMNS`) ``p_holm`` (Holm's step-down adjustment
        over the attributes), ``p_asymptotic`` (the χ² p-value, equal to
        ``p_value`` when ``n_resamples`` is 0), ``n_resamples``,
        ``cramers_v_classic``, ``k`` (min(rows, columns) of the table),
        ``size`` (:func:`cramers_v_size` of the estimate), ``n``,
        ``expected_below_5``, ``small_expected`` (more than 20% of expected
        counts below 5: use ``n_resamples``), ``modes`` (each group's most
        frequent category and its share) and ``report`` (the APA line).

    Warns
    -----
    UserWarning
        Once, naming the attributes with small expected counts, when
        ``n_resamples`` is 0.

    Notes
    -----
    The Holm adjustment is statsmodels' ``multipletests(method="holm")``.
    Tested: each row equals :func:`segment_test`, and ``p_holm`` equals
    statsmodels' Holm adjustment of ``p_value``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test
    procedure. *Scandinavian Journal of Statistics*, 6(2), 65-70.

    Cochran, W. G. (1954). Some methods for strengthening the common χ²
    tests. *Biometrics*, 10(4), 417-451.
    """
    from statsmodels.stats.multitest import multipletests

    check_frame(data, "Kano answers", min_rows=1, error=KanoInputError)
    check_columns(data, {"group": group, "attribute": attribute}, what="Kano answers", error=KanoInputError)
    rows, small = [], []
    names = sorted(pd.unique(data[attribute]), key=str)
    gen = np.random.default_rng(rng)
    for name in names:  # a loop over attributes, not respondents
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = segment_test(data, name, group=group, attribute=attribute, functional=functional,
                               dysfunctional=dysfunctional, categories=categories, confidence=confidence,
                               n_resamples=n_resamples, rng=gen)  # fmt: skip
        for w in caught:  # pass on any other warning
            if "expected counts" not in str(w.message):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        counts = pd.DataFrame(res.extra["counts"]).T
        flagged = res.extra["expected_below_5"] > 0.2 * counts.size
        if flagged and not n_resamples:
            small.append(name)
        k = min(counts.shape)
        modes = "; ".join(f"{g}: {c} {counts.loc[g, c] / counts.loc[g].sum():.0%}"
                          for g, c in counts.idxmax(axis=1).items())  # fmt: skip
        rows.append(res.table.assign(p_asymptotic=res.extra["p_asymptotic"], n_resamples=n_resamples,
                                     cramers_v_classic=res.extra["cramers_v"], k=k,
                                     size=cramers_v_size(res.estimate, k), n=res.n,
                                     expected_below_5=res.extra["expected_below_5"], small_expected=flagged,
                                     modes=modes, report=res.report()))  # fmt: skip
    out = pd.concat(rows)
    out["p_holm"] = multipletests(out["p_value"].to_numpy(), method="holm")[1]
    out = tidy_table(out, index=names, name=attribute, extras=SEGMENT_COLUMNS)
    if small:
        warnings.warn(
            f"compare_segments: more than 20% of expected counts are below 5 for {len(small)} attribute(s) "
            f"{small}; their chi-square p-values may be inaccurate (Cochran 1954)",
            UserWarning,
            stacklevel=2,
        )
    return out


def say_segment_tests(tests: pd.DataFrame, *, alpha: float = 0.05, decimals: int = 3) -> str:
    """One sentence per attribute on a :func:`compare_segments` table, written from its numbers.

    Whether the Holm-adjusted p-value is below ``alpha``, the size of Cramér's
    V by Cohen's benchmarks (:func:`cramers_v_size`, from the estimate and
    from the interval's upper limit when nothing is detected), and each
    group's most frequent category.  Attributes are ordered by V, largest
    first.
    """
    from .plots import label
    from .results import fmt_number, fmt_p

    check_columns(tests, ["estimate", "ci_low", "ci_high", "p_holm", "k", "modes"], what="say_segment_tests",
                  error=KanoInputError)  # fmt: skip
    numeric_columns(tests, ["estimate", "ci_low", "ci_high", "p_holm", "k"], what="say_segment_tests",
                    error=KanoInputError)
    lines = []
    for name, row in tests.sort_values("estimate", ascending=False).iterrows():
        v = (f"V = {fmt_number(row['estimate'], decimals)} [{fmt_number(row['ci_low'], decimals)}, "
             f"{fmt_number(row['ci_high'], decimals)}]")  # fmt: skip
        p = f"Holm-adjusted {fmt_p(row['p_holm'], decimals)}"
        modes = "; ".join(f"{label(part.split(': ')[0])}: {part.split(': ')[1]}" for part in row["modes"].split("; "))
        if row["p_holm"] < alpha:
            lines.append(f"{label(name)}: {p} < {alpha:g}, the segments differ; {v}, a "
                         f"{cramers_v_size(row['estimate'], row['k'])} difference ({modes}).")
        else:
            lines.append(f"{label(name)}: {p} ≥ {alpha:g}, no difference detected; {v} — the data still allow "
                         f"a {cramers_v_size(row['ci_high'], row['k'])} one ({modes}).")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Simulation: recovery of the planted category, Fong's false "clear" calls
# --------------------------------------------------------------------------
def _true_label(shares: np.ndarray, tol: float = 1e-9) -> str:
    """The planted single category, or a mixed label when the top two tie."""
    top = np.argsort(-shares[_RANKABLE], kind="stable")
    first, second = (CATEGORIES[_RANKABLE[i]] for i in top[:2])
    if abs(shares[_RANKABLE][top[0]] - shares[_RANKABLE][top[1]]) <= tol:
        x, y = sorted((first, second), key=_PRIORITY_RANK.get)
        return f"{x}/{y}"
    return first


#: The decisions :func:`simulate_decisions` scores: column of the share -> prefix of its Wilson limits.
DECISIONS = {"mode_correct": "mode", "category_correct": "category", "fong_clear": "fong", "binom_clear": "binom"}


def _survey_decisions(p: np.ndarray, truth: str, fong_z: float, alpha: float):
    """``simulate_test(n, reps, rng)`` for :func:`crm_lab.power.power_by_simulation`: the four decisions of reps surveys."""
    truth_set = set(truth.split("/"))

    def simulate_test(n: int, reps: int, rng: np.random.Generator) -> tuple[np.ndarray, None]:
        counts = rng.multinomial(n, p, size=reps)  # every survey of this size at once
        table = _table_from_counts(pd.DataFrame(counts, columns=list(CATEGORIES)), np.zeros(reps, np.int64), fong_z)
        decided = np.column_stack([
            table["mode"].isin(truth_set).to_numpy(),
            (table["category"] == truth).to_numpy(),
            table["fong_significant"].to_numpy(dtype=bool),
            (table["binom_p_value"] < alpha).to_numpy(),
        ])  # fmt: skip
        return decided, None

    return simulate_test


def simulate_decisions(
    shares: pd.DataFrame | Mapping[str, Sequence[float]],
    sizes: Sequence[int],
    *,
    n_sims: int = 500,
    fong_z: float = 1.65,
    alpha: float = 0.05,
    confidence: float = 0.95,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """How often a survey of n respondents gets an attribute's category right.

    Parameters
    ----------
    shares : DataFrame or mapping
        One scenario per row (DataFrame with columns ``A, O, M, I, R, Q``, or
        ``p_A .. p_Q`` as in the planted truth) or mapping ``name -> six
        shares``: the planted category shares.
    sizes : sequence of int
        Respondents per survey (each at least 2).
    n_sims : int, default 500
        Simulated surveys per scenario and size.
    fong_z : float, default 1.65
        Critical value of Fong's test.
    alpha : float, default 0.05
        Level of the exact binomial test of the top two.
    confidence : float, default 0.95
        Level of the Wilson intervals of the simulated shares.
    rng : int, Generator or None
        One generator, used in turn by every scenario and size.

    Returns
    -------
    DataFrame
        One row per scenario and size: ``scenario, n, truth`` (the planted
        category, or ``"x/y"`` when the top two shares tie), then four
        shares of the ``n_sims`` surveys, each followed by its Wilson limits
        (:data:`DECISIONS`): ``mode_correct, mode_low, mode_high`` (the mode
        is the planted category; for a tie, one of the two),
        ``category_correct, category_low, category_high`` (the
        :func:`analyze` label equals ``truth``), ``fong_clear, fong_low,
        fong_high`` (Fong's test significant: for a tie, a false "clear"
        call), ``binom_clear, binom_low, binom_high`` (the exact test
        significant); last ``n_sims``.  :func:`crm_lab.power.smallest_n`
        reads off the smallest n reaching a target, e.g.
        ``smallest_n(curve, target=0.9, column="mode_correct", by="scenario")``.

    Raises
    ------
    KanoInputError
        Shares that are not six non-negative numbers summing to 1, sizes
        below 2, or bad options (all named at once).

    Notes
    -----
    Each survey's category counts are drawn as multinomial(n, shares), all
    surveys of a size at once; :func:`crm_lab.power.power_by_simulation`
    runs the sizes and gives each share its Wilson (1927) interval, the
    Monte Carlo uncertainty of the simulated rate.  Tested against the
    closed form of Fong's false "clear" rate under a tie,
    :math:`2(1 - \\Phi(1.65\\sqrt{1 - p}))`, and the exact test's level.

    References
    ----------
    Fong, D. (1996). Using the self-stated importance questionnaire to
    interpret Kano questionnaire results. *Center for Quality of Management
    Journal*, 5(3), 21-24.

    Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation
    studies to evaluate statistical methods. *Statistics in Medicine*,
    38(11), 2074-2102.

    Examples
    --------
    >>> curve = simulate_decisions({"lead": [0.5, 0.2, 0.1, 0.1, 0.05, 0.05]}, [20, 80], n_sims=200, rng=1)
    >>> r = curve.iloc[0]
    >>> print(f"n = {r.n}: the mode is {r.truth} in {r.mode_correct:.1%} of surveys [{r.mode_low:.3f}, {r.mode_high:.3f}]")
    n = 20: the mode is A in 90.5% of surveys [0.856, 0.938]
    >>> from crm_lab.power import smallest_n
    >>> smallest_n(curve, target=0.95, column="mode_correct", by="scenario").tolist()
    [80.0]
    """
    problems: list[str] = []
    n_sims = check_integer(n_sims, "n_sims", low=1, problems=problems)
    fong_z = check_number(fong_z, "fong_z", low=0, low_open=True, problems=problems)
    alpha = check_number(alpha, "alpha", low=0, high=1, low_open=True, high_open=True, problems=problems)
    confidence = check_confidence(confidence, problems=problems)
    sizes = list(np.atleast_1d(sizes).tolist()) if not isinstance(sizes, (list, tuple)) else list(sizes)
    if not sizes:
        problems.append("'sizes' must name at least one survey size (got none)")
    for size in sizes:
        check_integer(size, "sizes", low=2, problems=problems)
    if len(set(map(str, sizes))) < len(sizes):
        problems.append(f"'sizes' must be distinct (got {sizes})")
    if isinstance(shares, pd.DataFrame):
        cols = [f"p_{c}" for c in CATEGORIES] if "p_A" in shares.columns else list(CATEGORIES)
        values = numeric_columns(shares, cols, what="shares", error=KanoInputError).to_numpy()
        scen = {str(k): v for k, v in zip(shares.index, values)}
    else:
        scen = {str(k): np.asarray(v, dtype=float) for k, v in shares.items()}
    for k, p in scen.items():
        if p.shape != (6,) or (p < 0).any() or not math.isclose(p.sum(), 1, abs_tol=1e-6):
            problems.append(f"shares of scenario {k!r} must be six non-negative numbers summing to 1 (got {p.tolist()})")
    raise_problems(problems, what="simulate_decisions", error=KanoInputError)
    gen = np.random.default_rng(rng)
    parts = []
    for name, p in scen.items():  # a loop over scenarios; sizes are run by power_by_simulation, surveys batched
        truth = _true_label(p)
        long = power_by_simulation(_survey_decisions(p / p.sum(), truth, fong_z, alpha), sizes, reps=n_sims,
                                   terms=list(DECISIONS), confidence=confidence, rng=gen)  # fmt: skip
        wide = long.pivot(index="n", columns="term", values=["power", "ci_low", "ci_high"]).reindex(sizes)
        part = pd.DataFrame({"scenario": name, "n": sizes, "truth": truth})
        for share, prefix in DECISIONS.items():
            part[share] = wide[("power", share)].to_numpy()
            part[f"{prefix}_low"] = wide[("ci_low", share)].to_numpy()
            part[f"{prefix}_high"] = wide[("ci_high", share)].to_numpy()
        part["n_sims"] = n_sims
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------
# Figures (axes-level; no theme, no show)
# --------------------------------------------------------------------------
def _axes(ax):
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.gca()


def _name(index_value: Any) -> str:
    """The attribute name of an index value (the last level of a tuple)."""
    return str(index_value[-1] if isinstance(index_value, tuple) else index_value)


def rq_dominant(table: pd.DataFrame) -> pd.Series:
    """Attributes whose Better–Worse or continuous position must not be read as A, O, M or I.

    True when reverse (R) is the most frequent of A, O, M, I, R (ties go to
    the others, M > O > A > I > R), or when R and Q together make up at least
    half of the valid answer pairs.  Better, Worse and DuMouchel's means use
    only the A, O, M and I answers: for such an attribute they describe a
    minority of respondents, and its quadrant says nothing about the
    majority, who prefer the service absent (R) or answered inconsistently
    (Q).

    Parameters
    ----------
    table : DataFrame
        An :func:`analyze` / :func:`analyze_counts` result (counts ``A`` …
        ``Q``), or an :func:`analyze_continuous` result (its ``rq_dominant``
        column).

    Returns
    -------
    Series of bool, on the table's index.

    Examples
    --------
    >>> t = analyze_counts(pd.DataFrame({"A": [14, 60], "O": [12, 20], "M": [5, 10], "I": [10, 5],
    ...                                  "R": [55, 3], "Q": [3, 2]}, index=["promo_calls", "app"]))
    >>> rq_dominant(t).tolist()
    [True, False]
    """
    check_frame(table, "rq_dominant", error=KanoInputError)
    if "rq_dominant" in table.columns:
        return table["rq_dominant"].astype(bool)
    numeric_columns(table, list(CATEGORIES), what="rq_dominant", missing="keep", min_rows=0, error=KanoInputError)
    aomi = table[["A", "O", "M", "I"]].max(axis=1)
    valid = table[list(CATEGORIES)].sum(axis=1)
    return (table["R"] > aomi) | ((table["R"] + table["Q"]) >= 0.5 * valid) & (valid > 0)


def _quadrant_letters(ax) -> None:
    from .plots import KANO_COLORS

    for tx, ty, lab in ((0.02, 0.98, "A"), (0.98, 0.98, "O"), (0.98, 0.02, "M"), (0.02, 0.02, "I")):
        ax.text(tx, ty, lab, transform=ax.transAxes, ha="left" if tx < 0.5 else "right",
                va="top" if ty > 0.5 else "bottom", fontsize=16, fontweight="bold", color=KANO_COLORS[lab],
                alpha=0.45)  # fmt: skip


def _kano_scatter(ax, table: pd.DataFrame, x, y, xerr, yerr, *, colour_by: pd.Series | None, flagged: pd.Series,
                  reverse: str, labels: bool, bar_label: str) -> None:
    """Points coloured by Kano category, R/Q-dominated ones left out or hollow, a legend and a note off the data."""
    from matplotlib.lines import Line2D

    from .plots import KANO_COLORS, label, place_labels

    keep = ~flagged.to_numpy() if reverse == "exclude" else np.ones(len(table), bool)
    cats = (colour_by.astype(str).str.split("/").str[0] if colour_by is not None
            else pd.Series("", index=table.index))  # fmt: skip
    handles = {}
    for i in np.flatnonzero(keep):
        is_rq = bool(flagged.iloc[i])
        cat = "R" if is_rq else cats.iloc[i]
        colour = KANO_COLORS.get(cat, "0.3")
        ax.errorbar(x[i], y[i], xerr=None if xerr is None else xerr[:, [i]], yerr=None if yerr is None else yerr[:, [i]],
                    fmt="o", ms=7, capsize=2, lw=1, color=colour, ecolor=colour, alpha=0.9,
                    mfc="white" if is_rq else colour, mew=1.5, zorder=3)  # fmt: skip
        key = "R/Q: not read" if is_rq else cat
        if key and key not in handles:
            handles[key] = Line2D([], [], ls="", marker="o", ms=7, color=colour, mfc="white" if is_rq else colour,
                                  label="mostly R or Q (not A/O/M/I)" if is_rq else label(cat))  # fmt: skip
    if labels:
        idx = np.flatnonzero(keep)
        texts = [label(_name(table.index[i])) + (" (mostly R/Q)" if flagged.iloc[i] else "") for i in idx]
        place_labels(ax, x[idx], y[idx], texts)
    order = [c for c in (*CATEGORIES, "R/Q: not read") if c in handles]
    bar = Line2D([], [], color="0.3", lw=1, marker="|", ms=8, label=bar_label)
    ax.legend(handles=[*(handles[c] for c in order), bar], title="category (point colour)", fontsize=8,
              title_fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)  # fmt: skip
    left_out = [f"{label(_name(n))} (R {r:.0%}, Q {q:.0%})" if r == r else label(_name(n))
                for n, r, q in zip(table.index[~keep], *_rq_shares(table)[~keep].T)]  # fmt: skip
    if left_out:
        ax.text(1.02, 0.0, "Not placed — most answers are\nreverse or questionable, so the\nposition would describe only\n"
                "the A/O/M/I minority:\n" + "\n".join(left_out), transform=ax.transAxes, fontsize=8, va="bottom",
                ha="left", color=KANO_COLORS["R"])  # fmt: skip


def _rq_shares(table: pd.DataFrame) -> np.ndarray:
    """Shares of R and Q answers per row (NaN when the table has no counts)."""
    if set(CATEGORIES) <= set(table.columns):
        valid = table[list(CATEGORIES)].sum(axis=1).replace(0, np.nan)
        return np.column_stack([table["R"] / valid, table["Q"] / valid])
    if {"n_reverse", "n_questionable", "n"} <= set(table.columns):
        valid = (table["n"] + table["n_dropped_rq"]).replace(0, np.nan)
        return np.column_stack([table["n_reverse"] / valid, table["n_questionable"] / valid])
    return np.full((len(table), 2), np.nan)


def plot_better_worse(table: pd.DataFrame, *, labels: bool = True, reverse: str = "exclude", ax=None):
    """Better–Worse diagram: |Worse| on x, Better on y, bootstrap intervals as bars.

    Quadrant lines at 0.5 (Berger et al. 1993): top right O, top left A,
    bottom right M, bottom left I.  ``table`` is an :func:`analyze` result
    with one index level (or a single-group slice); without bootstrap limits
    (``n_boot=0``) no bars are drawn.  Points are coloured by the reported
    category (:data:`crm_lab.plots.KANO_COLORS`; a mixed label by its first
    category), labels are placed without overlaps, and the legend sits
    outside the axes.

    Parameters
    ----------
    table : DataFrame
    labels : bool, default True
        Name the points.
    reverse : {"exclude", "flag"}, default "exclude"
        What to do with attributes whose answers are mostly reverse or
        questionable (:func:`rq_dominant`): Better and Worse use only the A,
        O, M and I answers, so their position describes a minority and must
        not be read as A/O/M/I.  "exclude" leaves them out and names them
        beside the diagram; "flag" draws them as hollow points marked
        "(mostly R/Q)".

    Returns
    -------
    matplotlib Axes

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.
    """
    check_columns(table, ["better", "better_low", "better_high", "worse", "worse_low", "worse_high"],
                  what="plot_better_worse", error=KanoInputError)
    reverse = check_choice(reverse, "reverse", ("exclude", "flag"), error=KanoInputError)
    ax = _axes(ax)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="|Worse|: dissatisfaction when the service is absent",
           ylabel="Better: satisfaction when the service is present")  # fmt: skip
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.axvline(0.5, color="grey", lw=0.8, ls="--")
    _quadrant_letters(ax)
    x, y = -table["worse"].to_numpy(float), table["better"].to_numpy(float)
    xerr = np.abs(np.vstack([x - (-table["worse_high"].to_numpy(float)), -table["worse_low"].to_numpy(float) - x]))
    yerr = np.abs(np.vstack([y - table["better_low"].to_numpy(float), table["better_high"].to_numpy(float) - y]))
    has_ci = bool(np.isfinite(xerr).all() and np.isfinite(yerr).all())
    flagged = (rq_dominant(table) if set(CATEGORIES) <= set(table.columns)
               else pd.Series(False, index=table.index))  # fmt: skip
    level = float(table["confidence"].iloc[0]) if "confidence" in table.columns and has_ci else float("nan")
    bar_label = (f"bars: {level:.0%} bootstrap CI" if level == level else "bars: bootstrap CI") if has_ci else ""
    colour_by = next((table[c] for c in ("rule_category", "category", "mode") if c in table.columns), None)
    _kano_scatter(ax, table, x, y, xerr if has_ci else None, yerr if has_ci else None, colour_by=colour_by,
                  flagged=flagged, reverse=reverse, labels=labels, bar_label=bar_label or "no bootstrap (n_boot=0)")
    return ax


def plot_continuous(cont: pd.DataFrame, *, labels: bool = True, threshold: float = 2.0, reverse: str = "exclude",
                    ax=None):
    """DuMouchel's diagram: mean dysfunctional score (x) against mean functional score (y).

    Error bars are ±1.96 standard errors (95% CI of the mean).  ``cont`` is an
    :func:`analyze_continuous` result; points are coloured by their
    ``quadrant``.  Attributes whose answers are mostly reverse or
    questionable (``rq_dominant``) are left out and named beside the diagram
    (``reverse="exclude"``) or drawn hollow (``"flag"``): their means are
    computed from the A/O/M/I minority only.  Returns the Axes.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.
    """
    check_columns(cont, ["functional_mean", "functional_se", "dysfunctional_mean", "dysfunctional_se"],
                  what="plot_continuous", error=KanoInputError)
    reverse = check_choice(reverse, "reverse", ("exclude", "flag"), error=KanoInputError)
    ax = _axes(ax)
    ax.set(xlim=(-2, 4), ylim=(-2, 4), xlabel="Dysfunctional score (feeling when the service is absent)",
           ylabel="Functional score (feeling when the service is present)")  # fmt: skip
    ax.axhline(threshold, color="grey", lw=0.8, ls="--")
    ax.axvline(threshold, color="grey", lw=0.8, ls="--")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    _quadrant_letters(ax)
    x, y = cont["dysfunctional_mean"].to_numpy(float), cont["functional_mean"].to_numpy(float)
    xerr = np.vstack([1.96 * cont["dysfunctional_se"].to_numpy(float)] * 2)
    yerr = np.vstack([1.96 * cont["functional_se"].to_numpy(float)] * 2)
    flagged = rq_dominant(cont) if "rq_dominant" in cont.columns else pd.Series(False, index=cont.index)
    _kano_scatter(ax, cont, x, y, xerr, yerr, colour_by=cont["quadrant"] if "quadrant" in cont.columns else None,
                  flagged=flagged, reverse=reverse, labels=labels, bar_label="bars: 95% CI (± 1.96 SE)")
    return ax


def plot_category_shares(table: pd.DataFrame, *, ax=None):
    """Stacked horizontal bars of the category shares per attribute; returns the Axes.

    ``table`` is an :func:`analyze` (or :func:`analyze_counts`) result; the
    shares are of ``n``, the valid answer pairs.  Colours are
    :data:`crm_lab.plots.KANO_COLORS`; the legend sits above the axes.

    References
    ----------
    Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel,
    W., Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., &
    Walden, D. (1993). Kano's methods for understanding customer-defined
    quality. *Center for Quality of Management Journal*, 2(4), 3-36.
    """
    from .plots import KANO_COLORS, label

    check_columns(table, [*CATEGORIES, "n"], what="plot_category_shares", error=KanoInputError)
    ax = _axes(ax)
    shares = table[list(CATEGORIES)].div(table["n"], axis=0)
    shares.index = [label(_name(i)) for i in shares.index]
    shares.columns = [label(c) for c in CATEGORIES]
    shares.iloc[::-1].plot.barh(stacked=True, ax=ax, width=0.8, color=[KANO_COLORS[c] for c in CATEGORIES])
    ax.set(xlim=(0, 1), xlabel="Share of answer pairs", ylabel="")
    ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    return ax


def plot_drift(
    by_edition: pd.DataFrame,
    attribute_name: Any,
    *,
    truth: pd.DataFrame | None = None,
    categories: Sequence[str] = ("A", "O", "M", "I"),
    ax=None,
):
    """Category shares of one attribute across editions; planted shares dashed.

    Parameters
    ----------
    by_edition : DataFrame
        :func:`analyze` result indexed by ``(edition, attribute)``.
    attribute_name : str
        The attribute to draw.
    truth : DataFrame, optional
        Planted shares (``edition, attribute, p_A .. p_Q`` for one segment).
    categories : sequence of str
        Categories to draw (colours :data:`crm_lab.plots.KANO_COLORS`).

    Returns
    -------
    matplotlib Axes

    References
    ----------
    Kano, N. (2001). Life cycle and creation of attractive quality. In
    *Proceedings of the 4th International QMOD Conference on Quality
    Management and Organisational Development*. Linköping University.
    """
    from .plots import KANO_COLORS, label

    check_columns(by_edition, [*CATEGORIES, "n"], what="plot_drift", error=KanoInputError)
    ax = _axes(ax)
    t = by_edition.xs(attribute_name, level=-1)
    shares = t[list(CATEGORIES)].div(t["n"], axis=0)
    for cat in categories:
        color = KANO_COLORS[cat]
        ax.plot(shares.index, shares[cat], "o-", color=color, label=label(cat), ms=4)
        if truth is not None:
            planted = truth[truth["attribute"] == attribute_name].sort_values("edition")
            ax.plot(planted["edition"], planted[f"p_{cat}"], "--", color=color, lw=1)
    ax.set(title=label(attribute_name), ylim=(0, 1), xlabel="Edition", ylabel="Share of answer pairs")
    ax.set_xticks(list(shares.index))
    return ax


def plot_drift_grid(by_edition: pd.DataFrame, *, truth: pd.DataFrame | None = None,
                    categories: Sequence[str] = ("A", "O", "M", "I", "R"), ncols: int = 5, fig=None):
    """:func:`plot_drift` for every attribute in a grid, one shared legend below the panels; returns the Figure.

    A figure-level helper (it makes the figure unless ``fig`` is given).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    names = sorted(by_edition.index.get_level_values(-1).unique(), key=str)
    nrows = -(-len(names) // ncols)
    fig = fig if fig is not None else plt.figure(figsize=(3 * ncols, 2.8 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    for ax, name in zip(axes.flat, names):
        plot_drift(by_edition, name, truth=truth, categories=categories, ax=ax)
        ax.label_outer()
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    handles, labels_ = axes.flat[0].get_legend_handles_labels()
    extra = [Line2D([], [], color="0.3", ls="-", marker="o", ms=4, label="observed share"),
             Line2D([], [], color="0.3", ls="--", label="planted share")] if truth is not None else []  # fmt: skip
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles=[*handles, *extra], loc="lower center", ncol=len(handles) + len(extra), frameon=False,
               fontsize=9, bbox_to_anchor=(0.5, 0.0))  # fmt: skip
    return fig


def _plain_log_ticks(ax, sizes) -> None:
    """Log x axis with the simulated sizes as plain-number ticks."""
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log")
    ticks = sorted(set(int(v) for v in sizes))
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_recovery(curve: pd.DataFrame, *, target: float = 0.9, ax=None):
    """Share of simulated surveys whose mode is the planted category, by survey size, one line per scenario.

    ``curve`` is a :func:`simulate_decisions` result; bands are its 95% Wilson
    intervals (``mode_low``, ``mode_high``); the legend sits right of the axes.
    """
    ax = _axes(ax)
    check_columns(curve, ["scenario", "n", "truth", "mode_correct", "mode_low", "mode_high"], what="plot_recovery",
                  error=KanoInputError)  # fmt: skip
    import matplotlib.pyplot as plt

    groups = list(curve.groupby("scenario", sort=False))
    shades = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(groups)))  # ordered scenarios, ordered colours
    for (name, g), colour in zip(groups, shades):
        ax.plot(g["n"], g["mode_correct"], "o-", ms=4, color=colour, label=f"{name} (planted {g['truth'].iloc[0]})")
        ax.fill_between(g["n"], g["mode_low"], g["mode_high"], alpha=0.2, color=colour, lw=0)
    ax.axhline(target, color="grey", ls="--", lw=0.8, label=f"target {target:.0%}")
    ax.set(ylim=(0, 1.02), xlabel="Respondents in the survey",
           ylabel="Share of surveys with the planted mode")  # fmt: skip
    _plain_log_ticks(ax, curve["n"])
    ax.legend(fontsize=8, title="scenario (bands: 95% Wilson CI)", title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.02, 1.0), frameon=False)  # fmt: skip
    return ax


def plot_false_clear(tie: pd.DataFrame, *, alpha: float = 0.05, theory: float | None = None,
                     p_tie: float | None = None, ax=None):
    """How often Fong's test and the exact binomial test call a planted tie "clear", by survey size.

    ``tie`` is a :func:`simulate_decisions` result for one tied scenario;
    bands are 95% Wilson intervals; ``theory`` (optional) is the large-sample
    rate of Fong's test under the tie at share ``p_tie``.
    """
    ax = _axes(ax)
    check_columns(tie, ["n", "fong_clear", "fong_low", "fong_high", "binom_clear", "binom_low", "binom_high"],
                  what="plot_false_clear", error=KanoInputError)  # fmt: skip
    for share, prefix, style, name, colour in (("fong_clear", "fong", "o-", "Fong's test", "C0"),
                                               ("binom_clear", "binom", "s-", f"exact binomial test (α = {alpha:g})",
                                                "C1")):  # fmt: skip
        ax.plot(tie["n"], tie[share], style, ms=4, color=colour, label=name)
        ax.fill_between(tie["n"], tie[f"{prefix}_low"], tie[f"{prefix}_high"], alpha=0.2, color=colour, lw=0)
    if theory is not None:
        ax.axhline(theory, color="C0", ls="--", lw=0.8, label=f"theory for Fong, p = {p_tie:.3f}")
    ax.axhline(0.10, color="grey", ls=":", lw=0.8, label="Fong's nominal 10%")
    ax.axhline(alpha, color="C1", ls=":", lw=0.8, label=f"binomial test's level {alpha:g}")
    ax.set(ylim=(0, 0.4), xlabel="Respondents in the survey", ylabel="Share of surveys called 'clear'")
    _plain_log_ticks(ax, tie["n"])
    ax.legend(fontsize=8, title="bands: 95% Wilson CI", title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.02, 1.0), frameon=False)  # fmt: skip
    return ax
