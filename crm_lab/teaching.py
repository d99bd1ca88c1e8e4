"""Teaching helpers: exercise checks with feedback, student versions, glossary.

* :func:`check` compares a student's answer with the value the notebook
  computed from its data and returns a :class:`Feedback` that renders as a
  green "✓ Correct" or a red "✗ Not yet …" with a hint.  A wrong answer never
  raises (students keep going); an answer of the wrong *kind* (a DataFrame
  where a number is expected, a misaligned Series) raises :class:`TypeError`
  with a message that says what was expected.
* :func:`make_student_version` writes a copy of a notebook without its
  solutions (cells tagged ``solution``, and text between ``### BEGIN
  SOLUTION`` / ``### END SOLUTION``), outputs cleared.
* :func:`glossary` returns the bilingual (English / Chinese) glossary kept in
  ``crm_lab/data/glossary.csv``.
"""

from __future__ import annotations

import ast
import copy
import html
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from numbers import Real
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pandas as pd

__all__ = [
    "Feedback",
    "check",
    "glossary",
    "make_student_version",
    "make_student_versions",
]

#: Tag of a cell that is entirely a solution.
SOLUTION_TAG = "solution"
#: Tag added to the placeholder cell of a student version.
STUDENT_TAG = "student"
#: Placeholder left where a solution was (code cells).
PLACEHOLDER = "# YOUR CODE HERE"
#: Placeholder left where a solution was (markdown and raw cells).
PLACEHOLDER_TEXT = "YOUR ANSWER HERE"
#: Columns of ``glossary.csv``.
GLOSSARY_COLUMNS = ("term", "zh", "definition", "topic")

_BEGIN = re.compile(r"^(?P<indent>\s*)#+\s*BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")


# --------------------------------------------------------------------------
# Feedback
# --------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Feedback:
    """The outcome of one exercise check.

    Attributes
    ----------
    name : str
        What was checked (shown to the student).
    correct : bool
        Whether the answer matched.
    answered : bool
        False when the answer was still ``None`` or ``...``.
    message : str
        One sentence for the student (without the symbol).
    hint : str or None
        Shown after a wrong answer.
    """

    name: str
    correct: bool
    answered: bool
    message: str
    hint: str | None = None

    @property
    def symbol(self) -> str:
        """✓, ✗, or … (not answered)."""
        if self.correct:
            return "✓"
        return "✗" if self.answered else "…"

    def __str__(self) -> str:
        text = f"{self.symbol} {self.message}"
        if self.hint and not self.correct:
            text += f" Hint: {self.hint}"
        return text

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.correct else ("#cf222e" if self.answered else "#9a6700")
        hint = ""
        if self.hint and not self.correct:
            hint = f" <em>Hint: {html.escape(self.hint)}</em>"
        return (
            f'<div style="color:{colour};font-weight:600">'
            f"{self.symbol} {html.escape(self.message)}{hint}</div>"
        )


def _kind(value: Any) -> str:
    """Describe a value's type (and shape) for an error message."""
    if isinstance(value, pd.DataFrame):
        return f"a DataFrame of shape {value.shape}"
    if isinstance(value, pd.Series):
        return f"a Series of length {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _fmt(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, Real):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.4g}"
    return repr(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return isinstance(value, (Real, np.number)) and not isinstance(value, (bool, np.bool_))


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, (np.ndarray, np.generic)) else value


def _close(answer: Any, expected: Any, rtol: float, atol: float) -> bool:
    a, e = float(answer), float(expected)
    if math.isnan(e):
        return math.isnan(a)
    return math.isclose(a, e, rel_tol=rtol, abs_tol=atol)


def _norm_text(text: str, ignore_case: bool, ignore_whitespace: bool) -> str:
    if ignore_whitespace:
        text = " ".join(text.split())
    return text.casefold() if ignore_case else text


def _values_match(answer: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Element-wise match: with tolerance for numbers, equality otherwise."""
    if np.issubdtype(expected.dtype, np.number) and expected.dtype != bool:
        if not (np.issubdtype(answer.dtype, np.number) or answer.dtype == bool):
            raise TypeError(f"expected numbers, got values of type {answer.dtype}")
        return np.isclose(
            answer.astype(float), expected.astype(float), rtol=rtol, atol=atol, equal_nan=True
        )
    return np.array([a == e for a, e in zip(answer.tolist(), expected.tolist())], dtype=bool)


def _expected_text(value: Any) -> str:
    about = "about " if _is_number(value) else ""
    return f"expected {about}{_fmt(value)}"


def _wrong_labelled(labels: Sequence[str], answer, expected, mask) -> str:
    """Describe the first few mismatches, e.g. ``'c': expected about 3 (you gave 9)``."""
    wrong = [i for i, ok in enumerate(mask) if not ok]
    shown = ", ".join(
        f"{labels[i]}: {_expected_text(expected[i])} (you gave {_fmt(answer[i])})"
        for i in wrong[:3]
    )
    more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
    return f"{len(wrong)} of {len(mask)} values differ — {shown}{more}."


def check(
    answer: Any,
    expected: Any,
    *,
    name: str,
    rtol: float = 1e-6,
    atol: float = 0.0,
    hint: str | None = None,
    ignore_case: bool = True,
    ignore_whitespace: bool = True,
) -> Feedback:
    """Check a student's answer against the value computed from the data.

    Parameters
    ----------
    answer : object
        The student's answer; ``None`` or ``...`` means "not answered yet".
    expected : number, bool, str, sequence, numpy.ndarray, pandas.Series or pandas.DataFrame
        The correct value, computed by the notebook (so checks work for any
        data and seed).
    name : str
        What is being checked, shown in the feedback.
    rtol, atol : float
        Tolerances for numbers: correct when ``|answer - expected| <=
        max(rtol * max(|answer|, |expected|), atol)`` (:func:`math.isclose`).
    hint : str, optional
        Shown when the answer is wrong.
    ignore_case, ignore_whitespace : bool, default True
        For text answers: compare case-insensitively / with runs of
        whitespace collapsed and ends stripped.

    Returns
    -------
    Feedback
        ``.correct`` tells whether it matched; it renders in the notebook.

    Raises
    ------
    TypeError
        If the answer has the wrong type or shape for ``expected`` (e.g. a
        DataFrame where a number is expected, a number where a Series is
        expected, a Series with other index labels).  A wrong *value* never
        raises.

    Notes
    -----
    Series and DataFrames are aligned by their labels before comparing, so
    the order of the rows does not matter; sequences and arrays are compared
    in order.

    Examples
    --------
    >>> print(check(0.51, 0.42, name="share of repeat exhibitors", hint="Divide by all."))
    ✗ Not yet (share of repeat exhibitors): expected about 0.42 (you gave 0.51). Hint: Divide by all.
    >>> check(0.42, 0.42, name="share").correct
    True
    >>> print(check(..., 0.42, name="share"))
    … Not answered yet (share): replace ... / None with your answer.
    """
    if rtol < 0 or atol < 0:
        raise ValueError(f"'rtol' and 'atol' must be >= 0 (got {rtol}, {atol})")
    if answer is None or answer is Ellipsis:
        return Feedback(
            name, False, False, f"Not answered yet ({name}): replace ... / None with your answer."
        )

    def wrong(detail: str) -> Feedback:
        return Feedback(name, False, True, f"Not yet ({name}): {detail}", hint)

    right = Feedback(name, True, True, f"Correct ({name})")

    # --- booleans (before numbers: bool is an int) -----------------------
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(answer, (bool, np.bool_)):
            raise TypeError(f"{name}: expected True or False, got {_kind(answer)}")
        if bool(answer) == bool(expected):
            return right
        return wrong(f"expected {bool(expected)} (you gave {bool(answer)}).")

    # --- numbers ----------------------------------------------------------
    if _is_number(expected):
        if not _is_number(answer):
            extra = ""
            if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray)) and np.size(answer) == 1:
                extra = " (use .item() to take its single value)"
            raise TypeError(f"{name}: expected a single number, got {_kind(answer)}{extra}")
        answer, expected = _scalar(answer), _scalar(expected)
        if _close(answer, expected, rtol, atol):
            return right
        return wrong(f"expected about {_fmt(expected)} (you gave {_fmt(answer)}).")

    # --- text -------------------------------------------------------------
    if isinstance(expected, str):
        if not isinstance(answer, str):
            raise TypeError(f"{name}: expected text (a str), got {_kind(answer)}")
        norm = (ignore_case, ignore_whitespace)
        if _norm_text(answer, *norm) == _norm_text(expected, *norm):
            return right
        return wrong(f"expected {expected!r} (you gave {answer!r}).")

    # --- labelled: Series and DataFrame -------------------------------------
    if isinstance(expected, pd.Series):
        if not isinstance(answer, pd.Series):
            raise TypeError(f"{name}: expected a pandas Series, got {_kind(answer)}")
        _same_labels(name, "index", answer.index, expected.index)
        aligned = answer.reindex(expected.index)
        mask = _values_match(aligned.to_numpy(), expected.to_numpy(), rtol, atol)
        if mask.all():
            return right
        labels = [repr(label) for label in expected.index]
        return wrong(_wrong_labelled(labels, aligned.to_numpy(), expected.to_numpy(), mask))

    if isinstance(expected, pd.DataFrame):
        if not isinstance(answer, pd.DataFrame):
            raise TypeError(f"{name}: expected a pandas DataFrame, got {_kind(answer)}")
        _same_labels(name, "index", answer.index, expected.index)
        _same_labels(name, "columns", answer.columns, expected.columns)
        aligned = answer.reindex(index=expected.index, columns=expected.columns)
        labels, got, want, masks = [], [], [], []
        for column in expected.columns:
            a, e = aligned[column].to_numpy(), expected[column].to_numpy()
            masks.append(_values_match(a, e, rtol, atol))
            labels += [f"({row!r}, {column!r})" for row in expected.index]
            got += list(a)
            want += list(e)
        mask = np.concatenate(masks) if masks else np.array([], dtype=bool)
        if mask.all():
            return right
        return wrong(_wrong_labelled(labels, got, want, mask))

    # --- ordered: sequences and arrays --------------------------------------
    if isinstance(expected, (np.ndarray, list, tuple, pd.Index)):
        want = np.asarray(expected)
        if not isinstance(answer, (np.ndarray, list, tuple, pd.Index, pd.Series)):
            raise TypeError(
                f"{name}: expected a sequence of {want.size} values, got {_kind(answer)}"
            )
        got = np.asarray(answer)
        if got.shape != want.shape:
            raise TypeError(f"{name}: expected shape {want.shape}, got shape {got.shape}")
        mask = _values_match(got.ravel(), want.ravel(), rtol, atol)
        if mask.all():
            return right
        labels = [f"item {i}" for i in range(want.size)]  # position in the flattened array
        return wrong(_wrong_labelled(labels, got.ravel(), want.ravel(), mask))

    raise TypeError(
        f"check() cannot compare an expected value of type {type(expected).__name__} "
        "(use a number, bool, str, sequence, numpy array, Series or DataFrame)"
    )


def _same_labels(name: str, axis: str, got: pd.Index, want: pd.Index) -> None:
    if got.has_duplicates:
        raise TypeError(f"{name}: the answer's {axis} has duplicate labels")
    missing = [x for x in want if x not in got]
    extra = [x for x in got if x not in want]
    if missing or extra:
        raise TypeError(
            f"{name}: the answer's {axis} does not match: missing {missing[:5]}, "
            f"unexpected {extra[:5]} (expected labels {list(want)[:10]})"
        )


# --------------------------------------------------------------------------
# Student versions
# --------------------------------------------------------------------------
def _assigned(code: str) -> list[str]:
    """Names a solution assigns at its top level (``x = ...``, ``x: int = ...``)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:  # a fragment such as an `else:` branch: nothing to keep
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names


def _placeholder(solution: str, indent: str, cell_type: str, known: str = "") -> str:
    """``# YOUR CODE HERE`` plus ``name = ...`` for each name the solution assigns.

    The ``name = ...`` lines keep the student version runnable: a later
    ``check(name, ...)`` reports "not answered yet" instead of a NameError.
    Names already assigned in ``known`` (the cell's code before the block)
    are not repeated.
    """
    if cell_type != "code":
        return f"{indent}{PLACEHOLDER_TEXT}\n"
    lines = [f"{indent}{PLACEHOLDER}\n"]
    for name in _assigned(solution):
        if not re.search(rf"^\s*{re.escape(name)}\s*(:[^=\n]*)?=[^=]", known, re.MULTILINE):
            lines.append(f"{indent}{name} = ...\n")
    return "".join(lines)


def _strip_marked(source: str, cell_type: str, where: str) -> str:
    """Replace each BEGIN/END SOLUTION block by the placeholder."""
    out: list[str] = []
    block: list[str] = []
    inside = False
    begin_line = 0
    indent = ""
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        begin = _BEGIN.match(line.rstrip("\r\n"))
        if begin:
            if inside:
                raise ValueError(
                    f"{where}: '### BEGIN SOLUTION' on line {number} inside the solution "
                    f"that begins on line {begin_line} (missing '### END SOLUTION')"
                )
            inside, begin_line, indent, block = True, number, begin.group("indent"), []
        elif _END.match(line.rstrip("\r\n")):
            if not inside:
                raise ValueError(
                    f"{where}: '### END SOLUTION' on line {number} without '### BEGIN SOLUTION'"
                )
            inside = False
            out.append(_placeholder("".join(block), indent, cell_type, known="".join(out)))
        elif inside:
            block.append(line)
        else:
            out.append(line)
    if inside:
        raise ValueError(
            f"{where}: '### BEGIN SOLUTION' on line {begin_line} has no '### END SOLUTION'"
        )
    text = "".join(out)
    return text if source.endswith("\n") else text.removesuffix("\n")


def _student_notebook(nb: nbformat.NotebookNode, label: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.metadata.pop("papermill", None)
    cells = []
    for index, cell in enumerate(nb.cells):
        where = f"{label}, cell {index}"
        metadata = cell.get("metadata", {})
        for key in ("papermill", "execution"):
            metadata.pop(key, None)
        tags = list(metadata.get("tags", []))
        if SOLUTION_TAG in tags:
            new_metadata = copy.deepcopy(metadata)
            new_metadata["tags"] = [t for t in tags if t != SOLUTION_TAG] + [STUDENT_TAG]
            code = cell.source if cell.cell_type == "code" else ""
            filler = _placeholder(code, "", "code").removesuffix("\n")
            new = nbformat.v4.new_code_cell(filler, metadata=new_metadata)
            if "id" in cell:
                new["id"] = cell["id"]
            cells.append(new)
            continue
        if isinstance(cell.source, str) and "SOLUTION" in cell.source:
            cell.source = _strip_marked(cell.source, cell.cell_type, where)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def make_student_version(notebook: str | Path, out_path: str | Path) -> Path:
    """Write a copy of a notebook without its solutions.

    Parameters
    ----------
    notebook : str or pathlib.Path
        A notebook of the suite (``"02"``, ``"02_kano_model"``) or a path.
    out_path : str or pathlib.Path
        Where to write the student version; must not be the notebook itself.

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Raises
    ------
    ValueError
        If a cell has unbalanced ``### BEGIN SOLUTION`` / ``### END
        SOLUTION`` lines (naming the notebook and cell index), or if
        ``out_path`` is the source notebook.

    Notes
    -----
    * A cell tagged ``solution`` becomes a code cell ``# YOUR CODE HERE``
      with the same metadata (slide type kept) and tags minus ``solution``
      plus ``student``.
    * In any cell, each block from ``### BEGIN SOLUTION`` to ``### END
      SOLUTION`` becomes a line ``# YOUR CODE HERE`` at the BEGIN line's
      indentation (``YOUR ANSWER HERE`` in markdown).
    * After the placeholder, each name the solution assigns at its top level
      (and the cell did not assign before) is kept as ``name = ...``, so the
      student version runs to the end and the exercise's ``check`` reports
      "not answered yet" instead of stopping with a NameError.
    * Outputs and execution counts are cleared, papermill's run metadata
      dropped; notebook metadata (kernelspec, slideshow …) is kept.  The
      result is validated against the nbformat schema.
    """
    from crm_lab import runner  # papermill & co. only when building

    source = runner.resolve_notebook(notebook)
    out_path = Path(out_path)
    if out_path.resolve() == source:
        raise ValueError(f"'out_path' must differ from the source notebook (got {out_path})")
    nb = nbformat.read(source, as_version=4)
    student = _student_notebook(nb, f"notebook {source.name}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(student, out_path)
    return out_path


def make_student_versions(output_dir: str | Path) -> list[Path]:
    """Write the student version of every notebook of the suite.

    Parameters
    ----------
    output_dir : str or pathlib.Path
        Folder for ``NN_name.ipynb`` student versions (created if needed).

    Returns
    -------
    list of pathlib.Path
        The files written, in the notebooks' order.

    See Also
    --------
    make_student_version, crm_lab.runner.list_notebooks
    """
    from crm_lab import runner  # papermill & co. only when building

    output_dir = Path(output_dir)
    notebooks = runner.list_notebooks()
    if not notebooks:
        raise ValueError(f"no notebooks found in {runner.notebooks_dir()}")
    return [make_student_version(path, output_dir / path.name) for path in notebooks]


# --------------------------------------------------------------------------
# Glossary
# --------------------------------------------------------------------------
def glossary(topic: str | None = None, *, path: str | Path | None = None) -> pd.DataFrame:
    """The bilingual glossary of CRM terms.

    Parameters
    ----------
    topic : str, optional
        Keep only the terms of this topic (case-insensitive), e.g. ``"kano"``.
    path : str or pathlib.Path, optional
        Another CSV in the same layout; default the packaged
        ``crm_lab/data/glossary.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, zh, definition, topic`` (text), in file order.

    Raises
    ------
    FileNotFoundError
        If the CSV does not exist.
    ValueError
        If columns are missing, a required value is empty, a term is
        repeated, or ``topic`` is unknown (the message lists the topics).
    """
    if path is None:
        source = resources.files("crm_lab") / "data" / "glossary.csv"
        label = "crm_lab/data/glossary.csv"
    else:
        source = Path(path)
        label = str(path)
    if not source.is_file():
        raise FileNotFoundError(f"glossary file not found: {label}")
    with source.open("r", encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in GLOSSARY_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{label}: missing column(s) {missing}; found {list(table.columns)}; "
            f"expected {list(GLOSSARY_COLUMNS)}"
        )
    table = table[list(GLOSSARY_COLUMNS)].apply(lambda col: col.str.strip())
    problems = []
    for column in GLOSSARY_COLUMNS:
        rows = [int(i) + 2 for i in np.flatnonzero(table[column].to_numpy() == "")]
        if rows:
            problems.append(f"empty {column!r} in line(s) {rows}")
    dupes = sorted(set(table.loc[table["term"].duplicated() & (table["term"] != ""), "term"]))
    if dupes:
        problems.append(f"repeated term(s) {dupes}")
    if problems:
        raise ValueError(f"{label}: " + "; ".join(problems))
    if topic is not None:
        keep = table["topic"].str.casefold() == topic.strip().casefold()
        if not keep.any():
            topics = sorted(table["topic"].unique())
            raise ValueError(f"unknown glossary topic {topic!r}; topics: {topics}")
        table = table[keep]
    return table.reset_index(drop=True)
