"""Properties every exercise check must have, shared by the tests/test_exercises_NN.py files.

A wrong answer, of the wrong type or with a typical slip, gets a hint and never an exception or
the expected value; every wrong letter of a choice question gets its reason.
"""

import numpy as np
import pandas as pd
import pytest

from crm_lab.exercises import agree

#: Answers of the wrong type a student may give.
WRONG_TYPES = [["a", "b"], "not a number", {"x": 1}, np.array([1.0, 2.0]), [], 3 + 0j, pd.Series([1.0, 2.0])]


def no_leak(message, expected):
    """The expected number, rounded to 2, 3 or 4 decimals, does not appear in *message*."""
    if isinstance(expected, (str, list)):
        return True  # letters and label lists: the messages name counts, never the answer (tested per notebook)
    return all(str(round(float(expected), k)) not in message for k in (2, 3, 4))


def same(value, expected):
    """The by-hand answer equals the instructor's: text exactly, label lists in any order, numbers to 1e-9."""
    if isinstance(expected, str):
        return value == expected
    if isinstance(expected, list):
        return sorted(value) == sorted(expected)
    return value == pytest.approx(expected, rel=1e-9, abs=1e-12)


def assert_solution_passes(wb, exercise_id, by_hand):
    """The notebook's solution (computed by hand) equals the workbook's answer, and its check says ✓ Correct."""
    assert same(by_hand, wb.solution_value(exercise_id))
    feedback = wb.check(exercise_id, by_hand)
    assert feedback.correct and feedback.answered, str(feedback)
    assert str(feedback).startswith("✓ Correct")


def assert_mistakes_get_hints(wb, exercise_id, *, at_least=2, first_match=False):
    """Each recognised mistake that differs from the answer on this data gets its hint, without the answer.

    With *first_match*, the hint is that of the first recognised mistake that
    agrees with the answer given (the judge's order, with its tolerance).
    """
    expected = wb.solution_value(exercise_id)
    digits = wb.exercises[exercise_id].digits
    distinct = [m for m in wb.mistakes(exercise_id) if not agree(float(m.value), float(expected), digits)]
    assert len(distinct) >= at_least
    for mistake in distinct:
        feedback = wb.check(exercise_id, mistake.value)
        assert not feedback.correct and feedback.answered, (mistake.name, str(feedback))
        assert feedback.message and no_leak(str(feedback), expected)
        if first_match:
            first = next(m for m in distinct if agree(float(mistake.value), float(m.value), digits))
            assert feedback.mistake == first.name, (mistake.name, feedback.mistake)
    return distinct


def assert_wrong_type_is_a_hint(wb, exercise_id, answer):
    feedback = wb.check(exercise_id, answer)
    assert not feedback.correct and feedback.answered
    assert feedback.message and no_leak(str(feedback), wb.solution_value(exercise_id))


def assert_slips_caught(wb, exercise_id, *, bump=1.01, shift=1e-3):
    """A sign slip and a near miss are 'not yet'; a correct rounding and numeric text are accepted."""
    v = float(wb.solution_value(exercise_id))
    for wrong in (-v, v * bump + shift):
        feedback = wb.check(exercise_id, wrong)
        assert not feedback.correct and feedback.answered and no_leak(str(feedback), v)
    digits = wb.exercises[exercise_id].digits
    assert wb.check(exercise_id, float(f"{v:.{digits}g}")).correct  # a correct rounding is accepted
    assert wb.check(exercise_id, str(v)).correct  # numeric text is read


def assert_every_wrong_letter_explained(wb, exercise_id):
    """Case and brackets do not matter; each wrong letter gets a reason that does not give the right statement."""
    ex = wb.exercises[exercise_id]
    right = wb.solution_value(exercise_id)
    assert wb.check(exercise_id, right.upper()).correct and wb.check(exercise_id, f"({right})").correct
    for letter in ex.choices:
        if letter == right:
            continue
        feedback = wb.check(exercise_id, letter)
        assert not feedback.correct and feedback.answered and feedback.message
        assert ex.choices[right] not in feedback.message
