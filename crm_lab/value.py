"""Customer value (客户价值): RFM, concentration, the customer pyramid and lifetime value.

THEORY.md §2 (classification by value, membership tiers) and §8 (customer
value and lifetime value) as pure functions and two maximum-likelihood fitters:

* **RFM** (recency, frequency, monetary) per customer with quantile scores and
  the RFM cell, in pandas (:func:`rfm`) and as SQL on the customer database
  (:func:`rfm_sql`, DuckDB), the two equal row for row;
* **concentration**: the Lorenz curve (:func:`lorenz`), the Gini coefficient
  with a bootstrap interval (:func:`gini`), the customer pyramid — VIP ≈ 1 %,
  major ≈ 4 %, ordinary ≈ 15 %, small ≈ 80 % (:func:`pyramid`,
  :func:`pyramid_tier`);
* **lifetime value from a retention rate**: the margin multiple
  r / (1 + d − r) and the discounted-margin CLV (:func:`margin_multiple`,
  :func:`clv_simple`; Gupta & Lehmann 2003);
* **lifetime value from purchase histories** (no contract, customers leave
  unseen): the customer-by-sufficient-statistic summary
  (:func:`summary_from_transactions`, :func:`calibration_and_holdout`), the
  BG/NBD model of repeat purchases (:class:`BetaGeoFitter`,
  :func:`fit_bgnbd`; Fader, Hardie & Lee 2005a) and the Gamma–Gamma model of
  spend per purchase (:class:`GammaGammaFitter`, :func:`fit_gamma_gamma`;
  Fader, Hardie & Lee 2005b), and a BG/NBD market simulated with known
  parameters (:func:`simulate_bgnbd`) to check that the fit recovers them
  (:func:`bgnbd_recovery`), and the validation table and plot of a
  calibration/holdout split (:func:`calibration_holdout_table`,
  :func:`plot_calibration_holdout`);
* **the exhibitor's value on the source's four indicators** — satisfaction,
  loyalty, retention (保留度), contribution (贡献度) — as a weighted score of
  percentile ranks with the weights stated and their effect shown
  (:func:`exhibitor_value_table`, :func:`value_score`,
  :func:`weight_sensitivity`);
* **membership tiers** (会员等级) from the RFM score and their profile by
  sector, size, region and satisfaction with tests and effect sizes
  (:func:`membership_tiers`, :func:`profile_tiers`);
* **purchase cycles**: each customer's expected next-purchase window from
  her inter-purchase times, checked against held-out later orders
  (:func:`purchase_cycle`, :func:`check_purchase_windows`);
* **the source's decomposition** CLV = CPV + PPV + CIV + CKV + CTV as a
  transparent scoring with stated proxies (:func:`clv_components`);
* **retention vs acquisition** ("keeping a customer costs a fifth of winning
  one") as a scenario with its break-even (:func:`retention_vs_acquisition`);
* **CLV uncertainty by editions observed**, simulated with known truth
  (:func:`simulate_clv_uncertainty`).

The fitters follow lifelines: ``fit`` returns the fitted object, fitted values
end in ``_`` (``params_``, ``standard_errors_``, ``covariance_``,
``log_likelihood_``), ``summary`` is a result of the package's protocol
(:mod:`crm_lab.results`), predictions are methods.  The likelihoods are
written in log space with :mod:`scipy.special` (``gammaln``, ``betaln``,
``hyp2f1``), vectorised over customers, with analytic gradients; standard
errors come from the Hessian of the log-likelihood (central differences of
the analytic gradient).  An optimiser that fails raises
:class:`ConvergenceError`; bad input raises :class:`CustomerValueError` (a
:class:`~crm_lab._checks.CrmLabError`, hence a ``ValueError``) naming the
argument, column and rows.

Why our own fitters: the lifetimes package is archived and pymc-marketing
needs a PyMC stack; the likelihoods are small.  They are tested against the
published CDNOW estimates (``tests/test_value.py``).

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005a). "Counting your
customers" the easy way: An alternative to the Pareto/NBD model. *Marketing
Science*, 24(2), 275–284.

Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005b). RFM and CLV: Using
iso-value curves for customer base analysis. *Journal of Marketing
Research*, 42(4), 415–430.

Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
value. http://brucehardie.com/notes/025/

Fader, P. S., & Hardie, B. G. S. (2013). Overcoming the BG/NBD model's #NUM!
error problem. http://brucehardie.com/notes/027/

Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Tipografia di Paolo
Cuppini.

Gupta, S., & Lehmann, D. R. (2003). Customers as assets. *Journal of
Interactive Marketing*, 17(1), 9–24.

Hughes, A. M. (1994). *Strategic Database Marketing*. Chicago: Probus.

Reichheld, F. F., & Sasser, W. E. (1990). Zero defections: Quality comes to
services. *Harvard Business Review*, 68(5), 105–111.

Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
*Publications of the American Statistical Association*, 9(70), 209–219.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

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
from .resampling import bootstrap
from .results import Result, tidy_table

__all__ = [
    "BGNBDSample",
    "BetaGeoFitter",
    "CLV_UNIT_VALUES",
    "ConvergenceError",
    "CustomerValueError",
    "GammaGammaFitter",
    "GiniResult",
    "MEMBERSHIP_TIERS",
    "ModelFit",
    "PYRAMID_SHARES",
    "PYRAMID_TIERS",
    "PurchaseWindowCheck",
    "RetentionScenario",
    "TierProfile",
    "VALUE_INDICATORS",
    "VALUE_WEIGHTS",
    "bgnbd_recovery",
    "calibration_and_holdout",
    "calibration_holdout_table",
    "check_purchase_windows",
    "clv_components",
    "clv_simple",
    "exhibitor_value_table",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gini",
    "lorenz",
    "margin_multiple",
    "membership_tiers",
    "plot_calibration_holdout",
    "plot_lorenz",
    "plot_retention_vs_acquisition",
    "profile_tiers",
    "purchase_cycle",
    "pyramid",
    "pyramid_tier",
    "rfm",
    "retention_vs_acquisition",
    "rfm_sql",
    "simulate_bgnbd",
    "simulate_clv_uncertainty",
    "summary_from_transactions",
    "value_score",
    "weight_sensitivity",
]

#: The customer pyramid of THEORY.md §2: tiers from the most valuable down.
PYRAMID_TIERS: tuple[str, ...] = ("VIP", "major", "ordinary", "small")
#: The textbook shares of customers in each tier of :data:`PYRAMID_TIERS`.
PYRAMID_SHARES: tuple[float, ...] = (0.01, 0.04, 0.15, 0.80)

#: Days per time unit of :func:`summary_from_transactions` (``freq``).
FREQ_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}

_BGNBD_CITATION = ("Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). \"Counting your customers\" the easy way: "
                   "An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.")
_GG_CITATION = ("Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for "
                "customer base analysis. Journal of Marketing Research, 42(4), 415-430; Fader & Hardie (2013), "
                "The Gamma-Gamma model of monetary value.")
_GINI_CITATION = "Gini, C. (1912). Variabilità e mutabilità; Lorenz, M. O. (1905). JASA 9(70), 209-219."


class CustomerValueError(CrmLabError):
    """Bad input to a :mod:`crm_lab.value` function (names the argument, column and rows)."""


class ConvergenceError(CustomerValueError):
    """A maximum-likelihood fit did not converge, or its optimum is not identified.

    A ``ValueError`` (as lifelines' ``ConvergenceError``): the data do not
    pin the model down — say why in the message (optimiser message,
    parameter at a boundary, singular Hessian).
    """


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------
def _dates(values: pd.Series, column: str, problems: list[str]) -> pd.Series:
    """*values* as day-precision timestamps; missing or unparseable rows are reported."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values
    else:
        parsed = pd.to_datetime(values, errors="coerce")
    missing = values.isna()
    if missing.any():
        problems.append(f"column {column!r} has {int(missing.sum())} missing dates (rows {rows_text(values.index[missing])})")
    bad = parsed.isna() & ~missing
    if bad.any():
        examples = ", ".join(repr(v) for v in pd.unique(values[bad])[:3])
        problems.append(f"column {column!r} must hold dates: rows {rows_text(values.index[bad])} hold {examples}")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.normalize()


def _transactions(transactions: Any, *, customer: str, date: str, amount: str | None, customers: Any,
                  what: str) -> pd.DataFrame:
    """The checked transactions: columns ``customer``, ``day`` (normalised date) and ``amount``.

    Every problem of the table is reported at once: missing customer ids,
    missing or unparseable dates, non-numeric, missing or negative amounts,
    customers not among *customers*.
    """
    check_columns(transactions, {"customer": customer, "date": date, "amount": amount}, what=what,
                  error=CustomerValueError)
    check_frame(transactions, f"{what}: transactions", min_rows=1, error=CustomerValueError)
    problems: list[str] = []
    ids = transactions[customer]
    gaps = ids.isna()
    if gaps.any():
        problems.append(f"column {customer!r} has {int(gaps.sum())} missing customer ids (rows {rows_text(ids.index[gaps])})")
    days = _dates(transactions[date], date, problems)
    out = {"customer": ids, "day": days}
    if amount is not None:
        raw = transactions[amount]
        if pd.api.types.is_bool_dtype(raw.dtype):
            problems.append(f"column {amount!r} must be numeric (got dtype {raw.dtype})")
        else:
            money = pd.to_numeric(raw, errors="coerce").astype(float)
            bad = raw.notna() & money.isna()
            if bad.any():
                examples = ", ".join(repr(v) for v in pd.unique(raw[bad])[:3])
                problems.append(f"column {amount!r} must be numeric: rows {rows_text(raw.index[bad])} hold {examples}")
            missing = raw.isna() | ~np.isfinite(money.fillna(0.0))
            if missing.any():
                problems.append(f"column {amount!r} has {int(missing.sum())} missing or infinite amounts "
                                f"(rows {rows_text(raw.index[missing])})")
            negative = money < 0
            if negative.any():
                examples = ", ".join(f"{v:g}" for v in money[negative].iloc[:3])
                problems.append(f"column {amount!r} must be >= 0 (money paid): rows "
                                f"{rows_text(raw.index[negative])} hold {examples}")
            out["amount"] = money
    if customers is not None:
        known = pd.Index(pd.unique(np.asarray(customers, dtype=object)))
        unknown = ~ids.isin(known) & ~gaps
        if unknown.any():
            examples = ", ".join(repr(v) for v in pd.unique(ids[unknown])[:3])
            problems.append(f"column {customer!r} holds customers not in 'customers' ({examples}): "
                            f"rows {rows_text(ids.index[unknown])}")
    raise_problems(problems, what=what, error=CustomerValueError)
    return pd.DataFrame(out, index=transactions.index)


def _timestamp(value: Any, name: str, what: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT or pd.isna(stamp):
        raise CustomerValueError(f"{what}: {name!r} must be a date (got {value!r})")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def _labels(values: Any, n: int) -> pd.Index:
    return values.index if isinstance(values, pd.Series) else pd.RangeIndex(n)


def _positive_values(values: Any, name: str, what: str, *, allow_zero: bool = True) -> pd.Series:
    """*values* as a float Series (index kept), finite and >= 0 (> 0 unless *allow_zero*)."""
    series = numeric_values(values, name, error=CustomerValueError)
    bad = series < 0 if allow_zero else series <= 0
    if bad.any():
        examples = ", ".join(f"{v:g}" for v in series[bad].iloc[:3])
        raise CustomerValueError(f"{what}: {name!r} must be {'>= 0' if allow_zero else '> 0'}: rows "
                                 f"{rows_text(series.index[bad])} hold {examples}")
    return series


def _rft(frequency: Any, recency: Any, T: Any, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """Checked (frequency, recency, T) arrays of equal length; every problem named by row at once."""
    series = {}
    for name, values in (("frequency", frequency), ("recency", recency), ("T", T)):
        series[name] = numeric_values(np.atleast_1d(values) if np.ndim(values) == 0 else values, name,
                                      error=CustomerValueError)
    sizes = {name: len(s) for name, s in series.items()}
    if len(set(sizes.values())) > 1:
        raise CustomerValueError(f"{what}: 'frequency', 'recency' and 'T' must have the same length (got {sizes})")
    x, tx, t = (series[k].to_numpy() for k in ("frequency", "recency", "T"))
    index = _labels(frequency, x.size)
    problems = []
    checks = (
        (x < 0, "'frequency' must be >= 0 (repeat purchases)", x),
        (x != np.floor(x), "'frequency' must be a whole number (repeat purchases)", x),
        (tx < 0, "'recency' must be >= 0", tx),
        (t <= 0, "'T' must be > 0 (the customer's age)", t),
        (tx > t, "'recency' must be <= 'T' (the last purchase cannot come after the end of observation)", tx),
        ((x == 0) & (tx != 0), "'recency' must be 0 where 'frequency' is 0 (no repeat purchase)", tx),
    )
    for mask, message, shown in checks:
        if mask.any():
            examples = ", ".join(f"{v:g}" for v in shown[mask][:3])
            problems.append(f"{message}: rows {rows_text(index[mask])} hold {examples}")
    raise_problems(problems, what=what, error=CustomerValueError)
    return x, tx, t, index


# --------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------
def _ntile(order: np.ndarray, bins: int) -> np.ndarray:
    """Scores 1..bins of rows visited in *order*: SQL's ``NTILE`` (group sizes differ by at most 1, larger first)."""
    n = order.size
    size, extra = divmod(n, bins)
    pos = np.arange(n)
    big = extra * (size + 1)
    tile = np.where(pos < big, pos // max(size + 1, 1), extra + (pos - big) // max(size, 1))
    scores = np.empty(n, dtype=np.int64)
    scores[order] = tile + 1
    return scores


def _rfm_scores(base: pd.DataFrame, bins: int) -> pd.DataFrame:
    """Add the scores and the cell to *base* (recency, frequency, monetary; sorted by customer)."""
    ties = np.arange(len(base))  # customers are sorted: ties broken by customer id, ascending
    out = base.copy()
    out["r_score"] = _ntile(np.lexsort((ties, -base["recency"].to_numpy())), bins)
    out["f_score"] = _ntile(np.lexsort((ties, base["frequency"].to_numpy())), bins)
    out["m_score"] = _ntile(np.lexsort((ties, base["monetary"].to_numpy())), bins)
    sep = "" if bins <= 9 else "-"
    out["rfm_cell"] = (out["r_score"].astype(str) + sep + out["f_score"].astype(str) + sep
                       + out["m_score"].astype(str))
    out["rfm_score"] = out["r_score"] + out["f_score"] + out["m_score"]
    return out


def rfm(
    transactions: pd.DataFrame,
    *,
    customer: str = "exhibitor_id",
    date: str = "date",
    amount: str = "amount",
    as_of: Any = None,
    bins: int = 5,
    customers: Any = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer, with their scores and the RFM cell.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (the ``transactions`` table: a customer id, a
        date and the amount paid).
    customer, date, amount : str
        Column names (defaults: the transactions table's ``exhibitor_id``,
        ``date``, ``amount``).
    as_of : date-like, optional
        The day the scores are taken; purchases after it are ignored.
        Default: the latest purchase day in the data.
    bins : int, default 5
        Number of score levels (5: quintiles), 2 to 100.
    customers : array-like, optional
        The known customer ids (e.g. ``exhibitors["exhibitor_id"]``); a
        purchase by anyone else raises, naming the rows.

    Returns
    -------
    DataFrame
        One row per customer with a purchase up to *as_of*, indexed by
        customer id (sorted), columns ``recency`` (whole days from the last
        purchase to *as_of*), ``frequency`` (number of purchases),
        ``monetary`` (total amount, rounded to cents), ``r_score``,
        ``f_score``, ``m_score`` (1 = worst .. *bins* = best: the most
        recent, most frequent, highest-spending customers score *bins*),
        ``rfm_cell`` (``"545"``; with ``bins`` >= 10 the scores are joined
        by ``-``) and ``rfm_score`` (the sum of the three scores).

    Raises
    ------
    CustomerValueError
        Missing columns, missing customer ids, missing or unparseable dates,
        missing, non-numeric or negative amounts, unknown customers (every
        problem at once, rows by index label); *as_of* before the first
        purchase.

    See Also
    --------
    rfm_sql : the same table computed by SQL in a DuckDB database.

    Notes
    -----
    **The tie rule.**  For each measure the customers are put in order — by
    recency descending (the longest-absent first), by frequency ascending,
    by monetary ascending — with **ties broken by customer id, ascending**,
    and cut into *bins* groups of sizes that differ by at most one, the
    larger groups first: exactly SQL's ``NTILE(bins) OVER (ORDER BY
    measure, customer)``.  Every score level therefore holds n / bins
    customers (quantile scores), and equal values can get different scores
    when a quantile boundary falls inside a run of ties (common for
    frequency, where many customers bought once); the rule is deterministic
    and does not depend on the row order of the input.  Dates count by day
    (a time of day is dropped).

    Tested against :func:`rfm_sql` (DuckDB) on the sample and on a table
    built to hold ties, and against scores counted by hand.

    References
    ----------
    Hughes, A. M. (1994). *Strategic Database Marketing*. Chicago: Probus.

    Examples
    --------
    >>> t = pd.DataFrame({"exhibitor_id": ["a", "a", "b", "c", "c", "c"],
    ...                   "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01",
    ...                                           "2024-01-15", "2024-02-15", "2024-03-01"]),
    ...                   "amount": [100.0, 50.0, 400.0, 10.0, 20.0, 30.0]})
    >>> rfm(t, bins=3)[["recency", "frequency", "monetary", "rfm_cell"]]
                  recency  frequency  monetary rfm_cell
    exhibitor_id
    a                   0          2     150.0      222
    b                  29          1     400.0      113
    c                   0          3      60.0      331
    """
    bins = check_integer(bins, "bins", low=2, high=100, error=CustomerValueError)
    tx = _transactions(transactions, customer=customer, date=date, amount=amount, customers=customers, what="rfm")
    if tx.empty:
        raise CustomerValueError("rfm: 'transactions' has no rows")
    end = tx["day"].max() if as_of is None else _timestamp(as_of, "as_of", "rfm")
    first = tx["day"].min()
    if end < first:
        raise CustomerValueError(f"rfm: 'as_of' ({end.date()}) is before the first purchase ({first.date()})")
    tx = tx[tx["day"] <= end]
    grouped = tx.groupby("customer", sort=True, observed=True)
    base = pd.DataFrame({
        "recency": (end - grouped["day"].max()).dt.days.astype(np.int64),
        "frequency": grouped.size().astype(np.int64),
        "monetary": np.round(grouped["amount"].sum(), 2),
    })
    base.index.name = customer
    return _rfm_scores(base, bins)


def _sql_quote(identifier: str) -> str:
    return '"' + str(identifier).replace('"', '""') + '"'


def rfm_sql(
    con: Any,
    *,
    table: str = "transactions",
    customer: str = "exhibitor_id",
    date: str = "date",
    amount: str = "amount",
    as_of: Any = None,
    bins: int = 5,
) -> pd.DataFrame:
    """:func:`rfm` computed by SQL in a DuckDB database (the customer database, 客户数据库).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection holding the transactions as a table or view — e.g.
        :func:`crm_lab.datasets.connect`, or ``duckdb.connect()`` after
        ``con.register("transactions", df)``.
    table : str, default "transactions"
    customer, date, amount, as_of, bins
        As for :func:`rfm`.

    Returns
    -------
    DataFrame
        The table :func:`rfm` returns, equal to it (same index, columns,
        dtypes and values).

    Raises
    ------
    CustomerValueError
        No such table or column; missing customer ids, dates or amounts;
        negative amounts (with examples); *as_of* before the first purchase.

    Notes
    -----
    The scores are ``NTILE(bins) OVER (ORDER BY measure, customer)`` — the
    tie rule of :func:`rfm`.  The totals are rounded to cents in both, so
    that a different order of floating-point summation cannot move a
    customer across a score boundary.  The query::

        WITH base AS (SELECT customer, date_diff('day', MAX(day), as_of) AS recency,
                             COUNT(*) AS frequency, ROUND(SUM(amount), 2) AS monetary
                      FROM transactions WHERE day <= as_of GROUP BY customer)
        SELECT *, NTILE(5) OVER (ORDER BY recency DESC, customer) AS r_score, ...

    Tested equal to :func:`rfm` (``tests/test_value.py``).

    Examples
    --------
    >>> import duckdb
    >>> t = pd.DataFrame({"exhibitor_id": ["a", "a", "b"], "amount": [1.0, 2.0, 5.0],
    ...                   "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02"])})
    >>> con = duckdb.connect()
    >>> _ = con.register("transactions", t)
    >>> rfm_sql(con, bins=2)["rfm_cell"].tolist()
    ['221', '112']
    >>> con.close()
    """
    bins = check_integer(bins, "bins", low=2, high=100, error=CustomerValueError)
    what = "rfm_sql"
    import duckdb

    try:
        present = [row[0] for row in con.execute(f"DESCRIBE {_sql_quote(table)}").fetchall()]
    except duckdb.Error:
        names = [row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        raise CustomerValueError(f"{what}: no table {table!r} in the database; it has: {', '.join(names) or 'nothing'}") from None
    missing = [f"{role}={col!r}" for role, col in (("customer", customer), ("date", date), ("amount", amount))
               if col not in present]
    if missing:
        raise CustomerValueError(f"{what}: table {table!r} has no column {', '.join(missing)}; it has: {', '.join(present)}")
    c, d, a, t = (_sql_quote(x) for x in (customer, date, amount, table))
    day = f"CAST({d} AS DATE)"
    counts = con.execute(
        f"SELECT COUNT(*), COUNT(*) - COUNT({c}), COUNT(*) - COUNT({d}), COUNT(*) - COUNT({a}), "
        f"COUNT(*) FILTER (WHERE {a} < 0), MIN({day}), MAX({day}) FROM {t}"
    ).fetchone()
    n_rows, no_customer, no_date, no_amount, negative, first, last = counts
    problems = []
    for count, col, text in ((no_customer, customer, "missing customer ids"), (no_date, date, "missing dates"),
                             (no_amount, amount, "missing amounts")):
        if count:
            problems.append(f"column {col!r} has {count} {text}")
    if negative:
        rows = con.execute(f"SELECT {c}, {a} FROM {t} WHERE {a} < 0 LIMIT 3").fetchall()
        shown = ", ".join(f"{cust!r}: {value:g}" for cust, value in rows)
        problems.append(f"column {amount!r} must be >= 0 (money paid): {negative} rows are negative ({shown})")
    raise_problems(problems, what=what, error=CustomerValueError)
    if not n_rows:
        raise CustomerValueError(f"{what}: table {table!r} has no rows")
    end = pd.Timestamp(last) if as_of is None else _timestamp(as_of, "as_of", what)
    if end < pd.Timestamp(first):
        raise CustomerValueError(f"{what}: 'as_of' ({end.date()}) is before the first purchase ({pd.Timestamp(first).date()})")
    stamp = f"DATE '{end.date().isoformat()}'"
    query = f"""
        WITH base AS (
            SELECT {c} AS customer,
                   date_diff('day', MAX({day}), {stamp}) AS recency,
                   COUNT(*) AS frequency,
                   ROUND(SUM({a}), 2) AS monetary
            FROM {t}
            WHERE {day} <= {stamp}
            GROUP BY {c}
        )
        SELECT customer, recency, frequency, monetary,
               NTILE({bins}) OVER (ORDER BY recency DESC, customer) AS r_score,
               NTILE({bins}) OVER (ORDER BY frequency, customer) AS f_score,
               NTILE({bins}) OVER (ORDER BY monetary, customer) AS m_score
        FROM base
        ORDER BY customer
    """
    out = con.execute(query).df().set_index("customer")
    out.index.name = customer
    out = out.astype({"recency": np.int64, "frequency": np.int64, "monetary": float, "r_score": np.int64,
                      "f_score": np.int64, "m_score": np.int64})
    sep = "" if bins <= 9 else "-"
    out["rfm_cell"] = (out["r_score"].astype(str) + sep + out["f_score"].astype(str) + sep
                       + out["m_score"].astype(str))
    out["rfm_score"] = out["r_score"] + out["f_score"] + out["m_score"]
    return out


# --------------------------------------------------------------------------
# concentration: Lorenz, Gini, the pyramid
# --------------------------------------------------------------------------
def _money(values: Any, what: str) -> np.ndarray:
    series = _positive_values(values, "values", what)
    x = series.to_numpy()
    if x.sum() <= 0:
        raise CustomerValueError(f"{what}: 'values' sum to 0 (no value to share out)")
    return x


def lorenz(values: Any) -> pd.DataFrame:
    """The Lorenz curve of customer values: cumulative share of customers vs share of value.

    Parameters
    ----------
    values : array-like or Series
        One value per customer (revenue, margin, CLV), each >= 0.

    Returns
    -------
    DataFrame
        n + 1 rows from (0, 0) to (1, 1), columns ``customer_share`` (the
        poorest k / n customers) and ``value_share`` (their share of the
        total), customers sorted by value ascending.

    See Also
    --------
    gini : twice the area between this curve and the diagonal.

    References
    ----------
    Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
    *Publications of the American Statistical Association*, 9(70), 209–219.

    Examples
    --------
    >>> lorenz([1, 3, 0, 4])
       customer_share  value_share
    0            0.00        0.000
    1            0.25        0.000
    2            0.50        0.125
    3            0.75        0.500
    4            1.00        1.000
    """
    x = np.sort(_money(values, "lorenz"))
    cum = np.r_[0.0, np.cumsum(x)]
    return pd.DataFrame({"customer_share": np.arange(x.size + 1) / x.size, "value_share": cum / cum[-1]})


def _gini_sorted(x: np.ndarray) -> np.ndarray:
    """Gini of each row of *x* (rows sorted ascending): sum((2i - n - 1) x_(i)) / (n sum x)."""
    n = x.shape[-1]
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    return (x @ weights) / (n * x.sum(axis=-1))


@dataclass(frozen=True, repr=False)
class GiniResult(Result):
    """The Gini coefficient of customer values with its bootstrap interval (see :func:`gini`).

    Attributes
    ----------
    table : DataFrame
        One row ``gini``: ``estimate``, ``se`` (bootstrap SD), ``ci_low``,
        ``ci_high`` (percentile interval), then ``top_1pct_share``,
        ``top_20pct_share`` (shares of value held by the top 1 % and 20 %).
    meta : dict
        n, confidence, method, citation, n_boot.
    draws : ndarray
        The bootstrap draws.
    """

    table: pd.DataFrame
    meta: dict = field(default_factory=dict)
    draws: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def title(self) -> str:
        return "Gini coefficient of customer value"

    @property
    def estimate(self) -> float:
        return float(self.table.loc["gini", "estimate"])

    def _summary_lines(self, decimals: int) -> list[str]:
        row = self.table.loc["gini"]
        return [f"The top 20 % of customers hold {row['top_20pct_share']:.{decimals}f} of the value, "
                f"the top 1 % {row['top_1pct_share']:.{decimals}f}."]


def gini(values: Any, *, n_boot: int = 2000, confidence: float = 0.95, rng: Any = None) -> GiniResult:
    """The Gini coefficient of customer values, with a percentile bootstrap interval.

    Parameters
    ----------
    values : array-like or Series
        One value per customer, each >= 0, not all 0.
    n_boot : int, default 2000
        Bootstrap resamples of the customers (0: no interval).
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    GiniResult
        ``.estimate``; ``.table`` with the interval and the shares held by
        the top 1 % and 20 %.

    Notes
    -----
    With the values sorted ascending, :math:`x_{(1)} \\le \\dots \\le x_{(n)}`,

    .. math:: G = \\frac{\\sum_{i=1}^n (2i - n - 1)\\, x_{(i)}}{n \\sum_i x_i}
              = \\frac{\\sum_i \\sum_j |x_i - x_j|}{2 n^2 \\bar x},

    twice the area between the diagonal and the Lorenz curve: 0 when every
    customer is worth the same, (n − 1) / n when one customer holds
    everything.  (Some texts multiply by n / (n − 1) to make the maximum 1;
    not done here.)  The interval resamples customers
    (:func:`crm_lab.resampling.bootstrap`).

    Tested against a hand-computed case and the population values of known
    distributions: uniform 1/3, exponential 1/2, log-normal
    :math:`2\\Phi(\\sigma/\\sqrt 2) - 1`, Pareto :math:`1/(2\\alpha - 1)`.

    References
    ----------
    Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Tipografia di Paolo
    Cuppini.

    Examples
    --------
    >>> round(gini([1, 2, 3, 4], n_boot=0).estimate, 4)
    0.25
    """
    x = _money(values, "gini")
    n_boot = check_integer(n_boot, "n_boot", low=0, error=CustomerValueError)
    confidence = check_confidence(confidence, error=CustomerValueError)
    if n_boot == 1:
        raise CustomerValueError("gini: 'n_boot' must be 0 (no interval) or >= 2 (got 1)")
    xs = np.sort(x)
    estimate = float(_gini_sorted(xs))
    total = xs.sum()
    top = {f"top_{k}pct_share": float(xs[xs.size - max(1, math.ceil(xs.size * k / 100)):].sum() / total)
           for k in (1, 20)}
    se = low = high = np.nan
    draws = np.empty(0)
    if n_boot:
        def statistic(idx: np.ndarray) -> np.ndarray:
            return _gini_sorted(np.sort(x[idx], axis=1))

        boot = bootstrap(statistic, x.size, n_boot=n_boot, confidence=confidence, rng=rng)
        se, low, high, draws = boot.se, boot.ci_low, boot.ci_high, boot.draws
    columns = {"estimate": [estimate], "se": [se], "ci_low": [low], "ci_high": [high], **{k: [v] for k, v in top.items()}}
    table = tidy_table(columns,
                       index=["gini"], name="coefficient", extras=list(top))
    method = f"percentile bootstrap of customers, {n_boot} resamples" if n_boot else "point estimate (no bootstrap)"
    meta = {"n": int(x.size), "confidence": confidence, "method": method, "citation": _GINI_CITATION, "n_boot": n_boot}
    return GiniResult(table=table, meta=meta, draws=draws)


def _check_shares(shares: Sequence[float], labels: Sequence[str], what: str) -> tuple[np.ndarray, list[str]]:
    s = np.asarray(shares, dtype=float)
    if s.ndim != 1 or s.size < 2 or not np.all(np.isfinite(s)) or np.any(s <= 0) or abs(s.sum() - 1) > 1e-9:
        raise CustomerValueError(f"{what}: 'shares' must be two or more positive numbers summing to 1 (got {tuple(shares)})")
    labels = [str(v) for v in labels]
    if len(labels) != s.size or len(set(labels)) != len(labels):
        raise CustomerValueError(f"{what}: 'labels' must be {s.size} distinct names, one per share (got {labels})")
    return s, labels


def pyramid_tier(values: Any, *, shares: Sequence[float] = PYRAMID_SHARES,
                 labels: Sequence[str] = PYRAMID_TIERS) -> pd.Series:
    """Each customer's tier of the customer pyramid (VIP, major, ordinary, small).

    Parameters
    ----------
    values : array-like or Series
        One value per customer (e.g. revenue), each >= 0.
    shares : sequence of float, default (0.01, 0.04, 0.15, 0.80)
        Share of customers in each tier, from the top; they sum to 1.
    labels : sequence of str, default :data:`PYRAMID_TIERS`

    Returns
    -------
    Series
        Ordered categorical (the top tier first), index of *values* (or
        0..n-1).

    Notes
    -----
    Customers are sorted by value, highest first (ties keep their input
    order: a stable sort); the first round(n × 0.01) are VIP, up to
    round(n × 0.05) major, and so on (cumulative shares, rounded half up).

    Examples
    --------
    >>> pyramid_tier(np.arange(100.0)).value_counts(sort=False).tolist()
    [1, 4, 15, 80]
    """
    s, labels = _check_shares(shares, labels, "pyramid_tier")
    series = _positive_values(values, "values", "pyramid_tier")
    n = series.size
    bounds = np.floor(np.cumsum(s) * n + 0.5).astype(np.int64)
    bounds[-1] = n
    order = np.argsort(-series.to_numpy(), kind="stable")
    codes = np.empty(n, dtype=np.int64)
    codes[order] = np.searchsorted(bounds, np.arange(n), side="right")
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True), index=series.index, name="tier")


def pyramid(values: Any, *, shares: Sequence[float] = PYRAMID_SHARES,
            labels: Sequence[str] = PYRAMID_TIERS) -> pd.DataFrame:
    """The customer pyramid (客户金字塔): customers and revenue per value tier.

    Parameters
    ----------
    values, shares, labels
        As for :func:`pyramid_tier`.

    Returns
    -------
    DataFrame
        One row per tier (index ``tier``, top first): ``customers``,
        ``customer_share``, ``value`` (total), ``value_share``,
        ``mean_value``, ``min_value``, ``max_value``.

    Notes
    -----
    THEORY.md §2: VIP ≈ 1 %, major ≈ 4 %, ordinary ≈ 15 %, small ≈ 80 % of
    customers; the question is what share of the revenue each tier brings.

    Examples
    --------
    >>> pyramid(np.arange(1.0, 101.0))[["customers", "value_share"]].round(3)
              customers  value_share
    tier
    VIP               1        0.020
    major             4        0.077
    ordinary         15        0.261
    small            80        0.642
    """
    tier = pyramid_tier(values, shares=shares, labels=labels)
    x = _positive_values(values, "values", "pyramid").to_numpy()
    frame = pd.DataFrame({"tier": tier.to_numpy(), "value": x})
    g = frame.groupby("tier", observed=False)["value"]
    out = pd.DataFrame({
        "customers": g.size().astype(np.int64),
        "customer_share": g.size() / x.size,
        "value": g.sum(),
        "value_share": g.sum() / x.sum() if x.sum() > 0 else np.nan,
        "mean_value": g.mean(),
        "min_value": g.min(),
        "max_value": g.max(),
    })
    out.index.name = "tier"
    return out


# --------------------------------------------------------------------------
# lifetime value from a retention rate
# --------------------------------------------------------------------------
def _rate(value: Any, name: str, what: str, low: float, high: float, high_open: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float) if not isinstance(value, str) else np.array(np.nan)
    ok = np.isfinite(arr) & (arr >= low) & ((arr < high) if high_open else (arr <= high))
    if not np.all(ok):
        bad = arr[~ok] if arr.ndim else arr
        raise CustomerValueError(f"{what}: {name!r} must be >= {low} and {'<' if high_open else '<='} {high} "
                                 f"(got {np.atleast_1d(bad)[:3].tolist()})")
    return arr


def _out(x: np.ndarray, *inputs: Any) -> Any:
    """*x* as a float when it is a scalar or every one of *inputs* is (the customer arrays were 1-element)."""
    if np.ndim(x) == 0 or (inputs and all(np.ndim(v) == 0 for v in inputs)):
        return float(np.asarray(x).reshape(-1)[0])
    return x


def margin_multiple(retention: Any, discount: Any) -> Any:
    """Gupta & Lehmann's margin multiple r / (1 + d − r): the CLV per unit of yearly margin.

    Parameters
    ----------
    retention : float or array-like
        Retention rate r per period, 0 <= r < 1.
    discount : float or array-like
        Discount rate d per period, 0 <= d < 1 (arrays broadcast).

    Returns
    -------
    float or ndarray

    Notes
    -----
    A customer brings margin m at the end of every period she is still a
    customer; she stays each period with probability r; money is
    discounted at d.  Then

    .. math:: CLV = \\sum_{t=1}^{\\infty} m \\frac{r^t}{(1 + d)^t}
              = m \\frac{r}{1 + d - r}.

    Tested against hand-computed multiples (e.g. r = 0.9, d = 0.12:
    0.9 / 0.22 = 4.09) and a long period-by-period sum.

    References
    ----------
    Gupta, S., & Lehmann, D. R. (2003). Customers as assets. *Journal of
    Interactive Marketing*, 17(1), 9–24.

    Examples
    --------
    >>> round(margin_multiple(0.8, 0.12), 4)
    2.5
    """
    r = _rate(retention, "retention", "margin_multiple", 0.0, 1.0, high_open=True)
    d = _rate(discount, "discount", "margin_multiple", 0.0, 1.0, high_open=True)
    return _out(r / (1.0 + d - r))


def clv_simple(
    margin: Any,
    retention: Any,
    discount: Any,
    *,
    horizon: int | None = None,
    growth: float = 0.0,
    acquisition_cost: Any = 0.0,
    timing: str = "end",
) -> Any:
    """Customer lifetime value from a constant margin, retention rate and discount rate.

    Parameters
    ----------
    margin : float or array-like
        Margin m per period of a retained customer (may be negative).
    retention : float or array-like
        Retention rate r per period, 0 <= r < 1.
    discount : float or array-like
        Discount rate d per period, 0 <= d < 1.
    horizon : int, optional
        Number of periods counted (default: all, the infinite sum).
    growth : float, default 0
        Growth g of the margin per period (m_t = m (1 + g)^(t-1)); the
        infinite sum needs r (1 + g) < 1 + d.
    acquisition_cost : float or array-like, default 0
        Subtracted once (the value of a customer not yet won).
    timing : {"end", "start"}
        ``"end"``: margins at the end of each period, the first one only
        if the customer is retained (Gupta & Lehmann's convention: the
        margin multiple); ``"start"``: the first margin now, for sure.

    Returns
    -------
    float or ndarray

    Notes
    -----
    With q = r (1 + g) / (1 + d),

    * ``timing="end"``: :math:`CLV = \\sum_{t=1}^{H} m (1+g)^{t-1} r^t / (1+d)^t
      = \\frac{m}{1+g} \\frac{q (1 - q^H)}{1 - q}`, infinite horizon
      :math:`m\\, r / (1 + d - r(1 + g))` (with g = 0: m × the margin
      multiple);
    * ``timing="start"``: :math:`m (1 - q^H) / (1 - q)`, infinite
      :math:`m (1 + d) / (1 + d - r(1 + g))`;

    minus *acquisition_cost*.  Tested against :func:`margin_multiple` and
    a period-by-period sum of the discounted, survival-weighted margins.

    References
    ----------
    Gupta, S., & Lehmann, D. R. (2003). Customers as assets. *Journal of
    Interactive Marketing*, 17(1), 9–24.

    Examples
    --------
    >>> round(clv_simple(100.0, 0.8, 0.12), 2)
    250.0
    >>> round(clv_simple(100.0, 0.8, 0.12, horizon=1), 2)
    71.43
    """
    what = "clv_simple"
    check_choice(timing, "timing", ("end", "start"), error=CustomerValueError)
    m = np.asarray(margin, dtype=float)
    if not np.all(np.isfinite(m)):
        raise CustomerValueError(f"{what}: 'margin' must be finite (got {np.atleast_1d(margin)[:3]})")
    r = _rate(retention, "retention", what, 0.0, 1.0, high_open=True)
    d = _rate(discount, "discount", what, 0.0, 1.0, high_open=True)
    g = check_number(growth, "growth", low=-1, low_open=True, error=CustomerValueError)
    cost = np.asarray(acquisition_cost, dtype=float)
    q = r * (1 + g) / (1 + d)
    if horizon is None:
        if np.any(q >= 1):
            raise CustomerValueError(f"{what}: the infinite sum diverges: retention × (1 + growth) must be < "
                                     f"1 + discount (got q = {np.atleast_1d(q)[:3].tolist()}); give a 'horizon'")
        total = 1.0 / (1.0 - q)
    else:
        horizon = check_integer(horizon, "horizon", low=1, error=CustomerValueError)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = np.where(q == 1, float(horizon), (1.0 - q**horizon) / (1.0 - q))
    factor = q * total / (1 + g) if timing == "end" else total
    return _out(m * factor - cost)


# --------------------------------------------------------------------------
# customer-by-sufficient-statistic summaries
# --------------------------------------------------------------------------
def _occasions(tx: pd.DataFrame) -> pd.DataFrame:
    """Purchase occasions: one row per customer and day (amounts of the day summed), sorted."""
    agg = {"amount": ("amount", "sum")} if "amount" in tx else {}
    days = tx.groupby(["customer", "day"], sort=True, observed=True).agg(n=("day", "size"), **agg).reset_index()
    return days


def _summary(days: pd.DataFrame, end: pd.Timestamp, unit: float, with_money: bool) -> pd.DataFrame:
    g = days.groupby("customer", sort=True, observed=True)
    first = g["day"].min()
    last = g["day"].max()
    count = g.size()
    out = pd.DataFrame({
        "frequency": (count - 1).astype(np.int64),
        "recency": (last - first).dt.days / unit,
        "T": (end - first).dt.days / unit,
    })
    if with_money:
        total = g["amount"].sum()
        first_amount = g["amount"].first()
        repeat = out["frequency"]
        out["monetary_value"] = np.where(repeat > 0, (total - first_amount) / repeat.where(repeat > 0, 1), 0.0)
    return out


def summary_from_transactions(
    transactions: pd.DataFrame,
    *,
    customer: str = "exhibitor_id",
    date: str = "date",
    amount: str | None = "amount",
    observation_end: Any = None,
    freq: str = "D",
    customers: Any = None,
) -> pd.DataFrame:
    """Frequency, recency, age and mean repeat spend per customer, for BG/NBD and Gamma–Gamma.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    customer, date : str
        Column names.
    amount : str or None, default "amount"
        Amount column; None for no ``monetary_value``.
    observation_end : date-like, optional
        End of the observation period; purchases after it are ignored.
        Default: the latest purchase day.
    freq : {"D", "W", "M", "Y"}, default "D"
        Time unit of ``recency`` and ``T``: days, weeks (7 days), months
        (365.25 / 12 days) or years (365.25 days).
    customers : array-like, optional
        The known customer ids; a purchase by anyone else raises.

    Returns
    -------
    DataFrame
        Indexed by customer id (sorted; customers with a purchase up to
        *observation_end*), columns ``frequency`` (repeat purchase
        occasions), ``recency`` (time from the first to the last purchase),
        ``T`` (time from the first purchase to *observation_end*) and
        ``monetary_value`` (mean spend per repeat occasion, 0 for customers
        without one).

    Raises
    ------
    CustomerValueError
        As :func:`rfm`; *observation_end* before the first purchase.

    Notes
    -----
    The lifetimes convention (``summary_data_from_transaction_data``):
    purchases on the same day are one purchase occasion (their amounts
    summed); the first occasion starts the customer's clock and is not
    counted, so ``frequency`` is the number of *repeat* occasions, and
    ``monetary_value`` averages the repeat occasions only (the first one is
    often different, e.g. a sign-up).  With ``freq="D"`` the numbers equal
    lifetimes' with ``freq="D"``; other units divide the day counts
    (lifetimes instead counts calendar periods).

    Tested against a hand-built example and against :func:`rfm`.

    Examples
    --------
    >>> t = pd.DataFrame({"exhibitor_id": ["a", "a", "a", "b"],
    ...                   "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-06"]),
    ...                   "amount": [10.0, 5.0, 30.0, 7.0]})
    >>> summary_from_transactions(t, observation_end="2024-01-21")
                  frequency  recency     T  monetary_value
    exhibitor_id
    a                     1     10.0  20.0            30.0
    b                     0      0.0  15.0             0.0
    """
    what = "summary_from_transactions"
    check_choice(freq, "freq", tuple(FREQ_DAYS), error=CustomerValueError)
    tx = _transactions(transactions, customer=customer, date=date, amount=amount, customers=customers, what=what)
    if tx.empty:
        raise CustomerValueError(f"{what}: 'transactions' has no rows")
    first = tx["day"].min()
    end = tx["day"].max() if observation_end is None else _timestamp(observation_end, "observation_end", what)
    if end < first:
        raise CustomerValueError(f"{what}: 'observation_end' ({end.date()}) is before the first purchase ({first.date()})")
    days = _occasions(tx[tx["day"] <= end])
    out = _summary(days, end, FREQ_DAYS[freq], amount is not None)
    out.index.name = customer
    return out


def calibration_and_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    customer: str = "exhibitor_id",
    date: str = "date",
    amount: str | None = "amount",
    observation_end: Any = None,
    freq: str = "D",
    customers: Any = None,
) -> pd.DataFrame:
    """The summary of a calibration period and what the same customers did in the holdout period after it.

    Parameters
    ----------
    transactions : DataFrame
    calibration_end : date-like
        Last day of the calibration period.
    customer, date, amount, freq, customers
        As for :func:`summary_from_transactions`.
    observation_end : date-like, optional
        Last day of the holdout period (default: the latest purchase day).

    Returns
    -------
    DataFrame
        One row per customer with a purchase in the calibration period:
        ``frequency_cal, recency_cal, T_cal`` (and ``monetary_value_cal``),
        ``frequency_holdout`` (purchase occasions in the holdout period —
        all of them count, none starts a clock), ``monetary_value_holdout``
        (their mean spend, 0 if none) and ``duration_holdout`` (the
        holdout's length, in *freq* units).  Customers whose first purchase
        falls in the holdout are left out (the model has nothing to say
        about them).

    Raises
    ------
    CustomerValueError
        As :func:`summary_from_transactions`; the dates out of order
        (*calibration_end* not before *observation_end*, or before the first
        purchase).

    Examples
    --------
    >>> t = pd.DataFrame({"exhibitor_id": ["a", "a", "a", "b"],
    ...                   "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-20", "2024-01-15"]),
    ...                   "amount": [10.0, 20.0, 30.0, 5.0]})
    >>> calibration_and_holdout(t, calibration_end="2024-01-10", observation_end="2024-01-30")[
    ...     ["frequency_cal", "T_cal", "frequency_holdout", "duration_holdout"]]
                  frequency_cal  T_cal  frequency_holdout  duration_holdout
    exhibitor_id
    a                         1    9.0                  1              20.0
    """
    what = "calibration_and_holdout"
    check_choice(freq, "freq", tuple(FREQ_DAYS), error=CustomerValueError)
    tx = _transactions(transactions, customer=customer, date=date, amount=amount, customers=customers, what=what)
    if tx.empty:
        raise CustomerValueError(f"{what}: 'transactions' has no rows")
    cal_end = _timestamp(calibration_end, "calibration_end", what)
    end = tx["day"].max() if observation_end is None else _timestamp(observation_end, "observation_end", what)
    first = tx["day"].min()
    if not first <= cal_end < end:
        raise CustomerValueError(f"{what}: the dates are out of order: need first purchase ({first.date()}) <= "
                                 f"'calibration_end' ({cal_end.date()}) < 'observation_end' ({end.date()})")
    unit = FREQ_DAYS[freq]
    cal = _summary(_occasions(tx[tx["day"] <= cal_end]), cal_end, unit, amount is not None).add_suffix("_cal")
    hold = _occasions(tx[(tx["day"] > cal_end) & (tx["day"] <= end)])
    g = hold.groupby("customer", sort=True, observed=True)
    cal["frequency_holdout"] = g.size().reindex(cal.index, fill_value=0).astype(np.int64)
    if amount is not None:
        cal["monetary_value_holdout"] = g["amount"].mean().reindex(cal.index, fill_value=0.0)
    cal["duration_holdout"] = (end - cal_end).days / unit
    cal.index.name = customer
    return cal


# --------------------------------------------------------------------------
# maximum likelihood: shared machinery of the fitters
# --------------------------------------------------------------------------
def _hessian(gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, rel_step: float = 1e-4) -> np.ndarray:
    """Hessian by central differences of an analytic *gradient* (relative steps), symmetrised.

    The error is O(step²) in the third derivatives; with analytic gradients
    one difference per parameter suffices (no second differences of the
    log-likelihood, whose round-off would dominate).
    """
    k = theta.size
    hess = np.empty((k, k))
    for j in range(k):
        h = rel_step * max(abs(theta[j]), 1e-8)
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        hess[:, j] = (gradient(up) - gradient(down)) / (2 * h)
    return (hess + hess.T) / 2


@dataclass(frozen=True, repr=False)
class ModelFit(Result):
    """The estimates of a fitted probabilistic model (a fitter's ``summary``).

    Attributes
    ----------
    table : DataFrame
        Index ``parameter``: ``estimate``, ``se`` (from the inverse of the
        observed information, the negative Hessian of the log-likelihood),
        ``ci_low``, ``ci_high`` (Wald interval on the log scale, so it stays
        positive: estimate × exp(± z se / estimate)); ``statistic``, ``df``
        and ``p_value`` are NaN (a test of a positive parameter against 0
        means nothing here).
    meta : dict
        n, confidence, method, citation, model, log_likelihood, aic,
        iterations, and what the model adds (e.g. ``n_excluded``).
    """

    table: pd.DataFrame
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.meta.get("model", "Model fit"))

    def _summary_lines(self, decimals: int) -> list[str]:
        lines = [f"log-likelihood = {self.meta['log_likelihood']:.{decimals}f}; AIC = {self.meta['aic']:.{decimals}f}"]
        if self.meta.get("n_excluded"):
            lines.append(f"{self.meta['n_excluded']:,} customers without a repeat purchase left out of the fit")
        return lines


class _Fitter:
    """Maximum likelihood on log parameters; SEs from the analytic-gradient Hessian."""

    _names: tuple[str, ...] = ()
    _model = ""
    _citation = ""

    def __init__(self, *, confidence: float = 0.95):
        self.confidence = check_confidence(confidence, error=CustomerValueError)

    # to be given by the subclass: log-likelihood (total) and its gradient in the natural parameters
    def _loglik(self, params: np.ndarray, data: tuple) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _gradient(self, params: np.ndarray, data: tuple) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _optimise(self, data: tuple, start: np.ndarray, n: int, *, maxiter: int) -> None:
        what = f"{type(self).__name__}.fit"

        def objective(theta):
            p = np.exp(theta)
            with np.errstate(all="ignore"):
                ll = self._loglik(p, data)
                grad = self._gradient(p, data) * p
            if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
                return np.inf, np.zeros_like(theta)
            return -ll / n, -grad / n

        bound = 18.0  # exp(±18): 1.5e-8 .. 6.6e7
        theta, iterations = np.log(start), 0
        for _ in range(3):  # a stalled line search near the optimum: restart from where it stopped
            res = optimize.minimize(objective, theta, jac=True, method="L-BFGS-B",
                                    bounds=[(-bound, bound)] * start.size,
                                    options={"maxiter": maxiter - iterations, "ftol": 1e-14, "gtol": 1e-9})
            theta, iterations = res.x, iterations + int(res.nit)
            if res.success or iterations >= maxiter or not np.isfinite(res.fun):
                break
        # converged: the optimiser says so, or the gradient (per customer, log parameters) is nil
        flat = np.isfinite(res.fun) and np.all(np.isfinite(res.jac)) and np.max(np.abs(res.jac)) < 1e-6
        if not (res.success or flat) or not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
            raise ConvergenceError(f"{what}: the optimiser did not converge ({res.message}; {iterations} iterations, "
                                   f"largest gradient {np.max(np.abs(res.jac)):.2g}); last values "
                                   f"{dict(zip(self._names, np.round(np.exp(res.x), 6).tolist()))}")
        at_bound = [name for name, v in zip(self._names, res.x) if abs(v) > bound - 1e-3]
        if at_bound:
            raise ConvergenceError(f"{what}: {', '.join(repr(a) for a in at_bound)} ran to the edge of the "
                                   f"parameter space ({dict(zip(self._names, np.exp(res.x)))}): the data do "
                                   "not identify the model")
        params = np.exp(res.x)
        hess = _hessian(lambda p: self._gradient(p, data), params)
        try:
            cov = np.linalg.inv(-hess)
            chol_ok = np.all(np.linalg.eigvalsh(-hess) > 0)
        except np.linalg.LinAlgError:
            chol_ok = False
        if not chol_ok:
            raise ConvergenceError(f"{what}: the Hessian of the log-likelihood is not negative definite at "
                                   f"{dict(zip(self._names, params))}: the parameters are not identified by these data")
        self.params_ = pd.Series(params, index=list(self._names), name="estimate")
        self.covariance_ = pd.DataFrame(cov, index=list(self._names), columns=list(self._names))
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=list(self._names), name="se")
        self.log_likelihood_ = float(self._loglik(params, data))
        self.n_ = int(n)
        self.iterations_ = iterations

    @property
    def summary(self) -> ModelFit:
        """The estimates as a :class:`ModelFit` (table, meta, ``summary()``, notebook display)."""
        self._check_fitted()
        est = self.params_.to_numpy()
        se = self.standard_errors_.to_numpy()
        z = sps.norm.ppf((1 + self.confidence) / 2)
        table = tidy_table({"estimate": est, "se": se, "ci_low": est * np.exp(-z * se / est),
                            "ci_high": est * np.exp(z * se / est)}, index=list(self._names), name="parameter")
        meta = {"n": self.n_, "confidence": self.confidence,
                "method": "maximum likelihood (L-BFGS-B on log parameters, analytic gradient); SEs from the "
                          "Hessian (central differences of the gradient); Wald intervals on the log scale",
                "citation": self._citation, "model": self._model, "log_likelihood": self.log_likelihood_,
                "aic": 2 * len(self._names) - 2 * self.log_likelihood_, "iterations": self.iterations_}
        meta.update(self._extra_meta())
        return ModelFit(table=table, meta=meta)

    def _extra_meta(self) -> dict:
        return {}

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise CustomerValueError(f"{type(self).__name__}: call fit() first")

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"<{type(self).__name__}: not fitted>"
        shown = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
        return f"<{type(self).__name__}: fitted with {self.n_:,} customers, {shown}>"

    def _repr_html_(self) -> str:
        return self.summary._repr_html_() if hasattr(self, "params_") else repr(self)


# --------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------
def _bgnbd_parts(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
    """Per-customer log-likelihood and the weight w of the 'dropped out after the last purchase' branch."""
    r, alpha, a, b = params
    rx = r + x
    repeat = x > 0
    ln_a3 = -rx * np.log(alpha + T)
    ln_a4 = np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - rx * np.log(alpha + tx)
    d = np.where(repeat, ln_a4 - ln_a3, -np.inf)
    ll = (gammaln(rx) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
          + ln_a3 + np.logaddexp(0.0, d))
    return ll, expit(d)


def _log_ratio_alive(params, x, tx, T) -> np.ndarray:
    """log of (a / (b + x - 1)) ((α + T) / (α + t_x))^(r + x) for x > 0, -inf for x = 0."""
    r, alpha, a, b = params
    repeat = x > 0
    val = (np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0))
           + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)))
    return np.where(repeat, val, -np.inf)


def _array(values: Any, name: str, what: str, *, low: float = 0.0) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < low):
        raise CustomerValueError(f"{what}: {name!r} must be finite and >= {low:g} (got {np.atleast_1d(arr)[:3].tolist()})")
    return arr


class BetaGeoFitter(_Fitter):
    """The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    While alive, a customer buys as a Poisson process with rate λ; λ varies
    across customers as Gamma(shape r, rate α).  After each repeat purchase
    she drops out for good with probability p; p varies as Beta(a, b).
    Dropout is never seen: the data are each customer's number of repeat
    purchases x (``frequency``), the time of the last one t_x (``recency``)
    and her age T, all measured from her first purchase.

    Parameters
    ----------
    confidence : float, default 0.95
        Of the intervals in :attr:`summary`.

    Attributes
    ----------
    params_ : Series
        ``r, alpha, a, b``.
    standard_errors_, covariance_ : Series, DataFrame
    log_likelihood_ : float
    n_ : int

    Notes
    -----
    The likelihood of one customer (FHL 2005, eq. 6), in log space:

    .. math:: L = \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)}
              \\frac{B(a, b+x)}{B(a, b)}
              \\left[\\frac{1}{(\\alpha+T)^{r+x}} + \\delta_{x>0}
              \\frac{a}{b+x-1} \\frac{1}{(\\alpha+t_x)^{r+x}}\\right].

    Predictions use the Gaussian hypergeometric function after Euler's
    transformation, :math:`(1-z)^{r+x} {}_2F_1(r+x, b+x; c; z) =
    (1-z)^{a-1} {}_2F_1(a+b-1-r, a-1; c; z)` with
    :math:`c = a+b+x-1`, so no power grows with x (Fader & Hardie 2013,
    "Overcoming the BG/NBD model's #NUM! error problem").  They need a ≠ 1.

    Tested against the published CDNOW estimates (r = 0.243, α = 4.414,
    a = 0.793, b = 2.426, LL = −9582.4) and by recovering the parameters
    of simulated markets (:func:`simulate_bgnbd`).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your
    customers" the easy way: An alternative to the Pareto/NBD model.
    *Marketing Science*, 24(2), 275–284.

    Examples
    --------
    >>> sample = simulate_bgnbd(3000, r=0.5, alpha=5.0, a=0.8, b=3.0, T=52.0, rng=1)
    >>> d = sample.data
    >>> fitted = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    >>> fitted.params_.round(2).tolist()
    [0.47, 4.56, 0.81, 3.04]
    >>> 0 <= fitted.p_alive(0, 0, 52.0) <= 1
    True
    """

    _names = ("r", "alpha", "a", "b")
    _model = "BG/NBD model of repeat purchases"
    _citation = _BGNBD_CITATION

    def _loglik(self, params, data):
        return float(np.sum(_bgnbd_parts(params, *data)[0]))

    def _gradient(self, params, data):
        r, alpha, a, b = params
        x, tx, T = data
        _, w = _bgnbd_parts(params, x, tx, T)
        rx = r + x
        bx1 = np.where(x > 0, b + x - 1, 1.0)
        d_r = digamma(rx) - digamma(r) + np.log(alpha) - (1 - w) * np.log(alpha + T) - w * np.log(alpha + tx)
        d_alpha = r / alpha - (1 - w) * rx / (alpha + T) - w * rx / (alpha + tx)
        d_a = digamma(a + b) - digamma(a + b + x) + w / a
        d_b = digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - w / bx1
        return np.array([d_r.sum(), d_alpha.sum(), d_a.sum(), d_b.sum()])

    def fit(self, frequency: Any, recency: Any, T: Any, *, initial: Sequence[float] | None = None,
            maxiter: int = 2000) -> BetaGeoFitter:
        """Fit r, α, a, b by maximum likelihood; returns the fitted object.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last one, age (same units), one
            per customer (:func:`summary_from_transactions`).
        initial : sequence of 4 floats, optional
            Starting values of r, α, a, b (default r = 1, α = mean T /
            (mean frequency + 1), a = b = 1).
        maxiter : int, default 2000

        Raises
        ------
        CustomerValueError
            Bad input: frequency < 0 or not whole, recency < 0 or > T,
            T <= 0, recency > 0 without a repeat purchase (rows named).
        ConvergenceError
            The optimiser failed, a parameter ran off, or the Hessian is
            singular.
        """
        x, tx, t, _ = _rft(frequency, recency, T, f"{type(self).__name__}.fit")
        if initial is None:
            start = np.array([1.0, max(t.mean() / (x.mean() + 1.0), 1e-3), 1.0, 1.0])
        else:
            start = np.asarray(initial, dtype=float)
            if start.shape != (4,) or not np.all(np.isfinite(start)) or np.any(start <= 0):
                raise CustomerValueError("BetaGeoFitter.fit: 'initial' must be 4 positive numbers r, alpha, a, b "
                                         f"(got {initial!r})")
        self._optimise((x, tx, t), start, x.size, maxiter=check_integer(maxiter, "maxiter", low=1, error=CustomerValueError))
        return self

    def _p(self) -> np.ndarray:
        self._check_fitted()
        return self.params_.to_numpy()

    def expected_purchases(self, t: Any) -> Any:
        """Expected repeat purchases of a new customer in (0, t] (FHL 2005, eq. 7).

        .. math:: E[X(t)] = \\frac{a+b-1}{a-1}\\left[1 - \\left(\\frac{\\alpha}{\\alpha+t}\\right)^r
                  {}_2F_1\\left(r, b; a+b-1; \\frac{t}{\\alpha+t}\\right)\\right]

        Increasing in t, 0 at t = 0.
        """
        r, alpha, a, b = self._p()
        t = _array(t, "t", "expected_purchases")
        z = t / (alpha + t)
        value = (a + b - 1) / (a - 1) * (1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z))
        return _out(value + 0.0)  # + 0.0: no -0.0 at t = 0

    def conditional_expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """Expected repeat purchases in (T, T + t] of a customer with history (x, t_x, T) (FHL 2005, eq. 10).

        .. math:: E[Y(t) | x, t_x, T] = \\frac{\\frac{a+b+x-1}{a-1}\\left[1 - \\left(\\frac{\\alpha+T}{\\alpha+T+t}\\right)^{r+x}
                  {}_2F_1\\left(r+x, b+x; a+b+x-1; \\frac{t}{\\alpha+T+t}\\right)\\right]}
                  {1 + \\delta_{x>0} \\frac{a}{b+x-1}\\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}}

        *t* is a number (or an array broadcasting with the customers).
        """
        r, alpha, a, b = self._p()
        x, tx, T_, _ = _rft(frequency, recency, T, "conditional_expected_purchases")
        t = _array(t, "t", "conditional_expected_purchases")
        z = t / (alpha + T_ + t)
        c = a + b + x - 1
        bracket = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        alive = expit(-_log_ratio_alive((r, alpha, a, b), x, tx, T_))
        return _out(c / (a - 1) * bracket * alive, t, frequency, recency, T)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that a customer with history (x, t_x, T) is still alive at T.

        .. math:: P(\\text{alive}) = 1 \\Big/ \\left[1 + \\delta_{x>0} \\frac{a}{b+x-1}
                  \\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}\\right]

        (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD
        model"); a customer without a repeat purchase is alive for sure
        (the model lets customers drop out only after a repeat purchase).
        """
        params = self._p()
        x, tx, T_, _ = _rft(frequency, recency, T, "p_alive")
        return _out(expit(-_log_ratio_alive(params, x, tx, T_)), frequency, recency, T)

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Each customer's log-likelihood at the fitted parameters."""
        x, tx, T_, _ = _rft(frequency, recency, T, "log_likelihood")
        return _bgnbd_parts(self._p(), x, tx, T_)[0]


def fit_bgnbd(frequency: Any, recency: Any, T: Any, *, confidence: float = 0.95,
              initial: Sequence[float] | None = None) -> BetaGeoFitter:
    """Fit the BG/NBD model: ``BetaGeoFitter(confidence=...).fit(frequency, recency, T)``.

    See :class:`BetaGeoFitter` (tested against the published CDNOW
    estimates of Fader, Hardie & Lee 2005).

    Examples
    --------
    >>> d = simulate_bgnbd(2000, r=0.5, alpha=5.0, a=0.8, b=3.0, rng=2).data
    >>> fit_bgnbd(d["frequency"], d["recency"], d["T"]).summary.table.index.tolist()
    ['r', 'alpha', 'a', 'b']
    """
    return BetaGeoFitter(confidence=confidence).fit(frequency, recency, T, initial=initial)


@dataclass(frozen=True, repr=False)
class BGNBDSample:
    """A customer base simulated from the BG/NBD model, with its planted truth.

    Attributes
    ----------
    data : DataFrame
        One row per customer: ``frequency``, ``recency``, ``T`` and, with a
        holdout, ``frequency_holdout`` (repeat purchases in (T, T + t]).
    truth : dict
        The parameters r, alpha, a, b, t_holdout.
    customers : DataFrame
        Per customer: ``rate`` (λ), ``dropout`` (p), ``alive`` (at T) and
        ``alive_end`` (at T + t_holdout).
    """

    data: pd.DataFrame
    truth: dict
    customers: pd.DataFrame


def simulate_bgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Any = 52.0,
    t_holdout: float = 0.0,
    rng: Any = None,
) -> BGNBDSample:
    """Simulate a customer base from the BG/NBD model with known parameters.

    Parameters
    ----------
    n_customers : int
    r, alpha, a, b : float
        The planted parameters (all > 0).
    T : float or array-like, default 52
        Each customer's age at the end of calibration (one number, or one
        per customer).
    t_holdout : float, default 0
        Length of a holdout period after T (0: none).
    rng : int, Generator or None

    Returns
    -------
    BGNBDSample

    Notes
    -----
    Step by step, vectorised over customers:

    1. λ ~ Gamma(shape r, rate α), p ~ Beta(a, b).
    2. The number of repeat purchases a customer makes in her whole life is
       K ~ Geometric(p) on 1, 2, … (she drops out right after her K-th
       repeat purchase).
    3. Purchases while alive form a Poisson process: N ~ Poisson(λ T) in
       (0, T].  Observed frequency x = min(K, N); alive at T iff K > N.
    4. Given N, purchase times are N ordered uniforms on (0, T], so the x-th
       is t_x = T · Beta(x, N − x + 1) (t_x = 0 when x = 0).
    5. Holdout: a customer alive at T makes min(K − N, Poisson(λ t)) more
       purchases in (T, T + t] (the process is memoryless).

    Examples
    --------
    >>> s = simulate_bgnbd(5, r=0.5, alpha=5.0, a=0.8, b=3.0, rng=0)
    >>> s.data.columns.tolist(), s.truth["r"]
    (['frequency', 'recency', 'T'], 0.5)
    """
    what = "simulate_bgnbd"
    n = check_integer(n_customers, "n_customers", low=1, error=CustomerValueError)
    problems: list[str] = []
    vals = {k: check_number(v, k, low=0, low_open=True, error=CustomerValueError, problems=problems)
            for k, v in (("r", r), ("alpha", alpha), ("a", a), ("b", b))}
    t_holdout = check_number(t_holdout, "t_holdout", low=0, error=CustomerValueError, problems=problems)
    raise_problems(problems, what=what, error=CustomerValueError)
    ages = np.broadcast_to(_array(T, "T", what), (n,)).astype(float)
    if np.any(ages <= 0):
        raise CustomerValueError(f"{what}: 'T' must be > 0")
    rng = np.random.default_rng(rng)
    rate = rng.gamma(vals["r"], 1.0 / vals["alpha"], n)
    p = rng.beta(vals["a"], vals["b"], n)
    lifetime = rng.geometric(np.clip(p, 1e-300, 1.0))
    events = rng.poisson(rate * ages)
    x = np.minimum(lifetime, events)
    has = x > 0
    tx = np.zeros(n)
    tx[has] = ages[has] * rng.beta(x[has], events[has] - x[has] + 1)
    data = pd.DataFrame({"frequency": x.astype(np.int64), "recency": tx, "T": ages})
    alive = lifetime > events
    alive_end = alive.copy()
    if t_holdout > 0:
        more = rng.poisson(rate * t_holdout)
        future = np.where(alive, np.minimum(lifetime - events, more), 0)
        data["frequency_holdout"] = future.astype(np.int64)
        alive_end = alive & (lifetime - events > more)
    truth = {**vals, "t_holdout": t_holdout}
    customers = pd.DataFrame({"rate": rate, "dropout": p, "alive": alive, "alive_end": alive_end})
    return BGNBDSample(data=data, truth=truth, customers=customers)


# --------------------------------------------------------------------------
# Gamma–Gamma
# --------------------------------------------------------------------------
class GammaGammaFitter(_Fitter):
    """The Gamma–Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

    A customer's purchases have amounts z ~ Gamma(shape p, rate ν); her ν
    varies across customers as Gamma(shape q, rate v) (γ in Fader & Hardie's
    note).  Her mean spend is then p ν⁻¹, with population mean p v / (q − 1).
    The data are each repeat buyer's number of repeat purchases x and their
    mean amount m_x.  The model assumes spend does not depend on how often
    a customer buys (check the correlation of frequency and mean spend).

    Parameters
    ----------
    confidence : float, default 0.95

    Attributes
    ----------
    params_ : Series
        ``p, q, v``.
    standard_errors_, covariance_, log_likelihood_, n_
        As :class:`BetaGeoFitter`; ``n_`` counts the repeat buyers fitted.

    Notes
    -----
    The density of a mean of x purchases (Fader & Hardie 2013, eq. 3):

    .. math:: f(m_x) = \\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)}
              \\frac{v^q\\, m_x^{px-1} x^{px}}{(v + m_x x)^{px+q}}

    Tested against the published CDNOW estimates (p = 6.25, q = 3.74,
    v = 15.44) and by recovering simulated parameters.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using
    iso-value curves for customer base analysis. *Journal of Marketing
    Research*, 42(4), 415–430.

    Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of
    monetary value. http://brucehardie.com/notes/025/

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> x = rng.integers(1, 6, 20_000)
    >>> nu = rng.gamma(3.0, 1 / 10.0, 20_000)
    >>> m = rng.gamma(6.0 * x, 1 / (nu * x))  # the mean of x purchases of Gamma(6, nu)
    >>> GammaGammaFitter().fit(x, m).params_.round(1).tolist()
    [5.9, 3.1, 10.4]
    """

    _names = ("p", "q", "v")
    _model = "Gamma-Gamma model of spend per purchase"
    _citation = _GG_CITATION

    def _loglik(self, params, data):
        p, q, v = params
        x, m = data
        px = p * x
        ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
              + px * np.log(x) - (px + q) * np.log(v + m * x))
        return float(ll.sum())

    def _gradient(self, params, data):
        p, q, v = params
        x, m = data
        px = p * x
        lvm = np.log(v + m * x)
        d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - lvm)
        d_q = digamma(px + q) - digamma(q) + np.log(v) - lvm
        d_v = q / v - (px + q) / (v + m * x)
        return np.array([d_p.sum(), d_q.sum(), d_v.sum()])

    def _checked(self, frequency: Any, monetary_value: Any, what: str, *, drop_zero: bool):
        f = numeric_values(np.atleast_1d(frequency) if np.ndim(frequency) == 0 else frequency, "frequency",
                           error=CustomerValueError)
        m = numeric_values(np.atleast_1d(monetary_value) if np.ndim(monetary_value) == 0 else monetary_value,
                           "monetary_value", error=CustomerValueError)
        if len(f) != len(m):
            raise CustomerValueError(f"{what}: 'frequency' and 'monetary_value' must have the same length "
                                     f"(got {len(f)} and {len(m)})")
        x, mv = f.to_numpy(), m.to_numpy()
        index = _labels(frequency, x.size)
        problems = []
        for mask, message, shown in (
            (x < 0, "'frequency' must be >= 0 (repeat purchases)", x),
            (x != np.floor(x), "'frequency' must be a whole number (repeat purchases)", x),
            (mv < 0, "'monetary_value' must be >= 0 (money paid)", mv),
            ((x > 0) & (mv <= 0), "'monetary_value' must be > 0 where 'frequency' > 0 (mean spend of repeat purchases)", mv),
        ):
            if mask.any():
                problems.append(f"{message}: rows {rows_text(index[mask])} hold "
                                + ", ".join(f"{v:g}" for v in shown[mask][:3]))
        raise_problems(problems, what=what, error=CustomerValueError)
        return x, mv

    def fit(self, frequency: Any, monetary_value: Any, *, initial: Sequence[float] | None = None,
            maxiter: int = 2000) -> GammaGammaFitter:
        """Fit p, q, v by maximum likelihood on the repeat buyers; returns the fitted object.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases per customer; customers with 0 are left out of
            the fit (no repeat purchase to average) and counted in
            ``summary.meta["n_excluded"]``.
        monetary_value : array-like
            Mean spend of the repeat purchases (> 0 where frequency > 0).
        initial : sequence of 3 floats, optional
            Starting p, q, v (default 1, 2 and the mean spend).
        maxiter : int, default 2000

        Raises
        ------
        CustomerValueError
            Negative or non-whole frequency, negative spend, spend 0 with a
            repeat purchase (rows named); fewer than 3 repeat buyers.
        ConvergenceError
        """
        what = f"{type(self).__name__}.fit"
        x, mv = self._checked(frequency, monetary_value, what, drop_zero=True)
        keep = x > 0
        if keep.sum() < 3:
            raise CustomerValueError(f"{what}: needs at least 3 customers with a repeat purchase (got {int(keep.sum())})")
        x, mv = x[keep], mv[keep]
        self.n_excluded_ = int((~keep).sum())
        if initial is None:
            start = np.array([1.0, 2.0, float(np.mean(mv))])
        else:
            start = np.asarray(initial, dtype=float)
            if start.shape != (3,) or not np.all(np.isfinite(start)) or np.any(start <= 0):
                raise CustomerValueError(f"{what}: 'initial' must be 3 positive numbers p, q, v (got {initial!r})")
        self._optimise((x, mv), start, x.size, maxiter=check_integer(maxiter, "maxiter", low=1, error=CustomerValueError))
        return self

    def _extra_meta(self) -> dict:
        p, q, v = self.params_.to_numpy()
        return {"n_excluded": self.n_excluded_, "population_mean_spend": p * v / (q - 1) if q > 1 else math.inf}

    def conditional_expected_average_profit(self, frequency: Any, monetary_value: Any) -> Any:
        """Expected mean spend per purchase of a customer with x repeat purchases averaging m_x.

        .. math:: E[M | x, m_x] = \\frac{(v + m_x x)\\, p}{p x + q - 1}
                  = \\frac{q - 1}{px + q - 1} \\frac{p v}{q - 1} + \\frac{px}{px + q - 1} m_x,

        a weighted mean of the population mean and the customer's own mean
        (Fader & Hardie 2013, eq. 5); for x = 0, the population mean.
        Needs q > 1.
        """
        self._check_fitted()
        p, q, v = self.params_.to_numpy()
        if q <= 1:
            raise CustomerValueError(f"conditional_expected_average_profit: needs q > 1 for a finite mean (q = {q:.4g})")
        x, mv = self._checked(frequency, monetary_value, "conditional_expected_average_profit", drop_zero=False)
        return _out((v + mv * x) * p / (p * x + q - 1), frequency, monetary_value)

    def customer_lifetime_value(self, transaction_model: BetaGeoFitter, frequency: Any, recency: Any, T: Any,
                                monetary_value: Any, *, periods: int = 12, period_length: float = 1.0,
                                discount: float = 0.01, margin: float = 1.0) -> Any:
        """Discounted expected margin of each customer over the next *periods* periods.

        .. math:: CLV = \\sum_{k=1}^{K} \\frac{\\mu\\, E[M]\\, (E[Y(k\\ell)] - E[Y((k-1)\\ell)])}{(1+d)^k}

        with E[Y(·)] from *transaction_model* (:meth:`BetaGeoFitter.conditional_expected_purchases`,
        in its time unit), ℓ = *period_length*, E[M] from
        :meth:`conditional_expected_average_profit`, μ = *margin*
        (share of spend that is profit) and d = *discount* per period
        (lifetimes' ``customer_lifetime_value`` does the same).
        """
        periods = check_integer(periods, "periods", low=1, error=CustomerValueError)
        problems: list[str] = []
        period_length = check_number(period_length, "period_length", low=0, low_open=True,
                                     error=CustomerValueError, problems=problems)
        discount = check_number(discount, "discount", low=0, error=CustomerValueError, problems=problems)
        margin = check_number(margin, "margin", error=CustomerValueError, problems=problems)
        raise_problems(problems, what="customer_lifetime_value", error=CustomerValueError)
        spend = np.asarray(self.conditional_expected_average_profit(frequency, monetary_value))
        total = np.zeros_like(spend, dtype=float)
        previous = 0.0
        for k in range(1, periods + 1):  # a loop over periods, not customers
            current = np.asarray(transaction_model.conditional_expected_purchases(k * period_length, frequency, recency, T))
            total = total + (current - previous) / (1 + discount) ** k
            previous = current
        return _out(margin * spend * total, frequency, recency, T, monetary_value)


def fit_gamma_gamma(frequency: Any, monetary_value: Any, *, confidence: float = 0.95,
                    initial: Sequence[float] | None = None) -> GammaGammaFitter:
    """Fit the Gamma–Gamma spend model: ``GammaGammaFitter(confidence=...).fit(frequency, monetary_value)``.

    See :class:`GammaGammaFitter` (tested against the published CDNOW
    estimates p = 6.25, q = 3.74, v = 15.44).
    """
    return GammaGammaFitter(confidence=confidence).fit(frequency, monetary_value, initial=initial)


# --------------------------------------------------------------------------
# the exhibitor's value on the source's four indicators
# --------------------------------------------------------------------------
#: The four indicators of exhibition customer value (THEORY.md §8) and the default column of each in
#: :func:`exhibitor_value_table`: satisfaction, loyalty, retention (保留度), contribution (贡献度).
VALUE_INDICATORS: dict[str, str] = {"satisfaction": "satisfaction", "loyalty": "loyalty",
                                    "retention": "editions", "contribution": "spend"}
#: Equal weights of the four indicators (the stated default of :func:`value_score`).
VALUE_WEIGHTS: dict[str, float] = {"satisfaction": 0.25, "loyalty": 0.25, "retention": 0.25, "contribution": 0.25}


def exhibitor_value_table(participation: pd.DataFrame, survey: pd.DataFrame, exhibitors: pd.DataFrame, *,
                          edition: int | None = None) -> pd.DataFrame:
    """One row per exhibitor at an edition: the inputs of value scores, tiers and the CLV decomposition.

    Parameters
    ----------
    participation, survey, exhibitors : DataFrame
        The tables of the same names (``datasets.load_all()``).
    edition : int, optional
        The edition described (default: the survey's latest edition).

    Returns
    -------
    DataFrame
        Indexed by ``exhibitor_id`` (the exhibitors who took part at *edition*,
        sorted): ``sector``, ``region``, ``size_class``, ``stage`` (of the
        relationship lifecycle at *edition*); ``editions``
        (editions taken part in up to *edition*: retention, 保留度);
        ``spend`` (booth + services at *edition*, CNY: contribution, 贡献度);
        ``booth_sqm``, ``leads``, ``special_requests``; for survey
        respondents at *edition* ``satisfaction`` (mean of sat1–sat3),
        ``loyalty`` (mean of the nine attitudinal loyalty items cog, aff,
        con: cognitive, affective and conative loyalty) and ``nps`` (0–10),
        NaN for the others; ``responded`` (bool); ``returned`` (1 if the
        exhibitor took part at edition + 1, 0 if not, NaN when there is no
        later edition in the data).

    Examples
    --------
    >>> from crm_lab import datasets
    >>> t = datasets.load_all(tables=["participation", "survey", "exhibitors"])
    >>> exhibitor_value_table(t["participation"], t["survey"], t["exhibitors"]).columns[:6].tolist()
    ['sector', 'region', 'size_class', 'stage', 'editions', 'spend']
    """
    from .schema import SCALES

    what = "exhibitor_value_table"
    sat, loyal = list(SCALES["satisfaction"]), [i for s in ("cognitive", "affective", "conative") for i in SCALES[s]]
    check_columns(participation, ["exhibitor_id", "edition", "participated", "stage", "booth_spend", "services_spend",
                                  "booth_sqm", "leads", "special_requests"], what=f"{what}: participation",
                  error=CustomerValueError)
    check_columns(survey, ["exhibitor_id", "edition", *sat, *loyal], what=f"{what}: survey", error=CustomerValueError)
    check_columns(exhibitors, ["exhibitor_id", "sector", "region", "size_class"], what=f"{what}: exhibitors",
                  error=CustomerValueError)
    numeric_columns(participation, ["edition", "participated"], what=f"{what}: participation", error=CustomerValueError)
    numeric_columns(survey, ["edition"], what=f"{what}: survey", error=CustomerValueError)
    check_frame(exhibitors, f"{what}: exhibitors", min_rows=1, error=CustomerValueError)
    edition = int(survey["edition"].max()) if edition is None else check_integer(edition, "edition", low=1,
                                                                                   error=CustomerValueError)
    took = participation[participation["participated"] == 1]
    now = took[took["edition"] == edition].set_index("exhibitor_id").sort_index()
    if now.empty:
        raise CustomerValueError(f"{what}: nobody took part at edition {edition} "
                                 f"(editions in the data: {sorted(participation['edition'].unique().tolist())})")
    out = exhibitors.set_index("exhibitor_id").reindex(now.index)[["sector", "region", "size_class"]]
    out["stage"] = now["stage"]
    out["editions"] = took[took["edition"] <= edition].groupby("exhibitor_id").size().reindex(now.index).astype(np.int64)
    out["spend"] = np.round(now["booth_spend"] + now["services_spend"], 2)
    for col in ("booth_sqm", "leads", "special_requests"):
        out[col] = now[col]
    answers = survey[survey["edition"] == edition].drop_duplicates("exhibitor_id").set_index("exhibitor_id")
    answers = answers.reindex(now.index)
    out["satisfaction"] = answers[sat].mean(axis=1, skipna=False)
    out["loyalty"] = answers[loyal].mean(axis=1, skipna=False)
    out["nps"] = answers["nps"] if "nps" in answers else np.nan
    out["responded"] = out["satisfaction"].notna()
    later = participation[participation["edition"] == edition + 1].set_index("exhibitor_id")["participated"]
    out["returned"] = later.reindex(now.index).astype(float) if len(later) else np.nan
    return out


def _indicator_frame(data: pd.DataFrame, indicators: dict[str, str], what: str) -> pd.DataFrame:
    check_columns(data, indicators, what=what, error=CustomerValueError)
    check_frame(data, what, min_rows=1, error=CustomerValueError)
    frame = data[list(indicators.values())].apply(pd.to_numeric, errors="coerce")
    frame.columns = list(indicators)
    gaps = frame.isna().any(axis=1)
    if gaps.any():
        raise CustomerValueError(f"{what}: missing or non-numeric indicator values in rows {rows_text(frame.index[gaps])} "
                                 "(score only the customers with all four, e.g. the survey respondents)")
    return frame


def _weights(weights: Any, names: Sequence[str], what: str) -> pd.Series:
    w = pd.Series(dict(weights), dtype=float) if not isinstance(weights, pd.Series) else weights.astype(float)
    if set(w.index) != set(names) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise CustomerValueError(f"{what}: 'weights' must give one number >= 0 to each of {list(names)}, "
                                 f"not all 0 (got {dict(w)})")
    return (w / w.sum()).reindex(list(names))


def value_score(data: pd.DataFrame, *, weights: Any = None, indicators: dict[str, str] | None = None) -> pd.DataFrame:
    """The exhibitor value score: a weighted mean of the four indicators' percentile ranks.

    Parameters
    ----------
    data : DataFrame
        One row per customer (e.g. :func:`exhibitor_value_table` of the
        survey respondents), with a column per indicator.
    weights : mapping, default :data:`VALUE_WEIGHTS` (equal)
        Indicator -> weight (>= 0; rescaled to sum to 1).
    indicators : mapping, default :data:`VALUE_INDICATORS`
        Indicator -> column of *data* (satisfaction, loyalty, retention,
        contribution).

    Returns
    -------
    DataFrame
        Index of *data*; one column per indicator (its percentile rank,
        0–1, ties averaged), ``score`` (the weighted mean, 0–1) and
        ``rank`` (1 = most valuable; ties share the lower rank).

    Notes
    -----
    The source judges exhibition customer value on satisfaction, loyalty,
    retention (保留度: willingness to keep buying after the first deal) and
    contribution (贡献度: profit now and later) (THEORY.md §8).  The
    indicators are on different scales (a 7-point mean, a count of
    editions, CNY), so each is replaced by its percentile rank among the
    customers scored before weighting: score = Σ_k w_k · pct_k.  The
    weights are a management choice, not an estimate: :func:`weight_sensitivity`
    shows how far another choice moves the ranking.

    Examples
    --------
    >>> d = pd.DataFrame({"satisfaction": [6, 4, 5], "loyalty": [6, 3, 5], "editions": [1, 5, 3],
    ...                   "spend": [10.0, 90.0, 95.0]})
    >>> value_score(d)["rank"].tolist()
    [2, 3, 1]
    """
    what = "value_score"
    indicators = dict(VALUE_INDICATORS if indicators is None else indicators)
    frame = _indicator_frame(data, indicators, what)
    w = _weights(VALUE_WEIGHTS if weights is None else weights, list(indicators), what)
    out = frame.rank(pct=True, method="average")
    out["score"] = out[list(indicators)].to_numpy() @ w.to_numpy()
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(np.int64)
    return out


def weight_sensitivity(data: pd.DataFrame, weightings: dict[str, Any], *, top: float = 0.2,
                       indicators: dict[str, str] | None = None) -> pd.DataFrame:
    """How far other weights move the value ranking: rank correlation and overlap of the top group.

    Parameters
    ----------
    data : DataFrame
        As for :func:`value_score`.
    weightings : mapping
        Name -> weights (a mapping indicator -> weight); the first is the
        baseline the others are compared with.
    top : float, default 0.2
        Share of customers called "the most valuable".
    indicators : mapping, optional

    Returns
    -------
    DataFrame
        One row per weighting: its normalised weights, ``spearman`` (rank
        correlation of its score with the baseline's), ``top_overlap``
        (share of the baseline's top group that stays in the top group)
        and ``top_mean_<indicator>`` (the top group's mean percentile on each
        indicator: what the weighting rewards).

    Examples
    --------
    >>> d = pd.DataFrame({"satisfaction": [6, 4, 5, 2], "loyalty": [6, 3, 5, 2], "editions": [1, 5, 3, 2],
    ...                   "spend": [10.0, 50.0, 20.0, 90.0]})
    >>> w = {"equal": None, "money": {"satisfaction": 0, "loyalty": 0, "retention": 0, "contribution": 1}}
    >>> weight_sensitivity(d, w, top=0.25)["top_overlap"].tolist()
    [1.0, 0.0]
    """
    what = "weight_sensitivity"
    if not weightings:
        raise CustomerValueError(f"{what}: 'weightings' must name at least one set of weights")
    top = check_number(top, "top", low=0, high=1, low_open=True, error=CustomerValueError)
    indicators = dict(VALUE_INDICATORS if indicators is None else indicators)
    scores = {name: value_score(data, weights=w, indicators=indicators) for name, w in weightings.items()}
    base_name = next(iter(scores))
    base = scores[base_name]
    k = max(1, math.ceil(top * len(base)))

    def top_set(s: pd.DataFrame) -> pd.Index:
        return s.sort_values("score", ascending=False, kind="stable").index[:k]

    base_top = top_set(base)
    rows = []
    for name, s in scores.items():
        w = _weights(VALUE_WEIGHTS if weightings[name] is None else weightings[name], list(indicators), what)
        chosen = top_set(s)
        row = {f"w_{i}": w[i] for i in indicators}
        row["spearman"] = float(sps.spearmanr(base["score"], s["score"]).statistic) if len(s) > 2 else math.nan
        row["top_overlap"] = len(base_top.intersection(chosen)) / k
        row.update({f"top_mean_{i}": float(s.loc[chosen, i].mean()) for i in indicators})
        rows.append(row)
    out = pd.DataFrame(rows, index=pd.Index(list(scores), name="weighting"))
    return out


# --------------------------------------------------------------------------
# membership tiers from RFM, and who is in them
# --------------------------------------------------------------------------
#: Membership tiers of :func:`membership_tiers`, lowest first.
MEMBERSHIP_TIERS: tuple[str, ...] = ("low", "middle", "high")


def membership_tiers(rfm_table: pd.DataFrame, *, cuts: Sequence[int] = (7, 11),
                     labels: Sequence[str] = MEMBERSHIP_TIERS) -> pd.Series:
    """Membership tiers (会员等级) cut from the RFM score, as CRM systems build them.

    Parameters
    ----------
    rfm_table : DataFrame
        :func:`rfm` or :func:`rfm_sql` (column ``rfm_score``, the sum of the
        three scores: 3 to 3 × bins).
    cuts : sequence of int, default (7, 11)
        Upper ends of every tier but the last, increasing: with quintiles,
        3–7 low, 8–11 middle, 12–15 high spenders.
    labels : sequence of str, default ("low", "middle", "high")

    Returns
    -------
    Series
        Ordered categorical named ``tier``, index of *rfm_table*.

    Examples
    --------
    >>> membership_tiers(pd.DataFrame({"rfm_score": [3, 8, 11, 12, 15]})).tolist()
    ['low', 'middle', 'middle', 'high', 'high']
    """
    numeric_columns(rfm_table, ["rfm_score"], what="membership_tiers", missing="keep", error=CustomerValueError)
    cuts = [int(c) for c in cuts]
    labels = [str(v) for v in labels]
    if len(labels) != len(cuts) + 1 or cuts != sorted(set(cuts)):
        raise CustomerValueError(f"membership_tiers: need increasing 'cuts' and one more label than cuts "
                                 f"(got cuts={cuts}, labels={labels})")
    tier = pd.cut(rfm_table["rfm_score"], bins=[-np.inf, *cuts, np.inf], labels=labels, ordered=True)
    return tier.rename("tier")


@dataclass(frozen=True, repr=False)
class TierProfile(Result):
    """Who is in each tier: one test with an effect size per profile variable (see :func:`profile_tiers`).

    Attributes
    ----------
    table : DataFrame
        One row per profile variable: ``estimate`` (the effect size:
        bias-corrected Cramér's V for a category, eta² or epsilon² for a
        number), ``ci_low``, ``ci_high``, ``statistic``, ``df``,
        ``p_value``, then ``test``, ``effect``, ``n``.
    meta : dict
    tests : dict
        Variable -> :class:`crm_lab.stats.TestResult`.
    shares : dict
        Variable -> a table per tier: shares of each category (rows sum to
        1) or the mean, SD and n of a number.
    """

    table: pd.DataFrame
    meta: dict = field(default_factory=dict)
    tests: dict = field(default_factory=dict, repr=False)
    shares: dict = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return f"Profile of the {self.meta.get('tier', 'tier')}s"

    def _summary_lines(self, decimals: int) -> list[str]:
        return [f"{name}: {test.report(decimals=decimals)}" for name, test in self.tests.items()]


def profile_tiers(data: pd.DataFrame, tier: str, by: Sequence[str], *, confidence: float = 0.95,
                  n_boot: int = 1000, rng: Any = None) -> TierProfile:
    """Do the tiers differ in sector, size, region, satisfaction…? One segment test per variable.

    Parameters
    ----------
    data : DataFrame
        One row per customer with the tier column and the profile variables.
    tier : str
        The tier column (e.g. from :func:`membership_tiers` or :func:`pyramid_tier`).
    by : sequence of str
        Profile variables: categories get a χ² test with Cramér's V, numbers
        an ANOVA (eta²) or, for whole numbers with few levels, a
        Kruskal–Wallis test (epsilon²).
    confidence : float, default 0.95
    n_boot : int, default 1000
        Bootstrap resamples of the Kruskal–Wallis effect size.
    rng : int, Generator or None

    Returns
    -------
    TierProfile

    Notes
    -----
    Each variable is tested on the customers where it is known (a survey
    score only for respondents; ``n`` says how many), by
    :func:`crm_lab.satisfaction.segment_test`.  With several variables,
    several p-values: read the effect sizes first.

    Examples
    --------
    >>> d = pd.DataFrame({"tier": list("aabbcc") * 10, "x": np.arange(60.0), "g": list("uv") * 30})
    >>> profile_tiers(d, "tier", ["x", "g"]).table["test"].tolist()
    ['One-way ANOVA', 'Chi-square test of independence']
    """
    from .satisfaction import segment_test

    check_columns(data, [tier, *by], what="profile_tiers", error=CustomerValueError)
    confidence = check_confidence(confidence, error=CustomerValueError)
    n_boot = check_integer(n_boot, "n_boot", low=10, error=CustomerValueError)
    generator = np.random.default_rng(rng)
    tests, shares, rows = {}, {}, []
    for name in by:
        sub = data[[tier, name]].dropna()
        if isinstance(sub[tier].dtype, pd.CategoricalDtype):
            sub = sub.assign(**{tier: sub[tier].astype(str)})
        res = segment_test(sub, name, tier, confidence=confidence, n_boot=n_boot, rng=generator)
        tests[name] = res
        numeric = res.test != "Chi-square test of independence" and "Chi" not in res.test
        shares[name] = (sub.groupby(tier, observed=True)[name].agg(["mean", "std", "size"]) if numeric
                        else pd.crosstab(sub[tier], sub[name], normalize="index"))
        rows.append({"estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high, "statistic": res.statistic,
                     "df": res.df, "p_value": res.p_value, "test": res.test, "effect": res.effect, "n": res.n})
    table = tidy_table(pd.DataFrame(rows), index=list(by), name="variable", extras=["test", "effect", "n"])
    meta = {"n": int(len(data)), "confidence": confidence, "tier": tier,
            "method": "chi-square (Cramér's V), one-way ANOVA (eta²) or Kruskal-Wallis (epsilon²) by variable type",
            "citation": "crm_lab.satisfaction.segment_test; Cramér (1946); Steiger (2004); Tomczak & Tomczak (2014)"}
    return TierProfile(table=table, meta=meta, tests=tests, shares=shares)


# --------------------------------------------------------------------------
# purchase cycles: when will a customer buy again?
# --------------------------------------------------------------------------
def _segment_quantile(values: np.ndarray, start: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """Quantile *q* (linear interpolation, numpy's default) of values[start:start+count] for every segment."""
    pos = start + q * np.maximum(count - 1, 0)
    low = np.floor(pos).astype(np.int64)
    high = np.minimum(low + 1, start + np.maximum(count - 1, 0)).astype(np.int64)
    ok = count > 0
    low_c, high_c = np.where(ok, low, 0), np.where(ok, high, 0)
    out = values[low_c] + (pos - low) * (values[high_c] - values[low_c]) if values.size else np.zeros(start.size)
    return np.where(ok, out, np.nan)


def purchase_cycle(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    customer: str = "exhibitor_id",
    date: str = "date",
    coverage: float = 0.8,
    min_gaps: int = 3,
    episode_days: int = 0,
    customers: Any = None,
) -> pd.DataFrame:
    """Each customer's purchase cycle and the window in which her next purchase is expected.

    Parameters
    ----------
    transactions : DataFrame
        Dated orders (e.g. the service orders of the ``transactions`` table).
    as_of : date-like
        The day of the prediction; orders after it are ignored (they are
        what the prediction is checked against: :func:`check_purchase_windows`).
    customer, date : str
    coverage : float, default 0.8
        Probability the window is meant to hold (the central interval of the
        cycle's distribution).
    min_gaps : int, default 3
        A customer with at least this many own gaps longer than the time
        already elapsed gets a window from her own cycle; the others from
        everyone's (pooled) gaps.
    customers : array-like, optional
        The known customer ids.

    Returns
    -------
    DataFrame
        One row per customer with an order up to *as_of*: ``orders``
        (buying episodes: distinct days, or episodes with *episode_days*), ``last_order``, ``elapsed_days``
        (*as_of* − last order), ``cycle_days`` (her median gap between
        occasions; NaN with a single occasion), ``source`` (``own``,
        ``pooled``, or ``none`` when no observed gap is as long as the time
        elapsed: "overdue"), ``expected_next`` (last order + the median of
        the gaps longer than the elapsed time), ``window_start``,
        ``window_end``.

    Notes
    -----
    The "third week" example of the source: a customer who bought milk
    powder buys again in the third week, so the offer goes out before then.
    Here the inter-purchase time G is a customer's gap between successive
    purchase days.  Having waited e days already, the next purchase comes
    at last + G with G drawn from the gaps **longer than e** (the
    conditional distribution G | G > e, the residual-life idea of renewal
    theory): the window is last + its (1 − coverage)/2 and (1 + coverage)/2
    quantiles.  Vectorised over customers (sorted segments, no loop).

    Tested against windows computed customer by customer with
    :func:`numpy.quantile`.

    Examples
    --------
    >>> t = pd.DataFrame({"exhibitor_id": ["a"] * 5, "date": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-21", "2024-02-10", "2024-03-01", "2024-03-21"])})
    >>> w = purchase_cycle(t, as_of="2024-03-25", min_gaps=2)
    >>> w[["orders", "cycle_days", "source"]].values.tolist(), str(w["expected_next"].iloc[0].date())
    ([[5, 20.0, 'own']], '2024-04-10')
    """
    what = "purchase_cycle"
    coverage = check_confidence(coverage, name="coverage", error=CustomerValueError)
    min_gaps = check_integer(min_gaps, "min_gaps", low=1, error=CustomerValueError)
    episode_days = check_integer(episode_days, "episode_days", low=0, error=CustomerValueError)
    tx = _transactions(transactions, customer=customer, date=date, amount=None, customers=customers, what=what)
    end = _timestamp(as_of, "as_of", what)
    tx = tx[tx["day"] <= end]
    if tx.empty:
        raise CustomerValueError(f"{what}: no order on or before 'as_of' ({end.date()})")
    days = tx.drop_duplicates(["customer", "day"]).sort_values(["customer", "day"])
    codes, ids = pd.factorize(days["customer"], sort=True)
    day = days["day"].to_numpy()
    n_c = ids.size
    same = np.r_[False, codes[1:] == codes[:-1]]
    gaps = ((day[1:] - day[:-1]) / np.timedelta64(1, "D")).astype(float)
    gap_owner = codes[1:][same[1:]]
    gaps = gaps[same[1:]]
    new_episode = gaps > episode_days
    gap_owner, gaps = gap_owner[new_episode], gaps[new_episode]
    orders = np.bincount(gap_owner, minlength=n_c) + 1
    last = pd.Series(day).groupby(codes).max().to_numpy()
    elapsed = ((np.datetime64(end) - last) / np.timedelta64(1, "D")).astype(float)
    # own gaps, sorted within customer; the tail of gaps longer than the elapsed time
    order = np.lexsort((gaps, gap_owner))
    own, owner = gaps[order], gap_owner[order]
    n_own = np.bincount(owner, minlength=n_c)
    seg_start = np.r_[0, np.cumsum(n_own)[:-1]]
    longer = own > elapsed[owner]
    n_long = np.bincount(owner[longer], minlength=n_c)
    own_start = seg_start + n_own - n_long
    pooled = np.sort(gaps)
    k = np.searchsorted(pooled, elapsed, side="right")
    pool_count = pooled.size - k
    use_own = n_long >= min_gaps
    lo_q, hi_q = (1 - coverage) / 2, (1 + coverage) / 2
    quant = {}
    for name, q in (("start", lo_q), ("mid", 0.5), ("end", hi_q)):
        mine = _segment_quantile(own, own_start, n_long, q)
        theirs = _segment_quantile(pooled, k, pool_count, q)
        quant[name] = np.where(use_own, mine, theirs)
    source = np.where(use_own, "own", np.where(pool_count > 0, "pooled", "none"))
    median_own = _segment_quantile(own, seg_start, n_own, 0.5)
    last_ts = pd.to_datetime(last)

    def shift(values):
        return last_ts + pd.to_timedelta(np.round(values), unit="D")

    out = pd.DataFrame({"orders": orders.astype(np.int64), "last_order": last_ts, "elapsed_days": elapsed.astype(np.int64),
                        "cycle_days": median_own, "source": source, "expected_next": shift(quant["mid"]),
                        "window_start": shift(quant["start"]), "window_end": shift(quant["end"])},
                       index=pd.Index(ids, name=customer))
    out.attrs.update({"as_of": end, "coverage": coverage, "episode_days": episode_days, "pooled_gaps": pooled})
    return out


def check_purchase_windows(windows: pd.DataFrame, transactions: pd.DataFrame, *, customer: str = "exhibitor_id",
                           date: str = "date", until: Any = None, confidence: float = 0.95) -> Result:
    """Did the next order fall in its predicted window?  Held-out orders against :func:`purchase_cycle`.

    Parameters
    ----------
    windows : DataFrame
        :func:`purchase_cycle` (its ``as_of`` is kept in ``windows.attrs``).
    transactions : DataFrame
        The orders, including those after ``as_of`` (the holdout).
    customer, date : str
    until : date-like, optional
        End of the holdout (default: the last order in *transactions*).
    confidence : float, default 0.95

    Returns
    -------
    Result
        ``table`` (index ``outcome``): ``bought_again`` (share of customers
        with a window who ordered again in the holdout), then among those
        ``in_window``, ``early``, ``late``, each with its Wilson interval;
        ``meta`` with n, the nominal coverage and ``outcomes`` (one per customer).

    Examples
    --------
    >>> t = pd.DataFrame({"exhibitor_id": ["a"] * 5 + ["b"] * 2, "date": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-21", "2024-02-10", "2024-03-01", "2024-03-21", "2024-01-01", "2024-02-01"])})
    >>> w = purchase_cycle(t, as_of="2024-03-05", min_gaps=2)
    >>> check_purchase_windows(w, t).table["estimate"].round(2).tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    from .stats import proportion_ci

    what = "check_purchase_windows"
    check_columns(windows, ["window_start", "window_end"], what=what, error=CustomerValueError)
    if "as_of" not in windows.attrs:
        raise CustomerValueError(f"{what}: 'windows' must come from purchase_cycle (it records its 'as_of')")
    check_frame(windows, f"{what}: windows", min_rows=1, error=CustomerValueError)
    confidence = check_confidence(confidence, error=CustomerValueError)
    start = windows.attrs["as_of"]
    tx = _transactions(transactions, customer=customer, date=date, amount=None, customers=None, what=what)
    end = tx["day"].max() if until is None else _timestamp(until, "until", what)
    later = tx[(tx["day"] > start) & (tx["day"] <= end)]
    first = later.groupby("customer")["day"].min().reindex(windows.index)
    has = windows["window_start"].notna()
    outcome = pd.Series("no order", index=windows.index, dtype=object)
    bought = first.notna()
    outcome[bought & (first < windows["window_start"])] = "early"
    outcome[bought & (first > windows["window_end"])] = "late"
    outcome[bought & (first >= windows["window_start"]) & (first <= windows["window_end"])] = "in window"
    outcome[~has] = "no window"
    scored = outcome[has]
    buyers = scored[scored != "no order"]
    rows = {}
    for name, k, n in (("bought_again", len(buyers), len(scored)), ("in_window", int((buyers == "in window").sum()), len(buyers)),
                       ("early", int((buyers == "early").sum()), len(buyers)), ("late", int((buyers == "late").sum()), len(buyers))):
        est, low, high = proportion_ci(k, n, confidence=confidence) if n else (math.nan,) * 3
        rows[name] = {"estimate": est, "ci_low": low, "ci_high": high, "count": k, "of": n}
    table = tidy_table(pd.DataFrame.from_dict(rows, orient="index"), name="outcome", extras=["count", "of"])
    meta = {"n": int(has.sum()), "confidence": confidence, "coverage": windows.attrs.get("coverage"),
            "as_of": str(start.date()), "until": str(end.date()), "title": "Next orders against their predicted windows",
            "method": "first order after as_of compared with the window; Wilson intervals",
            "citation": "Wilson, E. B. (1927). JASA, 22(158), 209-212", "outcomes": outcome}
    return PurchaseWindowCheck(table=table, meta=meta)


@dataclass(frozen=True, repr=False)
class PurchaseWindowCheck(Result):
    table: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from .results import plain

        return {"table": plain(self.table), "meta": plain({k: v for k, v in self.meta.items() if k != "outcomes"})}


# --------------------------------------------------------------------------
# BG/NBD validation: calibration against holdout
# --------------------------------------------------------------------------
def calibration_holdout_table(model: BetaGeoFitter, cal_hold: pd.DataFrame, *, max_frequency: int = 10) -> pd.DataFrame:
    """Mean purchases in the holdout, actual and predicted, by the number of repeat purchases in calibration.

    Parameters
    ----------
    model : BetaGeoFitter
        Fitted on the calibration columns of *cal_hold*.
    cal_hold : DataFrame
        :func:`calibration_and_holdout` (``frequency_cal``, ``recency_cal``,
        ``T_cal``, ``frequency_holdout``, ``duration_holdout``).
    max_frequency : int, default 10
        Customers with more calibration repeat purchases are pooled in the
        last row (``max_frequency+``).

    Returns
    -------
    DataFrame
        Index ``frequency_cal`` (0, 1, …, "10+"): ``customers``, ``actual``
        and ``predicted`` (mean holdout purchases; the prediction is
        :meth:`BetaGeoFitter.conditional_expected_purchases` over the
        holdout's length), and a last row ``all``.

    Notes
    -----
    The validation plot of Fader, Hardie & Lee (2005a, Figure 4) and of
    lifetimes' ``plot_calibration_purchases_vs_holdout_purchases``: a model
    that has learnt the purchase process predicts the holdout for light and
    heavy buyers alike; regression to the mean shows as predictions below
    the calibration frequency.
    """
    check_columns(cal_hold, ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"],
                  what="calibration_holdout_table", error=CustomerValueError)
    max_frequency = check_integer(max_frequency, "max_frequency", low=1, error=CustomerValueError)
    pred = np.asarray(model.conditional_expected_purchases(cal_hold["duration_holdout"].to_numpy(),
                                                           cal_hold["frequency_cal"], cal_hold["recency_cal"],
                                                           cal_hold["T_cal"]))
    bucket = np.minimum(cal_hold["frequency_cal"].to_numpy(), max_frequency)
    frame = pd.DataFrame({"bucket": bucket, "actual": cal_hold["frequency_holdout"].to_numpy(), "predicted": pred})
    g = frame.groupby("bucket")
    out = pd.DataFrame({"customers": g.size(), "actual": g["actual"].mean(), "predicted": g["predicted"].mean()})
    out.index = [f"{i}+" if i == max_frequency else str(i) for i in out.index]
    out.loc["all"] = [len(frame), frame["actual"].mean(), frame["predicted"].mean()]
    out["customers"] = out["customers"].astype(np.int64)
    out.index.name = "frequency_cal"
    return out


def plot_calibration_holdout(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Actual and predicted mean holdout purchases by calibration frequency (:func:`calibration_holdout_table`)."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    rows = table.drop(index="all", errors="ignore")
    x = np.arange(len(rows))
    ax.plot(x, rows["actual"], "o-", color="C0", label="actual")
    ax.plot(x, rows["predicted"], "s--", color="C1", label="BG/NBD prediction")
    ax.set_xticks(x, rows.index)
    ax.set(xlabel="repeat purchases in the calibration period", ylabel="mean purchases in the holdout period")
    ax.legend(loc="upper left", frameon=False)
    return ax


def plot_lorenz(values: Any, *, ax: Any = None, label: str = "customers") -> Any:
    """The Lorenz curve of customer values with the line of equality, the Gini in the legend."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    curve = lorenz(values)
    g = gini(values, n_boot=0).estimate
    ax.plot(curve["customer_share"], curve["value_share"], color="C0", label=f"{label} (Gini {g:.2f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="equal value")
    ax.set(xlabel="share of customers (smallest first)", ylabel="share of revenue", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", frameon=False)
    return ax


# --------------------------------------------------------------------------
# the source's decomposition CLV = CPV + PPV + CIV + CKV + CTV
# --------------------------------------------------------------------------
#: Stated proxies of :func:`clv_components`: CNY per unit of each proxy (assumptions, not estimates).
CLV_UNIT_VALUES: dict[str, float] = {
    "referral_rate": 0.10,    # PPV: new exhibitors a promoter (NPS 9-10) brings per edition
    "feedback_value": 500.0,  # CIV: CNY an answered survey is worth to the organizer
    "request_value": 1000.0,  # CKV: CNY of what the organizer learns from one special request
    "lead_value": 50.0,       # CTV: CNY of show value per lead an exhibitor's presence generates for the visitors
}


def clv_components(data: pd.DataFrame, *, margin_rate: float, retention: Any, discount: float,
                   unit_values: dict[str, float] | None = None) -> pd.DataFrame:
    """The source's CLV = CPV + PPV + CIV + CKV + CTV as a transparent scoring with stated proxies.

    Parameters
    ----------
    data : DataFrame
        One row per exhibitor (:func:`exhibitor_value_table`): ``spend``,
        ``nps`` (NaN: not asked), ``responded``, ``special_requests``, ``leads``.
    margin_rate : float
        Share of spend that is margin (0–1).
    retention : float or array-like
        Retention rate per edition (one number, or one per row).
    discount : float
        Discount rate per edition.
    unit_values : mapping, default :data:`CLV_UNIT_VALUES`
        The stated proxy values.

    Returns
    -------
    DataFrame
        Index of *data*: ``CPV``, ``PPV``, ``CIV``, ``CKV``, ``CTV`` and
        ``CLV`` (their sum), CNY, each the per-edition amount times the
        multiple 1 + r / (1 + d − r) (this edition and the discounted
        expected later ones: :func:`clv_simple` with ``timing="start"``).

    Notes
    -----
    The proxies, per edition (THEORY.md §8):

    * **CPV** purchase value: margin = spend × *margin_rate*;
    * **PPV** promotion (word-of-mouth) value: a promoter (NPS 9–10) brings
      ``referral_rate`` new exhibitors, each worth the mean CPV of the data;
      a non-respondent counts as not a promoter;
    * **CIV** information value: an answered survey × ``feedback_value``;
    * **CKV** knowledge value: special requests × ``request_value`` (what
      a request teaches about unmet needs);
    * **CTV** transaction value: leads × ``lead_value`` (an exhibitor's
      presence is part of what draws buyers, and so other exhibitors).

    **Limits.**  Only CPV is money the customer pays; the other four are
    unit values someone chose — change them and the ranking changes.  The
    parts overlap (a referral is also information; leads are partly the
    show's own doing), so their sum double counts; and they are assumed to
    last as long as the purchases do.  Use it to make the assumptions
    explicit and arguable, not as a measurement.
    """
    what = "clv_components"
    unit = {**CLV_UNIT_VALUES, **(unit_values or {})}
    unknown = set(unit) - set(CLV_UNIT_VALUES)
    if unknown:
        raise CustomerValueError(f"{what}: unknown unit value(s) {sorted(unknown)} (known: {list(CLV_UNIT_VALUES)})")
    check_columns(data, ["spend", "nps", "responded", "special_requests", "leads"], what=what, error=CustomerValueError)
    margin_rate = check_number(margin_rate, "margin_rate", low=0, high=1, error=CustomerValueError)
    spend = _positive_values(data["spend"], "spend", what).to_numpy()
    factor = clv_simple(np.ones(len(data)), np.broadcast_to(np.asarray(retention, dtype=float), (len(data),)),
                        discount, timing="start")
    cpv_edition = spend * margin_rate
    promoter = (pd.to_numeric(data["nps"], errors="coerce") >= 9).to_numpy()
    parts = pd.DataFrame({
        "CPV": cpv_edition,
        "PPV": promoter * unit["referral_rate"] * cpv_edition.mean(),
        "CIV": data["responded"].astype(bool).to_numpy() * unit["feedback_value"],
        "CKV": data["special_requests"].to_numpy(dtype=float) * unit["request_value"],
        "CTV": data["leads"].to_numpy(dtype=float) * unit["lead_value"],
    }, index=data.index)
    parts = parts.mul(np.asarray(factor), axis=0)
    parts["CLV"] = parts.sum(axis=1)
    return parts


# --------------------------------------------------------------------------
# retention vs acquisition: "keeping a customer costs a fifth of winning one"
# --------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class RetentionScenario(Result):
    """Spend one budget on keeping customers or on winning new ones (see :func:`retention_vs_acquisition`).

    Attributes
    ----------
    table : DataFrame
        Rows ``retain`` and ``acquire``: ``estimate`` (value gained, CNY),
        then ``cost``, ``customers`` (kept or won), ``value_per_customer``,
        ``return_per_cny``.
    meta : dict
        ``break_even_lift`` (the retention lift at which both pay the
        same), ``max_lift`` (1 − retention: no programme keeps more than
        those who would leave), ``break_even_ratio`` (the cost ratio at
        which the given lift breaks even), the inputs.
    grid : DataFrame
        Value of each option over a range of lifts (for the plot).
    """

    table: pd.DataFrame
    meta: dict = field(default_factory=dict)
    grid: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def title(self) -> str:
        return "Retention vs acquisition: one budget, two uses"

    def _summary_lines(self, decimals: int) -> list[str]:
        m = self.meta
        better = "retain" if self.table.loc["retain", "estimate"] > self.table.loc["acquire", "estimate"] else "acquire"
        return [f"Break-even lift {m['break_even_lift']:.{decimals}f} (the programme must keep that share of the "
                f"customers it targets who would otherwise leave; at most {m['max_lift']:.{decimals}f} can leave). "
                f"At lift {m['lift']:.{decimals}f}: {better} gives more."]


def retention_vs_acquisition(*, customers: int, retention: float, margin: float, acquisition_cost: float,
                             lift: float, discount: float, cost_ratio: float = 0.2, retention_new: float | None = None,
                             margin_new: float | None = None) -> RetentionScenario:
    """Is money better spent keeping customers or winning new ones?  A scenario with its break-even.

    Parameters
    ----------
    customers : int
        Existing customers the retention programme targets (N).
    retention : float
        Their retention rate per period without the programme (r).
    margin : float
        Margin per period of an existing customer.
    acquisition_cost : float
        Cost of winning one new customer (CAC).
    lift : float
        Rise of the targeted customers' retention rate the programme buys
        (absolute, 0 to 1 − r).
    discount : float
        Discount rate per period.
    cost_ratio : float, default 0.2
        Programme cost per targeted customer as a share of CAC (the
        material's "a fifth").
    retention_new, margin_new : float, optional
        A new customer's retention and margin (default: the existing
        customers'; new exhibitors usually return less often).

    Returns
    -------
    RetentionScenario

    Notes
    -----
    Budget B = N · ratio · CAC.  **Retain**: N · lift customers stay who
    would have left, each worth V_old = :func:`clv_simple` (margin, r, d,
    timing="start").  **Acquire**: the same B wins B / CAC = N · ratio new
    customers, each worth V_new.  Retention pays more iff

    .. math:: \\text{lift} \\cdot V_{old} > \\text{ratio} \\cdot V_{new}
              \\iff \\text{lift} > \\text{ratio}\\, V_{new} / V_{old}.

    So "a fifth of the cost" is not "five times the return": the cost is
    per customer *targeted*, and only the share ``lift`` of them is
    actually kept.  Tested against the hand-computed break-even.

    Examples
    --------
    >>> s = retention_vs_acquisition(customers=1000, retention=0.7, margin=100.0, acquisition_cost=500.0,
    ...                              lift=0.1, discount=0.1)
    >>> round(s.meta["break_even_lift"], 3), s.table["customers"].tolist()
    (0.2, [100.0, 200.0])
    """
    what = "retention_vs_acquisition"
    problems: list[str] = []
    n = check_integer(customers, "customers", low=1, error=CustomerValueError)
    r = check_number(retention, "retention", low=0, high=1, high_open=True, error=CustomerValueError, problems=problems)
    m = check_number(margin, "margin", error=CustomerValueError, problems=problems)
    cac = check_number(acquisition_cost, "acquisition_cost", low=0, low_open=True, error=CustomerValueError,
                       problems=problems)
    ratio = check_number(cost_ratio, "cost_ratio", low=0, low_open=True, error=CustomerValueError, problems=problems)
    d = check_number(discount, "discount", low=0, high=1, high_open=True, error=CustomerValueError, problems=problems)
    lift = check_number(lift, "lift", low=0, high=1, error=CustomerValueError, problems=problems)
    r_new = r if retention_new is None else check_number(retention_new, "retention_new", low=0, high=1, high_open=True,
                                                         error=CustomerValueError, problems=problems)
    m_new = m if margin_new is None else check_number(margin_new, "margin_new", error=CustomerValueError,
                                                      problems=problems)
    raise_problems(problems, what=what, error=CustomerValueError)
    if lift > 1 - r + 1e-12:
        raise CustomerValueError(f"{what}: 'lift' must be <= 1 - retention = {1 - r:g} (only customers who would "
                                 f"leave can be kept; got {lift:g})")
    v_old = clv_simple(m, r, d, timing="start")
    v_new = clv_simple(m_new, r_new, d, timing="start")
    budget = n * ratio * cac
    kept, won = n * lift, budget / cac
    table = tidy_table({"estimate": [kept * v_old, won * v_new], "cost": [budget, budget], "customers": [kept, won],
                        "value_per_customer": [v_old, v_new],
                        "return_per_cny": [kept * v_old / budget, won * v_new / budget]},
                       index=["retain", "acquire"], name="option",
                       extras=["cost", "customers", "value_per_customer", "return_per_cny"])
    lifts = np.linspace(0.0, 1 - r, 51)
    grid = pd.DataFrame({"lift": lifts, "retain": n * lifts * v_old, "acquire": won * v_new})
    meta = {"n": n, "lift": lift, "cost_ratio": ratio, "acquisition_cost": cac, "budget": budget,
            "break_even_lift": ratio * v_new / v_old if v_old > 0 else math.inf, "max_lift": 1 - r,
            "break_even_ratio": lift * v_old / v_new if v_new > 0 else math.inf,
            "retention": r, "retention_new": r_new, "margin": m, "margin_new": m_new, "discount": d,
            "method": "one budget N·ratio·CAC; retain: N·lift kept × V_old; acquire: budget/CAC won × V_new; "
                      "V = clv_simple(margin, retention, discount, timing='start')",
            "citation": "Gupta, S., & Lehmann, D. R. (2003). Journal of Interactive Marketing, 17(1), 9-24; "
                        "Reichheld, F. F., & Sasser, W. E. (1990). HBR 68(5), 105-111"}
    return RetentionScenario(table=table, meta=meta, grid=grid)


def plot_retention_vs_acquisition(result: RetentionScenario, *, ax: Any = None) -> Any:
    """Value of the budget spent on retention (by lift) and on acquisition, with the break-even lift."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    g, m = result.grid, result.meta
    ax.plot(g["lift"], g["retain"] / 1e6, color="C0", label="retain (by lift)")
    ax.plot(g["lift"], g["acquire"] / 1e6, color="C1", linestyle="--", label="acquire")
    ax.axvline(m["break_even_lift"], color="grey", linestyle=":", label=f"break-even lift {m['break_even_lift']:.2f}")
    ax.axvline(m["lift"], color="C3", linewidth=0.8, label=f"assumed lift {m['lift']:.2f}")
    ax.set(xlabel="rise in the retention rate of targeted customers", ylabel="value gained (million CNY)")
    ax.legend(loc="upper left", frameon=False, fontsize="small")
    return ax


# --------------------------------------------------------------------------
# simulations: CLV uncertainty by editions observed; BG/NBD parameter recovery
# --------------------------------------------------------------------------
def simulate_clv_uncertainty(segments: pd.DataFrame, *, editions: Sequence[int] = (1, 2, 3, 5, 8),
                             discount: float = 0.1, margin_rate: float = 0.3, spend_cv: float = 0.6,
                             reps: int = 500, confidence: float = 0.95, rng: Any = None) -> pd.DataFrame:
    """How uncertain is a segment's CLV after k editions of data?  A simulation with known truth.

    Parameters
    ----------
    segments : DataFrame
        One row per segment (index: its name): ``customers`` (a cohort
        followed from its first edition), ``retention`` (true rate per
        edition) and ``spend`` (true mean spend per edition, CNY).
    editions : sequence of int, default (1, 2, 3, 5, 8)
        Editions observed after the cohort's first.
    discount, margin_rate : float
    spend_cv : float, default 0.6
        Coefficient of variation of one customer's spend at one edition.
    reps : int, default 500
        Simulated cohorts per segment.
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        One row per segment and number of editions: ``true_clv``,
        ``mean_clv`` (of the estimates), ``sd_clv``, ``ci_low``,
        ``ci_high`` (the central *confidence* range of the estimates) and
        ``relative_sd`` (sd / true).

    Notes
    -----
    A cohort of n customers: n_0 = n, n_{t+1} ~ Binomial(n_t, r).  After
    k editions, r̂ = Σ_{t=1..k} n_t / Σ_{t=0..k-1} n_t (the maximum
    likelihood estimate of a constant retention rate) and the mean spend
    is the mean of Σ n_t (t < k) spends, drawn as Normal(spend,
    spend · cv / √count) — the CLV estimate is then
    margin_rate · mean spend · :func:`clv_simple` (1, r̂, d, timing="start").
    Vectorised over replications.  More editions → more transitions seen →
    a narrower spread, fastest for small segments.
    """
    what = "simulate_clv_uncertainty"
    numeric_columns(segments, ["customers", "retention", "spend"], what=what, error=CustomerValueError)
    editions = sorted({check_integer(k, "editions", low=1, error=CustomerValueError) for k in editions})
    reps = check_integer(reps, "reps", low=10, error=CustomerValueError)
    confidence = check_confidence(confidence, error=CustomerValueError)
    generator = np.random.default_rng(rng)
    alpha = (1 - confidence) / 2
    rows = []
    for name, seg in segments.iterrows():  # a loop over segments (a handful), not customers
        n = check_integer(int(seg["customers"]), "customers", low=1, error=CustomerValueError)
        r = float(seg["retention"])
        spend = float(seg["spend"])
        if not 0 <= r < 1 or spend <= 0:
            raise CustomerValueError(f"{what}: segment {name!r} needs 0 <= retention < 1 and spend > 0")
        true = margin_rate * spend * clv_simple(1.0, r, discount, timing="start")
        alive = np.full(reps, n)
        at_risk = np.zeros(reps)
        kept = np.zeros(reps)
        seen = 0
        for k in range(1, editions[-1] + 1):
            nxt = generator.binomial(alive, r)
            at_risk += alive
            kept += nxt
            alive = nxt
            if k in editions:
                seen += 1
                r_hat = np.divide(kept, at_risk, out=np.zeros(reps), where=at_risk > 0)
                r_hat = np.minimum(r_hat, 1 - 1e-9)
                mean_spend = spend + spend * spend_cv / np.sqrt(at_risk) * generator.standard_normal(reps)
                est = margin_rate * np.maximum(mean_spend, 0) * (1 + _multiple(r_hat, discount))
                rows.append({"segment": name, "editions": k, "true_clv": true, "mean_clv": est.mean(),
                             "sd_clv": est.std(ddof=1), "ci_low": np.quantile(est, alpha),
                             "ci_high": np.quantile(est, 1 - alpha), "relative_sd": est.std(ddof=1) / true})
    return pd.DataFrame(rows).set_index(["segment", "editions"])


def _multiple(retention: np.ndarray, discount: float) -> np.ndarray:
    """r / (1 + d − r), vectorised without checks (the margin multiple, for simulations)."""
    return retention / (1 + discount - retention)


def bgnbd_recovery(*, r: float, alpha: float, a: float, b: float, n_customers: int = 1000, reps: int = 20,
                   T: float = 52.0, confidence: float = 0.95, rng: Any = None) -> pd.DataFrame:
    """Parameter recovery of the BG/NBD fit: simulate markets with known parameters, fit each.

    Parameters
    ----------
    r, alpha, a, b : float
        The planted parameters.
    n_customers : int, default 1000
    reps : int, default 20
        Simulated markets (each fitted by :func:`fit_bgnbd`).
    T : float, default 52
        Every customer's age (weeks).
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        One row per parameter: ``truth``, ``mean`` (of the estimates),
        ``bias``, ``relative_bias``, ``sd`` (across markets), ``mean_se``
        (the Hessian standard error, averaged: it should match ``sd``),
        ``coverage`` (share of the log-Wald intervals that hold the truth)
        and ``fits`` (markets whose fit converged).

    Notes
    -----
    Markets from :func:`simulate_bgnbd`.  A fit that does not converge is
    left out and counted (``fits`` < ``reps``).  Tested: with enough
    customers the bias is small against the SD and the coverage near the
    nominal level.
    """
    what = "bgnbd_recovery"
    reps = check_integer(reps, "reps", low=2, error=CustomerValueError)
    n_customers = check_integer(n_customers, "n_customers", low=50, error=CustomerValueError)
    generator = np.random.default_rng(rng)
    truth = pd.Series({"r": r, "alpha": alpha, "a": a, "b": b}, dtype=float)
    est, covered, ses = [], [], []
    for _ in range(reps):  # a loop over simulated markets, each fit vectorised over customers
        d = simulate_bgnbd(n_customers, r=r, alpha=alpha, a=a, b=b, T=T, rng=generator).data
        try:
            fit = fit_bgnbd(d["frequency"], d["recency"], d["T"], confidence=confidence)
        except ConvergenceError:
            continue
        tab = fit.summary.table
        est.append(tab["estimate"])
        ses.append(tab["se"])
        covered.append((tab["ci_low"] <= truth) & (truth <= tab["ci_high"]))
    if not est:
        raise ConvergenceError(f"{what}: no simulated market could be fitted")
    e, s, c = pd.DataFrame(est), pd.DataFrame(ses), pd.DataFrame(covered)
    out = pd.DataFrame({"truth": truth, "mean": e.mean(), "bias": e.mean() - truth,
                        "relative_bias": (e.mean() - truth) / truth, "sd": e.std(ddof=1), "mean_se": s.mean(),
                        "coverage": c.mean(), "fits": len(e)})
    out.index.name = "parameter"
    return out
