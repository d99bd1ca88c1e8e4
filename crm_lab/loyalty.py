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
user-settable) and states them in its result.  Bad input raises
:class:`LoyaltyError` (a ``ValueError``) naming the argument, column or rows.

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

import html
import math
import numbers
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

from .schema import SCALES, STAGES
from .stats import TestResult, proportion_ci, welch_t

__all__ = [
    "DICK_BASU_TYPES",
    "JONES_SASSER_TYPES",
    "LAYERS",
    "LAYER_MODEL",
    "LOYALTY_TYPES",
    "SCORE_SCALES",
    "LoyaltyError",
    "ReturnCurve",
    "Typology",
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
    "threshold_sensitivity",
    "transition_matrix",
]


class LoyaltyError(ValueError):
    """Bad input to a :mod:`crm_lab.loyalty` function (names what and what was expected)."""


#: Oliver's (1999) attitudinal layers, in their theorised order (then the action stage).
LAYERS = ("cognitive", "affective", "conative")

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
# checks (one helper per kind)
# --------------------------------------------------------------------------
def _require_columns(data: Any, columns: Sequence[str], what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise LoyaltyError(f"{what} must be a pandas DataFrame (got {type(data).__name__})")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise LoyaltyError(f"{what} lacks the columns {missing} (it has {list(map(str, data.columns))[:30]})")


def _numeric(values: Any, name: str) -> pd.Series:
    """A numeric Series without missing values (positions of bad rows named)."""
    if isinstance(values, pd.DataFrame) or np.ndim(values) != 1:
        raise LoyaltyError(f"{name!r} must be one-dimensional (got shape {np.shape(values)})")
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        raise LoyaltyError(f"{name!r} must hold numbers (got dtype {s.dtype})")
    bad = ~np.isfinite(s.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        where = list(s.index[bad][:5])
        raise LoyaltyError(f"{name!r} has {int(bad.sum())} missing or infinite values (rows {where}); drop or impute them first")
    if s.size < 2:
        raise LoyaltyError(f"{name!r} needs at least 2 values (got {s.size})")
    return s.astype(float)


def _pair(x: Any, y: Any, names: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    a, b = _numeric(x, names[0]), _numeric(y, names[1])
    if len(a) != len(b):
        raise LoyaltyError(f"{names[0]!r} and {names[1]!r} must have the same length (got {len(a)} and {len(b)})")
    if isinstance(x, pd.Series) and isinstance(y, pd.Series) and not a.index.equals(b.index):
        raise LoyaltyError(f"{names[0]!r} and {names[1]!r} must have the same index (the same exhibitors in the same order)")
    if not isinstance(x, pd.Series) and isinstance(y, pd.Series):
        a.index = b.index
    b.index = a.index
    return a, b


def _threshold(value: Any, data: pd.Series, name: str) -> float:
    if value is None:
        return float(data.median())
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise LoyaltyError(f"{name!r} must be a finite number or None for the median (got {value!r})")
    return float(value)


def _require_some(known: pd.Series, column: str) -> None:
    if known.sum() < 10:
        raise LoyaltyError(
            f"column {column!r} is known for only {int(known.sum())} rows (at least 10 needed): the panel has no next "
            "edition after the survey for the others (a survey at the last edition cannot show who came back)"
        )


def _confidence(confidence: Any) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise LoyaltyError(f"'confidence' must be > 0 and < 1 (got {confidence!r})")
    return float(confidence)


def _positive_int(value: Any, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise LoyaltyError(f"{name!r} must be an integer >= {low} (got {value!r})")
    return int(value)


# --------------------------------------------------------------------------
# scores and the analysis frame
# --------------------------------------------------------------------------
def layer_scores(survey: pd.DataFrame, *, scales: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Scale scores (mean of the items) of the loyalty layers and their antecedents.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent with the item columns.
    scales : mapping, optional
        Score name -> its items; default :data:`SCORE_SCALES` (satisfaction,
        commitment, trust, switching_cost, financial_sc and the three layers).

    Returns
    -------
    DataFrame
        One column per score, same index as ``survey``; scores on the items'
        1–7 scale.

    Raises
    ------
    LoyaltyError
        A missing item column, or missing values in an item (count and rows
        named: the mean of the rest would silently change the scale).

    Examples
    --------
    >>> df = pd.DataFrame({"a1": [1, 7], "a2": [3, 5]})
    >>> layer_scores(df, scales={"a": ("a1", "a2")})["a"].tolist()
    [2.0, 6.0]
    """
    scales = SCORE_SCALES if scales is None else scales
    needed = list(dict.fromkeys(item for items in scales.values() for item in items))
    _require_columns(survey, needed, "survey")
    values = survey[needed].apply(pd.to_numeric, errors="coerce")
    bad = values.isna()
    if bad.to_numpy().any():
        cols = list(bad.columns[bad.any()])
        rows = list(values.index[bad.any(axis=1)][:5])
        raise LoyaltyError(f"survey items {cols} have {int(bad.to_numpy().sum())} missing or non-numeric answers (rows {rows})")
    return pd.DataFrame({name: values[list(items)].mean(axis=1) for name, items in scales.items()}, index=survey.index)


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
    """
    from .overview import market_structure, next_edition_returns

    for name in ("survey", "exhibitors", "sectors", "participation"):
        if name not in tables:
            raise LoyaltyError(f"tables lacks the table {name!r} (it has {sorted(tables)})")
    survey, panel = tables["survey"], tables["participation"]
    _require_columns(survey, ["exhibitor_id", "edition"], "survey")
    _require_columns(panel, ["exhibitor_id", "edition", "participated", "stage", "booth_spend", "services_spend"], "participation")
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
    """
    from .simulate import simulate_market

    n_exhibitors = _positive_int(n_exhibitors, "n_exhibitors", 1000)
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
@dataclass(frozen=True)
class Typology:
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
    """

    name: str
    labels: pd.Series
    thresholds: dict
    rule: str
    confidence: float = 0.95

    @property
    def table(self) -> pd.DataFrame:
        """Counts and shares per type, with Wilson intervals (index: type)."""
        counts = self.labels.value_counts().reindex(self.labels.cat.categories, fill_value=0)
        n = int(counts.sum())
        rows = [(int(k), *proportion_ci(int(k), n, confidence=self.confidence)) for k in counts]
        out = pd.DataFrame(rows, columns=["n", "share", "ci_low", "ci_high"], index=counts.index)
        out.index.name = "type"
        return out

    def __repr__(self) -> str:
        return self.summary()

    def summary(self, decimals: int = 3) -> str:
        """The rule, the thresholds and the table as text."""
        lines = [self.name, self.rule, "thresholds: " + ", ".join(f"{k} > {v:.{decimals}g}" for k, v in self.thresholds.items())]
        return "\n".join(lines + [self.table.round(decimals).to_string()])

    def _repr_html_(self) -> str:
        head = f"<strong>{html.escape(self.name)}</strong><p>{html.escape(self.rule)}; thresholds: " + ", ".join(
            f"{html.escape(k)} &gt; {v:.3g}" for k, v in self.thresholds.items()
        )
        return f"<div>{head}</p>{self.table.round(3).to_html()}</div>"


def _grid(x, y, names, x_threshold, y_threshold, categories, title, rule, confidence) -> Typology:
    a, b = _pair(x, y, names)
    tx = _threshold(x_threshold, a, f"{names[0]}_threshold")
    ty = _threshold(y_threshold, b, f"{names[1]}_threshold")
    code = 2 * (a.to_numpy() > tx) + (b.to_numpy() > ty)  # 3: high/high, 2: high/low, 1: low/high, 0: low/low
    labels = pd.Series(
        pd.Categorical.from_codes(3 - code, categories=categories), index=a.index, name="type"
    )
    return Typology(title, labels, {names[0]: tx, names[1]: ty}, rule, _confidence(confidence))


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
        patronage), ``spurious`` (low attitude, high patronage), ``none``.

    Examples
    --------
    >>> t = dick_basu([6, 6, 2, 2], [5, 1, 5, 1], attitude_threshold=4, patronage_threshold=3)
    >>> t.labels.tolist()
    ['true', 'latent', 'spurious', 'none']
    """
    return _grid(
        attitude, patronage, ("attitude", "patronage"), attitude_threshold, patronage_threshold,
        list(DICK_BASU_TYPES), "Dick & Basu (1994)", "relative attitude × repeat patronage", confidence,
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
        loyalty), ``terrorist`` (low, low).

    Examples
    --------
    >>> t = jones_sasser([7, 7, 1, 1], [7, 1, 7, 1], satisfaction_threshold=4, loyalty_threshold=4)
    >>> t.labels.tolist()
    ['loyalist', 'mercenary', 'hostage', 'terrorist']
    """
    return _grid(
        satisfaction, loyalty, ("satisfaction", "loyalty"), satisfaction_threshold, loyalty_threshold,
        list(JONES_SASSER_TYPES), "Jones & Sasser (1995)", "satisfaction × loyalty", confidence,
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
    """
    if kind not in ("dick_basu", "jones_sasser"):
        raise LoyaltyError(f"'kind' must be 'dick_basu' or 'jones_sasser' (got {kind!r})")
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
    return out


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
    """
    cols = ["satisfaction", "trust", "switching_cost", "financial_sc", "affective", "conative", "attitude", "editions_attended", "monopoly"]
    _require_columns(frame, cols, "frame")
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - set(cols) - {"monopoly"}
    if unknown:
        raise LoyaltyError(f"thresholds names unknown columns {sorted(unknown)} (known: {cols[:-1]})")
    high = {}
    for c in cols[:-1]:
        s = _numeric(frame[c], c)
        high[c] = s.to_numpy() > _threshold(thresholds.get(c), s, f"thresholds[{c!r}]")
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
def _nps_parts(scores: Any, name: str) -> tuple[float, float, int]:
    s = _numeric(scores, name).to_numpy()
    if ((s < 0) | (s > 10) | (s != np.round(s))).any():
        raise LoyaltyError(f"{name!r} must be whole numbers from 0 to 10 (got values such as {sorted(set(s[(s < 0) | (s > 10) | (s != np.round(s))]))[:5]})")
    pro, det = float(np.mean(s >= 9)), float(np.mean(s <= 6))
    return pro, det, s.size


def net_promoter(scores: Any, *, confidence: float = 0.95) -> dict[str, float]:
    """The Net Promoter Score (Reichheld 2003) with its standard error and Wald interval.

    Parameters
    ----------
    scores : array-like of int 0–10
        Answers to "How likely is it that you would recommend ...?".
    confidence : float, default 0.95

    Returns
    -------
    dict
        ``nps`` (share of promoters 9–10 minus share of detractors 0–6, on
        the −1..1 scale; ×100 for the usual points), ``promoters``,
        ``detractors``, ``se``, ``ci_low``, ``ci_high``, ``n``.

    Notes
    -----
    NPS is the mean of a score that is +1 for a promoter, 0 for a passive
    and −1 for a detractor; its variance is that of the trinomial,
    :math:`\\operatorname{Var} = (p_+ + p_-) - (p_+ - p_-)^2`, so
    :math:`SE = \\sqrt{\\operatorname{Var}/n}`.  Tested against the covariance
    of :class:`scipy.stats.multinomial`.

    Examples
    --------
    >>> r = net_promoter([10, 9, 8, 7, 3, 0, 10, 10])
    >>> round(r["nps"], 3), r["n"]
    (0.25, 8)
    """
    level = _confidence(confidence)
    pro, det, n = _nps_parts(scores, "scores")
    nps = pro - det
    se = math.sqrt(max(pro + det - nps**2, 0.0) / n)
    z = sps.norm.ppf(0.5 + level / 2)
    return {"nps": nps, "promoters": pro, "detractors": det, "se": se, "ci_low": max(nps - z * se, -1.0), "ci_high": min(nps + z * se, 1.0), "n": n}


def nps_difference(a: Any, b: Any, *, labels: tuple[str, str] = ("a", "b"), confidence: float = 0.95) -> TestResult:
    """Compare the Net Promoter Scores of two independent groups.

    Returns
    -------
    TestResult
        ``estimate`` = NPS(a) − NPS(b) (−2..2 scale), Wald z-test and
        interval with the unpooled trinomial standard errors of
        :func:`net_promoter`.
    """
    level = _confidence(confidence)
    ra, rb = net_promoter(a, confidence=level), net_promoter(b, confidence=level)
    d = ra["nps"] - rb["nps"]
    se = math.sqrt(ra["se"] ** 2 + rb["se"] ** 2)
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
        n=ra["n"] + rb["n"],
        confidence=level,
        method="NPS as the mean of a +1/0/-1 score; unpooled trinomial standard errors; Wald interval",
        citation="Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review, 81(12), 46-54.",
        extra={"groups": {str(labels[0]): ra, str(labels[1]): rb}},
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


def _zscore(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = frame[list(columns)].astype(float)
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
        ``lhs, rhs, estimate, se, ci_low, ci_high, statistic, df, p_value``;
        each variable is standardised (z) before fitting, so the estimates are
        on the scale of the planted paths (latent constructs of unit
        variance).  Observed scores carry measurement error, which
        *attenuates* these estimates (Spearman 1904).
    """
    level = _confidence(confidence)
    names = list(dict.fromkeys(v for f in formulas for v in re.findall(r"[A-Za-z_]\w*", f)))
    _require_columns(scores, names, "scores")
    z = _zscore(scores, names)
    rows = []
    for formula in formulas:
        fit = smf.ols(formula, data=z).fit()
        ci = fit.conf_int(alpha=1 - level)
        lhs = formula.split("~")[0].strip()
        for rhs in fit.params.index.drop("Intercept"):
            rows.append((lhs, rhs, fit.params[rhs], fit.bse[rhs], ci.loc[rhs, 0], ci.loc[rhs, 1], fit.tvalues[rhs], fit.df_resid, fit.pvalues[rhs]))
    return pd.DataFrame(rows, columns=["lhs", "rhs", "estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"])


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
    """A lavaan model: the measurement of satisfaction, commitment and the layers, plus ``structure``."""
    measure = [f"{c} =~ {' + '.join(SCALES[c])}" for c in ("satisfaction", "commitment", *LAYERS)]
    return "\n".join([*measure, *structure])


def layer_sequence(survey: pd.DataFrame, *, models: Mapping[str, Sequence[str]] | None = None) -> dict:
    """Does the data support cognitive → affective → conative?  Three nested SEMs.

    Parameters
    ----------
    survey : DataFrame
        The items of satisfaction, commitment and the three layers.
    models : mapping, optional
        Name -> structural regressions; default :data:`SEQUENCE_MODELS`:
        ``chain`` (Oliver's strict sequence: each layer only from the one
        before), ``planted`` (the simulator's structure: commitment and
        satisfaction also act directly) and ``all_at_once`` (every layer from
        satisfaction, commitment and all earlier layers).  Each is nested in
        the next.

    Returns
    -------
    dict
        ``fits``: name -> :class:`crm_lab.measurement.SEMResult`;
        ``tests``: ``"chain vs all_at_once"``, ``"planted vs all_at_once"``
        (and ``"chain vs planted"``) -> chi-square difference
        :class:`~crm_lab.stats.TestResult`; ``fit_table``: one row per model
        (chi2, df, cfi, tli, rmsea, srmr, aic, bic).
    """
    from . import measurement as ms

    models = SEQUENCE_MODELS if models is None else models
    fits = {name: ms.sem(survey, sequence_model(structure)) for name, structure in models.items()}
    names = list(fits)
    tests = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            tests[f"{a} vs {b}"] = ms.chi2_difference(fits[a], fits[b])
    keys = ("chi2", "df", "p_value", "cfi", "tli", "rmsea", "srmr", "aic", "bic")
    table = pd.DataFrame({name: {k: fit.fit[k] for k in keys} for name, fit in fits.items()}).T
    table.index.name = "model"
    return {"fits": fits, "tests": tests, "fit_table": table}


def action_stage(
    frame: pd.DataFrame,
    *,
    returned: str = "returned",
    covariates: Sequence[str] = ("monopoly",),
    confidence: float = 0.95,
) -> dict:
    """The action stage: does coming back depend on conative loyalty alone?

    Fits two logistic regressions of ``returned`` on standardised layer
    scores: the **chain** (conative only, as Oliver's sequence implies) and
    **all layers at once** (cognitive, affective and conative), each with
    ``covariates``; and tests with a likelihood-ratio test whether the earlier
    layers add anything once conative loyalty is known.

    Returns
    -------
    dict
        ``chain``, ``all_at_once`` (statsmodels results), ``table``
        (odds ratios per SD with intervals, both models), ``test``
        (:class:`~crm_lab.stats.TestResult`: LR χ² on 2 df; effect = the
        odds ratio per SD of affective loyalty holding the others), ``dropped``
        (rows without a next edition, left out).
    """
    level = _confidence(confidence)
    _require_columns(frame, [returned, *LAYERS, *covariates], "frame")
    keep = frame[returned].notna()
    _require_some(keep, returned)
    data = pd.concat([_zscore(frame.loc[keep], LAYERS), frame.loc[keep, [returned, *covariates]]], axis=1)
    rhs = " + ".join(covariates)
    chain = smf.logit(f"{returned} ~ conative" + (f" + {rhs}" if rhs else ""), data=data).fit(disp=0)
    joint = smf.logit(f"{returned} ~ cognitive + affective + conative" + (f" + {rhs}" if rhs else ""), data=data).fit(disp=0)
    lr = 2 * (joint.llf - chain.llf)
    rows = []
    for name, fit in (("chain", chain), ("all_at_once", joint)):
        ci = fit.conf_int(alpha=1 - level)
        for term in LAYERS:
            if term in fit.params:
                rows.append((name, term, fit.params[term], fit.bse[term], math.exp(fit.params[term]), math.exp(ci.loc[term, 0]), math.exp(ci.loc[term, 1]), fit.pvalues[term]))
    table = pd.DataFrame(rows, columns=["model", "layer", "log_odds", "se", "odds_ratio", "or_low", "or_high", "p_value"])
    aff = table[(table.model == "all_at_once") & (table.layer == "affective")].iloc[0]
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
        citation="Oliver, R. L. (1999). Whence consumer loyalty? Journal of Marketing, 63, 33-44.",
        extra={"dropped": int((~keep).sum())},
        statistic_name="χ²",
    )
    return {"chain": chain, "all_at_once": joint, "table": table, "test": test, "dropped": int((~keep).sum())}


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

    Examples
    --------
    >>> loyalty_tiers([1, 2, 3, 4, 5, 6], cuts=(0.5,), labels=("low", "high")).tolist()
    ['low', 'low', 'low', 'high', 'high', 'high']
    """
    s = _numeric(score, "score")
    c = np.asarray(cuts, dtype=float)
    if c.ndim != 1 or c.size == 0 or not ((c > 0) & (c < 1)).all() or (np.diff(c) <= 0).any():
        raise LoyaltyError(f"'cuts' must be increasing quantiles strictly between 0 and 1 (got {cuts!r})")
    if len(labels) != c.size + 1 or len(set(labels)) != len(labels):
        raise LoyaltyError(f"'labels' must be {c.size + 1} different names, one more than cuts (got {list(labels)})")
    values = np.quantile(s, c)
    code = (s.to_numpy()[:, None] > values[None, :]).sum(axis=1)
    cat = pd.Categorical.from_codes(code, categories=list(labels), ordered=True)
    return pd.Series(cat, index=s.index, name="tier")


def ordinal_regression(
    data: pd.DataFrame,
    *,
    tier: str,
    predictors: Sequence[str],
    standardize: bool = True,
    confidence: float = 0.95,
) -> dict:
    """Proportional-odds (ordered logit) regression with odds ratios.

    Parameters
    ----------
    data : DataFrame
    tier : str
        An ordered categorical column (e.g. from :func:`loyalty_tiers`).
    predictors : sequence of str
        Numeric columns.
    standardize : bool, default True
        Standardise the predictors (odds ratios per SD).
    confidence : float, default 0.95

    Returns
    -------
    dict
        ``table`` (index predictor: ``estimate`` (log-odds), ``se, ci_low,
        ci_high, statistic`` (z), ``p_value, odds_ratio, or_low, or_high``),
        ``thresholds`` (the cut-points on the latent scale), ``result`` (the
        statsmodels results), ``n``.

    Notes
    -----
    :math:`P(Y \\le j \\mid x) = \\operatorname{logit}^{-1}(\\theta_j - x^\\top\\beta)`
    (McCullagh 1980), fitted by maximum likelihood with statsmodels'
    ``OrderedModel(distr="logit")``; a positive β moves a case to higher
    tiers, and :math:`e^\\beta` is the odds ratio of being in a higher tier,
    the same for every cut.  Tested against R's ``MASS::polr`` on the UCLA
    ``apply ~ pared + public + gpa`` data (statsmodels' test results).
    """
    level = _confidence(confidence)
    _require_columns(data, [tier, *predictors], "data")
    y = data[tier]
    if not (isinstance(y.dtype, pd.CategoricalDtype) and y.cat.ordered):
        raise LoyaltyError(f"column {tier!r} must be an ordered categorical (got dtype {y.dtype}); see loyalty_tiers")
    if y.isna().any():
        raise LoyaltyError(f"column {tier!r} has {int(y.isna().sum())} missing values")
    used = y.cat.remove_unused_categories()
    if len(used.cat.categories) < 2:
        raise LoyaltyError(f"column {tier!r} needs at least 2 observed tiers (got {list(used.cat.categories)})")
    x = pd.DataFrame({p: _numeric(data[p], p) for p in predictors}, index=data.index)
    if standardize:
        x = _zscore(x, predictors)
    res = OrderedModel(used, x, distr="logit").fit(method="newton", disp=False, maxiter=200)
    k = len(predictors)
    ci = res.conf_int(alpha=1 - level)
    table = pd.DataFrame(
        {
            "estimate": res.params.iloc[:k],
            "se": res.bse.iloc[:k],
            "ci_low": ci.iloc[:k, 0],
            "ci_high": ci.iloc[:k, 1],
            "statistic": res.tvalues.iloc[:k],
            "p_value": res.pvalues.iloc[:k],
        }
    )
    table["odds_ratio"] = np.exp(table["estimate"])
    table["or_low"] = np.exp(table["ci_low"])
    table["or_high"] = np.exp(table["ci_high"])
    table.index.name = "predictor"
    thresholds = pd.Series(res.model.transform_threshold_params(res.params)[1:-1], index=[f"{a}|{b}" for a, b in zip(used.cat.categories[:-1], used.cat.categories[1:])])
    return {"table": table, "thresholds": thresholds, "result": res, "n": int(len(y))}


# --------------------------------------------------------------------------
# the satisfaction-loyalty curve by market structure
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ReturnCurve:
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
    """

    full: Any
    restricted: Any
    curve: pd.DataFrame
    test: TestResult
    formula: str
    data: pd.DataFrame = field(repr=False)
    satisfaction: str = "satisfaction"
    monopoly: str = "monopoly"


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
    competition.
    """
    level = _confidence(confidence)
    _require_columns(data, [satisfaction, returned, monopoly], "data")
    keep = data[returned].notna()
    _require_some(keep, returned)
    d = data.loc[keep].copy()
    bad = ~d[returned].isin([0, 1])
    if bad.any():
        raise LoyaltyError(f"column {returned!r} must be 0/1 (rows {list(d.index[bad][:5])})")
    if not d[monopoly].isin([0, 1]).all():
        raise LoyaltyError(f"column {monopoly!r} must be 0/1 (1 = monopoly sector)")
    if d[monopoly].nunique() < 2:
        raise LoyaltyError(f"column {monopoly!r} must hold both market structures (got only {d[monopoly].unique().tolist()})")
    _numeric(d[satisfaction], satisfaction)
    if spline_df is None:
        sat_term = satisfaction
    else:
        sat_term = f"bs({satisfaction}, df={_positive_int(spline_df, 'spline_df', 3)})"
    extra = "".join(f" + {c}" for c in covariates)
    formula = f"{returned} ~ {sat_term} * {monopoly}{extra}"
    restricted_formula = f"{returned} ~ {sat_term} + {monopoly}{extra}"
    full = _glm_logit(formula, d)
    restricted = _glm_logit(restricted_formula, d)
    lr = max(2 * (full.llf - restricted.llf), 0.0)
    df = int(full.df_model - restricted.df_model)
    cov = full.cov_params().to_numpy()
    crit = sps.norm.ppf(0.5 + level / 2)
    grid = np.linspace(d[satisfaction].min(), d[satisfaction].max(), _positive_int(n_grid, "n_grid", 2))
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
        method=f"binomial GLM (logit) {formula}; LR test of the interaction; rise of the mean predicted return probability "
        f"from the {low_high[0]:g} to the {low_high[1]:g} quantile of satisfaction, delta-method interval",
        citation="Jones, T. O., & Sasser, W. E. (1995). Harvard Business Review, 73(6), 88-99.",
        extra={"rise_competitive": rise[0], "rise_monopoly": rise[1], "satisfaction_low": float(lo), "satisfaction_high": float(hi), "dropped": int((~keep).sum())},
        statistic_name="χ²",
    )
    return ReturnCurve(full, restricted, curve, test, formula, d, satisfaction, monopoly)


# --------------------------------------------------------------------------
# a competitor opens a show in a monopoly sector
# --------------------------------------------------------------------------
def transition_matrix(participation: pd.DataFrame) -> pd.DataFrame:
    """Observed stage transitions between consecutive editions of the exhibitors who came back.

    Returns
    -------
    DataFrame
        Rows: stage at an edition; columns: stage at the next; each row sums
        to 1 (a stage never left from has its row from the pooled
        destinations of all stages).
    """
    _require_columns(participation, ["exhibitor_id", "edition", "stage"], "participation")
    nxt = participation[["exhibitor_id", "edition", "stage"]].assign(edition=lambda d: d["edition"] - 1)
    pairs = participation[["exhibitor_id", "edition", "stage"]].merge(nxt, on=["exhibitor_id", "edition"], suffixes=("", "_next"))
    pairs = pairs[pairs["stage"].isin(STAGES) & pairs["stage_next"].isin(STAGES)]
    counts = pd.crosstab(pairs["stage"], pairs["stage_next"]).reindex(index=list(STAGES), columns=list(STAGES), fill_value=0)
    pooled = counts.sum(axis=0) / max(counts.to_numpy().sum(), 1)
    rows = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    rows = rows.apply(lambda r: pooled if r.isna().all() else r, axis=1)
    rows.index.name = "from"
    return rows


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
    """
    _require_columns(latent, ["satisfaction", "conative"], "latent")
    mono = np.asarray(monopoly, dtype=float)
    s, con = latent["satisfaction"].to_numpy(float), latent["conative"].to_numpy(float)
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

    Returns
    -------
    (status_quo, entry) : ndarray, shape (n_draws, n)
    """
    gen = np.random.default_rng(rng)
    n_draws = _positive_int(n_draws, "n_draws")
    _require_columns(rows, [curve.satisfaction], "rows")
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
    band: tuple[float, float] = (0.05, 0.95),
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
    band : (float, float), default (0.05, 0.95)
        Quantiles across replications.
    rng : int, Generator or None

    Returns
    -------
    DataFrame
        ``edition_ahead`` (0..n_editions), ``scenario`` (``no rival``,
        ``rival opens``, ``extra leavers``), ``mean``, ``low``, ``high``: the
        share of the exhibitors still exhibiting (for ``extra leavers``: no
        rival minus rival opens, the share driven away by the competitor).

    Notes
    -----
    Each replication draws, per edition and exhibitor, one uniform number
    for the return decision and one for the stage move, shared by both
    scenarios (common random numbers), so the difference reflects the
    competitor and not noise.  Lapsing is for good, as in the simulator.
    Vectorised over replications and exhibitors; the loop runs over editions.
    """
    gen = np.random.default_rng(rng)
    n_editions = _positive_int(n_editions, "n_editions")
    n_reps = _positive_int(n_reps, "n_reps")
    lo_q, hi_q = band
    if not 0 <= lo_q < hi_q <= 1:
        raise LoyaltyError(f"'band' must be two quantiles 0 <= low < high <= 1 (got {band!r})")
    sq, en = np.asarray(status_quo, dtype=float), np.asarray(entry, dtype=float)
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
    rows = []
    for name, arr in series.items():
        for h in range(n_editions + 1):
            col = arr[:, h]
            rows.append((h, name, col.mean(), np.quantile(col, lo_q), np.quantile(col, hi_q)))
    return pd.DataFrame(rows, columns=["edition_ahead", "scenario", "mean", "low", "high"])


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
    """
    cols = {}
    for name, table in estimates.items():
        _require_columns(table, ["lhs", "rhs", "estimate"], f"estimates[{name!r}]")
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


def worth_tests(frame: pd.DataFrame, group: Any, *, labels: tuple[str, str] = ("loyal", "other"), confidence: float = 0.95) -> dict[str, TestResult]:
    """Compare loyal and other exhibitors on word of mouth, price sensitivity, tolerance, complaints, spend.

    Parameters
    ----------
    frame : DataFrame
        As :func:`exhibitor_frame` returns; the measures present among
        ``nps`` and :data:`WORTH_MEASURES` are compared.
    group : array-like of bool
        True for the loyal exhibitors (e.g. Dick & Basu ``true`` loyalty).

    Returns
    -------
    dict
        Measure -> :class:`~crm_lab.stats.TestResult`: ``nps`` by
        :func:`nps_difference`, the others by Welch's t with Hedges' g.
    """
    g = np.asarray(group)
    if g.dtype != bool or g.shape != (len(frame),):
        raise LoyaltyError(f"'group' must be {len(frame)} booleans, one per row of frame (got dtype {g.dtype}, shape {g.shape})")
    if g.all() or not g.any():
        raise LoyaltyError("'group' must hold both loyal (True) and other (False) exhibitors")
    out = {}
    if "nps" in frame:
        out["nps"] = nps_difference(frame["nps"][g], frame["nps"][~g], labels=labels, confidence=confidence)
    for col in WORTH_MEASURES:
        if col in frame:
            out[col] = welch_t(frame[col][g], frame[col][~g], labels=labels, confidence=confidence)
    return out


# --------------------------------------------------------------------------
# figures (axes-level: draw into ax, return it)
# --------------------------------------------------------------------------
def _axes(ax):
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def plot_typology(typology: Typology, x: Any, y: Any, *, jitter: float = 0.08, rng=None, ax=None):
    """Scatter of the two axes coloured by type, with the threshold lines.

    The points are jittered (uniform, ± ``jitter``) because scale scores take
    few distinct values; the thresholds are drawn where they are.
    """
    import seaborn as sns

    ax = _axes(ax)
    a, b = _pair(x, y, tuple(typology.thresholds))
    gen = np.random.default_rng(rng)
    sns.scatterplot(
        x=a.to_numpy() + gen.uniform(-jitter, jitter, len(a)), y=b.to_numpy() + gen.uniform(-jitter, jitter, len(b)),
        hue=typology.labels.to_numpy(), hue_order=list(typology.labels.cat.categories), s=14, alpha=0.6, ax=ax,
    )  # fmt: skip
    tx, ty = typology.thresholds.values()
    ax.axvline(tx, color="0.3", lw=1, ls="--")
    ax.axhline(ty, color="0.3", lw=1, ls="--")
    names = list(typology.thresholds)
    ax.set(xlabel=names[0], ylabel=names[1], title=typology.name)
    return ax


def plot_return_curve(curve: ReturnCurve, *, planted: ReturnCurve | None = None, ax=None):
    """The fitted return curves by market structure with their bands (and the planted curves, dashed)."""
    ax = _axes(ax)
    colors = {"competitive": "C0", "monopoly": "C1"}
    for label, part in curve.curve.groupby("market_structure"):
        x = part[curve.satisfaction]
        ax.plot(x, part["p"], color=colors[label], label=f"{label} (estimate)")
        ax.fill_between(x, part["ci_low"], part["ci_high"], color=colors[label], alpha=0.2)
        if planted is not None:
            ref = planted.curve[planted.curve.market_structure == label]
            ax.plot(ref[planted.satisfaction], ref["p"], color=colors[label], ls="--", label=f"{label} (planted, large sample)")
    ax.set(xlabel="satisfaction (scale score)", ylabel="P(back at the next edition)", ylim=(0, 1))
    ax.legend(fontsize="small")
    return ax


def plot_entry(simulations: Mapping[str, pd.DataFrame], *, scenario: str = "extra leavers", ax=None):
    """Share of exhibitors driven away by a rival show, edition by edition, with its band, per simulation."""
    ax = _axes(ax)
    for k, (name, sim) in enumerate(simulations.items()):
        _require_columns(sim, ["edition_ahead", "scenario", "mean", "low", "high"], f"simulations[{name!r}]")
        part = sim[sim["scenario"] == scenario]
        ax.plot(part["edition_ahead"], part["mean"], marker="o", color=f"C{k}", label=name)
        ax.fill_between(part["edition_ahead"], part["low"], part["high"], color=f"C{k}", alpha=0.2)
    ax.set(xlabel="editions after the rival show opens", ylabel=f"share of hostages: {scenario}")
    ax.legend(fontsize="small")
    return ax
