"""Tests of crm_lab.runner: locating, running and sweeping notebooks.

Real executions (each starts a kernel, ~1-3 s): one run, one failing run and a
2×2 sweep.  The progress and failure-collecting logic is also tested with a
stand-in for the execution step, which costs nothing.
"""

import json
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from crm_lab import runner

PARAMETERS = """\
seed: int = 1  # random seed
n: int = 3  # sample size
fail: bool = False  # raise in the last cell (to test failures)
output_dir: str = ""  # where to write results.json (empty: nowhere)
"""

BODY = """\
import json, os, pathlib, sys
total = seed * n
if output_dir:
    pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)
    results = {"seed": seed, "total": total, "stats": {"mean": total / 2},
               "exe": sys.executable, "cwd": os.getcwd()}
    pathlib.Path(output_dir, "results.json").write_text(json.dumps(results))
print(f"total is {total}")
"""

FAIL = """\
if fail:
    raise RuntimeError(f"planted failure for seed {seed}")
"""


def write_notebook(path: Path) -> Path:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        }
    )
    nb.cells = [
        new_markdown_cell("# Demo"),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(BODY),
        new_code_cell(FAIL),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def demo(tmp_path):
    return write_notebook(tmp_path / "nbs" / "demo.ipynb")


@pytest.fixture
def suite(tmp_path, monkeypatch):
    """A fake notebooks/ folder with checkpoints and a student/ subfolder."""
    folder = tmp_path / "notebooks"
    for rel in [
        "01_kano_model.ipynb",
        "00_start_here.ipynb",
        ".ipynb_checkpoints/00_start_here-checkpoint.ipynb",
        "student/00_start_here.ipynb",
    ]:
        write_notebook(folder / rel)
    monkeypatch.setattr(runner, "notebooks_dir", lambda: folder)
    return folder


def test_list_notebooks_sorted_without_checkpoints_or_student(suite):
    assert runner.list_notebooks() == [suite / "00_start_here.ipynb", suite / "01_kano_model.ipynb"]


@pytest.mark.parametrize("name", ["00", "00_start_here", "00_start_here.ipynb"])
def test_resolve_notebook_by_number_stem_or_file_name(suite, name):
    assert runner.resolve_notebook(name) == suite / "00_start_here.ipynb"


def test_resolve_notebook_by_path_and_unknown_name(suite, demo):
    assert runner.resolve_notebook(demo) == demo.resolve()
    assert runner.resolve_notebook(str(demo)) == demo.resolve()
    with pytest.raises(ValueError, match=r"unknown notebook '07'; available notebooks: "
                       r"00_start_here, 01_kano_model"):
        runner.resolve_notebook("07")
    with pytest.raises(FileNotFoundError, match="missing.ipynb"):
        runner.resolve_notebook(demo.parent / "missing.ipynb")


def test_notebooks_dir_is_the_repository_folder():
    expected = Path(runner.__file__).resolve().parents[1] / "notebooks"
    if expected.is_dir():
        assert runner.notebooks_dir() == expected
    else:
        with pytest.raises(FileNotFoundError, match="notebooks folder not found"):
            runner.notebooks_dir()


def test_unknown_parameter_is_rejected_before_running(demo, tmp_path):
    with pytest.raises(ValueError) as info:
        runner.run_notebook(demo, output_dir=tmp_path / "out", parameters={"sede": 3})
    message = str(info.value)
    assert "'sede' (did you mean 'seed'?)" in message
    assert "known parameters: fail, n, output_dir, seed" in message
    assert not (tmp_path / "out").exists()


def test_parameter_papermill_cannot_read_is_reported(tmp_path):
    path = write_notebook(tmp_path / "eq.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source += "alpha: float = 0.05  # reject when p <= alpha\n"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match=r"notebook eq: papermill cannot read parameter\(s\) "
                       r"\['alpha'\]"):
        runner.run_notebook(path, output_dir=tmp_path / "out")


def test_python3_kernel_is_the_current_interpreter():
    km = runner._CurrentPythonKernelManager(kernel_name="python3")
    assert km.kernel_spec.argv[0] == sys.executable
    assert km.kernel_spec.argv[1:3] == ["-m", "ipykernel_launcher"]


def test_run_notebook_parameters_html_and_results(demo, tmp_path, monkeypatch):
    # A python3 kernelspec pointing elsewhere must not be used.
    bogus = tmp_path / "jupyter" / "kernels" / "python3"
    bogus.mkdir(parents=True)
    (bogus / "kernel.json").write_text(
        json.dumps({"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f",
                             "{connection_file}"], "display_name": "bogus", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    out = tmp_path / "out"
    html = runner._html_export_problem() is None
    if not html:  # nbconvert <= 7.16.4 with mistune >= 3.1: stop before running
        with pytest.raises(runner.HTMLExportError, match=r"upgrade nbconvert to >= 7\.16\.5"):
            runner.run_notebook(demo, output_dir=out)
        assert not out.exists()

    result = runner.run_notebook(demo, output_dir=out, parameters={"seed": 2, "n": 4},
                                 progress=False, html=html)

    assert result.notebook == demo.resolve()
    assert result.output == out.resolve() / "demo.ipynb"
    assert result.html == (out.resolve() / "demo.html" if html else None)
    assert result.parameters == {"seed": 2, "n": 4, "output_dir": str(out.resolve() / "demo")}
    assert result.results["total"] == 8
    assert result.results["stats"] == {"mean": 4.0}
    assert result.results["exe"] == sys.executable
    assert Path(result.results["cwd"]).resolve() == demo.parent.resolve()
    assert result.seconds > 0
    executed = nbformat.read(result.output, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "seed = 2" in injected[0].source
    if html:
        assert "total is 8" in result.html.read_text(encoding="utf-8")
    assert demo.read_text(encoding="utf-8").count("injected-parameters") == 0


def test_failing_notebook_raises_with_partial_output(demo, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(runner.NotebookExecutionError) as info:
        runner.run_all([demo], output_dir=out, parameters={"fail": True, "seed": 5},
                       html=False)
    error = info.value
    assert isinstance(error, PapermillExecutionError)
    assert error.ename == "RuntimeError"
    assert error.evalue == "planted failure for seed 5"
    assert error.notebook == demo.resolve()
    assert error.output == out.resolve() / "demo.ipynb"
    assert error.output.is_file()  # the partially executed notebook is kept
    assert error.headline().startswith("notebook demo failed in cell [")
    assert str(error.output) in error.headline()
    assert re.fullmatch(r"\[1/1\] demo \.\.\. failed after \d+\.\d s\n", capsys.readouterr().out)


def _fake_execute(path, output_dir, parameters, known, **kwargs):
    if parameters.get("seed") == 2 and parameters.get("n") == 3:
        raise ValueError("boom")
    results = {"seed": parameters.get("seed"), "total": parameters.get("seed", 1) * 10,
               "seconds": -1, "nested": {"deep": {"x": 1}}}
    return runner.RunResult(path, output_dir / f"{path.stem}.ipynb", None, results, 0.25,
                            dict(parameters))


def test_run_all_prints_one_line_per_notebook(suite, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "_execute", _fake_execute)
    results = runner.run_all(output_dir=tmp_path / "out", parameters={"n": 2}, html=False)
    assert [r.name for r in results] == ["00_start_here", "01_kano_model"]
    assert capsys.readouterr().out.splitlines() == [
        "[1/2] 00_start_here ... done in 0.2 s",
        "[2/2] 01_kano_model ... done in 0.2 s",
    ]
    with pytest.raises(ValueError, match="unknown parameter 'x'"):
        runner.run_all(["00", "01"], output_dir=tmp_path / "out", parameters={"x": 1})


def test_sweep_collects_failures_after_all_runs(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_execute", _fake_execute)
    with pytest.raises(runner.SweepError) as info:
        runner.sweep(demo, {"seed": [1, 2], "n": [3, 4]}, output_dir=tmp_path / "sw",
                     progress=False)
    assert str(info.value) == "1 of 4 runs of demo failed: seed=2_n=3 (ValueError: boom)"
    assert [combo for combo, _ in info.value.failures] == [{"seed": 2, "n": 3}]
    table = info.value.table
    # parameters, flattened results (echoed 'seed' kept once, 'seconds' renamed), seconds
    assert list(table.columns) == ["seed", "n", "total", "results.seconds", "nested.deep.x",
                                   "seconds"]
    assert table[["seed", "n"]].values.tolist() == [[1, 3], [1, 4], [2, 4]]
    assert not (tmp_path / "sw" / "sweep.csv").exists()


def test_sweep_rejects_bad_grids(demo, tmp_path):
    out = tmp_path / "sw"
    with pytest.raises(ValueError, match="at least one parameter"):
        runner.sweep(demo, {}, output_dir=out)
    with pytest.raises(ValueError, match="no values for 'n'"):
        runner.sweep(demo, {"seed": [1], "n": []}, output_dir=out)
    with pytest.raises(ValueError, match="'workers' must be a positive integer"):
        runner.sweep(demo, {"seed": [1]}, output_dir=out, workers=0)
    with pytest.raises(ValueError, match=r"'sed' \(did you mean 'seed'\?\)"):
        runner.sweep(demo, {"sed": [1]}, output_dir=out)
    assert not out.exists()


def test_folder_names_are_filesystem_safe():
    assert runner._folder_name({"label": "a/b c", "alpha": 0.05}) == "label=a-b-c_alpha=0.05"
    long = runner._folder_name({"x": "y" * 300})
    assert len(long) == 99 and re.fullmatch(r"x=y{88}-[0-9a-f]{8}", long)


def test_sweep_runs_grid_in_parallel_and_writes_tidy_table(demo, tmp_path, capsys):
    out = tmp_path / "sw"
    table = runner.sweep(demo, {"seed": [1, 2], "n": [3, 5]}, output_dir=out, workers=2)

    assert list(table.columns) == ["seed", "n", "total", "stats.mean", "exe", "cwd", "seconds"]
    assert table[["seed", "n", "total"]].values.tolist() == [
        [1, 3, 3], [1, 5, 5], [2, 3, 6], [2, 5, 10]
    ]
    assert table["stats.mean"].tolist() == [1.5, 2.5, 3.0, 5.0]
    assert (table["seconds"] > 0).all()
    for folder in ["seed=1_n=3", "seed=1_n=5", "seed=2_n=3", "seed=2_n=5"]:
        assert (out / folder / "demo.ipynb").is_file()
        assert (out / folder / "demo" / "results.json").is_file()
        assert not (out / folder / "demo.html").exists()
    pd.testing.assert_frame_equal(pd.read_csv(out / "sweep.csv"), table, check_dtype=False)
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line[:5] for line in lines) == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert all(re.fullmatch(r"\[\d/4\] seed=\d_n=\d done in \d+\.\d s", line) for line in lines)
