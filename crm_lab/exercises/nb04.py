"""Exercises of notebook 04, *Loyalty layers* (:mod:`crm_lab.loyalty`).

Each function computes the expected answer from the notebook's own tables
(``survey``, ``exhibitors``, ``sectors``, ``participation``), its parameters
``P`` (``alpha``, the four threshold quantiles, ``seed``, ``n_reps``,
``editions_ahead``, ``spline_df``) and its planted truth (None on a user's
data), exactly as the notebook's solution cells do, so that a check stays
right on another seed or another data folder.

========  =========  ==========================================================
id        kind       idea practised
========  =========  ==========================================================
04.1      truth      latent SEM vs observed-score OLS: recovered or attenuated?
04.2      interpret  what Dick & Basu's spurious loyalty needs
04.3      compute    share of hostages in monopoly sectors, by a stated rule
04.4      interpret  the monopoly - competitive hostage difference
04.5      compute    the Net Promoter Score by hand
04.6      predict    a rival show opens: hostages or loyalists leave more?
04.7      open       move the thresholds and rerun with papermill
========  =========  ==========================================================

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
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from .. import loyalty as ly
from .. import measurement as ms
from .. import stats
from . import Expected, Mistake, exercise

#: Exercise 04.3's stated rule: a hostage has satisfaction at or below this (the 1-7 scale's midpoint) ...
HOSTAGE_SATISFACTION_MAX = 4.0
#: ... and conative loyalty strictly above this.
HOSTAGE_LOYALTY_ABOVE = 5.0
#: Exercise 04.1's path (lhs, rhs): the first link of Oliver's chain, satisfaction -> cognitive loyalty.
TRUTH_PATH = ("cognitive", "satisfaction")
#: Exercise 04.1's latent-variable model of that one link: each construct measured by its three items.
LINK_MODEL = "satisfaction =~ sat1 + sat2 + sat3\ncognitive =~ cog1 + cog2 + cog3\ncognitive ~ satisfaction"
#: Exercise 04.6: below this share (half a percentage point) the rival drives (practically) nobody away.
NO_EFFECT = 0.005


# --------------------------------------------------------------------------
# shared pieces (cached per workbook)
# --------------------------------------------------------------------------
def _frame(ctx) -> pd.DataFrame:
    return ctx.cached("frame", lambda: ly.exhibitor_frame(ctx.tables))


def _confidence(ctx) -> float:
    return 1 - float(ctx.param("alpha", 0.05))


def _jones_sasser(ctx) -> pd.Series:
    """The notebook's Jones & Sasser labels: both axes split at the parameters' quantiles."""

    def compute():
        f = _frame(ctx)
        sat_cut = f["satisfaction"].quantile(ctx.param("satisfaction_quantile", 0.5))
        loy_cut = f["conative"].quantile(ctx.param("loyalty_quantile", 0.5))
        return ly.jones_sasser(f["satisfaction"], f["conative"], satisfaction_threshold=sat_cut,
                               loyalty_threshold=loy_cut).labels

    return ctx.cached("jones_sasser", compute)


# --------------------------------------------------------------------------
# 04.1 truth: does the SEM recover the planted path?
# --------------------------------------------------------------------------
_TRUTH_CHOICES = {
    "a": "The SEM recovers the planted path (the planted value lies inside its interval); OLS on the observed "
         "scale scores misses it: measurement error attenuates it.",
    "b": "Both recover the planted path: their intervals both contain it.",
    "c": "Neither recovers it: the planted value lies outside both intervals.",
    "d": "OLS on the observed scores recovers the planted path; the SEM misses it.",
    "e": "There is no planted path to compare with (your own data): only the two estimates can be compared.",
}
#: letter -> (SEM interval contains the planted value, OLS interval contains it)
_TRUTH_CLAIMS = {"a": (True, False), "b": (True, True), "c": (False, False), "d": (False, True)}


def _path_intervals(ctx) -> dict:
    """The SEM's and OLS's estimate and interval of :data:`TRUTH_PATH`, and the planted value (or None)."""

    def compute():
        level = _confidence(ctx)
        z = sps.norm.ppf(0.5 + level / 2)
        sem = ms.sem(ctx.tables["survey"], LINK_MODEL).paths.set_index(["lhs", "rhs"]).loc[TRUTH_PATH]
        # the standardised estimate has the z of the raw one: its interval is std * (1 -+ z_crit / z)
        sem_ci = sorted([sem["std_estimate"] * (1 - z / sem["z"]), sem["std_estimate"] * (1 + z / sem["z"])])
        ols = ly.chain_regressions(_frame(ctx), confidence=level).set_index(["lhs", "rhs"]).loc[TRUTH_PATH]
        planted = None
        if ctx.truth is not None:
            paths = ctx.truth.paths
            row = paths[(paths["op"] == "~") & (paths["lhs"] == TRUTH_PATH[0]) & (paths["rhs"] == TRUTH_PATH[1])]
            planted = float(row["value"].iloc[0])
        return {"sem": (float(sem["std_estimate"]), *map(float, sem_ci)),
                "ols": (float(ols["estimate"]), float(ols["ci_low"]), float(ols["ci_high"])), "planted": planted}

    return ctx.cached("path_intervals", compute)


@exercise(
    "04.1", kind="truth", answer="choice",
    title="Latent SEM or observed scores: which recovers the planted path?",
    theory="section 2, *Does the data support cognitive → affective → conative?* (Oliver 1999; Spearman 1904 on "
           "attenuation)",
    choices=_TRUTH_CHOICES,
    wrong_choice={"e": "this data comes with a planted truth (`truth` is not None): compare the intervals with "
                       "the planted value."},
    hint="for each method, ask whether the planted value lies between the interval's bounds.",
    why="latent-variable models separate the items' error from the construct; scale scores carry it into every "
        "path, which shrinks the estimates towards 0.",
)
def _truth_path(ctx):
    r = _path_intervals(ctx)
    if r["planted"] is None:
        hint = ("without a planted truth (your own data) nothing can be said to recover it: look at what "
                "`truth` is.")
        return Expected("e", [Mistake(f"no truth {k}", k, hint) for k in _TRUTH_CLAIMS])
    planted = r["planted"]
    sem_ok = r["sem"][1] <= planted <= r["sem"][2]
    ols_ok = r["ols"][1] <= planted <= r["ols"][2]
    right = next(k for k, claim in _TRUTH_CLAIMS.items() if claim == (sem_ok, ols_ok))
    mistakes = []
    for letter, (sem_claim, _ols_claim) in _TRUTH_CLAIMS.items():
        if letter == right:
            continue
        if sem_claim != sem_ok:
            hint = ("look again at the SEM's interval (its standardised estimate × (1 ∓ z_crit / z)): does it "
                    "contain the planted value?")
        else:
            hint = "look again at the OLS interval on the observed scores (ci_low, ci_high): does it contain the planted value?"
        mistakes.append(Mistake(f"claim {letter}", letter, hint))
    return Expected(right, mistakes)


# --------------------------------------------------------------------------
# 04.2 interpret: spurious loyalty
# --------------------------------------------------------------------------
@exercise(
    "04.2", kind="interpret", answer="choice",
    title="What do spuriously loyal exhibitors need?",
    theory="section 3, *Dick & Basu: relative attitude × repeat patronage* (Dick & Basu 1994), and section 6 (the loyalty types)",
    choices={
        "a": "Nothing: they come back edition after edition, so they are loyal already.",
        "b": "Reasons to prefer the show (a better experience, value-added services, personal bonds): they come "
             "back out of habit, convenience or for want of an alternative, and a rival with a better offer can "
             "take them.",
        "c": "Lower barriers to coming back (dates, costs, travel): they like the show but rarely exhibit.",
        "d": "Nothing: they neither like the show nor come back, so they are not worth the effort.",
    },
    wrong_choice={
        "a": "coming back is only the behavioural side; Dick & Basu call a customer truly loyal only when the "
             "relative attitude is high too.",
        "c": "that describes the other off-diagonal cell (high attitude, low patronage): latent loyalty.",
        "d": "that describes the cell low on both axes (no loyalty); spurious exhibitors do come back.",
    },
    hint="place the spurious cell on Dick & Basu's two axes first: which is high, which is low?",
    why="repeat patronage without attitude lasts only as long as the reasons for it (habit, no rival); attitude "
        "is what keeps a customer when a cheaper or new show appears.",
)
def _spurious(ctx):
    return "b"


# --------------------------------------------------------------------------
# 04.3 compute: share of hostages in monopoly sectors
# --------------------------------------------------------------------------
@exercise(
    "04.3", kind="compute",
    title="Share of hostages among the exhibitors of monopoly sectors (stated thresholds)",
    theory="section 4, *Jones & Sasser: the satisfaction–loyalty grid* and *Hostages under monopoly* (Jones & "
           "Sasser 1995)",
    hint="a hostage is loyal but dissatisfied; count them among the monopoly-sector exhibitors only and divide "
         "by the number of those exhibitors.",
    why="hostages stay because they cannot go elsewhere; where a show has no rival, their number is the loyalty "
        "that a competitor's entry puts at risk.",
)
def _hostage_share(ctx):
    f = _frame(ctx)
    sat, con, mono = f["satisfaction"], f["conative"], f["monopoly"].eq(1)
    hostage = (sat <= HOSTAGE_SATISFACTION_MAX) & (con > HOSTAGE_LOYALTY_ABOVE)

    def share(flags):
        return float(flags[mono].mean()) if mono.any() else float("nan")

    value = share(hostage)
    mistakes = [
        Mistake("all exhibitors", float(hostage.mean()),
                "that is the share among all surveyed exhibitors; the question asks among the exhibitors of "
                "monopoly sectors only."),
        Mistake("share of hostages", float((hostage & mono).sum() / hostage.sum()) if hostage.any() else float("nan"),
                "that is the share of the hostages who are in monopoly sectors; divide by the number of "
                "monopoly-sector exhibitors instead."),
        Mistake("competitive", float(hostage[~mono].mean()) if (~mono).any() else float("nan"),
                "that is the share in the competitive sectors (monopoly == 0); the question asks about monopoly "
                "sectors (monopoly == 1)."),
        Mistake("count", float((hostage & mono).sum()),
                "that is the number of hostages; give their share (a number between 0 and 1)."),
        Mistake("strict satisfaction", share((sat < HOSTAGE_SATISFACTION_MAX) & (con > HOSTAGE_LOYALTY_ABOVE)),
                "'at or below 4' includes the exhibitors whose satisfaction is exactly 4 (scores are means of "
                "three items, so 4.0 occurs)."),
        Mistake("loose loyalty", share((sat <= HOSTAGE_SATISFACTION_MAX) & (con >= HOSTAGE_LOYALTY_ABOVE)),
                "'above 5' is strict: an exhibitor whose conative score is exactly 5 is not high."),
        Mistake("mercenary", share((sat > HOSTAGE_SATISFACTION_MAX) & (con <= HOSTAGE_LOYALTY_ABOVE)),
                "that is the satisfied-but-not-loyal cell (mercenaries); hostages are loyal but dissatisfied."),
        Mistake("loyalist", share((sat > HOSTAGE_SATISFACTION_MAX) & (con > HOSTAGE_LOYALTY_ABOVE)),
                "that is the satisfied-and-loyal cell (loyalists); hostages are loyal but dissatisfied."),
    ]
    return Expected(value, mistakes)


# --------------------------------------------------------------------------
# 04.4 interpret: hostages under monopoly
# --------------------------------------------------------------------------
@exercise(
    "04.4", kind="interpret", answer="choice",
    title="Are hostages more common where the show has no rival?",
    theory="section 4, *Hostages under monopoly* (Jones & Sasser 1995; Newcombe 1998 for the interval)",
    choices={
        "a": "The interval lies entirely above 0: in these data hostages are more common in monopoly sectors, "
             "as Jones & Sasser expect where exhibitors have no alternative show.",
        "b": "The interval contains 0: this survey cannot tell whether hostages are more common under monopoly "
             "(which is not evidence that the shares are equal).",
        "c": "The interval lies entirely below 0: hostages are less common in monopoly sectors, against the "
             "theory.",
        "d": "The p-value is above alpha, which proves that the share of hostages is the same in both kinds of "
             "sector.",
    },
    wrong_choice={
        "a": "check where 0 lies relative to the interval's lower bound.",
        "b": "check again whether 0 really lies between the interval's bounds.",
        "c": "check which way the difference goes: it is monopoly minus competitive.",
        "d": "a p-value above alpha never proves equality: absence of evidence is not evidence of absence; and "
             "check whether the p-value is above alpha at all.",
    },
    hint="read the risk difference's interval (monopoly − competitive) at the notebook's confidence level.",
    why="the interval, not the p-value alone, says what the survey can and cannot tell about market structure.",
)
def _hostage_gap(ctx):
    f = _frame(ctx)
    hostage, mono = _jones_sasser(ctx).eq("hostage"), f["monopoly"].eq(1)
    test = stats.two_proportions(int((hostage & mono).sum()), int(mono.sum()), int((hostage & ~mono).sum()),
                                 int((~mono).sum()), labels=("monopoly", "competitive"), confidence=_confidence(ctx))
    return "a" if test.ci_low > 0 else ("c" if test.ci_high < 0 else "b")


# --------------------------------------------------------------------------
# 04.5 compute: NPS by hand
# --------------------------------------------------------------------------
@exercise(
    "04.5", kind="compute",
    title="The Net Promoter Score of the surveyed exhibitors, by hand",
    theory="section 7, *What loyal exhibitors are worth* (Reichheld 2003: promoters answer 9–10, detractors 0–6)",
    hint="classify each answer (promoter, passive, detractor), take the percentage of promoters and of "
         "detractors among all answers, and subtract.",
    why="NPS ignores the passives (7–8) on purpose: it counts who will speak for the show and who against it.",
)
def _nps(ctx):
    survey = ctx.tables["survey"]
    if "nps" not in survey:
        return float("nan")
    s = pd.to_numeric(survey["nps"], errors="coerce").dropna()
    if s.empty:
        return float("nan")
    pro, det = float((s >= 9).mean()), float((s <= 6).mean())
    pro78, det05 = float((s >= 7).mean()), float((s <= 5).mean())
    value = 100 * (pro - det)
    mistakes = [
        Mistake("7-8 as promoters", 100 * (pro78 - det),
                "you counted the passives (7–8) as promoters: promoters answer 9 or 10 only."),
        Mistake("0-5 detractors", 100 * (pro - det05),
                "detractors answer 0 to 6, not 0 to 5: a 6 is a detractor."),
        Mistake("both bands", 100 * (pro78 - det05),
                "promoters answer 9–10 (not 7–10) and detractors 0–6 (not 0–5)."),
        Mistake("without passives", 100 * (pro - det) / (pro + det) if pro + det > 0 else float("nan"),
                "you divided by the promoters and detractors only; the percentages are of all answers, passives "
                "included."),
        Mistake("counts", float((s >= 9).sum() - (s <= 6).sum()),
                "you subtracted the numbers of promoters and detractors; NPS subtracts their percentages."),
        Mistake("promoters only", 100 * pro, "that is the percentage of promoters; subtract the detractors' percentage."),
    ]
    return Expected(value, mistakes)


# --------------------------------------------------------------------------
# 04.6 predict: a rival opens
# --------------------------------------------------------------------------
def _entry_by_group(ctx) -> pd.DataFrame:
    """Exercise 04.6's simulation, as the notebook runs it: extra leavers per Jones & Sasser group.

    For the surveyed exhibitors of monopoly sectors, one Jones & Sasser group
    at a time (in the order of :data:`crm_lab.loyalty.JONES_SASSER_TYPES`,
    one generator seeded with ``P.seed``): the planted return model with and
    without a rival (:func:`crm_lab.loyalty.planted_entry_logits`, stages
    moving by the planted transitions), or, without a planted truth, the
    fitted return curve (:func:`crm_lab.loyalty.curve_entry_logits`).

    Returns
    -------
    DataFrame
        Index ``group``; ``n`` and the share driven away after
        ``P.editions_ahead`` editions (``mean``, ``low``, ``high``).
    """

    def compute():
        f = _frame(ctx)
        labels = _jones_sasser(ctx)
        horizon, n_reps = int(ctx.param("editions_ahead", 5)), int(ctx.param("n_reps", 400))
        gen = np.random.default_rng(ctx.param("seed", 0))
        curve = None
        if ctx.truth is None:
            curve = ly.fit_return_curve(f, spline_df=ctx.param("spline_df", 0) or None, confidence=_confidence(ctx))
        rows_out = {}
        for group in ly.JONES_SASSER_TYPES:
            rows = f[f["monopoly"].eq(1) & labels.eq(group)]
            if rows.empty:
                continue
            if ctx.truth is not None:
                latent = ctx.truth.latent.set_index("exhibitor_id").loc[rows.index]
                sq, en = ly.planted_entry_logits(latent, rows["monopoly"], ctx.truth.params)
                kw = {"stage": rows["stage"].map({s: i for i, s in enumerate(ly.STAGES)}).to_numpy(), "transition": ctx.truth.transition}
            else:
                sq, en = ly.curve_entry_logits(curve, rows, n_draws=n_reps, rng=gen)
                kw = {}
            sim = ly.simulate_competitor_entry(sq, en, n_editions=horizon, n_reps=n_reps, rng=gen, **kw)
            last = sim[sim["scenario"].eq("extra leavers") & sim["edition_ahead"].eq(horizon)].iloc[0]
            rows_out[group] = {"n": len(rows), "mean": last["mean"], "low": last["low"], "high": last["high"]}
        return pd.DataFrame.from_dict(rows_out, orient="index").rename_axis("group")

    return ctx.cached("entry_by_group", compute)


@exercise(
    "04.6", kind="predict", answer="choice",
    title="A rival show opens in a monopoly sector: who leaves more, hostages or loyalists?",
    theory="section 4, *Hostages under monopoly*, and section 9, *A rival show opens in a monopoly sector* "
           "(Jones & Sasser 1995)",
    choices={
        "a": "The hostages: they are loyal for want of an alternative, and the rival is one.",
        "b": "The loyalists: they come back most, so they have the most editions to lose.",
        "c": "Neither: both groups intend to come back, and intention is all that decides a return.",
        "d": "The comparison cannot be made here: one of the two groups has no exhibitor in monopoly sectors.",
    },
    wrong_choice={
        "a": "compare the two groups' reasons to stay: which one has a reason that the rival does not remove?",
        "b": "a loyalist's satisfaction remains when the rival opens; what held the other group?",
        "c": "the rival removes part of the switching cost that props up the intention of some exhibitors.",
        "d": "both groups have members in monopoly sectors in these data.",
    },
    hint="ask what keeps each group coming back, and which of those reasons disappears when a rival opens.",
    why="Jones & Sasser's hostages are loyal only while the market gives them no choice; their loyalty is the "
        "first to go when a competitor arrives.",
)
def _predict_entry(ctx):
    by = _entry_by_group(ctx)
    if "hostage" not in by.index or "loyalist" not in by.index:
        return "d"
    hostage, loyalist = by.loc["hostage", "mean"], by.loc["loyalist", "mean"]
    right = "c" if max(hostage, loyalist) < NO_EFFECT else ("a" if hostage > loyalist else "b")
    if ctx.truth is not None:
        return right
    hint = ("on your own data (no planted truth) the check follows the simulation from the fitted return curve of "
            "section 5, which knows only satisfaction and market structure, not loyalty, and whose coefficients are "
            "uncertain: run the simulation, compare the groups' means with their sizes and bands, and read the "
            "explanation.")
    return Expected(right, [Mistake("fitted curve", letter, hint) for letter in "abc" if letter != right])


# --------------------------------------------------------------------------
# 04.7 open
# --------------------------------------------------------------------------
@exercise(
    "04.7", kind="open", answer="none",
    title="How much do the typologies depend on their thresholds?",
    theory="sections 3 and 4 (Dick & Basu 1994; Jones & Sasser 1995) and *Rerun this notebook*",
)
def _thresholds(ctx):
    return None
