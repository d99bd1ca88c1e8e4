"""Tests of crm_lab.teaching: exercise checks, student versions, glossary."""

import hashlib
from importlib import resources

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from crm_lab import runner, teaching
from crm_lab.teaching import Feedback, check


# --------------------------------------------------------------------------
# check()
# --------------------------------------------------------------------------
def test_number_within_tolerance_is_correct():
    feedback = check(0.4200001, 0.42, name="repeat share")
    assert feedback.correct and feedback.answered
    assert str(feedback) == "✓ Correct (repeat share)"
    assert check(np.float32(2.5), 2.5, name="x").correct
    assert check(3, np.int64(3), name="x").correct
    assert check(np.array(0.42), 0.42, name="x").correct  # 0-d array is a number
    assert not check(0.43, 0.42, name="x").correct
    assert check(0.43, 0.42, name="x", atol=0.02).correct
    assert check(float("nan"), float("nan"), name="x").correct


def test_wrong_number_explains_and_hints_without_raising():
    feedback = check(0.51, 0.42, name="repeat share", hint="Divide by all exhibitors.")
    assert not feedback.correct and feedback.answered
    assert str(feedback) == (
        "✗ Not yet (repeat share): expected about 0.42 (you gave 0.51). "
        "Hint: Divide by all exhibitors."
    )
    assert repr(feedback) == str(feedback)


@pytest.mark.parametrize("answer", [None, ...])
def test_not_answered_yet(answer):
    feedback = check(answer, pd.Series([1.0]), name="mean spend", hint="not shown")
    assert not feedback.correct and not feedback.answered
    assert str(feedback) == "… Not answered yet (mean spend): replace ... / None with your answer."


def test_text_ignores_case_and_whitespace_unless_asked():
    assert check("  Must-Be ", "must-be", name="category").correct
    assert check("one   dimensional", "One dimensional", name="category").correct
    strict = check("Must-be", "must-be", name="category", ignore_case=False)
    assert str(strict) == "✗ Not yet (category): expected 'must-be' (you gave 'Must-be')."


def test_booleans():
    assert check(True, True, name="significant").correct
    assert str(check(np.False_, True, name="sig")) == "✗ Not yet (sig): expected True (you gave False)."
    with pytest.raises(TypeError, match="sig: expected True or False, got a int"):
        check(1, True, name="sig")


def test_series_are_aligned_by_index():
    expected = pd.Series([0.2, 0.5, 0.3], index=["attractive", "must-be", "indifferent"])
    assert check(expected.iloc[::-1].copy(), expected, name="shares").correct
    wrong = expected.copy()
    wrong["must-be"] = 0.6
    assert str(check(wrong, expected, name="shares")) == (
        "✗ Not yet (shares): 1 of 3 values differ — 'must-be': expected about 0.5 (you gave 0.6)."
    )


def test_sequences_arrays_and_dataframes():
    assert check([1, 2, 3], np.array([1.0, 2.0, 3.0]), name="v").correct
    assert check(("a", "b"), ["a", "b"], name="labels").correct
    assert str(check([1, 2, 3], [1, 2, 4], name="v")) == (
        "✗ Not yet (v): 1 of 3 values differ — item 2: expected about 4 (you gave 3)."
    )
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}, index=["a", "b"])
    assert check(frame.loc[["b", "a"], ["y", "x"]], frame, name="table").correct
    assert str(check(frame * 2, frame, name="t")).startswith(
        "✗ Not yet (t): 4 of 4 values differ — ('a', 'x'): expected about 1 (you gave 2)"
    )


@pytest.mark.parametrize(
    "answer, expected, message",
    [
        (pd.DataFrame({"a": [1.0, 2.0]}), 1.0, r"expected a single number, got a DataFrame of "
         r"shape \(2, 1\)$"),
        (pd.Series([0.4]), 0.4, r"got a Series of length 1 \(use \.item\(\) to take its single"),
        ("0.4", 0.4, "expected a single number, got a str"),
        (0.4, pd.Series([0.4], index=["a"]), "expected a pandas Series, got a float"),
        (pd.Series([1.0], index=["b"]), pd.Series([1.0], index=["a"]),
         r"index does not match: missing \['a'\], unexpected \['b'\]"),
        ([1, 2], np.array([1, 2, 3]), r"expected shape \(3,\), got shape \(2,\)"),
        (3.0, [1, 2, 3], "expected a sequence of 3 values, got a float"),
        (1.0, "must-be", r"expected text \(a str\), got a float"),
        (np.array([1.0]), pd.DataFrame({"a": [1.0]}), "expected a pandas DataFrame"),
    ],
)
def test_wrong_kind_of_answer_raises_type_error(answer, expected, message):
    with pytest.raises(TypeError, match=message):
        check(answer, expected, name="q")


def test_feedback_html_is_coloured_and_escaped():
    ok = check(1, 1, name="n")._repr_html_()
    assert ok == '<div style="color:#1a7f37;font-weight:600">✓ Correct (n)</div>'
    bad = check(2, 1, name="a<b", hint="use <= not <")._repr_html_()
    assert "#cf222e" in bad and "a&lt;b" in bad and "use &lt;= not &lt;" in bad
    assert "#9a6700" in check(None, 1, name="n")._repr_html_()
    assert isinstance(check(1, 1, name="n"), Feedback)


def test_check_rejects_negative_tolerance():
    with pytest.raises(ValueError, match="'rtol' and 'atol' must be >= 0"):
        check(1.0, 1.0, name="x", rtol=-1)


# --------------------------------------------------------------------------
# Student versions
# --------------------------------------------------------------------------
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_exercise_notebook(path):
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC, "rise": {"theme": "simple"}})
    partial = new_code_cell(
        "def share(x):\n"
        "    total = sum(x)\n"
        "    ### BEGIN SOLUTION\n"
        "    return x[0] / total  # planted solution A\n"
        "    ### END SOLUTION\n"
        "\n"
        "check(share([1, 3]), 0.25, name='share')",
        execution_count=4,
        outputs=[new_output("stream", name="stdout", text="✓ Correct (share)\n")],
    )
    whole = new_code_cell(
        "answer = 42  # planted solution B",
        metadata={"tags": ["solution", "exercise"], "slideshow": {"slide_type": "fragment"}},
        execution_count=5,
    )
    nb.cells = [
        new_markdown_cell("# Exercises", metadata={"slideshow": {"slide_type": "slide"}}),
        partial,
        whole,
        new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause (planted solution C).\n"
                          "### END SOLUTION"),
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
    assert "planted solution" not in text
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec == KERNELSPEC
    assert nb.metadata.rise == {"theme": "simple"}
    assert nb.cells[0].metadata.slideshow == {"slide_type": "slide"}
    assert nb.cells[1].source == (
        "def share(x):\n    total = sum(x)\n    # YOUR CODE HERE\n\n"
        "check(share([1, 3]), 0.25, name='share')"
    )
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert nb.cells[2].cell_type == "code"
    assert nb.cells[2].source == "# YOUR CODE HERE\nanswer = ..."  # keeps check(answer) running
    assert nb.cells[2].metadata.tags == ["exercise", "student"]
    assert nb.cells[2].metadata.slideshow == {"slide_type": "fragment"}
    assert nb.cells[2].execution_count is None
    assert nb.cells[3].source == "Why?\nYOUR ANSWER HERE"


def test_placeholders_keep_assigned_names_defined(tmp_path):
    source = (
        "ratio = ...  # your answer\n"
        "### BEGIN SOLUTION\n"
        "ratio = 3 / 4\n"
        "label: str = 'attractive'\n"
        "for i in range(2):\n"
        "    ratio += i\n"
        "### END SOLUTION\n"
        "check(ratio, 0.75, name='ratio')\n"
    )
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC})
    nb.cells = [new_code_cell(source)]
    path = nbformat.write(nb, tmp_path / "a.ipynb") or tmp_path / "a.ipynb"
    out = teaching.make_student_version(path, tmp_path / "b.ipynb")
    assert nbformat.read(out, as_version=4).cells[0].source == (
        "ratio = ...  # your answer\n# YOUR CODE HERE\nlabel = ...\n"
        "check(ratio, 0.75, name='ratio')\n"
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
