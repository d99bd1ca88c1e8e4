"""Exercises of notebook 00 (crm_lab.exercises.nb00): the instructor's solutions pass, typical mistakes get hints.

The solutions are the notebook's own: the code between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` is read from notebooks/00_start_here.ipynb and run on a
namespace built as the notebook builds it (tables, ``returns``, ``last``,
``test``, ``planted``, ``P``), on the sample, on another simulated market
(another seed and level) and on a user's data (no planted truth).
"""

import re
import warnings
from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import pytest

from crm_lab import datasets, exercises, lifecycle, overview, results, runner, stats
from crm_lab.exercises import nb00

IDS = ["00.1", "00.2", "00.3", "00.4", "00.5", "00.6"]
NUMBER_IDS = ["00.1", "00.2", "00.3"]
CHOICE_IDS = ["00.4", "00.5", "00.6"]
NOTEBOOK = runner.resolve_notebook("00_start_here")
_BLOCK = re.compile(r"^### BEGIN SOLUTION\n(.*?)^### END SOLUTION$", re.MULTILINE | re.DOTALL)


def _cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def _notebook_state(tables, truth, params):
    """The names the notebook's solution cells use, computed as the notebook's cells compute them."""
    P = SimpleNamespace(**params)
    structure = overview.market_structure(tables["exhibitors"], tables["sectors"])
    rates = overview.return_rates(tables["participation"], by=structure)
    last = int(rates["edition"].max())
    returns = lifecycle.next_edition_returns(tables["participation"])
    returns["market_structure"] = returns["exhibitor_id"].map(structure)
    at = rates[rates["edition"] == last].set_index("group")
    test = stats.two_proportions(
        at.loc["monopoly", "returned"], at.loc["monopoly", "n"],
        at.loc["competitive", "returned"], at.loc["competitive", "n"],
        labels=("monopoly", "competitive"), confidence=1 - P.alpha,
    )
    planted = None if truth is None else overview.planted_return_gap(truth, n_exhibitors=P.truth_size, rng=P.seed)
    return {"tables": tables, "truth": truth, "P": P, "returns": returns, "last": last, "test": test,
            "planted": planted, "np": np, "pd": pd, "stats": stats, "overview": overview, "results": results}


def _notebook_solutions(state):
    """``{"00.k": answer_k}`` from the notebook's solution blocks, run in order on *state*."""
    namespace = dict(state)
    for cell in _cells():
        if cell.cell_type == "code":
            for block in _BLOCK.findall(cell.source):
                exec(block, namespace)  # the instructor's solution code, verbatim
    return {eid: namespace[f"answer_{eid.split('.')[1]}"] for eid in IDS}


def _case(tables, truth, **params):
    params = {"seed": 2024, "alpha": 0.05, "truth_size": 50_000, **params}
    wb = exercises.workbook("00", tables=tables, params=params, truth=truth)
    state = _notebook_state(tables, truth, params)
    return SimpleNamespace(wb=wb, state=state, solutions=_notebook_solutions(state))


@pytest.fixture(scope="module")
def sample(sample_tables):
    return _case(sample_tables, datasets.load_truth())


@pytest.fixture(scope="module")
def other_seed(small_market):
    """Another market (seed 11), another level and truth simulation."""
    return _case(small_market.tables, small_market.truth, seed=11, alpha=0.01, truth_size=5000)


@pytest.fixture(scope="module")
def user(small_market):
    """The same small market as a user's data: no planted truth."""
    return _case(small_market.tables, None, seed=3, alpha=0.10, truth_size=5000)


@pytest.fixture(params=["sample", "other_seed", "user"])
def case(request):
    return request.getfixturevalue(request.param)


def _leaks(message, value):
    """Does *message* show the expected number (at 2 to 4 decimals)?"""
    return any(str(round(float(value), k)) in message for k in (2, 3, 4))


# --------------------------------------------------------------------------
# the exercise set
# --------------------------------------------------------------------------
def test_seven_exercises_of_five_kinds():
    declared = exercises.registry("00")
    assert sorted(declared) == [*IDS, "00.7"]
    kinds = {ex.kind for ex in declared.values()}
    assert kinds == {"compute", "interpret", "predict", "truth", "open"}


def test_every_exercise_has_a_cell_and_a_one_line_check_in_the_notebook():
    cells = _cells()
    sources = [c.source for c in cells]
    for eid, ex in exercises.registry("00").items():
        heading = [s.splitlines()[0] for s in sources if s.startswith(f"### Exercise {eid} ")]
        assert heading == [f"### Exercise {eid} — {ex.title} ({ex.kind})"]
    checks = [c.source for c in cells if c.cell_type == "code" and "ex.check(" in c.source]
    assert checks == [f'ex.check("{eid}", answer_{eid[-1]})' for eid in IDS]
    rubric = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    assert len(rubric) == 1 and rubric[0].cell_type == "markdown" and "Rubric" in rubric[0].source


def test_nothing_outside_a_solution_block_computes_an_answer():
    for cell in _cells():
        if cell.cell_type != "code":
            continue
        outside = _BLOCK.sub("", cell.source)
        assert not re.search(r"^answer_\d", outside, re.MULTILINE), outside
        assert "solution_value" not in outside and "teaching.check" not in outside


# --------------------------------------------------------------------------
# (a) and (c): the instructor's answer passes, on the sample, another seed and a user's data
# --------------------------------------------------------------------------
@pytest.mark.parametrize("eid", IDS)
def test_instructor_solution_passes(case, eid):
    expected = case.wb.solution_value(eid)
    assert case.wb.check(eid, expected).correct
    ours = case.solutions[eid]
    feedback = case.wb.check(eid, ours)
    assert feedback.correct, str(feedback)
    if eid in NUMBER_IDS:
        assert float(ours) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    else:
        assert ours == expected


def test_return_rate_matches_the_package(sample):
    rates = overview.return_rates(sample.state["tables"]["participation"])
    at = rates[rates["edition"] == sample.state["last"]]
    assert sample.wb.solution_value("00.2") == pytest.approx(float(at["rate"].iloc[0]))


def test_newcombe_by_hand_matches_two_proportions(case):
    returns = case.state["returns"]
    first = returns[returns["edition"] == returns["edition"].min()]
    g = first.groupby("market_structure")["returned"].agg(["sum", "size"])
    test = stats.two_proportions(int(g.loc["monopoly", "sum"]), int(g.loc["monopoly", "size"]),
                                 int(g.loc["competitive", "sum"]), int(g.loc["competitive", "size"]),
                                 confidence=1 - case.state["P"].alpha)
    assert case.wb.solution_value("00.3") == pytest.approx(test.ci_low, abs=1e-12)


def test_interpretation_follows_the_interval(case):
    test = case.state["test"]
    assert case.wb.solution_value("00.4") == ("a" if test.ci_low > 0 or test.ci_high < 0 else "b")


def test_truth_exercise_without_truth_asks_for_d(user, sample):
    assert user.wb.solution_value("00.6") == "d"
    assert sample.wb.solution_value("00.6") != "d"
    feedback = user.wb.check("00.6", "a")
    assert feedback.answered and not feedback.correct


def test_the_notebooks_simulation_shows_the_predicted_width(case):
    """The simulation cells of the notebook, run as they are, give a ratio of about 1/2 (letter b)."""
    namespace = dict(case.state)
    sources = [c.source for c in _cells() if c.cell_type == "code"]
    start = next(i for i, s in enumerate(sources) if "def simulated_widths" in s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exec(sources[start], namespace)
        exec(sources[start + 1].replace("print(", "(lambda *a, **k: None)("), namespace)
    ratio = namespace["summary"]["mean"].iloc[1] / namespace["summary"]["mean"].iloc[0]
    assert ratio == pytest.approx(0.5, abs=0.05)
    assert case.wb.solution_value("00.5") == "b"
    # the notebook's draws are the module's draws
    counts = case.state["returns"].query(f"edition == {case.state['last']}").groupby("market_structure")[
        "returned"].agg(x="sum", n="size")
    rng = np.random.default_rng(case.state["P"].seed)
    one = nb00.simulated_widths(counts, 1, reps=nb00.WIDTH_REPS, rng=rng, confidence=1 - case.state["P"].alpha)
    np.testing.assert_allclose(one, namespace["widths"]["as observed"].to_numpy())


# --------------------------------------------------------------------------
# (b): typical wrong answers get a hint, never the answer, never an exception
# --------------------------------------------------------------------------
@pytest.mark.parametrize("eid", NUMBER_IDS)
def test_recognised_mistakes_get_their_hint(case, eid):
    expected = case.wb.solution_value(eid)
    mistakes = case.wb.mistakes(eid)
    assert len(mistakes) >= 3
    for m in mistakes:
        feedback = case.wb.check(eid, m.value)
        assert not feedback.correct and feedback.answered, m.name
        assert feedback.mistake == m.name and m.hint.rstrip(".") in feedback.message
        assert not _leaks(str(feedback), expected), str(feedback)


def test_the_survey_only_mistake_is_recognised_on_the_sample(sample):
    names = {m.name for m in sample.wb.mistakes("00.2")}
    assert {"all rows", "survey only", "churn"} <= names
    assert {"wald", "pairing", "reversed"} <= {m.name for m in sample.wb.mistakes("00.3")}


@pytest.mark.parametrize("eid", NUMBER_IDS)
@pytest.mark.parametrize("answer", [[0.1, 0.2], "about a half", {"a": 1}, np.array([0.3, 0.4]), True])
def test_a_wrong_type_is_not_yet_not_an_exception(sample, eid, answer):
    feedback = sample.wb.check(eid, answer)
    assert feedback.answered and not feedback.correct and feedback.mistake == "type"
    assert not _leaks(str(feedback), sample.wb.solution_value(eid))


def test_percent_sign_and_rounding_slips(sample):
    share = sample.wb.solution_value("00.1")
    assert sample.wb.check("00.1", share * 100).mistake == "percent"
    assert sample.wb.check("00.1", round(share, 3)).correct
    lower = sample.wb.solution_value("00.3")
    assert sample.wb.check("00.3", -lower).mistake == "sign"


@pytest.mark.parametrize("eid", CHOICE_IDS)
def test_wrong_letters_are_explained(case, eid):
    ex = exercises.registry("00")[eid]
    right = case.wb.solution_value(eid)
    wrong = [letter for letter in ex.choices if letter != right]
    assert len(wrong) == 3
    for letter in wrong:
        for given in (letter, letter.upper(), f"({letter})"):
            feedback = case.wb.check(eid, given)
            assert feedback.answered and not feedback.correct
            assert feedback.message == ex.wrong_choice[letter]
            assert f"'{right}'" not in feedback.message and ex.choices[right] not in feedback.message
    assert case.wb.check(eid, right.upper()).correct


@pytest.mark.parametrize("eid", CHOICE_IDS)
@pytest.mark.parametrize("answer", ["e", 2, ["a", "b"], "a and b", 0.5])
def test_a_choice_that_is_no_letter_is_not_yet(sample, eid, answer):
    feedback = sample.wb.check(eid, answer)
    assert feedback.answered and not feedback.correct and feedback.mistake == "type"


@pytest.mark.parametrize("eid", [*IDS, "00.7"])
def test_unanswered_is_not_answered_yet(sample, eid):
    for answer in (..., None):
        feedback = sample.wb.check(eid, answer)
        assert not feedback.answered and not feedback.correct
        assert str(feedback).startswith("…")


def test_open_exercise_has_no_check(sample, user):
    for wb in (sample.wb, user.wb):
        feedback = wb.check("00.7", "the interval is wider at alpha = 0.01")
        assert not feedback.answered and not feedback.correct and "open exercise" in feedback.message
        assert wb.solution_value("00.7") is None
