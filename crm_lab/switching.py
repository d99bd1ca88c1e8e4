"""Switching costs (转换成本): facets, moderation of satisfaction -> return, hostages, levers.

Porter (1980) calls switching costs the one-time costs a buyer faces when
moving from one supplier to another.  Burnham, Frels & Mahajan (2003) split
them into eight facets of three types — *procedural* (economic risk,
evaluation, learning, set-up), *financial* (benefit loss, monetary loss) and
*relational* (personal-relationship loss, brand-relationship loss) — and
Jones, Mothersbaugh & Beatty (2000) showed that switching barriers
*moderate* the satisfaction -> repurchase link: when barriers are high,
satisfaction matters less, and dissatisfied customers stay (hostages).

This module holds the theory of the switching-cost notebook; the general
statistics it uses live in the shared core:

* :func:`switching_scores` — facet, type and overall scores from the survey
  items (:data:`crm_lab.schema.SCALES`, through
  :func:`crm_lab.measurement.scale_scores`); :func:`measurement_models` — the
  one-factor, three-type, eight-facet and second-order CFA models, and
  :func:`compare_models` — the nested comparisons the typology implies
  (:func:`crm_lab.measurement.compare_models`);
* :func:`barrier_groups` — the satisfaction × barrier grid (hostages);
* :func:`lever_effects` — what-if levers on a fitted moderation
  (:func:`crm_lab.regression.moderation`), with :meth:`LeverEffects.difference`;
* :func:`planted_retention`, :func:`total_satisfaction_effect`,
  :func:`interaction_targets` and :func:`power_inputs` — the planted market
  beside the estimates, and the inputs of the interaction power simulation
  (:func:`crm_lab.power.power_curve`);
* :func:`plot_interaction`, :func:`plot_johnson_neyman`,
  :func:`plot_power_curve` — the notebook's figures.

Moderation, simple slopes, Johnson–Neyman bounds, dominance analysis and
batched OLS are in :mod:`crm_lab.regression`; power by simulation in
:mod:`crm_lab.power`.

References
----------
Burnham, T. A., Frels, J. K., & Mahajan, V. (2003). Consumer switching
costs: A typology, antecedents, and consequences. *Journal of the Academy of
Marketing Science*, 31(2), 109–126.

Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching
barriers and repurchase intentions in services. *Journal of Retailing*,
76(2), 259–274.

Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
*Harvard Business Review*, 73(6), 88–99.

King, G., Tomz, M., & Wittenberg, J. (2000). Making the most of statistical
analyses: Improving interpretation and presentation. *American Journal of
Political Science*, 44(2), 347–361.

Porter, M. E. (1980). *Competitive Strategy*. New York: Free Press.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps
from scipy.special import expit

from . import measurement, power, regression
from ._checks import (
    CrmLabError,
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    check_integer,
    check_number,
    numeric_columns,
    numeric_values,
)
from .resampling import percentile_interval
from .results import Result, tidy_table
from .schema import SCALES, STAGES, SWITCHING_FACETS, SWITCHING_TYPES
from .stats import TestResult

__all__ = [
    "BARRIER_GROUPS",
    "FACETS",
    "GROUP_ORDER",
    "LeverEffects",
    "NESTED_MODELS",
    "SwitchingError",
    "TYPES",
    "barrier_groups",
    "compare_models",
    "interaction_targets",
    "design_t",
    "group_lever_effects",
    "lever_effects",
    "measurement_models",
    "moderator_slope_zero",
    "moderator_slopes",
    "planted_retention",
    "plot_dominance",
    "plot_group_returns",
    "plot_interaction",
    "plot_interaction_estimate",
    "plot_intervals",
    "plot_johnson_neyman",
    "plot_power_curve",
    "plot_t_design",
    "power_inputs",
    "sample_against_design",
    "switching_scores",
    "total_satisfaction_effect",
]

#: Burnham, Frels & Mahajan's (2003) three types and their eight facets
#: (:data:`crm_lab.schema.SWITCHING_TYPES`, for this module's users).
TYPES = SWITCHING_TYPES
#: The eight facets, in the order of :data:`TYPES` (:data:`crm_lab.schema.SWITCHING_FACETS`).
FACETS = SWITCHING_FACETS

#: The nested pairs (restricted, general) among :func:`measurement_models`.
NESTED_MODELS: tuple[tuple[str, str], ...] = (("one_factor", "three_types"), ("second_order", "eight_facets"))

_KTW_CITATION = ("King, G., Tomz, M., & Wittenberg, J. (2000). American Journal of Political Science, 44, 347-361.")


class SwitchingError(CrmLabError):
    """Bad input to a :mod:`crm_lab.switching` function (names what and what was expected)."""


# --------------------------------------------------------------------------
# scores and measurement models
# --------------------------------------------------------------------------
def switching_scores(
    survey: pd.DataFrame,
    *,
    id_column: str = "exhibitor_id",
    extra: tuple[str, ...] = ("satisfaction", "conative"),
    missing: str = "raise",
) -> pd.DataFrame:
    """Facet, type and overall switching-cost scores from the survey items.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent with the items of :data:`crm_lab.schema.SCALES`
        (``sc_econ1`` .. ``sc_brand3`` and the items of each ``extra`` scale).
    id_column : str, default "exhibitor_id"
        Respondent identifier, copied to the result ("" for none).
    extra : tuple of str
        Further scales of :data:`~crm_lab.schema.SCALES` to score the same
        way (default satisfaction and conative loyalty, the moderation model).
    missing : {"raise", "keep", "drop"}, default "raise"
        What a missing answer does (:func:`crm_lab.measurement.scale_scores`):
        ``"raise"`` names the items and rows; ``"keep"`` gives NaN to every
        score that needs the item (a facet score needs all its items, a type
        score all its facets); ``"drop"`` leaves out the respondent (with a
        warning that counts them).

    Returns
    -------
    DataFrame
        The index of *survey* (fewer rows with ``missing="drop"``):
        ``id_column``, the eight facet scores (mean of their three items), the
        three type scores (mean of their facet scores), ``switching_cost``
        (mean of the three type scores, so each type weighs equally as in the
        second-order model) and the ``extra`` scale scores.

    Raises
    ------
    SwitchingError
        Missing item columns (all are named, with the closest existing
        name), an unknown ``extra`` scale, non-numeric items, or missing
        answers with ``missing="raise"`` (named with their rows).

    Notes
    -----
    Equal weights follow the second-order model of Burnham, Frels & Mahajan
    (2003): items on facets, facets on types, types on one switching cost.
    Tested against the item and facet means computed by hand.

    References
    ----------
    Burnham, T. A., Frels, J. K., & Mahajan, V. (2003). Consumer switching
    costs: A typology, antecedents, and consequences. *Journal of the Academy
    of Marketing Science*, 31(2), 109–126.

    Examples
    --------
    >>> from crm_lab import datasets
    >>> scores = switching_scores(datasets.load("survey"))
    >>> list(scores.columns[9:13])
    ['procedural', 'financial', 'relational', 'switching_cost']
    """
    func = "switching_scores"
    check_frame(survey, func, min_rows=1, error=SwitchingError)
    unknown = [s for s in extra if s not in SCALES]
    if unknown:
        raise SwitchingError(f"{func}: unknown scale(s) {unknown} in 'extra' (scales: {', '.join(SCALES)})")
    scales = {s: SCALES[s] for s in (*FACETS, *extra)}
    items = [i for its in scales.values() for i in its]
    check_columns(survey, items + ([id_column] if id_column else []), what=func, error=SwitchingError)
    try:
        scored = measurement.scale_scores(survey, scales, missing=missing)
    except measurement.MeasurementError as exc:
        raise SwitchingError(f"{func}: {exc}") from exc
    out = pd.DataFrame(index=scored.index)
    if id_column:
        out[id_column] = survey.loc[scored.index, id_column].to_numpy()
    for facet in FACETS:
        out[facet] = scored[facet]
    for type_name, facets in TYPES.items():
        out[type_name] = scored[list(facets)].mean(axis=1, skipna=False)
    out["switching_cost"] = out[list(TYPES)].mean(axis=1, skipna=False)
    for scale in extra:
        if scale not in FACETS:
            out[scale] = scored[scale]
    return out


def measurement_models() -> dict[str, str]:
    """The competing measurement models of the 24 switching-cost items (lavaan syntax).

    Returns
    -------
    dict
        ``one_factor`` (all items on one switching-cost factor),
        ``three_types`` (items directly on procedural, financial, relational),
        ``eight_facets`` (eight correlated first-order facets) and
        ``second_order`` (the eight facets as first-order factors loading on
        the three types, Burnham, Frels & Mahajan 2003, and the types on one
        general switching cost — with three types this third level only
        re-expresses the three type correlations, so the fit is that of
        correlated types, and the type loadings can be set beside the
        planted ones).

    Notes
    -----
    ``one_factor`` is nested in ``three_types`` (type correlations fixed at
    1) and ``second_order`` in ``eight_facets`` (the 28 facet correlations
    reproduced by 8 second-order loadings and 3 type correlations), so the
    χ² difference test applies to those pairs (:data:`NESTED_MODELS`).  With
    only two facets, a type's two loadings are not separately identified
    from its variance alone; the type correlations identify them (Kline
    2016, ch. 12).  Tested: every model uses each of the 24 items once.

    References
    ----------
    Burnham, T. A., Frels, J. K., & Mahajan, V. (2003). Consumer switching
    costs: A typology, antecedents, and consequences. *Journal of the Academy
    of Marketing Science*, 31(2), 109–126.

    Kline, R. B. (2016). *Principles and Practice of Structural Equation
    Modeling* (4th ed.). New York: Guilford.

    Examples
    --------
    >>> measurement_models()["second_order"].splitlines()[-1]
    'switching_cost =~ procedural + financial + relational'
    """
    def lines(groups: Mapping[str, tuple[str, ...]]) -> str:
        return "\n".join(f"{name} =~ " + " + ".join(parts) for name, parts in groups.items())

    facet_items = {f: SCALES[f] for f in FACETS}
    type_items = {t: tuple(i for f in facets for i in SCALES[f]) for t, facets in TYPES.items()}
    all_items = tuple(i for f in FACETS for i in SCALES[f])
    return {
        "one_factor": lines({"switching_cost": all_items}),
        "three_types": lines(type_items),
        "eight_facets": lines(facet_items),
        "second_order": lines(facet_items) + "\n" + lines(TYPES)
        + "\nswitching_cost =~ " + " + ".join(TYPES),
    }


def compare_models(data: pd.DataFrame, *, confidence: float = 0.90) -> measurement.ModelComparison:
    """Fit the four models of :func:`measurement_models` and test the nested pairs.

    Parameters
    ----------
    data : DataFrame
        The survey (the 24 switching-cost items).
    confidence : float, default 0.90
        Level of the RMSEA_D intervals.

    Returns
    -------
    crm_lab.measurement.ModelComparison
        ``fits`` (one row per model), ``table`` (χ² difference tests
        ``"one_factor vs three_types"`` and ``"second_order vs eight_facets"``),
        ``tests`` and ``models`` (the fitted :class:`~crm_lab.measurement.SEMResult`).

    Notes
    -----
    :func:`crm_lab.measurement.compare_models` with the models of
    :func:`measurement_models` and the pairs of :data:`NESTED_MODELS` (the
    typology's claims: one factor is three perfectly correlated types; the
    types account for the facets' correlations).  Tested: the comparisons
    and models named, and Δχ²/Δdf equal to the differences of the fits.

    References
    ----------
    Burnham, T. A., Frels, J. K., & Mahajan, V. (2003). Consumer switching
    costs: A typology, antecedents, and consequences. *Journal of the Academy
    of Marketing Science*, 31(2), 109–126.

    Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). We need to change how
    we compute RMSEA for nested model comparisons in structural equation
    modeling. *Psychological Methods*. https://doi.org/10.1037/met0000537
    """
    return measurement.compare_models(data, measurement_models(), pairs=list(NESTED_MODELS), confidence=confidence)


# --------------------------------------------------------------------------
# hostages and levers
# --------------------------------------------------------------------------
#: The four cells of :func:`barrier_groups`.
BARRIER_GROUPS = ("bonded", "hostage", "free", "at_risk")
#: The order in which tables and figures show the groups: the less satisfied pair (high, low barrier), then the
#: more satisfied pair, so that each comparison of a high with a low barrier sits side by side.
GROUP_ORDER = ("hostage", "at_risk", "bonded", "free")


def barrier_groups(
    data: pd.DataFrame,
    *,
    satisfaction: str = "satisfaction",
    switching_cost: str = "switching_cost",
    cut: str = "median",
) -> pd.Series:
    """The satisfaction × switching-barrier grid: who is a hostage?

    Parameters
    ----------
    data : DataFrame
    satisfaction, switching_cost : str
        Score columns (numeric, no missing values).
    cut : {"median", "midpoint"}
        Split each score at its sample median (high = above it), or at the
        Likert midpoint 4.

    Returns
    -------
    Series (categorical, named ``group``)
        ``bonded`` (satisfied, high barrier), ``hostage`` (dissatisfied,
        high barrier: stays because leaving costs too much), ``free``
        (satisfied, low barrier) and ``at_risk`` (dissatisfied, low
        barrier); same index as *data*.

    Notes
    -----
    The hostage (囚禁者) of Jones & Sasser (1995) is loyal but dissatisfied;
    Jones, Mothersbaugh & Beatty (2000) trace such loyalty to switching
    barriers, so the grid here crosses satisfaction with the barrier itself.
    Tested: hostages are at or below the satisfaction median and above the
    switching-cost median.

    References
    ----------
    Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching
    barriers and repurchase intentions in services. *Journal of Retailing*,
    76(2), 259–274.

    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    *Harvard Business Review*, 73(6), 88–99.

    Examples
    --------
    >>> d = pd.DataFrame({"satisfaction": [2.0, 6, 3, 5], "switching_cost": [6.0, 6, 2, 1]})
    >>> barrier_groups(d, cut="midpoint").tolist()
    ['hostage', 'bonded', 'at_risk', 'free']
    """
    func = "barrier_groups"
    check_choice(cut, "cut", ("median", "midpoint"), error=SwitchingError)
    frame = numeric_columns(data, {"satisfaction": satisfaction, "switching_cost": switching_cost}, what=func,
                            error=SwitchingError)
    s, c = frame[satisfaction], frame[switching_cost]
    s_hi = s > (s.median() if cut == "median" else 4.0)
    c_hi = c > (c.median() if cut == "median" else 4.0)
    labels = np.select([s_hi & c_hi, ~s_hi & c_hi, s_hi & ~c_hi], list(BARRIER_GROUPS[:3]), BARRIER_GROUPS[3])
    return pd.Series(pd.Categorical(labels, categories=list(BARRIER_GROUPS)), index=data.index, name="group")


@dataclass(frozen=True)
class LeverEffects(Result):
    """What-if levers on a fitted moderation: the change in the mean predicted outcome (see :func:`lever_effects`).

    Attributes
    ----------
    table : DataFrame
        Index the scenarios: ``estimate`` (median change from the baseline
        over the coefficient draws), ``se`` (SD of the draws), ``ci_low,
        ci_high`` (percentile interval of the draws), ``statistic`` (z =
        estimate / se), ``p_value``, then ``baseline`` (the mean predicted
        outcome at the fitted coefficients, before any shift).
    draws : ndarray (n_sims, scenarios)
        The simulated changes, one column per scenario, all from the same
        coefficient draws (so differences between scenarios are paired).
    meta : dict
        n (respondents averaged over), confidence, method, citation,
        n_sims, y, family, shifts.
    """

    table: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        scale = "probability" if self.meta["family"] == "logit" else "value"
        return f"What-if levers: change in the mean predicted {scale} of {self.meta['y']}"

    def difference(self, first: str, second: str) -> TestResult:
        """The *first* scenario's effect minus the *second*'s, from the same draws.

        Returns a :class:`~crm_lab.stats.TestResult`: the median difference,
        its percentile interval, SE (SD of the draws), Wald z and p, and in
        ``extra["p_first_larger"]`` the share of draws in which the first
        lever does more.
        """
        names = list(self.table.index)
        for label, name in (("first", first), ("second", second)):
            if name not in names:
                raise SwitchingError(f"difference: {label}={name!r} is not a scenario; the scenarios are {names}")
        d = self.draws[:, names.index(first)] - self.draws[:, names.index(second)]
        low, high = percentile_interval(d, self.meta["confidence"])
        est, se = float(np.median(d)), float(np.std(d, ddof=1))
        z = est / se if se > 0 else float("nan")
        return TestResult(
            test=f"What-if lever difference (simulation, {self.meta['n_sims']} draws)",
            statistic=z, df=None, p_value=float(2 * sps.norm.sf(abs(z))), effect=f"{first} minus {second}",
            estimate=est, ci_low=low, ci_high=high, se=se, n=int(self.meta["n"]),
            confidence=float(self.meta["confidence"]), method=self.meta["method"], citation=self.meta["citation"],
            extra={"p_first_larger": float(np.mean(d > 0))}, statistic_name="z",
        )


def lever_effects(
    result: regression.ModerationResult,
    shifts: Mapping[str, Mapping[str, float]],
    *,
    mask: Any = None,
    n_sims: int = 2000,
    confidence: float = 0.95,
    rng=None,
) -> LeverEffects:
    """What-if: the change in the mean predicted outcome when x or the moderator shifts.

    Parameters
    ----------
    result : crm_lab.regression.ModerationResult
        A fitted moderation (typically ``family="logit"`` on next-edition
        return, so the outcome is a probability).
    shifts : dict
        Scenario name -> ``{column: shift in SD units}``, columns among x
        and the moderator, e.g. ``{"satisfaction +0.5 SD": {"satisfaction": 0.5}}``.
    mask : boolean array, optional
        Respondents to average over (default all), e.g. the hostages.
    n_sims : int, default 2000
        Draws of the coefficients from their asymptotic normal distribution.
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    LeverEffects
        One row per scenario; compare two scenarios with
        :meth:`LeverEffects.difference`.

    Notes
    -----
    Simulation of the quantities of interest (King, Tomz & Wittenberg 2000):
    draw :math:`\\beta^{(s)} \\sim N(\\hat\\beta, \\hat V)`, recompute each
    respondent's prediction with the shifted values, average, difference;
    the percentile interval of the draws.  Vectorised over draws.  Tested
    against the point prediction of the fitted statsmodels model with the
    shifted predictor.

    References
    ----------
    Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching
    barriers and repurchase intentions in services. *Journal of Retailing*,
    76(2), 259–274.

    King, G., Tomz, M., & Wittenberg, J. (2000). Making the most of
    statistical analyses: Improving interpretation and presentation.
    *American Journal of Political Science*, 44(2), 347–361.
    """
    confidence = check_confidence(confidence, error=SwitchingError)
    draws, baseline, names, n = _lever_draws(result, shifts, mask=mask, n_sims=n_sims, rng=rng)
    low, high = percentile_interval(draws, confidence, axis=0)
    est = np.median(draws, axis=0)
    se = draws.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    table = tidy_table({"estimate": est, "se": se, "ci_low": low, "ci_high": high, "statistic": z,
                        "p_value": 2 * sps.norm.sf(np.abs(z)), "baseline": baseline},
                       index=names, name="scenario", extras=("baseline",))
    m = result.meta
    meta = {"n": n, "confidence": confidence, "n_sims": draws.shape[0], "y": m["y"], "family": m["family"],
            "shifts": {k: dict(v) for k, v in shifts.items()},
            "method": f"simulation of the fitted {m['family']} coefficients ({draws.shape[0]} draws from their "
                      "asymptotic normal); change in the mean prediction; percentile interval, Wald z with the "
                      "simulation SE",
            "citation": _KTW_CITATION}
    return LeverEffects(table=table, draws=draws, meta=meta)


def group_lever_effects(
    result: regression.ModerationResult,
    shift: Mapping[str, float],
    groups: Any,
    *,
    order: Any = None,
    n_sims: int = 2000,
    confidence: float = 0.95,
    rng=None,
) -> LeverEffects:
    """One what-if, averaged within each group, all groups from the same coefficient draws.

    Parameters
    ----------
    result : crm_lab.regression.ModerationResult
        A fitted moderation (typically the logistic model of next-edition return).
    shift : dict
        ``{column: shift in SD units}`` for x and/or the moderator, e.g.
        ``{"switching_cost": -1.0}``.
    groups : array-like
        One group label per respondent of the fitted model (e.g.
        :func:`barrier_groups`).
    order : sequence of str, optional
        The groups to report and their order (default the labels present,
        in :data:`GROUP_ORDER` where they belong to it).
    n_sims : int, default 2000
    confidence : float, default 0.95
    rng : int, Generator or None

    Returns
    -------
    LeverEffects
        One row per *group* (``baseline``: the group's mean prediction at the
        fitted coefficients); :meth:`LeverEffects.difference` compares two
        groups with paired draws ("does the drop cost hostages more than the
        at-risk group?").

    Notes
    -----
    As :func:`lever_effects` (King, Tomz & Wittenberg 2000): one set of
    draws :math:`\\beta^{(s)} \\sim N(\\hat\\beta, \\hat V)`, the change of
    each group's mean prediction under the shift.  Tested: each row equals
    :func:`lever_effects` with the group's mask and the same generator seed.

    References
    ----------
    King, G., Tomz, M., & Wittenberg, J. (2000). Making the most of
    statistical analyses: Improving interpretation and presentation.
    *American Journal of Political Science*, 44(2), 347–361.
    """
    confidence = check_confidence(confidence, error=SwitchingError)
    labels = pd.Series(np.asarray(groups, dtype=object)).astype(str)
    if len(labels) != int(result.model.nobs):
        raise SwitchingError(f"group_lever_effects: 'groups' needs one label per respondent of the model "
                             f"({int(result.model.nobs)}) (got {len(labels)})")
    present = list(pd.unique(labels))
    if order is None:
        order = [g for g in GROUP_ORDER if g in present] + sorted(g for g in present if g not in GROUP_ORDER)
    order = [str(g) for g in order]
    unknown = [g for g in order if g not in present]
    if unknown:
        raise SwitchingError(f"group_lever_effects: no respondents in group(s) {unknown} (groups: {present})")
    seed = np.random.default_rng(rng).integers(2**63)  # one seed: every group gets the same coefficient draws
    columns, baselines, n = [], [], 0
    for g in order:
        draws, base, _, k = _lever_draws(result, {"shift": shift}, mask=(labels == g).to_numpy(), n_sims=n_sims,
                                         rng=np.random.default_rng(seed))
        columns.append(draws[:, 0])
        baselines.append(base)
        n += k
    draws = np.column_stack(columns)
    low, high = percentile_interval(draws, confidence, axis=0)
    est = np.median(draws, axis=0)
    se = draws.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    table = tidy_table({"estimate": est, "se": se, "ci_low": low, "ci_high": high, "statistic": z,
                        "p_value": 2 * sps.norm.sf(np.abs(z)), "baseline": baselines},
                       index=order, name="group", extras=("baseline",))
    m = result.meta
    meta = {"n": n, "confidence": confidence, "n_sims": draws.shape[0], "y": m["y"], "family": m["family"],
            "shifts": {"shift": dict(shift)},
            "method": f"simulation of the fitted {m['family']} coefficients ({draws.shape[0]} draws from their "
                      "asymptotic normal, the same draws for every group); change in each group's mean prediction; "
                      "percentile interval, Wald z with the simulation SE",
            "citation": _KTW_CITATION}
    return LeverEffects(table=table, draws=draws, meta=meta)


def moderator_slopes(result: regression.ModerationResult, at: Mapping[str, float], *,
                     confidence: float | None = None) -> pd.DataFrame:
    """The slope of the *moderator* at given values of x (the other side of the interaction).

    A product term is symmetric: if the slope of satisfaction depends on switching cost, the slope of switching
    cost depends on satisfaction, :math:`\\partial y/\\partial W = b_2 + b_3 S`.

    Parameters
    ----------
    result : crm_lab.regression.ModerationResult
    at : dict
        Label -> value of x in its original units (e.g. a group's mean satisfaction).
    confidence : float, optional
        Default the result's level.

    Returns
    -------
    DataFrame
        :func:`crm_lab.regression.simple_slopes` with the roles of x and the
        moderator swapped: index the labels, ``moderator`` (here: the x value),
        ``estimate, se, ci_low, ci_high, statistic, df, p_value`` (on the
        log-odds scale for a logistic model).

    Notes
    -----
    Tested against refits with x re-centred at the probe value (where the
    slope is the moderator's coefficient).

    References
    ----------
    Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and
    Interpreting Interactions*. Newbury Park, CA: Sage.
    """
    m = result.meta
    t = m["terms"]
    fit = result.model
    names = [t["moderator"], t["product"]]
    cov = fit.cov_params().loc[names, names].to_numpy()
    values = np.array([float(v) for v in at.values()])
    df = None if m["family"] == "logit" else float(fit.df_resid)
    out = regression.simple_slopes(fit.params[names].to_numpy(), cov, values - m["centres"][m["x"]], df=df,
                                   confidence=m["confidence"] if confidence is None else confidence,
                                   labels=[str(k) for k in at])
    out["moderator"] = values
    return out


def moderator_slope_zero(result: regression.ModerationResult) -> float:
    """The value of x (original units) at which the fitted slope of the moderator changes sign, :math:`-b_2/b_3`.

    With a negative interaction, the moderator's slope is positive below this value and negative above it; a
    straight-line product term forces such a crossing somewhere (possibly outside the data).
    """
    m = result.meta
    t = m["terms"]
    b = result.model.params
    if b[t["product"]] == 0:
        return float("nan")
    return float(m["centres"][m["x"]] - b[t["moderator"]] / b[t["product"]])


def _exog(result: regression.ModerationResult, x_shift: float, w_shift: float) -> np.ndarray:
    fit = result.model
    t = result.meta["terms"]
    frame = fit.model.data.frame
    xv = frame[t["x"]].to_numpy() + x_shift
    wv = frame[t["moderator"]].to_numpy() + w_shift
    cols = []
    for name in fit.model.exog_names:
        if name == "Intercept":
            cols.append(np.ones_like(xv))
        elif name == t["x"]:
            cols.append(xv)
        elif name == t["moderator"]:
            cols.append(wv)
        elif name == t["product"]:
            cols.append(xv * wv)
        else:
            cols.append(frame[name].to_numpy())
    return np.column_stack(cols)


def _lever_draws(result, shifts, *, mask, n_sims, rng):
    """Draws (n_sims, scenarios) of the change in the mean prediction, the point baseline, names, n averaged."""
    if not isinstance(result, regression.ModerationResult):
        raise SwitchingError(f"'result' must be a crm_lab.regression.ModerationResult (got {type(result).__name__})")
    n_sims = check_integer(n_sims, "n_sims", low=10, error=SwitchingError)
    m = result.meta
    allowed = {m["x"]: "x", m["moderator"]: "moderator"}
    if not isinstance(shifts, Mapping) or not shifts:
        raise SwitchingError("'shifts' must be a non-empty dict: scenario -> {column: shift in SD}")
    for name, shift in shifts.items():
        bad = [c for c in shift if c not in allowed]
        if bad:
            raise SwitchingError(f"scenario {name!r} shifts {bad}; only {list(allowed)} can be shifted")
    fit = result.model
    n = int(fit.nobs)
    sel = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if sel.shape != (n,) or not sel.any():
        raise SwitchingError(f"'mask' must be {n} booleans with at least one True (got shape {sel.shape}, {int(sel.sum())} True)")
    rng = np.random.default_rng(rng)
    beta = rng.multivariate_normal(fit.params.to_numpy(), fit.cov_params().to_numpy(), size=n_sims, method="cholesky")
    link = expit if m["family"] == "logit" else (lambda v: v)

    def mean_pred(X):
        return link(X[sel] @ beta.T).mean(axis=0)

    base_X = _exog(result, 0.0, 0.0)
    base = mean_pred(base_X)
    point_base = float(link(base_X[sel] @ fit.params.to_numpy()).mean())
    draws = []
    for shift in shifts.values():
        X = _exog(result, shift.get(m["x"], 0.0) * m["sds"][m["x"]], shift.get(m["moderator"], 0.0) * m["sds"][m["moderator"]])
        draws.append(mean_pred(X) - base)
    return np.column_stack(draws), point_base, list(shifts), int(sel.sum())


# --------------------------------------------------------------------------
# the planted market beside the estimates
# --------------------------------------------------------------------------
def total_satisfaction_effect(p) -> float:
    """Planted total effect of satisfaction on conative loyalty (all paths, at switching cost 0).

    Parameters
    ----------
    p : crm_lab.simulate.MarketParams

    Returns
    -------
    float
        The sum over the paths of :class:`crm_lab.simulate.MarketParams`:
        direct (``con_sat``), through commitment (``com_sat · con_com``) and
        through cognitive and affective loyalty and commitment
        (``con_aff · (aff_cog · cog_sat + aff_com · com_sat)``).

    References
    ----------
    Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing*,
    63(special issue), 33–44.
    """
    com = p.com_sat
    aff = p.aff_cog * p.cog_sat + p.aff_com * com
    return p.con_sat + p.con_com * com + p.con_aff * aff


def power_inputs(
    ols: regression.ModerationResult,
    *,
    truth=None,
    targets: Mapping | None = None,
    survey: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Effect sizes and reliabilities for :func:`crm_lab.power.power_curve`.

    Parameters
    ----------
    ols : crm_lab.regression.ModerationResult
        The OLS moderation conative ~ satisfaction × switching_cost (used
        without a truth).
    truth : crm_lab.simulate.Truth, optional
        The planted market.
    targets : dict, optional
        :func:`interaction_targets` of *truth* (its reliabilities); needed
        with a truth.
    survey : DataFrame, optional
        The survey items, for Cronbach's α; needed without a truth.

    Returns
    -------
    dict
        ``b_x, b_m, b_xm, r`` (standardised effects of satisfaction,
        switching cost and their product on intention, and the correlation
        of satisfaction with switching cost) and ``reliability`` (of
        satisfaction, switching cost and intention), so that
        ``power.power_curve(sizes, **power_inputs(...), reps=...)`` runs.

    Notes
    -----
    With a planted truth: the planted total effect of satisfaction
    (:func:`total_satisfaction_effect`), the direct effect of switching cost,
    the planted interaction, the latent correlation of satisfaction and
    switching cost, and the reliabilities of :func:`interaction_targets`.
    Without one: the standardised estimates of *ols*, which are attenuated
    by measurement error, corrected to the latent design with Cronbach's α
    of the three scales in *survey* (:func:`crm_lab.measurement.reliability`)
    by :func:`crm_lab.power.latent_design` — the simulation attenuates them
    again, as a survey would (Aiken & West 1991, ch. 8).  α is a lower
    bound of reliability, so the correction errs slightly large.

    References
    ----------
    Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and
    Interpreting Interactions*. Newbury Park, CA: Sage.

    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika*, 16(3), 297–334.
    """
    names = ("satisfaction", "switching_cost", "conative")
    if truth is not None:
        if targets is None:
            raise SwitchingError("power_inputs: with a truth, pass 'targets' from interaction_targets(truth)")
        p = truth.params
        corr = float(truth.latent[["satisfaction", "switching_cost"]].corr().iloc[0, 1])
        return {"b_x": float(total_satisfaction_effect(p)), "b_m": float(p.con_sc), "b_xm": float(p.con_sat_x_sc),
                "r": corr, "reliability": tuple(float(targets[f"reliability_{k}"]) for k in names)}
    if survey is None:
        raise SwitchingError("power_inputs: without a truth, pass the 'survey' for Cronbach's alpha")
    if not isinstance(ols, regression.ModerationResult):
        raise SwitchingError(f"power_inputs: 'ols' must be a crm_lab.regression.ModerationResult (got {type(ols).__name__})")
    m = ols.meta
    sd = m["sds"]
    t = ols.model.params
    data = ols.model.model.data.frame
    items = {"satisfaction": list(SCALES["satisfaction"]), "conative": list(SCALES["conative"]),
             "switching_cost": [i for f in FACETS for i in SCALES[f]]}
    try:  # the estimates are on observed scores: undo their attenuation, which the power simulation applies again
        return power.latent_design(
            float(t[m["terms"]["x"]] * sd[m["x"]] / sd[m["y"]]),
            float(t[m["terms"]["moderator"]] * sd[m["moderator"]] / sd[m["y"]]),
            float(ols.interaction.extra["standardized"]),
            float(np.corrcoef(data[m["terms"]["x"]], data[m["terms"]["moderator"]])[0, 1]),
            tuple(float(measurement.reliability(survey[items[k]]).alpha) for k in names),
        )
    except power.PowerError as error:
        raise SwitchingError(f"power_inputs: {error}") from None


def design_t(
    n: int,
    *,
    b_x: float,
    b_m: float,
    b_xm: float,
    r: float = 0.0,
    reliability: Any = 1.0,
    reps: int = 2000,
    rng=None,
) -> np.ndarray:
    """The t statistic of the interaction in *reps* simulated surveys of size *n* under a power design.

    Parameters
    ----------
    n : int
        Respondents per survey.
    b_x, b_m, b_xm, r, reliability
        The design of :func:`crm_lab.power.simulate_moderation` (e.g. from
        :func:`power_inputs`).
    reps : int, default 2000
    rng : int, Generator or None

    Returns
    -------
    ndarray (reps,)
        The t of the product term of ``y ~ x_c * w_c`` in each survey
        (:func:`crm_lab.regression.batched_ols`); power at level α is the
        share with :math:`|t| > t_{1-α/2}`.

    Notes
    -----
    The same simulation as :func:`crm_lab.power.power_curve`, keeping the
    whole distribution of t instead of the share of rejections, so that one
    survey's t can be placed in it (:func:`sample_against_design`).  Tested:
    the share of rejections matches :func:`crm_lab.power.power_curve`.
    """
    from .power import simulate_moderation

    n = check_integer(n, "n", low=10, error=SwitchingError)
    reps = check_integer(reps, "reps", low=1, error=SwitchingError)
    rng = np.random.default_rng(rng)
    out = []
    chunk = max(1, 4_000_000 // (4 * n))
    for start in range(0, reps, chunk):
        k = min(chunk, reps - start)
        x, w, y = simulate_moderation(n, k, b_x=b_x, b_m=b_m, b_xm=b_xm, r=r, reliability=reliability, rng=rng)
        xc, wc = x - x.mean(axis=1, keepdims=True), w - w.mean(axis=1, keepdims=True)
        beta, se, _ = regression.batched_ols(np.stack([np.ones_like(xc), xc, wc, xc * wc], axis=2), y)
        out.append(beta[:, 3] / se[:, 3])
    return np.concatenate(out)


def sample_against_design(t_sample: float, t_design: Any, *, df: float, alpha: float = 0.05,
                          confidence: float = 0.95) -> dict[str, float | bool | int]:
    """Power under a design, and where one survey's t falls among the design's simulated surveys.

    Parameters
    ----------
    t_sample : float
        The t of the interaction in this survey.
    t_design : array
        :func:`design_t` at this survey's size.
    df : float
        Residual degrees of freedom of the test (the critical t).
    alpha : float, default 0.05
        Level of the test.
    confidence : float, default 0.95
        Level of the Monte Carlo (Wilson) intervals.

    Returns
    -------
    dict
        ``power`` and ``power_ci_low/high`` (share of simulated surveys with
        :math:`|t| > t_{crit}`), ``median_t``, ``t_low/t_high`` (the middle
        *confidence* share of the simulated t), ``sample_t``,
        ``share_as_extreme`` and ``share_ci_low/high`` (share of simulated
        surveys with :math:`|t| \\ge |t_{sample}|`), ``reps``, and the
        verdicts ``sample_rejects`` (:math:`|t_{sample}| > t_{crit}`) and
        ``sample_unusual`` (``share_as_extreme < alpha``: a t this far out is
        rare under the design).

    Notes
    -----
    Power is a property of the design (the planted effect, the measurement
    and n), not of one survey: a survey whose t lies far in the tail is a
    lucky draw, or a sign that the design understates the effect.
    """
    from .stats import proportion_ci

    t = numeric_values(t_design, "t_design", min_size=2, error=SwitchingError).to_numpy()
    check_number(t_sample, "t_sample", error=SwitchingError)
    check_number(df, "df", low=0, low_open=True, error=SwitchingError)
    check_number(alpha, "alpha", low=0, high=1, low_open=True, high_open=True, error=SwitchingError)
    confidence = check_confidence(confidence, error=SwitchingError)
    reps = int(t.size)
    crit = float(sps.t.ppf(1 - alpha / 2, df))
    power_hat, p_low, p_high = proportion_ci(int((np.abs(t) > crit).sum()), reps, confidence=confidence)
    share, s_low, s_high = proportion_ci(int((np.abs(t) >= abs(t_sample)).sum()), reps, confidence=confidence)
    t_low, t_high = np.quantile(t, [(1 - confidence) / 2, (1 + confidence) / 2])
    return {"power": float(power_hat), "power_ci_low": float(p_low), "power_ci_high": float(p_high),
            "median_t": float(np.median(t)), "t_low": float(t_low), "t_high": float(t_high),
            "sample_t": float(t_sample), "critical_t": crit,
            "share_as_extreme": float(share), "share_ci_low": float(s_low), "share_ci_high": float(s_high),
            "reps": reps, "sample_rejects": bool(abs(t_sample) > crit), "sample_unusual": bool(share < alpha)}


def planted_retention(
    truth,
    participation: pd.DataFrame,
    exhibitors: pd.DataFrame,
    sectors: pd.DataFrame,
    *,
    ids: Any = None,
    shift_satisfaction: Any = 0.0,
    shift_switching_cost: Any = 0.0,
    rival_enters: bool = False,
) -> pd.Series:
    """Each exhibitor's planted probability of exhibiting at the next edition, under a what-if.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
    participation, exhibitors, sectors : DataFrame
        The market's tables (stage at the survey edition, sector, market structure).
    ids : sequence of str, optional
        Exhibitors to return (default all who exhibited at the survey edition).
    shift_satisfaction, shift_switching_cost : float or array
        Shifts of the latent constructs in SD units (scalar or one per id).
    rival_enters : bool, default False
        A rival show opens in the monopoly sectors: their switching cost
        loses its planted monopoly component (``sc_monopoly``) and the
        direct monopoly effect on returning (``return_monopoly``) goes.

    Returns
    -------
    Series
        Index exhibitor_id: the planted probability of returning (``p_return``).

    Notes
    -----
    Uses the planted model of :func:`crm_lab.simulate.simulate_market`:
    a shift :math:`\\delta_S, \\delta_C` of satisfaction and switching cost
    moves conative loyalty by :math:`\\tau\\delta_S + c_{sc}\\delta_C +
    c_{sat\\times sc}[(S+\\delta_S)(C+\\delta_C) - SC]` (τ the total effect of
    satisfaction through commitment, cognitive and affective loyalty), and
    the return probability is
    logistic(return_intercepts[stage] + return_conative · conative +
    return_monopoly · monopoly).  Tested against the observed next-edition
    return rate of the sample market (within 4 binomial SEs).

    References
    ----------
    Jones, M. A., Mothersbaugh, D. L., & Beatty, S. E. (2000). Switching
    barriers and repurchase intentions in services. *Journal of Retailing*,
    76(2), 259–274.

    Porter, M. E. (1980). *Competitive Strategy*. New York: Free Press.
    """
    what = "planted_retention"
    check_columns(participation, ["exhibitor_id", "edition", "participated", "stage"], what=f"{what}: participation",
                  error=SwitchingError)
    numeric_columns(participation, ["edition", "participated"], what=f"{what}: participation", error=SwitchingError)
    check_columns(exhibitors, ["exhibitor_id", "sector"], what=f"{what}: exhibitors", error=SwitchingError)
    check_columns(sectors, ["sector", "market_structure"], what=f"{what}: sectors", error=SwitchingError)
    p = truth.params
    survey_edition = truth.sizes["survey_edition"]
    part = participation[(participation["edition"] == survey_edition) & (participation["participated"] == 1)]
    stage = part.set_index("exhibitor_id")["stage"]
    if stage.empty:
        raise SwitchingError(f"{what}: nobody in 'participation' exhibited at the survey edition {survey_edition} "
                             f"(expected rows with edition = {survey_edition} and participated = 1)")
    if ids is None:
        ids = stage.index.to_numpy()
    ids = np.asarray(ids)
    missing = np.setdiff1d(ids, stage.index.to_numpy())
    if missing.size:
        raise SwitchingError(f"planted_retention: {missing.size} ids did not exhibit at the survey edition, e.g. {missing[:5].tolist()}")
    lat = truth.latent.set_index("exhibitor_id").loc[ids]
    mono_sectors = sectors.set_index("sector")["market_structure"].eq("monopoly")
    ex_sector = exhibitors.set_index("exhibitor_id")["sector"]
    absent = np.setdiff1d(ids, ex_sector.index.to_numpy())
    if absent.size:
        raise SwitchingError(f"{what}: {absent.size} ids are not in 'exhibitors', e.g. {absent[:5].tolist()}")
    monopoly = ex_sector.loc[ids].map(mono_sectors).to_numpy(dtype=float)
    if np.isnan(monopoly).any():
        unknown = pd.unique(ex_sector.loc[ids][np.isnan(monopoly)])[:5].tolist()
        raise SwitchingError(f"{what}: sectors {unknown} of 'exhibitors' are not in 'sectors' (column 'sector')")
    s, c = lat["satisfaction"].to_numpy(), lat["switching_cost"].to_numpy()
    ds = np.broadcast_to(np.asarray(shift_satisfaction, dtype=float), s.shape)
    dc = np.broadcast_to(np.asarray(shift_switching_cost, dtype=float), s.shape)
    if rival_enters:
        dc = dc - p.sc_monopoly * monopoly
    con = (lat["conative"].to_numpy() + total_satisfaction_effect(p) * ds + p.con_sc * dc
           + p.con_sat_x_sc * ((s + ds) * (c + dc) - s * c))
    stage_index = {name: i for i, name in enumerate(STAGES)}
    intercept = np.asarray(p.return_intercepts)[stage.loc[ids].map(stage_index).to_numpy()]
    logit = intercept + p.return_conative * con + (0.0 if rival_enters else p.return_monopoly) * monopoly
    return pd.Series(expit(logit), index=pd.Index(ids, name="exhibitor_id"), name="p_return")


def interaction_targets(truth, *, n_exhibitors: int = 60_000, rng=None) -> dict[str, float]:
    """What the survey's interaction estimates converge to in the planted market.

    Simulates a large market with the planted parameters (and once more with
    the interaction set to 0), scores its survey with :func:`switching_scores`
    and fits ``conative ~ satisfaction × switching_cost`` on standardised
    scores.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
    n_exhibitors : int, default 60000
        Size of each simulated market (>= 1000).
    rng : int, Generator or None

    Returns
    -------
    dict
        Planted and simulated targets (plain floats): ``planted`` (the
        latent-scale coefficient), ``latent`` (fitted on the respondents'
        latent scores), ``observed`` (fitted on observed scores: attenuated
        by measurement error, shaped by the 7-point ceiling),
        ``observed_without_interaction`` (the same with no planted
        interaction: what item ceilings alone produce),
        ``reliability_satisfaction``, ``reliability_switching_cost``,
        ``reliability_conative`` (squared correlations of the scores with
        their latent constructs) and ``n_respondents``.

    Notes
    -----
    Tested: the latent-score estimate lies near the planted value, the
    observed one is attenuated towards 0, and without a planted interaction
    the observed estimate is near 0.

    References
    ----------
    Aiken, L. S., & West, S. G. (1991). *Multiple Regression: Testing and
    Interpreting Interactions*. Newbury Park, CA: Sage.

    Busemeyer, J. R., & Jones, L. E. (1983). Analysis of multiplicative
    combination rules when the causal variables are measured with error.
    *Psychological Bulletin*, 93(3), 549–562.
    """
    from .simulate import simulate_market

    n_exhibitors = check_integer(n_exhibitors, "n_exhibitors", low=1000, error=SwitchingError)
    rng = np.random.default_rng(rng)
    out = {"planted": float(truth.params.con_sat_x_sc)}
    for key, params in (("observed", truth.params), ("observed_without_interaction", replace(truth.params, con_sat_x_sc=0.0))):
        big = simulate_market(n_exhibitors, n_visitors=100, n_editions=truth.sizes["n_editions"],
                              survey_edition=truth.sizes["survey_edition"], kano_respondents=10, params=params, rng=rng)
        scores = switching_scores(big.tables["survey"]).reset_index(drop=True)
        z = scores[["satisfaction", "switching_cost", "conative"]]
        z = (z - z.mean()) / z.std()
        fit = smf.ols("conative ~ satisfaction * switching_cost", data=z).fit()
        out[key] = float(fit.params["satisfaction:switching_cost"])
        if key == "observed":
            lat = big.truth.latent.set_index("exhibitor_id").loc[scores["exhibitor_id"]].reset_index()
            zl = lat[["satisfaction", "switching_cost", "conative"]]
            zl = (zl - zl.mean()) / zl.std()
            out["latent"] = float(smf.ols("conative ~ satisfaction * switching_cost", data=zl).fit().params["satisfaction:switching_cost"])
            for name in ("satisfaction", "switching_cost", "conative"):
                out[f"reliability_{name}"] = float(np.corrcoef(scores[name], lat[name])[0, 1] ** 2)
            out["n_respondents"] = int(len(scores))
    return out


# --------------------------------------------------------------------------
# figures (axes-level: draw into ax, return it)
# --------------------------------------------------------------------------
def _legend_below(ax, ncol: int = 1, offset: float = -0.18) -> None:
    """The legend under the axes, off the data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, offset), ncol=ncol, fontsize="small",
                  frameon=False)


def _outcome_label(result: regression.ModerationResult) -> str:
    from .plots import label

    name = label(result.meta["y"])
    return f"P({name[:1].lower() + name[1:]})" if result.meta["family"] == "logit" else name


def plot_interaction(result: regression.ModerationResult, *, ax=None, n_points: int = 50):
    """Predicted y against x at each probe value of the moderator (the interaction plot).

    Lines from :func:`crm_lab.regression.predicted_lines` (x is continuous, so lines are right here); human
    labels from :func:`crm_lab.plots.label`; the legend under the axes.  Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from .plots import label

    ax = plt.gca() if ax is None else ax
    lines = regression.predicted_lines(result, n_points=n_points)
    moderator = label(result.meta["moderator"])
    for i, (probe, part) in enumerate(lines.groupby("probe", sort=False)):
        ax.plot(part["x"], part["predicted"], color=f"C{i}",
                label=f"{moderator} {probe} ({part['moderator'].iloc[0]:.2f})")
    ax.set(xlabel=label(result.meta["x"]), ylabel=_outcome_label(result))
    _legend_below(ax, ncol=1)
    return ax


def plot_johnson_neyman(result: regression.ModerationResult, *, ax=None, n_points: int = 200):
    """The slope of x with its confidence band over the moderator; significant part shaded, bounds dashed.

    Band from :func:`crm_lab.regression.slope_band`; the legend under the axes.  Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from .plots import label

    ax = plt.gca() if ax is None else ax
    band = regression.slope_band(result, n_points=n_points)
    ax.plot(band["moderator"], band["estimate"], color="C0", label="slope")
    ax.fill_between(band["moderator"], band["ci_low"], band["ci_high"], color="C0", alpha=0.15,
                    label=f"{result.jn.confidence * 100:g}% CI")
    sig = band["significant"].to_numpy()
    ax.fill_between(band["moderator"], band["ci_low"], band["ci_high"], where=sig, color="C2", alpha=0.3,
                    label="slope significant")
    lo, hi = band["moderator"].min(), band["moderator"].max()
    shown = [b for b in result.jn.bounds_original if lo <= b <= hi]
    for i, bound in enumerate(shown):
        ax.axvline(bound, color="C3", linestyle="--", linewidth=1, label="Johnson–Neyman bound" if i == 0 else None)
    ax.axhline(0, color="grey", linewidth=0.8)
    scale = " (log-odds)" if result.meta["family"] == "logit" else ""
    x_name = label(result.meta["x"])
    ax.set(xlabel=label(result.meta["moderator"]), ylabel=f"Slope of {x_name[:1].lower() + x_name[1:]}{scale}")
    _legend_below(ax, ncol=2)
    return ax


def plot_interaction_estimate(result: regression.ModerationResult, *, target: float | None = None, ax=None):
    """The standardised interaction with its interval, and the observed-score target of the planted market.

    :func:`crm_lab.plots.plot_effect` with the diamond named for what it is (the value the same regression
    gives on observed scores in a large planted market, not the latent planted value) and the legend under the
    axes.  Returns the Axes.
    """
    from .plots import plot_effect

    ax = plot_effect({"Satisfaction × switching cost\n(standardised)": result.standardized}, truth=target, ax=ax)
    handles, labels = ax.get_legend_handles_labels()
    labels = ["observed-score target (planted market)" if lab == "planted truth" else lab for lab in labels]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=1, fontsize="small",
              frameon=False)
    ax.set_xlabel("Standardised interaction")
    return ax


def plot_intervals(table: pd.DataFrame, *, planted: str | None = None, planted_label: str = "planted",
                   xlabel: str = "Estimate", ci_label: str = "estimate (95% CI)", null: float | None = 0.0,
                   ax=None):
    """Estimates with their intervals, one row per index label (categorical: points and bars, no lines).

    Parameters
    ----------
    table : DataFrame
        Columns ``estimate, ci_low, ci_high`` (and *planted*, if given); the
        index labels the rows, shown through :func:`crm_lab.plots.label`.
    planted : str, optional
        Column of planted values, drawn as diamonds.
    planted_label, xlabel, ci_label : str
        Legend and axis texts (say what the bars are: "estimate (95% CI)").
    null : float or None, default 0
        A reference line (None for none).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from .plots import label

    check_columns(table, ["estimate", "ci_low", "ci_high"] + ([planted] if planted else []), what="plot_intervals",
                  error=SwitchingError)
    ax = plt.gca() if ax is None else ax
    pos = np.arange(len(table))
    est = table["estimate"].to_numpy(dtype=float)
    err = np.vstack([est - table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float) - est])
    if null is not None:
        ax.axvline(null, color="grey", linewidth=0.8)
    ax.errorbar(est, pos, xerr=err, fmt="o", color="C0", capsize=4, linestyle="none", label=ci_label)
    if planted and table[planted].notna().any():
        ax.plot(table[planted].to_numpy(dtype=float), pos, "D", color="C3", linestyle="none", label=planted_label)
    ax.set_yticks(pos, [label(i) for i in table.index])
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    _legend_below(ax, ncol=2, offset=-0.3)
    return ax


def plot_dominance(weights: pd.DataFrame, *, confidence: float = 0.95, ax=None):
    """General dominance weights of the switching-cost types with bootstrap intervals (and latent weights).

    :func:`plot_intervals` of a :func:`crm_lab.regression.dominance` table (optional column
    ``planted_latent``: the same analysis on the respondents' latent scores).  Returns the Axes.
    """
    return plot_intervals(weights, planted="planted_latent" if "planted_latent" in weights else None,
                          planted_label="latent scores (planted truth)", null=None,
                          xlabel="General dominance weight (ΔR² of intention)",
                          ci_label=f"estimate ({confidence * 100:g}% bootstrap CI)", ax=ax)


def plot_group_returns(data: pd.DataFrame, *, group: str = "group", y: str = "returned",
                       confidence: float = 0.95, ax=None):
    """Share of each satisfaction × barrier group back at the next edition, with Wilson intervals.

    :func:`crm_lab.plots.plot_proportions` with the groups in :data:`GROUP_ORDER`, unconnected points (the
    groups are categories, not a scale), one colour per group (:data:`crm_lab.plots.TYPE_COLORS`) and human
    labels.  Returns the Axes.
    """
    from .plots import TYPE_COLORS, label, plot_proportions

    check_columns(data, [group, y], what="plot_group_returns", error=SwitchingError)
    present = set(data[group].astype(str))
    order = [g for g in GROUP_ORDER if g in present] + sorted(present - set(GROUP_ORDER))
    frame = data.assign(**{group: data[group].astype(str)})
    ax = plot_proportions(frame, x=group, y=y, confidence=confidence, ax=ax, order=order, hue=group,
                          hue_order=order, palette={g: TYPE_COLORS.get(g, "C0") for g in order},
                          linestyle="none", legend=False)
    ax.set_xticks(range(len(order)), [label(g) for g in order])
    ax.set_xlabel("Satisfaction × switching-cost group (median splits)")
    ax.set_ylabel(f"Share: {label(y)[:1].lower() + label(y)[1:]}\n({confidence * 100:g}% Wilson CI)")
    return ax


def plot_power_curve(curve: pd.DataFrame, *, ax=None, target: float = 0.8, mark_n: float | None = None):
    """Power against sample size, one line per scenario/term, with Monte Carlo intervals (shaded).

    *curve* is a :func:`crm_lab.power.power_curve` table (with a ``scenario``
    column when several are stacked); the legend goes under the axes, off the
    curves.  Returns the Axes.
    """
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    group = "scenario" if "scenario" in curve else "term"
    for i, (name, part) in enumerate(curve.groupby(group, sort=False)):
        ax.plot(part["n"], part["power"], marker="o", color=f"C{i}", label=str(name))
        ax.fill_between(part["n"], part["ci_low"], part["ci_high"], color=f"C{i}", alpha=0.15)
    ax.axhline(target, color="grey", linestyle=":", linewidth=1, label=f"{target:.0%} power")
    if mark_n is not None:
        ax.axvline(mark_n, color="grey", linestyle="--", linewidth=1, label=f"this survey (n = {mark_n:g})")
    ax.set(xscale="log", xlabel="Respondents (n, log scale)", ylabel="Power (band: 95% Monte Carlo CI)",
           ylim=(0, 1.02))
    _legend_below(ax, ncol=2)
    return ax


def plot_t_design(t_design: Any, t_sample: float, *, critical: float, ax=None, bins: int = 60):
    """The design's simulated t statistics of the interaction, the critical values, and this survey's t.

    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    t = np.asarray(t_design, dtype=float)
    ax.hist(t, bins=bins, color="C0", alpha=0.6, label=f"simulated surveys under the design ({t.size})")
    for i, c in enumerate((-critical, critical)):
        ax.axvline(c, color="grey", linestyle=":", linewidth=1, label="critical t" if i == 0 else None)
    ax.axvline(t_sample, color="C3", linewidth=2, label=f"this survey (t = {t_sample:.2f})")
    ax.set(xlabel="t of the interaction", ylabel="Simulated surveys")
    _legend_below(ax, ncol=1)
    return ax
