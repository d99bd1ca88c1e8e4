"""Exercises of notebook 04 (loyalty layers): the instructor's solutions pass, typical wrong answers get hints.

Each ``_solution_k`` below recomputes ``answer_k`` the way the notebook's solution cell does (same code, same
names of the notebook's objects), so that these tests also test the solutions — on the sample, on another
simulated market (``small_market``) and on a user's data folder without a planted truth.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from crm_lab import datasets, exercises, stats
from crm_lab import loyalty as ly
from crm_lab import measurement as ms
from crm_lab.exercises import nb04

IDS = [f"04.{k}" for k in range(1, 8)]
CHECKED = IDS[:-1]  # 04.7 is open
CHOICE = ["04.1", "04.2", "04.4", "04.6"]
NUMBER = ["04.3", "04.5"]


def _params(**changes):
    """The notebook's default parameters (``P``), with *changes*."""
    defaults = dict(seed=2024, data_dir="", alpha=0.05, attitude_quantile=0.5, patronage_quantile=0.5,
                    satisfaction_quantile=0.5, loyalty_quantile=0.5, spline_df=0, truth_size=30_000, n_reps=400,
                    editions_ahead=5, output_dir="")
    return SimpleNamespace(**{**defaults, **changes})


class Notebook:
    """The notebook's objects the solution cells use (``frame``, ``paths`` (its ``planted`` column), ``hostage_test``, ``curve``)."""

    def __init__(self, tables, truth, P):
        self.tables, self.truth, self.P = tables, truth, P
        frame = ly.exhibitor_frame(tables)
        sat_cut = frame["satisfaction"].quantile(P.satisfaction_quantile)
        loy_cut = frame["conative"].quantile(P.loyalty_quantile)
        frame["jones_sasser"] = ly.jones_sasser(frame["satisfaction"], frame["conative"], satisfaction_threshold=sat_cut,
                                                loyalty_threshold=loy_cut, confidence=1 - P.alpha).labels
        self.frame = frame
        self.paths = ly.paths_beside_truth(truth, {"OLS on observed scores": ly.chain_regressions(frame)})
        is_hostage, mono = frame["jones_sasser"].eq("hostage"), frame["monopoly"].eq(1)
        self.hostage_test = stats.two_proportions(int((is_hostage & mono).sum()), int(mono.sum()),
                                                  int((is_hostage & ~mono).sum()), int((~mono).sum()),
                                                  labels=("monopoly", "competitive"), confidence=1 - P.alpha)
        self.curve = ly.fit_return_curve(frame, spline_df=P.spline_df or None, confidence=1 - P.alpha)
        self.wb = exercises.workbook("04", tables=tables, params=P, truth=truth)

    # the solution cells, as in the notebook ------------------------------------------------------------
    def solution(self, k):
        return getattr(self, f"_solution_{k}")()

    def _solution_1(self):
        P, truth, frame, paths = self.P, self.truth, self.frame, self.paths
        _z_crit = norm.ppf(1 - P.alpha / 2)
        _link = "satisfaction =~ sat1 + sat2 + sat3\ncognitive =~ cog1 + cog2 + cog3\ncognitive ~ satisfaction"
        _sem = ms.sem(self.tables["survey"], _link).paths.set_index(["lhs", "rhs"]).loc[("cognitive", "satisfaction")]
        _sem_ci = sorted(_sem["std_estimate"] * (1 + np.array([-_z_crit, _z_crit]) / _sem["z"]))
        _ols = ly.chain_regressions(frame, confidence=1 - P.alpha).set_index(["lhs", "rhs"]).loc[("cognitive", "satisfaction")]
        _planted = None if truth is None else paths.loc[("cognitive", "satisfaction"), "planted"]
        _covers = None if truth is None else (bool(_sem_ci[0] <= _planted <= _sem_ci[1]),
                                              bool(_ols["ci_low"] <= _planted <= _ols["ci_high"]))
        return "e" if truth is None else {(True, False): "a", (True, True): "b", (False, False): "c",
                                          (False, True): "d"}[_covers]

    def _solution_2(self):
        return "b"

    def _solution_3(self):
        _monopoly_rows = self.frame[self.frame["monopoly"] == 1]
        return ((_monopoly_rows["satisfaction"] <= 4) & (_monopoly_rows["conative"] > 5)).mean()

    def _solution_4(self):
        hostage_test = self.hostage_test
        return "a" if hostage_test.ci_low > 0 else ("c" if hostage_test.ci_high < 0 else "b")

    def _solution_5(self):
        _nps_answers = self.tables["survey"]["nps"].dropna()
        return 100 * ((_nps_answers >= 9).mean() - (_nps_answers <= 6).mean())

    def _solution_6(self):
        return "a"  # the prediction

    def simulation_6(self):
        """The notebook's simulation cell after the check of 04.6."""
        P, truth, frame, curve = self.P, self.truth, self.frame, self.curve
        entry_rng = np.random.default_rng(P.seed)
        driven_away = {}
        for group in ly.JONES_SASSER_TYPES:
            rows = frame[frame["monopoly"].eq(1) & frame["jones_sasser"].eq(group)]
            if rows.empty:
                continue
            if truth is None:
                logits, staged = ly.curve_entry_logits(curve, rows, n_draws=P.n_reps, rng=entry_rng), {}
            else:
                logits = ly.planted_entry_logits(truth.latent.set_index("exhibitor_id").loc[rows.index],
                                                 rows["monopoly"], truth.params)
                staged = {"stage": rows["stage"].map({s: i for i, s in enumerate(ly.STAGES)}).to_numpy(),
                          "transition": truth.transition}
            sim = ly.simulate_competitor_entry(*logits, n_editions=P.editions_ahead, n_reps=P.n_reps, rng=entry_rng,
                                               **staged)
            last = sim[sim["scenario"].eq("extra leavers")].iloc[-1]
            driven_away[group] = {"n": len(rows), "mean": last["mean"], "low": last["low"], "high": last["high"]}
        return pd.DataFrame.from_dict(driven_away, orient="index")


@pytest.fixture(scope="module")
def sample_nb(sample_tables):
    return Notebook(sample_tables, datasets.load_truth(), _params())


@pytest.fixture(scope="module")
def market_nb(small_market):
    """Another simulated market (with its truth), another seed, other thresholds and level, fewer replications."""
    return Notebook(small_market.tables, small_market.truth,
                    _params(seed=7, alpha=0.1, satisfaction_quantile=0.6, loyalty_quantile=0.4, n_reps=60,
                            editions_ahead=3))


@pytest.fixture(scope="module")
def user_nb(tmp_path_factory):
    """A user's data folder: tables only (an extra column each), no planted truth."""
    from userdata import write_user_data

    folder = tmp_path_factory.mktemp("user") / "my data"
    write_user_data(folder, 5, 400)
    tables = datasets.load_all(folder, tables=["sectors", "exhibitors", "participation", "survey"])
    assert datasets.load_truth(folder) is None
    return Notebook(tables, None, _params(seed=3, n_reps=60, spline_df=4))


def _same(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return a == pytest.approx(b, rel=1e-9, abs=1e-12) or (np.isnan(a) and np.isnan(b))


def _assert_solutions_pass(nb):
    for k in range(1, 7):
        exercise_id = f"04.{k}"
        expected = nb.wb.solution_value(exercise_id)
        if exercise_id != "04.6":  # a prediction is not computed from the data
            assert _same(nb.solution(k), expected), exercise_id
        if exercise_id == "04.6" and nb.truth is None:
            continue  # on a user's data the fitted curve decides; the prediction may be wrong there
        feedback = nb.wb.check(exercise_id, nb.solution(k))
        assert feedback.correct and feedback.answered, (exercise_id, str(feedback))
        assert str(feedback).startswith("✓ Correct")


# --------------------------------------------------------------------------
# (a) the instructor's solutions
# --------------------------------------------------------------------------
def test_registry_has_seven_exercises_of_five_kinds():
    reg = exercises.registry("04")
    assert sorted(reg) == IDS
    kinds = {ex.kind for ex in reg.values()}
    assert kinds == {"compute", "interpret", "predict", "truth", "open"}


@pytest.mark.parametrize("exercise_id", CHECKED)
def test_solution_value_passes_its_own_check(sample_nb, exercise_id):
    wb = sample_nb.wb
    assert wb.check(exercise_id, wb.solution_value(exercise_id)).correct


def test_notebook_solutions_pass_on_the_sample(sample_nb):
    _assert_solutions_pass(sample_nb)
    assert sample_nb.wb.solution_value("04.1") in "abcd"  # the sample has its truth


def test_sample_answers_are_what_the_lesson_says(sample_nb):
    wb = sample_nb.wb
    assert wb.solution_value("04.1") == "a"  # the SEM recovers the planted path, OLS on scale scores is attenuated
    assert wb.solution_value("04.6") == "a"  # hostages lose more than loyalists
    assert 0 < wb.solution_value("04.3") < 1
    assert -100 <= wb.solution_value("04.5") <= 100


def test_simulation_cell_matches_the_check(sample_nb, market_nb):
    for nb in (sample_nb, market_nb):
        shown = nb.simulation_6()
        checked = nb04._entry_by_group(nb.wb.ctx)
        pd.testing.assert_frame_equal(shown, checked, check_names=False, check_dtype=False)


def test_solve_is_fast(sample_tables):
    import time

    truth = datasets.load_truth()
    exercises.workbook("04", tables=sample_tables, params=_params(), truth=truth).solution_value("04.1")  # imports
    wb = exercises.workbook("04", tables=sample_tables, params=_params(), truth=truth)  # a fresh cache
    wb.solution_value("04.3")  # the shared exhibitor frame, once
    for exercise_id in CHECKED:
        start = time.process_time()  # CPU time: the machine may be shared
        wb.solution_value(exercise_id)
        assert time.process_time() - start < 0.5, exercise_id


# --------------------------------------------------------------------------
# (b) typical wrong answers: a hint, never an exception, never the answer
# --------------------------------------------------------------------------
def _assert_hint(wb, exercise_id, answer, expected=None):
    feedback = wb.check(exercise_id, answer)
    assert not feedback.correct and feedback.answered, (exercise_id, answer)
    assert feedback.message.strip()
    if isinstance(expected, float) and np.isfinite(expected):
        text = str(feedback)
        for k in (2, 3, 4):
            assert str(round(expected, k)) not in text, (exercise_id, answer, text)
    return feedback


@pytest.mark.parametrize("exercise_id", NUMBER)
def test_recognised_mistakes_get_their_hint(sample_nb, exercise_id):
    wb = sample_nb.wb
    expected = wb.solution_value(exercise_id)
    distinct = [m for m in wb.mistakes(exercise_id)
                if np.isfinite(m.value) and not wb.check(exercise_id, m.value).correct]
    assert len(distinct) >= 4
    for mistake in distinct:
        feedback = _assert_hint(wb, exercise_id, mistake.value, expected)
        assert feedback.mistake is not None


def test_hostage_share_mistakes_are_named(sample_nb):
    wb = sample_nb.wb
    mistakes = {m.name: m for m in wb.mistakes("04.3")}
    for name in ("share of hostages", "count", "strict satisfaction", "mercenary"):
        assert wb.check("04.3", mistakes[name].value).mistake == name
    expected = wb.solution_value("04.3")
    assert wb.check("04.3", 100 * expected).mistake == "percent"


def test_nps_mistakes_are_named(sample_nb):
    wb = sample_nb.wb
    s = sample_nb.tables["survey"]["nps"]
    seven_eight = 100 * ((s >= 7).mean() - (s <= 6).mean())  # passives counted as promoters
    zero_five = 100 * ((s >= 9).mean() - (s <= 5).mean())  # 6 not a detractor
    assert wb.check("04.5", seven_eight).mistake == "7-8 as promoters"
    assert wb.check("04.5", zero_five).mistake == "0-5 detractors"
    share = wb.solution_value("04.5") / 100
    assert wb.check("04.5", share).mistake == "fraction"  # a share for a percentage
    assert wb.check("04.5", round(wb.solution_value("04.5"), 3)).correct  # rounded to 3 s.d. is right


@pytest.mark.parametrize("exercise_id", NUMBER)
@pytest.mark.parametrize("answer", [[0.1, 0.2], "many", {"a": 1}, np.array([1.0, 2.0]), True])
def test_numbers_wrong_type_gets_a_hint(sample_nb, exercise_id, answer):
    feedback = _assert_hint(sample_nb.wb, exercise_id, answer, sample_nb.wb.solution_value(exercise_id))
    assert feedback.mistake == "type"


@pytest.mark.parametrize("exercise_id", CHOICE)
def test_every_wrong_letter_gets_a_hint(sample_nb, exercise_id):
    wb = sample_nb.wb
    right = wb.solution_value(exercise_id)
    letters = wb.exercises[exercise_id].choices
    for letter in letters:
        if letter == right:
            assert wb.check(exercise_id, letter.upper()).correct  # case does not matter
            continue
        feedback = _assert_hint(wb, exercise_id, letter)
        assert f"'{right}'" not in feedback.message and f'"{right}"' not in feedback.message


def test_truth_mistakes_point_at_the_interval_that_was_misread(sample_nb):
    wb = sample_nb.wb
    assert wb.solution_value("04.1") == "a"
    assert "OLS" in wb.check("04.1", "b").message  # b claims the OLS interval covers the planted path
    assert "SEM" in wb.check("04.1", "d").message  # d claims the SEM misses it
    assert "planted truth" in wb.check("04.1", "e").message


@pytest.mark.parametrize("exercise_id", CHOICE)
@pytest.mark.parametrize("answer", [["a"], "f", 1, "ab", ""])
def test_choices_wrong_type_gets_a_hint(sample_nb, exercise_id, answer):
    feedback = _assert_hint(sample_nb.wb, exercise_id, answer)
    assert feedback.mistake == "type"


@pytest.mark.parametrize("exercise_id", IDS)
def test_unanswered_is_not_an_error(sample_nb, exercise_id):
    feedback = sample_nb.wb.check(exercise_id, ...)
    assert not feedback.answered and not feedback.correct


def test_open_exercise_is_not_checked(sample_nb):
    feedback = sample_nb.wb.check("04.7", "my findings")
    assert not feedback.answered and "open exercise" in feedback.message


# --------------------------------------------------------------------------
# (c) another market, another seed; a user's data without truth
# --------------------------------------------------------------------------
def test_notebook_solutions_pass_on_another_market(market_nb):
    _assert_solutions_pass(market_nb)


def test_notebook_solutions_pass_on_a_users_data(user_nb):
    _assert_solutions_pass(user_nb)
    wb = user_nb.wb
    assert wb.solution_value("04.1") == "e"  # no planted path to recover
    feedback = _assert_hint(wb, "04.1", "a")
    assert "truth" in feedback.message
    assert wb.solution_value("04.6") in "abcd"  # the fitted-curve simulation runs


@pytest.mark.parametrize("exercise_id", NUMBER)
def test_mistakes_on_another_market(market_nb, exercise_id):
    wb = market_nb.wb
    expected = wb.solution_value(exercise_id)
    for mistake in wb.mistakes(exercise_id):
        if np.isfinite(mistake.value) and not wb.check(exercise_id, mistake.value).correct:
            _assert_hint(wb, exercise_id, mistake.value, expected)
    _assert_hint(wb, exercise_id, "a number", expected)


def test_predict_on_a_users_data_explains_the_fitted_curve(user_nb):
    wb = user_nb.wb
    right = wb.solution_value("04.6")
    wrong = next(letter for letter in "abc" if letter != right)
    feedback = _assert_hint(wb, "04.6", wrong)
    assert feedback.mistake == "fitted curve" and "fitted return curve" in feedback.message
