"""The tour of the market (notebook 00): the theory map, the tables, who comes back.

Small, pure functions over the dataset tables that the start-here notebook
uses and later notebooks reuse (return rates feed the lifecycle and loyalty
notebooks).  Bad input raises :class:`OverviewError` (a
:class:`~crm_lab._checks.CrmLabError`).

References
----------
Reichheld, F. F., & Sasser, W. E. (1990). Zero defections: Quality comes to
services. *Harvard Business Review*, 68(5), 105–111.

Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
*Harvard Business Review*, 73(6), 88–99.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._checks import CrmLabError, check_columns, check_integer
from .lifecycle import next_edition_returns
from .schema import TABLES

__all__ = ["OverviewError", "THEORY_MAP", "theory_map", "table_overview", "market_structure",
           "return_rates", "planted_return_gap", "width_ratio", "plot_composition", "plot_return_rates",
           "plot_return_gap"]

class OverviewError(CrmLabError):
    """Bad input to a tour helper: names the table, column or argument."""

#: The notebooks of the suite: file stem, topic, Chinese term, what it teaches, and the original
#: references it teaches from (each notebook gives their full citations in its References section).
THEORY_MAP = (
    ("00_start_here", "The exhibition market and its customers", "会展市场与客户",
     "customer types, the kinds of customer data, the suite; a first test; how to rerun a notebook",
     "Reichheld & Sasser 1990; Jones & Sasser 1995; Newcombe 1998"),
    ("01_customer_data_and_satisfaction", "Customer data and satisfaction", "客户数据与客户满意",
     "descriptive, promotional and transactional data, sources, truthfulness, validity, privacy; "
     "expectation-disconfirmation, C = b/a, importance-performance, response styles",
     "Oliver 1980; Martilla & James 1977; Parasuraman, Zeithaml & Berry 1985"),
    ("02_kano_model", "The Kano model", "卡诺模型",
     "evaluation table, Better-Worse, category strength, Fong's test, category drift",
     "Kano et al. 1984; Berger et al. 1993; Fong 1996"),
    ("03_relationship_quality", "Relationship quality and trust", "关系质量与信任",
     "trust, satisfaction, commitment; reliability, CFA, validity, mediation",
     "Morgan & Hunt 1994; Mayer, Davis & Schoorman 1995; Zhao, Lynch & Chen 2010"),
    ("04_loyalty_layers", "Loyalty layers", "客户忠诚",
     "cognitive-affective-conative-action, Dick & Basu, the satisfaction-loyalty grid",
     "Oliver 1999; Dick & Basu 1994; Jones & Sasser 1995"),
    ("05_switching_costs", "Switching costs", "转换成本",
     "Burnham's eight facets, moderation of satisfaction -> return, hostages",
     "Porter 1980; Burnham, Frels & Mahajan 2003; Jones, Mothersbaugh & Beatty 2000"),
    ("06_customer_value_and_segmentation", "Customer value and segmentation", "客户价值与客户分类",
     "the customer pyramid, RFM, membership tiers, customer lifetime value",
     "Fader, Hardie & Lee 2005; Sheth, Newman & Gross 1991"),
    ("07_relationship_lifecycle", "The relationship lifecycle", "客户关系生命周期",
     "exploration, formation, stability, decline; Markov transitions, retention and churn",
     "Dwyer, Schurr & Oh 1987; Keaveney 1995"),
)  # fmt: skip


def theory_map(notebooks_dir: str | Path | None = None) -> pd.DataFrame:
    """Which notebook teaches what, and whether it is in this copy of the suite yet.

    Parameters
    ----------
    notebooks_dir : str or Path, optional
        Where to look for the notebooks; default ``notebooks/`` of the project.

    Returns
    -------
    DataFrame
        One row per notebook of :data:`THEORY_MAP`: ``notebook`` (file
        stem), ``topic``, ``zh`` (the Chinese term), ``teaches``,
        ``references`` (the original works it teaches from; the notebook's
        References section cites them in full) and ``available`` (the file
        exists in *notebooks_dir*).

    Examples
    --------
    >>> first = theory_map("/nonexistent").iloc[0]
    >>> first["notebook"], bool(first["available"])
    ('00_start_here', False)
    """
    folder = Path(__file__).resolve().parents[1] / "notebooks" if notebooks_dir is None else Path(notebooks_dir)
    table = pd.DataFrame(THEORY_MAP, columns=["notebook", "topic", "zh", "teaches", "references"])
    table["available"] = [(folder / f"{stem}.ipynb").is_file() for stem in table["notebook"]]
    return table


def table_overview(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per loaded table: rows, columns, what a row is, the Chinese term.

    Parameters
    ----------
    tables : dict
        Table name (a key of :data:`crm_lab.schema.TABLES`) -> DataFrame.

    Returns
    -------
    DataFrame
        ``table, rows, columns, rows_are, zh`` (what a row is and the Chinese
        term, from the schema).

    Examples
    --------
    >>> table_overview({"sectors": pd.DataFrame({"sector": ["a", "b"]})})[["table", "rows"]].values.tolist()
    [['sectors', 2]]
    """
    if not isinstance(tables, dict) or not all(isinstance(df, pd.DataFrame) for df in tables.values()):
        raise OverviewError(f"table_overview: 'tables' must be a dict of table name -> DataFrame "
                            f"(got {type(tables).__name__}), e.g. datasets.load_all()")
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        raise OverviewError(f"table_overview: unknown table(s) {unknown}; the schema has: {', '.join(TABLES)}")
    return pd.DataFrame(
        [
            (name, len(df), df.shape[1], TABLES[name].meaning, TABLES[name].zh)
            for name, df in tables.items()
        ],
        columns=["table", "rows", "columns", "rows_are", "zh"],
    )


def return_rates(participation: pd.DataFrame, *, by: pd.Series | None = None) -> pd.DataFrame:
    """Share of each edition's exhibitors who exhibit again at the next edition.

    Parameters
    ----------
    participation : DataFrame
        The participation panel (``exhibitor_id, edition, participated``).
    by : Series, optional
        A group per exhibitor (index = exhibitor_id), e.g. the market
        structure of its sector.  Exhibitors missing from it raise an error.

    Returns
    -------
    DataFrame
        ``edition`` (the edition the exhibitors took part in), ``group``,
        ``n`` (exhibitors at that edition), ``returned`` (of them, how many
        exhibited at the next edition) and ``rate``.  The last edition has no
        next one and is left out.

    See Also
    --------
    crm_lab.lifecycle.next_edition_returns : the same, one row per exhibitor and edition.

    Notes
    -----
    ``rate`` = returned / n, the edition-to-edition retention rate
    (Reichheld & Sasser 1990).  Tested against hand-checked counts of a
    three-exhibitor panel, with and without groups.

    References
    ----------
    Reichheld, F. F., & Sasser, W. E. (1990). Zero defections: Quality comes
    to services. *Harvard Business Review*, 68(5), 105–111.

    Examples
    --------
    >>> panel = pd.DataFrame({"exhibitor_id": [1, 1, 2, 2], "edition": [1, 2, 1, 2], "participated": [1, 1, 1, 0]})
    >>> return_rates(panel)[["edition", "n", "returned", "rate"]].values.tolist()
    [[1.0, 2.0, 1.0, 0.5]]
    """
    returns = next_edition_returns(participation)
    if by is None:
        group = pd.Series("all", index=returns.index)
    else:
        group = returns["exhibitor_id"].map(by)
        if group.isna().any():
            lost = returns.loc[group.isna(), "exhibitor_id"].unique()
            raise OverviewError(f"return_rates: 'by' has no group for {lost.size} exhibitors, e.g. {lost[:5].tolist()}")
    out = (
        returns.assign(group=group.to_numpy())
        .groupby(["edition", "group"], sort=True)["returned"]
        .agg(n="size", returned="sum")
        .reset_index()
    )
    out["edition"] = out["edition"].astype(np.int64)
    out["returned"] = out["returned"].astype(np.int64)
    out["rate"] = out["returned"] / out["n"]
    return out


def planted_return_gap(truth: Any, *, n_exhibitors: int = 50_000, rng: Any = None) -> dict[str, float]:
    """The population return rates by market structure implied by a market's planted truth.

    The return decision is planted on the logit scale (through intention and a
    direct monopoly effect), so the gap in return rates between monopoly and
    competitive sectors has no closed form; it is computed on a very large
    market simulated with the same planted parameters.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
        The planted truth of a simulated market (``market.truth``): its
        ``params`` and ``sizes``.
    n_exhibitors : int, default 50_000
        Size of the large market simulated (Monte Carlo error of each rate
        about 0.5 / sqrt(n_exhibitors)).
    rng : int or numpy Generator, optional
        Seed of that simulation.

    Returns
    -------
    dict
        The *planted* (population) values a notebook compares its estimates
        with — not an estimate, so no interval: ``monopoly``,
        ``competitive`` (return rates at the survey edition) and
        ``difference`` (monopoly minus competitive).

    Notes
    -----
    Monopoly sectors keep exhibitors who would leave if they could: the
    "hostages" of Jones & Sasser (1995).

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.
    """
    from .simulate import simulate_market

    n_exhibitors = check_integer(n_exhibitors, "n_exhibitors", low=1_000, error=OverviewError)

    sizes = truth.sizes
    big = simulate_market(
        n_exhibitors,
        n_visitors=100,
        n_editions=sizes["n_editions"],
        survey_edition=sizes["survey_edition"],
        kano_respondents=10,
        params=truth.params,
        rng=rng,
    )
    structure = market_structure(big.tables["exhibitors"], big.tables["sectors"])
    rates = return_rates(big.tables["participation"], by=structure)
    at = rates[rates.edition == sizes["survey_edition"]].set_index("group")["rate"]
    return {
        "monopoly": float(at["monopoly"]),
        "competitive": float(at["competitive"]),
        "difference": float(at["monopoly"] - at["competitive"]),
    }


def market_structure(exhibitors: pd.DataFrame, sectors: pd.DataFrame) -> pd.Series:
    """Each exhibitor's market structure (index exhibitor_id): competitive or monopoly.

    Parameters
    ----------
    exhibitors : DataFrame
        The exhibitors table (``exhibitor_id, sector``).
    sectors : DataFrame
        The sectors table (``sector, market_structure``).

    Returns
    -------
    Series
        ``market_structure`` of each exhibitor's sector, indexed by
        ``exhibitor_id``.

    Notes
    -----
    Tested against a hand-made pair of tables (an unknown sector is named).

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.

    Examples
    --------
    >>> ex = pd.DataFrame({"exhibitor_id": [7], "sector": ["s"]})
    >>> market_structure(ex, pd.DataFrame({"sector": ["s"], "market_structure": ["monopoly"]})).to_dict()
    {7: 'monopoly'}
    """
    check_columns(exhibitors, ["exhibitor_id", "sector"], what="exhibitors", error=OverviewError)
    check_columns(sectors, ["sector", "market_structure"], what="sectors", error=OverviewError)
    structure = exhibitors["sector"].map(sectors.set_index("sector")["market_structure"])
    out = pd.Series(structure.to_numpy(), index=exhibitors["exhibitor_id"].to_numpy(), name="market_structure")
    if out.isna().any():
        bad = out.index[out.isna()][:5].tolist()
        raise OverviewError(f"market_structure: exhibitors whose sector is not in the sectors table: {bad}")
    return out


def width_ratio(narrow: Any, wide: Any, *, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Ratio of two mean widths from independent simulations, with its Monte Carlo interval.

    Parameters
    ----------
    narrow, wide : array-like
        The widths of the intervals of each simulated sample: *narrow* of
        the larger samples (numerator), *wide* of the smaller ones.
    confidence : float, default 0.95
        Level of the Monte Carlo interval.

    Returns
    -------
    tuple
        ``(ratio, ci_low, ci_high, confidence)``, the form
        :func:`crm_lab.results.say_interval` reads.

    Notes
    -----
    ratio = mean(narrow) / mean(wide); its Monte Carlo standard error by the
    delta method for two independent means,
    :math:`r\\sqrt{s_1^2/(n_1\\bar x_1^2) + s_2^2/(n_2\\bar x_2^2)}`, and a
    normal interval (Koehler, Brown & Haneuse 2009).  Tested against a hand
    computation on two small samples.

    References
    ----------
    Koehler, E., Brown, E., & Haneuse, S. J.-P. A. (2009). On the assessment
    of Monte Carlo error in simulation-based statistical analyses. *The
    American Statistician*, 63(2), 155–162.

    Examples
    --------
    >>> [round(v, 3) for v in width_ratio([1.0, 1.2], [2.0, 2.4])]
    [0.5, 0.374, 0.626, 0.95]
    """
    from scipy.stats import norm

    from ._checks import check_confidence

    confidence = check_confidence(confidence, error=OverviewError)
    a, b = np.asarray(narrow, dtype=float), np.asarray(wide, dtype=float)
    if a.size < 2 or b.size < 2 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise OverviewError(f"width_ratio: 'narrow' and 'wide' need at least 2 finite widths each "
                            f"(got {a.size} and {b.size})")
    ratio = a.mean() / b.mean()
    se = ratio * np.sqrt(a.var(ddof=1) / (a.size * a.mean() ** 2) + b.var(ddof=1) / (b.size * b.mean() ** 2))
    z = norm.ppf(0.5 + confidence / 2)
    return float(ratio), float(ratio - z * se), float(ratio + z * se), confidence


# --------------------------------------------------------------------------
# Figures of the tour (axes-level: they draw into ``ax`` and return it)
# --------------------------------------------------------------------------
def _order(values: pd.Series, kind: str) -> list[str]:
    from .plots import ORDERS, ordered

    if kind in ORDERS:
        return [str(c) for c in ordered(values, kind).categories]
    return sorted(pd.Series(values).dropna().astype(str).unique())


def _legend_outside(ax: Any, title: str) -> None:
    from .plots import label

    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles, [label(n) for n in names], title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False)


def plot_composition(data: pd.DataFrame, *, by: str, hue: str, ax: Any = None) -> Any:
    """Horizontal bars: how many rows of *data* fall in each category of *by*, split by *hue*.

    Categories are in the suite's order (:data:`crm_lab.plots.ORDERS`:
    regions, small < medium < large), labelled with
    :func:`crm_lab.plots.label`; the bars are horizontal so that long
    category names never overlap, and the legend sits outside the axes.

    Parameters
    ----------
    data : DataFrame
        One row per unit (exhibitor, visitor); not modified.
    by, hue : str
        The categorical columns counted (one bar group per *by* category,
        one bar per *hue* level).
    ax : matplotlib Axes, optional
        Axes to draw into; the current axes by default.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Bar length = number of rows in the category and level
    (:func:`seaborn.countplot`).  Tested against hand counts.

    Examples
    --------
    >>> df = pd.DataFrame({"region": ["overseas", "east_china", "east_china"], "size_class": ["large", "small", "small"]})
    >>> ax = plot_composition(df, by="region", hue="size_class")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['East China', 'Overseas']
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .plots import label

    check_columns(data, [by, hue], what="plot_composition", error=OverviewError)
    ax = plt.gca() if ax is None else ax
    order, hue_order = _order(data[by], by), _order(data[hue], hue)
    sns.countplot(data=data.astype({by: str, hue: str}), y=by, hue=hue, order=order, hue_order=hue_order, ax=ax)
    ax.set_yticks(range(len(order)), [label(c) for c in order])
    ax.set(xlabel="Count", ylabel="")
    _legend_outside(ax, label(hue))
    return ax


def plot_return_rates(returns: pd.DataFrame, *, hue: str = "market_structure", confidence: float = 0.95,
                      ax: Any = None) -> Any:
    """The return rate of each edition's exhibitors, by group, with Wilson intervals.

    Parameters
    ----------
    returns : DataFrame
        One row per exhibitor and edition: ``edition``, ``returned`` (0/1)
        and the *hue* column (as :func:`crm_lab.lifecycle.next_edition_returns`
        gives, with a group added).
    hue : str, default "market_structure"
    confidence : float, default 0.95
        Level of the Wilson (1927) intervals drawn as error bars.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Drawn by :func:`crm_lab.plots.plot_proportions`; editions are in time
    order, so the points of a group are joined by a line; the legend sits
    outside the axes and the axis labels say what the bars are.
    """
    from .plots import label, plot_proportions

    ax = plot_proportions(returns, x="edition", y="returned", hue=hue, confidence=confidence, ax=ax,
                          hue_order=_order(returns[hue], hue))
    ax.set(xlabel="Edition",
           ylabel=f"Share back at the next edition\n(error bars: {confidence * 100:g}% Wilson CI)")
    _legend_outside(ax, label(hue))
    return ax


def plot_return_gap(test: Any, *, planted: float | None = None, ax: Any = None) -> Any:
    """The difference in return rates (no rival show − rival shows) with its interval and the planted value.

    Parameters
    ----------
    test : crm_lab.stats.TestResult
        The risk difference monopoly − competitive (:func:`crm_lab.stats.two_proportions`).
    planted : float, optional
        The planted difference (a diamond); None for data without a truth.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Drawn by :func:`crm_lab.plots.plot_effect` (its legend names the
    interval's level); the legend is moved below the axes, off the data.
    """
    from .plots import plot_effect

    ax = plot_effect({"No rival show\n− rival shows": test}, truth=planted, ax=ax)
    ax.set(xlabel="Difference in return rate at the next edition")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False)
    return ax
