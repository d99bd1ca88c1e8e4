"""Exercises of notebook 00 (start here): the customers, who comes back, a risk difference and its truth.

Each ``solve(ctx)`` computes the expected answer from the notebook's own
tables (``ctx.tables``), parameters (``seed``, ``alpha``, ``truth_size``) and
planted truth (``ctx.truth``; None for a user's data), so the checks stay
right on another seed or another market.  See :mod:`crm_lab.exercises`.

References
----------
Reichheld, F. F., & Sasser, W. E. (1990). Zero defections: Quality comes to
services. *Harvard Business Review*, 68(5), 105–111.

Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. *Journal of the American Statistical Association*,
22(158), 209–212.

Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions: comparison of eleven methods. *Statistics in
Medicine*, 17(8), 873–890.

Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
*Harvard Business Review*, 73(6), 88–99.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm

from crm_lab import lifecycle, overview, stats
from crm_lab.exercises import Expected, Mistake, agree, exercise

__all__: list[str] = []

#: How many simulated markets of each size exercise 00.5 draws (the notebook's simulation cell draws as many).
WIDTH_REPS = 200


# --------------------------------------------------------------------------
# Shared computations (cached per workbook)
# --------------------------------------------------------------------------
def _confidence(ctx) -> float:
    return 1 - float(ctx.param("alpha", 0.05))


def _returns(ctx) -> pd.DataFrame:
    """One row per exhibitor and edition with a next edition: ``returned`` and ``market_structure``."""

    def compute() -> pd.DataFrame:
        structure = overview.market_structure(ctx.tables["exhibitors"], ctx.tables["sectors"])
        returns = lifecycle.next_edition_returns(ctx.tables["participation"])
        return returns.assign(market_structure=returns["exhibitor_id"].map(structure).to_numpy())

    return ctx.cached("returns", compute)


def _counts(ctx, edition: int) -> pd.DataFrame:
    """Returners (``x``) and exhibitors (``n``) of *edition*, by market structure."""
    returns = _returns(ctx)
    return returns[returns["edition"] == edition].groupby("market_structure")["returned"].agg(x="sum", n="size")


def _last(ctx) -> int:
    """The last edition that has a next one (the notebook's ``last``)."""
    return int(_returns(ctx)["edition"].max())


def _test(ctx, edition: int):
    """The risk difference monopoly − competitive at *edition*, Newcombe interval at 1 − alpha."""

    def compute():
        c = _counts(ctx, edition)
        return stats.two_proportions(int(c.loc["monopoly", "x"]), int(c.loc["monopoly", "n"]),
                                     int(c.loc["competitive", "x"]), int(c.loc["competitive", "n"]),
                                     labels=("monopoly", "competitive"), confidence=_confidence(ctx))

    return ctx.cached(f"test {edition}", compute)


def _excludes_zero(test) -> bool:
    return bool(test.ci_low > 0 or test.ci_high < 0)


def simulated_widths(counts: pd.DataFrame, k: int, *, reps: int, rng: np.random.Generator,
                     confidence: float) -> np.ndarray:
    """Widths of the risk-difference interval in *reps* markets *k* times as large, same return rates.

    The notebook's simulation cell draws exactly this (binomial returners in
    each group, monopoly first), so with the same generator both agree.
    """
    n_m, n_c = k * int(counts.loc["monopoly", "n"]), k * int(counts.loc["competitive", "n"])
    p_m = counts.loc["monopoly", "x"] / counts.loc["monopoly", "n"]
    p_c = counts.loc["competitive", "x"] / counts.loc["competitive", "n"]
    widths = np.empty(reps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a draw with both groups all-returned: z undefined, CI fine
        for i in range(reps):
            r = stats.two_proportions(rng.binomial(n_m, p_m), n_m, rng.binomial(n_c, p_c), n_c,
                                      confidence=confidence)
            widths[i] = r.ci_high - r.ci_low
    return widths


def _planted(ctx) -> dict[str, float] | None:
    """The planted gap, computed as the notebook does (same size and seed), or None without truth."""
    if ctx.truth is None:
        return None
    return ctx.cached("planted", lambda: overview.planted_return_gap(
        ctx.truth, n_exhibitors=int(ctx.param("truth_size", 50_000)), rng=ctx.param("seed")))


def _keep(expected: float, mistakes: list[Mistake], digits: int = 3) -> list[Mistake]:
    """The mistakes that differ from the expected value on this data (judged to *digits*, as the check does)."""
    return [m for m in mistakes if m.value is not None and np.isfinite(m.value)
            and not agree(float(m.value), float(expected), digits)]


# --------------------------------------------------------------------------
# 00.1 — compute: the trade visitors of the latest edition
# --------------------------------------------------------------------------
@exercise("00.1", kind="compute", title="Trade visitors at the latest edition",
          theory="the section *Three customer types, one relationship*",
          hint="take the visitors with a row in `visits` at the latest edition, look up their type in `visitors`, "
               "and count each visitor once.",
          why="Trade visitors (专业观众) are the audience exhibitors pay a booth for: their share is part of the "
              "value the organizer sells.")
def _trade_share(ctx):
    visits, visitors = ctx.tables["visits"], ctx.tables["visitors"]
    types = visitors.set_index("visitor_id")["visitor_type"]
    latest = visits["edition"].max()
    at = visits[visits["edition"] == latest]
    share = float((types.reindex(at["visitor_id"].unique()) == "trade").mean())
    trade = at["visitor_id"].map(types) == "trade"
    mistakes = [
        Mistake("all visitors", float((visitors["visitor_type"] == "trade").mean()),
                "you used every visitor of the `visitors` table; keep only those who came to the latest edition "
                "(a row in `visits`)."),
        Mistake("all editions", float((visits["visitor_id"].map(types) == "trade").mean()),
                "you pooled the visits of every edition; keep only the latest edition."),
        Mistake("visit days", float(at.loc[trade, "days"].sum() / at["days"].sum()),
                "you weighted each visitor by the days they stayed; count each visitor once."),
        Mistake("public", 1 - share, "that is the share of public visitors (普通观众), not of trade visitors."),
    ]
    return Expected(share, _keep(share, mistakes))


# --------------------------------------------------------------------------
# 00.2 — compute: a return rate by hand
# --------------------------------------------------------------------------
@exercise("00.2", kind="compute", title="A return rate by hand",
          theory="the section *Who comes back?* (return rate = the complement of churn; Reichheld & Sasser 1990)",
          hint="the denominator is the exhibitors who took part in that edition (participated = 1); the numerator "
               "is how many of them took part in the next edition.",
          why="The return rate is the organizer's first CRM number: each point of churn (客户流失) is an exhibitor "
              "the show must win back or replace.")
def _return_rate(ctx):
    panel = ctx.tables["participation"]
    last = _last(ctx)
    returns = _returns(ctx)
    at = returns[returns["edition"] == last]
    rate = float(at["returned"].mean())
    rows = panel[panel["edition"] == last]
    survey = ctx.tables.get("survey")
    mistakes = [
        Mistake("all rows", float(at["returned"].sum() / len(rows)),
                "you divided by every row of the panel at that edition, including exhibitors who did not take "
                "part in it (participated = 0); divide by the exhibitors who took part."),
        Mistake("next edition share", float(panel.loc[panel["edition"] == last + 1, "participated"].mean()),
                "that is the share of the whole panel taking part in the next edition: it mixes in newcomers and "
                "lapsed exhibitors; follow the exhibitors of the edition itself."),
        Mistake("participation", float(rows["participated"].mean()),
                "that is the share of the panel that took part in that edition, not the share of them that came "
                "back at the next one."),
        Mistake("churn", 1 - rate, "that is the churn rate (客户流失), the complement of the return rate."),
        Mistake("pooled editions", float(returns["returned"].mean()),
                "you pooled every edition; keep only the exhibitors of that one edition."),
    ]
    if survey is not None and "exhibitor_id" in survey:
        asked = survey.loc[survey["edition"] == last, "exhibitor_id"] if "edition" in survey else survey["exhibitor_id"]
        respondents = at[at["exhibitor_id"].isin(asked)]
        if len(respondents):
            mistakes.append(Mistake(
                "survey only", float(respondents["returned"].mean()),
                "you used only the exhibitors who answered the survey: they are a self-selected part of the "
                "edition's exhibitors. The participation panel has them all."))
    return Expected(rate, _keep(rate, mistakes))


# --------------------------------------------------------------------------
# 00.3 — compute: Newcombe's interval from two Wilson intervals
# --------------------------------------------------------------------------
@exercise("00.3", kind="compute", title="Newcombe's interval by hand, first edition",
          theory="the section *A first test* (Newcombe 1998, method 10; Wilson 1927)",
          hint="lower limit = d − √((p_m − l_m)² + (u_c − p_c)²), with d = p_m − p_c and (l, u) the Wilson "
               "limits of each group at the notebook's confidence level, for the exhibitors of the first edition.",
          why="Newcombe's interval combines the two groups' Wilson intervals: it stays inside [−1, 1] and keeps "
              "its coverage where the Wald interval does not.")
def _newcombe_lower(ctx):
    first = int(_returns(ctx)["edition"].min())
    c = _counts(ctx, first)
    confidence = _confidence(ctx)
    (x_m, n_m), (x_c, n_c) = c.loc["monopoly"], c.loc["competitive"]
    p_m, l_m, u_m = stats.proportion_ci(int(x_m), int(n_m), confidence=confidence)
    p_c, l_c, u_c = stats.proportion_ci(int(x_c), int(n_c), confidence=confidence)
    d = p_m - p_c
    lower = d - math.sqrt((p_m - l_m) ** 2 + (u_c - p_c) ** 2)
    upper = d + math.sqrt((u_m - p_m) ** 2 + (p_c - l_c) ** 2)
    z = norm.ppf(1 - (1 - confidence) / 2)
    se = math.sqrt(p_m * (1 - p_m) / n_m + p_c * (1 - p_c) / n_c)
    mistakes = [
        Mistake("wald", float(d - z * se),
                "that is the Wald interval d − z·SE; build the limit from the two Wilson intervals instead."),
        Mistake("pairing", d - math.sqrt((p_m - l_m) ** 2 + (p_c - l_c) ** 2),
                "the lower limit of a difference pairs the first group's LOWER distance with the second group's "
                "UPPER distance (a low p_m and a high p_c make d smallest)."),
        Mistake("added", d - ((p_m - l_m) + (u_c - p_c)),
                "you added the two distances; Newcombe combines them as the square root of the sum of squares."),
        Mistake("reversed", -upper,
                "that is the lower limit of competitive − monopoly; the difference is monopoly − competitive."),
        Mistake("survey edition", _test(ctx, _last(ctx)).ci_low,
                "that is the interval of the edition the test above uses; this exercise asks for the first edition."),
    ]
    if not math.isclose(confidence, 0.95):
        p95 = [stats.proportion_ci(int(x), int(n), confidence=0.95) for x, n in ((x_m, n_m), (x_c, n_c))]
        mistakes.append(Mistake(
            "95%", d - math.sqrt((p95[0][0] - p95[0][1]) ** 2 + (p95[1][2] - p95[1][0]) ** 2),
            "that is the 95% limit; use the notebook's level 1 − alpha."))
    return Expected(lower, _keep(lower, mistakes))


# --------------------------------------------------------------------------
# 00.4 — interpret: what the interval says, and what it does not
# --------------------------------------------------------------------------
@exercise("00.4", kind="interpret", title="Reading the risk-difference interval", answer="choice",
          theory="the section *A first test* and the reading after it (Jones & Sasser 1995: monopoly loyalty)",
          choices={
              "a": "The interval lies entirely on one side of 0: at level α the return rates of the two market "
                   "structures differ, in the direction of the estimate. This is an association in one edition; "
                   "it does not show by itself that having no rival show is what makes exhibitors come back.",
              "b": "The interval contains 0: at level α the data cannot tell the two return rates apart. This is "
                   "not evidence that they are equal: gaps as large as the interval's limits are still "
                   "compatible with the data.",
              "c": "The interval contains 0, so market structure has no effect: having no rival show does not "
                   "make exhibitors come back.",
              "d": "The interval lies entirely on one side of 0, so having no rival show causes the difference: "
                   "moving an exhibitor into a monopoly sector would change its chance of returning by about "
                   "the estimate.",
          },
          wrong_choice={
              "a": "compare both limits of the interval with 0 again: is 0 really outside it?",
              "b": "compare both limits of the interval with 0 again: is 0 really inside it?",
              "c": "an interval that contains 0 is not evidence of no effect (absence of evidence is not evidence "
                   "of absence), and a comparison of two groups cannot rule a cause in or out.",
              "d": "the sectors were not assigned at random: monopoly and competitive sectors differ in other ways "
                   "(firm sizes, regions, tenure, switching costs), so the interval shows an association, not "
                   "what having no rival show causes.",
          },
          why="An interval answers 'which differences are compatible with the data?'; neither a significant nor a "
              "non-significant result says why the groups differ.")
def _interpret(ctx):
    return "a" if _excludes_zero(_test(ctx, _last(ctx))) else "b"


# --------------------------------------------------------------------------
# 00.5 — predict, then simulate: four times as many exhibitors
# --------------------------------------------------------------------------
_FACTORS = {"a": 1.0, "b": 0.5, "c": 0.25, "d": 2.0}


@exercise("00.5", kind="predict", title="Four times as many exhibitors", answer="choice",
          theory="the section *A first test*: the standard error of a proportion is √(p(1 − p)/n)",
          choices={
              "a": "about as wide as now",
              "b": "about half as wide",
              "c": "about a quarter as wide",
              "d": "wider",
          },
          wrong_choice={
              "a": "more exhibitors pin each return rate down more precisely: n is in the denominator of the "
                   "standard error √(p(1 − p)/n).",
              "b": "look at how the standard error √(p(1 − p)/n) changes when n is multiplied by 4.",
              "c": "the width follows the standard error, which shrinks with the square root of n, not with n.",
              "d": "more exhibitors bring more information, not more uncertainty: the standard error has n in its "
                   "denominator.",
          },
          why="Precision grows with √n: halving an interval takes four times the data, a budget question for "
              "any survey or panel.")
def _predict(ctx):
    def compute() -> str:
        counts = _counts(ctx, _last(ctx))
        rng = np.random.default_rng(ctx.param("seed"))
        one = simulated_widths(counts, 1, reps=WIDTH_REPS, rng=rng, confidence=_confidence(ctx))
        four = simulated_widths(counts, 4, reps=WIDTH_REPS, rng=rng, confidence=_confidence(ctx))
        ratio = four.mean() / one.mean()
        return min(_FACTORS, key=lambda letter: abs(math.log(ratio / _FACTORS[letter])))

    return ctx.cached("width ratio", compute)


# --------------------------------------------------------------------------
# 00.6 — planted truth: does the interval cover the planted gap?
# --------------------------------------------------------------------------
@exercise("00.6", kind="truth", title="Does the interval cover the planted gap?", answer="choice",
          theory="the section *Against the planted truth* (coverage of a 1 − α interval)",
          choices={
              "a": "Yes: the planted gap lies inside the interval, as it does in about (1 − α) of samples.",
              "b": "No: the planted gap lies above the interval; this sample underestimates the gap.",
              "c": "No: the planted gap lies below the interval; this sample overestimates the gap.",
              "d": "It cannot be judged: these data carry no planted truth (a user's own data), so only the "
                   "interval itself can be read.",
          },
          wrong_choice={
              "a": "compare the planted difference with both limits of the interval again.",
              "b": "compare the planted difference with both limits of the interval again: which side is it on?",
              "c": "compare the planted difference with both limits of the interval again: which side is it on?",
              "d": "this notebook did load a planted truth: look at the printed planted difference.",
          },
          why="A 1 − α interval misses the truth in about α of samples; a method that misses far more often is "
              "biased, and only a simulation with a planted truth can show it.")
def _truth(ctx):
    planted = _planted(ctx)
    if planted is None:
        return "d"
    test = _test(ctx, _last(ctx))
    gap = planted["difference"]
    return "a" if test.ci_low <= gap <= test.ci_high else ("b" if gap > test.ci_high else "c")


# --------------------------------------------------------------------------
# 00.7 — open: rerun on other parameters and another market
# --------------------------------------------------------------------------
@exercise("00.7", kind="open", title="Another level, another market", answer="none",
          theory="the sections *Rerun this notebook* and *Against the planted truth*")
def _open(ctx):  # pragma: no cover - open exercises have no check
    return None
