"""Exercises: one check per exercise id, graded hints, never the answer.

A notebook opens its workbook once, after it has loaded its data::

    ex = exercises.workbook("02", tables=tables, params=P, truth=truth)

and each exercise's check cell is one line::

    ex.check("02.1", answer_1)

The expected answer is computed **inside crm_lab**, from the notebook's own
tables, parameters and planted truth (so it stays right on another seed or a
user's data), and is never shown.  The feedback is graded:

* right: a confirmation and one sentence on why it matters;
* wrong: first the likely mistake when the answer matches one (a percentage
  for a share, dividing by the wrong total, a reverse-keyed item left as it
  was, a rounding slip…), else a general hint; then a pointer to the theory
  cell.  Never the expected value;
* a wrong type, length, order or case: "not yet" with what kind of answer is
  wanted, never an exception;
* ``...`` or ``None``: "not answered yet".

Exercises are declared in the modules ``crm_lab.exercises.nbNN`` with the
:func:`exercise` decorator; each returns the expected answer (or an
:class:`Expected` with the data-dependent wrong answers to recognise).  Five
kinds, after QuantEcon's exercises and nbgrader's conventions:
``compute`` (by hand, not one crm_lab call), ``interpret`` (choose the right
reading among statements), ``predict`` (commit to a direction, then simulate),
``truth`` (is the planted value recovered, and why not) and ``open`` (a
research extension with a rubric in the instructor version, no check).
"""

from __future__ import annotations

import html
import importlib
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ANSWER_TYPES",
    "KINDS",
    "Exercise",
    "Expected",
    "Feedback",
    "Mistake",
    "Workbook",
    "agree",
    "exercise",
    "registry",
    "workbook",
]

#: The kinds of exercise (issue: compute, interpret, predict then simulate, planted truth, open).
KINDS = ("compute", "interpret", "predict", "truth", "open")
#: What an answer can be.
ANSWER_TYPES = ("number", "choice", "labels", "series", "bool", "none")

_REGISTRY: dict[str, Exercise] = {}


# --------------------------------------------------------------------------
# Feedback
# --------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Feedback:
    """The outcome of one check: renders green (✓), red (✗) or amber (… not answered).

    Attributes
    ----------
    exercise : str
        The exercise id and title.
    correct, answered : bool
    message : str
        What the student reads: confirmation, or the hint (never the answer).
    theory : str
        Where to read again (shown after a wrong answer).
    mistake : str or None
        The name of the recognised mistake (for tests and instructors).
    """

    exercise: str
    correct: bool
    answered: bool
    message: str
    theory: str = ""
    mistake: str | None = None

    @property
    def symbol(self) -> str:
        return "✓" if self.correct else ("✗" if self.answered else "…")

    def __str__(self) -> str:
        if self.correct:
            return f"✓ Correct ({self.exercise}). {self.message[:1].upper()}{self.message[1:]}".rstrip()
        if not self.answered:
            return f"… Not answered yet ({self.exercise}): {self.message}"
        see = f" See {self.theory}." if self.theory else ""
        message = self.message.rstrip()
        if message and message[-1] not in ".!?":
            message += "."
        return f"✗ Not yet ({self.exercise}): {message}{see}"

    def __repr__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return self.correct

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.correct else ("#cf222e" if self.answered else "#9a6700")
        return f'<div style="color:{colour};font-weight:600">{html.escape(str(self))}</div>'


# --------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Mistake:
    """A likely wrong answer, computed from the data, and the hint it deserves.

    ``value`` is compared with the student's answer with the exercise's
    tolerance; ``hint`` names the mistake without giving the right answer.
    """

    name: str
    value: Any
    hint: str


@dataclass(frozen=True)
class Expected:
    """What an exercise function returns when it knows typical wrong answers."""

    value: Any
    mistakes: Sequence[Mistake] = ()


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id, kind, goal, the theory it practises and how to judge an answer.

    Attributes
    ----------
    id : str
        ``"NN.k"``: notebook and number.
    kind : str
        One of :data:`KINDS`.
    title : str
    theory : str
        Where the theory is ("the section *Better and Worse* above").
    answer : str
        One of :data:`ANSWER_TYPES`.
    solve : callable
        ``solve(ctx) -> value or Expected``; ``None`` for open exercises.
    hint : str
        The general hint after a wrong answer that matches no known mistake.
    why : str
        One sentence shown with a right answer: why it matters.
    choices : mapping
        For ``answer="choice"``: letter -> statement.
    wrong_choice : mapping
        For ``answer="choice"``: letter -> why that reading is wrong (shown
        when that letter is chosen and is wrong).
    digits : int
        Significant digits a number must agree to (default 3).
    atol : float
        Also accept a number within this absolute distance (for answers near
        0, where significant digits are too strict), default 0.
    ignore_case : bool
        For labels and choices.
    """

    id: str
    kind: str
    title: str
    theory: str
    answer: str
    solve: Callable[[Context], Any] | None
    hint: str = ""
    why: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)
    wrong_choice: Mapping[str, str] = field(default_factory=dict)
    digits: int = 3
    unit: str = ""
    atol: float = 0.0


def exercise(id: str, *, kind: str, title: str, theory: str, answer: str = "number", hint: str = "",
             why: str = "", choices: Mapping[str, str] | None = None, wrong_choice: Mapping[str, str] | None = None,
             digits: int = 3, unit: str = "", atol: float = 0.0) -> Callable:
    """Register the decorated function ``solve(ctx)`` as exercise *id*.

    Examples
    --------
    >>> @exercise("99.1", kind="compute", title="mean of x", theory="the section *Means*",
    ...           hint="add the values and divide by how many there are")
    ... def _(ctx):
    ...     x = ctx.tables["demo"]["x"]
    ...     return Expected(x.mean(), [Mistake("sum", x.sum(), "you added the values but did not divide")])
    >>> wb = Workbook("99", tables={"demo": pd.DataFrame({"x": [1.0, 2.0, 4.0]})})
    >>> print(wb.check("99.1", 7))
    ✗ Not yet (99.1 mean of x): you added the values but did not divide. See the section *Means*.
    >>> wb.check("99.1", 2.33).correct
    True
    """
    if kind not in KINDS:
        raise ValueError(f"exercise {id}: 'kind' must be one of {KINDS} (got {kind!r})")
    if answer not in ANSWER_TYPES:
        raise ValueError(f"exercise {id}: 'answer' must be one of {ANSWER_TYPES} (got {answer!r})")
    if answer == "choice" and not choices:
        raise ValueError(f"exercise {id}: a choice exercise needs 'choices'")

    def register(solve: Callable | None) -> Callable | None:
        _REGISTRY[id] = Exercise(id=id, kind=kind, title=title, theory=theory, answer=answer,
                                 solve=None if kind == "open" else solve, hint=hint, why=why,
                                 choices=dict(choices or {}), wrong_choice=dict(wrong_choice or {}),
                                 digits=digits, unit=unit, atol=atol)
        return solve

    return register


def registry(notebook: str | None = None) -> dict[str, Exercise]:
    """The declared exercises (of one notebook, e.g. ``"02"``), loading its module if needed."""
    if notebook is not None:
        _load(notebook)
        return {k: v for k, v in _REGISTRY.items() if k.split(".")[0] == notebook}
    return dict(_REGISTRY)


def _load(notebook: str) -> None:
    try:
        importlib.import_module(f"{__name__}.nb{notebook}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.nb{notebook}":
            raise


# --------------------------------------------------------------------------
# The notebook's side
# --------------------------------------------------------------------------
class Context:
    """What a notebook hands its exercises: tables, parameters, truth, and a cache of shared computations."""

    def __init__(self, tables: Mapping[str, pd.DataFrame] | None = None, params: Any = None, truth: Any = None,
                 **extra: Any) -> None:
        self.tables = dict(tables or {})
        self.params = params
        self.truth = truth
        self.extra = extra
        self._cache: dict[str, Any] = {}

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per workbook (an analysis several exercises share)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def param(self, name: str, default: Any = None) -> Any:
        """A notebook parameter (``P.alpha``), or *default*."""
        if self.params is None:
            return default
        if isinstance(self.params, Mapping):
            return self.params.get(name, default)
        return getattr(self.params, name, default)


class Workbook:
    """The exercises of one notebook, bound to its data.  See :func:`workbook`."""

    def __init__(self, notebook: str, tables: Mapping[str, pd.DataFrame] | None = None, params: Any = None,
                 truth: Any = None, **extra: Any) -> None:
        self.notebook = str(notebook)
        self.exercises = registry(self.notebook)
        self.ctx = Context(tables, params, truth, **extra)

    def __repr__(self) -> str:
        return f"Workbook({self.notebook!r}: {len(self.exercises)} exercises)"

    def update(self, **extra: Any) -> Workbook:
        """Hand the exercises further inputs computed later in the notebook (never an answer); returns self."""
        self.ctx.extra.update(extra)
        self.ctx._cache.clear()
        return self

    def check(self, exercise_id: str, answer: Any) -> Feedback:
        """Judge *answer* to exercise *exercise_id*; never raises for a wrong, mistyped or missing answer."""
        if exercise_id not in self.exercises:
            known = ", ".join(sorted(self.exercises)) or "none"
            raise KeyError(f"no exercise {exercise_id!r} in notebook {self.notebook} (exercises: {known})")
        ex = self.exercises[exercise_id]
        label = f"{ex.id} {ex.title}"
        if ex.kind == "open" or ex.answer == "none":
            return Feedback(label, False, False, "an open exercise: no automatic check; discuss your findings.",
                            ex.theory)
        if answer is None or answer is Ellipsis:
            return Feedback(label, False, False, "replace ... with your answer, then run this cell again.", ex.theory)
        expected = ex.solve(self.ctx)
        if not isinstance(expected, Expected):
            expected = Expected(expected)
        judge = _JUDGES[ex.answer]
        verdict = judge(ex, answer, expected)
        if verdict is True:
            return Feedback(label, True, True, ex.why, ex.theory)
        name, message = verdict
        return Feedback(label, False, True, message, ex.theory, mistake=name)

    def solution_value(self, exercise_id: str) -> Any:
        """The expected answer (for instructors and tests; a notebook never prints it)."""
        ex = self.exercises[exercise_id]
        value = ex.solve(self.ctx) if ex.solve else None
        return value.value if isinstance(value, Expected) else value

    def mistakes(self, exercise_id: str) -> list[Mistake]:
        """The data-dependent wrong answers exercise *exercise_id* recognises on this data (for tests).

        A declared mistake that coincides, on this data, with the right
        answer or with an earlier mistake is left out: the check can only
        name one of them.
        """
        ex = self.exercises[exercise_id]
        value = ex.solve(self.ctx) if ex.solve else None
        if not isinstance(value, Expected):
            return []
        judge = _JUDGES[ex.answer]
        return [m for m in value.mistakes if (v := judge(ex, m.value, value)) is not True and v[0] == m.name]


def workbook(notebook: str, *, tables: Mapping[str, pd.DataFrame] | None = None, params: Any = None,
             truth: Any = None, **extra: Any) -> Workbook:
    """Open the exercises of *notebook* (``"02"``) on the notebook's own tables, parameters and truth."""
    return Workbook(notebook, tables=tables, params=params, truth=truth, **extra)


# --------------------------------------------------------------------------
# Judges: True, or (mistake name, message).  Never the expected value.
# --------------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def agree(answer: float, expected: float, digits: int = 3) -> bool:
    """*answer* equals *expected* to *digits* significant digits (a correct rounding is accepted)."""
    if math.isnan(expected):
        return math.isnan(answer)
    if expected == 0:
        return abs(answer) < 0.5 * 10.0 ** (-digits)
    step = 10.0 ** (math.floor(math.log10(abs(expected))) - digits + 1)
    return abs(answer - expected) <= 0.5 * step * (1 + 1e-9) + 1e-12


def _kind_of(value: Any) -> str:
    if isinstance(value, pd.DataFrame):
        return f"a table of shape {value.shape}"
    if isinstance(value, pd.Series):
        return f"a Series of {len(value)} values"
    if isinstance(value, (np.ndarray, list, tuple, set)):
        return f"a {type(value).__name__} of {len(value)} values"
    if isinstance(value, str):
        return "text"
    return f"a {type(value).__name__}"


def _as_float(value: Any) -> float | None:
    """A single number out of a number, a 1-element array/list/Series, or numeric text; else None."""
    if isinstance(value, (pd.Series, pd.DataFrame, np.ndarray, list, tuple)) and np.size(value) == 1:
        value = np.asarray(value).ravel()[0]
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            return None
    if _is_number(value):
        return float(np.asarray(value).item())
    return None


def _judge_number(ex: Exercise, answer: Any, expected: Expected) -> Any:
    value = _as_float(answer)
    if value is None:
        return ("type", f"give one number (you gave {_kind_of(answer)}). {ex.hint}".strip())
    want = float(expected.value)
    if agree(value, want, ex.digits) or abs(value - want) <= ex.atol:
        return True
    for m in expected.mistakes:
        if _is_number(m.value) and agree(value, float(m.value), ex.digits):
            return (m.name, m.hint)
    if want != 0 and agree(value, want * 100, ex.digits):
        return ("percent", "that looks like a percentage; give the share as a number between 0 and 1.")
    if want != 0 and agree(value, want / 100, ex.digits):
        return ("fraction", "that looks like a share; this answer is asked on the percentage scale.")
    if want != 0 and agree(value, -want, ex.digits):
        return ("sign", "the size looks right but the sign does not: check which way round you subtracted.")
    if ex.digits > 1 and agree(value, want, 2) and not agree(value, want, ex.digits):
        return ("rounding", f"close, but not to {ex.digits} significant digits: round only at the end, "
                            f"and give at least {ex.digits} significant digits.")
    return ("wrong", ex.hint or "not this value; go through the steps again.")


def _norm(text: Any, ignore_case: bool = True) -> str:
    text = " ".join(str(text).split())
    return text.casefold() if ignore_case else text


def _judge_choice(ex: Exercise, answer: Any, expected: Expected) -> Any:
    letters = {_norm(k): k for k in ex.choices}
    if not isinstance(answer, str) or _norm(answer).strip("() .") not in letters:
        options = ", ".join(repr(k) for k in ex.choices)
        return ("type", f"answer with one of the letters {options} (you gave {_kind_of(answer)}: {str(answer)[:20]!r}).")
    chosen = letters[_norm(answer).strip("() .")]
    if _norm(chosen) == _norm(expected.value):
        return True
    for m in expected.mistakes:
        if _norm(m.value) == _norm(chosen):
            return (m.name, m.hint)
    return (f"choice {chosen}", ex.wrong_choice.get(chosen) or ex.hint or "not this reading; weigh each statement "
            "against the result again.")


def _judge_bool(ex: Exercise, answer: Any, expected: Expected) -> Any:
    if isinstance(answer, str) and _norm(answer) in ("true", "false", "yes", "no"):
        answer = _norm(answer) in ("true", "yes")
    if not isinstance(answer, (bool, np.bool_)):
        return ("type", f"answer True or False (you gave {_kind_of(answer)}).")
    if bool(answer) == bool(expected.value):
        return True
    return ("wrong", ex.hint or "not this way round; look at the result again.")


def _label_set(values: Any) -> set[str] | None:
    if isinstance(values, str):
        values = [values]
    if isinstance(values, (pd.Series, pd.Index, np.ndarray, list, tuple, set, frozenset)):
        return {_norm(v) for v in np.asarray(list(values), dtype=object).ravel()}
    return None


def _judge_labels(ex: Exercise, answer: Any, expected: Expected) -> Any:
    got = _label_set(answer)
    if got is None:
        return ("type", f"give a list of names (you gave {_kind_of(answer)}).")
    want = _label_set(expected.value)
    if got == want:
        return True
    for m in expected.mistakes:
        if _label_set(m.value) == got:
            return (m.name, m.hint)
    extra, missing = len(got - want), len(want - got)
    parts = []
    if extra:
        parts.append(f"{extra} of your names {'does' if extra == 1 else 'do'} not belong")
    if missing:
        parts.append(f"{missing} {'name is' if missing == 1 else 'names are'} missing")
    return ("wrong", "; ".join(parts).capitalize() + (f". {ex.hint}" if ex.hint else "."))


def _judge_series(ex: Exercise, answer: Any, expected: Expected) -> Any:
    want = expected.value
    if not isinstance(want, pd.Series):
        raise TypeError(f"exercise {ex.id}: a 'series' exercise must return a pandas Series")
    if isinstance(answer, Mapping):
        answer = pd.Series(answer)
    if isinstance(answer, (np.ndarray, list, tuple)) and not isinstance(answer, pd.Series):
        if np.size(answer) != len(want):
            return ("length", f"give one value per {want.index.name or 'row'} ({len(want)} of them; you gave "
                              f"{np.size(answer)}), best as a Series indexed by {want.index.name or 'name'}.")
        answer = pd.Series(np.asarray(answer).ravel(), index=want.index)
    if not isinstance(answer, pd.Series):
        return ("type", f"give a Series indexed by {want.index.name or 'name'} (you gave {_kind_of(answer)}).")
    index = {_norm(k): k for k in answer.index}
    if len(index) != len(answer.index) or set(index) != {_norm(k) for k in want.index}:
        return ("labels", f"the answer needs one value for each {want.index.name or 'row'} of the table, labelled "
                          f"as there (you gave {len(answer)} labels).")
    values = pd.to_numeric(pd.Series([answer[index[_norm(k)]] for k in want.index], index=want.index),
                           errors="coerce")
    ok = np.array([agree(float(a), float(e), ex.digits) for a, e in zip(values, want)])
    if ok.all():
        return True
    for m in expected.mistakes:
        alt = m.value.reindex(want.index)
        if all(agree(float(a), float(e), ex.digits) for a, e in zip(values, alt)):
            return (m.name, m.hint)
    if all(agree(float(a), float(e) * 100, ex.digits) for a, e in zip(values, want) if e != 0):
        return ("percent", "those look like percentages; give shares between 0 and 1.")
    if all(agree(abs(float(a)), abs(float(e)), ex.digits) for a, e in zip(values, want)):
        return ("sign", "the sizes look right but some signs do not: check which way round each value is defined.")
    return ("wrong", f"{int((~ok).sum())} of {len(ok)} values are not right yet. {ex.hint}".strip())


_JUDGES = {"number": _judge_number, "choice": _judge_choice, "bool": _judge_bool, "labels": _judge_labels,
           "series": _judge_series}
