"""Exercises of notebook 03 (relationship quality: trust, satisfaction, commitment).

Each ``solve(ctx)`` computes the expected answer from the notebook's own
survey (``ctx.tables["survey"]``), parameters (``seed``, ``alpha``,
``n_boot``) and planted truth, so it stays right on another seed, a smaller
survey or a user's data.  The scale-score mediation is recomputed with the
notebook's own call (its bootstrap seeded by ``P.seed``), so the interval the
student reads is the one judged.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika*, 16(3), 297–334.

Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models
with unobservable variables and measurement error. *Journal of Marketing
Research*, 18(1), 39–50.

Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for
assessing discriminant validity in variance-based structural equation
modeling. *Journal of the Academy of Marketing Science*, 43(1), 115–135.

Mayer, R. C., Davis, J. H., & Schoorman, F. D. (1995). An integrative model of
organizational trust. *Academy of Management Review*, 20(3), 709–734.

Morgan, R. M., & Hunt, S. D. (1994). The commitment–trust theory of
relationship marketing. *Journal of Marketing*, 58(3), 20–38.

Zhao, X., Lynch, J. G., & Chen, Q. (2010). Reconsidering Baron and Kenny:
Myths and truths about mediation analysis. *Journal of Consumer Research*,
37(2), 197–206.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab import measurement as ms
from crm_lab import regression
from crm_lab import relationship as rel
from crm_lab.exercises import Expected, Mistake, exercise
from crm_lab.schema import SCALES

#: The constructs whose scale scores the notebook builds (relationship quality and intention).
CONSTRUCTS = (*rel.RQ_CONSTRUCTS, "conative")
#: The half-sample simulation of exercise 03.6: random splits, bootstrap resamples per half.
SPLITS, HALF_BOOT = 3, 1000


# --------------------------------------------------------------------------
# Analyses several exercises share (computed once per workbook)
# --------------------------------------------------------------------------
def _survey(ctx) -> pd.DataFrame:
    return ctx.tables["survey"]


def _confidence(ctx) -> float:
    return 1 - ctx.param("alpha", 0.05)


def z_scores(survey: pd.DataFrame) -> pd.DataFrame:
    """Standardised scale scores of the six constructs plus ``trust`` (mean of its facets), as the notebook builds them."""
    scores = ms.scale_scores(survey, rel.measurement_model(list(CONSTRUCTS)))
    scores["trust"] = scores[list(rel.TRUST_FACETS)].mean(axis=1)
    return (scores - scores.mean()) / scores.std()


def scale_mediation(scores: pd.DataFrame, *, n_boot: int, confidence: float, rng) -> regression.MediationResult:
    """Trust -> commitment -> intention on scale scores, satisfaction controlled (the notebook's test)."""
    return regression.mediation(scores, x="trust", m="commitment", y="conative", covariates=["satisfaction"],
                                n_boot=n_boot, confidence=confidence, rng=rng)


def half_sample_widths(scores: pd.DataFrame, *, splits: int = SPLITS, n_boot: int = HALF_BOOT, confidence: float,
                       rng) -> np.ndarray:
    """Widths of the indirect effect's interval in each half of *splits* random splits of the rows."""
    rng = np.random.default_rng(rng)
    widths = []
    for _ in range(splits):
        order = rng.permutation(len(scores))
        for half in np.array_split(order, 2):
            m = scale_mediation(scores.iloc[half], n_boot=n_boot, confidence=confidence, rng=rng)
            widths.append(m.table.loc["indirect", "ci_high"] - m.table.loc["indirect", "ci_low"])
    return np.array(widths)


def _z(ctx) -> pd.DataFrame:
    return ctx.cached("z_scores", lambda: z_scores(_survey(ctx)))


def _mediation(ctx) -> regression.MediationResult:
    return ctx.cached("mediation", lambda: scale_mediation(_z(ctx), n_boot=ctx.param("n_boot", 2000),
                                                           confidence=_confidence(ctx), rng=ctx.param("seed", 0)))


def _cfa(ctx) -> ms.SEMResult:
    return ctx.cached("cfa", lambda: ms.cfa(_survey(ctx), rel.rq_models()["first_order"]))


# --------------------------------------------------------------------------
# 03.1 Cronbach's alpha by hand
# --------------------------------------------------------------------------
@exercise("03.1", kind="compute", title="Cronbach's α of benevolence by hand",
          theory="the section *Item statistics and reliability* (Cronbach 1951)", digits=4,
          hint="α = k/(k−1) · (1 − sum of the item variances / variance of the sum score); the item variances are "
               "the diagonal of the items' covariance matrix and the variance of the sum is the sum of all its cells.",
          why="α is the share of the sum score's variance that the items have in common — the reliability a "
              "regression on that score inherits.")
def _(ctx):
    items = _survey(ctx)[list(SCALES["benevolence"])]
    k = items.shape[1]
    cov, corr = items.cov().to_numpy(), items.corr().to_numpy()
    ratio = np.trace(cov) / cov.sum()
    alpha = k / (k - 1) * (1 - ratio)
    std_alpha = k / (k - 1) * (1 - np.trace(corr) / corr.sum())
    return Expected(float(alpha), [
        Mistake("correlations", float(std_alpha), "that is the *standardised* α from the correlation matrix; the items' "
                "variances differ a little, so use their covariance matrix."),
        Mistake("no k/(k-1)", float(1 - ratio), "you left out the factor k/(k−1) in front."),
        Mistake("no 1 -", float(k / (k - 1) * ratio), "that is k/(k−1) times the *error* share; α is one minus it."),
    ])


# --------------------------------------------------------------------------
# 03.2 AVE by hand from standardised loadings
# --------------------------------------------------------------------------
@exercise("03.2", kind="compute", answer="series", title="AVE of each construct from its standardised loadings",
          theory="the sections *Convergent validity* and *Discriminant validity* (Fornell & Larcker 1981)",
          hint="per factor, square each *standardised* loading and average the squares over the factor's items.",
          why="AVE ≥ .50 means the construct explains at least half of its items' variance; its square root is "
              "the diagonal of the Fornell–Larcker table.")
def _(ctx):
    loadings = _cfa(ctx).loadings
    by = loadings.groupby("factor", sort=False)
    ave = by["std_estimate"].apply(lambda x: float(np.mean(x**2))).rename("ave")
    ave.index.name = "factor"
    cr = by["std_estimate"].apply(lambda x: float(x.sum() ** 2 / (x.sum() ** 2 + (1 - x**2).sum())))
    return Expected(ave, [
        Mistake("not squared", by["std_estimate"].mean(), "you averaged the loadings; AVE averages their squares "
                "(the variance each item shares with its factor)."),
        Mistake("unstandardised", by["estimate"].apply(lambda x: float(np.mean(x**2))),
                "use the standardised loadings (std_estimate): the raw ones depend on the items' scales."),
        Mistake("sum", by["std_estimate"].apply(lambda x: float(np.sum(x**2))), "you summed the squared loadings; "
                "divide by the number of items."),
        Mistake("composite reliability", cr, "that is the composite reliability CR; AVE is the mean squared loading."),
    ])


# --------------------------------------------------------------------------
# 03.3 HTMT by hand
# --------------------------------------------------------------------------
@exercise("03.3", kind="compute", title="HTMT of satisfaction and commitment by hand",
          theory="the section *Discriminant validity* (Henseler, Ringle & Sarstedt 2015)",
          hint="mean of the 9 correlations between a satisfaction and a commitment item, over the geometric mean "
               "of the mean correlation among the satisfaction items and among the commitment items.",
          why="HTMT estimates the correlation of the two constructs as if measured without error, without fitting "
              "a model.")
def _(ctx):
    survey = _survey(ctx)
    sat, com = list(SCALES["satisfaction"]), list(SCALES["commitment"])
    r = survey[sat + com].corr().abs().to_numpy()
    k = len(sat)
    hetero = float(r[:k, k:].mean())
    upper = np.triu_indices(k, 1)
    within_sat, within_com = r[:k, :k][upper].mean(), r[k:, k:][upper].mean()
    return Expected(hetero / float(np.sqrt(within_sat * within_com)), [
        Mistake("diagonal", hetero / float(np.sqrt(r[:k, :k].mean() * r[k:, k:].mean())),
                "the within-construct means take only the correlations between *different* items; leave out the 1s "
                "of the diagonal."),
        Mistake("no square root", hetero / float(within_sat * within_com),
                "the denominator is the *geometric* mean of the two within-construct means: the square root of "
                "their product."),
        Mistake("numerator only", hetero, "that is only the heterotrait mean; divide it by the monotrait "
                "(within-construct) means' geometric mean."),
    ])


# --------------------------------------------------------------------------
# 03.4 Interpret HTMT against .85
# --------------------------------------------------------------------------
_HTMT_CHOICES = {
    "a": "Every HTMT is below .85: by this criterion each pair of constructs is distinct; facets of one trust can "
         "be distinct and still highly correlated.",
    "b": "The largest HTMT lies between .85 and .90: that pair fails the conservative threshold and passes only the "
         "liberal one meant for conceptually close constructs, such as facets of one trust.",
    "c": "At least one HTMT is .90 or more: that pair lacks discriminant validity by either threshold — merge the "
         "two constructs or rethink their items.",
    "d": "All HTMT ratios are below 1, so the constructs are uncorrelated and discriminant validity is guaranteed.",
}
_HTMT_CHECK = "compare the *largest* off-diagonal HTMT with both thresholds, .85 and .90."


@exercise("03.4", kind="interpret", answer="choice", title="Reading HTMT against .85 and .90",
          theory="the section *Discriminant validity* (Henseler, Ringle & Sarstedt 2015)",
          choices=_HTMT_CHOICES,
          wrong_choice={"a": _HTMT_CHECK, "b": _HTMT_CHECK, "c": _HTMT_CHECK,
                        "d": "HTMT estimates the constructs' correlation: a ratio below 1 does not make them "
                             "uncorrelated, and the thresholds are .85 and .90, not 1."},
          why="Discriminant validity is judged on the closest pair; a pair above the threshold measures one thing "
              "twice.")
def _(ctx):
    htmt = ms.htmt(_survey(ctx), rel.rq_models()["first_order"])
    largest = float(htmt.where(~np.eye(len(htmt), dtype=bool)).max().max())
    return "a" if largest < 0.85 else ("b" if largest < 0.90 else "c")


# --------------------------------------------------------------------------
# 03.5 Interpret the mediation (Zhao, Lynch & Chen 2010)
# --------------------------------------------------------------------------
_MEDIATION_CHOICES = {
    "a": "Full mediation: trust's direct effect on intention is zero, so commitment carries all of trust's effect.",
    "b": "Indirect-only mediation: the interval of a·b excludes 0 and the direct effect is not significant — which "
         "does not prove that the direct effect is zero.",
    "c": "Complementary or competitive mediation: the interval of a·b excludes 0 and the direct effect is significant "
         "too (same sign: complementary; opposite signs: competitive).",
    "d": "No mediation: the interval of a·b includes 0, whatever the direct effect.",
}


@exercise("03.5", kind="interpret", answer="choice", title="Is it 'full mediation'?",
          theory="the section *Commitment as a mediator* (Zhao, Lynch & Chen 2010)",
          choices=_MEDIATION_CHOICES,
          wrong_choice={
              "a": "a direct effect that is not significant is absence of evidence, not evidence of a zero effect "
                   "(a small sample, an omitted mediator); Zhao, Lynch & Chen (2010) retire 'full mediation' for "
                   "this reason.",
              "b": "read both rows again: does the indirect interval exclude 0, and is the direct effect's p-value "
                   "above alpha?",
              "c": "read both rows again: is the direct effect's p-value below alpha, and does the indirect interval "
                   "exclude 0?",
              "d": "look at the bootstrap interval of the *indirect* row: does it contain 0?"},
          why="The typology rests on the indirect effect's interval first and the direct effect second; it never "
              "claims a zero direct effect.")
def _(ctx):
    table = _mediation(ctx).table
    excludes = table.loc["indirect", "ci_low"] > 0 or table.loc["indirect", "ci_high"] < 0
    direct = table.loc["direct", "p_value"] < ctx.param("alpha", 0.05)
    return "d" if not excludes else ("c" if direct else "b")


# --------------------------------------------------------------------------
# 03.6 Predict: interval width when n halves
# --------------------------------------------------------------------------
_WIDTH_FACTORS = {"a": 1.0, "b": np.sqrt(2), "c": 2.0, "d": 0.5}


@exercise("03.6", kind="predict", answer="choice", title="The indirect effect's interval when the survey halves",
          theory="the section *Commitment as a mediator* and *Simulation 2* (standard errors shrink like 1/√n)",
          choices={"a": "About as wide: the bootstrap adapts to the sample, so the width does not depend on n.",
                   "b": "About 1.4 times as wide (√2).",
                   "c": "About twice as wide.",
                   "d": "About half as wide: fewer respondents, less variation to resample."},
          wrong_choice={"a": "the bootstrap mimics the sampling distribution at *this* n; fewer respondents, more "
                             "sampling error.",
                        "c": "the width follows the standard error, which grows like 1/√n, not 1/n.",
                        "d": "fewer respondents mean *more* sampling error, not less."},
          hint="the interval's width follows the standard error; how does a standard error depend on n?",
          why="Halving the survey multiplies every interval by about √2; to halve an interval you need four times "
              "the respondents.")
def _(ctx):
    full = _mediation(ctx).table.loc["indirect"]
    widths = ctx.cached("half_widths", lambda: half_sample_widths(_z(ctx), confidence=_confidence(ctx),
                                                                  rng=ctx.param("seed", 0)))
    ratio = float(np.mean(widths) / (full["ci_high"] - full["ci_low"]))
    return min(_WIDTH_FACTORS, key=lambda k: abs(np.log(ratio / _WIDTH_FACTORS[k])))


# --------------------------------------------------------------------------
# 03.7 Planted truth: is the planted indirect effect in the scale-score interval?
# --------------------------------------------------------------------------
def reference_indirect(survey: pd.DataFrame, truth) -> float:
    """The planted indirect effect (trust -> commitment -> intention), or the latent SEM estimate without truth."""
    if truth is not None:
        return rel.planted_indirect(truth)["indirect"]
    paths = ms.sem(survey, rel.structural_model()).paths.set_index(["lhs", "rhs"])["std_estimate"]
    return float(paths[("commitment", "trust")] * paths[("conative", "commitment")])


@exercise("03.7", kind="truth", answer="choice",
          title="Does the scale-score interval cover the planted indirect effect?",
          theory="the sections *Commitment as a mediator* and *From intention to actual return* (attenuation by "
                 "measurement error)",
          choices={
              "a": "It is inside, and no bias is to be expected: scale scores are error-free averages of the items, "
                   "so their indirect effect estimates the planted one.",
              "b": "The whole interval lies below the reference: scale scores carry measurement error, which "
                   "attenuates a and b towards zero, and their product twice over.",
              "c": "It is inside the interval, although measurement error pulls the scale-score estimate towards "
                   "zero: the interval is wide enough to cover it here, and a large enough survey would miss it.",
              "d": "The whole interval lies above the reference: here sampling error (or the method variance the "
                   "items share) outweighs the attenuation by measurement error.",
          },
          wrong_choice={
              "a": "an average of items still contains their measurement error (reliability below 1), and error in "
                   "a predictor biases its slope towards zero.",
              "b": "compare the reference value with *both* ends of the scale-score interval.",
              "c": "compare the reference value with *both* ends of the scale-score interval.",
              "d": "compare the reference value with *both* ends of the scale-score interval."},
          why="A latent model corrects the attenuation; scale scores answer a slightly different, weaker question.")
def _(ctx):
    ref = ctx.cached("reference", lambda: reference_indirect(_survey(ctx), ctx.truth))
    row = _mediation(ctx).table.loc["indirect"]
    if row["ci_high"] < ref:
        return "b"
    return "d" if row["ci_low"] > ref else "c"


# --------------------------------------------------------------------------
# 03.8 Open: a smaller survey
# --------------------------------------------------------------------------
@exercise("03.8", kind="open", answer="none", title="Discriminant validity in a smaller survey",
          theory="the section *Discriminant validity* and *Simulation 2*")
def _(ctx):
    return None
