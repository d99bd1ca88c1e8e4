"""Exercises of notebook 01 (customer data and satisfaction): C = b/a, NPS, IPA, "six times", response styles.

Each ``solve(ctx)`` recomputes its answer from the notebook's own tables
(``survey``, ``exhibitors``, ``participation``), parameters (``alpha``,
``seed``, ``sim_exhibitors``) and planted truth, so the checks stay right on
another seed or a user's data.  The notebook passes nothing else.

Theory: Oliver (1980) for expectation–disconfirmation and the material's
C = b/a; Reichheld (2003) and Rocks (2016) for the NPS and its standard
error; Martilla & James (1977) for importance–performance analysis; Katz et
al. (1978) for the relative risk; Fischer (2004) and Baumgartner &
Steenkamp (2001) for response styles.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import satisfaction as sat
from ..schema import SATISFACTION_ATTRIBUTES
from . import Expected, Mistake, exercise

__all__ = ["INDEX_ATTRIBUTE", "STYLE_GROUP", "respondents"]

#: The attribute whose satisfaction index C = b/a exercise 01.1 asks for.
INDEX_ATTRIBUTE = "price_value"
#: The region exercise 01.6 compares with the reference region (north China).
STYLE_GROUP = "south_china"

_THEORY_INDEX = "the section *The satisfaction index C = b/a* (THEORY.md §3)"
_THEORY_NPS = "the section *Three rising levels, and the Net Promoter Score* (Rocks 2016)"
_THEORY_RR = "the section *\"Six times as likely to buy again\"* (Katz et al. 1978)"
_THEORY_IPA = "the section *Importance–performance analysis* (Martilla & James 1977)"
_THEORY_STYLE = "the section *Response styles: the reserved south* (Fischer 2004)"


def respondents(tables) -> pd.DataFrame:
    """The survey edition's respondents with their region, sector and size class — as the notebook builds them."""
    survey = tables["survey"]
    now = survey[survey["edition"] == survey["edition"].max()]
    segments = tables["exhibitors"][["exhibitor_id", "region", "sector", "size_class"]]
    return now.merge(segments, on="exhibitor_id", how="left")


def _resp(ctx) -> pd.DataFrame:
    return ctx.cached("respondents", lambda: respondents(ctx.tables))


def _confidence(ctx) -> float:
    return 1 - float(ctx.param("alpha", 0.05))


# --------------------------------------------------------------------------
# 01.1 — C = b/a by hand
# --------------------------------------------------------------------------
@exercise("01.1", kind="compute", title="The satisfaction index of price/value by hand", theory=_THEORY_INDEX,
          hint="compute C = b / a for each respondent (b = perception, a = expectation of the attribute), then "
               "average the respondents' C",
          why="C is a ratio per customer: its mean is not the ratio of the means, and it depends on where the scale "
              "starts — two of the weaknesses of the index.")
def _(ctx):
    d = _resp(ctx)
    b, a = d[f"perc_{INDEX_ATTRIBUTE}"].astype(float), d[f"exp_{INDEX_ATTRIBUTE}"].astype(float)
    ok = b.notna() & a.notna()
    b, a = b[ok], a[ok]
    mistakes = [
        Mistake("ratio of means", b.mean() / a.mean(),
                "that is the ratio of the two means; C is computed per respondent first, then averaged"),
        Mistake("inverted", (a / b).mean(), "you divided expectation by perception; C = b / a is perceived over "
                                             "expected"),
        Mistake("gap", (b - a).mean(), "that is the mean gap b − a (the disconfirmation), not the ratio C = b / a"),
        Mistake("other attribute", (d["perc_visitor_quality"] / d["exp_visitor_quality"]).mean(),
                "that is the index of visitor quality; the exercise asks for price/value"),
    ]
    if (a > 1).all():
        mistakes.append(Mistake("zero-based scale", ((b - 1) / (a - 1)).mean(),
                                "you recoded the answers to 0–6 first; use the 1–7 answers as given (and note how "
                                "much C moves when the scale's start moves)"))
    return Expected(float((b / a).mean()), mistakes)


# --------------------------------------------------------------------------
# 01.2 — the NPS's standard error by hand
# --------------------------------------------------------------------------
@exercise("01.2", kind="compute", title="The standard error of the NPS by hand", theory=_THEORY_NPS,
          hint="NPS is the mean of a score +1 (promoter, 9–10), 0 (passive, 7–8), −1 (detractor, 0–6); its variance "
               "per respondent is (p₊ + p₋) − (p₊ − p₋)², and the SE divides by n under the square root",
          why="promoters and detractors come from one multinomial sample, so their shares are negatively correlated: "
              "the SE of their difference is not the SE of two independent proportions.")
def _(ctx):
    x = _resp(ctx)["nps"].dropna().astype(float)
    n = len(x)
    pro, det = float((x >= 9).mean()), float((x <= 6).mean())
    se = math.sqrt(((pro + det) - (pro - det) ** 2) / n)
    det8 = float((x <= 8).mean())
    return Expected(se, [
        Mistake("independent proportions", math.sqrt(pro * (1 - pro) / n + det * (1 - det) / n),
                "you added the variances of two independent proportions; promoters and detractors come from the "
                "same respondents, so their covariance (−p₊p₋/n) enters"),
        Mistake("no square term", math.sqrt((pro + det) / n),
                "you left out the −(p₊ − p₋)² of the variance: (p₊ + p₋) is E[score²], not the variance"),
        Mistake("passives as detractors", math.sqrt(((pro + det8) - (pro - det8) ** 2) / n),
                "you counted 7–8 as detractors; 7 and 8 are passives (score 0)"),
        Mistake("sd not se", math.sqrt((pro + det) - (pro - det) ** 2),
                "that is the standard deviation per respondent; the standard error divides by √n"),
    ])


# --------------------------------------------------------------------------
# 01.3 — reading the relative risk
# --------------------------------------------------------------------------
_RR_CHOICES = {
    "a": "The interval excludes 1 and lies wholly below 6: satisfied exhibitors come back more often, but far less "
         "than six times as often.",
    "b": "The interval includes 1: these data do not show that satisfied exhibitors come back more often than "
         "dissatisfied ones.",
    "c": "The interval excludes 1 and includes 6: the data are consistent with \"six times as likely\".",
    "d": "The interval lies wholly above 6: satisfied exhibitors are even more than six times as likely to return.",
    "e": "Whatever the interval, the relative risk says how many times more often an exhibitor would return if the "
         "organizer raised its satisfaction.",
}


@exercise("01.3", kind="interpret", title="Is a satisfied exhibitor six times as likely to come back?",
          theory=_THEORY_RR, answer="choice", choices=_RR_CHOICES,
          wrong_choice={
              "a": "look again at where the interval lies relative to 1 and to 6.",
              "b": "look again: does the interval really include 1?",
              "c": "look again: does the interval really reach 6, and does it exclude 1?",
              "d": "look again at the interval's lower end.",
              "e": "the survey is observational: satisfied and dissatisfied exhibitors differ in more than satisfaction "
                   "(tenure, switching costs, sector), so the ratio is an association, not the effect of raising "
                   "satisfaction.",
          },
          why="the relative risk is bounded by 1 / P(return | dissatisfied): where most exhibitors come back anyway, "
              "\"six times\" is impossible — the figure is a claim about a market, not a law.")
def _(ctx):
    rr = ctx.cached("rr", lambda: sat.relative_return(_resp(ctx), ctx.tables["participation"],
                                                        confidence=_confidence(ctx)))
    row = rr.table.loc["relative risk"]
    if row["ci_low"] <= 1:
        return "b"
    if row["ci_high"] < 6:
        return "a"
    return "d" if row["ci_low"] > 6 else "c"


# --------------------------------------------------------------------------
# 01.4 — the IPA's "concentrate here" quadrant by hand
# --------------------------------------------------------------------------
@exercise("01.4", kind="compute", title="Which attributes are in \"concentrate here\"?", theory=_THEORY_IPA,
          answer="labels",
          hint="performance = mean perception, importance = mean stated importance per attribute; the crosshairs are "
               "the grand means of the eight performances and of the eight importances; 'concentrate here' is "
               "importance at or above its crosshair and performance below its crosshair",
          why="the quadrant depends on where the crosshairs sit: with grand means every grid has attributes in each "
              "half, with the scale midpoint a satisfied sample may have none below it.")
def _(ctx):
    d = _resp(ctx)
    names = list(SATISFACTION_ATTRIBUTES)
    perf = pd.Series({a: d[f"perc_{a}"].mean() for a in names})
    imp = pd.Series({a: d[f"imp_{a}"].mean() for a in names})

    def quadrant(i_cross, p_cross, importance=imp):
        return sorted(a for a in names if importance[a] >= i_cross and perf[a] < p_cross)

    want = quadrant(imp.mean(), perf.mean())
    mistakes = [
        Mistake("midpoint", quadrant(4.0, 4.0), "that is the quadrant with the crosshairs at the scale midpoint (4); "
                                                "the exercise asks for the grand means"),
        Mistake("overkill", sorted(a for a in names if imp[a] < imp.mean() and perf[a] >= perf.mean()),
                "those are low in importance and high in performance ('possible overkill'): you swapped the axes"),
        Mistake("keep up", sorted(a for a in names if imp[a] >= imp.mean() and perf[a] >= perf.mean()),
                "those perform above the crosshair ('keep up the good work'); 'concentrate here' performs below it"),
        Mistake("gap", sorted(a for a in names if (d[f"perc_{a}"] - d[f"exp_{a}"]).mean() < 0),
                "those have a negative service gap (perception below expectation); the IPA compares performance with "
                "importance, not with expectation"),
    ]
    return Expected(want, [m for m in mistakes if m.value != want])


# --------------------------------------------------------------------------
# 01.5 — predict: the relative risk in a monopoly market
# --------------------------------------------------------------------------
_PREDICT_CHOICES = {
    "a": "Smaller, nearer 1: where there is no rival show, dissatisfied exhibitors come back too, and a relative risk "
         "can never exceed 1 / P(return | dissatisfied).",
    "b": "Larger: without a rival show satisfaction is all that decides whether an exhibitor returns.",
    "c": "About the same: the relative risk measures the effect of satisfaction, which the simulation keeps fixed.",
    "d": "It cannot be computed: in a monopoly market every exhibitor comes back.",
}


def structure_simulation(seed, n_exhibitors: int = 20_000, alpha: float = 0.05) -> sat.SatisfactionResult:
    """The simulation of exercise 01.5 and of the notebook's market-structure cell (same seed, same markets)."""
    return sat.relative_return_by_structure(sat.structure_scenarios(), n_exhibitors=int(n_exhibitors),
                                            rng=np.random.default_rng(seed), confidence=1 - alpha)


@exercise("01.5", kind="predict", title="Six times as likely — in a market with no rival show?", theory=_THEORY_RR,
          answer="choice", choices=_PREDICT_CHOICES,
          wrong_choice={
              "b": "think about the dissatisfied exhibitors: where can they go when no rival show exists?",
              "c": "the simulation keeps the effect of satisfaction on loyalty fixed, but the relative risk is a ratio "
                   "of two return rates, and the structure moves the dissatisfied group's rate.",
              "d": "not every exhibitor comes back in a monopoly market (firms also stop exhibiting for other "
                   "reasons); the rates are just closer together.",
          },
          why="a relative risk depends on the base rate: the same satisfaction effect gives a large ratio where the "
              "dissatisfied leave and a ratio near 1 where they have nowhere to go.")
def _(ctx):
    res = ctx.cached("structure", lambda: structure_simulation(ctx.param("seed"), ctx.param("sim_exhibitors", 20_000),
                                                               float(ctx.param("alpha", 0.05))))
    rr = res.table["estimate"]
    return "a" if rr.iloc[-1] < rr.iloc[0] else "b"


# --------------------------------------------------------------------------
# 01.6 — truth: response style, naive and corrected against the planted value
# --------------------------------------------------------------------------
_STYLE_CHOICES = {
    "a": "The naive interval misses the planted latent difference and the corrected one covers it: the correction "
         "recovers what the response style hid.",
    "b": "Both intervals cover the planted latent difference: in this sample the response style is small against "
         "the sampling error, though over many samples the naive difference would be biased.",
    "c": "The naive interval covers the planted value and the corrected one does not: here the correction removed "
         "more than the response style.",
    "d": "Neither interval covers the planted latent difference.",
    "e": "The data has no planted truth (your own data): only the naive and the corrected difference can be "
         "compared.",
}


@exercise("01.6", kind="truth", title="Is southern reserve a real difference or a response style?",
          theory=_THEORY_STYLE, answer="choice", choices=_STYLE_CHOICES,
          wrong_choice={
              "a": "check again whether the naive interval really misses the planted value (the diamond).",
              "b": "check again whether both intervals really reach the planted value (the diamond).",
              "c": "check again which of the two intervals reaches the planted value (the diamond).",
              "d": "check again: at least one interval may reach the planted value (the diamond).",
              "e": "these data come with a planted truth: compare the intervals with it.",
          },
          why="the same latent satisfaction gives lower answers in the south; a naive regional comparison mixes "
              "scale use with satisfaction, which is why cross-regional rankings need a correction.")
def _(ctx):
    d = _resp(ctx)
    if ctx.truth is None:
        return "e"
    res = ctx.cached("style", lambda: sat.response_style_correction(d, ["overall_sat"], confidence=_confidence(ctx)))
    planted = ctx.cached("style_planted", lambda: sat.planted_group_difference(d, ctx.truth))
    group = STYLE_GROUP if STYLE_GROUP in res.table.index else res.table.index[0]
    row, target = res.table.loc[group], float(planted.loc[group, "latent_d"])
    naive = row["naive_ci_low"] <= target <= row["naive_ci_high"]
    corrected = row["ci_low"] <= target <= row["ci_high"]
    return {(False, True): "a", (True, True): "b", (True, False): "c", (False, False): "d"}[(naive, corrected)]


# --------------------------------------------------------------------------
# 01.7 — open: how many respondents an IPA needs, on other data
# --------------------------------------------------------------------------
@exercise("01.7", kind="open", title="How many respondents does an IPA need — on another market or your database?",
          theory="the section *How many respondents does an IPA need?*", answer="none")
def _(ctx):  # pragma: no cover - open exercises have no check
    return None
