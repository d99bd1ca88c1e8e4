"""Loyalty (客户忠诚) and its layers: typologies, layer scores, the satisfaction-loyalty curve.

THEORY.md §6 as pure functions over the survey and the participation panel:

* the **layers** of attitudinal loyalty — cognitive (认知), affective (情感),
  conative (意向) — and the action stage (行为, coming back), Oliver (1999),
  with their scale scores (:func:`layer_scores`), the planted-structure chain
  of regressions (:func:`chain_regressions`), the structural-equation
  comparison of a strict sequence with "all layers at once"
  (:func:`layer_sequence`, through :mod:`crm_lab.measurement`) and the action
  stage (:func:`action_stage`);
* **Dick & Basu (1994)**: relative attitude × repeat patronage → true, latent,
  spurious and no loyalty (:func:`dick_basu`);
* **Jones & Sasser (1995)**: satisfaction × loyalty → loyalist / apostle,
  mercenary, hostage, terrorist (:func:`jones_sasser`);
* the loyalty **types** of the teaching material — monopoly, kinship,
  interest, inertia, trust, latent — mapped onto observable data where that is
  honest (:func:`loyalty_types`, :data:`LOYALTY_TYPES`);
* the **satisfaction–loyalty curve** by market structure (:func:`fit_return_curve`);
* what loyal customers are worth: the Net Promoter Score (Reichheld 2003) and
  its difference between groups (:func:`nps_difference`);
* **ordinal regression** of loyalty tiers (:func:`loyalty_tiers`,
  :func:`ordinal_regression`, statsmodels' ``OrderedModel``);
* a **competitor entering** a monopoly sector, simulated forward
  (:func:`simulate_competitor_entry`, :func:`planted_entry_logits`,
  :func:`curve_entry_logits`).

Every typology takes explicit thresholds (default: the medians of the data,
user-settable) and states them in its result.  Results follow the package's
protocol (:mod:`crm_lab.results`: a ``table`` with the fixed columns, ``meta``,
``summary()``, ``to_dict()``); input is checked by :mod:`crm_lab._checks`, and
bad input raises :class:`LoyaltyError` (a :class:`~crm_lab._checks.CrmLabError`)
naming the argument, column or rows.

References
----------
Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
conceptual framework. *Journal of the Academy of Marketing Science*, 22(2),
99–113.

Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
*Harvard Business Review*, 73(6), 88–99.

Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
63(Special Issue), 33–44.

Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
Review*, 81(12), 46–54.

McCullagh, P. (1980). Regression models for ordinal data. *Journal of the
Royal Statistical Society, Series B*, 42(2), 109–142.

Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching barriers
and repurchase intentions in services. *Journal of Retailing*, 76(2), 259–274.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as sps
from scipy.special import expit
from statsmodels.miscmodels.ordinal_model import OrderedModel

from . import results
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
    numeric_values,
    raise_problems,
    rows_text,
)
from .resampling import percentile_interval
from .results import TABLE_COLUMNS, Result, coef_table, tidy_table
from .schema import LOYALTY_LAYERS, SCALES, STAGES
from .stats import TestResult, proportion_ci, welch_t

__all__ = [
    "DICK_BASU_TYPES",
    "JONES_SASSER_TYPES",
    "LAYERS",
    "LAYER_MODEL",
    "LOYALTY_TYPES",
    "SCORE_SCALES",
    "ActionStage",
    "LoyaltyError",
    "OrdinalResult",
    "ReturnCurve",
    "Typology",
    "WorthTests",
    "action_stage",
    "chain_regressions",
    "curve_entry_logits",
    "dick_basu",
    "exhibitor_frame",
    "fit_return_curve",
    "jones_sasser",
    "layer_sequence",
    "loyalty_tiers",
    "loyalty_types",
    "net_promoter",
    "nps_difference",
    "ordinal_regression",
    "planted_entry_logits",
    "planted_frame",
    "paths_beside_truth",
    "plot_entry",
    "plot_return_curve",
    "plot_typology",
    "worth_tests",
    "simulate_competitor_entry",
    "split_summary",
    "interval_verdict",
    "degenerate_splits",
    "style_corrected_scores",
    "plot_paths",
    "threshold_sensitivity",
]


class LoyaltyError(CrmLabError):
    """Bad input to a :mod:`crm_lab.loyalty` function (names what and what was expected)."""


#: Oliver's (1999) attitudinal layers, in their theorised order (then the action stage);
#: :data:`crm_lab.schema.LOYALTY_LAYERS`, re-exported.
LAYERS = LOYALTY_LAYERS

#: The three loyalty layers as a lavaan measurement model (for crm_lab.measurement).
LAYER_MODEL = "\n".join(f"{layer} =~ {' + '.join(SCALES[layer])}" for layer in LAYERS)


def _items(*constructs: str) -> tuple[str, ...]:
    return tuple(item for c in constructs for item in SCALES[c])


#: Scale scores of :func:`layer_scores`: score -> the survey items averaged.
SCORE_SCALES: dict[str, tuple[str, ...]] = {
    "satisfaction": SCALES["satisfaction"],
    "commitment": SCALES["commitment"],
    "trust": _items("benevolence", "integrity", "ability"),
    "switching_cost": _items(*(c for c in SCALES if SCALES[c][0].startswith("sc_"))),
    "financial_sc": _items("benefit_loss", "monetary_loss"),
    "cognitive": SCALES["cognitive"],
    "affective": SCALES["affective"],
    "conative": SCALES["conative"],
}

#: Dick & Basu (1994): (relative attitude high?, repeat patronage high?) -> type.
DICK_BASU_TYPES = {
    "true": ("真正忠诚", "high relative attitude, high repeat patronage"),
    "latent": ("潜在忠诚", "high relative attitude, low repeat patronage"),
    "spurious": ("虚假忠诚", "low relative attitude, high repeat patronage"),
    "none": ("不忠诚", "low relative attitude, low repeat patronage"),
}

#: Jones & Sasser (1995): (satisfaction high?, loyalty high?) -> type.
JONES_SASSER_TYPES = {
    "loyalist": ("忠诚者", "satisfied and loyal (apostles are its most satisfied core)"),
    "mercenary": ("图利者", "satisfied but not loyal: comes for the deal, leaves for a better one"),
    "hostage": ("囚禁者", "loyal but dissatisfied: stays for want of an alternative"),
    "terrorist": ("破坏者", "neither satisfied nor loyal: leaves and spreads bad word of mouth"),
}

#: The loyalty types of the teaching material (THEORY.md §6) and how each is read from the data.
#: ``observable`` False: no column of the data measures it; the type is discussed, not computed.
LOYALTY_TYPES = pd.DataFrame(
    [
        ("monopoly", "垄断忠诚", "monopoly sector AND a Jones-Sasser hostage (low satisfaction, high conative loyalty)", True),
        ("inertia", "惰性忠诚", "Dick-Basu spurious (high patronage, low attitude) AND switching cost not high", True),
        ("interest", "利益忠诚", "high conative loyalty AND high financial switching cost AND low affective loyalty", True),
        ("trust", "信赖忠诚", "high trust AND high affective AND high conative loyalty", True),
        ("latent", "潜在忠诚", "Dick-Basu latent: high relative attitude, low repeat patronage", True),
        ("kinship", "亲缘忠诚", "ties of ownership, family or group affiliation: no column of the data records them", False),
    ],
    columns=["type", "zh", "rule", "observable"],
).set_index("type")


# --------------------------------------------------------------------------
# checks: the shared ones (crm_lab._checks) with loyalty's error class
# --------------------------------------------------------------------------
def _pair(x: Any, y: Any, names: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """Two numeric axes of the same cases (same length; same index when both are Series)."""
    a = numeric_values(x, names[0], min_size=2, error=LoyaltyError)
    b = numeric_values(y, names[1], min_size=2, error=LoyaltyError)
    if len(a) != len(b):
        raise LoyaltyError(f"{names[0]!r} and {names[1]!r} must have the same length (got {len(a)} and {len(b)})")
    if isinstance(x, pd.Series) and isinstance(y, pd.Series) and not a.index.equals(b.index):
        raise LoyaltyError(f"{names[0]!r} and {names[1]!r} must have the same index (the same exhibitors in the same order)")
    if not isinstance(x, pd.Series) and isinstance(y, pd.Series):
        a.index = b.index
    b.index = a.index
    return a, b


def _threshold(value: Any, data: pd.Series, name: str) -> float:
    """A user's threshold (a finite number), or the median of *data* when None."""
    return float(data.median()) if value is None else check_number(value, name, error=LoyaltyError)


def _require_some(known: pd.Series, column: str) -> None:
    if known.sum() < 10:
        raise LoyaltyError(
            f"column {column!r} is known for only {int(known.sum())} rows (at least 10 needed): the panel has no next "
            "edition after the survey for the others (a survey at the last edition cannot show who came back)"
        )


# --------------------------------------------------------------------------
# scores and the analysis frame
# --------------------------------------------------------------------------
def layer_scores(survey: pd.DataFrame, *, scales: Mapping[str, Sequence[str]] | None = None,
                 missing: str = "raise") -> pd.DataFrame:
    """Scale scores (mean of the items) of the loyalty layers and their antecedents.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent with the item columns.
    scales : mapping, optional
        Score name -> its items; default :data:`SCORE_SCALES` (satisfaction,
        commitment, trust, switching_cost, financial_sc and the three layers).
    missing : {"raise", "keep", "drop"}, default "raise"
        What a missing item answer does (see
        :func:`crm_lab.measurement.scale_scores`): name the columns and rows,
        give that respondent NaN for the scale, or drop the respondent.  The
        default raises: the mean of the other items would silently change
        the scale.

    Returns
    -------
    DataFrame
        One column per score, same index as ``survey``; scores on the items'
        1–7 scale.

    Raises
    ------
    CrmLabError
        (:class:`~crm_lab.measurement.MeasurementError`) a missing item
        column (with a did-you-mean), or missing or non-numeric answers
        (columns and rows named).

    Notes
    -----
    :func:`crm_lab.measurement.scale_scores` with loyalty's scales.  Tested
    against the item means of a hand-built table.

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.

    Examples
    --------
    >>> df = pd.DataFrame({"a1": [1, 7], "a2": [3, 5]})
    >>> layer_scores(df, scales={"a": ("a1", "a2")})["a"].tolist()
    [2.0, 6.0]
    """
    from .measurement import scale_scores

    return scale_scores(survey, SCORE_SCALES if scales is None else scales, missing=missing)


def exhibitor_frame(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per surveyed exhibitor: scores, who it is, its patronage, spend and return.

    Parameters
    ----------
    tables : mapping
        At least ``survey``, ``exhibitors``, ``sectors`` and ``participation``
        (as :func:`crm_lab.datasets.load_all` returns them).

    Returns
    -------
    DataFrame
        Index ``exhibitor_id``; columns ``edition`` (of the survey), the
        :func:`layer_scores`, ``sector, region, size_class,
        market_structure, monopoly`` (1 = no rival show), ``stage`` at the
        survey edition, ``editions_attended`` (editions exhibited up to and
        including the survey edition: repeat patronage), ``spend`` (booth +
        services at the survey edition, CNY), ``returned`` (1/0: exhibited at
        the next edition; NaN when the panel has no next edition), and the
        survey's ``nps, price_sensitivity, failure_tolerance, complaints``
        where present.

    Notes
    -----
    Tested against the patronage, the next-edition return and the market
    structure counted by hand from a simulated market's tables.

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. *Journal of the Academy of Marketing Science*,
    22(2), 99–113.
    """
    from .lifecycle import next_edition_returns
    from .overview import market_structure

    absent = [name for name in ("survey", "exhibitors", "sectors", "participation") if name not in tables]
    if absent:
        raise LoyaltyError(f"tables lacks the table(s) {', '.join(map(repr, absent))} (it has {sorted(tables)})")
    survey, panel = tables["survey"], tables["participation"]
    check_columns(survey, ["exhibitor_id", "edition"], what="survey", error=LoyaltyError)
    check_columns(panel, ["exhibitor_id", "edition", "participated", "stage", "booth_spend", "services_spend"],
                  what="participation", error=LoyaltyError)
    scores = layer_scores(survey)
    extra = [c for c in ("nps", "price_sensitivity", "failure_tolerance", "complaints") if c in survey]
    frame = pd.concat([survey[["exhibitor_id", "edition", *extra]], scores], axis=1)
    structure = market_structure(tables["exhibitors"], tables["sectors"])
    who = tables["exhibitors"].set_index("exhibitor_id")[["sector", "region", "size_class"]]
    frame = frame.join(who, on="exhibitor_id")
    frame["market_structure"] = frame["exhibitor_id"].map(structure)
    unknown = frame["market_structure"].isna()
    if unknown.any():
        raise LoyaltyError(f"{int(unknown.sum())} surveyed exhibitors are not in the exhibitors table, e.g. {frame.loc[unknown, 'exhibitor_id'].head(5).tolist()}")
    frame["monopoly"] = (frame["market_structure"] == "monopoly").astype(int)
    at = panel[["exhibitor_id", "edition", "stage", "booth_spend", "services_spend"]]
    frame = frame.merge(at, on=["exhibitor_id", "edition"], how="left", validate="one_to_one")
    frame["spend"] = frame.pop("booth_spend") + frame.pop("services_spend")
    upto = panel[["exhibitor_id", "edition", "participated"]].merge(
        frame[["exhibitor_id", "edition"]].rename(columns={"edition": "survey_edition"}), on="exhibitor_id"
    )
    attended = upto[upto["edition"] <= upto["survey_edition"]].groupby("exhibitor_id")["participated"].sum()
    frame["editions_attended"] = frame["exhibitor_id"].map(attended).fillna(0).astype(int)
    back = next_edition_returns(panel)[["exhibitor_id", "edition", "returned"]]
    frame = frame.merge(back, on=["exhibitor_id", "edition"], how="left", validate="one_to_one")
    return frame.set_index("exhibitor_id")


def planted_frame(truth, *, n_exhibitors: int = 50_000, rng=None) -> pd.DataFrame:
    """:func:`exhibitor_frame` of a large market simulated with a truth's planted parameters.

    Observed-score methods (median splits, scale-score regressions) have no
    closed-form planted value: their target is what the same method gives on
    a very large sample of the same world.  This builds that sample.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
        The planted truth (``datasets.load_truth(data_dir)``).
    n_exhibitors : int, default 50_000
        Size of the large market (>= 1000).
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        As :func:`exhibitor_frame`, plus the latent scores of each surveyed
        exhibitor with the prefix ``true_`` (``true_satisfaction``,
        ``true_conative``, ...).

    Notes
    -----
    The planted value of an observed-score method is its value on this
    large sample (a Monte Carlo approximation of its probability limit).

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.
    """
    from .simulate import simulate_market

    n_exhibitors = check_integer(n_exhibitors, "n_exhibitors", low=1000, error=LoyaltyError)
    sizes = truth.sizes
    big = simulate_market(
        n_exhibitors, n_visitors=100, n_editions=sizes["n_editions"], survey_edition=sizes["survey_edition"],
        kano_respondents=10, params=truth.params, rng=rng,
    )  # fmt: skip
    frame = exhibitor_frame(big.tables)
    latent = big.truth.latent.set_index("exhibitor_id").drop(columns=["reputation", "contact_rate", "met_share", "tenure"])
    return frame.join(latent.add_prefix("true_"))


# --------------------------------------------------------------------------
# typologies
# --------------------------------------------------------------------------
DICK_BASU_CITATION = ("Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated conceptual framework. "
                      "Journal of the Academy of Marketing Science, 22(2), 99-113.")
JONES_SASSER_CITATION = "Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect. Harvard Business Review, 73(6), 88-99."
_WILSON = ("Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. "
           "Journal of the American Statistical Association, 22(158), 209-212.")


@dataclass(frozen=True, repr=False)
class Typology(Result):
    """A two-axis loyalty typology: who falls where, and the thresholds used.

    Attributes
    ----------
    name : str
        ``"Dick & Basu (1994)"`` or ``"Jones & Sasser (1995)"``.
    labels : Series
        One categorical label per case (same index as the input).
    thresholds : dict
        Axis name -> threshold; a case is *high* on an axis when its value is
        strictly above the threshold.
    rule : str
        The rule in words.
    table : DataFrame
        Index ``type``: ``estimate`` (the share of the cases), ``se``
        (binomial), ``ci_low, ci_high`` (Wilson score interval), then ``n``
        (cases of that type).
    meta : dict
        n, confidence, method, citation, thresholds, rule.
    """

    name: str
    labels: pd.Series
    thresholds: dict
    rule: str
    table: pd.DataFrame
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.name

    @property
    def confidence(self) -> float:
        """Level of the Wilson intervals of the shares."""
        return float(self.meta["confidence"])

    @property
    def shares(self) -> pd.Series:
        """The share of each type (``table["estimate"]``, named ``share``)."""
        return self.table["estimate"].rename("share")

    def _summary_lines(self, decimals: int) -> list[str]:
        return [self.rule, "thresholds: " + ", ".join(f"{k} > {v:.{decimals}g}" for k, v in self.thresholds.items()), ""]

    def __repr__(self) -> str:
        return self.summary()


def _type_table(labels: pd.Series, confidence: float) -> pd.DataFrame:
    """Counts and shares per type, with Wilson intervals (index: type)."""
    counts = labels.value_counts().reindex(labels.cat.categories, fill_value=0)
    n = int(counts.sum())
    rows = np.array([proportion_ci(int(k), n, confidence=confidence) for k in counts], dtype=float)
    share = rows[:, 0]
    return tidy_table(
        {"estimate": share, "se": np.sqrt(share * (1 - share) / n), "ci_low": rows[:, 1], "ci_high": rows[:, 2],
         "n": counts.to_numpy(dtype=int)},
        index=counts.index, name="type", extras=("n",),
    )


def _grid(x, y, names, x_threshold, y_threshold, categories, title, rule, confidence, citation) -> Typology:
    problems: list[str] = []
    confidence = check_confidence(confidence, error=LoyaltyError, problems=problems)
    for value, name in ((x_threshold, names[0]), (y_threshold, names[1])):
        if value is not None:
            check_number(value, f"{name}_threshold", error=LoyaltyError, problems=problems)
    raise_problems(problems, error=LoyaltyError)
    a, b = _pair(x, y, names)
    tx = _threshold(x_threshold, a, f"{names[0]}_threshold")
    ty = _threshold(y_threshold, b, f"{names[1]}_threshold")
    code = 2 * (a.to_numpy() > tx) + (b.to_numpy() > ty)  # 3: high/high, 2: high/low, 1: low/high, 0: low/low
    labels = pd.Series(
        pd.Categorical.from_codes(3 - code, categories=categories), index=a.index, name="type"
    )
    thresholds = {names[0]: tx, names[1]: ty}
    given = [k for k, v in zip(names, (x_threshold, y_threshold)) if v is not None]
    how = "the medians" if not given else ("thresholds given" if len(given) == 2 else f"{given[0]} given, the other the median")
    meta = {"n": len(labels), "confidence": confidence,
            "method": f"two-way split, high = strictly above the threshold ({how}); shares with Wilson score intervals",
            "citation": f"{citation} {_WILSON}", "thresholds": thresholds, "rule": rule}
    return Typology(title, labels, thresholds, rule, _type_table(labels, confidence), meta)


def dick_basu(
    attitude: Any,
    patronage: Any,
    *,
    attitude_threshold: float | None = None,
    patronage_threshold: float | None = None,
    confidence: float = 0.95,
) -> Typology:
    """Dick & Basu's (1994) loyalty grid: relative attitude × repeat patronage.

    Parameters
    ----------
    attitude : Series or array-like
        Relative attitude per case (e.g. the mean of the cognitive, affective
        and conative scores: the attitude towards this show *relative to the
        alternatives*, as the cognitive items ask).
    patronage : Series or array-like
        Repeat patronage per case (e.g. editions attended), same length.
    attitude_threshold, patronage_threshold : float, optional
        A case is high on an axis when strictly above its threshold; default
        the median of that axis (a median split: cases *at* the median count
        as low).
    confidence : float, default 0.95
        Level of the Wilson intervals of the shares in ``.table``.

    Returns
    -------
    Typology
        ``labels``: ``true`` (high, high), ``latent`` (high attitude, low
        patronage), ``spurious`` (low attitude, high patronage), ``none``;
        ``table``: the share of each type with its Wilson interval.

    Notes
    -----
    Tested against hand-classified cases (including cases exactly at the
    thresholds); the Wilson intervals against Newcombe (1998), Table I.

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. *Journal of the Academy of Marketing Science*,
    22(2), 99–113.

    Newcombe, R. G. (1998). Two-sided confidence intervals for the single
    proportion: Comparison of seven methods. *Statistics in Medicine*,
    17(8), 857–872.

    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *Journal of the American Statistical
    Association*, 22(158), 209–212.

    Examples
    --------
    >>> t = dick_basu([6, 6, 2, 2], [5, 1, 5, 1], attitude_threshold=4, patronage_threshold=3)
    >>> t.labels.tolist()
    ['true', 'latent', 'spurious', 'none']
    """
    return _grid(
        attitude, patronage, ("attitude", "patronage"), attitude_threshold, patronage_threshold,
        list(DICK_BASU_TYPES), "Dick & Basu (1994)", "relative attitude × repeat patronage", confidence,
        DICK_BASU_CITATION,
    )  # fmt: skip


def jones_sasser(
    satisfaction: Any,
    loyalty: Any,
    *,
    satisfaction_threshold: float | None = None,
    loyalty_threshold: float | None = None,
    confidence: float = 0.95,
) -> Typology:
    """Jones & Sasser's (1995) satisfaction–loyalty grid.

    Parameters
    ----------
    satisfaction, loyalty : Series or array-like
        Per case, e.g. the satisfaction scale score and the conative
        (intention) score.
    satisfaction_threshold, loyalty_threshold : float, optional
        High when strictly above; default the medians.
    confidence : float, default 0.95

    Returns
    -------
    Typology
        ``labels``: ``loyalist`` (apostle; high, high), ``mercenary`` (high
        satisfaction, low loyalty), ``hostage`` (low satisfaction, high
        loyalty), ``terrorist`` (low, low); ``table``: the share of each type
        with its Wilson interval.

    Notes
    -----
    Tested against hand-classified cases; the Wilson intervals against
    Newcombe (1998), Table I (81/263: 0.2553 to 0.3662).

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.

    Newcombe, R. G. (1998). Two-sided confidence intervals for the single
    proportion: Comparison of seven methods. *Statistics in Medicine*,
    17(8), 857–872.

    Examples
    --------
    >>> t = jones_sasser([7, 7, 1, 1], [7, 1, 7, 1], satisfaction_threshold=4, loyalty_threshold=4)
    >>> t.labels.tolist()
    ['loyalist', 'mercenary', 'hostage', 'terrorist']
    """
    return _grid(
        satisfaction, loyalty, ("satisfaction", "loyalty"), satisfaction_threshold, loyalty_threshold,
        list(JONES_SASSER_TYPES), "Jones & Sasser (1995)", "satisfaction × loyalty", confidence,
        JONES_SASSER_CITATION,
    )  # fmt: skip


def threshold_sensitivity(
    x: Any, y: Any, *, kind: str = "dick_basu", quantiles: Sequence[float] = (0.25, 0.5, 0.75)
) -> pd.DataFrame:
    """The typology's shares when both thresholds move over quantiles of the data.

    Parameters
    ----------
    x, y : Series or array-like
        The two axes, as for :func:`dick_basu` or :func:`jones_sasser`.
    kind : {"dick_basu", "jones_sasser"}
    quantiles : sequence of float in (0, 1)
        Threshold quantiles tried on each axis.

    Returns
    -------
    DataFrame
        One row per (x quantile, y quantile): the thresholds and one column
        of shares per type.

    Notes
    -----
    Tested against :func:`dick_basu` at the median split.

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. *Journal of the Academy of Marketing Science*,
    22(2), 99–113.

    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.
    """
    check_choice(kind, "kind", ("dick_basu", "jones_sasser"), error=LoyaltyError)
    q = np.asarray(quantiles, dtype=float)
    if q.ndim != 1 or q.size == 0 or not ((q > 0) & (q < 1)).all():
        raise LoyaltyError(f"'quantiles' must be numbers strictly between 0 and 1 (got {quantiles!r})")
    a, b = _pair(x, y, ("x", "y"))
    tx, ty = np.quantile(a, q), np.quantile(b, q)
    hx = a.to_numpy()[None, :] > tx[:, None]  # (qx, n)
    hy = b.to_numpy()[None, :] > ty[:, None]  # (qy, n)
    n = len(a)
    shares = {
        0: (hx[:, None, :] & hy[None, :, :]).sum(-1) / n,
        1: (hx[:, None, :] & ~hy[None, :, :]).sum(-1) / n,
        2: (~hx[:, None, :] & hy[None, :, :]).sum(-1) / n,
        3: (~hx[:, None, :] & ~hy[None, :, :]).sum(-1) / n,
    }
    types = list(DICK_BASU_TYPES if kind == "dick_basu" else JONES_SASSER_TYPES)
    ix, iy = np.meshgrid(np.arange(q.size), np.arange(q.size), indexing="ij")
    out = pd.DataFrame({"x_quantile": q[ix.ravel()], "y_quantile": q[iy.ravel()], "x_threshold": tx[ix.ravel()], "y_threshold": ty[iy.ravel()]})
    for k, name in enumerate(types):
        out[name] = shares[k].ravel()
    out["x_high"] = hx.mean(axis=1)[ix.ravel()]  # share strictly above the x threshold
    out["y_high"] = hy.mean(axis=1)[iy.ravel()]
    return out


def split_summary(typology: Typology, x: Any, y: Any) -> pd.DataFrame:
    """Where each axis of a two-way typology cuts: the threshold, the ties at it, what counts as low.

    A quantile split of a scale score with few distinct values puts many
    cases *exactly at* the threshold; they count as low (high means strictly
    above).  This table says how many, and how high a "low" case can be.

    Parameters
    ----------
    typology : Typology
        From :func:`dick_basu` or :func:`jones_sasser`.
    x, y : Series or array-like
        The two axes the typology was made from.

    Returns
    -------
    DataFrame
        One row per axis (named as in ``typology.thresholds``):
        ``threshold``, ``share_high`` (strictly above), ``share_at``
        (exactly at the threshold, counted low), ``largest_low`` (the largest
        value counted low), ``minimum``, ``maximum`` and ``degenerate``
        (True when no case, or every case, is high on that axis, so that two
        cells of the grid are empty by construction).

    Notes
    -----
    Tested against counts by hand on a small example.

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. *Journal of the Academy of Marketing Science*,
    22(2), 99–113.

    Examples
    --------
    >>> t = jones_sasser([4, 5, 5, 7], [1, 2, 6, 7], satisfaction_threshold=5, loyalty_threshold=6)
    >>> split_summary(t, [4, 5, 5, 7], [1, 2, 6, 7])[["threshold", "share_high", "share_at", "largest_low"]]
                  threshold  share_high  share_at  largest_low
    axis                                                      
    satisfaction        5.0        0.25       0.5          5.0
    loyalty             6.0        0.25       0.25         6.0
    """
    names = tuple(typology.thresholds)
    a, b = _pair(x, y, names)
    rows = {}
    for name, values in zip(names, (a, b)):
        t = float(typology.thresholds[name])
        v = values.to_numpy(dtype=float)
        high = v > t
        rows[name] = {"threshold": t, "share_high": float(high.mean()), "share_at": float(np.isclose(v, t).mean()),
                      "largest_low": float(v[~high].max()) if (~high).any() else float("nan"),
                      "minimum": float(v.min()), "maximum": float(v.max()),
                      "degenerate": bool(high.all() or not high.any())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("axis")


def degenerate_splits(sensitivity: pd.DataFrame, *, names: tuple[str, str] = ("x", "y"), decimals: int = 3) -> list[str]:
    """Sentences on the quantile splits of :func:`threshold_sensitivity` that leave two cells empty by construction.

    When a quantile of a score with few distinct values falls on its maximum,
    no case is strictly above it: every "high" cell on that axis is empty
    (shares of 0), not because such customers do not exist but because of the
    tie at the top (and likewise when everyone is above a threshold at the
    minimum).

    Parameters
    ----------
    sensitivity : DataFrame
        The output of :func:`threshold_sensitivity` (with ``x_high, y_high``).
    names : (str, str)
        Words for the two axes.
    decimals : int, default 3

    Returns
    -------
    list of str
        One sentence per degenerate (axis, quantile); empty when none is.

    Notes
    -----
    Tested on the shipped sample's patronage at its 0.75 quantile (the
    maximum, 6 editions).

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. *Journal of the Academy of Marketing Science*,
    22(2), 99–113.
    """
    check_columns(sensitivity, ["x_quantile", "y_quantile", "x_threshold", "y_threshold", "x_high", "y_high"],
                  what="sensitivity", error=LoyaltyError)
    types = [c for c in sensitivity.columns if c in DICK_BASU_TYPES or c in JONES_SASSER_TYPES]
    out = []
    for axis, name in zip("xy", names):
        per_q = sensitivity.drop_duplicates(f"{axis}_quantile")
        for _, row in per_q.iterrows():
            high = row[f"{axis}_high"]
            if 0 < high < 1:
                continue
            q, t = row[f"{axis}_quantile"], row[f"{axis}_threshold"]
            rows = sensitivity[sensitivity[f"{axis}_quantile"] == q]
            empty = [c for c in types if np.allclose(rows[c], 0)]
            where = "the maximum: no case is strictly above it" if high == 0 else "below every case: all cases are above it"
            out.append(f"{name} at the {q:g} quantile: the threshold {t:.{decimals}g} is {where}, so the cells "
                       f"{', '.join(empty) or '(none)'} are empty by construction (a tie at the end of the scale, "
                       f"not an absence of such customers).")
    return out


#: The numbers of an interval and their verdicts for ``results.json``; lives in :mod:`crm_lab.results`.
interval_verdict = results.interval_verdict


def style_corrected_scores(survey: pd.DataFrame, *, scales: Sequence[str] = ("satisfaction", "conative"),
                           group: str = "region", anchors: Sequence[str] | None = None) -> pd.DataFrame:
    """Scale scores corrected for group response style (within-respondent standardisation), one column per scale.

    Each scale's items are standardised against the respondent's own mean
    and SD over the items and anchors (ipsatisation, Fischer 2004), as
    :func:`crm_lab.satisfaction.response_style_correction` does: a group
    that answers everything lower (a reserved response style) is no longer
    placed lower for it.  The scores are in SD units of the respondent, not
    on the 1–7 scale: split them at quantiles, not at scale points.

    Parameters
    ----------
    survey : DataFrame
        The survey with a *group* column (join ``region`` from the exhibitors
        table) and the items of each scale; index as the frame to align with.
    scales : sequence of str
        Names in :data:`crm_lab.schema.SCALES`.
    group : str, default "region"
    anchors : sequence of str, optional
        As for :func:`crm_lab.satisfaction.response_style_correction`.

    Returns
    -------
    DataFrame
        Index as *survey*; one column of corrected scores per scale.

    Notes
    -----
    Tested on a simulated market with a planted reserved southern style: the
    southern exhibitors' naive satisfaction gap shrinks after correction.

    References
    ----------
    Fischer, R. (2004). Standardization to account for cross-cultural
    response bias. *Journal of Cross-Cultural Psychology*, 35(3), 263–282.

    Baumgartner, H., & Steenkamp, J.-B. E. M. (2001). Response styles in
    marketing research: A cross-national investigation. *Journal of
    Marketing Research*, 38(2), 143–156.
    """
    from .satisfaction import response_style_correction

    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        raise LoyaltyError(f"'scales' must be names of crm_lab.schema.SCALES (got unknown {unknown})")
    return pd.DataFrame({
        scale: response_style_correction(survey, list(SCALES[scale]), group=group, anchors=anchors).details["corrected"]
        for scale in scales
    })


def loyalty_types(frame: pd.DataFrame, *, thresholds: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The loyalty types of THEORY.md §6 as flags, by the rules of :data:`LOYALTY_TYPES`.

    Parameters
    ----------
    frame : DataFrame
        As :func:`exhibitor_frame` returns: ``satisfaction, trust,
        switching_cost, financial_sc, affective, conative, attitude,
        editions_attended, monopoly``.  ``attitude`` is the relative attitude
        (the mean of the three layer scores).
    thresholds : mapping, optional
        Column -> threshold ("high" = strictly above); default each column's
        median.

    Returns
    -------
    DataFrame
        Boolean flags ``monopoly, inertia, interest, trust, latent`` (same
        index; an exhibitor can hold several types or none) and ``kinship``
        all missing (``pd.NA``): the data cannot tell it.

    Notes
    -----
    Tested against hand-built exhibitors, one per type.

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. *Journal of the Academy of Marketing Science*,
    22(2), 99–113.

    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.

    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.
    """
    cols = ["satisfaction", "trust", "switching_cost", "financial_sc", "affective", "conative", "attitude", "editions_attended", "monopoly"]
    check_columns(frame, cols, what="loyalty_types", error=LoyaltyError)
    values = numeric_columns(frame, cols[:-1], what="loyalty_types", error=LoyaltyError)
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - set(cols) - {"monopoly"}
    if unknown:
        raise LoyaltyError(f"thresholds names unknown columns {sorted(unknown)} (known: {cols[:-1]})")
    high = {}
    for c in cols[:-1]:
        high[c] = values[c].to_numpy() > _threshold(thresholds.get(c), values[c], f"thresholds[{c!r}]")
    mono = frame["monopoly"].to_numpy() == 1
    flags = pd.DataFrame(
        {
            "monopoly": mono & ~high["satisfaction"] & high["conative"],
            "inertia": high["editions_attended"] & ~high["attitude"] & ~high["switching_cost"],
            "interest": high["conative"] & high["financial_sc"] & ~high["affective"],
            "trust": high["trust"] & high["affective"] & high["conative"],
            "latent": high["attitude"] & ~high["editions_attended"],
        },
        index=frame.index,
    )
    flags["kinship"] = pd.array([pd.NA] * len(frame), dtype="boolean")
    return flags


# --------------------------------------------------------------------------
# the worth of loyal customers: NPS
# --------------------------------------------------------------------------
REICHHELD_CITATION = "Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review, 81(12), 46-54."


def net_promoter(scores: Any, *, confidence: float = 0.95):
    """The Net Promoter Score of one group with its Wald interval (Reichheld 2003).

    The one NPS implementation is :func:`crm_lab.satisfaction.nps`; this is
    it with ``method="wald"`` (the trinomial variance of Rocks 2016), as
    :func:`nps_difference` and :func:`worth_tests` use it.

    Returns
    -------
    crm_lab.satisfaction.NPSResult
        ``nps`` (−1..1), ``se``, ``ci_low``, ``ci_high``, ``promoters``,
        ``passives``, ``detractors``, ``n``.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard
    Business Review*, 81(12), 46–54.

    Rocks, B. (2016). Interval estimation for the "net promoter score".
    *The American Statistician*, 70(4), 365–372.

    Examples
    --------
    >>> r = net_promoter([10, 9, 8, 7, 3, 0, 10, 10])
    >>> round(r.nps, 3)
    0.25
    """
    from .satisfaction import nps

    return nps(scores, confidence=confidence, method="wald")


def _nps_values(result: Any) -> dict[str, float]:
    return {"nps": result.nps, "promoters": result.promoters, "detractors": result.detractors, "se": result.se,
            "ci_low": result.ci_low, "ci_high": result.ci_high, "n": result.n}


def nps_difference(a: Any, b: Any, *, labels: tuple[str, str] = ("a", "b"), confidence: float = 0.95) -> TestResult:
    """Compare the Net Promoter Scores of two independent groups.

    Parameters
    ----------
    a, b : array-like of int 0–10
        The answers of each group.
    labels : (str, str), default ("a", "b")
        Names of the groups in ``extra["groups"]``.
    confidence : float, default 0.95

    Returns
    -------
    TestResult
        ``estimate`` = NPS(a) − NPS(b) (−2..2 scale), Wald z-test and
        interval with the unpooled trinomial standard errors of
        :func:`net_promoter`; ``extra["groups"]``: each group's NPS,
        promoters, detractors, se, interval and n.

    Notes
    -----
    :math:`z = (NPS_a - NPS_b) / \\sqrt{SE_a^2 + SE_b^2}`.  Tested against
    the same statistic computed from two :func:`net_promoter` results.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard
    Business Review*, 81(12), 46–54.
    """
    level = check_confidence(confidence, error=LoyaltyError)
    ra, rb = net_promoter(a, confidence=level), net_promoter(b, confidence=level)
    d = ra.nps - rb.nps
    se = math.sqrt(ra.se**2 + rb.se**2)
    z = d / se if se > 0 else math.nan
    crit = sps.norm.ppf(0.5 + level / 2)
    return TestResult(
        test="Net Promoter Score difference (Wald z)",
        statistic=z,
        df=None,
        p_value=float(2 * sps.norm.sf(abs(z))) if se > 0 else math.nan,
        effect="NPS difference",
        estimate=d,
        ci_low=d - crit * se,
        ci_high=d + crit * se,
        se=se,
        n=ra.n + rb.n,
        confidence=level,
        method="NPS as the mean of a +1/0/-1 score; unpooled trinomial standard errors; Wald interval",
        citation=REICHHELD_CITATION,
        extra={"groups": {str(labels[0]): _nps_values(ra), str(labels[1]): _nps_values(rb)}},
        statistic_name="z",
    )


# --------------------------------------------------------------------------
# the layers: chain of regressions, SEM sequence, action stage
# --------------------------------------------------------------------------
#: The planted structure of the layers (simulate.py), as regressions on standardised scores.
CHAIN_FORMULAS = (
    "cognitive ~ satisfaction",
    "affective ~ cognitive + commitment",
    "conative ~ affective + commitment + satisfaction + switching_cost + satisfaction:switching_cost",
)


def _zscore(frame: pd.DataFrame, columns: Sequence[str], *, what: str, missing: str = "keep") -> pd.DataFrame:
    """The numeric columns standardised (mean 0, SD 1); a column that does not vary is an error."""
    out = numeric_columns(frame, columns, what=what, missing=missing, error=LoyaltyError)
    sd = out.std(ddof=1)
    flat = list(sd.index[~(sd > 0)])
    if flat:
        raise LoyaltyError(f"columns {flat} do not vary: they cannot be standardised")
    return (out - out.mean()) / sd


def chain_regressions(scores: pd.DataFrame, *, formulas: Sequence[str] = CHAIN_FORMULAS, confidence: float = 0.95) -> pd.DataFrame:
    """Oliver's chain as ordinary least-squares regressions on standardised scores.

    Parameters
    ----------
    scores : DataFrame
        One column per construct named in ``formulas`` (observed scale scores,
        or latent scores to see what the chain gives without measurement
        error).
    formulas : sequence of str
        statsmodels formulas, one per layer; default :data:`CHAIN_FORMULAS`,
        the structure planted in the simulator.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        ``lhs, rhs``, then the fixed result columns ``estimate, se, ci_low,
        ci_high, statistic`` (t), ``df`` (residual), ``p_value``
        (:func:`crm_lab.results.coef_table` of each fit, intercepts left
        out); each variable is standardised (z) before fitting, so the
        estimates are on the scale of the planted paths (latent constructs of
        unit variance).  Observed scores carry measurement error, which
        *attenuates* these estimates (Spearman 1904).

    Notes
    -----
    Tested against the planted paths: on the true latent scores of a large
    simulated market every estimate lies within 4 SE of its planted value.

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.

    Spearman, C. (1904). The proof and measurement of association between
    two things. *The American Journal of Psychology*, 15(1), 72–101.
    """
    level = check_confidence(confidence, error=LoyaltyError)
    names = list(dict.fromkeys(v for f in formulas for v in re.findall(r"[A-Za-z_]\w*", f)))
    z = _zscore(scores, names, what="chain_regressions")
    parts = []
    for formula in formulas:
        table = coef_table(smf.ols(formula, data=z).fit(), confidence=level).drop(index="Intercept")
        parts.append(table.rename_axis("rhs").reset_index().assign(lhs=formula.split("~")[0].strip()))
    out = pd.concat(parts, ignore_index=True)
    return out[["lhs", "rhs", *TABLE_COLUMNS]]


#: Structural parts of the three SEMs of :func:`layer_sequence`.
SEQUENCE_MODELS = {
    "chain": ("cognitive ~ satisfaction", "affective ~ cognitive", "conative ~ affective"),
    "planted": ("cognitive ~ satisfaction", "affective ~ cognitive + commitment", "conative ~ affective + commitment + satisfaction"),
    "all_at_once": (
        "cognitive ~ satisfaction + commitment",
        "affective ~ cognitive + satisfaction + commitment",
        "conative ~ affective + cognitive + satisfaction + commitment",
    ),
}


def sequence_model(structure: Sequence[str]) -> str:
    """A lavaan model: the measurement of satisfaction, commitment and the layers, plus ``structure``.

    Examples
    --------
    >>> print(sequence_model(["conative ~ affective"]).splitlines()[-1])
    conative ~ affective
    """
    measure = [f"{c} =~ {' + '.join(SCALES[c])}" for c in ("satisfaction", "commitment", *LAYERS)]
    return "\n".join([*measure, *structure])


def layer_sequence(survey: pd.DataFrame, *, models: Mapping[str, Sequence[str]] | None = None,
                   pairs: Sequence[tuple[str, str]] | None = None, confidence: float = 0.90):
    """Does the data support cognitive → affective → conative?  Nested SEMs compared.

    Parameters
    ----------
    survey : DataFrame
        The items of satisfaction, commitment and the three layers.
    models : mapping, optional
        Name -> structural regressions (each made a full model by
        :func:`sequence_model`); default :data:`SEQUENCE_MODELS`: ``chain``
        (Oliver's strict sequence: each layer only from the one before),
        ``planted`` (the simulator's structure: commitment and satisfaction
        also act directly) and ``all_at_once`` (every layer from
        satisfaction, commitment and all earlier layers).  Each is nested in
        the next: list them from the most restricted to the most general.
    pairs : sequence of (restricted, general), optional
        The comparisons; default each model against every later one
        (``chain vs planted``, ``chain vs all_at_once``, ``planted vs
        all_at_once``).
    confidence : float, default 0.90
        Level of the RMSEA_D interval of each comparison.

    Returns
    -------
    crm_lab.measurement.ModelComparison
        ``table``: one row per comparison (RMSEA_D with its interval, Δχ²,
        Δdf, p-value, ΔCFI, ΔAIC); ``fits``: one row per model (χ², df,
        CFI, TLI, RMSEA, SRMR, AIC, BIC, ...); ``tests``: ``"a vs b"`` ->
        the χ² difference :class:`~crm_lab.stats.TestResult`; ``models``:
        name -> :class:`~crm_lab.measurement.SEMResult` (semopy models on
        them).

    Notes
    -----
    :func:`crm_lab.measurement.compare_models` (``kind="sem"``) on
    loyalty's theory: every model is fitted by ML to the same complete rows
    and each restricted model is tested against the more general one by the
    likelihood-ratio (χ² difference) test.  Tested against the sample data,
    simulated with direct satisfaction and commitment paths: the differences
    in df are those of the models (3 and 3) and the strict chain is
    rejected.

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.

    Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). We need to change
    how we compute RMSEA for nested model comparisons in structural
    equation modeling. *Psychological Methods*.
    https://doi.org/10.1037/met0000537
    """
    from .measurement import compare_models

    models = SEQUENCE_MODELS if models is None else models
    return compare_models(survey, {name: sequence_model(structure) for name, structure in models.items()},
                          pairs=pairs, kind="sem", confidence=confidence)


OLIVER_CITATION = "Oliver, R. L. (1999). Whence consumer loyalty? Journal of Marketing, 63(Special Issue), 33-44."


@dataclass(frozen=True, repr=False)
class ActionStage(Result):
    """The action stage: coming back on conative loyalty alone, and on all layers (see :func:`action_stage`).

    Attributes
    ----------
    table : DataFrame
        Index ``(model, layer)`` (models ``chain`` and ``all_at_once``):
        ``estimate`` (log-odds per SD), ``se``, ``ci_low, ci_high``,
        ``statistic`` (z), ``df`` (NaN), ``p_value``, then ``odds_ratio``,
        ``or_low``, ``or_high``.
    test : TestResult
        LR χ² of the earlier layers beyond conative loyalty (2 df); effect:
        the odds ratio per SD of affective loyalty holding the others.
    chain, all_at_once : statsmodels Logit results
        The two fitted models.
    meta : dict
        n, confidence, method, citation, dropped (rows without a next
        edition, left out), covariates.
    """

    table: pd.DataFrame
    test: TestResult
    chain: Any = field(repr=False)
    all_at_once: Any = field(repr=False)
    meta: dict = field(default_factory=dict)

    _dict_fields = ("test",)

    @property
    def title(self) -> str:
        return "The action stage: coming back on the loyalty layers (logit, per SD)"

    @property
    def dropped(self) -> int:
        """Rows left out because the panel has no next edition for them."""
        return int(self.meta["dropped"])

    def _summary_lines(self, decimals: int) -> list[str]:
        return [self.test.report(decimals), ""]

    def __repr__(self) -> str:
        return self.summary()


def _odds_table(fit: Any, terms: Sequence[str], confidence: float) -> pd.DataFrame:
    """:func:`~crm_lab.results.coef_table` rows of *terms*, with odds ratios and their interval."""
    table = coef_table(fit, confidence=confidence).loc[list(terms)]
    return table.assign(odds_ratio=np.exp(table["estimate"]), or_low=np.exp(table["ci_low"]),
                        or_high=np.exp(table["ci_high"]))


def action_stage(
    frame: pd.DataFrame,
    *,
    returned: str = "returned",
    covariates: Sequence[str] = ("monopoly",),
    confidence: float = 0.95,
) -> ActionStage:
    """The action stage: does coming back depend on conative loyalty alone?

    Fits two logistic regressions of ``returned`` on standardised layer
    scores: the **chain** (conative only, as Oliver's sequence implies) and
    **all layers at once** (cognitive, affective and conative), each with
    ``covariates``; and tests with a likelihood-ratio test whether the earlier
    layers add anything once conative loyalty is known.

    Parameters
    ----------
    frame : DataFrame
        As :func:`exhibitor_frame` returns: the three layer scores,
        ``returned`` (0/1; rows where it is missing are left out and counted)
        and the ``covariates``.
    returned : str, default "returned"
    covariates : sequence of str, default ("monopoly",)
        Further formula terms of both models.
    confidence : float, default 0.95

    Returns
    -------
    ActionStage
        ``table`` (log-odds and odds ratios per SD, both models), ``test``
        (LR χ² on 2 df), ``chain`` and ``all_at_once`` (the statsmodels
        fits), ``meta["dropped"]``.

    Notes
    -----
    :math:`LR = 2(\\ell_{all} - \\ell_{chain}) \\sim \\chi^2_2` under the
    sequence.  Tested against the LR statistic of the two statsmodels fits.

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.
    """
    level = check_confidence(confidence, error=LoyaltyError)
    check_columns(frame, [returned, *LAYERS, *covariates], what="frame", error=LoyaltyError)
    keep = frame[returned].notna()
    _require_some(keep, returned)
    data = pd.concat([_zscore(frame.loc[keep], LAYERS, what="action_stage"), frame.loc[keep, [returned, *covariates]]],
                     axis=1)
    rhs = " + ".join(covariates)
    chain = smf.logit(f"{returned} ~ conative" + (f" + {rhs}" if rhs else ""), data=data).fit(disp=0)
    joint = smf.logit(f"{returned} ~ cognitive + affective + conative" + (f" + {rhs}" if rhs else ""), data=data).fit(disp=0)
    lr = 2 * (joint.llf - chain.llf)
    table = pd.concat({"chain": _odds_table(chain, ["conative"], level),
                       "all_at_once": _odds_table(joint, list(LAYERS), level)}, names=["model", "layer"])
    table = tidy_table(table, extras=("odds_ratio", "or_low", "or_high"))
    aff = table.loc[("all_at_once", "affective")]
    dropped = int((~keep).sum())
    test = TestResult(
        test="Likelihood-ratio test: cognitive and affective beyond conative",
        statistic=float(lr),
        df=2.0,
        p_value=float(sps.chi2.sf(lr, 2)),
        effect="odds ratio per SD of affective loyalty (all layers at once)",
        estimate=float(aff.odds_ratio),
        ci_low=float(aff.or_low),
        ci_high=float(aff.or_high),
        se=None,
        n=int(keep.sum()),
        confidence=level,
        method="logistic regressions (statsmodels Logit) on standardised layer scores; LR test of the nested models",
        citation=OLIVER_CITATION,
        extra={"dropped": dropped},
        statistic_name="χ²",
    )
    meta = {"n": int(keep.sum()), "confidence": level, "method": test.method, "citation": OLIVER_CITATION,
            "dropped": dropped, "covariates": list(covariates)}
    return ActionStage(table=table, test=test, chain=chain, all_at_once=joint, meta=meta)


# --------------------------------------------------------------------------
# ordinal regression of loyalty tiers
# --------------------------------------------------------------------------
TIER_LABELS = ("low", "middle", "high")


def loyalty_tiers(score: Any, *, cuts: Sequence[float] = (1 / 3, 2 / 3), labels: Sequence[str] = TIER_LABELS) -> pd.Series:
    """Ordered loyalty tiers from a score, cut at quantiles.

    Parameters
    ----------
    score : Series or array-like
        E.g. the attitudinal loyalty (mean of the three layer scores).
    cuts : sequence of float in (0, 1), increasing
        Quantiles of ``score`` that separate the tiers (default tertiles).
    labels : sequence of str
        One more label than cuts, lowest first.

    Returns
    -------
    Series
        Ordered categorical; a case's tier is the number of cut values its
        score is strictly above (ties at a cut go to the lower tier).

    Notes
    -----
    Tested against hand-built scores (ties at a cut, the index kept).

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *Journal of
    the Royal Statistical Society, Series B*, 42(2), 109–142.

    Examples
    --------
    >>> loyalty_tiers([1, 2, 3, 4, 5, 6], cuts=(0.5,), labels=("low", "high")).tolist()
    ['low', 'low', 'low', 'high', 'high', 'high']
    """
    s = numeric_values(score, "score", min_size=2, error=LoyaltyError)
    c = np.asarray(cuts, dtype=float)
    if c.ndim != 1 or c.size == 0 or not ((c > 0) & (c < 1)).all() or (np.diff(c) <= 0).any():
        raise LoyaltyError(f"'cuts' must be increasing quantiles strictly between 0 and 1 (got {cuts!r})")
    if len(labels) != c.size + 1 or len(set(labels)) != len(labels):
        raise LoyaltyError(f"'labels' must be {c.size + 1} different names, one more than cuts (got {list(labels)})")
    values = np.quantile(s, c)
    code = (s.to_numpy()[:, None] > values[None, :]).sum(axis=1)
    cat = pd.Categorical.from_codes(code, categories=list(labels), ordered=True)
    return pd.Series(cat, index=s.index, name="tier")


@dataclass(frozen=True, repr=False)
class OrdinalResult(Result):
    """A proportional-odds (ordered logit) regression (see :func:`ordinal_regression`).

    Attributes
    ----------
    table : DataFrame
        Index ``predictor``: ``estimate`` (log-odds), ``se``, ``ci_low,
        ci_high``, ``statistic`` (z), ``df`` (NaN), ``p_value``, then
        ``odds_ratio``, ``or_low``, ``or_high``.
    thresholds : Series
        The cut-points on the latent scale (``"low|middle"``, ...).
    model : statsmodels results
        The fitted ``OrderedModel``.
    meta : dict
        n, confidence, method, citation, tier, standardize.
    """

    table: pd.DataFrame
    thresholds: pd.Series
    model: Any = field(repr=False)
    meta: dict = field(default_factory=dict)

    _dict_fields = ("thresholds",)

    @property
    def title(self) -> str:
        return f"Ordered logit of {self.meta['tier']}" + (" (odds ratios per SD)" if self.meta["standardize"] else "")

    def _summary_lines(self, decimals: int) -> list[str]:
        cuts = ", ".join(f"{k} = {v:.{decimals}f}" for k, v in self.thresholds.items())
        return [f"Thresholds: {cuts}", ""]

    def __repr__(self) -> str:
        return self.summary()


def ordinal_regression(
    data: pd.DataFrame,
    *,
    tier: str,
    predictors: Sequence[str],
    standardize: bool = True,
    confidence: float = 0.95,
) -> OrdinalResult:
    """Proportional-odds (ordered logit) regression with odds ratios.

    Parameters
    ----------
    data : DataFrame
    tier : str
        An ordered categorical column (e.g. from :func:`loyalty_tiers`).
    predictors : sequence of str
        Numeric columns (no missing values).
    standardize : bool, default True
        Standardise the predictors (odds ratios per SD).
    confidence : float, default 0.95

    Returns
    -------
    OrdinalResult
        ``table`` (index predictor: ``estimate`` (log-odds), ``se, ci_low,
        ci_high, statistic`` (z), ``df, p_value``, then ``odds_ratio, or_low,
        or_high``), ``thresholds`` (the cut-points on the latent scale),
        ``model`` (the statsmodels results), ``meta["n"]``.

    Notes
    -----
    :math:`P(Y \\le j \\mid x) = \\operatorname{logit}^{-1}(\\theta_j - x^\\top\\beta)`
    (McCullagh 1980), fitted by maximum likelihood with statsmodels'
    ``OrderedModel(distr="logit")``; a positive β moves a case to higher
    tiers, and :math:`e^\\beta` is the odds ratio of being in a higher tier,
    the same for every cut.  Tested against R's ``MASS::polr`` on the UCLA
    ``apply ~ pared + public + gpa`` data (statsmodels' test results).

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *Journal of
    the Royal Statistical Society, Series B*, 42(2), 109–142.
    """
    level = check_confidence(confidence, error=LoyaltyError)
    check_columns(data, {"tier": tier, **{f"predictors[{i}]": p for i, p in enumerate(predictors)}}, what="data",
                  error=LoyaltyError)
    y = data[tier]
    if not (isinstance(y.dtype, pd.CategoricalDtype) and y.cat.ordered):
        raise LoyaltyError(f"column {tier!r} must be an ordered categorical (got dtype {y.dtype}); see loyalty_tiers")
    if y.isna().any():
        raise LoyaltyError(f"column {tier!r} has {int(y.isna().sum())} missing values (rows {rows_text(y.index[y.isna()])})")
    used = y.cat.remove_unused_categories()
    if len(used.cat.categories) < 2:
        raise LoyaltyError(f"column {tier!r} needs at least 2 observed tiers (got {list(used.cat.categories)})")
    if standardize:
        x = _zscore(data, predictors, what="ordinal_regression", missing="raise")
    else:
        x = numeric_columns(data, predictors, what="ordinal_regression", error=LoyaltyError)
    res = OrderedModel(used, x, distr="logit").fit(method="newton", disp=False, maxiter=200)
    table = _odds_table(res, list(predictors), level).rename_axis("predictor")
    table = tidy_table(table, extras=("odds_ratio", "or_low", "or_high"))
    cats = used.cat.categories
    thresholds = pd.Series(res.model.transform_threshold_params(res.params)[1:-1],
                           index=[f"{a}|{b}" for a, b in zip(cats[:-1], cats[1:])], name="threshold")
    meta = {"n": int(len(y)), "confidence": level, "tier": tier, "standardize": bool(standardize),
            "method": "proportional-odds (ordered logit) model, ML (statsmodels OrderedModel, Newton)"
                      + ("; predictors standardised" if standardize else ""),
            "citation": "McCullagh, P. (1980). Regression models for ordinal data. Journal of the Royal Statistical "
                        "Society, Series B, 42(2), 109-142."}
    return OrdinalResult(table=table, thresholds=thresholds, model=res, meta=meta)


# --------------------------------------------------------------------------
# the satisfaction-loyalty curve by market structure
# --------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class ReturnCurve(Result):
    """A fitted satisfaction → return curve by market structure.

    Attributes
    ----------
    full, restricted : statsmodels GLM results
        With and without the satisfaction × monopoly interaction.
    curve : DataFrame
        ``satisfaction, market_structure, p, ci_low, ci_high``: the mean
        predicted return probability over the sample's covariates
        (standardisation), with delta-method intervals.
    test : TestResult
        LR test of the interaction; effect: how much more the return
        probability rises from low to high satisfaction in competitive than
        in monopoly sectors.
    formula : str
    data : DataFrame
        The rows fitted.
    table : DataFrame
        The coefficients of ``full`` (:func:`crm_lab.results.coef_table`,
        index ``term``).
    meta : dict
        n, confidence, method, citation, formula, dropped.
    satisfaction, monopoly : str
        The column names used.
    """

    full: Any = field(repr=False)
    restricted: Any = field(repr=False)
    curve: pd.DataFrame
    test: TestResult
    formula: str
    data: pd.DataFrame = field(repr=False)
    table: pd.DataFrame
    meta: dict = field(default_factory=dict)
    satisfaction: str = "satisfaction"
    monopoly: str = "monopoly"

    _dict_fields = ("test", "curve")

    @property
    def title(self) -> str:
        return f"Satisfaction → return curve by market structure: {self.formula}"

    def _summary_lines(self, decimals: int) -> list[str]:
        return [self.test.report(decimals), ""]

    def __repr__(self) -> str:
        return self.summary()


def _glm_logit(formula: str, data: pd.DataFrame):
    """A binomial GLM (logit) fitted on patsy design matrices; the design is kept on the result."""
    y, x = patsy.dmatrices(formula, data, return_type="dataframe", NA_action="raise")
    result = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    result.design_info = x.design_info  # to rebuild the design for new data (stateful bs() knots included)
    return result


def _design(result, data: pd.DataFrame) -> np.ndarray:
    (x,) = patsy.build_design_matrices([result.design_info], data, return_type="matrix", NA_action="raise")
    return np.asarray(x)


def _mean_prediction(result, data: pd.DataFrame, changes: Mapping[str, Any]) -> tuple[float, np.ndarray]:
    """Mean predicted probability over ``data`` with ``changes`` applied, and its gradient in β."""
    x = _design(result, data.assign(**changes))
    p = expit(x @ result.params.to_numpy())
    return float(p.mean()), (p * (1 - p)) @ x / len(p)


def fit_return_curve(
    data: pd.DataFrame,
    *,
    satisfaction: str = "satisfaction",
    returned: str = "returned",
    monopoly: str = "monopoly",
    covariates: Sequence[str] = (),
    spline_df: int | None = None,
    low_high: tuple[float, float] = (0.1, 0.9),
    n_grid: int = 41,
    confidence: float = 0.95,
) -> ReturnCurve:
    """Fit P(return | satisfaction) separately shaped for monopoly and competitive sectors.

    Parameters
    ----------
    data : DataFrame
        One row per exhibitor: ``satisfaction`` (numeric), ``returned`` (0/1;
        rows with a missing value are dropped and counted in
        ``test.extra["dropped"]``), ``monopoly`` (0/1).
    covariates : sequence of str
        Further formula terms (e.g. ``"C(stage)"``); curves average over them.
    spline_df : int, optional
        None: logistic in satisfaction (``satisfaction * monopoly``); an int
        >= 3: a B-spline with that many degrees of freedom
        (``bs(satisfaction, df) * monopoly``, patsy).
    low_high : (float, float), default (0.1, 0.9)
        Quantiles of satisfaction between which the rise of the curve is
        compared.
    n_grid : int, default 41
        Points of the curve per market structure.
    confidence : float, default 0.95

    Returns
    -------
    ReturnCurve
        ``curve`` (the two curves with their bands), ``test`` (the LR test
        and the difference in rise), ``table`` (the coefficients of the full
        model), ``full`` and ``restricted`` (the statsmodels fits).

    Notes
    -----
    Binomial GLM with logit link (statsmodels).  The interaction is tested
    with the likelihood-ratio statistic :math:`2(\\ell_1 - \\ell_0)` on as many
    df as interaction terms.  The effect is
    :math:`[\\bar p_c(s_{hi}) - \\bar p_c(s_{lo})] - [\\bar p_m(s_{hi}) - \\bar p_m(s_{lo})]`
    — positive when the competitive curve is steeper — where
    :math:`\\bar p_g(s)` is the mean predicted probability with every
    exhibitor set to satisfaction *s* and structure *g*; its interval is by
    the delta method.  Theory (Jones & Sasser 1995; Jones, Mothersbaugh &
    Beatty 2000): flat and high under monopoly, steep near the top under
    competition.  Tested against statsmodels' ``Logit`` (coefficients, SEs,
    LR statistic and mean predictions) and for its size under no
    interaction.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.

    Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching
    barriers and repurchase intentions in services. *Journal of Retailing*,
    76(2), 259–274.
    """
    problems: list[str] = []
    level = check_confidence(confidence, error=LoyaltyError, problems=problems)
    n_grid = check_integer(n_grid, "n_grid", low=2, error=LoyaltyError, problems=problems)
    if spline_df is not None:
        check_integer(spline_df, "spline_df", low=3, error=LoyaltyError, problems=problems)
    raise_problems(problems, what="fit_return_curve", error=LoyaltyError)
    check_columns(data, {"satisfaction": satisfaction, "returned": returned, "monopoly": monopoly}, what="data",
                  error=LoyaltyError)
    keep = data[returned].notna()
    _require_some(keep, returned)
    d = data.loc[keep].copy()
    bad = ~d[returned].isin([0, 1])
    if bad.any():
        problems.append(f"column {returned!r} must be 0/1 (rows {rows_text(d.index[bad])})")
    if not d[monopoly].isin([0, 1]).all():
        problems.append(f"column {monopoly!r} must be 0/1 (1 = monopoly sector)")
    elif d[monopoly].nunique() < 2:
        problems.append(f"column {monopoly!r} must hold both market structures (got only {d[monopoly].unique().tolist()})")
    raise_problems(problems, what="fit_return_curve", error=LoyaltyError)
    d[satisfaction] = numeric_columns(d, [satisfaction], what="fit_return_curve", error=LoyaltyError)[satisfaction]
    sat_term = satisfaction if spline_df is None else f"bs({satisfaction}, df={int(spline_df)})"
    extra = "".join(f" + {c}" for c in covariates)
    formula = f"{returned} ~ {sat_term} * {monopoly}{extra}"
    restricted_formula = f"{returned} ~ {sat_term} + {monopoly}{extra}"
    full = _glm_logit(formula, d)
    restricted = _glm_logit(restricted_formula, d)
    lr = max(2 * (full.llf - restricted.llf), 0.0)
    df = int(full.df_model - restricted.df_model)
    cov = full.cov_params().to_numpy()
    crit = sps.norm.ppf(0.5 + level / 2)
    grid = np.linspace(d[satisfaction].min(), d[satisfaction].max(), n_grid)
    rows = []
    for label, m in (("competitive", 0), ("monopoly", 1)):
        for s in grid:
            p, g = _mean_prediction(full, d, {satisfaction: s, monopoly: m})
            se = math.sqrt(g @ cov @ g)
            rows.append((s, label, p, max(p - crit * se, 0.0), min(p + crit * se, 1.0)))
    curve = pd.DataFrame(rows, columns=[satisfaction, "market_structure", "p", "ci_low", "ci_high"])
    lo, hi = np.quantile(d[satisfaction], low_high)
    parts = {}
    for m in (0, 1):
        for s in (lo, hi):
            parts[(m, s)] = _mean_prediction(full, d, {satisfaction: s, monopoly: m})
    rise = {m: parts[(m, hi)][0] - parts[(m, lo)][0] for m in (0, 1)}
    grad = (parts[(0, hi)][1] - parts[(0, lo)][1]) - (parts[(1, hi)][1] - parts[(1, lo)][1])
    effect = rise[0] - rise[1]
    se = math.sqrt(grad @ cov @ grad)
    method = (f"binomial GLM (logit) {formula}; LR test of the interaction; rise of the mean predicted return "
              f"probability from the {low_high[0]:g} to the {low_high[1]:g} quantile of satisfaction, delta-method "
              "interval")
    test = TestResult(
        test="Likelihood-ratio test of satisfaction × market structure",
        statistic=float(lr),
        df=float(df),
        p_value=float(sps.chi2.sf(lr, df)),
        effect="steeper rise, competitive − monopoly",
        estimate=float(effect),
        ci_low=float(effect - crit * se),
        ci_high=float(effect + crit * se),
        se=float(se),
        n=int(len(d)),
        confidence=level,
        method=method,
        citation=JONES_SASSER_CITATION,
        extra={"rise_competitive": rise[0], "rise_monopoly": rise[1], "satisfaction_low": float(lo), "satisfaction_high": float(hi), "dropped": int((~keep).sum())},
        statistic_name="χ²",
    )
    meta = {"n": int(len(d)), "confidence": level, "method": method,
            "citation": f"{JONES_SASSER_CITATION}; Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). "
                        "Switching barriers and repurchase intentions in services. Journal of Retailing, 76(2), 259-274.",
            "formula": formula, "dropped": int((~keep).sum())}
    return ReturnCurve(full=full, restricted=restricted, curve=curve, test=test, formula=formula, data=d,
                       table=coef_table(full, confidence=level), meta=meta, satisfaction=satisfaction,
                       monopoly=monopoly)


# --------------------------------------------------------------------------
# a competitor opens a show in a monopoly sector
# --------------------------------------------------------------------------
def planted_entry_logits(latent: pd.DataFrame, monopoly: Any, params) -> tuple[np.ndarray, np.ndarray]:
    """The planted return logits per stage, without and with a competitor's show.

    Parameters
    ----------
    latent : DataFrame
        ``satisfaction`` and ``conative`` latent scores (truth.latent rows).
    monopoly : array-like of 0/1
        Whether each exhibitor's sector is a monopoly now.
    params : MarketParams
        The planted numbers.

    Returns
    -------
    (status_quo, entry) : ndarray, shape (4, n)
        Logit of coming back, per stage (rows :data:`crm_lab.schema.STAGES`).
        Assumptions: the rival show (i) removes the direct monopoly effect
        ``return_monopoly`` and (ii) removes the monopoly part of the
        switching cost (``sc_monopoly``), which lowers conative loyalty by
        ``sc_monopoly · (con_sc + con_sat_x_sc · satisfaction)``.

    Notes
    -----
    Tested against the simulator's return model, term by term.

    References
    ----------
    Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching
    barriers and repurchase intentions in services. *Journal of Retailing*,
    76(2), 259–274.
    """
    values = numeric_columns(latent, ["satisfaction", "conative"], what="latent", error=LoyaltyError)
    mono = numeric_array(monopoly, "monopoly", error=LoyaltyError)
    if mono.shape not in ((), (len(latent),)):
        raise LoyaltyError(f"'monopoly' must be one 0/1 value per row of 'latent' ({len(latent)}; got shape {mono.shape})")
    s, con = values["satisfaction"].to_numpy(), values["conative"].to_numpy()
    icpt = np.asarray(params.return_intercepts, dtype=float)[:, None]
    status = icpt + params.return_conative * con + params.return_monopoly * mono
    drop = mono * params.sc_monopoly * (params.con_sc + params.con_sat_x_sc * s)
    entry = icpt + params.return_conative * (con - drop)
    return status, entry


def curve_entry_logits(curve: ReturnCurve, rows: pd.DataFrame, *, n_draws: int = 500, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Return logits of ``rows`` from a fitted :class:`ReturnCurve`, as monopoly and as competitive.

    The coefficients are drawn ``n_draws`` times from their asymptotic normal
    distribution, so that the simulation carries the estimation uncertainty.
    Assumption: a sector whose monopoly ends moves its exhibitors onto the
    competitive curve at their own satisfaction.

    Parameters
    ----------
    curve : ReturnCurve
        From :func:`fit_return_curve`.
    rows : DataFrame
        The exhibitors to simulate, with the columns of the curve's formula.
    n_draws : int, default 500
        Draws of the coefficients (one per replication of
        :func:`simulate_competitor_entry`).
    rng : int, Generator or None

    Returns
    -------
    (status_quo, entry) : ndarray, shape (n_draws, n)

    Notes
    -----
    A Monte Carlo draw from the fitted model's asymptotic sampling
    distribution :math:`\\beta^* \\sim N(\\hat\\beta, \\hat V)` (King, Tomz &
    Wittenberg 2000), not a bootstrap: the data are not resampled.

    References
    ----------
    King, G., Tomz, M., & Wittenberg, J. (2000). Making the most of
    statistical analyses: Improving interpretation and presentation.
    *American Journal of Political Science*, 44(2), 347–361.
    """
    gen = np.random.default_rng(rng)
    n_draws = check_integer(n_draws, "n_draws", low=1, error=LoyaltyError)
    check_columns(rows, [curve.satisfaction], what="rows", error=LoyaltyError)
    beta = gen.multivariate_normal(curve.full.params.to_numpy(), curve.full.cov_params().to_numpy(), size=n_draws, method="cholesky")
    out = []
    for m in (1, 0):
        new = rows.assign(**{curve.monopoly: m})
        out.append(beta @ _design(curve.full, new).T)
    return out[0], out[1]


def simulate_competitor_entry(
    status_quo: np.ndarray,
    entry: np.ndarray,
    *,
    stage: Any = None,
    transition: Any = None,
    n_editions: int = 5,
    n_reps: int = 500,
    confidence: float = 0.90,
    rng=None,
) -> pd.DataFrame:
    """Simulate who is still exhibiting over the next editions, with and without a rival show.

    Parameters
    ----------
    status_quo, entry : ndarray
        Logits of coming back to each next edition.  Shape ``(n,)`` or
        ``(n_reps, n)`` (stage-free; e.g. from :func:`curve_entry_logits`), or
        with a stage axis ``(4, n)`` / ``(n_reps, 4, n)`` (from
        :func:`planted_entry_logits`), then ``stage`` and ``transition`` are
        needed.
    stage : array-like of int, optional
        Current stage index (0..3, :data:`~crm_lab.schema.STAGES`) per exhibitor.
    transition : array-like (4, 4), optional
        Stage transition probabilities of those who come back.
    n_editions : int, default 5
        Editions simulated ahead.
    n_reps : int, default 500
        Replications.
    confidence : float, default 0.90
        Central share of the replications inside the band ``low, high``
        (0.90: their 5th and 95th percentiles;
        :func:`crm_lab.resampling.percentile_interval`).
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        ``edition_ahead`` (0..n_editions), ``scenario`` (``no rival``,
        ``rival opens``, ``extra leavers``), ``mean``, ``low``, ``high``: the
        share of the exhibitors still exhibiting (for ``extra leavers``: no
        rival minus rival opens, the share driven away by the competitor),
        its mean over the replications and their percentile band.

    Notes
    -----
    Each replication draws, per edition and exhibitor, one uniform number
    for the return decision and one for the stage move, shared by both
    scenarios (common random numbers), so the difference reflects the
    competitor and not noise.  Lapsing is for good, as in the simulator.
    Vectorised over replications and exhibitors; the loop runs over editions.
    Tested against the geometric survival :math:`p^h` of a constant return
    probability, and for common random numbers (equal logits: no extra
    leavers in any replication).

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.
    """
    gen = np.random.default_rng(rng)
    problems: list[str] = []
    n_editions = check_integer(n_editions, "n_editions", low=1, error=LoyaltyError, problems=problems)
    n_reps = check_integer(n_reps, "n_reps", low=1, error=LoyaltyError, problems=problems)
    confidence = check_confidence(confidence, error=LoyaltyError, problems=problems)
    raise_problems(problems, what="simulate_competitor_entry", error=LoyaltyError)
    sq = numeric_array(status_quo, "status_quo", missing="keep", error=LoyaltyError)
    en = numeric_array(entry, "entry", missing="keep", error=LoyaltyError)
    if sq.shape != en.shape:
        raise LoyaltyError(f"'status_quo' and 'entry' must have the same shape (got {sq.shape} and {en.shape})")
    if not np.isfinite(sq).all() or not np.isfinite(en).all():
        raise LoyaltyError("'status_quo' and 'entry' must be finite logits")
    staged = stage is not None
    if staged:
        st = np.asarray(stage)
        n = st.size
        if sq.shape not in ((len(STAGES), n), (n_reps, len(STAGES), n)):
            raise LoyaltyError(f"with 'stage', the logits must have shape (4, {n}) or ({n_reps}, 4, {n}) (got {sq.shape})")
        if transition is None:
            raise LoyaltyError("'transition' is needed with 'stage'")
        t = np.asarray(transition, dtype=float)
        if t.shape != (4, 4) or (t < 0).any() or not np.allclose(t.sum(axis=1), 1):
            raise LoyaltyError(f"'transition' must be a 4x4 matrix of probabilities with rows summing to 1 (got shape {t.shape})")
        if not np.isin(st, np.arange(4)).all():
            raise LoyaltyError("'stage' must hold stage indices 0..3 (exploration, formation, stability, decline)")
        cum = np.cumsum(t, axis=1)
        sq = np.broadcast_to(sq, (n_reps, 4, n))
        en = np.broadcast_to(en, (n_reps, 4, n))
    else:
        n = sq.shape[-1]
        if sq.shape not in ((n,), (n_reps, n)):
            raise LoyaltyError(f"stage-free logits must have shape (n,) or ({n_reps}, n) (got {sq.shape})")
        sq = np.broadcast_to(sq, (n_reps, n))
        en = np.broadcast_to(en, (n_reps, n))
    if n == 0:
        raise LoyaltyError("no exhibitors to simulate (the logits are empty)")
    share = np.ones((2, n_reps, n_editions + 1))
    active = np.ones((2, n_reps, n), dtype=bool)
    cur = np.broadcast_to(np.asarray(stage if staged else np.zeros(n, int)), (2, n_reps, n)).copy()
    r_ix, i_ix = np.arange(n_reps)[:, None], np.arange(n)[None, :]
    for h in range(1, n_editions + 1):
        u = gen.random((n_reps, n))
        v = gen.random((n_reps, n))
        for k, lp in enumerate((sq, en)):
            logit = lp[r_ix, cur[k], i_ix] if staged else lp
            active[k] &= u < expit(logit)
            if staged:
                cur[k] = np.minimum((v[..., None] > cum[cur[k]]).sum(-1), 3)
        share[:, :, h] = active.mean(axis=2)
    series = {"no rival": share[0], "rival opens": share[1], "extra leavers": share[0] - share[1]}
    parts = []
    for name, arr in series.items():
        low, high = percentile_interval(arr, confidence, axis=0)
        parts.append(pd.DataFrame({"edition_ahead": np.arange(n_editions + 1), "scenario": name,
                                   "mean": arr.mean(axis=0), "low": low, "high": high}))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------
# estimates beside the truth; the worth of loyal customers
# --------------------------------------------------------------------------
def paths_beside_truth(truth, estimates: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Path estimates of several methods in one table beside the planted values.

    Parameters
    ----------
    truth : Truth or None
        The planted truth; None (a user's data) leaves the ``planted`` column empty.
    estimates : mapping
        Method name -> DataFrame with ``lhs, rhs, estimate`` (e.g. from
        :func:`chain_regressions` or ``SEMResult.paths`` with
        ``std_estimate`` renamed).

    Returns
    -------
    DataFrame
        Index ``(lhs, rhs)``; ``planted`` and one column per method.

    Notes
    -----
    Tested against the planted paths of a simulated market.

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.
    """
    cols = {}
    for name, table in estimates.items():
        check_columns(table, ["lhs", "rhs", "estimate"], what=f"estimates[{name!r}]", error=LoyaltyError)
        cols[name] = table.set_index(["lhs", "rhs"])["estimate"]
    out = pd.DataFrame(cols)
    if truth is not None:
        planted = truth.paths[truth.paths.op == "~"].set_index(["lhs", "rhs"])["value"]
        out.insert(0, "planted", planted.reindex(out.index))
    else:
        out.insert(0, "planted", np.nan)
    return out


#: What loyal customers are worth (THEORY.md §6), as survey and panel columns.
WORTH_MEASURES = {
    "price_sensitivity": "would switch for a 10% cheaper show (1-7; lower is better)",
    "failure_tolerance": "would forgive a small service failure (1-7)",
    "complaints": "complaints filed in the past year (count)",
    "spend": "spend at the survey edition (booth + services, CNY)",
}


@dataclass(frozen=True, repr=False)
class WorthTests(Result):
    """Loyal against other customers on what loyalty is worth (see :func:`worth_tests`).

    Attributes
    ----------
    table : DataFrame
        Index ``measure``, one row per measure compared: ``estimate`` (the
        effect: NPS difference for ``nps``, Hedges' g for the others),
        ``se, ci_low, ci_high, statistic`` (z or Welch's t), ``df``,
        ``p_value``, then ``effect`` (its name) and ``n``.
    tests : dict
        Measure -> :class:`~crm_lab.stats.TestResult` (with each group's
        summary in ``extra``).
    meta : dict
        n, confidence, method, citation, labels, n_loyal.
    """

    table: pd.DataFrame
    tests: dict = field(repr=False)
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        a, b = self.meta["labels"]
        return f"What loyalty is worth: {a} against {b}"

    def _summary_lines(self, decimals: int) -> list[str]:
        return [f"{name}: {t.report(decimals)}" for name, t in self.tests.items()] + [""]

    def __repr__(self) -> str:
        return self.summary()


def worth_tests(frame: pd.DataFrame, group: Any, *, labels: tuple[str, str] = ("loyal", "other"),
                confidence: float = 0.95) -> WorthTests:
    """Compare loyal and other exhibitors on word of mouth, price sensitivity, tolerance, complaints, spend.

    Parameters
    ----------
    frame : DataFrame
        As :func:`exhibitor_frame` returns; the measures present among
        ``nps`` and :data:`WORTH_MEASURES` are compared.
    group : array-like of bool
        True for the loyal exhibitors (e.g. Dick & Basu ``true`` loyalty).
    labels : (str, str), default ("loyal", "other")
    confidence : float, default 0.95

    Returns
    -------
    WorthTests
        ``table``: one row per measure; ``tests``: measure ->
        :class:`~crm_lab.stats.TestResult`: ``nps`` by
        :func:`nps_difference`, the others by Welch's t with Hedges' g
        (:func:`crm_lab.stats.welch_t`).

    Notes
    -----
    Tested against the planted world: loyal exhibitors tolerate failures
    more and are less price sensitive.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard
    Business Review*, 81(12), 46–54.

    Welch, B. L. (1947). The generalization of "Student's" problem when
    several different population variances are involved. *Biometrika*,
    34(1–2), 28–35.

    Hedges, L. V. (1981). Distribution theory for Glass's estimator of
    effect size and related estimators. *Journal of Educational
    Statistics*, 6(2), 107–128.
    """
    level = check_confidence(confidence, error=LoyaltyError)
    check_frame(frame, "worth_tests", min_rows=4, error=LoyaltyError)
    g = np.asarray(group)
    if g.dtype != bool or g.shape != (len(frame),):
        raise LoyaltyError(f"'group' must be {len(frame)} booleans, one per row of frame (got dtype {g.dtype}, shape {g.shape})")
    if g.all() or not g.any():
        raise LoyaltyError("'group' must hold both loyal (True) and other (False) exhibitors")
    tests = {}
    if "nps" in frame:
        tests["nps"] = nps_difference(frame["nps"][g], frame["nps"][~g], labels=labels, confidence=level)
    for col in WORTH_MEASURES:
        if col in frame:
            tests[col] = welch_t(frame[col][g], frame[col][~g], labels=labels, confidence=level)
    if not tests:
        raise LoyaltyError(f"frame has none of the measures {['nps', *WORTH_MEASURES]}")
    table = pd.concat([t.table for t in tests.values()]).reset_index(names="effect")
    table.index = pd.Index(list(tests), name="measure")
    table["n"] = [t.n for t in tests.values()]
    table = tidy_table(table, extras=("effect", "n"))
    meta = {"n": len(frame), "confidence": level, "labels": [str(x) for x in labels], "n_loyal": int(g.sum()),
            "method": "NPS difference by a Wald z-test (unpooled trinomial SEs); the other measures by Welch's t with "
                      "Hedges' g and its interval",
            "citation": f"{REICHHELD_CITATION}; Welch, B. L. (1947). Biometrika, 34(1-2), 28-35; "
                        "Hedges, L. V. (1981). Journal of Educational Statistics, 6(2), 107-128."}
    return WorthTests(table=table, tests=tests, meta=meta)


# --------------------------------------------------------------------------
# figures (axes-level: draw into ax, return it)
# --------------------------------------------------------------------------
def _axes(ax):
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def plot_typology(typology: Typology, x: Any, y: Any, *, jitter: float = 0.08, rng=None, ax=None):
    """Scatter of the two axes coloured by type, with the threshold lines.

    The points are jittered (uniform, ± ``jitter``) because scale scores take
    few distinct values; the thresholds are drawn where they are.  Colours are
    the suite's (:data:`crm_lab.plots.TYPE_COLORS`), labels human
    (:func:`crm_lab.plots.label`), the legend outside the axes.

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. *Journal of the Academy of Marketing Science*,
    22(2), 99–113.

    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.
    """
    from .plots import TYPE_COLORS, label

    ax = _axes(ax)
    a, b = _pair(x, y, tuple(typology.thresholds))
    gen = np.random.default_rng(rng)
    xs = a.to_numpy() + gen.uniform(-jitter, jitter, len(a))
    ys = b.to_numpy() + gen.uniform(-jitter, jitter, len(b))
    labels = typology.labels.to_numpy()
    for name in typology.labels.cat.categories:
        keep = labels == name
        ax.scatter(xs[keep], ys[keep], s=14, alpha=0.6, color=TYPE_COLORS.get(name), label=f"{label(name)} ({keep.sum()})")
    tx, ty = typology.thresholds.values()
    ax.axvline(tx, color="0.3", lw=1, ls="--")
    ax.axhline(ty, color="0.3", lw=1, ls="--")
    names = list(typology.thresholds)
    ax.set(xlabel=label(names[0]), ylabel=label(names[1]), title=typology.name)
    ax.legend(title="type (n); dashed: thresholds", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_paths(paths: pd.DataFrame, *, truth_column: str = "planted", ax=None):
    """Horizontal bars of each path's estimates, one colour per method, with the planted value as a black diamond.

    Parameters
    ----------
    paths : DataFrame
        As :func:`paths_beside_truth` returns: index (lhs, rhs), one column
        per method and a *truth_column* (NaN where a method has no such path).
    truth_column : str, default "planted"
    ax : matplotlib Axes, optional

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(Special Issue), 33–44.
    """
    from .plots import label

    ax = _axes(ax)
    methods = [c for c in paths.columns if c != truth_column]
    pos = np.arange(len(paths))
    height = 0.8 / max(len(methods), 1)
    for k, method in enumerate(methods):
        ax.barh(pos - 0.4 + height * (k + 0.5), paths[method].to_numpy(dtype=float), height=height, alpha=0.8,
                color=f"C{k}", label=method)
    if truth_column in paths:
        ax.scatter(paths[truth_column], pos, color="black", marker="D", zorder=3, label="planted value")
    names = [f"{' × '.join(label(p) for p in str(rhs).split(':'))} → {label(lhs)}" for lhs, rhs in paths.index]
    ax.set_yticks(pos, names)
    ax.invert_yaxis()
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set(xlabel="standardised path", ylabel="")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_return_curve(curve: ReturnCurve, *, planted: ReturnCurve | None = None, ax=None):
    """The fitted return curves by market structure with their bands (and the planted curves, dashed).

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.
    """
    from .plots import label as _label

    ax = _axes(ax)
    colors = {"competitive": "C0", "monopoly": "C1"}
    for label, part in curve.curve.groupby("market_structure"):
        x = part[curve.satisfaction]
        ax.plot(x, part["p"], color=colors[label], label=f"{_label(label)}: estimate")
        ax.fill_between(x, part["ci_low"], part["ci_high"], color=colors[label], alpha=0.2)
        if planted is not None:
            ref = planted.curve[planted.curve.market_structure == label]
            ax.plot(ref[planted.satisfaction], ref["p"], color=colors[label], ls="--",
                    label=f"{_label(label)}: planted, large sample")
    ax.set(xlabel="Satisfaction (scale score)", ylabel="P(back at the next edition)", ylim=(0, 1))
    ax.legend(title="bands: pointwise CI", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_entry(simulations: Mapping[str, pd.DataFrame], *, scenario: str = "extra leavers", ax=None):
    """Share of exhibitors driven away by a rival show, edition by edition, with its band, per simulation.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.
    """
    ax = _axes(ax)
    for k, (name, sim) in enumerate(simulations.items()):
        check_columns(sim, ["edition_ahead", "scenario", "mean", "low", "high"], what=f"simulations[{name!r}]",
                      error=LoyaltyError)
        part = sim[sim["scenario"] == scenario]
        ax.plot(part["edition_ahead"], part["mean"], marker="o", color=f"C{k}", label=name)
        ax.fill_between(part["edition_ahead"], part["low"], part["high"], color=f"C{k}", alpha=0.2)
    ax.set(xlabel="Editions after the rival show opens", ylabel=f"Share of hostages: {scenario}")
    ax.legend(title="bands: 5th–95th percentile", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax
