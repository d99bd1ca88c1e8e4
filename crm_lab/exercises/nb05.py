"""Exercises of notebook 05 (switching costs): typology, simple slopes, Johnson–Neyman, attenuation, power.

Each ``solve(ctx)`` recomputes its answer from the notebook's own tables
(``ctx.tables["survey"]``), parameters (``alpha``, ``seed``) and planted truth,
so the checks stay right on another seed or a user's data.  The notebook
passes one more input, ``targets`` (:func:`crm_lab.switching.interaction_targets`
of the planted market, or None), which exercise 05.5 compares the estimate
with.

Theory: Burnham, Frels & Mahajan (2003) for the eight facets in three types;
Jones, Mothersbaugh & Beatty (2000) for the moderation; Aiken & West (1991)
for centring and simple slopes; Johnson & Neyman (1936) and Bauer & Curran
(2005) for the region of significance; Busemeyer & Jones (1983) and
McClelland & Judd (1993) for attenuation and power of product terms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from .. import power, regression
from .. import switching as sw
from ..schema import SCALES
from . import Expected, Mistake, exercise

__all__ = ["SLOPE_AT_SD", "PREDICT_DESIGN", "PREDICT_RELIABILITY", "PREDICT_REPS", "PREDICT_SIZES", "predict_simulation"]

#: Where exercise 05.2 probes the slope of satisfaction: this many SDs of switching cost above the mean.
SLOPE_AT_SD = 2.0
#: The design of the predict exercise 05.6 (SD units): the notebook's simulation cell uses the same.
PREDICT_DESIGN = {"b_x": 0.4, "b_m": 0.2, "b_xm": -0.15, "r": 0.3}
#: Sample sizes simulated in exercise 05.6.
PREDICT_SIZES = (100, 200, 300, 400, 600, 800, 1000, 1500, 2000)
#: Reliabilities compared in exercise 05.6: perfect measurement and 0.7 for all three scores.
PREDICT_RELIABILITY = (1.0, 0.7)
#: Simulated surveys per sample size in exercise 05.6 (small: the check reruns it).
PREDICT_REPS = 200

_THEORY_TYPES = "the section *Theory: switching costs, eight facets, three types* (the facet table)"
_THEORY_SLOPES = "the formula ∂y/∂S = b1 + b3·W in *Theory* and the simple-slopes cell of the moderation section"
_THEORY_JN = "the Johnson–Neyman paragraph of *Moderation: satisfaction × switching cost → intention*"
_THEORY_TRUTH = "*The estimate beside the planted interaction — and why they differ*"
_THEORY_POWER = "*Simulation: how many respondents does an interaction need?* (McClelland & Judd 1993)"


# --------------------------------------------------------------------------
# shared analyses
# --------------------------------------------------------------------------
def _scores(ctx) -> pd.DataFrame:
    def compute():
        survey = ctx.tables["survey"]
        edition = survey["edition"].max()
        return sw.switching_scores(survey[survey["edition"] == edition])

    return ctx.cached("scores", compute)


def _ols(ctx) -> regression.ModerationResult:
    alpha = float(ctx.param("alpha", 0.05))
    return ctx.cached("ols", lambda: regression.moderation(
        _scores(ctx), x="satisfaction", moderator="switching_cost", y="conative", confidence=1 - alpha))


def _targets(ctx):
    """The notebook's interaction targets (or None without a truth)."""
    if ctx.truth is None:
        return None
    if ctx.extra.get("targets") is not None:
        return ctx.extra["targets"]
    return ctx.cached("targets", lambda: sw.interaction_targets(
        ctx.truth, n_exhibitors=int(ctx.param("truth_size", 60_000)), rng=ctx.param("seed")))


def predict_simulation(seed, alpha: float = 0.05) -> pd.DataFrame:
    """The simulation of exercise 05.6: power of the interaction test, perfect vs 0.7 reliability.

    Returns the interaction rows of :func:`crm_lab.power.power_curve` for each
    reliability in :data:`PREDICT_RELIABILITY`, with a column ``reliability``;
    each curve uses its own generator seeded with *seed*.
    """
    curves = []
    for reliability in PREDICT_RELIABILITY:
        curve = power.power_curve(list(PREDICT_SIZES), **PREDICT_DESIGN, reliability=reliability, reps=PREDICT_REPS,
                                  alpha=alpha, rng=np.random.default_rng(seed))
        curves.append(curve[curve["term"] == "x:moderator"].assign(reliability=reliability))
    return pd.concat(curves, ignore_index=True)


# --------------------------------------------------------------------------
# 05.1 a type score by hand (the typology)
# --------------------------------------------------------------------------
@exercise(
    "05.1", kind="compute", title="The financial switching-cost score by hand", theory=_THEORY_TYPES, digits=4,
    hint="a type score is the mean of its facet scores, and a facet score the mean of its three items; use the "
         "respondents of the survey edition and only the facets that Burnham et al. put in the financial type",
    why="the financial type is what an exhibitor would lose in money and benefits (booth position, prepaid "
        "packages); economic risk sounds like money but is the procedural cost of uncertainty.",
)
def _(ctx):
    survey = ctx.tables["survey"]
    now = survey[survey["edition"] == survey["edition"].max()]

    def type_mean(facets, data=now):
        items = [item for facet in facets for item in SCALES[facet]]
        return float(data[items].mean(axis=1).mean())

    mistakes = [
        Mistake("economic risk", type_mean(("economic_risk", *sw.TYPES["financial"])),
                "you included the economic-risk items: in Burnham et al.'s typology economic risk is a procedural "
                "cost (uncertainty about the alternative), not a financial one"),
        Mistake("procedural", type_mean(sw.TYPES["procedural"]),
                "that is the procedural type (time and effort); the financial type holds the two facets about "
                "lost benefits and lost money"),
        Mistake("relational", type_mean(sw.TYPES["relational"]),
                "that is the relational type (personal and brand relationships)"),
        Mistake("all facets", type_mean(sw.FACETS),
                "you averaged all eight facets: that is an overall switching-cost score, not the financial type"),
    ]
    if survey["edition"].nunique() > 1:
        mistakes.append(Mistake("all editions", type_mean(sw.TYPES["financial"], survey),
                                "you used every edition's answers; the analysis uses the survey edition only "
                                "(the latest)"))
    return Expected(type_mean(sw.TYPES["financial"]), mistakes)


# --------------------------------------------------------------------------
# 05.2 a simple slope by hand
# --------------------------------------------------------------------------
@exercise(
    "05.2", kind="compute", title="The slope of satisfaction at +2 SD of switching cost", theory=_THEORY_SLOPES,
    hint="the slope of satisfaction at switching cost W is b1 + b3·W, with W measured as the model measures it",
    why="a simple slope is the effect of satisfaction for one kind of exhibitor; with a negative b3 it shrinks as "
        "switching costs grow — satisfaction matters less to those who are held anyway.",
)
def _(ctx):
    ols = _ols(ctx)
    b = ols.model.params
    terms = ols.meta["terms"]
    b1, b3 = float(b[terms["x"]]), float(b[terms["product"]])
    score = _scores(ctx)["switching_cost"]
    w = SLOPE_AT_SD * float(score.std())
    return Expected(b1 + b3 * w, [
        Mistake("raw moderator", b1 + b3 * (float(score.mean()) + w),
                "you put the raw switching-cost score into b1 + b3·W; the model is centred, so W is the distance "
                "from the mean"),
        Mistake("no interaction", b1,
                "that is the slope at the mean switching cost; at another value the interaction term b3·W adds to it"),
        Mistake("below the mean", b1 - b3 * w, "that is the slope the same distance *below* the mean"),
        Mistake("1 SD", b1 + b3 * float(score.std()),
                "that is the slope at +1 SD (printed in the simple-slopes cell); this exercise asks two SDs above "
                "the mean"),
        Mistake("population SD", b1 + b3 * SLOPE_AT_SD * float(score.std(ddof=0)),
                "you used the population SD (numpy's default ddof=0); the probes use the sample SD, as pandas' "
                ".std() gives it"),
    ])


# --------------------------------------------------------------------------
# 05.3 interpret the interaction
# --------------------------------------------------------------------------
@exercise(
    "05.3", kind="interpret", title="Does satisfaction matter less when switching costs are high?",
    theory="the formula ∂y/∂S = b1 + b3·W in *Theory* and the interaction plot", answer="choice",
    choices={
        "a": "The interaction is negative and its interval excludes 0: the slope of satisfaction is flatter where "
             "switching costs are high, so barriers weaken the satisfaction → intention link.",
        "b": "The interaction is positive and its interval excludes 0: satisfaction matters more where switching "
             "costs are high.",
        "c": "The interval of the interaction includes 0: these data do not show that the slope of satisfaction "
             "depends on switching cost (which does not prove that it does not).",
        "d": "The interaction is negative, so exhibitors with high switching costs intend less to come back.",
    },
    wrong_choice={
        "a": "look again at the sign of the interaction and whether its interval contains 0.",
        "b": "look again at the sign of the interaction and whether its interval contains 0.",
        "c": "look again at the interval of the interaction: does it contain 0?",
        "d": "the interaction says how the *slope* of satisfaction changes with switching cost; the level of "
             "intention at high switching cost is the main effect's business (b2), and it can be positive.",
    },
    why="Jones, Mothersbaugh & Beatty (2000): barriers moderate the link from satisfaction to staying — they keep "
        "customers whose satisfaction would not.",
)
def _(ctx):
    inter = _ols(ctx).interaction
    if inter.ci_low <= 0 <= inter.ci_high:
        return "c"
    return "a" if inter.estimate < 0 else "b"


# --------------------------------------------------------------------------
# 05.4 the Johnson–Neyman region by hand
# --------------------------------------------------------------------------
def _jn_share(ols, w, crit):
    b, cov = ols.model.params, ols.model.cov_params()
    x, xw = ols.meta["terms"]["x"], ols.meta["terms"]["product"]
    slope = b[x] + b[xw] * w
    se = np.sqrt(cov.loc[x, x] + 2 * w * cov.loc[x, xw] + w**2 * cov.loc[xw, xw])
    return float(np.mean(np.abs(slope / se) > crit))


@exercise(
    "05.4", kind="compute", title="Who is in the Johnson–Neyman region?", theory=_THEORY_JN,
    hint="for each respondent: the slope b1 + b3·w at their centred switching cost w, its standard error "
         "√(V11 + 2wV13 + w²V33) and t = slope / SE; count |t| above the two-sided critical t at alpha, "
         "with the model's residual degrees of freedom",
    why="the Johnson–Neyman region says for which exhibitors satisfaction still moves intention; outside it, "
        "the barrier has taken over.",
)
def _(ctx):
    ols = _ols(ctx)
    alpha = float(ctx.param("alpha", 0.05))
    df = float(ols.model.df_resid)
    score = _scores(ctx)["switching_cost"].to_numpy(dtype=float)
    w = score - score.mean()
    crit = float(sps.t.ppf(1 - alpha / 2, df))
    share = _jn_share(ols, w, crit)
    return Expected(share, [
        Mistake("raw moderator", _jn_share(ols, score, crit),
                "you evaluated the slope at the raw switching-cost scores; the coefficients belong to the centred "
                "model, so use each score minus the mean"),
        Mistake("one-sided", _jn_share(ols, w, float(sps.t.ppf(1 - alpha, df))),
                "that critical value is one-sided; the region uses the two-sided test at alpha"),
        Mistake("complement", 1 - share, "that is the share *outside* the region (where the slope is not significant)"),
        Mistake("count", share * len(w), "give the share of respondents, not their number"),
    ])


# --------------------------------------------------------------------------
# 05.5 planted truth: which value does the estimate target?
# --------------------------------------------------------------------------
@exercise(
    "05.5", kind="truth", title="Planted interaction or attenuated target? (needs a planted truth)",
    theory=_THEORY_TRUTH, answer="choice",
    choices={
        "a": "The interval covers the planted value, so a regression on observed scores recovers the latent "
             "interaction: measurement error does no harm here.",
        "b": "The interval covers both the planted value and the observed-score target: one survey cannot tell "
             "them apart; over repeated surveys the estimates would centre on the observed-score target, which "
             "measurement error pulls toward 0.",
        "c": "The interval covers the observed-score target but not the planted value: the gap is what "
             "measurement error in the three scores predicts (attenuation of the product term).",
        "d": "The interval covers the planted value but not the observed-score target: this survey's estimate lies "
             "further from 0 than its target by sampling error; repeated surveys would centre on the attenuated "
             "target.",
        "e": "The interval covers neither value: sampling error or the selection of surviving respondents moves "
             "this estimate beyond what attenuation explains.",
        "f": "The data has no planted truth (your own data): only the estimate and its interval are known.",
    },
    wrong_choice={
        "a": "covering a value is not recovering it: ask which value the observed-score regression estimates on "
             "average, and what measurement error does to a product of two scores.",
        "b": "compare the interval with each of the two values again.",
        "c": "compare the interval with each of the two values again.",
        "d": "compare the interval with each of the two values again.",
        "e": "compare the interval with each of the two values again.",
        "f": "this data does have a planted truth: the comparison cell prints the planted value and the "
             "observed-score target.",
    },
    why="measurement error attenuates a product term more than a main effect (Busemeyer & Jones 1983): a "
        "regression on observed scores estimates an attenuated value, so an interval around it is judged "
        "against the observed-score target, not the latent one.",
)
def _(ctx):
    targets = _targets(ctx)
    if targets is None:
        return Expected("f", [Mistake("no truth", letter, "there is no planted truth in this data to compare with")
                              for letter in "abcde"])
    inter = _ols(ctx).interaction.extra
    lo, hi = inter["standardized_ci_low"], inter["standardized_ci_high"]
    planted = lo <= targets["planted"] <= hi
    observed = lo <= targets["observed"] <= hi
    return {(True, True): "b", (False, True): "c", (True, False): "d", (False, False): "e"}[(planted, observed)]


# --------------------------------------------------------------------------
# 05.6 predict: measurement error and the sample size an interaction needs
# --------------------------------------------------------------------------
@exercise(
    "05.6", kind="predict", title="Does measurement error raise or lower the sample an interaction needs?",
    theory=_THEORY_POWER, answer="choice",
    choices={
        "a": "Larger: with reliability 0.7 the product of two noisy scores is noisier still, the estimated "
             "interaction shrinks toward 0, and more respondents are needed for 80% power.",
        "b": "Smaller: noisy scores vary more, and more variance makes an effect easier to detect.",
        "c": "About the same: measurement error widens the standard errors but does not change the coefficient, "
             "and the two cancel.",
        "d": "It cannot change: power depends only on the size of the planted effect and the sample size.",
    },
    wrong_choice={
        "b": "variance that comes from error is not signal: ask what error in satisfaction and switching cost does "
             "to the correlation of their product with intention.",
        "c": "measurement error does change the coefficient: it attenuates it toward 0 — and a product term more "
             "than a main effect.",
        "d": "the test sees the observed scores, not the latent constructs; what it can detect is the attenuated "
             "effect.",
        "a": "look at the simulated curves again: which needs more respondents?",
    },
    why="interactions are hard to detect (McClelland & Judd 1993; Aguinis 1995): the reliability of a product is "
        "about the product of the reliabilities, so a survey needs more respondents — or better measures.",
)
def _(ctx):
    curve = ctx.cached("predict", lambda: predict_simulation(ctx.param("seed"), float(ctx.param("alpha", 0.05))))
    needed = power.smallest_n(curve, target=0.8, by="reliability")
    perfect, noisy = (float(needed.loc[r]) for r in PREDICT_RELIABILITY)
    if np.isnan(noisy) and np.isnan(perfect):
        return "a"  # neither reaches 80% in the grid: theory decides (attenuation)
    if np.isnan(noisy) or (not np.isnan(perfect) and noisy > perfect):
        return "a"
    if np.isnan(perfect) or noisy < perfect:
        return "b"
    return "c"


# --------------------------------------------------------------------------
# 05.7 open: other seed and alpha, the Johnson–Neyman bounds
# --------------------------------------------------------------------------
@exercise("05.7", kind="open", title="Johnson–Neyman bounds on another seed and alpha", theory=_THEORY_JN,
          answer="none")
def _(ctx):  # open: no check
    return None
