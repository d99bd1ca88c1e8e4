"""What-if computations behind the classroom widgets: plain functions, no kernel needed.

Each function recomputes one teaching result from the crm_lab functions for
the values an instructor sets on a slider, and returns a :class:`WhatIf`:
a tidy table, one sentence and a matplotlib figure (made without pyplot, so
nothing is displayed twice).  :mod:`crm_lab.widgets` wires sliders to them;
the tests call them directly.  The sample data they use by default are read
once per process (the shipped datasets, or ``data_dir``).

=====  ===========================  ================================================
 nb    function                     teaches
=====  ===========================  ================================================
 01    :func:`nps_survey_size`      survey size -> width of the NPS interval (Wald and
                                    adjusted Wald, :func:`satisfaction.nps_from_counts`)
 02    :func:`kano_survey_size`     survey size -> chance of recovering the planted
                                    Kano category (:func:`kano.simulate_decisions`)
 03    :func:`attenuation`          reliability of two scales -> the observed path
                                    (:func:`power.simulate_moderation`)
 04    :func:`loyalty_thresholds`   Dick & Basu / Jones & Sasser thresholds -> shares
 05    :func:`switching_levers`     satisfaction / switching-cost shifts -> predicted
                                    return with its interval (:func:`switching.lever_effects`)
 06    :func:`clv_retention`        retention and discount -> CLV
                                    (:func:`value.clv_simple`, :func:`value.margin_multiple`)
 07    :func:`stage_retention`      a stage's retention gain -> lifetime value
                                    (:func:`lifecycle.improve_retention`, :func:`lifecycle.markov_clv`)
=====  ===========================  ================================================

Every callback takes well under 0.3 s on the sample (tests/test_widgets.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "WhatIf",
    "attenuation",
    "clv_retention",
    "kano_survey_size",
    "loyalty_thresholds",
    "nps_survey_size",
    "stage_retention",
    "switching_levers",
]


@dataclass
class WhatIf:
    """One recomputation: ``table`` (tidy), ``text`` (one sentence), ``figure`` (matplotlib Figure)."""

    title: str
    table: pd.DataFrame
    text: str
    figure: Any = field(repr=False, default=None)

    def png(self) -> bytes:
        """The figure as PNG bytes (the widgets' static rendering)."""
        import io

        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        import base64

        image = base64.b64encode(self.png()).decode("ascii")
        return (f"<div><p>{self.text}</p><img src='data:image/png;base64,{image}' "
                f"alt='{self.title}'/></div>")


def _figure(width: float = 8.0, height: float = 3.6, ncols: int = 1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


# --------------------------------------------------------------------------
# Sample inputs (read once)
# --------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _truth(data_dir: str = ""):
    from crm_lab import datasets

    truth = datasets.load_truth(data_dir or None) if data_dir else None
    return truth if truth is not None else datasets.load_truth()


@lru_cache(maxsize=4)
def kano_scenarios(data_dir: str = "", attribute: str = "online_registration",
                   segment: str = "exhibitor_sme") -> pd.DataFrame:
    """Planted category shares of one service by edition (notebook 02's design scenarios)."""
    from crm_lab import kano

    drift = _truth(data_dir).kano.query("attribute == @attribute and segment == @segment").set_index("edition")
    shares = drift[[f"p_{c}" for c in kano.CATEGORIES]]
    shares.index = [f"edition {e}" for e in shares.index]
    return shares


@lru_cache(maxsize=4)
def _tables(data_dir: str = "", names: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    from crm_lab import datasets

    return datasets.load_all(data_dir or None, tables=list(names))


@lru_cache(maxsize=4)
def loyalty_frame(data_dir: str = "") -> pd.DataFrame:
    """Notebook 04's one row per surveyed exhibitor, with ``attitude``."""
    from crm_lab import loyalty as ly

    frame = ly.exhibitor_frame(_tables(data_dir, ("sectors", "exhibitors", "participation", "survey")))
    return frame.assign(attitude=frame[list(ly.LAYERS)].mean(axis=1))


@lru_cache(maxsize=4)
def return_model(data_dir: str = ""):
    """Notebook 05's logit moderation of next-edition return (satisfaction × switching cost)."""
    from crm_lab import lifecycle, regression
    from crm_lab import switching as sw

    tables = _tables(data_dir, ("survey", "participation"))
    survey = tables["survey"]
    edition = int(survey["edition"].max())
    returns = lifecycle.next_edition_returns(tables["participation"])
    returns = returns.loc[returns["edition"] == edition, ["exhibitor_id", "returned"]]
    scores = sw.switching_scores(survey[survey["edition"] == edition]).merge(returns, on="exhibitor_id", how="left")
    rated = scores.dropna(subset=["returned"]).reset_index(drop=True)
    return regression.moderation(rated, x="satisfaction", moderator="switching_cost", y="returned", family="logit")


@lru_cache(maxsize=4)
def _chain(data_dir: str = "", margin_rate: float = 0.30):
    from crm_lab import lifecycle

    part = _tables(data_dir, ("participation",))["participation"]
    tm = lifecycle.transition_matrix(part, n_boot=0)
    return tm.matrix, lifecycle.stage_margins(part, margin_rate=margin_rate)


@lru_cache(maxsize=4)
def sample_margin(data_dir: str = "", margin_rate: float = 0.30) -> float:
    """Mean margin per edition of a participating exhibitor (margin rate × booth and services spend)."""
    part = _tables(data_dir, ("participation",))["participation"]
    took = part[part["participated"] == 1]
    return float(margin_rate * took[["booth_spend", "services_spend"]].sum(axis=1).mean())


# --------------------------------------------------------------------------
# 02 Kano: survey size
# --------------------------------------------------------------------------
def kano_survey_size(n: int = 80, *, shares: pd.DataFrame | None = None, n_sims: int = 400,
                     target: float = 0.9, seed: int = 2024) -> WhatIf:
    """Share of simulated surveys of *n* respondents whose mode is the planted category, per scenario.

    *shares*: one row of planted shares (``p_A`` … ``p_Q``) per scenario
    (default: online registration for SMEs at each edition, as in notebook 02).
    """
    from crm_lab import kano

    shares = kano_scenarios() if shares is None else shares
    curve = kano.simulate_decisions(shares, [int(n)], n_sims=n_sims, rng=seed)
    table = curve[["scenario", "truth", "n", "mode_correct", "mode_low", "mode_high", "category_correct"]].reset_index(drop=True)
    fig, ax = _figure(8, 3.4)
    y = np.arange(len(table))
    ax.barh(y, table["mode_correct"], color="#4c72b0", alpha=0.8)
    ax.errorbar(table["mode_correct"], y, xerr=[table["mode_correct"] - table["mode_low"],
                                                table["mode_high"] - table["mode_correct"]], fmt="none", color="black")
    ax.axvline(target, color="grey", ls="--", lw=1, label=f"target {target:.0%}")
    ax.set(yticks=y, yticklabels=[f"{s} (planted {t})" for s, t in zip(table["scenario"], table["truth"])],
           xlim=(0, 1), xlabel="share of surveys whose mode is the planted category (95% Wilson CI)",
           title=f"A survey of {int(n)} respondents")
    ax.legend(loc="lower right", fontsize=8)
    reached = int((table["mode_correct"] >= target).sum())
    text = (f"With {int(n)} respondents the mode is the planted category in "
            f"{table['mode_correct'].min():.0%}–{table['mode_correct'].max():.0%} of surveys; "
            f"{reached} of {len(table)} scenarios reach {target:.0%}.")
    return WhatIf("Kano: survey size", table, text, fig)


# --------------------------------------------------------------------------
# 03 Relationship quality: reliability attenuates a path
# --------------------------------------------------------------------------
def attenuation(reliability_x: float = 0.8, reliability_y: float = 0.8, *, path: float = 0.5,
                n: int = 300, reps: int = 200, seed: int = 2024) -> WhatIf:
    """The standardized path seen on observed scores when x and y are measured with error.

    Spearman's (1904) attenuation: observed = true × √(ρx ρy); checked by
    simulating *reps* surveys of *n* respondents
    (:func:`crm_lab.power.simulate_moderation`) and regressing observed y on
    observed x.
    """
    from crm_lab import power

    x, _, y = power.simulate_moderation(int(n), int(reps), b_x=path, b_m=0.0, b_xm=0.0,
                                        reliability=(reliability_x, 1.0, reliability_y), rng=seed)
    xc, yc = x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
    slopes = (xc * yc).sum(axis=1) / (xc * xc).sum(axis=1) * np.sqrt(
        (xc * xc).sum(axis=1) / (yc * yc).sum(axis=1))  # standardized: the correlation
    expected = path * np.sqrt(reliability_x * reliability_y)
    low, high = np.percentile(slopes, [2.5, 97.5])
    table = pd.DataFrame({"value": [path, expected, slopes.mean(), low, high]},
                         index=pd.Index(["true path", "expected observed", "simulated mean", "simulated 2.5%",
                                         "simulated 97.5%"], name="quantity"))
    fig, ax = _figure(8, 3.4)
    grid = np.linspace(0.3, 1.0, 71)
    ax.plot(grid, path * np.sqrt(grid * reliability_y), color="#4c72b0",
            label=f"observed path, ρy = {reliability_y:.2f}")
    ax.axhline(path, color="grey", ls="--", lw=1, label=f"true path {path:.2f}")
    ax.errorbar([reliability_x], [slopes.mean()], yerr=[[slopes.mean() - low], [high - slopes.mean()]], fmt="o",
                color="#dd8452", label=f"{reps} simulated surveys of {n} (middle 95%)")
    ax.set(xlim=(0.3, 1.0), ylim=(0, max(path * 1.15, 0.1)), xlabel="reliability of x (ρx)",
           ylabel="standardized path", title="Measurement error attenuates a path")
    ax.legend(fontsize=8, loc="lower right")
    text = (f"With reliabilities {reliability_x:.2f} and {reliability_y:.2f}, a true path of {path:.2f} is seen as "
            f"{expected:.2f} on average ({1 - expected / path:.0%} smaller).")
    return WhatIf("Attenuation", table, text, fig)


# --------------------------------------------------------------------------
# 04 Loyalty: typology thresholds
# --------------------------------------------------------------------------
def loyalty_thresholds(attitude_quantile: float = 0.5, patronage_quantile: float = 0.5,
                       satisfaction_quantile: float = 0.5, loyalty_quantile: float = 0.5, *,
                       frame: pd.DataFrame | None = None) -> WhatIf:
    """Shares of the Dick & Basu and Jones & Sasser types when their thresholds sit at these quantiles."""
    from crm_lab import loyalty as ly

    frame = loyalty_frame() if frame is None else frame
    db = ly.dick_basu(frame["attitude"], frame["editions_attended"],
                      attitude_threshold=frame["attitude"].quantile(attitude_quantile),
                      patronage_threshold=frame["editions_attended"].quantile(patronage_quantile))
    js = ly.jones_sasser(frame["satisfaction"], frame["conative"],
                         satisfaction_threshold=frame["satisfaction"].quantile(satisfaction_quantile),
                         loyalty_threshold=frame["conative"].quantile(loyalty_quantile))
    table = pd.concat([
        pd.DataFrame({"typology": "Dick & Basu", "type": list(ly.DICK_BASU_TYPES),
                      "share": db.labels.value_counts(normalize=True).reindex(list(ly.DICK_BASU_TYPES), fill_value=0).to_numpy()}),
        pd.DataFrame({"typology": "Jones & Sasser", "type": list(ly.JONES_SASSER_TYPES),
                      "share": js.labels.value_counts(normalize=True).reindex(list(ly.JONES_SASSER_TYPES), fill_value=0).to_numpy()}),
    ], ignore_index=True)
    fig, axes = _figure(9, 3.2, ncols=2)
    for ax, (name, part) in zip(axes, table.groupby("typology", sort=False)):
        ax.bar(part["type"], part["share"], color="#4c72b0")
        ax.set(ylim=(0, 1), title=name, ylabel="share of exhibitors")
        for x, share in enumerate(part["share"]):
            ax.text(x, share + 0.02, f"{share:.0%}", ha="center", fontsize=9)
    share = table.set_index(["typology", "type"])["share"]
    text = (f"True loyal (Dick & Basu): {share[('Dick & Basu', 'true')]:.0%}; "
            f"hostages (Jones & Sasser): {share[('Jones & Sasser', 'hostage')]:.0%} — the shares follow the cut-offs, "
            "not the data alone.")
    return WhatIf("Loyalty typologies", table, text, fig)


# --------------------------------------------------------------------------
# 05 Switching costs: levers
# --------------------------------------------------------------------------
def switching_levers(satisfaction_shift: float = 0.5, switching_cost_shift: float = 0.0, *, model=None,
                     n_sims: int = 1000, confidence: float = 0.95, seed: int = 2024) -> WhatIf:
    """Predicted return rate after shifting satisfaction and switching cost (in SD), with its interval."""
    from crm_lab import switching as sw

    model = return_model() if model is None else model
    shifts = {"what-if": {"satisfaction": float(satisfaction_shift), "switching_cost": float(switching_cost_shift)}}
    effect = sw.lever_effects(model, shifts, n_sims=n_sims, confidence=confidence, rng=seed)
    row = effect.table.iloc[0]
    base = float(row["baseline"])
    table = pd.DataFrame({"estimate": [base, row["estimate"], base + row["estimate"]],
                          "ci_low": [np.nan, row["ci_low"], base + row["ci_low"]],
                          "ci_high": [np.nan, row["ci_high"], base + row["ci_high"]]},
                         index=pd.Index(["baseline return", "change", "predicted return"], name="quantity"))
    fig, ax = _figure(8, 2.8)
    ax.errorbar([table.loc["predicted return", "estimate"]], [0],
                xerr=[[row["estimate"] - row["ci_low"]], [row["ci_high"] - row["estimate"]]], fmt="o", color="#dd8452",
                capsize=4, label=f"what-if ({confidence:.0%} interval)")
    ax.axvline(base, color="grey", ls="--", lw=1, label=f"today {base:.1%}")
    ax.set(yticks=[], xlim=(max(0, base - 0.3), min(1, base + 0.3)), xlabel="share back at the next edition",
           title=f"satisfaction {satisfaction_shift:+.1f} SD, switching cost {switching_cost_shift:+.1f} SD")
    ax.legend(fontsize=8, loc="upper left")
    text = (f"Predicted return {base + row['estimate']:.1%} (today {base:.1%}; change {row['estimate']:+.1%}, "
            f"{confidence:.0%} interval [{row['ci_low']:+.1%}, {row['ci_high']:+.1%}]).")
    return WhatIf("Switching-cost levers", table, text, fig)


# --------------------------------------------------------------------------
# 06 Customer value: retention and discount
# --------------------------------------------------------------------------
def clv_retention(retention: float = 0.7, discount: float = 0.10, *, margin: float | None = None) -> WhatIf:
    """CLV of a customer with a constant margin, retention and discount rate (Gupta & Lehmann 2003)."""
    from crm_lab import value as cv

    margin = sample_margin() if margin is None else float(margin)
    multiple = float(cv.margin_multiple(retention, discount))
    table = pd.DataFrame({"value": [margin, multiple, float(cv.clv_simple(margin, retention, discount)),
                                    float(cv.clv_simple(margin, retention, discount, timing="start"))]},
                         index=pd.Index(["margin per period", "margin multiple r/(1+d-r)", "CLV (margins at period end)",
                                         "CLV (first margin now)"], name="quantity"))
    fig, ax = _figure(8, 3.4)
    grid = np.linspace(0.0, 0.95, 96)
    for d, style in ((discount, "-"), (0.05, ":"), (0.20, "--")):
        ax.plot(grid, cv.clv_simple(margin, grid, d), style, label=f"discount {d:.0%}", color="#4c72b0" if d == discount else "grey")
    ax.plot([retention], [table.iloc[2, 0]], "o", color="#dd8452", ms=8, label="this customer")
    ax.set(xlabel="retention rate per period", ylabel="CLV", title="CLV rises steeply with retention")
    ax.legend(fontsize=8, loc="upper left")
    text = (f"At retention {retention:.0%} and discount {discount:.0%}, the margin multiple is {multiple:.2f}: "
            f"CLV = {table.iloc[2, 0]:,.0f} for a margin of {margin:,.0f} per period.")
    return WhatIf("CLV: retention and discount", table, text, fig)


# --------------------------------------------------------------------------
# 07 Lifecycle: a stage's retention
# --------------------------------------------------------------------------
def stage_retention(stage: str = "exploration", points: float = 0.05, *, discount: float = 0.10,
                    chain: pd.DataFrame | None = None, margins: pd.Series | None = None) -> WhatIf:
    """Lifetime value per starting stage before and after moving *points* of a stage's ending to returning."""
    from crm_lab import lifecycle

    if chain is None or margins is None:
        chain, margins = _chain()
    improved = lifecycle.improve_retention(chain, stage, points)
    before = lifecycle.markov_clv(chain, margins, discount)
    after = lifecycle.markov_clv(improved, margins, discount)
    table = pd.DataFrame({"before": before, "after": after, "gain": after - before}).drop(index="ended", errors="ignore")
    table.index.name = "starting stage"
    fig, ax = _figure(8, 3.4)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["before"], 0.4, label="today", color="grey")
    ax.bar(x + 0.2, table["after"], 0.4, label=f"+{points:.0%} retention in {stage}", color="#4c72b0")
    ax.set(xticks=x, xticklabels=table.index, ylabel="expected lifetime value (CNY)",
           title=f"Lifetime value by stage (discount {discount:.0%})")
    ax.legend(fontsize=8)
    text = (f"{points:.0%} more retention in the {stage} stage adds {table.loc[stage, 'gain']:,.0f} CNY to an exhibitor "
            f"in that stage and {table['gain'].iloc[0]:,.0f} to a new entrant ({table.index[0]}).")
    return WhatIf("Lifecycle: stage retention", table, text, fig)


# --------------------------------------------------------------------------
# 01 Satisfaction: survey size and the interval of the NPS
# --------------------------------------------------------------------------
def nps_survey_size(n: int = 100, *, confidence: float = 0.95, scores: Any = None, data_dir: str = "",
                    n_surveys: int = 20, seed: int = 2024) -> WhatIf:
    """Width of the NPS interval for a survey of *n* respondents answering like the sample, and 20 such surveys.

    *scores*: the 0–10 recommendation answers whose shares of detractors,
    passives and promoters define the population (default: the ``nps``
    answers at the survey edition of ``data_dir``'s survey, as in
    notebook 01).  The table gives the sample's Wald interval and, for *n*
    respondents with the sample's shares (counts rounded to sum to *n*), the
    Wald and the adjusted-Wald interval (Rocks 2016) from
    :func:`crm_lab.satisfaction.nps_from_counts`; the text adds how many of
    *n_surveys* simulated surveys of *n* (multinomial draws with the sample's
    shares) give an interval that covers the sample's NPS.
    """
    from crm_lab import satisfaction as sat

    if scores is None:
        survey = _tables(data_dir, ("survey",))["survey"]
        scores = survey.loc[survey["edition"] == survey["edition"].max(), "nps"]
    full = sat.nps(scores, confidence=confidence)
    shares = np.array([full.detractors, full.passives, full.promoters])

    def counts(size: int) -> np.ndarray:  # the sample's shares as whole answers summing to size (largest remainder)
        raw = size * shares
        whole = np.floor(raw).astype(int)
        whole[np.argsort(whole - raw)[: size - whole.sum()]] += 1
        return whole

    def interval(c, method: str):
        return sat.nps_from_counts(*(int(v) for v in c), confidence=confidence, method=method)

    n = int(n)
    rows = {"the sample (Wald)": full, f"{n} respondents (Wald)": interval(counts(n), "wald"),
            f"{n} respondents (adjusted Wald)": interval(counts(n), "adjusted_wald")}
    table = pd.DataFrame({"n": [r.n for r in rows.values()], "estimate": [r.nps for r in rows.values()],
                          "se": [r.se for r in rows.values()], "ci_low": [r.ci_low for r in rows.values()],
                          "ci_high": [r.ci_high for r in rows.values()]},
                         index=pd.Index(list(rows), name="interval"))
    table["width"] = table["ci_high"] - table["ci_low"]
    draws = np.random.default_rng(seed).multinomial(n, shares / shares.sum(), size=int(n_surveys))
    sims = {m: [interval(d, m) for d in draws] for m in ("wald", "adjusted_wald")}
    covered = {m: sum(r.ci_low <= full.nps <= r.ci_high for r in rs) for m, rs in sims.items()}

    fig, ax = _figure(8, 3.6)
    y = np.arange(len(draws))
    low, high = 100 * table.iloc[1][["ci_low", "ci_high"]]
    ax.axvspan(low, high, color="#dd8452", alpha=0.15,
               label=f"Wald interval of {n} respondents with the sample's shares")
    for method, name, colour, offset in (("wald", "Wald", "grey", -0.15),
                                         ("adjusted_wald", "adjusted Wald", "#4c72b0", 0.15)):
        rs = sims[method]
        ax.hlines(y + offset, [100 * r.ci_low for r in rs], [100 * r.ci_high for r in rs], color=colour,
                  label=f"{name}: {covered[method]} of {len(rs)} cover the sample's NPS")
        ax.plot([100 * r.nps for r in rs], y + offset, "|", color=colour)
    ax.axvline(100 * full.nps, color="black", ls="--", lw=1, label=f"the sample's NPS ({full.n} respondents)")
    ax.set(yticks=[], xlim=(-100, 100), ylim=(-1, len(draws) + 4.5), xlabel="NPS (points)",
           title=f"{len(draws)} simulated surveys of {n} respondents, {confidence:.0%} intervals")
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    text = (f"With {n} respondents answering like this survey, the {confidence:.0%} interval of the NPS is about "
            f"{100 * table['width'].iloc[1]:.0f} points wide (this survey of {full.n}: "
            f"{100 * table['width'].iloc[0]:.0f}); of {len(draws)} simulated surveys of {n}, {covered['wald']} Wald and "
            f"{covered['adjusted_wald']} adjusted-Wald intervals cover the sample's NPS.")
    return WhatIf("NPS: survey size", table, text, fig)
