"""Teaching helpers: student versions, nbgrader metadata, glossary.

The exercise checks are in :mod:`crm_lab.exercises` (one line per exercise,
``ex.check("02.1", answer_1)``, feedback that never shows the expected
value); this module prepares the notebooks that hold them.

* :func:`make_student_version` writes a copy of a notebook without its
  solutions and outputs.  Solutions live only in the instructor notebooks,
  after nbgrader's conventions: in cells tagged ``solution`` (code, or the
  markdown rubric of an open exercise) or between the lines ``### BEGIN
  SOLUTION`` and ``### END SOLUTION`` of any cell.  A code solution becomes
  ``# YOUR CODE HERE`` plus ``answer_k = ...`` (so the student version runs
  to the end and each check says "not answered yet"); a markdown solution
  becomes ``YOUR ANSWER HERE``.  :func:`make_student_versions` does it for
  the whole suite (``make student``).
* :func:`nbgrader_metadata` adds nbgrader's cell metadata (solution cells,
  locked check cells) so that an instructor who runs a course with nbgrader
  can take the notebooks in unchanged; :func:`make_nbgrader_sources` writes
  them into an nbgrader course folder.
* :func:`glossary` returns the bilingual (English / Chinese) glossary kept in
  ``crm_lab/data/glossary.csv``.
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd

__all__ = [
    "exercise_ids",
    "glossary",
    "is_speaker_notes",
    "make_nbgrader_sources",
    "make_student_version",
    "make_student_versions",
    "nbgrader_metadata",
    "solution_cells",
    "without_speaker_notes",
]

#: Tag of a cell that is entirely a solution (code) or an instructor's rubric (markdown).
SOLUTION_TAG = "solution"
#: Tag added to the placeholder cell of a student version.
STUDENT_TAG = "student"
#: Placeholder left where a solution was (code cells).
PLACEHOLDER = "# YOUR CODE HERE"
#: Placeholder left where a solution was (markdown and raw cells).
PLACEHOLDER_TEXT = "YOUR ANSWER HERE"
#: Columns of ``glossary.csv``.
GLOSSARY_COLUMNS = ("term", "zh", "definition", "topic")
#: The version of nbgrader's cell-metadata schema written by :func:`nbgrader_metadata`.
NBGRADER_SCHEMA_VERSION = 3
#: nbgrader configuration that keeps nbgrader's student version runnable to the end
#: (its default stub ``raise NotImplementedError()`` stops at the first exercise).
NBGRADER_CONFIG = '''\
# nbgrader configuration written by crm_lab.teaching.make_nbgrader_sources.
c = get_config()  # noqa: F821 (provided by nbgrader)
# crm-lab keeps "answer_k = ..." before each solution, so the released notebook
# runs to the end and every check says "not answered yet"; no NotImplementedError.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
'''

_BEGIN = re.compile(r"^(?P<indent>\s*)#+\s*BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")
#: A one-line exercise check: ``ex.check("02.1", answer_1)``.
_CHECK = re.compile(r"""\.check\(\s*["'](?P<id>\d+\.\d+)["']""")

# --------------------------------------------------------------------------
# Student versions
# --------------------------------------------------------------------------
def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _assigned(code: str) -> list[str]:
    """Names a solution assigns at its top level (``x = ...``, ``x: int = ...``, ``a, b = ...``)."""
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
        for target in targets:
            names += [name for name in _target_names(target) if name not in names]
    return names


def _keep_defined(solution: str, indent: str, known: str = "") -> list[str]:
    """``name = ...`` lines for the names *solution* assigns and *known* does not.

    A name with a leading underscore is the solution's own scaffolding
    (``_slope``, ``_se``): naming it would show the steps, so it is left out.
    """
    return [
        f"{indent}{name} = ...\n"
        for name in _assigned(solution)
        if not name.startswith("_") and not re.search(rf"^\s*{re.escape(name)}\s*(:[^=\n]*)?=[^=]", known, re.MULTILINE)
    ]


def _placeholder(solution: str, indent: str, cell_type: str, known: str = "") -> str:
    """``# YOUR CODE HERE`` plus ``name = ...`` for each name the solution assigns.

    The ``name = ...`` lines keep the student version runnable: a later
    ``ex.check("NN.k", name)`` reports "not answered yet" instead of a
    NameError.  Names already assigned in ``known`` (the cell's code before
    the block) are not repeated.
    """
    if cell_type != "code":
        return f"{indent}{PLACEHOLDER_TEXT}\n"
    return f"{indent}{PLACEHOLDER}\n" + "".join(_keep_defined(solution, indent, known))


def _blocks(source: str, where: str) -> list[tuple[int, int, str]]:
    """The ``### BEGIN SOLUTION`` … ``### END SOLUTION`` blocks: (begin line, end line, indent), 0-based.

    Raises ValueError naming *where* for unbalanced or nested markers.
    """
    blocks = []
    begin_line, indent = None, ""
    for number, line in enumerate(source.splitlines()):
        begin = _BEGIN.match(line)
        if begin:
            if begin_line is not None:
                raise ValueError(
                    f"{where}: '### BEGIN SOLUTION' on line {number + 1} inside the solution "
                    f"that begins on line {begin_line + 1} (missing '### END SOLUTION')"
                )
            begin_line, indent = number, begin.group("indent")
        elif _END.match(line):
            if begin_line is None:
                raise ValueError(
                    f"{where}: '### END SOLUTION' on line {number + 1} without '### BEGIN SOLUTION'"
                )
            blocks.append((begin_line, number, indent))
            begin_line = None
    if begin_line is not None:
        raise ValueError(
            f"{where}: '### BEGIN SOLUTION' on line {begin_line + 1} has no '### END SOLUTION'"
        )
    return blocks


def _strip_marked(source: str, cell_type: str, where: str) -> str:
    """Replace each BEGIN/END SOLUTION block by the placeholder."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    for begin, end, indent in _blocks(source, where):
        out += lines[position:begin]
        out.append(_placeholder("".join(lines[begin + 1 : end]), indent, cell_type, known="".join(out)))
        position = end + 1
    out += lines[position:]
    text = "".join(out)
    return text if source.endswith("\n") else text.removesuffix("\n")


def _is_solution_cell(cell: nbformat.NotebookNode) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def solution_cells(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """Where the solutions of an instructor notebook are.

    Returns
    -------
    list of (int, str)
        ``(cell index, text)``: the whole source of each cell tagged
        ``solution``, and the lines inside each ``### BEGIN SOLUTION`` /
        ``### END SOLUTION`` block of the other cells.  Exactly what
        :func:`make_student_version` removes (used by the tests to prove it).
    """
    found = []
    for index, cell in enumerate(nb.cells):
        source = cell.source
        if _is_solution_cell(cell):
            found.append((index, source))
            continue
        lines = source.splitlines(keepends=True)
        for begin, end, _ in _blocks(source, f"cell {index}"):
            found.append((index, "".join(lines[begin + 1 : end])))
    return found


def is_speaker_notes(cell: nbformat.NotebookNode) -> bool:
    """Whether *cell* holds speaker notes (slide type ``notes``): the instructor's, never the student's."""
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"


def without_speaker_notes(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of *nb* without its speaker notes (see :func:`is_speaker_notes`)."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not is_speaker_notes(c)]
    return nb


def _student_notebook(nb: nbformat.NotebookNode, label: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for key in ("papermill", "widgets"):  # run parameters; widget state (outputs)
        nb.metadata.pop(key, None)
    cells = []
    for index, cell in enumerate(nb.cells):
        where = f"{label}, cell {index}"
        metadata = cell.get("metadata", {})
        for key in ("papermill", "execution"):
            metadata.pop(key, None)
        if is_speaker_notes(cell):
            continue  # the instructor's speaker notes are not part of the student's notebook
        if _is_solution_cell(cell):
            _blocks(cell.source, where)  # malformed markers are an error here too
            new_metadata = copy.deepcopy(metadata)
            new_metadata["tags"] = [t for t in metadata["tags"] if t != SOLUTION_TAG] + [STUDENT_TAG]
            if cell.cell_type == "code":
                filler = _placeholder(cell.source, "", "code").removesuffix("\n")
                new = nbformat.v4.new_code_cell(filler, metadata=new_metadata)
            elif cell.cell_type == "markdown":  # an instructor's rubric or model answer
                new = nbformat.v4.new_markdown_cell(PLACEHOLDER_TEXT, metadata=new_metadata)
            else:
                new = nbformat.v4.new_raw_cell(PLACEHOLDER_TEXT, metadata=new_metadata)
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
    * A code cell tagged ``solution`` becomes a code cell ``# YOUR CODE
      HERE`` with the same metadata (slide type kept) and tags minus
      ``solution`` plus ``student``.
    * A markdown (or raw) cell tagged ``solution`` — the rubric or model
      answer of an open exercise — becomes a cell of the same type holding
      only ``YOUR ANSWER HERE`` (what nbgrader's ``ClearSolutions`` leaves),
      without its attachments.
    * Speaker notes (cells of slide type ``notes``) are dropped: they are
      the instructor's.
    * In any other cell, each block from ``### BEGIN SOLUTION`` to ``###
      END SOLUTION`` becomes a line ``# YOUR CODE HERE`` at the BEGIN line's
      indentation (``YOUR ANSWER HERE`` in markdown).
    * After a code placeholder, each name the solution assigns at its top
      level (and the cell did not assign before) is kept as ``name = ...``,
      so the student version runs to the end and the exercise's check
      reports "not answered yet" instead of stopping with a NameError.
    * Outputs and execution counts are cleared, papermill's run metadata and
      saved widget state dropped; other notebook metadata (kernelspec,
      slideshow …) is kept.  The result is validated against the nbformat
      schema.
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


def make_student_versions(output_dir: str | Path, notebooks: Sequence[str | Path] | None = None) -> list[Path]:
    """Write the student version of every notebook of the suite (``make student``), or of *notebooks*.

    Parameters
    ----------
    output_dir : str or pathlib.Path
        Folder for ``NN_name.ipynb`` student versions (created if needed).
    notebooks : sequence of str or pathlib.Path, optional
        Only these (``"02"``, ``"02_kano_model"`` or a path); default: all.

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
    paths = runner.list_notebooks() if not notebooks else [runner.resolve_notebook(n) for n in notebooks]
    if not paths:
        raise ValueError(f"no notebooks found in {runner.notebooks_dir()}")
    return [make_student_version(path, output_dir / path.name) for path in paths]


# --------------------------------------------------------------------------
# nbgrader
# --------------------------------------------------------------------------
def exercise_ids(source: str) -> list[str]:
    """The exercise ids a cell checks (``ex.check("02.1", answer_1)`` -> ``["02.1"]``)."""
    return [match.group("id") for match in _CHECK.finditer(source)]


def _unique(grade_id: str, used: set[str]) -> str:
    grade_id = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)
    candidate, number = grade_id, 2
    while candidate in used:
        candidate, number = f"{grade_id}-{number}", number + 1
    used.add(candidate)
    return candidate


def _as_marked_solution(source: str, where: str, whole: bool) -> str:
    """Rewrite code so that nbgrader's ClearSolutions leaves what make_student_version leaves.

    A whole-cell solution (*whole*: a cell tagged ``solution``) becomes
    ``name = ...`` lines followed by the cell, without any markers of its
    own, between one pair of BEGIN/END markers; in a marked block of another
    cell, the ``name = ...`` lines the placeholder would add are put before
    the BEGIN line.
    """
    blocks = _blocks(source, where)
    lines = source.splitlines(keepends=True)
    if whole:
        body = "".join(line for line in lines if not (_BEGIN.match(line.rstrip("\r\n")) or _END.match(line)))
        body = body if body.endswith("\n") or not body else body + "\n"
        return "".join(_keep_defined(body, "")) + "### BEGIN SOLUTION\n" + body + "### END SOLUTION"
    out: list[str] = []
    position = 0
    for begin, end, indent in blocks:
        out += lines[position:begin]
        out += _keep_defined("".join(lines[begin + 1 : end]), indent, known="".join(out))
        out += lines[begin : end + 1]
        position = end + 1
    out += lines[position:]
    return "".join(out)


def nbgrader_metadata(nb: nbformat.NotebookNode, *, points: float = 1) -> nbformat.NotebookNode:
    """A copy of an instructor notebook that nbgrader takes in unchanged.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An instructor notebook in crm-lab's convention (solutions in cells
        tagged ``solution`` or between ``### BEGIN SOLUTION`` / ``### END
        SOLUTION``; one-line checks ``ex.check("NN.k", answer_k)``).
    points : float, default 1
        Points of a manually graded written answer (a markdown solution
        cell; nbgrader requires these to be grade cells).

    Returns
    -------
    nbformat.NotebookNode
        A new notebook (the argument is not modified) whose cells carry
        nbgrader's metadata (schema version 3):

        * a code solution cell: ``solution: true``, unlocked, not graded,
          ``grade_id`` ``answer-NN-k`` after the exercise it answers;
        * a markdown solution cell (rubric / model answer of an open
          exercise): ``solution: true, grade: true`` with *points* (nbgrader
          grades written answers by hand);
        * a check cell: ``locked: true``, not graded (a check never raises,
          so it is no autograder test), ``grade_id`` ``check-NN-k``.

        Code solutions are rewritten into marker form with the ``answer_k =
        ...`` lines before ``### BEGIN SOLUTION``, so that nbgrader's
        ``ClearSolutions`` (with ``code_stub = {"python": "# YOUR CODE
        HERE"}``, see :data:`NBGRADER_CONFIG`) leaves the same lines as
        :func:`make_student_version`.

    Raises
    ------
    ValueError
        For unbalanced solution markers.
    """
    nb = copy.deepcopy(nb)
    used: set[str] = set()
    solutions = [
        i for i, cell in enumerate(nb.cells) if _is_solution_cell(cell) or _blocks(cell.source, f"cell {i}")
    ]
    for index, cell in enumerate(nb.cells):
        where = f"cell {index}"
        checked = exercise_ids(cell.source) if cell.cell_type == "code" else []
        if index in solutions:
            ids = list(checked)
            following = [i for i in solutions if i > index]
            stop = following[0] if following else len(nb.cells)
            for later in nb.cells[index + 1 : stop]:
                if not ids and later.cell_type == "code":
                    ids = exercise_ids(later.source)
            name = f"answer-{ids[0]}" if ids else f"answer-{cell.get('id', index)}"
            meta = {"grade": False, "grade_id": _unique(name, used), "locked": False,
                    "schema_version": NBGRADER_SCHEMA_VERSION, "solution": True, "task": False}
            if cell.cell_type == "code":
                cell.source = _as_marked_solution(cell.source, where, whole=_is_solution_cell(cell))
            else:
                if _is_solution_cell(cell):  # all of it is the answer: no markers, nbgrader clears the cell
                    cell.source = "".join(line for line in cell.source.splitlines(keepends=True)
                                          if not (_BEGIN.match(line.rstrip("\r\n")) or _END.match(line)))
                meta.update(grade=True, points=points)
        elif checked:
            meta = {"grade": False, "grade_id": _unique(f"check-{checked[0]}", used), "locked": True,
                    "schema_version": NBGRADER_SCHEMA_VERSION, "solution": False, "task": False}
        else:
            continue
        cell.metadata["nbgrader"] = meta
    return nb


def make_nbgrader_sources(course_dir: str | Path, assignment: str = "crm-lab") -> list[Path]:
    """Write the suite's instructor notebooks, with nbgrader metadata, into an nbgrader course.

    Writes ``<course_dir>/source/<assignment>/NN_name.ipynb`` (see
    :func:`nbgrader_metadata`) and, when it does not exist yet,
    ``<course_dir>/nbgrader_config.py`` (:data:`NBGRADER_CONFIG`).  Then
    ``cd <course_dir> && nbgrader generate_assignment <assignment>`` builds
    nbgrader's release version.  The speaker notes are left out (as in
    :func:`make_student_version`).

    Returns
    -------
    list of pathlib.Path
        The notebooks written, in the suite's order.
    """
    from crm_lab import runner  # papermill & co. only when building

    course_dir = Path(course_dir)
    folder = course_dir / "source" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    config = course_dir / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG, encoding="utf-8")
    paths = []
    for path in runner.list_notebooks():
        # nbgrader releases every cell that is not a solution: the speaker notes stay out of the course
        nb = nbgrader_metadata(without_speaker_notes(nbformat.read(path, as_version=4)))
        nbformat.write(nb, folder / path.name)
        paths.append(folder / path.name)
    return paths


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


class GlossaryTable:
    """The glossary terms of a topic, shown whole (no cut-off definitions) in a notebook and as text.

    See :func:`show_glossary`.
    """

    def __init__(self, table: pd.DataFrame, title: str) -> None:
        self.table = table
        self.title = title

    def _repr_html_(self) -> str:
        import html as _html

        rows = "".join(
            f"<tr><td><b>{_html.escape(r.term)}</b></td><td>{_html.escape(r.zh)}</td>"
            f"<td style='text-align:left;white-space:normal'>{_html.escape(r.definition)}</td></tr>"
            for r in self.table.itertuples()
        )
        return (f"<div><strong>{_html.escape(self.title)}</strong><table><thead><tr><th>term</th><th>中文</th>"
                f"<th style='text-align:left'>definition</th></tr></thead><tbody>{rows}</tbody></table></div>")

    def __str__(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        for r in self.table.itertuples():
            lines += [f"{r.term} ({r.zh})", textwrap.fill(r.definition, width=88, initial_indent="    ",
                                                           subsequent_indent="    ")]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def __len__(self) -> int:
        return len(self.table)


def show_glossary(*topics: str, path: str | Path | None = None) -> GlossaryTable:
    """The glossary terms of one or more topics, with their whole definitions (for a notebook's glossary cell).

    >>> g = show_glossary("kano")
    >>> len(g) > 5 and "Better" in str(g)
    True
    """
    table = pd.concat([glossary(topic, path=path) for topic in topics], ignore_index=True)
    return GlossaryTable(table, "Glossary: " + ", ".join(topics))
