"""Simulation studies as sweeps: the interaction-power study over sample size × effect.

A simulation study is a parameter grid run through a small notebook, one
point per cell of the design and one seed per replication block, collected
into one tidy table and a figure.  The example here asks how many
respondents a survey needs to detect the satisfaction × switching-cost
interaction of notebook 05 (Aiken & West, 1991): :func:`power_point` runs one
design point (``reps`` simulated surveys of size ``n``), the notebook
``examples/interaction_power.ipynb`` wraps it for papermill, and
:func:`summarize` pools the seeds of a finished sweep::

    crm-lab sweep examples/interaction_power.ipynb -g n 100,200,400,800 \\
        -g effect 0.1,0.2 -g seed 1,2,3 --output-dir build/power-study
    python -m crm_lab.studies build/power-study   # -> power.csv and power.png

The same sweep runs on a Dask cluster with ``--scheduler tcp://HOST:8786``;
rerunning it after an interruption (or with more seeds or sizes) runs only
the points not yet done.

Examples
--------
>>> point = power_point(200, 0.2, reps=200, seed=1)
>>> sorted(point)
['analytic_power', 'effect', 'mean_estimate', 'n', 'rejections', 'reliability', 'reps']
>>> point["rejections"] <= point["reps"]
True
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_columns, check_integer, check_number
from .power import analytic_power, power_curve
from .stats import proportion_ci

__all__ = ["DESIGN", "NOTEBOOK", "plot", "power_point", "summarize", "write"]

#: The fixed part of the model: x's and the moderator's main effects and their correlation.
DESIGN = {"b_x": 0.3, "b_m": 0.2, "r": 0.3}
#: The study's notebook in a repository checkout.
NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "interaction_power.ipynb"


def power_point(n: int, effect: float, *, reliability: float = 1.0, reps: int = 500, seed: int = 1,
                alpha: float = 0.05) -> dict[str, Any]:
    """One design point: *reps* simulated surveys of *n* respondents, interaction *effect*.

    Returns the counts a study pools over seeds (``rejections`` of ``reps``
    t-tests of the interaction at level *alpha*), the mean estimate (the
    attenuated target when *reliability* < 1) and the noncentral-F power
    with perfect measurement, as plain JSON-ready numbers.
    """
    n = check_integer(n, "n", low=10)
    reps = check_integer(reps, "reps", low=1)
    effect = check_number(effect, "effect")
    reliability = check_number(reliability, "reliability", low=0, high=1, low_open=True)
    curve = power_curve([n], b_xm=effect, reliability=reliability, reps=reps, alpha=alpha, rng=seed, **DESIGN)
    row = curve.loc[curve["term"] == "x:moderator"].iloc[0]
    return {
        "n": n,
        "effect": effect,
        "reliability": reliability,
        "reps": reps,
        "rejections": int(round(row["power"] * reps)),
        "mean_estimate": float(row["mean_estimate"]),
        "analytic_power": analytic_power(n, b_xm=effect, alpha=alpha, **DESIGN),
    }


def summarize(table: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Pool the seeds of a sweep's table into one tidy row per design point.

    Parameters
    ----------
    table : DataFrame
        ``sweep.csv`` of the study: columns ``n, effect, reps, rejections,
        mean_estimate, analytic_power`` (``reliability`` and ``seed``
        optional), one row per point.
    confidence : float, default 0.95
        Level of the Wilson interval of the pooled power.

    Returns
    -------
    DataFrame
        ``n, effect, reliability, seeds, reps, power, ci_low, ci_high,
        analytic_power, mean_estimate``, sorted by effect and n.

    Examples
    --------
    >>> sweep = pd.DataFrame({"n": [100, 100], "effect": [0.2, 0.2], "seed": [1, 2], "reps": [100, 100],
    ...                       "rejections": [40, 50], "mean_estimate": [0.19, 0.21], "analytic_power": [0.45, 0.45]})
    >>> summarize(sweep)[["n", "seeds", "reps", "power"]].to_dict("records")
    [{'n': 100, 'seeds': 2, 'reps': 200, 'power': 0.45}]
    """
    check_columns(table, ["n", "effect", "reps", "rejections", "mean_estimate", "analytic_power"], what="summarize")
    data = table.copy()
    if "reliability" not in data:
        data["reliability"] = 1.0
    rows = []
    for (n, effect, reliability), group in data.groupby(["n", "effect", "reliability"], sort=True):
        reps, hits = int(group["reps"].sum()), int(group["rejections"].sum())
        power, low, high = proportion_ci(hits, reps, confidence=confidence)
        rows.append({"n": int(n), "effect": float(effect), "reliability": float(reliability), "seeds": len(group),
                     "reps": reps, "power": power, "ci_low": low, "ci_high": high,
                     "analytic_power": float(group["analytic_power"].iloc[0]),
                     "mean_estimate": float(np.average(group["mean_estimate"], weights=group["reps"]))})
    return pd.DataFrame(rows).sort_values(["effect", "reliability", "n"], ignore_index=True)


def plot(summary: pd.DataFrame, *, target: float = 0.8, ax=None):
    """Power against n, one line per effect (with its interval), the analytic curve dashed."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for (effect, reliability), group in summary.groupby(["effect", "reliability"], sort=True):
        label = f"b_xm = {effect:g}" + (f", reliability {reliability:g}" if reliability != 1 else "")
        line = ax.errorbar(group["n"], group["power"], yerr=[group["power"] - group["ci_low"],
                           group["ci_high"] - group["power"]], marker="o", capsize=3, label=label)
        ax.plot(group["n"], group["analytic_power"], linestyle="--", color=line[0].get_color(), alpha=0.6)
    ax.axhline(target, color="grey", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xticks(sorted(summary["n"].unique()), [str(n) for n in sorted(summary["n"].unique())])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("respondents (n)")
    ax.set_ylabel("power of the interaction test")
    ax.set_title("Simulated power (dots, 95% CI) and noncentral-F power (dashed)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def write(sweep_dir: str | Path) -> tuple[Path, Path]:
    """Read ``<sweep_dir>/sweep.csv``, write ``power.csv`` (:func:`summarize`) and ``power.png`` (:func:`plot`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(sweep_dir)
    summary = summarize(pd.read_csv(folder / "sweep.csv"))
    table_path, figure_path = folder / "power.csv", folder / "power.png"
    summary.to_csv(table_path, index=False)
    fig, ax = plt.subplots(figsize=(6, 4))
    plot(summary, ax=ax)
    fig.tight_layout()
    fig.savefig(figure_path, dpi=120)
    plt.close(fig)
    return table_path, figure_path


if __name__ == "__main__":  # pragma: no cover - exercised through write() in the tests
    if len(sys.argv) != 2:
        sys.exit("usage: python -m crm_lab.studies SWEEP_DIR")
    for written in write(sys.argv[1]):
        print(written)
