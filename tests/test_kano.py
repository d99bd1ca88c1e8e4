"""The Kano evaluation table, cell by cell.

Expected values: Berger et al. (1993), "Kano's methods for understanding
customer-defined quality", Center for Quality of Management Journal 2(4),
the evaluation table (functional answer in rows, dysfunctional in columns;
1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike).  Written out here as
the published 25 pairs, independently of crm_lab.kano.EVALUATION_TABLE.
"""

import numpy as np
import pytest

from crm_lab.kano import CATEGORIES, classify

BERGER_1993 = {
    (1, 1): "Q", (1, 2): "A", (1, 3): "A", (1, 4): "A", (1, 5): "O",
    (2, 1): "R", (2, 2): "I", (2, 3): "I", (2, 4): "I", (2, 5): "M",
    (3, 1): "R", (3, 2): "I", (3, 3): "I", (3, 4): "I", (3, 5): "M",
    (4, 1): "R", (4, 2): "I", (4, 3): "I", (4, 4): "I", (4, 5): "M",
    (5, 1): "R", (5, 2): "R", (5, 3): "R", (5, 4): "R", (5, 5): "Q",
}  # fmt: skip


@pytest.mark.parametrize(("pair", "expected"), sorted(BERGER_1993.items()))
def test_every_cell_of_the_evaluation_table(pair, expected):
    assert classify([pair[0]], [pair[1]]).tolist() == [expected]


def test_vectorised_over_all_pairs_at_once():
    pairs = np.array(sorted(BERGER_1993))
    got = classify(pairs[:, 0], pairs[:, 1])
    assert got.tolist() == [BERGER_1993[tuple(p)] for p in pairs]
    assert set(got) == set(CATEGORIES)


def test_codes_outside_1_to_5_name_positions_and_values():
    with pytest.raises(ValueError, match=r"functional answers must be codes 1-5; 2 are not, at positions \[1, 3\] \(values \[0, 6\]\)"):
        classify([1, 0, 3, 6], [5, 5, 5, 5])


def test_unequal_lengths_are_an_error():
    with pytest.raises(ValueError, match="same length"):
        classify([1, 2, 3], [5, 5])
