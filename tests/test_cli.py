"""Tests of the crm-lab command (crm_lab.cli.main).

One real execution: the student version of a small exercise notebook, built
and run through the CLI, must run to the end with "not answered yet"
feedback.  Everything else checks the wiring with stand-ins.
"""

import re
import sys
import types
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import userdata
from nbformat.v4 import new_code_cell, new_markdown_cell

from crm_lab import cli, runner

PARAMETERS = 'seed: int = 1  # random seed\noutput_dir: str = ""  # results folder\n'
SETUP = """\
import json, pathlib
from crm_lab import exercises
values = [seed, 2 * seed, 6 * seed]
expected = sum(values) / len(values)


@exercises.exercise("98.1", kind="compute", title="mean of values", theory="the setup cell")
def _(ctx):
    return sum(ctx.param("values")) / len(ctx.param("values"))


@exercises.exercise("98.2", kind="compute", title="bonus", theory="the setup cell")
def _(ctx):
    return 42


ex = exercises.workbook("98", params={"values": values})
if output_dir:
    pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)
    pathlib.Path(output_dir, "results.json").write_text(json.dumps({"expected": expected}))
"""
EXERCISE = """\
answer = ...  # the mean of values
### BEGIN SOLUTION
answer = sum(values) / len(values)
### END SOLUTION
ex.check("98.1", answer)
"""


def write_notebook(path):
    return userdata.write_notebook(path, [
        SETUP,
        new_markdown_cell("## Exercise"),
        EXERCISE,
        new_code_cell("bonus = 42", metadata={"tags": ["solution"]}),
        'ex.check("98.2", globals().get("bonus"))',
    ], parameters=PARAMETERS)


@pytest.fixture
def suite(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    write_notebook(folder / "00_demo.ipynb")
    monkeypatch.setattr(runner, "notebooks_dir", lambda: folder)
    return folder


@pytest.mark.parametrize(
    "text, value",
    [("3", 3), ("-2", -2), ("0.05", 0.05), ("1e-3", 0.001), ("true", True), ("False", False),
     ("none", None), ("None", None), ("kano", "kano"), ("", "")],
)
def test_parse_value_like_papermill(text, value):
    parsed = cli.parse_value(text)
    assert parsed == value and type(parsed) is type(value)


def test_run_without_notebook_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["run"])
    assert info.value.code == 2
    assert "name at least one NOTEBOOK, or use --all" in capsys.readouterr().err


def test_student_version_built_and_run_through_the_cli(suite, tmp_path, capsys):
    student_dir = tmp_path / "student"
    assert cli.main(["student", "--output-dir", str(student_dir)]) == 0
    student = student_dir / "00_demo.ipynb"
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"1 student version(s) written to {student_dir}"
    )
    assert "answer = sum(values)" not in student.read_text(encoding="utf-8")

    out = tmp_path / "runs"
    code = cli.main(["run", str(student), "-p", "seed", "2", "--output-dir", str(out), "--no-html"])

    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"\[1/1\] 00_demo done in \d+\.\d s \(elapsed \d:\d\d\)", lines[0])
    assert re.fullmatch(rf"1 notebook\(s\) executed in \d+\.\d s; outputs in {re.escape(str(out))}", lines[1])
    executed = nbformat.read(out / "00_demo.ipynb", as_version=4)
    shown = [o["data"]["text/plain"] for c in executed.cells if c.cell_type == "code"
             for o in c.outputs if "data" in o]
    assert shown == [
        "… Not answered yet (98.1 mean of values): replace ... with your answer, then run this cell again.",
        "… Not answered yet (98.2 bonus): replace ... with your answer, then run this cell again.",
    ]
    assert (out / "00_demo" / "results.json").read_text() == '{"expected": 6.0}'
    assert not (out / "00_demo.html").exists()


def test_unknown_parameter_is_one_line_exit_2(suite, capsys):
    assert cli.main(["run", "00", "-p", "sed", "3"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "crm-lab: error: unknown parameter 'sed' (did you mean 'seed'?) for notebook 00_demo; "
        "known parameters: output_dir, seed\n"
    )


def test_unknown_notebook_is_one_line_exit_2(suite, capsys):
    assert cli.main(["run", "07"]) == 2
    assert capsys.readouterr().err == (
        "crm-lab: error: unknown notebook '07'; available notebooks: 00_demo\n"
    )


def _failure(tmp_path):
    return runner.NotebookExecutionError(
        3, 4, "1/0", "ZeroDivisionError", "division by zero", ["Traceback ...", "1/0"],
        tmp_path / "00_demo.ipynb", tmp_path / "runs" / "00_demo.ipynb",
    )


def test_failed_notebook_is_one_line_exit_1_and_debug_shows_traceback(tmp_path, monkeypatch,
                                                                        capsys):
    calls = []

    def fake_run_all(names, **kwargs):
        calls.append((names, kwargs))
        raise _failure(tmp_path)

    monkeypatch.setattr(runner, "run_all", fake_run_all)
    assert cli.main(["run", "--all", "-p", "alpha", "0.1", "-p", "label", "x", "--no-html"]) == 1
    assert calls == [(None, {"output_dir": "build/runs", "parameters": {"alpha": 0.1,
                                                                        "label": "x"},
                             "html": False})]
    err = capsys.readouterr().err
    assert err == (
        "crm-lab: error: notebook 00_demo failed in cell [4] (ZeroDivisionError: division by "
        f"zero); partial output: {tmp_path / 'runs' / '00_demo.ipynb'}\n"
    )
    with pytest.raises(runner.NotebookExecutionError):
        cli.main(["run", "00", "--debug"])


def test_sweep_wiring(tmp_path, monkeypatch, capsys):
    seen = {}

    def fake_sweep(name, grid, **kwargs):
        seen.update(name=name, grid=grid, **kwargs)
        return pd.DataFrame({"seed": [1, 2], "total": [3.5, 7.0]})

    monkeypatch.setattr(runner, "sweep", fake_sweep)
    out = tmp_path / "sw"
    code = cli.main(["sweep", "02", "-g", "seed", "1,2", "-g", "alpha", "0.05, 0.1",
                     "-p", "n", "50", "--workers", "3", "--output-dir", str(out)])
    assert code == 0
    assert seen == {"name": "02", "grid": {"seed": [1, 2], "alpha": [0.05, 0.1]},
                    "output_dir": str(out), "parameters": {"n": 50}, "workers": 3,
                    "html": False}
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["seed", "total"]
    assert lines[-1] == f"2 run(s); table written to {out / 'sweep.csv'}"

    seen.clear()
    assert cli.main(["sweep", "02", "-g", "seed", "1", "--scheduler", "tcp://10.0.0.5:8786"]) == 0
    assert seen["scheduler"] == "tcp://10.0.0.5:8786" and seen["workers"] is None
    assert seen["output_dir"] == "build/sweeps"


def test_run_passes_workers(monkeypatch):
    seen = {}
    monkeypatch.setattr(runner, "run_all", lambda names, **kwargs: seen.update(kwargs) or [])
    assert cli.main(["run", "--all", "--workers", "3"]) == 0
    assert seen["workers"] == 3


def test_ctrl_c_is_one_line_exit_130(monkeypatch, capsys):
    def interrupted(name, grid, **kwargs):
        raise runner.Interrupted("interrupted: 1 of 4 points finished and kept in /x; rerun the same command "
                                 "to resume")

    monkeypatch.setattr(runner, "sweep", interrupted)
    assert cli.main(["sweep", "02", "-g", "seed", "1,2,3,4"]) == 130
    assert capsys.readouterr().err == (
        "crm-lab: interrupted: 1 of 4 points finished and kept in /x; rerun the same command to resume\n")

    def plain_interrupt(names, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_all", plain_interrupt)
    assert cli.main(["run", "--all"]) == 130
    assert capsys.readouterr().err == "crm-lab: interrupted\n"


def test_sweep_with_shared_results_folder_is_refused(suite, tmp_path, capsys):
    """The measured mix-up: `-p output_dir X` would give every point the same results folder."""
    code = cli.main(["sweep", "00", "-g", "seed", "1,2", "-p", "output_dir", "X", "--workers", "2",
                     "--output-dir", str(tmp_path / "sw")])
    assert code == 2
    assert capsys.readouterr().err == (
        "crm-lab: error: the parameter 'output_dir' is set by the sweep for each point "
        "(<output-dir>/<point>/00_demo/); choose the sweep's folder with output_dir (--output-dir)\n")
    assert not (tmp_path / "sw").exists()


def test_sweep_failure_and_bad_grid(monkeypatch, capsys):
    def failing_sweep(name, grid, **kwargs):
        raise runner.SweepError("1 of 2 runs of 02 failed: seed=2 (RuntimeError: x)", [],
                                pd.DataFrame())

    monkeypatch.setattr(runner, "sweep", failing_sweep)
    assert cli.main(["sweep", "02", "-g", "seed", "1,2"]) == 1
    assert capsys.readouterr().err == (
        "crm-lab: error: 1 of 2 runs of 02 failed: seed=2 (RuntimeError: x)\n"
    )
    assert cli.main(["sweep", "02", "-g", "seed", ","]) == 2
    assert "-g seed: no values" in capsys.readouterr().err


@pytest.fixture
def fake_datasets(monkeypatch, tmp_path):
    calls = []
    module = types.ModuleType("crm_lab.datasets")
    problems = []

    def generate_sample(output_dir=None, *, seed=None):
        calls.append(("generate", output_dir, seed))
        return [Path("datasets/exhibitors.csv"), Path("datasets/editions.csv")]

    def verify(data_dir=None, *, regenerate=False):
        calls.append(("verify", data_dir) + (("regenerate",) if regenerate else ()))
        return list(problems)

    def write_dictionary(path=None):
        calls.append(("dictionary",) + ((path,) if path is not None else ()))
        return Path("datasets/DATA_DICTIONARY.md")

    module.generate_sample, module.verify, module.write_dictionary = (
        generate_sample, verify, write_dictionary
    )
    module.MANIFEST = "MANIFEST.sha256"
    module.sample_dir = lambda: tmp_path / "shipped"  # missing: nothing to overwrite
    monkeypatch.setitem(sys.modules, "crm_lab.datasets", module)
    return calls, problems


def test_data_commands_delegate_to_datasets(fake_datasets, capsys):
    calls, problems = fake_datasets
    assert cli.main(["data", "generate", "--seed", "7", "--output-dir", "mine"]) == 0
    assert cli.main(["data", "generate"]) == 0
    assert cli.main(["data", "dictionary"]) == 0
    assert cli.main(["data", "verify"]) == 0
    assert calls == [("generate", "mine", 7), ("generate", None, None), ("dictionary",),
                     ("verify", None)]
    out = capsys.readouterr().out.splitlines()
    assert out == ["datasets/exhibitors.csv", "datasets/editions.csv", "2 file(s) written"] * 2 + [
        "datasets/DATA_DICTIONARY.md", "OK: no problems found in the shipped datasets"]

    problems += ["exhibitors.csv: column 'size' has 'huge' in rows [4]", "editions.csv missing"]
    assert cli.main(["data", "verify", "mydata"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == problems
    assert captured.err == "2 problem(s) found in mydata\n"


def test_data_commands_without_datasets_module(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "crm_lab.datasets", None)
    assert cli.main(["data", "verify"]) == 2
    assert capsys.readouterr().err == (
        "crm-lab: error: crm_lab.datasets is not available in this installation\n"
    )


def test_student_version_of_named_notebooks_only(tmp_path, capsys):
    assert cli.main(["student", "02", "05_switching_costs", "--output-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["02_kano_model.ipynb", "05_switching_costs.ipynb"]
    assert "2 student version(s)" in capsys.readouterr().out
    assert cli.main(["student", "99", "--output-dir", str(tmp_path / "x")]) == 2
    assert "unknown notebook '99'" in capsys.readouterr().err
