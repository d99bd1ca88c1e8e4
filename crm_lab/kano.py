"""The Kano model (卡诺模型): the evaluation table and classification.

This module holds the Kano evaluation table of Berger et al. (1993), which the
simulator uses to generate answers and the Kano notebook uses to classify them.

References
----------
Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and
must-be quality. *Journal of the Japanese Society for Quality Control*, 14(2),
39-48.

Berger, C., Blauth, R., Boger, D., Bolster, C., Burchill, G., DuMouchel, W.,
Pouliot, F., Richter, R., Rubinoff, A., Shen, D., Timko, M., & Walden, D.
(1993). Kano's methods for understanding customer-defined quality. *Center for
Quality of Management Journal*, 2(4), 3-36.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ANSWERS", "CATEGORIES", "EVALUATION_TABLE", "classify"]

#: The five answer options, coded 1-5, with their Chinese labels.
ANSWERS = {
    1: ("like", "喜欢"),
    2: ("must-be", "理应如此"),
    3: ("neutral", "无所谓"),
    4: ("live-with", "能忍受"),
    5: ("dislike", "不喜欢"),
}

#: Kano categories: attractive (魅力), one-dimensional (期望), must-be (必备),
#: indifferent (无差异), reverse (反向), questionable (可疑).
CATEGORIES = ("A", "O", "M", "I", "R", "Q")

#: Berger et al. (1993), the Kano evaluation table.  Rows: the functional
#: answer (1 like ... 5 dislike); columns: the dysfunctional answer.
EVALUATION_TABLE = np.array(
    [
        # like  must  neut  live  dislike   <- dysfunctional
        ["Q", "A", "A", "A", "O"],  # functional: like
        ["R", "I", "I", "I", "M"],  # must-be
        ["R", "I", "I", "I", "M"],  # neutral
        ["R", "I", "I", "I", "M"],  # live-with
        ["R", "R", "R", "R", "Q"],  # dislike
    ]
)


def classify(functional, dysfunctional) -> np.ndarray:
    """Kano category of each (functional, dysfunctional) answer pair.

    Parameters
    ----------
    functional, dysfunctional : array-like of int
        Answers coded 1 (like), 2 (must-be), 3 (neutral), 4 (live-with),
        5 (dislike); equal lengths.

    Returns
    -------
    numpy.ndarray of str
        One of ``A, O, M, I, R, Q`` per pair (:data:`EVALUATION_TABLE`).

    Raises
    ------
    ValueError
        If the lengths differ or a code is outside 1-5 (the message names the
        positions).

    Examples
    --------
    >>> classify([1, 1, 3, 2], [5, 3, 5, 3]).tolist()
    ['O', 'A', 'M', 'I']
    """
    f = np.asarray(functional)
    d = np.asarray(dysfunctional)
    if f.shape != d.shape:
        raise ValueError(f"functional and dysfunctional must have the same length (got {f.shape} and {d.shape})")
    problems = []
    for name, x in (("functional", f), ("dysfunctional", d)):
        bad = ~np.isin(x, np.arange(1, 6))
        if bad.any():
            pos = np.flatnonzero(bad)
            problems.append(
                f"{name} answers must be codes 1-5; {pos.size} are not, at positions "
                f"{pos[:5].tolist()} (values {x[pos[:5]].tolist()})"
            )
    if problems:
        raise ValueError("; ".join(problems))
    return EVALUATION_TABLE[f.astype(int) - 1, d.astype(int) - 1]
