"""A simulated exhibition market with known truth (模拟会展市场).

:func:`simulate_market` generates one coherent world — an organizer's annual
show, its exhibitors and visitors, what they bought, what they answered in
surveys and whether they came back — from planted parameters that come back
with the data, so every notebook can show that its method recovers them.

The generative process (:func:`simulate_market`'s Notes) is written out step by
step; every number it uses is a field of :class:`MarketParams`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import expit

from ._csv import write_csv
from .schema import (
    KANO_ATTRIBUTES,
    KANO_CATEGORIES,
    KANO_SEGMENTS,
    REGIONS,
    SATISFACTION_ATTRIBUTES,
    SCALES,
    SECTORS,
    SERVICES,
    SIZE_CLASSES,
    STAGE_CODES,
    STAGES,
    SWITCHING_TYPES,
    TABLES,
    TRUST_FACETS,
)

__all__ = ["MarketParams", "Market", "Truth", "LATENTS", "simulate_market"]

#: The latent constructs of an exhibitor, in the order they are generated.
LATENTS = (
    "trust",
    "satisfaction",
    "switching_cost",
    "commitment",
    "cognitive",
    "affective",
    "conative",
)
#: Exogenous exhibitor traits that drive trust and switching costs.
TRAITS = ("reputation", "contact_rate", "met_share", "tenure", "large", "monopoly")

# 7-point Likert cut-points on the latent response scale, and 0-10 for NPS.
_CUTS7 = np.array([-2.2, -1.6, -1.0, -0.35, 0.35, 1.15])
_CUTS11 = np.array([-2.4, -2.0, -1.6, -1.2, -0.8, -0.4, 0.0, 0.45, 0.95, 1.5])
# Kano answer pairs (functional, dysfunctional) used to express each category,
# with their relative frequency; every pair maps to its category in Berger's table.
_KANO_PAIRS = {
    "A": {(1, 2): 0.2, (1, 3): 0.5, (1, 4): 0.3},
    "O": {(1, 5): 1.0},
    "M": {(2, 5): 0.4, (3, 5): 0.35, (4, 5): 0.25},
    "I": {(3, 3): 0.4, (3, 4): 0.15, (4, 3): 0.1, (2, 3): 0.1, (3, 2): 0.05, (4, 4): 0.1, (2, 2): 0.03, (2, 4): 0.04, (4, 2): 0.03},
    "R": {(5, 1): 0.5, (2, 1): 0.1, (3, 1): 0.1, (4, 1): 0.1, (5, 2): 0.1, (5, 3): 0.05, (5, 4): 0.05},
    "Q": {(1, 1): 0.5, (5, 5): 0.5},
}


def _default_kano_plan() -> dict[str, tuple[tuple[str, str], ...]]:
    # attribute -> (start, end) category per segment (exhibitor_sme, exhibitor_large, visitor)
    return {
        "online_registration": (("O", "M"), ("O", "M"), ("O", "M")),
        "matchmaking": (("A", "O"), ("O", "O"), ("A", "A")),
        "lead_retrieval": (("A", "O"), ("O", "M"), ("I", "I")),
        "mobile_app": (("A", "A"), ("A", "O"), ("A", "O")),
        "free_wifi": (("O", "M"), ("M", "M"), ("O", "M")),
        "shuttle_bus": (("I", "I"), ("I", "I"), ("M", "M")),
        "catering": (("M", "M"), ("M", "M"), ("O", "O")),
        "seminars": (("O", "O"), ("A", "A"), ("A", "A")),
        "virtual_exhibition": (("A", "O"), ("A", "A"), ("I", "I")),
        "promo_calls": (("R", "R"), ("I", "I"), ("R", "R")),
    }


@dataclass(frozen=True)
class MarketParams:
    """Every planted number of the simulated market.

    The defaults describe the shipped sample.  Change one with
    ``dataclasses.replace(MarketParams(), field=value)`` and pass it to
    :func:`simulate_market`.  Coefficients are on the latent scale (latent
    constructs have unit variance) unless the name gives a unit.

    Market and customers
    --------------------
    start_year : first edition's calendar year.
    sector_shares : share of exhibitors per sector (:data:`schema.SECTORS`).
    monopoly_sectors : sectors where the organizer's show is the only one.
    region_shares, size_shares : exhibitors' home regions and size classes.
    incumbent_share : share of all exhibitors already at edition 1; the others
        enter uniformly over editions 2..n.
    price_per_sqm, price_growth : CNY per m² of raw space at edition 1, and its
        yearly growth.

    Trust antecedents (Morgan & Hunt 1994; THEORY.md §5), in natural units
    ----------------------------------------------------------------------
    trust_reputation : per SD of perceived reputation.
    trust_per_contact : per account-manager contact a year (rates ~ Gamma(4, 1)).
    trust_per_met_share : per unit share of special requests met (~ Beta(6, 2)).
    trust_per_tenure : per edition of relationship length at the survey.
    trust_large : large firms vs SMEs.
    trust_facet_loadings : second-order loadings of benevolence, integrity, ability.

    Structural model (relationship quality, loyalty layers, switching costs)
    -------------------------------------------------------------------------
    sat_trust : trust -> satisfaction.
    sc_monopoly, sc_per_tenure, sc_large : drivers of the general switching cost.
    sc_type_loadings : procedural, financial, relational types on the general
        switching cost (Burnham, Frels & Mahajan 2003); sc_facet_loading : the
        eight facets on their type.
    com_trust, com_sat : trust, satisfaction -> commitment (Morgan & Hunt 1994).
    cog_sat : satisfaction -> cognitive loyalty; aff_cog, aff_com : cognitive
        loyalty, commitment -> affective loyalty; con_aff, con_com, con_sat,
        con_sc : -> conative loyalty (intention to exhibit again, Oliver 1999).
    con_sat_x_sc : satisfaction x switching cost -> conative loyalty.  Negative:
        barriers weaken the satisfaction -> return link (Jones, Mothersbaugh &
        Beatty 2000).

    Return decisions and lifecycle (THEORY.md §9)
    ---------------------------------------------
    return_intercepts : logit of coming back to the next edition, by the
        current stage (exploration, formation, stability, decline).
    return_conative : logit per unit of conative loyalty (the action stage).
    return_monopoly : logit for sectors without a rival show.
    transition : Markov matrix of stages from one edition to the next, for
        exhibitors who come back (rows: from; columns: to).

    Measurement
    -----------
    item_loadings : loadings of the three items of each scale.
    item_intercept : latent-scale intercept of attitude items (positive: answers
        lean to the agreeing end, as satisfaction surveys do).
    response_shift : latent-scale shift of all survey answers by region
        (southern respondents answer more reservedly, THEORY.md §3).
    attribute_means : (importance, expectation, perception) latent-scale means
        per satisfaction attribute; perception loads ``perception_sat`` on
        satisfaction, expectation ``expectation_reputation`` on reputation.
    survey_response_rate : share of the survey edition's exhibitors who answer.

    Kano survey (THEORY.md §4)
    --------------------------
    kano_plan : per attribute, (start, end) category per segment
        (exhibitor_sme, exhibitor_large, visitor); categories drift linearly
        from start to end across editions.
    kano_dominance : share of respondents holding the planted category on top
        of an even spread over A, O, M, I; ``kano_noise_rq`` each go to R and Q.
    kano_missing : share of unanswered functional and dysfunctional questions.

    Visitors
    --------
    visitor_trade_share : share of trade (professional) visitors.
    visitor_return_base, visitor_return_carry : logit of attending, by type
        (trade, public), and its increase after attending the previous edition.
    """

    start_year: int = 2019
    sector_shares: tuple[float, ...] = (0.18, 0.16, 0.12, 0.12, 0.10, 0.12, 0.10, 0.10)
    monopoly_sectors: tuple[str, ...] = ("textiles", "furniture", "medical_devices")
    region_shares: tuple[float, ...] = (0.25, 0.30, 0.25, 0.10, 0.10)
    size_shares: tuple[float, ...] = (0.55, 0.30, 0.15)
    incumbent_share: float = 0.45
    price_per_sqm: float = 1200.0
    price_growth: float = 0.05

    trust_reputation: float = 0.35
    trust_per_contact: float = 0.10
    trust_per_met_share: float = 1.2
    trust_per_tenure: float = 0.08
    trust_large: float = 0.25
    trust_facet_loadings: tuple[float, float, float] = (0.85, 0.80, 0.75)

    sat_trust: float = 0.45
    sc_monopoly: float = 0.6
    sc_per_tenure: float = 0.06
    sc_large: float = 0.3
    sc_type_loadings: tuple[float, float, float] = (0.80, 0.70, 0.75)
    sc_facet_loading: float = 0.80
    com_trust: float = 0.35
    com_sat: float = 0.35
    cog_sat: float = 0.55
    aff_cog: float = 0.40
    aff_com: float = 0.30
    con_aff: float = 0.30
    con_com: float = 0.25
    con_sat: float = 0.20
    con_sc: float = 0.20
    con_sat_x_sc: float = -0.15

    return_intercepts: tuple[float, float, float, float] = (0.6, 1.3, 2.1, -0.1)
    return_conative: float = 1.0
    return_monopoly: float = 0.3
    transition: tuple[tuple[float, ...], ...] = (
        (0.45, 0.45, 0.05, 0.05),
        (0.00, 0.40, 0.45, 0.15),
        (0.00, 0.00, 0.80, 0.20),
        (0.00, 0.20, 0.15, 0.65),
    )

    item_loadings: tuple[float, float, float] = (0.80, 0.75, 0.70)
    item_intercept: float = 0.4
    response_shift: tuple[tuple[str, float], ...] = (("east_china", -0.10), ("south_china", -0.35))
    attribute_means: tuple[tuple[float, float, float], ...] = (
        (1.2, 0.9, 0.3),
        (0.9, 0.7, 0.5),
        (0.3, 0.5, 0.8),
        (0.6, 0.6, 0.7),
        (0.2, 0.4, 0.3),
        (0.7, 0.6, 0.1),
        (1.0, 0.2, -0.3),
        (0.1, 0.5, 0.9),
    )
    perception_sat: float = 0.6
    expectation_reputation: float = 0.3
    survey_response_rate: float = 0.6

    kano_plan: dict = field(default_factory=_default_kano_plan)
    kano_dominance: float = 0.55
    kano_noise_rq: float = 0.04
    kano_missing: float = 0.01

    visitor_trade_share: float = 0.7
    visitor_return_base: tuple[float, float] = (-0.2, -1.0)
    visitor_return_carry: tuple[float, float] = (1.4, 1.0)

    def __post_init__(self):
        problems = []
        for name, shares, n in (
            ("sector_shares", self.sector_shares, len(SECTORS)),
            ("region_shares", self.region_shares, len(REGIONS)),
            ("size_shares", self.size_shares, len(SIZE_CLASSES)),
        ):
            if len(shares) != n or min(shares) < 0 or abs(sum(shares) - 1) > 1e-9:
                problems.append(f"{name} must be {n} non-negative shares summing to 1 (got {shares})")
        unknown = set(self.monopoly_sectors) - set(SECTORS)
        if unknown:
            problems.append(f"monopoly_sectors must be among {SECTORS} (got {sorted(unknown)})")
        t = np.asarray(self.transition, dtype=float)
        if t.shape != (4, 4) or (t < 0).any() or not np.allclose(t.sum(axis=1), 1):
            problems.append(f"transition must be a 4x4 matrix of probabilities with rows summing to 1 (got {self.transition})")
        for name in ("incumbent_share", "survey_response_rate", "kano_dominance", "kano_missing"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                problems.append(f"{name} must be in [0, 1] (got {value})")
        if not 0 <= self.visitor_trade_share <= 1:
            problems.append(f"visitor_trade_share must be in [0, 1] (got {self.visitor_trade_share})")
        if self.kano_noise_rq < 0:
            problems.append(f"kano_noise_rq must be >= 0 (got {self.kano_noise_rq})")
        for name in ("trust_facet_loadings", "sc_type_loadings", "item_loadings", "sc_facet_loading"):
            values = np.atleast_1d(np.asarray(getattr(self, name), dtype=float))
            if not ((values > 0) & (values < 1)).all():
                problems.append(f"{name} must be loadings strictly between 0 and 1 (got {getattr(self, name)})")
        for name, n in (("trust_facet_loadings", 3), ("sc_type_loadings", 3), ("item_loadings", 3),
                        ("return_intercepts", len(STAGES)), ("visitor_return_base", 2), ("visitor_return_carry", 2)):
            if len(getattr(self, name)) != n:
                problems.append(f"{name} needs {n} values (got {getattr(self, name)})")
        unknown_regions = sorted({region for region, _ in self.response_shift} - set(REGIONS))
        if unknown_regions:
            problems.append(f"response_shift names unknown regions {unknown_regions} (regions: {', '.join(REGIONS)})")
        if self.kano_dominance + 2 * self.kano_noise_rq > 1:
            problems.append("kano_dominance + 2 * kano_noise_rq must be at most 1")
        if set(self.kano_plan) != set(KANO_ATTRIBUTES):
            problems.append(f"kano_plan must name exactly the attributes {KANO_ATTRIBUTES}")
        for attr, plan in self.kano_plan.items():
            cats = {c for pair in plan for c in pair}
            if len(plan) != len(KANO_SEGMENTS) or not cats <= set(KANO_CATEGORIES):
                problems.append(f"kano_plan[{attr!r}] must give (start, end) categories for {KANO_SEGMENTS}")
        if len(self.attribute_means) != len(SATISFACTION_ATTRIBUTES):
            problems.append(f"attribute_means needs one triple per attribute of {SATISFACTION_ATTRIBUTES}")
        if problems:
            raise ValueError("MarketParams: " + "; ".join(problems))


@dataclass(frozen=True)
class Truth:
    """The planted truth of a simulated market.

    Attributes
    ----------
    seed : int or None
        The seed the market was simulated with (None if a Generator was given).
    sizes : dict
        n_exhibitors, n_visitors, n_editions, survey_edition, kano_respondents.
    params : MarketParams
        Every planted number.
    paths : DataFrame
        The structural model in lavaan style: ``lhs, op, rhs, value`` with op
        ``~`` (regression, latent scale), ``=~`` (loading of a facet or item)
        and ``~~`` (residual variance, chosen so that each latent construct
        has unit variance).
    latent : DataFrame
        Per exhibitor, its traits and latent scores (what the survey items
        measure with error).
    kano : DataFrame
        Per edition, segment and attribute: the planted category shares
        ``p_A .. p_Q`` and the planted (modal) ``category``.
    transition : DataFrame
        The stage transition matrix (rows: from; columns: to).
    """

    seed: int | None
    sizes: dict
    params: MarketParams
    paths: pd.DataFrame
    latent: pd.DataFrame
    kano: pd.DataFrame
    transition: pd.DataFrame

    def path(self, lhs: str, rhs: str, op: str = "~") -> float:
        """The planted value of one path, e.g. ``truth.path("commitment", "trust")``."""
        hit = self.paths[(self.paths.lhs == lhs) & (self.paths.rhs == rhs) & (self.paths.op == op)]
        if len(hit) != 1:
            raise KeyError(f"no planted path {lhs} {op} {rhs}")
        return float(hit.value.iloc[0])

    def to_files(self, folder: str | Path) -> list[Path]:
        """Write ``truth.json``, ``truth_latent.csv`` and ``truth_kano.csv`` into *folder*."""
        folder = Path(folder)
        meta = {
            "seed": self.seed,
            "sizes": self.sizes,
            "params": _params_to_json(self.params),
            "paths": self.paths.to_dict(orient="records"),
            "transition": {k: [float(x) for x in v] for k, v in self.transition.iterrows()},
        }
        out = [folder / "truth.json", folder / "truth_latent.csv", folder / "truth_kano.csv"]
        out[0].write_text(json.dumps(meta, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        # byte for byte what pandas' to_csv(float_format="%.4f") writes, built by Arrow
        write_csv(self.latent, out[1], decimals=4)
        write_csv(self.kano, out[2], decimals=4)
        return out

    @classmethod
    def from_files(cls, folder: str | Path) -> Truth:
        """Read the truth written by :meth:`to_files`."""
        folder = Path(folder)
        meta = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        transition = pd.DataFrame.from_dict(meta["transition"], orient="index", columns=list(STAGES)).reindex(list(STAGES))
        transition.index.name = "from"
        return cls(
            seed=meta["seed"],
            sizes=meta["sizes"],
            params=_params_from_json(meta["params"]),
            paths=pd.DataFrame(meta["paths"], columns=["lhs", "op", "rhs", "value"]),
            latent=pd.read_csv(folder / "truth_latent.csv"),
            kano=pd.read_csv(folder / "truth_kano.csv"),
            transition=transition,
        )


@dataclass(frozen=True)
class Market:
    """A simulated market: its tables (name -> DataFrame, as in :data:`schema.TABLES`) and truth."""

    tables: dict[str, pd.DataFrame]
    truth: Truth

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def _params_to_json(params: MarketParams) -> dict:
    return {f.name: getattr(params, f.name) for f in fields(params)}


def _params_from_json(data: dict) -> MarketParams:
    def tuplify(x):
        return tuple(tuplify(v) for v in x) if isinstance(x, list) else x

    values = {k: tuplify(v) for k, v in data.items() if k != "kano_plan"}
    values["kano_plan"] = {k: tuplify(v) for k, v in data["kano_plan"].items()}
    return MarketParams(**values)


# --------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------


def simulate_market(
    n_exhibitors: int = 3000,
    *,
    n_visitors: int = 4000,
    n_editions: int = 7,
    survey_edition: int | None = None,
    kano_respondents: int = 120,
    params: MarketParams | None = None,
    rng=None,
) -> Market:
    """Simulate an organizer's exhibition market with known truth.

    Parameters
    ----------
    n_exhibitors : int, default 3000
        Firms that exhibit at least once over all editions (>= 50).
    n_visitors : int, default 4000
        Visitors who attend at least once (>= 50).
    n_editions : int, default 7
        Annual editions of the show (3 to 30).
    survey_edition : int, optional
        Edition at which the exhibitor survey is taken; default the
        second-to-last, so that the next edition shows who actually returned.
    kano_respondents : int, default 120
        Kano respondents per edition and respondent type (exhibitors,
        visitors), fewer if fewer took part (>= 10).
    params : MarketParams, optional
        The planted numbers; default ``MarketParams()``.
    rng : int, numpy.random.Generator or None
        Seed or generator; the only source of randomness.  The same seed
        gives the same tables, to the byte when written with
        :func:`crm_lab.datasets.write_tables`.

    Returns
    -------
    Market
        ``market.tables``: ``sectors, editions, exhibitors, participation,
        transactions, visitors, visits, survey, kano``, columns as declared
        in :data:`crm_lab.schema.TABLES`; ``market.truth``: the planted truth
        (:class:`Truth`).

    Notes
    -----
    The generative process, step by step (every number is a field of
    :class:`MarketParams`):

    1. **Sectors and editions.**  Eight sectors, three of them monopolies
       (no rival show).  Edition *e* takes place in ``start_year + e - 1``;
       the booth price grows by ``price_growth`` a year.
    2. **Exhibitors.**  Sector, region and size class are drawn from their
       shares; a share ``incumbent_share`` is at edition 1, the rest enter
       uniformly later.  Each firm has traits: perceived reputation
       *R* ~ N(0, 1), an account-manager contact rate λ ~ Gamma(4, 1) a year,
       a share of special requests the organizer meets π ~ Beta(6, 2), and a
       relationship length at the survey edition (tenure, >= 1).
    3. **Latent constructs** (unit variance, in this order):
       trust T = linear in the traits + ζ; satisfaction S = sat_trust·T + ζ;
       general switching cost SC = linear in monopoly, tenure, size + ζ;
       commitment C = com_trust·T + com_sat·S + ζ; cognitive loyalty
       = cog_sat·S + ζ; affective = aff_cog·cognitive + aff_com·C + ζ;
       conative (intention) = con_aff·affective + con_com·C + con_sat·S +
       con_sc·SC + con_sat_x_sc·S·SC + ζ.  Each ζ is normal with the
       variance that makes the construct's variance 1 (``truth.paths``, op
       ``~~``).  Trust's facets (benevolence, integrity, ability) and the
       switching-cost types and facets are second-order: facet = loading ·
       parent + normal noise with unit total variance.
    4. **Participation panel.**  A new exhibitor starts in *exploration*.
       After each edition an exhibitor in stage *s* comes back with
       probability logistic(return_intercepts[s] + return_conative·conative +
       return_monopoly·monopoly); one who does not is lapsed for good.  One
       who comes back moves to the next stage by the Markov matrix
       ``transition``.  Booth area grows with size class and stage; booth
       spend = area × price; services are Poisson-many purchases with
       log-normal amounts (the transactions table); leads are Poisson in
       area × the edition's visitor turnout; account-manager contacts are
       Poisson(λ) (×0.3 when lapsed); special requests are Poisson and the
       organizer meets each with probability π.
    5. **Visitors.**  Trade or public; after the first visit a visitor
       attends with probability logistic(base + carry · attended last time).
    6. **Survey.**  A share ``survey_response_rate`` of the exhibitors at the
       survey edition answer.  Each item is a 7-point answer (0-10 for NPS)
       cut from a latent response = item_intercept + loading · construct +
       noise + the region's response shift; every item's loadings are in
       ``truth.paths`` (op ``=~``).  Complaints are Poisson(exp(−1 − 0.7·S)).
    7. **Kano answers.**  At each edition up to ``kano_respondents``
       exhibitors and as many visitors answer the functional and
       dysfunctional question on each of ten services.  A respondent's
       category is drawn from the planted shares of its segment (which drift
       from the start to the end category across editions); the answer pair
       is drawn among the pairs that Berger et al.'s (1993) table maps to
       that category.  A share ``kano_missing`` of answers is left empty.

    Loops run over editions and tables, never over customers.

    Examples
    --------
    >>> market = simulate_market(200, n_visitors=300, rng=7)
    >>> sorted(market.tables)[:3]
    ['editions', 'exhibitors', 'kano']
    >>> round(market.truth.path("conative", "satisfaction:switching_cost"), 2)
    -0.15
    """
    params = MarketParams() if params is None else params
    survey_edition = n_editions - 1 if survey_edition is None else survey_edition
    _check_sizes(n_exhibitors, n_visitors, n_editions, survey_edition, kano_respondents)
    seed = rng if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else None
    streams = dict(
        zip(
            ("firms", "latent", "panel", "services", "visitors", "survey", "kano", "names"),
            np.random.default_rng(rng).spawn(8),
        )
    )

    sectors = _sectors(params)
    editions = _editions(n_editions, params)
    firms = _firms(n_exhibitors, n_editions, survey_edition, params, streams["firms"])
    firms["monopoly"] = np.isin(SECTORS, params.monopoly_sectors)[firms["sector_idx"]].astype(float)
    latent, paths = _latent(firms, n_editions, survey_edition, params, streams["latent"])
    visitors, visits, turnout = _visitors(n_visitors, n_editions, params, streams["visitors"])
    panel, active_by_edition = _panel(firms, latent, editions, turnout, params, streams["panel"])
    transactions, services_spend = _transactions(firms, panel, editions, params, streams["services"])
    panel["services_spend"] = services_spend
    survey, item_paths = _survey(firms, latent, panel, survey_edition, params, streams["survey"])
    kano, kano_truth = _kano_answers(
        firms, active_by_edition, visits, n_editions, kano_respondents, params, streams["kano"]
    )

    # Identifiers and codes become text columns through Arrow: no Python string per row.
    n = n_exhibitors
    ex_ids = _ids("E", n, max(6, len(str(n))))
    vis_ids = _ids("V", n_visitors, max(6, len(str(n_visitors))))
    exhibitors = pd.DataFrame(
        {
            "exhibitor_id": _text(ex_ids),
            "company_name": _company_names(firms, streams["names"]),
            "sector": _text(SECTORS, firms["sector_idx"]),
            "region": _text(REGIONS, firms["region_idx"]),
            "size_class": _text(SIZE_CLASSES, firms["size_idx"]),
            "employees": firms["employees"],
            "first_edition": firms["first_edition"],
        },
        copy=False,
    )
    participation = pd.DataFrame(
        {
            "exhibitor_id": _text(ex_ids, panel["firm"]),
            "edition": panel["edition"],
            "participated": panel["participated"].astype(np.int64),
            "stage": _text(STAGE_CODES, panel["stage"]),
            "booth_sqm": panel["booth_sqm"],
            "booth_spend": panel["booth_spend"],
            "services_spend": panel["services_spend"],
            "leads": panel["leads"],
            "contacts": panel["contacts"],
            "special_requests": panel["special_requests"],
            "requests_met": panel["requests_met"],
        },
        copy=False,
    )
    transactions.insert(1, "exhibitor_id", _text(ex_ids, transactions.pop("firm").to_numpy()))
    survey.insert(0, "exhibitor_id", _text(ex_ids, survey.pop("firm").to_numpy()))
    visitors.insert(0, "visitor_id", _text(vis_ids))
    visits.insert(0, "visitor_id", _text(vis_ids, visits.pop("visitor").to_numpy()))
    resp = kano.pop("respondent").to_numpy()
    is_ex = kano.pop("is_exhibitor").to_numpy()
    respondent = pc.if_else(pa.array(is_ex), ex_ids.take(np.where(is_ex, resp, 0)), vis_ids.take(np.where(is_ex, 0, resp)))
    kano.insert(0, "respondent_id", _text(respondent))

    tables = {
        "sectors": sectors,
        "editions": editions,
        "exhibitors": exhibitors,
        "participation": participation,
        "transactions": transactions,
        "visitors": visitors,
        "visits": visits,
        "survey": survey,
        "kano": kano,
    }
    tables = {name: df[list(TABLES[name].column_names)].reset_index(drop=True) for name, df in tables.items()}

    latent_columns = {"exhibitor_id": _text(ex_ids)}
    for trait in ("reputation", "contact_rate", "met_share", "tenure"):
        latent_columns[trait] = firms[trait]
    latent_columns.update(latent)
    latent_table = pd.DataFrame(latent_columns, copy=False)
    transition = pd.DataFrame(np.asarray(params.transition, dtype=float), index=list(STAGES), columns=list(STAGES))
    transition.index.name = "from"
    truth = Truth(
        seed=None if seed is None else int(seed),
        sizes={
            "n_exhibitors": int(n_exhibitors),
            "n_visitors": int(n_visitors),
            "n_editions": int(n_editions),
            "survey_edition": int(survey_edition),
            "kano_respondents": int(kano_respondents),
        },
        params=params,
        paths=pd.concat([paths, item_paths], ignore_index=True),
        latent=latent_table,
        kano=kano_truth,
        transition=transition,
    )
    return Market(tables=tables, truth=truth)


# the digits 0000 .. 9999 in ASCII, four bytes each, read as one 32-bit word per number
_DIGITS4 = (np.arange(10_000)[:, None] // np.array([1000, 100, 10, 1]) % 10 + ord("0")).astype(np.uint8).view(np.uint32).ravel()


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    """``prefix`` + 1..n zero-padded to *width* digits (``E000001``, ...), as an Arrow array.

    Written straight into the bytes of an Arrow string array (every id has the
    same length), four digits at a time: no Python string, no formatting per id.
    """
    if width < len(str(n)):
        raise ValueError(f"_ids: {n} needs more than {width} digits")
    head = prefix.encode("ascii")
    words = -(-width // 4)
    digits = np.empty((n, words), dtype=np.uint32)
    rest = np.arange(1, n + 1, dtype=np.int64)
    for k in range(words - 1, -1, -1):
        rest, low = np.divmod(rest, 10_000)
        digits[:, k] = _DIGITS4[low]
    size = len(head) + width
    chars = np.empty((n, size), dtype=np.uint8)
    chars[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    chars[:, len(head) :] = digits.view(np.uint8)[:, 4 * words - width :]
    big = (n + 1) * size >= 2**31
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int64 if big else np.int32)
    kind = pa.large_string() if big else pa.string()
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(chars)])


def _text(labels, codes=None) -> pd.Series:
    """A text column: *labels* (an Arrow array or a sequence of str), or ``labels[codes]``.

    Built by Arrow, without a Python string per row; the column has pandas'
    default text dtype (``str``), as when it is made from a list of strings.
    """
    values = labels if isinstance(labels, pa.Array) else pa.array(list(labels), pa.string())
    if codes is not None:
        values = values.take(pa.array(np.asarray(codes)))
    return pd.Series(values, dtype="str")


def _check_sizes(n_exhibitors, n_visitors, n_editions, survey_edition, kano_respondents):
    problems = []
    for name, value, low, high in (
        ("n_exhibitors", n_exhibitors, 50, None),
        ("n_visitors", n_visitors, 50, None),
        ("n_editions", n_editions, 3, 30),
        ("kano_respondents", kano_respondents, 10, None),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            problems.append(f"{name} must be an int (got {value!r})")
        elif value < low or (high is not None and value > high):
            problems.append(f"{name} must be >= {low}" + (f" and <= {high}" if high else "") + f" (got {value})")
    if not problems and not (
        isinstance(survey_edition, (int, np.integer))
        and not isinstance(survey_edition, bool)
        and 1 <= survey_edition <= n_editions - 1
    ):
        problems.append(f"survey_edition must be an int from 1 to n_editions - 1 = {n_editions - 1} (got {survey_edition!r})")
    if problems:
        raise ValueError("simulate_market: " + "; ".join(problems))


def _sectors(params: MarketParams) -> pd.DataFrame:
    mono = np.isin(SECTORS, params.monopoly_sectors)
    rivals = np.where(mono, 0, 1 + np.arange(len(SECTORS)) % 3)
    return pd.DataFrame(
        {
            "sector": list(SECTORS),
            "market_structure": np.where(mono, "monopoly", "competitive"),
            "competing_shows": rivals.astype(np.int64),
        }
    )


def _editions(n_editions: int, params: MarketParams) -> pd.DataFrame:
    e = np.arange(1, n_editions + 1)
    year = params.start_year + e - 1
    start = np.array([f"{y}-04-08" for y in year], dtype="datetime64[D]") + (e % 3)
    return pd.DataFrame(
        {
            "edition": e.astype(np.int64),
            "year": year.astype(np.int64),
            "start_date": pd.to_datetime(start).astype("datetime64[us]"),
            "end_date": pd.to_datetime(start + 3).astype("datetime64[us]"),
            "price_per_sqm": np.round(params.price_per_sqm * (1 + params.price_growth) ** (e - 1), 2),
        }
    )


def _entry_probs(n_editions: int, first_share: float) -> np.ndarray:
    """P(first edition = e): *first_share* at edition 1, the rest spread evenly."""
    later = (1 - first_share) / (n_editions - 1)
    return np.r_[first_share, np.full(n_editions - 1, later)]


def _firms(n, n_editions, survey_edition, params, rng) -> dict:
    size_idx = rng.choice(3, size=n, p=params.size_shares)
    log_emp = np.array([[np.log(5), np.log(100)], [np.log(100), np.log(500)], [np.log(500), np.log(20000)]])
    employees = np.floor(np.exp(rng.uniform(log_emp[size_idx, 0], log_emp[size_idx, 1]))).astype(np.int64)
    first = 1 + rng.choice(n_editions, size=n, p=_entry_probs(n_editions, params.incumbent_share))
    return {
        "sector_idx": rng.choice(len(SECTORS), size=n, p=params.sector_shares),
        "region_idx": rng.choice(len(REGIONS), size=n, p=params.region_shares),
        "size_idx": size_idx,
        "employees": employees,
        "first_edition": first.astype(np.int64),
        "large": (size_idx == 2).astype(float),
        "reputation": rng.standard_normal(n),
        "contact_rate": rng.gamma(4.0, 1.0, size=n),
        "met_share": rng.beta(6.0, 2.0, size=n),
        "tenure": np.clip(survey_edition - first + 1, 1, None).astype(float),
        "booth_base": rng.random(n),
    }


def _trait_moments(n_editions, survey_edition, params) -> tuple[dict, dict]:
    """Population mean and variance of each exogenous trait (they are independent)."""
    p_first = _entry_probs(n_editions, params.incumbent_share)
    tenure = np.clip(survey_edition - np.arange(1, n_editions + 1) + 1, 1, None)
    t_mean = float(p_first @ tenure)
    p_large = params.size_shares[2]
    p_mono = float(np.asarray(params.sector_shares) @ np.isin(SECTORS, params.monopoly_sectors))
    mean = {"reputation": 0.0, "contact_rate": 4.0, "met_share": 0.75, "tenure": t_mean, "large": p_large, "monopoly": p_mono}
    var = {
        "reputation": 1.0,
        "contact_rate": 4.0,
        "met_share": 6 * 2 / (8**2 * 9),
        "tenure": float(p_first @ (tenure - t_mean) ** 2),
        "large": p_large * (1 - p_large),
        "monopoly": p_mono * (1 - p_mono),
    }
    return mean, var


def _structural(params: MarketParams) -> tuple[np.ndarray, np.ndarray]:
    """Coefficient matrices B (latent on latent) and G (latent on trait)."""
    ix = {name: i for i, name in enumerate(LATENTS)}
    tx = {name: i for i, name in enumerate(TRAITS)}
    B = np.zeros((len(LATENTS), len(LATENTS)))
    G = np.zeros((len(LATENTS), len(TRAITS)))
    G[ix["trust"], [tx["reputation"], tx["contact_rate"], tx["met_share"], tx["tenure"], tx["large"]]] = (
        params.trust_reputation,
        params.trust_per_contact,
        params.trust_per_met_share,
        params.trust_per_tenure,
        params.trust_large,
    )
    G[ix["switching_cost"], [tx["monopoly"], tx["tenure"], tx["large"]]] = (
        params.sc_monopoly,
        params.sc_per_tenure,
        params.sc_large,
    )
    for lhs, rhs, value in (
        ("satisfaction", "trust", params.sat_trust),
        ("commitment", "trust", params.com_trust),
        ("commitment", "satisfaction", params.com_sat),
        ("cognitive", "satisfaction", params.cog_sat),
        ("affective", "cognitive", params.aff_cog),
        ("affective", "commitment", params.aff_com),
        ("conative", "affective", params.con_aff),
        ("conative", "commitment", params.con_com),
        ("conative", "satisfaction", params.con_sat),
        ("conative", "switching_cost", params.con_sc),
    ):
        B[ix[lhs], ix[rhs]] = value
    return B, G


def _latent(firms, n_editions, survey_edition, params, rng) -> tuple[dict, pd.DataFrame]:
    """Latent constructs with unit variance; returns scores and the planted paths."""
    n = len(firms["first_edition"])
    mean, var = _trait_moments(n_editions, survey_edition, params)
    X = np.column_stack([firms[t] - mean[t] for t in TRAITS])
    B, G = _structural(params)
    k, m = len(LATENTS), len(TRAITS)
    # joint covariance of (latents, traits), filled in generation order
    cov = np.zeros((k + m, k + m))
    cov[k:, k:] = np.diag([var[t] for t in TRAITS])
    ix_s, ix_sc, ix_con = LATENTS.index("satisfaction"), LATENTS.index("switching_cost"), LATENTS.index("conative")
    eta = np.zeros((n, k))
    psi = np.zeros(k)
    for j in range(k):
        coef = np.r_[B[j], G[j]]
        explained = coef @ cov @ coef
        if j == ix_con:  # Var(S*SC) for jointly normal, zero-mean S and SC
            explained += params.con_sat_x_sc**2 * (1 + cov[ix_s, ix_sc] ** 2)
        psi[j] = 1.0 - explained
        if psi[j] < 0.05:
            raise ValueError(
                f"MarketParams: the paths into {LATENTS[j]!r} explain {explained:.2f} of its unit variance; "
                "make them smaller"
            )
        cross = coef @ cov
        cov[j, :] = cross
        cov[:, j] = cross
        cov[j, j] = 1.0
        eta[:, j] = eta @ B[j] + X @ G[j] + np.sqrt(psi[j]) * rng.standard_normal(n)
        if j == ix_con:
            eta[:, j] += params.con_sat_x_sc * eta[:, ix_s] * eta[:, ix_sc]
    scores = {name: eta[:, i] for i, name in enumerate(LATENTS)}

    rows = []
    for j, lhs in enumerate(LATENTS):
        rows += [(lhs, "~", rhs, B[j, i]) for i, rhs in enumerate(LATENTS) if B[j, i] != 0]
        rows += [(lhs, "~", rhs, G[j, i]) for i, rhs in enumerate(TRAITS) if G[j, i] != 0]
        if j == ix_con:
            rows.append((lhs, "~", "satisfaction:switching_cost", params.con_sat_x_sc))
        rows.append((lhs, "~~", lhs, psi[j]))

    def facet(parent, loading):
        return loading * parent + np.sqrt(1 - loading**2) * rng.standard_normal(n)

    for name, loading in zip(TRUST_FACETS, params.trust_facet_loadings):
        scores[name] = facet(scores["trust"], loading)
        rows.append(("trust", "=~", name, loading))
    for (type_name, facet_names), loading in zip(SWITCHING_TYPES.items(), params.sc_type_loadings):
        scores[type_name] = facet(scores["switching_cost"], loading)
        rows.append(("switching_cost", "=~", type_name, loading))
        for name in facet_names:
            scores[name] = facet(scores[type_name], params.sc_facet_loading)
            rows.append((type_name, "=~", name, params.sc_facet_loading))
    # return decision (the action stage) on the logit scale
    for stage, value in zip(STAGES, params.return_intercepts):
        rows.append(("return", "~1", stage, value))
    rows += [("return", "~", "conative", params.return_conative), ("return", "~", "monopoly", params.return_monopoly)]
    paths = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "value"]).astype({"value": float})
    return scores, paths


def _draw_rows(rng, cum: np.ndarray, which: np.ndarray | None = None) -> np.ndarray:
    """One categorical draw per row of a matrix of cumulative probabilities.

    With *which*, one draw per entry of *which* from row ``cum[which[i]]``
    (the same draws as from the matrix ``cum[which]``, without building it).
    """
    if which is None:
        u = rng.random(cum.shape[0])
        return np.minimum((u[:, None] > cum).sum(axis=1), cum.shape[1] - 1)
    u = rng.random(which.size)
    count = np.zeros(which.size, dtype=np.int64)
    for column in cum.T:
        count += u > column[which]
    return np.minimum(count, cum.shape[1] - 1)


def _panel(firms, latent, editions, turnout, params, rng) -> tuple[dict, list[np.ndarray]]:
    n = len(firms["first_edition"])
    n_editions = len(editions)
    first = firms["first_edition"]
    size = firms["size_idx"]
    cum_transition = np.cumsum(np.asarray(params.transition, dtype=float), axis=1)
    base_logit = params.return_conative * latent["conative"] + params.return_monopoly * firms["monopoly"]
    intercepts = np.asarray(params.return_intercepts)
    sqm_choices = (np.array([9, 12, 18]), np.array([18, 24, 36, 54]), np.array([54, 72, 108, 144, 216]))
    booth_base = np.select(
        [size == i for i in range(3)],
        [c[np.minimum((firms["booth_base"] * len(c)).astype(int), len(c) - 1)] for c in sqm_choices],
    )
    stage_area = np.array([1.0, 1.15, 1.3, 0.85])
    lapsed = len(STAGES)

    # The panel is written in its final order (firm, then edition) as it is drawn:
    # firm f has one row per edition from its first on, starting at start[f].
    length = n_editions - first + 1
    start = np.zeros(n, dtype=np.int64)
    np.cumsum(length[:-1], out=start[1:])
    total = int(length.sum())
    panel = {
        "firm": np.repeat(np.arange(n), length),
        "edition": np.arange(total, dtype=np.int64) + np.repeat(first - start, length),
        "participated": np.zeros(total, dtype=bool),
        "stage": np.zeros(total, dtype=np.int64),
        "booth_sqm": np.zeros(total, dtype=np.int64),
        "booth_spend": np.zeros(total, dtype=float),
        "leads": np.zeros(total, dtype=np.int64),
        "contacts": np.zeros(total, dtype=np.int64),
        "special_requests": np.zeros(total, dtype=np.int64),
        "requests_met": np.zeros(total, dtype=np.int64),
    }
    active = np.zeros(n, dtype=bool)
    stage = np.full(n, lapsed)
    active_by_edition = []
    for e in range(1, n_editions + 1):
        if e > 1:  # return decisions of those active at e-1, then stage moves
            came_back = active & (rng.random(n) < expit(intercepts[np.minimum(stage, 3)] + base_logit))
            moved = _draw_rows(rng, cum_transition, np.minimum(stage, 3))
            stage = np.where(came_back, moved, lapsed)
            active = came_back
        new = first == e
        active = active | new
        stage = np.where(new, 0, stage)
        active_by_edition.append(np.flatnonzero(active))
        rows = np.flatnonzero(first <= e)
        at = start[rows] + (e - first[rows])  # the rows' places in the panel
        a = active[rows]
        st = stage[rows]
        area = np.where(
            a,
            np.maximum(9, 3 * np.round(booth_base[rows] * stage_area[np.minimum(st, 3)] * rng.lognormal(0, 0.1, rows.size) / 3)),
            0,
        ).astype(np.int64)
        price = float(editions["price_per_sqm"].iloc[e - 1])
        requests = np.where(a, rng.poisson(0.8 + 0.7 * firms["large"][rows]), 0)
        panel["participated"][at] = a
        panel["stage"][at] = st
        panel["booth_sqm"][at] = area
        panel["booth_spend"][at] = np.round(area * price, 2)
        panel["leads"][at] = rng.poisson(0.8 * area * turnout[e - 1])
        panel["contacts"][at] = rng.poisson(firms["contact_rate"][rows] * np.where(a, 1.0, 0.3))
        panel["special_requests"][at] = requests
        panel["requests_met"][at] = rng.binomial(requests, firms["met_share"][rows])
    return panel, active_by_edition


_SERVICE_SHARES = np.array([0.25, 0.20, 0.15, 0.05, 0.10, 0.10, 0.15])
_SERVICE_MEDIANS = np.array([8000.0, 1500.0, 5000.0, 30000.0, 2000.0, 3000.0, 800.0])


def _transactions(firms, panel, editions, params, rng) -> tuple[pd.DataFrame, np.ndarray]:
    """Booth rentals and service purchases of each participation, as dated transactions."""
    took_part = np.flatnonzero(panel["participated"])
    size = firms["size_idx"][panel["firm"][took_part]]
    st = panel["stage"][took_part]
    mu = np.array([0.8, 1.6, 2.8])[size] * np.array([0.8, 1.0, 1.2, 0.7])[st]
    n_services = rng.poisson(mu)
    svc_row = np.repeat(took_part, n_services)
    svc_kind = 1 + rng.choice(len(_SERVICE_SHARES), size=svc_row.size, p=_SERVICE_SHARES)
    svc_amount = np.round(
        _SERVICE_MEDIANS[svc_kind - 1]
        * np.array([0.7, 1.0, 2.0])[firms["size_idx"][panel["firm"][svc_row]]]
        * rng.lognormal(0.0, 0.5, svc_row.size),
        2,
    )
    svc_amount = np.maximum(svc_amount, 0.01)
    start = editions["start_date"].to_numpy().astype("datetime64[D]")
    rows = np.r_[took_part, svc_row]
    kind = np.r_[np.zeros(took_part.size, dtype=int), svc_kind]
    amount = np.r_[panel["booth_spend"][took_part], svc_amount]
    lead_days = np.r_[rng.integers(60, 301, took_part.size), rng.integers(0, 76, svc_row.size)]
    date = start[panel["edition"][rows] - 1] - lead_days.astype("timedelta64[D]")
    # sorted by firm, edition, date and kind; the panel's rows are in (firm, edition)
    # order, so one stable sort of a single key (row, day, kind) gives that order
    day = date.astype(np.int64)
    day -= day.min(initial=0)
    n_kinds = len(SERVICES)
    order = np.argsort((rows * (int(day.max(initial=0)) + 1) + day) * n_kinds + kind, kind="stable")
    rows, kind, amount, date = rows[order], kind[order], amount[order], date[order]
    width = max(7, len(str(rows.size)))
    transactions = pd.DataFrame(
        {
            "transaction_id": _text(_ids("T", rows.size, width)),
            "firm": panel["firm"][rows],
            "edition": panel["edition"][rows],
            "date": date.astype("datetime64[us]"),
            "service": _text(SERVICES, kind),
            "amount": amount,
        },
        copy=False,
    )
    services_spend = np.round(np.bincount(svc_row, weights=svc_amount, minlength=panel["firm"].size), 2)
    return transactions, services_spend


def _visitors(n, n_editions, params, rng) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    trade = rng.random(n) < params.visitor_trade_share
    first = 1 + rng.choice(n_editions, size=n, p=_entry_probs(n_editions, 0.4))
    region = rng.choice(len(REGIONS), size=n, p=(0.3, 0.3, 0.2, 0.1, 0.1))
    sector = rng.choice(len(SECTORS), size=n)
    base = np.where(trade, params.visitor_return_base[0], params.visitor_return_base[1])
    carry = np.where(trade, params.visitor_return_carry[0], params.visitor_return_carry[1])
    attended = np.zeros(n, dtype=bool)
    who_by_edition = []
    for e in range(1, n_editions + 1):
        attended = (first == e) | ((first < e) & (rng.random(n) < expit(base + carry * attended)))
        who_by_edition.append(np.flatnonzero(attended))
    # visits in (visitor, edition) order, each written straight to its place
    counts = np.zeros(n, dtype=np.int64)
    for who in who_by_edition:
        counts[who] += 1
    place = np.zeros(n, dtype=np.int64)
    np.cumsum(counts[:-1], out=place[1:])
    total = int(counts.sum())
    vis, eds = np.zeros(total, dtype=np.int64), np.zeros(total, dtype=np.int64)
    for e, who in enumerate(who_by_edition, start=1):
        at = place[who]
        vis[at] = who
        eds[at] = e
        place[who] += 1
    visits = pd.DataFrame({"visitor": vis, "edition": eds, "days": 1 + rng.binomial(3, 0.2, total)}, copy=False)
    turnout = np.array([who.size for who in who_by_edition], dtype=float)
    visitors = pd.DataFrame(
        {
            "visitor_type": _text(("public", "trade"), trade.astype(np.int8)),
            "region": _text(REGIONS, region),
            "sector": _text(SECTORS, sector),
            "first_edition": first.astype(np.int64),
        },
        copy=False,
    )
    return visitors, visits, turnout / turnout.mean()


def _item_model(params: MarketParams) -> list[tuple[str, float, dict[str, float]]]:
    """Each survey item: (name, intercept, {construct: loading}); noise makes its variance 1."""
    b = params.item_intercept
    items = [("reputation", b, {"reputation": 0.8})]
    for construct, names in SCALES.items():
        items += [(item, b, {construct: lam}) for item, lam in zip(names, params.item_loadings)]
    for attr, (imp, exp, perc) in zip(SATISFACTION_ATTRIBUTES, params.attribute_means):
        items += [
            (f"imp_{attr}", imp, {}),
            (f"exp_{attr}", exp, {"reputation": params.expectation_reputation}),
            (f"perc_{attr}", perc, {"satisfaction": params.perception_sat}),
        ]
    items += [
        ("overall_sat", b, {"satisfaction": 0.85}),
        ("intent_return", b, {"conative": 0.85}),
        ("nps", 0.3, {"affective": 0.5, "satisfaction": 0.3}),
        ("price_sensitivity", b, {"affective": -0.45, "switching_cost": -0.25}),
        ("failure_tolerance", b, {"affective": 0.45, "trust": 0.2}),
    ]
    return items


def _survey(firms, latent, panel, survey_edition, params, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    at_survey = (panel["edition"] == survey_edition) & panel["participated"]
    firm = panel["firm"][at_survey]
    firm = firm[rng.random(firm.size) < params.survey_response_rate]
    n = firm.size
    source = dict(latent)
    source["reputation"] = firms["reputation"]
    shift_by_region = dict(params.response_shift)
    shift = np.array([shift_by_region.get(r, 0.0) for r in REGIONS])[firms["region_idx"][firm]]
    items = _item_model(params)
    out = {"firm": firm, "edition": np.full(n, survey_edition, dtype=np.int64)}
    rows = []
    noise = rng.standard_normal((n, len(items)))
    for j, (name, intercept, loads) in enumerate(items):
        signal = np.zeros(n)
        for construct, lam in loads.items():
            signal += lam * source[construct][firm]
            rows.append((construct, "=~", name, lam))
        # the loadings' shared variance is ignored: noise keeps the total near 1
        noise_sd = np.sqrt(max(1.0 - sum(lam**2 for lam in loads.values()), 0.2))
        response = intercept + signal + noise_sd * noise[:, j] + shift
        cuts = _CUTS11 if name == "nps" else _CUTS7
        out[name] = (np.searchsorted(cuts, response) + (0 if name == "nps" else 1)).astype(np.int64)
    out["complaints"] = rng.poisson(np.exp(-1.0 - 0.7 * latent["satisfaction"][firm])).astype(np.int64)
    return pd.DataFrame(out), pd.DataFrame(rows, columns=["lhs", "op", "rhs", "value"])


def _kano_shares(category: str, params: MarketParams) -> np.ndarray:
    cats = KANO_CATEGORIES
    p = np.zeros(len(cats))
    spread = 1 - params.kano_dominance - 2 * params.kano_noise_rq
    p[:4] = spread / 4
    p[cats.index("R")] = p[cats.index("Q")] = params.kano_noise_rq
    p[cats.index(category)] += params.kano_dominance
    return p


def _kano_truth(n_editions, params) -> pd.DataFrame:
    rows = []
    for e in range(1, n_editions + 1):
        w = (e - 1) / (n_editions - 1)
        for s, segment in enumerate(KANO_SEGMENTS):
            for attr in KANO_ATTRIBUTES:
                start, end = params.kano_plan[attr][s]
                p = (1 - w) * _kano_shares(start, params) + w * _kano_shares(end, params)
                rows.append((e, segment, attr, *p))
    cols = [f"p_{c}" for c in KANO_CATEGORIES]
    truth = pd.DataFrame(rows, columns=["edition", "segment", "attribute", *cols])
    shares = truth[cols].to_numpy()
    # the modal category; at an exact tie mid-drift, the later (end) category
    top = shares.max(axis=1, keepdims=True)
    is_top = np.isclose(shares, top)
    ends = np.array(
        [KANO_CATEGORIES.index(params.kano_plan[a][KANO_SEGMENTS.index(s)][1]) for s, a in zip(truth.segment, truth.attribute)]
    )
    pick = np.where(is_top[np.arange(len(truth)), ends], ends, shares.argmax(axis=1))
    truth["category"] = np.asarray(KANO_CATEGORIES)[pick]
    return truth


def _kano_answers(firms, active_by_edition, visits, n_editions, k, params, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    truth = _kano_truth(n_editions, params)
    cats = KANO_CATEGORIES
    pair_codes = np.array([(f, d) for f in range(1, 6) for d in range(1, 6)])
    pair_weights = np.zeros((len(cats), 25))
    for c, pairs in _KANO_PAIRS.items():
        for (f, d), w in pairs.items():
            pair_weights[cats.index(c), (f - 1) * 5 + (d - 1)] = w
    pair_cum = np.cumsum(pair_weights / pair_weights.sum(axis=1, keepdims=True), axis=1)
    share_cols = [f"p_{c}" for c in cats]
    shares = truth[share_cols].to_numpy().reshape(n_editions, len(KANO_SEGMENTS), len(KANO_ATTRIBUTES), len(cats))
    visit_v, visit_e = visits["visitor"].to_numpy(), visits["edition"].to_numpy()
    parts = []
    n_attr = len(KANO_ATTRIBUTES)
    for e in range(1, n_editions + 1):
        ex = active_by_edition[e - 1]
        ex = np.sort(rng.choice(ex, size=min(k, ex.size), replace=False))
        vi = visit_v[visit_e == e]
        vi = np.sort(rng.choice(vi, size=min(k, vi.size), replace=False))
        resp = np.r_[ex, vi]
        is_ex = np.r_[np.ones(ex.size, bool), np.zeros(vi.size, bool)]
        seg = np.where(is_ex, np.where(firms["large"][np.where(is_ex, resp, 0)] == 1, 1, 0), 2)
        seg_r, attr_r = np.repeat(seg, n_attr), np.tile(np.arange(n_attr), resp.size)
        category = _draw_rows(rng, np.cumsum(shares[e - 1, seg_r, attr_r], axis=1))
        pair = pair_codes[_draw_rows(rng, pair_cum[category])]
        parts.append(
            pd.DataFrame(
                {
                    "respondent": np.repeat(resp, n_attr),
                    "is_exhibitor": np.repeat(is_ex, n_attr),
                    "edition": np.full(seg_r.size, e, dtype=np.int64),
                    "segment": np.asarray(KANO_SEGMENTS)[seg_r],
                    "attribute": np.asarray(KANO_ATTRIBUTES)[attr_r],
                    "functional": pair[:, 0],
                    "dysfunctional": pair[:, 1],
                }
            )
        )
    answers = pd.concat(parts, ignore_index=True)
    for col in ("functional", "dysfunctional"):
        values = answers[col].astype("Int64")
        values[rng.random(len(answers)) < params.kano_missing] = pd.NA
        answers[col] = values
    return answers, truth


_NAME_SYLLABLES = np.array(
    ["Hua", "Xin", "Da", "Tian", "Jin", "Hong", "Sheng", "Yuan", "Bo", "Heng", "Rui", "Kai", "Long", "Feng", "Mei",
     "Tai", "Yi", "Zhong", "Guang", "Ming", "Cheng", "Hai", "Li", "An"]
)
_OVERSEAS_WORDS = np.array(
    ["Nordic", "Atlas", "Vanguard", "Meridian", "Summit", "Alpine", "Coastal", "Pioneer", "Harbor", "Crescent",
     "Keystone", "Beacon"]
)
_SECTOR_WORDS = np.array(
    ["Machinery", "Electronics", "Textile", "Foods", "Chemical", "Auto Parts", "Furniture", "Medical"]
)


def _company_names(firms, rng) -> pd.Series:
    n = len(firms["first_edition"])
    a = pa.array(_NAME_SYLLABLES).take(rng.integers(0, _NAME_SYLLABLES.size, n))
    b = pa.array(np.char.lower(_NAME_SYLLABLES)).take(rng.integers(0, _NAME_SYLLABLES.size, n))
    west = pa.array(_OVERSEAS_WORDS).take(rng.integers(0, _OVERSEAS_WORDS.size, n))
    sector = pa.array(_SECTOR_WORDS).take(firms["sector_idx"])
    overseas = pa.array(firms["region_idx"] == REGIONS.index("overseas"))
    head = pc.if_else(overseas, west, pc.binary_join_element_wise(a, b, ""))
    large = pa.array(firms["size_idx"] == 2)
    tail = pc.if_else(overseas, pc.if_else(large, " Group", " Ltd."), " Co., Ltd.")
    return _text(pc.binary_join_element_wise(head, " ", sector, tail, ""))
