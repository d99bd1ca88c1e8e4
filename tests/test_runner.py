"""Tests of crm_lab.runner: locating, running and sweeping notebooks.

Real executions (each starts a kernel, ~1-3 s): runs, a failing run, sweeps in
worker processes, runs competing for one folder, and a sweep killed (and
interrupted) and resumed from the command line.  The progress and
failure-collecting logic is also tested with a stand-in for the execution
step, which costs nothing.  The Dask cluster is in test_sweep_dask.py.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import userdata
from nbformat.v4 import new_code_cell, new_markdown_cell
from papermill.exceptions import PapermillExecutionError

from crm_lab import runner

PARAMETERS = """\
seed: int = 1  # random seed
n: int = 3  # sample size
fail: bool = False  # raise in the last cell (to test failures)
data_dir: str = ""  # echoed in the results (to test path resolution)
hold: str = ""  # while this file exists, wait (seeds > 1 only)
trace: str = ""  # append the seed to this file when the run finishes
output_dir: str = ""  # where to write results.json (empty: nowhere)
"""

BODY = """\
import json, os, pathlib, sys, time
total = seed * n
while hold and seed > 1 and pathlib.Path(hold).exists():
    time.sleep(0.05)
if output_dir:
    pathlib.Path(output_dir).mkdir(parents=True, exist_ok=True)
    results = {"seed": seed, "total": total, "stats": {"mean": total / 2},
               "exe": sys.executable, "cwd": os.getcwd()}
    if data_dir:
        results["data_dir"] = data_dir
    pathlib.Path(output_dir, "results.json").write_text(json.dumps(results))
if trace:
    with open(trace, "a") as fh:
        fh.write(f"{seed}\\n")
print(f"total is {total}")
"""

FAIL = """\
if fail:
    raise RuntimeError(f"planted failure for seed {seed}")
"""


def write_notebook(path: Path) -> Path:
    return userdata.write_notebook(path, [new_markdown_cell("# Demo"), new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
                                          BODY, FAIL])


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
    assert "known parameters: data_dir, fail, hold, n, output_dir, seed, trace" in message
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
    assert Path(result.results["cwd"]).resolve() == out.resolve()  # the kernel starts in the run's folder
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
    assert re.fullmatch(r"\[1/1\] demo failed \(notebook demo failed in cell \[\d+\] \(RuntimeError: planted "
                        r"failure for seed 5\); partial output: .*demo\.ipynb\) after \d+\.\d s \(elapsed 0:0\d\)\n",
                        capsys.readouterr().out)
    assert not (out / "demo.partial.ipynb").exists()


def _fake_execute(path, output_dir, parameters, known, **kwargs):
    if parameters.get("seed") == 2 and parameters.get("n") == 3:
        raise ValueError("boom")
    results = {"seed": parameters.get("seed"), "total": parameters.get("seed", 1) * 10,
               "seconds": -1, "nested": {"deep": {"x": 1}}}
    return runner.RunResult(path, output_dir / f"{path.stem}.ipynb", None, results, 0.25,
                            dict(parameters))


def test_run_all_prints_one_line_per_notebook(suite, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "_execute", _fake_execute)
    results = runner.run_all(output_dir=tmp_path / "out", parameters={"n": 2}, html=False, workers=1)
    assert [r.name for r in results] == ["00_start_here", "01_kano_model"]
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"\[1/2\] 00_start_here done in 0\.2 s \(elapsed 0:00, ETA 0:00\)", lines[0])
    assert re.fullmatch(r"\[2/2\] 01_kano_model done in 0\.2 s \(elapsed 0:00\)", lines[1])
    assert len(lines) == 2
    with pytest.raises(ValueError, match="unknown parameter 'x'"):
        runner.run_all(["00", "01"], output_dir=tmp_path / "out", parameters={"x": 1})


def test_sweep_collects_failures_after_all_runs(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_execute", _fake_execute)
    with pytest.raises(runner.SweepError) as info:
        runner.sweep(demo, {"seed": [1, 2], "n": [3, 4]}, output_dir=tmp_path / "sw",
                     progress=False, workers=1)
    assert str(info.value) == ("1 of 4 runs of demo failed: seed=2_n=3 (ValueError: boom); "
                               "rerun the same command to retry them")
    assert [combo for combo, _ in info.value.failures] == [{"seed": 2, "n": 3}]
    table = info.value.table
    # parameters, flattened results (echoed 'seed' kept once, 'seconds' renamed), seconds
    assert list(table.columns) == ["seed", "n", "total", "results.seconds", "nested.deep.x",
                                   "seconds"]
    assert table[["seed", "n"]].values.tolist() == [[1, 3], [1, 4], [2, 4]]
    # the finished points are on disk, the failed one is marked
    saved = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    assert saved[["seed", "n"]].values.tolist() == [[1, 3], [1, 4], [2, 4]]
    manifest = json.loads((tmp_path / "sw" / "manifest.json").read_text())
    assert {k: v["status"] for k, v in manifest["points"].items()} == {
        "seed=1_n=3": "done", "seed=1_n=4": "done", "seed=2_n=3": "failed", "seed=2_n=4": "done"}
    assert manifest["points"]["seed=2_n=3"]["error"] == "ValueError: boom"

    # rerunning runs only the failed point
    calls = []

    def fixed(path, output_dir, parameters, known, **kwargs):
        calls.append(output_dir.name)
        return runner.RunResult(path, output_dir / "demo.ipynb", None, {"total": 60}, 0.5, dict(parameters))

    monkeypatch.setattr(runner, "_execute", fixed)
    table = runner.sweep(demo, {"seed": [1, 2], "n": [3, 4]}, output_dir=tmp_path / "sw", progress=False,
                         workers=1)
    assert calls == ["seed=2_n=3"]
    assert table[["seed", "n", "total"]].values.tolist() == [[1, 3, 10], [1, 4, 10], [2, 3, 60], [2, 4, 20]]


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
    # every point writing one results folder would mix their results up
    with pytest.raises(ValueError, match=r"'output_dir' is set by the sweep for each point"):
        runner.sweep(demo, {"seed": [1, 2]}, output_dir=out, parameters={"output_dir": "X"})
    with pytest.raises(ValueError, match=r"'output_dir' is set by the sweep for each point"):
        runner.sweep(demo, {"output_dir": ["a", "b"]}, output_dir=out)
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
        assert not list((out / folder).glob("*.partial.ipynb"))
    pd.testing.assert_frame_equal(pd.read_csv(out / "sweep.csv"), table, check_dtype=False)
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line[:5] for line in lines) == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert all(re.fullmatch(r"\[\d/4\] seed=\d_n=\d done in \d+\.\d s \(elapsed \d:\d\d(, ETA \d:\d\d)?\)",
                            line) for line in lines)
    assert table["cwd"].tolist() == [str(out.resolve() / f) for f in
                                     ["seed=1_n=3", "seed=1_n=5", "seed=2_n=3", "seed=2_n=5"]]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {v["status"] for v in manifest["points"].values()} == {"done"}


# --------------------------------------------------------------------------
# Isolation: relative paths, one run per folder, no kernel noise
# --------------------------------------------------------------------------
def test_relative_paths_resolve_against_the_callers_folder(demo, tmp_path, monkeypatch):
    caller = tmp_path / "caller"
    caller.mkdir()
    monkeypatch.chdir(caller)
    before = sorted(demo.parent.rglob("*"))
    result = runner.run_notebook(demo, output_dir="runs", html=False, progress=False,
                                 parameters={"data_dir": "mydata", "output_dir": "myresults"})
    assert result.results["data_dir"] == str(caller / "mydata")
    assert result.output == caller / "runs" / "demo.ipynb"
    assert (caller / "myresults" / "results.json").is_file()
    assert result.parameters["output_dir"] == str(caller / "myresults")
    assert sorted(demo.parent.rglob("*")) == before  # nothing written beside the notebook


def test_a_folder_in_use_is_refused_and_stale_results_are_never_returned(demo, tmp_path):
    out = tmp_path / "out"
    # a previous run's results must not be returned by a run that writes none
    (out / "demo").mkdir(parents=True)
    (out / "demo" / "results.json").write_text('{"total": 999}')
    with runner._claim(out / "demo" / ".crm-lab.lock", "results folder"):
        with pytest.raises(runner.FolderInUseError, match=r"results folder .*out/demo is in use by another crm-lab run "
                           rf"\(process {os.getpid()} on .*\); wait for it"):
            runner.run_notebook(demo, output_dir=out, html=False, progress=False)
    silent = tmp_path / "nbs" / "silent" / "demo.ipynb"  # declares output_dir, writes no results
    userdata.write_notebook(silent, ["x = 1"], parameters='output_dir: str = ""')
    result = runner.run_notebook(silent, output_dir=out, html=False, progress=False)
    assert result.results == {}
    assert not (out / "demo" / "results.json").exists()
    with pytest.raises(ValueError, match="would send the results of 2 notebooks to one folder"):
        runner.run_all([demo, demo], output_dir=out, parameters={"output_dir": "x"}, html=False)


def _cli(*args):
    return [sys.executable, "-m", "crm_lab.cli", *map(str, args)]


def _wait_for(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_runs_in_other_processes_never_mix_results(demo, tmp_path):
    """The measured mix-up: concurrent runs of one notebook, each must get its own results."""
    hold = tmp_path / "hold"
    hold.touch()
    a = subprocess.Popen(_cli("run", demo, "-p", "seed", 2, "-p", "hold", hold, "--no-html",
                              "--output-dir", tmp_path / "a"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: (tmp_path / "a" / "demo.partial.ipynb").exists())
        # the same output folder, or the same results folder: refused, one line, exit 2
        same = subprocess.run(_cli("run", demo, "-p", "seed", 3, "--no-html", "--output-dir", tmp_path / "a"),
                              capture_output=True, text=True, timeout=120)
        assert same.returncode == 2
        assert re.fullmatch(r"crm-lab: error: output folder .*a \(demo\) is in use by another crm-lab run "
                            r"\(process \d+ on .*\); wait for it to finish or choose another output folder\n", same.stderr)
        shared = subprocess.run(_cli("run", demo, "-p", "seed", 3, "-p", "output_dir", tmp_path / "a" / "demo",
                                     "--no-html", "--output-dir", tmp_path / "b"), capture_output=True, text=True,
                                timeout=120)
        assert shared.returncode == 2 and "results folder" in shared.stderr and "in use" in shared.stderr
        # another folder: runs at the same time, with its own results
        other = runner.run_notebook(demo, output_dir=tmp_path / "c", parameters={"seed": 3}, html=False,
                                    progress=False)
        assert other.results["seed"] == 3
    finally:
        hold.unlink()
        out, err = a.communicate(timeout=120)
    assert a.returncode == 0, err
    assert json.loads((tmp_path / "a" / "demo" / "results.json").read_text())["seed"] == 2
    assert not (tmp_path / "a" / "demo.partial.ipynb").exists()


def test_kernel_noise_goes_to_the_log_file(demo, tmp_path):
    done = subprocess.run(_cli("run", demo, "--no-html", "--output-dir", tmp_path / "out"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert re.fullmatch(r"\[1/1\] demo done in \d+\.\d s \(elapsed \d:\d\d\)\n1 notebook\(s\) executed in \d+\.\d s; outputs in .*\n",
                        done.stdout)
    assert (tmp_path / "out" / "demo.log").is_file()


def test_progress_eta_counts_parallel_items(monkeypatch, capsys):
    clock = iter([0.0, 10.0, 10.0, 20.0, 20.0])
    monkeypatch.setattr(runner.time, "perf_counter", lambda: next(clock))
    bar = runner._Progress(5, done=1, unit="points")
    bar.finished("a", "done in", 9.0)  # t=10: 1 finished in 10 s, 3 left -> 30 s
    bar.finished("b", "done in", 9.0)  # t=20: 2 in 20 s, 2 left -> 20 s
    assert capsys.readouterr().out.splitlines() == [
        "[2/5] a done in 9.0 s (elapsed 0:10, ETA 0:30)",
        "[3/5] b done in 9.0 s (elapsed 0:20, ETA 0:20)",
    ]


# --------------------------------------------------------------------------
# Resume
# --------------------------------------------------------------------------
def test_notebook_hash_ignores_outputs_but_not_code(demo, tmp_path):
    first = runner.notebook_hash(demo)
    run = runner.run_notebook(demo, output_dir=tmp_path / "o", html=False, progress=False)
    assert runner.notebook_hash(run.output) == first  # executed: outputs and metadata differ
    nb = nbformat.read(demo, as_version=4)
    nb.cells[2].source += "\nprint('changed')\n"
    nbformat.write(nb, demo)
    assert runner.notebook_hash(demo) != first


def _sweep_args(demo, out, trace, hold, workers):
    return _cli("sweep", demo, "-g", "seed", "1,2,3", "-p", "trace", trace, "-p", "hold", hold,
                "--workers", workers, "--output-dir", out)


def _points(out):
    return json.loads((out / "manifest.json").read_text())["points"]


@pytest.mark.parametrize("how", ["kill", "ctrl-c"])
def test_sweep_killed_or_interrupted_resumes_losing_and_redoing_nothing(demo, tmp_path, how):
    out, trace, hold = tmp_path / "sw", tmp_path / "trace.txt", tmp_path / "hold"
    hold.touch()  # seeds 2 and 3 wait while it exists
    workers = 1 if how == "kill" else 2
    first = subprocess.Popen(_sweep_args(demo, out, trace, hold, workers), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for(lambda: (out / "manifest.json").exists() and _points(out)["seed=1"]["status"] == "done")
        _wait_for(lambda: (out / "seed=2" / "demo.partial.ipynb").exists())
        if workers == 2:
            _wait_for(lambda: _points(out)["seed=3"]["status"] == "running")
        done_file = out / "seed=1" / "demo.ipynb"
        stamp = done_file.stat().st_mtime_ns
        assert pd.read_csv(out / "sweep.csv")["seed"].tolist() == [1]  # written as the point finished
    finally:
        os.killpg(first.pid, signal.SIGKILL if how == "kill" else signal.SIGINT)
        stdout, stderr = first.communicate(timeout=60)
    if how == "kill":
        assert first.returncode == -signal.SIGKILL
    else:
        assert first.returncode == 130
        assert stderr == (f"crm-lab: interrupted: 1 of 3 points finished and kept in {out}; "
                          "rerun the same command to resume\n")
    assert _points(out)["seed=2"]["status"] == "running"  # marked as unfinished on disk
    assert (out / "seed=2" / "demo.partial.ipynb").exists()
    hold.unlink()

    again = subprocess.run(_sweep_args(demo, out, trace, hold, workers), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == (
        f"resuming {out}: 1 of 3 points already done; running 2 (" + ("1 running" if how == "kill" else "2 running")
        + " before)")
    assert sorted(trace.read_text().split()) == ["1", "2", "3"]  # every point finished exactly once
    assert done_file.stat().st_mtime_ns == stamp  # the finished point was not redone
    table = pd.read_csv(out / "sweep.csv")
    assert table[["seed", "total"]].values.tolist() == [[1, 3], [2, 6], [3, 9]]
    assert {p["status"] for p in _points(out).values()} == {"done"}
    assert not list(out.rglob("*.partial.ipynb"))


def test_sweep_reruns_points_whose_notebook_code_changed(demo, tmp_path, monkeypatch):
    calls = []

    def fake(path, output_dir, parameters, known, **kwargs):
        calls.append(output_dir.name)
        return runner.RunResult(path, output_dir / "demo.ipynb", None, {"total": 1}, 0.1, dict(parameters))

    monkeypatch.setattr(runner, "_execute", fake)
    grid = {"seed": [1, 2]}
    runner.sweep(demo, grid, output_dir=tmp_path / "sw", progress=False, workers=1)
    runner.sweep(demo, grid, output_dir=tmp_path / "sw", progress=False, workers=1)
    assert calls == ["seed=1", "seed=2"]  # the second call found both done
    runner.sweep(demo, grid, output_dir=tmp_path / "sw", progress=False, workers=1, parameters={"n": 4})
    assert calls[2:] == ["seed=1", "seed=2"]  # other fixed parameters: other points
    nb = nbformat.read(demo, as_version=4)
    nb.cells[2].source += "\nprint('changed')\n"
    nbformat.write(nb, demo)
    runner.sweep(demo, grid, output_dir=tmp_path / "sw", progress=False, workers=1, parameters={"n": 4})
    assert calls[4:] == ["seed=1", "seed=2"]
    other = write_notebook(tmp_path / "other.ipynb")
    with pytest.raises(runner.FolderInUseError, match="holds a sweep of notebook 'demo', not 'other'"):
        runner.sweep(other, grid, output_dir=tmp_path / "sw", progress=False, workers=1)


def test_run_all_starts_the_slowest_notebook_first(tmp_path):
    """make suite's order: by the papermill durations recorded in each committed notebook."""
    paths = []
    for name, seconds in (("a", [1.0, 2.0]), ("b", [10.0]), ("c", []), ("d", [0.5, None])):
        cells = [nbformat.v4.new_code_cell("1", metadata={"papermill": {"duration": s}}) for s in seconds]
        paths.append(tmp_path / f"{name}.ipynb")
        nbformat.write(nbformat.v4.new_notebook(cells=cells), paths[-1])
    (tmp_path / "broken.ipynb").write_text("not json")
    assert [runner.expected_seconds(p) for p in paths] == [3.0, 10.0, 0.0, 0.5]
    assert runner.expected_seconds(tmp_path / "broken.ipynb") == 0.0
    assert [paths[i].stem for i in runner._longest_first(paths)] == ["b", "a", "d", "c"]
