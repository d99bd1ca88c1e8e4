"""Exercises of notebook 06 (customer value and segmentation): CLV, Gini, tiers, simulations, break-even.

Each ``solve(ctx)`` recomputes its answer from the notebook's own tables
(``transactions``, ``participation``, ``exhibitors``, ``survey``, ``editions``)
and parameters (``alpha``, ``margin_rate``, ``discount``, ``cost_ratio``,
``bins``, ``seed``, ``sim_reps``, ``recovery_reps``, ``recovery_customers``),
exactly as the notebook's cells do, so the checks stay right on another seed
or a user's data.  The notebook passes one more input, ``recovery`` (its
BG/NBD recovery table of section 8, a simulation with its own planted truth),
which exercise 06.5 reads; without it the exercise reruns the same simulation.

Theory: Gupta & Lehmann (2003) for the margin multiple; Gini (1912) and
Lorenz (1905) for concentration; Hughes (1994) for RFM tiers; Fader, Hardie &
Lee (2005) for BG/NBD and its calibration/holdout validation; Reichheld &
Sasser (1990) for retention vs acquisition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import value as cv
from . import Expected, Mistake, exercise

__all__ = ["PLANTED", "SIM_EDITIONS", "analysis_day", "profile", "segments"]

#: The planted BG/NBD parameters of the notebook's recovery simulation (section 8).
PLANTED = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 3.0}
#: Editions observed in the CLV-uncertainty simulation (section 7).
SIM_EDITIONS = (1, 2, 3, 5, 8)

_THEORY_CLV = "section *5 (a) From a retention rate: the margin multiple* (Gupta & Lehmann 2003)"
_THEORY_GINI = "section *2. Contribution and concentration* (the Gini formula)"
_THEORY_TIERS = "*Who is in the tiers?* in section 3"
_THEORY_SIM = "section *7. Simulation: how sure is a segment's CLV after k editions?*"
_THEORY_RECOVERY = "section *8. Simulation: does the BG/NBD fit recover what it was planted with?*"
_THEORY_HOLDOUT = "*Calibration and holdout* in section 5 (b) (Fader, Hardie & Lee 2005)"
_THEORY_BREAK_EVEN = "section *6. Retention vs acquisition* (the break-even condition)"


# --------------------------------------------------------------------------
# shared analyses, built as the notebook builds them
# --------------------------------------------------------------------------
def analysis_day(tables) -> tuple[int, pd.Timestamp]:
    """The survey edition and the close of that edition (the notebook's ``edition`` and ``as_of``)."""
    edition = int(tables["survey"]["edition"].max())
    return edition, pd.Timestamp(tables["editions"].set_index("edition").loc[edition, "end_date"])


def profile(tables) -> pd.DataFrame:
    """The notebook's ``profile``: :func:`crm_lab.value.exhibitor_value_table` at the survey edition."""
    edition, _ = analysis_day(tables)
    return cv.exhibitor_value_table(tables["participation"], tables["survey"], tables["exhibitors"], edition=edition)


def segments(prof: pd.DataFrame) -> pd.DataFrame:
    """The notebook's ``segments`` of section 7: size, return rate and spend of each size class."""
    return prof.groupby("size_class").agg(customers=("spend", "size"), retention=("returned", "mean"),
                                          spend=("spend", "mean"))


def _profile(ctx) -> pd.DataFrame:
    return ctx.cached("profile", lambda: profile(ctx.tables))


def _revenue(ctx) -> pd.Series:
    def compute():
        _, as_of = analysis_day(ctx.tables)
        return cv.rfm(ctx.tables["transactions"], as_of=as_of, bins=int(ctx.param("bins", 5)))["monetary"]

    return ctx.cached("revenue", compute)


def _stages(ctx) -> pd.DataFrame:
    def compute():
        stages = _profile(ctx).groupby("stage")[["returned", "spend"]].mean().rename(columns={"returned": "retention"})
        stages["margin"] = stages["spend"] * float(ctx.param("margin_rate", 0.3))
        return stages

    return ctx.cached("stages", compute)


# --------------------------------------------------------------------------
# 06.1 CLV of an average exhibitor by hand
# --------------------------------------------------------------------------
@exercise(
    "06.1", kind="compute", title="The lifetime value of an average exhibitor by hand", theory=_THEORY_CLV,
    hint="CLV = m · r / (1 + d − r), with m the mean margin (spend × margin rate), r the share who came back and d "
         "the discount rate",
    why="the margin multiple r / (1 + d − r) turns a yearly margin into a lifetime value: every point of retention "
        "raises it more than the last.",
)
def _(ctx):
    prof = _profile(ctx)
    rate, d = float(ctx.param("margin_rate", 0.3)), float(ctx.param("discount", 0.1))
    spend, r = float(prof["spend"].mean()), float(prof["returned"].mean())
    m = spend * rate
    return Expected(m * r / (1 + d - r), [
        Mistake("no discount", m * r / (1 - r), "you left out the discount rate: money in later editions is worth "
                "less today, so d belongs in the denominator"),
        Mistake("revenue", spend * r / (1 + d - r), "you used spend, not margin: multiply the spend by the margin rate"),
        Mistake("this edition too", m * (1 + d) / (1 + d - r), "you counted this edition's margin as well; the "
                "exercise counts the margins from the next edition on"),
        Mistake("churn for retention", m * (1 - r) / (1 + d - (1 - r)), "you used the share who did *not* come back "
                "as the retention rate"),
    ])


# --------------------------------------------------------------------------
# 06.2 Gini by hand
# --------------------------------------------------------------------------
@exercise(
    "06.2", kind="compute", title="The Gini coefficient of revenue by hand", theory=_THEORY_GINI, digits=4,
    hint="sort the revenues ascending, weight the i-th by (2i − n − 1) with i from 1 to n, and divide by n times "
         "the total",
    why="the Gini coefficient condenses the Lorenz curve into one number: how far revenue is from being shared "
        "equally among the exhibitors.",
)
def _(ctx):
    x = np.sort(_revenue(ctx).to_numpy())
    n = x.size
    w = 2 * np.arange(1, n + 1) - n - 1
    g = float((w * x).sum() / (n * x.sum()))
    top = x[n - max(1, int(np.ceil(0.2 * n))):].sum() / x.sum()
    return Expected(g, [
        Mistake("descending", float((w * x[::-1]).sum() / (n * x.sum())),
                "you sorted the revenues from largest to smallest; the formula needs them ascending"),
        Mistake("n/(n-1)", g * n / (n - 1), "you applied the small-sample correction n / (n − 1); the formula of the "
                "section does not"),
        Mistake("top 20 %", float(top), "that is the share of revenue of the top 20 %, not the Gini coefficient"),
    ])


# --------------------------------------------------------------------------
# 06.3 tier profile (interpret)
# --------------------------------------------------------------------------
def _tier_profile(ctx) -> cv.TierProfile:
    def compute():
        prof = _profile(ctx)
        _, as_of = analysis_day(ctx.tables)
        bins = int(ctx.param("bins", 5))
        table = cv.rfm(ctx.tables["transactions"], as_of=as_of, bins=bins)
        cuts = (7, 11) if bins == 5 else (int(1.4 * bins), int(2.2 * bins))
        tiers = cv.membership_tiers(table, cuts=cuts).astype(str)
        tiered = prof.join(tiers, how="inner")
        alpha = float(ctx.param("alpha", 0.05))
        # effect sizes of categories and the ANOVA p-value do not depend on the bootstrap: few resamples suffice
        return cv.profile_tiers(tiered, "tier", ["sector", "size_class", "region", "satisfaction"],
                                confidence=1 - alpha, n_boot=100, rng=0)

    return ctx.cached("tier_profile", compute)


@exercise(
    "06.3", kind="interpret", title="Who is in the top tier?", theory=_THEORY_TIERS, answer="choice",
    choices={
        "a": "The tiers differ most in size class (largest Cramér's V), and their satisfaction differs significantly.",
        "b": "The tiers differ most in size class, but their satisfaction does not differ significantly.",
        "c": "The tiers differ most in sector or region, not in size class.",
        "d": "All the p-values of the three categories are small, so they describe the tiers equally well.",
    },
    wrong_choice={
        "a": "look again at the p-value of satisfaction against alpha, and at which category has the largest effect",
        "b": "look again at the p-value of satisfaction against alpha, and at which category has the largest effect",
        "c": "compare the three Cramér's V values: which category is most strongly associated with the tier?",
        "d": "a small p-value says an association exists, not how strong it is: compare the effect sizes (Cramér's V)",
    },
    why="RFM tiers are built from money and frequency, so they tend to mirror size; whether they also mirror "
        "satisfaction is an empirical question that the test, not the tier name, answers.",
)
def _(ctx):
    t = _tier_profile(ctx).table
    largest = t.loc[["sector", "size_class", "region"], "estimate"].idxmax()
    if largest != "size_class":
        return "c"
    return "a" if t.loc["satisfaction", "p_value"] < float(ctx.param("alpha", 0.05)) else "b"


# --------------------------------------------------------------------------
# 06.4 predict: CLV uncertainty after 2 vs 8 editions
# --------------------------------------------------------------------------
def uncertainty_ratio(ctx) -> float:
    """Mean over segments of relative SD after 8 editions / after 2 (the notebook's simulation, same seed)."""
    def compute():
        sim = cv.simulate_clv_uncertainty(segments(_profile(ctx)), editions=SIM_EDITIONS,
                                          discount=float(ctx.param("discount", 0.1)),
                                          margin_rate=float(ctx.param("margin_rate", 0.3)),
                                          reps=int(ctx.param("sim_reps", 500)),
                                          confidence=1 - float(ctx.param("alpha", 0.05)), rng=ctx.param("seed"))
        ratio = sim.xs(8, level="editions")["relative_sd"] / sim.xs(2, level="editions")["relative_sd"]
        return float(ratio.mean())

    return ctx.cached("uncertainty_ratio", compute)


@exercise(
    "06.4", kind="predict", title="Eight editions instead of two", theory=_THEORY_SIM, answer="choice",
    choices={
        "a": "About halves: four times the data, and spreads fall with 1/√n.",
        "b": "Falls, but clearly by less than half: the cohort shrinks, so later editions add fewer customers at risk.",
        "c": "Hardly changes (by less than a tenth): after the first edition the retention rate is known.",
        "d": "Rises: more editions give more chances for the estimate to go wrong.",
    },
    wrong_choice={
        "a": "1/√n holds when every edition adds as many observations as the first; does a cohort that loses "
             "exhibitors every edition do that?",
        "b": "compare the simulated ratio of the spreads with one half and with one",
        "c": "one edition gives one noisy estimate of the return rate; later editions still add customers at risk",
        "d": "more observations cannot make an unbiased average more variable",
    },
    why="the customers at risk after k editions are n(1 + r + … + r^(k−1)), which levels off at n / (1 − r): a "
        "shrinking cohort stops adding information.",
)
def _(ctx):
    ratio = uncertainty_ratio(ctx)
    if ratio >= 1:
        return "d"
    if ratio >= 0.9:
        return "c"
    return "b" if ratio >= 0.55 else "a"


# --------------------------------------------------------------------------
# 06.5 truth: BG/NBD parameter recovery
# --------------------------------------------------------------------------
def recovery(ctx) -> pd.DataFrame:
    """The notebook's recovery table (section 8): handed over by the notebook, or rerun (same values, sizes, seed)."""
    if ctx.extra.get("recovery") is not None:
        return ctx.extra["recovery"]
    return ctx.cached("recovery", lambda: cv.bgnbd_recovery(
        **PLANTED, n_customers=int(ctx.param("recovery_customers", 1000)), reps=int(ctx.param("recovery_reps", 10)),
        T=52.0, confidence=1 - float(ctx.param("alpha", 0.05)), rng=ctx.param("seed")))


@exercise(
    "06.5", kind="truth", title="Did the fit recover the planted parameters?", theory=_THEORY_RECOVERY,
    answer="choice",
    choices={
        "a": "No detectable bias for a: the average estimate is within two Monte Carlo SEs of the planted value.",
        "b": "A detectable bias for a: the average estimate lies more than two Monte Carlo SEs from the planted value.",
        "c": "The fit recovers a because one market's 95 % interval holds it.",
        "d": "The fit cannot recover a, since the sample show is not a BG/NBD world.",
    },
    wrong_choice={
        "a": "compute |bias| and 2·sd/√fits from the row of a and compare them",
        "b": "compute |bias| and 2·sd/√fits from the row of a and compare them",
        "c": "one interval holding the truth is what happens 95 % of the time even to a biased estimator; recovery is "
             "about the average over many markets",
        "d": "the recovery markets are simulated from the BG/NBD model with known parameters; the sample show plays "
             "no part in them",
    },
    why="parameter recovery is the test a fitter must pass before its estimates on real data mean anything: on "
        "data from the model itself, it must find the planted values on average.",
)
def _(ctx):
    row = recovery(ctx).loc["a"]
    return "a" if abs(row["bias"]) <= 2 * row["sd"] / np.sqrt(row["fits"]) else "b"


# --------------------------------------------------------------------------
# 06.6 interpret: calibration vs holdout
# --------------------------------------------------------------------------
def _validation(ctx) -> pd.DataFrame:
    def compute():
        _, as_of = analysis_day(ctx.tables)
        cal_hold = cv.calibration_and_holdout(ctx.tables["transactions"], calibration_end=as_of, freq="W")
        fit = cv.fit_bgnbd(cal_hold["frequency_cal"], cal_hold["recency_cal"], cal_hold["T_cal"])
        return cv.calibration_holdout_table(fit, cal_hold, max_frequency=10)

    return ctx.cached("validation", compute)


@exercise(
    "06.6", kind="interpret", title="Does BG/NBD over- or under-predict the holdout?", theory=_THEORY_HOLDOUT,
    answer="choice",
    choices={
        "a": "The model over-predicts the holdout purchases by more than 10 %.",
        "b": "The model under-predicts the holdout purchases by more than 10 %.",
        "c": "Predicted and actual totals are within 10 % of each other.",
        "d": "The model must be wrong because its line does not pass through every point.",
    },
    wrong_choice={
        "a": "divide the predicted by the actual mean in the row 'all' and compare with 1.1 and 0.9",
        "b": "divide the predicted by the actual mean in the row 'all' and compare with 1.1 and 0.9",
        "c": "divide the predicted by the actual mean in the row 'all' and compare with 1.1 and 0.9",
        "d": "each point is a mean of noisy counts; a model is judged by systematic departures, not by missing points",
    },
    why="the holdout is the honest test of a purchase model: a systematic gap says which assumption the data reject "
        "(for an exhibition, purchases come in a yearly rhythm and exhibitors leave at an edition, not at random).",
)
def _(ctx):
    row = _validation(ctx).loc["all"]
    rel = row["predicted"] / row["actual"] - 1
    return "a" if rel > 0.1 else ("b" if rel < -0.1 else "c")


# --------------------------------------------------------------------------
# 06.7 break-even lift by hand
# --------------------------------------------------------------------------
@exercise(
    "06.7", kind="compute", title="The break-even lift by hand", theory=_THEORY_BREAK_EVEN,
    hint="V = m (1 + d) / (1 + d − r) for the old and for the new exhibitors; the break-even lift is the cost ratio "
         "times V_new / V_old",
    why="a fifth of the cost is not five times the return: the programme pays per exhibitor targeted, and only the "
        "share it actually keeps brings value.",
)
def _(ctx):
    prof, stages = _profile(ctx), _stages(ctx)
    rate, d, ratio = (float(ctx.param(k, v)) for k, v in (("margin_rate", 0.3), ("discount", 0.1), ("cost_ratio", 0.2)))
    old = prof[prof["stage"] != "exploration"]
    new = stages.loc["exploration"]
    r_old, m_old = float(old["returned"].mean()), float(old["spend"].mean()) * rate
    r_new, m_new = float(new["retention"]), float(new["margin"])

    def value(m, r, start=True):
        return m * ((1 + d) if start else r) / (1 + d - r)

    return Expected(ratio * value(m_new, r_new) / value(m_old, r_old), [
        Mistake("the ratio alone", ratio, "that is the cost ratio alone: it is the break-even only when a new "
                "exhibitor is worth as much as a kept one"),
        Mistake("inverted", ratio * value(m_old, r_old) / value(m_new, r_new),
                "you divided the other way round: the break-even lift is ratio × V_new / V_old"),
        Mistake("next edition only", ratio * value(m_new, r_new, False) / value(m_old, r_old, False),
                "you used the next-edition convention r / (1 + d − r); here each value counts this edition's margin "
                "too: (1 + d) / (1 + d − r)"),
    ])


# --------------------------------------------------------------------------
# 06.8 open
# --------------------------------------------------------------------------
@exercise(
    "06.8", kind="open", title="Weights, margins and the value of a customer",
    theory="sections 1, 5 and 6, and the rerun commands at the end", answer="none",
)
def _(ctx):  # pragma: no cover - open exercise: no check
    return None
