"""Sweeps on a real dask.distributed cluster: a LocalCluster of 2 worker processes.

The points travel to the workers as notebook text and come back as files
(the workers may not share the caller's disk); results, the manifest and
resume behave as for local sweeps.  Also runs the documented simulation
study (examples/interaction_power.ipynb) on the cluster.
"""

import json
import logging
import sys
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster
from test_runner import write_notebook

from crm_lab import cli, runner, studies


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0", silence_logs=logging.ERROR) as local:
        yield local


def test_sweep_on_a_dask_cluster_then_resume(cluster, tmp_path, capsys):
    demo = write_notebook(tmp_path / "nbs" / "demo.ipynb")
    out, trace = tmp_path / "sw", tmp_path / "trace.txt"
    args = ["sweep", str(demo), "-g", "seed", "1,2,3", "-p", "n", "2", "-p", "trace", str(trace),
            "--output-dir", str(out), "--scheduler", cluster.scheduler_address]
    assert cli.main(args) == 0
    table = pd.read_csv(out / "sweep.csv")
    assert table[["seed", "total"]].values.tolist() == [[1, 2], [2, 4], [3, 6]]
    assert (table["exe"] == sys.executable).all()
    # each point ran in a worker's scratch folder, and its files came back here
    assert all("crm-lab-point-" in cwd for cwd in table["cwd"])
    for seed in (1, 2, 3):
        folder = out / f"seed={seed}"
        assert json.loads((folder / "demo" / "results.json").read_text())["total"] == 2 * seed
        assert (folder / "demo.ipynb").is_file() and (folder / "demo.log").is_file()
        assert not list(folder.glob("*.partial.ipynb"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert {p["status"] for p in manifest["points"].values()} == {"done"}
    assert sorted(trace.read_text().split()) == ["1", "2", "3"]
    capsys.readouterr()

    # rerun with one more seed: only the new point runs
    assert cli.main([*args[:4], "1,2,3,4", *args[5:]]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"resuming {out}: 3 of 4 points already done; running 1"
    assert sorted(trace.read_text().split()) == ["1", "2", "3", "4"]
    assert pd.read_csv(out / "sweep.csv")["total"].tolist() == [2, 4, 6, 8]

    # a failing point comes back with its partial notebook
    with pytest.raises(runner.SweepError) as info:
        runner.sweep(demo, {"seed": [5]}, parameters={"fail": True}, output_dir=tmp_path / "bad",
                     scheduler=cluster.scheduler_address, progress=False)
    (combo, error), = info.value.failures
    assert combo == {"seed": 5} and isinstance(error, runner.NotebookExecutionError)
    assert error.evalue == "planted failure for seed 5"
    assert error.output == (tmp_path / "bad" / "seed=5" / "demo.ipynb").resolve() and error.output.is_file()
    assert json.loads((tmp_path / "bad" / "manifest.json").read_text())["points"]["seed=5"]["status"] == "failed"


def test_simulation_study_example_on_the_cluster(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)  # picked up without --scheduler
    out = tmp_path / "study"
    table = runner.sweep(studies.NOTEBOOK, {"n": [40, 160], "effect": [0.3], "seed": [1, 2]},
                         parameters={"reps": 40}, output_dir=out, progress=False)
    assert table[["n", "seed"]].values.tolist() == [[40, 1], [40, 2], [160, 1], [160, 2]]
    assert len(list(Path(out).glob("*/interaction_power/results.json"))) == 4
    table_path, figure_path = studies.write(out)
    summary = pd.read_csv(table_path)
    assert summary[["n", "seeds", "reps"]].values.tolist() == [[40, 2, 80], [160, 2, 80]]
    assert (summary["ci_low"] <= summary["power"]).all() and (summary["power"] <= summary["ci_high"]).all()
    assert summary["analytic_power"].is_monotonic_increasing
    assert figure_path.stat().st_size > 10_000
