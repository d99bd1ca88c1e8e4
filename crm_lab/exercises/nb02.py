"""Exercises of notebook 02, the Kano model (卡诺模型).

Each ``solve(ctx)`` recomputes the expected answer from the notebook's own
``kano`` table (``ctx.tables["kano"]``), its parameters (``segment``,
``edition``, ``seed``) and the planted truth (``ctx.truth``, None for a
user's data), and names the typical wrong answers it recognises.

Theory: Berger et al. (1993) for the evaluation table and Timko's Better and
Worse; Fong (1996) for the test of the two leading categories; Kano (2001)
for the drift of categories across editions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab import kano
from crm_lab.exercises import Expected, Mistake, agree, exercise

#: Simulated surveys per size in exercise 02.4 (the notebook's simulation cell uses the same number).
N_SURVEYS = 400


# --------------------------------------------------------------------------
# What the exercises share: the notebook's survey, its classified pairs, its tables
# --------------------------------------------------------------------------
def _answers(ctx) -> pd.DataFrame:
    return ctx.tables["kano"]


def _edition(ctx) -> int:
    return int(ctx.param("edition", 0) or _answers(ctx)["edition"].max())


def _survey(ctx) -> pd.DataFrame:
    """The notebook's ``survey``: the analysed segment at the analysed edition."""
    def make() -> pd.DataFrame:
        a = _answers(ctx)
        return a[(a["segment"] == ctx.param("segment")) & (a["edition"] == _edition(ctx))]
    return ctx.cached("survey", make)


def _classified(frame: pd.DataFrame) -> pd.DataFrame:
    """The pairs with both answers, with their category (Berger et al.'s table)."""
    pairs = frame.dropna(subset=["functional", "dysfunctional"])
    return pairs.assign(category=kano.classify(pairs["functional"].to_numpy(int), pairs["dysfunctional"].to_numpy(int)))


def _same(a, b) -> bool:
    """Two answers agree (numbers and Series to 3 significant digits, name lists as sets)."""
    if isinstance(b, pd.Series):
        return all(agree(float(x), float(y), 3) for x, y in zip(a.reindex(b.index), b))
    if isinstance(b, list):
        return set(a) == set(b)
    return agree(float(a), float(b), 3)


def _distinct(value, mistakes: list[Mistake]) -> list[Mistake]:
    """The mistakes that differ from the right answer and from each other on these data (first kept)."""
    kept: list[Mistake] = []
    for m in mistakes:
        if not _same(m.value, value) and not any(_same(m.value, k.value) for k in kept):
            kept.append(m)
    return kept


# --------------------------------------------------------------------------
# 02.1 — the evaluation table by hand
# --------------------------------------------------------------------------
@exercise(
    "02.1", kind="compute", title="Questionable answers, classified by hand",
    theory="the section *The evaluation table* (Berger et al. 1993)",
    hint="Classify each pair of the survey with kano.EVALUATION_TABLE (functional answer = row, dysfunctional = "
         "column, code 1 is index 0), keep the Q pairs, and count distinct respondents",
    why="Q marks a contradictory pair (liking, or disliking, both the presence and the absence): a screen for "
        "respondents who misread the paired questions, kept apart from R, which is a consistent answer.",
)
def _(ctx):
    pairs = _classified(_survey(ctx))
    q = pairs["category"] == "Q"
    value = pairs.loc[q, "respondent_id"].nunique()
    like_like = (pairs["functional"] == 1) & (pairs["dysfunctional"] == 1)
    mistakes = [
        Mistake("pairs", int(q.sum()), "that counts questionable answer pairs; the question asks how many "
                                       "respondents gave at least one."),
        Mistake("R and Q", pairs.loc[q | (pairs["category"] == "R"), "respondent_id"].nunique(),
                "you counted reverse (R) pairs too: a reverse answer is consistent (the respondent prefers the "
                "service absent), only contradictory pairs are questionable."),
        Mistake("like-like only", pairs.loc[like_like, "respondent_id"].nunique(),
                "the table has two questionable cells: like/like and dislike/dislike."),
    ]
    return Expected(value, _distinct(value, mistakes))


# --------------------------------------------------------------------------
# 02.2 — Better and Worse by hand
# --------------------------------------------------------------------------
def _most_reverse_service(ctx) -> str:
    """The service with the most R answers among all respondents of the edition (first name on a tie)."""
    def find() -> str:
        a = _answers(ctx)
        pairs = _classified(a[a["edition"] == _edition(ctx)])
        r = pairs[pairs["category"] == "R"].groupby("attribute").size()
        r = r.reindex(sorted(pairs["attribute"].unique()), fill_value=0)
        return str(r.idxmax())
    return ctx.cached("most_reverse", find)


def _better_worse(pairs: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    counts = pairs["category"].value_counts().reindex(list(kano.CATEGORIES), fill_value=0)
    return counts, pd.Series({"better": counts[["A", "O"]].sum() / counts[["A", "O", "M", "I"]].sum(),
                              "worse": -counts[["O", "M"]].sum() / counts[["A", "O", "M", "I"]].sum()})


@exercise(
    "02.2", kind="compute", answer="series", title="Better and Worse by hand",
    theory="the section *Better and Worse* (Timko, in Berger et al. 1993)",
    hint="Count A, O, M, I, R and Q for that one service over every segment of the edition, then "
         "Better = (A+O)/(A+O+M+I) and Worse = -(O+M)/(A+O+M+I)",
    why="R and Q answers say nothing about how presence or absence moves satisfaction, so both coefficients "
        "share the denominator A+O+M+I; Worse is negative because absence lowers satisfaction.",
)
def _(ctx):
    service = _most_reverse_service(ctx)
    a = _answers(ctx)
    pairs = _classified(a[(a["edition"] == _edition(ctx)) & (a["attribute"] == service)])
    counts, value = _better_worse(pairs)
    n_all = counts.sum()
    value.index.name = "coefficient"
    segment_pairs = _classified(_survey(ctx))
    _, one_segment = _better_worse(segment_pairs[segment_pairs["attribute"] == service])
    mistakes = [
        Mistake("all answers", pd.Series({"better": counts[["A", "O"]].sum() / n_all,
                                          "worse": -counts[["O", "M"]].sum() / n_all}),
                "you divided by all answers, including R and Q; both coefficients divide by A+O+M+I only."),
        Mistake("no minus", value * [1, -1], "Worse carries a minus sign: the absence of a service lowers "
                                             "satisfaction, so Worse lies between -1 and 0."),
        Mistake("swapped", pd.Series({"better": -value["worse"], "worse": -value["better"]}),
                "Better counts the categories whose presence satisfies (A and O); Worse those whose absence "
                "dissatisfies (O and M)."),
        Mistake("one segment", one_segment, "that is the analysed segment only; the question asks for all "
                                            "respondents of the edition, every segment."),
    ]
    return Expected(value, _distinct(value, mistakes))


# --------------------------------------------------------------------------
# 02.3 — a reverse service on the Better–Worse diagram
# --------------------------------------------------------------------------
@exercise(
    "02.3", kind="interpret", answer="choice", title="A reverse service in the attractive quadrant",
    theory="the sections *Kano's idea* (reverse quality) and *Better and Worse*",
    choices={
        "a": "It is attractive: offering it delights, and leaving it out costs little — a place to invest.",
        "b": "Better exceeds |Worse|, so for most respondents it is one-dimensional: more of it, more satisfaction.",
        "c": "Better and Worse use only the A, O, M and I answers; when most answers are R they describe the "
             "minority, and the mode says most respondents prefer the service absent: read the R share, not the "
             "quadrant (make it optional, or drop it).",
        "d": "Reverse pairs are contradictory like questionable ones: drop them and the attractive reading stands.",
    },
    wrong_choice={
        "a": "the quadrant is drawn from A, O, M and I only: which answers, and how many respondents, does it leave out?",
        "b": "the diagram's quadrants are not read by comparing Better with |Worse|, and which answers do the "
             "coefficients leave out?",
        "d": "a reverse pair is consistent (like it absent, dislike it present); only like/like and dislike/dislike "
             "are contradictory.",
    },
    hint="Ask which answers enter Better and Worse, and what most respondents said about this service.",
    why="Better and Worse are silent about R: always read them beside the category counts.",
)
def _(ctx):
    return "c"


# --------------------------------------------------------------------------
# 02.4 — predict, then simulate: Fong's test with four times fewer respondents
# --------------------------------------------------------------------------
def clear_counts(table: pd.DataFrame, sizes: list[int], seed: int, n_surveys: int = N_SURVEYS) -> dict[int, np.ndarray]:
    """Services called clear by Fong's test in *n_surveys* simulated surveys of each size.

    The surveys are drawn from the observed category shares of *table* (the
    notebook's ``kano.analyze`` table), one generator seeded with *seed*,
    sizes in turn.  Exercise 02.4 and the notebook's simulation cell share it.
    """
    shares = table[list(kano.CATEGORIES)].div(table["n"], axis=0).to_numpy()
    rng = np.random.default_rng(seed)
    out = {}
    for n in sizes:
        counts = np.stack([rng.multinomial(n, p, size=n_surveys) for p in shares])  # service x survey x category
        top = np.sort(counts[..., :5], axis=-1)  # A, O, M, I, R: Q never leads
        out[n] = kano.fong_test(top[..., -1], top[..., -2], n)[2].sum(axis=0)
    return out


@exercise(
    "02.4", kind="predict", answer="choice", title="Fong's test with four times fewer respondents",
    theory="the section *Fong's test of the top two categories*",
    choices={
        "a": "More services are clear: with fewer answers the critical value is smaller.",
        "b": "Fewer services are clear: the gap between the top two grows like n, the critical value only "
             "like √n, so a lead of the same size needs more respondents to pass.",
        "c": "About the same number: the test compares shares, and shares do not depend on the survey's size.",
    },
    wrong_choice={
        "a": "the critical value is smaller, but how does the gap |a - b| itself shrink with n?",
        "b": "the simulation does not bear this out on these data: how large are the leads of this survey's "
             "services, and how far do they pass the critical value?",
        "c": "the test uses counts, not shares: compare how |a - b| and the critical value scale with n.",
    },
    hint="Compare how the gap |a - b| and Fong's critical value change when n is divided by four.",
    why="A Kano category is only as clear as the survey is large: plan the sample before reading a mode.",
)
def _(ctx):
    table = ctx.cached("table", lambda: kano.analyze(_survey(ctx), n_boot=0))
    n_full = _survey(ctx)["respondent_id"].nunique()
    n_quarter = max(2, n_full // 4)
    clear = clear_counts(table, [n_full, n_quarter], int(ctx.param("seed", 0)))
    full, quarter = clear[n_full], clear[n_quarter]
    diff = quarter.mean() - full.mean()
    se = np.sqrt(full.var(ddof=1) / full.size + quarter.var(ddof=1) / quarter.size)
    if diff < -max(3 * se, 0.05):
        return "b"
    if diff > max(3 * se, 0.05):
        return "a"
    return "c"


# --------------------------------------------------------------------------
# 02.5, 02.6 — the planted truth, edition by edition
# --------------------------------------------------------------------------
def _by_edition(ctx) -> pd.DataFrame:
    a = _answers(ctx)
    return ctx.cached("by_edition", lambda: kano.analyze(a[a["segment"] == ctx.param("segment")], by="edition",
                                                           n_boot=0))


def _planted(ctx) -> pd.DataFrame:
    t = ctx.truth.kano
    return t[t["segment"] == ctx.param("segment")].set_index(["edition", "attribute"])


def _names(index: pd.Index) -> list[str]:
    return sorted(index.get_level_values("attribute").unique())


@exercise(
    "02.5", kind="truth", answer="labels", title="Which services does the mode miss?",
    theory="the sections *Against the planted truth* and *The category drift across editions*",
    hint="Compare the mode of each edition and service (by_edition) with the planted category of the same "
         "edition, segment and service, and list the services that differ at least once",
    why="A mode is an estimate: where it misses, ask whether the truth itself was close to a tie or the survey "
        "too small.",
)
def _(ctx):
    be = _by_edition(ctx)
    mixed = _names(be.index[be["category"].str.contains("/")])
    if ctx.truth is None:
        return Expected(mixed, _distinct(mixed, [Mistake("all", _names(be.index), "not every service: only those "
                                                               "whose category is a mixed label in some edition.")]))
    planted = _planted(ctx)["category"].reindex(be.index)
    value = _names(be.index[be["mode"] != planted])
    at_edition = be.xs(_edition(ctx), level="edition")
    mistakes = [
        Mistake("category", _names(be.index[be["category"] != planted]),
                "you compared the reported category, which is a mixed label such as O/A when Fong's test is not "
                "significant; compare the mode."),
        Mistake("rule", _names(be.index[be["rule_category"] != planted]),
                "you compared the M > O > A > I pick; the question asks about the mode."),
        Mistake("one edition", sorted(at_edition.index[at_edition["mode"] != planted.xs(_edition(ctx), level="edition")]),
                "that is the analysed edition only; look at every edition of the segment."),
        Mistake("mixed", mixed, "those are the services with a mixed label; compare the mode with the planted "
                                "category instead."),
    ]
    return Expected(value, _distinct(value, mistakes))


@exercise(
    "02.6", kind="truth", answer="choice", title="Why is a planted category missed?",
    theory="the sections *Fong's test of the top two categories* and *Simulation 1*",
    choices={
        "a": "In every missed case the planted top two shares are equal (a tie in the middle of a drift): the "
             "planted label is only the M > O > A > I convention, and the mode picks either.",
        "b": "In every missed case the planted category leads clearly: the survey was too small for the mode to "
             "find it.",
        "c": "Both happen: some missed cases are planted ties, others clear leads that a small survey missed.",
        "d": "Nothing is missed: the mode recovers the planted category in every edition and service.",
        "e": "There is no planted truth for these data, so recovery cannot be judged.",
    },
    wrong_choice={
        "a": "look at the planted shares of each missed case: are the top two equal in all of them?",
        "b": "look at the planted shares of each missed case: is the lead clear in all of them?",
        "c": "look at the planted shares of each missed case: do both kinds really occur?",
        "d": "compare the mode with the planted category in every edition, not only the analysed one.",
        "e": "these data come with a planted truth (truth is not None).",
    },
    hint="For each missed edition and service, compare the two largest planted shares.",
    why="A missed mode has two very different causes: the truth is a tie (report the mixed label) or the "
        "sample is small (survey more respondents).",
)
def _(ctx):
    if ctx.truth is None:
        return "e"
    be = _by_edition(ctx)
    planted = _planted(ctx).reindex(be.index)
    missed = be["mode"] != planted["category"]
    if not missed.any():
        return "d"
    shares = np.sort(planted.loc[missed, [f"p_{c}" for c in ("A", "O", "M", "I", "R")]].to_numpy(float), axis=1)
    tie = shares[:, -1] - shares[:, -2] < 1e-6
    return "a" if tie.all() else ("b" if not tie.any() else "c")


# --------------------------------------------------------------------------
# 02.7 — open: another segment, another edition
# --------------------------------------------------------------------------
@exercise(
    "02.7", kind="open", answer="none", title="Visitors, and another edition",
    theory="the sections *Segment differences* and *The category drift across editions*",
)
def _(ctx):  # an open exercise has no check
    return None
