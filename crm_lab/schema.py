"""The schema of the exhibition-market tables, declared once.

Every table of the sample data (and of a user's own data in the same layout)
is declared here: its columns with type, unit, allowed range or codes, meaning
and, where the theory has one, the Chinese term.  :func:`crm_lab.datasets.load`
validates against these declarations, :mod:`crm_lab.simulate` writes them and
``datasets/README.md`` (the data dictionary) is generated from them, so the
three can never disagree.

The survey's multi-item scales (which items measure which construct) are
declared here too, in :data:`SCALES`, for the measurement notebooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "SCALES",
    "SCALE_LABELS",
    "SECTORS",
    "REGIONS",
    "SIZE_CLASSES",
    "STAGES",
    "KANO_ATTRIBUTES",
    "SATISFACTION_ATTRIBUTES",
    "SERVICES",
    "LIKERT_MIN",
    "LIKERT_MAX",
    "KANO_CATEGORIES",
    "TRUST_FACETS",
    "LOYALTY_LAYERS",
    "SWITCHING_TYPES",
    "SWITCHING_FACETS",
]

DTYPES = ("int", "float", "str", "date")

LIKERT_MIN, LIKERT_MAX = 1, 7

SECTORS = (
    "machinery",
    "electronics",
    "textiles",
    "food_beverage",
    "chemicals",
    "auto_parts",
    "furniture",
    "medical_devices",
)
REGIONS = ("north_china", "east_china", "south_china", "central_west_china", "overseas")
SIZE_CLASSES = ("small", "medium", "large")
#: Relationship lifecycle stages (Dwyer, Schurr & Oh 1987; THEORY.md §9) and
#: ``lapsed`` for an exhibitor who did not come back (客户流失).
STAGES = ("exploration", "formation", "stability", "decline")
STAGE_CODES = STAGES + ("lapsed",)
KANO_ATTRIBUTES = (
    "online_registration",
    "matchmaking",
    "lead_retrieval",
    "mobile_app",
    "free_wifi",
    "shuttle_bus",
    "catering",
    "seminars",
    "virtual_exhibition",
    "promo_calls",
)
KANO_SEGMENTS = ("exhibitor_sme", "exhibitor_large", "visitor")
SATISFACTION_ATTRIBUTES = (
    "visitor_quality",
    "visitor_volume",
    "venue",
    "organisation",
    "booth_services",
    "promotion",
    "price_value",
    "staff",
)
SERVICES = (
    "booth_rental",
    "booth_construction",
    "furniture_rental",
    "advertising",
    "sponsorship",
    "matchmaking_package",
    "logistics",
    "utilities",
)

#: Multi-item scales of the exhibitor survey: construct -> its items.
#: Trust's three roots (benevolence, integrity, ability) form a second-order
#: trust factor; the eight switching-cost facets of Burnham, Frels & Mahajan
#: (2003) form three types (procedural, financial, relational).
SCALES: dict[str, tuple[str, ...]] = {
    "benevolence": ("ben1", "ben2", "ben3"),
    "integrity": ("int1", "int2", "int3"),
    "ability": ("abl1", "abl2", "abl3"),
    "satisfaction": ("sat1", "sat2", "sat3"),
    "commitment": ("com1", "com2", "com3"),
    "cognitive": ("cog1", "cog2", "cog3"),
    "affective": ("aff1", "aff2", "aff3"),
    "conative": ("con1", "con2", "con3"),
    "economic_risk": ("sc_econ1", "sc_econ2", "sc_econ3"),
    "evaluation": ("sc_eval1", "sc_eval2", "sc_eval3"),
    "learning": ("sc_learn1", "sc_learn2", "sc_learn3"),
    "setup": ("sc_setup1", "sc_setup2", "sc_setup3"),
    "benefit_loss": ("sc_benefit1", "sc_benefit2", "sc_benefit3"),
    "monetary_loss": ("sc_money1", "sc_money2", "sc_money3"),
    "personal_loss": ("sc_personal1", "sc_personal2", "sc_personal3"),
    "brand_loss": ("sc_brand1", "sc_brand2", "sc_brand3"),
}

# --------------------------------------------------------------------------
# Domain constants: defined once here, imported by the simulator and the topics
# --------------------------------------------------------------------------
#: Kano categories (Kano et al. 1984; Berger et al. 1993): attractive,
#: one-dimensional, must-be, indifferent, reverse, questionable.
KANO_CATEGORIES: tuple[str, ...] = ("A", "O", "M", "I", "R", "Q")
#: The facets of trust (Mayer, Davis & Schoorman 1995), names of :data:`SCALES`.
TRUST_FACETS: tuple[str, ...] = ("benevolence", "integrity", "ability")
#: Oliver's (1999) loyalty layers measured by the survey (the fourth, action
#: loyalty, is behaviour: the participation panel).
LOYALTY_LAYERS: tuple[str, ...] = ("cognitive", "affective", "conative")
#: Burnham, Frels & Mahajan's (2003) three switching-cost types and their eight facets.
SWITCHING_TYPES: dict[str, tuple[str, ...]] = {
    "procedural": ("economic_risk", "evaluation", "learning", "setup"),
    "financial": ("benefit_loss", "monetary_loss"),
    "relational": ("personal_loss", "brand_loss"),
}
#: The eight switching-cost facets, in the order of :data:`SWITCHING_TYPES`.
SWITCHING_FACETS: tuple[str, ...] = tuple(f for facets in SWITCHING_TYPES.values() for f in facets)

#: English label, Chinese term and item wording stem of each scale.
SCALE_LABELS: dict[str, tuple[str, str, str]] = {
    "benevolence": ("trust: benevolence", "善意", "The organizer cares about our interests"),
    "integrity": ("trust: integrity", "诚信", "The organizer keeps its promises"),
    "ability": ("trust: ability", "能力", "The organizer is competent at running the show"),
    "satisfaction": ("relationship satisfaction", "满意感", "We are satisfied with our relationship with the show"),
    "commitment": ("commitment / belonging", "归属感", "We feel we belong to this show and want to stay"),
    "cognitive": ("cognitive loyalty", "认知忠诚", "This show offers better value than alternatives"),
    "affective": ("affective loyalty", "情感忠诚", "We like exhibiting at this show"),
    "conative": ("conative loyalty (intention)", "意向忠诚", "We intend to keep exhibiting at this show"),
    "economic_risk": ("switching cost: economic risk", "经济风险成本", "Another show might not bring the results we get here"),
    "evaluation": ("switching cost: evaluation", "评估成本", "Comparing other shows would take a lot of time"),
    "learning": ("switching cost: learning", "学习成本", "Learning how another show works would take effort"),
    "setup": ("switching cost: set-up", "组织调整成本", "Setting up with another organizer would be a hassle"),
    "benefit_loss": ("switching cost: benefit loss", "利益损失成本", "We would lose our booth position and loyalty benefits"),
    "monetary_loss": ("switching cost: monetary loss", "金钱损失成本", "Switching would cost us prepaid fees and deposits"),
    "personal_loss": ("switching cost: personal-relationship loss", "个人关系损失成本", "We would miss the account manager we know"),
    "brand_loss": ("switching cost: brand-relationship loss", "品牌关系损失成本", "We would lose our tie with this show's brand"),
}


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        Column name, exactly as in the CSV header.
    dtype : {"int", "float", "str", "date"}
        Stored type.  Dates are ISO 8601 (``YYYY-MM-DD``).
    meaning : str
        One-line meaning, shown in the data dictionary and in error messages.
    unit : str
        Unit of measurement (``CNY``, ``m²``, ``count``, ``1-7 Likert``), or "".
    low, high : float, optional
        Inclusive allowed range of a numeric column.
    codes : tuple of str
        Allowed values of a coded text column (empty: any non-empty text).
    zh : str
        The Chinese term, where the theory has one.
    nullable : bool
        Whether empty cells are allowed.
    """

    name: str
    dtype: str
    meaning: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    codes: tuple[str, ...] = ()
    zh: str = ""
    nullable: bool = False

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"Column {self.name!r}: dtype must be one of {DTYPES} (got {self.dtype!r})")
        if self.codes and self.dtype != "str":
            raise ValueError(f"Column {self.name!r}: codes are only for 'str' columns")

    @property
    def allowed(self) -> str:
        """The allowed values, as the data dictionary and error messages state them."""
        if self.codes:
            return "one of " + ", ".join(self.codes)
        if self.dtype == "date":
            return "date YYYY-MM-DD"
        if self.low is not None and self.high is not None:
            return f"{_num(self.low)} to {_num(self.high)}"
        if self.low is not None:
            return f">= {_num(self.low)}"
        if self.high is not None:
            return f"<= {_num(self.high)}"
        return "any text" if self.dtype == "str" else f"any {self.dtype}"


@dataclass(frozen=True)
class Table:
    """A table: its file, meaning, columns, unique key and row rules.

    ``checks`` are rules across columns, each a description and a function of
    the typed table returning a boolean Series (True where a row is valid);
    ``notes`` are further remarks for the data dictionary.
    """

    name: str
    meaning: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    checks: tuple[tuple[str, Callable], ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _likert(name: str, meaning: str, zh: str = "") -> Column:
    return Column(name, "int", meaning, "1-7 Likert", LIKERT_MIN, LIKERT_MAX, zh=zh)


def _money(name: str, meaning: str, zh: str = "") -> Column:
    return Column(name, "float", meaning, "CNY", 0, None, zh=zh)


def _exhibitor_id(meaning: str = "exhibitor identifier (see exhibitors)") -> Column:
    return Column("exhibitor_id", "str", meaning, zh="参展商编号")


def _edition(meaning: str = "show edition number (see editions)") -> Column:
    return Column("edition", "int", meaning, "edition", 1, None, zh="届次")


def _scale_items() -> tuple[Column, ...]:
    cols = []
    for construct, items in SCALES.items():
        label, zh, stem = SCALE_LABELS[construct]
        for i, item in enumerate(items, start=1):
            cols.append(_likert(item, f"{label}, item {i}: '{stem}' (1 = strongly disagree, 7 = strongly agree)", zh))
    return tuple(cols)


def _attribute_items() -> tuple[Column, ...]:
    cols = []
    for attr in SATISFACTION_ATTRIBUTES:
        words = attr.replace("_", " ")
        cols += [
            _likert(f"imp_{attr}", f"importance of {words} to the exhibitor (1 = unimportant, 7 = very important)", "重要性"),
            _likert(f"exp_{attr}", f"expectation of {words} before the show (1 = very low, 7 = very high)", "期望值"),
            _likert(f"perc_{attr}", f"perceived performance of {words} at the show (1 = very poor, 7 = excellent)", "感知值"),
        ]
    return tuple(cols)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "sectors",
            "industry sectors of the show, and whether another show competes for their exhibitors",
            "行业与市场结构",
            (
                Column("sector", "str", "industry sector", zh="行业"),
                Column(
                    "market_structure",
                    "str",
                    "competitive: a rival show exists; monopoly: the organizer's show is the only one",
                    codes=("competitive", "monopoly"),
                    zh="市场结构（竞争 / 垄断）",
                ),
                Column("competing_shows", "int", "number of rival shows in the sector", "count", 0, None, zh="竞争展会数"),
            ),
            key=("sector",),
        ),
        Table(
            "editions",
            "the organizer's annual show, one row per edition",
            "展会届次",
            (
                _edition("show edition number, 1 = the first edition"),
                Column("year", "int", "calendar year of the edition", "year", 1900, 2100),
                Column("start_date", "date", "first day of the show"),
                Column("end_date", "date", "last day of the show"),
                _money("price_per_sqm", "list price of raw booth space", "展位价格"),
            ),
            key=("edition",),
            checks=(("end_date is on or after start_date", lambda d: d["end_date"] >= d["start_date"]),),
        ),
        Table(
            "exhibitors",
            "exhibiting firms: descriptive customer data",
            "参展商（描述性数据）",
            (
                _exhibitor_id("exhibitor identifier"),
                Column("company_name", "str", "company name (made up)", zh="公司名称"),
                Column("sector", "str", "industry sector (see sectors)", zh="行业"),
                Column("region", "str", "home region of the firm", codes=REGIONS, zh="地区"),
                Column("size_class", "str", "firm size class (small and medium = SME)", codes=SIZE_CLASSES, zh="企业规模"),
                Column("employees", "int", "number of employees", "count", 1, None, zh="员工人数"),
                Column("first_edition", "int", "edition at which the firm first exhibited", "edition", 1, None, zh="首次参展届次"),
            ),
            key=("exhibitor_id",),
        ),
        Table(
            "participation",
            "the participation panel: one row per exhibitor and edition from its first edition on",
            "参展记录（交易性数据）",
            (
                _exhibitor_id(),
                _edition(),
                Column("participated", "int", "1 = exhibited at this edition, 0 = did not", "0/1", 0, 1, zh="是否参展"),
                Column(
                    "stage",
                    "str",
                    "relationship lifecycle stage recorded by the account manager; lapsed = did not come back",
                    codes=STAGE_CODES,
                    zh="客户关系生命周期阶段（考察期 / 形成期 / 稳定期 / 退化期 / 流失）",
                ),
                Column("booth_sqm", "int", "booth area (0 when not exhibiting)", "m²", 0, None, zh="展位面积"),
                _money("booth_spend", "spend on booth space", "展位费"),
                _money("services_spend", "spend on other services (sum of the transactions)", "服务消费"),
                Column("leads", "int", "sales leads the exhibitor collected at the show", "count", 0, None, zh="销售线索"),
                Column("contacts", "int", "account-manager contacts in the year before the edition", "count", 0, None, zh="联系频率"),
                Column("special_requests", "int", "special requests the exhibitor made", "count", 0, None, zh="特殊要求"),
                Column("requests_met", "int", "special requests the organizer met", "count", 0, None, zh="满足特殊要求"),
            ),
            key=("exhibitor_id", "edition"),
            checks=(
                ("requests_met is at most special_requests", lambda d: d["requests_met"] <= d["special_requests"]),
                (
                    "booth_sqm, booth_spend, services_spend and leads are 0 when participated is 0",
                    lambda d: (d["participated"] == 1)
                    | ((d["booth_sqm"] == 0) & (d["booth_spend"] == 0) & (d["services_spend"] == 0) & (d["leads"] == 0)),
                ),
                (
                    "stage is lapsed exactly when participated is 0",
                    lambda d: (d["participated"] == 0) == (d["stage"] == "lapsed"),
                ),
            ),
        ),
        Table(
            "transactions",
            "dated purchases of booth space and services (for RFM and lifetime-value work)",
            "交易记录（交易性数据）",
            (
                Column("transaction_id", "str", "transaction identifier", zh="交易编号"),
                _exhibitor_id(),
                _edition("edition the purchase is for"),
                Column("date", "date", "date of the purchase", zh="交易日期"),
                Column("service", "str", "what was bought (booth_rental, booth_construction, ...)", zh="服务项目"),
                Column("amount", "float", "amount paid", "CNY", 0.01, None, zh="金额"),
            ),
            key=("transaction_id",),
        ),
        Table(
            "visitors",
            "visitors of the show: trade (professional) and public visitors",
            "观众（专业观众 / 普通观众）",
            (
                Column("visitor_id", "str", "visitor identifier", zh="观众编号"),
                Column("visitor_type", "str", "trade = professional buyer, public = general visitor", codes=("trade", "public"), zh="观众类型"),
                Column("region", "str", "home region of the visitor", codes=REGIONS, zh="地区"),
                Column("sector", "str", "industry sector of interest", zh="关注行业"),
                Column("first_edition", "int", "edition first attended", "edition", 1, None, zh="首次参观届次"),
            ),
            key=("visitor_id",),
        ),
        Table(
            "visits",
            "visitor attendance: one row per visitor and edition attended",
            "参观记录",
            (
                Column("visitor_id", "str", "visitor identifier (see visitors)", zh="观众编号"),
                _edition(),
                Column("days", "int", "days of the show the visitor attended", "days", 1, 4, zh="参观天数"),
            ),
            key=("visitor_id", "edition"),
        ),
        Table(
            "survey",
            "the exhibitor survey, one row per responding exhibitor, taken at one edition",
            "参展商满意度与关系质量调查",
            (
                _exhibitor_id(),
                _edition("edition at which the survey was taken"),
                _likert("reputation", "'The show has a strong reputation in our industry'", "声誉"),
            )
            + _scale_items()
            + _attribute_items()
            + (
                _likert("overall_sat", "overall satisfaction with the show (1 = very dissatisfied, 7 = very satisfied)", "总体满意度"),
                _likert("intent_return", "'We will exhibit at the next edition' (1 = certainly not, 7 = certainly)", "再次参展意向"),
                Column("nps", "int", "likelihood to recommend the show to a peer (Net Promoter question)", "0-10", 0, 10, zh="推荐意愿"),
                _likert("price_sensitivity", "'We would switch if another show were 10% cheaper'", "价格敏感度"),
                _likert("failure_tolerance", "'We would forgive the organizer a small service failure'", "对服务失误的容忍"),
                Column("complaints", "int", "complaints the exhibitor filed in the past year", "count", 0, None, zh="投诉次数"),
            ),
            key=("exhibitor_id",),
        ),
        Table(
            "kano",
            "Kano questionnaire answers (long format): one row per respondent, edition and service attribute",
            "卡诺问卷",
            (
                Column("respondent_id", "str", "exhibitor_id or visitor_id of the respondent", zh="受访者编号"),
                _edition("edition at which the question was asked"),
                Column("segment", "str", "respondent segment (exhibitor_sme, exhibitor_large, visitor, or your own)", zh="细分群体"),
                Column("attribute", "str", "the exhibition service asked about", zh="服务属性"),
                Column(
                    "functional",
                    "int",
                    "answer if the service is present: 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike",
                    "1-5",
                    1,
                    5,
                    zh="正向问题（喜欢 / 理应如此 / 无所谓 / 能忍受 / 不喜欢）",
                    nullable=True,
                ),
                Column(
                    "dysfunctional",
                    "int",
                    "answer if the service is absent: 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike",
                    "1-5",
                    1,
                    5,
                    zh="反向问题",
                    nullable=True,
                ),
            ),
            key=("respondent_id", "edition", "attribute"),
            notes=("An empty functional or dysfunctional cell is an unanswered question.",),
        ),
    )
}
