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
           "return_rates", "planted_return_gap"]

class OverviewError(CrmLabError):
    """Bad input to a tour helper: names the table, column or argument."""

#: The notebooks of the suite: file stem, topic, Chinese term, what it teaches (THEORY.md section).
THEORY_MAP = (
    ("00_start_here", "The exhibition market and its customers", "会展市场与客户",
     "customer types, the data, the suite; how to rerun a notebook", "§1-2"),
    ("01_satisfaction", "Customer satisfaction", "客户满意",
     "expectation-disconfirmation, C = b/a, importance-performance, response styles", "§3"),
    ("02_kano_model", "The Kano model", "卡诺模型",
     "evaluation table, Better-Worse, category strength, Fong's test, category drift", "§4"),
    ("03_relationship_quality", "Relationship quality and trust", "关系质量与信任",
     "trust, satisfaction, commitment; reliability, CFA, validity, mediation", "§5"),
    ("04_loyalty_layers", "Loyalty layers", "客户忠诚",
     "cognitive-affective-conative-action, Dick & Basu, the satisfaction-loyalty grid", "§6"),
    ("05_switching_costs", "Switching costs", "转换成本",
     "Burnham's eight facets, moderation of satisfaction -> return, hostages", "§7"),
    ("06_customer_value", "Customer value and lifetime value", "客户价值",
     "RFM, the customer pyramid, CLV", "§2, §8"),
    ("07_lifecycle", "The relationship lifecycle", "客户关系生命周期",
     "stages, Markov transitions, retention and churn", "§9-10"),
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
        stem), ``topic``, ``zh`` (the Chinese term), ``teaches``, ``theory``
        (the THEORY.md sections) and ``available`` (the file exists in
        *notebooks_dir*).

    Examples
    --------
    >>> first = theory_map("/nonexistent").iloc[0]
    >>> first["notebook"], bool(first["available"])
    ('00_start_here', False)
    """
    folder = Path(__file__).resolve().parents[1] / "notebooks" if notebooks_dir is None else Path(notebooks_dir)
    table = pd.DataFrame(THEORY_MAP, columns=["notebook", "topic", "zh", "teaches", "theory"])
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
