"""Tests of crm_lab.teaching: student versions, nbgrader metadata, glossary.

The exercise checks are tested with crm_lab.exercises (tests/test_exercises*.py);
the student versions of the real notebooks in tests/test_student.py.
"""

import copy
import hashlib
from importlib import resources

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from crm_lab import runner, teaching

# --------------------------------------------------------------------------
# Student versions
# --------------------------------------------------------------------------
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
RUBRIC = "**Rubric (instructors).** A good answer names attenuation (planted solution D)."


def write_exercise_notebook(path):
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC, "rise": {"theme": "simple"},
                                "widgets": {"state": "planted solution E"}})
    partial = new_code_cell(
        "def share(x):\n"
        "    total = sum(x)\n"
        "    ### BEGIN SOLUTION\n"
        "    return x[0] / total  # planted solution A\n"
        "    ### END SOLUTION\n"
        "\n"
        'ex.check("02.1", share([1, 3]))',
        execution_count=4,
        outputs=[new_output("stream", name="stdout", text="✓ Correct (02.1)\n")],
    )
    whole = new_code_cell(
        "answer = 42  # planted solution B",
        metadata={"tags": ["solution", "exercise"], "slideshow": {"slide_type": "fragment"}},
        execution_count=5,
    )
    rubric = new_markdown_cell(RUBRIC, metadata={"tags": ["solution"]},
                               attachments={"plot.png": {"image/png": "cGxhbnRlZA=="}})
    nb.cells = [
        new_markdown_cell("# Exercises", metadata={"slideshow": {"slide_type": "slide"}}),
        partial,
        whole,
        new_code_cell('ex.check("02.2", answer)'),
        new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause (planted solution C).\n"
                          "### END SOLUTION"),
        new_markdown_cell("### Exercise 02.3 (open)\nRerun the notebook on other seeds."),
        rubric,
        new_markdown_cell("**Speaker notes.** Point at the interval.", metadata={"slideshow": {"slide_type": "notes"}}),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_student_version_removes_solutions_and_outputs(tmp_path):
    source = write_exercise_notebook(tmp_path / "nbs" / "02_kano_model.ipynb")
    before = digest(source)

    out = teaching.make_student_version(source, tmp_path / "student" / "02_kano_model.ipynb")

    assert digest(source) == before  # the original is never modified
    text = out.read_text(encoding="utf-8")
    assert "planted" not in text and "Rubric" not in text and "cGxhbnRlZA" not in text
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec == KERNELSPEC
    assert nb.metadata.rise == {"theme": "simple"}
    assert "widgets" not in nb.metadata
    assert nb.cells[0].metadata.slideshow == {"slide_type": "slide"}
    assert nb.cells[1].source == (
        "def share(x):\n    total = sum(x)\n    # YOUR CODE HERE\n\n"
        'ex.check("02.1", share([1, 3]))'
    )
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert nb.cells[2].cell_type == "code"
    assert nb.cells[2].source == "# YOUR CODE HERE\nanswer = ..."  # keeps ex.check(..., answer) running
    assert nb.cells[2].metadata.tags == ["exercise", "student"]
    assert nb.cells[2].metadata.slideshow == {"slide_type": "fragment"}
    assert nb.cells[2].execution_count is None
    assert nb.cells[4].source == "Why?\nYOUR ANSWER HERE"
    assert nb.cells[5].source.startswith("### Exercise 02.3 (open)")
    assert "Speaker notes" not in text  # the instructor's notes stay in the instructor's notebook


def test_markdown_solution_cell_stays_markdown(tmp_path):
    """A rubric (markdown tagged `solution`) leaves a markdown "YOUR ANSWER HERE", never a code cell."""
    source = write_exercise_notebook(tmp_path / "a.ipynb")
    nb = nbformat.read(teaching.make_student_version(source, tmp_path / "b.ipynb"), as_version=4)
    rubric = nb.cells[6]
    assert rubric.cell_type == "markdown"
    assert rubric.source == teaching.PLACEHOLDER_TEXT
    assert rubric.metadata.tags == ["student"]
    assert "attachments" not in rubric or not rubric.attachments
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code", "markdown", "markdown", "markdown"]


def test_solution_cells_lists_what_is_removed(tmp_path):
    nb = nbformat.read(write_exercise_notebook(tmp_path / "a.ipynb"), as_version=4)
    found = teaching.solution_cells(nb)
    assert [index for index, _ in found] == [1, 2, 4, 6]
    assert found[0][1] == "    return x[0] / total  # planted solution A\n"
    assert found[1][1] == "answer = 42  # planted solution B"
    assert found[2][1] == "Because (planted solution C).\n"
    assert found[3][1] == RUBRIC


def test_placeholders_keep_assigned_names_defined(tmp_path):
    source = (
        "ratio = ...  # your answer\n"
        "### BEGIN SOLUTION\n"
        "ratio = 3 / 4\n"
        "label: str = 'attractive'\n"
        "low, (high, *rest) = 1, (2, 3)\n"
        "for i in range(2):\n"
        "    ratio += i\n"
        "### END SOLUTION\n"
        'ex.check("02.1", ratio)\n'
    )
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC})
    nb.cells = [new_code_cell(source)]
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    out = teaching.make_student_version(path, tmp_path / "b.ipynb")
    assert nbformat.read(out, as_version=4).cells[0].source == (
        "ratio = ...  # your answer\n# YOUR CODE HERE\nlabel = ...\nlow = ...\nhigh = ...\nrest = ...\n"
        'ex.check("02.1", ratio)\n'
    )


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1\n### BEGIN SOLUTION\nx = 2\n", r"bad.ipynb, cell 1: '### BEGIN SOLUTION' on line 2 "
         r"has no '### END SOLUTION'"),
        ("x = 1\n### END SOLUTION\n", r"cell 1: '### END SOLUTION' on line 2 without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", r"on line 2 inside the "
         r"solution that begins on line 1"),
    ],
)
def test_malformed_markers_name_notebook_and_cell(tmp_path, source, message):
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC})
    nb.cells = [new_markdown_cell("# Title"), new_code_cell(source)]
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match=message):
        teaching.make_student_version(path, tmp_path / "out.ipynb")
    assert not (tmp_path / "out.ipynb").exists()


def test_student_version_refuses_to_overwrite_its_source(tmp_path):
    source = write_exercise_notebook(tmp_path / "a.ipynb")
    with pytest.raises(ValueError, match="'out_path' must differ from the source notebook"):
        teaching.make_student_version(source, tmp_path / "." / "a.ipynb")


def test_make_student_versions_writes_every_notebook(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    for name in ["00_start_here", "02_kano_model", "student/00_start_here"]:
        write_exercise_notebook(folder / f"{name}.ipynb")
    monkeypatch.setattr(runner, "notebooks_dir", lambda: folder)
    before = {p: digest(p) for p in folder.rglob("*.ipynb")}

    paths = teaching.make_student_versions(tmp_path / "build")

    assert paths == [tmp_path / "build" / "00_start_here.ipynb",
                     tmp_path / "build" / "02_kano_model.ipynb"]
    assert all("planted solution" not in p.read_text(encoding="utf-8") for p in paths)
    assert before == {p: digest(p) for p in folder.rglob("*.ipynb")}


# --------------------------------------------------------------------------
# nbgrader metadata (nbgrader itself: tests/test_student.py)
# --------------------------------------------------------------------------
def test_nbgrader_metadata_marks_solutions_and_locks_checks(tmp_path):
    nb = nbformat.read(write_exercise_notebook(tmp_path / "a.ipynb"), as_version=4)
    original = copy.deepcopy(nb)

    graded = teaching.nbgrader_metadata(nb)

    assert nb == original  # a copy; the instructor notebook is not touched
    meta = [cell.metadata.get("nbgrader") for cell in graded.cells]
    base = {"schema_version": 3, "task": False}
    assert meta[0] is None and meta[5] is None
    assert meta[1] == {**base, "grade": False, "grade_id": "answer-02-1", "locked": False, "solution": True}
    assert meta[2] == {**base, "grade": False, "grade_id": "answer-02-2", "locked": False, "solution": True}
    assert meta[3] == {**base, "grade": False, "grade_id": "check-02-2", "locked": True, "solution": False}
    # markdown solutions are written answers: nbgrader wants them graded (by hand)
    assert meta[4]["solution"] and meta[4]["grade"] and meta[4]["points"] == 1
    assert meta[6]["solution"] and meta[6]["grade"] and meta[6]["grade_id"] != meta[4]["grade_id"]
    # whole-cell solutions in marker form, the names the student version keeps first
    assert graded.cells[2].source == (
        "answer = ...\n### BEGIN SOLUTION\nanswer = 42  # planted solution B\n### END SOLUTION"
    )
    assert graded.cells[1].source == original.cells[1].source
    assert graded.cells[6].source == RUBRIC


def test_nbgrader_metadata_unique_grade_ids():
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC})
    nb.cells = [
        new_code_cell("a = ...\n### BEGIN SOLUTION\na = 1\n### END SOLUTION"),
        new_code_cell('ex.check("05.1", a)'),
        new_code_cell("b = 2", metadata={"tags": ["solution"]}),
        new_code_cell('ex.check("05.1", b)  # the same exercise again'),
    ]
    ids = [c.metadata.nbgrader["grade_id"] for c in teaching.nbgrader_metadata(nb).cells]
    assert ids == ["answer-05-1", "check-05-1", "answer-05-1-2", "check-05-1-2"]


def test_make_nbgrader_sources_writes_a_course_folder(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    write_exercise_notebook(folder / "02_kano_model.ipynb")
    monkeypatch.setattr(runner, "notebooks_dir", lambda: folder)

    paths = teaching.make_nbgrader_sources(tmp_path / "course")

    assert paths == [tmp_path / "course" / "source" / "crm-lab" / "02_kano_model.ipynb"]
    nb = nbformat.read(paths[0], as_version=4)
    assert nb.cells[1].metadata.nbgrader["grade_id"] == "answer-02-1"
    config = (tmp_path / "course" / "nbgrader_config.py").read_text()
    assert 'c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}' in config
    (tmp_path / "course" / "nbgrader_config.py").write_text("# the instructor's own\n")
    teaching.make_nbgrader_sources(tmp_path / "course")
    assert (tmp_path / "course" / "nbgrader_config.py").read_text() == "# the instructor's own\n"


# --------------------------------------------------------------------------
# Glossary
# --------------------------------------------------------------------------
GLOSSARY = """\
term,zh,definition,topic
Kano model,卡诺模型,Classifies attributes by how they drive satisfaction.,kano
Must-be quality,必备质量,Expected attribute; absence causes dissatisfaction.,kano
Switching cost,转换成本,"Costs of changing supplier: procedural, financial, relational.",switching
"""


def test_glossary_reads_utf8_and_filters_by_topic(tmp_path):
    path = tmp_path / "glossary.csv"
    path.write_text(GLOSSARY, encoding="utf-8")
    table = teaching.glossary(path=path)
    assert list(table.columns) == ["term", "zh", "definition", "topic"]
    assert table["zh"].tolist() == ["卡诺模型", "必备质量", "转换成本"]
    kano = teaching.glossary("KANO", path=path)
    assert kano["term"].tolist() == ["Kano model", "Must-be quality"]
    assert kano.index.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"unknown glossary topic 'loyalty'; topics: "
                       r"\['kano', 'switching'\]"):
        teaching.glossary("loyalty", path=path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("term,zh,topic\nA,甲,kano\n", r"missing column\(s\) \['definition'\]; found "
         r"\['term', 'zh', 'topic'\]"),
        ("term,zh,definition,topic\nA,,def,kano\nB,乙,def,\n",
         r"empty 'zh' in line\(s\) \[2\]; empty 'topic' in line\(s\) \[3\]"),
        ("term,zh,definition,topic\nA,甲,d,kano\nA,甲,d,kano\n", r"repeated term\(s\) \['A'\]"),
    ],
)
def test_glossary_reports_malformed_files(tmp_path, text, message):
    path = tmp_path / "glossary.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        teaching.glossary(path=path)


def test_glossary_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="glossary file not found"):
        teaching.glossary(path=tmp_path / "none.csv")


def test_shipped_glossary_is_valid():
    if not (resources.files("crm_lab") / "data" / "glossary.csv").is_file():
        pytest.skip("crm_lab/data/glossary.csv not written yet")
    table = teaching.glossary()
    assert len(table) > 0
    assert table["zh"].str.len().min() > 0
