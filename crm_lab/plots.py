"""Figures for the notebooks: one seaborn theme and axes-level helpers.

Every ``plot_*`` helper draws into the ``ax`` it is given (or the current
axes), returns that Axes and never shows, saves or restyles anything.  A
notebook calls :func:`set_theme` once; importing this module changes no global
state.  Labels are in English (users' machines need no CJK font).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from statsmodels.stats.proportion import proportion_confint

from crm_lab._checks import CrmLabError, check_columns, check_confidence
from crm_lab.stats import TestResult

__all__ = [
    "KANO_COLORS",
    "LABELS",
    "ORDERS",
    "TYPE_COLORS",
    "PlotError",
    "label",
    "ordered",
    "plot_counts",
    "plot_effect",
    "plot_proportions",
    "set_theme",
]


# --------------------------------------------------------------------------
# One label map, one order per categorical, one colour per category, for the whole suite
# --------------------------------------------------------------------------
def _labels() -> dict[str, str]:
    from . import schema

    out = {
        # regions, sizes, sectors, stages
        "north_china": "North China", "east_china": "East China", "south_china": "South China",
        "central_west_china": "Central & West China", "overseas": "Overseas",
        "small": "Small", "medium": "Medium", "large": "Large",
        "machinery": "Machinery", "electronics": "Electronics", "textiles": "Textiles",
        "food_beverage": "Food & beverage", "chemicals": "Chemicals", "auto_parts": "Auto parts",
        "furniture": "Furniture", "medical_devices": "Medical devices",
        "exploration": "Exploration", "formation": "Formation", "stability": "Stability", "decline": "Decline",
        "lapsed": "Lapsed", "ended": "Ended",
        # Kano
        "A": "Attractive (A)", "O": "One-dimensional (O)", "M": "Must-be (M)", "I": "Indifferent (I)",
        "R": "Reverse (R)", "Q": "Questionable (Q)",
        "exhibitor_sme": "Exhibitors (SME)", "exhibitor_large": "Exhibitors (large)", "visitor": "Visitors",
        "better": "Better (satisfaction coefficient)", "worse": "Worse (dissatisfaction coefficient)",
        # loyalty types
        "true": "True loyalty", "latent": "Latent loyalty", "spurious": "Spurious loyalty", "none": "No loyalty",
        "loyalist": "Loyalists", "mercenary": "Mercenaries", "hostage": "Hostages", "terrorist": "Terrorists",
        "bonded": "Bonded", "free": "Free", "at_risk": "At risk",
        # constructs and common columns
        "trust": "Trust", "switching_cost": "Switching cost", "procedural": "Procedural switching cost",
        "financial": "Financial switching cost", "relational": "Relational switching cost",
        "returned": "Came back next edition", "monopoly": "No rival show (monopoly)", "competitive": "Rival shows",
        "overall_sat": "Overall satisfaction", "intent_return": "Intention to exhibit again", "nps": "NPS answer (0–10)",
        "complaints": "Complaints", "tenure": "Tenure (editions)", "edition": "Edition", "n": "Respondents",
        "power": "Power", "estimate": "Estimate", "share": "Share",
        "visitor_type": "Visitor type", "trade": "Trade visitors", "public": "Public visitors",
        "market_structure": "Market structure",
        "reputation_z": "Reputation (z)", "reputation": "Reputation", "contacts": "Contacts per edition",
        "contact_rate": "Contact rate", "met_share": "Share of requests met", "large_firm": "Large firm",
        "no_requests": "No request made",
    }
    for scale, (english, _zh, _wording) in schema.SCALE_LABELS.items():
        out.setdefault(scale, english[:1].upper() + english[1:])
    for name in (*schema.KANO_ATTRIBUTES, *schema.SATISFACTION_ATTRIBUTES, *schema.SERVICES):
        out.setdefault(name, name.replace("_", " ").capitalize().replace("Wifi", "Wi-Fi").replace("wifi", "Wi-Fi"))
    return out


#: Human labels for column and category names in figures (one map for the suite).
LABELS: dict[str, str] = _labels()


def label(name: Any) -> str:
    """The human label of a column or category name (``"central_west_china"`` → ``"Central & West China"``).

    Unknown names are shown with underscores as spaces and a capital first letter.

    >>> label("central_west_china"), label("switching_cost"), label("some_new_column")
    ('Central & West China', 'Switching cost', 'Some new column')
    """
    text = str(name)
    if text in LABELS:
        return LABELS[text]
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


def _orders() -> dict[str, tuple[str, ...]]:
    from . import schema

    return {
        "size_class": schema.SIZE_CLASSES, "region": schema.REGIONS, "sector": schema.SECTORS,
        "stage": (*schema.STAGES, "lapsed", "ended"), "kano": schema.KANO_CATEGORIES,
        "dick_basu": ("true", "latent", "spurious", "none"),
        "jones_sasser": ("loyalist", "mercenary", "hostage", "terrorist"),
        "barrier": ("hostage", "at_risk", "bonded", "free"),
    }


#: The order of each categorical (small < medium < large; stages in lifecycle order ...).
ORDERS: dict[str, tuple[str, ...]] = _orders()


def ordered(values: Any, kind: str) -> pd.Categorical:
    """*values* as an ordered categorical in the suite's order for *kind* (a key of :data:`ORDERS`).

    >>> list(ordered(["large", "small", "medium"], "size_class").sort_values())
    ['small', 'medium', 'large']
    """
    if kind not in ORDERS:
        raise PlotError(f"'kind' must be one of {sorted(ORDERS)} (got {kind!r})")
    present = [c for c in ORDERS[kind] if c in set(pd.Series(values).dropna().astype(str))]
    extra = sorted(set(pd.Series(values).dropna().astype(str)) - set(ORDERS[kind]))
    return pd.Categorical(values, categories=[*present, *extra], ordered=True)


def _palette(names: Sequence[str], colours: Sequence[str]) -> dict[str, str]:
    return dict(zip(names, colours))


#: One colour per Kano category across the suite (colour-blind-safe, O and I far apart).
KANO_COLORS: dict[str, str] = _palette(("A", "O", "M", "I", "R", "Q"),
                                        ("#009E73", "#0072B2", "#D55E00", "#999999", "#CC79A7", "#000000"))
#: One colour per loyalty / barrier type across the suite.
TYPE_COLORS: dict[str, str] = {
    **_palette(("true", "latent", "spurious", "none"), ("#009E73", "#56B4E9", "#E69F00", "#999999")),
    **_palette(("loyalist", "mercenary", "hostage", "terrorist"), ("#009E73", "#E69F00", "#D55E00", "#999999")),
    **_palette(("bonded", "hostage", "free", "at_risk"), ("#009E73", "#D55E00", "#56B4E9", "#999999")),
}


class PlotError(CrmLabError):
    """Bad input to a plot helper: names the argument or column, what was expected and what was received."""


def set_theme(*, context: str = "notebook", font_scale: float = 1.0) -> None:
    """Apply the crm-lab figure theme (call once, from a notebook).

    Parameters
    ----------
    context : {"paper", "notebook", "talk", "poster"}, default "notebook"
        seaborn's scaling context; ``"talk"`` suits slides.
    font_scale : float, default 1.0
        Extra scaling of the fonts.

    Returns
    -------
    None

    Notes
    -----
    Calls :func:`seaborn.set_theme` with the ``whitegrid`` style and the
    colour-blind-safe ``colorblind`` palette, and hides the top and right
    spines.  This changes matplotlib's global ``rcParams``, which is why the
    package never calls it itself.

    References
    ----------
    Waskom, M. L. (2021). seaborn: statistical data visualization. *Journal
    of Open Source Software*, 6(60), 3021.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     set_theme(context="talk")
    ...     mpl.rcParams["axes.spines.top"]
    False
    """
    sns.set_theme(
        context=context,
        style="whitegrid",
        palette="colorblind",
        font_scale=font_scale,
        rc={"axes.spines.top": False, "axes.spines.right": False, "figure.figsize": (6.4, 4.0)},
    )


def plot_proportions(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str | None = None,
    confidence: float = 0.95,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Proportion of a 0/1 column by group, with Wilson error bars.

    Parameters
    ----------
    data : DataFrame
        Long-format data, one row per unit; not modified.
    x : str
        Column of the groups on the x axis (e.g. ``"edition"``).
    y : str
        Column of 0/1 (or bool) outcomes (e.g. ``"returned"``); no missing
        values.
    hue : str, optional
        Column splitting each group into coloured, dodged points (e.g.
        ``"market"``).
    confidence : float, default 0.95
        Confidence level of the Wilson intervals.
    ax : matplotlib Axes, optional
        Axes to draw into; the current axes by default.
    **kwargs
        Passed on to :func:`seaborn.pointplot` (e.g. ``order``). Points are
        not joined (``linestyle="none"``: groups are categories); pass
        ``linestyle="-"`` for an ordered x such as editions.

    Returns
    -------
    matplotlib Axes
        The Axes drawn into.

    Notes
    -----
    Each point is :math:`\\hat p = k/n` of its group, and its bar the Wilson
    (1927) score interval, computed by
    :func:`statsmodels.stats.proportion.proportion_confint`.  Tested against
    the Wilson limits of :func:`crm_lab.stats.proportion_ci` for known
    counts (the drawn points and bar ends).

    Raises
    ------
    PlotError
        A column is missing (named with a did-you-mean), *y* has missing
        values or values other than 0/1, *confidence* is outside (0, 1).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *Journal of the American Statistical
    Association*, 22(158), 209–212.

    Examples
    --------
    >>> df = pd.DataFrame({"edition": [2022] * 4 + [2023] * 4,
    ...                    "returned": [1, 0, 1, 1, 0, 0, 1, 0]})
    >>> ax = plot_proportions(df, x="edition", y="returned", ax=plt.figure().gca())
    >>> ax.get_ylabel()
    'Came back next edition: proportion (95% Wilson CI)'
    """
    check_columns(data, {"x": x, "y": y, "hue": hue}, what="plot_proportions", error=PlotError)
    confidence = check_confidence(confidence, error=PlotError)
    values = data[y]
    n_missing = int(values.isna().sum())
    if n_missing:
        raise PlotError(f"plot_proportions: column {y!r} has {n_missing} missing values; drop or impute them first")
    outcomes = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~outcomes.isin([0.0, 1.0])
    if bad.any():
        examples = ", ".join(map(repr, pd.unique(values[bad])[:5]))
        raise PlotError(f"plot_proportions: column {y!r} must hold 0/1 or True/False (got {examples})")

    def wilson(group: pd.Series) -> tuple[float, float]:
        arr = np.asarray(group, dtype=float)
        low, high = proportion_confint(arr.sum(), arr.size, alpha=1 - confidence, method="wilson")
        return float(low), float(high)

    ax = plt.gca() if ax is None else ax
    frame = data.assign(**{y: outcomes})  # a copy; the caller's frame is untouched
    options = {"dodge": 0.3 if hue is not None else False, "capsize": 0.1, "linestyle": "none", **kwargs}
    sns.pointplot(data=frame, x=x, y=y, hue=hue, estimator="mean", errorbar=wilson, ax=ax, **options)
    ax.set_xlabel(label(x))
    ax.set_ylabel(f"{label(y)}: proportion ({confidence * 100:g}% Wilson CI)")
    return ax


def _as_results(results: Any) -> tuple[list[str], list[TestResult]]:
    if isinstance(results, TestResult):
        return [results.effect], [results]
    if isinstance(results, Mapping):
        labels, items = [str(k) for k in results], list(results.values())
    elif isinstance(results, Sequence) and not isinstance(results, str):
        items = list(results)
        labels = [r.effect if isinstance(r, TestResult) else "" for r in items]
        if len(set(labels)) < len(labels):
            labels = [f"{i + 1}. {label}" for i, label in enumerate(labels)]
    else:
        raise TypeError(
            f"plot_effect: expected a TestResult, a sequence or a dict of them (got {type(results).__name__})"
        )
    wrong = [type(r).__name__ for r in items if not isinstance(r, TestResult)]
    if wrong or not items:
        raise TypeError(f"plot_effect: every item must be a TestResult (got {', '.join(wrong) or 'none'})")
    return labels, items


def plot_effect(
    results: TestResult | Sequence[TestResult] | Mapping[str, TestResult],
    *,
    truth: float | Sequence[float | None] | None = None,
    null: float | None = 0.0,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot of effect estimates with their confidence intervals.

    Parameters
    ----------
    results : TestResult, sequence of TestResult, or dict of label → TestResult
        The estimates to show, top to bottom.  Rows are labelled by the dict
        keys, else by each result's effect name.
    truth : float or sequence of float, optional
        The planted true value(s), drawn as diamonds beside the estimates
        (one value for all rows, or one per row; None skips a row).
    null : float or None, default 0.0
        Where to draw the dashed no-effect line (None for none).
    ax : matplotlib Axes, optional
        Axes to draw into; the current axes by default.

    Returns
    -------
    matplotlib Axes
        The Axes drawn into.

    Notes
    -----
    Each row shows ``estimate`` with the interval ``[ci_low, ci_high]`` of
    its :class:`~crm_lab.stats.TestResult`; with simulated data, ``truth``
    lets a reader see whether the interval covers the planted value.
    Tested against the estimates and intervals of the results drawn (the
    error bar segments' ends).

    References
    ----------
    Lewis, S., & Clarke, M. (2001). Forest plots: trying to see the wood and
    the trees. *BMJ*, 322(7300), 1479–1480.

    Examples
    --------
    >>> from crm_lab.stats import two_proportions
    >>> r = two_proportions(56, 70, 48, 80)
    >>> ax = plot_effect(r, truth=0.15, ax=plt.figure().gca())
    >>> ax.get_xlabel()
    'risk difference'
    """
    labels, items = _as_results(results)
    k = len(items)
    truths: list[float | None]
    if truth is None:
        truths = [None] * k
    elif np.ndim(truth) == 0:
        truths = [float(truth)] * k
    else:
        truths = list(truth)
        if len(truths) != k:
            raise PlotError(f"plot_effect: 'truth' must have one value per result ({k}) (got {len(truths)})")

    ax = plt.gca() if ax is None else ax
    pos = np.arange(k)
    est = np.array([r.estimate for r in items], dtype=float)
    low = np.array([r.ci_low for r in items], dtype=float)
    high = np.array([r.ci_high for r in items], dtype=float)
    levels = {r.confidence for r in items}
    ci_text = f"{levels.pop() * 100:g}% CI" if len(levels) == 1 else "CI"
    if null is not None:
        ax.axvline(null, color="0.5", linestyle="--", linewidth=1, zorder=1)
    ax.errorbar(est, pos, xerr=np.vstack([est - low, high - est]), fmt="o", color="C0", capsize=4,
                label=f"estimate ({ci_text})", zorder=2)
    shown = np.array([np.nan if t is None else float(t) for t in truths])
    if np.isfinite(shown).any():
        ax.scatter(shown, pos, marker="D", color="C3", zorder=3, label="planted truth")
    ax.set_yticks(pos, labels)
    ax.set_ylim(k - 0.5, -0.5)  # first result on top
    effects = {r.effect for r in items}
    ax.set_xlabel(effects.pop() if len(effects) == 1 else "estimate")
    ax.legend(loc="best")
    return ax


def plot_counts(
    data: pd.DataFrame, *, x: str, hue: str | None = None, ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Bar chart of counts of a categorical column, optionally split by ``hue``.

    Parameters
    ----------
    data : DataFrame
        Long-format data, one row per unit; not modified.
    x : str
        Column whose categories are counted.
    hue : str, optional
        Column splitting each bar into coloured bars.
    ax : matplotlib Axes, optional
        Axes to draw into; the current axes by default.
    **kwargs
        Passed on to :func:`seaborn.countplot` (e.g. ``order``).

    Returns
    -------
    matplotlib Axes
        The Axes drawn into.

    Notes
    -----
    Bar height is the number of rows in each category (and ``hue`` level),
    drawn by :func:`seaborn.countplot`.  Tested against hand counts of a
    small table.

    References
    ----------
    Waskom, M. L. (2021). seaborn: statistical data visualization. *Journal
    of Open Source Software*, 6(60), 3021.

    Examples
    --------
    >>> df = pd.DataFrame({"sector": ["monopoly", "competitive", "competitive"]})
    >>> ax = plot_counts(df, x="sector", ax=plt.figure().gca())
    >>> [int(p.get_height()) for p in ax.patches]
    [1, 2]
    """
    check_columns(data, {"x": x, "hue": hue}, what="plot_counts", error=PlotError)
    ax = plt.gca() if ax is None else ax
    sns.countplot(data=data, x=x, hue=hue, ax=ax, **kwargs)
    ax.set_xlabel(x)
    ax.set_ylabel("count")
    return ax


def _text_size(ax, text: str, fontsize: float) -> tuple[float, float]:
    """Width and height of *text* in pixels (measured when the canvas can render, else estimated)."""
    fig = ax.figure
    get_renderer = getattr(fig.canvas, "get_renderer", None)
    if get_renderer is not None:
        t = ax.text(0, 0, text, fontsize=fontsize, transform=None)
        box = t.get_window_extent(renderer=get_renderer())
        t.remove()
        return box.width, box.height
    px = fig.dpi / 72
    return 0.6 * fontsize * len(text) * px, 1.3 * fontsize * px


def place_labels(ax, x: Any, y: Any, texts: Sequence[str], *, fontsize: float = 8) -> None:
    """Label points without overlaps: for each label, the first of a ring of offsets that is free.

    Labels are placed in display space, so the axis limits are frozen first
    (call it after the figure size is final); a label avoids the other labels,
    the other points' markers and the frame, and one pushed far from its
    point gets a thin leader line.  Used by the Kano and IPA plots.
    """
    ax.set_xlim(ax.get_xlim())  # freeze autoscaling: the points stay where the labels were placed
    ax.set_ylim(ax.get_ylim())
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    px = ax.figure.dpi / 72
    pts = ax.transData.transform(np.column_stack([x, y]))
    frame = ax.get_window_extent()
    r = 4 * px  # marker half-size
    markers = [(px_ - r, py - r, px_ + r, py + r) for px_, py in pts]
    near = [(d, 0) for d in (5, 14, 26)]
    offsets = [(dx, dy) for d in (5, 12, 20, 30) for dx, dy in
               ((d, d * 0.6), (d, -d * 0.6), (-d, d * 0.6), (-d, -d * 0.6), (0, d + 2), (0, -d - 2))]
    offsets = [(dx, dy) for dx, dy in near] + [(-dx, dy) for dx, dy in near] + offsets

    def box(cx, cy, w, h, dx, dy):
        x0 = cx + dx * px if dx > 0 else cx + dx * px - w if dx < 0 else cx - w / 2
        y0 = cy + dy * px if dy > 0 else cy + dy * px - h if dy < 0 else cy - h / 2
        return (x0, y0, x0 + w, y0 + h)

    def overlap(a, b):
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    placed = []
    for i in np.argsort(-pts[:, 1], kind="stable"):
        w, h = _text_size(ax, texts[i], fontsize)
        best, best_cost = None, np.inf
        for dx, dy in offsets:
            b = box(*pts[i], w, h, dx, dy)
            outside = (b[0] < frame.x0) or (b[2] > frame.x1) or (b[1] < frame.y0) or (b[3] > frame.y1)
            cost = (sum(overlap(b, o) for o in placed) + sum(overlap(b, m) for j, m in enumerate(markers) if j != i)
                    + (1e6 if outside else 0))  # fmt: skip
            if cost < best_cost - 1e-9:
                best, best_cost = (dx, dy, b), cost
            if cost == 0:
                break
        dx, dy, b = best
        placed.append(b)
        far = abs(dx) > 6 or abs(dy) > 6
        ax.annotate(texts[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                    ha="left" if dx > 0 else "right" if dx < 0 else "center",
                    va="bottom" if dy > 0 else "top" if dy < 0 else "center", zorder=4,
                    bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.75),
                    arrowprops=dict(arrowstyle="-", lw=0.5, color="0.5", shrinkA=0, shrinkB=3) if far else None)
