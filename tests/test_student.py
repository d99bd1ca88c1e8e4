"""The student versions of the suite's notebooks: they leak nothing and run to the end unanswered.

For every notebook of the suite (whatever exercises it holds, so these tests
cover new exercises as they land):

* no line of a solution (a cell tagged ``solution`` or a ``### BEGIN
  SOLUTION`` block) is left in the student version, which has no outputs;
* the student version runs to the end under papermill without answers, and
  every exercise check prints "… Not answered yet" — no ✓, no ✗, no
  traceback — and no expected value (the number rounded to 2, 3 or 4
  decimals, or a name of a ``labels`` answer);
* every check of the notebook's workbook returns feedback, never an
  exception, for answers of the wrong type (None, ..., a list, a dict, text,
  a DataFrame, an array, nan …), and that feedback shows no expected value.

The expected values are computed by the notebook's own workbook, in the
executed student notebook (a probe cell appended to a copy): notebooks hand
their exercises derived tables and extras (02 passes its Kano answers, 05 its
``targets``), which a workbook rebuilt from ``datasets.load_all()`` would not
have.  A registered exercise whose notebook opens no workbook yet is checked
on such a rebuilt workbook (sample data, the notebook's default parameters).

nbgrader (the optional ``instructor`` extra): when it is importable, the
committed notebooks and a small synthetic one, given nbgrader's metadata by
``teaching.nbgrader_metadata``, pass nbgrader's metadata validation, and its
``ClearSolutions`` preprocessor leaves the same cells as
``teaching.make_student_version``.
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest
import userdata
from nbformat.v4 import new_code_cell, new_markdown_cell

from crm_lab import datasets, exercises, runner, teaching

NOTEBOOKS = runner.list_notebooks()
PREFIXES = [path.stem.split("_", 1)[0] for path in NOTEBOOKS]
IDS = [path.stem for path in NOTEBOOKS]
PROBE_MARK = "CRM-LAB-STUDENT-PROBE "
NOT_ANSWERED = "… Not answered yet"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


_TRIVIAL = [
    re.compile(r"^$"),
    re.compile(r"^#+\s*(BEGIN|END) SOLUTION$"),
    re.compile(r"^(import \S|from \S+ import )"),  # imports
    re.compile(r"^[\w., ]+ = \.\.\.(\s*#.*)?$"),  # the placeholders the student version keeps
    re.compile(r"^[\W_]*$"),  # brackets, punctuation
    re.compile(r"^(else|try|finally|pass|return|break|continue):?$"),
]


def _non_solution_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Every line of the instructor notebook outside its solutions."""
    solution = {(index, line) for index, text in teaching.solution_cells(nb) for line in _lines(text)}
    seen = set()
    for index, cell in enumerate(nb.cells):
        for line in _lines(cell.source):
            if (index, line) not in solution:
                seen.add(line)
    return seen


def _solution_lines(nb: nbformat.NotebookNode) -> set[str]:
    """The non-trivial solution lines: not blank, no import, not ``x = ...``, nor a line used outside solutions."""
    elsewhere = _non_solution_lines(nb)
    return {
        line
        for _, text in teaching.solution_cells(nb)
        for line in _lines(text)
        if line not in elsewhere and not any(p.match(line) for p in _TRIVIAL)
    }


def _visible(markup: str) -> str:
    """What an HTML output shows: tags (and their style numbers) dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", " ", markup))


def _output_text(output) -> str:
    """The text an output shows (HTML as rendered text)."""
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join([output.get("ename", ""), output.get("evalue", "")] + output.get("traceback", []))
    data = output.get("data", {})
    texts = [str(data[key]) for key in ("text/plain", "text/markdown") if key in data]
    if "text/html" in data:
        texts.append(_visible(str(data["text/html"])))
    return "\n".join(texts)


def _number_strings(value: float, integers: bool) -> set[str]:
    """How an expected number could show: rounded to 2, 3 and 4 decimals (and as an integer)."""
    shown = set()
    for digits in (2, 3, 4):
        text = f"{value:.{digits}f}"
        shown.add(text)
        trimmed = text.rstrip("0").rstrip(".")
        if "." in trimmed or integers:
            shown.add(trimmed)
    shown.discard("-0")
    return shown


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")


def _leaks(text: str, label: str, expected: dict, integers: bool = True) -> list[str]:
    """The expected numbers (and label names) that *text* shows, the exercise label aside."""
    if label:
        text = text.replace(label, " ")
    tokens = set(_NUMBER.findall(text))
    shown = set()
    for value in expected.get("numbers", []):
        shown |= _number_strings(value, integers) & tokens
    lowered = text.casefold()
    shown |= {name for name in expected.get("labels", []) if len(name) >= 3 and name.casefold() in lowered}
    return sorted(shown)


def _default_parameters(path: Path):
    """The notebook's ``P`` with its default parameters: its parameters cell, then its ``params.check`` cell."""
    nb = _read(path)
    namespace: dict = {}
    cells = [c for c in nb.cells if c.cell_type == "code"]
    parameters = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    checked = [c for c in cells if "params.check(" in c.source]
    if not parameters or not checked:
        return None
    exec(parameters[0].source, namespace)  # noqa: S102 - the suite's own notebook
    exec(checked[0].source, namespace)  # noqa: S102
    return namespace.get("P")


# The probe: appended to a copy of the student version, it reports, for every
# workbook the notebook opened, each exercise's expected value and what its
# check answers to wrong types of answer (or the exception it raised).
PROBE = r'''
import json as _json, math as _math, traceback as _traceback
import numpy as _np, pandas as _pd
from crm_lab import exercises as _exercises


def _probe_numbers(value):
    if value is None or isinstance(value, (str, bool, _np.bool_)):
        return []
    if isinstance(value, (set, frozenset)):
        value = list(value)
    if isinstance(value, (_pd.Series, _pd.DataFrame, _pd.Index, _np.ndarray, list, tuple)):
        return [x for v in _np.ravel(_np.asarray(value, dtype=object)) for x in _probe_numbers(v)]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return []
    return [number] if _math.isfinite(number) else []


def _probe_labels(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, (_pd.Series, _pd.Index, _np.ndarray, list, tuple, set, frozenset)):
        return [str(v) for v in value if isinstance(v, str)]
    return []


def _probe_wrong(value):
    wrong = {"None": None, "...": ..., "empty list": [], "list": [1, 2, 3], "nested list": [[1], [2]],
             "dict": {"a": 1}, "empty dict": {}, "text": "not an answer", "empty text": "",
             "DataFrame": _pd.DataFrame({"a": [1.0, 2.0]}), "empty DataFrame": _pd.DataFrame(),
             "array": _np.array([1.0, 2.0]), "empty array": _np.array([]), "2-d array": _np.ones((2, 2)),
             "nan": float("nan"), "inf": float("inf"), "Series": _pd.Series([1.0]),
             "empty Series": _pd.Series([], dtype=float), "complex": 1j, "object": object()}
    if hasattr(value, "__len__") and not isinstance(value, str):
        n = len(value)
        wrong["text of the right length"] = ["x"] * n
        wrong["None of the right length"] = [None] * n
        if isinstance(value, _pd.Series):
            wrong["Series of text, right index"] = _pd.Series(["x"] * n, index=value.index)
            wrong["Series, index upper-cased"] = _pd.Series(range(n), index=[str(i).upper() for i in value.index])
            wrong["Series, duplicated index"] = _pd.Series(range(2), index=[value.index[0]] * 2) if n else []
    return wrong


_probe = {}
for _wb in [_v for _v in list(globals().values()) if isinstance(_v, _exercises.Workbook)]:
    for _id, _ex in _wb.exercises.items():
        _entry = {"label": f"{_ex.id} {_ex.title}", "answer": _ex.answer, "numbers": [], "labels": [],
                  "feedback": {}, "errors": {}}
        try:
            _value = _wb.solution_value(_id)
        except Exception:
            _entry["errors"]["solution_value"] = _traceback.format_exc()
            _value = None
        _entry["numbers"] = _probe_numbers(_value)
        if _ex.answer == "labels":
            _entry["labels"] = _probe_labels(_value)
        for _name, _answer in _probe_wrong(_value).items():
            try:
                _feedback = _wb.check(_id, _answer)
                _entry["feedback"][_name] = [str(_feedback), _feedback._repr_html_(), bool(_feedback.correct)]
            except Exception:
                _entry["errors"][_name] = _traceback.format_exc()
        _probe[_id] = _entry
print("CRM-LAB-STUDENT-PROBE " + _json.dumps(_probe))
'''


PROBE_HELPERS = PROBE.split("_probe = {}")[0]


@cache
def _helpers() -> dict:
    namespace: dict = {}
    exec(PROBE_HELPERS, namespace)  # noqa: S102 - the probe's own helpers, so both paths try the same answers
    return namespace


class StudentRun:
    """One notebook's student version, built and executed (once per test session)."""

    def __init__(self, path: Path, folder: Path):
        self.instructor_path = path
        self.instructor = _read(path)
        self.student_path = teaching.make_student_version(path, folder / "student" / path.name)
        self.student = _read(self.student_path)
        probe = copy.deepcopy(self.student)
        probe.cells.append(new_code_cell(PROBE, metadata={"tags": ["crm-lab-test-probe"]}))
        probe_path = folder / "probe" / path.name
        probe_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(probe, probe_path)
        result = runner.run_notebook(
            probe_path, output_dir=folder / "runs", html=False, progress=False, cwd=runner.notebooks_dir()
        )
        executed = _read(result.output)
        self.cells = executed.cells[:-1]
        text = "".join(_output_text(o) for o in executed.cells[-1].outputs)
        self.probe = json.loads(text.split(PROBE_MARK, 1)[1]) if PROBE_MARK in text else {}


@pytest.fixture(scope="module")
def student_run(tmp_path_factory):
    runs: dict[str, StudentRun] = {}

    def get(path: Path) -> StudentRun:
        if path.stem not in runs:
            runs[path.stem] = StudentRun(path, tmp_path_factory.mktemp(path.stem))
        return runs[path.stem]

    return get


def _check_cells(cells) -> list[tuple[int, list[str], object]]:
    return [(i, teaching.exercise_ids(c.source), c) for i, c in enumerate(cells)
            if c.cell_type == "code" and teaching.exercise_ids(c.source)]


# --------------------------------------------------------------------------
# (a), (b): nothing of a solution, no outputs
# --------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_version_has_no_solution_line_and_no_output(path, tmp_path):
    instructor = _read(path)
    student = _read(teaching.make_student_version(path, tmp_path / path.name))
    nbformat.validate(student)

    solution = _solution_lines(instructor)
    left = {line for cell in student.cells for line in _lines(cell.source)} & solution
    assert not left, f"{path.name}: solution lines left in the student version: {sorted(left)[:5]}"
    assert "BEGIN SOLUTION" not in json.dumps(student.cells) and "END SOLUTION" not in json.dumps(student.cells)
    assert not any(teaching.SOLUTION_TAG in c.metadata.get("tags", []) for c in student.cells)
    # a placeholder where each solution cell was; the speaker notes (slide type notes) are the instructor's
    kept = [c for c in instructor.cells if c.metadata.get("slideshow", {}).get("slide_type") != "notes"]
    assert len(student.cells) == len(kept)
    assert "**Speaker notes.**" not in json.dumps(student.cells)
    assert "Rubric (instructor" not in json.dumps(student.cells)

    for index, cell in enumerate(student.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}, cell {index} has outputs"
        # a rubric (markdown tagged solution) stays markdown: YOUR ANSWER HERE, never a code cell
        if teaching.SOLUTION_TAG in kept[index].metadata.get("tags", []):
            assert cell.cell_type == kept[index].cell_type
            if cell.cell_type != "code":
                assert cell.source == teaching.PLACEHOLDER_TEXT
    # each exercise is checked by one line of its own, which the student runs as it is
    checks = _check_cells(student.cells)
    assert checks and all(len(c.source.strip().splitlines()) == 1 for _, _, c in checks), path.name


def test_solution_line_detection_is_not_vacuous():
    """The line comparison above would see a leak: the instructor notebooks do hold solution lines."""
    lines = {path.name: _solution_lines(_read(path)) for path in NOTEBOOKS}
    with_solutions = [name for name, found in lines.items() if found]
    assert with_solutions, "no notebook of the suite holds a solution"


# --------------------------------------------------------------------------
# (c), (d): runs to the end unanswered, checks say "not answered yet", no expected value shown
# --------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_version_runs_unanswered_and_shows_no_answer(path, student_run):
    run = student_run(path)  # raises NotebookExecutionError if a cell fails

    errors = [i for i, c in enumerate(run.cells) if c.cell_type == "code"
              for o in c.outputs if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: error output in cell(s) {errors}"

    checks = _check_cells(run.cells)
    for index, ids, cell in checks:
        texts = [_output_text(o) for o in cell.outputs]
        where = f"{path.name}, cell {index} ({', '.join(ids)})"
        assert texts, f"{where}: the check printed nothing"
        joined = "\n".join(texts)
        assert "✓" not in joined and "✗" not in joined and "Traceback" not in joined, f"{where}: {joined[:300]}"
        plain = [o["data"]["text/plain"] for o in cell.outputs if "text/plain" in o.get("data", {})]
        plain += [o["text"] for o in cell.outputs if o.get("output_type") == "stream"]
        assert plain and all(t.startswith(NOT_ANSWERED) for t in plain), f"{where}: {plain}"
        for exercise_id in ids:
            expected = run.probe.get(exercise_id)
            assert expected is not None, f"{where}: no workbook of the notebook knows exercise {exercise_id}"
            leaked = _leaks(joined, expected["label"], expected)
            assert not leaked, f"{where}: the check output shows the expected value(s) {leaked}"

    if checks:  # the probe found the notebook's workbook and could compute every expected answer
        failed = {i: e["errors"]["solution_value"] for i, e in run.probe.items() if "solution_value" in e["errors"]}
        assert not failed, f"{path.name}: solution_value raised: {failed}"


# --------------------------------------------------------------------------
# A wrong type of answer is feedback, never an exception (every registered exercise)
# --------------------------------------------------------------------------
def _registered() -> list:
    cases = []
    for path, prefix in zip(NOTEBOOKS, PREFIXES):
        for exercise_id in sorted(exercises.registry(prefix), key=lambda i: [int(p) for p in i.split(".")]):
            cases.append(pytest.param(path, exercise_id, id=exercise_id))
    return cases


REGISTERED = _registered()


@cache
def _rebuilt_workbook(path: Path, prefix: str) -> exercises.Workbook:
    """For an exercise its notebook does not open yet: the sample data and the notebook's defaults."""
    return exercises.workbook(prefix, tables=datasets.load_all(), params=_default_parameters(path),
                              truth=datasets.load_truth())


@pytest.mark.parametrize("path, exercise_id", REGISTERED)
def test_wrong_type_of_answer_never_raises(path, exercise_id, student_run):
    run = student_run(path)
    entry = run.probe.get(exercise_id)
    if entry is None:  # the notebook does not open this exercise's workbook yet
        wb = _rebuilt_workbook(path, exercise_id.split(".")[0])
        ex = wb.exercises[exercise_id]
        value = wb.solution_value(exercise_id)
        entry = {"label": f"{ex.id} {ex.title}", "numbers": [], "labels": [], "feedback": {}, "errors": {}}
        entry["numbers"] = _helpers()["_probe_numbers"](value)
        if ex.answer == "labels":
            entry["labels"] = _helpers()["_probe_labels"](value)
        for name, answer in _helpers()["_probe_wrong"](value).items():
            feedback = wb.check(exercise_id, answer)  # must not raise
            entry["feedback"][name] = [str(feedback), feedback._repr_html_(), bool(feedback.correct)]

    assert not entry["errors"], f"{exercise_id}: " + "\n".join(f"{k}: {v}" for k, v in entry["errors"].items())
    assert entry["feedback"], f"{exercise_id}: no answer was tried"
    for name, (text, markup, _correct) in entry["feedback"].items():
        assert text.startswith(("✗ Not yet", NOT_ANSWERED, "✓")), f"{exercise_id}, {name}: {text}"
        assert "Traceback" not in text
        leaked = _leaks(text + "\n" + _visible(markup), entry["label"], entry, integers=False)
        assert not leaked, f"{exercise_id}, answer {name}: the feedback shows the expected value(s) {leaked}: {text}"
    assert not entry["feedback"]["None"][2] and not entry["feedback"]["..."][2]
    assert entry["feedback"]["None"][0].startswith(NOT_ANSWERED)


# --------------------------------------------------------------------------
# nbgrader: metadata validates, ClearSolutions leaves what make_student_version leaves
# --------------------------------------------------------------------------
NBGRADER_STUB = {"python": teaching.PLACEHOLDER}


def _nbgrader_student(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """nbgrader's own student version of an instructor notebook in crm-lab's convention."""
    from nbgrader import preprocessors  # a test dependency: nbgrader must take our notebooks
    graded = teaching.nbgrader_metadata(teaching.without_speaker_notes(nb))  # as make_nbgrader_sources writes it
    resources: dict = {}
    graded, resources = preprocessors.CheckCellMetadata().preprocess(graded, resources)  # nbgrader's validation
    graded, resources = preprocessors.ClearSolutions(code_stub=NBGRADER_STUB).preprocess(graded, resources)
    graded, resources = preprocessors.ClearOutput().preprocess(graded, resources)
    graded, resources = preprocessors.LockCells().preprocess(graded, resources)
    return graded


def _same_student_cells(ours: nbformat.NotebookNode, theirs: nbformat.NotebookNode, label: str) -> None:
    assert len(ours.cells) == len(theirs.cells), label
    for index, (a, b) in enumerate(zip(ours.cells, theirs.cells)):
        assert a.cell_type == b.cell_type, f"{label}, cell {index}"
        mine = sorted(line for line in _lines(a.source) if line)
        nbgrader = sorted(line for line in _lines(b.source) if line)
        assert mine == nbgrader, f"{label}, cell {index}: ours {mine} vs nbgrader {nbgrader}"
        if b.cell_type == "code":
            assert b.outputs == []


def _synthetic_notebook(path: Path) -> Path:
    cells = [
        new_markdown_cell("## Exercise 99.1\nGoal: the mean share, by hand."),
        new_code_cell("answer_1 = ...\n### BEGIN SOLUTION\nshares = [0.2, 0.4]\n"
                      "answer_1 = sum(shares) / len(shares)\n### END SOLUTION", metadata={"tags": ["solution"]}),
        new_code_cell('ex.check("99.1", answer_1)'),
        new_code_cell("answer_2 = 42", metadata={"tags": ["solution"]}),
        new_code_cell('ex.check("99.2", answer_2)'),
        new_code_cell("def share(x):\n    total = sum(x)\n    ### BEGIN SOLUTION\n    part = x[0]\n"
                      "    return part / total\n    ### END SOLUTION\n\nex.check(\"99.3\", share([1, 3]))"),
        new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause the total counts all answers.\n### END SOLUTION"),
        new_markdown_cell("**Rubric.** A good answer reruns on three seeds.", metadata={"tags": ["solution"]}),
    ]
    return userdata.write_notebook(path, cells)


def test_nbgrader_takes_a_synthetic_notebook(tmp_path):
    path = _synthetic_notebook(tmp_path / "99_demo.ipynb")
    ours = _read(teaching.make_student_version(path, tmp_path / "student.ipynb"))
    theirs = _nbgrader_student(_read(path))
    _same_student_cells(ours, theirs, "99_demo")
    assert theirs.cells[1].source == "answer_1 = ...\nshares = ...\n# YOUR CODE HERE"
    assert theirs.cells[2].metadata.nbgrader["locked"] and theirs.cells[2].metadata.editable is False
    assert theirs.cells[7].source == "YOUR ANSWER HERE" and theirs.cells[7].metadata.nbgrader["grade"]
    assert "Because" not in json.dumps(theirs.cells) and "42" not in theirs.cells[3].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_nbgrader_takes_each_notebook(path, tmp_path):
    instructor = _read(path)
    ours = _read(teaching.make_student_version(path, tmp_path / path.name))
    theirs = _nbgrader_student(instructor)
    _same_student_cells(ours, theirs, path.name)
    assert _read(path) == instructor  # read-only
    ids = [c.metadata.nbgrader["grade_id"] for c in teaching.nbgrader_metadata(instructor).cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))
    checked = {i for _, found, _ in _check_cells(instructor.cells) for i in found}
    assert {f"check-{i.replace('.', '-')}" for i in checked} <= set(ids)


def test_number_leak_detection():
    expected = {"numbers": [0.37244, 12.0], "labels": ["Hotline"]}
    assert _leaks("… Not answered yet (02.1 share): about 0.372", "02.1 share", expected) == ["0.372"]
    assert _leaks("you gave 0.3724", "", expected) == ["0.3724"]
    assert _leaks("… Not answered yet (02.1 the top 12 names)", "02.1 the top 12 names", expected) == []
    assert _leaks("12 values", "", expected) == ["12"]
    assert _leaks("12 values", "", expected, integers=False) == []
    assert _leaks("the hotline", "", expected) == ["Hotline"]
    assert _leaks("02.1 and 0.37", "", {"numbers": [2.1]}) == []  # digits inside an id are no number
    assert math.isclose(float(_leaks("0.37", "", expected)[0]), 0.37)
