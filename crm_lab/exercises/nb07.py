"""Exercises of notebook 07 (the relationship lifecycle): the chain, its truth, satisfaction, sBG, value, where to spend.

Each ``solve(ctx)`` recomputes its answer from the notebook's own tables
(``ctx.tables["participation"]``, ``ctx.tables["survey"]``), parameters
(``alpha``, ``seed``, ``n_boot``, ``margin_rate``, ``discount``,
``retention_gain``, ``horizon``) and planted truth, so the checks stay right on
another seed or a user's data.  The notebook passes nothing else.

Theory: Dwyer, Schurr & Oh (1987) for the stages; Anderson & Goodman (1957)
for estimating and comparing chains; Fader & Hardie (2007, 2010) for
heterogeneity in retention; Pfeifer & Carraway (2000) for lifetime value on
a chain; Kemeny & Snell (1960) for the fundamental matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import lifecycle as lc
from ..schema import SCALES
from . import Expected, Mistake, exercise

__all__ = ["PREDICT_PARAMS", "PREDICT_SIZE", "PREDICT_PERIODS", "predict_simulation", "satisfaction_groups"]

#: The heterogeneous cohort of the predict exercise 07.4: Fader & Hardie's (2007) "regular" customers.
PREDICT_PARAMS = {"alpha": 0.704, "beta": 1.182}
#: Customers and periods of the simulated cohort of exercise 07.4.
PREDICT_SIZE = 20_000
PREDICT_PERIODS = 8

_THEORY_CHAIN = "*Theory: four stages and an end, as a Markov chain* and *The transition matrix*"
_THEORY_TRUTH = "*The estimate beside the planted chain*"
_THEORY_SAT = "*Does satisfaction shift the moves?*"
_THEORY_SBG = "*The shifted-beta-geometric model: why retention rises with tenure* (Fader & Hardie 2007)"
_THEORY_CLV = "*Lifetime value from the chain* (Pfeifer & Carraway 2000)"
_THEORY_SPEND = "*Where does the next yuan go?*"


# --------------------------------------------------------------------------
# shared analyses
# --------------------------------------------------------------------------
def _tm(ctx) -> lc.TransitionMatrix:
    """The notebook's chain: the same bootstrap (n_boot, confidence 1 - alpha, seed)."""
    return ctx.cached("tm", lambda: lc.transition_matrix(
        ctx.tables["participation"], n_boot=int(ctx.param("n_boot", 1000)),
        confidence=1 - float(ctx.param("alpha", 0.05)), rng=ctx.param("seed")))


def satisfaction_groups(survey: pd.DataFrame) -> pd.Series:
    """Terciles of the satisfaction score (mean of sat1-sat3) at the latest survey edition, by exhibitor_id."""
    now = survey[survey["edition"] == survey["edition"].max()]
    score = now[list(SCALES["satisfaction"])].mean(axis=1)
    groups = pd.qcut(score.rank(method="first"), 3, labels=["low", "mid", "high"])
    return pd.Series(groups.to_numpy(), index=now["exhibitor_id"].to_numpy(), name="satisfaction")


def predict_simulation(seed) -> np.ndarray:
    """The simulation of exercise 07.4: retention rates r(1..k) of one simulated heterogeneous cohort."""
    s = lc.simulate_sbg(PREDICT_PARAMS["alpha"], PREDICT_PARAMS["beta"], PREDICT_SIZE, PREDICT_PERIODS, rng=seed)
    return s[1:] / s[:-1]


# --------------------------------------------------------------------------
# 07.1 a transition probability by hand
# --------------------------------------------------------------------------
@exercise(
    "07.1", kind="compute", title="The probability that a stable relationship ends, by hand", theory=_THEORY_CHAIN,
    hint="take every exhibitor-edition in the stability stage that has a row at the next edition, and count the "
         "share whose next row is lapsed",
    why="the move to ended is the chain's churn from one stage; the stages differ a lot in it, which is why one "
        "average churn rate hides where relationships break.",
)
def _(ctx):
    part = ctx.tables["participation"][["exhibitor_id", "edition", "stage"]]
    nxt = part.assign(edition=part["edition"] - 1).rename(columns={"stage": "next"})
    moves = part.merge(nxt, on=["exhibitor_id", "edition"], how="left")
    stable = moves[moves["stage"] == "stability"]
    observed = stable.dropna(subset=["next"])
    ended = float((observed["next"] == "lapsed").mean())
    back = observed[observed["next"] != "lapsed"]
    return Expected(ended, [
        Mistake("all rows", float((stable["next"] == "lapsed").sum() / len(stable)),
                "you divided by every stability row, including those of the last edition, which has no next "
                "edition to move to; count only the rows whose next edition is observed"),
        Mistake("stayed", float((observed["next"] == "stability").mean()),
                "that is the share that stayed in stability; the question asks for the move to ended (lapsed)"),
        Mistake("all stages", float((moves.dropna(subset=["next"]).query("stage != 'lapsed'")["next"] == "lapsed").mean()),
                "that is the share that ended from any stage; keep only the moves out of stability"),
        Mistake("among returners", float((back["next"] == "stability").mean()),
                "that is a move among those who came back; the ended probability counts everyone in the stage"),
    ])


# --------------------------------------------------------------------------
# 07.2 the planted chain (truth)
# --------------------------------------------------------------------------
@exercise(
    "07.2", kind="truth", title="Does the chain of those who came back recover the planted moves?", answer="choice",
    theory=_THEORY_TRUTH,
    choices={
        "a": "Every planted move lies inside its interval: the chain is recovered.",
        "b": "One or two of the 16 planted moves lie outside their intervals: with 16 intervals at this level, a "
             "miss or two is what chance alone produces, so the chain is recovered.",
        "c": "Three or more planted moves lie outside their intervals: more than chance explains; something "
             "biases the estimate (e.g. the chain is not Markov in the stage alone).",
        "d": "The data has no planted truth (your own data): only the estimates and their intervals are known.",
    },
    wrong_choice={
        "a": "count again: compare each planted value with its own interval in the table, all 16 of them.",
        "b": "count the planted moves outside their intervals again, all 16 of them.",
        "c": "count again: a planted 0 with an interval [0, 0] is inside its interval.",
        "d": "these data come with a planted truth (the comparison table shows it).",
    },
    why="the moves among those who came back are planted exactly, so the bootstrap intervals should cover them about "
        "as often as their level says; the move to ended is not planted as one number (it depends on who is in a stage).",
)
def _(ctx):
    if ctx.truth is None:
        return "d"
    table = _tm(ctx).returned_table
    planted = lc.planted_transitions(ctx.truth).stack().reindex(table.index)
    miss = int((~((table["ci_low"] <= planted + 1e-12) & (planted - 1e-12 <= table["ci_high"]))).sum())
    return "a" if miss == 0 else ("b" if miss <= 2 else "c")


# --------------------------------------------------------------------------
# 07.3 satisfaction and the moves (interpret)
# --------------------------------------------------------------------------
@exercise(
    "07.3", kind="interpret", title="Does satisfaction shift the moves?", answer="choice", theory=_THEORY_SAT,
    choices={
        "a": "The overall test rejects equal chains at level alpha, and the least satisfied third ends more often "
             "than the most satisfied third: satisfaction goes with staying.",
        "b": "The overall test rejects equal chains at level alpha, and the least satisfied third ends less often "
             "than the most satisfied third.",
        "c": "The overall test does not reject at level alpha: these data do not show that satisfaction shifts the "
             "moves (which does not prove that it does not).",
        "d": "The overall test rejects, which proves that raising an exhibitor's satisfaction makes it stay.",
    },
    wrong_choice={
        "d": "a test of association on observational data does not prove a causal effect: satisfied exhibitors may "
             "differ in other ways (sector, size, tenure).",
    },
    hint="read the row 'all' of the test table (p-value against alpha) and compare the share of moves to ended "
         "of the low and high groups",
    why="the chain is not one chain for everyone: the satisfied end less often, so a retention effort that raises "
        "satisfaction shifts the whole chain — but a survey alone cannot prove the cause.",
)
def _(ctx):
    groups = satisfaction_groups(ctx.tables["survey"])
    by = ctx.cached("by", lambda: lc.transitions_by(ctx.tables["participation"], groups,
                                                    confidence=1 - float(ctx.param("alpha", 0.05))))
    if not by.table.loc["all", "p_value"] < float(ctx.param("alpha", 0.05)):
        return "c"
    counts = by.counts.groupby(level="group", observed=True).sum()
    ended = counts["ended"] / counts.sum(axis=1)
    return "a" if ended["low"] > ended["high"] else "b"


# --------------------------------------------------------------------------
# 07.4 heterogeneity makes retention rise (predict)
# --------------------------------------------------------------------------
@exercise(
    "07.4", kind="predict", title="One constant churn probability each: what does the cohort's retention do?",
    answer="choice", theory=_THEORY_SBG,
    choices={
        "a": "It rises with tenure: the exhibitors most likely to leave leave first, so those left are the loyal ones.",
        "b": "It stays flat: nobody's churn probability changes, so the cohort's cannot either.",
        "c": "It falls with tenure: relationships wear out.",
        "d": "It rises at first and then falls back to its starting value.",
    },
    wrong_choice={
        "b": "each exhibitor's probability is constant, but who is still there is not: the mix of the survivors changes.",
        "c": "nobody's relationship wears out in this cohort: every churn probability is constant.",
        "d": "the survivors only get more loyal on average as the likely leavers go; nothing brings them back.",
    },
    why="a rising retention curve is what heterogeneity alone produces (Fader & Hardie 2007); it is not evidence that "
        "any one relationship deepened.",
)
def _(ctx):
    r = predict_simulation(ctx.param("seed"))
    steps = np.diff(r)
    if (steps > 0).all():
        return "a"
    return "d" if steps[0] > 0 else "b"


# --------------------------------------------------------------------------
# 07.5 lifetime value by hand (compute)
# --------------------------------------------------------------------------
@exercise(
    "07.5", kind="compute", title="The lifetime value of an entering exhibitor, by hand", theory=_THEORY_CLV, digits=4,
    hint="V = (I − P/(1 + d))⁻¹ R with the whole 5 × 5 chain, the margins per state (0 for ended) and the discount "
         "rate; read V at exploration",
    why="the chain values an exhibitor by where it is in the lifecycle: an entrant is worth the margins of the stages "
        "it may reach, weighted by the chance of reaching them and discounted.",
)
def _(ctx):
    P = lc.transition_matrix(ctx.tables["participation"], n_boot=0).matrix.to_numpy()
    R = lc.stage_margins(ctx.tables["participation"], margin_rate=float(ctx.param("margin_rate", 0.3))).to_numpy()
    d = float(ctx.param("discount", 0.1))
    eye = np.eye(P.shape[0])
    value = np.linalg.solve(eye - P / (1 + d), R)[0]
    return Expected(float(value), [
        Mistake("undiscounted", float(np.linalg.solve(eye[:4, :4] - P[:4, :4], R[:4])[0]),
                "that is the undiscounted value; divide the chain by (1 + d) so that later editions count less"),
        Mistake("first discounted", float(np.linalg.solve(eye - P / (1 + d), R)[0] / (1 + d)),
                "you discounted the first edition too; in Pfeifer & Carraway's formula the current edition's margin "
                "is not discounted"),
        Mistake("transposed", float(np.linalg.solve(eye - P.T / (1 + d), R)[0]),
                "you used the transposed chain: rows are 'from', so V = R + P V/(1 + d) multiplies P by V from the right"),
        Mistake("one edition", float(R[0]), "that is only the first edition's margin; add the discounted future"),
    ])


# --------------------------------------------------------------------------
# 07.6 where the next yuan goes (interpret)
# --------------------------------------------------------------------------
@exercise(
    "07.6", kind="interpret", title="Where does the next yuan go?", answer="choice", theory=_THEORY_SPEND,
    choices={
        "a": "One stage has the largest value per treated exhibitor-edition in at least a share 1 − alpha of the "
             "bootstrap chains (p_best): the data single it out as the place for retention spending.",
        "b": "The stage with the largest gain per entering exhibitor should get the money, whatever it costs to "
             "reach its exhibitors.",
        "c": "No stage leads in a share 1 − alpha of the bootstrap chains: the data do not single out one stage; "
             "costs and feasibility must decide.",
        "d": "The stability stage should always get the money, because stable exhibitors bring the largest margin.",
    },
    wrong_choice={
        "a": "look at p_best again: the leader must win in at least a share 1 − alpha of the bootstrap chains.",
        "b": "the gain per entrant ignores how many exhibitor-editions must be treated to get it; compare value per "
             "treated exhibitor-edition.",
        "c": "overlapping intervals of two stages do not settle a paired comparison: each bootstrap chain values both "
             "stages on the same resampled exhibitors, so count in how many chains the leader wins (p_best).",
        "d": "a large margin does not make a retention gain there the best buy: it also matters how many exhibitors "
             "are there, how often they would have ended, and what they would have become.",
    },
    hint="compare the leading stage's p_best (the share of bootstrap chains in which it ranks first) with 1 − alpha",
    why="a retention budget buys the most where one treated exhibitor-edition adds most value; the paired bootstrap "
        "says how sure the data are which stage that is, even when the stages' own intervals overlap.",
)
def _(ctx):
    part = ctx.tables["participation"]
    rewards = lc.stage_margins(part, margin_rate=float(ctx.param("margin_rate", 0.3)))
    iv = lc.compare_interventions(_tm(ctx), rewards, discount=float(ctx.param("discount", 0.1)),
                                  points=float(ctx.param("retention_gain", 0.05)), horizon=int(ctx.param("horizon", 10)))
    lead = iv.table["per_edition"].idxmax()
    return "a" if iv.table.loc[lead, "p_best"] >= 1 - float(ctx.param("alpha", 0.05)) else "c"


# --------------------------------------------------------------------------
# 07.7 open
# --------------------------------------------------------------------------
@exercise("07.7", kind="open", title="Margins, discount and another market: does the decision hold?",
          answer="none", theory="*Where does the next yuan go?* and *Rerun this notebook*")
def _(ctx):  # pragma: no cover - open exercise
    return None

