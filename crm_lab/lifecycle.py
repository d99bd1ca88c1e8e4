"""The relationship lifecycle (客户关系生命周期): stages as a Markov chain, survival and retention models.

THEORY.md §9: an exhibitor's relationship with the organizer passes through
four stages — exploration (考察期), formation (形成期), stability (稳定期) and
decline (退化期) — and may end (流失) from any of them.  This module holds the
lifecycle's theory, computed from the participation panel or from cohort
counts:

* **who came back** — :func:`next_edition_returns` (the one definition of
  "came back next edition" in the suite);
* **the chain** — :func:`transition_matrix` (the stage-to-stage matrix with
  the absorbing state ``ended``, bootstrap intervals that resample
  exhibitors), :func:`planted_transitions` (what the simulator planted),
  :func:`transitions_by` (matrices stratified by a grouping such as
  satisfaction, with chi-square tests), :func:`stationary`,
  :func:`absorption_times` (the fundamental matrix) and :func:`markov_clv`
  (Pfeifer & Carraway's lifetime value per starting stage);
* **survival of cohorts** — :func:`cohort_survivors`, :func:`kaplan_meier`
  (Kaplan–Meier curves by first edition with a log-rank test);
* **retention models** — :func:`fit_sbg` (shifted-beta-geometric, Fader &
  Hardie 2007) and :func:`fit_bgbb` (beta-geometric/beta-Bernoulli, Fader,
  Hardie & Shang 2010): our own maximum-likelihood fitters in the style of
  lifelines (``fit`` returns the fitter, fitted values end in ``_``), with
  :func:`simulate_sbg` / :func:`simulate_bgbb` for parameter recovery and
  :func:`recency_frequency` to summarise an attendance table for BG/BB,
  :func:`bgbb_holdout` for the calibration/holdout check,
  :func:`constant_retention` and :func:`project_survivors` (what ignoring
  heterogeneity does) and :func:`parameter_recovery`;
* **decisions** — :func:`planted_chain` (the planted chain, ``ended``
  included), :func:`stage_margins`, :func:`improve_retention`,
  :func:`cohort_forward` and :func:`compare_interventions` (where a retention
  gain is worth most, with bootstrap intervals);
* **figures** — :func:`plot_transitions`, :func:`plot_survival`,
  :func:`plot_retention`, :func:`plot_fan`.

Bad input raises :class:`LifecycleError` (a :class:`~crm_lab._checks.CrmLabError`).

Notes
-----
*Why not lifelines for the Kaplan–Meier curves?*  lifelines 0.30.3 (the
newest release) declares ``pandas<3.0``, so installing it beside pandas 3
downgrades pandas; 0.30.0 installs and runs on numpy 2.1–2.4 / pandas
3.0–3.1 but its log-rank test emits pandas' ``Pandas4Warning`` (keyword-only
``sum``) on every call.  The curves are therefore statsmodels'
:class:`~statsmodels.duration.survfunc.SurvfuncRight` and
:func:`~statsmodels.duration.survfunc.survdiff`, with lifelines' pointwise
log(−log) interval, and the tests compare them with lifelines 0.30.0.

*Why our own sBG and BG/BB fitters?*  No maintained Python package fits
them on today's numpy/pandas without a PyMC stack (lifetimes is archived).

References
----------
Dwyer, F. R., Schurr, P. H., & Oh, S. (1987). Developing buyer–seller
relationships. *Journal of Marketing*, 51(2), 11–27.

Kemeny, J. G., & Snell, J. L. (1960). *Finite Markov Chains*. Princeton,
NJ: Van Nostrand.

Grinstead, C. M., & Snell, J. L. (1997). *Introduction to Probability*
(2nd rev. ed.), ch. 11. Providence, RI: American Mathematical Society.

Anderson, T. W., & Goodman, L. A. (1957). Statistical inference about
Markov chains. *The Annals of Mathematical Statistics*, 28(1), 89–110.

Pfeifer, P. E., & Carraway, R. L. (2000). Modeling customer relationships
as Markov chains. *Journal of Interactive Marketing*, 14(2), 43–55.

Fader, P. S., & Hardie, B. G. S. (2007). How to project customer retention.
*Journal of Interactive Marketing*, 21(1), 76–90.

Fader, P. S., & Hardie, B. G. S. (2010). Customer-base valuation in a
contractual setting: The perils of ignoring heterogeneity. *Marketing
Science*, 29(1), 85–93.

Fader, P. S., Hardie, B. G. S., & Shang, J. (2010). Customer-base analysis
in a discrete-time noncontractual setting. *Marketing Science*, 29(6),
1086–1108.

Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete
observations. *Journal of the American Statistical Association*, 53(282),
457–481.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import special as sp
from scipy import stats as sps
from scipy.sparse.csgraph import connected_components

from ._checks import (
    CrmLabError,
    check_columns,
    check_confidence,
    check_integer,
    check_number,
    numeric_columns,
    numeric_values,
    raise_problems,
    rows_text,
)
from .resampling import percentile_interval
from .results import Result, tidy_table
from .schema import STAGE_CODES, STAGES
from .stats import chi_square

__all__ = [
    "ENDED",
    "STATES",
    "AbsorptionTimes",
    "Interventions",
    "BetaGeoBetaBinomialFitter",
    "KaplanMeier",
    "LifecycleError",
    "ShiftedBetaGeometricFitter",
    "StratifiedTransitions",
    "TransitionMatrix",
    "absorption_times",
    "bgbb_holdout",
    "cohort_forward",
    "cohort_survivors",
    "compare_interventions",
    "constant_retention",
    "fit_bgbb",
    "fit_sbg",
    "improve_retention",
    "kaplan_meier",
    "markov_clv",
    "next_edition_returns",
    "parameter_recovery",
    "planted_chain",
    "planted_transitions",
    "plot_fan",
    "plot_retention",
    "plot_survival",
    "plot_transitions",
    "project_survivors",
    "recency_frequency",
    "simulate_bgbb",
    "simulate_sbg",
    "stage_margins",
    "stationary",
    "transition_matrix",
    "transitions_by",
]

#: The absorbing state of the lifecycle chain: the exhibitor did not come back (流失).
ENDED = "ended"
#: The states of the chain: the four stages (:data:`crm_lab.schema.STAGES`) and :data:`ENDED`.
STATES = (*STAGES, ENDED)

_MARKOV_CITATION = ("Anderson, T. W., & Goodman, L. A. (1957). Statistical inference about Markov chains. "
                    "The Annals of Mathematical Statistics, 28(1), 89-110.")
_KS_CITATION = "Kemeny, J. G., & Snell, J. L. (1960). Finite Markov Chains. Princeton, NJ: Van Nostrand."
_SBG_CITATION = ("Fader, P. S., & Hardie, B. G. S. (2007). How to project customer retention. Journal of "
                 "Interactive Marketing, 21(1), 76-90; Fader, P. S., & Hardie, B. G. S. (2010). Customer-base "
                 "valuation in a contractual setting. Marketing Science, 29(1), 85-93.")
_BGBB_CITATION = ("Fader, P. S., Hardie, B. G. S., & Shang, J. (2010). Customer-base analysis in a discrete-time "
                  "noncontractual setting. Marketing Science, 29(6), 1086-1108.")
_KM_CITATION = ("Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations. JASA, "
                "53(282), 457-481; Mantel, N. (1966). Evaluation of survival data and two new rank order statistics "
                "arising in its consideration. Cancer Chemotherapy Reports, 50(3), 163-170.")

#: Bounds of the log-parameters in the fitters: every parameter within [1e-4, 1e4].
_LOG_BOUND = math.log(1e4)


class LifecycleError(CrmLabError):
    """Bad input to a :mod:`crm_lab.lifecycle` function, or a fit that failed."""


# ==========================================================================
# Who came back
# ==========================================================================
def _check_panel(participation: Any, what: str = "participation") -> None:
    """The participation panel has rows, ``exhibitor_id``, whole-number ``edition`` and 0/1 ``participated``."""
    check_columns(participation, ["exhibitor_id", "edition", "participated"], what=what, error=LifecycleError)
    if len(participation) == 0:
        raise LifecycleError(f"{what}: the panel has no rows (expected one row per exhibitor and edition)")
    values = numeric_columns(participation, ["edition", "participated"], what=what, error=LifecycleError)
    problems = []
    bad = (values["edition"] != np.round(values["edition"])).to_numpy()
    if bad.any():
        problems.append(f"column 'edition' must hold whole numbers: rows {rows_text(participation.index[bad])}")
    bad = ~values["participated"].isin([0, 1]).to_numpy()
    if bad.any():
        problems.append(f"'participated' 0 or 1 expected: rows {rows_text(participation.index[bad])} hold "
                        f"{', '.join(repr(v) for v in pd.unique(participation['participated'][bad])[:3].tolist())}")
    missing = participation["exhibitor_id"].isna().to_numpy()
    if missing.any():
        problems.append(f"column 'exhibitor_id' has {int(missing.sum())} missing values "
                        f"(rows {rows_text(participation.index[missing])})")
    raise_problems(problems, what=what, error=LifecycleError)


def next_edition_returns(participation: pd.DataFrame) -> pd.DataFrame:
    """Did each exhibitor of an edition exhibit again at the next one?

    The one definition of "came back next edition" in the suite.

    Parameters
    ----------
    participation : DataFrame
        The participation panel (``exhibitor_id, edition, participated``).

    Returns
    -------
    DataFrame
        One row per exhibitor that took part in an edition that has a next
        one: ``exhibitor_id``, ``edition`` and ``returned`` (1 = exhibited at
        the next edition, 0 = did not).  Other columns of the panel are kept.
        Sorted by edition, then exhibitor.

    Notes
    -----
    The retention of one edition's exhibitors at the next (Reichheld & Sasser
    1990); churn is its complement.  In the lifecycle chain
    (:func:`transition_matrix`) ``returned == 0`` is the move to
    :data:`ENDED` (the schema ties ``stage == "lapsed"`` to
    ``participated == 0``).  Tested against a hand-checked panel of three
    exhibitors.

    References
    ----------
    Reichheld, F. F., & Sasser, W. E. (1990). Zero defections: Quality comes
    to services. *Harvard Business Review*, 68(5), 105–111.

    Examples
    --------
    >>> panel = pd.DataFrame({"exhibitor_id": ["a", "a", "b", "b"], "edition": [1, 2, 1, 2],
    ...                       "participated": [1, 1, 1, 0]})
    >>> next_edition_returns(panel)[["exhibitor_id", "returned"]].values.tolist()
    [['a', 1], ['b', 0]]
    """
    _check_panel(participation)
    nxt = participation[["exhibitor_id", "edition", "participated"]].rename(columns={"participated": "returned"})
    nxt = nxt.assign(edition=nxt["edition"] - 1)
    took_part = participation[participation["participated"] == 1]
    out = took_part.merge(nxt, on=["exhibitor_id", "edition"], how="inner", validate="one_to_one")
    return out.sort_values(["edition", "exhibitor_id"], ignore_index=True)


# ==========================================================================
# The transition matrix
# ==========================================================================
def _stage_codes(participation: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exhibitor codes, editions and stage codes (0..3 stages, 4 lapsed), every problem reported at once."""
    check_columns(participation, ["exhibitor_id", "edition", "stage"], what=what, error=LifecycleError)
    if len(participation) == 0:
        raise LifecycleError(f"{what}: the panel has no rows (expected one row per exhibitor and edition)")
    problems = []
    codes = pd.Index(list(STAGE_CODES)).get_indexer(participation["stage"])
    unknown = participation["stage"].notna().to_numpy() & (codes < 0)
    missing = participation["stage"].isna().to_numpy()
    if unknown.any():
        bad = pd.unique(participation["stage"][unknown])[:5]
        problems.append(f"column 'stage' must hold {list(STAGE_CODES)}: rows {rows_text(participation.index[unknown])} "
                        f"hold {', '.join(repr(b) for b in bad)}")
    if missing.any():
        problems.append(f"column 'stage' has {int(missing.sum())} missing values (rows {rows_text(participation.index[missing])})")
    edition = pd.to_numeric(participation["edition"], errors="coerce")
    bad_ed = edition.isna() | (edition != np.round(edition))
    if bad_ed.any():
        problems.append(f"column 'edition' must hold whole numbers: rows {rows_text(participation.index[bad_ed])}")
    raise_problems(problems, what=what, error=LifecycleError)
    ex_code, _ = pd.factorize(participation["exhibitor_id"])
    return ex_code.astype(np.int64), edition.to_numpy(dtype=np.int64), codes.astype(np.int64)


def _transitions(participation: pd.DataFrame, what: str = "participation") -> dict[str, Any]:
    """Every observed move between consecutive editions from a stage (not lapsed).

    Returns the exhibitor code of each move, its origin (0..3) and destination
    (0..3 a stage, 4 ended), the number of exhibitors and the moves out of
    ``lapsed`` back into a stage (ignored: ended is absorbing).
    """
    ex, ed, code = _stage_codes(participation, what)
    order = np.lexsort((ed, ex))
    ex, ed, code = ex[order], ed[order], code[order]
    same = (ex[1:] == ex[:-1]) & (ed[1:] == ed[:-1])
    if same.any():
        dup = np.sort(order[np.unique(np.r_[np.flatnonzero(same), np.flatnonzero(same) + 1])])
        raise LifecycleError(f"{what}: one row per exhibitor and edition expected; rows "
                             f"{rows_text(participation.index[dup])} repeat an (exhibitor_id, edition) pair")
    nxt = (ex[1:] == ex[:-1]) & (ed[1:] == ed[:-1] + 1)
    frm, to, who = code[:-1][nxt], code[1:][nxt], ex[:-1][nxt]
    lapsed = len(STAGES)
    from_stage = frm < lapsed
    came_back = int(np.count_nonzero(~from_stage & (to < lapsed)))
    return {"exhibitor": who[from_stage], "from": frm[from_stage], "to": to[from_stage],
            "n_exhibitors": int(ex.max() + 1) if ex.size else 0, "back_after_lapse": came_back}


def _move_patterns(exhibitor: np.ndarray, cell: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct per-exhibitor vectors of move counts (patterns × cells) and how many exhibitors share each.

    Exhibitors without a move are left out.  Linear time: each vector is
    packed into one 64-bit key and hashed (pandas' factorize) when its counts
    fit; otherwise rows are sorted (``np.unique(axis=0)``).
    """
    has = np.zeros(int(exhibitor.max()) + 1, dtype=bool)
    has[exhibitor] = True
    row = (np.cumsum(has) - 1)[exhibitor]
    n_rows = int(has.sum())
    per = np.bincount(row * n_cells + cell, minlength=n_rows * n_cells).reshape(n_rows, n_cells)
    bits = max(int(per.max()).bit_length(), 1)
    if bits * n_cells > 63:
        patterns, weight = np.unique(per, axis=0, return_counts=True)
        return patterns, weight
    key = (per.astype(np.uint64) << (np.arange(n_cells, dtype=np.uint64) * np.uint64(bits))).sum(axis=1)
    codes, uniques = pd.factorize(key)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(n_rows - 1, -1, -1)
    return per[first], np.bincount(codes, minlength=len(uniques))


def _normalise_rows(counts: np.ndarray) -> np.ndarray:
    """Row shares of (..., k, m) counts; a row without moves gets the pooled destinations of all rows."""
    totals = counts.sum(axis=-1, keepdims=True)
    pooled = counts.sum(axis=-2, keepdims=True)
    pooled = pooled / np.maximum(pooled.sum(axis=-1, keepdims=True), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / totals
    return np.where(totals > 0, shares, pooled)


def _full_chain(moves: np.ndarray) -> np.ndarray:
    """(..., 4, 5) move shares -> (..., 5, 5) chain with the absorbing ended row."""
    shape = moves.shape[:-2]
    ended = np.zeros((*shape, 1, len(STATES)))
    ended[..., 0, -1] = 1.0
    return np.concatenate([moves, ended], axis=-2)


def _frame(values: np.ndarray, index, columns) -> pd.DataFrame:
    out = pd.DataFrame(values, index=pd.Index(list(index), name="from"), columns=pd.Index(list(columns), name="to"))
    return out


def _long_table(estimate: np.ndarray, draws: np.ndarray | None, counts: np.ndarray, rows, cols,
                confidence: float) -> pd.DataFrame:
    k, m = estimate.shape
    if draws is not None and draws.shape[0] >= 2:
        flat = draws.reshape(draws.shape[0], -1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.nanstd(flat, axis=0, ddof=1)
        low, high = percentile_interval(flat, confidence)
    else:
        se = low = high = np.full(k * m, np.nan)
    index = pd.MultiIndex.from_product([list(rows), list(cols)], names=["from", "to"])
    table = tidy_table({"estimate": estimate.ravel(), "se": se, "ci_low": low, "ci_high": high,
                        "count": counts.ravel().astype(float)}, extras=["count"])
    table.index = index
    return table


@dataclass(frozen=True)
class TransitionMatrix(Result):
    """The estimated lifecycle chain with bootstrap intervals (from :func:`transition_matrix`).

    Attributes
    ----------
    table : DataFrame
        One row per move (index ``from, to``; from the four stages to the
        five states): ``estimate`` (the transition probability), ``se`` and
        ``ci_low, ci_high`` (bootstrap over exhibitors), ``count`` (moves
        observed).  ``statistic, df, p_value`` are NaN.
    matrix : DataFrame
        The 5 × 5 chain over :data:`STATES` (rows ``from``, columns ``to``);
        the ``ended`` row is absorbing.
    counts : DataFrame
        Observed moves, 4 stages × 5 states.
    returned : DataFrame
        The 4 × 4 matrix of moves among those who came back (the ``ended``
        column dropped and the rows renormalised): comparable with
        :func:`planted_transitions`.
    returned_table : DataFrame
        ``returned`` in the long form of ``table``, with its own intervals.
    draws : ndarray, shape (n_boot, 5, 5)
        The bootstrap matrices (empty when ``n_boot`` is 0); see :meth:`apply`.
    returned_draws : ndarray, shape (n_boot, 4, 4)
    meta : dict
        ``n`` (exhibitors with at least one move), ``n_moves``,
        ``confidence``, ``n_boot``, ``pooled_rows`` (stages never left: their
        row is the pooled destinations), ``back_after_lapse`` (moves out of
        ``lapsed`` back into a stage, ignored), method, citation.
    """

    table: pd.DataFrame
    matrix: pd.DataFrame
    counts: pd.DataFrame
    returned: pd.DataFrame
    returned_table: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    returned_draws: np.ndarray = field(repr=False)
    meta: dict

    _dict_fields = ("matrix", "returned")

    @property
    def title(self) -> str:
        return "Lifecycle transition matrix"

    def _summary_lines(self, decimals: int) -> list[str]:
        return ["Estimated chain (rows: from; columns: to):", self.matrix.round(decimals).to_string(), ""]

    def __repr__(self) -> str:
        return f"TransitionMatrix(n={self.meta['n']}, n_moves={self.meta['n_moves']}, n_boot={self.meta['n_boot']})"

    def apply(self, function: Callable[[np.ndarray], Any], *, returned: bool = False, index: Any = None) -> pd.DataFrame:
        """A function of the chain, with its bootstrap SE and percentile interval.

        Parameters
        ----------
        function : callable
            Takes a chain as an array (5 × 5, or 4 × 4 with ``returned=True``)
            and returns a number or a 1-D array (e.g.
            ``lambda P: absorption_times(P).table["estimate"].to_numpy()``).
        returned : bool, default False
            Apply it to the matrix of those who came back.
        index : sequence, optional
            Labels of the function's values.

        Returns
        -------
        DataFrame
            A tidy table: ``estimate`` (on the estimated chain), ``se``,
            ``ci_low``, ``ci_high`` over the bootstrap chains.
        """
        point = self.returned.to_numpy() if returned else self.matrix.to_numpy()
        draws = self.returned_draws if returned else self.draws
        est = np.atleast_1d(np.asarray(function(point), dtype=float))
        if draws.shape[0] >= 2:
            values = np.array([np.atleast_1d(np.asarray(function(d), dtype=float)) for d in draws])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                se = np.nanstd(values, axis=0, ddof=1)
            low, high = percentile_interval(values, self.meta["confidence"])
        else:
            se = low = high = np.full(est.size, np.nan)
        return tidy_table({"estimate": est, "se": se, "ci_low": low, "ci_high": high},
                          index=range(est.size) if index is None else index)


def transition_matrix(participation: pd.DataFrame, *, n_boot: int = 2000, confidence: float = 0.95,
                      rng: Any = None) -> TransitionMatrix:
    """The stage-to-stage Markov chain of the lifecycle, with bootstrap intervals over exhibitors.

    Parameters
    ----------
    participation : DataFrame
        The participation panel: ``exhibitor_id, edition, stage`` (stages
        :data:`crm_lab.schema.STAGE_CODES`, ``lapsed`` = did not come back),
        one row per exhibitor and edition.
    n_boot : int, default 2000
        Bootstrap resamples of the exhibitors (0: no intervals).
    confidence : float, default 0.95
        Level of the percentile intervals.
    rng : int, Generator or None
        Seed of the bootstrap (SPEC 7).

    Returns
    -------
    TransitionMatrix

    See Also
    --------
    planted_transitions : the planted chain, for comparison.
    stationary, absorption_times, markov_clv : what the chain implies.
    transitions_by : the chain by group, with tests.

    Notes
    -----
    A move is a pair of consecutive editions of one exhibitor whose first
    stage is one of the four stages; a move into ``lapsed`` is a move into
    the absorbing state :data:`ENDED` (the exhibitor did not come back:
    ``returned == 0`` in :func:`next_edition_returns`).  Lapsing is for good
    in the chain: moves out of ``lapsed`` are counted in
    ``meta["back_after_lapse"]`` and ignored.  The maximum-likelihood
    estimate is the share of each destination among the moves from a stage,
    :math:`\\hat p_{ij} = n_{ij} / n_{i\\cdot}` (Anderson & Goodman 1957);
    a stage never left from gets the pooled destinations of all stages (as
    does its row in a resample).

    The bootstrap resamples **exhibitors** (their moves are dependent), with
    replacement, ``n_boot`` times.  Vectorised: each exhibitor is reduced to
    its vector of 20 move counts; exhibitors with the same vector are one
    *pattern*; drawing *m* exhibitors uniformly is drawing pattern counts
    from a multinomial with the patterns' shares, so a resample is one
    multinomial draw and one matrix product — exact, and independent of the
    number of exhibitors once the patterns are counted.  Intervals are
    percentile intervals (:func:`crm_lab.resampling.percentile_interval`).
    Tested against a hand-built panel, against the planted matrix of a
    simulated market and for the coverage-relevant spread of the bootstrap
    (its SE against the binomial SE of a row).

    References
    ----------
    Anderson, T. W., & Goodman, L. A. (1957). Statistical inference about
    Markov chains. *The Annals of Mathematical Statistics*, 28(1), 89–110.

    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the
    Bootstrap*. New York: Chapman & Hall.

    Examples
    --------
    >>> panel = pd.DataFrame({"exhibitor_id": ["a", "a", "a", "b", "b"], "edition": [1, 2, 3, 1, 2],
    ...                       "stage": ["exploration", "formation", "lapsed", "exploration", "lapsed"]})
    >>> tm = transition_matrix(panel, n_boot=0)
    >>> tm.matrix.loc["exploration", ["formation", "ended"]].tolist()
    [0.5, 0.5]
    """
    problems: list[str] = []
    n_boot = check_integer(n_boot, "n_boot", low=0, error=LifecycleError, problems=problems)
    confidence = check_confidence(confidence, error=LifecycleError, problems=problems)
    raise_problems(problems, what="transition_matrix", error=LifecycleError)
    if n_boot == 1:
        raise LifecycleError("transition_matrix: 'n_boot' must be 0 (no intervals) or at least 2 (got 1)")
    moves = _transitions(participation)
    k, m = len(STAGES), len(STATES)
    if moves["from"].size == 0:
        raise LifecycleError("transition_matrix: no moves between consecutive editions from a stage "
                             "(each exhibitor needs rows for two consecutive editions)")
    cell = moves["from"] * m + moves["to"]
    counts = np.bincount(cell, minlength=k * m).reshape(k, m).astype(float)
    shares = _normalise_rows(counts)
    returned = _normalise_rows(counts[:, :k])
    patterns, weight = _move_patterns(moves["exhibitor"], cell, k * m)
    draws = np.empty((0, m, m))
    ret_draws = np.empty((0, k, k))
    if n_boot:
        gen = np.random.default_rng(rng)
        chunk = max(1, 5_000_000 // max(patterns.shape[0], 1))
        parts, ret_parts = [], []
        probs = weight / weight.sum()
        pat = patterns.astype(float)
        for start in range(0, n_boot, chunk):
            b = min(chunk, n_boot - start)
            c = (gen.multinomial(int(weight.sum()), probs, size=b).astype(float) @ pat).reshape(b, k, m)
            parts.append(_full_chain(_normalise_rows(c)))
            ret_parts.append(_normalise_rows(c[:, :, :k]))
        draws, ret_draws = np.concatenate(parts), np.concatenate(ret_parts)
    full = _full_chain(shares)
    pooled = [STAGES[i] for i in np.flatnonzero(counts.sum(axis=1) == 0)]
    return TransitionMatrix(
        table=_long_table(shares, draws[:, :k, :] if n_boot else None, counts, STAGES, STATES, confidence),
        matrix=_frame(full, STATES, STATES),
        counts=_frame(counts.astype(np.int64), STAGES, STATES),
        returned=_frame(returned, STAGES, STAGES),
        returned_table=_long_table(returned, ret_draws if n_boot else None, counts[:, :k], STAGES, STAGES, confidence),
        draws=draws,
        returned_draws=ret_draws,
        meta={"n": int(weight.sum()), "n_moves": int(cell.size), "n_exhibitors": moves["n_exhibitors"],
              "confidence": confidence, "n_boot": n_boot, "patterns": int(patterns.shape[0]),
              "pooled_rows": pooled, "back_after_lapse": moves["back_after_lapse"],
              "method": "maximum-likelihood Markov chain (share of each destination among the moves from a stage); "
                        "percentile bootstrap resampling exhibitors",
              "citation": _MARKOV_CITATION},
    )


def planted_transitions(truth: Any) -> pd.DataFrame:
    """The planted stage moves of those who come back, from a simulated market's truth.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
        ``market.truth`` (or :func:`crm_lab.datasets.load_truth`).

    Returns
    -------
    DataFrame
        4 × 4, rows ``from`` and columns ``to`` over
        :data:`crm_lab.schema.STAGES`: compare with
        ``transition_matrix(...).returned``.

    Notes
    -----
    The simulator (:func:`crm_lab.simulate.simulate_market`, step 4) first
    decides whether an exhibitor comes back — with a probability planted per
    exhibitor, logistic(stage intercept + conative loyalty + monopoly) — and
    then moves one who came back by this matrix.  The move to ``ended``
    therefore has no single planted value (it depends on who is in a stage;
    those still there after several editions are the more loyal), while the
    moves among those who came back are planted exactly and estimated without
    bias by ``returned``.
    """
    if truth is None or not hasattr(truth, "transition"):
        raise LifecycleError("planted_transitions: 'truth' must be a simulated market's Truth (market.truth); "
                             f"got {type(truth).__name__}")
    out = truth.transition.reindex(index=list(STAGES), columns=list(STAGES)).astype(float)
    return _frame(out.to_numpy(), STAGES, STAGES)


def planted_chain(truth: Any, participation: pd.DataFrame, exhibitors: pd.DataFrame,
                  sectors: pd.DataFrame) -> pd.DataFrame:
    """The planted 5 × 5 chain, ``ended`` included, for the exhibitors this panel observes in each stage.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
        ``market.truth`` (or :func:`crm_lab.datasets.load_truth`).
    participation, exhibitors, sectors : DataFrame
        The market's tables (the moves, each exhibitor's sector, each
        sector's market structure).

    Returns
    -------
    DataFrame
        Rows ``from`` and columns ``to`` over :data:`STATES`: compare with
        ``transition_matrix(...).matrix``.

    Notes
    -----
    The simulator brings an exhibitor in stage *s* back with probability
    :math:`p_i = \\operatorname{logistic}(a_s + b\\,\\text{conative}_i + c\\,\\text{monopoly}_i)`
    and moves one who came back by the planted matrix *T*.  The probability
    of ``ended`` from *s* is therefore not one number: the planted value for
    this panel is the mean of :math:`1 - p_i` over the moves observed from
    *s* (those still in a stage after several editions are the more loyal:
    heterogeneity, as in the sBG model), and the row is
    :math:`(1 - \\bar q_s)\\,T_s` followed by :math:`\\bar q_s`.  A stage
    never left from gets the planted ``ended`` of all moves.  Tested against
    the estimate on a large simulated market.
    """
    if truth is None or not hasattr(truth, "params") or not hasattr(truth, "latent"):
        raise LifecycleError("planted_chain: 'truth' must be a simulated market's Truth (market.truth); "
                             f"got {type(truth).__name__}")
    check_columns(exhibitors, ["exhibitor_id", "sector"], what="exhibitors", error=LifecycleError)
    check_columns(sectors, ["sector", "market_structure"], what="sectors", error=LifecycleError)
    moves = _transitions(participation)
    _, ids = pd.factorize(participation["exhibitor_id"])
    who = pd.Index(ids)[moves["exhibitor"]]
    conative = truth.latent.set_index("exhibitor_id")["conative"].reindex(who).to_numpy(dtype=float)
    monopoly = exhibitors.set_index("exhibitor_id")["sector"].map(
        sectors.set_index("sector")["market_structure"].eq("monopoly")).reindex(who).to_numpy(dtype=float)
    if np.isnan(conative).any() or np.isnan(monopoly).any():
        raise LifecycleError("planted_chain: some exhibitors of the panel are not in truth.latent or exhibitors "
                             "(the tables and the truth must come from the same market)")
    p = truth.params
    logit = np.asarray(p.return_intercepts)[moves["from"]] + p.return_conative * conative + p.return_monopoly * monopoly
    leave = 1.0 - sp.expit(logit)
    k = len(STAGES)
    sums = np.bincount(moves["from"], weights=leave, minlength=k)
    counts = np.bincount(moves["from"], minlength=k)
    q = np.where(counts > 0, sums / np.maximum(counts, 1), leave.mean())
    T = planted_transitions(truth).to_numpy()
    rows = np.column_stack([(1 - q)[:, None] * T, q])
    return _frame(_full_chain(rows), STATES, STATES)


# --------------------------------------------------------------------------
# Matrices by group (satisfaction), with tests
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class StratifiedTransitions(Result):
    """Transition matrices by group, with chi-square tests (from :func:`transitions_by`).

    Attributes
    ----------
    table : DataFrame
        One row per origin stage and a last row ``all``: ``statistic``
        (Pearson's X² of destination × group), ``df``, ``p_value``;
        ``estimate`` is the bias-corrected Cramér's V of that origin with its
        interval (NaN for ``all``); ``n`` the moves tested.
    matrices : dict
        Group -> 5 × 5 chain (as :attr:`TransitionMatrix.matrix`).
    counts : DataFrame
        Moves by ``group, from`` (rows) and ``to`` (columns).
    meta : dict
    """

    table: pd.DataFrame
    matrices: dict
    counts: pd.DataFrame
    meta: dict

    _dict_fields = ("matrices",)

    @property
    def title(self) -> str:
        return f"Lifecycle transitions by {self.meta.get('group_name', 'group')}"

    def __repr__(self) -> str:
        return f"StratifiedTransitions(groups={list(self.matrices)}, n={self.meta['n']})"


def transitions_by(participation: pd.DataFrame, groups: pd.Series, *, confidence: float = 0.95) -> StratifiedTransitions:
    """Transition matrices by a grouping of the exhibitors, and whether the groups move differently.

    How satisfaction shifts the transitions: group the exhibitors by
    satisfaction (e.g. terciles of the survey's satisfaction score) and
    compare their chains.

    Parameters
    ----------
    participation : DataFrame
        The participation panel (``exhibitor_id, edition, stage``).
    groups : Series
        A group per exhibitor (index ``exhibitor_id``), e.g. ``pd.qcut(sat,
        3, labels=["low", "mid", "high"])``.  Exhibitors without a group
        (absent or NaN) are left out and counted in ``meta["dropped"]``.
    confidence : float, default 0.95
        Level of Cramér's V intervals.

    Returns
    -------
    StratifiedTransitions

    Notes
    -----
    *Chosen over a multinomial logit* of the next state on satisfaction:
    satisfaction is measured once per exhibitor (the survey edition), the
    stratified matrices are the same objects the lesson draws, and the test
    assumes no functional form.  For each origin stage *i*, Pearson's
    chi-square test of independence of destination and group on the
    ``groups × destinations`` table of moves (:func:`crm_lab.stats.chi_square`,
    destinations never reached dropped); the overall test of equal chains is
    the sum of the per-stage statistics and degrees of freedom — the
    likelihood-ratio's Pearson analogue of Anderson & Goodman's (1957)
    homogeneity test of several chains.  A stage whose moves fall in a single
    group or destination is not tested (NaN).

    References
    ----------
    Anderson, T. W., & Goodman, L. A. (1957). Statistical inference about
    Markov chains. *The Annals of Mathematical Statistics*, 28(1), 89–110.
    """
    confidence = check_confidence(confidence, error=LifecycleError)
    if not isinstance(groups, pd.Series):
        raise LifecycleError(f"transitions_by: 'groups' must be a pandas Series indexed by exhibitor_id "
                             f"(got {type(groups).__name__})")
    if not groups.index.is_unique:
        raise LifecycleError("transitions_by: 'groups' must have one value per exhibitor_id (its index repeats)")
    check_columns(participation, ["exhibitor_id", "edition", "stage"], what="participation", error=LifecycleError)
    label = participation["exhibitor_id"].map(groups)
    keep = label.notna().to_numpy()
    dropped = int(participation.loc[~keep, "exhibitor_id"].nunique())
    if not keep.any():
        raise LifecycleError("transitions_by: no exhibitor of the panel has a group in 'groups' (index must be exhibitor_id)")
    part = participation.loc[keep]
    cats = pd.Categorical(label[keep])
    order = list(cats.categories)
    if len(order) < 2:
        raise LifecycleError(f"transitions_by: 'groups' needs at least 2 groups among the panel's exhibitors (got {order})")
    matrices, count_frames = {}, []
    k, m = len(STAGES), len(STATES)
    counts = np.zeros((len(order), k, m))
    for g, name in enumerate(order):
        sub = part.loc[np.asarray(cats.codes == g)]
        if len(sub) == 0:
            continue
        mv = _transitions(sub)
        counts[g] = np.bincount(mv["from"] * m + mv["to"], minlength=k * m).reshape(k, m)
        matrices[name] = _frame(_full_chain(_normalise_rows(counts[g])), STATES, STATES)
        frame = _frame(counts[g].astype(np.int64), STAGES, STATES)
        count_frames.append(frame.assign(group=name).set_index("group", append=True).reorder_levels(["group", "from"]))
    rows = []
    total_stat, total_df, total_n = 0.0, 0, 0
    for i in range(len(STAGES)):
        tab = counts[:, i, :]
        tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
        n = int(tab.sum())
        if min(tab.shape) < 2:
            rows.append({"statistic": np.nan, "df": np.nan, "p_value": np.nan, "n": n})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # small expected counts: noted in meta instead
            res = chi_square(tab, confidence=confidence)
        rows.append({"estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high, "statistic": res.statistic,
                     "df": res.df, "p_value": res.p_value, "n": n, "expected_below_5": res.extra["expected_below_5"]})
        total_stat += res.statistic
        total_df += int(res.df)
        total_n += n
    rows.append({"statistic": total_stat if total_df else np.nan, "df": total_df if total_df else np.nan,
                 "p_value": float(sps.chi2.sf(total_stat, total_df)) if total_df else np.nan, "n": total_n})
    table = tidy_table(pd.DataFrame(rows), index=[*STAGES, "all"], name="from", extras=["n", "expected_below_5"])
    return StratifiedTransitions(
        table=table, matrices=matrices, counts=pd.concat(count_frames),
        meta={"n": total_n, "confidence": confidence, "groups": order, "dropped": dropped,
              "group_name": groups.name or "group",
              "method": "Pearson chi-square of destination x group per origin stage; overall: sum of X2 and df",
              "citation": _MARKOV_CITATION},
    )


# ==========================================================================
# What a chain implies
# ==========================================================================
def _chain(P: Any, name: str = "P") -> tuple[np.ndarray, list]:
    """A square row-stochastic matrix and its state labels."""
    labels = None
    if isinstance(P, pd.DataFrame):
        labels = list(P.index)
        if list(P.columns) != labels:
            raise LifecycleError(f"{name!r} must have the same states as rows and columns "
                                 f"(rows {labels}, columns {list(P.columns)})")
    try:
        arr = np.asarray(P, dtype=float)
    except (TypeError, ValueError):
        flat = np.asarray(P, dtype=object).ravel()
        odd = [v for v in flat if not isinstance(v, (int, float, np.number)) or isinstance(v, bool)][:3]
        raise LifecycleError(f"{name!r} must be a square matrix of probabilities (numbers); it holds "
                             f"{', '.join(repr(v) for v in odd) or 'rows of different lengths'}") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise LifecycleError(f"{name!r} must be a square matrix (got shape {arr.shape})")
    problems = []
    if not np.isfinite(arr).all():
        problems.append("holds NaN or infinite values")
    elif (arr < -1e-12).any() or (arr > 1 + 1e-12).any():
        problems.append("must hold probabilities in [0, 1]")
    else:
        sums = arr.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1) > 1e-8)
        if bad.size:
            where = [labels[i] if labels else i for i in bad[:5]]
            problems.append(f"rows must sum to 1 (rows {where} sum to {np.round(sums[bad[:5]], 6).tolist()})")
    if problems:
        raise LifecycleError(f"{name!r} " + "; ".join(problems))
    return np.clip(arr, 0, 1), labels if labels is not None else list(range(arr.shape[0]))


def _closed_classes(P: np.ndarray) -> list[np.ndarray]:
    _, lab = connected_components(P > 0, directed=True, connection="strong")
    closed = []
    for c in np.unique(lab):
        members = np.flatnonzero(lab == c)
        outside = np.setdiff1d(np.arange(P.shape[0]), members)
        if not (P[np.ix_(members, outside)] > 0).any():
            closed.append(members)
    return closed


def stationary(P: Any) -> pd.Series:
    """The long-run distribution over the states of a chain.

    Parameters
    ----------
    P : DataFrame or 2-D array
        A row-stochastic matrix (rows: from; columns: to).

    Returns
    -------
    Series
        * a chain with **one closed class** and no absorbing state among
          transient ones (e.g. the matrix of those who came back): the unique
          stationary distribution π = πP, 0 on transient states; named
          ``"stationary"``;
        * an **absorbing chain** (one absorbing state, such as ``ended``,
          reached from every other state): its stationary distribution is
          all mass on the absorbing state, which says nothing.  The Series is
          then the **quasi-stationary distribution** over the transient
          states — the long-run mix of stages among those still in the
          relationship, the normalised left eigenvector of the transient
          block Q for its largest eigenvalue ρ — named
          ``"quasi_stationary"``; ``attrs["survival"]`` holds ρ, the share of
          that population still there one edition later.

    Raises
    ------
    LifecycleError
        When the chain has several closed classes (no unique long-run
        distribution: it depends on the start).

    Notes
    -----
    Tested against the Land of Oz chain of Kemeny, Snell & Thompson (1974)
    (Grinstead & Snell 1997, Example 11.1: π = (2/5, 1/5, 2/5)) and a
    hand-solved quasi-stationary distribution.

    References
    ----------
    Kemeny, J. G., & Snell, J. L. (1960). *Finite Markov Chains*. Princeton,
    NJ: Van Nostrand.

    Darroch, J. N., & Seneta, E. (1965). On quasi-stationary distributions in
    absorbing discrete-time finite Markov chains. *Journal of Applied
    Probability*, 2(1), 88–100.

    Examples
    --------
    >>> oz = [[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]]
    >>> stationary(oz).round(3).tolist()
    [0.4, 0.2, 0.4]
    """
    arr, labels = _chain(P)
    closed = _closed_classes(arr)
    k = arr.shape[0]
    if len(closed) == 1 and not (closed[0].size == 1 and k > 1):
        c = closed[0]
        sub = arr[np.ix_(c, c)]
        a = np.vstack([sub.T - np.eye(c.size), np.ones(c.size)])
        b = np.r_[np.zeros(c.size), 1.0]
        pi_c = np.linalg.lstsq(a, b, rcond=None)[0]
        pi = np.zeros(k)
        pi[c] = np.clip(pi_c, 0, None)
        return pd.Series(pi / pi.sum(), index=labels, name="stationary")
    if len(closed) == 1:
        absorbing = closed[0]
        transient = np.setdiff1d(np.arange(k), absorbing)
        Q = arr[np.ix_(transient, transient)]
        values, vectors = np.linalg.eig(Q.T)
        j = int(np.argmax(values.real))
        v = np.abs(vectors[:, j].real)
        out = pd.Series(v / v.sum(), index=[labels[i] for i in transient], name="quasi_stationary")
        out.attrs["survival"] = float(values[j].real)
        return out
    names = [[labels[i] for i in c] for c in closed]
    raise LifecycleError(f"stationary: the chain has {len(closed)} closed classes {names}; its long-run distribution "
                         "depends on the starting state (no unique stationary distribution)")


@dataclass(frozen=True)
class AbsorptionTimes(Result):
    """Time to absorption of an absorbing chain (from :func:`absorption_times`).

    Attributes
    ----------
    table : DataFrame
        One row per transient state: ``estimate`` = expected steps before
        absorption (editions still to come, counting the current one), extras
        ``variance`` and ``sd`` of that number of steps.
    fundamental : DataFrame
        N = (I − Q)⁻¹: the expected number of visits to each transient state
        (columns), counting the start, from each transient state (rows).
    absorption : DataFrame
        B = N R: the probability of ending in each absorbing state.
    meta : dict
    """

    table: pd.DataFrame
    fundamental: pd.DataFrame
    absorption: pd.DataFrame
    meta: dict

    _dict_fields = ("fundamental", "absorption")

    @property
    def title(self) -> str:
        return "Time to absorption (fundamental matrix)"

    def _summary_lines(self, decimals: int) -> list[str]:
        return ["Expected visits N = (I - Q)^-1 (rows: from; columns: state visited):",
                self.fundamental.round(decimals).to_string(), ""]

    def __repr__(self) -> str:
        return f"AbsorptionTimes(transient={list(self.table.index)})"


def absorption_times(P: Any) -> AbsorptionTimes:
    """Expected visits, and the mean and variance of the time to absorption, of an absorbing chain.

    Parameters
    ----------
    P : DataFrame or 2-D array
        A row-stochastic matrix with at least one absorbing state
        (:math:`P_{jj} = 1`; ``ended`` in :attr:`TransitionMatrix.matrix`),
        reachable from every other state.

    Returns
    -------
    AbsorptionTimes

    Notes
    -----
    With the transient block Q and the transient-to-absorbing block R, the
    fundamental matrix :math:`N = (I - Q)^{-1}` holds the expected visits to
    each transient state; the expected time to absorption is
    :math:`t = N\\mathbf 1`, its variance :math:`(2N - I)t - t_{sq}`
    (:math:`t_{sq}` the element-wise square), and the absorption
    probabilities :math:`B = NR` (Kemeny & Snell 1960, Theorems 3.2.4,
    3.3.5 and 3.3.7).  Tested against the drunkard's walk of Grinstead &
    Snell (1997, §11.2, Examples 11.13–11.15: N, t = (3, 4, 3) and B) and
    against the moments of the exact distribution of the absorption time.

    References
    ----------
    Kemeny, J. G., & Snell, J. L. (1960). *Finite Markov Chains*. Princeton,
    NJ: Van Nostrand.

    Grinstead, C. M., & Snell, J. L. (1997). *Introduction to Probability*
    (2nd rev. ed.), §11.2. Providence, RI: American Mathematical Society.

    Examples
    --------
    >>> walk = np.array([[1, 0, 0, 0, 0], [.5, 0, .5, 0, 0], [0, .5, 0, .5, 0],
    ...                  [0, 0, .5, 0, .5], [0, 0, 0, 0, 1]])
    >>> absorption_times(walk).table["estimate"].tolist()
    [3.0, 4.0, 3.0]
    """
    arr, labels = _chain(P)
    k = arr.shape[0]
    absorbing = np.flatnonzero(np.isclose(np.diag(arr), 1.0))
    if absorbing.size == 0:
        raise LifecycleError("absorption_times: 'P' has no absorbing state (P[j, j] = 1); for a chain that never "
                             "ends use stationary(P)")
    transient = np.setdiff1d(np.arange(k), absorbing)
    if transient.size == 0:
        raise LifecycleError("absorption_times: every state of 'P' is absorbing; there is nothing to wait for")
    Q = arr[np.ix_(transient, transient)]
    R = arr[np.ix_(transient, absorbing)]
    closed = [c for c in _closed_classes(arr) if not np.isin(c, absorbing).all()]
    if closed:
        names = [[labels[i] for i in c] for c in closed]
        raise LifecycleError(f"absorption_times: the states {names} are never left for an absorbing state "
                             "(I - Q is singular); the time to absorption is infinite")
    N = np.linalg.inv(np.eye(transient.size) - Q)
    t = N.sum(axis=1)
    var = (2 * N - np.eye(transient.size)) @ t - t**2
    tl, al = [labels[i] for i in transient], [labels[i] for i in absorbing]
    table = tidy_table({"estimate": t, "variance": var, "sd": np.sqrt(np.maximum(var, 0))}, index=tl, name="from",
                       extras=["variance", "sd"])
    return AbsorptionTimes(
        table=table,
        fundamental=_frame(N, tl, tl),
        absorption=_frame(N @ R, tl, al),
        meta={"n": int(transient.size), "confidence": None, "absorbing": al,
              "method": "fundamental matrix N = (I - Q)^-1; t = N 1; Var = (2N - I)t - t_sq; B = N R",
              "citation": _KS_CITATION},
    )


def markov_clv(P: Any, R: Any, discount: float) -> pd.Series:
    """Expected discounted value per starting state of a customer-migration chain.

    Parameters
    ----------
    P : DataFrame or 2-D array
        Row-stochastic transition matrix per period, usually with an
        absorbing state (``ended``) whose reward is 0.
    R : Series, dict or 1-D array
        Reward (margin) received in each state in a period, e.g. CNY per
        edition by stage; a Series or dict is aligned on P's states.
    discount : float
        Discount rate per period, d >= 0 (0 needs an absorbing chain whose
        absorbing states have reward 0).

    Returns
    -------
    Series
        V, the expected present value of the rewards from now on (the current
        period's reward undiscounted), per starting state; named ``"value"``.

    Notes
    -----
    Pfeifer & Carraway (2000, eq. 3):
    :math:`V = \\sum_{t \\ge 0} [(1 + d)^{-1} P]^t R = (I - P/(1 + d))^{-1} R`.
    With d = 0 the system is solved on the transient states, absorbing ones
    worth 0.  Tested against the retention model's closed form: a customer
    retained with probability r and margin m each period is worth
    :math:`m(1 + d)/(1 + d - r)` (Gupta & Lehmann 2003), and against a
    hand-solved three-state chain.

    References
    ----------
    Pfeifer, P. E., & Carraway, R. L. (2000). Modeling customer relationships
    as Markov chains. *Journal of Interactive Marketing*, 14(2), 43–55.

    Gupta, S., & Lehmann, D. R. (2003). Customers as assets. *Journal of
    Interactive Marketing*, 17(1), 9–24.

    Examples
    --------
    >>> P = [[0.8, 0.2], [0.0, 1.0]]  # retained with probability 0.8, or ended
    >>> markov_clv(P, [100.0, 0.0], 0.1).round(2).tolist()  # 100 * 1.1 / 0.3
    [366.67, 0.0]
    """
    arr, labels = _chain(P)
    d = check_number(discount, "discount", low=0, error=LifecycleError)
    if isinstance(R, (pd.Series, Mapping)):
        series = pd.Series(R, dtype=float) if isinstance(R, Mapping) else R.astype(float)
        missing = [s for s in labels if s not in series.index]
        if missing:
            raise LifecycleError(f"markov_clv: 'R' has no reward for states {missing} (it has {list(series.index)})")
        r = series.reindex(labels).to_numpy(dtype=float)
    else:
        r = np.asarray(R, dtype=float)
    if r.shape != (arr.shape[0],) or not np.isfinite(r).all():
        raise LifecycleError(f"markov_clv: 'R' must hold one finite reward per state ({arr.shape[0]}; got shape {r.shape})")
    if d > 0:
        v = np.linalg.solve(np.eye(arr.shape[0]) - arr / (1 + d), r)
    else:
        absorbing = np.flatnonzero(np.isclose(np.diag(arr), 1.0))
        if absorbing.size == 0 or np.any(r[absorbing] != 0):
            raise LifecycleError("markov_clv: with discount = 0 the value is finite only for an absorbing chain whose "
                                 "absorbing states have reward 0; give a positive discount")
        transient = np.setdiff1d(np.arange(arr.shape[0]), absorbing)
        try:
            vt = np.linalg.solve(np.eye(transient.size) - arr[np.ix_(transient, transient)], r[transient])
        except np.linalg.LinAlgError:
            raise LifecycleError("markov_clv: some states never reach an absorbing state; with discount = 0 their "
                                 "value is infinite") from None
        v = np.zeros(arr.shape[0])
        v[transient] = vt
    return pd.Series(v, index=labels, name="value")


# ==========================================================================
# Survival of cohorts
# ==========================================================================
def _runs(participation: pd.DataFrame) -> pd.DataFrame:
    """Per exhibitor: first edition, editions exhibited in a row from it, and whether the run ended."""
    _check_panel(participation)
    ex, _ = pd.factorize(participation["exhibitor_id"])
    ed = pd.to_numeric(participation["edition"], errors="coerce").to_numpy()
    took = pd.to_numeric(participation["participated"], errors="coerce").to_numpy()
    bad = np.isnan(ed) | ~np.isin(took, [0, 1])
    if bad.any():
        raise LifecycleError(f"participation: 'edition' must be a number and 'participated' 0 or 1; rows "
                             f"{rows_text(participation.index[bad])} are not")
    ids = participation["exhibitor_id"].to_numpy()
    order = np.lexsort((ed, ex))
    ex, ed, took, ids = ex[order], ed[order].astype(np.int64), took[order].astype(np.int64), ids[order]
    start = np.r_[True, ex[1:] != ex[:-1]]
    grp_first = np.flatnonzero(start)
    first = ed[grp_first]
    if (took[grp_first] != 1).any():
        lost = ids[grp_first][took[grp_first] != 1][:5].tolist()
        raise LifecycleError(f"participation: each exhibitor's first row must be an edition it exhibited at "
                             f"(participated = 1); not so for {lost}")
    # the run: rows from the first on, with no 0 and no skipped edition since the first
    brk = np.r_[False, (took[1:] == 0) | (ed[1:] != ed[:-1] + 1)] & ~start
    broken = np.cumsum(brk)
    base = np.maximum.accumulate(np.where(start, broken, 0))
    in_run = (broken == base) & (took == 1)
    length = np.bincount(ex, weights=in_run, minlength=ex.max() + 1).astype(np.int64)
    last_ed = np.zeros(ex.max() + 1, dtype=np.int64)
    np.maximum.at(last_ed, ex, ed)
    ex_first = np.zeros(ex.max() + 1, dtype=np.int64)
    ex_first[ex[grp_first]] = first
    ended = (ex_first + length - 1) < last_ed
    return pd.DataFrame({"exhibitor_id": ids[grp_first], "first_edition": first, "editions": length[ex[grp_first]],
                         "ended": ended[ex[grp_first]].astype(np.int64)})


def cohort_survivors(participation: pd.DataFrame) -> pd.DataFrame:
    """How many of each first-edition cohort are still exhibiting, edition after edition.

    Parameters
    ----------
    participation : DataFrame
        The participation panel (``exhibitor_id, edition, participated``),
        each exhibitor's rows from its first edition on.

    Returns
    -------
    DataFrame
        Index ``first_edition`` (the cohort), columns ``0, 1, 2, ...``
        (editions since the first): the number still exhibiting in an unbroken
        run; column 0 is the cohort size.  Cells after the last edition
        observed are NaN.  Each row is the ``survivors`` input of
        :func:`fit_sbg` (drop the NaN).

    Examples
    --------
    >>> panel = pd.DataFrame({"exhibitor_id": list("aabb"), "edition": [1, 2, 1, 2], "participated": [1, 1, 1, 0]})
    >>> cohort_survivors(panel).values.tolist()
    [[2.0, 1.0]]
    """
    runs = _runs(participation)
    last = int(pd.to_numeric(participation["edition"]).max())
    horizon = last - int(runs["first_edition"].min()) + 1
    rows = {}
    for first, grp in runs.groupby("first_edition"):
        span = last - int(first) + 1
        alive = (grp["editions"].to_numpy()[:, None] > np.arange(span)[None, :]).sum(axis=0).astype(float)
        rows[int(first)] = np.r_[alive, np.full(horizon - span, np.nan)]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=range(horizon))
    out.index.name = "first_edition"
    return out


@dataclass(frozen=True)
class KaplanMeier(Result):
    """Kaplan–Meier survival of exhibitor cohorts with a log-rank test (from :func:`kaplan_meier`).

    Attributes
    ----------
    table : DataFrame
        One row per cohort (first edition) with ``estimate`` = the survival
        after ``meta["horizon"]`` editions, its Greenwood ``se`` and
        log(−log) interval, extras ``n`` (cohort size) and ``events``; a last
        row ``log-rank`` with ``statistic`` (χ²), ``df``, ``p_value``.
    curves : DataFrame
        ``cohort, editions, survival, se, ci_low, ci_high, at_risk,
        events``: the step function at each number of editions exhibited,
        0 (entry, survival 1) to the longest observed; ``at_risk`` counts
        those who exhibited at least that many editions.
    durations : DataFrame
        Per exhibitor: ``exhibitor_id, first_edition, editions`` (exhibited
        in an unbroken run), ``ended`` (1 = did not come back, 0 = still
        exhibiting at the last edition: censored).
    meta : dict
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    durations: pd.DataFrame = field(repr=False)
    meta: dict

    _dict_fields = ("curves",)

    @property
    def title(self) -> str:
        return "Kaplan-Meier survival by first edition"

    def __repr__(self) -> str:
        return f"KaplanMeier(cohorts={len(self.table) - 1}, n={self.meta['n']})"


def _km_curve(time: np.ndarray, event: np.ndarray, z: float) -> pd.DataFrame:
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(time.astype(float), event.astype(float))
    s, se = np.asarray(sf.surv_prob), np.asarray(sf.surv_prob_se)
    with np.errstate(divide="ignore", invalid="ignore"):
        # lifelines' exponential Greenwood interval: log(-log S) ± z se / |log S|
        se_ll = (se / s) / np.abs(np.log(s))
        low = np.where((s > 0) & (s < 1), s ** np.exp(z * se_ll), np.where(s >= 1, 1.0, 0.0))
        high = np.where((s > 0) & (s < 1), s ** np.exp(-z * se_ll), np.where(s >= 1, 1.0, 0.0))
    # one row per number of editions 0..longest (event and censoring times alike, as lifelines' timeline)
    steps = np.arange(int(time.max()) + 1)
    pos = np.searchsorted(np.asarray(sf.surv_times), steps, side="right") - 1
    take = lambda v, first: np.where(pos >= 0, np.asarray(v)[np.maximum(pos, 0)], first)  # noqa: E731
    return pd.DataFrame({"editions": steps, "survival": take(s, 1.0), "se": take(se, 0.0),
                         "ci_low": take(low, 1.0), "ci_high": take(high, 1.0),
                         "at_risk": (time[None, :] >= steps[:, None]).sum(axis=1),
                         "events": ((time[None, :] == steps[:, None]) & (event[None, :] == 1)).sum(axis=1)})


def kaplan_meier(participation: pd.DataFrame, *, horizon: int | None = None, confidence: float = 0.95) -> KaplanMeier:
    """Kaplan–Meier curves of exhibitor survival by first-edition cohort, with a log-rank test.

    Parameters
    ----------
    participation : DataFrame
        The participation panel (``exhibitor_id, edition, participated``).
    horizon : int, optional
        Editions at which ``table`` reads each cohort's survival (default 1:
        the share that came back after its first edition).
    confidence : float, default 0.95
        Level of the pointwise intervals.

    Returns
    -------
    KaplanMeier

    Notes
    -----
    An exhibitor's duration is the number of editions it exhibited in an
    unbroken run from its first edition; the run *ended* (the event) when it
    skipped an edition, and is *censored* when it was still exhibiting at
    the panel's last edition.  The curve is
    :math:`\\hat S(t) = \\prod_{t_j \\le t} (1 - d_j / n_j)`
    (statsmodels' ``SurvfuncRight``), its standard error Greenwood's, and
    the pointwise interval the log(−log) ("exponential Greenwood") one that
    lifelines reports, :math:`\\hat S^{\\exp(\\pm z\\,\\widehat{se} / |\\log \\hat S|)}`
    with :math:`\\widehat{se}` Greenwood's relative SE.  The log-rank test
    (Mantel 1966) of equal survival across cohorts is statsmodels'
    ``survdiff``, df = cohorts − 1.  Tested against lifelines 0.30.0 (curve,
    interval, log-rank statistic) on a fixed panel.  Cohorts entered later
    are observed for fewer editions: compare them where both are observed
    (``estimate`` is NaN for a cohort that could not yet reach *horizon*);
    a cohort entered at the last edition could not come back yet and is left
    out (``meta["unobserved_cohorts"]``).

    References
    ----------
    Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from
    incomplete observations. *JASA*, 53(282), 457–481.

    Mantel, N. (1966). Evaluation of survival data and two new rank order
    statistics arising in its consideration. *Cancer Chemotherapy Reports*,
    50(3), 163–170.

    Kalbfleisch, J. D., & Prentice, R. L. (2002). *The Statistical Analysis
    of Failure Time Data* (2nd ed.). Hoboken, NJ: Wiley.
    """
    from statsmodels.duration.survfunc import survdiff

    problems: list[str] = []
    confidence = check_confidence(confidence, error=LifecycleError, problems=problems)
    if horizon is not None:
        horizon = check_integer(horizon, "horizon", low=1, error=LifecycleError, problems=problems)
    raise_problems(problems, what="kaplan_meier", error=LifecycleError)
    horizon = 1 if horizon is None else horizon
    runs = _runs(participation)
    last = int(pd.to_numeric(participation["edition"]).max())
    unobserved = sorted(int(c) for c in runs.loc[runs["first_edition"] >= last, "first_edition"].unique())
    runs = runs[runs["first_edition"] < last].reset_index(drop=True)
    if runs.empty:
        raise LifecycleError("kaplan_meier: every exhibitor entered at the last edition; nobody could come back yet")
    z = float(sps.norm.ppf((1 + confidence) / 2))
    curves, rows = [], []
    for cohort, grp in runs.groupby("first_edition"):
        curve = _km_curve(grp["editions"].to_numpy(), grp["ended"].to_numpy(), z).assign(cohort=int(cohort))
        curves.append(curve)
        at = curve[curve["editions"] <= horizon].iloc[-1]
        observed = int(cohort) + horizon <= last  # the cohort could have exhibited horizon + 1 editions
        rows.append({"estimate": at["survival"] if observed else np.nan, "se": at["se"] if observed else np.nan,
                     "ci_low": at["ci_low"] if observed else np.nan, "ci_high": at["ci_high"] if observed else np.nan,
                     "n": len(grp), "events": int(grp["ended"].sum())})
    cohorts = [int(c) for c in runs["first_edition"].unique()]
    cohorts.sort()
    if len(cohorts) >= 2:
        stat, p = survdiff(runs["editions"].to_numpy(float), runs["ended"].to_numpy(float), runs["first_edition"].to_numpy())
        rows.append({"statistic": float(stat), "df": len(cohorts) - 1, "p_value": float(p), "n": len(runs),
                     "events": int(runs["ended"].sum())})
    else:
        rows.append({"n": len(runs), "events": int(runs["ended"].sum())})
    table = tidy_table(pd.DataFrame(rows), index=[*cohorts, "log-rank"], name="cohort", extras=["n", "events"])
    curves_df = pd.concat(curves, ignore_index=True)[["cohort", "editions", "survival", "se", "ci_low", "ci_high",
                                                       "at_risk", "events"]]
    return KaplanMeier(
        table=table, curves=curves_df, durations=runs,
        meta={"n": int(len(runs)), "confidence": confidence, "horizon": horizon, "last_edition": last,
              "unobserved_cohorts": unobserved,
              "method": "Kaplan-Meier (statsmodels SurvfuncRight), Greenwood SE, log(-log) pointwise interval; "
                        "log-rank test (statsmodels survdiff)",
              "citation": _KM_CITATION},
    )


# ==========================================================================
# Maximum likelihood, shared by the two fitters
# ==========================================================================
def _maximise(negloglik: Callable[[np.ndarray], float], start: np.ndarray, names: tuple[str, ...],
              what: str) -> tuple[np.ndarray, np.ndarray, float, Any]:
    """Minimise a negative log-likelihood over log-parameters; the estimates, their covariance and the LL.

    L-BFGS-B on the log-parameters, each bounded to [1e-4, 1e4]; the
    covariance is the inverse of the numerical Hessian (statsmodels'
    ``approx_hess3``) of the negative log-likelihood in the natural
    parameters.  Failure to converge, an estimate on a bound or a Hessian
    that is not positive definite raise :class:`LifecycleError`.
    """
    from statsmodels.tools.numdiff import approx_hess3

    def objective(logp: np.ndarray) -> float:
        value = negloglik(np.exp(logp))
        return value if np.isfinite(value) else 1e300

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    res = optimize.minimize(objective, np.log(start), method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
    if not res.success and not _stationary(res):
        # a line search that stalls on finite-difference noise near the optimum: restart once from there
        res = optimize.minimize(objective, res.x, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
    if not res.success and not _stationary(res):
        raise LifecycleError(f"{what}: the maximum-likelihood optimiser did not converge ({res.message}); "
                             "check the data (enough customers, some who churn and some who stay)")
    at_bound = [n for n, lp in zip(names, res.x) if abs(abs(lp) - _LOG_BOUND) < 1e-3]
    if at_bound:
        raise LifecycleError(f"{what}: the estimate of {', '.join(at_bound)} ran to its bound (1e-4 or 1e4): the data "
                             "carry no information on it (e.g. no heterogeneity, or no churn); the model does not fit")
    theta = np.exp(res.x)
    hess = approx_hess3(theta, negloglik)
    try:
        cov = np.linalg.inv(hess)
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise LifecycleError(f"{what}: the Hessian at the estimate is not positive definite (a flat or boundary "
                             "optimum); no standard errors") from None
    return theta, cov, float(-res.fun), res


def _stationary(res: Any) -> bool:
    """An L-BFGS-B stop whose gradient is at the level of finite-difference noise: the optimum, reached.

    L-BFGS-B reports ``ABNORMAL`` when its line search cannot decrease a
    function it already sits at the minimum of (the numerical gradient is
    then rounding noise); a gradient below 1e-6 · max(1, |f|) on the
    log-parameters is accepted as converged.
    """
    jac = np.asarray(getattr(res, "jac", np.nan), dtype=float)
    return bool(np.isfinite(res.fun) and np.all(np.isfinite(jac))
                and np.max(np.abs(jac)) <= 1e-6 * max(1.0, abs(float(res.fun))))


def _param_table(names, theta, cov, confidence) -> pd.DataFrame:
    se = np.sqrt(np.diag(cov))
    z = float(sps.norm.ppf((1 + confidence) / 2))
    # interval on the log scale (the parameters are positive): theta * exp(± z se / theta)
    return tidy_table({"estimate": theta, "se": se, "ci_low": theta * np.exp(-z * se / theta),
                       "ci_high": theta * np.exp(z * se / theta)}, index=names, name="parameter")


def _whole_numbers(values: Any, name: str, *, what: str, problems: list[str], low: float = 0) -> np.ndarray:
    """A 1-D array of whole numbers >= low; problems named by position (or Series label)."""
    index = values.index if isinstance(values, pd.Series) else None
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        problems.append(f"{name!r} must be numbers (got {type(values).__name__})")
        return np.array([])
    if arr.ndim != 1:
        problems.append(f"{name!r} must be one-dimensional (got shape {arr.shape})")
        return np.array([])
    label = (lambda i: index[i]) if index is not None else (lambda i: i)
    bad = ~np.isfinite(arr)
    if bad.any():
        problems.append(f"{name!r} has missing or infinite values at {rows_text([label(i) for i in np.flatnonzero(bad)])}")
        return arr
    frac = arr != np.round(arr)
    if frac.any():
        where = np.flatnonzero(frac)
        problems.append(f"{name!r} must hold whole counts: {rows_text([f'{label(i)} ({arr[i]:g})' for i in where])} are not")
    neg = arr < low
    if neg.any():
        where = np.flatnonzero(neg)
        problems.append(f"{name!r} must be >= {low:g}: {rows_text([f'{label(i)} ({arr[i]:g})' for i in where])}")
    return arr


# ==========================================================================
# shifted-beta-geometric
# ==========================================================================
def _sbg_check(survivors: Any) -> np.ndarray:
    problems: list[str] = []
    s = _whole_numbers(survivors, "survivors", what="fit_sbg", problems=problems)
    raise_problems(problems, what="fit_sbg", error=LifecycleError)
    if s.size < 2:
        raise LifecycleError(f"fit_sbg: 'survivors' needs the cohort size and at least one later count (got {s.size} values)")
    if s[0] <= 0:
        raise LifecycleError(f"fit_sbg: the first count of 'survivors' is the cohort size and must be > 0 (got {s[0]:g})")
    labels = list(survivors.index) if isinstance(survivors, pd.Series) else list(range(s.size))
    rises = np.flatnonzero(np.diff(s) > 0)
    if rises.size:
        shown = "; ".join(f"{s[i]:g} at period {labels[i]} -> {s[i + 1]:g} at period {labels[i + 1]}" for i in rises[:5])
        raise LifecycleError(f"fit_sbg: 'survivors' counts the customers still alive and can never rise: {shown}")
    if s[-1] == s[0]:
        raise LifecycleError("fit_sbg: 'survivors' never falls: no churn, nothing to fit")
    return s


def _sbg_logpmf(alpha, beta, t):
    """log P(T = t), t = 1, 2, ...: B(α + 1, β + t − 1) / B(α, β)."""
    return sp.betaln(alpha + 1, beta + t - 1) - sp.betaln(alpha, beta)


def _sbg_logsurv(alpha, beta, t):
    """log S(t) = log P(T > t) = log B(α, β + t) − log B(α, β)."""
    return sp.betaln(alpha, beta + t) - sp.betaln(alpha, beta)


class ShiftedBetaGeometricFitter(Result):
    """The shifted-beta-geometric (sBG) model of contract renewals (Fader & Hardie 2007).

    Each customer of a cohort has a churn probability θ per period, θ ~
    Beta(α, β) across customers; the period of churn T is geometric,
    :math:`P(T = t \\mid \\theta) = \\theta (1 - \\theta)^{t - 1}`.  Fit with
    :meth:`fit` (or :func:`fit_sbg`); fitted values end in ``_``.

    Attributes (after fit)
    ----------------------
    alpha_, beta_ : float
    params_ : Series
        ``alpha, beta``.
    standard_errors_ : Series
    variance_matrix_ : DataFrame
        Inverse Hessian of the negative log-likelihood.
    log_likelihood_ : float
    survivors_ : ndarray
        The counts fitted (period 0 = cohort size).
    n_ : int
        Cohort size.
    confidence : float
    """

    def __init__(self, confidence: float = 0.95):
        self.confidence = check_confidence(confidence, error=LifecycleError)

    # -- fit ----------------------------------------------------------------
    def fit(self, survivors: Any) -> ShiftedBetaGeometricFitter:
        """Maximum-likelihood fit to one cohort's survivor counts; returns the fitter.

        Parameters
        ----------
        survivors : 1-D array-like of whole numbers
            Customers still alive at periods 0, 1, ..., k; the first is the
            cohort size; never rising.
        """
        s = _sbg_check(survivors)
        lost = -np.diff(s)
        t = np.arange(1, s.size)
        alive = s[-1]

        def negll(p):
            a, b = p
            return -(np.sum(lost * _sbg_logpmf(a, b, t)) + alive * _sbg_logsurv(a, b, t[-1]))

        theta, cov, ll, res = _maximise(negll, np.array([1.0, 1.0]), ("alpha", "beta"), "fit_sbg")
        self.alpha_, self.beta_ = float(theta[0]), float(theta[1])
        self.params_ = pd.Series(theta, index=["alpha", "beta"], name="estimate")
        self.variance_matrix_ = pd.DataFrame(cov, index=self.params_.index, columns=self.params_.index)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=self.params_.index, name="se")
        self.log_likelihood_ = ll
        self.survivors_ = s
        self.n_ = int(s[0])
        self._iterations = int(res.nit)
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "alpha_"):
            raise LifecycleError("ShiftedBetaGeometricFitter: call fit(survivors) first")

    # -- the result protocol ------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """``alpha, beta``: estimate, Hessian SE and the interval exp(log θ ± z se/θ)."""
        self._fitted()
        return _param_table(["alpha", "beta"], self.params_.to_numpy(), self.variance_matrix_.to_numpy(), self.confidence)

    @property
    def meta(self) -> dict:
        self._fitted()
        return {"n": self.n_, "confidence": self.confidence, "log_likelihood": self.log_likelihood_,
                "periods": int(self.survivors_.size - 1), "iterations": self._iterations,
                "method": "maximum likelihood (L-BFGS-B on log-parameters), SE from the numerical Hessian",
                "citation": _SBG_CITATION}

    @property
    def title(self) -> str:
        return "Shifted-beta-geometric retention model"

    def _summary_lines(self, decimals: int) -> list[str]:
        return [f"log-likelihood = {self.log_likelihood_:.{decimals}f}; mean churn probability "
                f"E[theta] = {self.alpha_ / (self.alpha_ + self.beta_):.{decimals}f}"]

    @property
    def summary_frame(self) -> pd.DataFrame:
        """lifelines' ``summary``: the parameter table."""
        return self.table

    def __repr__(self) -> str:
        if not hasattr(self, "alpha_"):
            return "ShiftedBetaGeometricFitter(unfitted)"
        return f"ShiftedBetaGeometricFitter(alpha={self.alpha_:.4g}, beta={self.beta_:.4g}, n={self.n_})"

    # -- predictions ----------------------------------------------------------------
    def survival(self, t: Any) -> np.ndarray:
        """S(t) = P(T > t) = B(α, β + t) / B(α, β): share of the cohort alive after t periods."""
        self._fitted()
        return np.exp(_sbg_logsurv(self.alpha_, self.beta_, np.asarray(t, dtype=float)))

    def retention(self, t: Any) -> np.ndarray:
        """r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1), t >= 1: it rises with t (heterogeneity)."""
        self._fitted()
        t = np.asarray(t, dtype=float)
        if np.any(t < 1):
            raise LifecycleError("retention: 't' must be >= 1 (the retention rate of period t)")
        return (self.beta_ + t - 1) / (self.alpha_ + self.beta_ + t - 1)

    def churn_probability(self, t: Any) -> np.ndarray:
        """P(T = t) = B(α + 1, β + t − 1) / B(α, β), t >= 1: share of the cohort lost in period t."""
        self._fitted()
        return np.exp(_sbg_logpmf(self.alpha_, self.beta_, np.asarray(t, dtype=float)))

    def predict_survivors(self, t: Any) -> np.ndarray:
        """Expected survivors after t periods: n · S(t) (a projection when t is beyond the data)."""
        return self.n_ * self.survival(t)

    def derl(self, discount: float, renewals: Any = 0) -> np.ndarray:
        """Discounted expected residual lifetime of a customer who has made ``renewals`` renewals.

        Parameters
        ----------
        discount : float
            Discount rate per period, d > 0.
        renewals : int or array of int, default 0
            Renewals made so far, n − 1 (0: a customer in her first period).

        Returns
        -------
        ndarray or float
            DERL, evaluated just before the n-th renewal decision: the
            expected discounted number of further periods,
            :math:`\\sum_{t \\ge n} S(t)/S(n-1)\\,(1+d)^{-(t-n)}`.  A
            customer's expected residual value is margin × DERL.

        Notes
        -----
        Fader & Hardie (2010, eq. 6):
        :math:`DERL(d \\mid \\alpha, \\beta, n - 1) = \\frac{\\beta + n - 1}{\\alpha + \\beta + n - 1}
        {}_2F_1(1, \\beta + n; \\alpha + \\beta + n; \\tfrac{1}{1 + d})`
        (scipy's ``hyp2f1``).  Tested against the direct sum.
        """
        self._fitted()
        d = check_number(discount, "discount", low=0, low_open=True, error=LifecycleError)
        n = np.asarray(renewals, dtype=float) + 1
        if np.any(n < 1) or np.any(n != np.round(n)):
            raise LifecycleError(f"derl: 'renewals' must be whole numbers >= 0 (got {renewals!r})")
        a, b = self.alpha_, self.beta_
        out = (b + n - 1) / (a + b + n - 1) * sp.hyp2f1(1.0, b + n, a + b + n, 1.0 / (1.0 + d))
        return float(out) if np.ndim(out) == 0 else out


def fit_sbg(survivors: Any, *, confidence: float = 0.95) -> ShiftedBetaGeometricFitter:
    """Fit the shifted-beta-geometric model to one cohort's survivor counts (Fader & Hardie 2007).

    Parameters
    ----------
    survivors : 1-D array-like of whole numbers
        Customers still alive at periods 0, 1, ..., k — the first is the
        cohort size; the counts never rise (e.g. a row of
        :func:`cohort_survivors`).
    confidence : float, default 0.95
        Level of the parameter intervals in ``table``.

    Returns
    -------
    ShiftedBetaGeometricFitter
        ``alpha_, beta_, standard_errors_, log_likelihood_``, and
        ``survival(t)``, ``retention(t)``, ``predict_survivors(t)``,
        ``derl(discount, renewals)``.

    Notes
    -----
    Log-likelihood of a cohort of n₀ with :math:`n_t` alive after period t,
    t = 1..k:

    .. math:: LL(\\alpha, \\beta) = \\sum_{t=1}^{k} (n_{t-1} - n_t) \\log P(T = t) + n_k \\log S(k),

    with :math:`P(T = t) = B(\\alpha + 1, \\beta + t - 1)/B(\\alpha, \\beta)` and
    :math:`S(t) = B(\\alpha, \\beta + t)/B(\\alpha, \\beta)`, computed with
    ``betaln``.  Tested against the values published in Fader & Hardie
    (2007): the "regular" (α = 0.704, β = 1.182) and "high end" (α = 0.668,
    β = 3.806) cohorts over years 0–7, and for parameter recovery on
    simulated cohorts (:func:`simulate_sbg`).

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2007). How to project customer
    retention. *Journal of Interactive Marketing*, 21(1), 76–90.

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007)
    >>> m = fit_sbg(regular)
    >>> round(m.alpha_, 3), round(m.beta_, 3)
    (0.704, 1.182)
    """
    return ShiftedBetaGeometricFitter(confidence=confidence).fit(survivors)


def simulate_sbg(alpha: float, beta: float, n_customers: int, n_periods: int, *, rng: Any = None) -> np.ndarray:
    """Survivor counts of one cohort simulated from the sBG model.

    Each of ``n_customers`` draws θ ~ Beta(α, β) and churns at period
    T ~ Geometric(θ) (T >= 1); returns the number with T > t for t = 0..n_periods.

    >>> int(simulate_sbg(1.0, 2.0, 500, 3, rng=1)[0])
    500
    """
    problems: list[str] = []
    alpha = check_number(alpha, "alpha", low=0, low_open=True, error=LifecycleError, problems=problems)
    beta = check_number(beta, "beta", low=0, low_open=True, error=LifecycleError, problems=problems)
    n_customers = check_integer(n_customers, "n_customers", low=1, error=LifecycleError, problems=problems)
    n_periods = check_integer(n_periods, "n_periods", low=1, error=LifecycleError, problems=problems)
    raise_problems(problems, what="simulate_sbg", error=LifecycleError)
    gen = np.random.default_rng(rng)
    theta = np.clip(gen.beta(alpha, beta, n_customers), 1e-12, 1.0)
    churn = gen.geometric(theta)
    return (churn[None, :] > np.arange(n_periods + 1)[:, None]).sum(axis=1).astype(np.int64)


# ==========================================================================
# beta-geometric / beta-Bernoulli
# ==========================================================================
def _bgbb_check(frequency, recency, n_periods, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
    problems: list[str] = []
    x = _whole_numbers(frequency, "frequency", what="fit_bgbb", problems=problems)
    tx = _whole_numbers(recency, "recency", what="fit_bgbb", problems=problems)
    n_in = np.full(x.shape, n_periods) if np.ndim(n_periods) == 0 else n_periods
    n = _whole_numbers(n_in, "n_periods", what="fit_bgbb", problems=problems, low=1)
    raise_problems(problems, what="fit_bgbb", error=LifecycleError)
    if not (x.size == tx.size == n.size) or x.size == 0:
        raise LifecycleError(f"fit_bgbb: 'frequency', 'recency' and 'n_periods' need the same non-zero length "
                             f"(got {x.size}, {tx.size}, {n.size})")
    index = list(frequency.index) if isinstance(frequency, pd.Series) else list(range(x.size))
    if weights is None:
        w = np.ones(x.size)
    else:
        w = numeric_values(weights, "weights", missing="keep", min_size=0, error=LifecycleError).to_numpy()
        if w.shape != x.shape:
            raise LifecycleError(f"fit_bgbb: 'weights' needs one value per row ({x.size}; got shape {w.shape})")
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            problems.append(f"'weights' must be > 0: rows {rows_text([f'{index[i]} ({w[i]:g})' for i in np.flatnonzero(bad)])}")
    for mask, text in (
        (x > tx, "'frequency' cannot exceed 'recency' (x transactions need at least x periods, the last at t_x)"),
        ((x == 0) & (tx != 0), "'recency' must be 0 when 'frequency' is 0"),
        (tx > n, "'recency' cannot exceed 'n_periods' (periods < recency)"),
    ):
        if mask.any():
            rows = [f"{index[i]} (x={x[i]:g}, t_x={tx[i]:g}, n={n[i]:g})" for i in np.flatnonzero(mask)]
            problems.append(f"{text}: rows {rows_text(rows)}")
    raise_problems(problems, what="fit_bgbb", error=LifecycleError)
    return x, tx, n, w, index


def _bgbb_terms(a, b, g, d, x, tx, n):
    """log of the likelihood's 'alive through n' term and the (rows, gaps) matrix of 'died after t_x + i' terms."""
    base = sp.betaln(a, b)
    gbase = sp.betaln(g, d)
    first = sp.betaln(a + x, b + n - x) - base + sp.betaln(g, d + n) - gbase
    gaps = (n - tx).astype(np.int64)
    width = int(gaps.max()) if gaps.size else 0
    i = np.arange(width)[None, :]
    mask = i < gaps[:, None]
    xi, txi = x[:, None], tx[:, None]
    terms = sp.betaln(a + xi, b + txi - xi + i) - base + sp.betaln(g + 1, d + txi + i) - gbase
    return first, np.where(mask, terms, -np.inf)


def _bgbb_loglik(a, b, g, d, x, tx, n) -> np.ndarray:
    first, terms = _bgbb_terms(a, b, g, d, x, tx, n)
    return sp.logsumexp(np.column_stack([first, terms]), axis=1)


def _alive_sum(g: float, d: float, start: Any, stop: Any) -> np.ndarray:
    """Σ_{t=start+1}^{stop} B(γ, δ + t)/B(γ, δ): expected opportunities alive in (start, stop]."""
    start, stop = np.asarray(start, dtype=float), np.asarray(stop, dtype=float)
    if abs(g - 1) < 1e-8:  # B(1, δ + t)/B(1, δ) = δ/(δ + t)
        return d * (sp.digamma(d + stop + 1) - sp.digamma(d + start + 1))
    c = sp.gammaln(g + d) - sp.gammaln(1 + d)
    at = lambda s: np.exp(c + sp.gammaln(1 + d + s) - sp.gammaln(g + d + s))  # noqa: E731
    return d / (g - 1) * (at(start) - at(stop))


class BetaGeoBetaBinomialFitter(Result):
    """The BG/BB model of discrete-time repeat attendance (Fader, Hardie & Shang 2010).

    While alive, a customer attends each opportunity with probability p, p ~
    Beta(α, β); at the start of each opportunity an alive customer dies with
    probability θ, θ ~ Beta(γ, δ).  Data per customer: ``frequency`` x
    (attendances after the first), ``recency`` t_x (the opportunity of the
    last one, 0 if none) and ``n_periods`` n (opportunities since the first).
    Fit with :meth:`fit` (or :func:`fit_bgbb`); fitted values end in ``_``.

    Attributes (after fit)
    ----------------------
    alpha_, beta_, gamma_, delta_ : float
    params_, standard_errors_ : Series
    variance_matrix_ : DataFrame
    log_likelihood_ : float
        Σ weights · log L.
    data_ : DataFrame
        The fitted rows (``frequency, recency, n_periods, weights``).
    n_ : float
        Number of customers (sum of the weights).
    """

    _names = ("alpha", "beta", "gamma", "delta")

    def __init__(self, confidence: float = 0.95):
        self.confidence = check_confidence(confidence, error=LifecycleError)

    def fit(self, frequency: Any, recency: Any, n_periods: Any, weights: Any = None) -> BetaGeoBetaBinomialFitter:
        """Maximum-likelihood fit; returns the fitter.  See :func:`fit_bgbb`."""
        x, tx, n, w, _ = _bgbb_check(frequency, recency, n_periods, weights)
        # identical rows are one pattern with summed weights: the fit costs the same for 1e3 or 1e7 customers
        keys, inverse = np.unique(np.column_stack([x, tx, n]), axis=0, return_inverse=True)
        wk = np.bincount(inverse.ravel(), weights=w, minlength=keys.shape[0])
        ux, utx, un = keys[:, 0], keys[:, 1], keys[:, 2]

        def negll(p):
            return -float(np.dot(wk, _bgbb_loglik(*p, ux, utx, un)))

        theta, cov, ll, res = _maximise(negll, np.ones(4), self._names, "fit_bgbb")
        self.alpha_, self.beta_, self.gamma_, self.delta_ = (float(v) for v in theta)
        self.params_ = pd.Series(theta, index=list(self._names), name="estimate")
        self.variance_matrix_ = pd.DataFrame(cov, index=self.params_.index, columns=self.params_.index)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=self.params_.index, name="se")
        self.log_likelihood_ = ll
        self.data_ = pd.DataFrame({"frequency": x.astype(np.int64), "recency": tx.astype(np.int64),
                                   "n_periods": n.astype(np.int64), "weights": w})
        self.n_ = float(w.sum())
        self._iterations = int(res.nit)
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "alpha_"):
            raise LifecycleError("BetaGeoBetaBinomialFitter: call fit(frequency, recency, n_periods) first")

    @property
    def table(self) -> pd.DataFrame:
        """``alpha, beta, gamma, delta``: estimate, Hessian SE and the interval exp(log θ ± z se/θ)."""
        self._fitted()
        return _param_table(list(self._names), self.params_.to_numpy(), self.variance_matrix_.to_numpy(), self.confidence)

    @property
    def meta(self) -> dict:
        self._fitted()
        n = int(self.n_) if float(self.n_).is_integer() else self.n_
        return {"n": n, "confidence": self.confidence, "log_likelihood": self.log_likelihood_,
                "rows": int(len(self.data_)), "iterations": self._iterations,
                "method": "maximum likelihood (L-BFGS-B on log-parameters), SE from the numerical Hessian",
                "citation": _BGBB_CITATION}

    @property
    def title(self) -> str:
        return "BG/BB model of repeat attendance"

    def _summary_lines(self, decimals: int) -> list[str]:
        a, b, g, d = self.params_
        return [f"log-likelihood = {self.log_likelihood_:.{decimals}f}; mean attendance probability "
                f"E[p] = {a / (a + b):.{decimals}f}; mean dropout probability E[theta] = {g / (g + d):.{decimals}f}"]

    @property
    def summary_frame(self) -> pd.DataFrame:
        """lifelines' ``summary``: the parameter table."""
        return self.table

    def __repr__(self) -> str:
        if not hasattr(self, "alpha_"):
            return "BetaGeoBetaBinomialFitter(unfitted)"
        return ("BetaGeoBetaBinomialFitter(" + ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
                + f", n={self.n_:g})")

    def _rows(self, frequency, recency, n_periods):
        if frequency is None and recency is None and n_periods is None:
            d = self.data_
            return d["frequency"].to_numpy(float), d["recency"].to_numpy(float), d["n_periods"].to_numpy(float)
        if frequency is None or recency is None or n_periods is None:
            raise LifecycleError("give 'frequency', 'recency' and 'n_periods' together (or none: the fitted data)")
        x, tx, n, _, _ = _bgbb_check(frequency, recency, n_periods, None)
        return x, tx, n

    def log_likelihood(self, frequency=None, recency=None, n_periods=None) -> np.ndarray:
        """log L of each customer's (x, t_x, n) at the fitted parameters."""
        self._fitted()
        return _bgbb_loglik(*self.params_.to_numpy(), *self._rows(frequency, recency, n_periods))

    def p_alive(self, frequency=None, recency=None, n_periods=None) -> np.ndarray:
        """P(alive at opportunity n + 1 | x, t_x, n) (FHS 2010, eq. 11); default: the fitted rows.

        :math:`B(\\alpha + x, \\beta + n - x)/B(\\alpha, \\beta) \\cdot B(\\gamma, \\delta + n + 1)/B(\\gamma, \\delta) / L`.
        """
        self._fitted()
        a, b, g, d = self.params_.to_numpy()
        x, tx, n = self._rows(frequency, recency, n_periods)
        num = sp.betaln(a + x, b + n - x) - sp.betaln(a, b) + sp.betaln(g, d + n + 1) - sp.betaln(g, d)
        return np.exp(num - _bgbb_loglik(a, b, g, d, x, tx, n))

    def expected_transactions(self, n: Any) -> np.ndarray:
        """E[X(n)]: expected attendances of a newly acquired customer in the next n opportunities (FHS 2010, eq. 7).

        :math:`\\frac{\\alpha}{\\alpha+\\beta}\\frac{\\delta}{\\gamma-1}
        \\left[1 - \\frac{\\Gamma(\\gamma+\\delta)}{\\Gamma(\\gamma+\\delta+n)}
        \\frac{\\Gamma(1+\\delta+n)}{\\Gamma(1+\\delta)}\\right]`.
        """
        self._fitted()
        n = np.asarray(n, dtype=float)
        if np.any(n < 0):
            raise LifecycleError("expected_transactions: 'n' must be >= 0")
        out = self.alpha_ / (self.alpha_ + self.beta_) * _alive_sum(self.gamma_, self.delta_, 0.0, n)
        return float(out) if np.ndim(out) == 0 else out

    def conditional_expected_transactions(self, n_future: Any, frequency=None, recency=None,
                                          n_periods=None) -> np.ndarray:
        """E[X(n, n + n*) | x, t_x, n]: expected attendances in the next n* opportunities (FHS 2010, eq. 13).

        :math:`\\frac{1}{L}\\frac{B(\\alpha+x+1, \\beta+n-x)}{B(\\alpha,\\beta)}\\frac{\\delta}{\\gamma-1}
        \\frac{\\Gamma(\\gamma+\\delta)}{\\Gamma(1+\\delta)}\\left[\\frac{\\Gamma(1+\\delta+n)}{\\Gamma(\\gamma+\\delta+n)}
        - \\frac{\\Gamma(1+\\delta+n+n^*)}{\\Gamma(\\gamma+\\delta+n+n^*)}\\right]`; default rows: the fitted ones.
        """
        self._fitted()
        a, b, g, d = self.params_.to_numpy()
        x, tx, n = self._rows(frequency, recency, n_periods)
        ns = np.asarray(n_future, dtype=float)
        if np.any(ns < 0):
            raise LifecycleError("conditional_expected_transactions: 'n_future' must be >= 0")
        logl = _bgbb_loglik(a, b, g, d, x, tx, n)
        lead = np.exp(sp.betaln(a + x + 1, b + n - x) - sp.betaln(a, b) - logl)
        # B(γ, δ + t)/B(γ, δ) summed over t = n+1 .. n+n*
        return lead * _alive_sum(g, d, n, n + ns)


def fit_bgbb(frequency: Any, recency: Any, n_periods: Any, weights: Any = None, *,
             confidence: float = 0.95) -> BetaGeoBetaBinomialFitter:
    """Fit the BG/BB model of discrete-time repeat attendance (Fader, Hardie & Shang 2010).

    Parameters
    ----------
    frequency : 1-D array-like of whole numbers
        x: attendances (transactions) in the n opportunities after the first.
    recency : 1-D array-like of whole numbers
        t_x: the opportunity of the last one (0 when x = 0); x <= t_x <= n.
    n_periods : int or 1-D array-like
        n: opportunities since the first attendance.
    weights : 1-D array-like, optional
        Customers per row (> 0), for a summary such as the donations data.
    confidence : float, default 0.95

    Returns
    -------
    BetaGeoBetaBinomialFitter
        ``alpha_, beta_, gamma_, delta_, standard_errors_,
        log_likelihood_``, and ``p_alive``, ``expected_transactions``,
        ``conditional_expected_transactions``.

    Notes
    -----
    The likelihood of one customer (FHS 2010, eq. 5):

    .. math::

        L = \\frac{B(\\alpha+x, \\beta+n-x)}{B(\\alpha,\\beta)}\\frac{B(\\gamma, \\delta+n)}{B(\\gamma,\\delta)}
          + \\sum_{i=0}^{n-t_x-1} \\frac{B(\\alpha+x, \\beta+t_x-x+i)}{B(\\alpha,\\beta)}
            \\frac{B(\\gamma+1, \\delta+t_x+i)}{B(\\gamma,\\delta)},

    summed in log space (``logsumexp``) over a padded matrix, one row per
    distinct (x, t_x, n).  Tested against the values published for the
    donations data in Fader, Hardie & Shang (2010): α = 1.204, β = 0.750,
    γ = 0.657, δ = 2.783, LL = −33,225.6 (11,104 donors, 6 opportunities;
    the summary shipped with the MIT-licensed lifetimes package), and for
    parameter recovery on simulated panels (:func:`simulate_bgbb`).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Shang, J. (2010). Customer-base
    analysis in a discrete-time noncontractual setting. *Marketing Science*,
    29(6), 1086–1108.

    Examples
    --------
    >>> sim = simulate_bgbb(1.2, 0.75, 0.66, 2.8, 5000, 6, rng=1)
    >>> m = fit_bgbb(sim["frequency"], sim["recency"], sim["n_periods"])
    >>> m.params_.round(1).tolist()  # planted 1.2, 0.75, 0.66, 2.8
    [1.3, 0.7, 0.6, 2.5]
    """
    return BetaGeoBetaBinomialFitter(confidence=confidence).fit(frequency, recency, n_periods, weights)


def simulate_bgbb(alpha: float, beta: float, gamma: float, delta: float, n_customers: int, n_periods: int, *,
                  rng: Any = None) -> pd.DataFrame:
    """Customers simulated from the BG/BB model: ``frequency, recency, n_periods`` and the 0/1 attendance matrix.

    Each customer draws p ~ Beta(α, β) and θ ~ Beta(γ, δ); she is alive at
    opportunity t (1..n_periods) with probability (1 − θ)^t (dies at the
    start of an opportunity) and, while alive, attends with probability p.

    Returns
    -------
    DataFrame
        One row per customer: ``frequency``, ``recency``, ``n_periods`` and
        ``p``, ``theta`` (the drawn individual probabilities); the
        attendance matrix is in ``attrs["attended"]`` (customers ×
        opportunities, bool) for calibration/holdout splits.

    >>> simulate_bgbb(1.2, 0.75, 0.66, 2.8, 100, 6, rng=0).shape
    (100, 5)
    """
    problems: list[str] = []
    pars = [check_number(v, name, low=0, low_open=True, error=LifecycleError, problems=problems)
            for v, name in ((alpha, "alpha"), (beta, "beta"), (gamma, "gamma"), (delta, "delta"))]
    n_customers = check_integer(n_customers, "n_customers", low=1, error=LifecycleError, problems=problems)
    n_periods = check_integer(n_periods, "n_periods", low=1, error=LifecycleError, problems=problems)
    raise_problems(problems, what="simulate_bgbb", error=LifecycleError)
    gen = np.random.default_rng(rng)
    p = gen.beta(pars[0], pars[1], n_customers)
    theta = np.clip(gen.beta(pars[2], pars[3], n_customers), 1e-12, 1.0)
    lifetime = gen.geometric(theta) - 1  # opportunities alive
    t = np.arange(1, n_periods + 1)
    attended = (t[None, :] <= lifetime[:, None]) & (gen.random((n_customers, n_periods)) < p[:, None])
    x = attended.sum(axis=1)
    tx = np.where(x > 0, n_periods - np.argmax(attended[:, ::-1], axis=1), 0)
    out = pd.DataFrame({"frequency": x, "recency": tx, "n_periods": n_periods, "p": p, "theta": theta})
    out.attrs["attended"] = attended
    return out


def recency_frequency(attendance: pd.DataFrame, *, customer: str = "visitor_id", period: str = "edition",
                      end: int | None = None, holdout_end: int | None = None) -> pd.DataFrame:
    """Summarise an attendance table for the BG/BB model: frequency, recency and opportunities per customer.

    Parameters
    ----------
    attendance : DataFrame
        One row per customer and period attended (e.g. the ``visits`` table).
    customer, period : str
        Columns naming the customer and the (whole-number) period.
    end : int, optional
        Last period of the calibration window (default: the last period in
        the data).  Customers whose first attendance is after it are left out.
    holdout_end : int, optional
        If given, ``holdout`` counts each customer's attendances in
        ``(end, holdout_end]`` (a calibration/holdout check).

    Returns
    -------
    DataFrame
        Index ``customer``: ``first`` (period of the first attendance, the
        trial, not counted), ``frequency`` (attendances in (first, end]),
        ``recency`` (periods from first to the last attendance, 0 if none),
        ``n_periods`` (end − first), and ``holdout`` when asked.  Customers
        who entered at ``end`` have n_periods 0 and are kept (drop them
        before fitting).

    Examples
    --------
    >>> visits = pd.DataFrame({"visitor_id": ["a", "a", "a", "b"], "edition": [1, 2, 4, 3]})
    >>> recency_frequency(visits, end=4)[["frequency", "recency", "n_periods"]].values.tolist()
    [[2, 3, 3], [0, 0, 1]]
    """
    check_columns(attendance, {"customer": customer, "period": period}, what="attendance", error=LifecycleError)
    if len(attendance) == 0:
        raise LifecycleError("attendance: the table has no rows (expected one row per customer and period attended)")
    per = pd.to_numeric(attendance[period], errors="coerce")
    bad = per.isna() | (per != np.round(per))
    if bad.any():
        raise LifecycleError(f"attendance: column {period!r} must hold whole numbers: rows {rows_text(attendance.index[bad])}")
    d = pd.DataFrame({"c": attendance[customer].to_numpy(), "t": per.to_numpy(dtype=np.int64)}).drop_duplicates()
    end = int(d["t"].max()) if end is None else check_integer(end, "end", error=LifecycleError)
    if holdout_end is not None:
        holdout_end = check_integer(holdout_end, "holdout_end", low=end + 1, error=LifecycleError)
    first = d.groupby("c")["t"].min()
    d = d.assign(first=d["c"].map(first))
    cal = d[(d["t"] > d["first"]) & (d["t"] <= end)]
    grp = cal.groupby("c")["t"]
    out = pd.DataFrame({"first": first})
    out = out[out["first"] <= end]
    out["frequency"] = grp.size().reindex(out.index, fill_value=0).astype(np.int64)
    out["recency"] = (grp.max().reindex(out.index) - out["first"]).fillna(0).astype(np.int64)
    out["n_periods"] = (end - out["first"]).astype(np.int64)
    if holdout_end is not None:
        hold = d[(d["t"] > end) & (d["t"] <= holdout_end)].groupby("c").size()
        out["holdout"] = hold.reindex(out.index, fill_value=0).astype(np.int64)
    out.index.name = customer
    return out


# ==========================================================================
# Retention: the aggregate rate and projections
# ==========================================================================
def constant_retention(survivors: Any) -> float:
    """The one retention rate of a homogeneous (geometric) model fitted to one cohort's survivor counts.

    Parameters
    ----------
    survivors : 1-D array-like of whole numbers
        Customers still alive at periods 0, 1, ..., k (as :func:`fit_sbg`).

    Returns
    -------
    float
        :math:`\\hat r = 1 - \\sum_t (n_{t-1} - n_t) / \\sum_t n_{t-1}`: the
        maximum-likelihood retention rate when every customer has the same
        churn probability — the "aggregate retention rate" that Fader &
        Hardie (2010) warn about.

    Examples
    --------
    >>> round(constant_retention([1000, 631, 468, 382, 326, 289, 262, 241]), 4)
    0.774
    """
    s = _sbg_check(survivors)
    return float(1.0 - (s[0] - s[-1]) / s[:-1].sum())


def project_survivors(survivors: Any, *, calibration: int) -> pd.DataFrame:
    """Fit on the first *calibration* periods of a cohort, project the rest: sBG against one retention rate.

    Parameters
    ----------
    survivors : 1-D array-like of whole numbers
        Customers alive at periods 0..k of one cohort.
    calibration : int
        Periods used to fit (1 <= calibration < k); the later ones are the
        holdout.

    Returns
    -------
    DataFrame
        Index ``period`` 0..k: ``actual``, ``sbg`` (n · S(t) of the sBG fitted
        on the calibration periods), ``constant`` (n · r^t with the
        homogeneous rate of the same periods) and ``holdout`` (True after the
        calibration).  ``attrs["sbg"]`` holds the fitted model.

    Notes
    -----
    Fader & Hardie (2007, Figure 3): a model that ignores heterogeneity
    projects too few survivors, because the observed retention rate rises
    with tenure as the likely leavers leave first.
    """
    problems: list[str] = []
    s = _whole_numbers(survivors, "survivors", what="project_survivors", problems=problems)
    raise_problems(problems, what="project_survivors", error=LifecycleError)
    calibration = check_integer(calibration, "calibration", low=1, high=max(s.size - 2, 1), error=LifecycleError)
    if s.size < 3:
        raise LifecycleError(f"project_survivors: needs at least 3 counts (periods 0, 1, 2; got {s.size})")
    fit = fit_sbg(s[: calibration + 1])
    r = constant_retention(s[: calibration + 1])
    t = np.arange(s.size)
    out = pd.DataFrame({"actual": s, "sbg": fit.predict_survivors(t), "constant": s[0] * r**t,
                        "holdout": t > calibration}, index=pd.Index(t, name="period"))
    out.attrs["sbg"] = fit
    return out


# ==========================================================================
# Decisions: value per stage, interventions, cohorts run forward
# ==========================================================================
def stage_margins(participation: pd.DataFrame, *, margin_rate: float,
                  spend: tuple[str, ...] = ("booth_spend", "services_spend")) -> pd.Series:
    """The margin an exhibitor brings per edition in each stage: margin rate × its mean spend there.

    Parameters
    ----------
    participation : DataFrame
        The participation panel (``stage`` and the *spend* columns).
    margin_rate : float
        The organizer's contribution margin as a share of spend (0 < rate <= 1).
    spend : tuple of str
        Columns summed into an exhibitor's spend at an edition.

    Returns
    -------
    Series
        Index :data:`STATES` (``ended`` = 0), named ``"margin"``: the reward
        vector R of :func:`markov_clv`, in the spend's currency per edition.
    """
    rate = check_number(margin_rate, "margin_rate", low=0, high=1, low_open=True, error=LifecycleError)
    check_columns(participation, ["stage", *spend], what="participation", error=LifecycleError)
    took = participation[participation["stage"].isin(STAGES)]
    mean = took[list(spend)].sum(axis=1).groupby(took["stage"]).mean().reindex(list(STAGES))
    if mean.isna().any():
        raise LifecycleError(f"stage_margins: no exhibitor-edition in stages {list(mean.index[mean.isna()])}; "
                             "their margin is unknown")
    return pd.Series([*(rate * mean).to_numpy(), 0.0], index=list(STATES), name="margin")


def _ended_index(labels: list) -> int:
    return labels.index(ENDED) if ENDED in labels else len(labels) - 1


def _improve(arr: np.ndarray, i: int, end: int, points: float) -> np.ndarray:
    out = arr.copy()
    taken = min(points, out[i, end])
    back = np.delete(np.arange(arr.shape[0]), end)
    mass = out[i, back]
    share = mass / mass.sum() if mass.sum() > 0 else (back == i).astype(float)
    out[i, back] += taken * share
    out[i, end] -= taken
    return out


def improve_retention(P: Any, stage: str, points: float) -> pd.DataFrame:
    """The chain after a retention gain of *points* in one stage: fewer end, the rest move as those who came back.

    Parameters
    ----------
    P : DataFrame or 2-D array
        A lifecycle chain over :data:`STATES` (an array is read in that order).
    stage : str
        The stage the intervention aims at.
    points : float
        Probability points moved from ``ended`` to the stage's returned
        destinations, in proportion to them (0.05 = five points); at most
        the stage's probability of ending.

    Returns
    -------
    DataFrame
        The new chain over P's states.

    Examples
    --------
    >>> P = [[.5, .3, .2], [.1, .6, .3], [0, 0, 1]]
    >>> improve_retention(pd.DataFrame(P, index=["a", "b", "ended"], columns=["a", "b", "ended"]), "a", .1).loc["a"].tolist()
    [0.5625, 0.3375, 0.1]
    """
    arr, labels = _chain(P)
    labels = list(labels) if isinstance(P, pd.DataFrame) else list(STATES) if arr.shape[0] == len(STATES) else labels
    if stage not in labels or stage == ENDED:
        raise LifecycleError(f"improve_retention: 'stage' must be one of {[s for s in labels if s != ENDED]} (got {stage!r})")
    pts = check_number(points, "points", low=0, high=1, error=LifecycleError)
    out = _improve(arr, labels.index(stage), _ended_index(labels), pts)
    return _frame(out, labels, labels)


def cohort_forward(P: Any, *, start: str = STAGES[0], editions: int = 10) -> pd.DataFrame:
    """Where an entering cohort is, edition after edition: the start state times P^t.

    Parameters
    ----------
    P : DataFrame or 2-D array
        A chain over :data:`STATES`.
    start : str, default "exploration"
    editions : int, default 10

    Returns
    -------
    DataFrame
        Index ``edition`` 0..editions, one column per state: the expected
        share of the cohort in each state (rows sum to 1).

    Examples
    --------
    >>> P = pd.DataFrame([[.8, .2], [0, 1]], index=["a", "ended"], columns=["a", "ended"])
    >>> cohort_forward(P, start="a", editions=2)["a"].round(2).tolist()
    [1.0, 0.8, 0.64]
    """
    arr, labels = _chain(P)
    labels = list(labels) if isinstance(P, pd.DataFrame) else list(STATES)
    if start not in labels:
        raise LifecycleError(f"cohort_forward: 'start' must be one of {labels} (got {start!r})")
    editions = check_integer(editions, "editions", low=0, error=LifecycleError)
    rows = [np.eye(len(labels))[labels.index(start)]]
    for _ in range(editions):
        rows.append(rows[-1] @ arr)
    return pd.DataFrame(rows, index=pd.Index(range(editions + 1), name="edition"), columns=labels)


@dataclass(frozen=True)
class Interventions(Result):
    """What a retention gain aimed at each stage is worth (from :func:`compare_interventions`).

    Attributes
    ----------
    table : DataFrame
        One row per target stage: ``estimate`` = the gain in the discounted
        value of one entering exhibitor (V after − V before, at ``start``)
        with bootstrap ``se, ci_low, ci_high``; extras ``baseline`` (V
        before), ``editions_targeted`` (the editions an entrant is expected
        to spend in the target stage: the exhibitor-editions the organizer
        must treat), ``per_edition`` (gain ÷ editions targeted: the value of
        one treated exhibitor-edition) with ``per_ci_low, per_ci_high``, and
        ``p_best`` (share of bootstrap chains in which this stage's
        ``per_edition`` is the largest).
    by_start : DataFrame
        Index (``target``, ``start``): the value gain for an exhibitor now in
        each stage, with intervals.
    base : DataFrame or None
        One row per target: the gain summed over the current base of
        exhibitors (counts per stage), with intervals.
    bands : DataFrame
        ``scenario, edition, estimate, ci_low, ci_high``: the share of an
        entering cohort still exhibiting after each edition, with no
        intervention and with each.
    meta : dict
    """

    table: pd.DataFrame
    by_start: pd.DataFrame
    base: pd.DataFrame | None
    bands: pd.DataFrame
    meta: dict

    _dict_fields = ("by_start", "base")

    @property
    def title(self) -> str:
        return f"A {self.meta['points']:g}-point retention gain aimed at each stage"

    def best(self) -> str:
        """The target stage with the largest value per treated exhibitor-edition (point estimate)."""
        return str(self.table["per_edition"].idxmax())

    def __repr__(self) -> str:
        return f"Interventions(targets={list(self.table.index)}, points={self.meta['points']:g})"


def _scenario_values(arr, r, d, targets, points, start, horizon, base):
    """All numbers of compare_interventions for one chain (vector), and their layout."""
    labels = list(STATES)
    end = _ended_index(labels)
    s = labels.index(start)
    v0 = np.linalg.solve(np.eye(arr.shape[0]) - arr / (1 + d), r)
    transient = [i for i in range(arr.shape[0]) if i != end]
    N = np.linalg.inv(np.eye(len(transient)) - arr[np.ix_(transient, transient)])
    gains, targeted, by_start, base_gain, active = [], [], [], [], []
    x = np.eye(arr.shape[0])[s]
    active.append(np.ones(horizon + 1) - np.r_[[(x @ np.linalg.matrix_power(arr, t))[end] for t in range(horizon + 1)]])
    for stage in targets:
        i = labels.index(stage)
        new = _improve(arr, i, end, points)
        v1 = np.linalg.solve(np.eye(arr.shape[0]) - new / (1 + d), r)
        gains.append(v1[s] - v0[s])
        targeted.append(N[transient.index(s), transient.index(i)])
        by_start.append((v1 - v0)[transient])
        base_gain.append(float(np.dot(base, (v1 - v0)[transient])) if base is not None else np.nan)
        active.append(np.ones(horizon + 1) - np.r_[[(x @ np.linalg.matrix_power(new, t))[end] for t in range(horizon + 1)]])
    gains, targeted = np.array(gains), np.array(targeted)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = gains / targeted
    return {"baseline": v0[s], "gain": gains, "targeted": targeted, "per": per, "by_start": np.concatenate(by_start),
            "base": np.array(base_gain), "active": np.concatenate(active)}


def compare_interventions(tm: TransitionMatrix, rewards: Any, *, discount: float, points: float = 0.05,
                          start: str = STAGES[0], horizon: int = 10, base: Any = None,
                          targets: tuple[str, ...] = STAGES) -> Interventions:
    """Where the organizer's next yuan goes: a retention gain aimed at each stage, valued on the chain.

    Parameters
    ----------
    tm : TransitionMatrix
        From :func:`transition_matrix` (its bootstrap chains give the intervals).
    rewards : Series, dict or 1-D array
        Margin per edition in each state of :data:`STATES` (``ended`` 0),
        e.g. :func:`stage_margins`.
    discount : float
        Discount rate per edition (> 0).
    points : float, default 0.05
        The retention gain (probability points) of each intervention
        (:func:`improve_retention`).
    start : str, default "exploration"
        Where an entering exhibitor starts.
    horizon : int, default 10
        Editions the cohort is run forward for ``bands``.
    base : Series or dict, optional
        Exhibitors now in each stage (the current base), for ``base``.
    targets : tuple of str
        The stages to aim at.

    Returns
    -------
    Interventions

    Notes
    -----
    Values are Pfeifer & Carraway's (2000) :math:`V = (I - P/(1+d))^{-1} R`
    before and after the intervention; the editions an entrant spends in
    stage *j* are :math:`N_{start,j}` of the fundamental matrix
    :math:`N = (I - Q)^{-1}` (Kemeny & Snell 1960).  If an intervention
    costs the same per treated exhibitor-edition in every stage, the value
    per treated exhibitor-edition ranks where a yuan of retention effort
    earns most.  Every number is recomputed on each bootstrap chain of *tm*
    (exhibitors resampled), which gives the intervals, ``p_best`` and the
    bands of the cohort run forward.  Tested against hand-solved chains.

    References
    ----------
    Pfeifer, P. E., & Carraway, R. L. (2000). Modeling customer relationships
    as Markov chains. *Journal of Interactive Marketing*, 14(2), 43–55.
    """
    if not isinstance(tm, TransitionMatrix):
        raise LifecycleError(f"compare_interventions: 'tm' must be a TransitionMatrix (got {type(tm).__name__})")
    problems: list[str] = []
    d = check_number(discount, "discount", low=0, low_open=True, error=LifecycleError, problems=problems)
    pts = check_number(points, "points", low=0, high=1, low_open=True, error=LifecycleError, problems=problems)
    horizon = check_integer(horizon, "horizon", low=1, error=LifecycleError, problems=problems)
    bad = [t for t in (start, *targets) if t not in STAGES]
    if bad:
        problems.append(f"'start' and 'targets' must be stages {list(STAGES)} (got {bad})")
    raise_problems(problems, what="compare_interventions", error=LifecycleError)
    if isinstance(rewards, (pd.Series, Mapping)):
        rs = pd.Series(dict(rewards) if isinstance(rewards, Mapping) else rewards, dtype=object)
        missing = [s for s in STATES if s not in rs.index]
        if missing:
            raise LifecycleError(f"compare_interventions: 'rewards' has no value for {missing}")
        rs = rs.reindex(list(STATES))
    else:
        if rewards is None or np.ndim(rewards) != 1 or len(rewards) != len(STATES):
            raise LifecycleError(f"compare_interventions: 'rewards' needs one value per state {list(STATES)}")
        rs = pd.Series(np.asarray(rewards, dtype=object), index=list(STATES))
    r = numeric_values(rs, "rewards", error=LifecycleError).to_numpy()
    b = None if base is None else pd.Series(base, dtype=float).reindex(list(STAGES)).fillna(0.0).to_numpy()
    targets = tuple(targets)
    args = (r, d, targets, pts, start, horizon, b)
    point = _scenario_values(tm.matrix.to_numpy(), *args)
    draws = [_scenario_values(chain, *args) for chain in tm.draws]
    conf = tm.meta["confidence"]

    def spread(key):
        if len(draws) < 2:
            nan = np.full(np.size(point[key]), np.nan)
            return nan, nan, nan, None
        values = np.array([dr[key] for dr in draws])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.nanstd(values, axis=0, ddof=1)
        low, high = percentile_interval(values, conf)
        return se, low, high, values

    se, low, high, _ = spread("gain")
    _, plow, phigh, per_draws = spread("per")
    p_best = (np.bincount(np.nanargmax(per_draws, axis=1), minlength=len(targets)) / per_draws.shape[0]
              if per_draws is not None else np.full(len(targets), np.nan))
    table = tidy_table({"estimate": point["gain"], "se": se, "ci_low": low, "ci_high": high,
                        "baseline": np.full(len(targets), point["baseline"]), "editions_targeted": point["targeted"],
                        "per_edition": point["per"], "per_ci_low": plow, "per_ci_high": phigh, "p_best": p_best},
                       index=list(targets), name="target",
                       extras=["baseline", "editions_targeted", "per_edition", "per_ci_low", "per_ci_high", "p_best"])
    se, low, high, _ = spread("by_start")
    by_start = tidy_table({"estimate": point["by_start"], "se": se, "ci_low": low, "ci_high": high})
    by_start.index = pd.MultiIndex.from_product([list(targets), list(STAGES)], names=["target", "start"])
    base_table = None
    if b is not None:
        se, low, high, _ = spread("base")
        base_table = tidy_table({"estimate": point["base"], "se": se, "ci_low": low, "ci_high": high},
                                index=list(targets), name="target")
    se, low, high, _ = spread("active")
    scenarios = ["no intervention", *targets]
    bands = pd.DataFrame({"scenario": np.repeat(scenarios, horizon + 1),
                          "edition": np.tile(np.arange(horizon + 1), len(scenarios)),
                          "estimate": point["active"], "ci_low": low, "ci_high": high})
    return Interventions(
        table=table, by_start=by_start, base=base_table, bands=bands,
        meta={"n": tm.meta["n"], "confidence": conf, "n_boot": tm.meta["n_boot"], "points": pts, "discount": d,
              "start": start, "horizon": horizon, "rewards": dict(zip(STATES, r.tolist())),
              "method": "Markov-chain lifetime value V = (I - P/(1+d))^-1 R before and after a retention gain; "
                        "percentile intervals over the exhibitor-bootstrap chains",
              "citation": "Pfeifer, P. E., & Carraway, R. L. (2000). Modeling customer relationships as Markov chains. "
                          "Journal of Interactive Marketing, 14(2), 43-55."},
    )


# ==========================================================================
# Parameter recovery of the retention models
# ==========================================================================
def parameter_recovery(model: str, params: Mapping[str, float], *, n_customers: int, n_periods: int,
                       reps: int = 50, confidence: float = 0.95, rng: Any = None) -> pd.DataFrame:
    """Simulate cohorts with known parameters, refit, and see what comes back.

    Parameters
    ----------
    model : {"sbg", "bgbb"}
    params : mapping
        The planted parameters (``alpha, beta`` or ``alpha, beta, gamma, delta``).
    n_customers, n_periods : int
        Size of each simulated cohort and its periods.
    reps : int, default 50
        Simulated cohorts.
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        One row per parameter: ``estimate`` (mean estimate over the fits),
        ``se`` (their SD), ``ci_low, ci_high`` (2.5 and 97.5 percentiles of
        the estimates), extras ``planted``, ``bias`` (relative: mean / planted
        − 1), ``coverage`` (share of fits whose interval covers the planted
        value), ``fits`` and ``failed`` (fits that raised
        :class:`LifecycleError`).

    Examples
    --------
    >>> parameter_recovery("sbg", {"alpha": 0.7, "beta": 1.2}, n_customers=1000, n_periods=7, reps=5, rng=1)["fits"].tolist()
    [5, 5]
    """
    names = {"sbg": ("alpha", "beta"), "bgbb": ("alpha", "beta", "gamma", "delta")}
    model = str(model).lower()
    if model not in names:
        raise LifecycleError(f"parameter_recovery: 'model' must be 'sbg' or 'bgbb' (got {model!r})")
    missing = [n for n in names[model] if n not in params]
    if missing:
        raise LifecycleError(f"parameter_recovery: 'params' lacks {missing} for the {model} model")
    problems: list[str] = []
    reps = check_integer(reps, "reps", low=2, error=LifecycleError, problems=problems)
    confidence = check_confidence(confidence, error=LifecycleError, problems=problems)
    raise_problems(problems, what="parameter_recovery", error=LifecycleError)
    planted = np.array([float(params[n]) for n in names[model]])
    gen = np.random.default_rng(rng)
    est, low, high, failed = [], [], [], 0
    for _ in range(reps):
        try:
            if model == "sbg":
                fit = fit_sbg(simulate_sbg(*planted, n_customers, n_periods, rng=gen), confidence=confidence)
            else:
                sim = simulate_bgbb(*planted, n_customers, n_periods, rng=gen)
                fit = fit_bgbb(sim["frequency"], sim["recency"], sim["n_periods"], confidence=confidence)
        except LifecycleError:
            failed += 1
            continue
        est.append(fit.params_.to_numpy())
        low.append(fit.table["ci_low"].to_numpy())
        high.append(fit.table["ci_high"].to_numpy())
    if not est:
        raise LifecycleError(f"parameter_recovery: every one of the {reps} fits failed")
    est, low, high = np.array(est), np.array(low), np.array(high)
    q = (1 - confidence) / 2
    return tidy_table({"estimate": est.mean(axis=0), "se": est.std(axis=0, ddof=1) if len(est) > 1 else np.nan,
                       "ci_low": np.quantile(est, q, axis=0), "ci_high": np.quantile(est, 1 - q, axis=0),
                       "planted": planted, "bias": est.mean(axis=0) / planted - 1,
                       "coverage": ((low <= planted) & (planted <= high)).mean(axis=0),
                       "fits": np.full(planted.size, len(est)), "failed": np.full(planted.size, failed)},
                      index=list(names[model]), name="parameter",
                      extras=["planted", "bias", "coverage", "fits", "failed"])


def bgbb_holdout(fit: BetaGeoBetaBinomialFitter, summary: pd.DataFrame, *, n_future: int) -> pd.DataFrame:
    """Calibration/holdout check of a BG/BB fit: predicted against actual attendances, by calibration frequency.

    Parameters
    ----------
    fit : BetaGeoBetaBinomialFitter
        Fitted on the calibration window.
    summary : DataFrame
        :func:`recency_frequency` with ``holdout`` (customers with
        ``n_periods`` 0 are left out).
    n_future : int
        Opportunities in the holdout window.

    Returns
    -------
    DataFrame
        Index ``frequency`` (attendances in the calibration window) and a
        last row ``all``: ``customers``, ``actual`` (mean attendances in the
        holdout) and ``predicted`` (mean of E[X(n, n + n*) | x, t_x, n], FHS
        2010 eq. 13), ``p_alive`` (mean probability alive).
    """
    if not isinstance(fit, BetaGeoBetaBinomialFitter):
        raise LifecycleError(f"bgbb_holdout: 'fit' must be a fitted BetaGeoBetaBinomialFitter (got {type(fit).__name__})")
    check_columns(summary, ["frequency", "recency", "n_periods", "holdout"], what="summary", error=LifecycleError)
    n_future = check_integer(n_future, "n_future", low=1, error=LifecycleError)
    s = summary[summary["n_periods"] > 0]
    pred = fit.conditional_expected_transactions(n_future, s["frequency"], s["recency"], s["n_periods"])
    alive = fit.p_alive(s["frequency"], s["recency"], s["n_periods"])
    d = pd.DataFrame({"frequency": s["frequency"].to_numpy(), "actual": s["holdout"].to_numpy(float),
                      "predicted": pred, "p_alive": alive})
    out = d.groupby("frequency").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                     predicted=("predicted", "mean"), p_alive=("p_alive", "mean"))
    total = pd.DataFrame({"customers": [len(d)], "actual": [d["actual"].mean()], "predicted": [d["predicted"].mean()],
                          "p_alive": [d["p_alive"].mean()]}, index=["all"])
    out = pd.concat([out.rename(index=str), total])
    out.index.name = "frequency"
    return out


# ==========================================================================
# Figures (axes-level: draw into ax, return it; no show, no theme)
# ==========================================================================
def _axes(ax):
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def plot_transitions(tm: TransitionMatrix, *, ax=None, decimals: int = 2, planted: pd.DataFrame | None = None):
    """Heat map of the estimated chain (from the four stages), each cell with its bootstrap interval.

    Parameters
    ----------
    tm : TransitionMatrix
    ax : matplotlib Axes, optional
    decimals : int, default 2
    planted : DataFrame, optional
        A planted chain over :data:`STATES` (:func:`planted_chain`): shown
        in each cell as "planted …".

    Returns
    -------
    matplotlib Axes
    """
    from .plots import label

    ax = _axes(ax)
    est = tm.matrix.loc[list(STAGES)]
    ax.imshow(est.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, frm in enumerate(STAGES):
        for j, to in enumerate(STATES):
            row = tm.table.loc[(frm, to)]
            text = f"{row['estimate']:.{decimals}f}"
            if np.isfinite(row["ci_low"]):
                text += f"\n[{row['ci_low']:.{decimals}f}, {row['ci_high']:.{decimals}f}]"
            if planted is not None:
                text += f"\nplanted {planted.loc[frm, to]:.{decimals}f}"
            ax.text(j, i, text, ha="center", va="center", fontsize="x-small",
                    color="white" if row["estimate"] > 0.55 else "black")
    ax.set_xticks(range(len(STATES)), [label(s) for s in STATES])
    ax.set_yticks(range(len(STAGES)), [label(s) for s in STAGES])
    ax.set(xlabel="stage at the next edition", ylabel="stage at this edition")
    ax.grid(False)
    return ax


def plot_survival(km: KaplanMeier, *, ax=None, cohorts: Any = None):
    """Kaplan–Meier curves by first edition, each with its pointwise interval (shaded).

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    curves = km.curves
    chosen = sorted(curves["cohort"].unique()) if cohorts is None else list(cohorts)
    for c in chosen:
        cur = curves[curves["cohort"] == c]
        line, = ax.step(cur["editions"], cur["survival"], where="post", label=f"first edition {c}")
        ax.fill_between(cur["editions"], cur["ci_low"], cur["ci_high"], step="post", alpha=0.15,
                        color=line.get_color(), linewidth=0)
    ax.set(xlabel="editions exhibited", ylabel="share still exhibiting", ylim=(0, 1.02))
    ax.legend(fontsize="small", title=f"cohort ({km.meta['confidence']:.0%} CI shaded)", title_fontsize="small",
              loc="upper right")
    return ax


def plot_retention(survivors: Any, fit: ShiftedBetaGeometricFitter, *, ax=None, horizon: int | None = None):
    """Observed retention rates of a cohort, the sBG curve and the one constant rate.

    Parameters
    ----------
    survivors : 1-D array-like
        Counts alive at periods 0..k.
    fit : ShiftedBetaGeometricFitter
        Fitted to (part of) those counts.
    horizon : int, optional
        Draw the sBG curve out to this period (a projection), default k.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    s = np.asarray(survivors, dtype=float)
    t = np.arange(1, s.size)
    ax.plot(t, s[1:] / s[:-1], "o", color="black", label="observed r(t) = n(t)/n(t-1)")
    tt = np.arange(1, (horizon or s.size - 1) + 1)
    ax.plot(tt, fit.retention(tt), "-", color="C0", label="sBG retention (heterogeneous churn)")
    ax.axhline(constant_retention(s), color="C3", linestyle="--", label="one constant rate (homogeneous)")
    ax.set(xlabel="period (editions since the first)", ylabel="retention rate")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def plot_fan(interventions: Interventions, *, ax=None):
    """The share of an entering cohort still exhibiting, with no intervention and with each, with intervals.

    Returns
    -------
    matplotlib Axes
    """
    from .plots import label

    ax = _axes(ax)
    bands = interventions.bands
    for k, (name, grp) in enumerate(bands.groupby("scenario", sort=False)):
        style = {"color": "black", "linestyle": "--"} if name == "no intervention" else {"color": f"C{k - 1}"}
        text = name if name == "no intervention" else f"{label(name)} +{interventions.meta['points']:g}"
        ax.plot(grp["edition"], grp["estimate"], label=text, **style)
        if grp["ci_low"].notna().all():
            ax.fill_between(grp["edition"], grp["ci_low"], grp["ci_high"], alpha=0.12, color=style["color"], linewidth=0)
    ax.set(xlabel="editions after entry", ylabel="share of the entering cohort still exhibiting", ylim=(0, 1.02))
    ax.legend(fontsize="small", title=f"retention gain aimed at ({interventions.meta['confidence']:.0%} CI shaded)",
              title_fontsize="small")
    return ax
